"""Break-even of a customer: the revenue, and the order size, at which its contribution is zero.

The customer P&L's costs move in three ways (:func:`cost_structure` sorts them):

- **with revenue**: the cost of goods (through the gross margin ratio ``g``), commissions, cost
  of credit and bad debt (together the variable cost ratio ``v``), and activities whose driver
  is ``revenue``;
- **with orders**: order- and line-level activities (order handling, delivery, picking); a
  line-level cost moves with orders at the customer's lines per order. Together ``c`` per order;
- **fixed** per customer for the period: customer- and product-level activities (sales visits,
  service calls, credit control, work for the products it buys), which depend on the
  relationship and the range bought, not on how much or how often it orders. Together ``F``.

With net revenue ``R`` in ``n`` orders, contribution ``= (g − v)·R − c·n − F``, exactly the
customer P&L's contribution (gross margin − cost-to-serve − commissions − cost of credit −
bad debt). Two break-evens answer two questions:

- **break-even revenue**, at the customer's average order size ``s = R/n`` (orders grow with
  revenue): ``R* = F / (g − v − c/s)``. It exists when each euro of revenue earns something
  after variable and per-order costs (``g − v − c/s > 0``);
- **break-even average order size**, at its number of orders ``n``: ``s* = (c + F/n) / (g − v)``.
  It exists when the gross margin covers the variable costs (``g > v``) and ``n > 0``.

``R*·n/R`` (break-even revenue over the current order size) is the break-even number of orders.
Acquisition cost is not a cost of the period's contribution and stays out (see
:mod:`xlprofit.core.acquisition` for its payback).
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd

from xlprofit.core.arguments import bounded_numbers
from xlprofit.core.customer_frames import customer_table, finite_values
from xlprofit.errors import ArgumentError

__all__ = [
    "FIXED_LEVELS",
    "ORDER_LEVELS",
    "breakeven",
    "breakeven_order_size",
    "breakeven_orders",
    "breakeven_revenue",
    "cost_structure",
]

ArrayLike: TypeAlias = float | np.ndarray | pd.Series

#: Activity levels whose cost moves with the number of orders.
ORDER_LEVELS: tuple[str, ...] = ("order", "line")
#: Activity levels whose cost is fixed per customer for the period.
FIXED_LEVELS: tuple[str, ...] = ("customer", "product")
#: Driver whose activities move with revenue, whatever their level.
REVENUE_DRIVER = "revenue"
#: The P&L's revenue-variable cost columns (with the revenue-driven activities: ``v``).
VARIABLE_COLUMNS: tuple[str, ...] = ("commissions", "cost_of_credit", "bad_debt")


def _result(values: np.ndarray, *inputs: ArrayLike) -> float | np.ndarray:
    if all(np.ndim(item) == 0 for item in inputs):
        return float(values)
    return values


def _revenue(margin: np.ndarray, variable: np.ndarray, per_order: np.ndarray, fixed: np.ndarray,
             net_revenue: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """``F / (g − v − c·n/R)``: inf where that margin is not positive, NaN without an order size."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per_euro = np.where(orders > 0, per_order * orders / np.where(net_revenue > 0, net_revenue, np.nan), 0.0)
        unit = margin - variable - per_euro
        out = np.where(unit > 0, fixed / np.where(unit > 0, unit, 1.0), np.inf)
    return np.where(np.isnan(per_euro), np.nan, out)


def _order_size(margin: np.ndarray, variable: np.ndarray, per_order: np.ndarray, fixed: np.ndarray,
                orders: np.ndarray) -> np.ndarray:
    """``(c + F/n) / (g − v)``: inf where the margin does not cover the variable costs, NaN without orders."""
    unit = margin - variable
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = per_order + fixed / np.where(orders > 0, orders, np.nan)
        out = np.where(unit > 0, needed / np.where(unit > 0, unit, 1.0), np.inf)
    return np.where(orders > 0, out, np.nan)


