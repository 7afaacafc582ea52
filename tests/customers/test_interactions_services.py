"""Logging interactions and handling follow-up tasks: the rules, and that a refusal writes nothing."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from customers.models import FollowUpTask, Interaction
from customers.services import interactions as services
from privacy.models import AccessLog
from tests.factories import (
    AccountManagerFactory,
    CustomerFactory,
    FollowUpTaskFactory,
    LeadFactory,
    SupervisorFactory,
    UserFactory,
)


@pytest.fixture
def colleague_customer(central, colleague):
    return CustomerFactory(home_store=central, account_manager=colleague, name_en="Wong Siu Ming")


@pytest.fixture
def tst_customer(tst, other_manager):
    return CustomerFactory(home_store=tst, account_manager=other_manager, name_en="Ho Wing Kei")


@pytest.fixture
def an_hour_ago():
    return timezone.now() - timedelta(hours=1)


@pytest.fixture
def tomorrow():
    return timezone.localdate() + timedelta(days=1)


def log(by, customer, **kwargs):
    data = {"kind": Interaction.Kind.CALL, "occurred_at": timezone.now() - timedelta(minutes=5), "summary": "Called"}
    return services.interaction_log(by=by, customer_id=customer.pk, **{**data, **kwargs})


def nothing_written():
    return (Interaction.objects.count(), FollowUpTask.objects.count(), AccessLog.objects.count()) == (0, 0, 0)


# --- interaction_log -----------------------------------------------------------------


def test_log_records_the_interaction_by_the_user_and_an_edit_access(manager, customer, an_hour_ago):
    # given
    # when
    interaction = services.interaction_log(
        by=manager,
        customer_id=customer.pk,
        kind=Interaction.Kind.VISIT,
        occurred_at=an_hour_ago,
        summary="  Tried on a Speedmaster. ",
        outcome=Interaction.Outcome.POSITIVE,
    )
    # then
    interaction.refresh_from_db()
    assert (interaction.customer, interaction.staff, interaction.kind, interaction.occurred_at) == (
        customer,
        manager,
        Interaction.Kind.VISIT,
        an_hour_ago,
    )
    assert (interaction.summary, interaction.outcome) == ("Tried on a Speedmaster.", "positive")
    assert FollowUpTask.objects.count() == 0
    assert list(AccessLog.objects.values_list("user_id", "customer_id", "action")) == [
        (manager.pk, customer.pk, AccessLog.Action.EDIT)
    ]


def test_log_is_allowed_on_a_colleagues_customer_of_the_same_store(manager, colleague_customer):
    # given: a colleague's client walked in
    # when
    interaction = log(manager, colleague_customer)
    # then
    assert interaction.customer == colleague_customer
    assert interaction.staff == manager


def test_log_is_refused_on_another_stores_customer_and_writes_nothing(manager, tst_customer):
    # given / when
    with pytest.raises(PermissionDenied):
        log(manager, tst_customer)
    # then
    assert nothing_written()


def test_log_is_refused_without_the_permission(privacy_officer, customer):
    # given / when
    with pytest.raises(PermissionDenied):
        log(privacy_officer, customer)
    # then
    assert nothing_written()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"occurred_at": timezone.now() + timedelta(days=1)},
            "An interaction is logged once it has happened: for a future contact, add a follow-up task.",
        ),
        ({"summary": "   "}, "Write a short summary of what happened."),
        ({"follow_up_title": "Call back"}, "Give the follow-up task both a title and a due date."),
    ],
    ids=["future", "no-summary", "half-a-follow-up"],
)
def test_log_refuses_bad_input_with_a_clear_message(manager, customer, change, message):
    # given / when
    with pytest.raises(ValidationError) as exc:
        log(manager, customer, **change)
    # then
    assert exc.value.messages == [message]
    assert nothing_written()


def test_log_with_a_follow_up_creates_the_task_for_the_account_manager(colleague, customer, tomorrow):
    # given: the colleague logs a walk-in of manager's client
    # when
    interaction = log(colleague, customer, follow_up_title=" Call when the strap arrives ", follow_up_due_on=tomorrow)
    # then
    task = FollowUpTask.objects.get()
    assert (task.customer, task.interaction, task.title, task.due_on) == (
        customer,
        interaction,
        "Call when the strap arrives",
        tomorrow,
    )
    assert (task.assignee, task.created_by, task.status) == (customer.account_manager, colleague, "open")
    assert AccessLog.objects.count() == 1


def test_log_follow_up_falls_back_to_the_user_without_an_account_manager(manager, central, tomorrow):
    # given
    walk_in = CustomerFactory(home_store=central, account_manager=None)
    # when
    log(manager, walk_in, follow_up_title="Send brochure", follow_up_due_on=tomorrow)
    # then
    assert FollowUpTask.objects.get().assignee == manager


def test_log_follow_up_refuses_an_assignee_of_another_store_and_writes_nothing(
    supervisor, customer, other_manager, tomorrow
):
    # given / when
    with pytest.raises(ValidationError) as exc:
        log(supervisor, customer, follow_up_title="Call", follow_up_due_on=tomorrow, follow_up_assignee=other_manager)
    # then
    assert exc.value.messages == ["Choose someone who works at the customer's home store (Central)."]
    assert nothing_written()  # the interaction is rolled back with the task


def test_log_follow_up_refuses_an_inactive_assignee(supervisor, customer, colleague, tomorrow):
    # given
    colleague.is_active = False
    colleague.save()
    # when
    with pytest.raises(ValidationError):
        log(supervisor, customer, follow_up_title="Call", follow_up_due_on=tomorrow, follow_up_assignee=colleague)
    # then
    assert nothing_written()


def test_log_follow_up_lets_an_account_manager_assign_only_self_or_the_account_manager(
    manager, customer, colleague, tomorrow
):
    # given / when
    with pytest.raises(ValidationError) as exc:
        log(manager, customer, follow_up_title="Call", follow_up_due_on=tomorrow, follow_up_assignee=colleague)
    # then
    assert exc.value.messages == ["You can assign a task to yourself or to the customer's account manager."]
    assert nothing_written()


def test_log_follow_up_refuses_a_due_date_in_the_past(manager, customer):
    # given / when
    with pytest.raises(ValidationError) as exc:
        log(manager, customer, follow_up_title="Call", follow_up_due_on=timezone.localdate() - timedelta(days=1))
    # then
    assert exc.value.messages == ["The due date is in the past: choose today or a later day."]
    assert nothing_written()


# --- task_create ------------------------------------------------------------------------


def test_task_create_on_own_customer(manager, customer, tomorrow):
    # given / when
    task = services.task_create(by=manager, customer_id=customer.pk, title="Birthday card", due_on=tomorrow)
    # then
    task.refresh_from_db()
    assert (task.customer, task.assignee, task.created_by, task.interaction) == (customer, manager, manager, None)
    assert list(AccessLog.objects.values_list("customer_id", "action")) == [(customer.pk, AccessLog.Action.EDIT)]


def test_task_create_is_refused_on_a_colleagues_customer(manager, colleague_customer, tomorrow):
    # given / when: editable_by, not visible_to, for tasks
    with pytest.raises(PermissionDenied):
        services.task_create(by=manager, customer_id=colleague_customer.pk, title="Call", due_on=tomorrow)
    # then
    assert nothing_written()


def test_task_create_by_a_supervisor_for_a_colleague(supervisor, customer, colleague, tomorrow):
    # given / when
    task = services.task_create(
        by=supervisor, customer_id=customer.pk, title="Call", due_on=tomorrow, assignee=colleague
    )
    # then
    assert task.assignee == colleague


def test_task_create_refuses_an_empty_title(manager, customer, tomorrow):
    # given / when
    with pytest.raises(ValidationError) as exc:
        services.task_create(by=manager, customer_id=customer.pk, title="  ", due_on=tomorrow)
    # then
    assert exc.value.messages == ["Say what is to be done."]
    assert nothing_written()


# --- task_complete ------------------------------------------------------------------------


@pytest.fixture
def task(customer, manager):
    return FollowUpTaskFactory(customer=customer, assignee=manager, title="Call back")


@pytest.mark.parametrize("who", ["manager", "supervisor", "admin_user"])
def test_task_complete_by_the_assignee_a_supervisor_or_an_admin(request, task, who):
    # given
    user = request.getfixturevalue(who)
    # when
    services.task_complete(by=user, task_id=task.pk)
    # then
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE
    assert abs(task.completed_at - timezone.now()) < timedelta(seconds=10)
    assert list(AccessLog.objects.values_list("user_id", "customer_id", "action")) == [
        (user.pk, task.customer_id, AccessLog.Action.EDIT)
    ]


@pytest.mark.parametrize("who", ["colleague", "other_manager", "privacy_officer"])
def test_task_complete_is_refused_to_others_and_changes_nothing(request, task, who):
    # given
    user = request.getfixturevalue(who)
    # when
    with pytest.raises(PermissionDenied):
        services.task_complete(by=user, task_id=task.pk)
    # then
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (FollowUpTask.Status.OPEN, None)
    assert AccessLog.objects.count() == 0


def test_task_complete_is_refused_to_a_supervisor_of_another_store(tst, task):
    # given

    tst_supervisor = SupervisorFactory(username="sup-tst", stores=[tst])
    # when
    with pytest.raises(PermissionDenied):
        services.task_complete(by=tst_supervisor, task_id=task.pk)
    # then
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN


def test_task_complete_twice_is_refused_with_a_clear_message(manager, task):
    # given
    services.task_complete(by=manager, task_id=task.pk)
    task.refresh_from_db()
    done_at = task.completed_at
    # when
    with pytest.raises(ValidationError) as exc:
        services.task_complete(by=manager, task_id=task.pk)
    # then
    assert exc.value.messages == ["This task is already done."]
    task.refresh_from_db()
    assert task.completed_at == done_at
    assert AccessLog.objects.count() == 1


def test_task_complete_works_for_a_leads_task_without_an_access_row(manager, central):
    # given
    lead = LeadFactory(store=central, owner=manager)
    lead_task = FollowUpTaskFactory(lead=lead, assignee=manager)
    # when
    services.task_complete(by=manager, task_id=lead_task.pk)
    # then
    lead_task.refresh_from_db()
    assert lead_task.status == FollowUpTask.Status.DONE
    assert AccessLog.objects.count() == 0


def test_task_complete_refuses_a_missing_task(manager):
    # given / when / then
    with pytest.raises(PermissionDenied):
        services.task_complete(by=manager, task_id=999_999)


# --- task_cancel -----------------------------------------------------------------------------


def test_task_cancel_by_the_assignee(manager, task):
    # given / when
    services.task_cancel(by=manager, task_id=task.pk)
    # then
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (FollowUpTask.Status.CANCELLED, None)
    assert AccessLog.objects.filter(action=AccessLog.Action.EDIT).count() == 1


def test_task_cancel_is_refused_to_a_colleague_and_for_a_done_task(colleague, manager, task):
    # given
    # when
    with pytest.raises(PermissionDenied):
        services.task_cancel(by=colleague, task_id=task.pk)
    services.task_complete(by=manager, task_id=task.pk)
    with pytest.raises(ValidationError) as exc:
        services.task_cancel(by=manager, task_id=task.pk)
    # then
    assert exc.value.messages == ["This task is already done."]
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE


# --- task_reassign ---------------------------------------------------------------------------


def test_task_reassign_by_a_supervisor(supervisor, colleague, task):
    # given / when
    services.task_reassign(by=supervisor, task_id=task.pk, assignee=colleague)
    # then
    task.refresh_from_db()
    assert task.assignee == colleague
    assert AccessLog.objects.count() == 1


def test_task_reassign_is_refused_to_an_account_manager_even_the_assignee(manager, colleague, task):
    # given / when
    with pytest.raises(PermissionDenied):
        services.task_reassign(by=manager, task_id=task.pk, assignee=colleague)
    # then
    task.refresh_from_db()
    assert task.assignee == manager
    assert AccessLog.objects.count() == 0


def test_task_reassign_refuses_someone_outside_the_store(admin_user, other_manager, task):
    # given / when
    with pytest.raises(ValidationError) as exc:
        services.task_reassign(by=admin_user, task_id=task.pk, assignee=other_manager)
    # then
    assert exc.value.messages == ["Choose someone who works at the task's store."]
    task.refresh_from_db()
    assert task.assignee_id != other_manager.pk


def test_task_reassign_refuses_the_same_assignee_and_a_closed_task(supervisor, manager, colleague, task):
    # given
    # when
    with pytest.raises(ValidationError) as same:
        services.task_reassign(by=supervisor, task_id=task.pk, assignee=manager)
    services.task_cancel(by=supervisor, task_id=task.pk)
    with pytest.raises(ValidationError) as closed:
        services.task_reassign(by=supervisor, task_id=task.pk, assignee=colleague)
    # then
    assert same.value.messages == [f"The task is already assigned to {manager}."]
    assert closed.value.messages == ["This task was cancelled."]


def test_task_reassign_to_a_new_member_of_staff(supervisor, central, task):
    # given
    newcomer = AccountManagerFactory(username="new-am", stores=[central])
    # when
    services.task_reassign(by=supervisor, task_id=task.pk, assignee=newcomer)
    # then
    task.refresh_from_db()
    assert task.assignee == newcomer


def test_task_reassign_accepts_staff_without_a_role_of_the_store(supervisor, central, task):
    # given: "works at the store" is the rule, whatever the role
    shop_assistant = UserFactory(username="assistant", stores=[central])
    # when
    services.task_reassign(by=supervisor, task_id=task.pk, assignee=shop_assistant)
    # then
    task.refresh_from_db()
    assert task.assignee == shop_assistant


# --- on PostgreSQL: two clicks at once ---------------------------------------------------------


def run_at_once(*calls) -> list:
    """Run the calls in threads released together; each returns "ok" or its refusal's message."""
    barrier = threading.Barrier(len(calls))
    results = []

    def worker(call):
        try:
            barrier.wait()
            call()
            results.append("ok")
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_task_complete_twice_at_once_completes_once(manager, supervisor, customer):
    # given
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    task = FollowUpTaskFactory(customer=customer, assignee=manager)
    # when: the assignee and the supervisor click "Done" together
    results = run_at_once(
        lambda: services.task_complete(by=manager, task_id=task.pk),
        lambda: services.task_complete(by=supervisor, task_id=task.pk),
    )
    # then
    assert results == ["This task is already done.", "ok"]
    assert AccessLog.objects.filter(action=AccessLog.Action.EDIT).count() == 1
