"""Each KPI against the hand-computed data set of conftest.py (D = 10 March 2026, stores C and T)."""

import datetime
from decimal import Decimal

import pytest

from reports import kpis
from reports.models import KpiSnapshot, SnapshotRun
from reports.services.snapshots import snapshot_write
from tests.reports.kpi_data import D


def figures(day=D):
    """{(metric, store code or "*", key): value} from the snapshot rows of ``day``."""
    return {
        (row.metric, row.store.code if row.store else "*", row.key): row.value
        for row in KpiSnapshot.objects.filter(day=day).select_related("store")
    }


def check(values, metric, expected: dict):
    """``expected``: {(store, key): value}; every other row of the metric must be absent (zero)."""
    found = {(store, key): value for (m, store, key), value in values.items() if m == metric}
    assert found == {k: Decimal(str(v)) for k, v in expected.items()}, metric


@pytest.fixture
def snap(kpi_data):
    snapshot_write(day=D)
    return figures()


def test_active_customers_count_sales_in_the_365_days_ending_on_the_day(snap):
    # C: a (sale on D), b (sale on D); e is merged. T: d (sale on D-364), f (partly returned sale on D-2).
    check(snap, "active_customers", {("kpi-central", ""): 2, ("kpi-tst", ""): 2, ("*", ""): 4})


def test_new_customers_by_source_use_hong_kong_days(kpi_data):
    snapshot_write(day=D)
    snapshot_write(day=D - datetime.timedelta(days=1))
    # b was created at 00:00 HKT on the 10th (16:00Z on the 9th); a at 23:59:59 HKT on the 9th.
    check(figures(D), "new_customers", {("kpi-central", "referral"): 1, ("*", "referral"): 1})
    check(
        figures(D - datetime.timedelta(days=1)), "new_customers", {("kpi-central", "walk_in"): 1, ("*", "walk_in"): 1}
    )


def test_retention_base_retained_and_lost_at_the_window_edges(snap):
    # Base (a sale 11 Mar 2024 … 10 Mar 2025): a (10 Mar 2025), c (11 Mar 2024); not d (10 Mar 2024).
    check(snap, "retention_base", {("kpi-central", ""): 1, ("kpi-tst", ""): 1, ("*", ""): 2})
    check(snap, "retention_retained", {("kpi-central", ""): 1, ("*", ""): 1})  # a bought again
    check(snap, "retention_lost", {("kpi-tst", ""): 1, ("*", ""): 1})  # c did not


def test_revenue_from_returning_customers(snap):
    # On D: a 1,000 (bought before), b 2,000 (first sale), f 300 (bought before); e merged; 999 returned.
    check(snap, "revenue_total", {("kpi-central", ""): 3000, ("kpi-tst", ""): 300, ("*", ""): 3300})
    check(snap, "revenue_returning", {("kpi-central", ""): 1000, ("kpi-tst", ""): 300, ("*", ""): 1300})


def test_tiers_and_moves(snap):
    check(
        snap,
        "tier_customers",
        {("kpi-central", "Gold"): 1, ("kpi-central", "Silver"): 1, ("kpi-tst", "Silver"): 1, ("*", "Gold"): 1,
         ("*", "Silver"): 2},
    )  # fmt: skip
    # On D (HKT): a up at 00:00, b down at 12:00; d entered at 23:59 on the 9th, f left on the 11th.
    check(snap, "tier_moves", {("kpi-central", "up"): 1, ("kpi-central", "down"): 1, ("*", "up"): 1, ("*", "down"): 1})


def test_rfm_sizes(snap, kpi_data):
    code = kpi_data["segment"].code
    check(snap, "rfm_customers", {("kpi-central", code): 2, ("kpi-tst", code): 1, ("*", code): 3})


def test_customers_at_risk_and_value_at_risk(snap):
    check(snap, "at_risk_customers", {("kpi-central", "watch"): 1, ("kpi-tst", "high"): 1, ("*", "watch"): 1,
                                      ("*", "high"): 1})  # fmt: skip
    check(snap, "value_at_risk", {("kpi-central", ""): 1000, ("kpi-tst", ""): 45000, ("*", ""): 46000})


def test_complaints_opened_open_and_overdue(snap):
    check(
        snap, "complaints_opened", {("kpi-central", ""): 1, ("*", ""): 1}
    )  # k1 at 00:00; k2 at 23:59:59 the day before
    # Open at the end of D: k1, k2 (C), k4 (resolved at 00:00 on the 11th, T).
    check(snap, "complaints_open", {("kpi-central", ""): 2, ("kpi-tst", ""): 1, ("*", ""): 3})
    # Overdue: k2 (unacknowledged, due 09:00 on D); k1's acknowledgement was due at the very end of D, and met.
    check(snap, "complaints_overdue", {("kpi-central", ""): 1, ("*", ""): 1})


