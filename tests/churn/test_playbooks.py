"""Remedy playbooks: who gets an action, the control group, the consent gate, outcomes and the uplift report."""

import datetime
import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from churn import selectors
from churn.models import PlaybookRun, RemedyAction
from churn.services import playbooks
from privacy.services.consent import consent_record
from segmentation.models import CustomerTier
from tests.factories import (
    ChurnReasonFactory,
    CustomerFactory,
    CustomerScoreFactory,
    PlaybookFactory,
    PurchaseFactory,
    RemedyActionFactory,
    RunFactory,
    TierFactory,
)
from tests.privacy.helpers import published_notice

TODAY = datetime.date(2026, 11, 2)


def _scored(*, store, manager, count, band="high"):
    customers = CustomerFactory.create_batch(count, home_store=store, account_manager=manager)
    for c in customers:
        CustomerScoreFactory(customer=c, band=band)
    return customers


def _rows(playbook):
    return sorted(RemedyAction.objects.filter(playbook=playbook).values_list("customer_id", "group", "period"))


def test_period_start_steps_by_the_cap():
    assert playbooks.period_start(today=datetime.date(2000, 1, 3), cap_days=90) == datetime.date(2000, 1, 3)
    first = playbooks.period_start(today=TODAY, cap_days=90)
    assert first <= TODAY < first + datetime.timedelta(days=90)
    assert playbooks.period_start(today=first + datetime.timedelta(days=89), cap_days=90) == first


def test_control_share_within_tolerance_stable_across_reruns_and_the_same_hash_as_python(central, manager):
    # given 400 high-risk customers and a no-contact playbook (a service check at the next visit) holding back 20 %
    customers = _scored(store=central, manager=manager, count=400)
    _scored(store=central, manager=manager, count=5, band="low")
    playbook = PlaybookFactory(kind="service_check", channel="", subject_class="", control_share=Decimal("0.2"))

    # when the job runs, then again the same day and a week later (same period)
    run = playbooks.playbooks_run(today=TODAY)
    first = _rows(playbook)
    again = playbooks.playbooks_run(today=TODAY)
    later = playbooks.playbooks_run(today=TODAY + datetime.timedelta(days=7))

    # then every high-risk customer is taken up once, the reruns create nothing, and the split is the same
    assert len(first) == 400
    assert run.counts[str(playbook.pk)]["treated"] + run.counts[str(playbook.pk)]["control"] == 400
    assert again.counts[str(playbook.pk)] == {"treated": 0, "control": 0, "skipped": 0}
    assert later.counts[str(playbook.pk)] == {"treated": 0, "control": 0, "skipped": 0}
    assert _rows(playbook) == first
    control = {cid for cid, group, _p in first if group == "control"}
    assert abs(len(control) / 400 - 0.2) < 0.06  # 3 standard errors of a 20 % share among 400
    assert control == {c.pk for c in customers if playbooks.control_bucket(playbook.pk, c.pk) < 0.2}
    # and the treated get an action owned by their account manager, due in the playbook's days, at its cost
    action = RemedyAction.objects.filter(playbook=playbook, group="treated").first()
    assert action.owner == manager
    assert action.due_on == TODAY + datetime.timedelta(days=14)
    assert action.estimated_cost == Decimal("150.00")
    assert action.outcome == "open"
    assert RemedyAction.objects.filter(playbook=playbook, group="control", owner__isnull=False).count() == 0


def test_next_period_takes_customers_up_again_after_the_cap_only(central, manager):
    (customer,) = _scored(store=central, manager=manager, count=1)
    PlaybookFactory(kind="service_check", channel="", subject_class="", control_share=Decimal("0"))
    playbooks.playbooks_run(today=TODAY)
    period = playbooks.period_start(today=TODAY, cap_days=90)
    # the next period starts, but fewer than 90 days have passed since the action: nothing
    next_period = period + datetime.timedelta(days=90)
    if (next_period - TODAY).days < 90:
        playbooks.playbooks_run(today=next_period)
        assert RemedyAction.objects.filter(customer=customer).count() == 1
    # 90 days after the action: a new one
    playbooks.playbooks_run(today=TODAY + datetime.timedelta(days=91))
    assert RemedyAction.objects.filter(customer=customer).count() == 2


