"""Member lists (segment, tier, RFM segment): their order across pages, visibility, and the capped count.

Each list's order is an index (segmentation migration 0006) and the count stops at the cap (issue #10): these
tests pin the rows and their order, ties included, so that neither changes what a page shows.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.pagination import CappedCountPaginator
from segmentation.models import CustomerRfm, CustomerTier, RfmSegment, SegmentMembership
from segmentation.views import MembersView
from tests.factories import CustomerFactory, RunFactory, SegmentFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(central, tst):
    """Nine members of a segment, a tier and the "lost" RFM segment in Central (ties in each list's order),
    one in TST and one merged record (neither visible to Central's staff)."""
    run = RunFactory()
    segment, tier, lost = SegmentFactory(), TierFactory(), RfmSegment.objects.get(code="lost")
    start = timezone.now() - datetime.timedelta(days=30)
    customers = [CustomerFactory(home_store=central, name_en=f"Central {i}") for i in range(9)]
    hidden = [
        CustomerFactory(home_store=tst, name_en="Other store"),
        CustomerFactory(home_store=central, name_en="Merged", merged_into=customers[0]),
    ]
    for i, customer in enumerate(customers + hidden):
        when = start + datetime.timedelta(days=i % 3)  # three customers on each day: ties
        SegmentMembership.objects.create(segment=segment, customer=customer, entered_run=run, entered_at=when)
        CustomerTier.objects.create(customer=customer, tier=tier, since=when, since_run=run)
        CustomerRfm.objects.create(
            customer=customer,
            segment=lost,
            recency_score=1 + i % 2,
            frequency_score=1 + i % 3,
            monetary_score=1,
            run=run,
        )
    return {"segment": segment, "tier": tier, "customers": customers}


def _all_pages(client, url) -> list:
    rows, page = [], 1
    while True:
        response = client.get(url, {"page": page})
        assert response.status_code == 200
        rows += list(response.context["rows"])
        if not response.context["page_obj"].has_next():
            return rows
        page += 1


def test_each_list_pages_through_visible_members_in_its_order(client, supervisor, members, monkeypatch):
    monkeypatch.setattr(MembersView, "paginate_by", 4)  # three pages of 4, 4 and 1
    client.force_login(supervisor)

    segment_rows = _all_pages(client, reverse("segmentation:segment-detail", args=[members["segment"].pk]))
    expected = SegmentMembership.objects.filter(customer__in=members["customers"])
    assert [row.pk for row in segment_rows] == [
        m.pk for m in sorted(expected, key=lambda m: (m.entered_at, m.pk), reverse=True)
    ]

    tier_rows = _all_pages(client, reverse("segmentation:tier-detail", args=[members["tier"].pk]))
    expected = CustomerTier.objects.filter(customer__in=members["customers"])
    assert [row.customer_id for row in tier_rows] == [
        t.customer_id for t in sorted(expected, key=lambda t: (t.since, t.customer_id))
    ]

    rfm_rows = _all_pages(client, reverse("segmentation:rfm-detail", args=["lost"]))
    expected = CustomerRfm.objects.filter(customer__in=members["customers"])
    assert [row.customer_id for row in rfm_rows] == [
        r.customer_id
        for r in sorted(
            expected, key=lambda r: (-r.recency_score, -r.frequency_score, -r.monetary_score, r.customer_id)
        )
    ]
    for rows in (segment_rows, tier_rows, rfm_rows):
        assert len(rows) == 9  # not the TST customer, not the merged record


def test_the_count_is_exact_below_the_cap_and_says_more_than_above_it(client, manager, members, monkeypatch):
    client.force_login(manager)
    url = reverse("segmentation:tier-detail", args=[members["tier"].pk])
    response = client.get(url)
    assert response.context["paginator"].count == 9
    assert response.context["paginator"].is_capped is False
    assert "9 members you may see" in response.content.decode()

    monkeypatch.setattr(CappedCountPaginator, "count_cap", 5)
    monkeypatch.setattr(MembersView, "paginate_by", 2)
    response = client.get(url)
    assert response.context["paginator"].is_capped is True
    assert response.context["paginator"].num_pages == 3  # five rows counted: pages past the cap are not offered
    assert "More than 5 members you may see." in response.content.decode()
    assert client.get(url, {"page": 4}).status_code == 404
