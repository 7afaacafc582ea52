"""The loyalty points ledger: earn on purchases, reverse on refunds, expire, redeem as vouchers.

Every write locks the customer's account row, writes ledger entries and moves the balance by the
same amount in one transaction, so the balance always equals the sum of the ledger. Earned points
form lots with a fixed expiry; redemptions, reversals and expiry draw lots down, soonest expiry
first. Redeeming first expires what is due, so expired points can never be redeemed, whether or not
the nightly expiry has run.
"""

import calendar
import math
import secrets
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import LoyaltyAccount, LoyaltySettings, PointsEntry, PointsPromotion, TierEarnRate, Voucher
from customers.models import Purchase


def settings_get() -> LoyaltySettings:
    return LoyaltySettings.objects.get_or_create(pk=1)[0]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _account_locked(customer_id) -> LoyaltyAccount:
    LoyaltyAccount.objects.get_or_create(customer_id=customer_id)
    return LoyaltyAccount.objects.select_for_update().get(customer_id=customer_id)


def _post(account, *, kind, points, at, **fields) -> PointsEntry:
    entry = PointsEntry.objects.create(
        customer_id=account.customer_id, kind=kind, points=points, occurred_at=at, **fields
    )
    account.balance += points
    account.save(update_fields=["balance"])
    return entry


def _lots(account, *, today, first=None):
    """Unexpired lots with points left, soonest expiry first (``first`` ahead of the others)."""
    lots = list(
        PointsEntry.objects.select_for_update()
        .filter(customer_id=account.customer_id, kind=PointsEntry.Kind.EARN, remaining__gt=0, expires_on__gte=today)
        .order_by("expires_on", "pk")
    )
    if first is not None:
        lots.sort(key=lambda lot: lot.pk != first)
    return lots


def _draw(lots, points: int) -> int:
    """Take ``points`` from the lots; return what could not be taken."""
    for lot in lots:
        if points <= 0:
            break
        taken = min(lot.remaining, points)
        lot.remaining -= taken
        lot.save(update_fields=["remaining"])
        points -= taken
    return points


def _expire_due(account, *, today, at) -> int:
    expired = 0
    due = PointsEntry.objects.select_for_update().filter(
        customer_id=account.customer_id, kind=PointsEntry.Kind.EARN, remaining__gt=0, expires_on__lt=today
    )
    for lot in due.order_by("expires_on", "pk"):
        _post(account, kind=PointsEntry.Kind.EXPIRE, points=-lot.remaining, at=at, lot=lot)
        expired += lot.remaining
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
    return expired


def earn_rate(*, customer_id, on: date) -> tuple[Decimal, Decimal]:
    """(points per HKD 100 for the customer's tier, the highest promotion multiplier on ``on``)."""
    rate = (
        TierEarnRate.objects.filter(tier__holdings__customer_id=customer_id)
        .values_list("points_per_100_hkd", flat=True)
        .first()
    )
    if rate is None:
        rate = settings_get().points_per_100_hkd
    multiplier = PointsPromotion.objects.filter(starts_on__lte=on, ends_on__gte=on).aggregate(m=Max("multiplier"))["m"]
    return rate, multiplier or Decimal("1")


