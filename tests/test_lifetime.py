"""Lifetime value that holds up: the left-truncated purchase model, the CLV from its parts, the backtest.

Golden values: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), section 5: on the CDNOW
sample (2,357 customers, 39-week calibration) r = 0.243, alpha = 4.414, a = 0.793,
b = 2.426, log-likelihood -9,582.4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import xlprofit
import xlprofit.clv
from xlprofit.core.clv import BetaGeo
from xlprofit.core.clv.truncated import TruncatedBetaGeo
from xlprofit.errors import InsufficientHistoryError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID")


def test_without_ages_the_model_is_bgnbd_and_reproduces_fader_hardie_lee_2005(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    model = TruncatedBetaGeo().fit(x, t_x, T, np.zeros_like(x))
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert model.params_[name] == pytest.approx(value, abs=6e-4)
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)


def test_without_ages_every_quantity_equals_the_closed_forms(cdnow):
    """With age 0 the quadrature's remaining integrand is constant: exact, not approximate."""
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    closed = BetaGeo().fit(x, t_x, T)
    model = TruncatedBetaGeo()
    model.params_ = dict(closed.params_)
    zero = np.zeros_like(x)
    np.testing.assert_allclose(model.log_likelihood(x, t_x, T, zero), closed.log_likelihood(x, t_x, T),
                               rtol=0, atol=1e-10)
    forecast = model.forecast(x, t_x, T, zero, step=1.0, periods=39)
    np.testing.assert_allclose(forecast.p_alive, closed.probability_alive(x, t_x, T), rtol=0, atol=1e-12)
    np.testing.assert_allclose(forecast.purchases.sum(axis=1), closed.expected_purchases(39.0, x, t_x, T),
                               rtol=1e-10, atol=1e-10)


def _simulate(seed: int, n: int, params: tuple[float, float, float, float], window: float = 104.0):
    """A book of ``n`` customers: 60 % acquired up to 300 weeks before the window and still
    customers when it opens (left truncation: those who had left are not in the book), the
    rest first buying in it; all observed in the window only."""
    r, alpha, a, b = params
    rng = np.random.default_rng(seed)
    x, t_x, T, age, alive = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, bool)
    i = 0
    while i < n:
        lam, p = rng.gamma(r, 1 / alpha), rng.beta(a, b)
        u = rng.uniform(1, 300) if rng.random() < 0.6 else 0.0
        # an old customer is observed from the window's start; a new one from its first purchase
        # (BG/NBD's clock: that purchase is not counted and gives no chance to drop out)
        span = window if u > 0 else window - rng.uniform(0, window - 10)
        t, seen, living = 0.0, [], True
        while True:
            t += rng.exponential(1 / lam)
            if t > u + span:
                break
            if t > u:
                seen.append(t - u)
            if rng.random() < p:
                living = False
                break
        if not living and t <= u:
            continue  # left before the window opened: never in the book
        x[i], t_x[i], T[i], age[i], alive[i] = len(seen), (seen[-1] if seen else 0.0), span, u, living
        i += 1
    return x, t_x, T, age, alive


def test_recovers_planted_parameters_from_customers_older_than_the_window():
    planted = (0.8, 6.0, 0.9, 4.0)
    x, t_x, T, age, alive = _simulate(7, 3000, planted)
    model = TruncatedBetaGeo().fit(x, t_x, T, age)
    fitted = model.params_
    # the purchase rate's mixture is sharply identified; the dropout's beta less so (its mean
    # well, a and b apart less: 3,000 customers give b within about 30 %)
    assert fitted["r"] == pytest.approx(0.8, rel=0.1)
    assert fitted["alpha"] == pytest.approx(6.0, rel=0.1)
    assert model.dropout_probability() == pytest.approx(0.9 / 4.9, rel=0.15)
    naive = TruncatedBetaGeo().fit(x, t_x, T, np.zeros_like(age)).params_
    # ignoring the ages mistakes old customers' quiet windows for young ones' and misjudges dropout
    assert abs(naive["a"] / (naive["a"] + naive["b"]) - 0.9 / 4.9) > abs(
        fitted["a"] / (fitted["a"] + fitted["b"]) - 0.9 / 4.9)


def test_survival_to_the_window_is_selection_not_evidence_of_loyalty():
    """A book of long-standing customers who leave at the planted rate in the window: the fit
    must find that rate. Counting survival to the window's start as evidence (instead of
    conditioning on it) drives the estimated dropout towards zero."""
    planted = (0.8, 6.0, 0.9, 4.0)
    x, t_x, T, age, alive = _simulate(8, 3000, planted)
    old = age > 0
    model = TruncatedBetaGeo().fit(x[old], t_x[old], T[old], age[old])
    lost = 1.0 - alive[old].mean()  # share of the old customers lost within the window
    forecast = model.forecast(x[old], t_x[old], T[old], age[old], step=1.0, periods=1)
    print(f"lost in the window: planted {lost:.3f}, P(alive) says {1 - forecast.p_alive.mean():.3f}")
    assert 1 - forecast.p_alive.mean() == pytest.approx(lost, rel=0.15)


