"""Reads: SLA policy choice, open complaints per customer (for the customer metrics), the timeline."""

from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from complaints import selectors
from complaints.models import Complaint, SlaPolicy
from complaints.services.due import policy_for
from customers.models import Customer
from tests.complaints.conftest import put_in_status
from tests.factories import ComplaintFactory


def test_a_category_policy_wins_over_the_severity_policy(repair_delay, personal_data):
    own = SlaPolicy.objects.create(
        severity="high", category=repair_delay, acknowledge_within_hours=Decimal(1), resolve_within_hours=Decimal(4)
    )
    assert policy_for(severity="high", category_id=repair_delay.pk) == own
    assert policy_for(severity="high", category_id=personal_data.pk).category is None


def test_open_complaints_counts_a_customers_open_complaints(customer, manager, central):
    ComplaintFactory(customer=customer, assignee=manager)
    put_in_status(ComplaintFactory(customer=customer, assignee=manager), Complaint.Status.AWAITING_CUSTOMER)
    put_in_status(ComplaintFactory(customer=customer, assignee=manager), Complaint.Status.CLOSED)
    # as the customer metrics would use it: one correlated subquery per customer row
    count = (
        selectors.open_complaints()
        .filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = Customer.objects.annotate(open_complaints=Coalesce(Subquery(count), 0)).get(pk=customer.pk)
    assert row.open_complaints == 2


def test_timeline_entries_in_one_query(customer, manager, django_assert_num_queries):
    for _ in range(3):
        ComplaintFactory(customer=customer, assignee=manager)
    with django_assert_num_queries(1):
        entries = selectors.timeline_entries(customer=customer, limit=2)
    assert len(entries) == 2
    assert all(e.kind == "complaint" and e.url for e in entries)
