"""Reads of the campaigns app: lists, one campaign, and its measured response."""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from campaigns.models import Campaign, Recipient
from customers.models import Purchase

Z_95 = 1.959964


def campaign_list():
    return (
        Campaign.objects.select_related("segment", "criterion", "created_by")
        .annotate(
            mailed=Count("recipients", filter=Q(recipients__group=Recipient.Group.MAILED)),
            delivered=Count(
                "recipients", filter=Q(recipients__status__in=(Recipient.Status.SENT, Recipient.Status.LISTED))
            ),
            held_back=Count("recipients", filter=Q(recipients__group=Recipient.Group.CONTROL)),
        )
        .order_by("-created_at", "-pk")
    )


def campaign_get(*, pk) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("segment", "criterion", "created_by"), pk=pk)


def status_counts(*, campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, rows) for every recipient status, in order."""
    counts = dict(campaign.recipients.values_list("status").annotate(n=Count("pk")).order_by())
    return [(value, label, counts.get(value, 0)) for value, label in Recipient.Status.choices]


def recipient_list(*, user, campaign: Campaign):
    """The campaign's rows whose customer ``user`` may see (the staff call list for phone campaigns)."""
    from customers.models import Customer

    return (
        campaign.recipients.filter(customer__in=Customer.objects.visible_to(user))
        .select_related("customer__home_store")
        .order_by("status", "customer__name_en", "pk")
    )


def attribution_window(campaign: Campaign):
    """The dates purchases count in: from the day the send started, for ``attribution_days`` days."""
    if campaign.started_at is None:
        return None
    start = timezone.localdate(campaign.started_at)
    return start, start + timedelta(days=campaign.attribution_days - 1)


@dataclass
class GroupResult:
    size: int = 0
    responders: int = 0
    revenue: Decimal = Decimal("0")
    revenue_sq: Decimal = Decimal("0")

    @property
    def rate(self) -> float | None:
        return self.responders / self.size if self.size else None

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else self.rate * 100

    @property
    def revenue_per_head(self) -> Decimal | None:
        return (self.revenue / self.size).quantize(Decimal("0.01")) if self.size else None

    def revenue_variance(self) -> float:
        if self.size < 2:
            return 0.0
        mean = float(self.revenue) / self.size
        return max(0.0, (float(self.revenue_sq) - self.size * mean * mean) / (self.size - 1))


@dataclass
class Difference:
    value: float
    low: float
    high: float

    def percent(self) -> tuple[float, float, float]:
        """(value, low, high) in percentage points, for a difference of rates."""
        return self.value * 100, self.low * 100, self.high * 100


def _difference(a: float, b: float, se: float) -> Difference:
    diff = a - b
    return Difference(value=diff, low=diff - Z_95 * se, high=diff + Z_95 * se)


