"""The KPI definitions: written once, used by the snapshot job (grouped per store and day) and by the
drill-down lists (the same rows, filtered to what the user may see), so a list always adds up to its figure.

Every figure is one of two kinds:

- a *flow* counts events on a day (customers created, complaints received, purchases made): a period's
  figure is the sum of its days, and its drill-down lists the events between the period's first and last day;
- a *stock* is a state at the end of a day (active customers, open complaints, customers per tier): a
  period's figure is the value on its last day, and its drill-down lists the state on that day.

Days are Asia/Hong_Kong days: an event at 23:59 HKT on the 1st belongs to the 1st, one at 00:00 to the 2nd.
Customer figures are counted at the customer's home store (the store whose staff see the customer), complaint
figures at the complaint's store, service jobs at the store that took the watch in.

Definitions (also in the README, "Reports"):

- active customers: current customers with a sale (a completed or partly returned purchase) in the 365 days
  ending on the day;
- 12-month retention on day D: of the customers with a sale in the 12 months ending a year before D
  (D-729…D-365, the *base*), the share with a sale in the 12 months ending on D (D-364…D, *retained*);
  churn rate = 1 − retention (the base's customers without a sale since: *lost*). One definition everywhere;
  a period's retention is the retention on its last day;
- revenue from returning customers: sales on the day by customers with an earlier sale (an earlier date);
- tier distribution, RFM sizes and churn bands: as the last segmentation and churn runs left them (these apps
  keep only the current classification, so a snapshot of a past day reads today's classes);
- complaints open / overdue at the end of the day: received before the day ended and neither resolved nor closed
  by then; overdue if past its acknowledgement deadline unacknowledged, or past its resolution deadline (due
  times as they stand now, i.e. after pauses);
- acknowledged / resolved within SLA: among complaints acknowledged (resolved) on the day, those on or before
  their due time; median resolution time: wall-clock hours from received to resolved, of those resolved;
- CSAT: survey answers on the day; satisfied = a score of 4 or 5 out of 5;
- service: customers with an owned watch whose service falls due in the next 30 days, customers with one past
  due; service jobs open at the end of the day whose promised date has passed (late) or falls in the next 7 days.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from churn.models import CustomerScore
from churn.selectors import AT_RISK_BANDS
from complaints.models import Complaint, SatisfactionSurvey
from customers.models import Customer, OwnedTimepiece, Purchase, ServiceJob
from segmentation.models import TierChange

FLOW = "flow"
STOCK = "stock"

SALE_STATUSES = (Purchase.Status.COMPLETED, Purchase.Status.PARTLY_RETURNED)
SERVICE_DUE_WITHIN_DAYS = 30
JOB_DUE_WITHIN_DAYS = 7


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in Asia/Hong_Kong (the project's time zone), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_end(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of ``day`` (exclusive bound)."""
    return day_start(day + datetime.timedelta(days=1))


def _sales():
    return Purchase.objects.filter(status__in=SALE_STATUSES)


def _sale_between(first: datetime.date, last: datetime.date):
    return Exists(_sales().filter(customer=OuterRef("pk"), purchased_on__gte=first, purchased_on__lte=last))


def _customers() -> QuerySet:
    return Customer.objects.current()


# --- the querysets, one per metric (start, end: the period's first and last day) --------------------------


def active_customers(start, end):
    return _customers().filter(_sale_between(end - datetime.timedelta(days=364), end))


def new_customers(start, end):
    return _customers().filter(created_at__gte=day_start(start), created_at__lt=day_end(end))


def retention_base(start, end):
    return _customers().filter(_sale_between(end - datetime.timedelta(days=729), end - datetime.timedelta(days=365)))


def retention_retained(start, end):
    return retention_base(start, end).filter(_sale_between(end - datetime.timedelta(days=364), end))


def retention_lost(start, end):
    return retention_base(start, end).exclude(_sale_between(end - datetime.timedelta(days=364), end))


def _sales_in(start, end):
    return _sales().filter(purchased_on__gte=start, purchased_on__lte=end, customer__merged_into__isnull=True)


def revenue_returning(start, end):
    earlier = _sales().filter(customer=OuterRef("customer_id"), purchased_on__lt=OuterRef("purchased_on"))
    return _sales_in(start, end).filter(Exists(earlier))


def revenue_total(start, end):
    return _sales_in(start, end)


