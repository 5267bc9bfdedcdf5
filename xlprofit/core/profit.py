"""The customer P&L waterfall, and order, product and per-period profitability.

Definitions (README, *What is computed, exactly*)::

    gross revenue − discounts            = invoice revenue
    invoice revenue − rebates            = net revenue
    net revenue − COGS                   = gross margin
    gross margin − cost-to-serve (one column per activity) − commissions
        − cost of credit − bad debt      = contribution
    contribution − acquisition cost      = profit
    margin %                             = profit / net revenue

    cost of credit = net revenue × payment days / 365 × annual cost of capital
    commissions    = commission rate × collected revenue (net revenue − written off), or
                     × net revenue with ``commission_basis="net_revenue"``

Every function starts from the line sums of :mod:`xlprofit.core.aggregate` (money in integer
cents), so every total ties to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.allocation import round_to_totals
from xlprofit.core.arguments import as_numbers
from xlprofit.core.money import to_cents
from xlprofit.core.periods import relabel_periods, union_positions
from xlprofit.errors import ArgumentError

__all__ = [
    "DAYS_PER_YEAR",
    "from_cents",
    "credit_cost",
    "customer_pnl",
    "payment_days",
    "period_trend",
    "COMMISSION_BASES",
    "commission_base",
    "order_profitability",
    "product_profitability",
]

#: Day-count basis of the cost of credit: 365 days a year (actual/365 fixed), leap years too.
DAYS_PER_YEAR = 365.0

#: What commissions are paid on (the ``commission_basis`` parameter): ``collected`` revenue (net
#: revenue − written-off amounts: no commission on revenue written off) or ``net_revenue``.
COMMISSION_BASES: tuple[str, ...] = ("collected", "net_revenue")

#: The label of payment days taken from the lines (paid lines and open items).
ACTUAL_PAYMENTS = "actual payments and open items"

#: Customer-periods of the trend rounded at once (bounds the rounding's working memory).
_TREND_CHUNK_ROWS = 1 << 19


def from_cents(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer cents back to money."""
    return np.asarray(values, dtype="int64") / 100.0


def credit_cost(net_revenue: Any, payment_days: Any, cost_of_capital: Any) -> float | np.ndarray:
    """Cost of credit: the cost of financing a customer's revenue until the customer pays.

    ``net_revenue × payment_days / 365 × cost_of_capital`` (README, *What is computed, exactly*). The day-count
    basis is 365 days a year (actual/365 fixed, :data:`DAYS_PER_YEAR`): paying after 365 days
    costs one year of the cost of capital, in a leap year too; there is no 360-day option.

    This is the one definition of the number: the customer P&L's ``cost_of_credit`` column
    (:func:`customer_pnl`), its periods in the trend (:func:`period_trend`) and the Excel
    function ``XLP_CREDIT_COST`` all call it.

    Parameters
    ----------
    net_revenue:
        Net revenue of the customer, in money (negative for a net credit, which gives a
        negative cost).
    payment_days:
        Days the customer takes to pay, at least 0.
    cost_of_capital:
        Annual cost of capital as a fraction (0.08 for 8 % a year), at least 0.

    Returns
    -------
    float or numpy.ndarray
        Money, not rounded (the P&L rounds it to the cent); an array when an argument is one.

    Raises
    ------
    ArgumentError
        When an argument is not a finite number, ``payment_days`` or ``cost_of_capital`` is
        negative, or the arrays do not have the same length.

    Examples
    --------
    >>> credit_cost(36_500, 60, 0.10)
    600.0
    """
    revenue, revenue_scalar = as_numbers("net_revenue", net_revenue)
    days, days_scalar = as_numbers("payment_days", payment_days)
    rate, rate_scalar = as_numbers("cost_of_capital", cost_of_capital)
    for argument, values, requirement in (("payment_days", days, "a non-negative number of days"),
                                          ("cost_of_capital", rate, "a non-negative fraction per year (0.08 for 8 %)")):
        low = values < 0
        if low.any():
            raise ArgumentError(argument, values[low].flat[0], requirement)
    try:
        with np.errstate(over="ignore"):  # beyond float range: ±inf, which the Excel boundary shows as #NUM!
            result = revenue * days / DAYS_PER_YEAR * rate
    except ValueError:
        raise ArgumentError(
            "payment_days", payment_days, "the same length as 'net_revenue' (or a single number)"
        ) from None
    return float(result) if revenue_scalar and days_scalar and rate_scalar else result


