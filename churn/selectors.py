"""Reads of the churn app, scoped to the user asking."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from churn.models import (
    Band,
    ChurnReason,
    ChurnSettings,
    CustomerScore,
    Playbook,
    RemedyAction,
    ScoreDisagreement,
    ScoringRun,
)
from customers.models import Customer, Purchase

AT_RISK_BANDS = (Band.WATCH, Band.HIGH, Band.LOST)
WASTAGE_BANDS = (Band.HIGH, Band.LOST)  # "lapsed" and "lost"


def _latest_reason(field: str):
    return Subquery(
        ChurnReason.objects.filter(customer_id=OuterRef("customer_id")).order_by("-created_at", "-id").values(field)[:1]
    )


def _with_flags(queryset):
    """Scores with whether they are disputed and the customer's latest churn reason, in the same query."""
    return queryset.annotate(
        disputed=Exists(ScoreDisagreement.objects.filter(customer_id=OuterRef("customer_id"))),
        reason=_latest_reason("reason"),
    )


# --- the customer page ---------------------------------------------------------------------------------


@dataclass
class ScorePanel:
    score: CustomerScore | None
    disagreements: list
    reason: ChurnReason | None
    days_since_last: int | None = None
    gap_ratio: float | None = None  # days since the last purchase over the usual gap
    can_dispute: bool = False
    can_record_reason: bool = False


def panel_context(*, customer: Customer, user, can_edit: bool | None = None) -> ScorePanel | None:
    """The churn panel of the customer page (None without the permission): two queries, three with disputes.

    ``customer`` has already been read through a visibility selector.
    """
    if not user.has_perm("churn.view_customerscore"):
        return None
    score = (
        CustomerScore.objects.filter(customer_id=customer.pk)
        .annotate(
            dispute_count=Count("customer__churn_disputes", distinct=True),
        )
        .first()
    )
    reason = ChurnReason.objects.filter(customer_id=customer.pk).select_related("recorded_by").first()
    disagreements = []
    if score is not None and score.dispute_count:
        disagreements = list(
            ScoreDisagreement.objects.filter(customer_id=customer.pk).select_related("recorded_by")[:3]
        )
    panel = ScorePanel(score=score, disagreements=disagreements, reason=reason)
    if score is not None:
        panel.days_since_last = (score.as_of - score.last_purchase_on).days
        if score.usual_gap_days:
            panel.gap_ratio = panel.days_since_last / score.usual_gap_days
    editable = bool(can_edit)
    panel.can_dispute = score is not None and editable and user.has_perm("churn.add_scoredisagreement")
    panel.can_record_reason = editable and user.has_perm("churn.add_churnreason")
    return panel


# --- the at-risk list --------------------------------------------------------------------------------


def at_risk_list(*, user, band: str = "", store_id=None):
    """Scores of the customers the user may see, in the at-risk bands (or one band), riskiest first. One query."""
    queryset = CustomerScore.objects.filter(customer__in=Customer.objects.visible_to(user))
    queryset = queryset.filter(band=band) if band else queryset.filter(band__in=AT_RISK_BANDS)
    if store_id:
        queryset = queryset.filter(customer__home_store_id=store_id)
    return _with_flags(
        queryset.select_related("customer", "customer__home_store", "customer__account_manager")
    ).order_by("-risk", "customer_id")


def band_counts(*, user, store_id=None) -> dict[str, int]:
    """How many of the customers the user may see are in each band (one query)."""
    queryset = CustomerScore.objects.filter(customer__in=Customer.objects.visible_to(user))
    if store_id:
        queryset = queryset.filter(customer__home_store_id=store_id)
    counts = dict(queryset.values_list("band").annotate(n=Count("pk")).order_by())
    return {band: counts.get(band, 0) for band in Band.values}


# --- the model card ------------------------------------------------------------------------------------


def model_card() -> dict:
    """The latest successful run (what the scores come from), the latest run if it failed, recent runs."""
    recent = list(ScoringRun.objects.order_by("-started_at", "-id")[:10])
    current = next((run for run in recent if run.status == ScoringRun.Status.SUCCEEDED), None)
    if current is None:
        current = ScoringRun.objects.filter(status=ScoringRun.Status.SUCCEEDED).order_by("-started_at").first()
    latest = recent[0] if recent else None
    return {
        "run": current,
        "failed": latest if latest is not None and latest.status == ScoringRun.Status.FAILED else None,
        "recent": recent,
        "settings": ChurnSettings.objects.filter(pk=1).first(),
    }


