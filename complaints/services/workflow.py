"""The complaint workflow: new → acknowledged → investigating ⇄ awaiting customer → resolved → closed,
with reopening (within a period) and escalation levels.

Every write locks the complaint, then checks, in this order: the version the user saw (a
concurrent change wins and the later one gets a conflict message), the user's role
(``complaints.permissions``), and that the move is legal from the current status. Each change
raises the version and records an event (who, when, from, to, note).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import permissions
from complaints.business_time import calendar_for_store
from complaints.models import Complaint, ComplaintEvent
from complaints.services.due import due_times_refresh
from complaints.services.notify import notify_staff
from complaints.services.surveys import survey_send
from crm_site import roles
from crm_site.models import User
from customers.models import Customer
from customers.services import interactions as customer_interactions

S = Complaint.Status
TRANSITIONS = {
    permissions.ACKNOWLEDGE: ((S.NEW,), S.ACKNOWLEDGED),
    permissions.INVESTIGATE: ((S.ACKNOWLEDGED, S.AWAITING_CUSTOMER), S.INVESTIGATING),
    permissions.AWAIT_CUSTOMER: ((S.ACKNOWLEDGED, S.INVESTIGATING), S.AWAITING_CUSTOMER),
    permissions.RESOLVE: ((S.ACKNOWLEDGED, S.INVESTIGATING, S.AWAITING_CUSTOMER), S.RESOLVED),
    permissions.CLOSE: ((S.RESOLVED,), S.CLOSED),
    permissions.REOPEN: ((S.RESOLVED, S.CLOSED), S.INVESTIGATING),
}
# Moves a form offers with a note only (resolve and reopen have their own services).
SIMPLE_ACTIONS = (permissions.ACKNOWLEDGE, permissions.INVESTIGATE, permissions.AWAIT_CUSTOMER, permissions.CLOSE)


def _illegal(action: str, status: str) -> ValidationError:
    label = Complaint.Status(status).label
    if action == permissions.ACKNOWLEDGE:
        message = _("This complaint is already %(status)s: only a new complaint is acknowledged.")
    elif action == permissions.RESOLVE and status == S.NEW:
        message = _("Acknowledge the complaint before resolving it.")
    elif action in (permissions.INVESTIGATE, permissions.AWAIT_CUSTOMER) and status == S.NEW:
        message = _("Acknowledge the complaint first.")
    elif action == permissions.CLOSE:
        message = _("Only a resolved complaint can be closed; this one is %(status)s.")
    elif action == permissions.REOPEN:
        message = _("Only a resolved or closed complaint can be reopened; this one is %(status)s.")
    elif action == permissions.ESCALATE:
        message = _("A %(status)s complaint cannot be escalated: reopen it first.")
    elif status in (S.RESOLVED, S.CLOSED):
        message = _("This complaint is %(status)s: reopen it first.")
    else:
        message = _("A complaint that is %(status)s cannot move that way.")
    return ValidationError(message % {"status": label.lower()}, code="illegal")


def _conflict(complaint: Complaint) -> ValidationError:
    last = complaint.events.select_related("actor").order_by("-at", "-id").first()
    who = (str(last.actor) if last and last.actor_id else "") or _("someone else")
    what = last.get_kind_display().lower() if last else _("a change")
    return ValidationError(
        _(
            "While you were working, %(who)s changed this complaint (%(what)s; it is now %(status)s). "
            "Nothing of yours was saved: look at the timeline, then try again."
        )
        % {"who": who, "what": what, "status": complaint.get_status_display().lower()},
        code="conflict",
    )


def complaint_lock(*, by, complaint_id: int, expected_version: int | None, action: str) -> Complaint:
    """The complaint, locked, once ``by`` may do ``action`` on the version they saw."""
    complaint = (
        Complaint.objects.visible_to(by)
        .select_for_update(of=("self",))
        .select_related("category", "store", "customer", "assignee")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise PermissionDenied(_("You may not handle this complaint."))
    if expected_version is not None and complaint.version != expected_version:
        raise _conflict(complaint)
    reason = permissions.refusal(by, complaint, action)
    if reason:
        raise PermissionDenied(reason)
    return complaint


def event_record(*, complaint, kind, by=None, note="", from_status="", to_status="", at=None) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=by,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        note=(note or "").strip(),
    )


def _save(complaint: Complaint, fields: list[str]) -> None:
    complaint.version += 1
    complaint.full_clean(exclude=["customer", "lead", "timepiece", "product", "category", "store"])
    complaint.save(update_fields=[*dict.fromkeys([*fields, "version", "updated_at"])])


def _take_if_unassigned(complaint: Complaint, by) -> list[str]:
    """An account manager or privacy officer acting on a queued complaint takes it."""
    if complaint.assignee_id is None and not roles.is_admin(by):
        complaint.assignee = by
        return ["assignee"]
    return []


def _resume_clock(complaint: Complaint, now) -> list[str]:
    """Leaving "awaiting customer": the paused business time moves the resolve due time later."""
    if complaint.paused_at is None:
        return []
    calendar = calendar_for_store(complaint.store_id)
    complaint.paused_seconds += int(calendar.seconds_between(complaint.paused_at, now))
    complaint.paused_at = None
    due_times_refresh(complaint, calendar=calendar)
    return ["paused_at", "paused_seconds", "acknowledge_due_at", "resolve_due_at"]


@transaction.atomic
def complaint_transition(
    *, by, complaint_id: int, action: str, expected_version: int | None, note: str = ""
) -> Complaint:
    """Acknowledge, investigate, wait for the customer, or close (see SIMPLE_ACTIONS)."""
    if action not in SIMPLE_ACTIONS:
        raise ValueError(f"{action!r} has its own service")
    complaint = complaint_lock(by=by, complaint_id=complaint_id, expected_version=expected_version, action=action)
    allowed_from, to_status = TRANSITIONS[action]
    if complaint.status not in allowed_from:
        raise _illegal(action, complaint.status)
    now = timezone.now()
    from_status = complaint.status
    fields = ["status", *_take_if_unassigned(complaint, by)]
    if action == permissions.ACKNOWLEDGE:
        complaint.acknowledged_at = now
        fields.append("acknowledged_at")
    elif action == permissions.AWAIT_CUSTOMER:
        complaint.paused_at = now
        fields.append("paused_at")
    elif action == permissions.INVESTIGATE:
        fields += _resume_clock(complaint, now)
    elif action == permissions.CLOSE:
        complaint.closed_at = now
        fields.append("closed_at")
    complaint.status = to_status
    _save(complaint, fields)
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.TRANSITION,
        by=by,
        note=note,
        from_status=from_status,
        to_status=to_status,
        at=now,
    )
    return complaint


def complaint_acknowledge(*, by, complaint_id: int, expected_version: int | None, note: str = "") -> Complaint:
    return complaint_transition(
        by=by, complaint_id=complaint_id, action=permissions.ACKNOWLEDGE, expected_version=expected_version, note=note
    )


def goodwill_limit() -> Decimal:
    return Decimal(settings.COMPLAINTS_GOODWILL_APPROVAL_ABOVE)


@transaction.atomic
def complaint_resolve(
    *,
    by,
    complaint_id: int,
    expected_version: int | None,
    root_cause,
    resolution_summary: str,
    corrective_action: str = "",
    goodwill_amount: Decimal = Decimal(0),
    note: str = "",
) -> Complaint:
    """Record the resolution. Goodwill above the limit waits for a supervisor's approval first:
    the complaint stays open, with its goodwill "awaiting approval", until then."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.RESOLVE
    )
    allowed_from, _to = TRANSITIONS[permissions.RESOLVE]
    if complaint.status not in allowed_from:
        raise _illegal(permissions.RESOLVE, complaint.status)
    if complaint.goodwill_status == Complaint.Goodwill.PENDING:
        raise ValidationError(_("The goodwill on this complaint is awaiting a supervisor's approval."), code="pending")
    errors = {}
    if root_cause is None:
        errors["root_cause"] = _("Choose the root cause.")
    if not (resolution_summary or "").strip():
        errors["resolution_summary"] = _("Summarise the resolution for the customer.")
    goodwill_amount = Decimal(goodwill_amount or 0)
    if goodwill_amount < 0:
        errors["goodwill_amount"] = _("Goodwill cannot be negative.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    complaint.root_cause = root_cause
    complaint.resolution_summary = resolution_summary.strip()
    complaint.corrective_action = (corrective_action or "").strip()
    complaint.goodwill_amount = goodwill_amount
    fields = ["root_cause", "resolution_summary", "corrective_action", "goodwill_amount", "goodwill_status"]
    fields += _take_if_unassigned(complaint, by)
    needs_approval = goodwill_amount > goodwill_limit() and not (
        roles.is_admin(by) or permissions.may(by, complaint, permissions.APPROVE_GOODWILL)
    )
    if needs_approval:
        complaint.goodwill_status = Complaint.Goodwill.PENDING
        complaint.goodwill_decided_by = None
        _save(complaint, [*fields, "goodwill_decided_by"])
        event_record(
            complaint=complaint,
            kind=ComplaintEvent.Kind.GOODWILL,
            by=by,
            at=now,
            note=_("Goodwill of HKD %(amount)s asked for; awaiting a supervisor's approval. %(note)s")
            % {"amount": f"{goodwill_amount:,.2f}", "note": note},
        )
        _notify(
            users=store_supervisors(complaint.store_id),
            title=_("Goodwill of HKD %(amount)s to approve on %(ref)s")
            % {"amount": f"{goodwill_amount:,.2f}", "ref": complaint.reference},
            complaint=complaint,
        )
        return complaint
    if goodwill_amount:
        complaint.goodwill_status = Complaint.Goodwill.APPROVED
        complaint.goodwill_decided_by = by
        fields.append("goodwill_decided_by")
    else:
        complaint.goodwill_status = Complaint.Goodwill.NONE
    return _resolution_finish(complaint, by=by, fields=fields, note=note, now=now)


def _resolution_finish(complaint: Complaint, *, by, fields: list[str], note: str, now) -> Complaint:
    """Resolved: the clock stops, the account manager gets a follow-up task, the customer a survey."""
    from_status = complaint.status
    fields = [*fields, "status", "resolved_at", *_resume_clock(complaint, now)]
    complaint.status = S.RESOLVED
    complaint.resolved_at = now
    _save(complaint, fields)
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.TRANSITION,
        by=by,
        note=note,
        from_status=from_status,
        to_status=S.RESOLVED,
        at=now,
    )
    _follow_up_task(complaint, by=by, now=now)
    survey_send(complaint=complaint)
    return complaint


