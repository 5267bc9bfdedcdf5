"""BG/NBD and Gamma-Gamma on the CDNOW sample; RFM from the CDNOW transactions."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core.clv import BetaGeo, GammaGamma, rfm
from xlprofit.errors import ArgumentError, DegenerateDataError, ModelError, NotAvailableError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Fader & Hardie's CDNOW sample summary: 2,357 customers, 39-week calibration (weeks)."""
    return pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def bgnbd(cdnow) -> BetaGeo:
    return BetaGeo().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_reproduces_fader_hardie_lee_2005_estimates(cdnow, bgnbd):
    assert len(cdnow) == 2357
    # Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2),
    # section 4 (CDNOW analysis): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    # Printed to three decimals (one for LL): tolerance half a unit in the last printed place.
    p = bgnbd.params_
    assert p["r"] == pytest.approx(0.243, abs=5e-4)
    assert p["alpha"] == pytest.approx(4.414, abs=5e-4)
    assert p["a"] == pytest.approx(0.793, abs=5e-4)
    assert p["b"] == pytest.approx(2.426, abs=5e-4)
    assert bgnbd.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert bgnbd.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"]).sum() == pytest.approx(
        bgnbd.log_likelihood_, rel=1e-12
    )


def test_reproduces_conditional_expectation_example(bgnbd):
    # Fader, Hardie & Lee (2005), section 4: a customer with x = 2, t_x = 30.43, T = 38.86
    # is expected to make 1.226 purchases in the next 39 weeks. Printed to three decimals: 5e-4.
    value = bgnbd.expected_purchases(39, 2, 30.43, 38.86)
    assert float(value[0]) == pytest.approx(1.226, abs=5e-4)


