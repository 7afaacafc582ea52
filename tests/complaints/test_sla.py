"""The SLA check: breaches flagged, escalated to the store's supervisor (e-mail and in-app), once."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from complaints import services, tasks
from complaints.models import Complaint, ComplaintEvent, SlaRun
from crm_site.celery import app as celery_app
from crm_site.models import Notification
from tests.complaints.conftest import put_in_status
from tests.factories import ComplaintFactory, UserFactory


def overdue(customer, manager, **fields):
    past = timezone.now() - timedelta(days=3)
    return ComplaintFactory(
        customer=customer,
        assignee=manager,
        received_at=past,
        acknowledge_due_at=past + timedelta(hours=2),
        resolve_due_at=past + timedelta(days=1),
        **fields,
    )


def test_a_breach_is_flagged_escalated_and_notified_once(
    customer, manager, supervisor, django_capture_on_commit_callbacks, mailoutbox
):
    # given a complaint nobody acknowledged, past both due times
    supervisor.email = "sup@example.com"
    supervisor.save()
    complaint = overdue(customer, manager)
    # when the check runs
    with django_capture_on_commit_callbacks(execute=True):
        run = services.sla_check()
    # then both breaches are flagged, the complaint escalated twice, the supervisor told twice
    complaint.refresh_from_db()
    assert complaint.acknowledge_breached_at is not None
    assert complaint.resolve_breached_at is not None
    assert complaint.escalation_level == 2
    assert (run.breaches, run.notifications) == (2, 2)
    assert run.finished_at is not None
    assert Notification.objects.filter(user=supervisor, url=complaint.get_absolute_url()).count() == 2
    assert len(mailoutbox) == 2
    assert mailoutbox[0].to == ["sup@example.com"]
    assert complaint.events.filter(kind=ComplaintEvent.Kind.BREACHED).count() == 2
    # when it runs again
    with django_capture_on_commit_callbacks(execute=True):
        rerun = services.sla_check()
    # then nothing more
    complaint.refresh_from_db()
    assert (rerun.breaches, rerun.notifications) == (0, 0)
    assert complaint.escalation_level == 2
    assert Notification.objects.filter(user=supervisor).count() == 2
    assert len(mailoutbox) == 2


def test_an_acknowledged_complaint_breaches_only_its_resolution(customer, manager, supervisor):
    complaint = put_in_status(overdue(customer, manager), Complaint.Status.INVESTIGATING)
    services.sla_check()
    complaint.refresh_from_db()
    assert complaint.acknowledge_breached_at is None
    assert complaint.resolve_breached_at is not None


def test_the_clock_is_paused_while_awaiting_the_customer(customer, manager, supervisor):
    complaint = put_in_status(overdue(customer, manager), Complaint.Status.AWAITING_CUSTOMER)
    assert services.sla_check().breaches == 0
    complaint.refresh_from_db()
    assert complaint.resolve_breached_at is None


def test_complaints_on_time_or_resolved_are_left_alone(customer, manager, supervisor):
    ComplaintFactory(customer=customer, assignee=manager)  # due tomorrow
    put_in_status(overdue(customer, manager), Complaint.Status.RESOLVED)
    assert services.sla_check().breaches == 0
    assert not Notification.objects.exists()


def test_without_a_store_supervisor_the_admins_are_told(customer, manager, admin_user):
    overdue(customer, manager, status=Complaint.Status.NEW)
    services.sla_check()
    assert Notification.objects.filter(user=admin_user).count() == 2


def test_the_schedule_is_in_the_settings_for_beat():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["complaints-sla-check"]["task"] == "complaints.tasks.sla_check"


# --- against a real worker and broker --------------------------------------------------------------


def _wait_for(predicate, *, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_escalation_job_on_a_real_worker_escalates_once(customer, manager, supervisor):
    # given an overdue, unacknowledged complaint and an empty queue
    complaint = overdue(customer, manager)
    bystander = UserFactory(username="not-a-supervisor")
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # when beat's task goes through the broker
        tasks.sla_check.delay()
        assert _wait_for(lambda: SlaRun.objects.filter(finished_at__isnull=False).count() == 1)
        # and again
        tasks.sla_check.delay()
        assert _wait_for(lambda: SlaRun.objects.filter(finished_at__isnull=False).count() == 2)
    # then the breach was detected and escalated once, the rerun did nothing
    complaint.refresh_from_db()
    assert complaint.escalation_level == 2  # acknowledgement and resolution breaches, each once
    runs = list(SlaRun.objects.order_by("started_at").values_list("breaches", "notifications"))
    assert runs == [(2, 2), (0, 0)]
    assert Notification.objects.filter(user=supervisor).count() == 2
    assert not Notification.objects.filter(user=bystander).exists()
    assert complaint.events.filter(kind=ComplaintEvent.Kind.BREACHED).count() == 2


def test_a_failed_run_is_recorded_with_its_error_and_changes_nothing(customer, manager, supervisor, monkeypatch):
    complaint = overdue(customer, manager)

    def broken(*args, **kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr("complaints.services.sla.notify_staff", broken)
    with pytest.raises(RuntimeError):
        tasks.sla_check()
    run = SlaRun.objects.get()
    assert "mail server on fire" in run.error
    complaint.refresh_from_db()
    assert complaint.acknowledge_breached_at is None  # the half-done work was rolled back
    assert complaint.escalation_level == 0
