"""The customer profitability matrix: net price against cost-to-serve.

Shapiro, Rangan, Moriarty & Ross (1987), "Manage Customers for Profits (Not Just Sales)",
Harvard Business Review 65(5). Every function takes the ``customers`` P&L table (indexed by
``customer_id``) described in ``docs/architecture.md`` and returns a new table, whatever the
order of its rows (customers are sorted by ``customer_id``; every sum in a fixed order).

Percentages are fractions (``0.85`` is 85 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlprofit.core.arguments import bounded_number
from xlprofit.core.customer_frames import customer_table, divide_where, money_columns
from xlprofit.errors import ArgumentError

__all__ = [
    "NOT_CLASSIFIED",
    "QUADRANTS",
    "matrix_thresholds",
    "profitability_matrix",
    "quadrant",
    "quadrant_summary",
]

#: Quadrants of the profitability matrix (Shapiro, Rangan, Moriarty & Ross 1987), in the
#: order: high price & high cost, high price & low cost, low price & low cost, low price &
#: high cost.
QUADRANTS: tuple[str, ...] = ("carriage trade", "passive", "bargain basement", "aggressive")

#: Quadrant of a customer whose price or cost ratio is undefined (no positive revenue).
NOT_CLASSIFIED = "n/a"


def _classify(price_pct: np.ndarray, cost_pct: np.ndarray, price_threshold: float,
              cost_threshold: float) -> np.ndarray:
    high_price = price_pct >= price_threshold
    high_cost = cost_pct >= cost_threshold
    return np.select(
        [high_price & high_cost, high_price & ~high_cost, ~high_price & ~high_cost],
        list(QUADRANTS[:3]),
        default=QUADRANTS[3],
    ).astype(object)


def _matrix_ratios(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    money = money_columns(frame, ("gross_revenue", "net_revenue", "cost_to_serve"))
    gross = money["gross_revenue"].to_numpy()
    net = money["net_revenue"].to_numpy()
    cost = money["cost_to_serve"].to_numpy()
    classified = (net > 0) & (gross > 0)
    return divide_where(net, gross, gross > 0), divide_where(cost, net, net > 0), classified, money


def matrix_thresholds(customers: pd.DataFrame) -> tuple[float, float]:
    """Portfolio ratios used as default thresholds of :func:`profitability_matrix`.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``gross_revenue, net_revenue, cost_to_serve``.

    Returns
    -------
    tuple of float
        ``(Σ net_revenue / Σ gross_revenue, Σ cost_to_serve / Σ net_revenue)`` over the
        customers that can be placed on the matrix (positive net and gross revenue); NaN
        when there is none.
    """
    frame = customer_table(customers, ("gross_revenue", "net_revenue", "cost_to_serve"))
    _, _, classified, money = _matrix_ratios(frame)
    if not classified.any():
        return float("nan"), float("nan")
    inside = money[classified]
    net = float(inside["net_revenue"].sum())
    return net / float(inside["gross_revenue"].sum()), float(inside["cost_to_serve"].sum()) / net


def profitability_matrix(
    customers: pd.DataFrame,
    *,
    price_threshold: float | None = None,
    cost_threshold: float | None = None,
) -> pd.DataFrame:
    """Place every customer on the net price vs cost-to-serve matrix.

    Shapiro, Rangan, Moriarty & Ross (1987), "Manage Customers for Profits (Not Just
    Sales)", Harvard Business Review 65(5): customers who pay a high net price and cost a
    lot to serve are *carriage trade*, high price and low cost *passive*, low price and low
    cost *bargain basement*, low price and high cost *aggressive*.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``gross_revenue, net_revenue, cost_to_serve``.
    price_threshold : float, optional
        Net price (net revenue / gross revenue) at or above which a customer is "high
        price". Default: the portfolio ratio from :func:`matrix_thresholds`.
    cost_threshold : float, optional
        Cost-to-serve per net revenue at or above which a customer is "high cost".
        Default: the portfolio ratio.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), columns ``gross_revenue, net_revenue,
        cost_to_serve, net_price_pct, cost_to_serve_pct, quadrant``. Customers without a
        positive net and gross revenue have NaN ratios where undefined and quadrant
        ``"n/a"``. The thresholds used are in ``result.attrs["price_threshold"]`` and
        ``result.attrs["cost_threshold"]``.
    """
    frame = customer_table(customers, ("gross_revenue", "net_revenue", "cost_to_serve"))
    default_price, default_cost = matrix_thresholds(frame)
    if price_threshold is None:
        price_threshold = default_price
    else:
        price_threshold = bounded_number("price_threshold", price_threshold, low=0.0, high=np.inf)
    if cost_threshold is None:
        cost_threshold = default_cost
    else:
        cost_threshold = bounded_number("cost_threshold", cost_threshold, low=0.0, high=np.inf)
    price_pct, cost_pct, classified, money = _matrix_ratios(frame)
    quadrants = _classify(price_pct, cost_pct, price_threshold, cost_threshold)
    quadrants[~classified] = NOT_CLASSIFIED
    matrix = money.assign(net_price_pct=price_pct, cost_to_serve_pct=cost_pct, quadrant=quadrants)
    matrix["quadrant"] = matrix["quadrant"].astype(str)
    matrix.attrs["price_threshold"] = float(price_threshold)
    matrix.attrs["cost_threshold"] = float(cost_threshold)
    return matrix


def quadrant(net_price_pct: float, cost_to_serve_pct: float, price_threshold: float,
             cost_threshold: float) -> str:
    """Return the profitability-matrix quadrant of one customer.

    Parameters
    ----------
    net_price_pct : float
        Net revenue / gross revenue of the customer.
    cost_to_serve_pct : float
        Cost-to-serve / net revenue of the customer.
    price_threshold : float
        Net price at or above which the customer counts as "high price".
    cost_threshold : float
        Cost ratio at or above which the customer counts as "high cost".

    Returns
    -------
    str
        One of ``"carriage trade"``, ``"passive"``, ``"bargain basement"``, ``"aggressive"``.
    """
    values = [
        bounded_number("net_price_pct", net_price_pct, low=-np.inf, high=np.inf),
        bounded_number("cost_to_serve_pct", cost_to_serve_pct, low=-np.inf, high=np.inf),
        bounded_number("price_threshold", price_threshold, low=0.0, high=np.inf),
        bounded_number("cost_threshold", cost_threshold, low=0.0, high=np.inf),
    ]
    return str(_classify(np.array([values[0]]), np.array([values[1]]), values[2], values[3])[0])


def quadrant_summary(matrix: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Count customers and sum revenue, cost-to-serve and profit per quadrant of the matrix.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Result of :func:`profitability_matrix` (its ``quadrant`` column).
    customers : pandas.DataFrame
        Customer P&L with ``net_revenue, cost_to_serve, profit`` for every customer of the
        matrix.

    Returns
    -------
    pandas.DataFrame
        Five rows, always: the four quadrants in the order of :data:`QUADRANTS`, then
        ``"n/a"``; columns ``quadrant, customers, net_revenue, cost_to_serve, profit,
        customers_pct, revenue_pct, profit_pct`` (shares of the totals over all rows; NaN
        when that total is not positive).
    """
    placed = customer_table(matrix, ("quadrant",), "matrix")
    frame = customer_table(customers, ("net_revenue", "cost_to_serve", "profit"))
    unknown = placed.index.difference(frame.index)
    if len(unknown):
        raise ArgumentError("matrix", unknown[0], "made of customers that are in 'customers'")
    money = money_columns(frame.loc[placed.index], ("net_revenue", "cost_to_serve", "profit"))
    labels = (*QUADRANTS, NOT_CLASSIFIED)
    unexpected = set(placed["quadrant"].astype(str)) - set(labels)
    if unexpected:
        raise ArgumentError("matrix.quadrant", sorted(unexpected)[0], "one of " + ", ".join(labels))
    codes = pd.Categorical(placed["quadrant"].astype(str), categories=list(labels)).codes
    summary = pd.DataFrame({"quadrant": list(labels)})
    summary["customers"] = np.bincount(codes, minlength=len(labels)).astype(np.int64)
    for column in ("net_revenue", "cost_to_serve", "profit"):
        summary[column] = np.bincount(codes, weights=money[column].to_numpy(), minlength=len(labels))
    total_customers = float(summary["customers"].sum())
    summary["customers_pct"] = summary["customers"] / total_customers if total_customers else np.nan
    for column, share in (("net_revenue", "revenue_pct"), ("profit", "profit_pct")):
        total = float(summary[column].sum())
        summary[share] = summary[column] / total if total > 0 else np.nan
    return summary
