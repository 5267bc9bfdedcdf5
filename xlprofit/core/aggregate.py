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

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from xlprofit.core.money import MAX_PAYMENT_DAYS, to_cents
from xlprofit.errors import ArgumentError

__all__ = ["LineAggregates", "MONEY_COLUMNS", "COUNT_COLUMNS", "CUSTOMER_COLUMNS", "aggregate_lines",
           "NO_PRODUCT", "ORDER_PARTS", "empty_order_grain", "order_key_from_date", "order_parts",
           "product_totals", "RETURNS", "open_item_days", "SALE_DEPTH", "check_sale_depth", "sale_lines"]

#: How returned lines are booked (the ``returns`` parameter). ``credit``: a returned line with
#: positive net revenue is reversed as by a credit note (its gross revenue, discount, rebate,
#: net revenue, COGS and write-off count as 0; it still counts as a line and a return); a returned line
#: with negative net revenue is itself the credit note and is kept. ``as_booked``: the ledger
#: carries its own credit notes, every line counts as booked.
RETURNS: tuple[str, ...] = ("credit", "as_booked")

#: A sale purchase: a line whose on-invoice discount is at least this share of its gross revenue
#: (:func:`sale_lines`). 20 %: deeper than any negotiated or volume discount a regular customer gets
#: (a few per cent), the depth of a clearance or promotion price. Rebates (off-invoice, paid later)
#: never make a sale: the buyer did not see them at the till.
SALE_DEPTH = 0.20

#: Money sums, in cents. ``discounted`` is net revenue of the lines bought on sale (:func:`sale_lines`);
#: ``paid_weight`` is the net revenue of the lines in the payment days — paid lines with positive
#: revenue and, when the analysed lines record payments (one of them has a ``paid_on``), open
#: items: lines with positive revenue, no ``paid_on`` and nothing written off, aged to the end of
#: the analysis period (:func:`open_item_days`) — and ``paid_days_weighted`` the same lines' days
#: × net revenue (in cent-days). Written-off lines without a payment stay out: their cost is bad debt.
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
#: An order in millionths: the unit of ``order_parts`` (each order's share of it by product).
ORDER_PARTS = 1_000_000


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
        Index ``(customer_id, product_id)``: money, counts, ``orders`` (the customer's orders
        holding the product) and ``order_parts``: the product's share of those orders, each
        order split over its products by positive net revenue (:func:`order_parts`), in
        millionths of an order. :func:`product_totals` sums it over customers.
    credited_rows, credited_cents:
        The returned lines credited (``returns="credit"``, see :data:`RETURNS`): how many, and
        their net revenue as booked, in cents. Every grain holds them as lines and returns
        with no money, so the net revenue of the analysed lines is the grains' net revenue plus
        ``credited_cents`` (both 0 with ``returns="as_booked"``).
    """

    customer: pd.DataFrame
    period: pd.DataFrame
    order: pd.DataFrame
    product: pd.DataFrame
    order_itemised: bool = True
    credited_rows: int = 0
    credited_cents: int = 0

    @property
    def order_count(self) -> int:
        """Number of analysed orders (also when the order grain is not itemised)."""
        return int(self.customer["orders"].sum())

    def without_order_detail(self) -> LineAggregates:
        """The same sums with an empty order grain (``order_itemised`` false)."""
        return replace(self, order=empty_order_grain(), order_itemised=False)


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


def order_parts(net_revenue: np.ndarray, lines: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Each row's share of its order, in millionths (:data:`ORDER_PARTS`), rounded half up.

    An order's rows (one per product) share it by their positive net revenue; an order with no
    positive net revenue (a credit, a free delivery) by their lines. The engines compute the
    same shares with the same floating-point steps (``max(net, 0) × 10⁶ / Σ + 0.5``, floored).

    Parameters
    ----------
    net_revenue, lines:
        Cents and line counts of each row.
    orders:
        The order of each row as a number ``0 … n − 1`` (equal numbers: one order).
    """
    codes = np.asarray(orders, dtype=np.intp)
    positive = np.maximum(np.asarray(net_revenue, dtype="int64"), 0).astype("float64")
    counted = np.asarray(lines, dtype="int64").astype("float64")
    n = int(codes.max()) + 1 if len(codes) else 0
    pos_total = np.bincount(codes, weights=positive, minlength=n)[codes]
    line_total = np.bincount(codes, weights=counted, minlength=n)[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pos_total > 0, positive * float(ORDER_PARTS) / pos_total,
                         counted * float(ORDER_PARTS) / line_total)
    return np.floor(share + 0.5).astype("int64")


def product_totals(product: pd.DataFrame) -> pd.DataFrame:
    """The customer × product grain summed over customers: one row per product, with ``customers``."""
    by = product.groupby(level="product_id", sort=True)
    out = by.sum()
    out["customers"] = by.size()
    return out


def open_item_days(dates: pd.Series, period_end: pd.Timestamp) -> np.ndarray:
    """Age of open items at the end of the analysis period: whole days from each date to ``period_end``.

    Floored, at least 0 and at most :data:`~xlprofit.core.money.MAX_PAYMENT_DAYS` (the bound of
    every payment days figure); counted in microseconds as the engines count them.
    """
    end = np.datetime64(pd.Timestamp(period_end).normalize().to_datetime64(), "us").astype("int64")
    start = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[us]").astype("int64")
    return np.clip(np.floor((end - start) / 86_400_000_000.0), 0.0, MAX_PAYMENT_DAYS)


