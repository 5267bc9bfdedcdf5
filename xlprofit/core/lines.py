"""Where invoice lines come from: a DataFrame here, or an embedded engine for large files.

The analysis needs from the invoice lines only their sums (:class:`LineAggregates`) and an
account of every line that was read, rejected or excluded (:class:`LineAccounting`). A
:class:`LineSource` delivers both. :class:`FrameLines` does it with pandas on the normalised
``transactions`` table; ``xlprofit.engines`` does it inside DuckDB or Spark, so that a ledger
of tens of millions of lines never has to fit in memory. Every source must give identical
results on the same lines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from xlprofit.core.aggregate import SALE_DEPTH, LineAggregates, aggregate_lines
from xlprofit.core.money import to_cents
from xlprofit.core.periods import Periods
from xlprofit.core.schema import EXCEPTION_COLUMNS
from xlprofit.errors import ArgumentError

if TYPE_CHECKING:
    from xlprofit.core.drivers import UsageVolumes

__all__ = ["LineAccounting", "LineSource", "FrameLines", "MAX_LISTED_EXCEPTIONS"]

#: At most this many exceptions of the invoice lines are listed one by one (every engine alike);
#: the rest are counted. The design lists every rejected row on the report's Exceptions sheet:
#: as many as the sheet holds (a worksheet has 1,048,576 rows, shared with the other tables'
#: exceptions).
MAX_LISTED_EXCEPTIONS = 1_000_000


@dataclass(frozen=True)
class LineAccounting:
    """What happened to every input line.

    ``input_rows`` lines were read, holding ``input_net_cents`` of readable net revenue
    (``unreadable_net_revenue`` lines had none). Of them, ``rejected_*`` could not be used,
    ``outside_*`` fell outside the analysis period and ``filtered_*`` belonged to products
    not analysed; the rest are in the aggregates. ``exceptions`` lists the rejected and
    excluded lines (at most :data:`MAX_LISTED_EXCEPTIONS`; ``unlisted`` counts the others).

    ``credited_*`` are the analysed returned lines credited (parameter ``returns``): in the
    aggregates with no revenue, counted here with the net revenue they were invoiced at.

    Every amount is in cents of the reporting currency. A line in a currency the fx table has
    no rate for is a rejected line (counted in ``input_rows`` and ``rejected_rows``) whose
    amount is in no such total: ``unconverted`` states it per currency, as
    ``{currency: (lines, cents in that currency)}``.
    """

    input_rows: int
    input_net_cents: int
    unreadable_net_revenue: int
    rejected_rows: int
    rejected_cents: int
    outside_rows: int
    outside_cents: int
    filtered_rows: int
    filtered_cents: int
    exceptions: pd.DataFrame
    unlisted: int = 0
    unconverted: dict[str, tuple[int, int]] = field(default_factory=dict)
    credited_rows: int = 0
    credited_cents: int = 0


class LineSource(ABC):
    """Invoice lines that can be summed for an analysis.

    An engine's source may also read the ``usage`` table (:attr:`holds_usage`); it then
    provides ``usage_drivers(customers)`` (the drivers of the usable rows, for checking
    the activities) and ``usage_volumes(periods, drivers, itemised)`` (the checked rows
    summed per customer, period and order, see :mod:`xlprofit.engines._usage`).
    """

    #: Whether the source reads the usage table too (the dataset's own ``usage`` is then empty).
    holds_usage: bool = False

    def attach(  # noqa: B027 - an optional hook: sources of already validated lines need nothing
            self, customers: pd.Index, reporting_currency: str | None, fx: Mapping[str, float]) -> None:
        """Learn the dataset the lines belong to, before any other call.

        A source that validates lines itself needs the known ``customers`` (so that
        :meth:`date_range` leaves out lines of unknown customers), the ``reporting_currency``
        and the ``fx`` rates (units of reporting currency per unit of a currency), to convert
        or reject lines in other currencies exactly as :mod:`xlprofit.core.tables` does. A
        source of already validated lines ignores them.
        """
        return None

    @abstractmethod
    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last date of the usable lines (the default analysis period)."""

    @abstractmethod
    def summarise(self, customers: pd.Index, periods: Periods, products: Set[str] | None,
                  max_orders: int | None = None, returns: str = "credit", sale_depth: float = SALE_DEPTH
                  ) -> tuple[LineAggregates, LineAccounting]:
        """Validate the lines against ``customers``, keep those of ``periods`` (and ``products``), sum them.

        With ``max_orders``, the order grain is itemised only when the analysed lines hold at
        most that many orders (else it is empty and ``order_itemised`` is false); the order
        counts of the other grains are always complete. ``returns`` (``credit`` or
        ``as_booked``) says whether returned lines are credited (:func:`~xlprofit.core.aggregate.aggregate_lines`);
        the credited lines are counted in ``credited_rows`` and ``credited_cents``.
        """

    @abstractmethod
    def orders_known(self, customer_id: np.ndarray, order_id: np.ndarray) -> np.ndarray:
        """Whether each ``(customer_id, order_id)`` pair is an order of the lines last summarised.

        Answers also when the order grain was not itemised; not after :meth:`release_orders`.
        """

    def release_orders(self) -> None:  # noqa: B027 - an optional hook: a source may keep nothing
        """Free what :meth:`summarise` keeps to answer :meth:`orders_known` (until the next summarise).

        :func:`xlprofit.analyze` calls it once the usage rows are checked: an engine keeps every
        order of the lines (8.5 million for 20 million lines: about a GB of memory or of its
        spill file), which the rest of the analysis does not read.
        """
        return None


