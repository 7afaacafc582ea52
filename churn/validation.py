"""Validation before trust: per-customer summaries, the RFM baseline, AUC, the backtest and the fall-back rules.

The scheduled job (``churn.services.scoring``) and the analysts' ``churn_backtest`` command both call
``backtest`` and ``decide`` here; they differ only in where the per-customer ``Summary`` comes from (one SQL
aggregate over purchases for the job, a CSV for the command).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from churn import model as churn_model

MODEL_VERSION = "mbgnbd-gg-1"
RFM_VERSION = "rfm-quintiles-1"


class Fallback:
    """Why a run scored customers with RFM-based risk instead of the model (stored on the run)."""

    TOO_LITTLE_DATA = "too_little_data"
    NOT_CONVERGED = "not_converged"
    AT_BOUND = "at_bound"
    WORSE_THAN_BASELINE = "worse_than_baseline"
    CANNOT_VALIDATE = "cannot_validate"


@dataclass
class Summary:
    """One row per customer with at least one purchase day, as of ``end`` (a day number).

    ``x`` repeat purchase days, ``t_x`` and ``T`` in the time unit; ``recency_days`` days since the last
    purchase; ``frequency`` purchase days (x + 1); ``monetary`` total spend; ``mean_repeat_value`` mean
    spend of the repeat purchase days (0 without one).
    """

    customer_ids: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    recency_days: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray
    mean_repeat_value: np.ndarray

    def __len__(self) -> int:
        return len(self.customer_ids)

    @property
    def repeat_buyers(self) -> int:
        return int((self.x > 0).sum())

    @classmethod
    def from_days(cls, customer_ids, first_day, last_day, days, total, first_day_total, *, end_day, unit_days):
        """Build from day numbers: ``days`` distinct purchase days, ``total`` and first day's spend."""
        first_day, last_day, days = (np.asarray(v, dtype=np.float64) for v in (first_day, last_day, days))
        total, first_day_total = (np.asarray(v, dtype=np.float64) for v in (total, first_day_total))
        x = days - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_repeat = np.where(x > 0, (total - first_day_total) / np.maximum(x, 1), 0.0)
        return cls(
            customer_ids=np.asarray(customer_ids),
            x=x,
            t_x=(last_day - first_day) / unit_days,
            T=(end_day - first_day) / unit_days,
            recency_days=end_day - last_day,
            frequency=days,
            monetary=total,
            mean_repeat_value=np.maximum(mean_repeat, 0.0),
        )


def summary_from_transactions(customer_ids, day_numbers, amounts, *, end_day: int, unit_days: float) -> Summary:
    """Per-customer summary from raw lines (several per customer and day allowed), lines after ``end_day`` ignored.

    A purchase day counts when that day's net amount is not negative (a day that nets to a refund is not a
    purchase; a free item is). The CRM's own summary counts purchases with a total above zero, since a zero
    total there means a fully returned sale.
    """
    customer_ids, day_numbers = np.asarray(customer_ids), np.asarray(day_numbers, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=np.float64)
    keep = day_numbers <= end_day
    customer_ids, day_numbers, amounts = customer_ids[keep], day_numbers[keep], amounts[keep]
    keys, customer_index = np.unique(customer_ids, return_inverse=True)
    pairs, pair_index = np.unique(np.column_stack([customer_index, day_numbers]), axis=0, return_inverse=True)
    day_totals = np.bincount(pair_index.ravel(), weights=amounts, minlength=len(pairs))
    bought = day_totals >= 0
    pairs, day_totals = pairs[bought], day_totals[bought]
    who, day = pairs[:, 0], pairs[:, 1]  # sorted by customer, then day
    present = np.unique(who)
    starts = np.searchsorted(who, present, side="left")
    ends = np.searchsorted(who, present, side="right") - 1
    return Summary.from_days(
        keys[present],
        day[starts],
        day[ends],
        ends - starts + 1,
        np.add.reduceat(day_totals, starts),
        day_totals[starts],
        end_day=end_day,
        unit_days=unit_days,
    )