def sale_lines(discount_cents: np.ndarray, gross_cents: np.ndarray, depth: float = SALE_DEPTH) -> np.ndarray:
    """Whether each line is a sale purchase: its discount is at least ``depth`` of its gross revenue.

    ``discount / gross_revenue ≥ depth``, compared without dividing: ``discount ≥ depth ×
    gross_revenue`` for a positive gross revenue, the same on the magnitudes for a negative
    one (the credit note of a sale line is a sale line); a line without gross revenue is not a
    sale. The comparison is made on whole cents in floating point with a margin of a millionth
    of a cent, so that 3 cents off 15 is 20 % whatever ``0.2 × 15`` rounds to; the SQL engines
    write the same expression (:func:`xlprofit.engines._sql.sale_line_sql`).
    """
    depth = check_sale_depth(depth)
    gross = np.asarray(gross_cents, dtype="float64")
    discount = np.asarray(discount_cents, dtype="float64")
    with np.errstate(invalid="ignore"):
        positive = (gross > 0) & (discount >= depth * gross - 1e-6)
        negative = (gross < 0) & (-discount >= depth * -gross - 1e-6)
    return positive | negative


def check_sale_depth(depth: float) -> float:
    """``depth`` if it is a number above 0 and at most 1."""
    if isinstance(depth, bool) or not isinstance(depth, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(depth) <= 1.0:
        raise ArgumentError("sale_depth", depth, "above 0 and at most 1 (a share of gross revenue: 0.2 is 20 %)")
    return float(depth)


def aggregate_lines(transactions: pd.DataFrame, period_index: np.ndarray, period_end: pd.Timestamp, *,
                    returns: str = "credit", sale_depth: float = SALE_DEPTH) -> LineAggregates:
    """Sum the analysed lines (normalised transactions) to the four grains.

    Parameters
    ----------
    transactions:
        Accepted lines of the analysis period (normalised ``transactions`` table).
    period_index:
        0-based analysis period of each line.
    period_end:
        Last day of the analysis period: open items are aged to it (see :data:`MONEY_COLUMNS`).
    returns:
        How returned lines are booked: ``credit`` or ``as_booked`` (:data:`RETURNS`).
    sale_depth:
        Discount depth from which a line is a sale purchase (:data:`SALE_DEPTH`, :func:`sale_lines`).
    """
    if returns not in RETURNS:
        raise ArgumentError("returns", returns, f"one of {', '.join(RETURNS)}")
    sale_depth = check_sale_depth(sale_depth)
    t = transactions
    order_id = t["order_id"]
    key = order_id.where(order_id.notna(), order_key_from_date(t["date"])).astype(object)
    booked = to_cents(t["net_revenue"])
    # A returned line with positive net revenue is reversed, as by a credit note (returns="credit").
    credited = t["returned"].to_numpy(dtype=bool) & (booked > 0) if returns == "credit" \
        else np.zeros(len(t), dtype=bool)

    def kept(column: str) -> np.ndarray:
        return np.where(credited, 0, to_cents(t[column]))

    net = np.where(credited, 0, booked)
    written_off = kept("written_off")  # a credited line leaves no receivable to write off
    discounted = np.where(sale_lines(to_cents(t["discount"]), to_cents(t["gross_revenue"]), sale_depth), net, 0)
    has_paid_on = t["paid_on"].notna().to_numpy()
    paid = has_paid_on & (net > 0)
    # Open items count only when the lines record payments at all: without any paid_on nothing
    # says a line is unpaid (the customer's terms or the payment_days parameter apply then).
    open_item = ~has_paid_on & (net > 0) & (written_off == 0) & bool(has_paid_on.any())
    days = np.where(paid, (t["paid_on"] - t["date"]).dt.days.fillna(0).clip(lower=0).to_numpy(dtype="float64"),
                    np.where(open_item, open_item_days(t["date"], period_end), 0.0))
    weight = np.where(paid | open_item, net, 0)
    lines = pd.DataFrame({
        "customer_id": t["customer_id"].to_numpy(dtype=object),
        "order_id": key.to_numpy(dtype=object),
        "product_id": t["product_id"].fillna(NO_PRODUCT).to_numpy(dtype=object),
        "period": np.asarray(period_index, dtype="int64"),
        "date": t["date"].dt.normalize().to_numpy(),
        "gross_revenue": kept("gross_revenue"),
        "discount": kept("discount"),
        "rebate": kept("rebate"),
        "net_revenue": net,
        "cogs": kept("cogs"),
        "written_off": written_off,
        "discounted": discounted,
        "lines": np.ones(len(t), dtype="int64"),
        "units": t["quantity"].fillna(0.0).to_numpy(dtype="float64"),
        "returns": t["returned"].to_numpy(dtype="int64"),
        "paid_weight": weight,
        "paid_days_weighted": days * weight,
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

    # Customer × product: the orders holding the product, and its share of each of them.
    per_order = lines.groupby(["customer_id", "order_id", "product_id"], sort=True)[sums].sum()
    # The rows are sorted by customer and order: an order starts where either changes.
    c0, c1 = (np.asarray(per_order.index.codes[k]) for k in (0, 1))
    starts = np.ones(len(per_order), dtype=bool)
    starts[1:] = (c0[1:] != c0[:-1]) | (c1[1:] != c1[:-1])
    per_order["order_parts"] = order_parts(per_order["net_revenue"].to_numpy(dtype="int64"),
                                           per_order["lines"].to_numpy(dtype="int64"), np.cumsum(starts) - 1)
    per_order["orders"] = 1
    product = per_order.groupby(level=["customer_id", "product_id"], sort=True)[
        [*sums, "orders", "order_parts"]].sum()

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
    product.index = product.index.set_levels(product.index.levels[0].astype(object), level=0)
    return LineAggregates(customer=customer, period=period, order=order.drop(columns="period").assign(
        period=order["period"]), product=product, credited_rows=int(credited.sum()),
        credited_cents=int(booked[credited].sum()))
