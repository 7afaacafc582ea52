"""Writes to customer records, and the invariants the Customer model checks."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from customers import services
from customers.models import Customer
from privacy.models import AccessLog
from tests.factories import CustomerFactory, UserFactory

FIELDS_COMPARED = ("name_en", "name_zh", "mobile_phone", "email", "notes", "account_manager_id", "home_store_id")


@pytest.fixture
def customer(central, manager):
    """conftest's ``customer`` with a valid phone number.

    CustomerFactory's default numbers (``+85290000001``…) are not valid Hong Kong
    numbers, so a service that re-validates the record would reject them.
    """
    return CustomerFactory(
        home_store=central,
        account_manager=manager,
        name_en="Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        email="tai.man@example.com",
    )


def snapshot(customer: Customer) -> dict:
    customer.refresh_from_db()
    return {name: getattr(customer, name) for name in (*FIELDS_COMPARED, "updated_at")}


# --- customer_create ----------------------------------------------------------


def test_create_normalises_the_phone_and_lowercases_the_email(central, manager):
    # given / when
    customer = services.customer_create(
        by=manager,
        view_name="customers:customer-create",
        name_en="Chan Tai Man",
        mobile_phone="9123 4567",
        email="Tai.Man@Example.COM",
        home_store=central,
        account_manager=manager,
    )
    # then
    customer.refresh_from_db()
    assert customer.mobile_phone == "+85291234567"
    assert customer.email == "tai.man@example.com"
    assert customer.name_en == "Chan Tai Man"
    assert customer.home_store == central
    assert customer.account_manager == manager


def test_create_writes_exactly_one_create_access_row(central, manager):
    # given / when
    customer = services.customer_create(
        by=manager, view_name="customers:customer-create", name_zh="陳大文", home_store=central
    )
    # then
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name"))
    assert rows == [(manager.pk, customer.pk, AccessLog.Action.CREATE, "customers:customer-create")]


def test_create_ignores_fields_that_are_not_editable(central, manager):
    # given a caller passing a field the form never offers
    # when
    customer = services.customer_create(by=manager, name_en="Chan", home_store=central, external_ref="C-1")
    # then
    customer.refresh_from_db()
    assert customer.external_ref is None


def test_create_with_an_invalid_phone_raises_on_mobile_phone_and_creates_nothing(central, manager):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(by=manager, name_en="Chan Tai Man", mobile_phone="1234", home_store=central)
    # then
    assert set(excinfo.value.message_dict) == {"mobile_phone"}
    assert excinfo.value.error_dict["mobile_phone"][0].code == "invalid_phone"
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_without_a_name_raises_and_creates_nothing(central, manager):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(by=manager, name_en="  ", name_zh="", home_store=central)
    # then
    assert "name_en" in excinfo.value.message_dict
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_by_a_user_without_a_role_is_denied_and_creates_nothing(central):
    # given a store staff member with no role
    nobody = UserFactory(username="no-role", stores=[central])
    # when
    with pytest.raises(PermissionDenied):
        services.customer_create(by=nobody, name_en="Chan Tai Man", home_store=central)
    # then
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_by_a_privacy_officer_is_denied_and_creates_nothing(central, privacy_officer):
    # given a privacy officer, who may view and change but not add customers
    # when
    with pytest.raises(PermissionDenied):
        services.customer_create(by=privacy_officer, name_en="Chan Tai Man", home_store=central)
    # then
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


# --- customer_update ----------------------------------------------------------


def test_update_saves_the_change_and_writes_one_edit_access_row(manager, customer):
    # given
    before = AccessLog.objects.count()
    # when
    services.customer_update(
        customer_id=customer.pk,
        by=manager,
        view_name="customers:customer-update",
        notes="Prefers Patek Philippe",
        mobile_phone="6123 4567",
        name_en=customer.name_en,
    )
    # then
    customer.refresh_from_db()
    assert customer.notes == "Prefers Patek Philippe"
    assert customer.mobile_phone == "+85261234567"
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.get()
    assert (row.user, row.customer, row.action, row.view_name) == (
        manager,
        customer,
        AccessLog.Action.EDIT,
        "customers:customer-update",
    )
    assert row.reason == "notes, mobile_phone"  # the changed fields, name_en unchanged


def test_update_by_a_supervisor_of_the_store(supervisor, customer):
    # given / when
    services.customer_update(customer_id=customer.pk, by=supervisor, notes="VIP")
    # then
    customer.refresh_from_db()
    assert customer.notes == "VIP"
    assert AccessLog.objects.filter(customer=customer, user=supervisor, action=AccessLog.Action.EDIT).count() == 1


def test_update_of_a_colleagues_customer_is_denied_and_changes_nothing(colleague, customer):
    # given
    before = snapshot(customer)
    # when
    with pytest.raises(PermissionDenied):
        services.customer_update(customer_id=customer.pk, by=colleague, notes="hijacked", account_manager=colleague)
    # then
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_by_another_stores_manager_is_denied_and_changes_nothing(other_manager, customer):
    # given
    before = snapshot(customer)
    # when
    with pytest.raises(PermissionDenied):
        services.customer_update(customer_id=customer.pk, by=other_manager, name_en="Someone Else")
    # then
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_with_an_impossible_birthday_raises_and_changes_nothing(supervisor, customer):
    # given
    before = snapshot(customer)
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer_id=customer.pk, by=supervisor, birth_month=2, birth_day=31, notes="x")
    # then
    assert set(excinfo.value.message_dict) == {"birth_day"}
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_update_of_sensitive_fields_by_a_user_who_may_not_see_them_is_refused(manager, customer):
    # given an account manager (no privacy.view_sensitive) and their own customer
    before = snapshot(customer)
    # when they try to change the address
    with pytest.raises(PermissionDenied):
        services.customer_update(customer_id=customer.pk, by=manager, address="1 Queen's Road", notes="x")
    # then nothing changed and nothing was logged
    assert snapshot(customer) == before
    assert AccessLog.objects.count() == 0


def test_create_refuses_another_store_and_another_managers_book(
    central, tst, manager, colleague, other_manager, supervisor
):
    # an account manager may not put a customer in another manager's book
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(by=manager, name_en="Chan", home_store=central, account_manager=colleague)
    assert set(excinfo.value.message_dict) == {"account_manager"}
    # nor in a store they do not work at
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(by=manager, name_en="Chan", home_store=tst)
    assert "home_store" in excinfo.value.message_dict
    # a supervisor may assign an account manager of the store, not one from elsewhere nor a non-manager
    services.customer_create(by=supervisor, name_en="Lee", home_store=central, account_manager=colleague)
    for wrong in (other_manager, supervisor):
        with pytest.raises(ValidationError) as excinfo:
            services.customer_create(by=supervisor, name_en="Ho", home_store=central, account_manager=wrong)
        assert set(excinfo.value.message_dict) == {"account_manager"}
    assert list(Customer.objects.values_list("name_en", flat=True)) == ["Lee"]


# --- Customer.clean -----------------------------------------------------------


def test_clean_requires_an_english_or_a_chinese_name(central):
    # given
    customer = Customer(home_store=central, name_en="", name_zh="")
    # when
    with pytest.raises(ValidationError) as excinfo:
        customer.full_clean()
    # then
    assert excinfo.value.message_dict == {"name_en": ["Enter an English or a Chinese name."]}


@pytest.mark.parametrize(("name_en", "name_zh"), [("Chan Tai Man", ""), ("", "陳大文")])
def test_clean_accepts_either_name(central, name_en, name_zh):
    # given
    customer = Customer(home_store=central, name_en=name_en, name_zh=name_zh)
    # when / then (no error)
    customer.full_clean()


@pytest.mark.parametrize(("month", "day", "year"), [(2, 31, None), (2, 30, None), (4, 31, 1980), (2, 29, 2023)])
def test_clean_rejects_a_day_that_does_not_exist(central, month, day, year):
    # given
    customer = Customer(home_store=central, name_en="Chan", birth_month=month, birth_day=day, birth_year=year)
    # when
    with pytest.raises(ValidationError) as excinfo:
        customer.full_clean()
    # then
    assert excinfo.value.message_dict == {"birth_day": ["That day does not exist in that month."]}


@pytest.mark.parametrize("year", [None, 2024, 2000])
def test_clean_accepts_29_february_without_a_year_or_in_a_leap_year(central, year):
    # given
    customer = Customer(home_store=central, name_en="Chan", birth_month=2, birth_day=29, birth_year=year)
    # when / then (no error)
    customer.full_clean()


@pytest.mark.parametrize("month", [13, 99])
def test_clean_reports_a_month_out_of_range_as_a_validation_error(central, month):
    # given a month that does not exist, with a day
    customer = Customer(home_store=central, name_en="Chan", birth_month=month, birth_day=1)
    # when
    with pytest.raises(ValidationError) as excinfo:
        customer.full_clean()
    # then: a message on the month, not a crash in calendar.monthrange
    assert set(excinfo.value.message_dict) == {"birth_month"}


def test_create_with_a_month_out_of_range_raises_a_validation_error_and_creates_nothing(central, manager):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(by=manager, name_en="Chan", home_store=central, birth_month=13, birth_day=1)
    # then
    assert "birth_month" in excinfo.value.message_dict
    assert Customer.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_clean_requires_the_month_with_a_birth_day(central):
    # given
    customer = Customer(home_store=central, name_en="Chan", birth_day=12)
    # when
    with pytest.raises(ValidationError) as excinfo:
        customer.full_clean()
    # then
    assert excinfo.value.message_dict == {"birth_month": ["Enter the month of the birthday too."]}


def test_clean_accepts_a_month_without_a_day(central):
    # given
    customer = Customer(home_store=central, name_en="Chan", birth_month=7)
    # when / then (no error)
    customer.full_clean()
    assert customer.birthday_display == "? Jul"


def test_clean_normalises_phone_and_email(central):
    # given
    customer = Customer(home_store=central, name_en="Chan", mobile_phone="+852 9123-4567", email="A.B@Example.COM")
    # when
    customer.full_clean()
    # then
    assert customer.mobile_phone == "+85291234567"
    assert customer.email == "a.b@example.com"


def test_database_refuses_a_customer_without_any_name(central):
    # given a write that skips full_clean
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(home_store=central, name_en="", name_zh="")
    assert Customer.objects.count() == 0
