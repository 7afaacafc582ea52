"""Reads of the reports app: the dashboard's figures (from the snapshot rows) and the drill-down lists
(from the same definitions as the snapshot job, limited to the stores the user sees)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from crm_site import roles
from customers.models import Customer, Store
from reports import kpis
from reports.models import KpiSnapshot, SnapshotRun

# --- periods ---------------------------------------------------------------------------------------------------

PRESETS = {
    "7d": _("Last 7 days"),
    "30d": _("Last 30 days"),
    "90d": _("Last 90 days"),
    "month": _("Last full month"),
    "mtd": _("Month to date"),
}
DEFAULT_PRESET = "30d"


def one_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - datetime.timedelta(days=self.days), self.start - datetime.timedelta(days=1))

    def last_year(self) -> Period:
        return Period(one_year_before(self.start), one_year_before(self.end))

    def __str__(self):
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"


def last_snapshot_day() -> datetime.date | None:
    return SnapshotRun.objects.filter(status=SnapshotRun.Status.SUCCEEDED).aggregate(day=Max("day"))["day"]


def period_for(*, preset: str = "", start=None, end=None, latest: datetime.date | None = None) -> Period:
    """A custom period (start and end) or a preset ending on the latest snapshot day (else yesterday)."""
    if start and end:
        return Period(min(start, end), max(start, end))
    last = latest or timezone.localdate() - datetime.timedelta(days=1)
    if preset == "month":
        month_end = last if last == _month_end(last) else last.replace(day=1) - datetime.timedelta(days=1)
        return Period(month_end.replace(day=1), month_end)
    if preset == "mtd":
        return Period(last.replace(day=1), last)
    days = {"7d": 7, "90d": 90}.get(preset, 30)
    return Period(last - datetime.timedelta(days=days - 1), last)


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


# --- scope ---------------------------------------------------------------------------------------------------------


def dashboard_stores(*, user):
    return Store.objects.of_user(user).order_by("name")


def _store_scope(*, user, store_id=None) -> list[int] | None:
    """None: the whole business (admins, no store chosen); otherwise the store ids to add up."""
    if store_id:
        return list(Store.objects.of_user(user).filter(pk=store_id).values_list("pk", flat=True))
    if roles.sees_all_stores(user):
        return None
    return list(Store.objects.of_user(user).values_list("pk", flat=True))


# --- the figures -----------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    period: Period
    as_of: datetime.date | None  # the day stocks are read on (the last snapshot day in the period)
    values: dict  # {(metric, key): Decimal}
    median_resolution_hours: float | None

    def get(self, metric: str, key: str = "") -> Decimal:
        return self.values.get((metric, key), Decimal("0"))

    def total(self, metric: str) -> Decimal:
        return sum((v for (m, _k), v in self.values.items() if m == metric), Decimal("0"))

    def keys(self, metric: str) -> set[str]:
        return {k for (m, k) in self.values if m == metric}


def _rows(store_ids):
    rows = KpiSnapshot.objects.all()
    return rows.filter(store__isnull=True) if store_ids is None else rows.filter(store_id__in=store_ids)


def figures_for(*, store_ids, period: Period) -> Figures:
    """Flows summed over the period's days, stocks on its last snapshot day (three queries)."""
    as_of = SnapshotRun.objects.filter(
        status=SnapshotRun.Status.SUCCEEDED, day__gte=period.start, day__lte=period.end
    ).aggregate(day=Max("day"))["day"]
    values = defaultdict(Decimal)
    flows = [m.code for m in kpis.METRICS.values() if m.kind == kpis.FLOW]
    stocks = [m.code for m in kpis.METRICS.values() if m.kind == kpis.STOCK]
    flow_rows = (
        _rows(store_ids)
        .filter(metric__in=flows, day__gte=period.start, day__lte=period.end)
        .values_list("metric", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for metric, key, total in flow_rows:
        values[(metric, key)] += total
    if as_of:
        stock_rows = (
            _rows(store_ids)
            .filter(metric__in=stocks, day=as_of)
            .values_list("metric", "key")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for metric, key, total in stock_rows:
            values[(metric, key)] += total
    resolved = kpis.complaints_resolved(period.start, period.end)
    if store_ids is not None:
        resolved = resolved.filter(store_id__in=store_ids)
    return Figures(
        period=period,
        as_of=as_of,
        values=dict(values),
        median_resolution_hours=kpis.median(kpis.resolution_hours(resolved)),
    )


def _share(part, whole) -> float | None:
    return float(part) / float(whole) if whole else None


@dataclass
class Line:
    """One row of a dashboard table: a figure now, in the previous period and a year before."""

    label: str
    unit: str  # count, hkd, percent, hours
    current: object
    previous: object
    last_year: object
    metric: str = ""  # the drill-down, if any
    key: str = ""
    code: str = ""  # stable name of the line (targets, reports)

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        if self.unit == "percent":
            return float(self.current) - float(self.previous)  # points
        return _share(Decimal(str(self.current)) - Decimal(str(self.previous)), self.previous)


@dataclass
class Section:
    code: str
    title: str
    lines: list[Line]
    chart_metrics: list[str]


def rfm_names() -> dict[str, str]:
    from segmentation.models import RfmSegment

    return {segment.code: segment.label for segment in RfmSegment.objects.all()}


def key_label(metric: str, key: str, rfm: dict | None = None) -> str:
    if metric == "rfm_customers":
        return str((rfm if rfm is not None else rfm_names()).get(key, key))
    if metric == "new_customers":
        return str(dict(Customer.Source.choices).get(key, key))
    if metric == "tier_moves":
        moves = {
            "up": pgettext("tier move", "up"),
            "down": pgettext("tier move", "down"),
            "in": pgettext("tier move", "entered"),
            "out": pgettext("tier move", "left"),
        }
        return str(moves.get(key, key))
    if metric == "at_risk_customers":
        from churn.models import Band

        return str(dict(Band.choices).get(key, key))
    return key


def dashboard(*, user, period: Period, store_id=None) -> dict:
    """Every section of the supervisor dashboard for ``period`` against the previous period and last year."""
    return dashboard_for_stores(store_ids=_store_scope(user=user, store_id=store_id), period=period)


# Lines where a fall is good news (strengths and weaknesses read them the other way round).
LOWER_IS_BETTER = {
    "retention_lost", "churn_rate", "at_risk_customers", "value_at_risk", "complaints_opened", "complaints_open",
    "complaints_overdue", "median_resolution_hours", "service_overdue_customers", "service_jobs_late",
}  # fmt: skip


def dashboard_for_stores(*, store_ids: list[int] | None, period: Period) -> dict:
    """The dashboard's sections for a set of stores (None: the whole business)."""
    now, prev, year = (
        figures_for(store_ids=store_ids, period=p) for p in (period, period.previous(), period.last_year())
    )
    sets = (now, prev, year)
    rfm = rfm_names()

    def line(metric, label=None, key=None):
        m = kpis.METRICS[metric]
        if key is None:
            current, previous, last_year = (f.total(metric) for f in sets)
        else:
            current, previous, last_year = (f.get(metric, key) for f in sets)
        title = label or (f"{m.label} · {key_label(metric, key, rfm)}" if key is not None else m.label)
        code = f"{metric}:{key}" if key is not None else metric
        return Line(str(title), m.unit, current, previous, last_year, metric=metric, key=key or "", code=code)

    def rate(code, label, part, whole, metric="", invert=False):
        values = []
        for f in sets:
            share = _share(f.total(part), f.total(whole))
            values.append(None if share is None else (1 - share if invert else share))
        return Line(str(label), "percent", *values, metric=metric, code=code)

    def keyed(metric):
        keys = sorted(now.keys(metric) | prev.keys(metric) | year.keys(metric))
        return [line(metric, key=key) for key in keys]

    sections = [
        Section("customers", _("Customers and retention"), [
            line("active_customers"),
            line("new_customers"),
            *keyed("new_customers"),
            line("retention_base"),
            line("retention_retained"),
            line("retention_lost"),
            rate("retention_rate", _("Retention rate (12 months)"), "retention_retained", "retention_base",
                 "retention_retained"),
            rate("churn_rate", _("Churn rate (12 months)"), "retention_retained", "retention_base",
                 "retention_lost", invert=True),
            line("revenue_total"),
            line("revenue_returning"),
            rate("returning_revenue_share", _("Share of revenue from returning customers"), "revenue_returning",
                 "revenue_total", "revenue_returning"),
        ], ["active_customers", "new_customers", "retention_retained", "retention_lost"]),
        Section("segments", _("Tiers and RFM segments"), [
            *keyed("tier_customers"),
            *keyed("tier_moves"),
            *keyed("rfm_customers"),
        ], ["tier_customers", "rfm_customers"]),
        Section("churn", _("Churn risk"), [
            line("at_risk_customers"),
            *keyed("at_risk_customers"),
            line("value_at_risk"),
        ], ["at_risk_customers"]),
        Section("complaints", _("Complaints and service quality"), [
            line("complaints_opened"),
            line("complaints_open"),
            line("complaints_overdue"),
            line("complaints_acknowledged"),
            rate("acknowledged_in_sla_share", _("Acknowledged within SLA"), "complaints_acknowledged_in_sla",
                 "complaints_acknowledged", "complaints_acknowledged_in_sla"),
            line("complaints_resolved"),
            rate("resolved_in_sla_share", _("Resolved within SLA"), "complaints_resolved_in_sla", "complaints_resolved",
                 "complaints_resolved_in_sla"),
            Line(str(_("Median resolution time (hours)")), "hours", now.median_resolution_hours,
                 prev.median_resolution_hours, year.median_resolution_hours, metric="complaints_resolved",
                 code="median_resolution_hours"),
            line("csat_answers"),
            rate("csat", _("CSAT (share satisfied)"), "csat_satisfied", "csat_answers", "csat_satisfied"),
        ], ["complaints_opened", "complaints_open", "complaints_overdue", "complaints_resolved"]),
        Section("service", _("Service"), [
            line("service_due_customers"),
            line("service_overdue_customers"),
            line("service_jobs_due"),
            line("service_jobs_late"),
        ], ["service_due_customers", "service_overdue_customers", "service_jobs_due", "service_jobs_late"]),
    ]  # fmt: skip
    for section in sections:
        section.lines = [ln for ln in section.lines if ln is not None]
    return {"sections": sections, "current": now, "previous": prev, "last_year": year, "store_ids": store_ids}


def chart_data(section: Section, labels: dict) -> dict:
    """Chart.js data for a section: its count lines (not rates), current vs previous vs last year."""
    lines = [ln for ln in section.lines if ln.unit == "count" and ln.metric in section.chart_metrics]
    return {
        "labels": [ln.label for ln in lines],
        "datasets": [
            {"label": str(labels["current"]), "data": [float(ln.current or 0) for ln in lines]},
            {"label": str(labels["previous"]), "data": [float(ln.previous or 0) for ln in lines]},
            {"label": str(labels["last_year"]), "data": [float(ln.last_year or 0) for ln in lines]},
        ],
    }


# --- drill-down ----------------------------------------------------------------------------------------------------

SELECT_RELATED = {
    kpis.CUSTOMER: ("home_store", "account_manager"),
    kpis.PURCHASE: ("customer", "store"),
    kpis.COMPLAINT: ("store", "customer"),
    kpis.SURVEY: ("complaint", "complaint__store"),
    kpis.SCORE: ("customer", "customer__home_store"),
    kpis.TIER_CHANGE: ("customer", "from_tier", "to_tier"),
    kpis.SERVICE_JOB: ("store", "timepiece", "timepiece__customer", "timepiece__brand"),
}


def drill_down(*, user, metric: kpis.Metric, period: Period, key: str = "", store_id=None):
    """The rows behind a figure, limited to the stores the user sees (or the one chosen): a queryset whose
    count (or sum, for amounts) is the dashboard's figure for the same stores and period."""
    rows = metric.rows(period.start, period.end)
    store_ids = _store_scope(user=user, store_id=store_id)
    if store_ids is not None:
        rows = rows.filter(**{f"{metric.store_path}__in": store_ids})
    if key and metric.key:
        rows = rows.filter(**{metric.key: key})
    return rows.select_related(*SELECT_RELATED[metric.subject]).order_by("-pk")


def drill_total(rows, metric: kpis.Metric):
    return rows.aggregate(total=Sum(metric.amount))["total"] if metric.amount else None


# --- an account manager's day -----------------------------------------------------------------------------------

BIRTHDAY_DAYS = 7
MY_DAY_ROWS = 15  # the first rows of each list; the full lists are a link away


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthdays_this_week(*, book, today: datetime.date) -> list:
    """Customers of ``book`` whose birthday falls in the seven days from ``today``, soonest first (one query).

    Born on 29 February: celebrated on 28 February in a year without one.
    """
    from django.db.models import Q

    window = [today + datetime.timedelta(days=i) for i in range(BIRTHDAY_DAYS)]
    condition = Q()
    order = {}
    for index, day in enumerate(window):
        condition |= Q(birth_month=day.month, birth_day=day.day)
        order[(day.month, day.day)] = index
        if day.month == 2 and day.day == 28 and not _is_leap(day.year):
            condition |= Q(birth_month=2, birth_day=29)
            order[(2, 29)] = index
    customers = list(book.filter(condition).select_related("home_store"))
    for customer in customers:
        customer.birthday_on = window[order[(customer.birth_month, customer.birth_day)]]
    return sorted(customers, key=lambda c: (c.birthday_on, c.name_en, c.pk))


def first_rows_and_count(queryset, rows: int) -> tuple[list, int]:
    """The first ``rows`` rows of ``queryset`` and how many rows it has in all, in one query: a window count
    (``COUNT(*) OVER ()``) computed with the rows, instead of a second walk over the same join for ``count()``."""
    from django.db.models import Count, Window

    first = list(queryset.annotate(rows_in_all=Window(Count("pk")))[:rows])
    return first, (first[0].rows_in_all if first else 0)


def book_mix(*, book) -> dict:
    """The size of ``book`` (a Customer queryset) and its mix by tier and by churn band, in one query.

    One walk over the book, grouped by (tier, band): a customer holds at most one tier and one score (one-to-one),
    so each customer is counted once. Returns book_size, tiers (rank order), untiered, bands (per code) and
    unscored.
    """
    from django.db.models import Count

    groups = book.values_list("tier_holding__tier__rank", "tier_holding__tier__name", "churn_score__band").annotate(
        n=Count("pk")
    )
    tiers, bands = {}, defaultdict(int)
    book_size = untiered = unscored = 0
    for rank, name, band, n in groups.order_by():
        book_size += n
        if rank is None:
            untiered += n
        else:
            tiers[(rank, name)] = tiers.get((rank, name), 0) + n
        if band is None:
            unscored += n
        else:
            bands[band] += n
    return {
        "book_size": book_size,
        "tiers": [{"name": name, "count": n} for (_rank, name), n in sorted(tiers.items())],
        "untiered": untiered,
        "bands": bands,
        "unscored": unscored,
    }


def my_day(*, user, today: datetime.date | None = None) -> dict:
    """What an account manager has on today: follow-ups due, service reminders, open complaints of their
    book (or assigned to them), birthdays this week, and their book's tier and risk mix.

    At a million customers a book is thousands of customers: each panel walks it once (the lists with their
    counts, see first_rows_and_count; the mix in one grouped query, see book_mix)."""
    from django.db.models import Q

    from churn.models import Band
    from complaints.models import Complaint
    from customers.selectors.interactions import my_tasks
    from customers.selectors.timepieces import service_due_list_for_user

    today = today or timezone.localdate()
    book = Customer.objects.visible_to(user).filter(account_manager=user)
    tasks, tasks_count = first_rows_and_count(my_tasks(user=user, today=today).filter(due_on__lte=today), MY_DAY_ROWS)
    service_due, service_due_count = first_rows_and_count(
        service_due_list_for_user(user=user, account_manager=user, today=today), MY_DAY_ROWS
    )
    mix = book_mix(book=book)
    return {
        "today": today,
        "book_size": mix["book_size"],
        "tasks": tasks,
        "tasks_count": tasks_count,
        "service_due": service_due,
        "service_due_count": service_due_count,
        "complaints": list(
            Complaint.objects.visible_to(user)
            .open()
            .filter(Q(customer__in=book.values("pk")) | Q(assignee=user))
            .select_related("customer", "store")
            .order_by("resolve_due_at", "pk")
        ),
        "birthdays": birthdays_this_week(book=book, today=today),
        "tiers": mix["tiers"],
        "untiered": mix["untiered"],
        "bands": [{"code": code, "label": label, "count": mix["bands"].get(code, 0)} for code, label in Band.choices],
        "unscored": mix["unscored"],
    }


# --- regular reports -----------------------------------------------------------------------------------------------


def definitions_for_user(*, user):
    """Admins see every report definition; others the ones they own."""
    from reports.models import ReportDefinition

    queryset = ReportDefinition.objects.select_related("owner", "periodic_task__crontab")
    return queryset if roles.is_admin(user) else queryset.filter(owner=user)


def definition_get_for_user(*, user, pk):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(definitions_for_user(user=user), pk=pk)


def runs_for_definition(*, definition):
    return definition.runs.order_by("-created_at", "-pk")


def run_get_for_user(*, user, pk):
    from django.shortcuts import get_object_or_404

    from reports.models import ReportRun

    return get_object_or_404(
        ReportRun.objects.filter(definition__in=definitions_for_user(user=user)).select_related("definition"), pk=pk
    )


# --- programme budgets and returns -------------------------------------------------------------------------------


@dataclass
class ProgrammeReturn:
    programme: object
    budget: Decimal
    expenses: Decimal
    goodwill: Decimal
    audience: int
    revenue_retained: Decimal  # sales in the period by audience customers who were active when it began
    revenue_won_back: Decimal  # sales in the period by audience customers lapsed (no sale in the year before)

    @property
    def spend(self) -> Decimal:
        return self.expenses + self.goodwill

    @property
    def budget_used(self) -> float | None:
        return _share(self.spend, self.budget)

    @property
    def revenue(self) -> Decimal:
        return self.revenue_retained + self.revenue_won_back

    @property
    def return_on_spend(self) -> float | None:
        return _share(self.revenue, self.spend)


def _prorated_budget(budgets, period: Period) -> Decimal:
    """The part of each budget that falls in the period, by days (a monthly budget over half a month: half)."""
    total = Decimal("0")
    for budget in budgets:
        first, last = max(budget.period_start, period.start), min(budget.period_end, period.end)
        if first > last:
            continue
        days = (budget.period_end - budget.period_start).days + 1
        total += budget.amount * Decimal((last - first).days + 1) / Decimal(days)
    return total.quantize(Decimal("0.01"))


def programme_returns(*, user, period: Period, store_id=None) -> list[ProgrammeReturn]:
    """Per active programme: budget (prorated), spend (recorded expenses and, for goodwill, approved goodwill on
    complaints resolved in the period), and the revenue its audience brought in the period, in the user's
    stores. A fixed number of queries whatever the number of programmes: expenses, audiences and revenue are
    grouped by programme (segment programmes) or computed once (the goodwill audience)."""
    from django.db.models import Count, Exists, OuterRef, Q

    from complaints.models import Complaint
    from reports.models import Programme, ProgrammeExpense

    store_ids = _store_scope(user=user, store_id=store_id)
    customers = Customer.objects.current()
    complaints = Complaint.objects.all()
    expenses = ProgrammeExpense.objects.filter(spent_on__gte=period.start, spent_on__lte=period.end)
    if store_ids is not None:
        customers = customers.filter(home_store_id__in=store_ids)
        complaints = complaints.filter(store_id__in=store_ids)
        expenses = expenses.filter(store_id__in=store_ids)
    goodwill = complaints.filter(
        goodwill_status=Complaint.Goodwill.APPROVED,
        resolved_at__gte=kpis.day_start(period.start),
        resolved_at__lt=kpis.day_end(period.end),
    )
    year_before_start = period.start - datetime.timedelta(days=365)
    active_before = kpis._sales().filter(
        customer=OuterRef("customer_id"), purchased_on__gte=year_before_start, purchased_on__lt=period.start
    )
    earlier = kpis._sales().filter(customer=OuterRef("customer_id"), purchased_on__lt=year_before_start)
    revenue = {
        "retained": Sum("total", filter=Q(Exists(active_before))),
        "won_back": Sum("total", filter=Q(~Exists(active_before), Exists(earlier))),
    }
    sales = kpis.revenue_total(period.start, period.end).filter(customer__in=customers.values("pk")).order_by()

    programmes = list(Programme.objects.filter(is_active=True).prefetch_related("budgets").order_by("name"))
    spent = dict(
        expenses.filter(programme__in=programmes)
        .order_by()
        .values("programme_id")
        .annotate(total=Sum("amount"))
        .values_list("programme_id", "total")
    )
    zero = {"audience": 0, "retained": None, "won_back": None}
    by_segment = {}
    segment_ids = {p.segment_id for p in programmes if p.kind != Programme.Kind.GOODWILL and p.segment_id}
    if segment_ids:
        # an open membership is unique per segment and customer: grouping by it counts each customer once
        open_memberships = {"segment_memberships__segment_id__in": segment_ids, "segment_memberships__left_run": None}
        audiences = (
            customers.filter(**open_memberships)
            .order_by()
            .values("segment_memberships__segment_id")
            .annotate(audience=Count("pk"))
        )
        for row in audiences:
            by_segment[row["segment_memberships__segment_id"]] = {**zero, "audience": row["audience"]}
        grouped = sales.filter(**{f"customer__{k}": v for k, v in open_memberships.items()})
        for row in grouped.values("customer__segment_memberships__segment_id").annotate(**revenue):
            by_segment.setdefault(row["customer__segment_memberships__segment_id"], dict(zero)).update(
                retained=row["retained"], won_back=row["won_back"]
            )
    goodwill_row, goodwill_spend = zero, Decimal("0")
    if any(p.kind == Programme.Kind.GOODWILL for p in programmes):
        goodwill_customers = customers.filter(pk__in=goodwill.values("customer_id"))
        goodwill_spend = goodwill.aggregate(total=Sum("goodwill_amount"))["total"] or Decimal("0")
        goodwill_row = {
            "audience": goodwill_customers.count(),
            **sales.filter(customer__in=goodwill_customers.values("pk")).aggregate(**revenue),
        }

    result = []
    for programme in programmes:
        if programme.kind == Programme.Kind.GOODWILL:
            row, spend = goodwill_row, goodwill_spend
        else:
            row, spend = by_segment.get(programme.segment_id, zero), Decimal("0")
        result.append(
            ProgrammeReturn(
                programme=programme,
                budget=_prorated_budget(programme.budgets.all(), period),
                expenses=spent.get(programme.pk) or Decimal("0"),
                goodwill=spend,
                audience=row["audience"],
                revenue_retained=row["retained"] or Decimal("0"),
                revenue_won_back=row["won_back"] or Decimal("0"),
            )
        )
    return result
