from celery import shared_task
from django.db import OperationalError

import privacy.services.requests as requests


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def request_reminders() -> int:
    """Daily: remind handlers of data access and correction requests nearing their 40-day deadline."""
    return requests.request_reminders_send().counts["reminders"]
