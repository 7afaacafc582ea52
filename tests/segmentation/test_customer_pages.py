"""Tier, RFM and segment badges on the customer page and list; the list filters by tier and segment."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from segmentation.models import CustomerTier, Run
from segmentation.services import run_create, run_execute
from tests.factories import CriterionFactory, CustomerFactory, PurchaseFactory, RunFactory, SegmentFactory, TierFactory

LIST_URL = reverse("customers:customer-list")


@pytest.fixture
def classified(central, admin_user):
    ann = CustomerFactory(home_store=central, name_en="Ann Big")
    sam = CustomerFactory(home_store=central, name_en="Sam Small")
    for customer, amount in ((ann, 150000), (sam, 500)):
        PurchaseFactory(
            customer=customer, total=Decimal(amount), purchased_on=timezone.localdate() - datetime.timedelta(days=2)
        )
    vip = SegmentFactory(criterion=CriterionFactory(name="VIP watch list"))
    gold = TierFactory(rank=1, name="Gold", criterion=vip.criterion, colour="warning")
    member = TierFactory(
        rank=2,
        name="Member",
        criterion=CriterionFactory(rule={"all": [{"field": "purchases_lifetime", "op": "gte", "value": 1}]}),
    )
    assert run_execute(run_id=run_create(by=admin_user).pk).status == Run.Status.SUCCEEDED
    return {"ann": ann, "sam": sam, "vip": vip, "gold": gold, "member": member}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_customer_page_shows_tier_rfm_and_segment_badges(client, manager, classified):
    client.force_login(manager)
    page = client.get(classified["ann"].get_absolute_url()).content.decode()
    assert 'data-testid="tier-badge"' in page
    assert "Gold" in page
    assert 'data-testid="rfm-badge"' in page
    assert "VIP watch list" in page
    page = client.get(classified["sam"].get_absolute_url()).content.decode()
    assert "Member" in page
    assert "VIP watch list" not in page


@pytest.mark.django_db
def test_the_badges_cost_the_same_queries_with_or_without_classification(client, manager, classified, central):
    client.force_login(manager)
    # a customer with a purchase too (purchase lines cost a query), made after the run: no tier, RFM or segment
    unclassified = CustomerFactory(home_store=central, name_en="New Person")
    PurchaseFactory(customer=unclassified, total=Decimal(100))
    assert _count(client, classified["ann"].get_absolute_url()) == _count(client, unclassified.get_absolute_url())


@pytest.mark.django_db
def test_the_customer_list_shows_tiers_and_filters_by_tier_and_segment(client, manager, classified):
    client.force_login(manager)
    page = client.get(LIST_URL).content.decode()
    assert 'data-testid="tier"' in page
    names = lambda response: {c.name_en for c in response.context["customers"]}  # noqa: E731
    assert names(client.get(LIST_URL, {"tier": classified["gold"].pk})) == {"Ann Big"}
    assert names(client.get(LIST_URL, {"tier": classified["member"].pk})) == {"Sam Small"}
    assert names(client.get(LIST_URL, {"segment": classified["vip"].pk})) == {"Ann Big"}
    assert "New" not in names(client.get(LIST_URL, {"tier": "none"}))
    # an unknown tier is ignored like any invalid filter
    assert names(client.get(LIST_URL, {"tier": "999999"})) == {"Ann Big", "Sam Small"}


@pytest.mark.django_db
def test_the_customer_list_query_count_stays_flat_with_tiers(client, manager, classified, central):
    client.force_login(manager)
    before = _count(client, LIST_URL)
    run = RunFactory()
    for i in range(8):
        customer = CustomerFactory(home_store=central, name_en=f"Extra {i}")
        CustomerTier.objects.create(customer=customer, tier=classified["gold"], since=timezone.now(), since_run=run)
    assert _count(client, LIST_URL) == before


@pytest.mark.django_db
def test_tier_moves_appear_on_the_customer_timeline(client, manager, classified, admin_user):
    # given Ann entered Gold at the first run; then Sam spends big and moves up from Member
    PurchaseFactory(customer=classified["sam"], total=Decimal(200000), purchased_on=timezone.localdate())
    assert run_execute(run_id=run_create(by=admin_user).pk).status == Run.Status.SUCCEEDED
    client.force_login(manager)
    # when / then
    ann_titles = [e.title for e in client.get(classified["ann"].get_absolute_url()).context["timeline"]]
    assert "Entered the Gold tier" in ann_titles
    sam_titles = [e.title for e in client.get(classified["sam"].get_absolute_url()).context["timeline"]]
    assert "Moved up to Gold (from Member)" in sam_titles
