"""Interactions and follow-up tasks, as the user asking may see them.

A task belongs to a customer or (before conversion) to a lead; every read here copes with
either. A task shows only when its customer is visible to the user, or its lead is in one
of the user's stores.
"""

from datetime import date

from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from crm_site import roles
from crm_site.models import User
from customers.models import Customer, FollowUpTask, Interaction, Store
from customers.selectors.customer import customer_is_editable_by
from customers.selectors.timeline import TimelineEntry

PANEL_INTERACTIONS = 10

INTERACTION_ICONS = {
    Interaction.Kind.VISIT: "shop",
    Interaction.Kind.CALL: "telephone",
    Interaction.Kind.EMAIL: "envelope",
    Interaction.Kind.MESSAGE: "chat-dots",
    Interaction.Kind.EVENT: "calendar-event",
}
TASK_ICON = "check2-square"

# Sections of a task list, in the order the "my tasks" page shows them.
OVERDUE, TODAY, UPCOMING = "overdue", "today", "upcoming"


def _tasks_annotated(queryset, *, today: date):
    """Each task with ``is_overdue``, ``is_due_today`` and ``section`` (overdue / today / upcoming)."""
    is_open = Q(status=FollowUpTask.Status.OPEN)
    return queryset.annotate(
        is_overdue=ExpressionWrapper(is_open & Q(due_on__lt=today), output_field=BooleanField()),
        is_due_today=ExpressionWrapper(is_open & Q(due_on=today), output_field=BooleanField()),
        section=Case(
            When(due_on__lt=today, then=Value(OVERDUE)),
            When(due_on=today, then=Value(TODAY)),
            default=Value(UPCOMING),
        ),
    )


def _tasks_visible_to(user):
    """Tasks on customers the user sees, or on leads of the user's stores."""
    return FollowUpTask.objects.filter(
        Q(customer__in=Customer.objects.visible_to(user).values("pk"))
        | Q(lead__store__in=Store.objects.of_user(user).values("pk"))
    )


# --- a customer's interactions and tasks ----------------------------------------


def interactions_for_customer(*, customer, limit=None):
    """The customer's interactions, newest first, with who logged them."""
    queryset = Interaction.objects.filter(customer=customer).select_related("staff").order_by("-occurred_at", "-id")
    return queryset[:limit] if limit else queryset


def tasks_for_customer(*, customer, today: date | None = None):
    """The customer's tasks: open ones first by due date, then the closed ones, latest first."""
    today = today or timezone.localdate()
    return _tasks_annotated(
        FollowUpTask.objects.filter(customer=customer).select_related("assignee"), today=today
    ).order_by(
        Case(When(status=FollowUpTask.Status.OPEN, then=Value(0)), default=Value(1)),
        Case(When(status=FollowUpTask.Status.OPEN, then=F("due_on")), default=None),
        F("completed_at").desc(nulls_last=True),
        "id",
    )


def task_get_for_user(*, user, pk) -> FollowUpTask:
    """One task the user may see: the same 404 for missing and forbidden."""
    return get_object_or_404(_tasks_visible_to(user).select_related("customer", "lead", "assignee"), pk=pk)


def task_assignees_for_customer(*, customer, user):
    """Who a task on ``customer`` may be given to by ``user`` (see the services' rule)."""
    queryset = User.objects.filter(is_active=True, stores=customer.home_store_id)
    if roles.keeps_own_book_only(user):
        queryset = queryset.filter(pk__in=[user.pk, customer.account_manager_id])
    return queryset.distinct().order_by("first_name", "last_name", "username")


def supervised_store_ids_for(*, user) -> set[int]:
    """The stores whose tasks ``user`` may close or reassign besides their own: all for admins."""
    if not user.has_perm("customers.change_followuptask"):
        return set()
    if roles.is_admin(user):
        return set(Store.objects.values_list("pk", flat=True))
    if roles.SUPERVISOR in roles.user_roles(user):
        return set(user.stores.values_list("pk", flat=True))
    return set()


def task_may_close(*, user, task, supervised_store_ids: set[int] | None = None) -> bool:
    """Whether ``user`` may complete or cancel ``task``: its assignee, a supervisor of its store, an admin.

    ``supervised_store_ids``: from ``supervised_store_ids_for``, to ask about many tasks without a query each.
    """
    if supervised_store_ids is None:
        supervised_store_ids = supervised_store_ids_for(user=user)
    if not user.has_perm("customers.change_followuptask"):
        return False
    store_id = task.customer.home_store_id if task.customer_id else task.lead.store_id
    return task.assignee_id == user.pk or store_id in supervised_store_ids


# --- task lists ------------------------------------------------------------------