def _follow_up_task(complaint: Complaint, *, by, now) -> None:
    """A follow-up task for the customer's account manager, through the customers' task service."""
    if complaint.customer_id is None:
        event_record(
            complaint=complaint,
            kind=ComplaintEvent.Kind.FOLLOW_UP,
            at=now,
            note=_("No follow-up task: the complainant is not linked to a customer record yet."),
        )
        return
    calendar = calendar_for_store(complaint.store_id)
    due_on = timezone.localdate(calendar.add(now, 9 * 3600))  # about a business day later
    title = _("Follow up on resolved complaint %(ref)s") % {"ref": complaint.reference}
    manager = complaint.customer.account_manager
    # The resolver adds it when they may edit the customer; otherwise it is the account manager's own task.
    for author in dict.fromkeys(u for u in (by, manager) if u is not None and u.is_active):
        try:
            task = customer_interactions.task_create(
                by=author,
                customer_id=complaint.customer_id,
                title=title,
                due_on=due_on,
                view_name="complaints:complaint-resolve",
            )
        except (PermissionDenied, ValidationError):
            continue
        event_record(
            complaint=complaint,
            kind=ComplaintEvent.Kind.FOLLOW_UP,
            by=by,
            at=now,
            note=_("Follow-up task for %(who)s, due %(date)s.") % {"who": task.assignee, "date": due_on.isoformat()},
        )
        return
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.FOLLOW_UP,
        at=now,
        note=_("No follow-up task: the customer has no account manager who can take it."),
    )


