"""The workflow: every legal and illegal transition for every role, and the version guard."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import permissions, services
from complaints.business_time import calendar_for_store
from complaints.models import Complaint, ComplaintEvent
from complaints.services.workflow import TRANSITIONS
from tests.complaints.conftest import put_in_status
from tests.factories import ComplaintFactory

S = Complaint.Status
HK = ZoneInfo("Asia/Hong_Kong")
STATUSES = list(S.values)
ACTIONS = [
    permissions.ACKNOWLEDGE,
    permissions.INVESTIGATE,
    permissions.AWAIT_CUSTOMER,
    permissions.RESOLVE,
    permissions.CLOSE,
    permissions.REOPEN,
    permissions.ESCALATE,
]
# role → may they handle a complaint (of Central, handled by ``manager``, not about personal data)?
ROLES = {
    "handler": True,  # the account manager it is assigned to
    "supervisor": True,  # a supervisor of the store
    "admin": True,
    "colleague": False,  # another account manager of the store: a colleague's complaint
    "other_store": False,  # an account manager of another store: cannot even see it
    "privacy_officer": False,  # sees it, but handles only personal-data complaints
}


@pytest.fixture
def users(manager, colleague, other_manager, supervisor, admin_user, privacy_officer):
    return {
        "handler": manager,
        "colleague": colleague,
        "other_store": other_manager,
        "supervisor": supervisor,
        "admin": admin_user,
        "privacy_officer": privacy_officer,
    }


def act(action: str, *, by, complaint: Complaint, root_cause=None) -> Complaint:
    common = {"by": by, "complaint_id": complaint.pk, "expected_version": complaint.version}
    if action == permissions.RESOLVE:
        return services.complaint_resolve(**common, root_cause=root_cause, resolution_summary="Serviced for free.")
    if action == permissions.REOPEN:
        return services.complaint_reopen(**common, note="The watch stopped again.")
    if action == permissions.ESCALATE:
        return services.complaint_escalate(**common, note="Customer threatens to go to the Consumer Council.")
    return services.complaint_transition(**common, action=action, note="")


def legal(action: str, status: str) -> bool:
    if action == permissions.ESCALATE:
        return status in Complaint.OPEN_STATUSES
    return status in TRANSITIONS[action][0]


def expected_status(action: str, status: str) -> str:
    return status if action == permissions.ESCALATE else TRANSITIONS[action][1]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_for_every_role(users, complaint, root_cause, role, status, action):
    # given a complaint in ``status``
    put_in_status(complaint, status)
    complaint.refresh_from_db()
    version, events = complaint.version, ComplaintEvent.objects.filter(complaint=complaint).count()
    user = users[role]
    # when / then
    if not ROLES[role]:
        with pytest.raises(PermissionDenied):
            act(action, by=user, complaint=complaint, root_cause=root_cause)
    elif not legal(action, status):
        with pytest.raises(ValidationError) as refused:
            act(action, by=user, complaint=complaint, root_cause=root_cause)
        assert refused.value.code == "illegal"
        assert refused.value.messages[0]  # a sentence the user can act on
    else:
        act(action, by=user, complaint=complaint, root_cause=root_cause)
        complaint.refresh_from_db()
        assert complaint.status == expected_status(action, status)
        assert complaint.version == version + 1
        kinds = (
            [ComplaintEvent.Kind.ESCALATED]
            if action == permissions.ESCALATE
            else [ComplaintEvent.Kind.TRANSITION, ComplaintEvent.Kind.REOPENED]
        )
        event = complaint.events.filter(actor=user, kind__in=kinds).order_by("-at", "-id").first()
        assert event is not None
        if action != permissions.ESCALATE:
            assert (event.from_status, event.to_status) == (status, expected_status(action, status))
        return
    # a refusal changes nothing
    complaint.refresh_from_db()
    assert complaint.status == status
    assert complaint.version == version
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == events


def test_illegal_moves_say_what_to_do(complaint, manager, root_cause):
    with pytest.raises(ValidationError, match="Acknowledge the complaint before resolving it"):
        act(permissions.RESOLVE, by=manager, complaint=complaint, root_cause=root_cause)
    with pytest.raises(ValidationError, match="Only a resolved complaint can be closed"):
        act(permissions.CLOSE, by=manager, complaint=complaint)
    put_in_status(complaint, S.CLOSED)
    complaint.refresh_from_db()
    with pytest.raises(ValidationError, match="reopen it first"):
        act(permissions.INVESTIGATE, by=manager, complaint=complaint)


def test_a_colleague_is_told_who_handles_it(complaint, colleague, manager):
    with pytest.raises(PermissionDenied, match=str(manager)):
        act(permissions.ACKNOWLEDGE, by=colleague, complaint=complaint)


@pytest.mark.parametrize("role", ["handler", "colleague"])
def test_an_account_manager_takes_an_unassigned_complaint_by_acting_on_it(users, customer, role):
    # given a complaint in the store queue
    complaint = ComplaintFactory(customer=customer, assignee=None)
    user = users[role]
    # when
    complaint = act(permissions.ACKNOWLEDGE, by=user, complaint=complaint)
    # then
    assert complaint.assignee == user


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("handler", False), ("colleague", False), ("privacy_officer", False), ("supervisor", True), ("admin", True)],
)
def test_only_supervisors_and_admins_reassign(users, complaint, colleague, role, allowed):
    call = lambda: services.complaint_reassign(  # noqa: E731
        by=users[role], complaint_id=complaint.pk, expected_version=complaint.version, assignee=colleague
    )
    if allowed:
        assert call().assignee == colleague
        assert complaint.events.filter(kind=ComplaintEvent.Kind.ASSIGNED).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            call()
        complaint.refresh_from_db()
        assert complaint.assignee_id != colleague.pk


def test_reassigning_to_someone_of_another_store_is_refused(complaint, supervisor, other_manager):
    with pytest.raises(ValidationError, match="complaint's store"):
        services.complaint_reassign(
            by=supervisor, complaint_id=complaint.pk, expected_version=complaint.version, assignee=other_manager
        )


def test_personal_data_complaints_are_for_the_privacy_officer(customer, personal_data, manager, privacy_officer):
    complaint = ComplaintFactory(customer=customer, category=personal_data, assignee=privacy_officer)
    with pytest.raises(PermissionDenied, match="privacy officer"):
        act(permissions.ACKNOWLEDGE, by=manager, complaint=complaint)
    complaint = act(permissions.ACKNOWLEDGE, by=privacy_officer, complaint=complaint)
    assert complaint.status == S.ACKNOWLEDGED


def test_awaiting_the_customer_pauses_the_clock_and_resuming_moves_the_due_time(complaint, manager, clock):
    # given an acknowledged complaint on Monday 9 March 2026 10:00 (Hong Kong)
    clock.move_to("2026-03-09T02:00:00Z")
    complaint = services.complaint_create(
        by=manager,
        customer_id=complaint.customer_id,
        channel="phone",
        category=complaint.category,
        severity="medium",
        subject="Still waiting for my watch",
        description="Promised three weeks ago.",
    )
    assert complaint.resolve_due_at == datetime(2026, 3, 13, 14, tzinfo=HK)  # 40 business hours
    complaint = services.complaint_acknowledge(by=manager, complaint_id=complaint.pk, expected_version=1)
    services.complaint_transition(by=manager, complaint_id=complaint.pk, action="investigate", expected_version=2)
    complaint.refresh_from_db()
    due_before = complaint.resolve_due_at
    # when it waits for the customer from Tuesday 15:00 to Thursday 12:00 (15 business hours)
    clock.move_to("2026-03-10T07:00:00Z")
    services.complaint_transition(by=manager, complaint_id=complaint.pk, action="await_customer", expected_version=3)
    clock.move_to("2026-03-12T04:00:00Z")
    complaint = services.complaint_transition(
        by=manager, complaint_id=complaint.pk, action="investigate", expected_version=4
    )
    # then the resolve due time moved by 15 business hours, and the clock runs again
    assert complaint.paused_at is None
    assert complaint.paused_seconds == 15 * 3600
    assert complaint.resolve_due_at == datetime(2026, 3, 16, 11, tzinfo=HK)  # 55 business hours
    calendar = calendar_for_store(complaint.store_id)
    assert calendar.seconds_between(due_before, complaint.resolve_due_at) == 15 * 3600


# --- the version guard ----------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_and_changes_nothing(complaint, manager, supervisor):
    # given both had the complaint open at version 1; the handler acknowledges first
    services.complaint_acknowledge(by=manager, complaint_id=complaint.pk, expected_version=1)
    # when the supervisor acts on what they saw
    with pytest.raises(ValidationError) as conflict:
        services.complaint_escalate(by=supervisor, complaint_id=complaint.pk, expected_version=1, note="Urgent")
    # then a clear conflict naming who changed it, and nothing of the supervisor's is written
    assert conflict.value.code == "conflict"
    assert str(manager) in conflict.value.messages[0]
    assert "Nothing of yours was saved" in conflict.value.messages[0]
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version, complaint.escalation_level) == (S.ACKNOWLEDGED, 2, 0)
    assert not complaint.events.filter(kind=ComplaintEvent.Kind.ESCALATED).exists()
