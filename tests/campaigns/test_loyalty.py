"""The loyalty ledger: earn per tier with promotions, redeem as vouchers, reverse on refunds,
expiry, and the balance equal to the ledger under random sequences (hypothesis)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import LoyaltyAccount, LoyaltySettings, PointsEntry, PointsPromotion, TierEarnRate, Voucher
from campaigns.services import loyalty
from customers.models import Purchase
from segmentation.models import CustomerTier
from tests.factories import CustomerFactory, PurchaseFactory, RunFactory, TierFactory

pytestmark = pytest.mark.django_db
HK = ZoneInfo("Asia/Hong_Kong")
DAY0 = date(2026, 1, 10)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=HK)


@pytest.fixture
def programme(db):
    LoyaltySettings.objects.update_or_create(
        pk=1,
        defaults={
            "points_per_100_hkd": Decimal("1"),
            "voucher_points": 100,
            "voucher_value": Decimal("50"),
            "expiry_months": 12,
        },
    )


def buy(customer, total, day=DAY0):
    purchase = PurchaseFactory(customer=customer, purchased_on=day, total=Decimal(total))
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk, at=at(day))
    return purchase


def balance(customer) -> int:
    return LoyaltyAccount.objects.get(customer=customer).balance


def ledger(customer) -> int:
    return PointsEntry.objects.filter(customer=customer).aggregate(s=Sum("points"))["s"] or 0


def test_earn_follows_the_tier_rate_and_the_best_promotion(programme, central):
    # given a gold customer (3 points per HKD 100), a plain one, and a double-points week
    gold = TierFactory(name="Gold")
    TierEarnRate.objects.create(tier=gold, points_per_100_hkd=Decimal("3"))
    vip, plain = CustomerFactory(home_store=central), CustomerFactory(home_store=central)
    CustomerTier.objects.create(customer=vip, tier=gold, since=at(DAY0), since_run=RunFactory())
    PointsPromotion.objects.create(name="Double", starts_on=DAY0, ends_on=DAY0 + timedelta(days=6), multiplier=2)
    PointsPromotion.objects.create(name="Bit more", starts_on=DAY0, ends_on=DAY0, multiplier=Decimal("1.5"))
    # when each buys HKD 10,050 in the promotion, and the plain one again after it
    buy(vip, "10050")
    first = buy(plain, "10050")
    buy(plain, "10000", day=DAY0 + timedelta(days=10))
    # then points are floored, per tier, times the highest multiplier
    assert balance(vip) == 603  # 100.5 x 3 x 2
    assert balance(plain) == 201 + 100
    assert PointsEntry.objects.get(purchase=first).expires_on == date(2027, 1, 10)
    # and syncing again earns nothing more
    loyalty.loyalty_purchase_sync(purchase_id=first.pk)
    assert balance(plain) == ledger(plain) == 301


def test_redeem_issues_vouchers_and_refuses_more_than_the_balance(programme, customer, manager):
    buy(customer, "25000")  # 250 points
    vouchers = loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, vouchers=2, at=at(DAY0))
    assert [v.value for v in vouchers] == [Decimal("50"), Decimal("50")]
    assert balance(customer) == ledger(customer) == 50
    with pytest.raises(ValidationError, match="100 points are needed and only 50 are available"):
        loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, at=at(DAY0))
    assert balance(customer) == 50
    assert Voucher.objects.count() == 2


def test_someone_without_the_permission_cannot_redeem(programme, customer, privacy_officer):
    buy(customer, "25000")
    with pytest.raises(PermissionDenied):
        loyalty.loyalty_redeem(by=privacy_officer, customer_id=customer.pk, at=at(DAY0))
    assert balance(customer) == 250


def test_a_refund_reverses_the_points_in_proportion(programme, customer):
    purchase = buy(customer, "20000")  # 200
    # when half is refunded, then the rest
    Purchase.objects.filter(pk=purchase.pk).update(total=Decimal("10000"), status=Purchase.Status.PARTLY_RETURNED)
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk)
    assert balance(customer) == 100
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk)  # again: nothing more
    assert balance(customer) == 100
    Purchase.objects.filter(pk=purchase.pk).update(status=Purchase.Status.RETURNED)
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk)
    assert balance(customer) == ledger(customer) == 0


def test_a_refund_after_redeeming_leaves_a_debt_that_later_points_repay(programme, customer, manager):
    purchase = buy(customer, "10000")  # 100
    loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, at=at(DAY0))
    Purchase.objects.filter(pk=purchase.pk).update(status=Purchase.Status.RETURNED)
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk, at=at(DAY0))
    assert balance(customer) == -100
    buy(customer, "15000")  # 150: 100 repay the debt
    assert balance(customer) == ledger(customer) == 50
    with pytest.raises(ValidationError):
        loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, at=at(DAY0))


def test_expired_points_cannot_be_redeemed_even_before_the_nightly_expiry(programme, customer, manager):
    # given 100 points earned a year and a day ago, and 50 earned since; no expiry job has run
    buy(customer, "10000", day=DAY0)
    buy(customer, "5000", day=DAY0 + timedelta(days=200))
    later = DAY0 + timedelta(days=366)
    assert balance(customer) == 150
    # when they try to redeem 100
    with pytest.raises(ValidationError, match="only 50 are available"):
        loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, at=at(later))
    # then the refusal rolled back everything; the nightly job expires the old lot once
    assert balance(customer) == 150
    assert loyalty.loyalty_expire_all(at=at(later)) == 100
    assert loyalty.loyalty_expire_all(at=at(later)) == 0
    assert balance(customer) == ledger(customer) == 50
    assert PointsEntry.objects.filter(customer=customer, kind="expire").get().points == -100


def test_a_refund_after_the_points_expired_takes_nothing_twice(programme, customer):
    # given 100 points that expired unnoticed (no nightly run), then the purchase is refunded
    purchase = buy(customer, "10000", day=DAY0)
    later = DAY0 + timedelta(days=400)
    Purchase.objects.filter(pk=purchase.pk).update(status=Purchase.Status.RETURNED)
    # when the refund is synced
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk, at=at(later))
    loyalty.loyalty_expire(customer_id=customer.pk, at=at(later))
    # then the points left once, by expiry, and nothing is owed
    assert balance(customer) == ledger(customer) == 0
    assert not PointsEntry.objects.filter(customer=customer, kind="reverse").exists()


def test_a_lot_expires_on_its_date_not_before(programme, customer):
    buy(customer, "10000", day=date(2026, 1, 31))
    lot = PointsEntry.objects.get(customer=customer)
    assert lot.expires_on == date(2027, 1, 31)
    assert loyalty.loyalty_expire(customer_id=customer.pk, at=at(date(2027, 1, 31))) == 0
    assert loyalty.loyalty_expire(customer_id=customer.pk, at=at(date(2027, 2, 1))) == 100


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(min_value=1, max_value=40_000)),
        st.tuples(st.just("refund"), st.integers(min_value=0, max_value=10), st.sampled_from([0, 25, 50, 100])),
        st.tuples(st.just("redeem"), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("wait"), st.integers(min_value=0, max_value=200)),
        st.tuples(st.just("expire")),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_balance_always_equals_the_ledger_and_expired_points_are_never_spent(
    programme, central, manager, operations
):
    customer = CustomerFactory(home_store=central)
    day, purchases = DAY0, []
    for operation in operations:
        kind = operation[0]
        if kind == "buy":
            purchases.append(buy(customer, operation[1], day=day))
        elif kind == "refund" and purchases:
            purchase = purchases[operation[1] % len(purchases)]
            purchase.refresh_from_db()
            keep = purchase.total * (100 - operation[2]) / 100
            status = Purchase.Status.RETURNED if operation[2] == 100 else Purchase.Status.PARTLY_RETURNED
            Purchase.objects.filter(pk=purchase.pk).update(total=min(keep, purchase.total), status=status)
            loyalty.loyalty_purchase_sync(purchase_id=purchase.pk, at=at(day))
        elif kind == "redeem":
            usable = loyalty.available_points(customer_id=customer.pk, today=day)
            before = LoyaltyAccount.objects.filter(customer=customer).values_list("balance", flat=True).first() or 0
            needed = operation[1] * 100
            overdue = dict(
                PointsEntry.objects.filter(
                    customer=customer, kind="earn", remaining__gt=0, expires_on__lt=day
                ).values_list("pk", "remaining")
            )
            if needed <= min(usable, max(before, 0)):
                loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, vouchers=operation[1], at=at(day))
                # the overdue lots were expired whole, not spent
                expired = dict(
                    PointsEntry.objects.filter(lot_id__in=overdue, kind="expire").values_list("lot_id", "points")
                )
                assert expired == {pk: -remaining for pk, remaining in overdue.items()}
            else:
                with pytest.raises(ValidationError):
                    loyalty.loyalty_redeem(by=manager, customer_id=customer.pk, vouchers=operation[1], at=at(day))
        elif kind == "wait":
            day += timedelta(days=operation[1])
        elif kind == "expire":
            loyalty.loyalty_expire(customer_id=customer.pk, at=at(day))
        account = LoyaltyAccount.objects.filter(customer=customer).first()
        current = account.balance if account else 0
        lots = PointsEntry.objects.filter(customer=customer, kind="earn")
        # the balance is the sum of the ledger; the lots hold exactly the positive balance
        assert current == ledger(customer)
        assert sum(lots.values_list("remaining", flat=True)) == max(current, 0)
    # every redemption drew only on points unexpired at the time: redeemed <= earned - expired - reversed
    earned = ledger_kind(customer, "earn")
    assert -ledger_kind(customer, "redeem") <= earned + ledger_kind(customer, "expire") + max(
        0, ledger_kind(customer, "reverse")
    )


def ledger_kind(customer, kind) -> int:
    return PointsEntry.objects.filter(customer=customer, kind=kind).aggregate(s=Sum("points"))["s"] or 0
