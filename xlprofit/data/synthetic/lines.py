"""The invoice lines: the product catalogue, the plan of line counts and the blocks of lines.

:func:`make_plan` checks the arguments of the generator and fixes everything shared by all
blocks: the customers (:mod:`.customers`), the product catalogue and how many lines each
customer buys in each quarter. Every block of :data:`BLOCK_LINES` invoice lines then has its
own random stream and never depends on the blocks before it, so :func:`iter_chunks` and
:func:`iter_transaction_chunks` produce any number of lines chunk by chunk with bounded
memory, and the concatenated chunks equal ``generate(...)["transactions"]`` row for row.

The invoice lines are laid out quarter by quarter; inside a block, orders are numbered
by date, so an order number grows with its date whenever the whole analysis window fits
in one block (as in the demo dataset). An order never spans two blocks. A block also
yields the per-order usage rows (:data:`ORDER_DRIVERS`: manually entered and rush orders).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from xlprofit.data.synthetic.common import (
    BLOCK_LINES,
    DEFAULT_SEED,
    STREAM_BLOCK,
    STREAM_CATALOGUE,
    STREAM_LINE_COUNTS,
    check_count,
    check_start,
    stream,
    text_column,
)
from xlprofit.data.synthetic.customers import CustomerPlan, customer_plan
from xlprofit.errors import ArgumentError

_MAX_ORDER_LINES = 20
_N_PRODUCTS = 150
_MEAN_LIST_PRICE_EUR = 50.0  # sales-weighted mean list price of the catalogue
_MEAN_LIST_MARGIN = 0.27  # sales-weighted mean margin on list price
_PROMO_MARGIN_FLOOR = 0.25  # products go on sale in proportion to their list margin above this
_SALE_STOCK_UP = (1.5, 0.5)  # a sale buyer's mean quantity on sale and at full price, relative

ORDER_DRIVERS = ("manual_orders", "rush")
_ORDER_DRIVERS_TEXT = pd.array(list(ORDER_DRIVERS), dtype="str")

TRANSACTION_COLUMNS = [
    "date", "customer_id", "order_id", "product_id", "quantity", "gross_revenue", "discount",
    "rebate", "net_revenue", "cogs", "returned", "written_off", "paid_on",
]
USAGE_COLUMNS = ["customer_id", "driver", "quantity", "period", "order_id"]


@dataclass(frozen=True)
class _Catalogue:
    ids: pd.api.extensions.ExtensionArray
    price_cents: np.ndarray
    cost_cents: np.ndarray
    cumulative_popularity: np.ndarray
    cumulative_promotion: np.ndarray  # what sale purchases buy: popular products with fat margins


def _catalogue(seed: int) -> _Catalogue:
    rng = stream(seed, STREAM_CATALOGUE)
    price = np.exp(rng.normal(0.0, 0.9, _N_PRODUCTS))
    margin = 0.08 + 0.42 * rng.beta(2.0, 3.0, _N_PRODUCTS)
    popularity = 1.0 / (1.0 + rng.permutation(_N_PRODUCTS)) ** 0.9
    # A few products dominate the sales: pin the sales-weighted list price and margin so
    # that the distributor's economics do not swing with the seed.
    price = _MEAN_LIST_PRICE_EUR * price * popularity.sum() / (popularity * price).sum()
    revenue_weight = popularity * price
    margin = np.clip(margin + _MEAN_LIST_MARGIN - (revenue_weight * margin).sum() / revenue_weight.sum(),
                     0.04, 0.60)
    price = np.maximum(50, np.rint(100 * price))
    cost = np.rint(price * (1.0 - margin))
    ids = np.strings.add("P", np.strings.zfill(np.arange(1, _N_PRODUCTS + 1).astype(str), 3))
    cumulative = np.cumsum(popularity)
    list_margin = 1.0 - cost / price
    promoted = np.cumsum(popularity * np.maximum(list_margin - _PROMO_MARGIN_FLOOR, 0.0))
    if promoted[-1] <= 0:  # no product with a fat margin: promote by popularity alone
        promoted = cumulative
    return _Catalogue(
        pd.array(ids, dtype="str"), price.astype(np.int64), cost.astype(np.int64), cumulative / cumulative[-1],
        promoted / promoted[-1],
    )


@dataclass(frozen=True)
class Plan:
    """Everything shared by the blocks of invoice lines: customers, catalogue and line counts."""

    seed: int
    n_lines: int
    customers: CustomerPlan
    catalogue: _Catalogue
    line_counts: np.ndarray  # (customer, quarter)
    segment_end: np.ndarray  # cumulative line counts, quarter-major
    order_number_width: int

    @property
    def n_blocks(self) -> int:
        """Number of blocks of :data:`BLOCK_LINES` lines."""
        return -(-self.n_lines // BLOCK_LINES)


def make_plan(n_customers: object, n_lines: object, seed: object, start: object, quarters: object) -> Plan:
    """Check the generator's arguments and plan the customers, the catalogue and the line counts."""
    n_customers = check_count("n_customers", n_customers, 1)
    n_lines = check_count("n_lines", n_lines, 1)
    if n_lines < n_customers:
        raise ArgumentError("n_lines", n_lines, f"at least n_customers ({n_customers})")
    seed = check_count("seed", seed, 0)
    quarters = check_count("quarters", quarters, 1)
    first = check_start(start)
    customers = customer_plan(n_customers, seed, first, quarters)

    rng = stream(seed, STREAM_LINE_COUNTS)
    weight = np.exp(0.85 * customers.log_size)[:, None] * customers.activity
    probabilities = (weight / weight.sum()).ravel()
    counts = rng.multinomial(n_lines - n_customers, probabilities).reshape(weight.shape)
    counts[np.arange(n_customers), np.argmax(customers.activity, axis=1)] += 1
    segment_end = np.cumsum(counts.T.ravel())
    n_blocks = -(-n_lines // BLOCK_LINES)
    width = max(6, len(str(n_blocks * BLOCK_LINES)))
    return Plan(seed, n_lines, customers, _catalogue(seed), counts, segment_end, width)


# --------------------------------------------------------------------------------------
# blocks of invoice lines


@dataclass(frozen=True)
class _Block:
    transactions: pd.DataFrame
    order_usage: pd.DataFrame
    order_usage_line: np.ndarray  # position (within the block) of each usage row's order's first line
    n_orders: int


def _block(plan: Plan, block: int) -> _Block:
    cp, cal, cat = plan.customers, plan.customers.calendar, plan.catalogue
    n_customers = cp.ids.size
    lo = block * BLOCK_LINES
    hi = min(lo + BLOCK_LINES, plan.n_lines)
    m = hi - lo
    rng = stream(plan.seed, STREAM_BLOCK, block)

    seg = np.searchsorted(plan.segment_end, np.arange(lo, hi), side="right")
    quarter, cust = np.divmod(seg, n_customers)
    u = rng.random((5, m))
    # A sale buyer stocks up on sale and tops up at full price (forward buying).
    discounted = u[2] < cp.discount_share[cust]
    promotion = discounted & cp.sale_buyer[cust]
    stock_up = np.where(promotion, _SALE_STOCK_UP[0], np.where(cp.sale_buyer[cust], _SALE_STOCK_UP[1], 1.0))
    quantity = 1 + rng.poisson(cp.quantity_mean[cust] * stock_up)

    # Orders: a new order starts at a segment change, at random, and after 20 lines.
    new = u[0] < 1.0 / cp.lines_per_order[cust]
    new[0] = True
    new[1:] |= seg[1:] != seg[:-1]
    order_of_line = np.cumsum(new) - 1
    position = np.arange(m) - np.flatnonzero(new)[order_of_line]
    new |= position % _MAX_ORDER_LINES == 0
    order_of_line = np.cumsum(new) - 1
    first_line = np.flatnonzero(new)
    n_orders = first_line.size
    o_cust, o_quarter = cust[first_line], quarter[first_line]

    v = rng.random((5, n_orders))
    day_lo = np.maximum(cal.quarter_lo[o_quarter], cp.first_day[o_cust])
    day_hi = np.minimum(cal.quarter_hi[o_quarter], cp.last_day[o_cust])
    day = day_lo + np.floor(v[0] * (day_hi - day_lo)).astype(np.int64)
    o_date = cal.business_days[day]
    rush = v[1] < cp.rush_rate[o_cust, o_quarter]
    manual = v[2] < cp.manual_rate[o_cust]
    written_off_order = v[3] < cp.write_off_rate[o_cust, o_quarter]
    delay = np.where(
        cp.late_payer[o_cust],
        np.floor(-cp.late_delay[o_cust, o_quarter] * np.log1p(-v[4])),
        np.floor(9.0 * v[4]) - 3.0,
    ).astype(np.int64)
    paid = o_date + np.maximum(cp.payment_days[o_cust] + delay, 1).astype("timedelta64[D]")
    unpaid = written_off_order | (paid > cal.end)
    paid = np.where(unpaid, np.datetime64("NaT"), paid)

    # Order numbers follow the date inside the block.
    date_order = np.lexsort((np.arange(n_orders), o_cust, day))
    order_rank = np.empty(n_orders, dtype=np.int64)
    order_rank[date_order] = np.arange(n_orders)
    number = block * BLOCK_LINES + order_rank + 1
    order_ids = np.strings.add("SO", np.strings.zfill(number.astype(str), plan.order_number_width))

    # Lines; a sale buyer's discounted lines are sale purchases of promoted products.
    product = np.searchsorted(cat.cumulative_popularity, u[1], side="right")
    product[promotion] = np.searchsorted(cat.cumulative_promotion, u[1][promotion], side="right")
    product = np.minimum(product, _N_PRODUCTS - 1)
    gross = quantity * cat.price_cents[product]
    cogs = quantity * cat.cost_cents[product]
    depth = cp.discount_depth[cust] + cp.discount_spread[cust] * (2.0 * u[3] - 1.0)
    discount = np.where(discounted, np.rint(gross * depth).astype(np.int64), 0)
    rebate = np.rint(gross * cp.rebate_rate[cust]).astype(np.int64)
    net = gross - discount - rebate
    returned = u[4] < cp.return_rate[cust, quarter]
    written_off = np.where(written_off_order[order_of_line], net, 0)

    line_sort = np.argsort(order_rank[order_of_line], kind="stable")
    lo_ = order_of_line[line_sort]
    transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(o_date[lo_].astype("datetime64[s]")),
            "customer_id": text_column(cp.ids, cust[line_sort]),
            "order_id": text_column(order_ids, lo_),
            "product_id": text_column(cat.ids, product[line_sort]),
            "quantity": quantity[line_sort].astype(np.int64),
            "gross_revenue": gross[line_sort] / 100.0,
            "discount": discount[line_sort] / 100.0,
            "rebate": rebate[line_sort] / 100.0,
            "net_revenue": net[line_sort] / 100.0,
            "cogs": cogs[line_sort] / 100.0,
            "returned": returned[line_sort],
            "written_off": written_off[line_sort] / 100.0,
            "paid_on": pd.to_datetime(paid[lo_].astype("datetime64[s]")),
        }
    )

    # Per-order usage rows: rush orders and manually entered orders.
    first_sorted = np.empty(n_orders, dtype=np.int64)
    first_sorted[order_of_line[line_sort][::-1]] = np.arange(m)[::-1]  # first position of each order
    flags = np.stack([manual, rush])  # in the order of ORDER_DRIVERS
    driver_index, orders = np.nonzero(flags)
    row_order = np.lexsort((driver_index, order_rank[orders]))
    driver_index, orders = driver_index[row_order], orders[row_order]
    order_usage = pd.DataFrame(
        {
            "customer_id": text_column(cp.ids, o_cust[orders]),
            "driver": text_column(_ORDER_DRIVERS_TEXT, driver_index),
            "quantity": np.ones(orders.size, dtype=np.int64),
            "period": text_column(cal.labels, o_quarter[orders]),
            "order_id": text_column(order_ids, orders),
        }
    )
    return _Block(transactions, order_usage, first_sorted[orders], n_orders)