@transaction.atomic
def complaint_goodwill_decide(
    *, by, complaint_id: int, expected_version: int | None, approve: bool, note: str = ""
) -> Complaint:
    """A supervisor (not the one who asked) approves the goodwill, which resolves the complaint, or refuses it."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.APPROVE_GOODWILL
    )
    if complaint.goodwill_status != Complaint.Goodwill.PENDING:
        raise ValidationError(_("No goodwill is awaiting approval on this complaint."), code="not_pending")
    asked_by = (
        complaint.events.filter(kind=ComplaintEvent.Kind.GOODWILL)
        .order_by("-at", "-id")
        .values_list("actor", flat=True)
    ).first()
    if asked_by == by.pk:
        raise PermissionDenied(_("Another supervisor or an admin must approve the goodwill you asked for."))
    now = timezone.now()
    complaint.goodwill_decided_by = by
    amount = f"{complaint.goodwill_amount:,.2f}"
    if not approve:
        complaint.goodwill_status = Complaint.Goodwill.REJECTED
        _save(complaint, ["goodwill_status", "goodwill_decided_by"])
        event_record(
            complaint=complaint,
            kind=ComplaintEvent.Kind.GOODWILL,
            by=by,
            at=now,
            note=_("Goodwill of HKD %(amount)s refused. %(note)s") % {"amount": amount, "note": note},
        )
        if complaint.assignee_id:
            _notify(
                users=[complaint.assignee],
                title=_("Goodwill refused on %(ref)s: revise the resolution") % {"ref": complaint.reference},
                complaint=complaint,
            )
        return complaint
    complaint.goodwill_status = Complaint.Goodwill.APPROVED
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.GOODWILL,
        by=by,
        at=now,
        note=_("Goodwill of HKD %(amount)s approved. %(note)s") % {"amount": amount, "note": note},
    )
    return _resolution_finish(complaint, by=by, fields=["goodwill_status", "goodwill_decided_by"], note="", now=now)


def reopen_deadline(complaint: Complaint):
    return complaint.resolved_at + timedelta(days=settings.COMPLAINTS_REOPEN_WITHIN_DAYS)


@transaction.atomic
def complaint_reopen(*, by, complaint_id: int, expected_version: int | None, note: str) -> Complaint:
    """Reopen the same case, within the reopening period after its resolution; its resolve clock restarts."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.REOPEN
    )
    return reopen_locked(complaint, by=by, note=note)


