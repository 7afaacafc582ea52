"""Celery tasks of the complaints app. Thin: each one calls a service."""

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

import complaints.services as services
from crm_site.locks import try_xact_lock

# Key of the PostgreSQL advisory lock that keeps two SLA checks from running at once.
SLA_CHECK_LOCK = 7_310_420_005


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sla_check() -> dict:
    """Flag SLA breaches and escalate them (every few minutes, from beat). Safe to rerun.

    A second run while one is under way skips at once (PostgreSQL advisory lock); the row locks
    and breach stamps in the service keep even overlapping runs from flagging anything twice.
    """
    started_at = timezone.now()
    try:
        with transaction.atomic():
            if not try_xact_lock(SLA_CHECK_LOCK):
                return {"skipped": True}
            run = services.sla_check()
    except OperationalError:
        raise  # transient: retried
    except Exception as exc:
        services.sla_run_failed(started_at=started_at, error=repr(exc))
        raise
    return {"run": run.pk, "breaches": run.breaches, "notifications": run.notifications}