def _check_commission_basis(commission_basis: str) -> None:
    if commission_basis not in COMMISSION_BASES:
        raise ArgumentError("commission_basis", commission_basis, f"one of {', '.join(COMMISSION_BASES)}")


def commission_base(net_cents: np.ndarray, written_off_cents: np.ndarray, commission_basis: str) -> np.ndarray:
    """The cents commissions are paid on: collected revenue (net − written off) or net revenue."""
    return net_cents - written_off_cents if commission_basis == "collected" else net_cents


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator != 0, numerator / np.where(denominator != 0, denominator, 1), np.nan)


def payment_days(customers: pd.DataFrame, agg_customer: pd.DataFrame, default_days: float | None
                 ) -> tuple[pd.Series, pd.Series]:
    """Days from invoice to payment for each customer, and where the figure came from.

    Actual payment behaviour comes first: the revenue-weighted mean of the days over the
    customer's lines with positive revenue that are paid (``paid_on − date``) or, when the lines
    record payments, still open (no ``paid_on``, nothing written off: aged to the end of the
    analysis period), as summed by :func:`~xlprofit.core.aggregate.aggregate_lines`. Then the
    customer's ``payment_days``, then the ``payment_days`` parameter, else 0 days.
    """
    weight = agg_customer["paid_weight"].reindex(customers.index, fill_value=0).astype("float64")
    weighted = agg_customer["paid_days_weighted"].reindex(customers.index, fill_value=0.0).astype("float64")
    actual = (weighted / weight.where(weight > 0)).astype("float64")
    terms = customers["payment_days"].astype("float64")
    result = actual.copy()
    # numpy's stubs take no None for a value (it makes an object array)
    source = pd.Series(np.where(actual.notna(), ACTUAL_PAYMENTS, None),  # type: ignore[call-overload]
                       index=customers.index, dtype=object)
    use_terms = result.isna() & terms.notna()
    result[use_terms] = terms[use_terms]
    source[use_terms] = "customer terms"
    rest = result.isna()
    if default_days is not None:
        result[rest] = float(default_days)
        source[rest] = "parameter payment_days"
    else:
        result[rest] = 0.0
        source[rest] = "none given (0 days)"
    return result.astype("float64"), source


