"""The churn model against the published CDNOW figures, simulated customers and extreme inputs (no database)."""

import importlib.resources
import math

import numpy as np
import pytest
from scipy import special

from churn import model


@pytest.fixture(scope="module")
def cdnow():
    """Hardie's CDNOW sample (2,357 customers, weeks), shipped with the test-only Lifetimes package."""
    path = importlib.resources.files("lifetimes.datasets") / "cdnow_customers_summary_with_transactions.csv"
    return np.genfromtxt(str(path), delimiter=",", names=True)


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return model.fit_purchase_model(cdnow["x"], cdnow["t_x"], cdnow["T"], variant="bgnbd")


def test_bgnbd_reproduces_the_published_cdnow_parameters_and_log_likelihood(bgnbd):
    # then (Fader, Hardie & Lee 2005: r, α, a, b = 0.243, 4.414, 0.793, 2.426; LL = −9582.4)
    assert bgnbd.converged
    assert not bgnbd.at_bound
    assert bgnbd.customers == 2357
    assert (round(bgnbd.r, 3), round(bgnbd.alpha, 3), round(bgnbd.a, 3), round(bgnbd.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(bgnbd.log_likelihood, 1) == -9582.4


def test_bgnbd_conditional_expectation_of_the_papers_example_customer(bgnbd):
    # given the paper's customer with x = 2, t_x = 30.43, T = 38.86: E[Y(39)] = 1.226
    assert round(float(bgnbd.expected_purchases(39, 2, 30.43, 38.86)), 3) == 1.226


def test_bgnbd_unconditional_expectations_at_1_32_and_78_weeks(bgnbd):
    # published 0.0532, 1.0437, 1.8576; ours 0.05318, 1.04375, 1.85800 (the paper's spreadsheet precision
    # differs in the 4th decimal at 78 weeks; the figure is sensitive to the parameters' 4th digit)
    expected = bgnbd.expected_purchases_population([1, 32, 78])
    assert expected == pytest.approx([0.0532, 1.0437, 1.8576], abs=5e-4)


def test_gamma_gamma_reproduces_the_published_cdnow_figures(cdnow):
    # when (Fader & Hardie note 025: 946 repeat buyers, p, q, γ = 6.25, 3.74, 15.44; LL = −4055.92)
    fitted = model.fit_value_model(cdnow["x"], cdnow["zbar"])
    # then
    assert fitted.customers == 946
    # γ = 15.448: the note prints 15.44 (truncated); the likelihood is flat there, the LL matches to 0.01
    assert (fitted.p, fitted.q, fitted.gamma) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)
    assert round(fitted.log_likelihood, 2) == -4055.92


def test_grouping_identical_rows_gives_the_same_fit_as_one_row_per_customer(cdnow, bgnbd):
    # given a weight of one per customer (no grouping)
    ones = np.ones(len(cdnow))
    ungrouped = model.fit_purchase_model(cdnow["x"], cdnow["t_x"], cdnow["T"], variant="bgnbd", weights=ones)
    # then
    assert ungrouped.params == pytest.approx(bgnbd.params, rel=1e-4)
    assert ungrouped.log_likelihood == pytest.approx(bgnbd.log_likelihood, abs=1e-3)


def test_mbgnbd_does_not_call_one_time_buyers_alive(cdnow):
    # given
    mbg = model.fit_purchase_model(cdnow["x"], cdnow["t_x"], cdnow["T"], variant="mbgnbd")
    bg = model.fit_purchase_model(cdnow["x"], cdnow["t_x"], cdnow["T"], variant="bgnbd")
    # when: one-time buyers first seen 1 week and 38.86 weeks ago
    t_values = np.array([1.0, 38.86])
    # then BG/NBD says alive for sure, MBG/NBD less so, and less the longer ago
    assert bg.probability_alive(0, 0, t_values) == pytest.approx([1.0, 1.0])
    mbg_alive = mbg.probability_alive(0, 0, t_values)
    assert (mbg_alive < 1).all()
    assert mbg_alive[1] < mbg_alive[0]
    assert mbg.converged
    assert mbg.log_likelihood > -9600


def _textbook_expectation(m, t, x, t_x, T):
    """The paper's eq. 10 as printed (overflows for large x): the reference for moderate inputs."""
    r, alpha, a, b, s = m.r, m.alpha, m.a, m.b, m.shift
    z = t / (alpha + T + t)
    top = (a + b + x - 1 + s) / (a - 1)
    top *= 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x + s, a + b + x - 1 + s, z)
    odds = a / (b + x - 1 + s) * ((alpha + T) / (alpha + t_x)) ** (r + x) if (x > 0 or s) else 0.0
    return top / (1 + odds)


@pytest.mark.parametrize("variant", model.VARIANTS)
@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 20, 60)])
def test_the_stable_expectation_equals_the_textbook_formula_where_that_one_is_finite(variant, x, t_x, T):
    m = model.PurchaseModel(0.243, 4.414, 0.793, 2.426, variant=variant)
    for t in (1, 13, 52, 260):
        assert float(m.expected_purchases(t, x, t_x, T)) == pytest.approx(_textbook_expectation(m, t, x, t_x, T))


