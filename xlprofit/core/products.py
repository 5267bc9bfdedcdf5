"""Fully loaded product profitability: every customer's P&L split over the products it bought.

A product's profit is what is left of its customers' profit once every amount of their P&L is
split over what they bought, so that the products of a customer add up to the customer and
all products add up to the whole analysis, to the cent:

- revenue, discounts, rebates, COGS and bad debt belong to invoice lines: each product has
  its own lines' amounts;
- line- and product-level activities are traced to the customer's products by their driver
  volume (or minutes), as to periods and orders; a volume that no product carries (a usage
  driver) follows the customer's revenue share;
- order-level activities follow the orders: each order is split over its products by their
  positive net revenue (by lines when it has none), and a customer's order-level cost over
  its products by the orders they stand for;
- commissions and cost of credit are the customer's, computed on each product's own base
  (collected or net revenue at the customer's rate and payment days), as the trend computes
  them per period;
- customer-level activities and acquisition cost follow the customer's revenue share: each
  product's positive net revenue (its lines when the customer has no positive revenue).

Every split is largest remainder in whole cents within the customer. A customer without a
purchase in the period keeps its costs on the pseudo-product :data:`NO_PURCHASE`.

Analysing some products only (``analyze(products=[…])``) takes exactly these figures: each
customer who bought one of them carries the sum of their rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.core.allocation import allocate_within, key_ranks, round_to_totals
from xlprofit.core.costing import PRODUCT_LEVELS
from xlprofit.core.money import to_cents
from xlprofit.core.profit import commission_base, credit_cost
from xlprofit.errors import InputError

__all__ = ["NO_PURCHASE", "LOADED_COLUMNS", "ProductLoading", "load_products", "SPLIT_METHODS"]

#: The pseudo-product that carries the costs of customers without a purchase in the period.
NO_PURCHASE = "(no purchase)"

#: The P&L columns that come from the product's own lines, and their line sums.
_DIRECT = {"gross_revenue": "gross_revenue", "discounts": "discount", "rebates": "rebate",
           "net_revenue": "net_revenue", "cogs": "cogs", "bad_debt": "written_off",
           "discounted_revenue": "discounted"}
#: The P&L columns computed on each product's own base (the customer's rate and payment days).
_ON_BASE = ("commissions", "cost_of_credit")
#: The P&L columns split by the customer's revenue share (besides customer-level activities).
_BY_REVENUE = ("acquisition_cost",)
#: The split columns, before the activities' (``cts_…``) ones.
LOADED_COLUMNS: tuple[str, ...] = (*_DIRECT, *_ON_BASE, *_BY_REVENUE)
#: The counts of the customer × product grain carried along.
_COUNTS = ("orders", "lines", "units", "returns")

#: How each amount is split over a customer's products, as the Assumptions state it.
SPLIT_METHODS: tuple[tuple[str, str], ...] = (
    ("revenue, discounts, rebates, COGS, bad debt", "the product's own invoice lines"),
    ("line- and product-level activities", "traced by driver volume or minutes; volume no product carries "
                                           "(usage drivers) by the customer's revenue share"),
    ("order-level activities", "by the orders the product stands for: each order split over its products by "
                               "positive net revenue (by lines when it has none)"),
    ("commissions, cost of credit", "on the product's own commission base and net revenue, at the customer's "
                                    "commission rate and payment days"),
    ("customer-level activities, acquisition cost",
     "by the customer's revenue share (positive net revenue by product; lines when it has none)"),
    ("customers without a purchase in the period", f"their costs on the product row {NO_PURCHASE!r}"),
)


@dataclass(frozen=True)
class ProductLoading:
    """Every customer's P&L amounts split over its products.

    Attributes
    ----------
    cents:
        Index ``(customer_id, product_id)``; whole cents (``int64``) of every column of
        :data:`LOADED_COLUMNS` and of each activity (``cts_<activity>``). Each customer's rows
        add up to its P&L amounts exactly.
    counts:
        The same index: ``orders, lines, units, returns`` of the product's lines.
    levels:
        The level of each activity (``cts_<activity>`` → ``customer``, ``order``, …).
    """

    cents: pd.DataFrame
    counts: pd.DataFrame
    levels: Mapping[str, str]

    def customers(self, products: Iterable[str]) -> pd.DataFrame:
        """Cents per customer who bought one of ``products``: the sum of its rows of them."""
        rows = self.cents.index.get_level_values("product_id").isin(list(products))
        return self.cents[rows].groupby(level="customer_id", sort=True).sum()

    def others(self, products: Iterable[str]) -> pd.Series:
        """Cents of every column over the rows of all other products (and :data:`NO_PURCHASE`)."""
        rows = ~self.cents.index.get_level_values("product_id").isin(list(products))
        return self.cents[rows].sum()

    def other_counts(self, products: Iterable[str]) -> pd.Series:
        """Counts of the lines of all other products."""
        rows = ~self.counts.index.get_level_values("product_id").isin(list(products))
        return self.counts[rows].sum()

    def table(self, products: Iterable[str] | None = None) -> pd.DataFrame:
        """Fully loaded profitability, one row per product (of ``products``, or all).

        Columns: ``customers, orders, lines, units, returns``, the money of the customer P&L
        (gross revenue … profit, each activity's ``cts_`` column), the activity cost by level
        (``product_level_cost``: line and product; ``order_level_cost``; ``customer_level_cost``)
        and ``margin_pct`` (profit / net revenue).
        """
        cents, counts = self.cents, self.counts
        if products is not None:
            rows = cents.index.get_level_values("product_id").isin(list(products))
            cents, counts = cents[rows], counts[rows]
        by = cents.groupby(level="product_id", sort=True)
        money = by.sum()
        out = pd.DataFrame(index=money.index)
        out["customers"] = counts["lines"].gt(0).groupby(level="product_id", sort=True).sum()
        for c in _COUNTS:
            out[c] = counts[c].groupby(level="product_id", sort=True).sum()
        return out.join(waterfall(money, self.levels))


def waterfall(cents: pd.DataFrame, levels: Mapping[str, str]) -> pd.DataFrame:
    """The P&L waterfall in money from loaded cents, in the customer P&L's column order."""
    cts = [c for c in cents.columns if c.startswith("cts_")]
    c = {k: cents[k].to_numpy(dtype="int64") for k in cents.columns}
    zero = np.zeros(len(cents), dtype="int64")
    cost = sum((c[k] for k in cts), zero)
    gross_margin = c["net_revenue"] - c["cogs"]
    contribution = gross_margin - cost - c["commissions"] - c["cost_of_credit"] - c["bad_debt"]
    profit = contribution - c["acquisition_cost"]
    out = pd.DataFrame(index=cents.index)
    for name, values in (("gross_revenue", c["gross_revenue"]), ("discounts", c["discounts"]),
                         ("invoice_revenue", c["gross_revenue"] - c["discounts"]), ("rebates", c["rebates"]),
                         ("net_revenue", c["net_revenue"]), ("cogs", c["cogs"]), ("gross_margin", gross_margin)):
        out[name] = values / 100.0
    for k in cts:
        out[k] = c[k] / 100.0
    out["cost_to_serve"] = cost / 100.0
    for name, wanted in (("product_level_cost", PRODUCT_LEVELS), ("order_level_cost", ("order",)),
                         ("customer_level_cost", ("customer",))):
        out[name] = sum((c[k] for k in cts if levels.get(k) in wanted), zero) / 100.0
    for name in ("commissions", "cost_of_credit", "bad_debt"):
        out[name] = c[name] / 100.0
    out["contribution"] = contribution / 100.0
    out["acquisition_cost"] = c["acquisition_cost"] / 100.0
    out["profit"] = profit / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["margin_pct"] = np.where(c["net_revenue"] != 0, profit / np.where(c["net_revenue"] != 0,
                                                                             c["net_revenue"], 1), np.nan)
    out["discounted_revenue"] = c["discounted_revenue"] / 100.0
    return out


def _text_ranks(index: pd.MultiIndex, name: str) -> np.ndarray:
    """Rank of each row's ``name`` among the distinct values' texts (equal texts, equal ranks).

    Ranked once per distinct value, from the index's level, instead of by sorting millions of
    repeated strings; a missing value ranks as its text "nan", as ``astype(str)`` writes it.
    """
    at = index.names.index(name)
    codes = np.asarray(index.codes[at])
    texts = np.asarray(index.levels[at].astype(str), dtype=object)
    if (codes < 0).any():
        texts, codes = np.append(texts, "nan"), np.where(codes < 0, texts.size, codes)
    return key_ranks(name, texts, texts.size)[codes]


def load_products(pnl: pd.DataFrame, grain: pd.DataFrame, traced: pd.DataFrame, levels: Mapping[str, str], *,
                  cost_of_capital: float, commission_basis: str) -> ProductLoading:
    """Split every customer's P&L over its products (see the module's description).

    Parameters
    ----------
    pnl:
        The customer P&L (:func:`~xlprofit.core.profit.customer_pnl`), index ``customer_id``.
    grain:
        The customer × product sums of the same lines (:attr:`LineAggregates.product`).
    traced:
        Line- and product-level activity costs traced to the customer × product grain
        (:attr:`CostingResult.product`).
    levels:
        The level of each activity, by activity name.
    cost_of_capital, commission_basis:
        As the P&L was computed with (:func:`~xlprofit.core.profit.customer_pnl`).

    Raises
    ------
    InputError
        When the product sums do not add up to the customer P&L (lines summed differently).
    """
    customers = pnl.index
    bought = grain.index.get_level_values("customer_id")
    without = customers[~customers.isin(bought.unique())]
    extra = pd.MultiIndex.from_arrays([np.asarray(without, dtype=object),
                                       np.full(len(without), NO_PURCHASE, dtype=object)],
                                      names=["customer_id", "product_id"])
    index = grain.index.append(extra) if len(extra) else grain.index
    groups = customers.get_indexer(index.get_level_values("customer_id"))
    if (groups < 0).any():
        raise InputError(f"customer {index.get_level_values(0)[groups < 0][0]!r} has product sums but is not "
                         "in the customer P&L")
    keys = _text_ranks(index, "product_id")
    n = len(customers)

    def column(name: str) -> np.ndarray:
        out = np.zeros(len(index), dtype="int64" if name != "units" else "float64")
        out[:len(grain)] = grain[name].to_numpy(dtype=out.dtype)
        return out

    def fallback(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
        """``primary``, except for customers whose rows all weigh 0 there: ``secondary``."""
        total = np.bincount(groups, weights=primary, minlength=n)
        return np.where(total[groups] > 0, primary, secondary)

    ones = np.ones(len(index), dtype="float64")
    revenue = fallback(np.maximum(column("net_revenue"), 0).astype("float64"),
                       fallback(column("lines").astype("float64"), ones))
    orders = fallback(column("order_parts").astype("float64"), revenue)

    def split(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
        if not total.any():
            return np.zeros(len(index), dtype="int64")
        return allocate_within(total, weights, groups, keys)

    cents: dict[str, np.ndarray] = {}
    for name, source in _DIRECT.items():
        cents[name] = column(source)
        summed = np.bincount(groups, weights=cents[name].astype("float64"), minlength=n)
        expected = to_cents(pnl[name]) if name in pnl else np.zeros(n, dtype="int64")
        if name in pnl and not np.array_equal(np.rint(summed).astype("int64"), expected):
            wrong = np.flatnonzero(np.rint(summed).astype("int64") != expected)[0]
            raise InputError(f"the product sums of {name} do not add up to the P&L of customer {customers[wrong]!r}")
    # The customer's commission and cost of credit on each product's own base, tied to its P&L cents.
    net = column("net_revenue")
    base = commission_base(net, column("written_off"), commission_basis)
    rate = pnl["commission_rate"].to_numpy(dtype="float64")[groups]
    cents["commissions"] = round_to_totals(base * rate, groups, to_cents(pnl["commissions"]), keys,
                                           weights=base)
    days = pnl["payment_days"].to_numpy(dtype="float64")[groups]
    credit = np.asarray(credit_cost(net / 100.0, days, cost_of_capital), dtype="float64") * 100.0
    cents["cost_of_credit"] = round_to_totals(credit, groups, to_cents(pnl["cost_of_credit"]), keys, weights=net)
    for name in _BY_REVENUE:
        cents[name] = split(to_cents(pnl[name]), revenue)
    traced_cents = traced.reindex(index, fill_value=0.0) if len(traced.columns) else None
    for name, level in levels.items():
        total = to_cents(pnl[name])
        if level in PRODUCT_LEVELS:
            activity = name.removeprefix("cts_")
            own = (to_cents(traced_cents[activity].to_numpy(dtype="float64"))
                   if traced_cents is not None and activity in traced_cents.columns
                   else np.zeros(len(index), dtype="int64"))
            rest = total - np.bincount(groups, weights=own.astype("float64"), minlength=n).astype("int64")
            cents[name] = own + split(rest, revenue) if rest.any() else own
        elif level == "order":
            cents[name] = split(total, orders)
        else:
            cents[name] = split(total, revenue)
    counts = pd.DataFrame({c: column(c) for c in _COUNTS}, index=index)
    return ProductLoading(cents=pd.DataFrame(cents, index=index), counts=counts, levels=dict(levels))
