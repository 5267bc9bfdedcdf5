"""Segment analytics: whale curve, loss share, deciles, matrix, dimensions and trend flags.

Worked examples are computed by hand in the comments; they are exact rational numbers, so
the tolerance is 1e-12 relative (a few float64 roundings of sums of at most a dozen terms).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core import matrix as mx
from xlprofit.core import segments as sg
from xlprofit.core import trend as tr
from xlprofit.core import whale as wh
from xlprofit.errors import ArgumentError, DegenerateDataError, DivisionByZeroError

EXACT = 1e-12  # relative tolerance for hand-computed rational results (float rounding only)


def pnl(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "customer_id"
    return frame


@pytest.fixture
def five() -> pd.DataFrame:
    # A hand-made P&L of five customers (money in euros).
    return pnl(
        {
            "a": dict(
                gross_revenue=120.0,
                net_revenue=100.0,
                gross_margin=40.0,
                cost_to_serve=10.0,
                contribution=30.0,
                profit=30.0,
                discounted_revenue=50.0,
                segment="A",
                channel="x",
                region="N",
            ),
            "b": dict(
                gross_revenue=100.0,
                net_revenue=90.0,
                gross_margin=30.0,
                cost_to_serve=30.0,
                contribution=0.0,
                profit=0.0,
                discounted_revenue=0.0,
                segment="B",
                channel="x",
                region="S",
            ),
            "c": dict(
                gross_revenue=50.0,
                net_revenue=40.0,
                gross_margin=10.0,
                cost_to_serve=5.0,
                contribution=5.0,
                profit=5.0,
                discounted_revenue=40.0,
                segment=None,
                channel="y",
                region="N",
            ),
            "d": dict(
                gross_revenue=80.0,
                net_revenue=60.0,
                gross_margin=20.0,
                cost_to_serve=25.0,
                contribution=-5.0,
                profit=-5.0,
                discounted_revenue=10.0,
                segment="A",
                channel="y",
                region="S",
            ),
            "e": dict(
                gross_revenue=10.0,
                net_revenue=0.0,
                gross_margin=0.0,
                cost_to_serve=3.0,
                contribution=-3.0,
                profit=-3.0,
                discounted_revenue=0.0,
                segment="",
                channel="y",
                region="N",
            ),
        }
    )


# --------------------------------------------------------------------------- whale curve


def test_whale_curve_worked_example(five: pd.DataFrame) -> None:
    # Ranked by profit: a 30, c 5, b 0, e -3, d -5.  Cumulative 30, 35, 35, 32, 27; total 27.
    # Shares: 30/27, 35/27, 35/27, 32/27, 27/27.  Revenue in that order 100, 40, 90, 0, 60:
    # cumulative 100, 140, 230, 230, 290 of 290.
    curve = wh.whale_curve(five["profit"], five["net_revenue"])
    assert curve["customer_id"].tolist() == ["a", "c", "b", "e", "d"]
    assert curve["rank"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(curve["cumulative_profit"], [30, 35, 35, 32, 27], rtol=EXACT)
    np.testing.assert_allclose(
        curve["cumulative_profit_pct"], np.array([30, 35, 35, 32, 27]) / 27, rtol=EXACT
    )
    np.testing.assert_allclose(curve["cumulative_customers_pct"], [0.2, 0.4, 0.6, 0.8, 1.0], rtol=EXACT)
    np.testing.assert_allclose(
        curve["cumulative_revenue_pct"], np.array([100, 140, 230, 230, 290]) / 290, rtol=EXACT
    )
    assert "undefined" not in curve.attrs


def test_whale_peak_and_loss_share_worked_example(five: pd.DataFrame) -> None:
    # Positive profits 30 + 5 = 35, losses -3 - 5 = -8, total 27.
    # Peak = 35/27 = 1.2963 (129.6 % of total profit) after 2 of 5 customers.
    # Loss share (Kaplan & Narayanan 2001: losses over gross profits) = 8/35 = 0.22857.
    peak = wh.whale_peak(five["profit"])
    assert peak["peak_pct"] == pytest.approx(35 / 27, rel=EXACT)
    assert peak["customers_at_peak"] == 2
    assert peak["customers_at_peak_pct"] == pytest.approx(0.4, rel=EXACT)
    assert peak["total_profit"] == pytest.approx(27.0, rel=EXACT)
    assert peak["profitable_profit"] == pytest.approx(35.0, rel=EXACT)
    assert peak["losses"] == pytest.approx(-8.0, rel=EXACT)
    share = wh.loss_share(five["profit"])
    assert share == pytest.approx(8 / 35, rel=EXACT)
    # The peak exceeds 100 % by the losses as a share of *total* profit (8/27), and equals
    # 1/(1 - loss share) = 1/(27/35) = 35/27; it is not 1 + loss share (= 43/35).
    assert peak["peak_pct"] == pytest.approx(1 + 8 / 27, rel=EXACT)
    assert peak["peak_pct"] == pytest.approx(1 / (1 - share), rel=EXACT)
    assert peak["peak_pct"] != pytest.approx(1 + share, rel=1e-3)


def test_ties_are_broken_by_customer_id() -> None:
    profit = pd.Series({"b": 10.0, "a": 10.0, "c": -1.0, "z": 10.0})
    assert wh.whale_curve(profit)["customer_id"].tolist() == ["a", "b", "z", "c"]


def test_all_customers_losing_money() -> None:
    profit = pd.Series({"a": -1.0, "b": -4.0})
    curve = wh.whale_curve(profit)
    assert curve["cumulative_profit_pct"].isna().all()
    assert "total profit is -5" in curve.attrs["undefined"]
    np.testing.assert_allclose(curve["cumulative_profit"], [-1.0, -5.0])
    with pytest.raises(DegenerateDataError):
        wh.whale_peak(profit)
    with pytest.raises(DivisionByZeroError):
        wh.loss_share(profit)


def test_zero_total_profit_and_no_customer() -> None:
    profit = pd.Series({"a": 5.0, "b": -5.0})
    assert wh.whale_curve(profit)["cumulative_profit_pct"].isna().all()
    with pytest.raises(DivisionByZeroError):
        wh.whale_peak(profit)
    assert wh.loss_share(profit) == 1.0  # 5 lost for 5 earned
    empty = pd.Series([], dtype=float)
    assert len(wh.whale_curve(empty)) == 0
    with pytest.raises(DivisionByZeroError):
        wh.whale_peak(empty)


def test_one_customer() -> None:
    profit = pd.Series({"only": 12.5})
    curve = wh.whale_curve(profit, pd.Series({"only": 100.0}))
    assert curve["cumulative_profit_pct"].tolist() == [1.0]
    assert curve["cumulative_revenue_pct"].tolist() == [1.0]
    assert wh.whale_peak(profit)["peak_pct"] == 1.0
    assert wh.loss_share(profit) == 0.0


def test_zero_revenue_gives_undefined_revenue_share() -> None:
    curve = wh.whale_curve(pd.Series({"a": 1.0, "b": 2.0}), pd.Series({"a": 0.0, "b": 0.0}))
    assert curve["cumulative_revenue_pct"].isna().all()
    assert "net revenue" in curve.attrs["undefined"]


@pytest.mark.parametrize(
    "profit, revenue",
    [
        (pd.Series({"a": 1.0, "b": np.nan}), None),
        (pd.Series({"a": 1.0, "b": np.inf}), None),
        (pd.Series([1.0, 2.0], index=["a", "a"]), None),
        (pd.Series({"a": "lots"}), None),
        ([1.0, 2.0], None),
        (pd.Series({"a": 1.0, "b": 2.0}), pd.Series({"a": 1.0})),
    ],
)
def test_whale_curve_rejects_bad_input(profit: object, revenue: object) -> None:
    with pytest.raises(ArgumentError):
        wh.whale_curve(profit, revenue)  # type: ignore[arg-type]


profits = st.lists(st.integers(-10_000, 10_000).map(lambda cents: cents / 100), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(values=profits)
def test_whale_identities(values: list[float]) -> None:
    profit = pd.Series(values, index=[f"C{k:03d}" for k in range(len(values))])
    cents = [round(v * 100) for v in values]
    positive = sum(c for c in cents if c > 0) / 100
    total = sum(cents) / 100
    curve = wh.whale_curve(profit)
    assert curve["cumulative_customers_pct"].iloc[-1] == 1.0
    assert curve["profit"].is_monotonic_decreasing
    if total < 0:
        assert curve["cumulative_profit_pct"].isna().all()
    if total <= 0:  # a zero total in cents may leave a float residue of either sign
        return
    # The curve ends at exactly 100 % and peaks at Σ positive / total.
    assert curve["cumulative_profit_pct"].iloc[-1] == 1.0
    peak = wh.whale_peak(profit)
    assert peak["peak_pct"] == pytest.approx(curve["cumulative_profit_pct"].max(), rel=1e-12)
    assert peak["peak_pct"] == pytest.approx(positive / total, rel=1e-9)
    assert peak["peak_pct"] == pytest.approx(1 / (1 - wh.loss_share(profit)), rel=1e-9)
    assert peak["total_profit"] == pytest.approx(
        peak["profitable_profit"] + peak["losses"], rel=1e-9, abs=1e-9
    )
    assert peak["customers_at_peak"] == sum(v > 0 for v in values)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=profits, data=st.data())
def test_whale_does_not_depend_on_row_order(values: list[float], data: st.DataObject) -> None:
    profit = pd.Series(values, index=[f"C{k:03d}" for k in range(len(values))])
    revenue = profit.abs() * 3
    order = data.draw(st.permutations(range(len(values))))
    shuffled = profit.iloc[order]
    pd.testing.assert_frame_equal(
        wh.whale_curve(profit, revenue), wh.whale_curve(shuffled, revenue.iloc[order])
    )
    if profit.sum() > 1e-9:
        assert wh.whale_peak(profit) == wh.whale_peak(shuffled)
    if (profit > 0).any():
        assert wh.loss_share(profit) == wh.loss_share(shuffled)


# --------------------------------------------------------------------------- deciles


def ladder(count: int) -> pd.DataFrame:
    """Customers C01..Cnn with profit n..1, net revenue 10 each, cost-to-serve 1 each."""
    profit = np.arange(count, 0, -1, dtype=float)
    return pd.DataFrame(
        {
            "net_revenue": 10.0,
            "gross_margin": profit + 1,
            "cost_to_serve": 1.0,
            "contribution": profit,
            "profit": profit,
        },
        index=pd.Index([f"C{k:02d}" for k in range(1, count + 1)], name="customer_id"),
    )


def test_deciles_worked_example() -> None:
    # 12 customers with profits 12, 11, ..., 1: 12 = 10·1 + 2, so deciles 1 and 2 hold two
    # customers (12 + 11 = 23, 10 + 9 = 19) and deciles 3..10 one each (8, 7, ..., 1).
    # Total 78; cumulative share of decile 1 = 23/78, of decile 2 = 42/78.
    table = wh.deciles(ladder(12))
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["customers"].tolist() == [2, 2, 1, 1, 1, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(table["profit"], [23, 19, 8, 7, 6, 5, 4, 3, 2, 1], rtol=EXACT)
    np.testing.assert_allclose(table["net_revenue"], [20, 20, 10, 10, 10, 10, 10, 10, 10, 10], rtol=EXACT)
    # margin % of decile 1: 23 / 20 = 1.15
    assert table["margin_pct"].iloc[0] == pytest.approx(23 / 20, rel=EXACT)
    np.testing.assert_allclose(table["cumulative_profit_pct"].iloc[:2], [23 / 78, 42 / 78], rtol=EXACT)
    assert table["cumulative_profit_pct"].iloc[-1] == 1.0


def test_deciles_with_fewer_than_ten_customers() -> None:
    table = wh.deciles(ladder(3))
    assert table["customers"].tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert (table["profit"].iloc[3:] == 0).all()
    assert table["margin_pct"].iloc[3:].isna().all()


def test_deciles_by_another_column_and_bad_column() -> None:
    frame = ladder(10)
    frame["net_revenue"] = np.arange(1, 11, dtype=float)  # C10 has the most revenue
    assert wh.deciles(frame, by="net_revenue")["profit"].iloc[0] == 1.0  # C10's profit
    with pytest.raises(ArgumentError, match="missing_column"):
        wh.deciles(frame, by="missing_column")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(values=profits, data=st.data())
def test_deciles_properties(values: list[float], data: st.DataObject) -> None:
    count = len(values)
    frame = ladder(count)
    frame["profit"] = values
    frame["contribution"] = np.array(values) + 1
    table = wh.deciles(frame)
    sizes = table["customers"].to_numpy()
    assert sizes.sum() == count and sizes.max() - sizes.min() <= 1 and (np.diff(sizes) <= 0).all()
    assert table["profit"].sum() == pytest.approx(sum(values), abs=1e-6)
    mean = table["profit"][sizes > 0] / sizes[sizes > 0]
    assert (np.diff(mean.to_numpy()) <= 1e-9).all()  # ranked by profit: averages never rise
    order = data.draw(st.permutations(range(count)))
    pd.testing.assert_frame_equal(table, wh.deciles(frame.iloc[order]))


# --------------------------------------------------------------------------- matrix


def test_profitability_matrix_worked_example(five: pd.DataFrame) -> None:
    # Net price = net / gross; cost-to-serve % = cts / net (Shapiro et al. 1987 axes).
    #   a 100/120 = 0.8333, 10/100 = 0.100      b 90/100 = 0.900, 30/90 = 0.3333
    #   c  40/50  = 0.8000,  5/40  = 0.125      d 60/80  = 0.750, 25/60 = 0.4167
    #   e has no net revenue -> "n/a"
    # Default thresholds over a-d: 290/350 = 0.828571 and 70/290 = 0.241379.
    matrix = mx.profitability_matrix(five)
    assert matrix.attrs["price_threshold"] == pytest.approx(290 / 350, rel=EXACT)
    assert matrix.attrs["cost_threshold"] == pytest.approx(70 / 290, rel=EXACT)
    assert mx.matrix_thresholds(five) == pytest.approx((290 / 350, 70 / 290), rel=EXACT)
    assert matrix["quadrant"].to_dict() == {
        "a": "passive",
        "b": "carriage trade",
        "c": "bargain basement",
        "d": "aggressive",
        "e": "n/a",
    }
    assert matrix.loc["a", "net_price_pct"] == pytest.approx(100 / 120, rel=EXACT)
    assert matrix.loc["d", "cost_to_serve_pct"] == pytest.approx(25 / 60, rel=EXACT)
    assert np.isnan(matrix.loc["e", "cost_to_serve_pct"])
    assert matrix.loc["e", "net_price_pct"] == 0.0


def test_profitability_matrix_explicit_thresholds(five: pd.DataFrame) -> None:
    # Price threshold 0.85: only b (0.90) is high price; cost threshold 0.2: b and d are high cost.
    matrix = mx.profitability_matrix(five, price_threshold=0.85, cost_threshold=0.2)
    assert matrix["quadrant"].to_dict() == {
        "a": "bargain basement",
        "b": "carriage trade",
        "c": "bargain basement",
        "d": "aggressive",
        "e": "n/a",
    }
    with pytest.raises(ArgumentError, match="price_threshold"):
        mx.profitability_matrix(five, price_threshold=-0.1)
    with pytest.raises(ArgumentError, match="cost_threshold"):
        mx.profitability_matrix(five, cost_threshold=float("nan"))


def test_quadrant_scalar() -> None:
    assert mx.quadrant(0.9, 0.30, 0.8, 0.2) == "carriage trade"
    assert mx.quadrant(0.9, 0.10, 0.8, 0.2) == "passive"
    assert mx.quadrant(0.7, 0.10, 0.8, 0.2) == "bargain basement"
    assert mx.quadrant(0.7, 0.30, 0.8, 0.2) == "aggressive"
    assert mx.quadrant(0.8, 0.2, 0.8, 0.2) == "carriage trade"  # on a threshold counts as high
    with pytest.raises(ArgumentError, match="net_price_pct"):
        mx.quadrant(float("nan"), 0.1, 0.8, 0.2)
    with pytest.raises(ArgumentError, match="cost_threshold"):
        mx.quadrant(0.9, 0.1, 0.8, "high")  # type: ignore[arg-type]


def test_quadrant_summary(five: pd.DataFrame) -> None:
    summary = mx.quadrant_summary(mx.profitability_matrix(five), five)
    assert summary["quadrant"].tolist() == [*mx.QUADRANTS, "n/a"]
    assert summary["customers"].tolist() == [1, 1, 1, 1, 1]
    assert summary["profit"].tolist() == [0.0, 30.0, 5.0, -5.0, -3.0]  # b, a, c, d, e
    # Shares: revenue of passive (a) 100/290; profit of passive 30/27.
    assert summary.set_index("quadrant").loc["passive", "revenue_pct"] == pytest.approx(100 / 290, rel=EXACT)
    assert summary.set_index("quadrant").loc["passive", "profit_pct"] == pytest.approx(30 / 27, rel=EXACT)
    # All four quadrants are present even when empty.  A lone customer sits on the default
    # thresholds (its own ratios), which count as high price and high cost.
    only = five.loc[["a"]]
    small = mx.quadrant_summary(mx.profitability_matrix(only), only)
    assert small["customers"].tolist() == [1, 0, 0, 0, 0]
    with pytest.raises(ArgumentError, match="matrix"):
        mx.quadrant_summary(mx.profitability_matrix(five), five.loc[["a", "b"]])


def test_matrix_when_no_customer_has_revenue(five: pd.DataFrame) -> None:
    frame = five.assign(net_revenue=0.0)
    matrix = mx.profitability_matrix(frame)
    assert (matrix["quadrant"] == "n/a").all()
    assert np.isnan(matrix.attrs["price_threshold"])
    summary = mx.quadrant_summary(matrix, frame)
    assert summary["customers"].tolist() == [0, 0, 0, 0, 5]
    assert summary["revenue_pct"].isna().all()


@st.composite
def customer_tables(draw: st.DrawFn, min_size: int = 1) -> pd.DataFrame:
    count = draw(st.integers(min_size, 25))
    money = st.integers(0, 100_000).map(lambda cents: cents / 100)
    gross = np.array(draw(st.lists(money, min_size=count, max_size=count)))
    discount = np.array(draw(st.lists(st.floats(0, 0.5), min_size=count, max_size=count)))
    net = np.round(gross * (1 - discount), 2)
    cost = np.array(draw(st.lists(money, min_size=count, max_size=count))) / 4
    margin = np.round(net * 0.4, 2)
    profit = margin - cost
    labels = st.sampled_from(["North", "South", None, "", "East"])
    return pd.DataFrame(
        {
            "gross_revenue": gross,
            "net_revenue": net,
            "gross_margin": margin,
            "cost_to_serve": cost,
            "contribution": profit,
            "profit": profit,
            "discounted_revenue": np.round(net * discount, 2),
            "segment": draw(st.lists(labels, min_size=count, max_size=count)),
            "channel": draw(st.lists(st.sampled_from(["web", "field"]), min_size=count, max_size=count)),
            "region": draw(st.lists(labels, min_size=count, max_size=count)),
        },
        index=pd.Index([f"K{k:03d}" for k in range(count)], name="customer_id"),
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(frame=customer_tables(), data=st.data())
def test_matrix_agrees_with_scalar_and_ignores_row_order(frame: pd.DataFrame, data: st.DataObject) -> None:
    matrix = mx.profitability_matrix(frame)
    price, cost = matrix.attrs["price_threshold"], matrix.attrs["cost_threshold"]
    placed = matrix[matrix["quadrant"] != "n/a"]
    assert (
        (frame.loc[placed.index, "net_revenue"] > 0) & (frame.loc[placed.index, "gross_revenue"] > 0)
    ).all()
    for customer, row in placed.iterrows():
        assert row["quadrant"] == mx.quadrant(row["net_price_pct"], row["cost_to_serve_pct"], price, cost), (
            customer
        )
    order = data.draw(st.permutations(range(len(frame))))
    pd.testing.assert_frame_equal(matrix, mx.profitability_matrix(frame.iloc[order]))
    summary = mx.quadrant_summary(matrix, frame)
    pd.testing.assert_frame_equal(summary, mx.quadrant_summary(matrix.iloc[order], frame.iloc[order]))
    assert summary["customers"].sum() == len(frame)
    assert summary["profit"].sum() == pytest.approx(frame["profit"].sum(), abs=1e-6)


# --------------------------------------------------------------------------- dimensions


def test_by_dimension_worked_example(five: pd.DataFrame) -> None:
    # segment: A = a + d (profit 30 - 5 = 25, revenue 160, one loss maker); blank = c (None)
    # and e ("") together: profit 5 - 3 = 2, revenue 40; B = b: profit 0, revenue 90.
    table = sg.by_dimension(five)
    segment = table[table["dimension"] == "segment"]
    assert segment["value"].tolist() == ["A", "(blank)", "B"]  # profit descending
    assert segment["customers"].tolist() == [2, 2, 1]
    assert segment["profit"].tolist() == [25.0, 2.0, 0.0]
    assert segment["loss_makers"].tolist() == [1, 1, 0]
    assert segment["margin_pct"].iloc[0] == pytest.approx(25 / 160, rel=EXACT)
    assert table["dimension"].unique().tolist() == ["segment", "channel", "region"]
    for _, rows in table.groupby("dimension"):
        assert rows["profit"].sum() == pytest.approx(27.0, rel=EXACT)
        assert rows["customers"].sum() == 5


def test_by_dimension_single_and_missing(five: pd.DataFrame) -> None:
    table = sg.by_dimension(five, "channel")
    assert table["value"].tolist() == ["x", "y"]
    with pytest.raises(ArgumentError, match="product_line"):
        sg.by_dimension(five, ["segment", "product_line"])
    with pytest.raises(ArgumentError, match="dimensions"):
        sg.by_dimension(five, [])


def test_by_dimension_all_blank(five: pd.DataFrame) -> None:
    table = sg.by_dimension(five.assign(region=np.nan), "region")
    assert table["value"].tolist() == ["(blank)"]
    assert table["customers"].tolist() == [5]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(frame=customer_tables(), data=st.data())
def test_by_dimension_and_discount_dependency_ignore_row_order(
    frame: pd.DataFrame, data: st.DataObject
) -> None:
    order = data.draw(st.permutations(range(len(frame))))
    pd.testing.assert_frame_equal(sg.by_dimension(frame), sg.by_dimension(frame.iloc[order]))
    pd.testing.assert_series_equal(sg.discount_dependency(frame), sg.discount_dependency(frame.iloc[order]))


def test_discount_dependency(five: pd.DataFrame) -> None:
    # a 50/100, b 0/90, c 40/40, d 10/60; e has no net revenue.
    ratio = sg.discount_dependency(five)
    np.testing.assert_allclose(ratio.iloc[:4], [0.5, 0.0, 1.0, 1 / 6], rtol=EXACT)
    assert np.isnan(ratio["e"])
    assert ratio.name == "discount_dependency"


def test_customer_id_column_is_accepted(five: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(wh.deciles(five.reset_index()), wh.deciles(five))
    with pytest.raises(ArgumentError, match="one row per customer_id"):
        wh.deciles(pd.concat([five, five.iloc[:1]]))


# --------------------------------------------------------------------------- trend

QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]
STARTS = pd.to_datetime(["2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01", "2026-01-01", "2026-04-01"])
MINUS, ARROW = "\u2212", " \u2192 "


def trend_rows(
    customer: str,
    lines: list[float],
    net: list[float],
    cost: list[float],
    bad_debt: list[float],
    contribution: list[float],
    periods: list[str] | None = None,
) -> pd.DataFrame:
    periods = periods or QUARTERS[: len(lines)]
    starts = [STARTS[QUARTERS.index(p)] for p in periods]
    return pd.DataFrame(
        {
            "customer_id": customer,
            "period": periods,
            "period_start": starts,
            "net_revenue": net,
            "gross_margin": np.array(net) * 0.4,
            "cost_to_serve": cost,
            "commissions": 0.0,
            "cost_of_credit": 0.0,
            "bad_debt": bad_debt,
            "contribution": contribution,
            "orders": 1.0,
            "lines": lines,
            "units": lines,
        }
    )


@pytest.fixture
def trend() -> pd.DataFrame:
    # Six quarters: the earlier level is the median of the first four (the mean of the middle
    # two), the recent level the median of the last two (their mean). Materiality 1,200 a
    # year is 300 a quarter.
    return pd.concat(
        [
            trend_rows("falling", [30, 32, 28, 30, 15, 17], [10_000, 11_000, 9_000, 10_400, 6_000, 6_400],
                       [800] * 6, [0] * 6, [2_000, 2_200, 1_800, 2_100, 1_000, 1_100]),
            trend_rows("turning", [20, 22, 18, 20, 10, 12], [5_000, 5_400, 4_600, 5_000, 2_500, 2_900],
                       [400, 450, 350, 400, 900, 1_000], [0] * 6, [800, 850, 750, 800, -300, -200]),
            # one sales visit (255) more in two quarters: lumpy, not a trend
            trend_rows("lumpy", [10] * 6, [2_000] * 6, [100, 100, 355, 100, 100, 355], [0] * 6,
                       [300, 300, 45, 300, 300, 45]),
            trend_rows("sour", [20] * 6, [3_000] * 6, [300] * 6, [0, 0, 0, 0, 600, 800],
                       [600, 600, 600, 600, -400, -600]),
            # a sign change of a few euros is not "turned unprofitable"
            trend_rows("small", [3] * 6, [200] * 6, [50, 50, 50, 50, 100, 120], [0] * 6,
                       [40, 40, 40, 40, -20, -30]),
            trend_rows("gone", [40] * 4, [4_000] * 4, [300] * 4, [0] * 4, [900] * 4),
            trend_rows("new", [10, 10], [100, 100], [5, 5], [0, 0], [20, 20], periods=QUARTERS[4:]),
            trend_rows("steady", [50, 52, 49, 51, 50, 50], [5_000, 5_100, 4_900, 5_050, 5_000, 5_000], [400] * 6,
                       [0] * 6, [1_000] * 6),
        ],
        ignore_index=True,
    )


WARNING_COLUMNS = ["falling_volume", "rising_cost_to_serve", "growing_bad_debt", "falling_contribution",
                   "turned_unprofitable"]


def test_trend_flags_worked_example(trend: pd.DataFrame) -> None:
    flags = tr.trend_flags(trend)
    assert flags.index.tolist() == ["falling", "gone", "lumpy", "new", "small", "sour", "steady", "turning"]
    assert tuple(WARNING_COLUMNS) == tr.WARNINGS
    # falling: net revenue median (10,000 + 10,400)/2 = 10,200 earlier, (6,000 + 6,400)/2 = 6,200
    # recently: -39 %, 4,000 ≥ 300 a quarter; lines 30 -> 16: -47 %. Contribution 2,050 -> 1,050
    # fell 1,000 ≥ 300 but less than 10 % of 10,200: volume alone, not flagged.
    assert flags.loc["falling", "net_revenue_earlier"] == 10_200.0
    assert flags.loc["falling", "net_revenue_recent"] == 6_200.0
    assert flags.loc["falling", "net_revenue_change"] == pytest.approx(6_200 / 10_200 - 1, rel=EXACT)
    assert flags.loc["falling", "lines_change"] == pytest.approx(16 / 30 - 1, rel=EXACT)
    assert flags.loc["falling", "reasons"] == (
        f"net revenue fell 39% (10,200{ARROW}6,200 per quarter), lines fell 47% (30{ARROW}16)")
    assert flags.loc["falling", WARNING_COLUMNS].tolist() == [True, False, False, False, False]
    # turning: net revenue 5,000 -> 2,700 (-46 %), lines 20 -> 11 (-45 %); cost-to-serve 400 -> 950
    # (+138 %, +550 ≥ 300); contribution 800 -> -250 fell 1,050 ≥ 300 and ≥ 10 % of 5,000, but
    # -250 is not below -300: not "turned unprofitable".
    assert flags.loc["turning", "reasons"] == (
        f"net revenue fell 46% (5,000{ARROW}2,700 per quarter), lines fell 45% (20{ARROW}11); "
        f"cost-to-serve rose 138% (400{ARROW}950 per quarter); "
        f"contribution fell 1,050 per quarter (800{ARROW}{MINUS}250)")
    assert flags.loc["turning", WARNING_COLUMNS].tolist() == [True, True, False, True, False]
    # lumpy: cost-to-serve 100 -> 227.5 (+128 %) but +127.5 a quarter is below 300.
    assert flags.loc["lumpy", "cost_to_serve_recent"] == 227.5
    assert flags.loc["lumpy", "reasons"] == "" and not flags.loc["lumpy", WARNING_COLUMNS].any()
    # sour: bad debt 0 -> 700 a quarter, 23 % of 3,000; contribution 600 -> -500: turned unprofitable.
    assert flags.loc["sour", "reasons"] == (
        f"bad debt rose (0{ARROW}700 per quarter, 23% of net revenue); "
        f"turned unprofitable (contribution 600{ARROW}{MINUS}500 per quarter)")
    assert flags.loc["sour", WARNING_COLUMNS].tolist() == [False, False, True, True, True]
    # small: contribution 40 -> -25 and cost-to-serve 50 -> 110: not material.
    assert flags.loc["small", "contribution_recent"] == -25.0
    assert flags.loc["small", "reasons"] == "" and not flags.loc["small", WARNING_COLUMNS].any()
    # gone: four quarters of 4,000, then nothing: lapsed, not turning.
    assert flags.loc["gone", ["periods", "periods_active"]].tolist() == [6, 4]
    assert flags.loc["gone", "assessed"] and flags.loc["gone", "lapsed"]
    assert flags.loc["gone", "last_active_period"] == "2025Q4"
    assert flags.loc["gone", "reasons"] == (
        "lapsed: no purchase since 2025Q4 (net revenue 4,000 per quarter while buying)")
    assert not flags.loc["gone", [*WARNING_COLUMNS, "flagged"]].any()
    # new: two periods of activity only.
    assert flags.loc["new", "periods"] == 2 and not flags.loc["new", "assessed"] and not flags.loc["new", "lapsed"]
    assert np.isnan(flags.loc["new", "net_revenue_earlier"])
    assert flags.loc["steady", "reasons"] == ""
    # the headline flag (trend.headline_flag): turned unprofitable, bad debt, or falling volume
    # with rising cost-to-serve or falling contribution
    assert flags.index[flags["flagged"]].tolist() == ["sour", "turning"]
    pd.testing.assert_series_equal(tr.headline_flag(flags), flags["flagged"], check_names=False)


def test_materiality_and_period_length(trend: pd.DataFrame) -> None:
    # Without materiality the few euros of "small" turn it unprofitable (40 ≥ 0, -25 ≤ 0) ...
    loose = tr.trend_flags(trend, materiality=0.0)
    assert loose.loc["small", "turned_unprofitable"] and loose.loc["small", "flagged"]
    # a lower relative threshold: 1,000 is 5 % of 10,200 or more, so "falling" is flagged too
    lower = tr.trend_flags(trend, contribution_drop=0.05)
    assert lower.loc["falling", "falling_contribution"] and lower.loc["falling", "flagged"]
    # ... and monthly periods: 1,200 a year is 100 a month, and the reasons say "per month".
    monthly = tr.trend_flags(trend, periods_per_year=12)
    assert monthly.loc["lumpy", "rising_cost_to_serve"]  # +127.5 ≥ 100
    assert monthly.loc["turning", "reasons"].startswith(f"net revenue fell 46% (5,000{ARROW}2,700 per month)")
    # a stricter relative threshold: a 46 % fall is not 50 %
    assert not tr.trend_flags(trend, volume_drop=0.5).loc["turning", "falling_volume"]


def test_recent_periods_takes_medians_of_three() -> None:
    # Recent = the last three quarters: median of 6,000, 9,900 and 6,400 is 6,400 (one good
    # quarter does not hide the fall); earlier median of 10,000, 11,000, 9,000 is 10,000.
    rows = trend_rows("x", [30, 32, 28, 15, 30, 17], [10_000, 11_000, 9_000, 6_000, 9_900, 6_400], [800] * 6,
                      [0] * 6, [2_000] * 6)
    flags = tr.trend_flags(rows, recent_periods=3)
    assert flags.loc["x", ["net_revenue_earlier", "net_revenue_recent", "lines_earlier", "lines_recent"]].tolist() \
        == [10_000.0, 6_400.0, 30.0, 17.0]
    assert flags.loc["x", "falling_volume"]


def test_window_median_is_numpys_median() -> None:
    rng = np.random.default_rng(7)
    grid = rng.normal(size=(50, 7))
    inside = rng.random((50, 7)) < 0.6
    got = tr._window_median(grid, inside)
    for k in range(50):
        values = grid[k, inside[k]]
        if len(values):
            assert got[k] == pytest.approx(np.median(values), rel=1e-15)
        else:
            assert np.isnan(got[k])


def test_trend_period_order_follows_period_start() -> None:
    # Labels in reverse alphabetical order of time: "d" is the first quarter.
    rows = trend_rows("x", [100, 100, 50, 50], [1000, 1000, 500, 500], [0] * 4, [0] * 4, [1] * 4)
    rows["period"] = ["d", "c", "b", "a"]
    flags = tr.trend_flags(rows)
    assert flags.loc["x", "lines_change"] == pytest.approx(-0.5, rel=EXACT)
    assert flags.loc["x", "falling_volume"]  # 1,000 -> 500 a quarter
    totals = tr.profit_trend(rows)
    assert totals["period"].tolist() == ["d", "c", "b", "a"]


def test_trend_flags_arguments(trend: pd.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="min_periods"):
        tr.trend_flags(trend, min_periods=1)
    with pytest.raises(ArgumentError, match="recent_periods"):
        tr.trend_flags(trend, recent_periods=4)
    with pytest.raises(ArgumentError, match="volume_drop"):
        tr.trend_flags(trend, volume_drop=1.5)
    with pytest.raises(ArgumentError, match="materiality"):
        tr.trend_flags(trend, materiality=-1.0)
    with pytest.raises(ArgumentError, match="periods_per_year"):
        tr.trend_flags(trend, periods_per_year=0)
    with pytest.raises(ArgumentError, match="bad_debt"):
        tr.trend_flags(trend.drop(columns="bad_debt"))
    with pytest.raises(ArgumentError, match="significance"):
        tr.trend_flags_and_totals(trend, significance=0.05)
    # whole numbers from a parameters cell arrive as floats
    pd.testing.assert_frame_equal(tr.trend_flags(trend, min_periods=4.0, recent_periods=2.0), tr.trend_flags(trend))


def test_trend_parameters_name_the_options() -> None:
    import inspect

    options = inspect.signature(tr.trend_flags).parameters
    for name, (option, kind, default, meaning) in tr.TREND_PARAMETERS.items():
        assert name.startswith("trend_") and option in options and options[option].default == default
        assert kind in ("number", "rate") and meaning


def test_profit_trend_worked_example(trend: pd.DataFrame) -> None:
    totals = tr.profit_trend(trend)
    assert totals["period"].tolist() == QUARTERS
    # 2025Q1: 10,000 + 5,000 + 2,000 + 3,000 + 200 + 4,000 + 5,000 = 29,200.
    assert totals["net_revenue"].iloc[0] == 29_200.0
    # Seven customers active in 2025, six in 2026 once "gone" stops, seven again with "new".
    assert totals["customers_active"].tolist() == [7, 7, 7, 7, 7, 7]
    # turning, sour and small are loss makers in the two 2026 quarters.
    assert totals["loss_makers"].tolist() == [0, 0, 0, 0, 3, 3]
    assert totals["contribution"].iloc[4] == 1_000 - 300 + 300 - 400 - 20 + 20 + 1_000


@st.composite
def trends(draw: st.DrawFn) -> pd.DataFrame:
    customers = draw(st.integers(1, 6))
    frames = []
    for k in range(customers):
        start = draw(st.integers(0, 4))
        stop = draw(st.integers(start + 1, len(QUARTERS)))
        periods = QUARTERS[start:stop]
        count = len(periods)
        numbers = st.lists(st.integers(0, 200).map(float), min_size=count, max_size=count)
        contribution = st.lists(st.integers(-100, 200).map(float), min_size=count, max_size=count)
        frames.append(
            trend_rows(
                f"T{k}",
                draw(numbers),
                [v * 10 for v in draw(numbers)],
                [v * 5 for v in draw(numbers)],
                [v * 5 for v in draw(numbers)],
                [v * 10 for v in draw(contribution)],
                periods=periods,
            )
        )
    return pd.concat(frames, ignore_index=True)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(trend=trends(), data=st.data())
def test_trend_does_not_depend_on_row_order(trend: pd.DataFrame, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(trend))))
    flags = tr.trend_flags(trend)
    pd.testing.assert_frame_equal(flags, tr.trend_flags(trend.iloc[order]))
    pd.testing.assert_frame_equal(tr.profit_trend(trend), tr.profit_trend(trend.iloc[order]))
    warned = flags[WARNING_COLUMNS].any(axis=1)
    assert not warned[~flags["assessed"] | flags["lapsed"]].any()
    assert (flags["reasons"] != "").equals(warned | flags["lapsed"])
    assert not (flags["flagged"] & ~warned).any()
    assert (flags["periods_active"] <= flags["periods"]).all()


@settings(max_examples=25, deadline=None, derandomize=True)
@given(trend=trends(), block=st.integers(min_value=1, max_value=4))
def test_trend_flags_do_not_depend_on_the_customer_block(trend: pd.DataFrame, block: int) -> None:
    whole = tr.trend_flags(trend)
    original = tr._FLAG_BLOCK
    tr._FLAG_BLOCK = block  # the grids are made this many customers at a time
    try:
        in_blocks = tr.trend_flags(trend)
    finally:
        tr._FLAG_BLOCK = original
    pd.testing.assert_frame_equal(in_blocks, whole)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(trend=trends(), min_periods=st.integers(3, 5))
def test_flags_and_totals_read_once_are_the_two_functions(trend: pd.DataFrame, min_periods: int) -> None:
    flags, totals = tr.trend_flags_and_totals(trend, min_periods=min_periods, materiality=600.0)
    pd.testing.assert_frame_equal(flags, tr.trend_flags(trend, min_periods=min_periods, materiality=600.0))
    pd.testing.assert_frame_equal(totals, tr.profit_trend(trend))
    with pytest.raises(ArgumentError, match="min_periods"):
        tr.trend_flags_and_totals(trend, min_periods=1)


def test_turned_unprofitable_text_groups_thousands() -> None:
    # Contribution 500 in each of four quarters, then -12,000.4 and -345.2: recent level -6,172.8.
    rows = trend_rows("big", [20] * 6, [3_000] * 6, [30] * 6, [0] * 6, [500, 500, 500, 500, -12_000.4, -345.2])
    flags = tr.trend_flags(rows)
    assert flags.loc["big", "reasons"] == (
        f"turned unprofitable (contribution 500{ARROW}{MINUS}6,173 per quarter)")
    one = tr.trend_flags(rows.assign(contribution=[500, 500, 500, 500, 500, -1_234_567.0]), recent_periods=1)
    assert one.loc["big", "reasons"] == f"turned unprofitable (contribution 500{ARROW}{MINUS}1,234,567 per quarter)"
    with pytest.raises(ArgumentError, match="lines"):
        tr.trend_flags(rows.assign(lines="many"))


def test_trend_with_one_or_two_periods() -> None:
    # Too short to compare: nobody is assessed, without warnings.
    for count in (1, 2):
        rows = trend_rows("short", [5] * count, [50] * count, [1] * count, [0] * count, [-3] * count)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            flags = tr.trend_flags(rows)
        assert np.isnan(flags.loc["short", "net_revenue_earlier"]) or count == 2
        assert not flags.loc["short", "flagged"] and not flags.loc["short", "assessed"]


def test_constant_customer_is_never_flagged() -> None:
    rows = trend_rows("flat", [20] * 6, [3_000] * 6, [300] * 6, [30] * 6, [500] * 6)
    flags = tr.trend_flags(rows)
    assert not flags.loc["flat", "flagged"] and flags.loc["flat", "reasons"] == ""
    assert flags.loc["flat", "net_revenue_change"] == 0.0
