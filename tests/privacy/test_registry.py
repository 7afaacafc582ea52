"""The personal-data registry: no model about a customer escapes it, and its registrations work."""

import re

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from customers.models import Customer, Store
from privacy.models import AccessLog
from privacy.registry import KEEP, Category, PersonalDataRegistry, registry
from privacy.services import access_record
from tests.factories import CustomerFactory


def models_linked_to_customer(candidates) -> list[type[models.Model]]:
    """Customer itself, and every model with a ForeignKey or OneToOneField to it."""
    linked = []
    for model in candidates:
        if model is Customer or any(
            field.concrete and (field.many_to_one or field.one_to_one) and field.related_model is Customer
            for field in model._meta.get_fields()
        ):
            linked.append(model)
    return linked


def unregistered_models(candidates, *, in_registry=registry) -> list[str]:
    """The labels of the models linked to a customer that the registry does not know."""
    return [
        model._meta.label
        for model in models_linked_to_customer(candidates)
        if not in_registry.is_registered(model._meta.concrete_model)
    ]


# --- the sweep ----------------------------------------------------------------


def test_every_model_linked_to_a_customer_is_registered():
    # given every installed model
    installed = apps.get_models()
    # when
    missing = unregistered_models(installed)
    # then
    assert missing == [], f"register these in their app's personal_data.py: {missing}"


def test_the_sweep_finds_the_models_we_know_about():
    # given / when
    linked = models_linked_to_customer(apps.get_models())
    # then: the sweep is not vacuous
    assert Customer in linked
    assert AccessLog in linked