# --- the wastage assessment ------------------------------------------------------------------------------


def wastage_scores(
    *, user, store_id=None, account_manager_id=None, since=None, until=None, reason: str = "", tier_id=None
):
    """Lapsed (high risk) and lost customers the user may see, filtered by store, account manager, tier
    (segmentation's current tier) and the period of their last purchase, with the latest reason recorded for each."""
    queryset = CustomerScore.objects.filter(customer__in=Customer.objects.visible_to(user), band__in=WASTAGE_BANDS)
    if store_id:
        queryset = queryset.filter(customer__home_store_id=store_id)
    if tier_id:
        queryset = queryset.filter(customer__tier_holding__tier_id=tier_id)
    if account_manager_id:
        queryset = queryset.filter(customer__account_manager_id=account_manager_id)
    if since:
        queryset = queryset.filter(last_purchase_on__gte=since)
    if until:
        queryset = queryset.filter(last_purchase_on__lte=until)
    queryset = _with_flags(queryset)
    if reason:
        queryset = queryset.filter(reason=reason)
    return queryset


MANAGER_FIELDS = (
    "customer__account_manager__first_name",
    "customer__account_manager__last_name",
    "customer__account_manager__username",
)

TIER_FIELDS = ("customer__tier_holding__tier__rank", "customer__tier_holding__tier__name")

STORE_FIELDS = ("customer__home_store__name",)


def _add(total, value):
    """SUM's rule: NULLs are left out; NULL only when every value is NULL."""
    if value is None:
        return total
    return value if total is None else total + value


def _figures(**keys) -> dict:
    return {**keys, "customers": 0, "lapsed": 0, "lost": 0, "spend_12m": None, "clv": None}


GROUP_KEYS = ("customer__home_store_id", "customer__account_manager_id", "customer__tier_holding__tier_id")


def _places(rows) -> dict:
    """pk -> (place, names) for ``(pk, *names)`` rows in the database's order; equal names share a place."""
    places, place, previous = {}, 0, object()
    for pk, *names in rows:
        if names != previous:
            place, previous = place + 1, names
        places[pk] = (place, tuple(names))
    return places


