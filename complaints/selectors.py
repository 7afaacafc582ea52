"""Reads about complaints, scoped to the user asking. Lists are flat: a fixed number of queries."""

import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from string import Template

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import permissions
from complaints.models import Complaint, ComplaintEvent, ReplyTemplate, SatisfactionSurvey
from crm_site import roles
from customers.models import Customer, Store
from customers.selectors.timeline import TimelineEntry

QUEUES = ("mine", "store", "escalated", "overdue", "all")
PANEL_COMPLAINTS = 10


def complaint_get_for_user(*, user, pk) -> Complaint:
    """One complaint the user may see: the same 404 for missing and forbidden."""
    return get_object_or_404(
        Complaint.objects.visible_to(user).select_related(
            "customer",
            "customer__account_manager",
            "lead",
            "category",
            "store",
            "assignee",
            "root_cause",
            "timepiece",
            "timepiece__brand",
            "product",
            "goodwill_decided_by",
        ),
        pk=pk,
    )


def _with_flags(queryset, *, now):
    return queryset.annotate(
        is_overdue=ExpressionWrapper(
            Q(status=Complaint.Status.NEW, acknowledge_due_at__lt=now)
            | Q(status__in=Complaint.CLOCK_RUNNING, resolve_due_at__lt=now),
            output_field=BooleanField(),
        )
    )


def complaint_list_for_user(
    *,
    user,
    queue: str = "mine",
    status: str = "",
    category_id=None,
    severity: str = "",
    store_id=None,
    search: str = "",
    now=None,
):
    """A queue of complaints with filters, flagged ``is_overdue``, most urgent first (one query)."""
    now = now or timezone.now()
    queryset = Complaint.objects.visible_to(user)
    if queue == "mine":
        queryset = queryset.open().filter(assignee=user)
    elif queue == "store":
        queryset = queryset.open().filter(assignee__isnull=True)
        if not roles.sees_all_stores(user):
            queryset = queryset.filter(store__in=permissions.store_ids_of(user))
    elif queue == "escalated":
        queryset = queryset.escalated()
    elif queue == "overdue":
        queryset = queryset.overdue(now=now)
    if status:
        queryset = queryset.filter(status=status)
    if category_id:
        queryset = queryset.filter(category_id=category_id)
    if severity:
        queryset = queryset.filter(severity=severity)
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    search = (search or "").strip()
    if search:
        condition = (
            Q(subject__icontains=search)
            | Q(contact_name__icontains=search)
            | Q(customer__name_en__icontains=search)
            | Q(customer__name_zh__icontains=search)
        )
        reference = search.upper().removeprefix("C-").lstrip("0")
        if reference.isdigit():
            condition |= Q(pk=int(reference))
        queryset = queryset.filter(condition)
    order = ("resolve_due_at", "pk") if queue != "all" else ("-received_at", "-pk")
    return _with_flags(queryset, now=now).select_related("customer", "category", "store", "assignee").order_by(*order)


def queue_counts_for_user(*, user, now=None) -> dict[str, int]:
    """How many complaints each queue holds, in one query."""
    now = now or timezone.now()
    visible = Complaint.objects.visible_to(user).open()
    store_condition = Q(assignee__isnull=True)
    if not roles.sees_all_stores(user):
        store_condition &= Q(store__in=permissions.store_ids_of(user))
    return visible.aggregate(
        mine=Count("pk", filter=Q(assignee=user)),
        store=Count("pk", filter=store_condition),
        escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        overdue=Count(
            "pk",
            filter=Q(status=Complaint.Status.NEW, acknowledge_due_at__lt=now)
            | Q(status__in=Complaint.CLOCK_RUNNING, resolve_due_at__lt=now),
        ),
    )


def complaint_events(*, complaint):
    """The complaint's timeline, oldest first, with who did each thing (one query)."""
    return ComplaintEvent.objects.filter(complaint=complaint).select_related("actor").order_by("at", "id")


def complaint_surveys(*, complaint):
    return SatisfactionSurvey.objects.filter(complaint=complaint).order_by("-created_at", "-id")


def complaint_actions_for(*, user, complaint) -> dict[str, bool]:
    """Which actions the complaint page offers ``user`` now (the services check again)."""
    from complaints.services.workflow import TRANSITIONS

    status = complaint.status
    actions = {}
    for action in permissions.ACTIONS:
        allowed = permissions.may(user, complaint, action)
        if action in TRANSITIONS:
            allowed = allowed and status in TRANSITIONS[action][0]
        elif action in (permissions.ESCALATE, permissions.REASSIGN, permissions.CLASSIFY):
            allowed = allowed and complaint.is_open
        elif action == permissions.APPROVE_GOODWILL:
            allowed = allowed and complaint.goodwill_status == Complaint.Goodwill.PENDING
        elif action == permissions.LINK_CUSTOMER:
            allowed = allowed and complaint.customer_id is None
        actions[action] = allowed
    if complaint.goodwill_status == Complaint.Goodwill.PENDING:
        actions[permissions.RESOLVE] = False
    return actions


def possible_customers(*, user, complaint, limit: int = 5):
    """Customers the user sees whose phone or e-mail is the web complainant's (for linking)."""
    from complaints.services.intake import matching_customers

    if complaint.customer_id:
        return Customer.objects.none()
    matches = matching_customers(mobile_phone=complaint.contact_phone, email=complaint.contact_email)
    return matches.filter(pk__in=Customer.objects.visible_to(user).values("pk")).select_related("home_store")[:limit]