def test_tier_and_reason_narrow_the_customers(central, manager):
    gold = TierFactory()
    run = RunFactory()
    in_tier, _other_tier, reason_ok = _scored(store=central, manager=manager, count=3)
    CustomerTier.objects.create(customer=in_tier, tier=gold, since=run.created_at, since_run=run)
    CustomerTier.objects.create(customer=reason_ok, tier=gold, since=run.created_at, since_run=run)
    ChurnReasonFactory(customer=reason_ok, reason="price", recorded_by=manager)
    ChurnReasonFactory(customer=in_tier, reason="moved_away", recorded_by=manager)
    by_tier = PlaybookFactory(tier=gold, kind="service_check", channel="", subject_class="", control_share=0)
    by_reason = PlaybookFactory(
        tier=gold, churn_reason="price", kind="service_check", channel="", subject_class="", control_share=0
    )
    playbooks.playbooks_run(today=TODAY)
    assert {a.customer_id for a in RemedyAction.objects.filter(playbook=by_tier)} == {in_tier.pk, reason_ok.pk}
    assert {a.customer_id for a in RemedyAction.objects.filter(playbook=by_reason)} == {reason_ok.pk}


def test_customers_without_consent_for_the_channel_get_no_contact_action(central, manager, privacy_officer):
    # given three high-risk customers: one agreed to phone calls about new releases, one only to SMS, one to nothing
    published_notice(privacy_officer)
    phone_ok, sms_only, nothing = _scored(store=central, manager=manager, count=3)
    consent_record(
        customer_id=phone_ok.pk,
        by=privacy_officer,
        subject_classes=["new_releases"],
        channels=["phone"],
        method="signed_form",
    )
    consent_record(
        customer_id=sms_only.pk,
        by=privacy_officer,
        subject_classes=["new_releases"],
        channels=["sms"],
        method="signed_form",
    )
    playbook = PlaybookFactory(kind="personal_call", channel="phone", subject_class="new_releases", control_share=0)

    # when the job runs
    playbooks.playbooks_run(today=timezone.localdate())

    # then only the consenting customer gets the call; the others are recorded as skipped, with no owner
    rows = {a.customer_id: a for a in RemedyAction.objects.filter(playbook=playbook)}
    assert rows[phone_ok.pk].group == "treated"
    assert rows[phone_ok.pk].owner == manager
    for customer in (sms_only, nothing):
        assert rows[customer.pk].group == "skipped"
        assert rows[customer.pk].skip_reason == "no_consent"
        assert rows[customer.pk].owner is None
        assert rows[customer.pk].due_on is None
    assert not selectors.my_remedies(user=manager).exclude(customer=phone_ok).exists()


def test_a_failed_run_is_recorded_and_leaves_nothing(central, manager, monkeypatch):
    _scored(store=central, manager=manager, count=3)
    PlaybookFactory(kind="service_check", channel="", subject_class="")
    PlaybookFactory(kind="service_check", channel="", subject_class="")
    calls = []

    def failing(*, playbook, today):
        calls.append(playbook.pk)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(playbook=playbook, today=today)

    original = playbooks.playbook_apply
    monkeypatch.setattr(playbooks, "playbook_apply", failing)
    with pytest.raises(RuntimeError):
        playbooks.playbooks_run(today=TODAY)
    assert not RemedyAction.objects.exists()
    assert PlaybookRun.objects.get().status == "failed"


# --- outcomes --------------------------------------------------------------------------------------------


def test_the_owner_records_an_outcome(customer, manager):
    action = RemedyActionFactory(customer=customer, owner=manager)
    playbooks.remedy_outcome_record(action_id=action.pk, by=manager, outcome="won_back", note="Came to the viewing")
    action.refresh_from_db()
    assert (action.outcome, action.outcome_by, action.outcome_note) == ("won_back", manager, "Came to the viewing")
    assert action.outcome_at is not None


def test_no_outcome_for_a_control_member_or_from_another_book(customer, manager, other_manager):
    control = RemedyActionFactory(customer=customer, group="control", owner=None)
    with pytest.raises(ValidationError):
        playbooks.remedy_outcome_record(action_id=control.pk, by=manager, outcome="done")
    action = RemedyActionFactory(customer=customer, owner=manager, playbook=control.playbook, period=TODAY)
    with pytest.raises(ValidationError):
        playbooks.remedy_outcome_record(action_id=action.pk, by=other_manager, outcome="done")
    action.refresh_from_db()
    assert action.outcome == "open"


# --- the uplift report -----------------------------------------------------------------------------------


