"""Closed-form CLV: retention formula (both timings), finite horizons, growth, margin streams."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core.clv import clv_cashflows, periodic_rate, simple_clv
from xlprofit.errors import ArgumentError, ModelError

# Gupta & Lehmann (2003), "Customers as Assets", Journal of Interactive Marketing 17(1), 9-24:
# the margin-multiple table r / (1 + i - r) for retention 60-90 % and discount rates 10-16 %,
# printed to two decimals, hence the absolute tolerance of 0.005 (half a unit in the last place).
MARGIN_MULTIPLES = {
    (0.60, 0.10): 1.20, (0.60, 0.12): 1.15, (0.60, 0.14): 1.11, (0.60, 0.16): 1.07,
    (0.70, 0.10): 1.75, (0.70, 0.12): 1.67, (0.70, 0.14): 1.59, (0.70, 0.16): 1.52,
    (0.80, 0.10): 2.67, (0.80, 0.12): 2.50, (0.80, 0.14): 2.35, (0.80, 0.16): 2.22,
    (0.90, 0.10): 4.50, (0.90, 0.12): 4.09, (0.90, 0.14): 3.75, (0.90, 0.16): 3.46,
}  # fmt: skip


@pytest.mark.parametrize(("key", "multiple"), MARGIN_MULTIPLES.items())
def test_end_of_period_reproduces_gupta_lehmann_margin_multiples(key, multiple):
    retention, rate = key
    assert simple_clv(1.0, retention, rate, timing="end") == pytest.approx(multiple, abs=0.005)


@pytest.mark.parametrize(("key", "multiple"), MARGIN_MULTIPLES.items())
def test_start_of_period_is_the_end_value_plus_the_first_margin(key, multiple):
    # Fader & Hardie (2012), "Reconciling and Clarifying CLV Formulas" (brucehardie.com/notes/024):
    # eq. (1) m(1+d)/(1+d-r) (margin at period start) and eq. (2) m r/(1+d-r) (period end) differ by
    # the factor (1+d)/r. Checked against Gupta & Lehmann's printed multiples scaled by that factor;
    # the table's rounding error (0.005) is scaled by the same factor.
    retention, rate = key
    expected = multiple * (1 + rate) / retention
    tolerance = 0.005 * (1 + rate) / retention
    assert simple_clv(1.0, retention, rate, timing="start") == pytest.approx(expected, abs=tolerance)


def test_worked_example_both_timings_exact():
    # m = 100, r = 0.8, i = 0.12: end 100*0.8/0.32 = 250; start 100*1.12/0.32 = 350 (exact arithmetic).
    assert simple_clv(100.0, 0.8, 0.12, timing="end") == pytest.approx(250.0, rel=1e-12)
    assert simple_clv(100.0, 0.8, 0.12, timing="start") == pytest.approx(350.0, rel=1e-12)


def test_timing_is_required_and_checked():
    with pytest.raises(TypeError):
        simple_clv(100.0, 0.8, 0.1)  # type: ignore[call-arg]
    with pytest.raises(ArgumentError, match="'timing' must be"):
        simple_clv(100.0, 0.8, 0.1, timing="middle")  # type: ignore[arg-type]


def test_finite_horizon_equals_explicit_sum():
    m, r, i, g, h = 120.0, 0.85, 0.09, 0.03, 7
    t = np.arange(1, h + 1)
    end = np.sum(m * (1 + g) ** (t - 1) * r**t / (1 + i) ** t)
    start = np.sum(m * (1 + g) ** (t - 1) * r ** (t - 1) / (1 + i) ** (t - 1))
    assert simple_clv(m, r, i, timing="end", horizon=h, margin_growth=g) == pytest.approx(end, rel=1e-12)
    assert simple_clv(m, r, i, timing="start", horizon=h, margin_growth=g) == pytest.approx(start, rel=1e-12)


def test_growth_infinite_horizon_and_acquisition_cost():
    # Gupta & Lehmann (2003) with margin growth g: m r / (1 + i - r (1 + g)).
    value = simple_clv(100.0, 0.8, 0.12, timing="end", margin_growth=0.05, acquisition_cost=30.0)
    assert value == pytest.approx(100 * 0.8 / (1.12 - 0.8 * 1.05) - 30.0, rel=1e-12)


def test_ratio_one_finite_horizon_is_exact():
    # q = r (1 + g) / (1 + i) = 1: every discounted margin equals the first one.
    assert simple_clv(10.0, 1.0, 0.0, timing="start", horizon=5) == pytest.approx(50.0, rel=1e-12)


def test_divergent_infinite_horizon_is_a_model_error():
    with pytest.raises(ModelError):
        simple_clv(100.0, 1.0, 0.0, timing="end")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"retention": 1.3}, "retention"),
        ({"retention": -0.1}, "retention"),
        ({"discount_rate": -1.0}, "discount_rate"),
        ({"horizon": 0}, "horizon"),
        ({"horizon": 2.5}, "horizon"),
        ({"margin": float("nan")}, "margin"),
        ({"margin": "abc"}, "margin"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    args = {"margin": 100.0, "retention": 0.8, "discount_rate": 0.1, "timing": "end"} | kwargs
    with pytest.raises(ArgumentError, match=f"'{argument}'"):
        simple_clv(**args)


def test_arrays_broadcast():
    values = simple_clv(np.array([100.0, 200.0]), 0.8, 0.12, timing="end")
    np.testing.assert_allclose(values, [250.0, 500.0], rtol=1e-12)


def test_cashflows_constant_stream_matches_retention_formula():
    for timing in ("end", "start"):
        stream = clv_cashflows([50.0] * 12, 0.01, retention=0.9, timing=timing)
        assert stream == pytest.approx(simple_clv(50.0, 0.9, 0.01, timing=timing, horizon=12), rel=1e-12)


def test_cashflows_with_retention_curve_and_rows():
    margins = np.array([[10.0, 20.0, 30.0], [1.0, 1.0, 1.0]])
    curve = [0.5, 0.8, 0.9]
    s = np.cumprod(curve)
    expected_end = margins @ (s / 1.1 ** np.arange(1, 4))
    expected_start = margins @ (np.array([1.0, s[0], s[1]]) / 1.1 ** np.arange(0, 3))
    np.testing.assert_allclose(clv_cashflows(margins, 0.1, retention=curve, timing="end"), expected_end)
    np.testing.assert_allclose(clv_cashflows(margins, 0.1, retention=curve, timing="start"), expected_start)
    # no retention: a plain NPV of certain margins, the first discounted one period (like Excel's NPV)
    assert clv_cashflows([110.0, 121.0], 0.1, timing="end") == pytest.approx(200.0, rel=1e-12)
    with pytest.raises(ArgumentError, match="'retention'"):
        clv_cashflows([1.0, 2.0], 0.1, retention=[0.9], timing="end")


def test_periodic_rate_compounds_back_to_the_annual_rate():
    monthly = periodic_rate(0.12, periods_per_year=12)
    assert (1 + monthly) ** 12 - 1 == pytest.approx(0.12, rel=1e-13)
    with pytest.raises(ArgumentError, match="'periods_per_year'"):
        periodic_rate(0.1, periods_per_year=0)


rates = st.floats(0.0, 0.5)
retentions = st.floats(0.0, 0.99)
margins = st.floats(0.01, 1e6)
timings = st.sampled_from(["end", "start"])
horizons = st.one_of(st.none(), st.integers(1, 200))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(margins, retentions, retentions, rates, timings, horizons)
def test_clv_rises_with_retention(m, r1, r2, i, timing, h):
    lo, hi = sorted((r1, r2))
    assert simple_clv(m, lo, i, timing=timing, horizon=h) <= simple_clv(
        m, hi, i, timing=timing, horizon=h
    ) * (1 + 1e-12)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(margins, margins, retentions, rates, timings, horizons)
def test_clv_rises_with_margin(m1, m2, r, i, timing, h):
    lo, hi = sorted((m1, m2))
    assert simple_clv(lo, r, i, timing=timing, horizon=h) <= simple_clv(
        hi, r, i, timing=timing, horizon=h
    ) * (1 + 1e-12)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(margins, retentions, rates, rates, timings, horizons)
def test_clv_falls_with_discount_rate(m, r, i1, i2, timing, h):
    lo, hi = sorted((i1, i2))
    assert simple_clv(m, r, hi, timing=timing, horizon=h) <= simple_clv(
        m, r, lo, timing=timing, horizon=h
    ) * (1 + 1e-12)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=30), retentions, rates, timings)
def test_cashflows_are_linear_in_margins(stream, r, i, timing):
    one = clv_cashflows(stream, i, retention=r, timing=timing)
    two = clv_cashflows(np.array(stream) * 2.0, i, retention=r, timing=timing)
    assert two == pytest.approx(2.0 * one, rel=1e-9, abs=1e-9)