@transaction.atomic
def loyalty_purchase_sync(*, purchase_id: int, at=None) -> list[PointsEntry]:
    """Bring a purchase's points in line with it: earn once, and reverse in proportion to what was
    refunded since (all of it for a returned purchase). Idempotent: running it again posts nothing."""
    at = at or timezone.now()
    purchase = Purchase.objects.select_related("customer").get(pk=purchase_id)
    account = _account_locked(purchase.customer_id)
    earned = PointsEntry.objects.filter(purchase=purchase, kind=PointsEntry.Kind.EARN).first()
    posted = []
    if earned is None:
        if purchase.status == Purchase.Status.RETURNED or purchase.total <= 0:
            return []
        rate, multiplier = earn_rate(customer_id=purchase.customer_id, on=purchase.purchased_on)
        points = math.floor(purchase.total / 100 * rate * multiplier)
        if points <= 0:
            return []
        debt = max(0, -account.balance)
        expires_on = add_months(purchase.purchased_on, settings_get().expiry_months)
        posted.append(
            _post(
                account,
                kind=PointsEntry.Kind.EARN,
                points=points,
                at=at,
                purchase=purchase,
                basis=purchase.total,
                multiplier=multiplier,
                expires_on=expires_on,
                remaining=points - min(points, debt),
            )
        )
        return posted
    kept = (
        0
        if purchase.status == Purchase.Status.RETURNED
        else math.floor(earned.points * max(purchase.total, Decimal("0")) / earned.basis)
    )
    today = timezone.localdate(at)
    # Expire what is due first: points of this purchase that already expired are gone and are not
    # taken a second time.
    _expire_due(account, today=today, at=at)
    reversed_already = -sum(
        PointsEntry.objects.filter(purchase=purchase, kind=PointsEntry.Kind.REVERSE).values_list("points", flat=True)
    )
    expired = -sum(
        PointsEntry.objects.filter(lot=earned, kind=PointsEntry.Kind.EXPIRE).values_list("points", flat=True)
    )
    to_reverse = earned.points - kept - reversed_already - expired
    if to_reverse > 0:
        _draw(_lots(account, today=today, first=earned.pk), to_reverse)
        # What could not be taken (already redeemed) leaves the balance below zero: later earnings repay it.
        posted.append(_post(account, kind=PointsEntry.Kind.REVERSE, points=-to_reverse, at=at, purchase=purchase))
    return posted


@transaction.atomic
def loyalty_expire(*, customer_id: int, at=None) -> int:
    at = at or timezone.now()
    return _expire_due(_account_locked(customer_id), today=timezone.localdate(at), at=at)


def loyalty_expire_all(*, at=None) -> int:
    """The nightly job: post the expiry of every lot past its date (one transaction per customer)."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    ids = (
        PointsEntry.objects.filter(kind=PointsEntry.Kind.EARN, remaining__gt=0, expires_on__lt=today)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    return sum(loyalty_expire(customer_id=pk, at=at) for pk in list(ids))


def available_points(*, customer_id, today=None) -> int:
    today = today or timezone.localdate()
    return sum(
        PointsEntry.objects.filter(
            customer_id=customer_id, kind=PointsEntry.Kind.EARN, remaining__gt=0, expires_on__gte=today
        ).values_list("remaining", flat=True)
    )


@transaction.atomic
def loyalty_redeem(*, by, customer_id: int, vouchers: int = 1, at=None) -> list[Voucher]:
    """Turn points into vouchers at the programme's set value. Expired points are expired first."""
    if by is not None and not by.has_perm("campaigns.add_voucher"):
        raise PermissionDenied(_("You may not redeem points."))
    if vouchers < 1:
        raise ValidationError(_("Redeem at least one voucher."))
    at = at or timezone.now()
    today = timezone.localdate(at)
    config = settings_get()
    account = _account_locked(customer_id)
    _expire_due(account, today=today, at=at)
    needed = vouchers * config.voucher_points
    lots = _lots(account, today=today)
    available = min(sum(lot.remaining for lot in lots), max(account.balance, 0))
    if needed > available:
        raise ValidationError(
            _("%(needed)s points are needed and only %(available)s are available (expired points cannot be used).")
            % {"needed": needed, "available": available}
        )
    _draw(lots, needed)
    issued = []
    for _n in range(vouchers):
        voucher = Voucher.objects.create(
            customer_id=customer_id,
            code=secrets.token_hex(6).upper(),
            points=config.voucher_points,
            value=config.voucher_value,
            issued_at=at,
            issued_by=by,
        )
        _post(account, kind=PointsEntry.Kind.REDEEM, points=-config.voucher_points, at=at, voucher=voucher)
        issued.append(voucher)
    return issued


def loyalty_sync_all(*, since: date | None = None, at=None) -> int:
    """The nightly job: earn on purchases not yet earned on, reverse refunds (ids only; each purchase
    in its own transaction)."""
    purchases = Purchase.objects.all()
    if since is not None:
        purchases = purchases.filter(updated_at__date__gte=since)
    posted = 0
    for pk in purchases.order_by("pk").values_list("pk", flat=True).iterator():
        posted += len(loyalty_purchase_sync(purchase_id=pk, at=at))
    return posted