@pytest.mark.parametrize("variant", model.VARIANTS)
def test_every_output_is_finite_at_extreme_counts_and_ages(variant):
    # given collectors with up to a million purchases, customers from 0 to 100 years old, ages far in the future
    m = model.PurchaseModel(0.243, 4.414, 0.793, 2.426, variant=variant)
    x, T = np.meshgrid([0, 1, 10, 1_000, 100_000, 1_000_000], [0, 1e-6, 1, 52, 520, 5200])
    x, T = x.ravel().astype(float), T.ravel().astype(float)
    for t_x in (np.zeros_like(T), T / 2, T):
        t_x = np.where(x > 0, t_x, 0)
        for t in (1e-3, 13, 52, 5200):
            expected = m.expected_purchases(t, x, t_x, T)
            assert np.isfinite(expected).all()
            assert (expected >= 0).all()
        assert np.isfinite(m.probability_alive(x, t_x, T)).all()
        none = m.probability_no_purchase(13, x, t_x, T)
        assert np.isfinite(none).all()
        assert ((none >= 0) & (none <= 1)).all()
    # a collector with 100,000 purchases in 1,000 weeks, still buying: ~100 a week, times P(alive)
    assert float(m.expected_purchases(1, 100_000, 1_000, 1_000)) == pytest.approx(100, rel=0.02)


def _simulate(r, alpha, a, b, *, customers, seed, mbg=False):
    """Customers from the (M)BG/NBD story, first purchase at 0, observed for T in [26, 104] weeks."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, customers)
    p = rng.beta(a, b, customers)
    T = rng.uniform(26, 104, customers)
    x, t_x = np.zeros(customers), np.zeros(customers)
    for i in range(customers):
        if mbg and rng.random() < p[i]:
            continue
        now = 0.0
        while True:
            now += rng.exponential(1 / lam[i])
            if now > T[i]:
                break
            x[i] += 1
            t_x[i] = now
            if rng.random() < p[i]:
                break
    return x, t_x, T


@pytest.mark.parametrize("variant", model.VARIANTS)
def test_a_fit_recovers_the_parameters_of_simulated_customers(variant):
    # given 6,000 simulated customers with known parameters
    truth = {"r": 0.5, "alpha": 8.0, "a": 0.6, "b": 2.5}
    x, t_x, T = _simulate(*truth.values(), customers=6000, seed=7, mbg=variant == "mbgnbd")
    # when
    fitted = model.fit_purchase_model(x, t_x, T, variant=variant)
    # then each parameter within 30 % (sampling error at this size), and the population mean rate r/α close
    assert fitted.converged
    assert not fitted.at_bound
    for name, value in truth.items():
        assert fitted.params[name] == pytest.approx(value, rel=0.3), name
    assert fitted.r / fitted.alpha == pytest.approx(truth["r"] / truth["alpha"], rel=0.1)


def test_gamma_gamma_recovers_simulated_spend():
    # given repeat buyers whose transaction values follow the Gamma-Gamma story with p, q, γ = 4, 3, 500
    rng = np.random.default_rng(11)
    n = 5000
    nu = rng.gamma(3, 1 / 500, n)
    x = rng.integers(1, 8, n)
    means = np.array([rng.gamma(4, 1 / nu[i], x[i]).mean() for i in range(n)])
    # when
    fitted = model.fit_value_model(x, means)
    # then
    assert fitted.params == pytest.approx({"p": 4, "q": 3, "gamma": 500}, rel=0.2)
    assert fitted.population_mean == pytest.approx(4 * 500 / 2, rel=0.1)


def test_a_fit_on_data_without_repeat_purchases_runs_to_a_bound():
    # given nobody ever came back (no information about dropout or rate beyond zero)
    T = np.linspace(10, 100, 500)
    fitted = model.fit_purchase_model(np.zeros(500), np.zeros(500), T, variant="bgnbd")
    # then the fit is flagged, not trusted
    assert fitted.at_bound or not fitted.converged


def test_a_fit_with_nothing_to_fit_raises():
    with pytest.raises(model.FitError):
        model.fit_purchase_model(np.array([]), np.array([]), np.array([]))
    with pytest.raises(model.FitError):
        model.fit_value_model(np.array([0, 0]), np.array([0.0, 0.0]))


def test_clv_discounting_lowers_value_and_scores_align_with_input(cdnow, bgnbd):
    value_model = model.fit_value_model(cdnow["x"], cdnow["zbar"])
    plain = model.score_customers(
        bgnbd, value_model, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], annual_discount_rate=0.0
    )
    discounted = model.score_customers(
        bgnbd, value_model, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], annual_discount_rate=0.1
    )
    # then: one score per customer; CLV = E[purchases in 12 months] x E[value] without discount
    assert len(plain.clv_12m) == len(cdnow)
    twelve_months = bgnbd.expected_purchases(365.25 / 7, cdnow["x"], cdnow["t_x"], cdnow["T"])
    expected_value = value_model.expected_value(cdnow["x"], cdnow["zbar"])
    assert plain.clv_12m == pytest.approx(twelve_months * expected_value, rel=1e-9)
    assert (discounted.clv_12m <= plain.clv_12m + 1e-12).all()
    assert (discounted.clv_12m[plain.clv_12m > 0.01] < plain.clv_12m[plain.clv_12m > 0.01]).all()
    assert plain.expected_90d[0] == pytest.approx(float(bgnbd.expected_purchases(90 / 7, 2, 30.43, 38.86)))
    assert math.isfinite(value_model.population_mean)
