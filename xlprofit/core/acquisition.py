"""Acquisition economics: what a customer costs to win, how fast it pays back, what it brings in.

Cash-flow timing is always explicit. With retention ``r`` and discount rate ``i`` per
period, a customer who contributes ``m`` per period while retained contributes, in
present value,

- ``timing="end"`` (margin at the end of each period): ``m·d, m·d², m·d³, …``
- ``timing="start"`` (margin at the start of each period): ``m, m·d, m·d², …``

with ``d = r / (1 + i)``. Summed to infinity these are the retention formula of Gupta &
Lehmann (2003, "Customers as Assets", Journal of Interactive Marketing 17(1)):
``m·r / (1 + i − r)`` and ``m·(1 + i) / (1 + i − r)``.

Everything here is on **contribution** (after cost-to-serve, commissions, cost of credit and
bad debt), never on revenue or gross margin alone: the payback of a customer counts its
contribution over the periods it was active (:func:`customer_payback`), a prospect is valued on
the contribution its look-alikes make (:func:`lookalikes`, :func:`prospect_value`), and a
referrer is credited with a share of what its referrals are worth (:func:`referral_value`,
:func:`total_value`). The break-even of a customer is in :mod:`xlprofit.core.breakeven`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias, cast

import numpy as np
import pandas as pd

from xlprofit.core.arguments import bounded_number, bounded_numbers
from xlprofit.core.breakeven import cost_structure
from xlprofit.core.customer_frames import customer_table, divide_where, finite_values, money_columns
from xlprofit.core.parsing import member_of
from xlprofit.core.periods import PERIODS_PER_YEAR, Periods
from xlprofit.core.segments import dimension_values
from xlprofit.errors import ArgumentError, DivisionByZeroError, InsufficientHistoryError, NotAvailableError

__all__ = [
    "DEFAULT_ATTRIBUTION_SHARE",
    "LOOKALIKE_COLUMNS",
    "active_periods",
    "cac",
    "customer_cac",
    "customer_payback",
    "lookalike_cost_to_serve",
    "lookalike_of",
    "lookalikes",
    "payback_periods",
    "prospect_value",
    "referral_value",
    "total_value",
    "unmatched_referrals",
]

#: Share of a referred customer's value credited to its referrer when none is given (see
#: :func:`referral_value` for the reason).
DEFAULT_ATTRIBUTION_SHARE = 0.5

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


def active_periods(acquired_on: pd.Series, periods: Periods, *, last_purchase: pd.Series | None = None) -> pd.Series:
    """Periods of the analysis window in which each customer was a customer.

    From the period of ``max(acquired_on, window start)`` to the window's last period, or to
    the period of ``last_purchase`` where one is given (a customer the analysis takes as lost),
    both included.

    Parameters
    ----------
    acquired_on : pandas.Series
        Acquisition date per customer (indexed by ``customer_id``); NaT counts from the start of
        the window (a customer of unknown age is taken as a customer all through it).
    periods : Periods
        The analysis window and its period length.
    last_purchase : pandas.Series, optional
        Date of the last purchase of the customers whose activity ended, NaT (or absent) for
        the others.

    Returns
    -------
    pandas.Series
        Named ``periods_active``, a whole number of periods (0 for a customer acquired after
        the window or whose last purchase came before its acquisition), in the index of
        ``acquired_on``.
    """
    dates = pd.to_datetime(acquired_on)
    first = np.zeros(len(dates), dtype=np.int64)
    known = dates.notna().to_numpy()
    if known.any():
        first[known] = np.maximum(periods.index_of(dates[known]), 0)
    last = np.full(len(dates), periods.count - 1, dtype=np.int64)
    if last_purchase is not None:
        ended = pd.to_datetime(last_purchase.reindex(dates.index))
        stop = ended.notna().to_numpy()
        if stop.any():
            last[stop] = np.minimum(periods.index_of(ended[stop]), periods.count - 1)
    return pd.Series(np.maximum(last - first + 1, 0), index=dates.index, name="periods_active")


def _per_customer(argument: str, values: float | pd.Series, index: pd.Index, *, low: float,
                  high: float = np.inf) -> np.ndarray:
    """A scalar or a per-customer Series as floats in ``index`` order; NaN stays NaN (a reason)."""
    if not isinstance(values, pd.Series):
        return np.full(len(index), bounded_number(argument, values, low=low, high=high))
    series = values.set_axis(values.index.astype(str))
    missing = ~member_of(pd.Series(index, dtype=object), series.index)
    if missing.any():
        raise ArgumentError(argument, f"no value for customer {index[missing.to_numpy()][0]}",
                            "a value (or NaN) for every customer of the P&L")
    aligned = series.reindex(index)
    numbers = pd.to_numeric(aligned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    unreadable = np.isnan(numbers) & aligned.notna().to_numpy()
    if unreadable.any():
        first = int(np.flatnonzero(unreadable)[0])
        raise ArgumentError(argument, f"{index[first]}: {aligned.iloc[first]!r}", "a number (or blank) per customer")
    known = ~np.isnan(numbers)
    bounded_numbers(argument, numbers[known], low=low, high=high)
    return numbers


def customer_payback(
    pnl: pd.DataFrame,
    *,
    periods_active: float | pd.Series,
    retention: float | pd.Series,
    discount_rate_per_period: float,
    timing: Timing = "end",
) -> pd.DataFrame:
    """Payback of each customer's acquisition cost from its acquisition, over its active periods.

    Contribution per period ``m = contribution / periods_active``: the customer's contribution
    in the P&L spread over the periods in which it was a customer (:func:`active_periods`), not
    over the whole window. The payback is then :func:`payback_periods` of its acquisition cost
    with that ``m``, its retention and the discount rate: the periods of retained, discounted
    contribution that recover the cost, counted from the acquisition.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Customer P&L indexed by ``customer_id`` with ``acquisition_cost`` and ``contribution``.
    periods_active : float or pandas.Series
        Periods over which ``contribution`` was earned, per customer; at least 0 (NaN or 0:
        no payback, with the reason).
    retention : float or pandas.Series
        Probability that the customer is still a customer one period later, in [0, 1]; one
        number for every customer or one per customer (a fitted model's value; NaN: no payback,
        with the reason). Required: 1.0 (no churn) is asked for, never assumed.
    discount_rate_per_period : float
        Discount rate per period (the period of ``periods_active``), at least 0. Required.
    timing : {"end", "start"}, default "end"
        Whether each period's contribution arrives at its end (the convention of the retention
        formula) or its start.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``periods_active``, ``contribution_per_period``,
        ``payback_periods`` (fractional periods from acquisition; NaN where there is none) and
        ``payback_reason`` (``<NA>`` where there is a payback): ``"no acquisition cost"``
        (blank or 0: nothing to pay back), ``"no active period"``, ``"no retention"``,
        ``"contribution per period is not positive"`` or ``"never recovered: the retained,
        discounted contribution over an infinite horizon stays below the acquisition cost"``.
    """
    timing = _timing(timing)
    rate = bounded_number("discount_rate_per_period", discount_rate_per_period, low=0.0)
    frame = customer_table(pnl, ("acquisition_cost", "contribution"))
    costs = pd.to_numeric(frame["acquisition_cost"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if ((costs < 0) | np.isinf(costs)).any():
        first = int(np.flatnonzero((costs < 0) | np.isinf(costs))[0])
        raise ArgumentError("customers.acquisition_cost", f"{frame.index[first]}: {costs[first]}",
                            "a finite number of at least 0")
    contribution = finite_values(frame["contribution"], "customers.contribution")
    active = _per_customer("periods_active", periods_active, frame.index, low=0.0)
    kept = _per_customer("retention", retention, frame.index, low=0.0, high=1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_period = np.where(active > 0, contribution / np.where(active > 0, active, 1.0), np.nan)
    reason = np.full(len(frame), "", dtype=object)
    reason[np.isnan(kept)] = "no retention"
    reason[~(active > 0)] = "no active period"
    reason[~(costs > 0)] = "no acquisition cost"
    payback = np.full(len(frame), np.nan)
    todo = reason == ""
    if todo.any():
        found = np.asarray(payback_periods(costs[todo], per_period[todo], retention=kept[todo],
                                           discount_rate=rate, timing=timing), dtype=float)
        never = np.isinf(found)
        reasons = np.where(per_period[todo] > 0,
                           "never recovered: the retained, discounted contribution over an infinite horizon "
                           "stays below the acquisition cost", "contribution per period is not positive")
        reason[np.flatnonzero(todo)[never]] = reasons[never]
        payback[todo] = np.where(never, np.nan, found)
    return pd.DataFrame({
        "periods_active": active,
        "contribution_per_period": per_period,
        "payback_periods": payback,
        "payback_reason": pd.Series(reason, index=frame.index, dtype="string").replace("", pd.NA),
    }, index=frame.index)


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


def _lookalike_name(lookalike: Mapping[str, Any] | pd.Series) -> str:
    name = getattr(lookalike, "name", None)
    if isinstance(name, tuple):
        return " / ".join(map(str, name))
    return "" if name is None else str(name)


def _lookalike_number(lookalike: Mapping[str, Any] | pd.Series | None, key: str) -> float:
    """The look-alike's value of ``key`` as a float, NaN when it has none."""
    value = lookalike.get(key) if lookalike is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return np.nan
    return float(value)