def test_p_alive_separates_lost_from_active_customers_on_planted_truth():
    from scipy.stats import mannwhitneyu

    x, t_x, T, age, alive = _simulate(11, 2000, (0.8, 6.0, 0.9, 4.0))
    model = TruncatedBetaGeo().fit(x, t_x, T, age)
    p_alive = model.forecast(x, t_x, T, age, step=1.0, periods=1).p_alive
    auc = mannwhitneyu(p_alive[alive], p_alive[~alive]).statistic / (alive.sum() * (~alive).sum())
    print(f"AUC of P(alive) for planted survival: {auc:.3f}")
    assert auc >= 0.8


def _weekly_buyers() -> xlprofit.Dataset:
    """Every customer buys every week of two years: no dropout exists to identify."""
    days = pd.date_range("2024-01-01", "2025-12-31", freq="7D")
    ids = [f"K{i:02d}" for i in range(40)]
    rng = np.random.default_rng(3)
    rows = [(d.date().isoformat(), c, round(float(rng.uniform(50, 500)), 2)) for c in ids for d in days]
    transactions = pd.DataFrame(rows, columns=["date", "customer_id", "net_revenue"])
    transactions["cogs"] = (transactions["net_revenue"] * 0.6).round(2)
    customers = pd.DataFrame({"customer_id": ids, "segment": ["Retail", "Wholesale"] * 20})
    activities = pd.DataFrame({"activity": ["Order handling"], "driver": ["orders"], "cost": [5000.0]})
    params = {"period_start": "2024-01-01", "period_end": "2025-12-31", "discount_rate": 0.1}
    return xlprofit.Dataset(customers, transactions, activities, parameters=params)


def test_a_ledger_without_dropout_gets_a_reported_degenerate_fit_not_a_silent_one():
    result = xlprofit.analyze(_weekly_buyers())
    models = result.clv_models
    degenerate = models[models["parameter"] == "degenerate"]
    assert len(degenerate) == 1 and "BG/NBD" in degenerate["model"].iloc[0]
    assert result.clv["p_alive"].isna().all()  # never a silent 100 %
    assert (models["model"] == "Retention").any() or (models["model"] == "sBG (cohort retention)").any()
    assert result.clv["clv"].notna().all()


def test_clv_is_past_plus_future_and_one_order_customers_stay_within_the_book():
    result = xlprofit.analyze(xlprofit.load_demo())
    clv, pnl = result.clv, result.customers
    assert list(clv.index) == list(pnl.index)
    pd.testing.assert_series_equal(clv["past_profit"], pnl["profit"], check_names=False)
    np.testing.assert_allclose(clv["lifetime_profit"], clv["past_profit"] + clv["clv"])
    few = clv[clv["purchases"] <= 1]
    assert (few["clv"].abs() <= pnl["profit"].abs().max()).all()
    assert {"Credibility", "CLV"} <= set(result.clv_models["model"])


def test_backtest_compares_predicted_with_actual_holdout():
    result = xlprofit.clv.backtest(xlprofit.load_demo(), holdout_periods=4)
    s = result.summary
    assert s["error_pct"] == pytest.approx(s["predicted"] / s["actual"] - 1.0)
    assert s["predicted"] == pytest.approx(result.customers["predicted_contribution"].sum())
    assert s["actual"] == pytest.approx(result.customers["actual_contribution"].sum())
    print({k: s[k] for k in ("predicted", "actual", "error_pct", "rank_correlation")})
    with pytest.raises(InsufficientHistoryError):
        xlprofit.clv.backtest(xlprofit.load_demo(), holdout_periods=7)


def test_p_alive_separates_the_generators_planted_churn_in_the_analysis():
    """On a generated ledger (a seed other than the demo's) the analysis' P(alive) ranks the
    customers the generator lost below those it kept."""
    from scipy.stats import mannwhitneyu

    from xlprofit.data.synthetic import generate

    tables, truth = generate(300, 40_000, seed=77, truth=True)
    parameters = dict(zip(tables["parameters"]["name"], tables["parameters"]["value"], strict=True))
    ds = xlprofit.Dataset(tables["customers"], tables["transactions"], tables["activities"],
                          tables["resources"], tables["usage"], parameters)
    result = xlprofit.analyze(ds)
    p_alive = result.clv["p_alive"].reindex(truth.index)
    lost = truth["churned"].astype(bool).to_numpy()
    assert p_alive.notna().all()  # the fit identified dropout: no fallback
    auc = mannwhitneyu(p_alive[~lost], p_alive[lost]).statistic / ((~lost).sum() * lost.sum())
    print(f"AUC of P(alive) against planted churn: {auc:.3f} ({lost.sum()} lost of {len(lost)})")
    assert auc >= 0.8
