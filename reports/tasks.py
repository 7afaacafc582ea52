"""Celery tasks of the reports app. Thin: each one calls a service."""

import datetime

from celery import shared_task
from django.db import OperationalError, connection
from django.utils import timezone

from reports.locks import KPI_SNAPSHOT_LOCK
from reports.services import snapshots


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def kpi_snapshot(day: str | None = None) -> dict:
    """Write one day's KPI snapshot (default: yesterday, Hong Kong time). Returns the run's id and rows.

    A session-level PostgreSQL advisory lock makes a second run, while one is under way, skip at once (the
    service commits its own transaction, so the lock cannot be a transaction one). Rerunning a day replaces it.
    """
    the_day = datetime.date.fromisoformat(day) if day else timezone.localdate() - datetime.timedelta(days=1)
    if connection.vendor != "postgresql":
        run = snapshots.snapshot_write(day=the_day)
        return {"run": run.pk, "rows": run.rows}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [KPI_SNAPSHOT_LOCK])
        if not cursor.fetchone()[0]:
            return {"skipped": True}
    try:
        run = snapshots.snapshot_write(day=the_day)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [KPI_SNAPSHOT_LOCK])
    return {"run": run.pk, "rows": run.rows}
