"""Segment analytics on the customer P&L: who makes the money, who loses it, and where.

Every function takes the ``customers`` P&L table (indexed by ``customer_id``) or the long
``trend`` table described in ``docs/architecture.md`` and returns a new table. Results never
depend on the order of the input rows: customers are ranked by value with ties broken by
``customer_id``, and every sum is taken in a fixed order.

Percentages are fractions (``1.85`` is 185 %).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from xlprofit.core.money import to_cents
from xlprofit.core.parsing import as_text
from xlprofit.errors import ArgumentError, DegenerateDataError, DivisionByZeroError

__all__ = [
    "BLANK",
    "NOT_CLASSIFIED",
    "QUADRANTS",
    "by_dimension",
    "deciles",
    "discount_dependency",
    "loss_share",
    "matrix_thresholds",
    "profit_trend",
    "profitability_matrix",
    "quadrant",
    "quadrant_summary",
    "trend_flags",
    "trend_flags_and_totals",
    "whale_curve",
    "whale_peak",
]

#: Quadrants of the profitability matrix (Shapiro, Rangan, Moriarty & Ross 1987), in the
#: order: high price & high cost, high price & low cost, low price & low cost, low price &
#: high cost.
QUADRANTS: tuple[str, ...] = ("carriage trade", "passive", "bargain basement", "aggressive")

#: Quadrant of a customer whose price or cost ratio is undefined (no positive revenue).
NOT_CLASSIFIED = "n/a"

#: Label of a missing or empty dimension value (segment, channel, region).
BLANK = "(blank)"

_MONEY: tuple[str, ...] = ("net_revenue", "gross_margin", "cost_to_serve", "contribution", "profit")
_MINUS = "\u2212"


# --------------------------------------------------------------------------- helpers


def _id_strings(index: pd.Index) -> np.ndarray:
    return np.asarray(index.astype(str), dtype=object)


def _rank_positions(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions ordering ``values`` descending, ties by ``ids`` ascending."""
    key = pd.DataFrame({"value": values, "id": ids})
    return key.sort_values(["value", "id"], ascending=[False, True], kind="mergesort").index.to_numpy()


def _finite(values: pd.Series, argument: str) -> np.ndarray:
    """Float values of ``values``; raise ``ArgumentError`` naming the first bad customer."""
    try:
        array = values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        numbers = pd.to_numeric(values, errors="coerce")
        bad = values[numbers.isna() & values.notna()]
        raise ArgumentError(argument, f"{bad.index[0]}: {bad.iloc[0]!r}", "numeric") from None
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ArgumentError(argument, f"{values.index[first]}: {array[first]}",
                            "a finite number for every customer")
    return array


def _as_profit(profit: pd.Series, argument: str = "profit") -> pd.Series:
    if not isinstance(profit, pd.Series):
        raise ArgumentError(argument, type(profit).__name__, "a pandas Series indexed by customer_id")
    if not profit.index.is_unique:
        duplicated = profit.index[profit.index.duplicated()][0]
        raise ArgumentError(argument, duplicated, "indexed by unique customer_id values")
    return pd.Series(_finite(profit, argument), index=profit.index.astype(str), name=profit.name)


def _customer_table(customers: pd.DataFrame, columns: Iterable[str],
                    argument: str = "customers") -> pd.DataFrame:
    """Check ``columns`` and return the P&L table indexed and sorted by text ``customer_id``."""
    if not isinstance(customers, pd.DataFrame):
        raise ArgumentError(argument, type(customers).__name__, "a pandas DataFrame indexed by customer_id")
    frame = customers
    if frame.index.name != "customer_id" and "customer_id" in frame.columns:
        frame = frame.set_index("customer_id")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ArgumentError(argument, ", ".join(missing), "a table with the column(s) " + ", ".join(missing))
    if not frame.index.is_unique:
        duplicated = frame.index[frame.index.duplicated()][0]
        raise ArgumentError(argument, duplicated, "a table with one row per customer_id")
    # No copy of the data (the caller never writes into it); sorted only when it is not already.
    frame = frame.set_axis(pd.Index(frame.index.astype(str), name="customer_id"), axis=0)
    return frame if frame.index.is_monotonic_increasing else frame.sort_index(kind="mergesort")


