"""Acquisition economics: what a customer costs to win, how fast it pays back, what it brings in.

Cash-flow timing is always explicit. With retention ``r`` and discount rate ``i`` per
period, a customer who contributes ``m`` per period while retained contributes, in
present value,

- ``timing="end"`` (margin at the end of each period): ``m·d, m·d², m·d³, …``
- ``timing="start"`` (margin at the start of each period): ``m, m·d, m·d², …``

with ``d = r / (1 + i)``. Summed to infinity these are the retention formula of Gupta &
Lehmann (2003, "Customers as Assets", Journal of Interactive Marketing 17(1)):
``m·r / (1 + i − r)`` and ``m·(1 + i) / (1 + i − r)``.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, cast

import numpy as np
import pandas as pd

from xlprofit.core.arguments import bounded_number, bounded_numbers
from xlprofit.core.customer_frames import customer_table, divide_where, money_columns
from xlprofit.core.parsing import member_of
from xlprofit.core.segments import dimension_values
from xlprofit.errors import ArgumentError, DivisionByZeroError

__all__ = [
    "cac",
    "customer_cac",
    "lookalike_cost_to_serve",
    "payback_periods",
    "prospect_value",
    "referral_value",
    "unmatched_referrals",
]

Timing = Literal["end", "start"]
ArrayLike: TypeAlias = float | np.ndarray | pd.Series


def _timing(timing: str) -> Timing:
    if timing not in ("end", "start"):
        raise ArgumentError("timing", timing,
                            '"end" (margin at period end) or "start" (margin at period start)')
    return cast(Timing, timing)


def _result(values: np.ndarray, *inputs: ArrayLike) -> float | np.ndarray:
    """Return a Python float when every input was a scalar, else the array."""
    if all(np.ndim(item) == 0 for item in inputs):
        return float(values)
    return values


def cac(acquisition_spend: float, customers_acquired: float) -> float:
    """Compute the customer acquisition cost: acquisition spend per customer acquired.

    Parameters
    ----------
    acquisition_spend : float
        Marketing and sales spend on acquiring customers in the period; at least 0.
    customers_acquired : float
        Customers acquired with that spend; above 0.

    Returns
    -------
    float
        ``acquisition_spend / customers_acquired``.

    Raises
    ------
    ArgumentError
        A negative or non-finite argument.
    DivisionByZeroError
        ``customers_acquired`` is 0.
    """
    spend = bounded_number("acquisition_spend", acquisition_spend, low=0.0)
    count = bounded_number("customers_acquired", customers_acquired, low=0.0)
    if count == 0:
        raise DivisionByZeroError("'customers_acquired' is 0; the acquisition cost per customer is undefined")
    return spend / count


def customer_cac(customers: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Acquisition cost per customer, or its average per group, from ``acquisition_cost``.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customers (or customer P&L) with ``acquisition_cost``; blank where unknown.
    by : str, optional
        A text column (``"channel"``, ``"segment"`` …). When given, the result is the
        average acquisition cost of the customers of each group whose cost is known.

    Returns
    -------
    pandas.Series
        Named ``cac``. Without ``by``: indexed by ``customer_id`` (sorted), NaN where the
        cost is unknown. With ``by``: indexed by the group values (``"(blank)"`` for a
        missing value), NaN for a group without any known cost.
    """
    columns = ("acquisition_cost",) if by is None else ("acquisition_cost", by)
    frame = customer_table(customers, columns)
    costs = pd.to_numeric(frame["acquisition_cost"], errors="coerce").astype(float)
    unreadable = costs.isna() & frame["acquisition_cost"].notna()
    bad = unreadable | np.isinf(costs) | (costs < 0)
    if bad.any():
        raise ArgumentError("customers.acquisition_cost", f"{costs.index[bad][0]}: "
                            f"{frame['acquisition_cost'][bad].iloc[0]}", "a finite number of at least 0")
    if by is None:
        return costs.rename("cac")
    groups = dimension_values(frame[by])
    result = costs.groupby(groups.to_numpy(), sort=True).mean()
    result.index.name = by
    return result.rename("cac")


