"""The whale curve and profit concentration: who makes the money and who gives it back.

Every function takes profit per customer (a Series indexed by ``customer_id``) or the
``customers`` P&L table described in ``docs/architecture.md`` and returns a new result.
Results never depend on the order of the input rows: customers are ranked by value with ties
broken by ``customer_id``, and every sum is taken in a fixed order.

Percentages are fractions (``1.85`` is 185 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlprofit.core.customer_frames import (
    MONEY_COLUMNS,
    customer_table,
    divide_where,
    finite_values,
    money_columns,
)
from xlprofit.errors import ArgumentError, DegenerateDataError, DivisionByZeroError

__all__ = ["deciles", "loss_share", "whale_curve", "whale_peak"]


# --------------------------------------------------------------------------- helpers


def _id_strings(index: pd.Index) -> np.ndarray:
    return np.asarray(index.astype(str), dtype=object)


def _rank_positions(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions ordering ``values`` descending, ties by ``ids`` ascending."""
    key = pd.DataFrame({"value": values, "id": ids})
    return key.sort_values(["value", "id"], ascending=[False, True], kind="mergesort").index.to_numpy()


def _as_profit(profit: pd.Series, argument: str = "profit") -> pd.Series:
    if not isinstance(profit, pd.Series):
        raise ArgumentError(argument, type(profit).__name__, "a pandas Series indexed by customer_id")
    if not profit.index.is_unique:
        duplicated = profit.index[profit.index.duplicated()][0]
        raise ArgumentError(argument, duplicated, "indexed by unique customer_id values")
    return pd.Series(finite_values(profit, argument), index=profit.index.astype(str), name=profit.name)


# --------------------------------------------------------------------------- whale curve


def whale_curve(profit: pd.Series, net_revenue: pd.Series | None = None) -> pd.DataFrame:
    """Rank customers by profit and accumulate profit as a share of total profit.

    Parameters
    ----------
    profit : pandas.Series
        Profit per customer, indexed by ``customer_id``; every value finite.
    net_revenue : pandas.Series, optional
        Net revenue per customer on the same index; adds ``cumulative_revenue_pct``.

    Returns
    -------
    pandas.DataFrame
        One row per customer, most profitable first (ties by ``customer_id``), columns
        ``rank`` (1 = most profitable), ``customer_id``, ``profit``, ``cumulative_profit``,
        ``cumulative_profit_pct`` (of total profit; the last row is exactly 1),
        ``cumulative_customers_pct`` and, with revenue, ``cumulative_revenue_pct``.

    Notes
    -----
    Percentages of a total are only meaningful when the total is positive. When total
    profit is zero or negative, ``cumulative_profit_pct`` is NaN for every row (and likewise
    ``cumulative_revenue_pct`` when total net revenue is not positive); the reason is stored
    in ``result.attrs["undefined"]``. :func:`whale_peak` raises instead.

    Total profit is the last cumulative value, summed in rank order, so that the curve ends
    at exactly 100 %.
    """
    profit = _as_profit(profit)
    ids = _id_strings(profit.index)
    order = _rank_positions(profit.to_numpy(), ids)
    values = profit.to_numpy()[order]
    count = len(values)
    cumulative = np.cumsum(values)
    total = float(cumulative[-1]) if count else 0.0
    rank = np.arange(1, count + 1)
    curve = pd.DataFrame(
        {
            "rank": rank,
            "customer_id": ids[order].astype(str),
            "profit": values,
            "cumulative_profit": cumulative,
            "cumulative_profit_pct": cumulative / total if total > 0 else np.full(count, np.nan),
            "cumulative_customers_pct": rank / count if count else np.zeros(0),
        }
    )
    undefined = []
    if total <= 0:
        undefined.append(f"total profit is {total:g}; shares of a total that is not positive are undefined")
    if net_revenue is not None:
        revenue = _as_profit(net_revenue, "net_revenue")
        unknown = profit.index.difference(revenue.index)
        if len(unknown):
            raise ArgumentError("net_revenue", unknown[0], "given for every customer in 'profit'")
        revenue_values = revenue.reindex(profit.index).to_numpy()[order]
        cumulative_revenue = np.cumsum(revenue_values)
        total_revenue = float(cumulative_revenue[-1]) if count else 0.0
        curve["cumulative_revenue_pct"] = (
            cumulative_revenue / total_revenue if total_revenue > 0 else np.full(count, np.nan)
        )
        if total_revenue <= 0:
            undefined.append(f"total net revenue is {total_revenue:g}; revenue shares are undefined")
    if undefined:
        curve.attrs["undefined"] = "; ".join(undefined)
    return curve


def _sorted_profit(profit: pd.Series) -> np.ndarray:
    profit = _as_profit(profit)
    order = _rank_positions(profit.to_numpy(), _id_strings(profit.index))
    return profit.to_numpy()[order]


