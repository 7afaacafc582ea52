"""The interaction and task pages: who gets what, what each request writes, and what it costs."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import FollowUpTask, Interaction
from privacy.models import AccessLog
from tests.factories import CustomerFactory, FollowUpTaskFactory, InteractionFactory, LeadFactory, UserFactory

MY_TASKS_URL = reverse("customers:my-tasks")
HTMX = {"HX-Request": "true"}
TODAY = timezone.localdate()


def interaction_url(customer):
    return reverse("customers:interaction-create", kwargs={"customer_pk": customer.pk})


def task_create_url(customer):
    return reverse("customers:task-create", kwargs={"customer_pk": customer.pk})


def complete_url(task):
    return reverse("customers:task-complete", kwargs={"pk": task.pk})


def cancel_url(task):
    return reverse("customers:task-cancel", kwargs={"pk": task.pk})


def interaction_data(**overrides) -> dict:
    when = timezone.localtime() - timedelta(hours=1)
    data = {
        "kind": "visit",
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "summary": "Tried on a Submariner",
        "outcome": "positive",
        "follow_up_title": "",
        "follow_up_due_on": "",
        "follow_up_assignee": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei", name_zh="何永基")


@pytest.fixture
def colleague_customer(central, colleague):
    return CustomerFactory(home_store=central, account_manager=colleague, name_en="Wong Siu Ming")


@pytest.fixture
def task(customer, manager):
    return FollowUpTaskFactory(customer=customer, assignee=manager, title="Call about the strap")


def task_state(task) -> tuple:
    return FollowUpTask.objects.filter(pk=task.pk).values_list("status", "completed_at", "assignee_id").get()


# --- interaction-create --------------------------------------------------------------


def test_interaction_page_shows_the_form_and_logs_the_read(client, manager, customer):
    # given
    InteractionFactory(customer=customer, staff=manager, summary="Earlier call")
    client.force_login(manager)
    # when
    response = client.get(interaction_url(customer))
    # then
    assert response.status_code == 200
    assert 'name="summary"' in response.text
    assert "Earlier call" in response.text
    assert list(AccessLog.objects.values_list("customer_id", "action")) == [(customer.pk, AccessLog.Action.VIEW)]


def test_interaction_post_without_javascript_logs_and_redirects(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(interaction_url(customer), interaction_data())
    # then
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url() + "#interactions"
    interaction = Interaction.objects.get()
    assert (interaction.customer, interaction.staff, interaction.summary) == (
        customer,
        manager,
        "Tried on a Submariner",
    )


def test_interaction_post_with_htmx_returns_the_panel(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(interaction_url(customer), interaction_data(), headers=HTMX)
    # then
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="interactions"' in response.text
    assert "Interaction logged." in response.text
    assert "Tried on a Submariner" in response.text
    assert Interaction.objects.count() == 1


def test_interaction_post_with_a_follow_up_creates_the_task(client, colleague, customer, manager):
    # given: the colleague logs a walk-in of manager's client
    client.force_login(colleague)
    due = TODAY + timedelta(days=2)
    # when
    response = client.post(
        interaction_url(customer),
        interaction_data(follow_up_title="Call when the strap arrives", follow_up_due_on=due.isoformat()),
        headers=HTMX,
    )
    # then
    assert response.status_code == 200
    task = FollowUpTask.objects.get()
    assert (task.title, task.due_on, task.assignee, task.interaction) == (
        "Call when the strap arrives",
        due,
        manager,
        Interaction.objects.get(),
    )


def test_interaction_refusal_comes_back_in_the_panel_and_writes_nothing(client, manager, customer):
    # given
    client.force_login(manager)
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    # when
    response = client.post(interaction_url(customer), interaction_data(occurred_at=future), headers=HTMX)
    # then
    assert response.status_code == 200
    assert "An interaction is logged once it has happened" in response.text
    assert Interaction.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_interaction_refusal_without_javascript_shows_the_page(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(interaction_url(customer), interaction_data(summary=""))
    # then
    assert response.status_code == 200
    assert "<html" in response.text
    assert "This field is required." in response.text
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize("who", ["other_manager", "privacy_officer"])
def test_interaction_is_404_for_another_store_or_without_permission(request, client, customer, who):
    # given
    client.force_login(request.getfixturevalue(who))
    # when
    get = client.get(interaction_url(customer))
    post = client.post(interaction_url(customer), interaction_data(), headers=HTMX)
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert "Chan Tai Man" not in post.text
    assert Interaction.objects.count() == 0
    assert AccessLog.objects.count() == 0


# --- task-create ----------------------------------------------------------------------


def test_task_create_adds_the_task(client, manager, customer):
    # given
    client.force_login(manager)
    due = TODAY + timedelta(days=7)
    # when
    form = client.get(task_create_url(customer))
    response = client.post(task_create_url(customer), {"title": "Birthday card", "due_on": due.isoformat()})
    # then
    assert form.status_code == 200
    assert response.status_code == 302
    task = FollowUpTask.objects.get()
    assert (task.customer, task.title, task.due_on, task.assignee) == (customer, "Birthday card", due, manager)


def test_task_create_shows_a_past_due_date_as_an_error(client, manager, customer):
    # given
    client.force_login(manager)
    # when
    response = client.post(
        task_create_url(customer), {"title": "Card", "due_on": (TODAY - timedelta(days=1)).isoformat()}
    )
    # then
    assert response.status_code == 200
    assert "The due date is in the past" in response.text
    assert FollowUpTask.objects.count() == 0


@pytest.mark.parametrize("who", ["other_manager", "colleague", "privacy_officer"])
def test_task_create_is_404_for_whoever_may_not_edit_the_customer(request, client, customer, who):
    # given
    client.force_login(request.getfixturevalue(who))
    data = {"title": "Card", "due_on": (TODAY + timedelta(days=1)).isoformat()}
    # when
    get = client.get(task_create_url(customer))
    post = client.post(task_create_url(customer), data)
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert FollowUpTask.objects.count() == 0


# --- task-complete and task-cancel --------------------------------------------------------


def test_complete_with_htmx_answers_an_empty_row(client, manager, task):
    # given
    client.force_login(manager)
    # when
    response = client.post(complete_url(task), headers=HTMX)
    # then
    assert response.status_code == 200
    assert response.content == b""
    assert task_state(task)[0] == FollowUpTask.Status.DONE


def test_complete_without_javascript_goes_back(client, manager, task):
    # given
    client.force_login(manager)
    # when
    response = client.post(complete_url(task), {"next": MY_TASKS_URL})
    # then
    assert response.status_code == 302
    assert response["Location"] == MY_TASKS_URL
    assert task_state(task)[0] == FollowUpTask.Status.DONE


def test_complete_twice_shows_the_message_in_the_row(client, manager, task):
    # given
    client.force_login(manager)
    client.post(complete_url(task), headers=HTMX)
    done = task_state(task)
    # when
    response = client.post(complete_url(task), {"show_customer": "1"}, headers=HTMX)
    # then
    assert response.status_code == 200
    assert "This task is already done." in response.text
    assert "Chan Tai Man" in response.text
    assert task_state(task) == done


@pytest.mark.parametrize("url", [complete_url, cancel_url], ids=["complete", "cancel"])
@pytest.mark.parametrize("who", ["other_manager", "colleague", "privacy_officer"])
def test_closing_is_404_for_others_and_changes_nothing(request, client, task, url, who):
    # given: another store's manager, a colleague who is not the assignee, the privacy officer
    client.force_login(request.getfixturevalue(who))
    before = task_state(task)
    # when
    response = client.post(url(task), headers=HTMX)
    # then
    assert response.status_code == 404
    assert task_state(task) == before
    assert AccessLog.objects.count() == 0


def test_closing_answers_get_with_405(client, manager, task):
    # given
    client.force_login(manager)
    # when
    response = client.get(complete_url(task))
    # then
    assert response.status_code == 405
    assert task_state(task)[0] == FollowUpTask.Status.OPEN


def test_cancel_by_a_supervisor(client, supervisor, task):
    # given
    client.force_login(supervisor)
    # when
    response = client.post(cancel_url(task), headers=HTMX)
    # then
    assert response.status_code == 200
    assert task_state(task)[0] == FollowUpTask.Status.CANCELLED


def test_closing_a_missing_task_is_404(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.post(reverse("customers:task-complete", kwargs={"pk": 999_999}))
    # then
    assert response.status_code == 404


# --- my-tasks ------------------------------------------------------------------------


def test_my_tasks_lists_overdue_then_today_then_upcoming(client, manager, customer, tst_customer, colleague):
    # given
    FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TODAY + timedelta(days=2), title="Upcoming one")
    FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TODAY, title="Today one")
    FollowUpTaskFactory(customer=customer, assignee=manager, due_on=TODAY - timedelta(days=2), title="Late one")
    FollowUpTaskFactory(customer=tst_customer, assignee=manager, title="Other store")
    FollowUpTaskFactory(customer=customer, assignee=colleague, title="Colleague's")
    client.force_login(manager)
    # when
    response = client.get(MY_TASKS_URL)
    # then
    assert response.status_code == 200
    text = response.text
    assert [t.title for t in response.context["tasks"]] == ["Late one", "Today one", "Upcoming one"]
    assert text.index('data-testid="section-overdue"') < text.index('data-testid="section-today"')
    assert text.index('data-testid="section-today"') < text.index('data-testid="section-upcoming"')
    assert "list-group-item-danger" in text
    assert customer.get_absolute_url() in text
    assert "Other store" not in text
    assert "Ho Wing Kei" not in text
    assert "Colleague's" not in text
    assert 'href="/customers/tasks/?view=team"' not in text


def test_my_tasks_shows_a_leads_task(client, manager, central):
    # given
    FollowUpTaskFactory(lead=LeadFactory(store=central, name_en="Prospect Lam"), assignee=manager, title="Brochure")
    client.force_login(manager)
    # when
    response = client.get(MY_TASKS_URL)
    # then
    assert response.status_code == 200
    assert "Prospect Lam" in response.text


def test_my_tasks_gives_a_supervisor_the_team_tab_filtered_by_assignee(
    client, supervisor, manager, colleague, customer
):
    # given
    FollowUpTaskFactory(customer=customer, assignee=manager, title="Manager's task")
    FollowUpTaskFactory(customer=customer, assignee=colleague, title="Colleague's task")
    client.force_login(supervisor)
    # when
    team = client.get(MY_TASKS_URL, {"view": "team"})
    filtered = client.get(MY_TASKS_URL, {"view": "team", "assignee": colleague.pk})
    mine = client.get(MY_TASKS_URL)
    # then
    assert [t.title for t in team.context["tasks"]] == ["Manager's task", "Colleague's task"]
    assert [t.title for t in filtered.context["tasks"]] == ["Colleague's task"]
    assert list(mine.context["tasks"]) == []
    assert "No open tasks. Well done." in mine.text
    # supervisors may close their team's tasks
    assert f"/customers/tasks/{team.context['tasks'][0].pk}/complete/" in team.text


def test_my_tasks_ignores_the_team_view_for_an_account_manager(client, manager, colleague, customer):
    # given
    FollowUpTaskFactory(customer=customer, assignee=colleague, title="Colleague's task")
    client.force_login(manager)
    # when
    response = client.get(MY_TASKS_URL, {"view": "team"})
    # then
    assert response.status_code == 200
    assert list(response.context["tasks"]) == []
    assert "Colleague's task" not in response.text


def test_my_tasks_is_404_for_a_user_without_a_role(client, central, customer):
    # given
    nobody = UserFactory(username="no-role", stores=[central])
    client.force_login(nobody)
    # when
    response = client.get(MY_TASKS_URL)
    # then
    assert response.status_code == 404


def test_my_tasks_sends_anonymous_users_to_sign_in(client, db):
    # given / when
    response = client.get(MY_TASKS_URL)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={MY_TASKS_URL}"


# Measured, and constant in the number of tasks shown: session, user, permissions (2), roles,
# count, page of tasks; the team view adds the supervised stores and the assignee filter's choices.
MY_TASKS_QUERIES = 7
TEAM_TASKS_QUERIES = 9


@pytest.mark.parametrize("count", [3, 20])
def test_my_tasks_query_count_is_constant(client, django_assert_num_queries, manager, customer, central, count):
    # given
    for n in range(count):
        subject = {"customer": CustomerFactory(home_store=central)} if n % 3 else {"lead": LeadFactory(store=central)}
        FollowUpTaskFactory(assignee=manager, due_on=TODAY + timedelta(days=n - 5), **subject)
    client.force_login(manager)
    # when
    with django_assert_num_queries(MY_TASKS_QUERIES):
        response = client.get(MY_TASKS_URL)
    # then
    assert len(response.context["tasks"]) == count


@pytest.mark.parametrize("count", [3, 20])
def test_team_tasks_query_count_is_constant(
    client, django_assert_num_queries, supervisor, manager, colleague, central, count
):
    # given
    for n in range(count):
        FollowUpTaskFactory(customer=CustomerFactory(home_store=central), assignee=manager if n % 2 else colleague)
    client.force_login(supervisor)
    # when
    with django_assert_num_queries(TEAM_TASKS_QUERIES):
        response = client.get(MY_TASKS_URL, {"view": "team"})
    # then
    assert len(response.context["tasks"]) == count
