"""Runs: created once at a time, executed once, failures recorded with the previous state intact."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from segmentation import tasks
from segmentation.models import Criterion, CustomerRfm, CustomerTier, Run, SegmentMembership, TierChange
from segmentation.services import run_create, run_execute, run_scheduled, run_start, runs_fail_stale
from tests.factories import CriterionFactory, CustomerFactory, PurchaseFactory, RunFactory, SegmentFactory, TierFactory


def buy(customer, amount, *, days_ago=1):
    return PurchaseFactory(
        customer=customer,
        total=Decimal(amount),
        purchased_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


def state():
    """Everything a run writes, to compare before and after."""
    return (
        list(SegmentMembership.objects.order_by("pk").values_list("segment", "customer", "entered_run", "left_run")),
        list(CustomerTier.objects.order_by("pk").values_list("customer", "tier", "downgrade_due_on")),
        list(TierChange.objects.order_by("pk").values_list("customer", "from_tier", "to_tier")),
        list(CustomerRfm.objects.order_by("pk").values_list("customer", "segment", "run")),
    )


@pytest.fixture
def vip_setup(central):
    big, small = (
        CustomerFactory(home_store=central, name_en="Big"),
        CustomerFactory(home_store=central, name_en="Small"),
    )
    buy(big, 150000)
    buy(small, 2000)
    vip = SegmentFactory(criterion=CriterionFactory(name="VIP"))
    TierFactory(rank=1, name="Gold", criterion=vip.criterion, grace_days=30)
    return {"big": big, "small": small, "vip": vip}


@pytest.mark.django_db
def test_a_run_refreshes_metrics_then_records_segments_tiers_and_rfm(vip_setup, admin_user):
    # given
    run = run_create(by=admin_user)
    # when
    run = run_execute(run_id=run.pk)
    # then
    assert run.status == Run.Status.SUCCEEDED, run.error
    assert (run.progress, run.entered_count, run.left_count) == (100, 1, 0)
    assert run.started_at <= run.finished_at
    assert run.counts["segments"][str(vip_setup["vip"].pk)]["size"] == 1
    assert run.counts["metrics"]["created"] == 2
    assert CustomerTier.objects.get().customer == vip_setup["big"]
    assert CustomerRfm.objects.count() == 2
    # a redelivered message changes nothing
    before = state()
    assert run_execute(run_id=run.pk).status == Run.Status.SUCCEEDED
    assert state() == before


@pytest.mark.django_db
def test_a_run_failing_half_way_leaves_the_previous_state(vip_setup, admin_user, central):
    # given a successful first run
    first = run_execute(run_id=run_create(by=admin_user).pk)
    assert first.status == Run.Status.SUCCEEDED
    before = state()
    # and then new purchases, and a second segment whose stored rule no longer validates (applied after VIP)
    buy(vip_setup["small"], 500000)
    broken = SegmentFactory(criterion=CriterionFactory(name="Broken"))
    Criterion.objects.filter(pk=broken.criterion.pk).update(
        rule={"all": [{"field": "shoe_size", "op": "gt", "value": 40}]}
    )
    # when
    second = run_execute(run_id=run_create(by=admin_user).pk)
    # then the run says what went wrong and nothing of it was applied (VIP would have gained Small)
    assert second.status == Run.Status.FAILED
    assert "unknown field “shoe_size”" in second.error
    assert second.finished_at is not None
    assert state() == before


@pytest.mark.django_db
def test_only_one_run_at_a_time(admin_user):
    # given a pending run
    run_create(by=admin_user)
    # when / then
    with pytest.raises(ValidationError, match="already under way"):
        run_create(by=admin_user)
    assert run_scheduled() is None
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_running_run_and_the_run_records_it(admin_user):
    # given a run that is running (e.g. on another worker)
    RunFactory(status=Run.Status.RUNNING, finished_at=None)
    waiting = Run.objects.create(started_by=admin_user)
    # when
    result = run_execute(run_id=waiting.pk)
    # then
    assert result.status == Run.Status.FAILED
    assert "Another run was under way" in result.error
    assert Run.objects.filter(status=Run.Status.RUNNING).count() == 1


@pytest.mark.django_db
def test_a_run_left_behind_by_a_dead_worker_is_failed_after_hours(admin_user):
    stale = RunFactory(status=Run.Status.RUNNING, finished_at=None)
    Run.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=4))
    assert runs_fail_stale() == 1
    stale.refresh_from_db()
    assert stale.status == Run.Status.FAILED
    assert run_create(by=admin_user).status == Run.Status.PENDING


@pytest.mark.django_db
def test_run_start_hands_the_run_to_a_worker_after_commit(admin_user, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.segmentation_run, "delay", lambda **kwargs: sent.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(by=admin_user)
    assert sent == [{"run_id": run.pk}]
    assert (run.status, run.trigger, run.started_by) == (Run.Status.PENDING, Run.Trigger.MANUAL, admin_user)


@pytest.mark.django_db
def test_the_tasks_run_the_service(vip_setup):
    assert tasks.segmentation_run_scheduled.run() == Run.Status.SUCCEEDED
    run = Run.objects.get()
    assert run.trigger == Run.Trigger.SCHEDULED
    assert tasks.segmentation_run.run(run.pk) == Run.Status.SUCCEEDED  # not pending any more: no-op
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_each_run_keeps_its_own_movement_matrix(vip_setup, admin_user):
    from segmentation.selectors import tier_movement

    # given run 1: Big enters Gold; then Small spends big and run 2 moves Small in
    first = run_execute(run_id=run_create(by=admin_user).pk)
    buy(vip_setup["small"], 300000)
    second = run_execute(run_id=run_create(by=admin_user).pk)
    gold = vip_setup["vip"].criterion.tiers.get()

    # when / then: rows = before, columns = after ([Gold, No tier])
    assert [row["cells"] for row in tier_movement(run=first)["rows"]] == [[0, 0], [1, None]]
    assert [row["cells"] for row in tier_movement(run=second)["rows"]] == [[1, 0], [1, None]]
    assert tier_movement(run=second)["rows"][0]["tier"] == gold
