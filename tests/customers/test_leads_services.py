"""Writes to leads: each rule of create, update and status, lead history, and conversion."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from customers.models import Customer, FollowUpTask, Interaction, Lead, Relationship
from customers.services import leads as services
from privacy.models import AccessLog
from tests.factories import CustomerFactory, FollowUpTaskFactory, InteractionFactory, LeadFactory

LEAD_COLUMNS = ("name_en", "mobile_phone", "email", "status", "owner_id", "store_id", "converted_customer_id")


def lead_row(lead) -> dict:
    return Lead.objects.filter(pk=lead.pk).values(*LEAD_COLUMNS, "updated_at").get()


def message_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.fixture
def referrer(central, manager):
    """A customer of Central, in manager's book, with a valid phone number."""
    return CustomerFactory(
        home_store=central, account_manager=manager, name_en="Chan Tai Man", mobile_phone="+85291234567"
    )


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei")


@pytest.fixture
def lead(central, manager):
    """A lead of Central owned by manager, with a valid phone and e-mail no customer has."""
    return LeadFactory(
        store=central,
        owner=manager,
        name_en="Lam Ka Ho",
        name_zh="林家豪",
        mobile_phone="+85261234567",
        email="ka.ho@example.com",
        source=Lead.Source.EVENT,
        campaign="Watches & Wonders 2026",
    )


def create_kwargs(**overrides) -> dict:
    data = {"name_en": "Lam Ka Ho", "mobile_phone": "6123 4567", "email": "Ka.Ho@Example.com"}
    data.update(overrides)
    return data


# --- lead_create -----------------------------------------------------------------


def test_create_normalises_phone_and_email_and_gives_the_lead_to_the_account_manager(central, manager):
    # given / when
    lead = services.lead_create(by=manager, source=Lead.Source.WALK_IN, store=central, **create_kwargs())
    # then
    lead.refresh_from_db()
    assert lead.mobile_phone == "+85261234567"
    assert lead.email == "ka.ho@example.com"
    assert lead.owner == manager
    assert lead.status == Lead.Status.NEW
    assert lead.store == central


def test_create_by_a_supervisor_leaves_the_lead_unassigned(central, supervisor):
    # given / when
    lead = services.lead_create(by=supervisor, source=Lead.Source.ONLINE, store=central, **create_kwargs())
    # then
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_create_by_a_supervisor_may_give_the_lead_to_an_account_manager_of_the_store(central, supervisor, colleague):
    # given / when
    lead = services.lead_create(
        by=supervisor, source=Lead.Source.ONLINE, store=central, owner=colleague, **create_kwargs()
    )
    # then
    assert Lead.objects.get(pk=lead.pk).owner == colleague


def test_create_refuses_another_stores_lead(manager, tst):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(by=manager, source=Lead.Source.WALK_IN, store=tst, **create_kwargs())
    # then
    assert excinfo.value.message_dict == {"store": ["You can only add leads to your own stores."]}
    assert Lead.objects.count() == 0


def test_create_refuses_a_referral_without_the_referring_customer(central, manager):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(by=manager, source=Lead.Source.REFERRAL, store=central, **create_kwargs())
    # then
    assert excinfo.value.message_dict == {"referred_by": ["A referral needs the customer who referred them."]}
    assert Lead.objects.count() == 0


def test_create_refuses_a_referrer_the_user_cannot_see(central, manager, tst_customer):
    # given a customer of another store
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(
            by=manager, source=Lead.Source.REFERRAL, referred_by=tst_customer, store=central, **create_kwargs()
        )
    # then
    assert excinfo.value.message_dict == {"referred_by": ["Choose a referring customer of your own stores."]}
    assert Lead.objects.count() == 0


def test_create_refuses_a_referrer_on_a_lead_that_is_not_a_referral(central, manager, referrer):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(
            by=manager, source=Lead.Source.EVENT, referred_by=referrer, store=central, **create_kwargs()
        )
    # then
    assert list(excinfo.value.message_dict) == ["referred_by"]
    assert Lead.objects.count() == 0


