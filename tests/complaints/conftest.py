from datetime import datetime
from unittest import mock

import pytest
from django.utils import timezone

from complaints.models import Category, Complaint, RootCause
from tests.factories import ComplaintFactory

real_now = timezone.now


@pytest.fixture
def repair_delay(db):
    return Category.objects.get(code="repair_delay")


@pytest.fixture
def personal_data(db):
    return Category.objects.get(code="personal_data")


@pytest.fixture
def root_cause(db):
    return RootCause.objects.get(code="workshop_capacity")


@pytest.fixture
def complaint(customer, manager):
    """A new complaint of ``customer`` (Central, in ``manager``'s book), handled by ``manager``."""
    return ComplaintFactory(customer=customer, assignee=manager)


def put_in_status(complaint: Complaint, status: str) -> Complaint:
    """Move a complaint to ``status`` directly, with the timestamps the constraints ask for."""
    now = timezone.now()
    complaint.status = status
    complaint.acknowledged_at = None if status == Complaint.Status.NEW else now
    complaint.paused_at = now if status == Complaint.Status.AWAITING_CUSTOMER else None
    complaint.resolved_at = now if status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED) else None
    complaint.closed_at = now if status == Complaint.Status.CLOSED else None
    complaint.save()
    return complaint


class Clock:
    """``django.utils.timezone.now`` held at a moment the test moves."""

    def __init__(self):
        self.now = None

    def move_to(self, moment) -> None:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        self.now = moment

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    fake = Clock()
    fake.move_to(real_now())
    with mock.patch("django.utils.timezone.now", fake):
        yield fake