def test_complaints_within_sla_and_median_resolution(snap):
    check(snap, "complaints_acknowledged", {("kpi-central", ""): 1, ("*", ""): 1})
    check(snap, "complaints_acknowledged_in_sla", {("kpi-central", ""): 1, ("*", ""): 1})
    check(snap, "complaints_resolved", {("kpi-central", ""): 1, ("kpi-tst", ""): 1, ("*", ""): 2})
    check(snap, "complaints_resolved_in_sla", {("kpi-central", ""): 1, ("*", ""): 1})  # k5; k3 was late
    # k5: 42 hours, k3: 216 hours; the median of both is 129.
    check(snap, kpis.MEDIAN_RESOLUTION_HOURS, {("kpi-central", ""): 42, ("kpi-tst", ""): 216, ("*", ""): 129})


def test_csat(snap):
    # k3 scored 5 at 20:00 (T), k5 scored 2 at 23:30 (C); the 4 at 00:00 on the 11th is not on D.
    check(snap, "csat_answers", {("kpi-central", ""): 1, ("kpi-tst", ""): 1, ("*", ""): 2})
    check(snap, "csat_satisfied", {("kpi-tst", ""): 1, ("*", ""): 1})


def test_service_due_and_late(snap):
    check(snap, "service_due_customers", {("kpi-central", ""): 2, ("*", ""): 2})  # a (due D), b (due D+30)
    check(snap, "service_overdue_customers", {("kpi-tst", ""): 1, ("*", ""): 1})  # f; c's watch was sold
    check(snap, "service_jobs_late", {("kpi-central", ""): 1, ("*", ""): 1})  # promised D, still in
    check(snap, "service_jobs_due", {("kpi-tst", ""): 1, ("*", ""): 1})  # promised D+1


def test_every_metric_is_checked_by_a_test():
    checked = {
        "active_customers", "new_customers", "retention_base", "retention_retained", "retention_lost",
        "revenue_total", "revenue_returning", "tier_customers", "tier_moves", "rfm_customers",
        "at_risk_customers", "value_at_risk", "complaints_opened", "complaints_open", "complaints_overdue",
        "complaints_acknowledged", "complaints_acknowledged_in_sla", "complaints_resolved",
        "complaints_resolved_in_sla", "csat_answers", "csat_satisfied", "service_due_customers",
        "service_overdue_customers", "service_jobs_late", "service_jobs_due",
    }  # fmt: skip
    assert set(kpis.METRICS) == checked


def test_a_rerun_replaces_the_day_in_one_go(kpi_data):
    snapshot_write(day=D)
    first = figures()
    snapshot_write(day=D)
    assert figures() == first
    kpi_data["customers"]["b"].purchases.update(total=Decimal("2500"))
    run = snapshot_write(day=D)
    assert figures()[("revenue_total", "kpi-central", "")] == Decimal("3500")
    assert KpiSnapshot.objects.filter(day=D).count() == run.rows == len(first)
    assert SnapshotRun.objects.filter(day=D, status="succeeded").count() == 3


def test_a_failed_run_is_recorded_and_keeps_the_old_rows(kpi_data, monkeypatch):
    snapshot_write(day=D)
    before = figures()

    def broken(start, end):
        raise RuntimeError("boom")

    monkeypatch.setitem(kpis.METRICS, "active_customers", kpis.METRICS["active_customers"].__class__(
        **{**kpis.METRICS["active_customers"].__dict__, "rows": broken}))  # fmt: skip
    with pytest.raises(RuntimeError):
        snapshot_write(day=D)
    assert figures() == before
    run = SnapshotRun.objects.latest("started_at")
    assert run.status == "failed"
    assert "boom" in run.error


def test_the_task_writes_yesterday_by_default(kpi_data, monkeypatch):
    from django.utils import timezone

    from reports.tasks import kpi_snapshot

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D + datetime.timedelta(days=1))
    result = kpi_snapshot.apply().get()
    assert SnapshotRun.objects.get(pk=result["run"]).day == D
    assert figures()[("active_customers", "*", "")] == 4


def test_the_task_skips_while_another_run_holds_the_lock(kpi_data):
    from django.db import connection

    from reports.locks import KPI_SNAPSHOT_LOCK
    from reports.tasks import kpi_snapshot

    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's (SQLite runs one writer at a time)")
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [KPI_SNAPSHOT_LOCK])
        assert kpi_snapshot.apply(kwargs={"day": D.isoformat()}).get() == {"skipped": True}
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [KPI_SNAPSHOT_LOCK])
    finally:
        other.close()
    assert kpi_snapshot.apply(kwargs={"day": D.isoformat()}).get()["rows"] > 0
