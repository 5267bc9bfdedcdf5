"""The customer P&L waterfall, and order, product and per-period profitability.

Definitions (DESIGN section 4)::

    gross revenue − discounts            = invoice revenue
    invoice revenue − rebates            = net revenue
    net revenue − COGS                   = gross margin
    gross margin − cost-to-serve (one column per activity) − commissions
        − cost of credit − bad debt      = contribution
    contribution − acquisition cost      = profit
    margin %                             = profit / net revenue

    cost of credit = net revenue × payment days / 365 × annual cost of capital

Money is summed in integer cents so that every total ties to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "DAYS_PER_YEAR",
    "cents",
    "from_cents",
    "customer_pnl",
    "payment_days",
    "period_trend",
    "order_profitability",
    "product_profitability",
    "credit_cost",
]

#: Days in the year of the cost-of-credit formula.
DAYS_PER_YEAR = 365.0

_MONEY = ["gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off"]


def cents(values: pd.Series | np.ndarray) -> np.ndarray:
    """Money to integer cents (half away from zero)."""
    x = np.asarray(values, dtype="float64") * 100.0
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype("int64")


def from_cents(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer cents back to money."""
    return np.asarray(values, dtype="int64") / 100.0


def credit_cost(net_revenue: np.ndarray | float, payment_days: np.ndarray | float,
                cost_of_capital: float) -> np.ndarray:
    """Cost of credit: net revenue × payment days / 365 × annual cost of capital."""
    return np.asarray(net_revenue, dtype="float64") * np.asarray(payment_days, dtype="float64") / DAYS_PER_YEAR \
        * float(cost_of_capital)


