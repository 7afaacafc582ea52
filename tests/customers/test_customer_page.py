"""The customer page as a 360° view: every part on one page, at a fixed cost."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Lead
from tests.customers.factories_duplicates import (
    interaction,
    person,
    purchase_with_lines,
    relationship,
    task,
    timepiece_with_job,
)

# The page of a customer with some history: one more query than an empty record's
# (tests/customers/test_views.py), because purchase lines are prefetched only when there are purchases.
DETAIL_QUERIES_WITH_HISTORY = 37  # +3 segmentation, +2 complaints, +4 consent, +2 churn, +1 remedies, +2 loyalty


def _with_history(customer, *, store, staff, size):
    for _ in range(size):
        purchase_with_lines(customer=customer, store=store, lines=2)
        timepiece_with_job(customer=customer, store=store)
        interaction(customer=customer, staff=staff)
        task(customer=customer, assignee=staff)
        relationship(customer, person(store=store))
        Lead.objects.create(name_en="Referred friend", store=store, source=Lead.Source.REFERRAL, referred_by=customer)


def _queries_for(client, customer) -> int:
    url = reverse("customers:customer-detail", kwargs={"pk": customer.pk})
    client.get(url)  # warm the session and the permission cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_customer_page_costs_the_same_for_a_short_and_a_long_history(client, manager, central):
    # given two customers of the manager, one with a short and one with a long history
    short = person(store=central, account_manager=manager)
    long = person(store=central, account_manager=manager)
    _with_history(short, store=central, staff=manager, size=1)
    _with_history(long, store=central, staff=manager, size=12)
    client.force_login(manager)
    # when / then
    assert _queries_for(client, short) == _queries_for(client, long) == DETAIL_QUERIES_WITH_HISTORY


def test_the_customer_page_shows_every_part_and_a_merged_timeline(client, manager, central):
    # given a customer with one of everything
    customer = person(store=central, account_manager=manager, name_en="Lau Wing Sze")
    friend = person(store=central, name_en="Ho Ka Yan")
    _with_history(customer, store=central, staff=manager, size=1)
    relationship(customer, friend)
    client.force_login(manager)
    # when
    response = client.get(reverse("customers:customer-detail", kwargs={"pk": customer.pk}))
    # then every panel is there
    html = response.content.decode()
    for marker in (
        'id="purchases-panel"',
        'data-testid="timepieces-panel"',
        'data-testid="interactions-panel"',
        'data-testid="relationships-panel"',
        'data-testid="referrals"',
        'data-testid="timeline"',
    ):
        assert marker in html, marker
    assert "Ho Ka Yan" in html
    # and the timeline merges the parts, newest first
    timeline = response.context["timeline"]
    assert {"purchase", "service", "interaction", "task"} <= {entry.kind for entry in timeline}
    assert [e.when for e in timeline] == sorted((e.when for e in timeline), reverse=True)


def test_an_old_link_to_a_merged_record_goes_to_the_survivor(client, supervisor, central):
    # given a record merged into another
    survivor = person(store=central)
    merged = person(store=central)
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into"])
    client.force_login(supervisor)
    # when
    response = client.get(reverse("customers:customer-detail", kwargs={"pk": merged.pk}))
    # then
    assert response.status_code == 302
    assert response["Location"] == survivor.get_absolute_url()


def test_a_merged_record_of_another_store_is_still_a_404(client, other_manager, central):
    survivor = person(store=central)
    merged = person(store=central, merged_into=survivor)
    client.force_login(other_manager)
    assert client.get(reverse("customers:customer-detail", kwargs={"pk": merged.pk})).status_code == 404
