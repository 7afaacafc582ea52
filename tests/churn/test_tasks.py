"""The scoring task through a real Celery worker and broker, on the real PostgreSQL database."""

import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError, connection
from django.utils import timezone

from churn import tasks
from churn.models import CustomerScore, ScoringRun
from churn.services import scoring
from crm_site.celery import app as celery_app
from customers.models import Purchase
from tests.churn.history import history_create
from tests.factories import StoreFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scoring job's write path (COPY, advisory lock) needs PostgreSQL"
)


def _wait_for(predicate, *, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _finished(count):
    return lambda: ScoringRun.objects.exclude(status=ScoringRun.Status.RUNNING).count() >= count


def _scores():
    return sorted(
        CustomerScore.objects.values_list("customer_id", "risk", "band", "expected_value_12m", "probability_alive")
    )


def test_the_task_retries_database_errors_only_and_acknowledges_late():
    assert tasks.churn_score.autoretry_for == (OperationalError,)
    assert tasks.churn_score.acks_late is True


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_twice_alike_and_a_failed_run_keeps_the_previous_scores(monkeypatch):
    # given a book of 700 customers and a real worker on the configured broker
    store = StoreFactory(code="central", name="Central")
    customers = history_create(store=store, customers=700)
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # when the task runs twice in a row
        tasks.churn_score.delay()
        assert _wait_for(_finished(1))
        first = _scores()
        tasks.churn_score.delay()
        assert _wait_for(_finished(2))
        # then both runs succeeded and gave the same scores
        assert list(ScoringRun.objects.values_list("status", flat=True)) == ["succeeded", "succeeded"]
        assert len(first) == 700
        assert _scores() == first

        # given new purchases (the next run would change scores) and a failure after the upsert, before commit
        for customer in customers[:50]:
            Purchase.objects.create(
                customer=customer, store=store, purchased_on=timezone.localdate(), total=Decimal("9000")
            )

        def fail(stage):
            if stage == "upserted":
                raise RuntimeError("disk full (simulated)")

        monkeypatch.setattr(scoring, "_checkpoint", fail)
        # when
        tasks.churn_score.delay()
        assert _wait_for(_finished(3))
    # then the run is recorded as failed, and every score is the previous one
    failed = ScoringRun.objects.order_by("-id").first()
    assert failed.status == ScoringRun.Status.FAILED
    assert "disk full" in failed.error
    assert failed.finished_at is not None
    assert _scores() == first
    assert CustomerScore.objects.filter(last_purchase_on=timezone.localdate()).count() == 0
    # and a run without the failure picks the new purchases up
    monkeypatch.setattr(scoring, "_checkpoint", lambda stage: None)
    scoring.scoring_run()
    assert CustomerScore.objects.filter(last_purchase_on=timezone.localdate()).count() == 50
