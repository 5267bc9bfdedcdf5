"""Break-even of a customer (core.breakeven and XLP_BREAKEVEN through xlwings' Office.js call path).

Golden values: the cost-volume-profit example of Horngren, Datar & Rajan, *Cost Accounting: A
Managerial Emphasis*, chapter 3 (price 200, variable cost 120, fixed costs 2,000: break-even
2,000 / 80 = 25 units, revenue 5,000), and hand-computed cases whose arithmetic is in the
comments. Tolerance 1e-12 relative: a handful of float64 operations.
"""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlprofit
from tests.conftest import office_js
from xlprofit.core import breakeven as be
from xlprofit.errors import ArgumentError

EXACT = 1e-12


# --------------------------------------------------------------------------- closed forms


def test_horngren_cvp_example_by_margin_and_by_order() -> None:
    # Horngren et al., ch. 3: price 200, variable cost 120, fixed 2,000 -> 25 units, revenue 5,000.
    # As a margin ratio: g = 80/200 = 0.4, nothing per order.
    assert be.breakeven_revenue(0.4, 0.0, 0.0, 2000.0, net_revenue=200.0, orders=1) == pytest.approx(5000.0, rel=EXACT)
    # As a cost per order: each order (one unit of 200) costs 120; g = 1.
    assert be.breakeven_revenue(1.0, 0.0, 120.0, 2000.0, net_revenue=200.0, orders=1) == pytest.approx(5000.0,
                                                                                                     rel=EXACT)
    assert be.breakeven_orders(1.0, 0.0, 120.0, 2000.0, net_revenue=200.0, orders=1) == pytest.approx(25.0, rel=EXACT)
    # The order size that breaks even at 25 orders is the price: (120 + 2000/25) / 1 = 200.
    assert be.breakeven_order_size(1.0, 0.0, 120.0, 2000.0, orders=25) == pytest.approx(200.0, rel=EXACT)


def test_worked_example_of_a_customer() -> None:
    # g = 0.25, v = 0.05, c = 40 per order, F = 3,000; now 50 orders for 20,000 (400 each).
    # Revenue at 400 per order: 3000 / (0.25 - 0.05 - 40/400) = 3000 / 0.10 = 30,000, i.e. 75 orders;
    # check: 0.20 × 30,000 - 40 × 75 - 3,000 = 0.
    # Order size at 50 orders: (40 + 3000/50) / 0.20 = 500; check: 0.20 × 25,000 - 40 × 50 - 3,000 = 0.
    args = (0.25, 0.05, 40.0, 3000.0)
    assert be.breakeven_revenue(*args, net_revenue=20_000.0, orders=50) == pytest.approx(30_000.0, rel=EXACT)
    assert be.breakeven_orders(*args, net_revenue=20_000.0, orders=50) == pytest.approx(75.0, rel=EXACT)
    assert be.breakeven_order_size(*args, orders=50) == pytest.approx(500.0, rel=EXACT)


def test_no_break_even_and_no_order_size() -> None:
    # 0.25 - 0.05 - 80/400 = 0: each order just pays for itself, the fixed cost never -> inf.
    assert be.breakeven_revenue(0.25, 0.05, 80.0, 3000.0, net_revenue=20_000.0, orders=50) == np.inf
    assert be.breakeven_order_size(0.05, 0.05, 40.0, 3000.0, orders=50) == np.inf  # g = v
    assert np.isnan(be.breakeven_order_size(0.25, 0.05, 40.0, 3000.0, orders=0))
    # No orders: nothing per order, 3000 / 0.20 = 15,000; but no order size, so no orders figure.
    assert be.breakeven_revenue(0.25, 0.05, 40.0, 3000.0, net_revenue=0.0, orders=0) == pytest.approx(15_000.0)
    assert np.isnan(be.breakeven_orders(0.25, 0.05, 40.0, 3000.0, net_revenue=0.0, orders=0))
    assert np.isnan(be.breakeven_revenue(0.25, 0.05, 40.0, 3000.0, net_revenue=-5.0, orders=2))
    # No fixed cost and a positive margin: any revenue breaks even.
    assert be.breakeven_revenue(0.25, 0.05, 40.0, 0.0, net_revenue=20_000.0, orders=50) == 0.0


