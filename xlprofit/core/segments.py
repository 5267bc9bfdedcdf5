"""Profit by segment, channel and region, and how much of a customer's revenue is bought on sale.

Every function takes the ``customers`` P&L table (indexed by ``customer_id``) described in
``docs/architecture.md`` and returns a new table. Results never depend on the order of the
input rows: customers are sorted by ``customer_id`` and every sum is taken in a fixed order.

Percentages are fractions (``0.25`` is 25 %). The whale curve and deciles are in
:mod:`xlprofit.core.whale`, the profitability matrix in :mod:`xlprofit.core.matrix`, the trend
flags in :mod:`xlprofit.core.trend`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xlprofit.core.customer_frames import MONEY_COLUMNS, customer_table, divide_where, money_columns
from xlprofit.errors import ArgumentError

__all__ = ["BLANK", "by_dimension", "dimension_values", "discount_dependency"]

#: Label of a missing or empty dimension value (segment, channel, region).
BLANK = "(blank)"


def dimension_values(values: pd.Series) -> pd.Series:
    """Dimension values as text; NA, NaN and empty text become ``"(blank)"``."""
    text = values.astype("string").str.strip()
    return text.mask(text.isna() | (text == ""), BLANK).astype(str)


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
    frame = customer_table(customers, (*MONEY_COLUMNS, *dimensions))
    money = money_columns(frame, MONEY_COLUMNS)
    money["loss_makers"] = (money["profit"] < 0).astype(np.int64)
    pieces = []
    for rank, dimension in enumerate(dimensions):
        values = dimension_values(frame[dimension])
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
    result["margin_pct"] = divide_where(result["profit"].to_numpy(), revenue, revenue != 0)
    columns = ["dimension", "value", "customers", *MONEY_COLUMNS, "margin_pct", "loss_makers"]
    return result[columns].reset_index(drop=True)


def discount_dependency(customers: pd.DataFrame) -> pd.Series:
    """Share of a customer's net revenue bought on sale.

    A sale purchase is an invoice line discounted at least the ``sale_depth`` (20 % by
    default) of its gross revenue (:func:`~xlprofit.core.aggregate.sale_lines`): a clearance or
    promotion price, not the few per cent a regular customer negotiates, nor an off-invoice
    rebate. The line aggregates sum the net revenue of such lines into the P&L's
    ``discounted_revenue``; this is its share of net revenue (net: what the customer pays).
    :mod:`xlprofit.core.sale` compares the sale-dependent customers with the full-price ones.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``discounted_revenue`` (net revenue bought on sale) and
        ``net_revenue``.

    Returns
    -------
    pandas.Series
        ``discounted_revenue / net_revenue`` per customer (sorted by ``customer_id``), named
        ``discount_dependency``; NaN where net revenue is not positive.
    """
    frame = customer_table(customers, ("discounted_revenue", "net_revenue"))
    money = money_columns(frame, ("discounted_revenue", "net_revenue"))
    net = money["net_revenue"].to_numpy()
    ratio = divide_where(money["discounted_revenue"].to_numpy(), net, net > 0)
    return pd.Series(ratio, index=frame.index, name="discount_dependency")