class UsageLineSource(Protocol):
    """What a :class:`LineSource` whose ``holds_usage`` is true provides besides (for the type checker)."""

    def usage_drivers(self, customers: pd.Index) -> set[str]:
        """The drivers of the usage rows that pass the checks that need no activity."""
        ...

    def usage_volumes(self, periods: Periods, drivers: list[str], itemised: bool
                      ) -> tuple[UsageVolumes, pd.DataFrame, int]:
        """The checked usage rows summed per customer, period and order; the exceptions and their count."""
        ...


def _cells(rows: pd.Index, column: str, values: pd.Series, reason: str, action: str,
           customer_id: pd.Series, amount: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({
        "table": "transactions", "row": np.asarray(rows, dtype="int64"), "column": column,
        "value": [v.date().isoformat() if isinstance(v, pd.Timestamp) else v for v in values.loc[rows]],
        "reason": reason, "action": action,
        "customer_id": customer_id.loc[rows].to_numpy(dtype=object),
        "amount": amount.loc[rows].to_numpy(dtype="float64"),
    }, columns=EXCEPTION_COLUMNS)


class FrameLines(LineSource):
    """Lines held in a normalised ``transactions`` DataFrame (validated by :mod:`xlprofit.core.tables`).

    Rows rejected while reading are already in the dataset's exceptions; this source accounts
    for them and adds the lines excluded by the analysis period or a product filter.
    """

    def __init__(self, transactions: pd.DataFrame, rejected: pd.DataFrame, input_totals: dict[str, int]) -> None:
        self.transactions = transactions
        self.rejected = rejected
        self.input_totals = input_totals
        self._orders: pd.Index | None = None

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last date of the accepted lines."""
        dates = self.transactions["date"]
        return dates.min().normalize(), dates.max().normalize()

    def orders_known(self, customer_id: np.ndarray, order_id: np.ndarray) -> np.ndarray:
        """Whether each pair is an order of the lines last summarised."""
        if self._orders is None:
            raise ArgumentError("orders_known", None, "called after summarise and before release_orders")
        pairs = pd.MultiIndex.from_arrays([np.asarray(customer_id, dtype=object), np.asarray(order_id, dtype=object)])
        return np.asarray(pairs.isin(self._orders), dtype=bool)

    def release_orders(self) -> None:
        """Forget the orders of the lines last summarised."""
        self._orders = None

    def summarise(self, customers: pd.Index, periods: Periods, products: Set[str] | None,
                  max_orders: int | None = None, returns: str = "credit", sale_depth: float = SALE_DEPTH
                  ) -> tuple[LineAggregates, LineAccounting]:
        """Exclude lines outside the period or the products, sum the rest (pandas)."""
        txn = self.transactions
        end_of_day = periods.end + pd.Timedelta(days=1)
        outside = ((txn["date"] < periods.start) | (txn["date"] >= end_of_day)).to_numpy()
        out_rows = txn.index[outside]
        frames = [_cells(out_rows, "date", txn["date"],
                         f"is outside the analysis period {periods.start.date()} … {periods.end.date()}",
                         "excluded", txn["customer_id"], txn["net_revenue"])]
        kept = txn.loc[~outside]
        filtered_rows = pd.Index([], dtype="int64")
        if products is not None:
            drop = ~kept["product_id"].isin(set(products)).to_numpy()
            filtered_rows = kept.index[drop]
            frames.append(_cells(filtered_rows, "product_id", kept["product_id"], "is not among the analysed products",
                                 "excluded", kept["customer_id"], kept["net_revenue"]))
            kept = kept.loc[~drop]
        agg = aggregate_lines(kept, periods.index_of(kept["date"]), periods.end, returns=returns,
                              sale_depth=sale_depth)
        self._orders = agg.order.index
        if max_orders is not None and len(agg.order) > max_orders:
            agg = agg.without_order_detail()
        excluded = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
            else pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS})
        totals = self.input_totals
        # The lines' exceptions listed while reading come first; the excluded ones fill the rest.
        room = max(MAX_LISTED_EXCEPTIONS - int(totals.get("listed_exceptions", 0)), 0)
        unlisted = int(totals.get("unlisted_exceptions", 0)) + max(len(excluded) - room, 0)
        excluded = excluded.iloc[:room]
        rejected = self.rejected
        currency = (rejected["unconverted"] if "unconverted" in rejected.columns
                    else pd.Series(None, index=rejected.index, dtype=object))
        foreign = currency.notna().to_numpy()
        unconverted = {str(cur): (len(amounts), int(to_cents(amounts.dropna()).sum()))
                       for cur, amounts in rejected.loc[foreign, "net_revenue"].groupby(currency[foreign])}
        accounting = LineAccounting(
            input_rows=int(totals["rows"]),
            input_net_cents=int(totals["net_revenue_cents"]),
            unreadable_net_revenue=int(totals["unreadable_net_revenue"]),
            rejected_rows=len(rejected),
            rejected_cents=int(to_cents(rejected.loc[~foreign, "net_revenue"].dropna()).sum()),
            outside_rows=len(out_rows),
            outside_cents=int(to_cents(txn["net_revenue"].loc[out_rows]).sum()),
            filtered_rows=len(filtered_rows),
            filtered_cents=int(to_cents(txn["net_revenue"].loc[filtered_rows]).sum()),
            exceptions=excluded,
            unlisted=unlisted,
            unconverted=unconverted,
            credited_rows=agg.credited_rows,
            credited_cents=agg.credited_cents,
        )
        return agg, accounting