def whale_peak(profit: pd.Series) -> dict[str, float]:
    """Return the peak of the whale curve and the totals that explain it.

    Parameters
    ----------
    profit : pandas.Series
        Profit per customer, indexed by ``customer_id``.

    Returns
    -------
    dict
        ``peak_pct``: the highest cumulative profit as a share of total profit (1.85 means
        the profitable customers together earn 185 % of the total); ``customers_at_peak``:
        how many customers make up the peak (those with a profit above zero);
        ``customers_at_peak_pct``: the same as a share of all customers; ``total_profit``;
        ``profitable_profit``: the sum of the positive profits; ``losses``: the sum of the
        negative profits (zero or negative), so that
        ``total_profit = profitable_profit + losses``.

    Raises
    ------
    DivisionByZeroError
        Total profit is zero (or there is no customer).
    DegenerateDataError
        Total profit is negative: a share of a negative total has no meaning.

    Notes
    -----
    Because the curve adds profits in descending order it rises while profits are
    positive and falls afterwards, so its peak is reached at the last profitable customer:
    ``peak_pct = profitable_profit / total_profit = 1 - losses / total_profit``, and with
    ``s = loss_share(profit)``, ``peak_pct = 1 / (1 - s)``.
    """
    values = _sorted_profit(profit)
    count = len(values)
    cumulative = np.cumsum(values)
    total = float(cumulative[-1]) if count else 0.0
    if total == 0:
        raise DivisionByZeroError("total profit is 0; the whale curve's shares of total profit are undefined")
    if total < 0:
        raise DegenerateDataError(
            f"total profit is {total:g}; the whale curve has no peak share when the total is negative"
        )
    profitable = int(np.count_nonzero(values > 0))
    gains = float(cumulative[profitable - 1])
    return {
        "peak_pct": gains / total,
        "customers_at_peak": profitable,
        "customers_at_peak_pct": profitable / count,
        "total_profit": total,
        "profitable_profit": gains,
        "losses": float(np.sum(values[values < 0])),
    }


def loss_share(profit: pd.Series) -> float:
    """Losses of unprofitable customers as a share of the profits of profitable ones.

    ``loss_share = -Σ(negative profits) / Σ(positive profits)``, the ratio behind the whale
    curve (Kaplan & Narayanan 2001, "Measuring and Managing Customer Profitability",
    Journal of Cost Management): a value of 0.4 means loss-making customers give back 40 %
    of what the profitable ones earn.

    Parameters
    ----------
    profit : pandas.Series
        Profit per customer, indexed by ``customer_id``.

    Returns
    -------
    float
        Zero or positive; above 1 when losses exceed gains (total profit negative).

    Raises
    ------
    DivisionByZeroError
        No customer has a positive profit.

    Notes
    -----
    The whale curve's peak is ``1 / (1 - loss_share)`` when total profit is positive; the
    excess of the peak over 100 % is the losses as a share of *total* profit, not of gross
    profits (``peak - 1 = -losses / total``).
    """
    values = _sorted_profit(profit)
    gains = float(np.sum(values[values > 0]))
    if gains == 0:
        raise DivisionByZeroError("no customer has a positive profit; the loss share is undefined")
    return float(-np.sum(values[values < 0]) / gains)


# --------------------------------------------------------------------------- deciles


def deciles(customers: pd.DataFrame, by: str = "profit") -> pd.DataFrame:
    """Split customers into ten groups of (near-)equal count, ranked by ``by`` descending.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L indexed by ``customer_id`` with ``net_revenue, gross_margin,
        cost_to_serve, contribution, profit`` and the ranking column.
    by : str, default "profit"
        Numeric column to rank by; decile 1 holds the highest values, ties by
        ``customer_id``.

    Returns
    -------
    pandas.DataFrame
        Always ten rows, ``decile`` 1..10, with ``customers``, the sums of
        ``net_revenue, gross_margin, cost_to_serve, contribution, profit``, ``margin_pct``
        (profit / net revenue, NaN where net revenue is 0) and ``cumulative_profit_pct``
        (cumulative profit over total profit, NaN when total profit is not positive).

    Notes
    -----
    With ``n = 10q + k`` customers the first ``k`` deciles hold ``q + 1`` customers and the
    others ``q``; with fewer than ten customers the last deciles are empty (zero sums).
    """
    frame = customer_table(customers, (*MONEY_COLUMNS, by))
    ranking = finite_values(frame[by], f"customers.{by}")
    money = money_columns(frame, MONEY_COLUMNS)
    count = len(frame)
    order = _rank_positions(ranking, _id_strings(frame.index))
    quotient, remainder = divmod(count, 10)
    position = np.arange(count)
    large = remainder * (quotient + 1)
    group = np.where(
        position < large, position // (quotient + 1), remainder + (position - large) // max(quotient, 1)
    )
    table = pd.DataFrame({"decile": np.arange(1, 11)})
    table["customers"] = np.bincount(group, minlength=10).astype(np.int64)
    for column in MONEY_COLUMNS:
        table[column] = np.bincount(group, weights=money[column].to_numpy()[order], minlength=10)
    revenue = table["net_revenue"].to_numpy()
    table["margin_pct"] = divide_where(table["profit"].to_numpy(), revenue, revenue != 0)
    cumulative = np.cumsum(table["profit"].to_numpy())
    total = float(cumulative[-1])
    table["cumulative_profit_pct"] = cumulative / total if total > 0 else np.nan
    return table
