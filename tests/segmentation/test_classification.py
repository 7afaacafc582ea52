"""Segments, tiers (with grace) and RFM applied set-based, run after run."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from segmentation.models import CustomerRfm, CustomerTier, RfmMapping, RfmSegment, SegmentMembership, TierChange
from segmentation.services import rfm_apply, segments_apply, tiers_apply
from tests.factories import CriterionFactory, CustomerFactory, RunFactory, SegmentFactory, TierFactory

D = datetime.date


def spend(customer, amount, **figures):
    """Set a customer's metrics row (what metrics_refresh would compute)."""
    from segmentation.models import CustomerMetrics

    CustomerMetrics.objects.update_or_create(
        customer=customer,
        defaults={
            "home_store": customer.home_store,
            "spend_12m": Decimal(amount),
            "as_of": timezone.localdate(),
            "refreshed_at": timezone.now(),
            **figures,
        },
    )


def at_least(amount):
    return CriterionFactory(rule={"all": [{"field": "spend_12m", "op": "gte", "value": str(amount)}]})


@pytest.fixture
def trio(central):
    return [CustomerFactory(home_store=central, name_en=n) for n in ("Ann", "Ben", "Cat")]


def open_members(segment):
    return set(
        SegmentMembership.objects.filter(segment=segment, left_run__isnull=True).values_list(
            "customer__name_en", flat=True
        )
    )


# ------------------------------------------------------------------------------------------ segments


@pytest.mark.django_db
def test_membership_history_across_runs(trio):
    ann, ben, cat = trio
    segment = SegmentFactory(criterion=at_least(100000))
    # given run 1: Ann and Ben qualify
    spend(ann, 150000), spend(ben, 100000), spend(cat, 10)
    run1 = RunFactory()
    counts = segments_apply(run=run1)
    assert counts[str(segment.pk)] == {"name": segment.name, "size": 2, "entered": 2, "left": 0}
    assert open_members(segment) == {"Ann", "Ben"}
    # run 2: Ben drops out, Cat comes in
    spend(ben, 5), spend(cat, 200000)
    run2 = RunFactory()
    counts = segments_apply(run=run2)
    assert counts[str(segment.pk)] == {"name": segment.name, "size": 2, "entered": 1, "left": 1}
    assert open_members(segment) == {"Ann", "Cat"}
    # run 3: nothing changes; run 4: Ben is back (a new stay, the old one kept)
    assert segments_apply(run=RunFactory())[str(segment.pk)]["entered"] == 0
    spend(ben, 120000)
    run4 = RunFactory()
    segments_apply(run=run4)
    stays = list(
        SegmentMembership.objects.filter(customer=ben)
        .order_by("entered_at", "pk")
        .values_list("entered_run", "left_run")
    )
    assert stays == [(run1.pk, run2.pk), (run4.pk, None)]
    ann_stay = SegmentMembership.objects.get(customer=ann)
    assert (ann_stay.entered_run_id, ann_stay.left_run_id) == (run1.pk, None)


@pytest.mark.django_db
def test_an_inactive_segment_closes_its_memberships(trio):
    ann, _ben, _cat = trio
    segment = SegmentFactory(criterion=at_least(1))
    spend(ann, 100)
    segments_apply(run=RunFactory())
    segment.is_active = False
    segment.save()
    run = RunFactory()
    counts = segments_apply(run=run)
    assert counts[str(segment.pk)]["left"] == 1
    assert open_members(segment) == set()


# ------------------------------------------------------------------------------------------ tiers


@pytest.fixture
def ladder(db):
    """Platinum ≥ 500k (grace 30 days), Gold ≥ 100k (grace 10 days), Member ≥ 1 (no grace)."""
    return {
        "platinum": TierFactory(rank=1, name="Platinum", criterion=at_least(500000), grace_days=30),
        "gold": TierFactory(rank=2, name="Gold", criterion=at_least(100000), grace_days=10),
        "member": TierFactory(rank=3, name="Member", criterion=at_least(1), grace_days=0),
    }


def tier_of(customer):
    holding = CustomerTier.objects.filter(customer=customer).select_related("tier").first()
    return (holding.tier.name, holding.downgrade_due_on) if holding else None


@pytest.mark.django_db
def test_highest_tier_held_and_downgrade_waits_for_the_grace_period(trio, ladder):
    ann, ben, cat = trio
    # day 1: Ann qualifies for Platinum (and the lower tiers), Ben for Member, Cat for nothing
    spend(ann, 600000), spend(ben, 50), spend(cat, 0)
    run1 = RunFactory()
    result = tiers_apply(run=run1, as_of=D(2026, 1, 1))
    assert (tier_of(ann), tier_of(ben), tier_of(cat)) == (("Platinum", None), ("Member", None), None)
    assert result["changes"] == 2
    assert result["tiers"][str(ladder["platinum"].pk)]["size"] == 1
    # day 2: Ann falls to Gold level: she keeps Platinum for 30 days; Ben rises to Gold at once
    spend(ann, 150000), spend(ben, 150000)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 2))
    assert tier_of(ann) == ("Platinum", D(2026, 2, 1))
    assert tier_of(ben) == ("Gold", None)
    # day 20: still in grace (the due day does not move)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 20))
    assert tier_of(ann) == ("Platinum", D(2026, 2, 1))
    # day 32: grace over: down to what she qualifies for now (Gold)
    run4 = RunFactory()
    result = tiers_apply(run=run4, as_of=D(2026, 2, 1))
    assert tier_of(ann) == ("Gold", None)
    assert result["tiers"][str(ladder["gold"].pk)]["entered"] == 1
    # history of Ann: none → Platinum (run 1), Platinum → Gold (run 4)
    history = list(
        TierChange.objects.filter(customer=ann).order_by("at", "pk").values_list("from_tier", "to_tier", "run")
    )
    assert history == [(None, ladder["platinum"].pk, run1.pk), (ladder["platinum"].pk, ladder["gold"].pk, run4.pk)]