def my_tasks(*, user, today: date | None = None):
    """The user's open tasks, by due date (overdue, then today, then upcoming), flagged, with their subject."""
    today = today or timezone.localdate()
    queryset = _tasks_visible_to(user).filter(assignee=user, status=FollowUpTask.Status.OPEN)
    return (
        _tasks_annotated(queryset, today=today)
        .select_related("customer", "customer__home_store", "lead", "assignee")
        .order_by("due_on", "id")
    )


def team_tasks(*, user, assignee_id=None, today: date | None = None):
    """Open tasks of the stores a supervisor runs (every store for an admin), optionally of one assignee."""
    today = today or timezone.localdate()
    if not (roles.is_admin(user) or roles.SUPERVISOR in roles.user_roles(user)):
        return FollowUpTask.objects.none()
    stores = Store.objects.of_user(user).values("pk")
    queryset = FollowUpTask.objects.filter(
        Q(customer__home_store__in=stores, customer__merged_into__isnull=True) | Q(lead__store__in=stores),
        status=FollowUpTask.Status.OPEN,
    )
    if assignee_id:
        queryset = queryset.filter(assignee_id=assignee_id)
    return (
        _tasks_annotated(queryset, today=today)
        .select_related("customer", "customer__home_store", "lead", "assignee")
        .order_by("due_on", "id")
    )


def team_assignees_for_user(*, user):
    """The staff of a supervisor's stores, for the team list's filter."""
    return (
        User.objects.filter(is_active=True, stores__in=Store.objects.of_user(user).values("pk"))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- the customer page -----------------------------------------------------------


def panel_context(*, customer, user, form=None, today: date | None = None) -> dict:
    """What the customer page's interactions panel shows (variable ``interactions_panel``).

    ``form``: a bound "log an interaction" form to show again with its errors.
    """
    from customers.forms.interactions import InteractionForm  # forms import selectors

    today = today or timezone.localdate()
    can_view_interactions = user.has_perm("customers.view_interaction")
    can_view_tasks = user.has_perm("customers.view_followuptask")
    can_log = user.has_perm("customers.add_interaction")
    if can_log and form is None:
        form = InteractionForm(user=user, customer=customer)
    tasks = []
    if can_view_tasks:
        tasks = list(
            tasks_for_customer(customer=customer, today=today)
            .filter(status=FollowUpTask.Status.OPEN)
            .select_related("customer")
        )
        supervised = supervised_store_ids_for(user=user)
        for task in tasks:
            task.may_close = task_may_close(user=user, task=task, supervised_store_ids=supervised)
    can_add_task = user.has_perm("customers.add_followuptask") and (
        customer_is_editable_by(user=user, customer=customer)
    )
    return {
        "customer": customer,
        "visible": can_view_interactions or can_view_tasks,
        "can_view_interactions": can_view_interactions,
        "can_view_tasks": can_view_tasks,
        "interactions": (
            list(interactions_for_customer(customer=customer, limit=PANEL_INTERACTIONS))
            if can_view_interactions
            else []
        ),
        "tasks": tasks,
        "form": form if can_log else None,
        "can_add_task": can_add_task,
        "today": today,
    }


# --- the customer's timeline -----------------------------------------------------


def timeline_entries(*, customer, limit: int) -> list[TimelineEntry]:
    """Interactions and tasks for the customer timeline, in two queries.

    An interaction stands at the time it happened; a task at the time it was done, or
    otherwise when it was set.
    """
    today = timezone.localdate()
    entries = [
        TimelineEntry(
            when=interaction.occurred_at,
            kind="interaction",
            icon=INTERACTION_ICONS.get(interaction.kind, "chat-dots"),
            title=interaction.get_kind_display(),
            detail=" · ".join(
                part
                for part in (
                    Truncator(interaction.summary).chars(200),
                    interaction.get_outcome_display() if interaction.outcome else "",
                    str(interaction.staff) if interaction.staff_id else "",
                )
                if part
            ),
        )
        for interaction in interactions_for_customer(customer=customer, limit=limit)
    ]
    tasks = (
        FollowUpTask.objects.filter(customer=customer)
        .select_related("assignee")
        .alias(
            when=Case(
                When(status=FollowUpTask.Status.DONE, completed_at__isnull=False, then=F("completed_at")),
                default=F("created_at"),
            )
        )
        .order_by(F("when").desc(), "-id")[:limit]
    )
    for task in tasks:
        if task.status == FollowUpTask.Status.DONE:
            badge = _("Done")
        elif task.status == FollowUpTask.Status.CANCELLED:
            badge = _("Cancelled")
        else:
            badge = _("Overdue") if task.due_on < today else ""
        entries.append(
            TimelineEntry(
                when=task.completed_at
                if task.status == FollowUpTask.Status.DONE and task.completed_at
                else task.created_at,
                kind="task",
                icon=TASK_ICON,
                title=task.title,
                detail=_("Due %(date)s · %(assignee)s")
                % {"date": date_format(task.due_on, "DATE_FORMAT"), "assignee": task.assignee},
                badge=badge,
            )
        )
    return entries
