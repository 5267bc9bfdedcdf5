"""RFM summary (frequency, recency, T, monetary value) from invoice lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

__all__ = ["PERIOD_UNITS", "period_length", "rfm", "rfm_from_purchases"]

#: Period units accepted by name. Months and years are deliberately absent: they have no
#: fixed length, so a caller who wants one passes an explicit ``pd.Timedelta``.
PERIOD_UNITS: dict[str, pd.Timedelta] = {"day": pd.Timedelta(days=1), "week": pd.Timedelta(days=7)}


def period_length(period: Any) -> pd.Timedelta:
    """Return the length of one period as a Timedelta.

    Parameters
    ----------
    period:
        ``"day"``, ``"week"``, or a positive ``pd.Timedelta`` / ``datetime.timedelta``
        (e.g. ``pd.Timedelta(days=365.25 / 12)`` for an average calendar month, stated
        by the caller rather than assumed).
    """
    if isinstance(period, str):
        key = period.strip().lower()
        if key in PERIOD_UNITS:
            return PERIOD_UNITS[key]
        raise ArgumentError(
            "period", period, "'day', 'week' or a time span such as pd.Timedelta(days=30.4375)"
        )
    if isinstance(period, dt.timedelta | np.timedelta64):
        length = pd.Timedelta(period)
        if length > pd.Timedelta(0):
            return length
    raise ArgumentError("period", period, "'day', 'week' or a positive time span")


def rfm(
    transactions: pd.DataFrame,
    *,
    observation_end: Any,
    period: Any,
    value_column: str = "net_revenue",
) -> pd.DataFrame:
    """Summarise invoice lines into frequency, recency, T and monetary value per customer.

    Parameters
    ----------
    transactions:
        Invoice lines with at least ``customer_id``, ``date`` and the value column
        (the normalised ``transactions`` table).
    observation_end:
        Last day of the observation (calibration) period, inclusive. Lines dated after it
        are left out, so the same table can be split into calibration and holdout.
    period:
        Time unit of ``recency`` and ``T``: ``"day"``, ``"week"`` or an explicit
        ``pd.Timedelta``. A month is never assumed to be 30 days.
    value_column:
        Column summed into the value of a purchase (``net_revenue`` by default; pass a
        contribution column to summarise margin instead).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (customers with a purchase on or before
        ``observation_end``), columns:

        - ``frequency``: repeat purchases, i.e. purchase days after the first one
          (lines of one customer on one calendar day form one purchase);
        - ``recency``: time from the first to the last purchase, in periods;
        - ``T``: time from the first purchase to ``observation_end``, in periods;
        - ``monetary_value``: mean value of the repeat purchases (0 without repeat
          purchases — the first purchase is left out, as the Gamma-Gamma model requires).

    Raises
    ------
    ArgumentError
        Missing columns, unreadable dates, or a bad ``period`` / ``observation_end``.
    """
    length = period_length(period)
    if not isinstance(transactions, pd.DataFrame):
        raise ArgumentError("transactions", type(transactions).__name__, "a table (DataFrame)")
    missing = [c for c in ("customer_id", "date", value_column) if c not in transactions.columns]
    if missing:
        raise ArgumentError(
            "transactions", f"columns {list(transactions.columns)}", f"a table with column(s) {missing}"
        )
    end = observation_day(observation_end)
    try:
        days = pd.to_datetime(transactions["date"]).dt.normalize()
    except (TypeError, ValueError):
        raise ArgumentError("transactions", "column 'date'", "dates") from None
    if days.isna().any():
        raise ArgumentError("transactions", "a blank date", "a date on every line")
    values = pd.to_numeric(transactions[value_column], errors="coerce")
    if values.isna().any():
        raise ArgumentError(
            "transactions", f"a blank or non-numeric '{value_column}'", "a number on every line"
        )

    lines = pd.DataFrame(
        {"customer_id": transactions["customer_id"].to_numpy(), "day": days, "value": values}
    )
    lines = lines[lines["day"] <= end]
    purchases = lines.groupby(["customer_id", "day"], sort=True, observed=True)["value"].sum().reset_index()
    grouped = purchases.groupby("customer_id", sort=True, observed=True)
    first = grouped["day"].transform("min")
    is_repeat = purchases["day"] > first
    stats = grouped.agg(first=("day", "min"), last=("day", "max"), purchases=("day", "size"))
    repeat_value = purchases["value"].where(is_repeat, 0.0).groupby(purchases["customer_id"], sort=True).sum()

    return _summary(stats["first"], stats["last"], stats["purchases"], repeat_value.reindex(stats.index), end, length)


def rfm_from_purchases(first: pd.Series, last: pd.Series, purchases: pd.Series, repeat_value: pd.Series, *,
                       observation_end: Any, period: Any) -> pd.DataFrame:
    """The RFM summary of :func:`rfm` from purchases already summed per customer.

    For line sources that summarise the purchases themselves (``xlprofit.engines``).

    Parameters
    ----------
    first, last:
        Day of each customer's first and last purchase (indexed by ``customer_id``).
    purchases:
        Number of purchase days of each customer (≥ 1).
    repeat_value:
        Total value of the purchases after the first one.
    observation_end:
        Last day of the observation period; no purchase may be after it.
    period:
        Time unit of ``recency`` and ``T`` (as in :func:`rfm`).
    """
    length = period_length(period)
    end = observation_day(observation_end)
    if len(last) and pd.Timestamp(last.max()) > end:
        raise ArgumentError("last", pd.Timestamp(last.max()).date(), f"no purchase after {end.date()}")
    return _summary(pd.to_datetime(first), pd.to_datetime(last), purchases.astype("int64"),
                    repeat_value.astype("float64"), end, length)


def observation_day(value: Any, argument: str = "observation_end") -> pd.Timestamp:
    """``value`` as a day (a Timestamp at midnight), or an :class:`ArgumentError` naming ``argument``."""
    try:
        end = pd.Timestamp(value).normalize()
    except (TypeError, ValueError):
        raise ArgumentError(argument, value, "a date") from None
    if end is pd.NaT:
        raise ArgumentError(argument, value, "a date")
    return end


def _summary(first: pd.Series, last: pd.Series, purchases: pd.Series, repeat_value: pd.Series,
             end: pd.Timestamp, length: pd.Timedelta) -> pd.DataFrame:
    frequency = (purchases - 1).astype("int64")
    unit = length / pd.Timedelta(days=1)
    recency = (last - first).dt.days / unit
    age = (end - first).dt.days / unit
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(
            frequency > 0, repeat_value.to_numpy(dtype="float64") / frequency.clip(lower=1), 0.0
        )
    result = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": recency.astype(float),
            "T": age.astype(float),
            "monetary_value": monetary.astype(float),
        },
        index=first.index,
    )
    result.index.name = "customer_id"
    return result