def reopen_locked(complaint: Complaint, *, by, note: str) -> Complaint:
    """Reopen a complaint the caller has locked and may reopen (``by`` is None for the customer)."""
    allowed_from, to_status = TRANSITIONS[permissions.REOPEN]
    if complaint.status not in allowed_from:
        raise _illegal(permissions.REOPEN, complaint.status)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the complaint is reopened.")})
    now = timezone.now()
    if now > reopen_deadline(complaint):
        raise ValidationError(
            _("This complaint was resolved more than %(days)s days ago: log a new complaint instead.")
            % {"days": settings.COMPLAINTS_REOPEN_WITHIN_DAYS},
            code="too_late",
        )
    from_status = complaint.status
    calendar = calendar_for_store(complaint.store_id)
    complaint.status = to_status
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.reopened_count += 1
    complaint.resolve_breached_at = None
    # The resolve clock starts again now: the time until the reopening counts as time it did not run,
    # so that a later pause or reclassification keeps the new clock (see due_times_refresh).
    complaint.paused_seconds = int(calendar.seconds_between(complaint.received_at, now))
    complaint.paused_at = None
    due_times_refresh(complaint, calendar=calendar)
    if complaint.goodwill_status == Complaint.Goodwill.REJECTED:
        complaint.goodwill_status = Complaint.Goodwill.NONE
    _save(
        complaint,
        [
            "status",
            "resolved_at",
            "closed_at",
            "reopened_count",
            "resolve_breached_at",
            "paused_seconds",
            "paused_at",
            "acknowledge_due_at",
            "resolve_due_at",
            "goodwill_status",
        ],
    )
    complaint.surveys.filter(answered_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.REOPENED,
        by=by,
        note=note,
        from_status=from_status,
        to_status=to_status,
        at=now,
    )
    return complaint


@transaction.atomic
def complaint_escalate(*, by, complaint_id: int, expected_version: int | None, note: str) -> Complaint:
    """Raise the escalation level by hand; the store's supervisors are told."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.ESCALATE
    )
    if not complaint.is_open:
        raise _illegal(permissions.ESCALATE, complaint.status)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the complaint is escalated.")})
    complaint.escalation_level += 1
    _save(complaint, ["escalation_level"])
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.ESCALATED,
        by=by,
        note=_("Level %(level)s. %(note)s") % {"level": complaint.escalation_level, "note": note},
    )
    _notify(
        users=[u for u in store_supervisors(complaint.store_id) if u.pk != by.pk],
        title=_("Complaint %(ref)s escalated to level %(level)s")
        % {"ref": complaint.reference, "level": complaint.escalation_level},
        complaint=complaint,
    )
    return complaint


def complaint_assignable_users(*, complaint):
    """Who may handle ``complaint``: active account managers and supervisors of its store; privacy
    officers for personal-data complaints."""
    role = [roles.PRIVACY_OFFICER] if complaint.category.is_personal_data else [roles.ACCOUNT_MANAGER, roles.SUPERVISOR]
    queryset = User.objects.filter(is_active=True, groups__name__in=role)
    if not complaint.category.is_personal_data:
        queryset = queryset.filter(stores=complaint.store_id)
    return queryset.distinct().order_by("first_name", "last_name", "username")


@transaction.atomic
def complaint_reassign(*, by, complaint_id: int, expected_version: int | None, assignee, note: str = "") -> Complaint:
    """A supervisor of the store (or an admin) gives the complaint to someone else, or back to the queue."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.REASSIGN
    )
    if not complaint.is_open:
        raise ValidationError(_("Only an open complaint can be reassigned."), code="closed")
    if assignee is not None and not complaint_assignable_users(complaint=complaint).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assignee": _("Choose an account manager or supervisor of the complaint's store.")}, code="assignee"
        )
    if (assignee.pk if assignee else None) == complaint.assignee_id:
        raise ValidationError({"assignee": _("The complaint is already assigned that way.")}, code="same")
    previous = complaint.assignee
    complaint.assignee = assignee
    _save(complaint, ["assignee"])
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.ASSIGNED,
        by=by,
        note=_("From %(old)s to %(new)s. %(note)s")
        % {"old": previous or _("the store queue"), "new": assignee or _("the store queue"), "note": note},
    )
    if assignee is not None and assignee.pk != by.pk:
        _notify(
            users=[assignee],
            title=_("Complaint %(ref)s is now yours") % {"ref": complaint.reference},
            complaint=complaint,
        )
    return complaint


