"""MBG/NBD (Batislam, Denizel & Filiztekin 2007) on the CDNOW sample, against its own formulas,
numerical integration, planted truth and `lifetimes` 0.11.3.

The differential test runs lifetimes in its own interpreter, as tests/test_clv_lifetimes.py
explains: ``XLPROFIT_LIFETIMES_PYTHON`` or ``<repository>/.venv-lifetimes/bin/python``; skipped
without it, except under CI (``CI`` set), where it fails.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core.clv.mbgnbd import ModifiedBetaGeo
from xlprofit.errors import ArgumentError, DegenerateDataError, NotAvailableError

HERE = Path(__file__).parent
DATA = HERE / "data"
RUNNER = DATA / "lifetimes_mbg_runner.py"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Fader & Hardie's CDNOW sample summary: 2,357 customers, 39-week calibration (weeks)."""
    return pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def mbg(cdnow) -> ModifiedBetaGeo:
    return ModifiedBetaGeo().fit(cdnow["x"], cdnow["t_x"], cdnow["T"], standard_errors=True)


def _model(r: float, alpha: float, a: float, b: float) -> ModifiedBetaGeo:
    model = ModifiedBetaGeo()
    model.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
    return model


def test_reproduces_the_published_cdnow_estimates(cdnow, mbg):
    # Batislam et al. (2007) fit the MBG/NBD to grocery data that are not public. The only published
    # MBG/NBD estimates on the CDNOW sample we found are those in lifetimes' own test suite
    # (lifetimes 0.11.3, lifetimes/tests/test_estimation.py, TestModifiedBetaGammaFitter.
    # test_params_out_is_close_to_BTYDplus): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614, which
    # that test attributes to the R package BTYDplus (github.com/mplatzer/BTYDplus) without naming a
    # table or run. Printed to three decimals: tolerance half a unit in the last printed place.
    # Ours: r = 0.52484, alpha = 6.18299, a = 0.89136, b = 1.61400, LL = -9582.13.
    # (The other numbers in lifetimes' MBG/NBD tests -- E[X(t)] 0.0078 ... 1.8576 and the P(X(t) = n)
    # table -- are the BG/NBD ones of Hardie's spreadsheet and of BTYD, checked there with rtol 0.05
    # and 0.5; they are not MBG/NBD values and are not used here.)
    p = mbg.params_
    assert p["r"] == pytest.approx(0.525, abs=5e-4)
    assert p["alpha"] == pytest.approx(6.183, abs=5e-4)
    assert p["a"] == pytest.approx(0.891, abs=5e-4)
    assert p["b"] == pytest.approx(1.614, abs=5e-4)
    assert mbg.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"]).sum() == pytest.approx(
        mbg.log_likelihood_, rel=1e-12
    )
    # standard errors from the observed information: finite and smaller than the estimates
    for name, value in p.items():
        assert 0 < mbg.standard_errors_[name] < value


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (1, 0.5, 1.0), (2, 30.43, 38.86), (7, 20.0, 35.0)])
def test_likelihood_equals_numerical_integration_of_the_individual_likelihood(x, t_x, T):
    # The closed form against a direct two-dimensional quadrature over lambda ~ gamma(r, alpha) and
    # p ~ beta(a, b) of the individual likelihood
    #   (1 - p)^(x+1) lambda^x e^(-lambda T) + p (1 - p)^x lambda^x e^(-lambda t_x)
    # (alive at T after x + 1 dropout chances, or dropped out right after the last purchase).
    # Parameters near the CDNOW fit (r < 1 and a < 1: integrable singularities at 0).
    # quad's relative error estimate is below 1e-7 here; measured agreement 1e-12: rtol 1e-8.
    from scipy import integrate

    r, alpha, a, b = 0.5248, 6.183, 0.8914, 1.614
    log_gamma_norm = r * math.log(alpha) - math.lgamma(r)
    log_beta_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)

    def integrand(p: float, lam: float) -> float:
        if lam <= 0.0 or p <= 0.0 or p >= 1.0:
            return 0.0
        density = math.exp(
            log_gamma_norm + (r - 1) * math.log(lam) - alpha * lam
            + log_beta_norm + (a - 1) * math.log(p) + (b - 1) * math.log1p(-p)
        )
        alive = (1 - p) ** (x + 1) * lam**x * math.exp(-lam * T)
        dead = p * (1 - p) ** x * lam**x * math.exp(-lam * t_x)
        return (alive + dead) * density

    value, _ = integrate.dblquad(integrand, 0.0, np.inf, 0.0, 1.0, epsabs=0.0, epsrel=1e-10)
    closed = math.exp(float(_model(r, alpha, a, b).log_likelihood(x, t_x, T)[0]))
    assert closed == pytest.approx(value, rel=1e-8)


