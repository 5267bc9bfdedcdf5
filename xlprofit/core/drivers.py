"""Driver volumes: how much of each cost driver every customer, order, product and period consumed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.core.aggregate import LineAggregates
from xlprofit.core.periods import relabel_periods, union_positions

__all__ = ["BUILTIN_DRIVERS", "DriverVolumes", "UsageVolumes", "spread_usage", "usage_volumes", "volumes"]

#: Drivers derived from the transactions table without any ``usage`` row.
BUILTIN_DRIVERS: tuple[str, ...] = ("orders", "lines", "units", "returns", "revenue")


@dataclass(frozen=True)
class DriverVolumes:
    """Driver volumes at four grains.

    Attributes
    ----------
    customer:
        Index ``customer_id`` (every analysed customer, including those with no volume),
        one float column per driver.
    order:
        Index ``(customer_id, order_id)``; the drivers that can be traced to orders.
    product:
        Index ``(customer_id, product_id)``; the drivers that can be traced to products.
    period:
        Index ``(customer_id, period)``; for every driver, the sum over periods equals
        the ``customer`` volume.
    """

    customer: pd.DataFrame
    order: pd.DataFrame
    product: pd.DataFrame
    period: pd.DataFrame

    @property
    def drivers(self) -> list[str]:
        """Names of all drivers with a customer-level volume."""
        return list(self.customer.columns)


def spread_usage(usage: pd.DataFrame, periods_index_start: np.ndarray, periods_index_end: np.ndarray,
                 n_periods: int) -> pd.DataFrame:
    """Split each usage row evenly over the analysis periods its period span covers.

    Rows without a period cover every period. Returns one row per (usage row, period) with
    columns ``customer_id, driver, order_id, period, quantity``.
    """
    lo = np.clip(periods_index_start, 0, n_periods - 1)
    hi = np.clip(periods_index_end, 0, n_periods - 1)
    span = (hi - lo + 1).astype("int64")
    rep = np.repeat(np.arange(len(usage)), span)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(span) - span, span)
    out = pd.DataFrame({
        "customer_id": usage["customer_id"].to_numpy()[rep],
        "driver": usage["driver"].to_numpy()[rep],
        "order_id": usage["order_id"].to_numpy()[rep],
        "period": (lo[rep] + offset).astype("int64"),
        "quantity": usage["quantity"].to_numpy(dtype="float64")[rep] / span[rep],
    })
    return out


@dataclass(frozen=True)
class UsageVolumes:
    """The usage drivers' volumes, one column per driver, at the grains the analysis needs.

    Attributes
    ----------
    customer:
        Index ``customer_id``: the customers with usage rows.
    period:
        Index ``(customer_id, period)`` with the period number; sums over periods equal ``customer``.
    order:
        Index ``(customer_id, order_id)``: the usage tied to orders; ``None`` when orders
        are not itemised.
    """

    customer: pd.DataFrame
    period: pd.DataFrame
    order: pd.DataFrame | None


def usage_volumes(spread: pd.DataFrame, drivers: list[str], itemised: bool) -> UsageVolumes:
    """Sum usage spread over periods (:func:`spread_usage`) to the grains of :class:`UsageVolumes`."""
    use = spread[spread["driver"].isin(drivers)]

    def pivot(frame: pd.DataFrame, index: list[str]) -> pd.DataFrame:
        wide = frame.pivot_table(index=index, columns="driver", values="quantity", aggfunc="sum")
        wide = wide.reindex(columns=drivers)
        wide.columns.name = None
        return wide

    order = pivot(use[use["order_id"].notna()], ["customer_id", "order_id"]) if itemised else None
    return UsageVolumes(customer=pivot(use, ["customer_id"]), period=pivot(use, ["customer_id", "period"]),
                        order=order)


def volumes(agg: LineAggregates, usage: UsageVolumes, customers: pd.Index, period_labels: list[str],
            usage_drivers: list[str]) -> DriverVolumes:
    """Driver volumes at customer, order, product and period grain.

    Parameters
    ----------
    agg:
        The line aggregates of the analysed lines.
    usage:
        The usage drivers' volumes (:func:`usage_volumes`, or summed by an engine).
    customers:
        Every analysed customer id (customers with no volume get zeros).
    period_labels:
        Label of each period number.
    usage_drivers:
        Names of the usage drivers the activities need (columns even when no row has them).
    """

    def builtin(frame: pd.DataFrame, orders: pd.Series | float) -> pd.DataFrame:
        out = pd.DataFrame(index=frame.index)
        out["orders"] = orders
        out["lines"] = frame["lines"].astype("float64")
        out["units"] = frame["units"].astype("float64")
        out["returns"] = frame["returns"].astype("float64")
        out["revenue"] = frame["net_revenue"].to_numpy(dtype="float64") / 100.0
        return out

    by_customer = builtin(agg.customer, agg.customer["orders"].astype("float64"))
    by_order = builtin(agg.order, 1.0)
    by_product = builtin(agg.product, agg.product["orders"].astype("float64"))
    by_period = builtin(agg.period, agg.period["orders"].astype("float64"))

    drivers = list(dict.fromkeys(usage_drivers))
    if drivers:
        by_customer = by_customer.join(usage.customer.reindex(columns=drivers), how="outer")
        by_period = _outer_by_period(by_period, usage.period.reindex(columns=drivers))
        if len(by_order) and usage.order is not None:
            by_order = by_order.join(usage.order.reindex(columns=drivers), how="left")
        else:  # orders not itemised
            by_order = by_order.reindex(columns=[*by_order.columns, *drivers], fill_value=0.0)
    by_customer = by_customer.reindex(customers, fill_value=0.0).fillna(0.0)
    by_customer.index.name = "customer_id"
    by_period = by_period.fillna(0.0)
    labels = np.asarray(period_labels, dtype=object)
    by_period.index = relabel_periods(by_period.index, labels)
    by_order.index = by_order.index.set_names(["customer_id", "order_id"])
    by_product.index = by_product.index.set_names(["customer_id", "product_id"])
    return DriverVolumes(customer=by_customer.astype("float64"), order=by_order.fillna(0.0).astype("float64"),
                         product=by_product.astype("float64"), period=by_period.astype("float64"))


def _outer_by_period(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Outer join of two ``(customer_id, period number)`` tables, sorted by customer and period.

    As ``left.join(right, how="outer")``, on integer keys (:func:`~xlprofit.core.periods.union_positions`).
    """
    aligned = None if left.columns.intersection(right.columns).size else union_positions([left.index, right.index])
    if aligned is None:
        return left.join(right, how="outer")
    index, (at_left, at_right) = aligned
    data = {}
    for frame, at in ((left, at_left), (right, at_right)):
        for column in frame.columns:
            out = np.full(len(index), np.nan)
            out[at] = frame[column].to_numpy(dtype="float64")
            data[column] = out
    return pd.DataFrame(data, index=index)
