"""Discount dependency: who buys on sale, and what such customers are worth next to full-price regulars.

A *sale purchase* is an invoice line discounted at least ``sale_depth`` of its gross revenue
(:data:`~xlprofit.core.aggregate.SALE_DEPTH`, 20 %; :func:`~xlprofit.core.aggregate.sale_lines`).
The line aggregates sum the net revenue of such lines per customer into the P&L's
``discounted_revenue``; a customer's *discount dependency* is that share of its net revenue
(:func:`~xlprofit.core.segments.discount_dependency`): net, because net revenue is what the
customer pays and what the P&L's margins are shares of. A customer is *sale-dependent* when its
dependency is at least ``dependent_share`` (:data:`SALE_SHARE`, 50 %). :func:`sale_comparison`
sets the sale-dependent buyers beside the full-price regulars: how many, their contribution
margin, their lifetime value per euro of revenue and how many are still buying.

Percentages are fractions (``0.2`` is 20 %).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.aggregate import SALE_DEPTH, check_sale_depth
from xlprofit.core.arguments import bounded_number
from xlprofit.core.customer_frames import customer_table, divide_where, money_columns
from xlprofit.core.segments import discount_dependency
from xlprofit.errors import ArgumentError

__all__ = ["SALE_DEPTH", "SALE_GROUPS", "SALE_PARAMETERS", "SALE_SHARE", "sale_comparison", "sale_dependent"]

#: Share of net revenue bought on sale from which a customer is sale-dependent: at least half,
#: so its typical euro is spent on sale (a regular who catches the odd promotion stays a regular).
SALE_SHARE = 0.50

#: The groups of :func:`sale_comparison`, in their order, with their English labels.
SALE_GROUPS: dict[str, str] = {"full_price": "full-price regulars", "sale_dependent": "sale-dependent buyers"}

#: The options as parameters of an analysis: name -> (kind as in ``schema.PARAMETERS``, default,
#: meaning). ``sale_depth`` must reach the line aggregates (it decides ``discounted_revenue``);
#: ``sale_dependent_share`` is the ``dependent_share`` of :func:`sale_comparison`.
SALE_PARAMETERS: dict[str, tuple[str, Any, str]] = {
    "sale_depth": ("rate", SALE_DEPTH, "discount, as a share of a line's gross revenue, that makes it a sale purchase"),
    "sale_dependent_share": ("rate", SALE_SHARE,
                             "share of a customer's net revenue bought on sale that makes it sale-dependent"),
}

_MONEY = ("net_revenue", "discounted_revenue", "gross_margin", "cost_to_serve", "contribution", "profit")


def sale_dependent(customers: pd.DataFrame, dependent_share: float = SALE_SHARE) -> pd.Series:
    """Whether each customer is sale-dependent: discount dependency at least ``dependent_share``.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``discounted_revenue`` (net revenue bought on sale) and
        ``net_revenue``.
    dependent_share : float, default 0.5
        Share of net revenue bought on sale from which a customer is sale-dependent (above 0,
        at most 1).

    Returns
    -------
    pandas.Series
        Boolean per customer (sorted by ``customer_id``), named ``sale_dependent``; False for
        a customer without positive net revenue (no dependency can be measured).
    """
    share = _dependent_share(dependent_share)
    with np.errstate(invalid="ignore"):
        dependent = discount_dependency(customers).to_numpy() >= share
    return pd.Series(dependent, index=customer_table(customers, ()).index, name="sale_dependent")


def _dependent_share(value: float) -> float:
    share = bounded_number("dependent_share", value, low=0.0, high=1.0)
    if share <= 0.0:
        raise ArgumentError("dependent_share", value, "above 0 and at most 1")
    return share


def sale_comparison(
    customers: pd.DataFrame,
    clv: pd.DataFrame | None = None,
    trend: pd.DataFrame | None = None,
    *,
    dependent_share: float = SALE_SHARE,
    sale_depth: float = SALE_DEPTH,
) -> pd.DataFrame:
    """Full-price regulars and sale-dependent buyers side by side.

    Every customer with positive net revenue is in one of the two groups
    (:func:`sale_dependent`); customers without positive net revenue have no dependency and are
    left out (their number is ``attrs["left_out"]``).

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L, indexed by ``customer_id``: ``net_revenue, discounted_revenue,
        gross_margin, cost_to_serve, contribution, profit``; ``clv`` and ``p_alive`` are read
        from here when ``clv`` is not given.
    clv : pandas.DataFrame, optional
        Per customer ``clv`` and optionally ``p_alive`` (the analysis's ``clv`` table). NaN
        values (no model) are left out of the CLV and P(alive) figures, not counted as 0.
    trend : pandas.DataFrame, optional
        Long trend table (``customer_id, period, lines, net_revenue`` and optionally
        ``period_start``): a customer with lines or net revenue in the last period is active.
    dependent_share : float, default 0.5
        :data:`SALE_SHARE`: share of net revenue bought on sale from which a customer is
        sale-dependent.
    sale_depth : float, default 0.2
        The discount depth ``discounted_revenue`` was summed at (it is decided when the lines
        are summed, :data:`~xlprofit.core.aggregate.SALE_DEPTH`); stated in ``attrs`` only.

    Returns
    -------
    pandas.DataFrame
        One row per group of :data:`SALE_GROUPS` (``full_price``, ``sale_dependent``, both
        always present): ``group, customers, net_revenue, sale_revenue, sale_share`` (sale
        revenue / net revenue), ``gross_margin, cost_to_serve, contribution,
        contribution_margin`` (contribution / net revenue), ``profit, margin_pct`` (profit /
        net revenue), ``clv`` (sum over the customers with a value), ``clv_per_revenue`` (that
        sum / the same customers' net revenue: lifetime value per euro bought), ``active_share``
        (share of the group active in the last period of ``trend``) and ``p_alive`` (mean
        P(alive)); a ratio is NaN where its denominator is 0 or its figures are absent.
        ``attrs``: ``sale_depth``, ``dependent_share`` and ``left_out``.
    """
    share = _dependent_share(dependent_share)
    depth = check_sale_depth(sale_depth)
    frame = customer_table(customers, _MONEY)
    money = money_columns(frame, _MONEY)
    assessed = money["net_revenue"].to_numpy() > 0
    dependent = sale_dependent(frame, share).to_numpy()
    group = np.where(dependent, "sale_dependent", "full_price")

    values = _customer_values(frame, clv)
    active = _active_in_last_period(frame.index, trend)
    keep = assessed
    table = money.loc[keep].copy()
    table["group"] = group[keep]
    table["customers"] = 1
    clv_known = values["clv"].notna().to_numpy()[keep]
    table["clv"] = values["clv"].to_numpy()[keep]
    table["clv_revenue"] = np.where(clv_known, table["net_revenue"].to_numpy(), 0.0)
    table["clv_known"] = clv_known.astype(np.int64)
    table["p_alive"] = values["p_alive"].to_numpy()[keep]
    table["active"] = active.to_numpy(dtype=float)[keep] if active is not None else np.nan

    grouped = table.groupby("group", sort=False)
    sums = grouped[["customers", *_MONEY, "clv_revenue", "clv_known"]].sum().reindex(list(SALE_GROUPS), fill_value=0)
    clv_sum = grouped["clv"].sum(min_count=1).reindex(list(SALE_GROUPS))
    p_alive = grouped["p_alive"].mean().reindex(list(SALE_GROUPS))
    active_share = grouped["active"].mean().reindex(list(SALE_GROUPS))

    net = sums["net_revenue"].to_numpy(dtype=float)
    result = pd.DataFrame({"group": list(SALE_GROUPS)})
    result["customers"] = sums["customers"].to_numpy(dtype=np.int64)
    result["net_revenue"] = net
    result["sale_revenue"] = sums["discounted_revenue"].to_numpy(dtype=float)
    result["sale_share"] = divide_where(result["sale_revenue"].to_numpy(), net, net > 0)
    for column in ("gross_margin", "cost_to_serve", "contribution"):
        result[column] = sums[column].to_numpy(dtype=float)
    result["contribution_margin"] = divide_where(result["contribution"].to_numpy(), net, net > 0)
    result["profit"] = sums["profit"].to_numpy(dtype=float)
    result["margin_pct"] = divide_where(result["profit"].to_numpy(), net, net > 0)
    clv_total = clv_sum.to_numpy(dtype=float)
    clv_revenue = sums["clv_revenue"].to_numpy(dtype=float)
    result["clv"] = clv_total
    result["clv_per_revenue"] = divide_where(np.nan_to_num(clv_total), clv_revenue,
                                             (clv_revenue > 0) & ~np.isnan(clv_total))
    result["active_share"] = active_share.to_numpy(dtype=float)
    result["p_alive"] = p_alive.to_numpy(dtype=float)
    result.attrs.update({"sale_depth": depth, "dependent_share": share, "left_out": int((~assessed).sum())})
    return result


def _customer_values(frame: pd.DataFrame, clv: pd.DataFrame | None) -> pd.DataFrame:
    """``clv`` and ``p_alive`` per customer of ``frame`` (NaN where unknown)."""
    source = frame if clv is None else clv
    if not isinstance(source, pd.DataFrame):
        raise ArgumentError("clv", type(source).__name__, "a pandas DataFrame indexed by customer_id")
    if source is not frame and source.index.name != "customer_id" and "customer_id" in source.columns:
        source = source.set_index("customer_id")
    index = pd.Index(source.index.astype(str), name="customer_id")
    out = pd.DataFrame(index=frame.index)
    for column in ("clv", "p_alive"):
        if column in source.columns:
            numbers = pd.to_numeric(pd.Series(source[column].to_numpy(), index=index), errors="coerce")
            if not numbers.index.is_unique:
                raise ArgumentError("clv", numbers.index[numbers.index.duplicated()][0],
                                    "a table with one row per customer_id")
            out[column] = numbers.reindex(frame.index).to_numpy(dtype=float)
        else:
            out[column] = np.nan
    return out


def _active_in_last_period(customers: pd.Index, trend: pd.DataFrame | None) -> pd.Series | None:
    """Whether each customer bought in the last period of ``trend`` (None without a trend)."""
    if trend is None:
        return None
    if not isinstance(trend, pd.DataFrame):
        raise ArgumentError("trend", type(trend).__name__, "a pandas DataFrame")
    rows = trend.reset_index() if "customer_id" not in trend.columns else trend
    missing = [c for c in ("customer_id", "period", "lines", "net_revenue") if c not in rows.columns]
    if missing:
        raise ArgumentError("trend", ", ".join(missing), "a table with the column(s) " + ", ".join(missing))
    if not len(rows):
        return pd.Series(False, index=customers)
    if "period_start" in rows.columns and rows["period_start"].notna().any():
        starts = pd.to_datetime(rows["period_start"])
        last = (starts == starts.max()).to_numpy()
    else:
        labels = rows["period"].astype(str)
        last = (labels == labels.max()).to_numpy()
    lines = pd.to_numeric(rows["lines"], errors="coerce").fillna(0.0).to_numpy()
    net = pd.to_numeric(rows["net_revenue"], errors="coerce").fillna(0.0).to_numpy()
    buyers = set(rows["customer_id"].astype(str).to_numpy()[last & ((lines > 0) | (net != 0))])
    return pd.Series(customers.isin(list(buyers)), index=customers)
