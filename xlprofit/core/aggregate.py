"""Line aggregates: everything the analysis needs from invoice lines, summed once.

The analysis never works on individual invoice lines after this step. The lines of the
analysis period are summed to four grains — customer (with its purchase days), customer × period,
customer × order and product — and every later stage (driver volumes, the
P&L waterfall, trend, order and product profitability, RFM) starts from these sums. That is
what lets the same analysis run on a DataFrame here, or inside an embedded SQL engine for
ledgers too large for memory (``xlprofit.engines``): both produce a :class:`LineAggregates`.

Money is in integer cents (``int64``) so that every total ties exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.core.money import to_cents

__all__ = ["LineAggregates", "MONEY_COLUMNS", "COUNT_COLUMNS", "CUSTOMER_COLUMNS", "aggregate_lines",
           "NO_PRODUCT", "empty_order_grain", "order_key_from_date"]

#: Money sums, in cents. ``discounted`` is net revenue of lines sold with a discount or rebate;
#: ``paid_weight`` is net revenue of paid lines with positive revenue and ``paid_days_weighted``
#: the same lines' days to payment × net revenue (in cent-days).
MONEY_COLUMNS: tuple[str, ...] = ("gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off",
                                  "discounted")
#: Line counts and quantities.
COUNT_COLUMNS: tuple[str, ...] = ("lines", "units", "returns")
#: Columns of the customer grain: the sums, the payment weights, the order count and the purchase
#: summary of the RFM model (first and last purchase day, purchase days, and the net revenue in
#: cents of the purchase days after the first).
CUSTOMER_COLUMNS: tuple[str, ...] = (*MONEY_COLUMNS, *COUNT_COLUMNS, "paid_weight", "paid_days_weighted", "orders",
                                     "first_purchase", "last_purchase", "purchase_days", "repeat_net")
#: Product id given to lines without one.
NO_PRODUCT = "(no product)"


@dataclass(frozen=True)
class LineAggregates:
    """Sums of the analysed invoice lines at four grains.

    Attributes
    ----------
    customer:
        Index ``customer_id``, the columns of :data:`CUSTOMER_COLUMNS`: the money columns
        (cents), ``lines, units, returns, orders``, ``paid_weight`` and ``paid_days_weighted``
        (for revenue-weighted days to payment), and the purchases of the RFM summary: a
        purchase is a customer's lines of one day; ``first_purchase``, ``last_purchase``,
        ``purchase_days`` and ``repeat_net`` (net revenue in cents of the purchases after
        the first).
    period:
        Index ``(customer_id, period)`` with 0-based period numbers: money, counts and
        ``orders`` (an order counts in the period of its first line).
    order:
        Index ``(customer_id, order_id)``: ``date`` (first line), money, counts and ``period``;
        empty when the orders are not itemised (``order_itemised`` false: too many orders
        for order profitability to be wanted line by line, see ``analyze(order_detail=…)``).
    product:
        Index ``product_id``: money, counts, ``orders`` (distinct orders holding the product)
        and ``customers`` (distinct customers buying it).
    """

    customer: pd.DataFrame
    period: pd.DataFrame
    order: pd.DataFrame
    product: pd.DataFrame
    order_itemised: bool = True

    @property
    def order_count(self) -> int:
        """Number of analysed orders (also when the order grain is not itemised)."""
        return int(self.customer["orders"].sum())

    def without_order_detail(self) -> LineAggregates:
        """The same sums with an empty order grain (``order_itemised`` false)."""
        return LineAggregates(customer=self.customer, period=self.period, order=empty_order_grain(),
                              product=self.product, order_itemised=False)


def empty_order_grain() -> pd.DataFrame:
    """An order grain without rows, with the columns and dtypes of :func:`aggregate_lines`'s."""
    index = pd.MultiIndex.from_arrays([pd.Index([], dtype="str"), pd.Index([], dtype="str")],
                                      names=["customer_id", "order_id"])
    columns = {"date": pd.Series([], dtype="datetime64[ns]")}
    columns.update({c: pd.Series([], dtype="int64") for c in (*MONEY_COLUMNS, "lines")})
    columns["units"] = pd.Series([], dtype="float64")
    columns["returns"] = pd.Series([], dtype="int64")
    columns["period"] = pd.Series([], dtype="int64")
    return pd.DataFrame({k: v.to_numpy() for k, v in columns.items()}, index=index)