def payback_periods(
    cac: ArrayLike,
    contribution_per_period: ArrayLike,
    *,
    retention: ArrayLike = 1.0,
    discount_rate: ArrayLike,
    timing: Timing,
) -> float | np.ndarray:
    """Periods of contribution needed to recover the acquisition cost.

    The cumulative (retention-weighted, discounted) contribution after ``K`` periods is a
    geometric sum ``c·(1 − d^K)/(1 − d)`` with ``d = retention / (1 + discount_rate)`` and
    first-period value ``c = m·d`` (``timing="end"``) or ``c = m`` (``"start"``). The payback
    is the continuous solution of the closed form found by logarithm, rounded up to the
    first whole period ``K`` that recovers the cost, and then made fractional by linear
    interpolation within period ``K``: ``K − 1 + (cac − C(K−1)) / (C(K) − C(K−1))``.

    Parameters
    ----------
    cac : float or array_like
        Acquisition cost to recover; at least 0.
    contribution_per_period : float or array_like
        Contribution ``m`` of a retained customer per period.
    retention : float or array_like, default 1.0
        Share of customers retained from one period to the next, in [0, 1].
    discount_rate : float or array_like
        Discount rate per period, at least 0. Required: an undiscounted payback is asked for
        with 0, never assumed.
    timing : {"end", "start"}
        Whether each period's contribution arrives at its end or its start. Required.

    Returns
    -------
    float or numpy.ndarray
        Payback in periods (0 when ``cac`` is 0); ``inf`` when the cost is never recovered,
        i.e. when the contribution is not positive or the value over an infinite horizon,
        ``c / (1 − d)``, is at most ``cac``. Arrays broadcast; scalars in give a float out.
    """
    timing = _timing(timing)
    cost, margin, kept, rate = np.broadcast_arrays(
        bounded_numbers("cac", cac, low=0.0),
        bounded_numbers("contribution_per_period", contribution_per_period),
        bounded_numbers("retention", retention, low=0.0, high=1.0),
        bounded_numbers("discount_rate", discount_rate, low=0.0),
    )
    # d = r/(1 + i) in logarithms, so that 1 − d and 1 − d^K keep their precision when d is
    # close to 1: 1 − d^K = −expm1(K·ln d)
    with np.errstate(divide="ignore"):
        log_ratio = np.log(kept) - np.log1p(rate)
    ratio = np.exp(log_ratio)
    first = margin * ratio if timing == "end" else margin
    payback = np.full(cost.shape, np.inf)
    with np.errstate(all="ignore"):
        # no decay: every period brings the same value, so the payback is linear
        flat = (log_ratio == 0.0) & (first > 0)
        payback = np.where(flat, cost / first, payback)
        # retention 0: only the first period brings anything
        single = (kept == 0.0) & (first > 0) & (cost <= first)
        payback = np.where(single, cost / first, payback)
        # geometric decay: d^x = 1 − cac·(1 − d)/c has a solution when the right side is > 0
        decaying = (kept > 0.0) & (log_ratio < 0.0) & (first > 0)
        one_minus_ratio = -np.expm1(log_ratio)
        target = -cost * one_minus_ratio / first  # log of the right side is log1p(target)
        solvable = decaying & (target > -1.0)
        safe_log = np.where(solvable, log_ratio, -1.0)
        exact = np.log1p(np.where(solvable, target, 0.0)) / safe_log
        whole = np.maximum(np.ceil(exact), 1.0)
        before = first * -np.expm1((whole - 1.0) * safe_log) / np.where(solvable, one_minus_ratio, 1.0)
        last = first * np.exp((whole - 1.0) * safe_log)
        fraction = np.clip((cost - before) / np.where(solvable, last, 1.0), 0.0, 1.0)
        payback = np.where(solvable, whole - 1.0 + fraction, payback)
    payback = np.where(cost == 0, 0.0, payback)
    return _result(payback, cac, contribution_per_period, retention, discount_rate)


