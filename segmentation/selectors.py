"""Reads of the segmentation app."""

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors.timeline import TimelineEntry
from segmentation.models import (
    Criterion,
    CustomerMetrics,
    CustomerRfm,
    CustomerTier,
    RfmSegment,
    Run,
    Segment,
    SegmentMembership,
    Tier,
    TierChange,
)
from segmentation.rules import criterion_queryset


def metrics_for_customer(*, user, customer_id: int) -> CustomerMetrics | None:
    """The metrics of one customer the user may see, or None (not computed yet, missing or not visible)."""
    return (
        CustomerMetrics.objects.filter(customer__in=Customer.objects.visible_to(user), customer_id=customer_id)
        .select_related("customer", "home_store")
        .first()
    )


def metrics_list(*, user):
    """Metrics of the customers the user may see, highest 12-month spend first."""
    return (
        CustomerMetrics.objects.filter(customer__in=Customer.objects.visible_to(user))
        .select_related("customer", "home_store")
        .order_by("-spend_12m", "customer_id")
    )


# ---------------------------------------------------------------------------- screening and classification


def criterion_list():
    """Criteria with their owner and segment, by name (a handful of rows: admins' definitions)."""
    return Criterion.objects.select_related("owner", "segment").order_by("name")


def criterion_get(*, pk) -> Criterion:
    return get_object_or_404(Criterion.objects.select_related("owner", "segment"), pk=pk)


def criterion_preview(*, user, rule, sample_size: int = 10) -> dict:
    """How many of the customers ``user`` may see the rule selects, and a sample of them (two queries).

    Raises ValidationError for a bad rule.
    """
    matches = criterion_queryset(rule, base=Customer.objects.visible_to(user))
    return {
        "count": matches.count(),
        "sample": list(matches.select_related("home_store").order_by("name_en", "name_zh", "id")[:sample_size]),
    }


def run_last_succeeded() -> Run | None:
    return Run.objects.filter(status=Run.Status.SUCCEEDED).order_by("-finished_at", "-pk").first()


def run_list():
    return Run.objects.select_related("started_by").order_by("-created_at", "-pk")


def run_get(*, pk) -> Run:
    return get_object_or_404(Run.objects.select_related("started_by"), pk=pk)


def run_active() -> Run | None:
    return Run.objects.filter(status__in=(Run.Status.PENDING, Run.Status.RUNNING)).order_by("-pk").first()


def segment_list():
    return Segment.objects.select_related("criterion").order_by("name")


def segment_get(*, pk) -> Segment:
    return get_object_or_404(Segment.objects.select_related("criterion"), pk=pk)


def tier_list():
    return Tier.objects.select_related("criterion").order_by("rank")


def tier_get(*, pk) -> Tier:
    return get_object_or_404(Tier.objects.select_related("criterion"), pk=pk)


def rfm_segment_list():
    return RfmSegment.objects.order_by("order", "code")


def rfm_segment_get(*, code) -> RfmSegment:
    return get_object_or_404(RfmSegment, code=code)


def segment_members(*, user, segment: Segment):
    """The open memberships of ``segment`` whose customer ``user`` may see, newest first (one flat query)."""
    return (
        SegmentMembership.objects.filter(
            segment=segment, left_run__isnull=True, customer__in=Customer.objects.visible_to(user)
        )
        .select_related("customer__home_store", "customer__account_manager")
        .order_by("-entered_at", "-pk")
    )


def tier_members(*, user, tier: Tier):
    """The holders of ``tier`` that ``user`` may see, longest-standing first."""
    return (
        CustomerTier.objects.filter(tier=tier, customer__in=Customer.objects.visible_to(user))
        .select_related("customer__home_store", "customer__account_manager")
        .order_by("since", "customer_id")
    )


def rfm_members(*, user, segment: RfmSegment):
    """The customers ``user`` may see in an RFM segment, best scores first."""
    return (
        CustomerRfm.objects.filter(segment=segment, customer__in=Customer.objects.visible_to(user))
        .select_related("customer__home_store", "customer__account_manager")
        .order_by("-recency_score", "-frequency_score", "-monetary_score", "customer_id")
    )


