"""Acquisition economics: CAC, payback, referral value, prospect value, look-alike cost-to-serve.

Worked examples are exact rational numbers computed by hand in the comments; tolerance
1e-12 relative covers float64 rounding of a handful of operations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xlprofit.core import acquisition as aq
from xlprofit.errors import ArgumentError, DivisionByZeroError

EXACT = 1e-12


# --------------------------------------------------------------------------- CAC


def test_cac() -> None:
    assert aq.cac(10_000.0, 40) == 250.0  # 10 000 / 40
    assert aq.cac(0.0, 3) == 0.0
    with pytest.raises(DivisionByZeroError):
        aq.cac(500.0, 0)
    with pytest.raises(ArgumentError, match="acquisition_spend"):
        aq.cac(-1.0, 3)
    with pytest.raises(ArgumentError, match="customers_acquired"):
        aq.cac(100.0, float("nan"))
    with pytest.raises(ArgumentError, match="customers_acquired"):
        aq.cac(100.0, [1, 2])  # type: ignore[arg-type]


def test_customer_cac() -> None:
    customers = pd.DataFrame(
        {"acquisition_cost": [100.0, np.nan, 300.0, 50.0], "channel": ["web", "web", "field", None]},
        index=pd.Index(["c3", "c1", "c2", "c4"], name="customer_id"),
    )
    per_customer = aq.customer_cac(customers)
    assert per_customer.index.tolist() == ["c1", "c2", "c3", "c4"]
    assert np.isnan(per_customer["c1"]) and per_customer["c2"] == 300.0
    # web: only c3's cost is known -> 100; field: 300; blank channel: 50.
    by_channel = aq.customer_cac(customers, by="channel")
    assert by_channel.to_dict() == {"(blank)": 50.0, "field": 300.0, "web": 100.0}
    with pytest.raises(ArgumentError, match="acquisition_cost"):
        aq.customer_cac(customers.assign(acquisition_cost=[1.0, -2.0, 3.0, 4.0]))


# --------------------------------------------------------------------------- payback


def test_payback_without_retention_or_discounting() -> None:
    # 100 / 30 per period = 3.333 periods, whatever the timing.
    for timing in ("end", "start"):
        assert aq.payback_periods(100.0, 30.0, discount_rate=0.0, timing=timing) == pytest.approx(10 / 3, rel=EXACT)


def test_payback_worked_example_end_of_period() -> None:
    # m = 100, r = 0.9, i = 0.10: d = 0.9/1.1 = 9/11.  Margins at period ends: 100·d^k.
    # C(2) = 100·(9/11 + 81/121) = 18000/121 = 148.760; period 3 brings 100·729/1331 = 54.771.
    # CAC 150 is recovered in period 3: 2 + (150 - 18000/121)/(72900/1331) = 2 + 11/486.
    value = aq.payback_periods(150.0, 100.0, retention=0.9, discount_rate=0.10, timing="end")
    assert value == pytest.approx(2 + 11 / 486, rel=EXACT)


def test_payback_worked_example_start_of_period() -> None:
    # Same customer, margins at period starts: 100, 100·9/11, ...  C(1) = 100, period 2 brings
    # 900/11 = 81.818: 1 + (150 - 100)/(900/11) = 1 + 11/18.
    value = aq.payback_periods(150.0, 100.0, retention=0.9, discount_rate=0.10, timing="start")
    assert value == pytest.approx(1 + 11 / 18, rel=EXACT)


def test_payback_never_recovered() -> None:
    # Infinite-horizon value with margins at period ends: m·r/(1 + i - r) = 100·0.9/0.2 = 450.
    assert aq.payback_periods(450.0, 100.0, retention=0.9, discount_rate=0.1, timing="end") == math.inf
    assert aq.payback_periods(449.0, 100.0, retention=0.9, discount_rate=0.1, timing="end") < math.inf
    assert aq.payback_periods(10.0, 0.0, discount_rate=0.0, timing="end") == math.inf
    assert aq.payback_periods(10.0, -5.0, discount_rate=0.0, timing="start") == math.inf
    assert aq.payback_periods(0.0, -5.0, discount_rate=0.0, timing="start") == 0.0


def test_payback_with_zero_retention() -> None:
    # Only the first margin ever arrives: at the start of period 1 (timing "start") it is the
    # whole value; at period end the customer has already gone.
    first_only = aq.payback_periods(20.0, 30.0, retention=0.0, discount_rate=0.0, timing="start")
    assert first_only == pytest.approx(2 / 3, rel=EXACT)
    assert aq.payback_periods(40.0, 30.0, retention=0.0, discount_rate=0.0, timing="start") == math.inf
    assert aq.payback_periods(20.0, 30.0, retention=0.0, discount_rate=0.0, timing="end") == math.inf


def test_retention_just_below_one_keeps_precision() -> None:
    # d = 1 - 2^-53: each period brings the full margin to 15 digits, so the payback of 2.5
    # margins is 2.5 periods and three periods are worth 3 margins; the naive (1 - d^K)/(1 - d)
    # loses every digit here.
    nearly = 1 - 2**-53
    payback = aq.payback_periods(2.5, 1.0, retention=nearly, discount_rate=0.0, timing="end")
    assert payback == pytest.approx(2.5, rel=1e-12)
    value = aq.prospect_value(10.0, 0.5, 0.0, nearly, 0.0, timing="start", horizon=3)
    assert value == pytest.approx(15.0, rel=1e-12)


def test_payback_is_vectorised() -> None:
    cost = np.array([150.0, 150.0, 450.0, 0.0])
    result = aq.payback_periods(cost, 100.0, retention=0.9, discount_rate=0.1, timing="end")
    assert isinstance(result, np.ndarray) and result.shape == (4,)
    for k in range(4):
        scalar = aq.payback_periods(float(cost[k]), 100.0, retention=0.9, discount_rate=0.1, timing="end")
        assert result[k] == scalar
    assert isinstance(aq.payback_periods(1.0, 2.0, discount_rate=0.0, timing="end"), float)


def test_payback_arguments() -> None:
    with pytest.raises(TypeError):
        aq.payback_periods(1.0, 2.0)  # type: ignore[call-arg]  # timing is required
    with pytest.raises(TypeError):
        aq.payback_periods(1.0, 2.0, timing="end")  # type: ignore[call-arg]  # so is the discount rate
    with pytest.raises(ArgumentError, match="timing"):
        aq.payback_periods(1.0, 2.0, discount_rate=0.0, timing="middle")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="retention"):
        aq.payback_periods(1.0, 2.0, retention=1.3, discount_rate=0.0, timing="end")
    with pytest.raises(ArgumentError, match="cac"):
        aq.payback_periods([1.0, -1.0], 2.0, discount_rate=0.0, timing="end")
    with pytest.raises(ArgumentError, match="discount_rate"):
        aq.payback_periods(1.0, 2.0, discount_rate=-0.1, timing="end")


def payback_by_summation(cost: float, margin: float, retention: float, rate: float, timing: str) -> float:
    """Reference: add the periods one by one (test only)."""
    ratio = retention / (1 + rate)
    total = 0.0
    for period in range(1, 20_000):
        cash = margin * ratio ** (period if timing == "end" else period - 1)
        if total + cash >= cost:
            return period - 1 + (cost - total) / cash
        total += cash
    return math.inf


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    cost=st.floats(1.0, 5_000.0),
    margin=st.floats(1.0, 1_000.0),
    retention=st.floats(0.05, 1.0),
    rate=st.floats(0.0, 0.5),
    timing=st.sampled_from(["end", "start"]),
)
def test_payback_closed_form_matches_summation(
    cost: float, margin: float, retention: float, rate: float, timing: str
) -> None:
    ratio = retention / (1 + rate)
    first = margin * ratio if timing == "end" else margin
    if ratio < 1:
        limit = first / (1 - ratio)
        assume(cost < 0.98 * limit or cost > 1.02 * limit)  # keep the reference loop short
        assume(math.log(1 - min(cost, 0.98 * limit) / limit) / math.log(ratio) < 5_000)
    expected = payback_by_summation(cost, margin, retention, rate, timing)
    result = aq.payback_periods(cost, margin, retention=retention, discount_rate=rate, timing=timing)
    if math.isinf(expected):
        assert result == math.inf
    else:
        assert result == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    cost=st.floats(1.0, 5_000.0),
    margins=st.lists(st.floats(0.5, 1_000.0), min_size=2, max_size=2, unique=True),
    retention=st.floats(0.0, 1.0),
    rate=st.floats(0.0, 0.5),
    timing=st.sampled_from(["end", "start"]),
)
def test_payback_falls_as_contribution_rises(
    cost: float, margins: list[float], retention: float, rate: float, timing: str
) -> None:
    low, high = sorted(margins)
    slow = aq.payback_periods(cost, low, retention=retention, discount_rate=rate, timing=timing)
    fast = aq.payback_periods(cost, high, retention=retention, discount_rate=rate, timing=timing)
    assert fast <= slow * (1 + 1e-12)
    if math.isfinite(slow):
        assert fast < slow


# --------------------------------------------------------------------------- prospect value


def test_prospect_value_worked_example() -> None:
    # m = 1000 × 0.40 - 100 = 300 per year; r = 0.9, i = 0.12.
    # Retention formula (Gupta & Lehmann 2003, "Customers as Assets", J. Interactive Marketing
    # 17(1)): margin at year end m·r/(1 + i - r) = 300 × 0.9/0.22 = 1227.27; at year start
    # m·(1 + i)/(1 + i - r) = 300 × 1.12/0.22 = 1527.27.  Minus CAC 200.
    end = aq.prospect_value(1000.0, 0.40, 100.0, 0.9, 0.12, timing="end", acquisition_cost=200.0)
    assert end == pytest.approx(300 * 0.9 / 0.22 - 200, rel=EXACT)
    start = aq.prospect_value(1000.0, 0.40, 100.0, 0.9, 0.12, timing="start")
    assert start == pytest.approx(300 * 1.12 / 0.22, rel=EXACT)
    # "start" = "end" + the first margin, received now: 1527.27 = 1227.27 + 300.
    assert start == pytest.approx(end + 200 + 300, rel=EXACT)


def test_prospect_value_finite_horizon() -> None:
    # Three years, d = 0.9/1.12 = 0.803571: end of year d + d² + d³ = 1.968186 → 590.456;
    # start of year 1 + d + d² = 2.449298 → 734.789.
    d = 0.9 / 1.12
    end = aq.prospect_value(1000.0, 0.40, 100.0, 0.9, 0.12, timing="end", horizon=3)
    assert end == pytest.approx(300 * (d + d**2 + d**3), rel=EXACT)
    assert end == pytest.approx(590.456, abs=5e-4)  # printed to the nearest 0.001
    start = aq.prospect_value(1000.0, 0.40, 100.0, 0.9, 0.12, timing="start", horizon=3)
    assert start == pytest.approx(300 * (1 + d + d**2), rel=EXACT)
    # A long horizon converges to the infinite-horizon value (d^2000 < 1e-190).
    long = aq.prospect_value(1000.0, 0.40, 100.0, 0.9, 0.12, timing="end", horizon=2000)
    assert long == pytest.approx(300 * 0.9 / 0.22, rel=1e-12)


def test_prospect_value_without_decay() -> None:
    # Retention 1 and discount 0: the infinite sum diverges; a horizon of 5 gives 5·m.
    with pytest.raises(DivisionByZeroError):
        aq.prospect_value(100.0, 0.5, 10.0, 1.0, 0.0, timing="end")
    for timing in ("end", "start"):
        assert aq.prospect_value(100.0, 0.5, 10.0, 1.0, 0.0, timing=timing, horizon=5) == 200.0


def test_prospect_value_arguments_and_vectors() -> None:
    with pytest.raises(ArgumentError, match="horizon"):
        aq.prospect_value(100.0, 0.5, 10.0, 0.8, 0.1, timing="end", horizon=2.5)
    with pytest.raises(ArgumentError, match="horizon"):
        aq.prospect_value(100.0, 0.5, 10.0, 0.8, 0.1, timing="end", horizon=0)
    with pytest.raises(ArgumentError, match="gross_margin_pct"):
        aq.prospect_value(100.0, 1.5, 10.0, 0.8, 0.1, timing="end")
    with pytest.raises(ArgumentError, match="retention"):
        aq.prospect_value(100.0, 0.5, 10.0, -0.1, 0.1, timing="end")
    with pytest.raises(ArgumentError, match="timing"):
        aq.prospect_value(100.0, 0.5, 10.0, 0.8, 0.1, timing="annual")  # type: ignore[arg-type]
    values = aq.prospect_value(np.array([100.0, 200.0]), 0.5, 10.0, np.array([0.5, 0.8]), 0.1, timing="end")
    # m = 40 and 90: 40·0.5/0.6 = 33.333, 90·0.8/0.3 = 240.
    np.testing.assert_allclose(values, [40 * 0.5 / 0.6, 90 * 0.8 / 0.3], rtol=EXACT)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    revenue=st.floats(10.0, 1e5),
    margin_pct=st.floats(0.05, 0.9),
    cost_share=st.floats(0.0, 0.04),
    retentions=st.lists(st.floats(0.0, 0.99), min_size=2, max_size=2, unique=True),
    rates=st.lists(st.floats(0.0, 0.4), min_size=2, max_size=2, unique=True),
    timing=st.sampled_from(["end", "start"]),
    horizon=st.one_of(st.none(), st.integers(1, 40)),
)
def test_prospect_value_monotone_and_equal_to_explicit_sum(
    revenue: float,
    margin_pct: float,
    cost_share: float,
    retentions: list[float],
    rates: list[float],
    timing: str,
    horizon: int | None,
) -> None:
    serve = revenue * cost_share  # below the gross margin: the margin m is positive
    low_r, high_r = sorted(retentions)
    low_i, high_i = sorted(rates)

    def value(retention: float, rate: float) -> float:
        return aq.prospect_value(revenue, margin_pct, serve, retention, rate, timing=timing, horizon=horizon)

    # Prospect value rises with retention and falls with the discount rate.
    assert value(high_r, low_i) >= value(low_r, low_i)
    assert value(low_r, high_i) <= value(low_r, low_i)
    if horizon is not None:
        m = revenue * margin_pct - serve
        d = low_r / (1 + low_i)
        powers = range(1, horizon + 1) if timing == "end" else range(horizon)
        assert value(low_r, low_i) == pytest.approx(sum(m * d**k for k in powers), rel=1e-10, abs=1e-9)


# --------------------------------------------------------------------------- referral value


@pytest.fixture
def referrals() -> pd.DataFrame:
    # A brought in B and C; B brought in D; E names an unknown referrer; F names itself;
    # G was referred by A but has no value.
    return pd.DataFrame(
        {
            "referred_by": [None, "A", "A", "B", "Z", "F", "A", ""],
            "contribution": [10.0, 100.0, -20.0, 50.0, 70.0, 5.0, np.nan, 1.0],
            "clv": [90.0, 400.0, 60.0, 150.0, 80.0, 20.0, 30.0, 2.0],
        },
        index=pd.Index(list("ABCDEFGH"), name="customer_id"),
    )


def test_referral_value_worked_example(referrals: pd.DataFrame) -> None:
    # Attribution 50 %: A = 0.5 × (100 - 20) = 40 (G has no contribution); B = 0.5 × 50 = 25.
    value = aq.referral_value(referrals, attribution_share=0.5)
    assert value.to_dict() == {
        "A": 40.0,
        "B": 25.0,
        "C": 0.0,
        "D": 0.0,
        "E": 0.0,
        "F": 0.0,
        "G": 0.0,
        "H": 0.0,
    }
    # On CLV instead: A = 0.5 × (400 + 60 + 30) = 245, B = 0.5 × 150 = 75.
    clv = aq.referral_value(referrals, "clv", attribution_share=0.5)
    assert (clv["A"], clv["B"]) == (245.0, 75.0)
    unmatched = aq.unmatched_referrals(referrals)
    assert unmatched["reason"].to_dict() == {
        "E": "unknown referrer",
        "F": "refers to itself",
        "G": "value missing",
    }
    assert unmatched.loc["E", "referred_by"] == "Z"
    assert aq.unmatched_referrals(referrals, "clv").index.tolist() == ["E", "F"]


def test_referral_value_arguments(referrals: pd.DataFrame) -> None:
    # Issue 16 item 8: the share has a stated default, 0.5 (it used to be required).
    assert aq.DEFAULT_ATTRIBUTION_SHARE == 0.5
    pd.testing.assert_series_equal(aq.referral_value(referrals), aq.referral_value(referrals, attribution_share=0.5))
    with pytest.raises(ArgumentError, match="attribution_share"):
        aq.referral_value(referrals, attribution_share=1.2)
    with pytest.raises(ArgumentError, match="lifetime"):
        aq.referral_value(referrals, "lifetime", attribution_share=0.5)
    with pytest.raises(ArgumentError, match="contribution"):
        aq.referral_value(referrals.assign(contribution="much"), attribution_share=0.5)


@st.composite
def referral_tables(draw: st.DrawFn) -> pd.DataFrame:
    count = draw(st.integers(1, 20))
    ids = [f"R{k:02d}" for k in range(count)]
    referrer = st.one_of(st.none(), st.sampled_from([*ids, "outsider"]))
    return pd.DataFrame(
        {
            "referred_by": draw(st.lists(referrer, min_size=count, max_size=count)),
            "contribution": draw(
                st.lists(st.integers(-10_000, 10_000).map(lambda c: c / 100), min_size=count, max_size=count)
            ),
        },
        index=pd.Index(ids, name="customer_id"),
    )


@settings(max_examples=100, deadline=None, derandomize=True)
@given(table=referral_tables(), share=st.floats(0.0, 1.0), data=st.data())
def test_referral_value_properties(table: pd.DataFrame, share: float, data: st.DataObject) -> None:
    value = aq.referral_value(table, attribution_share=share)
    unmatched = aq.unmatched_referrals(table)
    credited = table["referred_by"].notna() & ~table.index.isin(unmatched.index)
    assert value.sum() == pytest.approx(share * table.loc[credited, "contribution"].sum(), abs=1e-6)
    order = data.draw(st.permutations(range(len(table))))
    pd.testing.assert_series_equal(value, aq.referral_value(table.iloc[order], attribution_share=share))
    pd.testing.assert_frame_equal(unmatched, aq.unmatched_referrals(table.iloc[order]))


# --------------------------------------------------------------------------- look-alikes


def test_lookalike_cost_to_serve() -> None:
    customers = pd.DataFrame(
        {
            "segment": ["retail", "retail", "retail", "wholesale", "wholesale", None, "empty"],
            "net_revenue": [100.0, 200.0, 50.0, 1000.0, 0.0, 10.0, 0.0],
            "cost_to_serve": [10.0, 10.0, 20.0, 30.0, 40.0, 5.0, 3.0],
        },
        index=pd.Index([f"L{k}" for k in range(7)], name="customer_id"),
    )
    # retail: 10/100 = 0.10, 10/200 = 0.05, 20/50 = 0.40 -> median 0.10.
    # wholesale: 30/1000 = 0.03 (the customer without revenue is left out).
    # blank: 5/10 = 0.5; "empty" has no customer with revenue -> NaN.
    ratio = aq.lookalike_cost_to_serve(customers)
    assert ratio.index.name == "segment"
    assert ratio["retail"] == pytest.approx(0.10, rel=EXACT)
    assert ratio["wholesale"] == pytest.approx(0.03, rel=EXACT)
    assert ratio["(blank)"] == pytest.approx(0.5, rel=EXACT)
    assert np.isnan(ratio["empty"])
    # Expected cost-to-serve of a retail prospect with 400 revenue: 400 × 0.10 = 40.
    assert aq.prospect_value(400.0, 0.3, 400.0 * ratio["retail"], 0.5, 0.0, timing="end") == pytest.approx(
        (120 - 40) * 0.5 / 0.5, rel=EXACT
    )
    shuffled = customers.iloc[[6, 3, 0, 5, 1, 4, 2]]
    pd.testing.assert_series_equal(ratio, aq.lookalike_cost_to_serve(shuffled))
    with pytest.raises(ArgumentError, match="region"):
        aq.lookalike_cost_to_serve(customers, by="region")


# --------------------------------------------------------------------------- payback per customer (issue 16, item 6)


def _payback_pnl() -> pd.DataFrame:
    # P is C0293 of the demo: acquired in 2025Q2, 3,590 to recover, 13,144.78 of contribution in its
    # three active quarters of a two-year window. Q loses money; R pays back only partly; S has no cost.
    return pd.DataFrame(
        {"acquisition_cost": [3590.0, 500.0, 10_000.0, 0.0, np.nan],
         "contribution": [13_144.78, -50.0, 800.0, 900.0, 100.0]},
        index=pd.Index(["P", "Q", "R", "S", "T"], name="customer_id"),
    )


def test_customer_payback_counts_only_active_periods() -> None:
    active = pd.Series({"P": 3, "Q": 8, "R": 8, "S": 8, "T": 8})
    quarterly = 1.10 ** 0.25 - 1  # 10 % a year, per quarter
    table = aq.customer_payback(_payback_pnl(), periods_active=active, retention=1.0,
                                discount_rate_per_period=quarterly)
    p = table.loc["P"]
    # m = 13,144.78 / 3 = 4,381.593; at quarter end worth m / 1.0241 = 4,278.4 > 3,590, so the cost is
    # recovered within the first quarter: 3,590 / (m / (1 + i)) = 0.839 quarters.
    assert p["contribution_per_period"] == pytest.approx(13_144.78 / 3, rel=EXACT)
    assert p["payback_periods"] == pytest.approx(3590 / (13_144.78 / 3 / (1 + quarterly)), rel=1e-12)
    assert p["payback_periods"] == pytest.approx(0.839, abs=5e-4)
    # Spread over all eight quarters of the window (the old analysis) it looked almost three times slower.
    old = aq.payback_periods(3590.0, 13_144.78 / 8, discount_rate=quarterly, timing="end")
    assert old == pytest.approx(2.27, abs=5e-3) and old > 2.5 * p["payback_periods"]
    # R: 100 a quarter, discounted forever at 2.41 %: about 100/0.0241 = 4,146 < 10,000.
    reasons = table["payback_reason"]
    assert pd.isna(reasons["P"]) and reasons["Q"] == "contribution per period is not positive"
    assert reasons["R"].startswith("never recovered") and reasons["S"] == reasons["T"] == "no acquisition cost"
    assert table["payback_periods"].drop("P").isna().all()


def test_customer_payback_with_retention_per_customer_and_gaps() -> None:
    active = pd.Series({"P": 3, "Q": 8, "R": 0, "S": 8, "T": np.nan})
    retention = pd.Series({"P": 0.9, "Q": 0.9, "R": 0.9, "S": 0.9, "T": 0.9})
    table = aq.customer_payback(_payback_pnl(), periods_active=active, retention=retention,
                                discount_rate_per_period=0.0, timing="start")
    # P: m = 4,381.59 at each quarter start, 0.9 retained: the first quarter alone recovers 3,590.
    assert table.loc["P", "payback_periods"] == pytest.approx(3590 / (13_144.78 / 3), rel=1e-12)
    assert table.loc["R", "payback_reason"] == "no active period"
    gaps = aq.customer_payback(_payback_pnl(), periods_active=3, retention=retention.mask(retention.index == "P"),
                               discount_rate_per_period=0.0)
    assert gaps.loc["P", "payback_reason"] == "no retention" and np.isnan(gaps.loc["P", "payback_periods"])
    # the same as the scalar function, customer by customer
    expected = aq.payback_periods(3590.0, 13_144.78 / 3, retention=0.9, discount_rate=0.02, timing="end")
    same = aq.customer_payback(_payback_pnl(), periods_active=3, retention=0.9, discount_rate_per_period=0.02)
    assert same.loc["P", "payback_periods"] == expected


def test_customer_payback_arguments() -> None:
    frame = _payback_pnl()
    with pytest.raises(TypeError):
        aq.customer_payback(frame, periods_active=3, discount_rate_per_period=0.0)  # type: ignore[call-arg]
    with pytest.raises(ArgumentError, match="'retention' must be between 0 and 1; got 1.2"):
        aq.customer_payback(frame, periods_active=3, retention=1.2, discount_rate_per_period=0.0)
    with pytest.raises(ArgumentError, match="'periods_active' must be a value .* for every customer"):
        aq.customer_payback(frame, periods_active=pd.Series({"P": 3}), retention=1.0, discount_rate_per_period=0.0)
    with pytest.raises(ArgumentError, match="'periods_active' must be a finite number of at least 0"):
        aq.customer_payback(frame, periods_active=-1, retention=1.0, discount_rate_per_period=0.0)
    with pytest.raises(ArgumentError, match="discount_rate_per_period"):
        aq.customer_payback(frame, periods_active=3, retention=1.0, discount_rate_per_period=-0.1)
    with pytest.raises(ArgumentError, match="acquisition_cost"):
        aq.customer_payback(frame.assign(acquisition_cost=-1.0), periods_active=3, retention=1.0,
                            discount_rate_per_period=0.0)


def test_active_periods_from_acquisition_or_window_start_to_end_or_last_purchase() -> None:
    from xlprofit.core.periods import Periods

    window = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"), 4)
    acquired = pd.Series(pd.to_datetime(["2025-04-18", "2019-05-01", None, "2026-02-01", "2024-02-01"]),
                         index=["C0293", "old", "unknown", "later", "lost"])
    last = pd.Series(pd.to_datetime(["2024-11-30"]), index=["lost"])
    active = aq.active_periods(acquired, window, last_purchase=last)
    # 2025Q2..Q4 = 3; the whole window = 8; not yet a customer = 0; 2024Q1..Q4 = 4.
    assert active.to_dict() == {"C0293": 3, "old": 8, "unknown": 8, "later": 0, "lost": 4}
    assert active.name == "periods_active"


# --------------------------------------------------------------------------- total value (issue 16, item 8)


def test_total_value_is_own_clv_plus_referral_value_on_clv(referrals: pd.DataFrame) -> None:
    # Default share 0.5 on CLV: A = 0.5 × (400 + 60 + 30) = 245, B = 0.5 × 150 = 75.
    credit = aq.referral_value(referrals, "clv")
    total = aq.total_value(referrals["clv"], credit)
    assert total.name == "total_value"
    assert (total["A"], total["B"], total["C"]) == (90.0 + 245.0, 400.0 + 75.0, 60.0)
    # a missing own value stays missing
    assert np.isnan(aq.total_value(referrals["clv"].mask(referrals.index == "A"), credit)["A"])
    with pytest.raises(ArgumentError, match="'referral_value' must be a value for every customer of clv"):
        aq.total_value(referrals["clv"], credit.drop("A"))
    with pytest.raises(ArgumentError, match="clv"):
        aq.total_value(referrals["clv"].to_numpy(), credit)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Excel, through Office.js

_xl = None


@pytest.fixture(scope="module")
def excel():
    global _xl
    from tests.conftest import office_js

    with office_js() as runtime:
        _xl = runtime
        yield runtime
    _xl = None


def _call(name: str, *args):
    import asyncio

    assert _xl is not None
    cells = [None if v is None else (v if isinstance(v, list) else [[v]]) for v in args]
    body = {"func_name": name, "args": cells, "caller_address": "Sheet1!B2", "version": _xl.xw.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US", "date_format": "M/d/yyyy",
            "task_key": None}
    result = asyncio.run(_xl.xs.custom_functions_call(body, _xl.udfs))
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def test_excel_payback_of_c0293_on_its_active_quarters(excel) -> None:
    quarterly = 1.10 ** 0.25 - 1
    got = _call("XLP_PAYBACK", quarterly, 3590, 13_144.78 / 3, 1)
    assert got == pytest.approx(3590 / (13_144.78 / 3 / (1 + quarterly)), rel=1e-12)


def test_excel_referral_value_default_share(excel) -> None:
    ids, by, values = [["A"], ["B"], ["C"]], [[""], ["A"], ["A"]], [[10], [20], [30]]
    assert _call("XLP_REFERRAL_VALUE", "A", ids, by, values) == 25.0  # blank share: 0.5 × (20 + 30)
    assert _call("XLP_REFERRAL_VALUE", "A", ids, by, values, 1) == 50.0