def test_conditional_expectation_and_p_alive_match_the_printed_formulas(mbg, cdnow):
    # Wagner & Hoppe (2008) conditional expectation and Batislam et al. (2007) P(alive), evaluated as
    # printed (no Euler transformation) on every CDNOW customer.
    from scipy.special import hyp2f1

    r, alpha, a, b = (mbg.params_[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T, t = cdnow["x"].to_numpy(float), cdnow["t_x"].to_numpy(), cdnow["T"].to_numpy(), 39.0
    top = (a + b + x) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
    )
    bottom = 1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x)
    ours = mbg.expected_purchases(t, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert isinstance(ours, pd.Series) and ours.index.equals(cdnow.index)
    np.testing.assert_allclose(ours.to_numpy(), top / bottom, rtol=1e-9)
    p_alive = mbg.probability_alive(cdnow["x"], cdnow["t_x"], cdnow["T"])
    np.testing.assert_allclose(p_alive.to_numpy(), 1 / bottom, rtol=1e-12)
    # the modification: customers without repeat purchases may be dead, the longer silent the likelier
    silent = p_alive[cdnow["x"] == 0]
    assert (silent < 1).all() and silent.max() < b / (a + b)
    assert float(mbg.probability_alive(0, 0, 0)[0]) == pytest.approx(b / (a + b), rel=1e-14)


def test_unconditional_expectation_and_purchase_probabilities_agree(mbg):
    from scipy.special import hyp2f1

    r, alpha, a, b = (mbg.params_[k] for k in ("r", "alpha", "a", "b"))
    t = np.array([0.1429, 1.0, 39.0, 78.0])
    printed = b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
    np.testing.assert_allclose(mbg.expected_purchases_new(t), printed, rtol=1e-9)
    assert mbg.expected_purchases_new(0.0) == 0.0
    # a customer first seen at the very end (x = t_x = T = 0) is a new customer
    assert float(mbg.expected_purchases(39, 0, 0, 0)[0]) == pytest.approx(mbg.expected_purchases_new(39), rel=1e-12)
    # the distribution of X(t) sums to 1 and its mean is E[X(t)] (tail beyond n = 3000 below 1e-30)
    n = np.arange(3000)
    pmf = mbg.purchase_probability(n[:, None], t[None, :])
    assert pmf.shape == (3000, 4) and (pmf >= 0).all()
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(n @ pmf, mbg.expected_purchases_new(t), rtol=1e-10)
    # P(X(t) = 0) = E[p] + E[1 - p]·(alpha/(alpha + t))^r: dropped out at time 0, or no purchase
    assert mbg.purchase_probability(0, 39.0) == pytest.approx(
        a / (a + b) + b / (a + b) * (alpha / (alpha + 39.0)) ** r, rel=1e-14
    )


def test_purchase_probability_keeps_relative_precision_in_the_tail(mbg):
    # P(NBD >= n) summed upwards (no cancellation) against the incomplete-beta form used by the model,
    # where 1 - sum_{j<n} NBD(j) would lose every digit (values down to 1e-60).
    from scipy.special import betaln, gammaln

    r, alpha, a, b = (mbg.params_[k] for k in ("r", "alpha", "a", "b"))
    for t in (0.5, 2.0):
        j = np.arange(400.0)
        z = t / (alpha + t)
        nbd = np.exp(gammaln(r + j) - gammaln(r) - gammaln(j + 1) + r * np.log(alpha / (alpha + t)) + j * np.log(z))
        for n in (10, 20, 40):
            expected = np.exp(betaln(a, b + n + 1) - betaln(a, b)) * nbd[n] + np.exp(
                betaln(a + 1, b + n) - betaln(a, b)
            ) * nbd[n:].sum()
            assert mbg.purchase_probability(n, t) == pytest.approx(expected, rel=1e-11)


def test_fit_is_a_maximum_and_independent_of_row_order(cdnow, mbg):
    shuffled = cdnow.sample(frac=1.0, random_state=7)
    other = ModifiedBetaGeo().fit(shuffled["x"], shuffled["t_x"], shuffled["T"])
    for key, value in mbg.params_.items():
        assert other.params_[key] == pytest.approx(value, rel=1e-9)
    for key in mbg.params_:
        for factor in (0.995, 1.005):
            moved = _model(**(dict(mbg.params_) | {key: mbg.params_[key] * factor}))
            assert moved.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"]).sum() < mbg.log_likelihood_


def test_customers_first_seen_at_the_end_add_nothing(cdnow, mbg):
    x = np.append(cdnow["x"].to_numpy(float), [0.0, 0.0])
    t_x = np.append(cdnow["t_x"].to_numpy(float), [0.0, 0.0])
    t_cal = np.append(cdnow["T"].to_numpy(float), [0.0, 0.0])
    with_new = ModifiedBetaGeo().fit(x, t_x, t_cal)
    for name, value in mbg.params_.items():
        assert with_new.params_[name] == pytest.approx(value, rel=1e-6)
    assert with_new.log_likelihood_ == pytest.approx(mbg.log_likelihood_, rel=1e-12)
    assert with_new.log_likelihood(x, t_x, t_cal)[-2:].tolist() == [0.0, 0.0]


def test_degenerate_and_bad_inputs(mbg):
    with pytest.raises(DegenerateDataError, match="repeat"):
        ModifiedBetaGeo().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])
    with pytest.raises(DegenerateDataError, match="repeat"):
        ModifiedBetaGeo().fit([0, 2], [0, 5], [10, 20], weights=[1, 0])
    with pytest.raises(DegenerateDataError, match="no customers"):
        ModifiedBetaGeo().fit([], [], [])
    with pytest.raises(ArgumentError, match="'recency'"):
        ModifiedBetaGeo().fit([1, 2], [5, 50], [10, 20])
    with pytest.raises(ArgumentError, match="'frequency'"):
        ModifiedBetaGeo().fit([1.5, 2], [5, 5], [10, 20])
    with pytest.raises(ArgumentError, match="'T'"):
        ModifiedBetaGeo().fit([1, 2], [0, 1], [0, 20])
    with pytest.raises(ArgumentError, match="same length"):
        ModifiedBetaGeo().fit([1, 2], [1], [10, 20])
    with pytest.raises(ArgumentError, match="'weights'"):
        ModifiedBetaGeo().fit([1, 2], [1, 1], [10, 20], weights=[1, -1])
    with pytest.raises(NotAvailableError):
        ModifiedBetaGeo().probability_alive(1, 1, 2)
    with pytest.raises(ArgumentError, match="'n'"):
        mbg.purchase_probability(1.5, 10)
    with pytest.raises(ArgumentError, match="'t'"):
        mbg.purchase_probability(1, -1)
    with pytest.raises(ArgumentError, match="'t'"):
        mbg.expected_purchases_new(-1)


