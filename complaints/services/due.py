"""SLA policies and due times, in the store's business hours."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from complaints.business_time import BusinessCalendar
from complaints.models import Complaint, SlaPolicy


def policy_for(*, severity: str, category_id: int | None) -> SlaPolicy:
    """The category's own policy for this severity, else the severity's."""
    policies = SlaPolicy.objects.filter(Q(category_id=category_id) | Q(category__isnull=True), severity=severity)
    policy = min(policies, key=lambda p: p.category_id is None, default=None)
    if policy is None:
        raise ImproperlyConfigured(f"No SLA policy for severity {severity!r}: add one in the admin.")
    return policy


def due_times_refresh(complaint: Complaint, *, calendar: BusinessCalendar) -> None:
    """Set the acknowledge and resolve due times from the received time, the policy and the time paused."""
    policy = policy_for(severity=complaint.severity, category_id=complaint.category_id)
    complaint.acknowledge_due_at = calendar.add(complaint.received_at, float(policy.acknowledge_within_hours) * 3600)
    complaint.resolve_due_at = calendar.add(
        complaint.received_at, float(policy.resolve_within_hours) * 3600 + complaint.paused_seconds
    )