def _checked(gross_margin_pct: ArrayLike, variable_cost_pct: ArrayLike, cost_per_order: ArrayLike,
             fixed_cost: ArrayLike) -> list[np.ndarray]:
    return [
        bounded_numbers("gross_margin_pct", gross_margin_pct, high=1.0),
        bounded_numbers("variable_cost_pct", variable_cost_pct, low=0.0, high=1.0),
        bounded_numbers("cost_per_order", cost_per_order, low=0.0),
        bounded_numbers("fixed_cost", fixed_cost, low=0.0),
    ]


def breakeven_revenue(
    gross_margin_pct: ArrayLike,
    variable_cost_pct: ArrayLike,
    cost_per_order: ArrayLike,
    fixed_cost: ArrayLike,
    *,
    net_revenue: ArrayLike,
    orders: ArrayLike,
) -> float | np.ndarray:
    """Net revenue at which contribution is zero, at the customer's average order size.

    ``R* = F / (g − v − c·n/R)``: the customer keeps ordering in orders of its present average
    size ``R/n``, so its orders grow (or shrink) with revenue.

    Parameters
    ----------
    gross_margin_pct : float or array_like
        Gross margin / net revenue ``g``; at most 1.
    variable_cost_pct : float or array_like
        Commissions, cost of credit and bad debt (and revenue-driven activities) / net revenue
        ``v``, in [0, 1].
    cost_per_order : float or array_like
        Order- and line-level cost-to-serve per order ``c``; at least 0.
    fixed_cost : float or array_like
        Customer- and product-level cost-to-serve for the period ``F``; at least 0.
    net_revenue : float or array_like
        The customer's net revenue ``R`` in the period (with ``orders``, its order size).
    orders : float or array_like
        Its orders ``n`` in the period; at least 0. With 0 there is no per-order cost.

    Returns
    -------
    float or numpy.ndarray
        Net revenue for the same period as ``fixed_cost``; ``inf`` when no revenue breaks even
        (``g − v − c·n/R ≤ 0``: each further order loses money); NaN when ``orders > 0`` but
        ``net_revenue ≤ 0`` (no order size). Scalars in give a float out.
    """
    margin, variable, per_order, fixed = _checked(gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost)
    revenue = bounded_numbers("net_revenue", net_revenue)
    count = bounded_numbers("orders", orders, low=0.0)
    out = _revenue(*np.broadcast_arrays(margin, variable, per_order, fixed, revenue, count))
    return _result(out, gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost, net_revenue, orders)


def breakeven_orders(
    gross_margin_pct: ArrayLike,
    variable_cost_pct: ArrayLike,
    cost_per_order: ArrayLike,
    fixed_cost: ArrayLike,
    *,
    net_revenue: ArrayLike,
    orders: ArrayLike,
) -> float | np.ndarray:
    """Orders of the customer's present average size at which contribution is zero.

    :func:`breakeven_revenue` divided by the average order size ``R/n``; arguments as there.

    Returns
    -------
    float or numpy.ndarray
        Orders (fractional); ``inf`` when no revenue breaks even; NaN without an order size
        (``orders`` 0 or ``net_revenue ≤ 0``). Scalars in give a float out.
    """
    revenue = np.asarray(breakeven_revenue(gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost,
                                           net_revenue=net_revenue, orders=orders), dtype=float)
    net, count = np.broadcast_arrays(np.asarray(net_revenue, dtype=float), np.asarray(orders, dtype=float))
    out = _orders(revenue, net, count)
    return _result(out, gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost, net_revenue, orders)