def customer_pnl(customers: pd.DataFrame, agg_customer: pd.DataFrame, volumes: pd.DataFrame,
                 activity_costs: pd.DataFrame, *, cost_of_capital: float, default_payment_days: float | None,
                 default_commission_rate: float | None, period_start: pd.Timestamp, period_end: pd.Timestamp,
                 acquisition_charge: str, commission_basis: str = "collected") -> pd.DataFrame:
    """The customer P&L, one row per customer (README, *What is computed, exactly*).

    Parameters
    ----------
    customers:
        Normalised customers indexed by ``customer_id``.
    agg_customer:
        Line sums per customer (:attr:`LineAggregates.customer`, money in cents).
    volumes:
        Built-in driver volumes per customer (``orders, lines, units, returns``).
    activity_costs:
        Cost-to-serve per customer and activity (cents-exact money), indexed by customer_id.
    cost_of_capital:
        Annual rate used in the cost of credit.
    default_payment_days, default_commission_rate:
        Parameters applied where the customer has none (``None``: 0).
    period_start, period_end:
        The analysis period; customers acquired inside it carry their acquisition cost when
        ``acquisition_charge`` is ``"in_period"``.
    acquisition_charge:
        ``"in_period"``, ``"all"`` or ``"none"``.
    commission_basis:
        What the commission rate applies to (:data:`COMMISSION_BASES`): ``"collected"``
        (default: net revenue − written-off amounts) or ``"net_revenue"``.
    """
    _check_commission_basis(commission_basis)
    idx = customers.index
    money = ["gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off", "discounted"]
    sums = agg_customer[money].reindex(idx, fill_value=0)  # customers without lines: zero cents
    out = pd.DataFrame(index=idx)
    for col in ("name", "segment", "channel", "region", "acquired_on", "referred_by"):
        out[col] = customers[col]
    for col in ("orders", "lines", "units", "returns"):
        out[col] = volumes[col].reindex(idx, fill_value=0.0).to_numpy()
    gross = sums["gross_revenue"].to_numpy(dtype="int64")
    disc = sums["discount"].to_numpy(dtype="int64")
    reb = sums["rebate"].to_numpy(dtype="int64")
    net = sums["net_revenue"].to_numpy(dtype="int64")
    cogs = sums["cogs"].to_numpy(dtype="int64")
    cts_cols = {f"cts_{a}": to_cents(activity_costs[a].reindex(idx, fill_value=0.0))
                for a in activity_costs.columns}
    cts_total = np.sum(list(cts_cols.values()), axis=0) if cts_cols else np.zeros(len(idx), dtype="int64")
    rate = customers["commission_rate"].astype("float64")
    if default_commission_rate is not None:
        rate = rate.fillna(float(default_commission_rate))
    rate = rate.fillna(0.0).to_numpy()
    commissions = to_cents(from_cents(commission_base(net, sums["written_off"].to_numpy(dtype="int64"),
                                                       commission_basis)) * rate)
    days, days_source = payment_days(customers, agg_customer, default_payment_days)
    credit = to_cents(credit_cost(from_cents(net), days.to_numpy(), cost_of_capital))
    bad_debt = sums["written_off"].to_numpy(dtype="int64")
    acq = customers["acquisition_cost"].astype("float64").fillna(0.0)
    if acquisition_charge == "none":
        charged = np.zeros(len(idx), dtype=bool)
    elif acquisition_charge == "all":
        charged = np.ones(len(idx), dtype=bool)
    else:
        on = customers["acquired_on"]
        charged = ((on >= period_start) & (on <= period_end)).fillna(False).to_numpy(dtype=bool)
    acquisition = np.where(charged, to_cents(acq), 0)
    gross_margin = net - cogs
    contribution = gross_margin - cts_total - commissions - credit - bad_debt
    profit = contribution - acquisition

    out["gross_revenue"] = from_cents(gross)
    out["discounts"] = from_cents(disc)
    out["invoice_revenue"] = from_cents(gross - disc)
    out["rebates"] = from_cents(reb)
    out["net_revenue"] = from_cents(net)
    out["cogs"] = from_cents(cogs)
    out["gross_margin"] = from_cents(gross_margin)
    for name, values in cts_cols.items():
        out[name] = from_cents(values)
    out["cost_to_serve"] = from_cents(cts_total)
    out["commissions"] = from_cents(commissions)
    out["cost_of_credit"] = from_cents(credit)
    out["bad_debt"] = from_cents(bad_debt)
    out["contribution"] = from_cents(contribution)
    out["acquisition_cost"] = from_cents(acquisition)
    out["profit"] = from_cents(profit)
    out["margin_pct"] = _ratio(profit, net)
    out["commission_rate"] = rate
    out["payment_days"] = days.to_numpy()
    out["payment_days_source"] = days_source.to_numpy()
    out["discounted_revenue"] = from_cents(sums["discounted"].to_numpy(dtype="int64"))
    out.index.name = "customer_id"
    return out


def _customer_chunks(codes: np.ndarray, rows: int) -> Iterator[slice]:
    """Slices of about ``rows`` rows that never split a customer (one slice when unsorted)."""
    n = len(codes)
    if n == 0:
        return
    if n <= rows or not bool(np.all(codes[1:] >= codes[:-1])):
        yield slice(0, n)
        return
    starts = np.unique(np.searchsorted(codes, codes[::rows], side="left"))
    for begin, stop in zip(starts, [*starts[1:], n], strict=True):
        yield slice(int(begin), int(stop))