def test_create_records_the_referrer(central, colleague, referrer):
    # given a colleague, who sees (but does not keep) manager's customer
    # when
    lead = services.lead_create(
        by=colleague, source=Lead.Source.REFERRAL, referred_by=referrer, store=central, **create_kwargs()
    )
    # then
    assert Lead.objects.get(pk=lead.pk).referred_by == referrer


def test_create_refuses_an_account_manager_giving_the_lead_to_a_colleague(central, manager, colleague):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(by=manager, source=Lead.Source.WALK_IN, store=central, owner=colleague, **create_kwargs())
    # then
    assert list(excinfo.value.message_dict) == ["owner"]
    assert Lead.objects.count() == 0


def test_create_refuses_an_owner_from_another_store(central, supervisor, other_manager):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(
            by=supervisor, source=Lead.Source.WALK_IN, store=central, owner=other_manager, **create_kwargs()
        )
    # then
    assert excinfo.value.message_dict == {"owner": ["Choose an account manager who works at the lead's store."]}
    assert Lead.objects.count() == 0


def test_create_refuses_a_bad_phone_number_and_a_nameless_lead(central, manager):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_create(by=manager, source=Lead.Source.WALK_IN, store=central, mobile_phone="12")
    # then
    assert set(excinfo.value.message_dict) == {"mobile_phone", "name_en"}
    assert Lead.objects.count() == 0


def test_create_needs_the_add_lead_permission(central, privacy_officer):
    # given a privacy officer, who sees every store but only reads leads
    # when
    with pytest.raises(PermissionDenied):
        services.lead_create(by=privacy_officer, source=Lead.Source.WALK_IN, store=central, **create_kwargs())
    # then
    assert Lead.objects.count() == 0


# --- lead_update -----------------------------------------------------------------


def test_update_changes_the_fields_and_normalises_the_phone(manager, lead):
    # given / when
    services.lead_update(by=manager, lead_id=lead.pk, mobile_phone="9876 5432", interest="Tudor Black Bay 58")
    # then
    lead.refresh_from_db()
    assert lead.mobile_phone == "+85298765432"
    assert lead.interest == "Tudor Black Bay 58"


def test_update_lets_an_account_manager_take_an_unowned_lead(central, colleague):
    # given
    unowned = LeadFactory(store=central, owner=None)
    # when
    services.lead_update(by=colleague, lead_id=unowned.pk, owner=colleague)
    # then
    assert Lead.objects.get(pk=unowned.pk).owner == colleague


def test_update_refuses_a_colleagues_lead_and_changes_nothing(colleague, lead):
    # given manager's lead
    before = lead_row(lead)
    # when
    with pytest.raises(PermissionDenied):
        services.lead_update(by=colleague, lead_id=lead.pk, owner=colleague)
    # then
    assert lead_row(lead) == before


def test_update_refuses_another_stores_manager_and_changes_nothing(other_manager, lead):
    # given
    before = lead_row(lead)
    # when
    with pytest.raises(PermissionDenied):
        services.lead_update(by=other_manager, lead_id=lead.pk, name_en="Changed")
    # then
    assert lead_row(lead) == before


def test_update_lets_a_supervisor_reassign_a_lead_in_their_store(supervisor, colleague, lead):
    # given / when
    services.lead_update(by=supervisor, lead_id=lead.pk, owner=colleague)
    # then
    assert Lead.objects.get(pk=lead.pk).owner == colleague


def test_update_rechecks_the_referral_when_the_source_changes(manager, lead):
    # given an event lead
    # when it becomes a referral without a referrer
    with pytest.raises(ValidationError) as excinfo:
        services.lead_update(by=manager, lead_id=lead.pk, source=Lead.Source.REFERRAL)
    # then
    assert list(excinfo.value.message_dict) == ["referred_by"]
    assert Lead.objects.get(pk=lead.pk).source == Lead.Source.EVENT


