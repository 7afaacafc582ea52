"""Who sees and who edits which customer, and how the customer search matches."""

import pytest
from django.contrib.auth.models import AnonymousUser

from customers.models import Customer
from tests.factories import AccountManagerFactory, CustomerFactory, UserFactory


@pytest.fixture
def colleague_customer(central, colleague):
    """A Central customer in the colleague's book."""
    return CustomerFactory(home_store=central, account_manager=colleague, name_en="Wong Siu Ming")


@pytest.fixture
def unassigned_customer(central):
    """A Central customer in nobody's book."""
    return CustomerFactory(home_store=central, account_manager=None, name_en="Lee Ka Yan")


@pytest.fixture
def tst_customer(tst, other_manager):
    """A customer of the other store (Tsim Sha Tsui)."""
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei")


@pytest.fixture
def everyone(customer, colleague_customer, unassigned_customer, tst_customer):
    return {customer, colleague_customer, unassigned_customer, tst_customer}


# --- visible_to ---------------------------------------------------------------


def test_account_manager_sees_every_customer_of_their_own_stores(
    manager, everyone, customer, colleague_customer, unassigned_customer
):
    # given customers in Central (three) and Tsim Sha Tsui (one)
    # when
    visible = set(Customer.objects.visible_to(manager))
    # then
    assert visible == {customer, colleague_customer, unassigned_customer}


def test_account_manager_of_another_store_sees_only_that_store(other_manager, everyone, tst_customer):
    # given / when
    visible = set(Customer.objects.visible_to(other_manager))
    # then
    assert visible == {tst_customer}


def test_account_manager_of_two_stores_sees_both(central, tst, everyone):
    # given
    roaming = AccountManagerFactory(username="am-both", stores=[central, tst])
    # when
    visible = set(Customer.objects.visible_to(roaming))
    # then
    assert visible == everyone


def test_supervisor_sees_the_customers_of_their_stores(
    supervisor, everyone, customer, colleague_customer, unassigned_customer
):
    # given / when
    visible = set(Customer.objects.visible_to(supervisor))
    # then
    assert visible == {customer, colleague_customer, unassigned_customer}


def test_admin_sees_every_customer(admin_user, everyone):
    # given an admin who is staff of no store
    # when
    visible = set(Customer.objects.visible_to(admin_user))
    # then
    assert visible == everyone


def test_superuser_without_a_role_sees_every_customer(everyone):
    # given
    superuser = UserFactory(username="root", is_superuser=True)
    # when
    visible = set(Customer.objects.visible_to(superuser))
    # then
    assert visible == everyone


def test_privacy_officer_sees_every_customer(privacy_officer, everyone):
    # given / when
    visible = set(Customer.objects.visible_to(privacy_officer))
    # then
    assert visible == everyone


def test_user_without_a_role_sees_no_customer_even_as_store_staff(central, everyone):
    # given a staff member of Central with no role
    nobody = UserFactory(username="no-role", stores=[central])
    # when
    visible = Customer.objects.visible_to(nobody)
    # then
    assert list(visible) == []


def test_inactive_account_manager_sees_no_customer(central, everyone):
    # given
    leaver = AccountManagerFactory(username="leaver", stores=[central], is_active=False)
    # when
    visible = Customer.objects.visible_to(leaver)
    # then
    assert list(visible) == []


def test_inactive_superuser_sees_no_customer(everyone):
    # given
    leaver = UserFactory(username="old-root", is_superuser=True, is_active=False)
    # when
    visible = Customer.objects.visible_to(leaver)
    # then
    assert list(visible) == []


def test_anonymous_user_sees_no_customer(everyone):
    # given / when
    visible = Customer.objects.visible_to(AnonymousUser())
    # then
    assert list(visible) == []


def test_account_manager_who_left_a_store_no_longer_sees_their_old_book(central, tst, manager, customer):
    # given the manager moves from Central to Tsim Sha Tsui
    manager.stores.set([tst])
    # when
    visible = Customer.objects.visible_to(manager)
    editable = Customer.objects.editable_by(manager)
    # then
    assert list(visible) == []
    assert list(editable) == []


# --- editable_by --------------------------------------------------------------