def test_arguments_are_checked_with_the_one_wording() -> None:
    with pytest.raises(ArgumentError, match="'gross_margin_pct' must be a finite number of at most 1; got 25"):
        be.breakeven_revenue(25, 0.05, 40.0, 3000.0, net_revenue=1.0, orders=1)
    with pytest.raises(ArgumentError, match="'variable_cost_pct' must be between 0 and 1"):
        be.breakeven_order_size(0.25, -0.1, 40.0, 3000.0, orders=1)
    with pytest.raises(ArgumentError, match="'fixed_cost' must be a finite number of at least 0"):
        be.breakeven_order_size(0.25, 0.1, 40.0, -1.0, orders=1)
    with pytest.raises(ArgumentError, match="'orders'"):
        be.breakeven_revenue(0.25, 0.1, 40.0, 1.0, net_revenue=1.0, orders=-1)


def test_vectors_broadcast_and_scalars_give_floats() -> None:
    out = be.breakeven_revenue(0.25, 0.05, 40.0, np.array([3000.0, 0.0]), net_revenue=20_000.0, orders=50)
    np.testing.assert_allclose(out, [30_000.0, 0.0], rtol=EXACT)
    assert isinstance(be.breakeven_order_size(0.25, 0.05, 40.0, 3000.0, orders=50), float)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    margin=st.floats(0.05, 0.9),
    variable=st.floats(0.0, 0.04),
    per_order=st.floats(0.0, 200.0),
    fixed=st.floats(0.0, 1e5),
    orders=st.integers(1, 500),
    size=st.floats(300.0, 1e4),
)
def test_contribution_is_zero_at_each_break_even(margin, variable, per_order, fixed, orders, size) -> None:
    def contribution(revenue: float, count: float) -> float:
        return (margin - variable) * revenue - per_order * count - fixed

    net = size * orders
    revenue = be.breakeven_revenue(margin, variable, per_order, fixed, net_revenue=net, orders=orders)
    if np.isfinite(revenue):
        count = be.breakeven_orders(margin, variable, per_order, fixed, net_revenue=net, orders=orders)
        assert count == pytest.approx(revenue / size, rel=1e-12)
        assert contribution(revenue, count) == pytest.approx(0.0, abs=1e-7 * max(fixed, 1.0))
    else:  # each order of this size loses money: contribution falls as revenue rises
        assert (margin - variable) * size <= per_order * (1 + 1e-12)
    order_size = be.breakeven_order_size(margin, variable, per_order, fixed, orders=orders)
    assert contribution(order_size * orders, orders) == pytest.approx(0.0, abs=1e-7 * max(fixed, 1.0))


# --------------------------------------------------------------------------- a customer P&L


ACTIVITIES = pd.DataFrame({
    "activity": ["Order handling", "Picking", "Sales visits", "Assortment", "Freight"],
    "level": ["order", "line", "customer", "product", "line"],
    "driver": ["orders", "lines", "visits", "products", "revenue"],
})


def pnl() -> pd.DataFrame:
    # A: net 20,000 in 50 orders, gross margin 5,000, commissions 600 + credit 300 + bad debt 100,
    #    order handling 1,500 + picking 500 (per order 40), visits 2,000 + assortment 1,000 (fixed 3,000),
    #    revenue-driven freight 0.
    # B: no orders, revenue 1,000; C: no revenue; D: each order loses money.
    frame = pd.DataFrame({
        "customer_id": ["B", "A", "C", "D"],
        "net_revenue": [1000.0, 20_000.0, 0.0, 4000.0],
        "gross_margin": [250.0, 5000.0, 0.0, 400.0],
        "commissions": [0.0, 600.0, 0.0, 40.0],
        "cost_of_credit": [0.0, 300.0, 0.0, 20.0],
        "bad_debt": [0.0, 100.0, 0.0, 0.0],
        "orders": [0.0, 50.0, 0.0, 10.0],
        "cts_Order handling": [0.0, 1500.0, 0.0, 300.0],
        "cts_Picking": [0.0, 500.0, 0.0, 100.0],
        "cts_Sales visits": [100.0, 2000.0, 50.0, 0.0],
        "cts_Assortment": [0.0, 1000.0, 0.0, 0.0],
        "cts_Freight": [20.0, 0.0, 0.0, 0.0],
    }).set_index("customer_id")
    frame["cost_to_serve"] = frame.filter(like="cts_").sum(axis=1)
    frame["contribution"] = (frame["gross_margin"] - frame["cost_to_serve"] - frame["commissions"]
                             - frame["cost_of_credit"] - frame["bad_debt"])
    return frame


def test_cost_structure_sorts_costs_by_how_they_move() -> None:
    split = be.cost_structure(pnl(), ACTIVITIES)
    assert split.index.tolist() == ["A", "B", "C", "D"]
    assert split.loc["A"].tolist() == [0.0, 2000.0, 3000.0]  # revenue, order (handling + picking), fixed
    assert split.loc["B"].tolist() == [20.0, 0.0, 100.0]  # freight is driven by revenue, whatever its level
    pd.testing.assert_series_equal(split.sum(axis=1), pnl()["cost_to_serve"].sort_index(), check_names=False)


