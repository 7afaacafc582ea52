"""The leads pages: who gets what, what each request writes, and how many queries it costs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, FollowUpTask, Interaction, Lead
from privacy.models import AccessLog
from tests.factories import (
    AccountManagerFactory,
    CustomerFactory,
    FollowUpTaskFactory,
    InteractionFactory,
    LeadFactory,
    UserFactory,
)

LIST_URL = reverse("customers:lead-list")
CREATE_URL = reverse("customers:lead-create")
# Measured, and constant in the number of rows shown (see the tests below).
LIST_QUERIES = 8
DETAIL_QUERIES = 9


def url(name, lead):
    return reverse(f"customers:{name}", kwargs={"pk": lead.pk})


def lead_row(lead) -> dict:
    return Lead.objects.filter(pk=lead.pk).values().get()


def listed(response) -> list:
    return list(response.context["leads"])


def lead_form(**overrides) -> dict:
    data = {
        "name_en": "Lam Ka Ho",
        "name_zh": "林家豪",
        "mobile_phone": "6123 4567",
        "email": "ka.ho@example.com",
        "source": "walk_in",
        "campaign": "",
        "referred_by": "",
        "store": "",
        "owner": "",
        "interest": "Tudor Black Bay 58",
        "notes": "",
    }
    data.update(overrides)
    return data


def convert_form(lead, **overrides) -> dict:
    data = {
        "salutation": "",
        "name_en": lead.name_en,
        "name_zh": lead.name_zh,
        "mobile_phone": lead.mobile_phone,
        "email": lead.email,
        "preferred_language": "en",
        "preferred_channel": "whatsapp",
        "home_store": lead.store_id,
        "account_manager": lead.owner_id or "",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def lead(central, manager):
    return LeadFactory(
        store=central,
        owner=manager,
        name_en="Lam Ka Ho",
        name_zh="林家豪",
        mobile_phone="+85261234567",
        email="ka.ho@example.com",
        source=Lead.Source.EVENT,
    )


@pytest.fixture
def tst_lead(tst, other_manager):
    return LeadFactory(store=tst, owner=other_manager, name_en="Ho Wing Kei")


@pytest.fixture
def nobody(central):
    return UserFactory(username="no-role", stores=[central])


# --- list ---------------------------------------------------------------------------


def test_list_shows_the_stores_leads_and_the_funnel(client, manager, lead, tst_lead):
    # given
    client.force_login(manager)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert listed(response) == [lead]
    assert response.context["funnel"]["total"] == 1
    assert response.context["funnel"]["by_status"]["new"] == 1
    assert "Lam Ka Ho" in response.text
    assert "+852 6123 4567" in response.text
    assert "Ho Wing Kei" not in response.text


def test_list_does_not_show_another_stores_lead(client, other_manager, lead, tst_lead):
    # given
    client.force_login(other_manager)
    # when
    response = client.get(LIST_URL, {"q": "Lam"})
    # then
    assert response.status_code == 200
    assert listed(response) == []
    assert response.context["funnel"]["total"] == 1  # their own lead only
    assert "Lam Ka Ho" not in response.text


def test_list_is_404_for_a_user_without_a_role(client, nobody, lead):
    # given
    client.force_login(nobody)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 404
    assert "Lam Ka Ho" not in response.text


def test_list_filters_by_status_and_source(client, supervisor, central, lead):
    # given
    lost = LeadFactory(store=central, status=Lead.Status.LOST, source=Lead.Source.EVENT)
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL, {"status": "lost", "source": "event"})
    # then
    assert listed(response) == [lost]


def make_leads(store, count: int) -> None:
    """``count`` leads, each with its own owner and referring customer."""
    for i in range(count):
        owner = AccountManagerFactory(stores=[store])
        referrer = CustomerFactory(home_store=store)
        LeadFactory(store=store, owner=owner, source=Lead.Source.REFERRAL, referred_by=referrer, name_en=f"Lead {i}")


def test_list_queries_do_not_grow_with_the_rows(client, supervisor, central):
    # given
    client.force_login(supervisor)
    make_leads(central, 3)
    # when
    with CaptureQueriesContext(connection) as few:
        small = client.get(LIST_URL)
    make_leads(central, 17)
    with CaptureQueriesContext(connection) as many:
        full = client.get(LIST_URL)
    # then
    assert len(listed(small)) == 3
    assert len(listed(full)) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("user_fixture", ["admin_user", "supervisor", "manager"])
def test_list_query_count(client, django_assert_num_queries, request, central, user_fixture):
    # given a full page of leads
    user = request.getfixturevalue(user_fixture)
    make_leads(central, 25)
    client.force_login(user)
    # when / then: session, user, permission lookups (2), roles, count, page, funnel
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert len(listed(response)) == 25


# --- create ---------------------------------------------------------------------------


def test_create_adds_the_lead_and_redirects_to_it(client, manager, central):
    # given
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, lead_form(store=central.pk, owner=manager.pk))
    # then
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url()
    assert (lead.mobile_phone, lead.owner, lead.store) == ("+85261234567", manager, central)


def test_create_finds_the_referrer_by_phone(client, manager, central):
    # given
    referrer = CustomerFactory(home_store=central, account_manager=manager, mobile_phone="+85291234567")
    client.force_login(manager)
    # when
    response = client.post(
        CREATE_URL, lead_form(store=central.pk, owner=manager.pk, source="referral", referred_by="9123 4567")
    )
    # then
    assert response.status_code == 302
    assert Lead.objects.get().referred_by == referrer


def test_create_prefills_a_referral_from_the_referrers_page(client, manager, central):
    # given
    referrer = CustomerFactory(home_store=central, external_ref="C-000123")
    client.force_login(manager)
    # when
    response = client.get(CREATE_URL, {"referred_by": referrer.pk})
    # then
    form = response.context["form"]
    assert form.initial["source"] == "referral"
    assert form.initial["referred_by"] == "C-000123"


def test_create_shows_a_refused_store_as_a_form_error_and_writes_nothing(client, manager, tst, central):
    # given a referral whose referrer is at another store
    stranger = CustomerFactory(home_store=tst, mobile_phone="+85291234567")
    client.force_login(manager)
    # when
    response = client.post(
        CREATE_URL, lead_form(store=central.pk, owner=manager.pk, source="referral", referred_by=stranger.mobile_phone)
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["referred_by"]
    assert Lead.objects.count() == 0


def test_create_is_404_for_a_privacy_officer_and_writes_nothing(client, privacy_officer, central):
    # given a privacy officer, who reads leads but does not add them
    client.force_login(privacy_officer)
    # when
    response = client.post(CREATE_URL, lead_form(store=central.pk))
    # then
    assert response.status_code == 404
    assert Lead.objects.count() == 0


# --- detail ---------------------------------------------------------------------------


def test_detail_shows_the_lead_its_history_and_the_convert_button(client, manager, lead):
    # given
    InteractionFactory(lead=lead, staff=manager, summary="Asked about the Tudor")
    FollowUpTaskFactory(lead=lead, assignee=manager, title="Call back on Friday")
    client.force_login(manager)
    # when
    response = client.get(url("lead-detail", lead))
    # then
    assert response.status_code == 200
    assert response.context["lead"] == lead
    assert response.context["can_convert"] is True
    assert "Asked about the Tudor" in response.text
    assert "Call back on Friday" in response.text
    assert url("lead-convert", lead) in response.text
    assert AccessLog.objects.count() == 0  # a lead is not a customer record


def test_detail_shows_a_colleague_no_edit_or_convert_button(client, colleague, lead):
    # given
    client.force_login(colleague)
    # when
    response = client.get(url("lead-detail", lead))
    # then
    assert response.status_code == 200
    assert response.context["can_convert"] is False
    assert url("lead-convert", lead) not in response.text
    assert url("lead-update", lead) not in response.text


@pytest.mark.parametrize("missing", [False, True])
def test_detail_is_the_same_404_for_another_stores_manager_and_a_missing_lead(client, other_manager, lead, missing):
    # given
    client.force_login(other_manager)
    # when
    response = client.get(reverse("customers:lead-detail", kwargs={"pk": lead.pk + (1000 if missing else 0)}))
    # then
    assert response.status_code == 404
    assert "Lam Ka Ho" not in response.text


def test_detail_query_count_does_not_grow_with_the_history(client, django_assert_num_queries, manager, lead):
    # given
    client.force_login(manager)
    InteractionFactory(lead=lead, staff=manager)
    with CaptureQueriesContext(connection) as few:
        client.get(url("lead-detail", lead))
    for _ in range(10):
        InteractionFactory(lead=lead, staff=AccountManagerFactory(stores=[lead.store]))
        FollowUpTaskFactory(lead=lead, assignee=AccountManagerFactory(stores=[lead.store]))
    # when / then: session, user, permission lookups (2), roles, lead with its store, owner,
    # referrer and customer, can-edit, interactions with staff, tasks with assignees
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(url("lead-detail", lead))
    assert len(response.context["interactions"]) == 11
    assert len(few.captured_queries) == DETAIL_QUERIES


# --- update and status ------------------------------------------------------------------


def test_update_saves_the_lead(client, manager, lead, central):
    # given
    client.force_login(manager)
    # when
    response = client.post(
        url("lead-update", lead), lead_form(store=central.pk, owner=manager.pk, source="event", interest="GMT")
    )
    # then
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.interest, lead.name_zh) == ("GMT", "林家豪")


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague"])
def test_update_is_404_for_who_may_not_edit_and_changes_nothing(client, request, lead, central, user_fixture):
    # given another store's manager, or a colleague (the lead is manager's)
    client.force_login(request.getfixturevalue(user_fixture))
    before = lead_row(lead)
    # when
    page = client.get(url("lead-update", lead))
    response = client.post(url("lead-update", lead), lead_form(store=central.pk, name_en="Changed"))
    # then
    assert (page.status_code, response.status_code) == (404, 404)
    assert lead_row(lead) == before


def test_status_buttons_set_the_status(client, manager, lead):
    # given
    client.force_login(manager)
    # when
    response = client.post(url("lead-set-status", lead), {"status": "qualified"})
    # then
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.QUALIFIED


def test_status_cannot_be_set_to_converted_by_hand(client, manager, lead):
    # given
    client.force_login(manager)
    # when
    response = client.post(url("lead-set-status", lead), {"status": "converted"})
    # then
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_status_is_404_for_another_stores_manager_and_changes_nothing(client, other_manager, lead):
    # given
    client.force_login(other_manager)
    before = lead_row(lead)
    # when
    response = client.post(url("lead-set-status", lead), {"status": "lost"})
    # then
    assert response.status_code == 404
    assert lead_row(lead) == before


# --- interactions ---------------------------------------------------------------------


def test_interaction_create_logs_it_with_a_follow_up_task(client, manager, lead):
    # given
    client.force_login(manager)
    due = timezone.localdate() + datetime.timedelta(days=3)
    when = timezone.localtime() - datetime.timedelta(hours=1)
    # when
    response = client.post(
        url("lead-interaction-create", lead),
        {
            "kind": "call",
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
            "summary": "Wants the 39 mm",
            "outcome": "positive",
            "follow_up_title": "Call when it arrives",
            "follow_up_due_on": due.isoformat(),
            "follow_up_assignee": manager.pk,
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url()
    interaction = Interaction.objects.get()
    task = FollowUpTask.objects.get()
    assert (interaction.lead, interaction.customer, interaction.summary) == (lead, None, "Wants the 39 mm")
    assert (task.lead, task.interaction, task.due_on, task.assignee) == (lead, interaction, due, manager)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONTACTED


def test_interaction_create_with_a_refused_follow_up_writes_neither(client, manager, lead):
    # given a follow-up due yesterday
    client.force_login(manager)
    # when
    response = client.post(
        url("lead-interaction-create", lead),
        {
            "kind": "call",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Wants the 39 mm",
            "follow_up_title": "Too late",
            "follow_up_due_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "follow_up_assignee": manager.pk,
        },
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["follow_up_due_on"]
    assert Interaction.objects.count() == 0
    assert FollowUpTask.objects.count() == 0
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_interaction_create_is_404_for_another_stores_manager_and_writes_nothing(client, other_manager, lead):
    # given
    client.force_login(other_manager)
    # when
    response = client.post(
        url("lead-interaction-create", lead),
        {"kind": "call", "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "summary": "x"},
    )
    # then
    assert response.status_code == 404
    assert Interaction.objects.count() == 0


# --- convert ---------------------------------------------------------------------------


def test_convert_page_prefills_the_customer(client, manager, lead):
    # given
    client.force_login(manager)
    # when
    response = client.get(url("lead-convert", lead))
    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["name_en"] == "Lam Ka Ho"
    assert form.initial["mobile_phone"] == "+85261234567"
    assert form.initial["home_store"] == lead.store_id
    assert form.initial["account_manager"] == manager.pk
    assert not response.context["duplicates"]


def test_convert_creates_the_customer_and_redirects_to_them(client, manager, lead):
    # given
    InteractionFactory.create_batch(2, lead=lead)
    client.force_login(manager)
    # when
    response = client.post(url("lead-convert", lead), convert_form(lead))
    # then
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert customer.preferred_channel == "whatsapp"
    assert Interaction.objects.filter(customer=customer).count() == 2
    assert Lead.objects.get(pk=lead.pk).converted_customer == customer
    assert AccessLog.objects.filter(customer=customer, action=AccessLog.Action.CREATE).count() == 1


def test_convert_page_shows_the_duplicate_and_refuses_a_new_customer(client, manager, lead, central):
    # given a customer with the lead's e-mail in manager's book
    existing = CustomerFactory(
        home_store=central, account_manager=manager, name_en="Lam K. H.", email="ka.ho@example.com"
    )
    client.force_login(manager)
    # when
    page = client.get(url("lead-convert", lead))
    response = client.post(url("lead-convert", lead), convert_form(lead))
    # then
    assert list(page.context["duplicates"].visible) == [existing]
    assert "Lam K. H." in page.text
    assert response.status_code == 200
    assert "duplicate check" in " ".join(response.context["form"].non_field_errors())
    assert Customer.objects.count() == 1
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_convert_links_the_lead_to_the_duplicate(client, manager, lead, central):
    # given
    existing = CustomerFactory(home_store=central, account_manager=manager, email="ka.ho@example.com")
    FollowUpTaskFactory(lead=lead, assignee=manager)
    client.force_login(manager)
    # when: the customer fields are disabled on the page, so only the choice is posted
    response = client.post(url("lead-convert", lead), {"link_existing_customer": existing.pk})
    # then
    assert response.status_code == 302
    assert response["Location"] == existing.get_absolute_url()
    assert Customer.objects.count() == 1
    assert FollowUpTask.objects.get().customer == existing
    assert Lead.objects.get(pk=lead.pk).converted_customer == existing


@pytest.mark.parametrize("user_fixture", ["other_manager", "colleague", "privacy_officer"])
def test_convert_is_404_for_who_may_not_convert_and_changes_nothing(client, request, lead, user_fixture):
    # given another store's manager, a colleague, or a privacy officer (no change_lead)
    InteractionFactory(lead=lead)
    client.force_login(request.getfixturevalue(user_fixture))
    before = lead_row(lead)
    # when
    page = client.get(url("lead-convert", lead))
    response = client.post(url("lead-convert", lead), convert_form(lead))
    # then
    assert (page.status_code, response.status_code) == (404, 404)
    assert lead_row(lead) == before
    assert Customer.objects.count() == 0
    assert Interaction.objects.filter(lead=lead).count() == 1


def test_convert_of_a_converted_lead_goes_back_to_the_lead(client, manager, lead):
    # given
    client.force_login(manager)
    client.post(url("lead-convert", lead), convert_form(lead))
    # when
    page = client.get(url("lead-convert", lead))
    again = client.post(url("lead-convert", lead), convert_form(lead))
    # then
    assert page.status_code == 302
    assert page["Location"] == lead.get_absolute_url()
    assert again.status_code == 200
    assert Customer.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, lead):
    # given / when
    responses = [client.get(url(name, lead)) for name in ("lead-detail", "lead-convert", "lead-update")]
    # then
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert all(r["Location"].startswith("/login/?next=") for r in responses)
