"""Reads of owned timepieces and service jobs, always scoped to the user asking."""

import datetime

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, OwnedTimepiece, ServiceJob
from customers.selectors.customer import customer_is_editable_by
from customers.selectors.timeline import TimelineEntry

DUE_SOON_DAYS = 60


def _open_job_status():
    """The status of the timepiece's newest open service job, or None."""
    return Subquery(
        ServiceJob.objects.filter(timepiece=OuterRef("pk"), status__in=ServiceJob.OPEN_STATUSES)
        .order_by("-received_on", "-id")
        .values("status")[:1]
    )


def _open_jobs_count():
    """How many open service jobs the timepiece has (a subquery: no GROUP BY over the joined rows)."""
    counts = (
        ServiceJob.objects.filter(timepiece=OuterRef("pk"), status__in=ServiceJob.OPEN_STATUSES)
        .order_by()
        .values("timepiece")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _with_open_jobs(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(open_job_status=_open_job_status(), open_jobs_count=_open_jobs_count())


def _by_due_date(queryset: QuerySet) -> QuerySet:
    return queryset.order_by(F("service_due_on").asc(nulls_last=True), "id")


def due_state(*, timepiece: OwnedTimepiece, today: datetime.date, soon_days: int = DUE_SOON_DAYS) -> str:
    """ "overdue", "soon" (due within ``soon_days``) or "" — only for timepieces the customer still owns."""
    due = timepiece.service_due_on
    if due is None or timepiece.status != OwnedTimepiece.Status.OWNED:
        return ""
    if due < today:
        return "overdue"
    if due <= today + datetime.timedelta(days=soon_days):
        return "soon"
    return ""


def warranty_state(*, timepiece: OwnedTimepiece, today: datetime.date) -> str:
    """ "active", "expired" or "" (unknown)."""
    if timepiece.warranty_expires_on is None:
        return ""
    return "active" if timepiece.warranty_expires_on >= today else "expired"


def with_states(timepieces, *, today: datetime.date) -> list[OwnedTimepiece]:
    """Set ``due_state``, ``warranty_state`` and ``open_job_label`` on each timepiece for the templates."""
    timepieces = list(timepieces)
    for timepiece in timepieces:
        timepiece.due_state = due_state(timepiece=timepiece, today=today)
        timepiece.warranty_state = warranty_state(timepiece=timepiece, today=today)
        status = getattr(timepiece, "open_job_status", None)
        timepiece.open_job_label = ServiceJob.Status(status).label if status else ""
    return timepieces


def timepieces_for_customer(*, customer: Customer) -> QuerySet:
    """The customer's timepieces with their brand and open service job (if any), soonest due first."""
    return _by_due_date(_with_open_jobs(OwnedTimepiece.objects.filter(customer=customer).select_related("brand")))


def timepiece_get_for_user(*, user, pk) -> OwnedTimepiece:
    """One timepiece of a customer the user may see: the same 404 for missing and forbidden."""
    return get_object_or_404(
        OwnedTimepiece.objects.filter(customer__in=Customer.objects.visible_to(user).values("pk")).select_related(
            "brand", "product", "customer", "customer__home_store", "purchase_line__purchase__store"
        ),
        pk=pk,
    )


def timepiece_get_editable_for_user(*, user, pk) -> OwnedTimepiece:
    """One timepiece of a customer the user may edit: the same 404 for missing and forbidden."""
    return get_object_or_404(
        OwnedTimepiece.objects.filter(customer__in=Customer.objects.editable_by(user).values("pk")).select_related(
            "brand", "customer"
        ),
        pk=pk,
    )


def timepiece_can_edit(*, user, timepiece: OwnedTimepiece) -> bool:
    return Customer.objects.editable_by(user).filter(pk=timepiece.customer_id).exists()


def service_jobs_for_timepiece(*, timepiece: OwnedTimepiece) -> QuerySet:
    """The timepiece's service history, newest first."""
    return (
        ServiceJob.objects.filter(timepiece=timepiece)
        .select_related("store", "handled_by")
        .order_by("-received_on", "-id")
    )


def service_job_get_editable_for_user(*, user, pk) -> ServiceJob:
    """One service job of a customer the user may edit: the same 404 for missing and forbidden."""
    return get_object_or_404(
        ServiceJob.objects.filter(
            timepiece__customer__in=Customer.objects.editable_by(user).values("pk")
        ).select_related("timepiece", "store", "handled_by"),
        pk=pk,
    )


def panel_context(*, customer: Customer, user) -> dict:
    """What the customer page's timepieces panel shows; two queries whatever the number of timepieces."""
    today = timezone.localdate()
    timepieces = with_states(timepieces_for_customer(customer=customer), today=today)
    can_add = user.has_perm("customers.add_ownedtimepiece") and (customer_is_editable_by(user=user, customer=customer))
    return {
        "customer": customer,
        "timepieces": timepieces,
        "overdue_count": sum(1 for t in timepieces if t.due_state == "overdue"),
        "due_soon_count": sum(1 for t in timepieces if t.due_state == "soon"),
        "open_jobs_count": sum(t.open_jobs_count for t in timepieces),
        "can_add": can_add,
        "today": today,
    }


def _midnight(day: datetime.date) -> datetime.datetime:
    """A date as midnight Hong Kong time (the project's time zone)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def timeline_entries(*, customer: Customer, limit: int) -> list[TimelineEntry]:
    """Service intakes and returns of the customer's timepieces, for the customer timeline: one query."""
    jobs = (
        ServiceJob.objects.filter(timepiece__customer=customer)
        .select_related("timepiece__brand")
        .annotate(last_event_on=Coalesce("returned_on", "received_on"))
        .order_by("-last_event_on", "-id")[:limit]
    )
    entries = []
    for job in jobs:
        url = reverse("customers:timepiece-detail", kwargs={"pk": job.timepiece_id})
        watch = str(job.timepiece)
        open_badge = job.get_status_display() if job.status in ServiceJob.OPEN_STATUSES else ""
        cancelled = job.status == ServiceJob.Status.CANCELLED
        entries.append(
            TimelineEntry(
                when=_midnight(job.received_on),
                kind="service",
                icon="tools",
                title=_("Service intake: %(watch)s") % {"watch": watch},
                detail=job.work_description.splitlines()[0][:200] if job.work_description else "",
                url=url,
                badge=open_badge or (job.get_status_display() if cancelled else ""),
            )
        )
        if job.status == ServiceJob.Status.RETURNED and job.returned_on:
            entries.append(
                TimelineEntry(
                    when=_midnight(job.returned_on),
                    kind="service",
                    icon="tools",
                    title=_("Returned from service: %(watch)s") % {"watch": watch},
                    detail=_("Cost HK$%(cost)s") % {"cost": f"{job.cost:,.2f}"},
                    url=url,
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


def service_due_list_for_user(
    *, user, within_days: int = DUE_SOON_DAYS, account_manager=None, today: datetime.date | None = None
) -> QuerySet:
    """Owned timepieces of the user's visible customers that are overdue or due within ``within_days``.

    Each row carries its customer (with home store and account manager), brand and open job status.
    """
    today = today or timezone.localdate()
    customers = Customer.objects.visible_to(user)
    if account_manager is not None:
        customers = customers.filter(account_manager=account_manager)
    queryset = OwnedTimepiece.objects.filter(
        customer__in=customers.values("pk"),
        status=OwnedTimepiece.Status.OWNED,
        service_due_on__lte=today + datetime.timedelta(days=within_days),
    ).select_related("brand", "customer", "customer__home_store", "customer__account_manager")
    return _by_due_date(_with_open_jobs(queryset))