def test_breakeven_of_every_customer() -> None:
    table = be.breakeven(pnl(), ACTIVITIES)
    a = table.loc["A"]
    # g = 0.25, v = 1000/20000 = 0.05, c = 2000/50 = 40, F = 3000: the worked example above.
    assert (a["gross_margin_pct"], a["variable_cost_pct"], a["cost_per_order"], a["fixed_cost"]) == \
        pytest.approx((0.25, 0.05, 40.0, 3000.0), rel=EXACT)
    assert a["average_order_size"] == pytest.approx(400.0, rel=EXACT)
    assert (a["breakeven_revenue"], a["breakeven_orders"], a["breakeven_order_size"]) == \
        pytest.approx((30_000.0, 75.0, 500.0), rel=EXACT)
    assert pd.isna(a["breakeven_reason"])
    # B: v = 20/1000 (freight), g = 0.25, F = 100: 100 / 0.23 = 434.78; no orders, no order size.
    b = table.loc["B"]
    assert b["breakeven_revenue"] == pytest.approx(100 / 0.23, rel=EXACT)
    assert np.isnan(b["breakeven_order_size"]) and np.isnan(b["breakeven_orders"])
    assert b["breakeven_reason"] == "no orders"
    assert table.loc["C", "breakeven_reason"] == "no positive net revenue"
    assert table.loc["C"].drop("breakeven_reason")[["gross_margin_pct", "breakeven_revenue"]].isna().all()
    # D: g = 0.1, v = 0.015, per order 40 at 400 per order: 0.1 - 0.015 - 0.1 < 0 -> no break-even revenue;
    # order size at 10 orders: (40 + 0) / 0.085 = 470.59.
    d = table.loc["D"]
    assert np.isnan(d["breakeven_revenue"]) and np.isnan(d["breakeven_orders"])
    assert d["breakeven_reason"] == "the margin after variable and per-order costs is not positive"
    assert d["breakeven_order_size"] == pytest.approx(40 / 0.085, rel=EXACT)


def test_breakeven_refuses_what_it_cannot_classify() -> None:
    with pytest.raises(ArgumentError, match="'activities' must be a row for every cts_ column"):
        be.breakeven(pnl(), ACTIVITIES.iloc[:4])
    with pytest.raises(ArgumentError, match=r"'activities.level \(Picking\)' must be one of"):
        be.breakeven(pnl(), ACTIVITIES.assign(level=["order", "shelf", "customer", "product", "line"]))
    with pytest.raises(ArgumentError, match="the sum of the customer's cts_<activity> columns"):
        be.breakeven(pnl().assign(cost_to_serve=lambda f: f["cost_to_serve"] + 1.0), ACTIVITIES)
    with pytest.raises(ArgumentError, match="orders"):
        be.breakeven(pnl().drop(columns="orders"), ACTIVITIES)


@pytest.fixture(scope="module")
def demo() -> xlprofit.Analysis:
    return xlprofit.analyze(xlprofit.load_demo(), discount_rate=0.10)


def test_demo_decomposition_is_the_pnl_contribution(demo: xlprofit.Analysis) -> None:
    pnl_ = demo.customers
    table = be.breakeven(pnl_, demo.activities)
    ok = pnl_["net_revenue"] > 0
    net, orders = pnl_["net_revenue"][ok], pnl_["orders"][ok]
    t = table[ok]
    # contribution = (g − v)·R − c·n − F, to the cent, for every customer with revenue
    rebuilt = (t["gross_margin_pct"] - t["variable_cost_pct"]) * net - t["cost_per_order"] * orders - t["fixed_cost"]
    np.testing.assert_allclose(rebuilt, pnl_["contribution"][ok], atol=0.005)
    # contribution is 0 at the break-even revenue with orders of the present size
    found = t["breakeven_revenue"].notna()
    at = t[found]
    zero = ((at["gross_margin_pct"] - at["variable_cost_pct"]) * at["breakeven_revenue"]
            - at["cost_per_order"] * at["breakeven_orders"] - at["fixed_cost"])
    np.testing.assert_allclose(zero, 0.0, atol=1e-6)
    # a profitable customer breaks even below its revenue, a losing one above it
    profitable = pnl_["contribution"][ok][found] > 0
    assert (at["breakeven_revenue"][profitable] < net[found][profitable]).all()
    assert (at["breakeven_revenue"][~profitable] >= net[found][~profitable]).all()