def test_conditional_expectation_matches_the_untransformed_formula(bgnbd, cdnow):
    # FHL (2005) eq. (10) evaluated as printed (no Euler transformation) on every CDNOW customer.
    from scipy.special import hyp2f1

    r, alpha, a, b = (bgnbd.params_[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T, t = cdnow["x"].to_numpy(float), cdnow["t_x"].to_numpy(), cdnow["T"].to_numpy(), 39.0
    top = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + T) / (alpha + T + t)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        )
    )
    bottom = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    ours = bgnbd.expected_purchases(t, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert isinstance(ours, pd.Series) and ours.index.equals(cdnow.index)
    np.testing.assert_allclose(ours.to_numpy(), top / bottom, rtol=1e-9)
    np.testing.assert_allclose(
        bgnbd.probability_alive(cdnow["x"], cdnow["t_x"], cdnow["T"]).to_numpy(), 1 / bottom, rtol=1e-12
    )


def test_unconditional_expectation_matches_eq_7_and_the_limit(bgnbd):
    from scipy.special import hyp2f1

    r, alpha, a, b = (bgnbd.params_[k] for k in ("r", "alpha", "a", "b"))
    t = np.array([1.0, 39.0, 78.0])
    printed = (
        (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    np.testing.assert_allclose(bgnbd.expected_purchases_new(t), printed, rtol=1e-9)
    # a customer with no history (x = t_x = 0) observed for T -> 0 is a new customer
    assert float(bgnbd.expected_purchases(39, 0, 0, 1e-12)[0]) == pytest.approx(
        bgnbd.expected_purchases_new(39), rel=1e-9
    )


def test_fit_is_a_maximum_and_independent_of_row_order(cdnow, bgnbd):
    shuffled = cdnow.sample(frac=1.0, random_state=7)
    other = BetaGeo().fit(shuffled["x"], shuffled["t_x"], shuffled["T"])
    for key, value in bgnbd.params_.items():
        assert other.params_[key] == pytest.approx(value, rel=1e-9)
    for key in bgnbd.params_:
        for factor in (0.995, 1.005):
            moved = BetaGeo()
            moved.params_ = dict(bgnbd.params_) | {key: bgnbd.params_[key] * factor}
            assert moved.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"]).sum() < bgnbd.log_likelihood_


def test_time_unit_only_rescales_alpha(cdnow, bgnbd):
    days = BetaGeo().fit(cdnow["x"], cdnow["t_x"] * 7, cdnow["T"] * 7)
    assert days.params_["alpha"] == pytest.approx(7 * bgnbd.params_["alpha"], rel=1e-8)
    assert days.params_["r"] == pytest.approx(bgnbd.params_["r"], rel=1e-8)


def test_customers_first_seen_at_the_end_add_nothing_and_are_forecast_as_new(cdnow, bgnbd):
    # T = 0 (first purchase on the last day): likelihood 1, so the estimates do not move.
    x = np.append(cdnow["x"].to_numpy(float), [0.0, 0.0])
    t_x = np.append(cdnow["t_x"].to_numpy(float), [0.0, 0.0])
    t_cal = np.append(cdnow["T"].to_numpy(float), [0.0, 0.0])
    with_new = BetaGeo().fit(x, t_x, t_cal)
    for name, value in bgnbd.params_.items():
        assert with_new.params_[name] == pytest.approx(value, rel=1e-6)
    assert with_new.log_likelihood(x, t_x, t_cal)[-2:].tolist() == [0.0, 0.0]
    assert with_new.probability_alive(0, 0, 0) == 1.0
    assert with_new.expected_purchases(39.0, 0, 0, 0) == pytest.approx(with_new.expected_purchases_new(39.0),
                                                                       rel=1e-12)
    with pytest.raises(ArgumentError, match="'T'"):
        BetaGeo().fit([1, 2], [0, 1], [0, 20])  # a repeat purchase needs time after the first
    with pytest.raises(ArgumentError, match="'T'"):
        BetaGeo().fit([0, 2], [0, 1], [-1, 20])


def test_degenerate_and_bad_inputs(bgnbd):
    with pytest.raises(DegenerateDataError, match="repeat"):
        BetaGeo().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])
    with pytest.raises(ArgumentError, match="'recency'"):
        BetaGeo().fit([1, 2], [5, 50], [10, 20])
    with pytest.raises(ArgumentError, match="'frequency'"):
        BetaGeo().fit([1.5, 2], [5, 5], [10, 20])
    with pytest.raises(ArgumentError, match="'T'"):
        BetaGeo().fit([1, 2], [0.5, 1], [0, 20])
    with pytest.raises(ArgumentError, match="same length"):
        BetaGeo().fit([1, 2], [1], [10, 20])
    with pytest.raises(NotAvailableError):
        BetaGeo().probability_alive(1, 1, 2)


def test_large_counts_do_not_overflow(bgnbd):
    x = np.array([0, 5, 500, 5000])
    t_x = np.array([0.0, 30.0, 38.0, 38.8])
    T = np.full(4, 38.86)
    e = bgnbd.expected_purchases(39, x, t_x, T)
    p = bgnbd.probability_alive(x, t_x, T)
    assert np.isfinite(e).all() and np.isfinite(p).all()
    assert e[3] > e[2] > e[1]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.integers(0, 400),
    st.floats(0.0, 1.0),
    st.floats(0.01, 500.0),
    st.floats(0.05, 5.0),
    st.floats(0.1, 50.0),
    st.floats(0.05, 5.0),
    st.floats(0.05, 20.0),
)
def test_probability_alive_in_unit_interval(x, frac, T, r, alpha, a, b):
    model = BetaGeo()
    model.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
    t_x = frac * T if x > 0 else 0.0
    p = model.probability_alive(x, t_x, T)
    assert np.all((p >= 0) & (p <= 1))
    e = model.expected_purchases(10.0, x, t_x, T)
    assert np.all(np.isfinite(e) & (e >= -1e-9))


# ------------------------------------------------------------------------- Gamma-Gamma


def test_reproduces_gamma_gamma_estimates(cdnow):
    repeaters = cdnow[cdnow["x"] > 0]
    assert len(repeaters) == 946
    model = GammaGamma().fit(cdnow["x"], cdnow["zbar"])
    # Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (brucehardie.com/notes/025):
    # p = 6.25, q = 3.74, gamma = 15.44 on the 946 CDNOW repeat customers. Printed to two
    # decimals from an Excel Solver fit: tolerance 0.01 absolute (our v is 15.4477).
    assert model.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert model.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert model.params_["v"] == pytest.approx(15.44, abs=0.01)
    spend = model.expected_spend(cdnow["x"], cdnow["zbar"])
    p, q, v = model.params_["p"], model.params_["q"], model.params_["v"]
    x, m = cdnow["x"].to_numpy(), cdnow["zbar"].to_numpy()
    # Fader & Hardie (2013) eq. (5): weighted average of population mean and the customer's mean
    w = p * x / (p * x + q - 1)
    np.testing.assert_allclose(spend.to_numpy(), (1 - w) * p * v / (q - 1) + w * m, rtol=1e-12)
    assert spend[cdnow["x"] == 0].eq(model.mean_spend()).all()


def test_gamma_gamma_degenerate_and_bad_inputs():
    with pytest.raises(DegenerateDataError):
        GammaGamma().fit([0, 0, 1], [0, 0, 10])
    with pytest.raises(DegenerateDataError):
        GammaGamma().fit([1, 2, 3], [10, 10, 10])
    with pytest.raises(ArgumentError, match="'monetary_value'"):
        GammaGamma().fit([1, 2], [10, -1])
    model = GammaGamma()
    model.params_ = {"p": 1.0, "q": 0.8, "v": 1.0}
    with pytest.raises(ModelError):
        model.expected_spend([1], [10])


