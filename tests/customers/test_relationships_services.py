"""Linking customers: who may link whom, the rules of a link, and what each write records."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from customers.models import Customer, Relationship
from customers.services import relationships as services
from privacy.models import AccessLog
from tests.factories import CustomerFactory, RelationshipFactory


@pytest.fixture
def colleague_customer(central, colleague):
    return CustomerFactory(home_store=central, account_manager=colleague, name_en="Wong Siu Ming")


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei")


@pytest.fixture
def company(central, manager):
    return CustomerFactory(home_store=central, account_manager=manager, kind=Customer.Kind.COMPANY, name_en="Acme Ltd")


def test_create_links_own_customer_to_a_colleagues_and_logs_both(manager, customer, colleague_customer):
    # given
    # when
    relationship = services.relationship_create(
        by=manager,
        from_customer_id=customer.pk,
        to_customer_id=colleague_customer.pk,
        kind=Relationship.Kind.FAMILY,
        role="  brother ",
    )
    # then
    relationship.refresh_from_db()
    assert (relationship.from_customer, relationship.to_customer) == (customer, colleague_customer)
    assert relationship.kind == Relationship.Kind.FAMILY
    assert relationship.role == "brother"
    logs = AccessLog.objects.order_by("customer_id")
    assert [(log.user, log.customer, log.action) for log in logs] == [
        (manager, customer, AccessLog.Action.EDIT),
        (manager, colleague_customer, AccessLog.Action.EDIT),
    ]


def test_create_refuses_a_customer_of_another_store_and_writes_nothing(manager, customer, tst_customer):
    # given
    # when
    with pytest.raises(ValidationError) as exc:
        services.relationship_create(
            by=manager, from_customer_id=customer.pk, to_customer_id=tst_customer.pk, kind=Relationship.Kind.REFERRAL
        )
    # then
    assert exc.value.messages == ["Choose a customer from the search results."]
    assert Relationship.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_refuses_a_missing_customer_with_the_same_message(manager, customer):
    # given
    # when
    with pytest.raises(ValidationError) as exc:
        services.relationship_create(
            by=manager, from_customer_id=customer.pk, to_customer_id=999_999, kind=Relationship.Kind.REFERRAL
        )
    # then
    assert exc.value.messages == ["Choose a customer from the search results."]
    assert Relationship.objects.count() == 0


def test_create_refuses_an_account_manager_linking_from_a_colleagues_customer(manager, customer, colleague_customer):
    # given: manager sees colleague_customer but may not edit it
    # when
    with pytest.raises(PermissionDenied):
        services.relationship_create(
            by=manager, from_customer_id=colleague_customer.pk, to_customer_id=customer.pk, kind="family"
        )
    # then
    assert Relationship.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_create_lets_a_supervisor_link_any_two_customers_of_the_store(supervisor, customer, colleague_customer):
    # given
    # when
    services.relationship_create(
        by=supervisor, from_customer_id=colleague_customer.pk, to_customer_id=customer.pk, kind="partnership"
    )
    # then
    assert Relationship.objects.filter(from_customer=colleague_customer, to_customer=customer).count() == 1


def test_create_refuses_a_user_without_the_permission(privacy_officer, customer, colleague_customer):
    # given: the privacy officer sees everything but adds nothing
    # when
    with pytest.raises(PermissionDenied):
        services.relationship_create(
            by=privacy_officer, from_customer_id=customer.pk, to_customer_id=colleague_customer.pk, kind="family"
        )
    # then
    assert Relationship.objects.count() == 0


def test_create_refuses_a_link_to_self(manager, customer):
    # given
    # when
    with pytest.raises(ValidationError) as exc:
        services.relationship_create(
            by=manager, from_customer_id=customer.pk, to_customer_id=customer.pk, kind="family"
        )
    # then
    assert exc.value.messages == ["A customer cannot be linked to themselves."]
    assert Relationship.objects.count() == 0


@pytest.mark.parametrize("reverse", [False, True], ids=["same-direction", "reverse-direction"])
def test_create_refuses_a_duplicate_with_a_clear_message(manager, supervisor, customer, colleague_customer, reverse):
    # given
    RelationshipFactory(from_customer=customer, to_customer=colleague_customer, kind=Relationship.Kind.FAMILY)
    first, second = (colleague_customer, customer) if reverse else (customer, colleague_customer)
    # when
    with pytest.raises(ValidationError) as exc:
        services.relationship_create(by=supervisor, from_customer_id=first.pk, to_customer_id=second.pk, kind="family")
    # then
    assert exc.value.messages == [f"{first.display_name} and {second.display_name} are already linked as “Family”."]
    assert Relationship.objects.count() == 1
    assert AccessLog.objects.count() == 0


def test_create_allows_a_second_link_of_another_kind(manager, customer, colleague_customer):
    # given
    RelationshipFactory(from_customer=customer, to_customer=colleague_customer, kind=Relationship.Kind.FAMILY)
    # when
    services.relationship_create(
        by=manager, from_customer_id=customer.pk, to_customer_id=colleague_customer.pk, kind="referral"
    )
    # then
    assert Relationship.objects.filter(from_customer=customer).count() == 2


def test_create_links_a_person_as_contact_at_a_company(manager, customer, company):
    # given
    # when
    relationship = services.relationship_create(
        by=manager,
        from_customer_id=customer.pk,
        to_customer_id=company.pk,
        kind=Relationship.Kind.FUNCTIONAL,
        role="Purchasing manager",
    )
    # then
    assert (relationship.from_customer, relationship.to_customer, relationship.role) == (
        customer,
        company,
        "Purchasing manager",
    )


def test_create_refuses_a_contact_link_from_the_company_and_says_where_to_add_it(manager, customer, company):
    # given
    # when
    with pytest.raises(ValidationError) as exc:
        services.relationship_create(
            by=manager, from_customer_id=company.pk, to_customer_id=customer.pk, kind=Relationship.Kind.FUNCTIONAL
        )
    # then
    assert exc.value.messages == [
        "A “contact at company” link goes from the person to the company: add it on Chan Tai Man (陳大文)'s page."
    ]
    assert Relationship.objects.count() == 0


def test_create_refuses_a_contact_link_between_two_people(manager, customer, colleague_customer):
    # given
    # when
    with pytest.raises(ValidationError) as exc:
        services.relationship_create(
            by=manager,
            from_customer_id=customer.pk,
            to_customer_id=colleague_customer.pk,
            kind=Relationship.Kind.FUNCTIONAL,
        )
    # then
    assert exc.value.messages == ["A “contact at company” link goes from a person to a company."]
    assert Relationship.objects.count() == 0


def test_create_refuses_an_unknown_kind(manager, customer, colleague_customer):
    # given
    # when
    with pytest.raises(ValidationError):
        services.relationship_create(
            by=manager, from_customer_id=customer.pk, to_customer_id=colleague_customer.pk, kind="nemesis"
        )
    # then
    assert Relationship.objects.count() == 0


# --- relationship_delete ------------------------------------------------------------


def test_delete_removes_the_link_and_logs_both_customers(manager, customer, colleague_customer):
    # given
    link = RelationshipFactory(from_customer=customer, to_customer=colleague_customer)
    # when
    services.relationship_delete(by=manager, relationship_id=link.pk)
    # then
    assert not Relationship.objects.filter(pk=link.pk).exists()
    assert sorted(AccessLog.objects.values_list("customer_id", "action")) == sorted(
        [(customer.pk, AccessLog.Action.EDIT), (colleague_customer.pk, AccessLog.Action.EDIT)]
    )


def test_delete_is_allowed_from_the_other_side_of_the_link(colleague, customer, colleague_customer):
    # given: the link goes from manager's customer to colleague's customer
    link = RelationshipFactory(from_customer=customer, to_customer=colleague_customer)
    # when
    services.relationship_delete(by=colleague, relationship_id=link.pk)
    # then
    assert not Relationship.objects.filter(pk=link.pk).exists()


def test_delete_refuses_an_account_manager_of_another_store_and_keeps_the_link(other_manager, customer, tst_customer):
    # given
    link = RelationshipFactory(from_customer=tst_customer, to_customer=customer)
    # when: other_manager edits tst_customer but may not see customer
    with pytest.raises(PermissionDenied):
        services.relationship_delete(by=other_manager, relationship_id=link.pk)
    # then
    assert Relationship.objects.filter(pk=link.pk).exists()
    assert AccessLog.objects.count() == 0


def test_delete_refuses_a_colleague_who_edits_neither_side(colleague, manager, customer, central):
    # given
    other = CustomerFactory(home_store=central, account_manager=manager)
    link = RelationshipFactory(from_customer=customer, to_customer=other)
    # when
    with pytest.raises(PermissionDenied):
        services.relationship_delete(by=colleague, relationship_id=link.pk)
    # then
    assert Relationship.objects.filter(pk=link.pk).exists()


def test_delete_refuses_a_missing_link(manager):
    # given / when / then
    with pytest.raises(PermissionDenied):
        services.relationship_delete(by=manager, relationship_id=999_999)


@pytest.mark.django_db(transaction=True)
def test_create_the_same_link_both_ways_at_once_makes_one(supervisor, customer, colleague_customer):
    # given
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    barrier = threading.Barrier(2)
    results = []

    def link(first, second):
        try:
            barrier.wait()
            services.relationship_create(by=supervisor, from_customer_id=first, to_customer_id=second, kind="family")
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    # when: two staff link the same two customers, each from their side
    threads = [
        threading.Thread(target=link, args=(customer.pk, colleague_customer.pk)),
        threading.Thread(target=link, args=(colleague_customer.pk, customer.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(results) == ["ok", "refused"]
    assert Relationship.objects.count() == 1
