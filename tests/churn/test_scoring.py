"""The scoring service on PostgreSQL: the SQL summary, the run record, bands, fall-back, idempotency, the lock."""

import datetime
import io
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection, connections

from churn import summary, validation
from churn.models import ChurnSettings, CustomerScore, ScoringRun
from churn.services import scoring
from customers.models import Customer, Purchase
from tests.churn.history import AS_OF, history_create
from tests.factories import CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scoring job's write path (COPY, advisory lock) needs PostgreSQL"
)


@pytest.fixture
def book(central):
    return history_create(store=central, customers=1000, years=4, seed=11)


def _scores():
    return {
        row["customer_id"]: row
        for row in CustomerScore.objects.values(
            "customer_id", "risk", "band", "expected_purchases_90d", "expected_value_12m", "run_id"
        )
    }


def test_the_sql_summary_equals_the_summary_from_raw_lines(book, central):
    # given a merged customer and a customer whose only sale was returned (zero total): neither counts
    merged = CustomerFactory(home_store=central, merged_into=book[0])
    PurchaseFactory(customer=merged, purchased_on=AS_OF, total=Decimal("5000"))
    PurchaseFactory(customer=CustomerFactory(home_store=central), purchased_on=AS_OF, total=Decimal("0"))
    # and two receipts on one day are one purchase day
    PurchaseFactory(customer=book[1], purchased_on=AS_OF, total=Decimal("100"))
    PurchaseFactory(customer=book[1], purchased_on=AS_OF, total=Decimal("50"))
    cut = AS_OF - datetime.timedelta(weeks=52)
    # when
    data = summary.scoring_data_read(as_of=AS_OF, calibration_end=cut, unit_days=7)
    # then it equals the command's summary from the raw lines of the same customers
    lines = Purchase.objects.filter(customer__merged_into__isnull=True).values_list(
        "customer_id", "purchased_on", "total"
    )
    ids = np.array([row[0] for row in lines])
    days = np.array([(row[1] - summary.EPOCH).days for row in lines])
    amounts = np.array([float(row[2]) for row in lines])
    positive = amounts > 0  # the job's rule; the CSV's rule also counts zero-value days
    end = (AS_OF - summary.EPOCH).days
    expected = validation.summary_from_transactions(
        ids[positive], days[positive], amounts[positive], end_day=end, unit_days=7
    )
    assert data.current.customer_ids.tolist() == expected.customer_ids.tolist()
    for name in ("x", "t_x", "T", "recency_days", "frequency", "monetary", "mean_repeat_value"):
        assert getattr(data.current, name) == pytest.approx(getattr(expected, name)), name
    assert merged.pk not in data.current.customer_ids
    cal = validation.summary_from_transactions(
        ids[positive], days[positive], amounts[positive], end_day=(cut - summary.EPOCH).days, unit_days=7
    )
    assert data.calibration.customer_ids.tolist() == cal.customer_ids.tolist()
    assert data.calibration.x == pytest.approx(cal.x)
    assert pytest.approx(cal.T) == data.calibration.T
    holdout = validation.purchase_days_between(
        ids[positive],
        days[positive],
        amounts[positive],
        after_day=(cut - summary.EPOCH).days,
        until_day=end,
        keys=cal.customer_ids,
    )
    assert data.holdout == pytest.approx(holdout)


def test_a_run_scores_every_customer_with_a_purchase_and_records_itself(book):
    # when
    run = scoring.scoring_run(today=AS_OF)
    # then
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.SUCCEEDED
    assert run.method == "model", run.fallback_detail
    assert run.model_version == validation.MODEL_VERSION
    assert set(run.params) == {"r", "alpha", "a", "b"}
    assert run.backtest["holdout"]["auc"] >= run.backtest["holdout"]["baseline_auc"] - 0.01
    assert run.customers_scored == CustomerScore.objects.count() == len(book)
    assert sum(run.band_counts.values()) == len(book)
    assert CustomerScore.objects.filter(band="low").count() == run.band_counts["low"]
    score = CustomerScore.objects.filter(purchase_days__gt=2).first()
    assert 0 <= score.risk <= 1
    assert score.risk == pytest.approx(score.probability_no_purchase_90d)
    assert score.expected_purchases_365d >= score.expected_purchases_90d
    assert score.expected_value_12m > 0
    assert score.usual_gap_days > 0
    assert len(score.rfm) == 3


