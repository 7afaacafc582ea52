"""Purchase reads: spend figures, the customer page's panel, timeline entries, the product picker, scoping."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from crm_site.models import User
from customers.models import Purchase
from customers.selectors import purchases as selectors
from customers.selectors.timeline import TimelineEntry, customer_timeline
from customers.services import purchases as services
from tests.customers.factories_purchases import line, omega_seamaster, rubber_strap
from tests.factories import BrandFactory, CustomerFactory, ProductFactory, PurchaseFactory, PurchaseLineFactory

D = Decimal
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


@pytest.fixture
def omega(db):
    return omega_seamaster()


@pytest.fixture
def strap(db):
    return rubber_strap()


def buy(*, by, customer, store, lines, purchased_on) -> Purchase:
    return services.purchase_create(
        by=by, customer=customer, store=store, purchased_on=purchased_on, channel="in_store", lines=lines
    )


def item(amount: str) -> dict:
    return line(description="Watch winder", unit_price=D(amount))


def give_back(purchase, *, by, quantity) -> Purchase:
    first = purchase.lines.order_by("id").first()
    return services.purchase_return(
        by=by, purchase_id=purchase.pk, lines=[{"line_id": first.pk, "quantity": quantity}], reason="Changed mind"
    )


def fresh(user) -> User:
    """The user as a new request loads it: no cached roles or permissions."""
    return User.objects.get(pk=user.pk)


# --- customer_spend -----------------------------------------------------------------------


def test_spend_adds_up_lifetime_and_the_last_12_months_net_of_returns(
    django_assert_num_queries, manager, customer, central, strap
):
    # given, seen from 1 March 2025
    today = datetime.date(2025, 3, 1)
    buy(by=manager, customer=customer, store=central, lines=[item("10000")], purchased_on=datetime.date(2023, 12, 1))
    # exactly a year before: outside the last 12 months
    buy(by=manager, customer=customer, store=central, lines=[item("5000")], purchased_on=datetime.date(2024, 3, 1))
    buy(by=manager, customer=customer, store=central, lines=[item("2000")], purchased_on=datetime.date(2024, 3, 2))
    partly = buy(
        by=manager,
        customer=customer,
        store=central,
        lines=[line(strap, quantity=3, discount=D("100"))],
        purchased_on=datetime.date(2025, 1, 10),
    )
    give_back(partly, by=manager, quantity=1)  # HK$4,400 less HK$1,466.67
    returned = buy(
        by=manager, customer=customer, store=central, lines=[line(strap)], purchased_on=datetime.date(2025, 2, 1)
    )
    give_back(returned, by=manager, quantity=1)
    PurchaseFactory(customer=CustomerFactory(home_store=central), store=central, total=D("99999"))  # someone else
    # when
    with django_assert_num_queries(1):
        spend = selectors.customer_spend(customer=customer, today=today)
    # then
    assert spend == {
        "lifetime": D("19933.33"),
        "last_12_months": D("4933.33"),
        "purchases": 4,  # the purchase returned in full does not count
        "last_purchase_on": datetime.date(2025, 1, 10),
    }


def test_spend_of_a_customer_without_purchases_is_zero(django_assert_num_queries, customer):
    # given / when
    with django_assert_num_queries(1):
        spend = selectors.customer_spend(customer=customer)
    # then
    assert spend == {
        "lifetime": D("0.00"),
        "last_12_months": D("0.00"),
        "purchases": 0,
        "last_purchase_on": None,
    }


def test_spend_window_from_29_february_starts_after_28_february(manager, customer, central):
    # given
    buy(by=manager, customer=customer, store=central, lines=[item("100")], purchased_on=datetime.date(2023, 2, 28))
    buy(by=manager, customer=customer, store=central, lines=[item("200")], purchased_on=datetime.date(2023, 3, 1))
    # when
    spend = selectors.customer_spend(customer=customer, today=datetime.date(2024, 2, 29))
    # then
    assert (spend["lifetime"], spend["last_12_months"]) == (D("300.00"), D("200.00"))


def test_spend_defaults_to_today_in_hong_kong(manager, customer, central):
    # given a purchase today (Hong Kong date)
    buy(by=manager, customer=customer, store=central, lines=[item("750")], purchased_on=timezone.localdate())
    # when
    spend = selectors.customer_spend(customer=customer)
    # then
    assert spend["last_12_months"] == D("750.00")
    assert spend["last_purchase_on"] == timezone.localdate()


# --- purchase_list_for_customer and panel_context -----------------------------------------


def make_purchases(*, customer, store, count: int, start: int = 0) -> None:
    """``count`` purchases of two lines each, on different days, each line a product of its own brand."""
    for i in range(start, start + count):
        purchase = PurchaseFactory(
            customer=customer, store=store, purchased_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=i)
        )
        for j in range(2):
            PurchaseLineFactory(
                purchase=purchase,
                product=ProductFactory(brand=BrandFactory(name=f"Brand {i}-{j}")),
                description="",
                unit_price=D("100"),
            )


def test_purchase_list_is_newest_first_with_lines_products_and_brands(django_assert_num_queries, customer, central):
    # given
    make_purchases(customer=customer, store=central, count=3)
    # when: purchases, then their lines with products and brands
    with django_assert_num_queries(2):
        purchases = list(selectors.purchase_list_for_customer(customer=customer))
        labels = [[str(line.product) for line in purchase.lines.all()] for purchase in purchases]
        stores = [purchase.store.name for purchase in purchases]
    # then
    assert [p.purchased_on for p in purchases] == [datetime.date(2024, 1, d) for d in (3, 2, 1)]
    assert [label[0].split()[:2] for label in labels] == [["Brand", "2-0"], ["Brand", "1-0"], ["Brand", "0-0"]]
    assert stores == ["Central"] * 3


def test_purchase_list_takes_a_limit(customer, central):
    # given
    make_purchases(customer=customer, store=central, count=4)
    # when
    purchases = list(selectors.purchase_list_for_customer(customer=customer, limit=2))
    # then
    assert [p.purchased_on.day for p in purchases] == [4, 3]


def panel_queries(django_assert_num_queries, *, customer, user, expected: int) -> dict:
    with django_assert_num_queries(expected):
        context = selectors.panel_context(customer=customer, user=user)
        for purchase in context["latest"]:
            [str(line.product) for line in purchase.lines.all()]
    return context


# spend, latest purchases, their lines, roles, the user's and the group's permissions, may-edit
PANEL_QUERIES = 7


def test_panel_costs_the_same_queries_for_3_or_20_purchases(django_assert_num_queries, manager, customer, central):
    # given
    make_purchases(customer=customer, store=central, count=3)
    # when
    few = panel_queries(django_assert_num_queries, customer=customer, user=fresh(manager), expected=PANEL_QUERIES)
    make_purchases(customer=customer, store=central, count=17, start=3)
    many = panel_queries(django_assert_num_queries, customer=customer, user=fresh(manager), expected=PANEL_QUERIES)
    # then
    assert (len(few["latest"]), few["has_more"], few["spend"]["purchases"]) == (3, False, 3)
    assert (len(many["latest"]), many["has_more"], many["spend"]["purchases"]) == (5, True, 20)
    assert [p.purchased_on.day for p in many["latest"]] == [20, 19, 18, 17, 16]


@pytest.mark.parametrize(
    ("user_fixture", "can_add"),
    [("manager", True), ("supervisor", True), ("colleague", False), ("privacy_officer", False)],
)
def test_panel_offers_to_record_a_purchase_to_who_may(request, customer, user_fixture, can_add):
    # given
    user = request.getfixturevalue(user_fixture)
    # when
    context = selectors.panel_context(customer=customer, user=user)
    # then
    assert context["can_add"] is can_add
    assert context["customer"] == customer


# --- scoping ------------------------------------------------------------------------------


def test_purchase_get_for_user_is_404_for_another_store(other_manager, colleague, customer, central):
    # given
    purchase = PurchaseFactory(customer=customer, store=central)
    # when / then
    with pytest.raises(Http404):
        selectors.purchase_get_for_user(user=other_manager, pk=purchase.pk)
    with pytest.raises(Http404):
        selectors.purchase_get_for_user(user=colleague, pk=purchase.pk + 1000)
    assert selectors.purchase_get_for_user(user=colleague, pk=purchase.pk) == purchase


def test_purchase_get_editable_for_user_is_404_outside_the_book(colleague, manager, customer, central):
    # given
    purchase = PurchaseFactory(customer=customer, store=central)
    # when / then
    with pytest.raises(Http404):
        selectors.purchase_get_editable_for_user(user=colleague, pk=purchase.pk)
    assert selectors.purchase_get_editable_for_user(user=manager, pk=purchase.pk) == purchase


# --- returns: what is left ----------------------------------------------------------------


def test_returnable_quantities_take_returns_from_the_oldest_identical_line(customer, central, strap):
    # given two identical strap lines of 2 and 1, then 2 returned
    purchase = PurchaseFactory(customer=customer, store=central)
    first = PurchaseLineFactory(purchase=purchase, product=strap, description="", quantity=2)
    second = PurchaseLineFactory(purchase=purchase, product=strap, description="", quantity=1)
    other = PurchaseLineFactory(purchase=purchase, product=None, description="Engraving", quantity=1)
    PurchaseLineFactory(purchase=purchase, product=strap, description="", quantity=-2)
    # when
    returnable = selectors.purchase_returnable_quantities(lines=purchase.lines.all())
    # then
    assert returnable == {first.pk: 0, second.pk: 1, other.pk: 1}


# --- timeline -----------------------------------------------------------------------------


def test_timeline_has_a_purchase_entry_and_a_return_entry_in_one_query(
    django_assert_num_queries, manager, customer, central, omega, strap
):
    # given a watch and a strap bought, the strap returned
    day = datetime.date(2025, 5, 2)
    purchase = buy(
        by=manager,
        customer=customer,
        store=central,
        lines=[line(omega, serial_number="81234567"), line(strap)],
        purchased_on=day,
    )
    services.purchase_return(
        by=manager,
        purchase_id=purchase.pk,
        lines=[{"line_id": purchase.lines.get(product=strap).pk, "quantity": 1}],
        reason="Wrong colour",
    )
    purchase.refresh_from_db()
    url = reverse("customers:purchase-detail", kwargs={"pk": purchase.pk})
    # when
    with django_assert_num_queries(1):
        entries = selectors.timeline_entries(customer=customer, limit=10)
    # then
    assert entries == [
        TimelineEntry(
            when=purchase.updated_at,
            kind="return",
            icon="arrow-return-left",
            title="Returned Omega Rubber strap STRAP-20",
            detail="HK$1,500.00 refunded · Central",
            url=url,
        ),
        TimelineEntry(
            when=datetime.datetime(2025, 5, 2, tzinfo=HONG_KONG),
            kind="purchase",
            icon="bag",
            title="Bought Omega Seamaster 210.30.42.20.03.001 and 1 more item",
            detail="HK$42,000.00 · Central",
            url=url,
            badge="Partly returned",
        ),
    ]
    assert str(entries[1].when.tzinfo) == "Asia/Hong_Kong"


def test_timeline_gives_the_latest_purchases_up_to_the_limit(django_assert_num_queries, customer, central):
    # given
    make_purchases(customer=customer, store=central, count=6)
    # when
    with django_assert_num_queries(1):
        entries = selectors.timeline_entries(customer=customer, limit=4)
    # then
    assert [(e.kind, e.when.date().day) for e in entries] == [("purchase", d) for d in (6, 5, 4, 3)]
    assert entries[0].title.startswith("Bought Brand 5-0 Model ")
    assert entries[0].title.endswith(" and 1 more item")


def test_timeline_shows_an_imported_credit_note_as_a_return_on_its_date(customer, central):
    # given a purchase of returned goods only
    purchase = PurchaseFactory(customer=customer, store=central, purchased_on=datetime.date(2025, 1, 5), total=-300)
    PurchaseLineFactory(purchase=purchase, product=None, description="Bracelet links", quantity=-1, unit_price=D("300"))
    # when
    entries = selectors.timeline_entries(customer=customer, limit=5)
    # then
    assert [(e.kind, e.when, e.title, e.detail) for e in entries] == [
        (
            "return",
            datetime.datetime(2025, 1, 5, tzinfo=HONG_KONG),
            "Returned Bracelet links",
            "HK$300.00 refunded · Central",
        )
    ]


def test_the_customer_timeline_includes_the_purchases(customer, central):
    # given
    make_purchases(customer=customer, store=central, count=2)
    # when
    entries = customer_timeline(customer=customer, limit=10)
    # then
    assert [e.kind for e in entries if e.icon == "bag"] == ["purchase", "purchase"]


# --- the product picker -------------------------------------------------------------------


def test_product_search_matches_every_word_in_brand_model_or_reference(omega, strap):
    # given
    ProductFactory(brand=BrandFactory(name="Omega"), model_name="Speedmaster", reference="310.30.42", is_active=False)
    ProductFactory(brand=BrandFactory(name="Seiko"), model_name="Presage", reference="SPB167")
    # when / then
    assert selectors.product_search(term="omega") == [strap, omega]
    assert selectors.product_search(term="omega 210.30") == [omega]
    assert selectors.product_search(term="  strap  OMEGA ") == [strap]
    assert [p.model_name for p in selectors.product_search(term="")] == ["Rubber strap", "Seamaster", "Presage"]
    assert selectors.product_search(term="speedmaster") == []  # not on sale


def test_product_search_is_one_query_and_limited(django_assert_num_queries, db):
    # given
    for i in range(25):
        ProductFactory(brand=BrandFactory(name=f"Brand {i:02d}"))
    # when
    with django_assert_num_queries(1):
        found = selectors.product_search(term="brand", limit=20)
        names = [product.brand.name for product in found]
    # then
    assert names == [f"Brand {i:02d}" for i in range(20)]


def test_hkd_formats_like_the_pages():
    # given / when / then
    assert selectors.hkd(D("12345")) == "HK$12,345.00"
    assert selectors.hkd(D("-1000.5")) == "−HK$1,000.50"
    assert selectors.hkd(None) == "HK$0.00"