def test_account_manager_edits_only_their_own_book(manager, everyone, customer):
    # given / when
    editable = set(Customer.objects.editable_by(manager))
    # then
    assert editable == {customer}


def test_supervisor_edits_every_customer_of_their_stores(
    supervisor, everyone, customer, colleague_customer, unassigned_customer
):
    # given / when
    editable = set(Customer.objects.editable_by(supervisor))
    # then
    assert editable == {customer, colleague_customer, unassigned_customer}


def test_admin_edits_every_customer(admin_user, everyone):
    # given / when
    editable = set(Customer.objects.editable_by(admin_user))
    # then
    assert editable == everyone


def test_privacy_officer_edits_every_customer(privacy_officer, everyone):
    # given / when
    editable = set(Customer.objects.editable_by(privacy_officer))
    # then
    assert editable == everyone


def test_user_without_a_role_edits_no_customer(central, everyone):
    # given
    nobody = UserFactory(username="no-role", stores=[central])
    # when
    editable = Customer.objects.editable_by(nobody)
    # then
    assert list(editable) == []


def test_inactive_account_manager_edits_not_even_their_own_book(central, customer):
    # given the manager of the customer has left
    manager = customer.account_manager
    manager.is_active = False
    manager.save()
    manager.refresh_from_db()
    # when
    editable = Customer.objects.editable_by(manager)
    # then
    assert list(editable) == []


def test_anonymous_user_edits_no_customer(everyone):
    # given / when
    editable = Customer.objects.editable_by(AnonymousUser())
    # then
    assert list(editable) == []


# --- search -------------------------------------------------------------------


@pytest.fixture
def chan(central):
    return CustomerFactory(
        home_store=central,
        name_en="Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        email="tai.man@example.com",
    )


@pytest.fixture
def wong(central):
    return CustomerFactory(
        home_store=central,
        name_en="Wong Siu Ming",
        name_zh="黃小明",
        mobile_phone="+85261234500",
        email="siuming@wong.hk",
    )


@pytest.fixture
def lee(central):
    return CustomerFactory(
        home_store=central,
        name_en="",
        name_zh="李嘉欣",
        mobile_phone="+85255550000",
        email="",
    )


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        # English name, partial, any case
        ("chan", {"chan"}),
        ("TAI M", {"chan"}),
        ("siu", {"wong"}),
        # Chinese name, partial
        ("大文", {"chan"}),
        ("小", {"wong"}),
        ("李嘉欣", {"lee"}),
        # e-mail, partial, any case
        ("tai.man@example.com", {"chan"}),
        ("SIUMING@WONG.HK", {"wong"}),
        ("@wong.hk", {"wong"}),
        # a whole phone number in any format
        ("9123 4567", {"chan"}),
        ("91234567", {"chan"}),
        ("+85291234567", {"chan"}),
        ("+852 9123 4567", {"chan"}),
        ("6123-4500", {"wong"}),
        # part of a phone number: four digits or more
        ("4567", {"chan"}),
        ("5555", {"lee"}),
        ("1234", {"chan", "wong"}),
        ("9123 45", {"chan"}),
        # fewer than four digits do not search phone numbers
        ("123", set()),
        # nothing matches
        ("Cheung", set()),
        ("98765432", set()),
    ],
)
def test_search_matches_names_emails_and_phone_numbers(chan, wong, lee, term, expected):
    # given three customers
    by_name = {"chan": chan, "wong": wong, "lee": lee}
    # when
    found = set(Customer.objects.search(term))
    # then
    assert found == {by_name[key] for key in expected}


@pytest.mark.parametrize("term", ["", "   ", None])
def test_empty_search_returns_everyone(chan, wong, lee, term):
    # given / when
    found = set(Customer.objects.search(term))
    # then
    assert found == {chan, wong, lee}


def test_search_stays_within_what_the_user_may_see(central, tst, manager, chan):
    # given a customer of another store with a similar name
    other = CustomerFactory(home_store=tst, name_en="Chan Siu Fung", mobile_phone="+85291230000")
    # when
    found_all = set(Customer.objects.search("chan"))
    found_visible = set(Customer.objects.visible_to(manager).search("chan"))
    # then
    assert found_all == {chan, other}
    assert found_visible == {chan}
