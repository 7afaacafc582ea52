"""Celery tasks of the segmentation app. Thin: each one calls a service."""

from celery import shared_task
from django.db import OperationalError, transaction

from crm_site.locks import try_xact_lock
from segmentation import services
from segmentation.locks import METRICS_REFRESH_LOCK

__all__ = ["METRICS_REFRESH_LOCK", "metrics_refresh", "segmentation_run", "segmentation_run_scheduled"]


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def metrics_refresh() -> dict:
    """Recompute every customer's metrics (nightly). Returns the service's counts, or {"skipped": True}.

    On PostgreSQL a transaction-level advisory lock makes a second run, while one is under way, skip
    at once; the lock goes with the transaction. SQLite has a single writer: a second run waits for
    the first's write transaction (IMMEDIATE mode, see settings) and then finds nothing to change.
    """
    with transaction.atomic():
        if not try_xact_lock(METRICS_REFRESH_LOCK):
            return {"skipped": True}
        return services.metrics_refresh()


@shared_task(acks_late=True)
def segmentation_run(run_id: int) -> str:
    """Execute one run (started by hand). A redelivered message finds the run no longer pending: no-op.

    Failures are recorded on the run by the service (no retry: a rerun is a new run).
    """
    return services.run_execute(run_id=run_id).status


@shared_task(acks_late=True)
def segmentation_run_scheduled() -> str:
    """The scheduled run (CELERY_BEAT_SCHEDULE "segmentation-run"); skipped while another is under way."""
    run = services.run_scheduled()
    return run.status if run else "skipped"