def test_large_counts_and_ages_do_not_overflow(mbg):
    x = np.array([0, 5, 500, 1000])
    t_x = np.array([0.0, 30.0, 480.0, 499.0])
    T = np.full(4, 500.0)
    e = mbg.expected_purchases(39, x, t_x, T)
    p = mbg.probability_alive(x, t_x, T)
    assert np.isfinite(e).all() and np.isfinite(p).all()
    assert e[3] > e[2] > e[1]
    assert np.isfinite(mbg.log_likelihood(x, t_x, T)).all()
    assert 0 < mbg.purchase_probability(1000, 500.0) < 1e-3


def _simulate(params: dict[str, float], T: np.ndarray, seed: int) -> pd.DataFrame:
    """Draw (x, t_x, T) from the MBG/NBD story, with dropout chances at 0 and after each repeat purchase."""
    rng = np.random.default_rng(seed)
    n = T.size
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    p = np.clip(rng.beta(params["a"], params["b"], n), 1e-12, 1.0)
    gone_at_start = rng.random(n) < p
    n_events = rng.poisson(lam * T)  # purchases of an immortal customer in (0, T]
    dropout_after = rng.geometric(p)  # the repeat purchase right after which the customer leaves
    x = np.where(gone_at_start, 0, np.minimum(n_events, dropout_after))
    alive = ~gone_at_start & (dropout_after > n_events)
    t_x = np.zeros(n)
    has = x > 0
    t_x[has] = T[has] * rng.beta(x[has], n_events[has] - x[has] + 1)  # x-th of N(T) uniform times
    return pd.DataFrame({"x": x, "t_x": t_x, "T": T, "alive": alive})