@pytest.mark.django_db
def test_qualifying_again_ends_the_grace_period(trio, ladder):
    ann = trio[0]
    spend(ann, 150000)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 1))
    spend(ann, 10)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 2))
    assert tier_of(ann) == ("Gold", D(2026, 1, 12))
    spend(ann, 100000)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 5))
    assert tier_of(ann) == ("Gold", None)
    # a later drop starts a fresh grace period
    spend(ann, 10)
    tiers_apply(run=RunFactory(), as_of=D(2026, 3, 1))
    assert tier_of(ann) == ("Gold", D(2026, 3, 11))
    assert TierChange.objects.filter(customer=ann).count() == 1


@pytest.mark.django_db
def test_no_grace_means_an_immediate_move_and_off_the_ladder_removes_the_tier(trio, ladder):
    ann, ben, _cat = trio
    spend(ann, 50), spend(ben, 150000)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 1))
    spend(ann, 0), spend(ben, 0)
    run = RunFactory()
    tiers_apply(run=run, as_of=D(2026, 1, 2))
    assert tier_of(ann) is None  # Member has no grace
    assert tier_of(ben) == ("Gold", D(2026, 1, 12))
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 12))
    assert tier_of(ben) is None
    assert TierChange.objects.filter(customer=ann, run=run, from_tier=ladder["member"], to_tier=None).exists()
    assert TierChange.objects.filter(customer=ben, to_tier__isnull=True).count() == 1


@pytest.mark.django_db
def test_tiers_apply_twice_on_the_same_day_changes_nothing(trio, ladder):
    spend(trio[0], 600000), spend(trio[1], 200)
    tiers_apply(run=RunFactory(), as_of=D(2026, 1, 1))
    before = list(CustomerTier.objects.order_by("pk").values())
    result = tiers_apply(run=RunFactory(), as_of=D(2026, 1, 1))
    assert result["changes"] == 0
    assert list(CustomerTier.objects.order_by("pk").values()) == before


# ------------------------------------------------------------------------------------------ RFM


@pytest.mark.django_db
def test_rfm_quintiles_and_named_segments(central):
    # given ten buyers: the higher the index, the more recent, frequent and big-spending; one non-buyer
    buyers = [CustomerFactory(home_store=central, name_en=f"B{i}") for i in range(10)]
    for i, customer in enumerate(buyers):
        spend(
            customer,
            0,
            days_since_last_purchase=1000 - 100 * i,
            purchases_lifetime=i + 1,
            spend_lifetime=Decimal(1000 * (i + 1)),
        )
    never = CustomerFactory(home_store=central)
    spend(never, 0)
    # when
    counts = rfm_apply(run=RunFactory())
    # then two per quintile; the best are Champions, the worst Lost
    scores = {
        r.customer.name_en: (r.recency_score, r.frequency_score, r.monetary_score, r.segment.code)
        for r in CustomerRfm.objects.select_related("customer", "segment")
    }
    assert scores["B9"] == (5, 5, 5, "champions")
    assert scores["B8"] == (5, 5, 5, "champions")
    assert scores["B0"] == (1, 1, 1, "lost")
    assert scores["B4"] == (3, 3, 3, "need_attention")
    assert not CustomerRfm.objects.filter(customer=never).exists()
    assert counts["champions"]["size"] == 2
    assert sum(v["size"] for v in counts.values()) == 10


@pytest.mark.django_db
def test_the_admin_mapping_decides_the_segment(central):
    customer = CustomerFactory(home_store=central)
    spend(customer, 0, days_since_last_purchase=5, purchases_lifetime=1, spend_lifetime=Decimal(10))
    rfm_apply(run=RunFactory())
    assert CustomerRfm.objects.get(customer=customer).segment.code == "lost"  # one buyer: all scores 1
    # when an admin maps the R1 FM1 cell to Hibernating
    RfmMapping.objects.filter(recency_score=1, fm_score=1).update(segment=RfmSegment.objects.get(code="hibernating"))
    run = RunFactory()
    rfm_apply(run=run)
    row = CustomerRfm.objects.get(customer=customer)
    assert (row.segment.code, row.run_id) == ("hibernating", run.pk)


@pytest.mark.django_db
def test_rfm_mapping_is_seeded_for_all_25_cells_and_11_segments():
    assert RfmMapping.objects.count() == 25
    assert set(RfmMapping.objects.values_list("segment__code", flat=True)) == {
        code for code, _ in RfmSegment.objects.values_list("code", "name")
    }
    assert RfmSegment.objects.count() == 11
