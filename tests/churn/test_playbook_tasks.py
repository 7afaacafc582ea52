"""The playbook job through a real Celery worker and broker, on the real PostgreSQL database."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError, connection, connections

from churn import tasks
from churn.models import PlaybookRun, RemedyAction
from churn.services import playbooks
from crm_site.celery import app as celery_app
from tests.factories import (
    AccountManagerFactory,
    CustomerFactory,
    CustomerScoreFactory,
    PlaybookFactory,
    StoreFactory,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the playbook job's SQL and advisory lock need PostgreSQL"
)


def _wait_for(predicate, *, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _rows():
    return sorted(RemedyAction.objects.values_list("playbook_id", "customer_id", "period", "group", "owner_id"))


def test_the_task_retries_database_errors_only_and_acknowledges_late():
    assert tasks.remedy_playbooks.autoretry_for == (OperationalError,)
    assert tasks.remedy_playbooks.acks_late is True


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_creates_actions_once_and_does_not_overlap():
    # given 120 high-risk customers in an account manager's book and two playbooks
    store = StoreFactory(code="central", name="Central")
    manager = AccountManagerFactory(username="am-worker", stores=[store])
    for customer in CustomerFactory.create_batch(120, home_store=store, account_manager=manager):
        CustomerScoreFactory(customer=customer, band="high")
    check = PlaybookFactory(kind="service_check", channel="", subject_class="")
    call = PlaybookFactory(kind="personal_call", channel="phone", subject_class="new_releases")
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # when the task runs twice
        tasks.remedy_playbooks.delay()
        assert _wait_for(lambda: PlaybookRun.objects.filter(status="succeeded").count() >= 1)
        first = _rows()
        tasks.remedy_playbooks.delay()
        assert _wait_for(lambda: PlaybookRun.objects.filter(status="succeeded").count() >= 2)
    # then the first run took everyone up once per playbook, the second created nothing
    first_run, second_run = PlaybookRun.objects.order_by("id")
    assert len(first) == 240
    counts = first_run.counts
    assert counts[str(check.pk)]["treated"] + counts[str(check.pk)]["control"] == 120
    assert counts[str(call.pk)] == {"treated": 0, "control": 0, "skipped": 120}  # nobody agreed to calls
    assert all(n == 0 for by_group in second_run.counts.values() for n in by_group.values())
    assert _rows() == first


@pytest.mark.django_db(transaction=True)
def test_a_run_while_another_holds_the_lock_is_skipped():
    PlaybookFactory(kind="service_check", channel="", subject_class="")
    results = []

    def run_in_another_session():
        try:
            results.append(playbooks.playbooks_run())
        finally:
            connections.close_all()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [playbooks.PLAYBOOK_LOCK])
    try:
        thread = threading.Thread(target=run_in_another_session)
        thread.start()
        thread.join(timeout=30)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [playbooks.PLAYBOOK_LOCK])
    assert results == [None]
    assert not PlaybookRun.objects.exists()
    assert playbooks.playbooks_run() is not None
