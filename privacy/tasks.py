from celery import shared_task
from django.db import OperationalError

import privacy.services.requests as requests
import privacy.services.retention as retention


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def request_reminders() -> int:
    """Daily: remind handlers of data access and correction requests nearing their 40-day deadline."""
    return requests.request_reminders_send().counts["reminders"]


@shared_task(acks_late=True)
def retention_apply() -> int:
    """Nightly: apply the retention rules (records a run; a rerun does nothing new)."""
    return retention.retention_run().pk