def campaign_response(*, campaign: Campaign) -> dict | None:
    """Response rate and revenue of the mailed group against the control group, with 95% intervals
    for the differences, the incremental revenue and the return on the campaign's cost.

    Both groups are compared as drawn (intention to treat): a mailed customer whose message was
    skipped or failed still counts in the mailed group. A purchase counts when it is not returned
    and falls in the attribution window. The cost is the retailer's, after brands' co-funding. Two queries.
    """
    window = attribution_window(campaign)
    if window is None:
        return None
    money = DecimalField(max_digits=16, decimal_places=2)
    spent = (
        Purchase.objects.filter(customer_id=OuterRef("customer_id"), purchased_on__range=window)
        .exclude(status=Purchase.Status.RETURNED)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("total"))
        .values("total")
    )
    rows = (
        Recipient.objects.filter(campaign=campaign)
        .annotate(spent=Coalesce(Subquery(spent, output_field=money), Value(Decimal("0")), output_field=money))
        .values("group")
        .annotate(
            size=Count("pk"),
            responders=Count("pk", filter=Q(spent__gt=0)),
            revenue=Sum("spent"),
            revenue_sq=Sum(F("spent") * F("spent"), output_field=DecimalField(max_digits=30, decimal_places=4)),
        )
        .order_by()
    )
    groups = {Recipient.Group.MAILED: GroupResult(), Recipient.Group.CONTROL: GroupResult()}
    for row in rows:
        groups[row["group"]] = GroupResult(
            size=row["size"], responders=row["responders"], revenue=row["revenue"], revenue_sq=row["revenue_sq"]
        )
    mailed, control = groups[Recipient.Group.MAILED], groups[Recipient.Group.CONTROL]
    cost = campaign_fundings(campaign=campaign)["net_cost"]  # the retailer's own share, after brands' co-funding
    result = {"window": window, "mailed": mailed, "control": control, "cost": cost}
    if not (mailed.size and control.size):
        return result
    p1, p0 = mailed.rate, control.rate
    result["rate_difference"] = _difference(
        p1, p0, math.sqrt(p1 * (1 - p1) / mailed.size + p0 * (1 - p0) / control.size)
    )
    m1, m0 = float(mailed.revenue) / mailed.size, float(control.revenue) / control.size
    se = math.sqrt(mailed.revenue_variance() / mailed.size + control.revenue_variance() / control.size)
    result["revenue_difference"] = _difference(m1, m0, se)
    incremental = Decimal(str(round((m1 - m0) * mailed.size, 2)))
    result["incremental_revenue"] = incremental
    result["return_on_cost"] = (incremental - cost) / cost if cost else None
    return result


# --- Loyalty ------------------------------------------------------------------------------------


def loyalty_statement(*, customer, user, limit: int = 10) -> dict | None:
    """The points panel of the customer page: balance (the ledger's sum), points usable today, and
    the latest entries. Two queries; None for a user without the permission."""
    from campaigns.models import LoyaltySettings, PointsEntry

    if not user.has_perm("campaigns.view_pointsentry"):
        return None
    today = timezone.localdate()
    totals = PointsEntry.objects.filter(customer=customer).aggregate(
        balance=Coalesce(Sum("points"), 0),
        available=Coalesce(
            Sum("remaining", filter=Q(kind=PointsEntry.Kind.EARN, expires_on__gte=today)),
            0,
        ),
        # Points per voucher, in the same query (NULL without entries: nothing to redeem then).
        settings_points=Max(Subquery(LoyaltySettings.objects.filter(pk=1).values("voucher_points")[:1])),
    )
    entries = list(
        PointsEntry.objects.filter(customer=customer)
        .select_related("purchase", "voucher")
        .order_by("-occurred_at", "-pk")[:limit]
    )
    voucher_points = totals["settings_points"] or 0
    available = min(totals["available"], max(totals["balance"], 0))
    return {
        "balance": totals["balance"],
        "available": available,
        "entries": entries,
        "voucher_points": voucher_points,
        "can_redeem": bool(voucher_points) and available >= voucher_points,
    }


# --- Events ---------------------------------------------------------------------------------------


def event_list():
    from campaigns.models import Event, Invitation

    return (
        Event.objects.select_related("store", "segment")
        .annotate(
            invited=Count("invitations"),
            accepted=Count("invitations", filter=Q(invitations__response=Invitation.Response.ACCEPTED)),
            attended=Count("invitations", filter=Q(invitations__attended=True)),
        )
        .order_by("-starts_at", "-pk")
    )


def event_get(*, pk):
    from campaigns.models import Event

    return get_object_or_404(Event.objects.select_related("store", "segment", "created_by"), pk=pk)


def event_invitations(*, user, event):
    """The invitations whose customer ``user`` may see (account managers: their stores)."""
    from customers.models import Customer

    return (
        event.invitations.filter(customer__in=Customer.objects.visible_to(user))
        .select_related("customer__home_store", "attendance_by")
        .prefetch_related("answers")
        .order_by("customer__name_en", "pk")
    )


