"""The customer list reads a page as its ids, then its rows (crm_site.pagination.deferred_join_rows):
the same rows in the same order as slicing the list's queryset, for every sort order and filter."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm_site.pagination import CappedCountPaginator, DeferredJoinPaginator, deferred_join_rows
from customers.models import Customer
from customers.selectors.customer import LIST_ORDERS
from customers.views.customer import CustomerListView
from segmentation.models import CustomerTier
from tests.factories import (
    AccountManagerFactory,
    CustomerFactory,
    CustomerScoreFactory,
    RunFactory,
    TierFactory,
)

LIST_URL = reverse("customers:customer-list")
PER_PAGE = CustomerListView.paginate_by


@pytest.fixture
def crowd(central, tst):
    """63 customers of Central with many equal names and equal dates added (the id breaks the ties),
    some with only a Chinese name, some with a tier, a churn band or an account manager; and some
    customers of another store."""
    gold = TierFactory(name="Gold")
    run = RunFactory()
    ann = AccountManagerFactory(username="am-ann", stores=[central])
    same_moment = timezone.now() - datetime.timedelta(days=3)
    english = ["Chan Tai Man", "Chan Tai Man", "Wong Mei", "", "Amy Lee", "chan tai man"]
    chinese = ["陳大文", "", "黃美", "陳大文"]
    for i in range(63):
        customer = CustomerFactory(
            home_store=central,
            name_en=english[i % len(english)],
            name_zh=chinese[i % len(chinese)] if english[i % len(english)] else "李嘉欣",
            account_manager=ann if i % 3 == 0 else None,
        )
        if i % 4 == 0:  # a run of equal dates added
            Customer.objects.filter(pk=customer.pk).update(created_at=same_moment)
        if i % 2 == 0:
            CustomerTier.objects.create(customer=customer, tier=gold, since=timezone.now(), since_run=run)
        if i % 5 == 0:
            CustomerScoreFactory(customer=customer, band="high")
    for _ in range(3):
        CustomerFactory(home_store=tst, name_en="Chan Tai Man")
    return {"gold": gold, "ann": ann}


def list_queryset(user, params: dict):
    """The queryset the list view paginates for these GET parameters."""
    request = RequestFactory().get(LIST_URL, params)
    request.user = user
    view = CustomerListView()
    view.setup(request)
    return view.get_queryset()


def filters(central, crowd) -> list[dict]:
    return [
        {},
        {"q": "chan"},
        {"store": central.pk},
        {"manager": crowd["ann"].pk},
        {"tier": crowd["gold"].pk},
        {"tier": "none"},
        {"risk": "high"},
        {"q": "chan", "tier": crowd["gold"].pk, "store": central.pk},
    ]


@pytest.mark.parametrize("sort", list(LIST_ORDERS))
def test_every_window_of_the_list_is_the_plain_slice(supervisor, central, crowd, sort):
    for params in filters(central, crowd):
        queryset = list_queryset(supervisor, {**params, "sort": sort})
        everything = list(queryset)
        assert everything, params  # each filter finds someone: the comparison means something
        for start, stop in ((0, 25), (25, 50), (50, 75), (7, 19), (len(everything) - 1, len(everything) + 5)):
            expected = everything[start:stop]
            assert [c.pk for c in deferred_join_rows(queryset, start, stop)] == [c.pk for c in expected], (
                params,
                start,
                stop,
            )


@pytest.mark.parametrize("sort", [*LIST_ORDERS, ""])
def test_every_page_of_the_view_is_the_plain_slice(client, supervisor, central, crowd, sort):
    client.force_login(supervisor)
    for params in filters(central, crowd):
        query = {**params, "sort": sort}
        everything = [c.pk for c in list_queryset(supervisor, query)]
        pages = (len(everything) + PER_PAGE - 1) // PER_PAGE
        for number in range(1, pages + 1):
            response = client.get(LIST_URL, {**query, "page": number})
            assert response.status_code == 200
            shown = [c.pk for c in response.context["customers"]]
            assert shown == everything[(number - 1) * PER_PAGE : number * PER_PAGE], (query, number)
        assert response.context["paginator"].count == len(everything)


def test_the_names_order_puts_equal_names_by_id(supervisor, crowd):
    # the fixture's equal names really are there, and the page keeps them in id order
    rows = deferred_join_rows(list_queryset(supervisor, {"sort": "name"}), 0, 63)
    chans = [c.pk for c in rows if c.name_en == "Chan Tai Man" and c.name_zh == "陳大文"]
    assert len(chans) > 2
    assert chans == sorted(chans)


def test_the_last_page_before_the_cap_is_the_plain_slice(client, supervisor, crowd, monkeypatch):
    # given a cap below the number of customers: the last page is the cap's, as with plain slicing
    monkeypatch.setattr(CappedCountPaginator, "count_cap", 40)
    client.force_login(supervisor)
    everything = [c.pk for c in list_queryset(supervisor, {})]
    # when
    response = client.get(LIST_URL, {"page": 2})
    # then
    assert response.context["paginator"].is_capped is True
    assert [c.pk for c in response.context["customers"]] == everything[25:40]
    assert client.get(LIST_URL, {"page": 3}).status_code == 404


def test_the_last_page_shows_the_remainder(client, supervisor, crowd):
    client.force_login(supervisor)
    everything = [c.pk for c in list_queryset(supervisor, {"sort": "-name"})]
    response = client.get(LIST_URL, {"sort": "-name", "page": "last"})
    assert response.context["page_obj"].number == 3
    assert [c.pk for c in response.context["customers"]] == everything[50:] != []


def test_an_empty_list_costs_no_page_query(client, supervisor, crowd, django_assert_num_queries):
    # given a search nobody matches
    queryset = list_queryset(supervisor, {"q": "nobody-by-this-name"})
    # when / then: the count says 0, and the page reads nothing
    paginator = DeferredJoinPaginator(queryset, PER_PAGE)
    assert paginator.count == 0
    with django_assert_num_queries(0):
        assert list(paginator.page(1)) == []
    client.force_login(supervisor)
    response = client.get(LIST_URL, {"q": "nobody-by-this-name"})
    assert list(response.context["customers"]) == []
    assert "No customers match." in response.content.decode()


def test_the_id_query_is_lean_and_the_rows_query_has_the_joins(supervisor, crowd):
    queryset = list_queryset(supervisor, {"sort": "name"})
    with CaptureQueriesContext(connection) as captured:
        rows = deferred_join_rows(queryset, 25, 50)
    ids_sql, rows_sql = (q["sql"] for q in captured.captured_queries)
    # the ids: the list's filters and order, no joined table, only the id selected
    assert "JOIN" not in ids_sql.upper()
    selected = ids_sql.split(" FROM ")[0]
    assert '"customers_customer"."id"' in selected
    assert "," not in selected
    assert "OFFSET 25" in ids_sql.upper()
    # the rows: by id, with what the rows show, not sorted nor offset in SQL
    assert "segmentation_customertier" in rows_sql
    assert "OFFSET" not in rows_sql.upper()
    assert "ORDER BY" not in rows_sql.upper()
    # and the rows need no further query
    with CaptureQueriesContext(connection) as more:
        for customer in rows:
            str(customer.home_store)
            getattr(customer, "tier_holding", None)
    assert len(more) == 0


def test_querysets_it_cannot_split_are_sliced_as_usual(supervisor, crowd):
    queryset = list_queryset(supervisor, {})
    assert deferred_join_rows(queryset.values("pk"), 0, 5) == list(queryset.values("pk")[:5])
    assert deferred_join_rows(queryset.distinct(), 0, 5) == list(queryset.distinct()[:5])
    plain = list(queryset[:10])
    assert deferred_join_rows(plain, 2, 6) == plain[2:6]
