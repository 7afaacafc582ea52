"""Celery tasks of the segmentation app. Thin: each one calls a service."""

from celery import shared_task
from django.db import OperationalError, connection, transaction

from segmentation import services

# Key of the PostgreSQL advisory lock that keeps two metrics refreshes from running at once.
METRICS_REFRESH_LOCK = 7_310_420_001


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def metrics_refresh() -> dict:
    """Recompute every customer's metrics (nightly). Returns the service's counts, or {"skipped": True}.

    On PostgreSQL a transaction-level advisory lock makes a second run, while one is under way, skip
    at once; the lock goes with the transaction. SQLite has a single writer: a second run waits for
    the first's write transaction (IMMEDIATE mode, see settings) and then finds nothing to change.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [METRICS_REFRESH_LOCK])
                if not cursor.fetchone()[0]:
                    return {"skipped": True}
        return services.metrics_refresh()
