"""Interactions with customers and the follow-up tasks they lead to.

An account manager may log an interaction with any customer of their store (a colleague's
client walks in); every other write needs a customer the user may edit. Each write records
an EDIT access row for the customer.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import privacy.services
from crm_site import roles
from customers.models import Customer, FollowUpTask, Interaction
from privacy.models import AccessLog


def _task_assignee_check(*, by, customer, assignee) -> None:
    """An active member of staff of the customer's home store; an account manager assigns
    only to themselves or to the customer's account manager (others go through a supervisor)."""
    if not assignee.is_active or not customer.home_store.staff.filter(pk=assignee.pk).exists():
        raise ValidationError(
            _("Choose someone who works at the customer's home store (%(store)s).") % {"store": customer.home_store},
            code="assignee_store",
        )
    if roles.keeps_own_book_only(by) and assignee.pk not in (by.pk, customer.account_manager_id):
        raise ValidationError(
            _("You can assign a task to yourself or to the customer's account manager."), code="assignee_other"
        )


def _task_default_assignee(*, by, customer):
    """The customer's account manager while they work at the home store, else the user."""
    manager = customer.account_manager
    if manager is not None and manager.is_active and customer.home_store.staff.filter(pk=manager.pk).exists():
        return manager
    return by


def _task_due_check(*, due_on) -> None:
    if due_on is None:
        raise ValidationError(_("Give the task a due date."), code="due_missing")
    if due_on < timezone.localdate():
        raise ValidationError(_("The due date is in the past: choose today or a later day."), code="due_past")