def purchase_days_between(customer_ids, day_numbers, amounts, *, after_day: int, until_day: int, keys) -> np.ndarray:
    """Purchase days (net amount ≥ 0) in (after_day, until_day] for each customer of ``keys`` (aligned)."""
    customer_ids, day_numbers = np.asarray(customer_ids), np.asarray(day_numbers, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=np.float64)
    keep = (day_numbers > after_day) & (day_numbers <= until_day)
    customer_ids, day_numbers, amounts = customer_ids[keep], day_numbers[keep], amounts[keep]
    if len(customer_ids) == 0:
        return np.zeros(len(keys))
    found, customer_index = np.unique(customer_ids, return_inverse=True)
    pairs, pair_index = np.unique(np.column_stack([customer_index, day_numbers]), axis=0, return_inverse=True)
    day_totals = np.bincount(pair_index.ravel(), weights=amounts, minlength=len(pairs))
    counts = np.bincount(pairs[day_totals >= 0, 0], minlength=len(found)).astype(np.float64)
    position = np.searchsorted(found, keys)
    position = np.clip(position, 0, len(found) - 1)
    matched = found[position] == np.asarray(keys)
    return np.where(matched, counts[position], 0.0)


# --- the RFM baseline and the AUC ---------------------------------------------------------------------


def quintile(values) -> np.ndarray:
    """Scores 1-5 by ceil(5 × cume_dist): equal values share a score (unlike NTILE)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    cume = stats.rankdata(values, method="max") / len(values)
    return np.ceil(5 * cume).astype(np.int64)


def rfm_scores(summary: Summary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, F, M quintile scores (5 best): recent, frequent, high spend."""
    return quintile(-summary.recency_days), quintile(summary.frequency), quintile(summary.monetary)


def rfm_risk(summary: Summary) -> np.ndarray:
    """The fall-back churn risk in [0, 1]: 1 − (R+F+M − 3)/12."""
    r, f, m = rfm_scores(summary)
    return 1.0 - (r + f + m - 3) / 12.0


