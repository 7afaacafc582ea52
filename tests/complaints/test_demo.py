"""Demo complaints: loaded with the demo data, realistic, deterministic and loaded once."""

import io

import pytest
from django.core.management import call_command

from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey


def _load() -> str:
    out = io.StringIO()
    call_command("load_demo_data", customers=150, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_has_open_overdue_escalated_and_closed_complaints():
    output = _load()
    assert "complaints" in output
    complaints = Complaint.objects.all()
    statuses = set(complaints.values_list("status", flat=True))
    assert statuses == set(Complaint.Status.values)
    assert complaints.filter(escalation_level__gt=0).exists()
    assert complaints.filter(goodwill_status=Complaint.Goodwill.PENDING).exists()
    assert complaints.filter(acknowledge_breached_at__isnull=False, status=Complaint.Status.NEW).exists()
    assert complaints.values("store").distinct().count() == 3
    assert complaints.filter(category__code="personal_data", assignee__username__startswith="dpo.").exists()
    assert SatisfactionSurvey.objects.filter(score__isnull=False).exists()
    assert complaints.filter(customer__isnull=True, assignee__isnull=True, channel="web").count() == 3
    # every complaint has its timeline, and the constraints held
    assert not complaints.exclude(pk__in=ComplaintEvent.objects.values("complaint")).exists()
    for complaint in complaints:
        assert complaint.received_at <= complaint.acknowledge_due_at <= complaint.resolve_due_at
        complaint.full_clean()


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    _load()
    first = list(Complaint.objects.order_by("pk").values_list("customer__external_ref", "subject", "status"))
    output = _load()
    assert "Nothing to do" in output
    assert list(Complaint.objects.order_by("pk").values_list("customer__external_ref", "subject", "status")) == first
