"""Reads of leads: who sees and edits which lead, search and filters, the funnel, referrals, duplicates."""

import datetime

import pytest
from django.utils import timezone

from crm_site import roles
from customers.models import Lead
from customers.selectors import leads as selectors
from tests.factories import CustomerFactory, LeadFactory, UserFactory


@pytest.fixture
def central_lead(central, manager):
    return LeadFactory(store=central, owner=manager, name_en="Lam Ka Ho", name_zh="林家豪", mobile_phone="+85261234567")


@pytest.fixture
def colleague_lead(central, colleague):
    return LeadFactory(store=central, owner=colleague, name_en="Wong Siu Ming")


@pytest.fixture
def unowned_lead(central):
    return LeadFactory(store=central, owner=None, name_en="Walk-in without owner")


@pytest.fixture
def tst_lead(tst, other_manager):
    return LeadFactory(store=tst, owner=other_manager, name_en="Ho Wing Kei", email="wing.kei@example.com")


@pytest.fixture
def all_leads(central_lead, colleague_lead, unowned_lead, tst_lead):
    return [central_lead, colleague_lead, unowned_lead, tst_lead]


# --- visibility ---------------------------------------------------------------------


def test_an_account_manager_sees_their_stores_leads_only(
    manager, all_leads, central_lead, colleague_lead, unowned_lead
):
    # given / when
    visible = set(selectors.lead_visible_to(manager))
    # then
    assert visible == {central_lead, colleague_lead, unowned_lead}


def test_another_stores_lead_is_never_listed(other_manager, all_leads, tst_lead):
    # given / when
    listed = list(selectors.lead_list_for_user(user=other_manager))
    searched = list(selectors.lead_list_for_user(user=other_manager, search="Lam Ka Ho"))
    # then
    assert listed == [tst_lead]
    assert searched == []


def test_a_supervisor_sees_their_stores_leads(supervisor, all_leads, tst_lead):
    # given / when
    visible = set(selectors.lead_visible_to(supervisor))
    # then
    assert visible == set(all_leads) - {tst_lead}


@pytest.mark.parametrize("user_fixture", ["admin_user", "privacy_officer"])
def test_admins_and_privacy_officers_see_every_lead(request, all_leads, user_fixture):
    # given
    user = request.getfixturevalue(user_fixture)
    # when
    visible = set(selectors.lead_visible_to(user))
    # then
    assert visible == set(all_leads)


def test_staff_without_a_role_see_no_lead(central, all_leads):
    # given
    nobody = UserFactory(username="no-role", stores=[central])
    # when / then
    assert list(selectors.lead_visible_to(nobody)) == []
    assert list(selectors.lead_editable_by(nobody)) == []


def test_an_account_manager_edits_their_own_and_unowned_leads(manager, all_leads, central_lead, unowned_lead):
    # given / when
    editable = set(selectors.lead_editable_by(manager))
    # then
    assert editable == {central_lead, unowned_lead}


def test_a_supervisor_edits_every_lead_of_their_stores(supervisor, all_leads, tst_lead):
    # given / when
    editable = set(selectors.lead_editable_by(supervisor))
    # then
    assert editable == set(all_leads) - {tst_lead}


def test_lead_get_for_user_is_the_same_404_for_missing_and_forbidden(manager, tst_lead):
    # given
    from django.http import Http404

    # when / then
    with pytest.raises(Http404):
        selectors.lead_get_for_user(user=manager, pk=tst_lead.pk)
    with pytest.raises(Http404):
        selectors.lead_get_for_user(user=manager, pk=tst_lead.pk + 1000)


def test_lead_can_convert_needs_edit_rights_and_an_open_lead(manager, colleague, central_lead):
    # given / when / then
    assert selectors.lead_can_convert(user=manager, lead=central_lead) is True
    assert selectors.lead_can_convert(user=colleague, lead=central_lead) is False
    central_lead.status = Lead.Status.CONVERTED
    assert selectors.lead_can_convert(user=manager, lead=central_lead) is False


# --- search and filters ---------------------------------------------------------------


@pytest.mark.parametrize("term", ["lam ka", "家豪", "6123 4567", "+852 6123-4567", "61234567"])
def test_list_searches_names_and_phone_in_any_format(supervisor, all_leads, central_lead, term):
    # given / when
    found = list(selectors.lead_list_for_user(user=supervisor, search=term))
    # then
    assert found == [central_lead]


def test_list_filters_by_status_and_source(supervisor, central, all_leads):
    # given
    lost_event = LeadFactory(store=central, status=Lead.Status.LOST, source=Lead.Source.EVENT)
    LeadFactory(store=central, status=Lead.Status.LOST, source=Lead.Source.ONLINE)
    # when
    found = list(selectors.lead_list_for_user(user=supervisor, status="lost", source="event"))
    # then
    assert found == [lost_event]


# --- funnel ---------------------------------------------------------------------------


def make_funnel(store):
    """Referrals: 3, one converted; walk-ins: 2, one lost; online: 1 new."""
    referrer = CustomerFactory(home_store=store)
    for status in (Lead.Status.NEW, Lead.Status.QUALIFIED):
        LeadFactory(store=store, source=Lead.Source.REFERRAL, referred_by=referrer, status=status)
    converted = LeadFactory(store=store, source=Lead.Source.REFERRAL, referred_by=referrer)
    Lead.objects.filter(pk=converted.pk).update(
        status=Lead.Status.CONVERTED, converted_customer=CustomerFactory(home_store=store), converted_at=timezone.now()
    )
    LeadFactory(store=store, source=Lead.Source.WALK_IN, status=Lead.Status.CONTACTED)
    LeadFactory(store=store, source=Lead.Source.WALK_IN, status=Lead.Status.LOST)
    LeadFactory(store=store, source=Lead.Source.ONLINE, status=Lead.Status.NEW)


