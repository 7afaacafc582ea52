"""A small hand-computed data set around one day, D = Tuesday 10 March 2026 (Hong Kong), at two stores.

The expected figures are written in the tests beside each KPI, with the reason each row counts or not.
Times are Hong Kong local times unless marked Z (UTC): 00:00 HKT on 10 March is 16:00Z on 9 March.
"""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from churn.models import Band
from complaints.models import Complaint, SatisfactionSurvey
from customers.models import Customer, OwnedTimepiece, Purchase, ServiceJob
from segmentation.models import CustomerRfm, CustomerTier, RfmSegment, TierChange
from tests.factories import (
    ComplaintFactory,
    CustomerFactory,
    CustomerScoreFactory,
    OwnedTimepieceFactory,
    PurchaseFactory,
    RunFactory,
    ServiceJobFactory,
    StoreFactory,
    TierFactory,
)

D = datetime.date(2026, 3, 10)
_nonce = itertools.count()


def hk(day: datetime.date, hour=0, minute=0, second=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _created(customer, at):
    Customer.objects.filter(pk=customer.pk).update(created_at=at)


def _sale(customer, on, total, status=Purchase.Status.COMPLETED):
    return PurchaseFactory(customer=customer, purchased_on=on, total=Decimal(total), status=status)


def _survey(complaint, answered_at, score):
    return SatisfactionSurvey.objects.create(
        complaint=complaint,
        nonce=f"n{next(_nonce)}",
        expires_at=answered_at + days(14),
        answered_at=answered_at,
        score=score,
    )


def build_kpi_data() -> dict:
    c = StoreFactory(code="kpi-central", name="KPI Central")
    t = StoreFactory(code="kpi-tst", name="KPI TST")
    long_ago = hk(datetime.date(2023, 1, 1), 12)

    a = CustomerFactory(home_store=c, name_en="A", acquisition_source="walk_in")
    b = CustomerFactory(home_store=c, name_en="B", acquisition_source="referral")
    cc = CustomerFactory(home_store=t, name_en="C")
    d = CustomerFactory(home_store=t, name_en="D")
    e = CustomerFactory(home_store=c, name_en="E (merged)", merged_into=a)
    f = CustomerFactory(home_store=t, name_en="F")
    _created(a, hk(D - days(1), 23, 59, 59))  # 23:59:59 on the 9th: new on the 9th
    _created(b, hk(D))  # 00:00 on the 10th: new on the 10th
    for x in (cc, d, e, f):
        _created(x, long_ago)

    # Sales. Base window D-729 (11 Mar 2024) … D-365 (10 Mar 2025); active window D-364 (11 Mar 2025) … D.
    _sale(a, D - days(365), "100")  # last day of the base window
    _sale(a, D, "1000")  # returning (earlier sale)
    _sale(b, D, "2000")  # first sale: not returning
    _sale(cc, D - days(729), "100")  # first day of the base window, nothing since: lost
    _sale(d, D - days(730), "100")  # a day before the base window
    _sale(d, D - days(364), "100")  # first day of the active window: active, not in the base
    _sale(e, D, "500")  # merged away: never counted
    _sale(f, D - days(2), "700", Purchase.Status.PARTLY_RETURNED)  # a sale all the same
    _sale(f, D, "300")  # returning
    _sale(f, D, "999", Purchase.Status.RETURNED)  # not a sale

    # Tiers: Gold (rank 1) and Silver (rank 2).
    run = RunFactory()
    gold, silver = TierFactory(rank=1, name="Gold"), TierFactory(rank=2, name="Silver")
    for customer, tier in ((a, gold), (b, silver), (d, silver)):
        CustomerTier.objects.create(customer=customer, tier=tier, since=hk(D), since_run=run)
    TierChange.objects.create(customer=a, run=run, from_tier=silver, to_tier=gold, at=hk(D))  # up, on D
    TierChange.objects.create(customer=b, run=run, from_tier=gold, to_tier=silver, at=hk(D, 12))  # down
    TierChange.objects.create(customer=d, run=run, from_tier=None, to_tier=silver, at=hk(D - days(1), 23, 59))
    TierChange.objects.create(customer=f, run=run, from_tier=silver, to_tier=None, at=hk(D + days(1)))
    segment = RfmSegment.objects.order_by("order").first()
    for customer in (a, b, f):
        CustomerRfm.objects.create(
            customer=customer, recency_score=5, frequency_score=3, monetary_score=3, segment=segment, run=run
        )

    # Churn scores: a watch (C, spent 1,000), cc high (T, spent 45,000), d low (not at risk).
    CustomerScoreFactory(customer=a, band=Band.WATCH, spend_12m=Decimal("1000"))
    CustomerScoreFactory(customer=cc, band=Band.HIGH, spend_12m=Decimal("45000"))
    CustomerScoreFactory(customer=d, band=Band.LOW, spend_12m=Decimal("300"))

    # Complaints.
    def complaint(customer, store, received, **fields):
        fields.setdefault("acknowledge_due_at", received + days(1))
        fields.setdefault("resolve_due_at", received + days(7))
        return ComplaintFactory(customer=customer, store=store, received_at=received, **fields)

    k1 = complaint(a, c, hk(D), acknowledged_at=hk(D, 10), status=Complaint.Status.ACKNOWLEDGED)
    k2 = complaint(b, c, hk(D - days(1), 23, 59, 59), acknowledge_due_at=hk(D, 9))  # unacknowledged: overdue
    k3 = complaint(
        cc,
        t,
        hk(datetime.date(2026, 3, 1), 12),
        acknowledged_at=hk(datetime.date(2026, 3, 2)),
        resolve_due_at=hk(datetime.date(2026, 3, 8)),
        resolved_at=hk(D, 12),
        status=Complaint.Status.RESOLVED,
    )  # resolved on D, late, after 216 hours
    k4 = complaint(
        d,
        t,
        hk(datetime.date(2026, 3, 5), 12),
        acknowledged_at=hk(datetime.date(2026, 3, 5), 13),
        resolved_at=hk(D + days(1)),
        status=Complaint.Status.RESOLVED,
    )  # resolved at 00:00 on the 11th: open at the end of D
    k5 = complaint(
        a,
        c,
        hk(datetime.date(2026, 3, 8), 12),
        acknowledged_at=hk(datetime.date(2026, 3, 8), 13),
        resolve_due_at=hk(D + days(1)),
        resolved_at=hk(D, 6),
        status=Complaint.Status.CLOSED,
        closed_at=hk(D, 7),
    )  # resolved on D within SLA after 42 hours
    _survey(k3, hk(D, 20), 5)
    _survey(k5, hk(D, 23, 30), 2)
    _survey(k5, hk(D + days(1)), 4)  # 00:00 on the 11th: not on D

    # Service: due dates around D, and service jobs.
    OwnedTimepieceFactory(customer=a, service_due_on=D)  # due (the first day of the 30)
    OwnedTimepieceFactory(customer=b, service_due_on=D + days(30))  # due (the last day)
    OwnedTimepieceFactory(customer=d, service_due_on=D + days(31))  # not yet
    OwnedTimepieceFactory(customer=f, service_due_on=D - days(1))  # overdue
    OwnedTimepieceFactory(customer=cc, service_due_on=D - days(5), status=OwnedTimepiece.Status.SOLD)  # not theirs
    watch = OwnedTimepieceFactory(customer=a)
    ServiceJobFactory(timepiece=watch, store=c, received_on=D - days(9), promised_on=D)  # late at the end of D
    ServiceJobFactory(timepiece=watch, store=t, received_on=D - days(9), promised_on=D + days(1))  # due
    ServiceJobFactory(
        timepiece=watch,
        store=c,
        received_on=D - days(9),
        promised_on=D - days(1),
        returned_on=D,
        status=ServiceJob.Status.RETURNED,
    )  # back with the customer
    ServiceJobFactory(
        timepiece=watch, store=t, received_on=D - days(9), promised_on=D - days(5), status=ServiceJob.Status.CANCELLED
    )
    ServiceJobFactory(timepiece=watch, store=c, received_on=D + days(1), promised_on=D)  # not yet received

    return {"c": c, "t": t, "customers": {"a": a, "b": b, "c": cc, "d": d, "e": e, "f": f}, "segment": segment,
            "complaints": [k1, k2, k3, k4, k5]}  # fmt: skip