def test_the_sweep_catches_an_unregistered_model():
    # given a new model about customers that nobody registered
    class LoyaltyCard(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
        number = models.CharField(max_length=16)

        class Meta:
            app_label = "customers"
            managed = False

        def __str__(self):
            return self.number

    try:
        # when (defining the model put it in the app registry, as a new app model would be)
        installed = apps.get_models()
        missing = unregistered_models(installed)
        # then
        assert LoyaltyCard in installed
        assert missing == ["customers.LoyaltyCard"]
    finally:
        del apps.all_models["customers"]["loyaltycard"]
        apps.clear_cache()
    assert LoyaltyCard not in apps.get_models()
    assert unregistered_models(apps.get_models()) == []


def test_the_sweep_catches_a_one_to_one_link():
    # given
    class CustomerProfile(models.Model):
        customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")

        class Meta:
            app_label = "customers"
            managed = False

        def __str__(self):
            return str(self.customer_id)

    try:
        # when
        missing = unregistered_models([CustomerProfile])
        # then
        assert missing == ["customers.CustomerProfile"]
    finally:
        del apps.all_models["customers"]["customerprofile"]
        apps.clear_cache()


def test_the_sweep_ignores_models_without_a_link_to_customers():
    # given / when
    linked = models_linked_to_customer([Store, apps.get_model("auth", "Group")])
    # then
    assert linked == []


# --- register() ---------------------------------------------------------------


def test_register_records_a_registration():
    # given a registry of our own, so the real one is left alone
    own = PersonalDataRegistry()
    # when
    registration = own.register(Customer, category=Category.IDENTITY, customer_path="pk", sensitive_fields=("address",))
    # then
    assert own.get(Customer) is registration
    assert own.is_registered(Customer)
    assert own.sensitive_fields(Customer) == ("address",)
    assert registration.label == "customers.Customer"
    assert registration.anonymise == KEEP
    assert list(own) == [registration]


def test_register_rejects_an_unknown_category():
    # given
    own = PersonalDataRegistry()
    # when
    with pytest.raises(ImproperlyConfigured, match="Unknown personal-data category 'gossip'"):
        own.register(Customer, category="gossip", customer_path="pk")
    # then
    assert not own.is_registered(Customer)


@pytest.mark.parametrize("argument", ["sensitive_fields", "exclude_from_export"])
def test_register_rejects_an_unknown_field(argument):
    # given
    own = PersonalDataRegistry()
    # when
    with pytest.raises(ImproperlyConfigured, match=re.escape("customers.Customer has no field 'hkid'")):
        own.register(Customer, category=Category.IDENTITY, customer_path="pk", **{argument: ("address", "hkid")})
    # then
    assert not own.is_registered(Customer)


def test_register_rejects_a_second_registration():
    # given
    own = PersonalDataRegistry()
    first = own.register(Customer, category=Category.IDENTITY, customer_path="pk")
    # when
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        own.register(Customer, category=Category.MARKETING, customer_path="pk")
    # then
    assert own.get(Customer) is first


def test_register_rejects_an_anonymise_that_is_neither_callable_nor_keep():
    # given
    own = PersonalDataRegistry()
    # when
    with pytest.raises(ImproperlyConfigured, match="anonymise must be a callable"):
        own.register(Customer, category=Category.IDENTITY, customer_path="pk", anonymise="blank")
    # then
    assert not own.is_registered(Customer)


def test_the_real_registry_refuses_to_register_customer_again():
    # given
    before = registry.get(Customer)
    # when
    with pytest.raises(ImproperlyConfigured):
        registry.register(Customer, category=Category.IDENTITY, customer_path="pk")
    # then
    assert registry.get(Customer) is before


def test_customer_registration_declares_address_and_birthday_sensitive():
    # given / when / then
    assert registry.get(Customer).category == Category.IDENTITY
    assert set(registry.sensitive_fields(Customer)) == {"address", "birth_month", "birth_day", "birth_year"}
    assert registry.get(AccessLog).category == Category.AUDIT
    assert registry.get(AccessLog).anonymise == KEEP


# --- export and anonymise -----------------------------------------------------


@pytest.fixture
def subject(central, manager):
    return CustomerFactory(
        home_store=central,
        account_manager=manager,
        salutation="mr",
        name_en="Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        email="tai.man@example.com",
        address="Flat A, 12/F, 88 Des Voeux Road Central",
        district="central_western",
        birth_month=3,
        birth_day=12,
        birth_year=1980,
        notes="Collects Omega",
        external_ref="C-0001",
    )


@pytest.fixture
def bystander(central):
    return CustomerFactory(
        home_store=central,
        name_en="Wong Siu Ming",
        name_zh="黃小明",
        mobile_phone="+85261234567",
        email="siuming@example.com",
        address="1 Nathan Road",
        birth_month=7,
        birth_day=1,
        notes="Likes Rolex",
        external_ref="C-0002",
    )


def row_of(customer) -> dict:
    return Customer.objects.filter(pk=customer.pk).values().get()


def test_export_rows_of_a_customer_is_their_own_row(subject, bystander):
    # given
    registration = registry.get(Customer)
    # when
    rows = registration.export_rows(subject.pk)
    # then
    assert len(rows) == 1
    assert rows[0] == row_of(subject)
    assert rows[0]["name_en"] == "Chan Tai Man"
    assert rows[0]["address"] == "Flat A, 12/F, 88 Des Voeux Road Central"
    assert rows[0]["home_store_id"] == subject.home_store_id


def test_export_rows_of_the_access_log_are_that_customers_entries(manager, subject, bystander):
    # given
    mine = access_record(user=manager, customer=subject, action=AccessLog.Action.VIEW)
    access_record(user=manager, customer=bystander, action=AccessLog.Action.VIEW)
    # when
    rows = registry.get(AccessLog).export_rows(subject.pk)
    # then
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["customer_id"] == subject.pk


def test_anonymise_rows_blanks_the_identifying_fields_of_that_customer_only(subject, bystander):
    # given
    bystander_before = row_of(bystander)
    # when
    count = registry.get(Customer).anonymise_rows(subject.pk)
    # then
    assert count == 1
    after = row_of(subject)
    assert after["name_en"] == f"Anonymised #{subject.pk}"
    assert {
        name: after[name]
        for name in (
            "name_zh",
            "salutation",
            "mobile_phone",
            "email",
            "address",
            "district",
            "birth_month",
            "birth_day",
            "birth_year",
            "notes",
            "external_ref",
        )
    } == {
        "name_zh": "",
        "salutation": "",
        "mobile_phone": "",
        "email": "",
        "address": "",
        "district": "",
        "birth_month": None,
        "birth_day": None,
        "birth_year": None,
        "notes": "",
        "external_ref": None,
    }
    assert after["home_store_id"] == subject.home_store_id
    assert row_of(bystander) == bystander_before


def test_anonymising_twice_is_harmless(subject):
    # given
    registration = registry.get(Customer)
    registration.anonymise_rows(subject.pk)
    once = row_of(subject)
    # when
    registration.anonymise_rows(subject.pk)
    # then
    assert row_of(subject) == once


def test_keep_registration_anonymises_nothing(manager, subject):
    # given an access-log entry, registered with KEEP
    entry = access_record(user=manager, customer=subject, action=AccessLog.Action.VIEW, reason="complaint 12")
    before = AccessLog.objects.filter(pk=entry.pk).values().get()
    # when
    count = registry.get(AccessLog).anonymise_rows(subject.pk)
    # then
    assert count == 0
    assert AccessLog.objects.filter(pk=entry.pk).values().get() == before


def test_keep_in_a_registry_of_our_own_never_calls_anything(subject):
    # given
    own = PersonalDataRegistry()
    registration = own.register(Customer, category=Category.IDENTITY, customer_path="pk", anonymise=KEEP)
    before = row_of(subject)
    # when
    count = registration.anonymise_rows(subject.pk)
    # then
    assert count == 0
    assert row_of(subject) == before