# ------------------------------------------------------------------------- RFM


def _cdnow_transactions() -> pd.DataFrame:
    raw = pd.read_csv(
        DATA / "cdnow_sample_transactions.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "net_revenue"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


def test_rfm_reproduces_the_published_cdnow_summary(cdnow):
    # The summary file (x, t_x, T, zbar rounded to 2 decimals) is Fader & Hardie's own calibration
    # summary of these transactions through 1997-09-30 in weeks: tolerance 0.005 + float noise.
    summary = rfm(_cdnow_transactions(), observation_end="1997-09-30", period="week")
    summary = summary.reindex(cdnow.index)
    assert (summary["frequency"].to_numpy() == cdnow["x"].to_numpy()).all()
    np.testing.assert_allclose(summary["recency"], cdnow["t_x"], atol=0.00501)
    np.testing.assert_allclose(summary["T"], cdnow["T"], atol=0.00501)
    np.testing.assert_allclose(summary["monetary_value"], cdnow["zbar"], atol=0.00501)


def test_rfm_definitions_on_a_small_example():
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "date": ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-15", "2024-01-10", "2024-03-01"],
            "net_revenue": [10.0, 5.0, 20.0, 40.0, 7.0, 99.0],
        }
    )
    out = rfm(lines, observation_end="2024-01-29", period="day")
    assert list(out.index) == ["a", "b"]  # c bought after the observation end
    assert out.loc["a"].tolist() == [2, 14.0, 28.0, 30.0]  # two repeat days worth 20 and 40
    assert out.loc["b"].tolist() == [0, 0.0, 19.0, 0.0]
    weekly = rfm(lines, observation_end="2024-01-29", period=pd.Timedelta(days=7))
    assert weekly.loc["a", "T"] == pytest.approx(4.0)
    with pytest.raises(ArgumentError, match="'period'"):
        rfm(lines, observation_end="2024-01-29", period="month")
    with pytest.raises(ArgumentError, match="'transactions'"):
        rfm(lines.drop(columns="net_revenue"), observation_end="2024-01-29", period="day")


def test_weights_of_aggregated_patterns_give_the_unaggregated_fit(cdnow, bgnbd):
    """Hardie's datasets come as patterns with counts: weights are those counts."""
    patterns = cdnow.groupby(["x", "t_x", "T"]).size().rename("n").reset_index()
    assert len(patterns) < len(cdnow)
    fitted = BetaGeo().fit(patterns["x"], patterns["t_x"], patterns["T"], weights=patterns["n"])
    for name, value in bgnbd.params_.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-9)
    assert fitted.log_likelihood_ == pytest.approx(bgnbd.log_likelihood_, rel=1e-12)
    with pytest.raises(ArgumentError, match="weights"):
        BetaGeo().fit(patterns["x"], patterns["t_x"], patterns["T"], weights=-patterns["n"])
    with pytest.raises(ArgumentError, match="weights"):
        BetaGeo().fit(patterns["x"], patterns["t_x"], patterns["T"], weights=[1.0, 2.0])


def test_standard_errors_are_the_inverse_information_of_the_likelihood(cdnow):
    """Opt-in standard errors against the Hessian of the summed per-customer log-likelihood,
    differenced here in the natural parameters (independent of the fit's log-parameters)."""
    x, t_x, T = cdnow["x"], cdnow["t_x"], cdnow["T"]
    model = BetaGeo().fit(x, t_x, T, standard_errors=True)
    names = ("r", "alpha", "a", "b")
    theta = np.array([model.params_[n] for n in names])

    def total(values: np.ndarray) -> float:
        probe = BetaGeo()
        probe.params_ = dict(zip(names, map(float, values), strict=True))
        return float(probe.log_likelihood(x, t_x, T).sum())

    h = theta * 1e-4
    hessian = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            ei, ej = np.eye(4)[i] * h[i], np.eye(4)[j] * h[j]
            hessian[i, j] = (total(theta + ei + ej) - total(theta + ei - ej) - total(theta - ei + ej)
                             + total(theta - ei - ej)) / (4 * h[i] * h[j])
    expected = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    got = np.array([model.standard_errors_[n] for n in names])
    np.testing.assert_allclose(got, expected, rtol=1e-3)
    assert not hasattr(BetaGeo().fit(x, t_x, T), "standard_errors_")  # opt-in
