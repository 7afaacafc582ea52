"""The send through a real Celery worker, and the periodic task that queues due campaigns."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from campaigns import tasks
from campaigns.models import Campaign, Recipient
from crm_site.celery import app as celery_app
from privacy.models import Channel, SubjectClass


def _wait_for(predicate, *, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_send_task_retries_only_database_errors_and_acknowledges_late():
    from django.db import OperationalError

    assert tasks.campaign_send.autoretry_for == (OperationalError,)
    assert tasks.campaign_send.acks_late is True


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_due_campaign_once(settings, privacy_officer, supervisor, central):
    from tests.campaigns.conftest import grant, segment_with
    from tests.factories import CustomerFactory
    from tests.privacy.helpers import published_notice

    # given a scheduled campaign to 5 consenting customers (and one who did not consent), in batches of 2
    settings.CAMPAIGNS_BATCH_SIZE = 2
    published_notice(privacy_officer)
    consenting = [CustomerFactory(home_store=central) for _ in range(5)]
    for customer in consenting:
        grant(customer, privacy_officer, classes=(SubjectClass.EVENTS,), channels=(Channel.EMAIL,))
    segment = segment_with([*consenting, CustomerFactory(home_store=central)])
    campaign = Campaign.objects.create(
        name="Worker",
        segment=segment,
        subject_class=SubjectClass.EVENTS,
        channel=Channel.EMAIL,
        body_en="Hello {name}",
        body_zh="你好",
        control_share=0,
        status=Campaign.Status.SCHEDULED,
        scheduled_at=timezone.now(),
        created_by=supervisor,
    )
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # when beat's periodic task runs, and the message is delivered twice (a redelivery)
        tasks.campaigns_due.delay()
        assert _wait_for(lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT)
        tasks.campaign_send.delay(campaign.pk)
        tasks.campaign_send.delay(campaign.pk)
        time.sleep(1)
    # then each consenting customer got exactly one message
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in consenting)
    assert Recipient.objects.filter(campaign=campaign, status=Recipient.Status.SENT).count() == 5
