"""Driver volumes: how much of each cost driver every customer, order, product and period consumed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import pandas as pd

__all__ = ["BUILTIN_DRIVERS", "DriverVolumes", "line_frame", "order_keys", "spread_usage", "volumes"]

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


def order_keys(transactions: pd.DataFrame) -> pd.Series:
    """The order each line belongs to: its ``order_id``, or its customer and date when blank.

    Orders are told apart per customer, so the same ``order_id`` used by two customers makes
    two orders.
    """
    date_key = "date:" + transactions["date"].dt.strftime("%Y-%m-%d")
    return transactions["order_id"].where(transactions["order_id"].notna(), date_key).astype(str)


def line_frame(transactions: pd.DataFrame, period_index: np.ndarray) -> pd.DataFrame:
    """The per-line driver quantities used by every grain (one row per accepted line)."""
    lines = pd.DataFrame({
        "customer_id": transactions["customer_id"].to_numpy(),
        "order_key": order_keys(transactions).to_numpy(),
        "product_id": transactions["product_id"].fillna("(no product)").to_numpy(),
        "period": period_index,
        "lines": 1.0,
        "units": transactions["quantity"].fillna(0.0).to_numpy(dtype="float64"),
        "returns": transactions["returned"].to_numpy(dtype="float64"),
        "revenue": transactions["net_revenue"].to_numpy(dtype="float64"),
    })
    # An order belongs to the period of its first line.
    first = lines.groupby(["customer_id", "order_key"], sort=False)["period"].transform("min")
    lines["order_period"] = first.to_numpy()
    return lines


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


def volumes(lines: pd.DataFrame, usage: pd.DataFrame, customers: pd.Index, period_labels: list[str],
            usage_drivers: list[str]) -> DriverVolumes:
    """Driver volumes at customer, order, product and period grain.

    Parameters
    ----------
    lines:
        From :func:`line_frame`.
    usage:
        From :func:`spread_usage`; ``order_id`` NA where the usage is not tied to an order.
    customers:
        Every analysed customer id (customers with no volume get zeros).
    period_labels:
        Label of each period number.
    usage_drivers:
        Names of the usage drivers the activities need (columns even when no row has them).
    """
    builtin = ["lines", "units", "returns", "revenue"]
    keys = ["customer_id", "order_key"]
    by_order = lines.groupby(keys, sort=True)[builtin].sum()
    by_order.insert(0, "orders", 1.0)
    by_order.index = by_order.index.set_names(["customer_id", "order_id"])

    by_customer = lines.groupby("customer_id", sort=True)[builtin].sum()
    by_customer.insert(0, "orders", by_order.groupby(level=0).size().astype("float64"))

    prod = lines.groupby(["customer_id", "product_id"], sort=True)
    by_product = prod[builtin].sum()
    by_product.insert(0, "orders", prod["order_key"].nunique().astype("float64"))

    by_period = lines.groupby(["customer_id", "period"], sort=True)[builtin].sum()
    order_period = lines.drop_duplicates(keys).groupby(["customer_id", "order_period"]).size()
    order_period.index = order_period.index.set_names(["customer_id", "period"])
    by_period.insert(0, "orders", order_period.reindex(by_period.index, fill_value=0).astype("float64"))
    missing_op = order_period.index.difference(by_period.index)
    if len(missing_op):  # an order whose first line is in a period where the customer has no lines: impossible
        raise AssertionError("order periods out of step with line periods")

    drivers = list(dict.fromkeys(usage_drivers))
    if drivers:
        use = usage[usage["driver"].isin(drivers)]
        cust_use = use.pivot_table(index="customer_id", columns="driver", values="quantity", aggfunc="sum")
        per_use = use.pivot_table(index=["customer_id", "period"], columns="driver", values="quantity",
                                  aggfunc="sum")
        tied = use[use["order_id"].notna()]
        order_use = tied.pivot_table(index=["customer_id", "order_id"], columns="driver", values="quantity",
                                     aggfunc="sum")
        by_customer = by_customer.join(cust_use.reindex(columns=drivers), how="outer")
        by_period = by_period.join(per_use.reindex(columns=drivers), how="outer")
        by_order = by_order.join(order_use.reindex(columns=drivers), how="left")
    by_customer = by_customer.reindex(customers, fill_value=0.0).fillna(0.0)
    by_customer.index.name = "customer_id"
    by_period = by_period.fillna(0.0)
    by_period.index = by_period.index.set_levels(
        [by_period.index.levels[0], pd.Index(np.asarray(period_labels, dtype=object)[by_period.index.levels[1]])])
    by_period.index = by_period.index.set_names(["customer_id", "period"])
    return DriverVolumes(customer=by_customer.astype("float64"), order=by_order.fillna(0.0).astype("float64"),
                         product=by_product.astype("float64"), period=by_period.astype("float64"))