def period_trend(pnl: pd.DataFrame, agg_period: pd.DataFrame, period_labels: list[str],
                 period_starts: list[pd.Timestamp], period_costs: pd.DataFrame, period_volumes: pd.DataFrame,
                 *, cost_of_capital: float, commission_basis: str = "collected") -> pd.DataFrame:
    """Contribution per customer per period (long table, one row per active customer-period).

    The trend ties to the customer P&L: in every money column (``net_revenue, gross_margin,
    cost_to_serve, commissions, cost_of_credit, bad_debt, contribution``) a customer's
    periods add up to its P&L figure to the cent. Revenue, COGS, bad debt and cost-to-serve
    are whole cents already traced to periods (bad debt falls in the period of the written-off
    line). Commissions and cost of credit are computed per period with the customer's rate
    and payment days from the P&L (:func:`credit_cost`) — commissions on the period's
    collected revenue (net revenue − written off) or net revenue, as ``commission_basis`` says
    (the P&L's basis) — then rounded to cents by largest remainder against the customer's P&L
    amount (:func:`~xlprofit.core.allocation.round_to_totals`).
    """
    _check_commission_basis(commission_basis)
    labels = np.asarray(period_labels, dtype=object)
    sums = agg_period[["net_revenue", "cogs", "written_off"]]
    sums = sums.set_axis(relabel_periods(sums.index, labels), axis=0)
    cts = period_costs.sum(axis=1) if len(period_costs.columns) else pd.Series(0.0, index=period_costs.index)
    aligned = union_positions([sums.index, cts.index, period_volumes.index])
    if aligned is None:  # levels that cannot be sorted: pandas' own union and lookups
        index = sums.index.union(cts.index).union(period_volumes.index)
        at = [index.get_indexer(ix) for ix in (sums.index, cts.index, period_volumes.index)]
    else:
        index, at = aligned
    at_sums, at_cts, at_vol = at

    def placed(values: np.ndarray, where: np.ndarray, fill: float | int) -> np.ndarray:
        out = np.full(len(index), fill, dtype=values.dtype)
        out[where] = values
        return out

    customer_level, period_level = index.levels
    cust_codes, period_codes = np.asarray(index.codes[0]), np.asarray(index.codes[1])
    in_pnl = pnl.index.get_indexer(customer_level)  # each customer looked up once
    known = in_pnl >= 0

    def by_customer(column: str) -> np.ndarray:
        """The P&L's ``column`` for each customer of the trend (0 for a customer not in the P&L)."""
        values = np.zeros(len(customer_level), dtype="float64")
        values[known] = pnl[column].to_numpy(dtype="float64")[in_pnl[known]]
        return values

    def tied(column: str, net: np.ndarray,
             period_amounts: Callable[[np.ndarray, np.ndarray], np.ndarray | float]) -> np.ndarray:
        """Cents per customer-period, rounded by largest remainder to the customer's P&L cents.

        ``net`` holds the cents the amounts are a rate of (net or collected revenue);
        ``period_amounts(net_cents, customer_codes)`` gives the unrounded cents of a chunk of rows.
        """
        totals = to_cents(by_customer(column))
        out = np.empty(len(index), dtype="int64")
        for rows in _customer_chunks(cust_codes, _TREND_CHUNK_ROWS):
            codes = cust_codes[rows]
            first, last = int(codes.min()), int(codes.max())
            # The amounts are the customer's rate of the period's net revenue: split on the cents.
            out[rows] = round_to_totals(period_amounts(net[rows], codes), codes - first, totals[first:last + 1],
                                        period_codes[rows], weights=net[rows])
        return out

    # The money and volume columns are written into one block as they are made (millions of
    # rows: no second copy of the table is made to assemble it).
    names = ["net_revenue", "gross_margin", "cost_to_serve", "commissions", "cost_of_credit", "bad_debt",
             "contribution", "orders", "lines", "units"]
    block = np.empty((len(names), len(index)), dtype="float64")
    column = dict(zip(names, block, strict=True))
    net = placed(sums["net_revenue"].to_numpy(dtype="int64"), at_sums, 0)
    contribution = net.copy()
    column["net_revenue"][:] = net / 100.0
    cents = placed(sums["cogs"].to_numpy(dtype="int64"), at_sums, 0)
    contribution -= cents
    column["gross_margin"][:] = contribution / 100.0
    cents = placed(to_cents(cts.to_numpy(dtype="float64")), at_cts, 0)
    contribution -= cents
    column["cost_to_serve"][:] = cents / 100.0
    rate = by_customer("commission_rate")
    base = commission_base(net, placed(sums["written_off"].to_numpy(dtype="int64"), at_sums, 0), commission_basis)
    cents = tied("commissions", base, lambda base_cents, codes: base_cents * rate[codes])
    del base
    contribution -= cents
    column["commissions"][:] = cents / 100.0
    days = by_customer("payment_days")
    cents = tied("cost_of_credit", net,
                 lambda net_cents, codes: credit_cost(net_cents / 100.0, days[codes], cost_of_capital) * 100.0)
    contribution -= cents
    column["cost_of_credit"][:] = cents / 100.0
    cents = placed(sums["written_off"].to_numpy(dtype="int64"), at_sums, 0)
    contribution -= cents
    column["bad_debt"][:] = cents / 100.0
    column["contribution"][:] = contribution / 100.0
    del net, cents, contribution
    for name in ("orders", "lines", "units"):
        column[name][:] = 0.0
        column[name][at_vol] = period_volumes[name].to_numpy(dtype="float64")
    out = pd.DataFrame(block.T, columns=names, copy=False)
    starts = pd.Series(pd.to_datetime(period_starts), index=period_labels)
    period_text = np.asarray(period_level, dtype=object)
    out.insert(0, "period_start", starts.reindex(period_text).to_numpy()[period_codes])
    out.insert(0, "period", period_text[period_codes])
    out.insert(0, "customer_id", np.asarray(customer_level, dtype=object)[cust_codes])
    if aligned is None:
        out = out.sort_values(["customer_id", "period"], kind="stable")
    return out.reset_index(drop=True)


