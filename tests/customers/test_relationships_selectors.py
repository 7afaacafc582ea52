"""Reading links between customers: both directions, never another store's customer, company figures."""

from decimal import Decimal

import pytest
from django.http import Http404
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from crm_site import roles
from customers.models import Customer
from customers.selectors import relationships as selectors
from tests.factories import CustomerFactory, PurchaseFactory, RelationshipFactory, StoreFactory, UserFactory


@pytest.fixture
def colleague_customer(central, colleague):
    return CustomerFactory(home_store=central, account_manager=colleague, name_en="Wong Siu Ming")


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei", name_zh="何永基")


@pytest.fixture
def company(central, manager):
    return CustomerFactory(home_store=central, account_manager=manager, kind=Customer.Kind.COMPANY, name_en="Acme Ltd")


# --- relationships_for_customer ------------------------------------------------------


def test_links_come_in_both_directions_with_the_other_party(manager, customer, colleague_customer, company):
    # given
    referral = RelationshipFactory(from_customer=colleague_customer, to_customer=customer, kind="referral")
    contact = RelationshipFactory(from_customer=customer, to_customer=company, kind="functional", role="Buyer")
    # when
    found = selectors.relationships_for_customer(customer=customer, user=manager)
    # then
    assert [(link.relationship, link.other, link.outgoing, link.label) for link in found.links] == [
        (contact, company, True, "Contact at"),
        (referral, colleague_customer, False, "Referred by"),
    ]
    assert found.hidden_count == 0


def test_links_to_another_stores_customer_are_counted_not_shown(manager, customer, tst_customer, colleague_customer):
    # given
    RelationshipFactory(from_customer=tst_customer, to_customer=customer, kind="family")
    RelationshipFactory(from_customer=customer, to_customer=tst_customer, kind="referral")
    shown = RelationshipFactory(from_customer=customer, to_customer=colleague_customer, kind="family")
    # when
    found = selectors.relationships_for_customer(customer=customer, user=manager)
    # then
    assert [link.relationship for link in found.links] == [shown]
    assert found.hidden_count == 2


def test_links_take_two_queries_whatever_their_number(django_assert_num_queries, manager, customer, central):
    # given
    for _ in range(5):
        RelationshipFactory(from_customer=customer, to_customer=CustomerFactory(home_store=central))
    roles.user_roles(manager)  # the roles are read once a request, before
    # when
    with django_assert_num_queries(2):
        found = selectors.relationships_for_customer(customer=customer, user=manager)
        names = [link.other.display_name for link in found.links]
    # then
    assert len(names) == 5


def test_relationship_get_for_user_is_404_when_a_side_is_hidden(manager, customer, tst_customer):
    # given

    link = RelationshipFactory(from_customer=customer, to_customer=tst_customer)
    # when / then
    with pytest.raises(Http404):
        selectors.relationship_get_for_user(user=manager, pk=link.pk)


# --- companies ----------------------------------------------------------------------


def test_company_contacts_are_the_visible_people_linked_as_contacts(manager, company, customer, colleague_customer):
    # given
    tst_person = CustomerFactory(home_store=StoreFactory(code="mk", name="Mong Kok"))
    contact = RelationshipFactory(from_customer=customer, to_customer=company, kind="functional", role="Buyer")
    RelationshipFactory(from_customer=colleague_customer, to_customer=company, kind="referral")
    RelationshipFactory(from_customer=tst_person, to_customer=company, kind="functional")
    # when
    contacts = list(selectors.company_contacts(company=company, user=manager))
    # then
    assert contacts == [contact]
    assert contacts[0].from_customer == customer


def test_combined_purchases_add_the_company_and_its_contacts_in_one_query(
    django_assert_num_queries, company, customer, colleague_customer, tst_customer
):
    # given
    RelationshipFactory(from_customer=customer, to_customer=company, kind="functional")
    RelationshipFactory(from_customer=tst_customer, to_customer=company, kind="functional")  # other store: counts
    RelationshipFactory(from_customer=colleague_customer, to_customer=company, kind="referral")  # not a contact
    PurchaseFactory(customer=company, total=Decimal("12000.50"))
    PurchaseFactory(customer=customer, total=Decimal("3000.25"))
    PurchaseFactory(customer=customer, total=Decimal("-500.00"))  # a return
    PurchaseFactory(customer=tst_customer, total=Decimal("100.00"))
    PurchaseFactory(customer=colleague_customer, total=Decimal("99999.00"))
    # when
    with django_assert_num_queries(1):
        combined = selectors.company_combined_purchases(company=company)
    # then
    assert combined.total == Decimal("14600.75")
    assert isinstance(combined.total, Decimal)
    assert combined.count == 3