def _latest_reasons(customer_ids):
    """How many of these customers have each latest reason: from the reasons side (few rows), not a
    latest-reason subquery per customer. The latest is the one ``_latest_reason`` picks (created, then id)."""
    later = ChurnReason.objects.filter(customer_id=OuterRef("customer_id")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    return (
        ChurnReason.objects.filter(customer_id__in=customer_ids)
        .exclude(Exists(later))
        .values_list("reason")
        .annotate(customers=Count("pk"))
        .order_by()
    )


def wastage_report(*, user, **filters) -> dict:
    """The wastage assessment: totals, by store, by account manager, by tier, by quarter of the last purchase,
    by reason.

    Five queries whatever the number of customers. One pass over the lapsed and lost: counted and summed per
    store, account manager, tier (their ids), quarter of the last purchase and band: hundreds to a few thousand
    narrow groups at a million customers, instead of a pass per breakdown. The totals and the breakdowns are
    sums of those groups (exact: integers and decimals). The names come from the stores, users and tiers in
    the database's order (``ORDER BY`` name, as the breakdowns were: its collation; the no-manager and no-tier
    rows where it puts NULLs); stores of the same name are one row. The latest reasons are counted from the
    reasons side; the customers without one are the rest of the total. Reasons are ordered here: most
    customers first, then the code (a fixed set of lower-case ASCII words, alike in every collation), not
    recorded last. The customer rows are ``wastage_scores``.
    """
    from django.contrib.auth import get_user_model

    from customers.models import Store
    from segmentation.models import Tier

    scores = wastage_scores(user=user, **filters)
    groups = list(
        scores.annotate(quarter=TruncQuarter("last_purchase_on"))
        .values(*GROUP_KEYS, "quarter", "band")
        .annotate(n=Count("pk"), spend=Sum("spend_12m"), value=Sum("expected_value_12m"))
        .order_by()
    )
    stores = _places(Store.objects.order_by("name").values_list("pk", "name"))
    managers = _places(
        get_user_model()
        .objects.order_by("first_name", "last_name", "username")
        .values_list("pk", "first_name", "last_name", "username")
    )
    tiers = _places(Tier.objects.order_by("rank", "name").values_list("pk", "rank", "name"))
    null_place = 1 << 62 if connection.features.nulls_order_largest else -1
    total = _figures()
    breakdowns: dict[str, dict] = {"by_store": {}, "by_manager": {}, "by_tier": {}, "by_quarter": {}}
    for group in groups:
        rows = [total]
        for name, places, key, fields in (
            ("by_store", stores, "customer__home_store_id", STORE_FIELDS),
            ("by_manager", managers, "customer__account_manager_id", MANAGER_FIELDS),
            ("by_tier", tiers, "customer__tier_holding__tier_id", TIER_FIELDS),
        ):
            place, names = places.get(group[key], (null_place, (None,) * len(fields)))
            rows.append(breakdowns[name].setdefault(place, _figures(**dict(zip(fields, names, strict=True)))))
        rows.append(breakdowns["by_quarter"].setdefault(group["quarter"], _figures(quarter=group["quarter"])))
        for row in rows:
            row["customers"] += group["n"]
            row["lapsed" if group["band"] == Band.HIGH else "lost"] += group["n"]
            row["spend_12m"] = _add(row["spend_12m"], group["spend"])
            row["clv"] = _add(row["clv"], group["value"])
    report = {"total": total}
    for name, rows in breakdowns.items():
        report[name] = [row for _, row in sorted(rows.items())]
        for row in report[name]:
            del row["customers"]  # the breakdowns show lapsed and lost
    for row in report["by_quarter"]:
        quarter = row["quarter"]
        if isinstance(quarter, datetime.datetime):
            quarter = timezone.localtime(quarter).date() if timezone.is_aware(quarter) else quarter.date()
        row["label"] = f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"
    reasons = dict(_latest_reasons(scores.values("customer_id")))
    if total["customers"] > sum(reasons.values()):
        reasons[None] = total["customers"] - sum(reasons.values())
    labels = dict(ChurnReason.Reason.choices)
    report["by_reason"] = [
        {"reason": reason, "customers": customers, "label": labels.get(reason, "")}
        for reason, customers in sorted(reasons.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    ]
    return report


# --- remedy playbooks -----------------------------------------------------------------------------------

Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile


def my_remedies(*, user, show: str = "open"):
    """The remedy actions the user owns, on customers they may see, soonest due first (one query)."""
    queryset = RemedyAction.objects.filter(
        owner=user, group=RemedyAction.Group.TREATED, customer__in=Customer.objects.visible_to(user)
    )
    if show == "open":
        queryset = queryset.filter(outcome=RemedyAction.Outcome.OPEN)
    return queryset.select_related("customer", "playbook").order_by("due_on", "id")


def remedy_action_for_outcome(*, user, pk: int) -> RemedyAction | None:
    """A remedy action the user may record the outcome of: their own, or on a customer they may edit."""
    return (
        RemedyAction.objects.filter(pk=pk, group=RemedyAction.Group.TREATED)
        .filter(
            Q(owner=user, customer__in=Customer.objects.visible_to(user))
            | Q(customer__in=Customer.objects.editable_by(user))
        )
        .select_related("customer", "playbook", "owner")
        .first()
    )


def remedy_panel(*, customer: Customer, user, can_edit: bool = False) -> dict | None:
    """The remedies panel of the customer page: the customer's latest remedy actions (one query)."""
    if not user.has_perm("churn.view_remedyaction"):
        return None
    actions = list(
        RemedyAction.objects.filter(customer_id=customer.pk, group=RemedyAction.Group.TREATED)
        .select_related("playbook", "owner")
        .order_by("-assigned_on", "-id")[:5]
    )
    for action in actions:
        action.can_record = user.has_perm("churn.change_remedyaction") and (can_edit or action.owner_id == user.pk)
    return {"actions": actions}


def playbook_list():
    """Playbooks with how many customers each took up, per group (one query)."""
    return (
        Playbook.objects.select_related("tier", "segment")
        .annotate(
            treated=Count("actions", filter=Q(actions__group=RemedyAction.Group.TREATED)),
            control=Count("actions", filter=Q(actions__group=RemedyAction.Group.CONTROL)),
            skipped=Count("actions", filter=Q(actions__group=RemedyAction.Group.SKIPPED)),
            open_actions=Count(
                "actions",
                filter=Q(actions__group=RemedyAction.Group.TREATED, actions__outcome=RemedyAction.Outcome.OPEN),
            ),
        )
        .order_by("name")
    )


@dataclass
class Arm:
    customers: int = 0
    won_back: int = 0
    revenue: Decimal = Decimal("0")
    cost: Decimal = Decimal("0")
    window_open: int = 0  # customers whose win-back window has not closed yet

    @property
    def rate(self) -> float | None:
        return self.won_back / self.customers if self.customers else None

    @property
    def revenue_per_customer(self) -> Decimal | None:
        return (self.revenue / self.customers).quantize(Decimal("0.01")) if self.customers else None


@dataclass
class Uplift:
    difference: float
    low: float
    high: float


def rate_difference_ci(won_treated: int, n_treated: int, won_control: int, n_control: int, z: float = Z_95):
    """The difference of two proportions with its confidence interval by the normal approximation
    (unpooled standard error, Wald): p1 − p0 ± z·√(p1(1−p1)/n1 + p0(1−p0)/n0). None without both groups."""
    if not n_treated or not n_control:
        return None
    p1, p0 = won_treated / n_treated, won_control / n_control
    se = math.sqrt(p1 * (1 - p1) / n_treated + p0 * (1 - p0) / n_control)
    return Uplift(difference=p1 - p0, low=p1 - p0 - z * se, high=p1 - p0 + z * se)


def playbook_report(*, playbook: Playbook, today: datetime.date | None = None, closed_only: bool = False) -> dict:
    """Win-back rate and revenue for the treated against the control group, the difference with a 95 %
    confidence interval, cost per customer won back, and the account managers' outcomes (two grouped queries).

    Won back: a completed purchase after the day the customer was taken up and within the playbook's window;
    revenue: the completed purchases' totals in that window. Skipped customers (no consent) are outside.
    Customers whose window is still open count (both groups are taken up on the same days, so the difference
    stays fair, only smaller); ``closed_only`` keeps only those whose window has closed.
    """
    today = today or timezone.localdate()
    window = datetime.timedelta(days=playbook.win_window_days)
    bought = Purchase.objects.filter(
        customer_id=OuterRef("customer_id"),
        status=Purchase.Status.COMPLETED,
        purchased_on__gt=OuterRef("assigned_on"),
        purchased_on__lte=ExpressionWrapper(OuterRef("assigned_on") + window, output_field=DateField()),
    )
    revenue = Subquery(bought.order_by().values("customer_id").annotate(total=Sum("total")).values("total")[:1])
    rows = (
        RemedyAction.objects.filter(
            playbook=playbook, group__in=[RemedyAction.Group.TREATED, RemedyAction.Group.CONTROL]
        )
        .filter(Q(assigned_on__lte=today - window) if closed_only else Q())
        .values("group")
        .annotate(
            customers=Count("pk"),
            won_back=Count("pk", filter=Exists(bought)),
            revenue=Sum(Coalesce(revenue, Value(Decimal("0")), output_field=DecimalField())),
            cost=Sum("estimated_cost"),
            window_open=Count("pk", filter=Q(assigned_on__gt=today - window)),
        )
        .order_by()
    )
    arms = {RemedyAction.Group.TREATED: Arm(), RemedyAction.Group.CONTROL: Arm()}
    for row in rows:
        arms[row["group"]] = Arm(
            customers=row["customers"],
            won_back=row["won_back"],
            revenue=Decimal(row["revenue"] or 0).quantize(Decimal("0.01")),
            cost=Decimal(row["cost"] or 0).quantize(Decimal("0.01")),
            window_open=row["window_open"],
        )
    treated, control = arms[RemedyAction.Group.TREATED], arms[RemedyAction.Group.CONTROL]
    uplift = rate_difference_ci(treated.won_back, treated.customers, control.won_back, control.customers)
    incremental = uplift.difference * treated.customers if uplift else None
    outcomes = dict(
        RemedyAction.objects.filter(playbook=playbook, group=RemedyAction.Group.TREATED)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    revenue_difference = (
        treated.revenue_per_customer - control.revenue_per_customer if treated.customers and control.customers else None
    )
    return {
        "treated": treated,
        "control": control,
        "uplift": uplift,
        "incremental_won_back": incremental,
        "revenue_difference": revenue_difference,
        "cost_per_won_back": (treated.cost / treated.won_back).quantize(Decimal("0.01")) if treated.won_back else None,
        "cost_per_incremental": (
            (treated.cost / Decimal(str(incremental))).quantize(Decimal("0.01"))
            if incremental and incremental > 0
            else None
        ),
        "outcomes": [(label, outcomes.get(value, 0)) for value, label in RemedyAction.Outcome.choices],
    }


def customers_filter_band(queryset, *, band: str = ""):
    """Filter a customer list queryset by churn risk band (one join to the latest score; no query)."""
    if band:
        queryset = queryset.filter(churn_score__band=band)
    return queryset