def _with_costs(out: pd.DataFrame, net: np.ndarray, gm: np.ndarray, costs: pd.DataFrame, profit_name: str
                ) -> pd.DataFrame:
    total = np.zeros(len(out), dtype="int64")
    for a in costs.columns:
        c = to_cents(costs[a])
        out[f"cts_{a}"] = from_cents(c)
        total += c
    out["cost_to_serve"] = from_cents(total)
    out[profit_name] = from_cents(gm - total)
    out["margin_pct"] = _ratio(gm - total, net)
    return out


def order_profitability(agg_order: pd.DataFrame, order_costs: pd.DataFrame) -> pd.DataFrame:
    """Profit of each order: gross margin less the order- and line-level costs traced to it."""
    out = pd.DataFrame(index=agg_order.index)
    out["date"] = agg_order["date"]
    out["lines"] = agg_order["lines"]
    net = agg_order["net_revenue"].to_numpy(dtype="int64")
    cogs = agg_order["cogs"].to_numpy(dtype="int64")
    out["net_revenue"] = from_cents(net)
    out["cogs"] = from_cents(cogs)
    out["gross_margin"] = from_cents(net - cogs)
    return _with_costs(out, net, net - cogs, order_costs.reindex(out.index, fill_value=0.0), "order_profit")


def product_profitability(agg_product: pd.DataFrame, product_costs: pd.DataFrame) -> pd.DataFrame:
    """Profit of each product: gross margin less the line- and product-level costs traced to it."""
    sums = agg_product
    out = pd.DataFrame(index=pd.Index(sums.index, name="product_id"))
    out["customers"] = sums["customers"].to_numpy(dtype="int64")
    out["orders"] = sums["orders"].to_numpy(dtype="int64")
    out["lines"] = sums["lines"].to_numpy(dtype="int64")
    out["units"] = sums["units"].to_numpy(dtype="float64")
    net = sums["net_revenue"].to_numpy(dtype="int64")
    gm = net - sums["cogs"].to_numpy(dtype="int64")
    out["net_revenue"] = from_cents(net)
    out["cogs"] = from_cents(sums["cogs"].to_numpy(dtype="int64"))
    out["gross_margin"] = from_cents(gm)
    costs = product_costs.reindex(out.index, fill_value=0.0)
    return _with_costs(out, net, gm, costs, "contribution")
