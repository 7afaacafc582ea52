"""The purchase pages: who gets what, what each request writes, and how many queries it costs."""

import json
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from customers.models import OwnedTimepiece, Purchase, PurchaseLine
from customers.selectors import purchases as selectors
from customers.services import purchases as services
from privacy.models import AccessLog
from tests.customers.factories_purchases import line, omega_seamaster, rubber_strap
from tests.factories import BrandFactory, ProductFactory, PurchaseFactory, PurchaseLineFactory, UserFactory

D = Decimal
# Measured, and constant in the number of rows shown (see the tests below).
DETAIL_QUERIES = 9
LIST_QUERIES = 12


@pytest.fixture
def omega(db):
    return omega_seamaster()


@pytest.fixture
def strap(db):
    return rubber_strap()


@pytest.fixture
def nobody(central):
    """A staff member of Central with no role."""
    return UserFactory(username="no-role", stores=[central])


@pytest.fixture
def strap_purchase(manager, customer, central, strap):
    """Three straps at HK$1,500 with HK$100 off: HK$4,400."""
    return services.purchase_create(
        by=manager,
        customer=customer,
        store=central,
        purchased_on=timezone.localdate(),
        channel="in_store",
        lines=[line(strap, quantity=3, discount=D("100"))],
    )


def create_url(customer):
    return reverse("customers:purchase-create", kwargs={"customer_pk": customer.pk})


def detail_url(purchase):
    return reverse("customers:purchase-detail", kwargs={"pk": purchase.pk})


def return_url(purchase):
    return reverse("customers:purchase-return", kwargs={"pk": purchase.pk})


def list_url(customer):
    return reverse("customers:purchase-list", kwargs={"customer_pk": customer.pk})


SEARCH_URL = reverse("customers:product-search")


def form_data(*, store, lines: list[dict], blank_lines: int = 1, **overrides) -> dict:
    """The purchase form as the browser posts it: the lines given, then blank lines left as shown."""
    data = {
        "store": store.pk,
        "purchased_on": timezone.localdate().isoformat(),
        "channel": "in_store",
        "staff": "",
        "external_ref": "",
        "notes": "",
        "lines-TOTAL_FORMS": len(lines) + blank_lines,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 50,
    }
    blank = {"product": "", "description": "", "quantity": "1", "unit_price": "", "discount": "0", "serial_number": ""}
    for i, values in enumerate([*lines, *[{}] * blank_lines]):
        for name, value in {**blank, **values}.items():
            data[f"lines-{i}-{name}"] = value
    data.update(overrides)
    return data


def snapshot() -> tuple:
    """Everything the purchase pages can write."""
    return (
        list(Purchase.objects.order_by("id").values_list("id", "status", "total", "notes")),
        list(PurchaseLine.objects.order_by("id").values_list("id", "quantity", "line_total")),
        list(OwnedTimepiece.objects.values_list("id", "status")),
        AccessLog.objects.count(),
    )


def access_rows():
    return list(AccessLog.objects.order_by("id").values_list("user_id", "customer_id", "action", "view_name", "path"))


# --- create -------------------------------------------------------------------------------


def test_create_form_shows_the_customers_manager_the_lines_and_logs_one_view(client, manager, customer, omega, strap):
    # given
    client.force_login(manager)
    # when
    response = client.get(create_url(customer))
    # then
    assert response.status_code == 200
    assert response.context["customer"] == customer
    assert len(response.context["formset"].forms) == 3
    assert "Omega Seamaster 210.30.42.20.03.001 · HK$42,000.00" in response.text
    assert 'id="line-template"' in response.text
    assert access_rows() == [
        (manager.pk, customer.pk, AccessLog.Action.VIEW, "customers:purchase-create", create_url(customer))
    ]


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "privacy_officer", "nobody"])
def test_create_is_404_for_who_may_not_add_to_this_customer_and_changes_nothing(
    client, request, customer, central, strap, user_fixture
):
    # given: another store's manager, a colleague outside their book, no add permission, no role
    client.force_login(request.getfixturevalue(user_fixture))
    before = snapshot()
    # when
    got = client.get(create_url(customer))
    posted = client.post(create_url(customer), form_data(store=central, lines=[{"product": strap.pk}]))
    # then
    assert (got.status_code, posted.status_code) == (404, 404)
    assert "Chan Tai Man" not in got.text
    assert snapshot() == before


