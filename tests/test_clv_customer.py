"""CLV per customer on contribution after cost-to-serve."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core.clv import CLV_COLUMNS, BetaGeo, GammaGamma, ShiftedBetaGeometric, customer_clv
from xlprofit.errors import ArgumentError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def fitted():
    summary = pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID")
    table = summary.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    table.index = table.index.astype(str).rename("customer_id")
    purchases = BetaGeo().fit(table["frequency"], table["recency"], table["T"])
    spend = GammaGamma().fit(table["frequency"], table["monetary_value"])
    return table, purchases, spend


def test_columns_and_definition(fitted):
    table, purchases, spend = fitted
    rng = np.random.default_rng(20240501)
    ratio = pd.Series(rng.uniform(-0.2, 0.4, len(table)), index=table.index[::-1])  # any order
    out = customer_clv(
        table,
        ratio,
        purchase_model=purchases,
        spend_model=spend,
        discount_rate=0.01,
        discount_period=4.0,
        horizon=13,
    )
    assert list(out.columns) == list(CLV_COLUMNS)
    assert out.index.equals(table.index)
    np.testing.assert_allclose(out["margin_ratio"], ratio.reindex(table.index))
    np.testing.assert_allclose(
        out["clv"], out["discounted_purchases"] * out["expected_spend"] * out["margin_ratio"]
    )
    # 13 four-week periods = 52 weeks: the undiscounted count is the 52-week conditional expectation
    e52 = purchases.expected_purchases(52.0, table["frequency"], table["recency"], table["T"])
    np.testing.assert_allclose(out["expected_purchases"], e52, rtol=1e-10)
    # explicit sum of the per-period increments, discounted at period end
    cum = [
        purchases.expected_purchases(4.0 * k, table["frequency"], table["recency"], table["T"])
        for k in range(14)
    ]
    direct = sum((cum[k] - cum[k - 1]) / 1.01**k for k in range(1, 14))
    np.testing.assert_allclose(out["discounted_purchases"], direct, rtol=1e-10)
    np.testing.assert_allclose(
        out["p_alive"], purchases.probability_alive(table["frequency"], table["recency"], table["T"])
    )
    assert (out["clv"][out["margin_ratio"] < 0] <= 0).all()  # costly-to-serve customers destroy value


def test_scalar_margin_ratio_and_missing_customers(fitted):
    table, purchases, spend = fitted
    kwargs = {"purchase_model": purchases, "spend_model": spend, "discount_rate": 0.0, "discount_period": 1.0}
    one = customer_clv(table, 0.3, horizon=39, **kwargs)
    assert (one["margin_ratio"] == 0.3).all()
    # no discounting: discounted purchases equal the undiscounted ones
    np.testing.assert_allclose(one["discounted_purchases"], one["expected_purchases"], rtol=1e-10)
    partial = pd.Series(0.3, index=table.index[:-1])
    with pytest.raises(ArgumentError, match="'margin_ratio'"):
        customer_clv(table, partial, horizon=39, **kwargs)
    with_blank = pd.Series(0.3, index=table.index)
    with_blank.iloc[0] = np.nan  # zero net revenue: no margin ratio, no CLV
    out = customer_clv(table, with_blank, horizon=39, **kwargs)
    assert np.isnan(out["clv"].iloc[0]) and out["clv"].iloc[1:].notna().all()
    with pytest.raises(ArgumentError, match="'horizon'"):
        customer_clv(table, 0.3, horizon=0, **kwargs)
    with pytest.raises(ArgumentError, match="'spend_model'"):
        customer_clv(table, 0.3, horizon=3, **(kwargs | {"spend_model": None}))


def test_contractual_customers_with_sbg():
    model = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    table = pd.DataFrame(
        {"renewals": [0, 2, 2, 9], "monetary_value": [50.0, 50.0, 80.0, 50.0]},
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    ratio = pd.Series({"a": 0.5, "b": 0.5, "c": 0.25, "d": 0.5})
    kwargs = {"purchase_model": model, "spend_model": None, "discount_rate": 0.1, "discount_period": 1}
    long = customer_clv(table, ratio, horizon=3000, **kwargs)
    derl = model.discounted_residual_lifetime(0.1, table["renewals"].to_numpy())
    # a 3,000-period horizon reaches the infinite-horizon DERL (Fader & Hardie 2010, eq. 6)
    np.testing.assert_allclose(long["discounted_purchases"], derl, rtol=1e-9)
    np.testing.assert_allclose(long["clv"], derl * table["monetary_value"] * ratio[table.index])
    short = customer_clv(table, ratio, horizon=1, **kwargs)
    # one period: the next renewal happens with probability r(n+1) and is paid undiscounted
    np.testing.assert_allclose(
        short["expected_purchases"], model.retention(table["renewals"] + 1), rtol=1e-12
    )
    assert (long["clv"] > short["clv"]).all() and (long["p_alive"] == 1).all()
    with pytest.raises(ArgumentError, match="'discount_period'"):
        customer_clv(table, ratio, horizon=3, **(kwargs | {"discount_period": 2}))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.floats(0.0, 0.2), st.floats(0.0, 0.2), st.floats(0.05, 1.0))
def test_customer_clv_falls_with_discount_rate_and_rises_with_margin(d1, d2, ratio):
    model = BetaGeo()
    model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    spend = GammaGamma()
    spend.params_ = {"p": 6.25, "q": 3.74, "v": 15.44}
    table = pd.DataFrame(
        {
            "frequency": [0, 2, 7],
            "recency": [0.0, 30.43, 35.0],
            "T": [38.86, 38.86, 38.0],
            "monetary_value": [0, 20, 40],
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    lo, hi = sorted((d1, d2))
    kwargs = {"purchase_model": model, "spend_model": spend, "discount_period": 4.0, "horizon": 12}
    at_lo = customer_clv(table, ratio, discount_rate=lo, **kwargs)["clv"]
    at_hi = customer_clv(table, ratio, discount_rate=hi, **kwargs)["clv"]
    assert (at_hi <= at_lo * (1 + 1e-12)).all()
    more = customer_clv(table, ratio * 1.5, discount_rate=lo, **kwargs)["clv"]
    assert (more >= at_lo).all()