def test_update_refuses_unknown_fields(manager, lead):
    # given / when / then
    with pytest.raises(TypeError, match="status"):
        services.lead_update(by=manager, lead_id=lead.pk, status=Lead.Status.QUALIFIED)


def test_update_refuses_a_converted_lead(manager, lead):
    # given
    services.lead_convert(by=manager, lead_id=lead.pk)
    before = lead_row(lead)
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_update(by=manager, lead_id=lead.pk, name_en="Changed")
    # then
    assert "already a customer" in message_of(excinfo)
    assert lead_row(lead) == before


# --- lead_set_status ---------------------------------------------------------------


@pytest.mark.parametrize("status", [Lead.Status.CONTACTED, Lead.Status.QUALIFIED, Lead.Status.LOST])
def test_set_status_sets_the_manual_statuses(manager, lead, status):
    # given / when
    services.lead_set_status(by=manager, lead_id=lead.pk, status=status)
    # then
    assert Lead.objects.get(pk=lead.pk).status == status


@pytest.mark.parametrize("status", [Lead.Status.CONVERTED, Lead.Status.NEW, "won"])
def test_set_status_refuses_converted_and_other_values(manager, lead, status):
    # given
    before = lead_row(lead)
    # when
    with pytest.raises(ValidationError):
        services.lead_set_status(by=manager, lead_id=lead.pk, status=status)
    # then
    assert lead_row(lead) == before


def test_set_status_refuses_a_converted_lead(manager, lead):
    # given
    services.lead_convert(by=manager, lead_id=lead.pk)
    # when
    with pytest.raises(ValidationError):
        services.lead_set_status(by=manager, lead_id=lead.pk, status=Lead.Status.LOST)
    # then
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONVERTED


def test_set_status_refuses_another_stores_manager(other_manager, lead):
    # given
    before = lead_row(lead)
    # when
    with pytest.raises(PermissionDenied):
        services.lead_set_status(by=other_manager, lead_id=lead.pk, status=Lead.Status.LOST)
    # then
    assert lead_row(lead) == before


# --- lead interactions and tasks ---------------------------------------------------


def test_interaction_log_records_it_on_the_lead_and_marks_a_new_lead_contacted(manager, lead):
    # given
    when = timezone.now() - datetime.timedelta(hours=2)
    # when
    interaction = services.lead_interaction_log(
        by=manager,
        lead_id=lead.pk,
        kind=Interaction.Kind.CALL,
        occurred_at=when,
        summary=" Wants a GMT ",
        outcome="positive",
    )
    # then
    interaction.refresh_from_db()
    assert (interaction.lead_id, interaction.customer_id, interaction.staff_id) == (lead.pk, None, manager.pk)
    assert (interaction.summary, interaction.occurred_at, interaction.outcome) == ("Wants a GMT", when, "positive")
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONTACTED


def test_interaction_log_leaves_a_qualified_lead_qualified(manager, lead):
    # given
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.QUALIFIED)
    # when
    services.lead_interaction_log(
        by=manager, lead_id=lead.pk, kind=Interaction.Kind.VISIT, occurred_at=timezone.now(), summary="Tried it on"
    )
    # then
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.QUALIFIED


def test_interaction_log_refuses_the_future(manager, lead):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_interaction_log(
            by=manager,
            lead_id=lead.pk,
            kind=Interaction.Kind.CALL,
            occurred_at=timezone.now() + datetime.timedelta(days=1),
            summary="Not yet",
        )
    # then
    assert list(excinfo.value.message_dict) == ["occurred_at"]
    assert Interaction.objects.count() == 0


