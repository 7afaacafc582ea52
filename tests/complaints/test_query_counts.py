"""Query counts of the complaint pages (issue #10): the same exact number for few or many rows.

The queue (complaint list) and the complaint page have theirs in test_views.py.
Inventory: tests/test_query_counts.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, SatisfactionSurvey
from tests.factories import AccountManagerFactory, ComplaintFactory, CustomerFactory
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def test_customer_search(client, manager, central, django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            CustomerFactory(
                home_store=central, account_manager=AccountManagerFactory(stores=[central]), name_en="Chan Siu Ming"
            )

    grow(2)
    client.force_login(manager)
    response = assert_flat_queries(
        client,
        reverse("complaints:complaint-customer-search"),
        expected=6,
        grow=lambda: grow(5),
        data={"q": "chan"},
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["customers"]) == 7


def test_sla_compliance(client, supervisor, central, root_cause, django_assert_num_queries):
    def grow(n):
        for _i in range(n):
            assignee = AccountManagerFactory(stores=[central])
            customer = CustomerFactory(home_store=central, account_manager=assignee)
            received = timezone.now() - timedelta(days=5)
            complaint = ComplaintFactory(customer=customer, assignee=assignee, received_at=received)
            Complaint.objects.filter(pk=complaint.pk).update(
                status="resolved",
                acknowledged_at=received + timedelta(hours=1),
                resolved_at=received + timedelta(hours=10),
            )
            SatisfactionSurvey.objects.create(
                complaint=complaint,
                nonce=f"{complaint.pk:032d}",
                expires_at=timezone.now(),
                answered_at=timezone.now(),
                score=4,
            )

    grow(2)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("complaints:sla-compliance"),
        expected=9,
        grow=lambda: grow(5),
        data={"days": 30},
        django_assert_num_queries=django_assert_num_queries,
    )