def _band_statistics():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_vals::text FROM pg_stats WHERE tablename = 'churn_customerscore' AND attname = 'band'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_a_run_leaves_planner_statistics_of_the_scores(book):
    # given no statistics of the scores table (this test's transaction has not analysed it)
    assert _band_statistics() is None
    # when
    run = scoring.scoring_run(today=AS_OF)
    # then the planner knows the bands (the lists' joins are planned from them), and the run timed it
    statistics = _band_statistics()
    assert statistics is not None
    assert {band for band, count in run.band_counts.items() if count} <= set(statistics.strip("{}").split(","))
    assert "settle" in run.diagnostics["seconds"]


def test_bands_follow_the_admins_thresholds(book):
    # given
    ChurnSettings.objects.filter(pk=1).update(watch_from=0.5, high_from=0.6, lost_from=0.99)
    # when
    scoring.scoring_run(today=AS_OF)
    # then
    assert not CustomerScore.objects.filter(band="lost", risk__lt=0.99).exists()
    assert not CustomerScore.objects.filter(band="low", risk__gte=0.5).exists()
    assert not CustomerScore.objects.filter(band="high").exclude(risk__gte=0.6, risk__lt=0.99).exists()


def test_too_few_repeat_buyers_falls_back_to_rfm_and_says_so(central):
    # given 40 customers only
    history_create(store=central, customers=40)
    # when
    run = scoring.scoring_run(today=AS_OF)
    # then
    run.refresh_from_db()
    assert (run.method, run.fallback_reason) == ("rfm", validation.Fallback.TOO_LITTLE_DATA)
    assert run.model_version == validation.RFM_VERSION
    assert CustomerScore.objects.count() == 40
    assert not CustomerScore.objects.filter(method="model").exists()
    assert not CustomerScore.objects.filter(expected_value_12m__isnull=False).exists()
    # bands follow recency: the most recent fifth is low risk
    assert {s.band for s in CustomerScore.objects.filter(rfm__startswith="5")} == {"low"}
    assert {s.band for s in CustomerScore.objects.filter(rfm__startswith="1")} == {"lost"}


def test_a_second_run_on_the_same_day_rewrites_nothing(book):
    # given
    scoring.scoring_run(today=AS_OF)
    first = _scores()
    # when
    second_run = scoring.scoring_run(today=AS_OF)
    # then
    assert second_run.diagnostics["rows_written"] == 0
    assert _scores() == first


def test_scores_of_customers_gone_since_the_last_run_are_removed(book):
    # given
    scoring.scoring_run(today=AS_OF)
    gone = book[3]
    Customer.objects.filter(pk=gone.pk).update(merged_into=book[4])
    # when
    scoring.scoring_run(today=AS_OF)
    # then
    assert not CustomerScore.objects.filter(customer=gone).exists()


def test_a_run_does_not_start_while_another_holds_the_lock(book, django_db_blocker):
    # given another session holds the job's advisory lock
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [scoring.SCORING_LOCK])
        # when
        result = scoring.scoring_run(today=AS_OF)
        # then
        assert result is None
        assert not ScoringRun.objects.exists()
    finally:
        other.close()


def test_the_backtest_command_on_the_same_purchases_gives_the_jobs_backtest(book, tmp_path):
    # given the job's run, and the same purchases written as the analysts' CSV
    run = scoring.scoring_run(today=AS_OF)
    path = tmp_path / "purchases.csv"
    rows = Purchase.objects.filter(total__gt=0).values_list("customer_id", "purchased_on", "total")
    path.write_text("customer_id,date,amount\n" + "".join(f"{c},{d.isoformat()},{t}\n" for c, d, t in rows))
    cut = AS_OF - datetime.timedelta(weeks=52)
    # when
    out = io.StringIO()
    call_command(
        "churn_backtest",
        "--transactions",
        str(path),
        "--calibration-end",
        cut.isoformat(),
        "--holdout-end",
        AS_OF.isoformat(),
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    # then
    job = run.backtest
    assert result["customers"] == job["customers"]
    assert result["params"] == pytest.approx(job["params"])
    assert result["log_likelihood"] == pytest.approx(job["log_likelihood"])
    for name in ("actual_repeat_purchases", "expected_repeat_purchases", "auc", "baseline_auc"):
        assert result["holdout"][name] == pytest.approx(job["holdout"][name]), name
