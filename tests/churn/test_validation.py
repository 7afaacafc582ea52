"""Backtest, RFM baseline, AUC and the fall-back rules (no database)."""

import datetime
import importlib.resources
import math

import numpy as np
import pytest

from churn import model, validation


@pytest.fixture(scope="module")
def cdnow_lines():
    """CDNOW_sample.txt: customer, (id), yyyymmdd, quantity, amount: one line per transaction."""
    path = importlib.resources.files("lifetimes.datasets") / "CDNOW_sample.txt"
    rows = np.genfromtxt(str(path), dtype=str)
    days = [datetime.date(int(d[:4]), int(d[4:6]), int(d[6:])).toordinal() for d in rows[:, 2]]
    return rows[:, 1], np.array(days), rows[:, 4].astype(float)  # column 2: the summary's ID 1…2357


CALIBRATION_END = datetime.date(1997, 9, 30).toordinal()
HOLDOUT_END = datetime.date(1998, 6, 30).toordinal()


def test_summary_from_raw_cdnow_lines_matches_the_published_summary(cdnow_lines):
    # given the raw lines and Hardie's published calibration summary
    published = np.genfromtxt(
        str(importlib.resources.files("lifetimes.datasets") / "cdnow_customers_summary_with_transactions.csv"),
        delimiter=",",
        names=True,
    )
    # when
    summary = validation.summary_from_transactions(*cdnow_lines, end_day=CALIBRATION_END, unit_days=7)
    # then: same customers, same repeat counts, same recency and age (to the published 2 decimals)
    assert len(summary) == 2357
    order = np.argsort(summary.customer_ids.astype(int))
    assert summary.x[order] == pytest.approx(published["x"])
    assert summary.t_x[order] == pytest.approx(published["t_x"], abs=0.006)
    assert summary.T[order] == pytest.approx(published["T"], abs=0.006)


def test_backtest_on_cdnow_fits_and_compares_with_the_baseline(cdnow_lines):
    # when
    result = validation.backtest_transactions(
        *cdnow_lines, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END, config=validation.Config()
    )
    # then
    assert (result.customers, result.repeat_buyers, result.holdout_units) == (2357, 946, 39.0)
    assert result.fit.purchases.log_likelihood == pytest.approx(-9582.13, abs=0.01)
    assert result.actual_repeat_purchases == 1882  # distinct purchase days in weeks 40-78
    assert 0.75 < result.auc < 0.80
    assert 0.75 < result.baseline_auc < 0.80
    assert result.expected_repeat_purchases == pytest.approx(1577, abs=2)
    assert not result.fit.fallback  # within one standard error of the baseline's AUC


def test_quintiles_keep_ties_together():
    assert validation.quintile([1, 1, 1, 1, 5]).tolist() == [4, 4, 4, 4, 5]
    assert validation.quintile([10, 20, 30, 40, 50]).tolist() == [1, 2, 3, 4, 5]


def test_auc_counts_ties_as_half_and_is_undefined_with_one_class():
    assert validation.auc([0.9, 0.1, 0.5, 0.5], [True, False, True, False]) == 0.875
    assert math.isnan(validation.auc([1, 2], [True, True]))


def _summary(n, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.poisson(1.0, n).astype(float)
    T = rng.uniform(20, 100, n)
    t_x = np.where(x > 0, T * rng.uniform(0.2, 1, n), 0)
    return validation.Summary(
        customer_ids=np.arange(n),
        x=x,
        t_x=t_x,
        T=T,
        recency_days=(T - t_x) * 7,
        frequency=x + 1,
        monetary=rng.gamma(2, 100, n) * (x + 1),
        mean_repeat_value=np.where(x > 0, rng.gamma(2, 100, n), 0),
    )


def test_too_few_repeat_buyers_falls_back():
    # given 30 repeat buyers at most, 200 required
    summary = _summary(60)
    # when
    result = validation.backtest(summary, np.ones(60), holdout_units=26, config=validation.Config())
    # then
    assert result.fit.fallback == validation.Fallback.TOO_LITTLE_DATA
    assert result.fit.purchases is None
    assert math.isnan(result.auc)


def test_a_fit_at_the_bound_falls_back():
    # given 2,000 customers who buy by a Poisson process and never drop out: the dropout parameter a runs to 0
    rng = np.random.default_rng(1)
    n = 2000
    rate, T = rng.gamma(2, 1 / 10, n), rng.uniform(30, 100, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        arrivals = np.cumsum(rng.exponential(1 / rate[i], 200))
        seen = arrivals[arrivals <= T[i]]
        x[i], t_x[i] = len(seen), seen[-1] if len(seen) else 0
    summary = validation.Summary(np.arange(n), x, t_x, T, (T - t_x) * 7, x + 1, x + 1, np.ones(n))
    # when
    result = validation.fit(summary, validation.Config())
    # then
    assert result.fallback == validation.Fallback.AT_BOUND
    assert "a" in result.detail


def test_a_fit_that_does_not_converge_falls_back(monkeypatch):
    # given the optimiser gave up (simulated: the model's own flag is what the rule reads)
    stopped = model.PurchaseModel(0.5, 5, 0.8, 2, converged=False, iterations=2000)
    monkeypatch.setattr(model, "fit_purchase_model", lambda *args, **kwargs: stopped)
    # when
    result = validation.fit(_summary(2000), validation.Config())
    # then
    assert result.fallback == validation.Fallback.NOT_CONVERGED


def test_a_model_worse_than_the_baseline_falls_back(cdnow_lines):
    # given a holdout in which exactly the big spenders came back: money, which the model ignores, decides
    calibration = validation.summary_from_transactions(*cdnow_lines, end_day=CALIBRATION_END, unit_days=7)
    came_back = (calibration.monetary > np.median(calibration.monetary)).astype(float)
    # when
    result = validation.backtest(calibration, came_back, holdout_units=39, config=validation.Config())
    # then
    assert result.auc < result.baseline_auc - 0.01
    assert result.fit.fallback == validation.Fallback.WORSE_THAN_BASELINE
    assert "baseline" in result.fit.detail
