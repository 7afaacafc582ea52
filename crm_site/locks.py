"""PostgreSQL advisory locks for jobs that must not overlap (cross-app plumbing)."""

from django.db import connection


def try_xact_lock(key: int) -> bool:
    """Take the transaction-level advisory lock ``key`` if it is free; False when another session holds it.

    Call it inside ``transaction.atomic()``: the lock is released with the transaction. On other databases
    (SQLite: one writer at a time) there is nothing to take and the answer is True.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        return cursor.fetchone()[0]