def _orders(revenue: np.ndarray, net_revenue: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """``R*·n/R``: NaN without an order size."""
    with np.errstate(divide="ignore", invalid="ignore"):
        size = net_revenue / np.where(orders > 0, orders, np.nan)
        return np.where((orders > 0) & (net_revenue > 0), revenue / np.where(size > 0, size, np.nan), np.nan)


def breakeven_order_size(
    gross_margin_pct: ArrayLike,
    variable_cost_pct: ArrayLike,
    cost_per_order: ArrayLike,
    fixed_cost: ArrayLike,
    *,
    orders: ArrayLike,
) -> float | np.ndarray:
    """Average net revenue per order at which contribution is zero, at the customer's number of orders.

    ``s* = (c + F/n) / (g − v)``. Arguments as in :func:`breakeven_revenue`.

    Returns
    -------
    float or numpy.ndarray
        Net revenue per order; ``inf`` when the gross margin does not cover the variable costs
        (``g ≤ v``); NaN when ``orders`` is 0. Scalars in give a float out.
    """
    margin, variable, per_order, fixed = _checked(gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost)
    count = bounded_numbers("orders", orders, low=0.0)
    out = _order_size(*np.broadcast_arrays(margin, variable, per_order, fixed, count))
    return _result(out, gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost, orders)


def cost_structure(pnl: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """Each customer's cost-to-serve split by how it moves: with revenue, with orders, fixed.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Customer P&L indexed by ``customer_id`` with ``cost_to_serve`` and one ``cts_<activity>``
        column per activity (``Analysis.customers``).
    activities : pandas.DataFrame
        The activities with ``activity`` and ``level`` (customer, order, line, product) and
        optionally ``driver`` (``Analysis.activities``): an activity driven by ``revenue`` moves
        with revenue, an order- or line-level one with orders, a customer- or product-level one
        is fixed.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``revenue_cost_to_serve``, ``order_cost_to_serve``
        and ``fixed_cost_to_serve``; they add up to ``cost_to_serve``.

    Raises
    ------
    ArgumentError
        A ``cts_`` column without an activity row or with an unknown level, or ``cts_`` columns
        that do not add up to ``cost_to_serve`` (to the cent per column).
    """
    columns = [c for c in pnl.columns if isinstance(c, str) and c.startswith("cts_")]
    frame = customer_table(pnl, ("cost_to_serve", *columns))
    table = activities
    if not isinstance(table, pd.DataFrame) or not {"activity", "level"} <= set(table.columns):
        raise ArgumentError("activities", type(table).__name__ if not isinstance(table, pd.DataFrame)
                            else ", ".join(map(str, table.columns)), "a table with the columns activity and level")
    names = table["activity"].astype(str).str.strip()
    levels = dict(zip(names, table["level"].astype("string").str.strip().str.lower(), strict=True))
    drivers = (dict(zip(names, table["driver"].astype("string").str.strip().str.lower(), strict=True))
               if "driver" in table.columns else {})
    parts = {"revenue": np.zeros(len(frame)), "order": np.zeros(len(frame)), "fixed": np.zeros(len(frame))}
    for column in columns:
        activity = column.removeprefix("cts_")
        if activity not in levels:
            raise ArgumentError("activities", activity, f"a row for every cts_ column of the customer P&L ({column})")
        level, driver = levels[activity], drivers.get(activity)
        values = finite_values(frame[column], f"customers.{column}")
        if isinstance(driver, str) and driver == REVENUE_DRIVER:
            parts["revenue"] += values
        elif level in ORDER_LEVELS:
            parts["order"] += values
        elif level in FIXED_LEVELS:
            parts["fixed"] += values
        else:
            raise ArgumentError(f"activities.level ({activity})", levels[activity],
                                f"one of {', '.join((*ORDER_LEVELS, *FIXED_LEVELS))}")
    total = finite_values(frame["cost_to_serve"], "customers.cost_to_serve")
    gap = np.abs(total - parts["revenue"] - parts["order"] - parts["fixed"])
    tolerance = 0.005 * max(len(columns), 1) + 1e-9 * np.abs(total)
    if (gap > tolerance).any():
        first = int(np.flatnonzero(gap > tolerance)[0])
        raise ArgumentError("customers", f"{frame.index[first]}: cost_to_serve {total[first]:,.2f}",
                            "the sum of the customer's cts_<activity> columns")
    return pd.DataFrame({"revenue_cost_to_serve": parts["revenue"], "order_cost_to_serve": parts["order"],
                         "fixed_cost_to_serve": parts["fixed"]}, index=frame.index)


def breakeven(pnl: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """Break-even revenue, orders and average order size of every customer of a P&L.

    From each customer's own ratios and costs (see the module docstring for the formulas):
    ``g`` = gross margin / net revenue; ``v`` = (commissions + cost of credit + bad debt +
    revenue-driven cost-to-serve) / net revenue; ``c`` = order- and line-level cost-to-serve per
    order; ``F`` = customer- and product-level cost-to-serve. Amounts are for the period of the
    P&L (its window), like its ``net_revenue``, so ``breakeven_revenue − net_revenue`` is the
    revenue the customer lacks (negative: its headroom).

    Parameters
    ----------
    pnl : pandas.DataFrame
        Customer P&L (``Analysis.customers``): ``net_revenue, gross_margin, cost_to_serve,
        commissions, cost_of_credit, bad_debt, orders`` and the ``cts_<activity>`` columns.
    activities : pandas.DataFrame
        ``Analysis.activities`` (``activity``, ``level``, ``driver``); see :func:`cost_structure`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``gross_margin_pct``, ``variable_cost_pct``,
        ``cost_per_order``, ``fixed_cost``, ``average_order_size``, ``breakeven_revenue``,
        ``breakeven_orders`` (at the present order size), ``breakeven_order_size`` (at the
        present number of orders), and ``breakeven_reason``: why a value is blank (NaN),
        ``<NA>`` when none is. Reasons: ``"no positive net revenue"`` (no ratios);
        ``"the margin after variable and per-order costs is not positive"`` (no break-even
        revenue or orders); ``"no orders"`` and ``"gross margin does not cover the variable
        costs"`` (no break-even order size).
    """
    frame = customer_table(pnl, ("net_revenue", "gross_margin", *VARIABLE_COLUMNS, "orders"))
    split = cost_structure(frame, activities)
    money = {c: finite_values(frame[c], f"customers.{c}") for c in ("net_revenue", "gross_margin", *VARIABLE_COLUMNS)}
    orders = finite_values(frame["orders"], "customers.orders")
    if (orders < 0).any():
        bad = int(np.flatnonzero(orders < 0)[0])
        raise ArgumentError("customers.orders", f"{frame.index[bad]}: {orders[bad]}", "at least 0")
    net = money["net_revenue"]
    positive = net > 0
    safe_net = np.where(positive, net, np.nan)
    variable_money = sum(money[c] for c in VARIABLE_COLUMNS) + split["revenue_cost_to_serve"].to_numpy()
    margin = money["gross_margin"] / safe_net
    variable = variable_money / safe_net
    order_cost = split["order_cost_to_serve"].to_numpy()
    fixed = split["fixed_cost_to_serve"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        per_order = np.where(orders > 0, order_cost / np.where(orders > 0, orders, 1.0), 0.0)
        size = np.where(orders > 0, safe_net / np.where(orders > 0, orders, 1.0), np.nan)
    revenue = _revenue(margin, variable, per_order, fixed, safe_net, orders)
    order_size = _order_size(margin, variable, per_order, fixed, orders)
    no_revenue = positive & np.isinf(revenue)
    no_size = np.where(orders <= 0, "no orders",
                       np.where(np.isinf(order_size), "gross margin does not cover the variable costs", ""))
    lead = np.where(no_revenue, "the margin after variable and per-order costs is not positive", "")
    joined = np.char.add(np.char.add(lead, np.where(no_revenue & (no_size != ""), "; ", "")), no_size)
    text = np.where(positive, joined, "no positive net revenue")
    revenue = np.where(positive & np.isfinite(revenue), revenue, np.nan)
    order_size = np.where(positive & np.isfinite(order_size), order_size, np.nan)
    break_orders = _orders(revenue, net, orders)
    reason = pd.Series(text, index=frame.index, dtype="string").replace("", pd.NA)
    return pd.DataFrame({
        "gross_margin_pct": margin, "variable_cost_pct": variable, "cost_per_order": per_order,
        "fixed_cost": fixed, "average_order_size": size, "breakeven_revenue": revenue,
        "breakeven_orders": break_orders, "breakeven_order_size": order_size, "breakeven_reason": reason,
    }, index=frame.index)
