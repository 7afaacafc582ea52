"""The timepieces pages: who gets what, what each request writes, and how many queries it costs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import MovementType, OwnedTimepiece, ServiceJob
from customers.selectors import timepieces as selectors
from privacy.models import AccessLog
from tests.factories import BrandFactory, CustomerFactory, OwnedTimepieceFactory, ServiceJobFactory, UserFactory

d = datetime.date
SERVICE_DUE_URL = reverse("customers:service-due")
# Measured, and constant in the number of rows shown (see the tests below).
DETAIL_QUERIES = 9
SERVICE_DUE_QUERIES = 7


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def create_url(customer):
    return reverse("customers:timepiece-create", kwargs={"customer_pk": customer.pk})


def detail_url(timepiece):
    return reverse("customers:timepiece-detail", kwargs={"pk": timepiece.pk})


def update_url(timepiece):
    return reverse("customers:timepiece-update", kwargs={"pk": timepiece.pk})


def book_url(timepiece):
    return reverse("customers:servicejob-create", kwargs={"pk": timepiece.pk})


def status_url(job):
    return reverse("customers:servicejob-status", kwargs={"pk": job.pk})


def snapshot(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def timepiece_form(brand, **overrides) -> dict:
    data = {
        "brand": brand.pk,
        "model_name": "Navitimer",
        "reference": "AB0138",
        "serial_number": "",
        "movement_type": "automatic",
        "source": "elsewhere",
        "purchased_on": "2019-07-31",
        "warranty_expires_on": "",
        "last_serviced_on": "",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def timepiece(customer):
    return OwnedTimepieceFactory(
        customer=customer,
        brand=BrandFactory(name="Omega"),
        model_name="Seamaster",
        serial_number="81234567",
        purchased_on=d(2020, 3, 15),
        service_due_on=d(2025, 3, 15),
    )


@pytest.fixture
def nobody(central):
    """A staff member of Central with no role."""
    return UserFactory(username="no-role", stores=[central])


# --- create ----------------------------------------------------------------------------


def test_create_adds_a_watch_bought_elsewhere(client, manager, customer):
    # given
    brand = BrandFactory(name="Breitling")
    client.force_login(manager)
    # when
    response = client.post(create_url(customer), timepiece_form(brand))
    # then
    timepiece = OwnedTimepiece.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(timepiece)
    assert (timepiece.customer, timepiece.brand, timepiece.model_name) == (customer, brand, "Navitimer")
    assert timepiece.source == OwnedTimepiece.Source.ELSEWHERE
    assert timepiece.service_due_on == d(2024, 7, 31)
    assert list(AccessLog.objects.values_list("action", "view_name")) == [("edit", "customers:timepiece-create")]


def test_create_form_logs_the_read_and_hides_movement_none(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(create_url(customer))
    # then
    assert response.status_code == 200
    assert 'value="none"' not in response.text
    assert "Add a watch for Chan Tai Man" in response.text
    assert AccessLog.objects.get().action == AccessLog.Action.VIEW


def test_create_shows_a_future_purchase_date_as_a_form_error(client, manager, customer):
    # given
    client.force_login(manager)
    tomorrow = _days(1).isoformat()
    # when
    response = client.post(create_url(customer), timepiece_form(BrandFactory(), purchased_on=tomorrow))
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"purchased_on": ["The purchase date cannot be in the future."]}
    assert OwnedTimepiece.objects.count() == 0


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "nobody", "privacy_officer"])
def test_create_is_404_for_who_may_not_edit_the_customer(client, request, customer, user_fixture):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    get = client.get(create_url(customer))
    post = client.post(create_url(customer), timepiece_form(BrandFactory()))
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert OwnedTimepiece.objects.count() == 0
    assert AccessLog.objects.count() == 0


# --- detail ----------------------------------------------------------------------------


def test_detail_shows_the_watch_history_and_booking_form(client, manager, customer, timepiece, central):
    # given
    ServiceJobFactory(
        timepiece=timepiece,
        store=central,
        status="returned",
        received_on=d(2023, 5, 2),
        returned_on=d(2023, 6, 1),
        cost=Decimal("12345"),
        work_description="Full service",
    )
    client.force_login(manager)
    # when
    response = client.get(detail_url(timepiece))
    # then
    assert response.status_code == 200
    assert "81234567" in response.text
    assert "HK$12,345.00" in response.text
    assert "Full service" in response.text
    assert response.context["due_state"] == "overdue" or timezone.localdate() <= d(2025, 3, 15)
    assert "book_form" in response.context
    log = AccessLog.objects.get()
    assert (log.user, log.customer, log.action, log.view_name) == (
        manager,
        customer,
        AccessLog.Action.VIEW,
        "customers:timepiece-detail",
    )


def test_detail_for_a_colleague_is_read_only(client, colleague, timepiece, central):
    # given
    job = ServiceJobFactory(timepiece=timepiece, store=central, status="received")
    client.force_login(colleague)
    # when
    response = client.get(detail_url(timepiece))
    # then
    assert response.status_code == 200
    assert "book_form" not in response.context
    assert response.context["can_edit"] is False
    assert status_url(job) not in response.text


@pytest.mark.parametrize("user_fixture", ["other_manager", "nobody"])
def test_detail_is_404_for_another_store_or_no_role(client, request, timepiece, user_fixture):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    response = client.get(detail_url(timepiece))
    # then
    assert response.status_code == 404
    assert "81234567" not in response.text
    assert AccessLog.objects.count() == 0


def test_detail_is_404_for_a_missing_timepiece(client, manager, timepiece):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("customers:timepiece-detail", kwargs={"pk": timepiece.pk + 999}))
    # then
    assert response.status_code == 404


def _detail_queries(client, timepiece, store, jobs: int) -> int:
    for i in range(jobs):
        status = "returned" if i else "in_progress"
        ServiceJobFactory(
            timepiece=timepiece,
            store=store,
            status=status,
            received_on=d(2020, 1, 1) + datetime.timedelta(days=i),
            returned_on=d(2021, 1, 1) if status == "returned" else None,
        )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(detail_url(timepiece))
    assert response.status_code == 200
    assert len(response.context["jobs"]) == jobs
    return len(ctx.captured_queries)


def test_detail_query_count_is_constant(client, manager, customer, central):
    # given
    client.force_login(manager)
    few = OwnedTimepieceFactory(customer=customer)
    many = OwnedTimepieceFactory(customer=customer)
    # when / then: session, user, roles, two permission lookups, timepiece, access-log insert,
    # can-edit, jobs, stores for the status form's row… the same for 3 and 20 jobs
    assert _detail_queries(client, few, central, 3) == DETAIL_QUERIES
    assert _detail_queries(client, many, central, 20) == DETAIL_QUERIES


# --- update ----------------------------------------------------------------------------


def test_update_changes_the_watch_and_recomputes_due(client, manager, timepiece):
    # given
    client.force_login(manager)
    data = timepiece_form(
        timepiece.brand,
        model_name="Seamaster 300",
        serial_number="81234567",
        status="owned",
        purchased_on="2020-03-15",
        last_serviced_on="2024-01-31",
    )
    # when
    response = client.post(update_url(timepiece), data)
    # then
    assert response.status_code == 302
    timepiece.refresh_from_db()
    assert timepiece.model_name == "Seamaster 300"
    assert timepiece.service_due_on == d(2029, 1, 31)
    assert AccessLog.objects.get().view_name == "customers:timepiece-update"


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague"])
def test_update_is_404_and_changes_nothing_for_who_may_not_edit(client, request, timepiece, user_fixture):
    # given
    before = snapshot(OwnedTimepiece, timepiece.pk)
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    get = client.get(update_url(timepiece))
    post = client.post(update_url(timepiece), timepiece_form(timepiece.brand, model_name="Stolen", status="owned"))
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert snapshot(OwnedTimepiece, timepiece.pk) == before
    assert AccessLog.objects.count() == 0


# --- book a service --------------------------------------------------------------------


def test_book_a_service(client, manager, timepiece, central):
    # given
    client.force_login(manager)
    today = timezone.localdate()
    # when
    response = client.post(
        book_url(timepiece),
        {"store": central.pk, "received_on": today.isoformat(), "work_description": "Crown sticks", "cost": "800"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == detail_url(timepiece)
    job = ServiceJob.objects.get()
    assert (job.timepiece, job.store, job.received_on, job.status) == (timepiece, central, today, "received")
    assert job.cost == Decimal("800.00")


def test_book_a_service_twice_shows_the_rule_as_a_form_error(client, manager, timepiece, central):
    # given
    ServiceJobFactory(timepiece=timepiece, store=central, status="in_progress")
    client.force_login(manager)
    # when
    response = client.post(
        book_url(timepiece), {"store": central.pk, "received_on": timezone.localdate().isoformat(), "cost": "0"}
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This timepiece already has an open service job."]
    assert ServiceJob.objects.count() == 1


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "privacy_officer"])
def test_book_a_service_is_404_for_who_may_not_edit(client, request, timepiece, central, user_fixture):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    response = client.post(
        book_url(timepiece), {"store": central.pk, "received_on": timezone.localdate().isoformat(), "cost": "0"}
    )
    # then
    assert response.status_code == 404
    assert ServiceJob.objects.count() == 0
    assert AccessLog.objects.count() == 0


# --- job status ------------------------------------------------------------------------


def test_status_post_moves_the_job_and_redirects(client, manager, timepiece, central):
    # given
    job = ServiceJobFactory(timepiece=timepiece, store=central, status="received")
    client.force_login(manager)
    # when
    response = client.post(status_url(job), {f"job{job.pk}-status": "in_progress", f"job{job.pk}-note": "Opened"})
    # then
    assert response.status_code == 302
    assert response["Location"] == detail_url(timepiece)
    job.refresh_from_db()
    assert job.status == "in_progress"
    assert job.work_description.endswith("· In progress] Opened")


def test_status_htmx_return_gives_the_row_and_refreshes_the_page(client, manager, timepiece, central):
    # given
    job = ServiceJobFactory(timepiece=timepiece, store=central, status="ready", received_on=d(2025, 1, 10))
    client.force_login(manager)
    # when
    response = client.post(
        status_url(job),
        {f"job{job.pk}-status": "returned", f"job{job.pk}-returned_on": "2025-02-28", f"job{job.pk}-cost": "4200"},
        headers={"HX-Request": "true"},
    )
    # then
    assert response.status_code == 200
    assert response.text.startswith(f'<tr id="service-job-{job.pk}"')
    assert "Returned to customer" in response.text
    assert response["HX-Refresh"] == "true"
    timepiece.refresh_from_db()
    assert (timepiece.last_serviced_on, timepiece.service_due_on) == (d(2025, 2, 28), d(2030, 2, 28))


def test_status_htmx_illegal_move_shows_the_error_in_the_row(client, manager, timepiece, central):
    # given: the page offered "ready", but someone already cancelled the job
    job = ServiceJobFactory(timepiece=timepiece, store=central, status="in_progress")
    client.force_login(manager)
    ServiceJob.objects.filter(pk=job.pk).update(status="cancelled")
    # when
    response = client.post(status_url(job), {f"job{job.pk}-status": "ready"}, headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_status_get_is_not_allowed(client, manager, timepiece, central):
    # given
    job = ServiceJobFactory(timepiece=timepiece, store=central)
    client.force_login(manager)
    # when / then
    assert client.get(status_url(job)).status_code == 405


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "privacy_officer", "nobody"])
def test_status_is_404_and_changes_nothing_for_who_may_not_edit(client, request, timepiece, central, user_fixture):
    # given
    job = ServiceJobFactory(timepiece=timepiece, store=central, status="received")
    before = snapshot(ServiceJob, job.pk)
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    response = client.post(status_url(job), {f"job{job.pk}-status": "in_progress"})
    # then
    assert response.status_code == 404
    assert snapshot(ServiceJob, job.pk) == before
    assert AccessLog.objects.count() == 0


# --- service due -----------------------------------------------------------------------


def test_service_due_lists_visible_customers_and_highlights_overdue(client, manager, central, tst):
    # given
    mine = CustomerFactory(home_store=central, account_manager=manager, name_en="Lee Ka Yan")
    overdue = OwnedTimepieceFactory(customer=mine, service_due_on=_days(-3))
    soon = OwnedTimepieceFactory(customer=mine, service_due_on=_days(10))
    OwnedTimepieceFactory(customer=CustomerFactory(home_store=tst, name_en="Ho Wing Kei"), service_due_on=_days(-3))
    client.force_login(manager)
    # when
    response = client.get(SERVICE_DUE_URL)
    # then
    assert response.status_code == 200
    assert [t.pk for t in response.context["timepieces"]] == [overdue.pk, soon.pk]
    assert response.text.count('class="table-danger"') == 1
    assert "Lee Ka Yan" in response.text
    assert "Ho Wing Kei" not in response.text


def test_service_due_window_and_mine_filters(client, manager, central):
    # given
    mine = CustomerFactory(home_store=central, account_manager=manager)
    theirs = CustomerFactory(home_store=central, account_manager=None)
    overdue = OwnedTimepieceFactory(customer=mine, service_due_on=_days(-3))
    OwnedTimepieceFactory(customer=mine, service_due_on=_days(10))
    OwnedTimepieceFactory(customer=theirs, service_due_on=_days(-3))
    client.force_login(manager)
    # when
    response = client.get(SERVICE_DUE_URL, {"within": "0", "mine": "1"})
    # then
    assert [t.pk for t in response.context["timepieces"]] == [overdue.pk]


def test_service_due_pages_by_due_date_then_id_with_an_exact_count(client, manager, central):
    # given 55 owned timepieces due on three dates (many ties), and some the list leaves out
    customers = [CustomerFactory(home_store=central) for _ in range(4)]
    due = [
        OwnedTimepieceFactory(customer=customers[i % 4], service_due_on=_days((-7, 5, -7, 30)[i % 4]))
        for i in range(55)
    ]
    OwnedTimepieceFactory(customer=customers[0], service_due_on=_days(-7), status=OwnedTimepiece.Status.SOLD)
    OwnedTimepieceFactory(customer=customers[1], service_due_on=None)
    OwnedTimepieceFactory(customer=customers[2], service_due_on=_days(61))
    expected = [t.pk for t in sorted(due, key=lambda t: (t.service_due_on, t.pk))]
    client.force_login(manager)
    # when
    first = client.get(SERVICE_DUE_URL)
    second = client.get(SERVICE_DUE_URL, {"page": 2})
    # then
    assert first.context["paginator"].count == 55
    assert "55 timepieces" in first.text
    shown = [t.pk for t in first.context["timepieces"]] + [t.pk for t in second.context["timepieces"]]
    assert shown == expected
    assert len(second.context["timepieces"]) == 5


def test_service_due_says_more_than_the_cap_instead_of_counting_everything(client, manager, central, monkeypatch):
    # given more due timepieces than the paginator counts (the cap lowered from 10,000 to 3)
    from crm_site.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "count_cap", 3)
    customer = CustomerFactory(home_store=central)
    due = [OwnedTimepieceFactory(customer=customer, service_due_on=_days(-i)) for i in range(5)]
    client.force_login(manager)
    # when
    response = client.get(SERVICE_DUE_URL)
    # then the caption says "more than 3", and the first page still lists the soonest due
    assert response.context["paginator"].is_capped
    assert "More than 3 timepieces" in response.text
    soonest = [t.pk for t in sorted(due, key=lambda t: t.service_due_on)][:3]
    assert [t.pk for t in response.context["timepieces"]][:3] == soonest


@pytest.mark.django_db
def test_the_service_due_index_exists_on_postgresql():
    # customers migration 0006: owned timepieces in the list's order, with their customer
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL index; SQLite goes without")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'timepiece_owned_due_order'")
        (definition,) = cursor.fetchone()
    assert "(service_due_on, id) INCLUDE (customer_id)" in definition
    assert "WHERE ((status)::text = 'owned'::text)" in definition


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "columns"),
    [
        (
            "customer_company_name_order",
            "name_en, name_zh, id) WHERE ((merged_into_id IS NULL) AND ((kind)::text = 'company'::text))",
        ),
        ("timepiece_owned_customer_due", "(customer_id, service_due_on)"),
    ],
)
def test_the_list_indexes_of_migrations_0007_and_0009_exist_on_postgresql(name, columns):
    # 0007: live companies in the list's name order; 0009: an owned timepiece's due date by customer (My day)
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL index; SQLite goes without")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        (definition,) = cursor.fetchone()
    assert columns in definition
    assert "WHERE" in definition


@pytest.mark.parametrize("user_fixture", ["nobody"])
def test_service_due_is_404_without_a_role(client, request, customer, user_fixture):
    # given
    OwnedTimepieceFactory(customer=customer, service_due_on=_days(-3))
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    response = client.get(SERVICE_DUE_URL)
    # then
    assert response.status_code == 404
    assert "Chan Tai Man" not in response.text


def _service_due_queries(client, central, manager, count: int) -> int:
    for i in range(count):
        customer = CustomerFactory(home_store=central, account_manager=manager)
        timepiece = OwnedTimepieceFactory(customer=customer, service_due_on=_days(-i))
        if i % 2:
            ServiceJobFactory(timepiece=timepiece, store=central, status="in_progress")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(SERVICE_DUE_URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_service_due_query_count_is_constant(client, manager, central):
    # given
    client.force_login(manager)
    # when / then: session, user, two permission lookups, roles, count, page — for 3 and 23 rows
    assert _service_due_queries(client, central, manager, 3) == SERVICE_DUE_QUERIES
    assert _service_due_queries(client, central, manager, 20) == SERVICE_DUE_QUERIES


# --- the panel on the customer page ----------------------------------------------------


def test_panel_renders_badges_and_the_add_button(manager, customer, central):
    # given
    OwnedTimepieceFactory(customer=customer, brand=BrandFactory(name="Tudor"), service_due_on=_days(-1))
    soon = OwnedTimepieceFactory(customer=customer, brand=BrandFactory(name="Rolex"), service_due_on=_days(30))
    ServiceJobFactory(timepiece=soon, store=central, status="awaiting_parts")
    request = RequestFactory().get("/")
    request.user = manager
    # when
    html = render_to_string(
        "customers/partials/timepieces_panel.html",
        {"timepieces_panel": selectors.panel_context(customer=customer, user=manager)},
        request=request,
    )
    # then
    assert html.count(">Overdue</span>") == 1
    assert html.count(">Due soon</span>") == 1
    assert "Awaiting parts" in html
    assert "1 in service" in html
    assert create_url(customer) in html


def test_panel_without_add_for_a_colleague(colleague, customer):
    # given
    OwnedTimepieceFactory(customer=customer, movement_type=MovementType.QUARTZ)
    # when
    html = render_to_string(
        "customers/partials/timepieces_panel.html",
        {"timepieces_panel": selectors.panel_context(customer=customer, user=colleague)},
    )
    # then
    assert create_url(customer) not in html
    assert "Quartz" in html
