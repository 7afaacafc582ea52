"""Celery tasks of the campaigns app. Thin: each one calls a service with ids."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import campaigns as services


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def campaign_send(campaign_id: int) -> dict:
    """Send a campaign in batches until done or paused. Safe to redeliver: claimed rows are never resent."""
    return services.campaign_send(campaign_id=campaign_id)


@shared_task
def campaigns_due() -> dict:
    """Every minute from beat: queue the scheduled campaigns whose time has come (a campaign that is
    already sending is re-queued by its own redelivered message, or by the resume button)."""
    ids = list(
        Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        campaign_send.delay(pk)
    return {"queued": ids}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def loyalty_nightly(days: int = 3) -> dict:
    """Earn on the purchases of the last few days, reverse their refunds, then expire what is due.
    Idempotent: a purchase earns once, a refund is reversed once, a lot expires once."""
    from datetime import timedelta

    from campaigns.services import loyalty

    since = timezone.localdate() - timedelta(days=days)
    return {"posted": loyalty.loyalty_sync_all(since=since), "expired": loyalty.loyalty_expire_all()}