def _margin_multiple(retention: np.ndarray, discount_rate: np.ndarray, timing: str,
                     horizon: int | None) -> np.ndarray:
    """Present value of 1 per period while retained: the geometric sum of the retention formula."""
    if horizon is None:
        denominator = 1.0 + discount_rate - retention
        if np.any(denominator == 0):
            raise DivisionByZeroError(
                "retention 1 with discount rate 0 has no finite lifetime value; give a horizon"
            )
        numerator = retention if timing == "end" else 1.0 + discount_rate
        return numerator / denominator
    with np.errstate(divide="ignore"):
        log_ratio = np.log(retention) - np.log1p(discount_rate)
    ratio = np.exp(log_ratio)
    first = ratio if timing == "end" else np.ones_like(ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        # (1 − d^H)/(1 − d) through expm1, exact to rounding even when d is close to 1
        partial = first * np.expm1(horizon * log_ratio) / np.expm1(log_ratio)
    partial = np.where(retention == 0.0, first, partial)  # d = 0: the first margin only
    return np.where(log_ratio == 0.0, first * horizon, partial)


def prospect_value(
    expected_revenue: ArrayLike,
    gross_margin_pct: ArrayLike,
    expected_cost_to_serve: ArrayLike,
    retention: ArrayLike,
    discount_rate: ArrayLike,
    *,
    timing: Timing,
    acquisition_cost: ArrayLike = 0.0,
    horizon: int | None = None,
) -> float | np.ndarray:
    """Value a prospect: expected lifetime contribution minus what it costs to acquire.

    Per-period margin ``m = expected_revenue × gross_margin_pct − expected_cost_to_serve``
    (contribution after cost-to-serve), valued with the retention formula:
    ``m·r/(1 + i − r)`` for ``timing="end"``, ``m·(1 + i)/(1 + i − r)`` for ``"start"``; with
    a ``horizon`` of ``H`` periods, the partial sums ``m·d·(1 − d^H)/(1 − d)`` and
    ``m·(1 − d^H)/(1 − d)``, ``d = r/(1 + i)``.

    Parameters
    ----------
    expected_revenue : float or array_like
        Expected net revenue per period; at least 0.
    gross_margin_pct : float or array_like
        Gross margin as a share of net revenue; at most 1.
    expected_cost_to_serve : float or array_like
        Expected cost-to-serve per period; at least 0 (see :func:`lookalike_cost_to_serve`).
    retention : float or array_like
        Retention per period, in [0, 1].
    discount_rate : float or array_like
        Discount rate per period, at least 0.
    timing : {"end", "start"}
        Whether each period's margin arrives at its end or its start. Required.
    acquisition_cost : float or array_like, default 0.0
        Acquisition cost, paid now, subtracted from the lifetime contribution.
    horizon : int, optional
        Number of periods to value; None for an infinite horizon.

    Returns
    -------
    float or numpy.ndarray
        Prospect value; arrays broadcast, scalars in give a float out.

    Raises
    ------
    DivisionByZeroError
        Infinite horizon with retention 1 and discount rate 0 (the sum diverges).
    """
    timing = _timing(timing)
    if horizon is not None:
        if isinstance(horizon, bool) or not np.isscalar(horizon):
            raise ArgumentError("horizon", horizon, "a whole number of periods of at least 1, or blank")
        number = cast(float, horizon)  # a scalar: any value may arrive from a cell, checked here
        if not np.isfinite(number) or number < 1 or float(number) != int(number):
            raise ArgumentError("horizon", horizon, "a whole number of periods of at least 1, or blank")
        horizon = int(number)
    revenue, margin_pct, serve, kept, rate, acquisition = np.broadcast_arrays(
        bounded_numbers("expected_revenue", expected_revenue, low=0.0),
        bounded_numbers("gross_margin_pct", gross_margin_pct, high=1.0),
        bounded_numbers("expected_cost_to_serve", expected_cost_to_serve, low=0.0),
        bounded_numbers("retention", retention, low=0.0, high=1.0),
        bounded_numbers("discount_rate", discount_rate, low=0.0),
        bounded_numbers("acquisition_cost", acquisition_cost, low=0.0),
    )
    margin = revenue * margin_pct - serve
    value = margin * _margin_multiple(kept, rate, timing, horizon) - acquisition
    return _result(value, expected_revenue, gross_margin_pct, expected_cost_to_serve, retention,
                   discount_rate, acquisition_cost)


def _referrals(customers: pd.DataFrame, value_column: str) -> pd.DataFrame:
    """Each customer's referrer, value and whether the referral can be credited."""
    frame = customer_table(customers, ("referred_by", value_column))
    values = pd.to_numeric(frame[value_column], errors="coerce").astype(float)
    if (values.isna() & frame[value_column].notna()).any():
        bad = values.index[values.isna() & frame[value_column].notna()][0]
        raise ArgumentError(f"customers.{value_column}", f"{bad}: {frame.at[bad, value_column]!r}", "numeric")
    referrer = frame["referred_by"].astype("string").str.strip()
    referrer = referrer.mask(referrer == "")
    table = pd.DataFrame({"referred_by": referrer, "value": values}, index=frame.index)
    reason = pd.Series(pd.NA, index=frame.index, dtype="string")
    named = referrer.notna()
    reason = reason.mask(named & ~np.isfinite(values), "value missing")
    reason = reason.mask(named & (referrer == frame.index.to_series()), "refers to itself")
    reason = reason.mask(named & ~member_of(referrer, frame.index), "unknown referrer")
    table["reason"] = reason
    table["credited"] = named & reason.isna()
    return table


def referral_value(customers: pd.DataFrame, value_column: str = "contribution", *,
                   attribution_share: float) -> pd.Series:
    """Credit each customer with a share of the value of the customers it referred.

    ``referral_value[c] = attribution_share × Σ value[j]`` over the customers ``j`` whose
    ``referred_by`` is ``c``.

    This is a simplification of the customer referral value (CRV) of Kumar, Petersen &
    Leone (2007, "How Valuable Is Word of Mouth?", Harvard Business Review; 2010, "Driving
    Profitability by Encouraging Customer Referrals: Who, When, and How", Journal of
    Marketing 74(5)). The published CRV discounts, period by period, the margins of referred
    customers who would not have joined without the referral, plus the acquisition cost
    saved on those who would have joined anyway. Here the counterfactual is folded into
    ``attribution_share`` (the share of a referred customer's value credited to the
    referrer) and time enters only through ``value_column``: with ``"contribution"`` the
    result is the referrals' value in the analysed period; with a CLV column it is a
    discounted lifetime value.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customers indexed by ``customer_id`` with ``referred_by`` and ``value_column``.
    value_column : str, default "contribution"
        Value of each referred customer, e.g. ``"contribution"``, ``"profit"`` or a CLV.
    attribution_share : float
        Share of a referred customer's value credited to its referrer, in [0, 1].

    Returns
    -------
    pandas.Series
        ``referral_value`` for every customer (sorted by ``customer_id``), 0 for customers
        who referred nobody. Referrals that cannot be credited (an unknown referrer, a
        customer referring itself, a missing value) are left out of the sums; they are
        listed by :func:`unmatched_referrals`.
    """
    share = bounded_number("attribution_share", attribution_share, low=0.0, high=1.0)
    table = _referrals(customers, value_column)
    credited = table[table["credited"]]
    sums = credited["value"].groupby(credited["referred_by"].astype(str).to_numpy(), sort=True).sum()
    totals = sums.reindex(table.index, fill_value=0.0).to_numpy()
    return pd.Series(share * totals, index=table.index, name="referral_value")


def unmatched_referrals(customers: pd.DataFrame, value_column: str = "contribution") -> pd.DataFrame:
    """Referrals that :func:`referral_value` cannot credit, with the reason.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customers with ``referred_by`` and ``value_column``.
    value_column : str, default "contribution"
        The value column used for the referral value.

    Returns
    -------
    pandas.DataFrame
        Indexed by the referred ``customer_id`` (sorted): ``referred_by``, ``value`` and
        ``reason`` (``"unknown referrer"``, ``"refers to itself"`` or ``"value missing"``).
    """
    table = _referrals(customers, value_column)
    left = table[table["referred_by"].notna() & ~table["credited"]]
    return left[["referred_by", "value", "reason"]].astype({"referred_by": str, "reason": str})


def lookalike_cost_to_serve(customers: pd.DataFrame, by: str = "segment") -> pd.Series:
    """Median cost-to-serve per unit of net revenue in each group of look-alike customers.

    Multiply a prospect's expected revenue by its group's ratio to estimate its expected
    cost-to-serve for :func:`prospect_value`.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L with ``cost_to_serve``, ``net_revenue`` and the column ``by``.
    by : str, default "segment"
        Column defining the look-alike groups.

    Returns
    -------
    pandas.Series
        Named ``cost_to_serve_pct``, indexed by group value (``"(blank)"`` for a missing
        value). Only customers with a positive net revenue enter the median; a group
        without any has NaN.
    """
    frame = customer_table(customers, ("cost_to_serve", "net_revenue", by))
    money = money_columns(frame, ("cost_to_serve", "net_revenue"))
    net = money["net_revenue"].to_numpy()
    ratio = pd.Series(divide_where(money["cost_to_serve"].to_numpy(), net, net > 0), index=frame.index)
    result = ratio.groupby(dimension_values(frame[by]).to_numpy(), sort=True).median()
    result.index.name = by
    return result.rename("cost_to_serve_pct")