def test_interaction_log_refuses_another_stores_manager(other_manager, lead):
    # given / when
    with pytest.raises(PermissionDenied):
        services.lead_interaction_log(
            by=other_manager, lead_id=lead.pk, kind=Interaction.Kind.CALL, occurred_at=timezone.now(), summary="x"
        )
    # then
    assert Interaction.objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_task_create_is_for_the_creator_by_default(manager, lead):
    # given
    due = timezone.localdate() + datetime.timedelta(days=2)
    # when
    task = services.lead_task_create(by=manager, lead_id=lead.pk, title="Send the brochure", due_on=due)
    # then
    task.refresh_from_db()
    assert (task.lead_id, task.customer_id, task.assignee_id, task.created_by_id) == (
        lead.pk,
        None,
        manager.pk,
        manager.pk,
    )
    assert (task.title, task.due_on, task.status) == ("Send the brochure", due, FollowUpTask.Status.OPEN)


def test_task_create_refuses_an_assignee_of_another_store_and_a_past_date(manager, other_manager, lead):
    # given / when
    with pytest.raises(ValidationError) as wrong_person:
        services.lead_task_create(
            by=manager, lead_id=lead.pk, title="x", due_on=timezone.localdate(), assignee=other_manager
        )
    with pytest.raises(ValidationError) as past:
        services.lead_task_create(
            by=manager, lead_id=lead.pk, title="x", due_on=timezone.localdate() - datetime.timedelta(days=1)
        )
    # then
    assert list(wrong_person.value.message_dict) == ["assignee"]
    assert list(past.value.message_dict) == ["due_on"]
    assert FollowUpTask.objects.count() == 0


# --- lead_convert ------------------------------------------------------------------


def test_convert_creates_the_customer_from_the_lead(manager, lead, central):
    # given / when
    customer = services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    customer.refresh_from_db()
    assert (customer.name_en, customer.name_zh) == ("Lam Ka Ho", "林家豪")
    assert (customer.mobile_phone, customer.email) == ("+85261234567", "ka.ho@example.com")
    assert customer.acquisition_source == Customer.Source.EVENT
    assert customer.home_store == central
    assert customer.account_manager == manager
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    assert lead.converted_customer == customer
    assert lead.converted_at is not None


def test_convert_writes_one_create_access_row(manager, lead):
    # given / when
    customer = services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name"))
    assert rows == [(manager.pk, customer.pk, AccessLog.Action.CREATE, "customers:lead-convert")]


def test_convert_moves_every_interaction_and_task_to_the_customer(manager, colleague, lead, central):
    # given the lead's history, and another lead's that must stay put
    InteractionFactory.create_batch(3, lead=lead, staff=manager)
    FollowUpTaskFactory.create_batch(2, lead=lead, assignee=manager)
    other = LeadFactory(store=central, owner=colleague)
    InteractionFactory(lead=other)
    FollowUpTaskFactory(lead=other, assignee=colleague)
    assert (Interaction.objects.filter(lead=lead).count(), FollowUpTask.objects.filter(lead=lead).count()) == (3, 2)
    # when
    customer = services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    assert Interaction.objects.filter(lead=lead).count() == 0
    assert FollowUpTask.objects.filter(lead=lead).count() == 0
    assert Interaction.objects.filter(customer=customer, lead=None).count() == 3
    assert FollowUpTask.objects.filter(customer=customer, lead=None).count() == 2
    assert Interaction.objects.filter(lead=other).count() == 1
    assert FollowUpTask.objects.filter(lead=other).count() == 1


@pytest.mark.parametrize(
    ("source", "acquisition"),
    [
        (Lead.Source.WALK_IN, Customer.Source.WALK_IN),
        (Lead.Source.EVENT, Customer.Source.EVENT),
        (Lead.Source.ONLINE, Customer.Source.ONLINE),
        (Lead.Source.FOCUS_GROUP, Customer.Source.FOCUS_GROUP),
        (Lead.Source.PARTNER, Customer.Source.OTHER),
    ],
)
def test_convert_maps_the_source(manager, lead, source, acquisition):
    # given
    Lead.objects.filter(pk=lead.pk).update(source=source)
    # when
    customer = services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    assert Customer.objects.get(pk=customer.pk).acquisition_source == acquisition