def size_history(*, limit: int = 30) -> dict:
    """Sizes of segments, tiers and RFM segments over the last ``limit`` successful runs, for Chart.js."""
    runs = list(
        Run.objects.filter(status=Run.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .only("pk", "finished_at", "counts")[:limit]
    )[::-1]
    labels = [timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M") for run in runs]

    def series(kind):
        names, data = {}, {}
        for run in runs:
            for key, entry in (run.counts.get(kind) or {}).items():
                names[key] = entry.get("name", key)
        for key in names:
            data[key] = [((run.counts.get(kind) or {}).get(key) or {}).get("size") for run in runs]
        return [{"label": names[key], "data": data[key]} for key in names]

    return {"labels": labels, "segments": series("segments"), "tiers": series("tiers"), "rfm": series("rfm")}


def tier_movement(*, run: Run | None) -> dict | None:
    """The movement matrix of ``run``: rows = tier before the run, columns = tier after (None = no tier).

    From the figures the run kept (``counts["movement"]``): what moved, and who stayed in each tier.
    One query (the tiers).
    """
    if run is None or "movement" not in (run.counts or {}):
        return None
    tiers = list(Tier.objects.order_by("rank"))
    movement = run.counts["movement"]
    moves = {(f, t): n for f, t, n in movement.get("moves", [])}
    stayed = movement.get("stayed", {})
    keys = [t.pk for t in tiers] + [None]
    rows = []
    for f in keys:
        cells = []
        for t in keys:
            if f == t:
                cells.append(None if f is None else stayed.get(str(f), 0))
            else:
                cells.append(moves.get((f, t), 0))
        rows.append({"tier": next((x for x in tiers if x.pk == f), None), "cells": cells})
    return {"run": run, "tiers": tiers, "rows": rows}


def customer_classification(*, customer) -> dict:
    """The badges of one customer: tier (with grace), RFM segment and open segments. Two queries."""
    row = (
        Customer.objects.filter(pk=customer.pk)
        .select_related("tier_holding__tier", "rfm__segment")
        .only(
            "pk",
            "tier_holding__tier__name",
            "tier_holding__tier__colour",
            "tier_holding__downgrade_due_on",
            "rfm__segment__name",
            "rfm__segment__colour",
            "rfm__segment__code",
            "rfm__recency_score",
            "rfm__frequency_score",
            "rfm__monetary_score",
        )
        .first()
    )
    segments = list(
        Segment.objects.filter(
            is_active=True, memberships__customer=customer, memberships__left_run__isnull=True
        ).order_by("name")
    )
    return {
        "tier": getattr(row, "tier_holding", None),
        "rfm": getattr(row, "rfm", None),
        "segments": segments,
    }


def customers_with_tier(queryset):
    """Add each customer's tier and RFM segment to a customer list queryset (joins, no extra query)."""
    return queryset.select_related("tier_holding__tier", "rfm__segment")


def customers_filter_classification(queryset, *, tier: str = "", segment: str = "", rfm: str = ""):
    """Filter customers by tier id (or "none"), open segment id, and RFM segment code."""
    if tier == "none":
        queryset = queryset.filter(tier_holding__isnull=True)
    elif tier:
        queryset = queryset.filter(tier_holding__tier_id=tier)
    if segment:
        queryset = queryset.filter(
            Exists(
                SegmentMembership.objects.filter(customer_id=OuterRef("pk"), segment_id=segment, left_run__isnull=True)
            )
        )
    if rfm:
        queryset = queryset.filter(rfm__segment__code=rfm)
    return queryset


def timeline_entries(*, customer, limit: int) -> list[TimelineEntry]:
    """Tier moves for the customer timeline (customers.selectors.timeline), in one query."""
    entries = []
    for change in (
        TierChange.objects.filter(customer=customer).select_related("from_tier", "to_tier").order_by("-at", "-pk")
    )[:limit]:
        if change.from_tier and change.to_tier:
            up = change.to_tier.rank < change.from_tier.rank
            title = (_("Moved up to %(to)s (from %(from)s)") if up else _("Moved down to %(to)s (from %(from)s)")) % {
                "to": change.to_tier.name,
                "from": change.from_tier.name,
            }
        elif change.to_tier:
            title = _("Entered the %(tier)s tier") % {"tier": change.to_tier.name}
        else:
            title = _("Left the %(tier)s tier") % {"tier": change.from_tier.name if change.from_tier else "?"}
        entries.append(
            TimelineEntry(when=change.at, kind="tier", icon="award", title=title, detail=_("Classification run"))
        )
    return entries
