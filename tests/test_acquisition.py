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
    with pytest.raises(TypeError):
        aq.referral_value(referrals)  # type: ignore[call-arg]  # the share is required
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