def test_rate_difference_ci_is_the_two_proportion_normal_approximation():
    # 30/100 against 20/100: 0.1 ± 1.96 * sqrt(.3*.7/100 + .2*.8/100) = 0.1 ± 0.1192
    uplift = selectors.rate_difference_ci(30, 100, 20, 100)
    assert math.isclose(uplift.difference, 0.1)
    assert math.isclose(uplift.low, 0.1 - 1.959963984540054 * math.sqrt(0.0037), rel_tol=1e-12)
    assert math.isclose(uplift.high, 0.2192, abs_tol=1e-4)
    assert selectors.rate_difference_ci(3, 10, 0, 0) is None


def test_win_back_attribution_and_report_on_a_hand_built_set(central, manager):
    # given a playbook with a 60-day window, 4 treated and 4 control customers taken up on 1 Sep 2026
    day = datetime.date(2026, 9, 1)
    playbook = PlaybookFactory(win_window_days=60, estimated_cost=Decimal("200.00"))
    treated = CustomerFactory.create_batch(4, home_store=central, account_manager=manager)
    control = CustomerFactory.create_batch(4, home_store=central, account_manager=manager)
    for c in treated:
        RemedyActionFactory(playbook=playbook, customer=c, assigned_on=day, period=day, estimated_cost=Decimal("200"))
    for c in control:
        RemedyActionFactory(
            playbook=playbook, customer=c, assigned_on=day, period=day, group="control", owner=None, estimated_cost=0
        )
    skipped = CustomerFactory(home_store=central)
    RemedyActionFactory(playbook=playbook, customer=skipped, assigned_on=day, period=day, group="skipped", owner=None)

    def buy(customer, on, total, status="completed"):
        PurchaseFactory(customer=customer, purchased_on=on, total=Decimal(total), status=status)

    # treated: two buy inside the window (one twice), one on the day itself (not after), one after the window
    buy(treated[0], day + datetime.timedelta(days=1), "10000")
    buy(treated[0], day + datetime.timedelta(days=60), "5000")
    buy(treated[1], day + datetime.timedelta(days=30), "20000")
    buy(treated[2], day, "99999")
    buy(treated[3], day + datetime.timedelta(days=61), "99999")
    # control: one buys inside the window, one returns what it bought, the skipped customer's purchase is ignored
    buy(control[0], day + datetime.timedelta(days=10), "8000")
    buy(control[1], day + datetime.timedelta(days=10), "7000", status="returned")
    buy(skipped, day + datetime.timedelta(days=10), "99999")
    RemedyAction.objects.filter(customer=treated[1]).update(outcome="won_back")

    report = selectors.playbook_report(playbook=playbook, today=datetime.date(2026, 12, 1))

    t, c = report["treated"], report["control"]
    assert (t.customers, t.won_back, t.revenue, t.cost) == (4, 2, Decimal("35000.00"), Decimal("800.00"))
    assert (c.customers, c.won_back, c.revenue) == (4, 1, Decimal("8000.00"))
    assert (t.rate, c.rate) == (0.5, 0.25)
    assert math.isclose(report["uplift"].difference, 0.25)
    se = math.sqrt(0.5 * 0.5 / 4 + 0.25 * 0.75 / 4)
    assert math.isclose(report["uplift"].low, 0.25 - 1.959963984540054 * se)
    assert report["revenue_difference"] == Decimal("8750.00") - Decimal("2000.00")
    assert report["cost_per_won_back"] == Decimal("400.00")  # 800 / 2
    assert report["cost_per_incremental"] == Decimal("800.00")  # 800 / (0.25 * 4)
    assert dict(report["outcomes"])["Won back"] == 1
    assert t.window_open == 0


def test_the_report_can_keep_only_closed_windows(central, manager):
    playbook = PlaybookFactory(win_window_days=30)
    today = datetime.date(2026, 12, 1)
    old, recent = CustomerFactory.create_batch(2, home_store=central, account_manager=manager)
    RemedyActionFactory(playbook=playbook, customer=old, assigned_on=today - datetime.timedelta(days=40))
    RemedyActionFactory(playbook=playbook, customer=recent, assigned_on=today - datetime.timedelta(days=10))
    everyone = selectors.playbook_report(playbook=playbook, today=today)
    closed = selectors.playbook_report(playbook=playbook, today=today, closed_only=True)
    assert (everyone["treated"].customers, everyone["treated"].window_open) == (2, 1)
    assert (closed["treated"].customers, closed["treated"].window_open) == (1, 0)