def test_create_of_a_missing_customer_is_the_same_404(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("customers:purchase-create", kwargs={"customer_pk": customer.pk + 1000}))
    # then
    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


def test_create_records_the_purchase_and_goes_to_it(client, manager, customer, central, omega, strap):
    # given a watch with its serial, two straps, and a blank line left as shown
    client.force_login(manager)
    lines = [
        {"product": omega.pk, "serial_number": "81234567", "discount": "500"},
        {"product": strap.pk, "quantity": "2"},
    ]
    # when
    response = client.post(create_url(customer), form_data(store=central, lines=lines, staff=manager.pk))
    # then
    purchase = Purchase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(purchase)
    assert (purchase.customer, purchase.store, purchase.staff, purchase.total) == (
        customer,
        central,
        manager,
        D("44500.00"),
    )
    assert list(purchase.lines.values_list("product", "quantity", "serial_number")) == [
        (omega.pk, 1, "81234567"),
        (strap.pk, 2, ""),
    ]
    assert OwnedTimepiece.objects.get().serial_number == "81234567"
    assert AccessLog.objects.filter(
        user=manager, customer=customer, action=AccessLog.Action.EDIT, view_name="customers:purchase-create"
    ).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Purchase of HK$44,500.00 recorded."]


def test_create_shows_a_missing_serial_number_next_to_its_line(client, manager, customer, central, omega, strap):
    # given the watch on the second line, without its serial number
    client.force_login(manager)
    lines = [{"product": strap.pk}, {"product": omega.pk}]
    # when
    response = client.post(create_url(customer), form_data(store=central, lines=lines))
    # then
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[0].errors == {}
    assert forms[1].errors == {"serial_number": ["Line 2: enter the serial number of this watch."]}
    assert "Line 2: enter the serial number of this watch." in response.text
    assert Purchase.objects.count() == 0


def test_create_shows_a_discount_error_and_keeps_what_was_typed(client, manager, customer, central, strap):
    # given
    client.force_login(manager)
    lines = [{"product": strap.pk, "discount": "2000", "description": "Blue"}]
    # when
    response = client.post(create_url(customer), form_data(store=central, lines=lines))
    # then
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {
        "discount": ["Line 1: the discount (HK$2,000.00) cannot be more than the line's price (HK$1,500.00)."]
    }
    assert 'value="Blue"' in response.text
    assert Purchase.objects.count() == 0


def test_create_without_any_line_says_so(client, manager, customer, central):
    # given
    client.force_login(manager)
    # when
    response = client.post(create_url(customer), form_data(store=central, lines=[], blank_lines=3))
    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Add at least one line."]
    assert Purchase.objects.count() == 0


def test_create_refuses_another_stores_store_in_the_form(client, manager, customer, tst, strap):
    # given
    client.force_login(manager)
    # when
    response = client.post(create_url(customer), form_data(store=tst, lines=[{"product": strap.pk}]))
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["store"]
    assert Purchase.objects.count() == 0


# --- detail -------------------------------------------------------------------------------


def test_detail_shows_the_lines_and_total_and_logs_one_view(client, manager, customer, strap_purchase):
    # given
    client.force_login(manager)
    # when
    response = client.get(detail_url(strap_purchase))
    # then
    assert response.status_code == 200
    assert response.context["purchase"] == strap_purchase
    assert response.context["can_return"] is True
    assert "Omega Rubber strap STRAP-20" in response.text
    assert "HK$4,400.00" in response.text
    assert return_url(strap_purchase) in response.text
    assert access_rows()[-1] == (
        manager.pk,
        customer.pk,
        AccessLog.Action.VIEW,
        "customers:purchase-detail",
        detail_url(strap_purchase),
    )


def test_detail_is_visible_to_a_colleague_without_the_return_button(client, colleague, strap_purchase):
    # given
    client.force_login(colleague)
    # when
    response = client.get(detail_url(strap_purchase))
    # then
    assert response.status_code == 200
    assert response.context["can_return"] is False
    assert return_url(strap_purchase) not in response.text


@pytest.mark.parametrize("user_fixture", ["other_manager", "nobody"])
def test_detail_is_404_for_another_store_and_logs_nothing(client, request, strap_purchase, user_fixture):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    before = snapshot()
    # when
    response = client.get(detail_url(strap_purchase))
    # then
    assert response.status_code == 404
    assert "Rubber strap" not in response.text
    assert snapshot() == before


