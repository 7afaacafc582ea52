"""purchase_create and purchase_return: totals, rules, who may, and what each writes."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from customers.models import OwnedTimepiece, Product, Purchase, PurchaseLine
from customers.services import purchases as services
from privacy.models import AccessLog
from tests.customers.factories_purchases import line, omega_seamaster, rubber_strap
from tests.factories import CustomerFactory

D = Decimal


@pytest.fixture
def omega(db):
    return omega_seamaster()


@pytest.fixture
def strap(db):
    return rubber_strap()


def buy(*, by, customer, store, lines, purchased_on=None, **kwargs) -> Purchase:
    return services.purchase_create(
        by=by,
        customer=customer,
        store=store,
        purchased_on=purchased_on or timezone.localdate(),
        channel=Purchase.Channel.IN_STORE,
        lines=lines,
        **kwargs,
    )


def line_rows(purchase) -> list[tuple]:
    return list(
        PurchaseLine.objects.filter(purchase=purchase)
        .order_by("id")
        .values_list("quantity", "unit_price", "discount", "line_total", "serial_number")
    )


def messages_of(excinfo) -> list[str]:
    return excinfo.value.messages


def nothing_written():
    return (
        Purchase.objects.count(),
        PurchaseLine.objects.count(),
        OwnedTimepiece.objects.count(),
        AccessLog.objects.count(),
    ) == (0, 0, 0, 0)


# --- purchase_create: totals -------------------------------------------------------------


def test_create_computes_each_line_total_and_the_purchase_total(manager, customer, central, omega, strap):
    # given a watch with a discount, two straps at list price, and an engraving without product
    lines = [
        line(omega, unit_price=D("42000.00"), discount=D("2000.00"), serial_number="81234567"),
        line(strap, quantity=2),
        line(description="Engraving", unit_price=D("300.00")),
    ]
    # when
    purchase = buy(by=manager, customer=customer, store=central, lines=lines)
    # then
    assert line_rows(purchase) == [
        (1, D("42000.00"), D("2000.00"), D("40000.00"), "81234567"),
        (2, D("1500.00"), D("0.00"), D("3000.00"), ""),
        (1, D("300.00"), D("0.00"), D("300.00"), ""),
    ]
    purchase.refresh_from_db()
    assert purchase.total == D("43300.00")
    assert purchase.status == Purchase.Status.COMPLETED
    assert (purchase.customer, purchase.store, purchase.channel) == (customer, central, Purchase.Channel.IN_STORE)


def test_create_takes_the_list_price_when_no_price_is_given(manager, customer, central, strap):
    # given / when
    purchase = buy(by=manager, customer=customer, store=central, lines=[line(strap, discount=D("100.00"))])
    # then
    assert line_rows(purchase) == [(1, D("1500.00"), D("100.00"), D("1400.00"), "")]
    assert Purchase.objects.get().total == D("1400.00")


def test_create_accepts_a_discount_equal_to_the_line_price(manager, customer, central, strap):
    # given / when: a free strap
    purchase = buy(by=manager, customer=customer, store=central, lines=[line(strap, quantity=2, discount=D("3000"))])
    # then
    assert Purchase.objects.get(pk=purchase.pk).total == D("0.00")


def test_create_keeps_receipt_number_notes_and_seller(manager, colleague, customer, central, strap):
    # given / when
    purchase = buy(
        by=manager,
        customer=customer,
        store=central,
        lines=[line(strap)],
        staff=colleague,
        notes="  Gift wrapped  ",
        external_ref=" R-1001 ",
    )
    # then
    purchase.refresh_from_db()
    assert (purchase.staff, purchase.notes, purchase.external_ref) == (colleague, "Gift wrapped", "R-1001")


# --- purchase_create: rules --------------------------------------------------------------


def test_create_refuses_a_discount_above_the_line_price(manager, customer, central, strap):
    # given
    lines = [line(strap, quantity=2, discount=D("3000.01"))]
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=lines)
    # then
    assert messages_of(excinfo) == [
        "Line 1: the discount (HK$3,000.01) cannot be more than the line's price (HK$3,000.00)."
    ]
    assert nothing_written()


def test_create_refuses_a_watch_without_serial_number_naming_the_line(manager, customer, central, omega, strap):
    # given the watch on the second line, without its serial number
    lines = [line(strap), line(omega, serial_number="  ")]
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=lines)
    # then
    assert messages_of(excinfo) == ["Line 2: enter the serial number of this watch."]
    error = excinfo.value.error_dict["lines"][0]
    assert (error.params["line"], error.params["field"]) == (2, "serial_number")
    assert nothing_written()


def test_create_refuses_two_watches_on_one_line(manager, customer, central, omega):
    # given
    lines = [line(omega, quantity=2, serial_number="A1")]
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=lines)
    # then
    assert messages_of(excinfo) == ["Line 1: put each watch or clock on its own line, with its own serial number."]
    assert nothing_written()


def test_create_refuses_a_serial_number_twice_in_one_purchase(manager, customer, central, omega):
    # given the same serial, once in lower case
    lines = [line(omega, serial_number="ab123"), line(omega, serial_number="AB123")]
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=lines)
    # then
    assert messages_of(excinfo) == ["Line 2: serial number AB123 is already on line 1."]
    assert nothing_written()


def test_create_refuses_a_zero_quantity(manager, customer, central, strap):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=[line(strap, quantity=0)])
    # then
    assert messages_of(excinfo) == ["Line 1: the quantity cannot be zero."]
    assert nothing_written()


def test_create_refuses_a_line_without_product_or_description(manager, customer, central):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=[line(unit_price=D("10"))])
    # then
    assert messages_of(excinfo) == ["Line 1: choose a product or describe the item."]
    assert nothing_written()


def test_create_refuses_a_purchase_without_lines(manager, customer, central):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=[])
    # then
    assert messages_of(excinfo) == ["Add at least one line."]
    assert nothing_written()


def test_create_refuses_a_date_in_the_future(manager, customer, central, strap):
    # given
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=[line(strap)], purchased_on=tomorrow)
    # then
    assert excinfo.value.message_dict == {"purchased_on": ["The purchase date cannot be in the future."]}
    assert nothing_written()


def test_create_refuses_another_users_store(manager, customer, tst, strap):
    # given the manager's customer, but the sale booked at a store the manager does not work at
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=tst, lines=[line(strap)])
    # then
    assert excinfo.value.message_dict == {"store": ["Choose one of your own stores."]}
    assert nothing_written()


def test_create_reports_every_problem_at_once(manager, customer, tst, omega, strap):
    # given
    lines = [line(omega), line(strap, quantity=0)]
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=tst, lines=lines)
    # then
    assert excinfo.value.message_dict == {
        "store": ["Choose one of your own stores."],
        "lines": ["Line 1: enter the serial number of this watch.", "Line 2: the quantity cannot be zero."],
    }


def test_create_refuses_a_receipt_number_already_used(manager, customer, central, strap):
    # given
    buy(by=manager, customer=customer, store=central, lines=[line(strap)], external_ref="R-1")
    # when
    with pytest.raises(ValidationError) as excinfo:
        buy(by=manager, customer=customer, store=central, lines=[line(strap)], external_ref="R-1")
    # then
    assert list(excinfo.value.message_dict) == ["external_ref"]
    assert Purchase.objects.count() == 1


# --- purchase_create: who may ------------------------------------------------------------


def test_create_is_refused_to_another_stores_manager_and_writes_nothing(other_manager, customer, tst, strap):
    # given / when
    with pytest.raises(PermissionDenied):
        buy(by=other_manager, customer=customer, store=tst, lines=[line(strap)])
    # then
    assert nothing_written()


def test_create_is_refused_to_a_colleague_outside_their_book(colleague, customer, central, strap):
    # given the colleague sees the customer (same store) but it is not in their book
    # when
    with pytest.raises(PermissionDenied):
        buy(by=colleague, customer=customer, store=central, lines=[line(strap)])
    # then
    assert nothing_written()


def test_create_is_refused_to_a_privacy_officer(privacy_officer, customer, central, strap):
    # given a privacy officer, who sees every customer but may not add purchases
    # when
    with pytest.raises(PermissionDenied):
        buy(by=privacy_officer, customer=customer, store=central, lines=[line(strap)])
    # then
    assert nothing_written()


def test_a_supervisor_records_a_purchase_for_a_customer_of_their_store(supervisor, customer, central, strap):
    # given / when
    purchase = buy(by=supervisor, customer=customer, store=central, lines=[line(strap)])
    # then
    assert Purchase.objects.get().pk == purchase.pk


# --- purchase_create: what it writes ------------------------------------------------------


def test_create_writes_one_edit_access_row(manager, customer, central, strap):
    # given / when
    purchase = buy(by=manager, customer=customer, store=central, lines=[line(strap)], view_name="test-view")
    # then
    assert list(AccessLog.objects.values_list("user", "customer", "action", "view_name", "reason")) == [
        (
            manager.pk,
            customer.pk,
            AccessLog.Action.EDIT,
            "test-view",
            f"purchase {purchase.pk} recorded (1 lines, HK$1,500.00)",
        )
    ]


def test_create_makes_an_owned_timepiece_for_each_watch_bought(manager, customer, central, omega, strap):
    # given
    day = datetime.date(2025, 3, 15)
    lines = [line(omega, serial_number="81234567"), line(strap)]
    # when
    purchase = buy(by=manager, customer=customer, store=central, lines=lines, purchased_on=day)
    # then: one timepiece, for the watch line only
    watch_line = purchase.lines.get(product=omega)
    timepiece = OwnedTimepiece.objects.get()
    assert (
        timepiece.customer,
        timepiece.purchase_line,
        timepiece.product,
        timepiece.brand,
        timepiece.reference,
        timepiece.serial_number,
        timepiece.status,
        timepiece.purchased_on,
    ) == (customer, watch_line, omega, omega.brand, "210.30.42.20.03.001", "81234567", "owned", day)
    assert timepiece.service_due_on is not None


def test_create_makes_no_timepiece_for_a_returned_watch_line(manager, customer, central, omega):
    # given an imported credit note: a watch line with a negative quantity
    # when
    buy(by=manager, customer=customer, store=central, lines=[line(omega, quantity=-1)])
    # then
    assert OwnedTimepiece.objects.count() == 0
    assert Purchase.objects.get().total == D("-42000.00")


# --- purchase_return ---------------------------------------------------------------------


@pytest.fixture
def strap_purchase(manager, customer, central, strap):
    """Three straps at HK$1,500 with HK$100 off the line: HK$4,400."""
    return buy(by=manager, customer=customer, store=central, lines=[line(strap, quantity=3, discount=D("100"))])


def give_back(purchase, *, by, quantity, reason="Wrong size", line_obj=None) -> Purchase:
    line_obj = line_obj or purchase.lines.order_by("id").first()
    return services.purchase_return(
        by=by, purchase_id=purchase.pk, lines=[{"line_id": line_obj.pk, "quantity": quantity}], reason=reason
    )


def test_a_partial_return_adds_a_negative_line_and_marks_the_purchase_partly_returned(manager, strap_purchase):
    # given / when
    purchase = give_back(strap_purchase, by=manager, quantity=1)
    # then: one strap back, with a third of the discount
    assert line_rows(purchase) == [
        (3, D("1500.00"), D("100.00"), D("4400.00"), ""),
        (-1, D("1500.00"), D("33.33"), D("-1466.67"), ""),
    ]
    purchase.refresh_from_db()
    assert (purchase.status, purchase.total) == (Purchase.Status.PARTLY_RETURNED, D("2933.33"))
    assert purchase.notes == f"Returned to store on {timezone.localdate().isoformat()}: Wrong size"


def test_returning_the_rest_refunds_exactly_what_was_paid(manager, strap_purchase):
    # given one strap already returned
    give_back(strap_purchase, by=manager, quantity=1)
    # when the other two come back
    purchase = give_back(strap_purchase, by=manager, quantity=2, reason="Changed mind")
    # then
    purchase.refresh_from_db()
    assert [row[:4] for row in line_rows(purchase)] == [
        (3, D("1500.00"), D("100.00"), D("4400.00")),
        (-1, D("1500.00"), D("33.33"), D("-1466.67")),
        (-2, D("1500.00"), D("66.67"), D("-2933.33")),
    ]
    assert (purchase.status, purchase.total) == (Purchase.Status.RETURNED, D("0.00"))
    assert purchase.notes.splitlines()[1].endswith(": Changed mind")


def test_returning_more_than_was_bought_is_refused_and_nothing_changes(manager, strap_purchase):
    # given
    before = line_rows(strap_purchase)
    # when
    with pytest.raises(ValidationError) as excinfo:
        give_back(strap_purchase, by=manager, quantity=4)
    # then
    assert messages_of(excinfo) == ["You can return at most 3 of Omega Rubber strap STRAP-20."]
    assert line_rows(strap_purchase) == before
    strap_purchase.refresh_from_db()
    assert (strap_purchase.status, strap_purchase.total) == (Purchase.Status.COMPLETED, D("4400.00"))


def test_what_was_returned_before_cannot_come_back_again(manager, strap_purchase):
    # given two of three straps returned
    give_back(strap_purchase, by=manager, quantity=2)
    # when
    with pytest.raises(ValidationError) as excinfo:
        give_back(strap_purchase, by=manager, quantity=2)
    # then
    assert messages_of(excinfo) == ["You can return at most 1 of Omega Rubber strap STRAP-20."]
    assert PurchaseLine.objects.filter(purchase=strap_purchase).count() == 2


def test_a_return_needs_a_reason_and_a_quantity(manager, strap_purchase):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        give_back(strap_purchase, by=manager, quantity=0, reason=" ")
    # then
    assert excinfo.value.message_dict == {
        "reason": ["Say why the items are returned."],
        "lines": ["Enter how many of Omega Rubber strap STRAP-20 are returned."],
    }


def test_a_line_of_another_purchase_cannot_be_returned(manager, customer, central, strap, strap_purchase):
    # given another purchase of the same customer
    other = buy(by=manager, customer=customer, store=central, lines=[line(strap)])
    # when
    with pytest.raises(ValidationError) as excinfo:
        give_back(strap_purchase, by=manager, quantity=1, line_obj=other.lines.get())
    # then
    assert messages_of(excinfo) == ["That line is not on this purchase."]
    assert PurchaseLine.objects.count() == 2


def test_returning_a_watch_marks_the_timepiece_as_no_longer_owned(manager, customer, central, omega):
    # given
    purchase = buy(by=manager, customer=customer, store=central, lines=[line(omega, serial_number="81234567")])
    # when
    give_back(purchase, by=manager, quantity=1, reason="Faulty crown")
    # then: the timepiece stays, marked and annotated
    timepiece = OwnedTimepiece.objects.get()
    assert timepiece.status == OwnedTimepiece.Status.SOLD
    assert timepiece.notes == f"Returned to store on {timezone.localdate().isoformat()}: Faulty crown"
    assert line_rows(purchase)[1] == (-1, D("42000.00"), D("0.00"), D("-42000.00"), "81234567")
    purchase.refresh_from_db()
    assert (purchase.status, purchase.total) == (Purchase.Status.RETURNED, D("0.00"))


def test_a_return_writes_one_edit_access_row(manager, customer, strap_purchase):
    # given
    before = AccessLog.objects.count()  # the purchase's own row
    # when
    give_back(strap_purchase, by=manager, quantity=1)
    # then
    rows = list(AccessLog.objects.order_by("id").values_list("user", "customer", "action", "reason")[before:])
    assert rows == [
        (
            manager.pk,
            customer.pk,
            AccessLog.Action.EDIT,
            f"purchase {strap_purchase.pk}: 1 returned, HK$1,466.67 refunded",
        )
    ]


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "privacy_officer"])
def test_a_return_is_refused_to_who_may_not_edit_the_customer(request, strap_purchase, user_fixture):
    # given
    user = request.getfixturevalue(user_fixture)
    access_rows = AccessLog.objects.count()
    # when
    with pytest.raises(PermissionDenied):
        give_back(strap_purchase, by=user, quantity=1)
    # then nothing changed
    strap_purchase.refresh_from_db()
    assert (strap_purchase.status, strap_purchase.total) == (Purchase.Status.COMPLETED, D("4400.00"))
    assert PurchaseLine.objects.count() == 1
    assert AccessLog.objects.count() == access_rows


def test_a_return_of_a_missing_purchase_is_refused_like_a_forbidden_one(manager):
    # given / when / then
    with pytest.raises(PermissionDenied):
        services.purchase_return(by=manager, purchase_id=999999, lines=[], reason="x")


def test_identical_lines_are_returned_oldest_first(manager, customer, central, strap):
    # given the same strap on two lines, with different discounts (as an import may bring them)
    purchase = buy(
        by=manager,
        customer=customer,
        store=central,
        lines=[line(strap, discount=D("0")), line(strap, discount=D("500"))],
    )
    second = purchase.lines.order_by("id")[1]
    # when one is returned, asked from the second line
    give_back(purchase, by=manager, quantity=1, line_obj=second)
    # then the pool allows one more, but not two
    with pytest.raises(ValidationError) as excinfo:
        give_back(purchase, by=manager, quantity=2, line_obj=second)
    assert messages_of(excinfo) == ["You can return at most 1 of Omega Rubber strap STRAP-20."]
    purchase = give_back(purchase, by=manager, quantity=1, line_obj=second)
    purchase.refresh_from_db()
    assert (purchase.status, purchase.total) == (Purchase.Status.RETURNED, D("0.00"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_returns_at_once_never_give_back_more_than_was_bought(central, manager):
    # given a watch bought once, and two staff screens returning it at the same moment
    customer = CustomerFactory(home_store=central, account_manager=manager, name_en="Lee Ka Yan")
    omega = omega_seamaster()
    purchase = buy(by=manager, customer=customer, store=central, lines=[line(omega, serial_number="X1")])
    watch_line = purchase.lines.get()
    first_locked, release = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        from django.db import transaction

        try:
            with transaction.atomic():
                give_back(purchase, by=manager, quantity=1, line_obj=watch_line)
                first_locked.set()
                release.wait(5)  # hold the lock while the second one tries
            outcomes["first"] = "returned"
        finally:
            connections.close_all()

    def second():
        try:
            first_locked.wait(5)
            try:
                give_back(purchase, by=manager, quantity=1, line_obj=watch_line)
                outcomes["second"] = "returned"
            except ValidationError as exc:
                outcomes["second"] = exc.messages
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_locked.wait(5)
    threading.Timer(0.5, release.set).start()
    for thread in threads:
        thread.join(10)
    # then the second one waited for the first, then found nothing left to return
    assert outcomes == {
        "first": "returned",
        "second": ["Omega Seamaster 210.30.42.20.03.001 has already been returned."],
    }
    assert PurchaseLine.objects.filter(purchase=purchase, quantity__lt=0).count() == 1
    assert Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.RETURNED
    assert Product.objects.count() == 1
