"""The relationship pages: who gets what, and that a refused request changes nothing."""

import pytest
from django.urls import reverse

from customers.models import Relationship
from privacy.models import AccessLog
from tests.factories import CustomerFactory, RelationshipFactory

SEARCH_URL = reverse("customers:relationship-customer-search")


def create_url(customer):
    return reverse("customers:relationship-create", kwargs={"customer_pk": customer.pk})


def delete_url(link):
    return reverse("customers:relationship-delete", kwargs={"pk": link.pk})


@pytest.fixture
def colleague_customer(central, colleague):
    return CustomerFactory(
        home_store=central, account_manager=colleague, name_en="Wong Siu Ming", mobile_phone="+85261112222"
    )


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei", name_zh="何永基")


def link_rows() -> list:
    return list(Relationship.objects.values_list("from_customer_id", "to_customer_id", "kind").order_by("id"))


# --- relationship-create ---------------------------------------------------------------


def test_create_page_shows_the_form_and_logs_the_read(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(create_url(customer))
    # then
    assert response.status_code == 200
    assert 'data-testid="customer-picker"' in response.text
    assert 'name="kind"' in response.text
    assert list(AccessLog.objects.values_list("customer_id", "action", "view_name")) == [
        (customer.pk, AccessLog.Action.VIEW, "customers:relationship-create")
    ]


def test_create_page_searches_without_javascript(client, manager, customer, colleague_customer, tst_customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(create_url(customer), {"q": "wong"})
    # then
    assert response.status_code == 200
    assert f'value="{colleague_customer.pk}"' in response.text
    assert "···· 2222" in response.text


def test_create_links_the_picked_customer(client, manager, customer, colleague_customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(
        create_url(customer), {"to_customer": colleague_customer.pk, "kind": "family", "role": "cousin"}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url() + "#relationships"
    assert link_rows() == [(customer.pk, colleague_customer.pk, "family")]


def test_create_shows_a_service_refusal_as_a_form_error(client, manager, customer, colleague_customer):
    # given
    RelationshipFactory(from_customer=customer, to_customer=colleague_customer, kind="family")
    client.force_login(manager)
    # when
    response = client.post(create_url(customer), {"to_customer": colleague_customer.pk, "kind": "family"})
    # then
    assert response.status_code == 200
    assert "are already linked as “Family”" in response.text
    assert f'value="{colleague_customer.pk}" checked' in response.text  # the pick is kept
    assert link_rows() == [(customer.pk, colleague_customer.pk, "family")]


def test_create_asks_for_a_pick(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(create_url(customer), {"kind": "family"})
    # then
    assert response.status_code == 200
    assert "Search for the customer and pick one from the results." in response.text
    assert link_rows() == []


def test_create_refuses_another_stores_customer_as_the_other_side(client, manager, customer, tst_customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(create_url(customer), {"to_customer": tst_customer.pk, "kind": "family"})
    # then
    assert response.status_code == 200
    assert "Choose a customer from the search results." in response.text
    assert "Ho Wing Kei" not in response.text
    assert link_rows() == []


@pytest.mark.parametrize("who", ["other_manager", "colleague", "privacy_officer"])
def test_create_is_404_for_whoever_may_not_edit_the_customer(request, client, customer, colleague_customer, who):
    # given: another store's manager, a colleague (sees, may not edit), the privacy officer (no permission)
    user = request.getfixturevalue(who)
    client.force_login(user)
    # when
    get = client.get(create_url(customer))
    post = client.post(create_url(customer), {"to_customer": colleague_customer.pk, "kind": "family"})
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert link_rows() == []
    assert AccessLog.objects.count() == 0


def test_create_is_404_for_a_missing_customer(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("customers:relationship-create", kwargs={"customer_pk": 999_999}))
    # then
    assert response.status_code == 404


# --- relationship-delete ---------------------------------------------------------------


def test_delete_removes_the_link_and_goes_back(client, manager, customer, colleague_customer):
    # given
    link = RelationshipFactory(from_customer=customer, to_customer=colleague_customer)
    client.force_login(manager)
    # when
    response = client.post(delete_url(link), {"next": customer.get_absolute_url()})
    # then
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert link_rows() == []


def test_delete_does_not_redirect_off_site(client, manager, customer, colleague_customer):
    # given
    link = RelationshipFactory(from_customer=customer, to_customer=colleague_customer)
    client.force_login(manager)
    # when
    response = client.post(delete_url(link), {"next": "https://evil.example.com/"})
    # then
    assert response["Location"] == customer.get_absolute_url() + "#relationships"


@pytest.mark.parametrize("who", ["other_manager", "privacy_officer"])
def test_delete_is_404_for_another_stores_manager_and_without_permission(
    request, client, customer, colleague_customer, who
):
    # given
    link = RelationshipFactory(from_customer=customer, to_customer=colleague_customer)
    client.force_login(request.getfixturevalue(who))
    # when
    response = client.post(delete_url(link))
    # then
    assert response.status_code == 404
    assert link_rows() == [(customer.pk, colleague_customer.pk, "family")]
    assert AccessLog.objects.count() == 0


def test_delete_is_404_when_the_user_edits_neither_side(client, colleague, manager, customer, central):
    # given: a link between two of manager's customers; the colleague sees both, edits neither
    other = CustomerFactory(home_store=central, account_manager=manager)
    link = RelationshipFactory(from_customer=customer, to_customer=other)
    client.force_login(colleague)
    # when
    response = client.post(delete_url(link))
    # then
    assert response.status_code == 404
    assert Relationship.objects.filter(pk=link.pk).exists()


def test_delete_answers_get_with_405(client, manager, customer, colleague_customer):
    # given
    link = RelationshipFactory(from_customer=customer, to_customer=colleague_customer)
    client.force_login(manager)
    # when
    response = client.get(delete_url(link))
    # then
    assert response.status_code == 405
    assert Relationship.objects.filter(pk=link.pk).exists()


# --- relationship-customer-search ---------------------------------------------------------


def test_search_returns_a_fragment_of_visible_customers(client, manager, customer, colleague_customer, tst_customer):
    # given
    client.force_login(manager)
    # when
    response = client.get(SEARCH_URL, {"q": "Wong", "exclude": customer.pk}, headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Wong Siu Ming" in response.text
    assert "···· 2222" in response.text
    assert "+85261112222" not in response.text  # only the last four digits


def test_search_never_reaches_another_store(client, other_manager, customer):
    # given
    client.force_login(other_manager)
    # when
    response = client.get(SEARCH_URL, {"q": "Chan"})
    # then
    assert response.status_code == 200
    assert "Chan Tai Man" not in response.text
    assert "No customer found." in response.text


def test_search_is_404_without_the_permission(client, privacy_officer, customer):
    # given
    client.force_login(privacy_officer)
    # when
    response = client.get(SEARCH_URL, {"q": "Chan"})
    # then
    assert response.status_code == 404