def test_detail_of_a_missing_purchase_is_the_same_404(client, manager, strap_purchase):
    # given
    client.force_login(manager)
    before = snapshot()
    # when
    response = client.get(reverse("customers:purchase-detail", kwargs={"pk": strap_purchase.pk + 1000}))
    # then
    assert response.status_code == 404
    assert snapshot() == before


def purchase_with_lines(*, customer, store, count: int) -> Purchase:
    purchase = PurchaseFactory(customer=customer, store=store)
    for i in range(count):
        PurchaseLineFactory(purchase=purchase, product=ProductFactory(brand=BrandFactory(name=f"Brand {i}")))
    return purchase


def test_detail_query_count_does_not_grow_with_the_lines(client, django_assert_num_queries, manager, customer, central):
    # given
    small = purchase_with_lines(customer=customer, store=central, count=2)
    large = purchase_with_lines(customer=customer, store=central, count=20)
    client.force_login(manager)
    # when / then: session, user, permissions (2), roles, purchase, lines, access row, may-return
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(small))
    assert len(response.context["lines"]) == 2
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(large))
    assert len(response.context["lines"]) == 20


# --- return -------------------------------------------------------------------------------


def test_return_form_shows_what_can_come_back_and_logs_one_view(client, manager, customer, strap_purchase):
    # given
    client.force_login(manager)
    # when
    response = client.get(return_url(strap_purchase))
    # then
    assert response.status_code == 200
    rows = response.context["form"].table()
    assert [(row["line"].quantity, row["returned"], row["returnable"]) for row in rows] == [(3, 0, 3)]
    assert access_rows()[-1][2:] == (AccessLog.Action.VIEW, "customers:purchase-return", return_url(strap_purchase))


def test_return_records_it_and_goes_back_to_the_purchase(client, manager, strap_purchase):
    # given
    client.force_login(manager)
    strap_line = strap_purchase.lines.get()
    # when
    response = client.post(return_url(strap_purchase), {f"return_{strap_line.pk}": "1", "reason": "Too long"})
    # then
    assert response.status_code == 302
    assert response["Location"] == detail_url(strap_purchase)
    strap_purchase.refresh_from_db()
    assert (strap_purchase.status, strap_purchase.total) == (Purchase.Status.PARTLY_RETURNED, D("2933.33"))
    assert list(strap_purchase.lines.values_list("quantity", flat=True)) == [3, -1]


def test_return_of_too_many_shows_the_error_next_to_the_line(client, manager, strap_purchase):
    # given
    client.force_login(manager)
    strap_line = strap_purchase.lines.get()
    before = snapshot()
    # when
    response = client.post(return_url(strap_purchase), {f"return_{strap_line.pk}": "5", "reason": "Too long"})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {
        f"return_{strap_line.pk}": ["You can return at most 3 of Omega Rubber strap STRAP-20."]
    }
    assert "You can return at most 3 of Omega Rubber strap STRAP-20." in response.text
    assert snapshot() == before


def test_return_without_a_quantity_or_reason_says_so(client, manager, strap_purchase):
    # given
    client.force_login(manager)
    before = snapshot()
    # when
    response = client.post(return_url(strap_purchase), {"reason": ""})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert snapshot() == before


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "privacy_officer", "nobody"])
def test_return_is_404_for_who_may_not_edit_the_customer_and_changes_nothing(
    client, request, strap_purchase, user_fixture
):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    strap_line = strap_purchase.lines.get()
    before = snapshot()
    # when
    got = client.get(return_url(strap_purchase))
    posted = client.post(return_url(strap_purchase), {f"return_{strap_line.pk}": "1", "reason": "Too long"})
    # then
    assert (got.status_code, posted.status_code) == (404, 404)
    assert snapshot() == before


def test_return_page_of_a_fully_returned_purchase_offers_nothing(client, manager, strap_purchase):
    # given
    client.force_login(manager)
    strap_line = strap_purchase.lines.get()
    services.purchase_return(
        by=manager, purchase_id=strap_purchase.pk, lines=[{"line_id": strap_line.pk, "quantity": 3}], reason="x"
    )
    # when
    response = client.get(return_url(strap_purchase))
    detail = client.get(detail_url(strap_purchase))
    # then
    assert response.status_code == 200
    assert "Everything on this purchase has already been returned." in response.text
    assert detail.context["can_return"] is False