def tier_customers(start, end):
    return _customers().filter(tier_holding__isnull=False)


def tier_moves(start, end):
    return TierChange.objects.filter(
        at__gte=day_start(start), at__lt=day_end(end), customer__merged_into__isnull=True
    ).annotate(
        move=Case(
            When(from_tier__isnull=True, then=Value("in")),
            When(to_tier__isnull=True, then=Value("out")),
            When(to_tier__rank__lt=F("from_tier__rank"), then=Value("up")),
            default=Value("down"),
            output_field=CharField(),
        )
    )


def rfm_customers(start, end):
    return _customers().filter(rfm__segment__isnull=False)


def at_risk_scores(start, end):
    return CustomerScore.objects.filter(band__in=AT_RISK_BANDS, customer__merged_into__isnull=True)


def complaints_opened(start, end):
    return Complaint.objects.filter(received_at__gte=day_start(start), received_at__lt=day_end(end))


def complaints_open(start, end):
    until = day_end(end)
    return Complaint.objects.filter(received_at__lt=until).exclude(resolved_at__lt=until).exclude(closed_at__lt=until)


def complaints_overdue(start, end):
    until = day_end(end)
    return complaints_open(start, end).filter(
        Q(acknowledge_due_at__lt=until) & (Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=until))
        | Q(resolve_due_at__lt=until)
    )


def complaints_acknowledged(start, end):
    return Complaint.objects.filter(acknowledged_at__gte=day_start(start), acknowledged_at__lt=day_end(end))


def complaints_acknowledged_in_sla(start, end):
    return complaints_acknowledged(start, end).filter(acknowledged_at__lte=F("acknowledge_due_at"))


def complaints_resolved(start, end):
    return Complaint.objects.filter(resolved_at__gte=day_start(start), resolved_at__lt=day_end(end))


def complaints_resolved_in_sla(start, end):
    return complaints_resolved(start, end).filter(resolved_at__lte=F("resolve_due_at"))


def csat_answers(start, end):
    return SatisfactionSurvey.objects.filter(
        answered_at__gte=day_start(start), answered_at__lt=day_end(end), score__isnull=False
    )


def csat_satisfied(start, end):
    return csat_answers(start, end).filter(score__gte=4)


def _owned():
    return OwnedTimepiece.objects.filter(status=OwnedTimepiece.Status.OWNED)


def service_due_customers(start, end):
    due = _owned().filter(
        customer=OuterRef("pk"),
        service_due_on__gte=end,
        service_due_on__lte=end + datetime.timedelta(days=SERVICE_DUE_WITHIN_DAYS),
    )
    return _customers().filter(Exists(due))


def service_overdue_customers(start, end):
    return _customers().filter(Exists(_owned().filter(customer=OuterRef("pk"), service_due_on__lt=end)))


def _jobs_open_at(end):
    return (
        ServiceJob.objects.filter(received_on__lte=end)
        .exclude(status=ServiceJob.Status.CANCELLED)
        .exclude(returned_on__lte=end)
    )


def service_jobs_late(start, end):
    return _jobs_open_at(end).filter(promised_on__lte=end)


def service_jobs_due(start, end):
    return _jobs_open_at(end).filter(
        promised_on__gt=end, promised_on__lte=end + datetime.timedelta(days=JOB_DUE_WITHIN_DAYS)
    )


# --- the catalogue ----------------------------------------------------------------------------------------------


CUSTOMER = "customer"
PURCHASE = "purchase"
COMPLAINT = "complaint"
SURVEY = "survey"
SCORE = "score"
TIER_CHANGE = "tierchange"
SERVICE_JOB = "servicejob"


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    section: str
    kind: str  # FLOW or STOCK
    rows: Callable  # (start, end) -> queryset of the rows behind the figure
    subject: str  # what the rows are (how a drill-down shows them)
    store_path: str  # the store a row counts at
    key: str | None = None  # a dimension: an expression path or an annotation name
    amount: str | None = None  # sum this field instead of counting rows
    unit: str = "count"  # count or hkd

    def value_expression(self):
        return Sum(self.amount) if self.amount else Count("pk")


