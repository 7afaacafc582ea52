"""Resolution: root cause, goodwill with approval above the limit, follow-up task, survey, reopening."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey
from crm_site.models import Notification
from customers.models import FollowUpTask
from tests.complaints.conftest import put_in_status
from tests.factories import ComplaintFactory

HK = ZoneInfo("Asia/Hong_Kong")


@pytest.fixture
def investigating(complaint):
    return put_in_status(complaint, Complaint.Status.INVESTIGATING)


def resolve(by, complaint, root_cause, goodwill="0"):
    complaint.refresh_from_db()
    return services.complaint_resolve(
        by=by,
        complaint_id=complaint.pk,
        expected_version=complaint.version,
        root_cause=root_cause,
        resolution_summary="We serviced the watch again at no charge.",
        corrective_action="Workshop checks rate after every service.",
        goodwill_amount=Decimal(goodwill),
    )


def test_resolving_creates_the_follow_up_task_and_sends_the_survey(
    investigating, manager, root_cause, django_capture_on_commit_callbacks, mailoutbox
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        complaint = resolve(manager, investigating, root_cause, goodwill="500")
    # then
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.resolved_at is not None
    assert complaint.goodwill_status == Complaint.Goodwill.APPROVED  # within the handler's limit
    task = FollowUpTask.objects.get(customer=complaint.customer)
    assert task.assignee == manager
    assert complaint.reference in task.title
    assert task.due_on > timezone.localdate() - timedelta(days=1)
    survey = SatisfactionSurvey.objects.get(complaint=complaint)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [complaint.customer.email]
    assert services.survey_url(survey) in mailoutbox[0].body


def test_resolving_needs_a_root_cause_and_a_summary(investigating, manager):
    with pytest.raises(ValidationError) as refused:
        services.complaint_resolve(
            by=manager,
            complaint_id=investigating.pk,
            expected_version=investigating.version,
            root_cause=None,
            resolution_summary=" ",
        )
    assert set(refused.value.error_dict) == {"root_cause", "resolution_summary"}


@override_settings(COMPLAINTS_GOODWILL_APPROVAL_ABOVE=1000)
def test_goodwill_above_the_limit_waits_for_a_supervisor(investigating, manager, supervisor, root_cause):
    # when the handler offers HKD 5,000
    complaint = resolve(manager, investigating, root_cause, goodwill="5000")
    # then the complaint stays open with the goodwill awaiting approval, and the supervisor is told
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert complaint.goodwill_status == Complaint.Goodwill.PENDING
    assert Notification.objects.filter(user=supervisor, title__contains="5,000.00").exists()
    assert not SatisfactionSurvey.objects.exists()
    # the handler cannot approve it, nor resolve around it
    with pytest.raises(PermissionDenied):
        services.complaint_goodwill_decide(
            by=manager, complaint_id=complaint.pk, expected_version=complaint.version, approve=True
        )
    with pytest.raises(ValidationError, match="awaiting a supervisor"):
        resolve(manager, complaint, root_cause, goodwill="100")
    # when the supervisor approves
    complaint = services.complaint_goodwill_decide(
        by=supervisor, complaint_id=complaint.pk, expected_version=complaint.version, approve=True, note="OK"
    )
    # then it is resolved, with the follow-up task and survey
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.goodwill_status == Complaint.Goodwill.APPROVED
    assert complaint.goodwill_decided_by == supervisor
    assert FollowUpTask.objects.filter(customer=complaint.customer).count() == 1
    assert SatisfactionSurvey.objects.filter(complaint=complaint).count() == 1


@override_settings(COMPLAINTS_GOODWILL_APPROVAL_ABOVE=1000)
def test_a_supervisors_own_goodwill_is_within_their_authority(complaint, supervisor, root_cause):
    # given the store's supervisor handles the complaint themselves
    put_in_status(complaint, Complaint.Status.INVESTIGATING)
    # when they resolve it with goodwill above the limit
    complaint = resolve(supervisor, complaint, root_cause, goodwill="5000")
    # then no approval step: they are the approver, recorded as such
    assert complaint.status == Complaint.Status.RESOLVED
    assert complaint.goodwill_status == Complaint.Goodwill.APPROVED
    assert complaint.goodwill_decided_by == supervisor


@override_settings(COMPLAINTS_GOODWILL_APPROVAL_ABOVE=1000)
def test_refused_goodwill_goes_back_to_the_handler(investigating, manager, supervisor, root_cause):
    complaint = resolve(manager, investigating, root_cause, goodwill="5000")
    complaint = services.complaint_goodwill_decide(
        by=supervisor, complaint_id=complaint.pk, expected_version=complaint.version, approve=False, note="Too much"
    )
    assert complaint.goodwill_status == Complaint.Goodwill.REJECTED
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert Notification.objects.filter(user=manager, title__contains="refused").exists()
    # the handler revises within the limit and resolves
    complaint = resolve(manager, complaint, root_cause, goodwill="800")
    assert complaint.status == Complaint.Status.RESOLVED


def test_no_goodwill_decision_without_a_request(investigating, supervisor):
    with pytest.raises(ValidationError, match="No goodwill"):
        services.complaint_goodwill_decide(
            by=supervisor, complaint_id=investigating.pk, expected_version=investigating.version, approve=True
        )


@override_settings(COMPLAINTS_REOPEN_WITHIN_DAYS=30)
def test_reopening_within_the_period_reopens_the_same_case(investigating, manager, root_cause):
    complaint = resolve(manager, investigating, root_cause)
    survey = SatisfactionSurvey.objects.get(complaint=complaint)
    # when
    complaint = services.complaint_reopen(
        by=manager, complaint_id=complaint.pk, expected_version=complaint.version, note="Stopped again"
    )
    # then: the same case, investigating again, with a new resolve clock; the old survey link is dead
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert complaint.reopened_count == 1
    assert complaint.resolved_at is None
    assert complaint.resolve_due_at > timezone.now()
    survey.refresh_from_db()
    assert survey.expires_at <= timezone.now()
    assert complaint.events.filter(kind=ComplaintEvent.Kind.REOPENED).count() == 1


@override_settings(COMPLAINTS_REOPEN_WITHIN_DAYS=30)
def test_reopening_after_the_period_is_refused(complaint, manager):
    put_in_status(complaint, Complaint.Status.CLOSED)
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now() - timedelta(days=31))
    complaint.refresh_from_db()
    with pytest.raises(ValidationError, match="log a new complaint"):
        services.complaint_reopen(by=manager, complaint_id=complaint.pk, expected_version=complaint.version, note="x")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED


def test_a_complaint_without_a_customer_gets_no_task_but_says_why(central, manager, root_cause, repair_delay):
    complaint = services.complaint_submit_public(
        name="Walk-in visitor",
        mobile_phone="",
        email="visitor@example.com",
        store=central,
        category=repair_delay,
        subject="Battery",
        description="Battery died after a month.",
    )
    put_in_status(complaint, Complaint.Status.INVESTIGATING)
    complaint = resolve(manager, complaint, root_cause)
    assert not FollowUpTask.objects.exists()
    assert "not linked to a customer" in complaint.events.get(kind=ComplaintEvent.Kind.FOLLOW_UP).note


def test_a_colleague_resolving_a_reassigned_complaint_still_gives_the_task_to_the_account_manager(
    customer, manager, colleague, supervisor, root_cause
):
    complaint = ComplaintFactory(customer=customer, assignee=manager)
    complaint = services.complaint_reassign(
        by=supervisor, complaint_id=complaint.pk, expected_version=complaint.version, assignee=colleague
    )
    put_in_status(complaint, Complaint.Status.INVESTIGATING)
    resolve(colleague, complaint, root_cause)
    assert FollowUpTask.objects.get(customer=customer).assignee == manager


def test_a_reopened_case_keeps_its_new_clock_through_a_pause(investigating, manager, root_cause, clock):
    # given a complaint received long ago, resolved, then reopened on Monday 9 March 2026 10:00
    clock.move_to("2026-03-09T02:00:00Z")
    Complaint.objects.filter(pk=investigating.pk).update(received_at=timezone.now() - timedelta(days=20))
    complaint = resolve(manager, investigating, root_cause)
    complaint = services.complaint_reopen(
        by=manager, complaint_id=complaint.pk, expected_version=complaint.version, note="Stopped again"
    )
    due = complaint.resolve_due_at
    assert due == datetime(2026, 3, 13, 14, tzinfo=HK)  # 40 business hours from the reopening
    # when it waits for the customer for a whole Tuesday and resumes
    clock.move_to("2026-03-10T02:00:00Z")
    services.complaint_transition(
        by=manager, complaint_id=complaint.pk, action="await_customer", expected_version=complaint.version
    )
    clock.move_to("2026-03-11T02:00:00Z")
    complaint = services.complaint_transition(
        by=manager, complaint_id=complaint.pk, action="investigate", expected_version=complaint.version + 1
    )
    # then the new clock moved by the 9 business hours paused, not back to the first clock
    assert complaint.resolve_due_at == datetime(2026, 3, 14, 14, tzinfo=HK)


def test_moving_out_of_the_personal_data_category_goes_back_to_the_account_manager(
    customer, manager, privacy_officer, personal_data, repair_delay
):
    complaint = ComplaintFactory(customer=customer, category=personal_data, assignee=privacy_officer)
    complaint = services.complaint_classify(
        by=privacy_officer, complaint_id=complaint.pk, expected_version=1, category=repair_delay, severity="low"
    )
    assert complaint.assignee == manager