@transaction.atomic
def complaint_classify(
    *, by, complaint_id: int, expected_version: int | None, category, severity: str, timepiece=None, product=None
) -> Complaint:
    """Change the category, severity, timepiece or product; the due times follow the new SLA policy."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.CLASSIFY
    )
    if not complaint.is_open:
        raise ValidationError(_("A resolved or closed complaint is no longer classified."), code="closed")
    if timepiece is not None and timepiece.customer_id != complaint.customer_id:
        raise ValidationError({"timepiece": _("Choose one of the customer's own timepieces.")})
    if category.is_personal_data != complaint.category.is_personal_data:
        # Personal-data complaints go to the privacy officer; back out of that category, to the default handler.
        if category.is_personal_data:
            complaint.assignee = privacy_officer_default()
        else:
            manager = complaint.customer.account_manager if complaint.customer_id else None
            works_here = manager is not None and manager.is_active
            works_here = works_here and manager.stores.filter(pk=complaint.store_id).exists()
            complaint.assignee = manager if works_here else None
    complaint.category = category
    complaint.severity = severity
    complaint.timepiece = timepiece
    complaint.product = product
    due_times_refresh(complaint, calendar=calendar_for_store(complaint.store_id))
    _save(
        complaint,
        ["category", "severity", "timepiece", "product", "assignee", "acknowledge_due_at", "resolve_due_at"],
    )
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.NOTE,
        by=by,
        note=_("Classified: %(category)s, %(severity)s.")
        % {"category": category, "severity": complaint.get_severity_display().lower()},
    )
    return complaint


@transaction.atomic
def complaint_link_customer(*, by, complaint_id: int, expected_version: int | None, customer_id: int) -> Complaint:
    """Link a web complaint to a customer record the user can see. Nothing is merged or copied."""
    complaint = complaint_lock(
        by=by, complaint_id=complaint_id, expected_version=expected_version, action=permissions.LINK_CUSTOMER
    )
    if complaint.customer_id:
        raise ValidationError(_("This complaint is already linked to a customer."), code="linked")
    customer = Customer.objects.visible_to(by).filter(pk=customer_id).first()
    if customer is None:
        raise ValidationError(_("Choose a customer of your own stores."), code="customer")
    complaint.customer = customer
    fields = ["customer"]
    if complaint.assignee_id is None and not complaint.category.is_personal_data:
        manager = customer.account_manager
        if manager and manager.is_active and manager.stores.filter(pk=complaint.store_id).exists():
            complaint.assignee = manager
            fields.append("assignee")
    _save(complaint, fields)
    event_record(
        complaint=complaint,
        kind=ComplaintEvent.Kind.LINKED,
        by=by,
        note=_("Linked to %(customer)s.") % {"customer": customer.display_name},
    )
    return complaint


# --- notifying staff ----------------------------------------------------------------


def store_supervisors(store_id: int) -> list:
    supervisors = list(
        User.objects.filter(is_active=True, groups__name=roles.SUPERVISOR, stores=store_id).distinct().order_by("pk")
    )
    if supervisors:
        return supervisors
    return list(User.objects.filter(is_active=True, groups__name=roles.ADMIN).distinct().order_by("pk"))


def privacy_officer_default():
    return User.objects.filter(is_active=True, groups__name=roles.PRIVACY_OFFICER).distinct().order_by("pk").first()


def _notify(*, users, title: str, complaint: Complaint) -> int:
    """An in-app notification and an e-mail (after commit) to each of ``users``."""
    return notify_staff(users=users, title=title, url=complaint.get_absolute_url(), body=complaint.subject)


__all__ = [
    "SIMPLE_ACTIONS",
    "TRANSITIONS",
    "complaint_acknowledge",
    "complaint_assignable_users",
    "complaint_classify",
    "complaint_escalate",
    "complaint_goodwill_decide",
    "complaint_link_customer",
    "complaint_lock",
    "complaint_reassign",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_transition",
    "event_record",
]
