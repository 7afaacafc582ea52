"""Buy-till-you-die models in numpy/scipy: BG/NBD and MBG/NBD for purchase counts, Gamma-Gamma for value.

Why our own module and not a library (see also the README's churn section): ``lifetimes`` is archived and 16 of
its own tests fail on current numpy/pandas/scipy; ``pymc-marketing`` needs Python 3.12 for current releases and
brings ~460 MB of dependencies; ``btyd`` does not import with numpy 2. The likelihoods are short, and owning them
lets us (a) keep the expected-purchases formula NaN-free for collectors with hundreds of purchases, (b) fit on
*grouped* rows (identical (x, t_x, T) customers share one row with a weight), which makes a 1M-customer fit take
about a second, and (c) detect fits that did not converge or ran to a bound, so the job can fall back to RFM.

Notation (Fader, Hardie & Lee 2005): for each customer ``x`` is the number of *repeat* purchases (distinct
purchase days after the first), ``t_x`` the time of the last purchase since the first, ``T`` the time since the
first purchase, all in one time unit (weeks in this CRM). Purchase rates λ ~ Gamma(r, α); after each purchase a
customer drops out with probability p ~ Beta(a, b).

**One-time buyers.** Under BG/NBD a customer can only drop out *after a repeat purchase*, so every one-time buyer
has P(alive) = 1, however long ago they came: on a watch retailer's book, where most customers bought once and
few return, P(alive) then ranks customers worse than chance (CHURN.md). We therefore score with the **MBG/NBD**
variant (Batislam, Denizel & Filiztekin 2007): a customer may also drop out right after the *first* purchase, so
a one-time buyer's P(alive) falls with the time since that purchase, and every formula stays in the same family
(one shift ``s`` in the Beta terms). BG/NBD (``variant="bgnbd"``) is kept for the golden tests against the
published CDNOW figures; the scoring job uses ``variant="mbgnbd"``. We preferred MBG/NBD over "one-time buyers as
their own state" because it needs no hand-set rule for when a one-time buyer stops counting as a customer: the
data decide, through the same four parameters.

**Numerical stability.** The textbook conditional expectation multiplies ((α+T)/(α+T+t))^(r+x) by a Gauss
hypergeometric 2F1(r+x, b+x; a+b+x−1; z), whose terms overflow for large x. We apply Euler's transformation
2F1(A,B;C;z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z), which turns the product into (1−z)^(a−1) 2F1(a+b−1+s−r,
a−1; a+b+x−1+s; z): a function whose parameters stay small as x grows (it tends to 1), then compute
1 − (1−z)^(a−1)·F with ``expm1`` and the P(alive) denominator with ``logaddexp``. Every output is finite for
x up to millions and T from 0 to decades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

VARIANTS = ("bgnbd", "mbgnbd")
# Optimiser bounds for every parameter (r, α, a, b and p, q, γ), in the parameter's own scale.
PARAM_MIN, PARAM_MAX = 1e-4, 1e5
# A fitted parameter within this factor of a bound counts as "ran to the bound" (a fit drifting towards
# r → 0 or α → ∞ stops short of the bound itself once the likelihood is flat).
BOUND_FACTOR = 10.0


class FitError(Exception):
    """A fit that cannot be used: did not converge, ran to a bound, or produced a non-finite value."""


@dataclass(frozen=True)
class Grouped:
    """Identical rows collapsed: ``rows[i]`` stands for ``weights[i]`` customers; ``inverse`` maps back."""

    columns: tuple[np.ndarray, ...]
    weights: np.ndarray
    inverse: np.ndarray


def group_rows(*columns: np.ndarray) -> Grouped:
    """Collapse identical rows of the given equal-length columns (float64) into unique rows with counts.

    Each column is coded by its distinct values (a 1-D ``np.unique``, fast), the codes are combined into one
    integer key per row, and the keys are made unique: far faster than ``np.unique(axis=0)`` on floats.
    """
    columns = [np.asarray(column, dtype=np.float64) for column in columns]
    if len(columns[0]) == 0:
        return Grouped(tuple(np.empty(0) for _ in columns), np.empty(0), np.empty(0, dtype=np.int64))
    key = np.zeros(len(columns[0]), dtype=np.int64)
    values = []
    for column in columns:
        distinct, codes = np.unique(column, return_inverse=True)
        if len(distinct) and key.max(initial=0) > (2**62) // len(distinct):
            raise OverflowError("too many distinct rows to group")
        key = key * len(distinct) + codes.ravel()
        values.append((distinct, codes.ravel()))
    _keys, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    grouped = tuple(distinct[codes[first]] for distinct, codes in values)
    return Grouped(grouped, counts.astype(np.float64), inverse.ravel())


# --- BG/NBD and MBG/NBD ------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseModel:
    """Fitted (M)BG/NBD parameters in the fit's time unit, and how the fit went."""

    r: float
    alpha: float
    a: float
    b: float
    variant: str = "mbgnbd"
    log_likelihood: float = math.nan
    customers: int = 0
    converged: bool = True
    iterations: int = 0
    at_bound: tuple[str, ...] = ()

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    @property
    def shift(self) -> int:
        return 1 if self.variant == "mbgnbd" else 0

    # --- per-customer quantities (numpy arrays in, arrays out) ---

    def _log_dropout_odds(self, x, t_x, T):
        """log of a/(b+x−1+s) · ((α+T)/(α+t_x))^(r+x); −inf where dropout is impossible (BG/NBD, x = 0)."""
        r, alpha, a, b, s = self.r, self.alpha, self.a, self.b, self.shift
        x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (
                np.log(a)
                - np.log(np.maximum(b + x - 1 + s, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        if s == 0:
            odds = np.where(x > 0, odds, -np.inf)
        return odds

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(still a customer at T | x, t_x, T)."""
        return np.exp(-np.logaddexp(0.0, self._log_dropout_odds(x, t_x, T)))

    def expected_purchases(self, t, x, t_x, T) -> np.ndarray:
        """E[purchases in (T, T+t] | x, t_x, T] (the stable form; see the module docstring)."""
        r, alpha, a, b, s = self.r, self.alpha, self.a, self.b, self.shift
        t, x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (t, x, t_x, T)))
        a = a if abs(a - 1.0) > 1e-9 else 1.0 + 1e-9  # the formula's removable singularity at a = 1
        z = t / (alpha + T + t)
        c = a + b + x - 1 + s
        hyper = special.hyp2f1(a + b - 1 + s - r, a - 1, c, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (a - 1) * np.log1p(-z) + np.log(hyper)
            bracket = -np.expm1(u) / (a - 1)
            expected = c * bracket * np.exp(-np.logaddexp(0.0, self._log_dropout_odds(x, t_x, T)))
        return np.where(t > 0, np.maximum(expected, 0.0), 0.0)

    def probability_no_purchase(self, t, x, t_x, T) -> np.ndarray:
        """P(no purchase in (T, T+t]) = (1 − P(alive)) + P(alive)·((α+T)/(α+T+t))^(r+x).

        Given alive at T, the posterior of λ is Gamma(r+x, α+T), and a customer only drops out right after a
        purchase, so no purchase in the window means a Poisson zero.
        """
        alive = self.probability_alive(x, t_x, T)
        t, x, T = (np.asarray(v, dtype=np.float64) for v in (t, x, T))
        silent = np.exp((self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + T + t)))
        return np.clip(1.0 - alive + alive * silent, 0.0, 1.0)

    def expected_purchases_population(self, t) -> np.ndarray:
        """Unconditional E[X(t)] for a customer who has just made a first purchase (BG/NBD: the paper's eq. 9).

        MBG/NBD: the customer is still there after the first purchase with probability 1 − p, and
        (1 − p)·Beta(a, b) = b/(a+b)·Beta(a, b+1), which gives b/(a−1)·[1 − (α/(α+t))^r 2F1(r, b+1; a+b; z)].
        """
        r, alpha, a, b, s = self.r, self.alpha, self.a, self.b, self.shift
        t = np.asarray(t, dtype=np.float64)
        z = t / (alpha + t)
        hyper = special.hyp2f1(r, b + s, a + b - 1 + s, z)
        prefix = b / (a - 1) if s else (a + b - 1) / (a - 1)
        return prefix * (1.0 - (alpha / (alpha + t)) ** r * hyper)


def purchase_log_likelihood(params, x, t_x, T, *, variant: str = "mbgnbd") -> np.ndarray:
    """Each row's log-likelihood under (M)BG/NBD with params (r, α, a, b)."""
    r, alpha, a, b = params
    s = 1 if variant == "mbgnbd" else 0
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x + s) - special.gammaln(b) - special.gammaln(a + b + x + s)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.log(a) - np.log(np.maximum(b + x - 1 + s, 1e-300)) - (r + x) * np.log(alpha + t_x)
    if s == 0:
        a4 = np.where(x > 0, a4, -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def _indexed_log_likelihood(x, t_x, T, *, variant: str):
    """``purchase_log_likelihood`` for fixed data, faster: the log-gamma terms depend on x only and the logs on
    T or t_x only, so they are computed once per distinct value (dozens of x, about a thousand days) and
    gathered, instead of once per row."""
    s = 1 if variant == "mbgnbd" else 0
    ux, ix = np.unique(x, return_inverse=True)
    uT, iT = np.unique(T, return_inverse=True)
    ut, it = np.unique(t_x, return_inverse=True)
    ix, iT, it = ix.ravel(), iT.ravel(), it.ravel()
    no_repeat = x == 0

    def log_likelihood(params):
        r, alpha, a, b = params
        by_x = (
            special.gammaln(r + ux)
            - special.gammaln(r)
            + r * np.log(alpha)
            + special.gammaln(a + b)
            + special.gammaln(b + ux + s)
            - special.gammaln(b)
            - special.gammaln(a + b + ux + s)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            odds_by_x = np.log(a) - np.log(np.maximum(b + ux - 1 + s, 1e-300))
        shape = r + x
        a3 = -shape * np.log(alpha + uT)[iT]
        a4 = odds_by_x[ix] - shape * np.log(alpha + ut)[it]
        if s == 0:
            a4 = np.where(no_repeat, -np.inf, a4)
        return by_x[ix] + np.logaddexp(a3, a4)

    return log_likelihood


def _fit(negative_ll, start, names, n_params):
    """Minimise over log-parameters within [PARAM_MIN, PARAM_MAX]; return (params, result, names at bound)."""
    bounds = [(math.log(PARAM_MIN), math.log(PARAM_MAX))] * n_params
    result = optimize.minimize(
        negative_ll, np.log(start), method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000, "ftol": 1e-13}
    )
    log_params = result.x
    if not result.success:
        # L-BFGS-B also stops "abnormally" when the line search cannot improve the last digits at an optimum;
        # such a stop counts as converged when the gradient (per customer, on the log scale) is flat there.
        gradient = optimize.approx_fprime(log_params, negative_ll, 1e-7)
        result.success = bool(np.all(np.isfinite(gradient)) and np.max(np.abs(gradient)) < 1e-4)
    margin = math.log(BOUND_FACTOR)
    at_bound = tuple(
        name
        for name, value in zip(names, log_params, strict=True)
        if min(value - math.log(PARAM_MIN), math.log(PARAM_MAX) - value) < margin
    )
    return np.exp(log_params), result, at_bound


def fit_purchase_model(x, t_x, T, *, variant: str = "mbgnbd", weights=None) -> PurchaseModel:
    """Maximum-likelihood (M)BG/NBD fit. Identical (x, t_x, T) rows are grouped first (or pass ``weights``).

    Never raises for a poor fit: ``converged`` and ``at_bound`` say how it went (see ``PurchaseModel.usable``).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    if weights is None:
        grouped = group_rows(x, t_x, T)
        (x, t_x, T), weights = grouped.columns, grouped.weights
    else:
        x, t_x, T, weights = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T, weights))
    total = float(weights.sum())
    if total == 0:
        raise FitError("no customers to fit")

    log_likelihood = _indexed_log_likelihood(x, t_x, T, variant=variant)

    def negative_ll(log_params):
        ll = float(np.dot(weights, log_likelihood(np.exp(log_params))))
        return -ll / total if math.isfinite(ll) else 1e300

    mean_rate = max(float(np.dot(weights, x) / max(np.dot(weights, T), 1e-9)), 1e-3)
    start = (1.0, 1.0 / mean_rate, 1.0, 1.0)
    params, result, at_bound = _fit(negative_ll, start, ("r", "alpha", "a", "b"), 4)
    return PurchaseModel(
        *map(float, params),
        variant=variant,
        log_likelihood=-float(result.fun) * total,
        customers=int(total),
        converged=bool(result.success) and math.isfinite(result.fun),
        iterations=int(result.nit),
        at_bound=at_bound,
    )


# --- Gamma-Gamma ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueModel:
    """Fitted Gamma-Gamma parameters (Fader & Hardie 2013, note 025) for the mean value of repeat purchases."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = math.nan
    customers: int = 0
    converged: bool = True
    at_bound: tuple[str, ...] = ()

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def population_mean(self) -> float:
        """E[M] for a customer we know nothing about (q > 1, else the mean does not exist)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else math.nan

    def expected_value(self, x, mean_value) -> np.ndarray:
        """E[M | x repeat purchases with mean value m]: a weighted mean of the population mean and m.

        For x = 0 (no repeat purchase to learn from) this is the population mean.
        """
        x = np.asarray(x, dtype=np.float64)
        m = np.where(x > 0, np.asarray(mean_value, dtype=np.float64), 0.0)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1)


def value_log_likelihood(params, x, m) -> np.ndarray:
    p, q, gamma = params
    return (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + gamma)
    )


def fit_value_model(x, mean_value) -> ValueModel:
    """Gamma-Gamma fit on the customers with at least one repeat purchase and a positive mean value.

    Values are divided by their mean before fitting (γ is a scale: HK$ watch prices would otherwise push it
    towards the optimiser's bound) and γ and the log-likelihood are converted back.
    """
    x, m = np.asarray(x, dtype=np.float64), np.asarray(mean_value, dtype=np.float64)
    keep = (x > 0) & (m > 0)
    grouped = group_rows(x[keep], np.round(m[keep], 2))
    (gx, gm), weights = grouped.columns, grouped.weights
    total = float(weights.sum())
    if total == 0:
        raise FitError("no repeat buyers with a positive spend")
    scale = float(np.dot(weights, gm) / total)
    gm = gm / scale

    ux, ix = np.unique(gx, return_inverse=True)
    ix = ix.ravel()
    log_m, log_x = np.log(gm), np.log(gx)

    def negative_ll(log_params):
        p, q, gamma = np.exp(log_params)
        by_x = special.gammaln(p * ux + q) - special.gammaln(p * ux)  # the same for every customer with that x
        px = p * gx
        values = by_x[ix] - special.gammaln(q) + q * np.log(gamma) + (px - 1) * log_m + px * log_x
        values -= (px + q) * np.log(gx * gm + gamma)
        ll = float(np.dot(weights, values))
        return -ll / total if math.isfinite(ll) else 1e300

    params, result, at_bound = _fit(negative_ll, (1.0, 2.0, 1.0), ("p", "q", "gamma"), 3)
    p, q, gamma = map(float, params)
    return ValueModel(
        p,
        q,
        gamma * scale,
        log_likelihood=-float(result.fun) * total - total * math.log(scale),
        customers=int(total),
        converged=bool(result.success) and math.isfinite(result.fun),
        at_bound=at_bound,
    )


# --- customer lifetime value ----------------------------------------------------------------------


@dataclass
class Scores:
    """Per-customer outputs, aligned with the input arrays."""

    probability_alive: np.ndarray
    expected_90d: np.ndarray
    expected_365d: np.ndarray
    probability_no_purchase_90d: np.ndarray
    expected_value: np.ndarray  # E[value of one purchase]
    clv_12m: np.ndarray
    extra: dict = field(default_factory=dict)


DAYS_PER_UNIT = {"day": 1.0, "week": 7.0}


def customer_lifetime_value(
    model: PurchaseModel,
    value_per_purchase,
    x,
    t_x,
    T,
    *,
    months: int = 12,
    annual_discount_rate: float = 0.0,
    unit_days: float = 7.0,
) -> np.ndarray:
    """Discounted expected value over ``months``: Σ_m (E[Y(m)] − E[Y(m−1)]) · E[M] / (1+d)^(m/12)."""
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    value = np.asarray(value_per_purchase, dtype=np.float64)
    month_units = 365.25 / 12 / unit_days
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for month in range(1, months + 1):
        cumulative = model.expected_purchases(month * month_units, x, t_x, T)
        total += (cumulative - previous) / (1.0 + annual_discount_rate) ** (month / 12)
        previous = cumulative
    return total * value


def score_customers(
    model: PurchaseModel,
    value_model: ValueModel | None,
    x,
    t_x,
    T,
    mean_value,
    *,
    annual_discount_rate: float,
    unit_days: float = 7.0,
) -> Scores:
    """Every per-customer figure. The purchase figures are computed once per distinct (x, t_x, T) row (a few
    hundred thousand for a million customers); the value of a purchase per customer, which is cheap."""
    grouped = group_rows(x, t_x, T)
    gx, gt_x, gT = grouped.columns
    inverse = grouped.inverse
    days = 1.0 / unit_days
    alive = model.probability_alive(gx, gt_x, gT)
    e90 = model.expected_purchases(90 * days, gx, gt_x, gT)
    e365 = model.expected_purchases(365 * days, gx, gt_x, gT)
    none90 = model.probability_no_purchase(90 * days, gx, gt_x, gT)
    # Discounted expected purchases over 12 months; CLV = that × the expected value of one purchase.
    discounted = customer_lifetime_value(
        model, np.ones_like(gx), gx, gt_x, gT, annual_discount_rate=annual_discount_rate, unit_days=unit_days
    )
    x, mean_value = np.asarray(x, dtype=np.float64), np.asarray(mean_value, dtype=np.float64)
    # Without a usable Gamma-Gamma fit: the customer's own mean value of repeat purchases (0 if none).
    if value_model is not None:
        value = value_model.expected_value(x, mean_value)
    else:
        value = np.where(mean_value > 0, mean_value, 0.0)
    return Scores(
        probability_alive=alive[inverse],
        expected_90d=e90[inverse],
        expected_365d=e365[inverse],
        probability_no_purchase_90d=none90[inverse],
        expected_value=value,
        clv_12m=discounted[inverse] * value,
    )