def test_convert_credits_the_referrer_with_a_referral_relationship(manager, lead, referrer):
    # given
    Lead.objects.filter(pk=lead.pk).update(source=Lead.Source.REFERRAL, referred_by=referrer)
    # when
    customer = services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    assert Customer.objects.get(pk=customer.pk).acquisition_source == Customer.Source.REFERRAL
    rows = list(Relationship.objects.values_list("from_customer_id", "to_customer_id", "kind", "role"))
    assert rows == [(referrer.pk, customer.pk, Relationship.Kind.REFERRAL, "referred")]


def test_convert_does_not_repeat_an_existing_referral_relationship(manager, lead, referrer, central):
    # given the lead is linked to a customer the referrer is already recorded to have referred
    existing = CustomerFactory(home_store=central, account_manager=manager, mobile_phone="", email="")
    Relationship.objects.create(from_customer=referrer, to_customer=existing, kind=Relationship.Kind.REFERRAL)
    Lead.objects.filter(pk=lead.pk).update(source=Lead.Source.REFERRAL, referred_by=referrer)
    # when
    services.lead_convert(by=manager, lead_id=lead.pk, link_existing_customer_id=existing.pk)
    # then
    assert Relationship.objects.filter(from_customer=referrer, to_customer=existing).count() == 1


def test_convert_by_a_supervisor_gives_the_customer_to_the_leads_owner(supervisor, manager, lead):
    # given / when
    customer = services.lead_convert(by=supervisor, lead_id=lead.pk)
    # then
    assert Customer.objects.get(pk=customer.pk).account_manager == manager


def test_convert_by_a_supervisor_of_an_unowned_lead_leaves_the_customer_unassigned(supervisor, central):
    # given
    unowned = LeadFactory(store=central, owner=None)
    # when
    customer = services.lead_convert(by=supervisor, lead_id=unowned.pk)
    # then
    assert Customer.objects.get(pk=customer.pk).account_manager is None


def test_convert_applies_the_overrides(manager, lead):
    # given / when
    customer = services.lead_convert(
        by=manager, lead_id=lead.pk, salutation=Customer.Salutation.MR, preferred_language=Customer.Language.CHINESE
    )
    # then
    customer.refresh_from_db()
    assert (customer.salutation, customer.preferred_language) == ("mr", "zh-hant")


def test_convert_refuses_a_duplicate_and_writes_nothing(manager, lead, central):
    # given a customer with the lead's phone number (in another format of the same number)
    CustomerFactory(home_store=central, account_manager=manager, mobile_phone="+85261234567", email="")
    InteractionFactory(lead=lead)
    FollowUpTaskFactory(lead=lead, assignee=manager)
    customers_before = Customer.objects.count()
    before = lead_row(lead)
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    assert excinfo.value.code == "duplicate"
    assert "duplicate check" in message_of(excinfo)
    assert Customer.objects.count() == customers_before
    assert lead_row(lead) == before
    assert Interaction.objects.filter(lead=lead).count() == 1
    assert FollowUpTask.objects.filter(lead=lead).count() == 1
    assert AccessLog.objects.count() == 0


def test_convert_refuses_a_duplicate_by_email_at_a_store_the_user_cannot_see(manager, lead, tst, other_manager):
    # given
    CustomerFactory(home_store=tst, account_manager=other_manager, mobile_phone="", email="KA.HO@example.com")
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    assert "store you cannot see" in message_of(excinfo)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_convert_twice_is_refused(manager, lead):
    # given
    customer = services.lead_convert(by=manager, lead_id=lead.pk)
    customers_before = Customer.objects.count()
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(by=manager, lead_id=lead.pk)
    # then
    assert excinfo.value.code == "already_converted"
    assert "already converted" in message_of(excinfo)
    assert Customer.objects.count() == customers_before
    assert Lead.objects.get(pk=lead.pk).converted_customer == customer