def _line_cents(transactions: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({c: cents(transactions[c]) for c in _MONEY}, index=transactions.index)
    out["customer_id"] = transactions["customer_id"].to_numpy()
    out["discounted"] = np.where((transactions["discount"].to_numpy() != 0) | (transactions["rebate"].to_numpy() != 0),
                                 out["net_revenue"].to_numpy(), 0)
    return out


def payment_days(customers: pd.DataFrame, transactions: pd.DataFrame, default_days: float | None
                 ) -> tuple[pd.Series, pd.Series]:
    """Days from invoice to payment for each customer, and where the figure came from.

    Actual payment behaviour comes first: the revenue-weighted mean of ``paid_on − date`` over
    the customer's paid lines with positive revenue. Then the customer's ``payment_days``, then
    the ``payment_days`` parameter, else 0 days.
    """
    paid = transactions[transactions["paid_on"].notna() & (transactions["net_revenue"] > 0)]
    days = (paid["paid_on"] - paid["date"]).dt.days.clip(lower=0).astype("float64")
    weight = paid["net_revenue"].astype("float64")
    num = (days * weight).groupby(paid["customer_id"]).sum()
    den = weight.groupby(paid["customer_id"]).sum()
    actual = (num / den).reindex(customers.index)
    terms = customers["payment_days"].astype("float64")
    result = actual.copy()
    source = pd.Series(np.where(actual.notna(), "actual payments", None), index=customers.index, dtype=object)
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


def customer_pnl(customers: pd.DataFrame, transactions: pd.DataFrame, volumes: pd.DataFrame,
                 activity_costs: pd.DataFrame, *, cost_of_capital: float, default_payment_days: float | None,
                 default_commission_rate: float | None, period_start: pd.Timestamp, period_end: pd.Timestamp,
                 acquisition_charge: str) -> pd.DataFrame:
    """The customer P&L, one row per customer (DESIGN section 4).

    Parameters
    ----------
    customers:
        Normalised customers indexed by ``customer_id``.
    transactions:
        The accepted lines of the analysis period.
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
    """
    idx = customers.index
    line = _line_cents(transactions)
    sums = line.groupby("customer_id")[_MONEY + ["discounted"]].sum().reindex(idx, fill_value=0)
    out = pd.DataFrame(index=idx)
    for col in ("name", "segment", "channel", "region", "acquired_on", "referred_by"):
        out[col] = customers[col]
    for col in ("orders", "lines", "units", "returns"):
        out[col] = volumes[col].reindex(idx, fill_value=0.0).to_numpy()
    gross = sums["gross_revenue"].to_numpy()
    disc = sums["discount"].to_numpy()
    reb = sums["rebate"].to_numpy()
    net = sums["net_revenue"].to_numpy()
    cogs = sums["cogs"].to_numpy()
    cts_cols = {f"cts_{a}": cents(activity_costs[a].reindex(idx, fill_value=0.0)) for a in activity_costs.columns}
    cts_total = np.sum(list(cts_cols.values()), axis=0) if cts_cols else np.zeros(len(idx), dtype="int64")
    rate = customers["commission_rate"].astype("float64")
    if default_commission_rate is not None:
        rate = rate.fillna(float(default_commission_rate))
    rate = rate.fillna(0.0).to_numpy()
    commissions = cents(from_cents(net) * rate)
    days, days_source = payment_days(customers, transactions, default_payment_days)
    credit = cents(credit_cost(from_cents(net), days.to_numpy(), cost_of_capital))
    bad_debt = sums["written_off"].to_numpy()
    acq = customers["acquisition_cost"].astype("float64").fillna(0.0)
    if acquisition_charge == "none":
        charged = np.zeros(len(idx), dtype=bool)
    elif acquisition_charge == "all":
        charged = np.ones(len(idx), dtype=bool)
    else:
        on = customers["acquired_on"]
        charged = (on >= period_start) & (on <= period_end)
        charged = charged.fillna(False).to_numpy(dtype=bool)
    acquisition = np.where(charged, cents(acq), 0)
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
    with np.errstate(divide="ignore", invalid="ignore"):
        out["margin_pct"] = np.where(net != 0, profit / np.where(net != 0, net, 1), np.nan)
    out["commission_rate"] = rate
    out["payment_days"] = days.to_numpy()
    out["payment_days_source"] = days_source.to_numpy()
    out["discounted_revenue"] = from_cents(sums["discounted"].to_numpy())
    out.index.name = "customer_id"
    return out


def period_trend(pnl: pd.DataFrame, transactions: pd.DataFrame, period_index: np.ndarray,
                 period_labels: list[str], period_starts: list[pd.Timestamp], period_costs: pd.DataFrame,
                 period_volumes: pd.DataFrame, *, cost_of_capital: float) -> pd.DataFrame:
    """Contribution per customer per period (long table, one row per active customer-period).

    Commissions and cost of credit use each customer's rate and payment days from the P&L;
    bad debt falls in the period of the written-off line. Each period is rounded to the cent
    on its own, so the periods of a customer may differ from its P&L by a few cents.
    """
    line = _line_cents(transactions)
    line["period"] = period_index
    sums = line.groupby(["customer_id", "period"])[["net_revenue", "cogs", "written_off"]].sum()
    sums.index = sums.index.set_levels(
        [sums.index.levels[0], pd.Index(np.asarray(period_labels, dtype=object)[sums.index.levels[1]])])
    cts = period_costs.sum(axis=1) if len(period_costs.columns) else pd.Series(0.0, index=period_costs.index)
    index = sums.index.union(cts.index).union(period_volumes.index)
    sums = sums.reindex(index, fill_value=0)
    cust = index.get_level_values(0)
    net = sums["net_revenue"].to_numpy()
    rate = pnl["commission_rate"].reindex(cust).to_numpy()
    days = pnl["payment_days"].reindex(cust).to_numpy()
    cts_c = cents(cts.reindex(index, fill_value=0.0))
    commissions = cents(from_cents(net) * rate)
    credit = cents(credit_cost(from_cents(net), days, cost_of_capital))
    gm = net - sums["cogs"].to_numpy()
    contribution = gm - cts_c - commissions - credit - sums["written_off"].to_numpy()
    starts = dict(zip(period_labels, period_starts, strict=True))
    vol = period_volumes.reindex(index, fill_value=0.0)
    out = pd.DataFrame({
        "customer_id": cust.to_numpy(),
        "period": index.get_level_values(1).to_numpy(),
        "period_start": [starts[p] for p in index.get_level_values(1)],
        "net_revenue": from_cents(net),
        "gross_margin": from_cents(gm),
        "cost_to_serve": from_cents(cts_c),
        "commissions": from_cents(commissions),
        "cost_of_credit": from_cents(credit),
        "bad_debt": from_cents(sums["written_off"].to_numpy()),
        "contribution": from_cents(contribution),
        "orders": vol["orders"].to_numpy() if "orders" in vol else 0.0,
        "lines": vol["lines"].to_numpy() if "lines" in vol else 0.0,
        "units": vol["units"].to_numpy() if "units" in vol else 0.0,
    })
    return out.sort_values(["customer_id", "period"], kind="stable").reset_index(drop=True)


def order_profitability(transactions: pd.DataFrame, order_keys: pd.Series, order_costs: pd.DataFrame
                        ) -> pd.DataFrame:
    """Profit of each order: gross margin less the order- and line-level costs traced to it."""
    line = _line_cents(transactions)
    line["order_id"] = order_keys.to_numpy()
    line["date"] = transactions["date"].to_numpy()
    g = line.groupby(["customer_id", "order_id"], sort=True)
    sums = g[["net_revenue", "cogs"]].sum()
    out = pd.DataFrame(index=sums.index)
    out["date"] = g["date"].min()
    out["lines"] = g.size()
    out["net_revenue"] = from_cents(sums["net_revenue"].to_numpy())
    out["cogs"] = from_cents(sums["cogs"].to_numpy())
    gm = sums["net_revenue"].to_numpy() - sums["cogs"].to_numpy()
    out["gross_margin"] = from_cents(gm)
    costs = order_costs.reindex(out.index, fill_value=0.0)
    total = np.zeros(len(out), dtype="int64")
    for a in costs.columns:
        c = cents(costs[a])
        out[f"cts_{a}"] = from_cents(c)
        total += c
    out["cost_to_serve"] = from_cents(total)
    out["order_profit"] = from_cents(gm - total)
    with np.errstate(divide="ignore", invalid="ignore"):
        net = sums["net_revenue"].to_numpy()
        out["margin_pct"] = np.where(net != 0, (gm - total) / np.where(net != 0, net, 1), np.nan)
    return out


def product_profitability(transactions: pd.DataFrame, product_costs: pd.DataFrame,
                          order_keys: pd.Series) -> pd.DataFrame:
    """Profit of each product: gross margin less the line- and product-level costs traced to it."""
    line = _line_cents(transactions)
    line["product_id"] = transactions["product_id"].fillna("(no product)").to_numpy()
    line["units"] = transactions["quantity"].fillna(0.0).to_numpy()
    line["order_key"] = (transactions["customer_id"].astype(str) + "\x1f" + order_keys.astype(str)).to_numpy()
    g = line.groupby("product_id", sort=True)
    sums = g[["net_revenue", "cogs"]].sum()
    out = pd.DataFrame(index=sums.index)
    out["customers"] = g["customer_id"].nunique()
    out["orders"] = g["order_key"].nunique()
    out["lines"] = g.size()
    out["units"] = g["units"].sum()
    net = sums["net_revenue"].to_numpy()
    gm = net - sums["cogs"].to_numpy()
    out["net_revenue"] = from_cents(net)
    out["cogs"] = from_cents(sums["cogs"].to_numpy())
    out["gross_margin"] = from_cents(gm)
    costs = product_costs.groupby(level="product_id").sum().reindex(out.index, fill_value=0.0)
    total = np.zeros(len(out), dtype="int64")
    for a in costs.columns:
        c = cents(costs[a])
        out[f"cts_{a}"] = from_cents(c)
        total += c
    out["cost_to_serve"] = from_cents(total)
    out["contribution"] = from_cents(gm - total)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["margin_pct"] = np.where(net != 0, (gm - total) / np.where(net != 0, net, 1), np.nan)
    out.index.name = "product_id"
    return out