def _lookalike_value(lookalike: Mapping[str, Any] | pd.Series | None, key: str, argument: str) -> float:
    """A look-alike value for a blank argument; never an invented one."""
    if lookalike is None:
        raise ArgumentError(argument, "a blank", "a number, or blank with look-alike customers to take it from")
    number = _lookalike_number(lookalike, key)
    if not np.isfinite(number):
        name = _lookalike_name(lookalike)
        raise InsufficientHistoryError(
            f"the look-alike customers{' ' + repr(name) if name else ''} give no {key}; give '{argument}'")
    return number


def _periods_per_year(periods_per_year: int | None, key: str) -> int:
    if periods_per_year is None or isinstance(periods_per_year, bool) or periods_per_year not in PERIODS_PER_YEAR:
        raise ArgumentError("periods_per_year", periods_per_year,
                            f"one of {', '.join(map(str, PERIODS_PER_YEAR))} (periods per year of expected_revenue, "
                            f"retention and discount_rate) to use the look-alikes' {key}")
    return int(periods_per_year)


def prospect_value(
    expected_revenue: ArrayLike,
    gross_margin_pct: ArrayLike | None = None,
    expected_cost_to_serve: ArrayLike | None = None,
    retention: ArrayLike | None = None,
    discount_rate: ArrayLike | None = None,
    *,
    timing: Timing,
    variable_cost_pct: ArrayLike | None = None,
    acquisition_cost: ArrayLike = 0.0,
    horizon: int | None = None,
    lookalike: Mapping[str, Any] | pd.Series | None = None,
    periods_per_year: int | None = None,
) -> float | np.ndarray:
    """Value a prospect: expected lifetime contribution minus what it costs to acquire.

    Contribution per period ``m = expected_revenue × (gross_margin_pct − variable_cost_pct) −
    expected_cost_to_serve``: the gross margin less commissions, cost of credit and bad debt (as
    rates of revenue) less cost-to-serve, as in the customer P&L. It is valued with the
    retention formula: ``m·r/(1 + i − r)`` for ``timing="end"``, ``m·(1 + i)/(1 + i − r)`` for
    ``"start"``; with a ``horizon`` of ``H`` periods, the partial sums
    ``m·d·(1 − d^H)/(1 − d)`` and ``m·(1 − d^H)/(1 − d)``, ``d = r/(1 + i)``.

    Arguments left as None are taken from ``lookalike`` (a row of :func:`lookalikes`, e.g.
    from :func:`lookalike_of`), never invented:

    - ``gross_margin_pct``: its ``gross_margin_pct``;
    - ``variable_cost_pct``: its ``variable_cost_pct`` (0 without a look-alike: then
      ``gross_margin_pct`` must already be net of commissions, credit and bad debt);
    - ``expected_cost_to_serve``: ``fixed_cost_to_serve_per_year / periods_per_year +
      order_cost_to_serve_pct × expected_revenue`` when the look-alikes have that split
      (customer-level costs do not grow with the prospect's size), else
      ``cost_to_serve_pct × expected_revenue``;
    - ``retention``: ``retention_per_year ** (1 / periods_per_year)``.

    A look-alike value that is missing (NaN) raises
    :class:`~xlprofit.errors.InsufficientHistoryError` naming it.

    Parameters
    ----------
    expected_revenue : float or array_like
        Expected net revenue per period; at least 0.
    gross_margin_pct : float or array_like, optional
        Gross margin as a share of net revenue; at most 1.
    expected_cost_to_serve : float or array_like, optional
        Expected cost-to-serve per period; at least 0.
    retention : float or array_like, optional
        Retention per period, in [0, 1].
    discount_rate : float or array_like
        Discount rate per period, at least 0. Required (None is refused).
    timing : {"end", "start"}
        Whether each period's margin arrives at its end or its start. Required.
    variable_cost_pct : float or array_like, optional
        Commissions + cost of credit + bad debt as a share of net revenue, in [0, 1].
    acquisition_cost : float or array_like, default 0.0
        Acquisition cost, paid now, subtracted from the lifetime contribution.
    horizon : int, optional
        Number of periods to value; None for an infinite horizon.
    lookalike : pandas.Series or mapping, optional
        Look-alike values for the arguments left as None.
    periods_per_year : {1, 2, 4, 12}, optional
        Periods per year of ``expected_revenue``, ``retention`` and ``discount_rate``; required
        when a per-year look-alike value (retention, fixed cost-to-serve) is used.

    Returns
    -------
    float or numpy.ndarray
        Prospect value; arrays broadcast, scalars in give a float out.

    Raises
    ------
    ArgumentError
        A bad argument, or one left as None without a look-alike.
    InsufficientHistoryError
        A look-alike without the value needed.
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
    revenue_in = bounded_numbers("expected_revenue", expected_revenue, low=0.0)
    if gross_margin_pct is None:
        gross_margin_pct = _lookalike_value(lookalike, "gross_margin_pct", "gross_margin_pct")
    if variable_cost_pct is None:
        variable_cost_pct = 0.0 if lookalike is None else _lookalike_value(
            lookalike, "variable_cost_pct", "variable_cost_pct")
    if expected_cost_to_serve is None:
        if np.isfinite(_lookalike_number(lookalike, "fixed_cost_to_serve_per_year")):
            per_year = _lookalike_value(lookalike, "fixed_cost_to_serve_per_year", "expected_cost_to_serve")
            share = _lookalike_value(lookalike, "order_cost_to_serve_pct", "expected_cost_to_serve")
            count = _periods_per_year(periods_per_year, "fixed_cost_to_serve_per_year")
            expected_cost_to_serve = per_year / count + share * revenue_in
        else:
            share = _lookalike_value(lookalike, "cost_to_serve_pct", "expected_cost_to_serve")
            expected_cost_to_serve = share * revenue_in
    if retention is None:
        per_year = _lookalike_value(lookalike, "retention_per_year", "retention")
        retention = per_year ** (1.0 / _periods_per_year(periods_per_year, "retention_per_year"))
    revenue, margin_pct, variable, serve, kept, rate, acquisition = np.broadcast_arrays(
        revenue_in,
        bounded_numbers("gross_margin_pct", gross_margin_pct, high=1.0),
        bounded_numbers("variable_cost_pct", variable_cost_pct, low=0.0, high=1.0),
        bounded_numbers("expected_cost_to_serve", expected_cost_to_serve, low=0.0),
        bounded_numbers("retention", retention, low=0.0, high=1.0),
        bounded_numbers("discount_rate", discount_rate, low=0.0),
        bounded_numbers("acquisition_cost", acquisition_cost, low=0.0),
    )
    margin = revenue * (margin_pct - variable) - serve
    value = margin * _margin_multiple(kept, rate, timing, horizon) - acquisition
    return _result(value, expected_revenue, gross_margin_pct, expected_cost_to_serve, retention,
                   discount_rate, acquisition_cost, variable_cost_pct)


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
                   attribution_share: float = DEFAULT_ATTRIBUTION_SHARE) -> pd.Series:
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
    referrer) and time enters only through ``value_column``.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customers indexed by ``customer_id`` with ``referred_by`` and ``value_column``.
    value_column : str, default "contribution"
        Value of each referred customer. A lifetime value (``"clv"``, future and discounted)
        where the analysis has one: a referral is worth what the referred customer will bring;
        ``"contribution"`` (past: the analysed period) where it has none. Use the same basis as
        the referrer's own value when adding them (:func:`total_value`).
    attribution_share : float, default 0.5
        Share of a referred customer's value credited to its referrer, in [0, 1]. The default
        0.5 is the neutral assumption when it is unknown how many referred customers would
        have come anyway: 1 credits the referrer with customers that marketing would have won
        regardless (Kumar et al. count only those who would not have joined), 0 ignores the
        referral. Replace it with the firm's own estimate (e.g. the share of referred
        customers who say they would not have bought without the referral).

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


def total_value(clv: pd.Series, referral_value: pd.Series) -> pd.Series:
    """A customer's total value: its own lifetime value plus the value of its referrals.

    ``total_value = clv + referral_value`` per customer: the first two parts, CLV and CRV, of
    the customer engagement value of Kumar et al. (2010, "Undervalued or Overvalued Customers:
    Capturing Total Customer Engagement Value", Journal of Service Research 13(3)). Take the
    referral value on the same basis as ``clv`` (:func:`referral_value` with
    ``value_column="clv"``). A referred customer's value
    then counts in its own total and, by the attribution share, in its referrer's: totals are
    each customer's worth, not to be summed over customers.

    Parameters
    ----------
    clv : pandas.Series
        Own lifetime value per customer (indexed by ``customer_id``); NaN where there is none.
    referral_value : pandas.Series
        Referral value per customer, e.g. from :func:`referral_value`, for every customer of
        ``clv``.

    Returns
    -------
    pandas.Series
        Named ``total_value``, in the order of ``clv``; NaN where ``clv`` is NaN (a missing
        own value is not taken as 0).
    """
    for argument, values in (("clv", clv), ("referral_value", referral_value)):
        if not isinstance(values, pd.Series):
            raise ArgumentError(argument, type(values).__name__, "a pandas Series indexed by customer_id")
    own = pd.to_numeric(clv, errors="coerce").astype(float)
    if (own.isna() & clv.notna()).any():
        bad = own.index[own.isna() & clv.notna()][0]
        raise ArgumentError("clv", f"{bad}: {clv[bad]!r}", "numeric")
    referrals = referral_value.set_axis(referral_value.index.astype(str))
    missing = ~member_of(pd.Series(own.index.astype(str), dtype=object), referrals.index)
    if missing.any():
        raise ArgumentError("referral_value", f"no value for customer {own.index[missing.to_numpy()][0]}",
                            "a value for every customer of clv")
    credit = finite_values(referrals.reindex(own.index.astype(str)), "referral_value")
    return pd.Series(own.to_numpy() + credit, index=own.index, name="total_value")


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


#: The columns of :func:`lookalikes`, in order.
LOOKALIKE_COLUMNS: tuple[str, ...] = (
    "customers", "net_revenue_per_year", "gross_margin_pct", "commission_pct", "credit_cost_pct", "bad_debt_pct",
    "variable_cost_pct", "cost_to_serve_pct", "cost_to_serve_per_year", "fixed_cost_to_serve_per_year",
    "order_cost_to_serve_pct", "contribution_pct", "retention_per_year", "retention_customers", "retention_source",
)
#: The P&L columns the look-alikes are made of.
_LOOKALIKE_MONEY = ("net_revenue", "gross_margin", "cost_to_serve", "commissions", "cost_of_credit", "bad_debt")
#: Name of an input column of per-year retention per customer.
_RETENTION_COLUMN = "retention_per_year"


def _years(years: float | pd.Series | None, index: pd.Index) -> np.ndarray:
    """Years each customer's P&L covers; NaN where unknown (no per-year figures for it)."""
    if years is None:
        return np.full(len(index), np.nan)
    values = _per_customer("years", years, index, low=0.0)
    return np.where(values > 0, values, np.nan)


def _survival(trend: pd.DataFrame, periods_per_year: int | None) -> tuple[pd.DataFrame, float]:
    """Who ordered in the first half of the window, who of them in the second, and a half's length in years."""
    count = _periods_per_year(periods_per_year, "observed survival")
    if not isinstance(trend, pd.DataFrame) or not {"customer_id", "period_start", "orders"} <= set(trend.columns):
        raise ArgumentError("trend", type(trend).__name__ if not isinstance(trend, pd.DataFrame)
                            else ", ".join(map(str, trend.columns)),
                            "the trend table (Analysis.trend) with customer_id, period_start and orders")
    starts = np.sort(pd.to_datetime(trend["period_start"]).dropna().unique())
    half = len(starts) // 2
    if half < 1:
        raise InsufficientHistoryError(f"the trend has {len(starts)} period(s); observed survival needs at least 2")
    ordered = trend[pd.to_numeric(trend["orders"], errors="coerce").fillna(0).to_numpy() > 0]
    when = pd.to_datetime(ordered["period_start"])
    ids = ordered["customer_id"].astype(str)
    first = set(ids[when.isin(starts[:half]).to_numpy()])
    second = set(ids[when.isin(starts[-half:]).to_numpy()])
    at_risk = sorted(first)
    table = pd.DataFrame({"survived": [c in second for c in at_risk]}, index=pd.Index(at_risk, name="customer_id"))
    return table, half / count


def lookalikes(
    customers: pd.DataFrame,
    by: str | Sequence[str] = ("segment", "channel"),
    *,
    years: float | pd.Series | None = None,
    activities: pd.DataFrame | None = None,
    trend: pd.DataFrame | None = None,
    periods_per_year: int | None = None,
) -> pd.DataFrame:
    """What look-alike customers earn and cost, per group: the inputs of a prospect's value.

    Per group of ``by`` (``"(blank)"`` for a missing value), over the group's customers with a
    positive net revenue (its look-alikes):

    - medians of the ratios to net revenue of gross margin (``gross_margin_pct``), commissions
      (``commission_pct``), cost of credit (``credit_cost_pct``), cost-to-serve
      (``cost_to_serve_pct``) and contribution (``contribution_pct``, the typical look-alike's
      contribution margin, for comparison: a median of a difference is not the difference of
      medians);
    - ``bad_debt_pct``: the group's written-off share of revenue, Σ bad debt / Σ net revenue.
      Bad debt is rare (most customers have none, so its median is 0); its expected rate is
      the pooled one;
    - ``variable_cost_pct = commission_pct + credit_cost_pct + bad_debt_pct``;
    - with ``years``: medians of net revenue and cost-to-serve per year; with ``activities``
      too, cost-to-serve split as :func:`~xlprofit.core.breakeven.cost_structure` splits it:
      ``fixed_cost_to_serve_per_year`` (customer- and product-level, which does not grow with a
      customer's size) and ``order_cost_to_serve_pct`` (order-, line-level and revenue-driven,
      per euro of revenue);
    - ``retention_per_year``: the median of an input column ``retention_per_year`` of
      ``customers`` when there is one (e.g. a fitted model's retention per customer); else,
      with ``trend``, the observed survival: of the group's customers with an order in the
      first half of the window, the share with an order in the second half, per year
      (``share ** (1 / years in a half)``; an odd period in the middle is left out). NaN when
      neither is given (``retention_source`` says which was used). BG/NBD's ``p_alive`` is
      not used: it is the probability of being a customer now, not a retention per year.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer P&L (``Analysis.customers``) with ``net_revenue, gross_margin, cost_to_serve,
        commissions, cost_of_credit, bad_debt``, the ``by`` columns and, with ``activities``,
        the ``cts_<activity>`` columns.
    by : str or sequence of str, default ("segment", "channel")
        Columns defining the look-alike groups.
    years : float or pandas.Series, optional
        Years the P&L covers: the window's length, or per customer its active years (e.g.
        :func:`active_periods` / periods per year). None: no per-year figures (NaN).
    activities : pandas.DataFrame, optional
        ``Analysis.activities``, for the fixed/order split of cost-to-serve.
    trend : pandas.DataFrame, optional
        ``Analysis.trend`` (``customer_id, period_start, orders``), for observed survival.
    periods_per_year : {1, 2, 4, 12}, optional
        Periods per year of ``trend``; required with it.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOOKALIKE_COLUMNS`, indexed by the groups (a MultiIndex for several
        ``by`` columns), sorted; ``customers`` is the number of look-alikes and
        ``retention_customers`` the number of customers behind ``retention_per_year``. A group
        without look-alikes has NaN figures.
    """
    keys = (by,) if isinstance(by, str) else tuple(by)
    if not keys or not all(isinstance(k, str) for k in keys):
        raise ArgumentError("by", by, "a column name or a sequence of column names")
    frame = customer_table(customers, (*keys, *_LOOKALIKE_MONEY))
    money = money_columns(frame, _LOOKALIKE_MONEY)
    net = money["net_revenue"].to_numpy()
    positive = net > 0

    def ratio(values: np.ndarray) -> np.ndarray:
        return divide_where(values, net, positive)

    per_year = _years(years, frame.index)
    variable_money = money["commissions"] + money["cost_of_credit"] + money["bad_debt"]
    ratios = pd.DataFrame({
        "net_revenue_per_year": net / per_year,
        "gross_margin_pct": ratio(money["gross_margin"].to_numpy()),
        "commission_pct": ratio(money["commissions"].to_numpy()),
        "credit_cost_pct": ratio(money["cost_of_credit"].to_numpy()),
        "cost_to_serve_pct": ratio(money["cost_to_serve"].to_numpy()),
        "cost_to_serve_per_year": money["cost_to_serve"].to_numpy() / per_year,
        "fixed_cost_to_serve_per_year": np.nan,
        "order_cost_to_serve_pct": np.nan,
        "contribution_pct": ratio((money["gross_margin"] - money["cost_to_serve"] - variable_money).to_numpy()),
    }, index=frame.index)
    if activities is not None:
        split = cost_structure(frame, activities)
        ratios["fixed_cost_to_serve_per_year"] = split["fixed_cost_to_serve"].to_numpy() / per_year
        ratios["order_cost_to_serve_pct"] = ratio(
            (split["order_cost_to_serve"] + split["revenue_cost_to_serve"]).to_numpy())
    groups = [dimension_values(frame[k]).rename(k) for k in keys]
    every = pd.DataFrame({k: g for k, g in zip(keys, groups, strict=True)}).drop_duplicates()
    full_index = (pd.MultiIndex.from_frame(every.sort_values(list(keys))) if len(keys) > 1
                  else pd.Index(sorted(every[keys[0]]), name=keys[0]))
    looks = ratios[positive]
    by_group = [g[positive] for g in groups]
    medians = looks.groupby(by_group, sort=True).median()
    table = medians.reindex(full_index)
    table.insert(0, "customers", looks.groupby(by_group, sort=True).size().reindex(full_index, fill_value=0))
    pooled = pd.DataFrame({"bad": money["bad_debt"][positive], "net": money["net_revenue"][positive]})
    sums = pooled.groupby(by_group, sort=True).sum().reindex(full_index)
    table["bad_debt_pct"] = sums["bad"] / sums["net"]
    table["variable_cost_pct"] = table["commission_pct"] + table["credit_cost_pct"] + table["bad_debt_pct"]
    table["retention_per_year"] = np.nan
    table["retention_customers"] = 0
    table["retention_source"] = "none"
    if _RETENTION_COLUMN in frame.columns:
        kept = _per_customer(_RETENTION_COLUMN, frame[_RETENTION_COLUMN], frame.index, low=0.0, high=1.0)
        known = pd.Series(kept, index=frame.index).notna().to_numpy()
        values = pd.Series(kept[known], index=frame.index[known])
        grouped = values.groupby([g[known] for g in groups], sort=True)
        table["retention_per_year"] = grouped.median().reindex(full_index)
        table["retention_customers"] = grouped.size().reindex(full_index, fill_value=0)
        table["retention_source"] = f"median of {_RETENTION_COLUMN}"
    elif trend is not None:
        survival, half_years = _survival(trend, periods_per_year)
        member = member_of(pd.Series(survival.index, dtype=object), frame.index).to_numpy()
        survival = survival[member]
        at = frame.index.get_indexer(survival.index)
        grouped = survival["survived"].astype(float).groupby([g.iloc[at].to_numpy() for g in groups], sort=True)
        share = grouped.mean().reindex(full_index)
        table["retention_per_year"] = share ** (1.0 / half_years)
        table["retention_customers"] = grouped.size().reindex(full_index, fill_value=0)
        table["retention_source"] = "observed survival from the first to the second half of the window"
    table["retention_customers"] = table["retention_customers"].astype("int64")
    table["customers"] = table["customers"].astype("int64")
    return table[list(LOOKALIKE_COLUMNS)]


def lookalike_of(table: pd.DataFrame, *values: Any) -> pd.Series:
    """The row of :func:`lookalikes` for a prospect's group, matched as Excel matches text.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`lookalikes`.
    *values : str
        The prospect's value of each grouping column, in the order of ``by`` (e.g. its segment
        and channel). Case and surrounding spaces are ignored; a blank is ``"(blank)"``.

    Returns
    -------
    pandas.Series
        The group's look-alike values, named by the group.

    Raises
    ------
    NotAvailableError
        No look-alike group has these values; the message names the value not found and the
        values there are.
    """
    names = [str(n) for n in table.index.names]
    if len(values) != len(names):
        raise ArgumentError("values", ", ".join(map(repr, values)),
                            f"one value per look-alike column ({', '.join(names)})")
    wanted = [dimension_values(pd.Series([v], dtype=object)).iloc[0].casefold() for v in values]
    frame = table.index.to_frame(index=False).astype(str)
    match = np.ones(len(frame), dtype=bool)
    for position, name in enumerate(names):
        here = frame[name].str.strip().str.casefold().to_numpy() == wanted[position]
        if not (match & here).any():
            known = sorted(set(frame.loc[match, name]))
            within = "".join(f" {names[k]} {values[k]!r}" for k in range(position))
            raise NotAvailableError(
                f"no look-alike customers with {name} {values[position]!r}"
                + (f" among those of{within}" if within else "")
                + f"; the {name} values there: {', '.join(known) if known else 'none'}")
        match &= here
    row = table.iloc[int(np.flatnonzero(match)[0])].copy()
    return row
