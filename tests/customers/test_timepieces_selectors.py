"""Timepieces reads: the panel, the timeline entries and the service-due list, with their query counts."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from customers.models import OwnedTimepiece
from customers.selectors import timepieces as selectors
from tests.factories import BrandFactory, CustomerFactory, OwnedTimepieceFactory, ServiceJobFactory

d = datetime.date
PANEL_QUERIES = 2  # the timepieces (open jobs as subqueries), can the user add
DUE_LIST_QUERIES = 1


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _warm(user) -> None:
    """Load the user's roles and permissions once, as the request's permission check does."""
    user.has_perm("customers.add_ownedtimepiece")
    from crm_site import roles

    roles.user_roles(user)


# --- timepieces_for_customer / panel_context -------------------------------------------


def test_timepieces_for_customer_orders_by_due_date_and_shows_open_job(customer, central):
    # given
    later = OwnedTimepieceFactory(customer=customer, service_due_on=d(2030, 1, 1))
    unknown = OwnedTimepieceFactory(customer=customer, service_due_on=None)
    sooner = OwnedTimepieceFactory(customer=customer, service_due_on=d(2026, 1, 1))
    ServiceJobFactory(timepiece=sooner, store=central, status="returned", returned_on=d(2025, 2, 1))
    ServiceJobFactory(timepiece=sooner, store=central, status="awaiting_parts", received_on=d(2025, 3, 1))
    OwnedTimepieceFactory(service_due_on=d(2020, 1, 1))  # someone else's
    # when
    rows = list(selectors.timepieces_for_customer(customer=customer))
    # then
    assert [t.pk for t in rows] == [sooner.pk, later.pk, unknown.pk]
    assert [t.open_job_status for t in rows] == ["awaiting_parts", None, None]
    assert [t.open_jobs_count for t in rows] == [1, 0, 0]


def test_panel_flags_overdue_soon_and_warranty(customer, manager):
    # given
    overdue = OwnedTimepieceFactory(customer=customer, service_due_on=_days(-1), warranty_expires_on=_days(-10))
    soon = OwnedTimepieceFactory(customer=customer, service_due_on=_days(60), warranty_expires_on=_days(0))
    fine = OwnedTimepieceFactory(customer=customer, service_due_on=_days(61), warranty_expires_on=None)
    sold = OwnedTimepieceFactory(customer=customer, service_due_on=_days(-100), status=OwnedTimepiece.Status.SOLD)
    # when
    panel = selectors.panel_context(customer=customer, user=manager)
    # then
    states = {t.pk: (t.due_state, t.warranty_state) for t in panel["timepieces"]}
    assert states == {
        overdue.pk: ("overdue", "expired"),
        soon.pk: ("soon", "active"),
        fine.pk: ("", ""),
        sold.pk: ("", ""),
    }
    assert (panel["overdue_count"], panel["due_soon_count"], panel["open_jobs_count"]) == (1, 1, 0)
    assert panel["can_add"] is True


def test_panel_can_add_only_for_who_may_edit(customer, colleague, supervisor):
    # when / then: a colleague sees the customer but may not edit another's book
    assert selectors.panel_context(customer=customer, user=colleague)["can_add"] is False
    assert selectors.panel_context(customer=customer, user=supervisor)["can_add"] is True


def _panel_queries(django_assert_num_queries, customer, user, count: int, store) -> None:
    brand = BrandFactory()
    for i in range(count):
        timepiece = OwnedTimepieceFactory(customer=customer, brand=brand, service_due_on=_days(i))
        if i % 2:
            ServiceJobFactory(timepiece=timepiece, store=store, status="in_progress")
    _warm(user)
    with django_assert_num_queries(PANEL_QUERIES):
        panel = selectors.panel_context(customer=customer, user=user)
        for timepiece in panel["timepieces"]:
            str(timepiece)  # the brand is already loaded
    assert len(panel["timepieces"]) == count


def test_panel_query_count_is_constant(django_assert_num_queries, central, manager):
    # given / when / then: 3 and then 20 timepieces cost the same
    _panel_queries(
        django_assert_num_queries, CustomerFactory(home_store=central, account_manager=manager), manager, 3, central
    )
    _panel_queries(
        django_assert_num_queries, CustomerFactory(home_store=central, account_manager=manager), manager, 20, central
    )


# --- scoping ---------------------------------------------------------------------------


def test_timepiece_get_for_user_same_404_for_missing_and_forbidden(customer, other_manager, colleague):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    # when / then
    with pytest.raises(Http404):
        selectors.timepiece_get_for_user(user=other_manager, pk=timepiece.pk)
    with pytest.raises(Http404):
        selectors.timepiece_get_for_user(user=colleague, pk=timepiece.pk + 1000)
    assert selectors.timepiece_get_for_user(user=colleague, pk=timepiece.pk) == timepiece
    with pytest.raises(Http404):
        selectors.timepiece_get_editable_for_user(user=colleague, pk=timepiece.pk)


def test_service_jobs_for_timepiece_newest_first(customer, central):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    old = ServiceJobFactory(timepiece=timepiece, store=central, received_on=d(2020, 1, 1), status="cancelled")
    new = ServiceJobFactory(timepiece=timepiece, store=central, received_on=d(2024, 1, 1))
    ServiceJobFactory(store=central)  # another timepiece's
    # when / then
    assert list(selectors.service_jobs_for_timepiece(timepiece=timepiece)) == [new, old]


# --- timeline_entries ------------------------------------------------------------------


def test_timeline_entries_intake_and_return(customer, central, django_assert_num_queries):
    # given
    brand = BrandFactory(name="Omega")
    timepiece = OwnedTimepieceFactory(customer=customer, brand=brand, model_name="Speedmaster", reference="")
    ServiceJobFactory(
        timepiece=timepiece,
        store=central,
        received_on=d(2024, 3, 1),
        status="returned",
        returned_on=d(2024, 4, 2),
        cost=3500,
        work_description="Full service\nNew crystal",
    )
    ServiceJobFactory(timepiece=timepiece, store=central, received_on=d(2025, 1, 5), status="in_progress")
    ServiceJobFactory(received_on=d(2025, 6, 1))  # another customer's
    # when
    with django_assert_num_queries(1):
        entries = selectors.timeline_entries(customer=customer, limit=10)
    # then
    assert [(e.when.date(), e.title, e.badge) for e in entries] == [
        (d(2025, 1, 5), "Service intake: Omega Speedmaster", "In progress"),
        (d(2024, 4, 2), "Returned from service: Omega Speedmaster", ""),
        (d(2024, 3, 1), "Service intake: Omega Speedmaster", ""),
    ]
    assert {(e.kind, e.icon) for e in entries} == {("service", "tools")}
    assert entries[1].detail == "Cost HK$3,500.00"
    assert entries[2].detail == "Full service"
    assert entries[0].url == f"/customers/timepieces/{timepiece.pk}/"
    assert str(entries[0].when.tzinfo) == "Asia/Hong_Kong"
    assert entries[0].when.hour == 0


def test_timeline_entries_respects_the_limit(customer, central):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    for day in range(1, 6):
        ServiceJobFactory(
            timepiece=timepiece,
            store=central,
            received_on=d(2024, 1, day),
            status="returned",
            returned_on=d(2024, 2, day),
        )
    # when
    entries = selectors.timeline_entries(customer=customer, limit=3)
    # then: the three newest events, all returns
    assert [e.when.date() for e in entries] == [d(2024, 2, 5), d(2024, 2, 4), d(2024, 2, 3)]


# --- service_due_list_for_user ---------------------------------------------------------


def test_service_due_list_scoped_and_windowed(central, tst, manager, supervisor):
    # given
    mine = CustomerFactory(home_store=central, account_manager=manager)
    store_mate = CustomerFactory(home_store=central, account_manager=None)
    elsewhere = CustomerFactory(home_store=tst)
    overdue = OwnedTimepieceFactory(customer=mine, service_due_on=_days(-5))
    soon = OwnedTimepieceFactory(customer=store_mate, service_due_on=_days(59))
    OwnedTimepieceFactory(customer=mine, service_due_on=_days(61))  # not yet
    OwnedTimepieceFactory(customer=mine, service_due_on=_days(-5), status=OwnedTimepiece.Status.LOST)
    OwnedTimepieceFactory(customer=mine, service_due_on=None)
    OwnedTimepieceFactory(customer=elsewhere, service_due_on=_days(-5))  # another store
    # when / then
    assert list(selectors.service_due_list_for_user(user=manager)) == [overdue, soon]
    assert list(selectors.service_due_list_for_user(user=manager, within_days=0)) == [overdue]
    assert list(selectors.service_due_list_for_user(user=manager, account_manager=manager)) == [overdue]
    assert list(selectors.service_due_list_for_user(user=supervisor)) == [overdue, soon]


def _due_list_queries(django_assert_num_queries, user, customer, count: int) -> None:
    for i in range(count):
        OwnedTimepieceFactory(customer=customer, service_due_on=_days(-i))
    _warm(user)
    with django_assert_num_queries(DUE_LIST_QUERIES):
        rows = selectors.with_states(selectors.service_due_list_for_user(user=user), today=timezone.localdate())
        for row in rows:
            (row.brand.name, row.customer.home_store.name, str(row.customer.account_manager), row.open_job_label)


def test_service_due_list_query_count_is_constant(django_assert_num_queries, central, manager):
    # given / when / then
    customer = CustomerFactory(home_store=central, account_manager=manager)
    _due_list_queries(django_assert_num_queries, manager, customer, 3)
    _due_list_queries(django_assert_num_queries, manager, customer, 20)