def iter_blocks(plan: Plan, chunk_lines: int) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Yield ``(transactions, order usage)`` chunks of ``chunk_lines`` lines (the last may be shorter)."""
    pending: list[pd.DataFrame] = []
    pending_usage: list[pd.DataFrame] = []
    pending_lines = 0
    for b in range(plan.n_blocks):
        blk = _block(plan, b)
        lines, usage, usage_line = blk.transactions, blk.order_usage, blk.order_usage_line
        offset = 0
        while offset < len(lines):
            take = min(chunk_lines - pending_lines, len(lines) - offset)
            pending.append(lines.iloc[offset : offset + take])
            in_range = (usage_line >= offset) & (usage_line < offset + take)
            pending_usage.append(usage[in_range])
            pending_lines += take
            offset += take
            if pending_lines == chunk_lines:
                yield concat_rows(pending, TRANSACTION_COLUMNS), concat_rows(pending_usage, USAGE_COLUMNS)
                pending, pending_usage, pending_lines = [], [], 0
    if pending_lines:
        yield concat_rows(pending, TRANSACTION_COLUMNS), concat_rows(pending_usage, USAGE_COLUMNS)


def concat_rows(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate ``frames`` row-wise (a fresh index) with the ``columns`` in this order."""
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    return out[columns]