def test_combined_purchases_of_a_company_without_any_are_zero(company):
    # given / when
    combined = selectors.company_combined_purchases(company=company)
    # then
    assert (combined.total, combined.count) == (Decimal("0.00"), 0)


# --- customer_search_for_user ---------------------------------------------------------


def test_search_finds_only_visible_customers_and_leaves_out_the_page_customer(
    manager, customer, colleague_customer, tst_customer
):
    # given
    CustomerFactory(home_store=customer.home_store, name_en="Chan Siu Fung")
    # when
    found = list(selectors.customer_search_for_user(user=manager, q="chan", exclude_id=customer.pk))
    tst_found = list(selectors.customer_search_for_user(user=manager, q="Ho Wing"))
    # then
    assert [c.name_en for c in found] == ["Chan Siu Fung"]
    assert tst_found == []


def test_search_returns_ten_at_most_and_nothing_for_one_character(manager, central):
    # given
    for n in range(12):
        CustomerFactory(home_store=central, name_en=f"Lee {n:02d}")
    # when
    found = list(selectors.customer_search_for_user(user=manager, q="lee"))
    # then
    assert len(found) == 10
    assert list(selectors.customer_search_for_user(user=manager, q="l")) == []


# --- panel_context -----------------------------------------------------------------


def render_panel(user, customer):
    request = RequestFactory().get(customer.get_absolute_url())
    request.user = user
    panel = selectors.panel_context(customer=customer, user=user)
    return render_to_string(
        "customers/partials/relationships_panel.html", {"relationships_panel": panel}, request=request
    )


@pytest.mark.parametrize("links", [3, 20])
def test_panel_query_count_is_constant(django_assert_num_queries, manager, company, central, links):
    # given
    for _ in range(links):
        RelationshipFactory(from_customer=CustomerFactory(home_store=central), to_customer=company, kind="functional")
    RelationshipFactory(from_customer=company, to_customer=CustomerFactory(home_store=central), kind="partnership")
    manager = type(manager).objects.get(pk=manager.pk)  # no cached permissions or roles
    # when: perms (2), roles (1), links (2), editable (1), combined purchases (1)
    with django_assert_num_queries(7):
        html = render_panel(manager, company)
    # then
    assert html.count('data-testid="combined-purchases"') == 1
    assert html.count("bi-person") == links


def test_panel_shows_links_hides_another_stores_names_and_offers_removal_on_own_customers(
    manager, customer, colleague_customer, tst_customer, company
):
    # given
    RelationshipFactory(from_customer=customer, to_customer=company, kind="functional", role="Buyer")
    RelationshipFactory(from_customer=colleague_customer, to_customer=customer, kind="referral")
    RelationshipFactory(from_customer=tst_customer, to_customer=customer, kind="family")
    # when
    panel = selectors.panel_context(customer=customer, user=manager)
    html = render_panel(manager, customer)
    # then
    assert panel["can_add"] is True
    assert [link.other for link in panel["links"]] == [company, colleague_customer]
    assert panel["hidden_count"] == 1
    assert len(panel["deletable"]) == 2
    assert "Acme Ltd" in html
    assert "Referred by" in html
    assert "Ho Wing Kei" not in html
    assert "何永基" not in html
    assert "And 1 link to a customer of another store." in html


def test_panel_of_a_company_lists_contacts_and_combined_spend(manager, company, customer):
    # given
    RelationshipFactory(from_customer=customer, to_customer=company, kind="functional", role="Buyer")
    PurchaseFactory(customer=company, total=Decimal("12345.00"))
    PurchaseFactory(customer=customer, total=Decimal("1000000.00"))
    # when
    html = render_panel(manager, company)
    # then
    assert "HK$1,012,345.00" in html
    assert "Chan Tai Man" in html
    assert "Buyer" in html


def test_panel_shows_money_the_same_in_chinese(manager, company):
    # given
    PurchaseFactory(customer=company, total=Decimal("12345.00"))
    # when
    with translation.override("zh-hant"):
        html = render_panel(manager, company)
    # then
    assert "HK$12,345.00" in html


def test_panel_does_not_offer_to_add_on_a_colleagues_customer(manager, colleague_customer):
    # given / when
    panel = selectors.panel_context(customer=colleague_customer, user=manager)
    html = render_panel(manager, colleague_customer)
    # then
    assert panel["can_add"] is False
    assert "Add a link" not in html


def test_panel_is_empty_without_the_view_permission(customer, central):
    # given

    nobody = UserFactory(username="no-role", stores=[central])
    # when
    panel = selectors.panel_context(customer=customer, user=nobody)
    # then
    assert panel == {"customer": customer, "visible": False}
    assert render_panel(nobody, customer).strip() == ""
