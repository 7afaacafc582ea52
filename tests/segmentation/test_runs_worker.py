"""Three successive runs through a REAL Celery worker and the configured broker and database.

Purchases change between the runs; memberships, their history and the tier grace period must
follow, and a fourth run that fails half-way must leave the third run's state untouched.
"""

import datetime
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from crm_site.celery import app as celery_app
from segmentation.models import Criterion, CustomerTier, Run, SegmentMembership, TierChange
from segmentation.services import run_start
from tests.factories import (
    AdminFactory,
    CriterionFactory,
    CustomerFactory,
    PurchaseFactory,
    SegmentFactory,
    StoreFactory,
    TierFactory,
)


def _finished(run_id: int, *, timeout=60.0) -> Run:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if run.is_finished:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish: {Run.objects.get(pk=run_id).status}")


def _buy(customer, amount):
    PurchaseFactory(
        customer=customer, total=Decimal(amount), purchased_on=timezone.localdate() - datetime.timedelta(days=1)
    )


def _members(segment):
    return set(
        SegmentMembership.objects.filter(segment=segment, left_run__isnull=True).values_list(
            "customer__name_en", flat=True
        )
    )


def _tiers():
    return {
        h.customer.name_en: (h.tier.name, h.downgrade_due_on)
        for h in CustomerTier.objects.select_related("customer", "tier")
    }


def _snapshot():
    return (
        list(SegmentMembership.objects.order_by("pk").values_list("customer", "entered_run", "left_run")),
        list(CustomerTier.objects.order_by("pk").values_list("customer", "tier", "downgrade_due_on")),
        TierChange.objects.count(),
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_three_runs_through_a_real_worker_then_a_failing_one():
    # given three customers, a VIP segment (≥ HKD 100,000 in 12 months) and a Gold/Member ladder
    store = StoreFactory(code="central")
    admin = AdminFactory(username="run-admin")
    ann, ben, cat = (CustomerFactory(home_store=store, name_en=n) for n in ("Ann", "Ben", "Cat"))
    vip = SegmentFactory(criterion=CriterionFactory(name="VIP"))
    TierFactory(rank=1, name="Gold", criterion=vip.criterion, grace_days=30)
    TierFactory(
        rank=2,
        name="Member",
        criterion=CriterionFactory(rule={"all": [{"field": "spend_12m", "op": "gt", "value": 0}]}),
        grace_days=0,
    )
    today = timezone.localdate()
    _buy(ann, 150000)
    _buy(ben, 5000)
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # run 1
        run1 = _finished(run_start(by=admin).pk)
        assert run1.status == Run.Status.SUCCEEDED, run1.error
        assert _members(vip) == {"Ann"}
        assert _tiers() == {"Ann": ("Gold", None), "Ben": ("Member", None)}
        # run 2: Ann returns most of it, Cat buys big
        _buy(ann, -100000)
        _buy(cat, 200000)
        run2 = _finished(run_start(by=admin).pk)
        assert run2.status == Run.Status.SUCCEEDED, run2.error
        assert _members(vip) == {"Cat"}
        assert _tiers() == {
            "Ann": ("Gold", today + datetime.timedelta(days=30)),  # in grace, not downgraded
            "Ben": ("Member", None),
            "Cat": ("Gold", None),
        }
        assert (run2.entered_count, run2.left_count) == (1, 1)
        # run 3: Ann buys again (back in VIP, grace over), Ben's purchase is returned (no grace on Member)
        _buy(ann, 80000)
        _buy(ben, -5000)
        run3 = _finished(run_start(by=admin).pk)
        assert run3.status == Run.Status.SUCCEEDED, run3.error
        assert _members(vip) == {"Ann", "Cat"}
        assert _tiers() == {"Ann": ("Gold", None), "Cat": ("Gold", None)}
        ann_stays = list(
            SegmentMembership.objects.filter(customer=ann).order_by("pk").values_list("entered_run", "left_run")
        )
        assert ann_stays == [(run1.pk, run2.pk), (run3.pk, None)]
        assert list(
            TierChange.objects.filter(customer=ben)
            .order_by("pk")
            .values_list("from_tier__name", "to_tier__name", "run")
        ) == [(None, "Member", run1.pk), ("Member", None, run3.pk)]
        assert not TierChange.objects.filter(customer=ann, run__in=[run2, run3]).exists()
        # run 4 fails half-way: the criterion of a tier applied after the segments has a rule that no longer validates
        before = _snapshot()
        _buy(ben, 900000)
        Criterion.objects.filter(tiers__name="Member").update(rule={"all": [{"field": "gone", "op": "eq", "value": 1}]})
        run4 = _finished(run_start(by=admin).pk)
    # then
    assert run4.status == Run.Status.FAILED
    assert "unknown field “gone”" in run4.error
    assert _snapshot() == before  # Ben is not in VIP, the segments step was rolled back with the rest
    assert _members(vip) == {"Ann", "Cat"}