def test_recovers_planted_parameters_and_share_alive():
    # 20,000 customers from the MBG/NBD process at the CDNOW estimates, first purchases spread over 12
    # weeks of a 39-week window. Each estimate within 4 standard errors of the truth; the expected
    # number alive at the true parameters within 4 binomial standard deviations of the number alive.
    truth = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    T = np.random.default_rng(11).uniform(27.0, 39.0, 20_000)
    sample = _simulate(truth, T, seed=20240601)
    model = ModifiedBetaGeo().fit(sample["x"], sample["t_x"], sample["T"], standard_errors=True)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
    p_alive = _model(**truth).probability_alive(sample["x"], sample["t_x"], sample["T"])
    spread = np.sqrt((p_alive * (1 - p_alive)).sum())
    assert abs(p_alive.sum() - sample["alive"].sum()) < 4 * spread


# ------------------------------------------------------------------ against lifetimes 0.11.3



def test_agrees_with_lifetimes_modified_beta_geo_fitter_on_cdnow(lifetimes, tmp_path, cdnow, mbg):
    table = cdnow.rename(columns={"x": "frequency", "t_x": "recency"})[["frequency", "recency", "T"]]
    csv = tmp_path / "summary.csv"
    table.to_csv(csv, index=False)
    times = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0]
    grid_t, grid_n = [0.5, 2.0, 39.0, 78.0], [0, 1, 2, 5, 10, 20, 50]
    request = {
        "summary": str(csv),
        "params": mbg.params_,
        "t": 39.0,
        "times": times,
        "pmf": {"t": grid_t, "n": grid_n},
        "out": str(tmp_path / "answer.json"),
    }
    answer = lifetimes(RUNNER, request, tmp_path)

    # Fitted parameters: lifetimes stops BFGS at tol = 1e-7 on the mean log-likelihood; its optimum
    # differs from ours by at most 5.7e-7 relative (alpha), and its log-likelihood is not above ours
    # (its own formula at its optimum: -9582.1326848999 vs ours at ours, 2e-11 lower).
    for key, value in answer["fitted"].items():
        assert mbg.params_[key] == pytest.approx(value, rel=1e-6), key
    at = answer["log_likelihood_at"]
    assert at["fitted"] <= mbg.log_likelihood_ + 1e-9 * abs(mbg.log_likelihood_)
    # the two likelihood formulas agree at the same parameters (measured 2e-16 relative)
    assert at["given"] == pytest.approx(mbg.log_likelihood_, rel=1e-12)

    # Per-customer predictions at OUR parameters, evaluated by lifetimes' formulas: 1e-6 relative
    # (measured: conditional expectation 1.3e-13, P(alive) 6e-15, E[X(t)] 4.2e-13).
    f, r, T = table["frequency"], table["recency"], table["T"]
    np.testing.assert_allclose(mbg.expected_purchases(39.0, f, r, T), answer["expected"], rtol=1e-6)
    np.testing.assert_allclose(mbg.probability_alive(f, r, T), answer["p_alive"], rtol=1e-6)
    np.testing.assert_allclose(mbg.expected_purchases_new(np.array(times)), answer["expected_new"], rtol=1e-6)
    # P(X(t) = n): lifetimes forms the tail as 1 - (finite sum), which keeps only absolute precision
    # (~1e-16); where the probability is below ~1e-10 it is off relatively (t = 0.5, n = 20: 4.2e-19
    # against the exact 3.97e-25; see the tail test above). Hence atol = 1e-15 besides rtol = 1e-6.
    ours = mbg.purchase_probability(np.array(grid_n)[None, :], np.array(grid_t)[:, None])
    np.testing.assert_allclose(ours, answer["pmf"], rtol=1e-6, atol=1e-15)