def event_summary(*, event) -> dict:
    from campaigns.models import Invitation

    counts = event.invitations.aggregate(
        invited=Count("pk"),
        accepted=Count("pk", filter=Q(response=Invitation.Response.ACCEPTED)),
        declined=Count("pk", filter=Q(response=Invitation.Response.DECLINED)),
        waitlisted=Count("pk", filter=Q(response=Invitation.Response.WAITLISTED)),
        attended=Count("pk", filter=Q(attended=True)),
    )
    fundings = list(event.co_fundings.select_related("brand"))
    contributed = sum((f.contribution(event.cost) for f in fundings), Decimal("0"))
    return {
        **counts,
        "fundings": [(f, f.contribution(event.cost)) for f in fundings],
        "net_cost": event.cost - contributed,
        "cost_per_attendee": (event.cost / counts["attended"]).quantize(Decimal("0.01"))
        if counts["attended"]
        else None,
    }


def rsvp_get(*, token):
    from campaigns.models import Invitation

    return get_object_or_404(Invitation.objects.select_related("event__store"), token=token)


def feedback_summary(*, event) -> list[dict]:
    """Per question: the number of answers and the average score (scores only)."""
    from django.db.models import Avg

    return list(
        event.questions.annotate(answers_count=Count("answers"), average=Avg("answers__score")).order_by("order", "pk")
    )


def event_leads(*, event):
    return event.lead_links.select_related("lead__store", "lead__owner").order_by("-lead__created_at")


# --- Co-funding and the sell-out report -------------------------------------------------------------

MIN_CELL_CUSTOMERS = 3


def campaign_fundings(*, campaign) -> dict:
    fundings = list(campaign.co_fundings.select_related("brand"))
    contributed = sum((f.contribution(campaign.cost) for f in fundings), Decimal("0"))
    return {"rows": [(f, f.contribution(campaign.cost)) for f in fundings], "net_cost": campaign.cost - contributed}


def sellout_report(*, brand, start, end) -> dict:
    """Units and revenue of ``brand``'s products sold from ``start`` to ``end`` (returns left out),
    by store and by the buyer's current tier. Aggregates only: a cell with fewer than three buyers is
    shown without its figures, so no row points at a person. Two queries."""
    from customers.models import Purchase, PurchaseLine

    lines = PurchaseLine.objects.filter(product__brand=brand, purchase__purchased_on__range=(start, end)).exclude(
        purchase__status=Purchase.Status.RETURNED
    )
    cells = list(
        lines.values(store=F("purchase__store__name"), tier=F("purchase__customer__tier_holding__tier__name"))
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"), buyers=Count("purchase__customer", distinct=True))
        .order_by("store", "tier")
    )
    for cell in cells:
        cell["suppressed"] = cell["buyers"] < MIN_CELL_CUSTOMERS
    totals = lines.aggregate(
        units=Coalesce(Sum("quantity"), 0),
        revenue=Coalesce(
            Sum("line_total"), Value(Decimal("0")), output_field=DecimalField(max_digits=16, decimal_places=2)
        ),
        buyers=Count("purchase__customer", distinct=True),
    )
    return {"brand": brand, "start": start, "end": end, "cells": cells, "totals": totals}


def sellout_consented_buyers(*, brand, start, end, channel):
    """The buyers of the brand in the period whom the contact gate lets us provide to partner brands
    for their marketing through ``channel`` (written consent to provision). Nobody else is listed."""
    from customers.models import Customer, Purchase, PurchaseLine
    from privacy.models.consent import Purpose, SubjectClass
    from privacy.selectors import contactable

    bought = (
        PurchaseLine.objects.filter(product__brand=brand, purchase__purchased_on__range=(start, end))
        .exclude(purchase__status=Purchase.Status.RETURNED)
        .values("purchase__customer_id")
    )
    return contactable(
        purpose=Purpose.PROVISION,
        subject_class=SubjectClass.PARTNER_BRANDS,
        channel=channel,
        customers=Customer.objects.filter(pk__in=bought),
    ).order_by("name_en", "pk")