def iter_chunks(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = DEFAULT_SEED,
    chunk_lines: int = 1_000_000,
    start: str | date = "2024-01-01",
    quarters: int = 8,
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the invoice lines and their per-order usage rows chunk by chunk.

    Parameters
    ----------
    n_customers, n_lines, seed, start, quarters
        As for :func:`generate`.
    chunk_lines : int
        Invoice lines per chunk; the last chunk holds the remainder.

    Yields
    ------
    dict[str, pandas.DataFrame]
        ``{"transactions": ..., "usage": ...}``: ``chunk_lines`` consecutive rows of
        ``generate(...)["transactions"]`` and the ``rush`` / ``manual_orders`` usage rows
        of the orders whose first line lies in the chunk. Memory stays bounded by the
        chunk size, whatever ``n_lines``.
    """
    chunk_lines = check_count("chunk_lines", chunk_lines, 1)
    plan = make_plan(n_customers, n_lines, seed, start, quarters)
    for transactions, usage in iter_blocks(plan, chunk_lines):
        yield {"transactions": transactions, "usage": usage}


def iter_transaction_chunks(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = DEFAULT_SEED,
    chunk_lines: int = 1_000_000,
    start: str | date = "2024-01-01",
    quarters: int = 8,
) -> Iterator[pd.DataFrame]:
    """Yield the ``transactions`` table chunk by chunk.

    Parameters
    ----------
    n_customers, n_lines, seed, start, quarters
        As for :func:`generate`; the customers are those of :func:`customers_table`.
    chunk_lines : int
        Invoice lines per chunk; the last chunk holds the remainder.

    Yields
    ------
    pandas.DataFrame
        Consecutive slices of ``generate(...)["transactions"]``; their concatenation
        equals it exactly. Each underlying block of :data:`BLOCK_LINES` lines has its own
        random stream, so no chunk depends on the random numbers of another.
    """
    for chunk in iter_chunks(
        n_customers, n_lines, seed=seed, chunk_lines=chunk_lines, start=start, quarters=quarters
    ):
        yield chunk["transactions"]