def order_key_from_date(customer_date: pd.Series) -> pd.Series:
    """The key of an order without an ``order_id``: its date (orders are per customer)."""
    return "date:" + customer_date.dt.strftime("%Y-%m-%d")


def aggregate_lines(transactions: pd.DataFrame, period_index: np.ndarray) -> LineAggregates:
    """Sum the analysed lines (normalised transactions) to the four grains.

    Parameters
    ----------
    transactions:
        Accepted lines of the analysis period (normalised ``transactions`` table).
    period_index:
        0-based analysis period of each line.
    """
    t = transactions
    order_id = t["order_id"]
    key = order_id.where(order_id.notna(), order_key_from_date(t["date"])).astype(object)
    net = to_cents(t["net_revenue"])
    discounted = np.where((t["discount"].to_numpy() != 0) | (t["rebate"].to_numpy() != 0), net, 0)
    paid = t["paid_on"].notna().to_numpy() & (net > 0)
    days = np.where(paid, (t["paid_on"] - t["date"]).dt.days.fillna(0).clip(lower=0).to_numpy(dtype="float64"), 0.0)
    lines = pd.DataFrame({
        "customer_id": t["customer_id"].to_numpy(dtype=object),
        "order_id": key.to_numpy(dtype=object),
        "product_id": t["product_id"].fillna(NO_PRODUCT).to_numpy(dtype=object),
        "period": np.asarray(period_index, dtype="int64"),
        "date": t["date"].dt.normalize().to_numpy(),
        "gross_revenue": to_cents(t["gross_revenue"]),
        "discount": to_cents(t["discount"]),
        "rebate": to_cents(t["rebate"]),
        "net_revenue": net,
        "cogs": to_cents(t["cogs"]),
        "written_off": to_cents(t["written_off"]),
        "discounted": discounted,
        "lines": np.ones(len(t), dtype="int64"),
        "units": t["quantity"].fillna(0.0).to_numpy(dtype="float64"),
        "returns": t["returned"].to_numpy(dtype="int64"),
        "paid_weight": np.where(paid, net, 0),
        "paid_days_weighted": days * np.where(paid, net, 0),
    })
    sums = list(MONEY_COLUMNS) + list(COUNT_COLUMNS)

    by_order = lines.groupby(["customer_id", "order_id"], sort=True)
    order = by_order[sums].sum()
    order.insert(0, "date", by_order["date"].min())
    order.insert(1, "period", by_order["period"].min())

    customer = lines.groupby("customer_id", sort=True)[[*sums, "paid_weight", "paid_days_weighted"]].sum()
    customer["orders"] = order.groupby(level="customer_id").size()

    period = lines.groupby(["customer_id", "period"], sort=True)[sums].sum()
    first = order.groupby(["customer_id", "period"]).size()
    period["orders"] = first.reindex(period.index, fill_value=0)

    by_product = lines.groupby("product_id", sort=True)
    product = by_product[sums].sum()
    product["orders"] = lines.groupby(["product_id", "customer_id"], sort=True)["order_id"].nunique(
        ).groupby(level="product_id").sum()
    product["customers"] = by_product["customer_id"].nunique()

    days = lines.groupby(["customer_id", "date"], sort=True)["net_revenue"].sum().reset_index()
    by_day = days.groupby("customer_id", sort=True)
    first_net = by_day["net_revenue"].first()  # the days are sorted: the first purchase day's revenue
    customer["first_purchase"] = by_day["date"].min()
    customer["last_purchase"] = by_day["date"].max()
    customer["purchase_days"] = by_day.size()
    customer["repeat_net"] = by_day["net_revenue"].sum() - first_net
    customer = customer[list(CUSTOMER_COLUMNS)]
    # Customer ids as Python strings, like the dataset's customer index (no conversion per lookup).
    customer.index = customer.index.astype(object)
    period.index = period.index.set_levels(period.index.levels[0].astype(object), level=0)
    return LineAggregates(customer=customer, period=period, order=order.drop(columns="period").assign(
        period=order["period"]), product=product)