# ------------------------------------------------------------------ properties

_params = st.tuples(
    st.floats(0.05, 5.0), st.floats(0.1, 50.0), st.floats(0.05, 5.0), st.floats(0.05, 20.0)
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_params, st.integers(0, 1000), st.floats(0.0, 1.0), st.floats(0.0, 500.0), st.floats(0.0, 100.0))
def test_probability_alive_in_unit_interval_and_expectations_finite(params, x, frac, T, t):
    model = _model(*params)
    if T == 0.0:
        x = 0
    t_x = frac * T if x > 0 else 0.0
    p = model.probability_alive(x, t_x, T)
    assert np.all((p >= 0) & (p <= 1))
    e = model.expected_purchases(t, x, t_x, T)
    assert np.all(np.isfinite(e) & (e >= -1e-9))
    new = model.expected_purchases_new(t)
    assert np.isfinite(new) and new >= -1e-9
    prob = model.purchase_probability(x, T)
    assert 0.0 <= prob <= 1.0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_params, st.integers(0, 200), st.floats(0.0, 1.0), st.floats(0.1, 100.0), st.floats(1e-3, 1e3))
def test_time_unit_only_rescales_alpha_in_the_formulas(params, x, frac, T, c):
    r, alpha, a, b = params
    t_x = frac * T if x > 0 else 0.0
    weeks, other = _model(r, alpha, a, b), _model(r, alpha * c, a, b)
    assert float(other.probability_alive(x, t_x * c, T * c)[0]) == pytest.approx(
        float(weeks.probability_alive(x, t_x, T)[0]), rel=1e-9, abs=1e-300
    )
    assert float(other.expected_purchases(10.0 * c, x, t_x * c, T * c)[0]) == pytest.approx(
        float(weeks.expected_purchases(10.0, x, t_x, T)[0]), rel=1e-8, abs=1e-300
    )
    assert other.purchase_probability(x, T * c) == pytest.approx(weeks.purchase_probability(x, T), rel=1e-8, abs=1e-300)


@pytest.fixture(scope="module")
def subsample(cdnow) -> pd.DataFrame:
    return cdnow.iloc[:300]


@settings(max_examples=8, deadline=None, derandomize=True)
@given(st.lists(st.integers(1, 4), min_size=300, max_size=300))
def test_weights_are_duplicated_rows(subsample, counts):
    w = np.array(counts)
    weighted = ModifiedBetaGeo().fit(subsample["x"], subsample["t_x"], subsample["T"], weights=w)
    repeated = ModifiedBetaGeo().fit(*(np.repeat(subsample[c].to_numpy(), w) for c in ("x", "t_x", "T")))
    for key, value in repeated.params_.items():
        assert weighted.params_[key] == pytest.approx(value, rel=1e-8), key
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_, rel=1e-12)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(st.floats(1e-2, 1e2))
def test_time_unit_only_rescales_alpha_in_the_fit(subsample, c):
    weeks = ModifiedBetaGeo().fit(subsample["x"], subsample["t_x"], subsample["T"])
    other = ModifiedBetaGeo().fit(subsample["x"], subsample["t_x"] * c, subsample["T"] * c)
    assert other.params_["alpha"] == pytest.approx(c * weeks.params_["alpha"], rel=1e-7)
    for key in ("r", "a", "b"):
        assert other.params_[key] == pytest.approx(weeks.params_[key], rel=1e-7), key
    # the likelihood of the purchase times is a density: it moves by the Jacobian, -sum(x)·ln c
    shift = -float(subsample["x"].sum()) * math.log(c)
    assert other.log_likelihood_ == pytest.approx(weeks.log_likelihood_ + shift, rel=1e-9, abs=1e-7)
