from celery import shared_task
from django.db import OperationalError

import crm_site.services as services


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def heartbeat(self) -> None:
    """Scheduled by beat every minute: proves that beat and a worker are both running."""
    services.heartbeat_record(name="celery", hostname=self.request.hostname or "")