def test_funnel_counts_by_status_and_source_with_conversion_rates(manager, central, tst):
    # given the funnel at Central, and leads of another store that must not count
    make_funnel(central)
    LeadFactory.create_batch(4, store=tst, source=Lead.Source.REFERRAL)
    roles.user_roles(manager)  # the role lookup is cached per request
    # when
    funnel = selectors.lead_funnel(user=manager)
    # then
    assert funnel["total"] == 6
    assert funnel["converted"] == 1
    assert funnel["conversion_rate"] == pytest.approx(1 / 6)
    assert funnel["by_status"] == {"new": 2, "contacted": 1, "qualified": 1, "converted": 1, "lost": 1}
    assert funnel["by_source"]["referral"] == {"total": 3, "converted": 1, "rate": pytest.approx(1 / 3)}
    assert funnel["by_source"]["walk_in"] == {"total": 2, "converted": 0, "rate": 0.0}
    assert funnel["by_source"]["partner"] == {"total": 0, "converted": 0, "rate": None}
    assert [row["value"] for row in funnel["status_rows"]] == Lead.Status.values
    assert [row["value"] for row in funnel["source_rows"]] == Lead.Source.values


def test_funnel_is_one_query(django_assert_num_queries, manager, central):
    # given
    make_funnel(central)
    roles.user_roles(manager)
    # when / then
    with django_assert_num_queries(1):
        selectors.lead_funnel(user=manager)


def test_funnel_since_counts_only_newer_leads(supervisor, central):
    # given a lead from last month and one from today
    old = LeadFactory(store=central)
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    LeadFactory(store=central)
    # when
    funnel = selectors.lead_funnel(user=supervisor, since=timezone.localdate() - datetime.timedelta(days=30))
    # then
    assert funnel["total"] == 1


def test_funnel_without_leads_has_no_rate(manager):
    # given / when
    funnel = selectors.lead_funnel(user=manager)
    # then
    assert funnel["total"] == 0
    assert funnel["conversion_rate"] is None


# --- referrals by customer ---------------------------------------------------------------


def test_referrals_by_customer_lists_their_leads_and_whether_they_converted(
    django_assert_num_queries, central, tst, manager
):
    # given
    referrer = CustomerFactory(home_store=central, account_manager=manager)
    open_lead = LeadFactory(store=central, source=Lead.Source.REFERRAL, referred_by=referrer)
    won = LeadFactory(store=central, source=Lead.Source.REFERRAL, referred_by=referrer)
    became = CustomerFactory(home_store=central)
    Lead.objects.filter(pk=won.pk).update(
        status=Lead.Status.CONVERTED, converted_customer=became, converted_at=timezone.now()
    )
    elsewhere = LeadFactory(store=tst, source=Lead.Source.REFERRAL, referred_by=referrer)
    LeadFactory(store=central, source=Lead.Source.WALK_IN)  # referred by nobody
    # when
    with django_assert_num_queries(1):
        rows = [
            (lead, lead.status, lead.converted_customer) for lead in selectors.referrals_by_customer(customer=referrer)
        ]
    roles.user_roles(manager)
    with django_assert_num_queries(1):
        scoped = list(selectors.referrals_by_customer(customer=referrer, user=manager))
    # then
    assert {row[0] for row in rows} == {open_lead, won, elsewhere}
    assert (won, Lead.Status.CONVERTED, became) in rows
    assert (open_lead, Lead.Status.NEW, None) in rows
    assert set(scoped) == {open_lead, won}


# --- conversion helpers ---------------------------------------------------------------------


def test_customer_initial_maps_the_lead(central_lead, manager, central):
    # given
    central_lead.source = Lead.Source.PARTNER
    central_lead.interest = "Grand Seiko Snowflake"
    # when
    initial = selectors.lead_customer_initial(lead=central_lead)
    # then
    assert initial["account_manager"] == manager
    assert initial["home_store"] == central
    assert initial["acquisition_source"] == "other"
    assert initial["notes"] == "Interested in: Grand Seiko Snowflake"


def test_duplicates_split_what_the_user_may_see_and_link(manager, colleague, central, tst):
    # given three customers with the same phone: manager's, a colleague's, and one at another store
    mine = CustomerFactory(home_store=central, account_manager=manager, mobile_phone="+85261234567")
    theirs = CustomerFactory(home_store=central, account_manager=colleague, email="x@example.com")
    CustomerFactory(home_store=tst, mobile_phone="+85261234567")
    # when
    found = selectors.lead_duplicates_for_user(user=manager, mobile_phone="+85261234567", email="X@example.com")
    # then
    assert set(found.visible) == {mine, theirs}
    assert found.linkable_ids == {mine.pk}
    assert found.hidden_count == 1
    assert found.matched_on == {mine.pk: ["phone"], theirs.pk: ["email"]}
    assert bool(found) is True
    assert bool(selectors.lead_duplicates_for_user(user=manager)) is False
