"""Reads of customer data, scoped to the user asking."""

import pytest
from django.http import Http404

from customers import selectors
from tests.factories import AccountManagerFactory, CustomerFactory, StoreFactory, UserFactory


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei")


# --- customer_list_for_user ---------------------------------------------------


def test_list_shows_the_visible_customers_by_name(central, manager, colleague, customer, tst_customer):
    # given
    zed = CustomerFactory(home_store=central, account_manager=colleague, name_en="Zee Ka Lok")
    alpha = CustomerFactory(home_store=central, account_manager=None, name_en="Au Man Kit")
    # when
    rows = list(selectors.customer_list_for_user(user=manager))
    # then
    assert rows == [alpha, customer, zed]


def test_list_filters_by_store(central, tst, admin_user, customer, tst_customer):
    # given an admin who sees both stores
    # when
    rows = list(selectors.customer_list_for_user(user=admin_user, store_id=tst.pk))
    # then
    assert rows == [tst_customer]


def test_list_filter_by_another_store_does_not_widen_what_is_visible(tst, manager, customer, tst_customer):
    # given a Central account manager asking for Tsim Sha Tsui
    # when
    rows = list(selectors.customer_list_for_user(user=manager, store_id=tst.pk))
    # then
    assert rows == []


def test_list_filters_by_account_manager(central, manager, colleague, customer):
    # given
    theirs = CustomerFactory(home_store=central, account_manager=colleague, name_en="Wong Siu Ming")
    # when
    rows = list(selectors.customer_list_for_user(user=manager, account_manager_id=colleague.pk))
    # then
    assert rows == [theirs]


def test_list_filters_people_or_companies(central, manager, customer):
    # given a corporate account beside the person
    company = CustomerFactory(home_store=central, kind="company", name_en="Harbour Trading Ltd", name_zh="")
    # when
    companies = list(selectors.customer_list_for_user(user=manager, kind="company"))
    people = list(selectors.customer_list_for_user(user=manager, kind="person"))
    everybody = list(selectors.customer_list_for_user(user=manager, kind="anything else"))
    # then
    assert companies == [company]
    assert people == [customer]
    assert set(everybody) == {company, customer}


def test_list_searches(central, manager, customer):
    # given
    CustomerFactory(home_store=central, name_en="Wong Siu Ming", name_zh="黃小明")
    # when
    rows = list(selectors.customer_list_for_user(user=manager, search="大文"))
    # then
    assert rows == [customer]


# --- customer_get_for_user / customer_get_editable_for_user --------------------


def test_get_for_user_returns_a_visible_customer(colleague, customer):
    # given a colleague in the same store
    # when
    found = selectors.customer_get_for_user(user=colleague, pk=customer.pk)
    # then
    assert found == customer


def test_get_for_user_is_404_for_another_store(other_manager, customer):
    # given / when / then
    with pytest.raises(Http404):
        selectors.customer_get_for_user(user=other_manager, pk=customer.pk)


def test_get_for_user_is_404_for_a_missing_customer(manager, customer):
    # given / when / then
    with pytest.raises(Http404):
        selectors.customer_get_for_user(user=manager, pk=customer.pk + 1000)


def test_get_editable_for_user_returns_the_managers_own_customer(manager, customer):
    # given / when
    found = selectors.customer_get_editable_for_user(user=manager, pk=customer.pk)
    # then
    assert found == customer


def test_get_editable_for_user_is_404_for_a_colleagues_customer(colleague, customer):
    # given / when / then
    with pytest.raises(Http404):
        selectors.customer_get_editable_for_user(user=colleague, pk=customer.pk)


def test_can_edit_is_true_for_own_book_and_false_for_a_colleague(manager, colleague, supervisor, customer):
    # given / when / then
    assert selectors.customer_can_edit(user=manager, customer=customer) is True
    assert selectors.customer_can_edit(user=supervisor, customer=customer) is True
    assert selectors.customer_can_edit(user=colleague, customer=customer) is False


# --- customer_duplicates ------------------------------------------------------


@pytest.fixture
def existing(central):
    return CustomerFactory(home_store=central, mobile_phone="+85291234567", email="tai.man@example.com")


def test_duplicates_finds_the_same_phone_number(existing):
    # given / when
    found = list(selectors.customer_duplicates(mobile_phone="+85291234567"))
    # then
    assert found == [existing]


def test_duplicates_finds_the_same_email_in_any_case(existing):
    # given / when
    found = list(selectors.customer_duplicates(email="Tai.Man@EXAMPLE.com"))
    # then
    assert found == [existing]


def test_duplicates_finds_a_match_on_either_phone_or_email(central, existing):
    # given another customer with the e-mail being checked
    same_email = CustomerFactory(home_store=central, mobile_phone="+85261234567", email="other@example.com")
    # when
    found = set(selectors.customer_duplicates(mobile_phone="+85291234567", email="other@example.com"))
    # then
    assert found == {existing, same_email}


def test_duplicates_spans_every_store(tst, existing):
    # given the same number in another store
    elsewhere = CustomerFactory(home_store=tst, mobile_phone="+85291234567", email="")
    # when
    found = set(selectors.customer_duplicates(mobile_phone="+85291234567"))
    # then
    assert found == {existing, elsewhere}


def test_duplicates_excludes_the_customer_being_edited(existing):
    # given / when
    found = list(selectors.customer_duplicates(mobile_phone="+85291234567", exclude_pk=existing.pk))
    # then
    assert found == []


def test_duplicates_of_nothing_is_nothing(central, existing):
    # given customers without phone or e-mail, which must not all count as duplicates
    CustomerFactory(home_store=central, mobile_phone="", email="")
    # when
    found = selectors.customer_duplicates(mobile_phone="", email="")
    # then
    assert list(found) == []


def test_duplicates_ignores_different_details(existing):
    # given / when
    found = selectors.customer_duplicates(mobile_phone="+85261234567", email="someone@example.com")
    # then
    assert list(found) == []


def test_duplicates_does_not_match_a_partial_email(existing):
    # given / when
    found = selectors.customer_duplicates(email="man@example.com")
    # then
    assert list(found) == []


# --- stores and account managers offered to the user ---------------------------


def test_stores_for_user_are_their_active_stores(central, tst, manager):
    # given a closed store the manager also belongs to
    closed = StoreFactory(code="closed", name="Closed", is_active=False)
    manager.stores.add(closed)
    # when
    stores = list(selectors.stores_for_user(user=manager))
    # then
    assert stores == [central]


def test_stores_for_admin_are_all_active_stores(central, tst, admin_user):
    # given / when
    stores = list(selectors.stores_for_user(user=admin_user))
    # then
    assert stores == [central, tst]


def test_stores_for_user_without_a_role_are_none(central):
    # given
    nobody = UserFactory(username="no-role", stores=[central])
    # when
    stores = list(selectors.stores_for_user(user=nobody))
    # then
    assert stores == []


def test_account_managers_for_user_are_the_active_managers_of_their_stores(
    central, tst, manager, colleague, other_manager, supervisor
):
    # given an inactive manager in Central
    AccountManagerFactory(username="leaver", stores=[central], is_active=False)
    # when
    managers = set(selectors.account_managers_for_user(user=supervisor))
    # then
    assert managers == {manager, colleague}
