"""The customer P&L as the customer analytics read it, and the checks they share.

The whale curve (:mod:`xlprofit.core.whale`), the profitability matrix
(:mod:`xlprofit.core.matrix`), the segment tables (:mod:`xlprofit.core.segments`), the trend
flags (:mod:`xlprofit.core.trend`) and the acquisition economics
(:mod:`xlprofit.core.acquisition`) take the ``customers`` P&L table (indexed by
``customer_id``) and read it here, one way: ids as text and sorted, money as finite floats,
ratios NaN where undefined, and one kind of message for a bad table or option
(:class:`~xlprofit.errors.ArgumentError`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

__all__ = ["MONEY_COLUMNS", "customer_table", "divide_where", "finite_values", "money_columns"]

#: The money columns of the customer P&L that the deciles and the segment tables sum.
MONEY_COLUMNS: tuple[str, ...] = ("net_revenue", "gross_margin", "cost_to_serve", "contribution", "profit")


def finite_values(values: pd.Series, argument: str) -> np.ndarray:
    """Float values of ``values``; raise ``ArgumentError`` naming the first bad customer."""
    try:
        array = values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        numbers = pd.to_numeric(values, errors="coerce")
        bad = values[numbers.isna() & values.notna()]
        raise ArgumentError(argument, f"{bad.index[0]}: {bad.iloc[0]!r}", "numeric") from None
    bad = ~np.isfinite(array)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ArgumentError(argument, f"{values.index[first]}: {array[first]}",
                            "a finite number for every customer")
    return array


def customer_table(customers: pd.DataFrame, columns: Iterable[str], argument: str = "customers") -> pd.DataFrame:
    """Check ``columns`` and return the P&L table indexed and sorted by text ``customer_id``."""
    if not isinstance(customers, pd.DataFrame):
        raise ArgumentError(argument, type(customers).__name__, "a pandas DataFrame indexed by customer_id")
    frame = customers
    if frame.index.name != "customer_id" and "customer_id" in frame.columns:
        frame = frame.set_index("customer_id")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ArgumentError(argument, ", ".join(missing), "a table with the column(s) " + ", ".join(missing))
    if not frame.index.is_unique:
        duplicated = frame.index[frame.index.duplicated()][0]
        raise ArgumentError(argument, duplicated, "a table with one row per customer_id")
    # No copy of the data (the caller never writes into it); sorted only when it is not already.
    frame = frame.set_axis(pd.Index(frame.index.astype(str), name="customer_id"), axis=0)
    return frame if frame.index.is_monotonic_increasing else frame.sort_index(kind="mergesort")


def money_columns(frame: pd.DataFrame, columns: Iterable[str], argument: str = "customers") -> pd.DataFrame:
    """Float copies of money ``columns``; every value must be finite."""
    return pd.DataFrame(
        {column: finite_values(frame[column], f"{argument}.{column}") for column in columns}, index=frame.index
    )


def divide_where(numerator: np.ndarray, denominator: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` where ``where`` holds, NaN elsewhere, without warnings."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=where)
    return out