def test_convert_links_to_an_existing_customer_instead(manager, lead, central):
    # given the lead is someone already in manager's book
    existing = CustomerFactory(
        home_store=central, account_manager=manager, mobile_phone="+85261234567", email="old@example.com"
    )
    InteractionFactory.create_batch(2, lead=lead)
    FollowUpTaskFactory(lead=lead, assignee=manager)
    customers_before = Customer.objects.count()
    # when
    customer = services.lead_convert(by=manager, lead_id=lead.pk, link_existing_customer_id=existing.pk)
    # then
    assert customer == existing
    assert Customer.objects.count() == customers_before
    assert Customer.objects.get(pk=existing.pk).email == "old@example.com"  # nothing of theirs changed
    assert Interaction.objects.filter(customer=existing).count() == 2
    assert FollowUpTask.objects.filter(customer=existing).count() == 1
    lead.refresh_from_db()
    assert (lead.status, lead.converted_customer) == (Lead.Status.CONVERTED, existing)
    rows = list(AccessLog.objects.values_list("customer_id", "action", "reason"))
    assert rows == [(existing.pk, AccessLog.Action.EDIT, f"lead {lead.pk} linked")]


def test_convert_refuses_to_link_a_customer_the_user_may_not_edit(manager, lead, central, colleague):
    # given a customer in a colleague's book
    theirs = CustomerFactory(home_store=central, account_manager=colleague)
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(by=manager, lead_id=lead.pk, link_existing_customer_id=theirs.pk)
    # then
    assert excinfo.value.code == "link_forbidden"
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW
    assert AccessLog.objects.count() == 0


def test_convert_refuses_to_link_a_customer_who_came_from_another_lead(manager, lead, central):
    # given
    first = LeadFactory(store=central, owner=manager)
    customer = services.lead_convert(by=manager, lead_id=first.pk)
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(by=manager, lead_id=lead.pk, link_existing_customer_id=customer.pk)
    # then
    assert excinfo.value.code == "link_taken"
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_convert_refuses_another_stores_manager_and_changes_nothing(other_manager, lead):
    # given
    InteractionFactory(lead=lead)
    before = lead_row(lead)
    # when
    with pytest.raises(PermissionDenied):
        services.lead_convert(by=other_manager, lead_id=lead.pk)
    # then
    assert lead_row(lead) == before
    assert Customer.objects.count() == 0
    assert Interaction.objects.filter(lead=lead).count() == 1


def test_convert_needs_the_add_customer_permission(privacy_officer, lead):
    # given a privacy officer, who sees every lead but adds no customers
    # when
    with pytest.raises(PermissionDenied):
        services.lead_convert(by=privacy_officer, lead_id=lead.pk)
    # then
    assert Customer.objects.count() == 0


def test_convert_rolls_back_when_the_customer_is_refused(manager, lead, tst):
    # given a home store that is not the manager's
    InteractionFactory(lead=lead)
    before = lead_row(lead)
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.lead_convert(by=manager, lead_id=lead.pk, home_store=tst)
    # then
    assert excinfo.value.message_dict["home_store"] == ["You can only assign customers to your own stores."]
    assert Customer.objects.count() == 0
    assert lead_row(lead) == before
    assert Interaction.objects.filter(lead=lead).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_convert_racing_a_second_conversion_creates_one_customer(manager, lead):
    # given a second request that starts converting while the first holds the lead's lock
    from django.db import close_old_connections, transaction

    outcome = {}

    def second_request():
        try:
            services.lead_convert(by=manager, lead_id=lead.pk)
            outcome["second"] = "converted"
        except ValidationError as exc:
            outcome["second"] = exc.code
        finally:
            close_old_connections()
            connection.close()

    # when
    with transaction.atomic():
        services.lead_convert(by=manager, lead_id=lead.pk)
        racer = threading.Thread(target=second_request)
        racer.start()
        racer.join(timeout=1)  # blocked on the row lock until this transaction commits
        assert racer.is_alive()
    racer.join(timeout=10)
    # then
    assert outcome == {"second": "already_converted"}
    assert Customer.objects.count() == 1