def _task_new(*, by, customer, title, due_on, assignee, interaction=None) -> FollowUpTask:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Say what is to be done."), code="title_missing")
    _task_due_check(due_on=due_on)
    assignee = assignee or _task_default_assignee(by=by, customer=customer)
    _task_assignee_check(by=by, customer=customer, assignee=assignee)
    task = FollowUpTask(
        customer=customer,
        interaction=interaction,
        title=title,
        due_on=due_on,
        assignee=assignee,
        created_by=by,
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def interaction_log(
    *,
    by,
    customer_id: int,
    kind: str,
    occurred_at,
    summary: str,
    outcome: str = "",
    follow_up_title: str = "",
    follow_up_due_on=None,
    follow_up_assignee=None,
    view_name: str = "",
) -> Interaction:
    """Log what happened with a customer of the user's stores and, if asked, the follow-up task."""
    if not by.has_perm("customers.add_interaction"):
        raise PermissionDenied(_("You may not log interactions."))
    customer = Customer.objects.visible_to(by).select_related("home_store").filter(pk=customer_id).first()
    if customer is None:
        raise PermissionDenied(_("You may not log interactions with this customer."))
    wants_follow_up = bool((follow_up_title or "").strip() or follow_up_due_on or follow_up_assignee)
    if wants_follow_up and not by.has_perm("customers.add_followuptask"):
        raise PermissionDenied(_("You may not add follow-up tasks."))
    if occurred_at is None or timezone.is_naive(occurred_at):
        raise ValidationError(_("Say when it happened."), code="when_missing")
    if occurred_at > timezone.now():
        raise ValidationError(
            _("An interaction is logged once it has happened: for a future contact, add a follow-up task."),
            code="when_future",
        )
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError(_("Write a short summary of what happened."), code="summary_missing")
    if wants_follow_up and not ((follow_up_title or "").strip() and follow_up_due_on):
        raise ValidationError(_("Give the follow-up task both a title and a due date."), code="follow_up_incomplete")

    interaction = Interaction(
        customer=customer, kind=kind, occurred_at=occurred_at, staff=by, summary=summary, outcome=outcome or ""
    )
    interaction.full_clean()
    interaction.save()
    reason = f"interaction {interaction.pk} logged"
    if wants_follow_up:
        task = _task_new(
            by=by,
            customer=customer,
            title=follow_up_title,
            due_on=follow_up_due_on,
            assignee=follow_up_assignee,
            interaction=interaction,
        )
        reason += f", task {task.pk} added"
    privacy.services.access_record(
        user=by, customer=customer, action=AccessLog.Action.EDIT, view_name=view_name, reason=reason
    )
    return interaction


@transaction.atomic
def task_create(*, by, customer_id: int, title: str, due_on, assignee=None, view_name: str = "") -> FollowUpTask:
    """A follow-up task on a customer the user may edit; assigned to the account manager unless said otherwise."""
    if not by.has_perm("customers.add_followuptask"):
        raise PermissionDenied(_("You may not add follow-up tasks."))
    customer = Customer.objects.editable_by(by).select_related("home_store").filter(pk=customer_id).first()
    if customer is None:
        raise PermissionDenied(_("You may not add tasks for this customer."))
    task = _task_new(by=by, customer=customer, title=title, due_on=due_on, assignee=assignee)
    privacy.services.access_record(
        user=by, customer=customer, action=AccessLog.Action.EDIT, view_name=view_name, reason=f"task {task.pk} added"
    )
    return task


def _task_store_id(task):
    return task.customer.home_store_id if task.customer_id else task.lead.store_id


def _is_store_supervisor(*, user, store_id) -> bool:
    return roles.SUPERVISOR in roles.user_roles(user) and user.stores.filter(pk=store_id).exists()


def _task_lock(*, by, task_id, message) -> FollowUpTask:
    """Lock the task, then check the user may change it at all (the same answer for missing)."""
    if not by.has_perm("customers.change_followuptask"):
        raise PermissionDenied(message)
    task = FollowUpTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise PermissionDenied(message)
    return task


def _task_record(*, by, task, view_name, reason) -> None:
    if task.customer_id:  # a lead's task has no customer record to log against
        privacy.services.access_record(
            user=by, customer=task.customer, action=AccessLog.Action.EDIT, view_name=view_name, reason=reason
        )


def _task_open_check(task) -> None:
    if task.status == FollowUpTask.Status.DONE:
        raise ValidationError(_("This task is already done."), code="done")
    if task.status == FollowUpTask.Status.CANCELLED:
        raise ValidationError(_("This task was cancelled."), code="cancelled")


def _task_may_close(*, by, task) -> bool:
    return (
        task.assignee_id == by.pk or roles.is_admin(by) or _is_store_supervisor(user=by, store_id=_task_store_id(task))
    )


@transaction.atomic
def task_complete(*, by, task_id: int, view_name: str = "") -> FollowUpTask:
    """Mark a task done: its assignee, a supervisor of its store, or an admin."""
    message = _("You may not complete this task.")
    task = _task_lock(by=by, task_id=task_id, message=message)
    if not _task_may_close(by=by, task=task):
        raise PermissionDenied(message)
    _task_open_check(task)
    task.status = FollowUpTask.Status.DONE
    task.completed_at = timezone.now()
    task.full_clean()
    task.save(update_fields=["status", "completed_at", "updated_at"])
    _task_record(by=by, task=task, view_name=view_name, reason=f"task {task.pk} done")
    return task


@transaction.atomic
def task_cancel(*, by, task_id: int, view_name: str = "") -> FollowUpTask:
    """Drop a task that is no longer needed: its assignee, a supervisor of its store, or an admin."""
    message = _("You may not cancel this task.")
    task = _task_lock(by=by, task_id=task_id, message=message)
    if not _task_may_close(by=by, task=task):
        raise PermissionDenied(message)
    _task_open_check(task)
    task.status = FollowUpTask.Status.CANCELLED
    task.full_clean()
    task.save(update_fields=["status", "updated_at"])
    _task_record(by=by, task=task, view_name=view_name, reason=f"task {task.pk} cancelled")
    return task


@transaction.atomic
def task_reassign(*, by, task_id: int, assignee, view_name: str = "") -> FollowUpTask:
    """Give an open task to someone else at its store: supervisors of the store and admins only."""
    message = _("Only a supervisor of the store or an admin may reassign tasks.")
    task = _task_lock(by=by, task_id=task_id, message=message)
    store_id = _task_store_id(task)
    if not (roles.is_admin(by) or _is_store_supervisor(user=by, store_id=store_id)):
        raise PermissionDenied(message)
    _task_open_check(task)
    if assignee.pk == task.assignee_id:
        raise ValidationError(_("The task is already assigned to %(name)s.") % {"name": assignee}, code="same")
    if not assignee.is_active or not assignee.stores.filter(pk=store_id).exists():
        raise ValidationError(_("Choose someone who works at the task's store."), code="assignee_store")
    previous = task.assignee_id
    task.assignee = assignee
    task.full_clean()
    task.save(update_fields=["assignee", "updated_at"])
    _task_record(
        by=by, task=task, view_name=view_name, reason=f"task {task.pk} reassigned from user {previous} to {assignee.pk}"
    )
    return task