# --- list ---------------------------------------------------------------------------------


def test_list_shows_the_history_with_spend_and_logs_one_view(client, manager, customer, strap_purchase):
    # given
    client.force_login(manager)
    # when
    response = client.get(list_url(customer))
    # then
    assert response.status_code == 200
    assert list(response.context["purchases"]) == [strap_purchase]
    assert response.context["spend"]["lifetime"] == D("4400.00")
    assert response.context["can_add"] is True
    assert create_url(customer) in response.text
    assert access_rows()[-1][2:] == (AccessLog.Action.VIEW, "customers:purchase-list", list_url(customer))


@pytest.mark.parametrize("user_fixture", ["other_manager", "nobody"])
def test_list_is_404_for_another_store_and_logs_nothing(client, request, customer, strap_purchase, user_fixture):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    before = snapshot()
    # when
    response = client.get(list_url(customer))
    # then
    assert response.status_code == 404
    assert snapshot() == before


def make_purchases(*, customer, store, count: int) -> None:
    for _ in range(count):
        purchase_with_lines(customer=customer, store=store, count=2)


def test_list_query_count_is_the_same_for_3_or_20_purchases(
    client, django_assert_num_queries, manager, customer, central
):
    # given
    client.force_login(manager)
    make_purchases(customer=customer, store=central, count=3)
    # when / then: session, user, permissions (2), roles, customer, access row, count, page,
    # lines, spend, may-add
    with django_assert_num_queries(LIST_QUERIES):
        few = client.get(list_url(customer))
    make_purchases(customer=customer, store=central, count=17)
    with django_assert_num_queries(LIST_QUERIES):
        many = client.get(list_url(customer))
    assert (len(few.context["purchases"]), len(many.context["purchases"])) == (3, 20)


# --- product search -----------------------------------------------------------------------


def test_product_search_answers_htmx_with_options(client, manager, omega, strap):
    # given
    client.force_login(manager)
    # when
    response = client.get(SEARCH_URL, {"term": "seamaster"}, headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert f'<option value="{omega.pk}">Omega Seamaster 210.30.42.20.03.001 · HK$42,000.00</option>' in response.text
    assert f'value="{strap.pk}"' not in response.text
    assert AccessLog.objects.count() == 0


def test_product_search_with_an_emptied_box_gives_every_product_back(client, manager, db):
    # given more products than a search returns
    for i in range(25):
        ProductFactory(brand=BrandFactory(name=f"Brand {i:02d}"))
    client.force_login(manager)
    # when
    response = client.get(SEARCH_URL, {"term": " "}, headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert response.text.count("<option") == 26  # the blank choice and every product


def test_product_search_answers_json_otherwise(client, manager, omega):
    # given
    client.force_login(manager)
    # when
    response = client.get(SEARCH_URL, {"term": "210.30"})
    # then
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "results": [
            {
                "id": omega.pk,
                "label": "Omega Seamaster 210.30.42.20.03.001",
                "brand": "Omega",
                "reference": "210.30.42.20.03.001",
                "category": "watch",
                "is_timepiece": True,
                "list_price": "42000.00",
            }
        ]
    }


def test_product_search_is_404_without_a_role(client, nobody, omega):
    # given
    client.force_login(nobody)
    # when
    response = client.get(SEARCH_URL, {"term": "omega"})
    # then
    assert response.status_code == 404


# --- the customer page's panel ------------------------------------------------------------


def test_panel_shows_spend_latest_purchases_and_the_add_button(manager, customer, strap_purchase):
    # given
    context = selectors.panel_context(customer=customer, user=manager)
    # when
    html = render_to_string("customers/partials/purchases_panel.html", {"purchases_panel": context})
    # then
    assert "HK$4,400.00" in html
    assert "Omega Rubber strap STRAP-20" in html
    assert detail_url(strap_purchase) in html
    assert create_url(customer) in html
    assert list_url(customer) in html


def test_panel_hides_the_add_button_from_a_colleague(colleague, customer, strap_purchase):
    # given
    context = selectors.panel_context(customer=customer, user=colleague)
    # when
    html = render_to_string("customers/partials/purchases_panel.html", {"purchases_panel": context})
    # then
    assert create_url(customer) not in html
    assert "HK$4,400.00" in html
