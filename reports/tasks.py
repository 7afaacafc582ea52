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


@shared_task(acks_late=True)
def report_run(run_id: int) -> str:
    """Render, archive and e-mail one report run (a redelivered message finds it done: no-op)."""
    from reports.services import runs

    return runs.run_execute(run_id=run_id).status


@shared_task(acks_late=True)
def report_run_scheduled(definition_id: int) -> str:
    """Started by a definition's PeriodicTask: a new run of that definition (skipped if it was deactivated)."""
    from reports.models import ReportDefinition
    from reports.services import definitions, runs

    definition = ReportDefinition.objects.filter(pk=definition_id, is_active=True).first()
    if definition is None:
        return "skipped"
    run = definitions.ReportRun.objects.create(definition=definition)
    return runs.run_execute(run_id=run.pk).status
