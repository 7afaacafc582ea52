"""Two people acting on one complaint at once, on two real database connections: one wins, the other
gets a clear conflict message, and nothing is lost or done twice."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def _in_thread(target):
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as exc:  # the assertions below look at it
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_simultaneous_moves_gets_a_conflict(customer, manager, supervisor):
    # given a new complaint that the handler and the supervisor both have open at version 1
    complaint = ComplaintFactory(customer=customer, assignee=manager)
    first_locked, release_first = threading.Event(), threading.Event()

    def handler_acknowledges():
        with transaction.atomic():
            result = services.complaint_acknowledge(by=manager, complaint_id=complaint.pk, expected_version=1)
            first_locked.set()
            release_first.wait(timeout=10)  # hold the row lock while the supervisor tries
            return result

    def supervisor_escalates():
        first_locked.wait(timeout=10)
        return services.complaint_escalate(
            by=supervisor, complaint_id=complaint.pk, expected_version=1, note="Customer is a VIP"
        )

    # when both act at once
    first, first_outcome = _in_thread(handler_acknowledges)
    second, second_outcome = _in_thread(supervisor_escalates)
    assert first_locked.wait(timeout=10)
    second.join(timeout=0.5)
    assert second.is_alive(), "the second transaction must wait for the first one's row lock"
    release_first.set()
    first.join(timeout=10)
    second.join(timeout=10)

    # then the first won, the second got a conflict naming who changed it
    assert "error" not in first_outcome, first_outcome
    error = second_outcome.get("error")
    assert isinstance(error, ValidationError), second_outcome
    assert error.code == "conflict"
    assert str(manager) in error.messages[0]
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version, complaint.escalation_level) == (Complaint.Status.ACKNOWLEDGED, 2, 0)
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.TRANSITION).count() == 1
    assert not ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.ESCALATED).exists()


@pytest.mark.django_db(transaction=True)
def test_two_identical_moves_at_once_happen_once(customer, manager, supervisor):
    # given two people press "Acknowledge" at the same moment
    complaint = ComplaintFactory(customer=customer, assignee=manager)
    barrier = threading.Barrier(2)

    def acknowledge(user):
        def go():
            barrier.wait(timeout=10)
            return services.complaint_acknowledge(by=user, complaint_id=complaint.pk, expected_version=1)

        return go

    threads = [_in_thread(acknowledge(user)) for user in (manager, supervisor)]
    for thread, _outcome in threads:
        thread.join(timeout=15)
    outcomes = [outcome for _thread, outcome in threads]
    # then exactly one succeeded; the other was told of the conflict
    assert sum("result" in o for o in outcomes) == 1
    (error,) = [o["error"] for o in outcomes if "error" in o]
    assert isinstance(error, ValidationError)
    assert error.code == "conflict"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.TRANSITION).count() == 1