def _money(frame: pd.DataFrame, columns: Iterable[str], argument: str = "customers") -> pd.DataFrame:
    """Float copies of money ``columns``; every value must be finite."""
    return pd.DataFrame(
        {column: _finite(frame[column], f"{argument}.{column}") for column in columns}, index=frame.index
    )


def _ratio(numerator: np.ndarray, denominator: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` where ``where`` holds, NaN elsewhere, without warnings."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=where)
    return out


def _dimension_values(values: pd.Series) -> pd.Series:
    """Dimension values as text; NA, NaN and empty text become ``"(blank)"``."""
    text = values.astype("string").str.strip()
    return text.mask(text.isna() | (text == ""), BLANK).astype(str)


def _check_fraction(value: float, argument: str, *, low: float, high: float,
                    closed_high: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ArgumentError(argument, value, "a number") from None
    inside = low <= number <= high if closed_high else low <= number < high
    if not np.isfinite(number) or not inside:
        if np.isinf(low) and np.isinf(high):
            requirement = "a finite number"
        elif np.isinf(high):
            requirement = f"a finite number of at least {low:g}"
        else:
            requirement = f"in [{low:g}, {high:g}{']' if closed_high else ')'}"
        raise ArgumentError(argument, value, requirement)
    return number


def _check_int(value: int, argument: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ArgumentError(argument, value, f"a whole number of at least {low}")
    return int(value)


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
    frame = _customer_table(customers, (*_MONEY, by))
    ranking = _finite(frame[by], f"customers.{by}")
    money = _money(frame, _MONEY)
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
    for column in _MONEY:
        table[column] = np.bincount(group, weights=money[column].to_numpy()[order], minlength=10)
    revenue = table["net_revenue"].to_numpy()
    table["margin_pct"] = _ratio(table["profit"].to_numpy(), revenue, revenue != 0)
    cumulative = np.cumsum(table["profit"].to_numpy())
    total = float(cumulative[-1])
    table["cumulative_profit_pct"] = cumulative / total if total > 0 else np.nan
    return table


# --------------------------------------------------------------------------- matrix


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
    money = _money(frame, ("gross_revenue", "net_revenue", "cost_to_serve"))
    gross = money["gross_revenue"].to_numpy()
    net = money["net_revenue"].to_numpy()
    cost = money["cost_to_serve"].to_numpy()
    classified = (net > 0) & (gross > 0)
    return _ratio(net, gross, gross > 0), _ratio(cost, net, net > 0), classified, money


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
    frame = _customer_table(customers, ("gross_revenue", "net_revenue", "cost_to_serve"))
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
    frame = _customer_table(customers, ("gross_revenue", "net_revenue", "cost_to_serve"))
    default_price, default_cost = matrix_thresholds(frame)
    if price_threshold is None:
        price_threshold = default_price
    else:
        price_threshold = _check_fraction(price_threshold, "price_threshold", low=0.0, high=np.inf)
    if cost_threshold is None:
        cost_threshold = default_cost
    else:
        cost_threshold = _check_fraction(cost_threshold, "cost_threshold", low=0.0, high=np.inf)
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
        _check_fraction(net_price_pct, "net_price_pct", low=-np.inf, high=np.inf),
        _check_fraction(cost_to_serve_pct, "cost_to_serve_pct", low=-np.inf, high=np.inf),
        _check_fraction(price_threshold, "price_threshold", low=0.0, high=np.inf),
        _check_fraction(cost_threshold, "cost_threshold", low=0.0, high=np.inf),
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
    placed = _customer_table(matrix, ("quadrant",), "matrix")
    frame = _customer_table(customers, ("net_revenue", "cost_to_serve", "profit"))
    unknown = placed.index.difference(frame.index)
    if len(unknown):
        raise ArgumentError("matrix", unknown[0], "made of customers that are in 'customers'")
    money = _money(frame.loc[placed.index], ("net_revenue", "cost_to_serve", "profit"))
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


# --------------------------------------------------------------------------- dimensions


def by_dimension(
    customers: pd.DataFrame, dimensions: str | Sequence[str] = ("segment", "channel", "region")
) -> pd.DataFrame:
    """Profit by segment, channel, region (or any text column) as one long table.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``net_revenue, gross_margin, cost_to_serve, contribution, profit``
        and the dimension columns.
    dimensions : str or sequence of str
        Columns to group by, each separately.

    Returns
    -------
    pandas.DataFrame
        Columns ``dimension, value, customers, net_revenue, gross_margin, cost_to_serve,
        contribution, profit, margin_pct, loss_makers`` (customers with a negative profit).
        Missing or empty values are grouped as ``"(blank)"``. Rows follow the order of
        ``dimensions``, then profit descending, then value.
    """
    if isinstance(dimensions, str):
        dimensions = (dimensions,)
    dimensions = tuple(dimensions)
    if not dimensions:
        raise ArgumentError("dimensions", dimensions, "at least one column name")
    frame = _customer_table(customers, (*_MONEY, *dimensions))
    money = _money(frame, _MONEY)
    money["loss_makers"] = (money["profit"] < 0).astype(np.int64)
    pieces = []
    for rank, dimension in enumerate(dimensions):
        values = _dimension_values(frame[dimension])
        grouped = money.groupby(values.to_numpy(), sort=True)
        table = grouped.sum()
        table.insert(0, "customers", grouped.size().astype(np.int64))
        table.insert(0, "value", table.index.astype(str))
        table.insert(0, "dimension", dimension)
        table["order"] = rank
        pieces.append(table.reset_index(drop=True))
    result = pd.concat(pieces, ignore_index=True)
    result = result.sort_values(["order", "profit", "value"], ascending=[True, False, True], kind="mergesort")
    revenue = result["net_revenue"].to_numpy()
    result["margin_pct"] = _ratio(result["profit"].to_numpy(), revenue, revenue != 0)
    columns = ["dimension", "value", "customers", *_MONEY, "margin_pct", "loss_makers"]
    return result[columns].reset_index(drop=True)


def discount_dependency(customers: pd.DataFrame) -> pd.Series:
    """Share of a customer's net revenue sold with a discount or rebate.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``discounted_revenue`` and ``net_revenue``.

    Returns
    -------
    pandas.Series
        ``discounted_revenue / net_revenue`` per customer (sorted by ``customer_id``), named
        ``discount_dependency``; NaN where net revenue is not positive.
    """
    frame = _customer_table(customers, ("discounted_revenue", "net_revenue"))
    money = _money(frame, ("discounted_revenue", "net_revenue"))
    net = money["net_revenue"].to_numpy()
    ratio = _ratio(money["discounted_revenue"].to_numpy(), net, net > 0)
    return pd.Series(ratio, index=frame.index, name="discount_dependency")


# --------------------------------------------------------------------------- trend

_TREND_NUMBERS = ("net_revenue", "gross_margin", "cost_to_serve", "bad_debt", "contribution", "lines")


def _trend_table(trend: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the trend: text ids, numbers (NA as 0), and the periods in calendar order.

    Returns the per-(customer, period) table with a ``position`` column and the period
    table (``period``, ``period_start``, ``position``).
    """
    if not isinstance(trend, pd.DataFrame):
        raise ArgumentError("trend", type(trend).__name__, "a pandas DataFrame")
    frame = trend.reset_index() if "customer_id" not in trend.columns else trend
    required = ("customer_id", "period", *_TREND_NUMBERS)
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ArgumentError("trend", ", ".join(missing), "a table with the column(s) " + ", ".join(missing))
    if frame["customer_id"].isna().any() or frame["period"].isna().any():
        raise ArgumentError("trend", "a blank customer_id or period", "a table with both on every row")
    # Customers and periods as codes of their sorted text (hashed once, never compared as text again).
    customer_code, customers = _text_codes(frame["customer_id"])
    period_code, labels = _text_codes(frame["period"])
    columns = {"customer": customer_code.astype(np.int64, copy=False),
               "period_code": period_code.astype(np.int64, copy=False)}
    for column in _TREND_NUMBERS:
        columns[column] = _trend_numbers(frame[column], column)
    # Millions of rows for a large ledger: the columns are used as they are, not copied.
    table = pd.DataFrame(columns, copy=False)
    if "period_start" in frame.columns:
        starts = pd.Series(pd.to_datetime(frame["period_start"].to_numpy(), errors="coerce"))
    else:
        starts = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    first_start = starts.groupby(period_code).min().reindex(range(len(labels)))
    periods = pd.DataFrame({"period": np.asarray(labels, dtype=object), "period_start": first_start.to_numpy()})
    periods = periods.sort_values(["period_start", "period"], kind="mergesort", na_position="last")
    periods["position"] = np.arange(len(periods))
    # one row per customer and period; a repeated pair is summed, in a fixed order
    c, k = table["customer"].to_numpy(), table["period_code"].to_numpy()
    if len(c) < 2 or bool(np.all((c[:-1] < c[1:]) | ((c[:-1] == c[1:]) & (k[:-1] < k[1:])))):
        # Already one row per pair in order (the analysis's own trend): adding 0.0 does what the
        # sum of one row does (−0.0 becomes 0.0), without sorting and grouping.
        for column in _TREND_NUMBERS:
            numbers = table[column].to_numpy()
            if bool(np.any(np.signbit(numbers) & (numbers == 0))):
                table[column] = numbers + 0.0
    else:
        table = table.sort_values(["customer", "period_code", *_TREND_NUMBERS], kind="mergesort")
        table = table.groupby(["customer", "period_code"], sort=True)[list(_TREND_NUMBERS)].sum().reset_index()
    rank = np.empty(len(labels), dtype=np.int64)
    rank[periods.index.to_numpy()] = periods["position"].to_numpy()
    table["position"] = rank[table["period_code"].to_numpy()]
    table.attrs["customers"] = pd.Index(np.asarray(customers, dtype=object), name="customer_id")
    return table, periods.reset_index(drop=True)


def _trend_numbers(values: pd.Series, column: str) -> np.ndarray:
    """A number column of the trend as floats, missing as 0 (no copy when it is floats already)."""
    if values.dtype == np.float64 and not values.hasnans:
        numbers = values.to_numpy()
    else:
        parsed = pd.to_numeric(values, errors="coerce")
        unreadable = parsed.isna() & values.notna()
        if unreadable.any():
            raise ArgumentError(f"trend.{column}", values[unreadable].iloc[0], "numeric")
        numbers = parsed.fillna(0.0).to_numpy(dtype=float)
    if not np.isfinite(numbers).all():
        raise ArgumentError(f"trend.{column}", "an infinite value", "finite")
    return numbers


def _text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column's values as text and the sorted distinct texts (``factorize(sort=True)``).

    Arrow-backed text is encoded by Arrow (no Python string per row); Python strings in order
    are numbered without hashing; anything else is read with ``str`` first.
    """
    if isinstance(values.dtype, pd.StringDtype) and not values.hasnans:
        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)
    return _sorted_codes(as_text(values))


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)``; for values already in order, without hashing them."""
    if len(values) > 1:
        change = values[1:] != values[:-1]
        if bool(np.all(values[1:][change] > values[:-1][change])):
            starts = np.concatenate([[True], change])
            return np.cumsum(starts) - 1, values[starts]
    return pd.factorize(values, sort=True)


def _percent_text(values: pd.Series) -> pd.Series:
    """``0.19`` -> ``"19 %"``, ``-0.35`` -> ``"−35 %"``; NA where the value is NaN."""
    rounded = (values * 100).round()
    digits = rounded.abs().astype("Int64").astype("string")
    sign = pd.Series(np.where(rounded < 0, _MINUS, ""), index=values.index, dtype="string")
    return sign + digits + " %"


def _money_text(values: pd.Series) -> pd.Series:
    """``-1234.4`` -> ``"−1,234"``."""
    rounded = values.round()
    digits = rounded.abs().astype("Int64").astype("string")
    digits = digits.str.replace(r"(\d)(?=(\d{3})+$)", r"\1,", regex=True)
    sign = pd.Series(np.where(rounded < 0, _MINUS, ""), index=values.index, dtype="string")
    return sign + digits


def _join_reasons(parts: list[pd.Series]) -> pd.Series:
    joined = parts[0].fillna("")
    for part in parts[1:]:
        part = part.fillna("")
        separator = np.where((joined != "") & (part != ""), "; ", "")
        joined = joined + separator + part
    return joined.astype(str)


#: Customers whose trend grids are made at once in :func:`trend_flags`.
_FLAG_BLOCK = 1 << 17
_FLAG_FIGURES = ("periods", "periods_active", "lines_change", "lines_slope_p", "net_revenue_change",
                 "net_revenue_slope_p", "cost_to_serve_pct_first", "cost_to_serve_pct_last", "bad_debt_pct_first",
                 "bad_debt_pct_last", "contribution_recent", "contribution_earlier")


def _flag_figures(rows: np.ndarray, position: np.ndarray, values: dict[str, np.ndarray], n_customers: int,
                  n_periods: int, recent_periods: int) -> dict[str, np.ndarray]:
    """The figures behind the trend flags for a block of customers (rows numbered from 0 in the block)."""
    shape = (n_customers, n_periods)
    # one row per customer, one column per period; a period without a row counts as zero
    grids = {}
    for column in _TREND_NUMBERS:
        grids[column] = np.zeros(shape)
        grids[column][rows, position] = values[column]
    active = (grids["lines"] > 0) | (grids["net_revenue"] != 0)
    first_row = np.full(n_customers, n_periods)
    np.minimum.at(first_row, rows, position)
    first = np.where(active.any(axis=1), active.argmax(axis=1), first_row)
    step = np.arange(n_periods)[None, :] - first[:, None]  # 0 at the first active period
    in_window = step >= 0
    length = (n_periods - first).astype(float)
    half = np.floor(length / 2)[:, None]
    in_first = in_window & (step < half)
    in_last = step >= length[:, None] - half
    in_recent = step >= length[:, None] - recent_periods
    for column in _TREND_NUMBERS:
        grids[column][~in_window] = 0.0

    def total(grid: np.ndarray) -> np.ndarray:
        return grid.sum(axis=1)

    out = {"periods": length, "periods_active": (active & in_window).sum(axis=1)}
    window = length
    for column in ("lines", "net_revenue"):
        grid = grids[column]
        first_half = total(grid * in_first)
        last_half = total(grid * in_last)
        out[f"{column}_change"] = _ratio(last_half - first_half, first_half, first_half > 0)
        # least-squares slope of values on the period step, per customer
        mean = total(grid) / window
        centred_step = np.where(in_window, step - (length[:, None] - 1) / 2, 0.0)
        centred = np.where(in_window, grid - mean[:, None], 0.0)
        s_ty = total(centred_step * centred)
        s_yy = total(centred * centred)
        s_tt = window * (window * window - 1) / 12  # Σ(t − t̄)², zero for a single period
        freedom = np.maximum(window - 2, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = _ratio(s_ty, s_tt, s_tt > 0)
            residual = np.maximum(s_yy - slope * s_ty, 0.0)
            standard_error = np.sqrt(residual / freedom / s_tt)
            t_stat = np.where(standard_error > 0, slope / standard_error,
                              np.where(slope < 0, -np.inf, np.where(slope > 0, np.inf, 0.0)))
        out[f"{column}_slope_p"] = np.where(window > 2, stats.t.cdf(t_stat, freedom), np.nan)

    net_first = total(grids["net_revenue"] * in_first)
    net_last = total(grids["net_revenue"] * in_last)
    for column in ("cost_to_serve", "bad_debt"):
        grid = grids[column]
        out[f"{column}_pct_first"] = _ratio(total(grid * in_first), net_first, net_first > 0)
        out[f"{column}_pct_last"] = _ratio(total(grid * in_last), net_last, net_last > 0)
    contribution = grids["contribution"]
    out["contribution_recent"] = total(contribution * in_recent)
    out["contribution_earlier"] = total(contribution * ~in_recent)
    return out


def headline_flag(flags: pd.DataFrame) -> pd.Series:
    """The one definition of a customer *flagged* as turning unprofitable.

    A customer is flagged when it has turned loss-making, is building bad debt, or shows the
    classic pattern of falling volume together with rising cost-to-serve. A single warning
    sign (falling volume alone, rising cost-to-serve alone) stays visible in its own column
    without raising the flag: on noisy data each alone fires too often. The report, the
    Analysis and ``XLP_TREND`` all read this column.

    Parameters
    ----------
    flags : pandas.DataFrame
        The warning columns ``falling_volume, rising_cost_to_serve, growing_bad_debt,
        turned_unprofitable`` (booleans).

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``flags``.
    """
    return flags["turned_unprofitable"] | flags["growing_bad_debt"] | (
        flags["falling_volume"] & flags["rising_cost_to_serve"]
    )


def trend_flags(
    trend: pd.DataFrame,
    *,
    min_periods: int = 4,
    recent_periods: int = 2,
    volume_drop: float = 0.20,
    significance: float = 0.05,
    cost_to_serve_rise: float = 0.05,
    bad_debt_rise: float = 0.02,
) -> pd.DataFrame:
    """Flag customers whose profitability is deteriorating.

    Each customer is followed from its first period with activity (lines or net revenue)
    to the last period of the whole table; periods without a row count as zero, so a
    customer who stopped buying shows falling volume. The window is cut into a first and
    a last half of ``n // 2`` periods each (the middle period of an odd window belongs to
    neither).

    Parameters
    ----------
    trend : pandas.DataFrame
        Long trend table: ``customer_id, period, net_revenue, gross_margin, cost_to_serve,
        bad_debt, contribution, lines`` and optionally ``period_start`` (periods are
        ordered by it, then by label). Missing numbers count as 0.
    min_periods : int, default 4
        Customers with fewer periods with activity are not assessed: every flag is False
        and ``assessed`` is False. At least 3 (the slope test needs 1 degree of freedom).
    recent_periods : int, default 2
        Number of latest periods compared with the earlier ones for
        ``turned_unprofitable``; between 1 and ``min_periods - 1``.
    volume_drop : float, default 0.20
        Fall of lines or net revenue, last half against first half, that flags falling
        volume.
    significance : float, default 0.05
        One-sided p-value below which a negative least-squares slope of lines or net
        revenue over the periods flags falling volume on its own; 0 turns the test off.
    cost_to_serve_rise : float, default 0.05
        Rise of cost-to-serve as a share of net revenue (last half against first half, in
        percentage points as a fraction: 0.05 = 5 points) that flags
        ``rising_cost_to_serve``.
    bad_debt_rise : float, default 0.02
        Rise of bad debt as a share of net revenue, likewise, that flags
        ``growing_bad_debt``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), one row per customer of ``trend``:
        ``periods`` (length of the window), ``periods_active``, ``assessed``, the flags
        ``falling_volume, rising_cost_to_serve, growing_bad_debt, turned_unprofitable``,
        ``flagged`` (the headline flag, :func:`headline_flag`), ``reasons`` (the warning
        signs of every customer showing one, text such as "falling volume (−35 % lines);
        cost-to-serve 8 % → 19 % of revenue") and the figures behind them:
        ``lines_change, net_revenue_change`` (last half / first half − 1; NaN when the
        first half is not positive), ``lines_slope_p, net_revenue_slope_p`` (one-sided
        p-values of a negative slope), ``cost_to_serve_pct_first, cost_to_serve_pct_last,
        bad_debt_pct_first, bad_debt_pct_last`` (NaN when that half has no positive
        revenue, which never raises a flag), ``contribution_earlier,
        contribution_recent``.

    Notes
    -----
    ``turned_unprofitable`` means the summed contribution of the last ``recent_periods``
    periods is negative while the sum over the earlier periods of the window is zero or
    positive.
    """
    options = _flag_options(min_periods, recent_periods, volume_drop, significance, cost_to_serve_rise,
                            bad_debt_rise)
    return _flags(_trend_arrays(trend), **options)


def _flag_options(min_periods: int, recent_periods: int, volume_drop: float, significance: float,
                  cost_to_serve_rise: float, bad_debt_rise: float) -> dict[str, Any]:
    """The options of :func:`trend_flags`, checked."""
    min_periods = _check_int(min_periods, "min_periods", low=3)
    recent_periods = _check_int(recent_periods, "recent_periods", low=1)
    if recent_periods >= min_periods:
        raise ArgumentError("recent_periods", recent_periods, f"below min_periods ({min_periods})")
    volume_drop = _check_fraction(volume_drop, "volume_drop", low=0.0, high=1.0)
    significance = _check_fraction(significance, "significance", low=0.0, high=1.0, closed_high=False)
    cost_to_serve_rise = _check_fraction(cost_to_serve_rise, "cost_to_serve_rise", low=0.0, high=np.inf)
    bad_debt_rise = _check_fraction(bad_debt_rise, "bad_debt_rise", low=0.0, high=np.inf)
    return {"min_periods": min_periods, "recent_periods": recent_periods, "volume_drop": volume_drop,
            "significance": significance, "cost_to_serve_rise": cost_to_serve_rise, "bad_debt_rise": bad_debt_rise}


def _trend_arrays(trend: pd.DataFrame) -> dict[str, Any]:
    """The trend read by :func:`_trend_table`, as arrays.

    ``customers`` and ``periods`` (the tables of :func:`_trend_table`), ``rows`` (customer
    numbers, sorted), ``position`` (period positions) and ``values`` (an array per number column).
    """
    table, periods = _trend_table(trend)
    return {"customers": table.attrs["customers"], "periods": periods, "rows": table["customer"].to_numpy(),
            "position": table["position"].to_numpy(),
            "values": {column: table[column].to_numpy() for column in _TREND_NUMBERS}}


def _flags(arrays: dict[str, Any], *, min_periods: int, recent_periods: int, volume_drop: float,
           significance: float, cost_to_serve_rise: float, bad_debt_rise: float) -> pd.DataFrame:
    """:func:`trend_flags` of the arrays of :func:`_trend_arrays`.

    It empties ``arrays``: a large trend's arrays are freed as soon as the figures are made.
    """
    customers, periods = arrays.pop("customers"), arrays.pop("periods")
    rows, position, values = arrays.pop("rows"), arrays.pop("position"), arrays.pop("values")
    # Customers are independent of each other: the grids are made a block of customers at a time,
    # so that a million customers never need a million-row grid per figure.
    starts = np.arange(0, len(customers), _FLAG_BLOCK)
    bounds = np.searchsorted(rows, np.append(starts, len(customers)))
    parts = []
    for first_customer, lo, hi in zip(starts, bounds[:-1], bounds[1:], strict=True):
        size = min(_FLAG_BLOCK, len(customers) - int(first_customer))
        parts.append(_flag_figures(rows[lo:hi] - first_customer, position[lo:hi],
                                   {c: v[lo:hi] for c, v in values.items()}, size, len(periods),
                                   recent_periods))
    figures = {name: np.concatenate([part[name] for part in parts]) if parts else np.zeros(0)
               for name in _FLAG_FIGURES}
    del rows, position, values

    result = pd.DataFrame(index=customers)
    result["periods"] = figures["periods"].astype(np.int64)
    result["periods_active"] = figures["periods_active"].astype(np.int64)
    result["assessed"] = result["periods_active"] >= min_periods
    change = {column: figures[f"{column}_change"] for column in ("lines", "net_revenue")}
    slope_p = {column: figures[f"{column}_slope_p"] for column in ("lines", "net_revenue")}
    for column in ("lines", "net_revenue"):
        result[f"{column}_change"] = change[column]
        result[f"{column}_slope_p"] = slope_p[column]

    falls = {
        column: ((slope_p[column] < significance) | (change[column] <= -volume_drop))
        for column in ("lines", "net_revenue")
    }
    result["falling_volume"] = result["assessed"] & (falls["lines"] | falls["net_revenue"])
    for column in ("cost_to_serve", "bad_debt"):
        result[f"{column}_pct_first"] = figures[f"{column}_pct_first"]
        result[f"{column}_pct_last"] = figures[f"{column}_pct_last"]
    cts_first, cts_last = figures["cost_to_serve_pct_first"], figures["cost_to_serve_pct_last"]
    debt_first, debt_last = figures["bad_debt_pct_first"], figures["bad_debt_pct_last"]
    with np.errstate(invalid="ignore"):
        result["rising_cost_to_serve"] = result["assessed"] & (cts_last - cts_first >= cost_to_serve_rise)
        result["growing_bad_debt"] = result["assessed"] & (debt_last > debt_first) & (
            debt_last - debt_first >= bad_debt_rise
        )

    result["contribution_recent"] = figures["contribution_recent"]
    result["contribution_earlier"] = figures["contribution_earlier"]
    result["turned_unprofitable"] = (
        result["assessed"] & (result["contribution_recent"] < 0) & (result["contribution_earlier"] >= 0)
    )
    flags = ["falling_volume", "rising_cost_to_serve", "growing_bad_debt", "turned_unprofitable"]
    result["flagged"] = headline_flag(result)

    # The reasons are written for the customers with a warning sign only (a few of a million).
    some = result[flags].any(axis=1).to_numpy()
    picked = result.loc[some]
    empty = pd.Series(pd.NA, index=picked.index, dtype="string")
    volume_parts = []
    for column, label in (("lines", "lines"), ("net_revenue", "net revenue")):
        moved = pd.Series(change[column][some], index=picked.index)
        text = (_percent_text(moved) + " " + label).fillna(label + " trending down")
        volume_parts.append(text.where(pd.Series(falls[column][some], index=picked.index), empty))
    volume = _join_reasons(volume_parts).str.replace("; ", ", ", regex=False)
    arrow = " \u2192 "
    cost_text = ("cost-to-serve " + _percent_text(picked["cost_to_serve_pct_first"]) + arrow
                 + _percent_text(picked["cost_to_serve_pct_last"]) + " of revenue")
    debt_text = ("bad debt " + _percent_text(picked["bad_debt_pct_first"]) + arrow
                 + _percent_text(picked["bad_debt_pct_last"]) + " of revenue")
    plural = "s" if recent_periods > 1 else ""
    loss_text = ("turned unprofitable (contribution " + _money_text(picked["contribution_recent"])
                 + f" in the last {recent_periods} period{plural})")
    reasons = [
        ("falling volume (" + volume + ")").where(picked["falling_volume"], empty),
        cost_text.where(picked["rising_cost_to_serve"], empty),
        debt_text.where(picked["growing_bad_debt"], empty),
        loss_text.where(picked["turned_unprofitable"], empty),
    ]
    text = np.full(len(result), "", dtype=object)
    text[some] = _join_reasons(reasons).to_numpy(dtype=object)
    result["reasons"] = pd.Series(text, index=customers, dtype=str)
    columns = [
        "periods", "periods_active", "assessed", *flags, "flagged", "reasons",
        "lines_change", "net_revenue_change", "lines_slope_p", "net_revenue_slope_p",
        "cost_to_serve_pct_first", "cost_to_serve_pct_last", "bad_debt_pct_first", "bad_debt_pct_last",
        "contribution_earlier", "contribution_recent",
    ]
    return result[columns]


def profit_trend(trend: pd.DataFrame) -> pd.DataFrame:
    """Portfolio totals per period.

    Parameters
    ----------
    trend : pandas.DataFrame
        Long trend table as for :func:`trend_flags`.

    Returns
    -------
    pandas.DataFrame
        One row per period in calendar order: ``period, period_start, customers_active``
        (customers with lines or net revenue in the period), ``net_revenue, gross_margin,
        cost_to_serve, bad_debt, contribution`` and ``loss_makers`` (customers with a
        negative contribution in the period).
    """
    return _totals(_trend_arrays(trend))


def _totals(arrays: dict[str, Any]) -> pd.DataFrame:
    """:func:`profit_trend` of the arrays of :func:`_trend_arrays` (left as they are)."""
    values = arrays["values"]
    active = (values["lines"] > 0) | (values["net_revenue"] != 0)
    money = ["net_revenue", "gross_margin", "cost_to_serve", "bad_debt", "contribution"]
    sums = pd.DataFrame({
        "active": active.astype(np.int64),
        **{column: to_cents(values[column]) for column in money},  # summed in cents: the totals tie to the P&L
        "loss_maker": (values["contribution"] < 0).astype(np.int64),
    }, copy=False).groupby(arrays["position"], sort=True).sum()
    sums[money] = sums[money] / 100.0
    result = arrays["periods"].set_index("position").join(sums, how="left")
    result = result.rename(columns={"active": "customers_active", "loss_maker": "loss_makers"})
    columns = ["period", "period_start", "customers_active", "net_revenue", "gross_margin", "cost_to_serve",
               "bad_debt", "contribution", "loss_makers"]
    return result[columns].reset_index(drop=True)


def trend_flags_and_totals(trend: pd.DataFrame, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(trend_flags(trend, **options), profit_trend(trend))`` with the trend read once.

    The analysis of a large ledger has millions of customer-periods: one reading of them less.
    """
    defaults = {name: p.default for name, p in inspect.signature(trend_flags).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}
    checked = _flag_options(**{**defaults, **options})
    arrays = _trend_arrays(trend)
    totals = _totals(arrays)
    return _flags(arrays, **checked), totals
