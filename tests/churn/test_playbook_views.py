"""The playbook pages: who may open them, what they change, what they cost in queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from churn.models import Playbook, RemedyAction
from tests.factories import CustomerFactory, PlaybookFactory, PurchaseFactory, RemedyActionFactory

MY_REMEDIES = reverse("churn:my-remedies")
PLAYBOOKS = reverse("churn:playbook-list")
CREATE = reverse("churn:playbook-create")


def outcome_url(action):
    return reverse("churn:remedy-outcome", kwargs={"pk": action.pk})


def report_url(playbook):
    return reverse("churn:playbook-report", kwargs={"pk": playbook.pk})


@pytest.fixture
def action(customer, manager):
    return RemedyActionFactory(customer=customer, owner=manager)


# --- My remedies ----------------------------------------------------------------------------------------


def test_my_remedies_lists_the_users_open_actions_only(client, manager, colleague, action, central):
    # given a colleague's action, a control-group member of mine and a done action of mine
    RemedyActionFactory(customer=CustomerFactory(home_store=central, account_manager=colleague), owner=colleague)
    RemedyActionFactory(customer=CustomerFactory(home_store=central, account_manager=manager), group="control")
    done = RemedyActionFactory(customer=CustomerFactory(home_store=central, account_manager=manager), outcome="done")
    client.force_login(manager)
    # when / then
    response = client.get(MY_REMEDIES)
    assert response.status_code == 200
    assert [a.pk for a in response.context["actions"]] == [action.pk]
    assert "Chan Tai Man" in response.content.decode()
    assert {a.pk for a in client.get(MY_REMEDIES, {"show": "all"}).context["actions"]} == {action.pk, done.pk}


def test_my_remedies_costs_the_same_queries_for_many_rows(client, manager, action, central, django_assert_num_queries):
    client.force_login(manager)
    client.get(MY_REMEDIES)
    for _ in range(10):
        RemedyActionFactory(customer=CustomerFactory(home_store=central, account_manager=manager), owner=manager)
    # session, user, roles/permissions (2), user's stores, count, page
    with django_assert_num_queries(7):
        response = client.get(MY_REMEDIES)
    assert len(response.context["actions"]) == 11


def test_my_remedies_is_not_for_users_without_the_permission(client, db, action):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(MY_REMEDIES).status_code == 404


# --- recording an outcome ---------------------------------------------------------------------------------


def test_the_owner_records_an_outcome(client, manager, action):
    client.force_login(manager)
    assert client.get(outcome_url(action)).status_code == 200
    response = client.post(outcome_url(action), {"outcome": "no_answer", "note": "Voicemail"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.outcome, action.outcome_note, action.outcome_by) == ("no_answer", "Voicemail", manager)


def test_another_stores_manager_cannot_record_an_outcome(client, other_manager, action):
    client.force_login(other_manager)
    assert client.get(outcome_url(action)).status_code == 404
    assert client.post(outcome_url(action), {"outcome": "won_back"}).status_code == 404
    action.refresh_from_db()
    assert action.outcome == "open"
    assert action.outcome_by is None


def test_no_outcome_page_for_a_control_group_member(client, manager, customer):
    control = RemedyActionFactory(customer=customer, group="control", owner=None)
    client.force_login(manager)
    assert client.post(outcome_url(control), {"outcome": "done"}).status_code == 404
    control.refresh_from_db()
    assert control.outcome == "open"


def test_the_customer_page_shows_the_remedies_panel(client, manager, action, customer):
    client.force_login(manager)
    response = client.get(customer.get_absolute_url())
    body = response.content.decode()
    assert 'data-testid="remedies-panel"' in body
    assert outcome_url(action) in body


# --- playbooks --------------------------------------------------------------------------------------------


def test_supervisors_see_the_playbooks_in_constant_queries(client, supervisor, django_assert_num_queries):
    PlaybookFactory()
    client.force_login(supervisor)
    client.get(PLAYBOOKS)
    PlaybookFactory.create_batch(5)
    # session, user, permissions (2), the user's roles (navigation), playbooks with their counts
    with django_assert_num_queries(6):
        response = client.get(PLAYBOOKS)
    assert response.status_code == 200
    assert len(response.context["playbooks"]) == 6


def test_account_managers_do_not_see_playbooks(client, manager):
    playbook = PlaybookFactory()
    client.force_login(manager)
    assert client.get(PLAYBOOKS).status_code == 404
    assert client.get(report_url(playbook)).status_code == 404


def test_the_report_shows_treated_against_control(client, supervisor, central, django_assert_num_queries):
    day = timezone.localdate() - datetime.timedelta(days=100)
    playbook = PlaybookFactory(win_window_days=60)
    for i in range(4):
        treated = RemedyActionFactory(playbook=playbook, customer=CustomerFactory(home_store=central), assigned_on=day)
        RemedyActionFactory(
            playbook=playbook, customer=CustomerFactory(home_store=central), assigned_on=day, group="control"
        )
        if i < 2:
            PurchaseFactory(customer=treated.customer, purchased_on=day + datetime.timedelta(days=5), total=1000)
    client.force_login(supervisor)
    # session, user, permissions (2), the user's roles (navigation), playbook, the arms, the outcomes
    with django_assert_num_queries(8):
        response = client.get(report_url(playbook))
    report = response.context["report"]
    assert (report["treated"].won_back, report["control"].won_back) == (2, 0)
    body = response.content.decode()
    assert "95 % confidence interval" in body
    assert "normal approximation" in body


def test_an_admin_creates_and_changes_a_playbook(client, admin_user):
    client.force_login(admin_user)
    data = {
        "name": "Lost VIPs: private viewing",
        "is_active": "on",
        "band": "lost",
        "kind": "private_viewing",
        "channel": "phone",
        "subject_class": "new_releases",
        "due_in_days": "10",
        "estimated_cost": "500",
        "cap_days": "180",
        "control_share": "0.25",
        "win_window_days": "90",
    }
    response = client.post(CREATE, data)
    assert response.status_code == 302
    playbook = Playbook.objects.get()
    assert (playbook.band, playbook.control_share, playbook.estimated_cost) == ("lost", Decimal("0.25"), 500)
    url = reverse("churn:playbook-update", kwargs={"pk": playbook.pk})
    assert client.post(url, {**data, "control_share": "0.1"}).status_code == 302
    playbook.refresh_from_db()
    assert playbook.control_share == Decimal("0.1")


def test_a_contact_remedy_needs_a_channel(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        CREATE,
        {
            "name": "Vouchers",
            "band": "high",
            "kind": "voucher",
            "due_in_days": "10",
            "estimated_cost": "500",
            "cap_days": "90",
            "control_share": "0.2",
            "win_window_days": "90",
        },
    )
    assert response.status_code == 200
    assert "choose the channel" in response.content.decode()
    assert not Playbook.objects.exists()


def test_supervisors_cannot_create_or_change_playbooks(client, supervisor):
    playbook = PlaybookFactory(name="Keep")
    client.force_login(supervisor)
    assert client.post(CREATE, {"name": "New", "band": "high", "kind": "service_check"}).status_code == 404
    url = reverse("churn:playbook-update", kwargs={"pk": playbook.pk})
    assert client.post(url, {"name": "Changed"}).status_code == 404
    assert list(Playbook.objects.values_list("name", flat=True)) == ["Keep"]
    assert not RemedyAction.objects.exists()