@dataclass(frozen=True)
class RenderedReply:
    purpose: str
    language: str
    subject: str
    body: str


def reply_templates_for(*, complaint) -> list[RenderedReply]:
    """The reply templates filled in for this complaint, the customer's language first."""
    language = complaint.customer.preferred_language if complaint.customer_id else "en"
    values = {
        "customer": complaint.complainant_name,
        "reference": complaint.reference,
        "store": complaint.store.name,
        "summary": complaint.resolution_summary or "…",
        "goodwill": f"HKD {complaint.goodwill_amount:,.2f}" if complaint.goodwill_amount else "…",
    }
    templates = ReplyTemplate.objects.order_by("purpose", "language")
    rendered = [
        RenderedReply(
            purpose=t.get_purpose_display(),
            language=t.language,
            subject=Template(t.subject).safe_substitute(values),
            body=Template(t.body).safe_substitute(values),
        )
        for t in templates
    ]
    return sorted(rendered, key=lambda r: r.language != language)


# --- the customer page --------------------------------------------------------------


def complaints_for_customer(*, customer, user):
    """The customer's complaints the user may see, open ones first (one query)."""
    return (
        _with_flags(Complaint.objects.visible_to(user).filter(customer=customer), now=timezone.now())
        .select_related("category", "assignee")
        .order_by(F("resolved_at").desc(nulls_first=True), "-received_at", "-pk")
    )


def panel_context(*, customer, user) -> dict:
    """What the customer page's complaints panel shows (variable ``complaints_panel``)."""
    visible = user.has_perm("complaints.view_complaint")
    complaints = list(complaints_for_customer(customer=customer, user=user)[:PANEL_COMPLAINTS]) if visible else []
    return {
        "customer": customer,
        "visible": visible,
        "complaints": complaints,
        "can_add": user.has_perm("complaints.add_complaint"),
    }


def open_complaints():
    """Open complaints: ``open_complaints().filter(customer=OuterRef("pk"))`` counts a customer's
    open complaints (for the customer metrics)."""
    return Complaint.objects.open().filter(customer__isnull=False)


def timeline_entries(*, customer, limit: int) -> list[TimelineEntry]:
    """Complaints for the customer timeline, at the time they were received (one query)."""
    return [
        TimelineEntry(
            when=complaint.received_at,
            kind="complaint",
            icon="exclamation-octagon",
            title=_("Complaint %(ref)s: %(subject)s") % {"ref": complaint.reference, "subject": complaint.subject},
            detail=f"{complaint.category} · {complaint.get_severity_display()}",
            url=complaint.get_absolute_url(),
            badge=complaint.get_status_display(),
        )
        for complaint in Complaint.objects.filter(customer=customer)
        .select_related("category")
        .order_by("-received_at", "-pk")[:limit]
    ]


# --- SLA compliance -------------------------------------------------------------------


@dataclass
class StoreCompliance:
    store: Store
    received: int = 0
    acknowledged: int = 0
    acknowledged_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    open_overdue: int = 0
    median_resolution: timedelta | None = None
    csat: Decimal | None = None
    csat_answers: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def acknowledged_on_time_share(self):
        return self._share(self.acknowledged_on_time, self.acknowledged)

    @property
    def resolved_on_time_share(self):
        return self._share(self.resolved_on_time, self.resolved)

    @property
    def median_resolution_display(self) -> str:
        if self.median_resolution is None:
            return ""
        hours = round(self.median_resolution.total_seconds() / 3600)
        days, hours = divmod(hours, 24)
        return (
            _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
            if days
            else _("%(hours)s h") % {"hours": hours}
        )


def sla_compliance_for_user(*, user, since, now=None) -> list[StoreCompliance]:
    """Per store the user sees: complaints received since ``since``, the share acknowledged and resolved
    on time, the median resolution time (wall clock), open overdue ones and the CSAT (three queries)."""
    now = now or timezone.now()
    stores = {store.pk: StoreCompliance(store=store) for store in Store.objects.of_user(user).order_by("name")}
    received = Complaint.objects.filter(store__in=stores.keys(), received_at__gte=since)
    rows = received.values("store_id").annotate(
        received=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        acknowledged_on_time=Count("pk", filter=Q(acknowledged_at__lte=F("acknowledge_due_at"))),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        resolved_on_time=Count("pk", filter=Q(resolved_at__lte=F("resolve_due_at"))),
        open_overdue=Count(
            "pk",
            filter=Q(status=Complaint.Status.NEW, acknowledge_due_at__lt=now)
            | Q(status__in=Complaint.CLOCK_RUNNING, resolve_due_at__lt=now),
        ),
    )
    for row in rows:
        target = stores[row.pop("store_id")]
        for name, value in row.items():
            setattr(target, name, value)
    durations: dict[int, list[timedelta]] = {}
    resolved = received.filter(resolved_at__isnull=False).annotate(
        took=ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
    )
    for store_id, took in resolved.values_list("store_id", "took").iterator(chunk_size=2000):
        durations.setdefault(store_id, []).append(took)
    for store_id, values in durations.items():
        stores[store_id].median_resolution = statistics.median(values)
    csat = (
        SatisfactionSurvey.objects.filter(complaint__in=received.values("pk"), score__isnull=False)
        .values("complaint__store_id")
        .annotate(average=Avg("score"), answers=Count("pk"))
    )
    for row in csat:
        target = stores[row["complaint__store_id"]]
        target.csat = Decimal(row["average"]).quantize(Decimal("0.1"))
        target.csat_answers = row["answers"]
    return list(stores.values())