METRICS: dict[str, Metric] = {
    m.code: m
    for m in [
        Metric("active_customers", _("Active customers"), "customers", STOCK, active_customers, CUSTOMER,
               "home_store_id"),
        Metric("new_customers", _("New customers"), "customers", FLOW, new_customers, CUSTOMER, "home_store_id",
               key="acquisition_source"),
        Metric("retention_base", _("Customers a year ago (retention base)"), "customers", STOCK, retention_base,
               CUSTOMER, "home_store_id"),
        Metric("retention_retained", _("Retained customers"), "customers", STOCK, retention_retained, CUSTOMER,
               "home_store_id"),
        Metric("retention_lost", _("Lost customers"), "customers", STOCK, retention_lost, CUSTOMER,
               "home_store_id"),
        Metric("revenue_returning", _("Revenue from returning customers"), "customers", FLOW, revenue_returning,
               PURCHASE, "customer__home_store_id", amount="total", unit="hkd"),
        Metric("revenue_total", _("Revenue"), "customers", FLOW, revenue_total, PURCHASE,
               "customer__home_store_id", amount="total", unit="hkd"),
        Metric("tier_customers", _("Customers per tier"), "segments", STOCK, tier_customers, CUSTOMER,
               "home_store_id", key="tier_holding__tier__name"),
        Metric("tier_moves", _("Tier moves"), "segments", FLOW, tier_moves, TIER_CHANGE,
               "customer__home_store_id", key="move"),
        Metric("rfm_customers", _("Customers per RFM segment"), "segments", STOCK, rfm_customers, CUSTOMER,
               "home_store_id", key="rfm__segment__code"),
        Metric("at_risk_customers", _("Customers at risk"), "churn", STOCK, at_risk_scores, SCORE,
               "customer__home_store_id", key="band"),
        Metric("value_at_risk", _("Value at risk (their 12-month spend)"), "churn", STOCK, at_risk_scores, SCORE,
               "customer__home_store_id", amount="spend_12m", unit="hkd"),
        Metric("complaints_opened", _("Complaints received"), "complaints", FLOW, complaints_opened, COMPLAINT,
               "store_id"),
        Metric("complaints_open", _("Complaints open"), "complaints", STOCK, complaints_open, COMPLAINT,
               "store_id"),
        Metric("complaints_overdue", _("Complaints overdue"), "complaints", STOCK, complaints_overdue, COMPLAINT,
               "store_id"),
        Metric("complaints_acknowledged", _("Complaints acknowledged"), "complaints", FLOW,
               complaints_acknowledged, COMPLAINT, "store_id"),
        Metric("complaints_acknowledged_in_sla", _("Acknowledged within SLA"), "complaints", FLOW,
               complaints_acknowledged_in_sla, COMPLAINT, "store_id"),
        Metric("complaints_resolved", _("Complaints resolved"), "complaints", FLOW, complaints_resolved,
               COMPLAINT, "store_id"),
        Metric("complaints_resolved_in_sla", _("Resolved within SLA"), "complaints", FLOW,
               complaints_resolved_in_sla, COMPLAINT, "store_id"),
        Metric("csat_answers", _("Survey answers"), "complaints", FLOW, csat_answers, SURVEY,
               "complaint__store_id"),
        Metric("csat_satisfied", _("Satisfied answers (4–5)"), "complaints", FLOW, csat_satisfied, SURVEY,
               "complaint__store_id"),
        Metric("service_due_customers", _("Customers with a service due in 30 days"), "service", STOCK,
               service_due_customers, CUSTOMER, "home_store_id"),
        Metric("service_overdue_customers", _("Customers with a service overdue"), "service", STOCK,
               service_overdue_customers, CUSTOMER, "home_store_id"),
        Metric("service_jobs_due", _("Service jobs due in 7 days"), "service", STOCK, service_jobs_due,
               SERVICE_JOB, "store_id"),
        Metric("service_jobs_late", _("Service jobs late"), "service", STOCK, service_jobs_late, SERVICE_JOB,
               "store_id"),
    ]
}  # fmt: skip

# Not additive over days or stores: computed from the complaints themselves (a few thousand rows).
MEDIAN_RESOLUTION_HOURS = "complaints_median_resolution_hours"


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def resolution_hours(queryset) -> list[float]:
    """Wall-clock hours from received to resolved, one per complaint in ``queryset`` (one query)."""
    return [
        (resolved - received).total_seconds() / 3600
        for received, resolved in queryset.values_list("received_at", "resolved_at")
    ]


def to_decimal(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))