def auc(score, outcome) -> float:
    """Area under the ROC curve of ``score`` for a true ``outcome`` (ties count half); NaN with one class only."""
    score, outcome = np.asarray(score, dtype=np.float64), np.asarray(outcome, dtype=bool)
    positives, negatives = int(outcome.sum()), int((~outcome).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = stats.rankdata(score)
    return float((ranks[outcome].sum() - positives * (positives + 1) / 2) / (positives * negatives))


# --- fitting, the backtest, the decision --------------------------------------------------------------


@dataclass
class Config:
    min_repeat_buyers: int = 200
    annual_discount_rate: float = 0.08
    unit_days: float = 7.0
    # The model may trail the baseline's AUC by this much and still be used: about one standard error of an
    # AUC on a few thousand customers, so that noise alone does not flip the job between model and fall-back.
    auc_margin: float = 0.01


@dataclass
class Fit:
    purchases: churn_model.PurchaseModel | None
    value: churn_model.ValueModel | None
    fallback: str = ""
    detail: str = ""


def fit(summary: Summary, config: Config) -> Fit:
    """Fit MBG/NBD (and Gamma-Gamma) on ``summary``; ``fallback`` says why the result must not be used."""
    if summary.repeat_buyers < config.min_repeat_buyers:
        return Fit(
            None,
            None,
            Fallback.TOO_LITTLE_DATA,
            f"{summary.repeat_buyers} repeat buyers, fewer than the {config.min_repeat_buyers} required",
        )
    purchases = churn_model.fit_purchase_model(summary.x, summary.t_x, summary.T, variant="mbgnbd")
    if not purchases.converged:
        return Fit(purchases, None, Fallback.NOT_CONVERGED, f"stopped after {purchases.iterations} iterations")
    if purchases.at_bound:
        return Fit(purchases, None, Fallback.AT_BOUND, "ran to the bound: " + ", ".join(purchases.at_bound))
    try:
        value = churn_model.fit_value_model(summary.x, summary.mean_repeat_value)
    except churn_model.FitError:
        value = None
    if value is not None and (not value.converged or value.at_bound or not value.q > 1):
        value = None  # CLV then uses each customer's own mean; the purchase model stays usable
    return Fit(purchases, value)


@dataclass
class Backtest:
    customers: int
    repeat_buyers: int
    holdout_units: float
    actual_repeat_purchases: float
    expected_repeat_purchases: float
    auc: float
    baseline_auc: float
    expected_purchases_auc: float
    fit: Fit
    top_decile_lift: float = math.nan
    calibration: list = field(default_factory=list)

    def as_dict(self) -> dict:
        purchases = self.fit.purchases
        return {
            "customers": self.customers,
            "repeat_buyers": self.repeat_buyers,
            "model": "MBG/NBD" if purchases else None,
            "params": purchases.params if purchases else None,
            "log_likelihood": purchases.log_likelihood if purchases else None,
            "converged": purchases.converged if purchases else None,
            "fallback": self.fit.fallback or None,
            "fallback_detail": self.fit.detail or None,
            "holdout": {
                "length": self.holdout_units,
                "actual_repeat_purchases": self.actual_repeat_purchases,
                "expected_repeat_purchases": self.expected_repeat_purchases,
                "auc": self.auc,
                "baseline_auc": self.baseline_auc,
                "expected_purchases_auc": self.expected_purchases_auc,
                "top_decile_lift": self.top_decile_lift,
                "calibration_by_decile": self.calibration,
            },
        }


RISK_HORIZON_DAYS = 90


def model_risk(purchases: churn_model.PurchaseModel, summary: Summary, *, unit_days: float) -> np.ndarray:
    """The churn risk the bands use: P(no purchase in the next 90 days) under MBG/NBD.

    Not 1 − P(alive): on CDNOW, MBG/NBD's P(alive) ranks "bought again" at AUC 0.69 against 0.77 for this
    probability and for R+F+M (BG/NBD's P(alive): 0.32, worse than chance), because P(alive) ignores how often
    a customer buys.
    """
    return purchases.probability_no_purchase(RISK_HORIZON_DAYS / unit_days, summary.x, summary.t_x, summary.T)


def backtest(calibration: Summary, holdout_purchases, *, holdout_units: float, config: Config) -> Backtest:
    """Fit on the calibration summary, predict the holdout, compare with what happened and with R+F+M.

    ``holdout_purchases``: purchase days each calibration customer made in the holdout (aligned).
    The score judged is the one the bands use (``model_risk``); the AUC is that of −risk for "bought again".
    """
    actual = np.asarray(holdout_purchases, dtype=np.float64)
    bought = actual > 0
    baseline = auc(-rfm_risk(calibration), bought) if len(calibration) else math.nan
    result = fit(calibration, config)
    expected_total, model_auc, expected_auc, lift, table = math.nan, math.nan, math.nan, math.nan, []
    if result.purchases is not None and not result.fallback:
        expected = result.purchases.expected_purchases(holdout_units, calibration.x, calibration.t_x, calibration.T)
        expected_total = float(expected.sum())
        risk = model_risk(result.purchases, calibration, unit_days=config.unit_days)
        model_auc = auc(-risk, bought)
        expected_auc = auc(expected, bought)
        lift = _top_decile_lift(-risk, bought)
        table = _calibration_by_decile(expected, actual)
        if math.isnan(model_auc) or math.isnan(baseline):
            result.fallback, result.detail = Fallback.CANNOT_VALIDATE, "the holdout has one outcome only"
        elif model_auc < baseline - config.auc_margin:
            result.fallback = Fallback.WORSE_THAN_BASELINE
            result.detail = f"AUC {model_auc:.3f} against the R+F+M baseline's {baseline:.3f}"
    return Backtest(
        customers=len(calibration),
        repeat_buyers=calibration.repeat_buyers,
        holdout_units=holdout_units,
        actual_repeat_purchases=float(actual.sum()),
        expected_repeat_purchases=expected_total,
        auc=model_auc,
        baseline_auc=baseline,
        expected_purchases_auc=expected_auc,
        fit=result,
        top_decile_lift=lift,
        calibration=table,
    )


def _top_decile_lift(score, outcome) -> float:
    """Share of buyers among the top 10 % by score, over the share among all."""
    outcome = np.asarray(outcome, dtype=bool)
    if len(outcome) < 10 or not outcome.any():
        return math.nan
    top = np.argsort(-np.asarray(score), kind="stable")[: max(len(outcome) // 10, 1)]
    return float(outcome[top].mean() / outcome.mean())


def _calibration_by_decile(expected, actual) -> list[dict]:
    """Mean expected against mean actual holdout purchases, by decile of expected purchases."""
    if len(expected) < 10:
        return []
    order = np.argsort(expected, kind="stable")
    return [
        {"decile": i + 1, "expected": float(expected[part].mean()), "actual": float(actual[part].mean())}
        for i, part in enumerate(np.array_split(order, 10))
    ]


def backtest_transactions(
    customer_ids, day_numbers, amounts, *, calibration_end: int, holdout_end: int, config: Config
) -> Backtest:
    """The backtest from raw lines (day numbers): summary to ``calibration_end``, purchases up to ``holdout_end``."""
    calibration = summary_from_transactions(
        customer_ids, day_numbers, amounts, end_day=calibration_end, unit_days=config.unit_days
    )
    holdout = purchase_days_between(
        customer_ids,
        day_numbers,
        amounts,
        after_day=calibration_end,
        until_day=holdout_end,
        keys=calibration.customer_ids,
    )
    return backtest(
        calibration, holdout, holdout_units=(holdout_end - calibration_end) / config.unit_days, config=config
    )


def json_safe(value):
    """NaN and infinities become None, numpy numbers plain Python ones (for json.dumps)."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
