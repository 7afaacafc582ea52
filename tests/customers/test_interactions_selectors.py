"""Reading interactions and tasks: "my tasks" order and flags, visibility, the panel and the timeline."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from crm_site import roles
from customers.models import FollowUpTask, Interaction
from customers.selectors import interactions as selectors
from customers.selectors.timeline import customer_timeline
from tests.factories import CustomerFactory, FollowUpTaskFactory, InteractionFactory, LeadFactory, SupervisorFactory

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei")


# --- my_tasks -----------------------------------------------------------------------


def test_my_tasks_are_open_ones_by_due_date_flagged_overdue_and_today(manager, colleague, customer):
    # given
    upcoming = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TOMORROW)
    today = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TODAY)
    overdue = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=YESTERDAY - timedelta(days=5))
    FollowUpTaskFactory(
        customer=customer, assignee=manager, due_on=YESTERDAY, status="done", completed_at=timezone.now()
    )
    FollowUpTaskFactory(customer=customer, assignee=manager, due_on=YESTERDAY, status="cancelled")
    FollowUpTaskFactory(customer=customer, assignee=colleague, due_on=YESTERDAY)
    # when
    rows = list(selectors.my_tasks(user=manager, today=TODAY))
    # then
    assert [(t, t.is_overdue, t.is_due_today, t.section) for t in rows] == [
        (overdue, True, False, "overdue"),
        (today, False, True, "today"),
        (upcoming, False, False, "upcoming"),
    ]


def test_my_tasks_follow_the_today_given(manager, customer):
    # given
    task = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TODAY)
    # when
    rows = list(selectors.my_tasks(user=manager, today=TOMORROW))
    # then
    assert [(t, t.is_overdue) for t in rows] == [(task, True)]


def test_my_tasks_never_show_another_stores_customer(manager, tst_customer, customer):
    # given: a task left assigned to manager on a customer manager can no longer see
    FollowUpTaskFactory(customer=tst_customer, assignee=manager, due_on=YESTERDAY)
    mine = FollowUpTaskFactory(customer=customer, assignee=manager)
    # when
    rows = list(selectors.my_tasks(user=manager))
    # then
    assert rows == [mine]


def test_my_tasks_include_leads_of_the_users_stores_only(manager, central, tst):
    # given
    central_lead_task = FollowUpTaskFactory(lead=LeadFactory(store=central), assignee=manager, due_on=TODAY)
    FollowUpTaskFactory(lead=LeadFactory(store=tst), assignee=manager, due_on=TODAY)
    # when
    rows = list(selectors.my_tasks(user=manager))
    # then
    assert rows == [central_lead_task]
    assert rows[0].customer is None
    assert rows[0].section == "today"


def test_my_tasks_take_one_query(django_assert_num_queries, manager, customer, central):
    # given
    for _ in range(3):
        FollowUpTaskFactory(customer=customer, assignee=manager)
        FollowUpTaskFactory(lead=LeadFactory(store=central), assignee=manager)
    roles.user_roles(manager)
    # when
    with django_assert_num_queries(1):
        names = [
            f"{t.customer.display_name} {t.customer.home_store.name}" if t.customer else str(t.lead)
            for t in selectors.my_tasks(user=manager)
        ]
    # then
    assert len(names) == 6


# --- team_tasks ---------------------------------------------------------------------


def test_team_tasks_are_the_open_tasks_of_the_supervisors_stores(
    supervisor, manager, colleague, customer, tst_customer
):
    # given
    mine = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TOMORROW)
    theirs = FollowUpTaskFactory(customer=customer, assignee=colleague, due_on=TODAY)
    FollowUpTaskFactory(customer=tst_customer, assignee=tst_customer.account_manager)
    FollowUpTaskFactory(customer=customer, assignee=manager, status="cancelled")
    # when
    everyone = list(selectors.team_tasks(user=supervisor))
    only_colleague = list(selectors.team_tasks(user=supervisor, assignee_id=colleague.pk))
    # then
    assert everyone == [theirs, mine]
    assert only_colleague == [theirs]


def test_team_tasks_are_none_for_an_account_manager(manager, colleague, customer):
    # given
    FollowUpTaskFactory(customer=customer, assignee=colleague)
    # when / then
    assert list(selectors.team_tasks(user=manager)) == []


def test_team_tasks_of_another_stores_supervisor_leave_central_out(tst, customer, manager):
    # given
    FollowUpTaskFactory(customer=customer, assignee=manager)
    tst_supervisor = SupervisorFactory(username="sup-tst", stores=[tst])
    # when / then
    assert list(selectors.team_tasks(user=tst_supervisor)) == []


# --- a customer's interactions and tasks ------------------------------------------------


def test_interactions_for_customer_newest_first_and_limited(customer, manager):
    # given
    now = timezone.now()
    old = InteractionFactory(customer=customer, staff=manager, occurred_at=now - timedelta(days=3))
    new = InteractionFactory(customer=customer, staff=manager, occurred_at=now - timedelta(hours=1))
    mid = InteractionFactory(customer=customer, staff=manager, occurred_at=now - timedelta(days=1))
    InteractionFactory(customer=CustomerFactory(home_store=customer.home_store))
    InteractionFactory(customer=None, lead=LeadFactory(store=customer.home_store))
    # when / then
    assert list(selectors.interactions_for_customer(customer=customer)) == [new, mid, old]
    assert list(selectors.interactions_for_customer(customer=customer, limit=2)) == [new, mid]


def test_tasks_for_customer_open_by_due_date_then_closed(customer, manager):
    # given
    later = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TOMORROW)
    done = FollowUpTaskFactory(
        customer=customer, assignee=manager, due_on=YESTERDAY, status="done", completed_at=timezone.now()
    )
    overdue = FollowUpTaskFactory(customer=customer, assignee=manager, due_on=YESTERDAY)
    # when
    rows = list(selectors.tasks_for_customer(customer=customer, today=TODAY))
    # then
    assert [(t, t.is_overdue) for t in rows] == [(overdue, True), (later, False), (done, False)]


def test_task_get_for_user_is_404_for_another_stores_task(manager, tst_customer):
    # given
    task = FollowUpTaskFactory(customer=tst_customer, assignee=tst_customer.account_manager)
    # when / then
    with pytest.raises(Http404):
        selectors.task_get_for_user(user=manager, pk=task.pk)


def test_task_assignees_for_an_account_manager_are_self_and_the_account_manager(manager, colleague, customer):
    # given: the colleague looks at manager's customer
    # when
    assignees = set(selectors.task_assignees_for_customer(customer=customer, user=colleague))
    # then
    assert assignees == {manager, colleague}


def test_task_assignees_for_a_supervisor_are_the_active_staff_of_the_store(
    supervisor, manager, colleague, other_manager, customer
):
    # given
    colleague.is_active = False
    colleague.save()
    # when
    assignees = set(selectors.task_assignees_for_customer(customer=customer, user=supervisor))
    # then
    assert assignees == {manager, supervisor}


# --- the panel ------------------------------------------------------------------------


def render_panel(user, customer):
    request = RequestFactory().get(customer.get_absolute_url())
    request.user = user
    panel = selectors.panel_context(customer=customer, user=user)
    return render_to_string(
        "customers/partials/interactions_panel.html", {"interactions_panel": panel}, request=request
    )


@pytest.mark.parametrize("rows", [3, 20])
def test_panel_query_count_is_constant(django_assert_num_queries, manager, colleague, customer, rows):
    # given
    for n in range(rows):
        InteractionFactory(customer=customer, staff=manager if n % 2 else colleague)
        FollowUpTaskFactory(customer=customer, assignee=manager if n % 2 else colleague, due_on=YESTERDAY)
    manager = type(manager).objects.get(pk=manager.pk)  # no cached permissions or roles
    # when: perms (2), roles (1), tasks (1), editable (1), interactions (1), assignee choices (1)
    with django_assert_num_queries(7):
        html = render_panel(manager, customer)
    # then
    assert html.count('data-testid="task"') == rows
    assert html.count('id="interaction-') == min(rows, selectors.PANEL_INTERACTIONS)
    assert html.count("list-group-item-danger") == rows


def test_panel_offers_done_only_on_tasks_the_user_may_close(manager, colleague, customer):
    # given
    mine = FollowUpTaskFactory(customer=customer, assignee=manager, title="Mine")
    FollowUpTaskFactory(customer=customer, assignee=colleague, title="Theirs")
    # when
    panel = selectors.panel_context(customer=customer, user=manager)
    html = render_panel(manager, customer)
    # then
    assert [(t.title, t.may_close) for t in panel["tasks"]] == [("Mine", True), ("Theirs", False)]
    assert html.count('name="next"') == 2  # the two forms (done, cancel) of one task
    assert f"/customers/tasks/{mine.pk}/complete/" in html
    assert panel["can_add_task"] is True
    assert panel["form"] is not None


def test_panel_of_a_colleagues_customer_logs_but_does_not_add_tasks(manager, central, colleague):
    # given
    theirs = CustomerFactory(home_store=central, account_manager=colleague)
    # when
    panel = selectors.panel_context(customer=theirs, user=manager)
    # then
    assert panel["form"] is not None
    assert panel["can_add_task"] is False


def test_panel_for_the_privacy_officer_shows_but_offers_nothing(privacy_officer, customer, manager):
    # given
    InteractionFactory(customer=customer, staff=manager, summary="Asked about a Tudor")
    # when
    panel = selectors.panel_context(customer=customer, user=privacy_officer)
    html = render_panel(privacy_officer, customer)
    # then
    assert (panel["form"], panel["can_add_task"]) == (None, False)
    assert "Asked about a Tudor" in html
    assert "Log an interaction" not in html


# --- the timeline ----------------------------------------------------------------------


def test_timeline_entries_take_two_queries_with_icons_and_badges(django_assert_num_queries, customer, manager):
    # given
    now = timezone.now()
    for kind in Interaction.Kind.values:
        InteractionFactory(customer=customer, staff=manager, kind=kind)
    FollowUpTaskFactory(customer=customer, assignee=manager, due_on=YESTERDAY, title="Late")
    FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TOMORROW, title="Soon")
    FollowUpTaskFactory(
        customer=customer, assignee=manager, due_on=YESTERDAY, title="Finished", status="done", completed_at=now
    )
    # when
    with django_assert_num_queries(2):
        entries = selectors.timeline_entries(customer=customer, limit=50)
    # then
    icons = {e.icon for e in entries if e.kind == "interaction"}
    assert icons == {"shop", "telephone", "envelope", "chat-dots", "calendar-event"}
    tasks = {e.title: e for e in entries if e.kind == "task"}
    assert {title: (e.icon, e.badge) for title, e in tasks.items()} == {
        "Late": ("check2-square", "Overdue"),
        "Soon": ("check2-square", ""),
        "Finished": ("check2-square", "Done"),
    }
    assert tasks["Finished"].when == now
    assert all(timezone.is_aware(e.when) for e in entries)


def test_timeline_entries_keep_the_newest_within_the_limit(customer, manager):
    # given
    now = timezone.now()
    old_task = FollowUpTaskFactory(customer=customer, assignee=manager)
    FollowUpTask.objects.filter(pk=old_task.pk).update(created_at=now - timedelta(days=30))
    FollowUpTaskFactory(customer=customer, assignee=manager, title="Recent")
    FollowUpTaskFactory(
        customer=customer,
        assignee=manager,
        title="Done just now",
        status="done",
        completed_at=now,
    )
    # when
    entries = selectors.timeline_entries(customer=customer, limit=2)
    # then
    assert sorted(e.title for e in entries if e.kind == "task") == ["Done just now", "Recent"]


def test_customer_timeline_merges_interactions_and_tasks(customer, manager):
    # given
    InteractionFactory(customer=customer, staff=manager, occurred_at=timezone.now() - timedelta(days=2))
    FollowUpTaskFactory(customer=customer, assignee=manager)
    # when
    kinds = [e.kind for e in customer_timeline(customer=customer) if e.kind in ("interaction", "task")]
    # then
    assert kinds == ["task", "interaction"]