# --------------------------------------------------------------------------- Excel, through Office.js

xw = xs = udfs = None


@pytest.fixture(scope="module")
def excel():
    with office_js() as runtime:
        globals().update(xw=runtime.xw, xs=runtime.xs, udfs=runtime.udfs)
        yield runtime
    globals().update(xw=None, xs=None, udfs=None)


def call(name: str, *args):
    """One call as Office.js sends it (every argument a matrix; runtime 1.4: real error values)."""
    cells = [None if v is None else [[v]] for v in args]
    body = {"func_name": name, "args": cells, "caller_address": "Sheet1!B2", "version": xw.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US", "date_format": "M/d/yyyy",
            "task_key": None}
    return asyncio.run(xs.custom_functions_call(body, udfs))


def value(result):
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def error_type(result) -> str:
    cell = value(result)
    assert isinstance(cell, dict) and cell["type"] == "Error", result
    return cell["errorType"]


def test_excel_breakeven_worked_example(excel) -> None:
    # The worked example: 30,000 revenue, 75 orders, 500 per order (at 50 orders).
    assert value(call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 20_000, 50)) == pytest.approx(30_000.0, rel=EXACT)
    assert value(call("XLP_BREAKEVEN", "25%", "5%", 40, 3000, 20_000, 50, "orders")) == pytest.approx(75.0, rel=EXACT)
    assert value(call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 20_000, 50, "ORDER_SIZE")) == \
        pytest.approx(500.0, rel=EXACT)
    # Horngren et al. ch. 3 as a cost per order: 5,000.
    assert value(call("XLP_BREAKEVEN", 1, 0, 120, 2000, 200, 1)) == pytest.approx(5000.0, rel=EXACT)


def test_excel_breakeven_errors(excel) -> None:
    assert error_type(call("XLP_BREAKEVEN", 0.25, 0.05, 80, 3000, 20_000, 50)) == "Num"  # no break-even
    assert error_type(call("XLP_BREAKEVEN", 0.05, 0.05, 40, 3000, 20_000, 50, "order_size")) == "Num"
    assert error_type(call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 20_000, 0, "order_size")) == "Div0"
    assert error_type(call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 0, 5)) == "Div0"
    with pytest.raises(xw.XlwingsError, match="'result' of XLP_BREAKEVEN must be \"revenue\" \\(blank\\)"):
        call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 20_000, 50, "profit")
    with pytest.raises(xw.XlwingsError, match=r"'variable_cost_pct' of XLP_BREAKEVEN .*10 % is 0\.1"):
        call("XLP_BREAKEVEN", 0.25, 10, 40, 3000, 20_000, 50)
    with pytest.raises(xw.XlwingsError, match="'fixed_cost' of XLP_BREAKEVEN must be a finite number of at least 0"):
        call("XLP_BREAKEVEN", 0.25, 0.05, 40, -3000, 20_000, 50)
    with pytest.raises(xw.XlwingsError, match="'orders' of XLP_BREAKEVEN must be a number; got 'a blank cell'"):
        call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 20_000, None)


def test_excel_breakeven_hides_an_unexpected_error(excel, monkeypatch, caplog) -> None:
    from xlprofit.excel import _args

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail that must not reach a cell")

    monkeypatch.setattr(_args, "number", broken)
    caplog.set_level(logging.ERROR, logger="xlprofit.excel")
    with pytest.raises(xw.XlwingsError) as raised:
        call("XLP_BREAKEVEN", 0.25, 0.05, 40, 3000, 20_000, 50)
    assert str(raised.value).startswith("XLP_BREAKEVEN: unexpected error (RuntimeError)")
    assert "internal detail" not in str(raised.value)


def test_excel_breakeven_agrees_with_the_customer_table(excel, demo: xlprofit.Analysis) -> None:
    table = be.breakeven(demo.customers, demo.activities)
    for customer in table.dropna(subset=["breakeven_revenue", "breakeven_order_size"]).index[:5]:
        row, pnl_ = table.loc[customer], demo.customers.loc[customer]
        args = (float(row["gross_margin_pct"]), float(row["variable_cost_pct"]), float(row["cost_per_order"]),
                float(row["fixed_cost"]), float(pnl_["net_revenue"]), float(pnl_["orders"]))
        assert value(call("XLP_BREAKEVEN", *args)) == pytest.approx(row["breakeven_revenue"], rel=1e-12)
        assert value(call("XLP_BREAKEVEN", *args, "order_size")) == pytest.approx(row["breakeven_order_size"],
                                                                                  rel=1e-12)
