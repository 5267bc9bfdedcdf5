"""Reading the input: the problem collector, a cell's value as shown, tables as frames, parameters and fx.

Every reader of an input table (:mod:`xlprofit.core.tables` for DataFrames, the engines' SQL
readers, the analysis' usage checks) reports what it finds to one :class:`Collector`; the
``parameters`` and ``fx`` tables are read here for all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.money import (
    MAX_QUANTITY,
)
from xlprofit.core.parsing import (
    CellError,
    blank_mask,
    parse_dates,
    parse_numbers,
    snake_case,
)
from xlprofit.core.periods import PERIODS_PER_YEAR
from xlprofit.core.schema import CHOICES, EXCEPTION_COLUMNS, PARAMETER_BOUNDS, PARAMETERS, rate_requirement
from xlprofit.errors import Problem

__all__ = ["Collector", "display_value", "as_frame", "set_rows", "read_parameters", "fx_rates"]


class Collector:
    """Collects the problems and exception records of reading the input tables.

    ``problems`` are every problem found (for the message), ``fatal`` those that stop the
    analysis, ``records`` the exception rows (:data:`EXCEPTION_COLUMNS`) of rows rejected,
    excluded or with a value ignored. Every reader of an input table (the pandas path here, the
    engines' SQL, the analysis' usage checks) reports through one.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.fatal: list[Problem] = []
        self.records: list[pd.DataFrame] = []

    def table_problem(self, table: str, column: str | None, reason: str, value: Any = None) -> None:
        """A fatal problem of a whole table or column (a missing column, a table that cannot be read)."""
        p = Problem(table, None, column, value, reason)
        self.problems.append(p)
        self.fatal.append(p)

    def cells(self, table: str, rows: pd.Index, column: str | None, values: pd.Series | Iterable | None,
              reasons: pd.Series | str, action: str, customer_id: pd.Series | None = None,
              amount: pd.Series | None = None, fatal: bool = False) -> None:
        """Record one problem per row in ``rows`` (vectorised)."""
        if len(rows) == 0:
            return
        n = len(rows)
        vals = (pd.Series([None] * n, index=rows, dtype=object) if values is None
                else pd.Series(list(values), index=rows, dtype=object))
        why = pd.Series([reasons] * n, index=rows, dtype=object) if isinstance(reasons, str) else reasons
        frame = pd.DataFrame({
            "table": table,
            "row": np.asarray(rows, dtype="int64"),
            "column": column,
            "value": vals.map(display_value).to_numpy(),
            "reason": np.asarray(why, dtype=object),
            "action": action,
            "customer_id": (np.asarray(customer_id.loc[rows], dtype=object) if customer_id is not None
                            else None),
            "amount": (np.asarray(amount.loc[rows], dtype="float64") if amount is not None else np.nan),
        })
        self.records.append(frame)
        if fatal or len(self.problems) < 10_000:
            limit = n if fatal else min(n, 10_000 - len(self.problems))
            for r, v, w in zip(frame["row"][:limit], vals.iloc[:limit], frame["reason"][:limit], strict=True):
                p = Problem(table, int(r), column, v, str(w))
                self.problems.append(p)
                if fatal:
                    self.fatal.append(p)

    def frame(self) -> pd.DataFrame:
        """The exception rows collected, as one table (:data:`EXCEPTION_COLUMNS`)."""
        if not self.records:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS})
        out = pd.concat(self.records, ignore_index=True)
        return out[EXCEPTION_COLUMNS]


def display_value(value: Any) -> Any:
    """A cell's value as the Exceptions sheet shows it: blanks as None, dates as ISO dates, the rest as read."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date())
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def as_frame(table: str, data: Any, collector: Collector) -> pd.DataFrame | None:
    """A table given as a DataFrame or anything pandas reads, its headers in snake_case.

    Two headers read as the same name are a fatal problem; blank headers are dropped.
    """
    if data is None:
        return None
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
    else:
        try:
            frame = pd.DataFrame(data)
        except (ValueError, TypeError) as exc:
            collector.table_problem(table, None, f"cannot be read as a table ({exc})")
            return None
    headers = [snake_case(c) for c in frame.columns]
    seen: dict[str, int] = {}
    for original, h in zip(frame.columns, headers, strict=True):
        if h == "":
            continue
        if h in seen:
            collector.table_problem(table, h, f"two columns are both read as '{h}' "
                                    f"(headers {original!r} and {frame.columns[seen[h]]!r})")
        seen[h] = list(frame.columns).index(original)
    frame.columns = headers
    frame = frame.loc[:, [h != "" for h in headers]]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    return frame


def set_rows(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """Number the rows as the user sees them (from ``first_row``) and drop the wholly blank ones."""
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame), name="row")
    if len(frame.columns):
        empty = pd.Series(True, index=frame.index)
        for c in frame.columns:
            empty &= blank_mask(frame[c])
        frame = frame.loc[~empty]
    return frame


def fx_rates(data: Any, collector: Collector) -> dict[str, float]:
    """The ``fx`` table: ``currency, rate`` (units of reporting currency per unit of ``currency``)."""
    if data is None:
        return {}
    if isinstance(data, Mapping):
        frame = pd.DataFrame({"currency": list(data), "rate": list(data.values())})
    else:
        frame = as_frame("fx", data, collector)
        if frame is None:
            return {}
    frame = set_rows(frame, 2)
    for col in ("currency", "rate"):
        if col not in frame.columns:
            collector.table_problem("fx", col, f"required column '{col}' is missing")
            return {}
    rates, why = parse_numbers(frame["rate"])
    bad = why.notna() | ~(rates > 0) | ~np.isfinite(rates)  # text such as "1e400" reads as infinite
    for r in frame.index[bad.to_numpy()]:
        p = Problem("fx", int(r), "rate", display_value(frame.at[r, "rate"]), "must be a number > 0")
        collector.problems.append(p)
        collector.fatal.append(p)
    codes = frame["currency"].map(lambda c: str(c).strip().upper() if isinstance(c, str) else None)
    return {c: float(v) for c, v in zip(codes[~bad], rates[~bad], strict=True) if c}


def read_parameters(data: Any, collector: Collector, first_row: int = 2) -> dict[str, Any]:
    """The ``parameters`` table (``name, value`` rows, or a mapping) as typed values by name.

    Blank values are left out. Unknown names, unreadable values and values out of range are
    fatal problems reported to ``collector`` (rows numbered from ``first_row``, the sheet row of
    the first data row).
    """
    if data is None:
        return {}
    if isinstance(data, Mapping):
        items = list(data.items())
        rows: list[int | None] = [None] * len(items)
    else:
        frame = as_frame("parameters", data, collector)
        if frame is None:
            return {}
        frame = set_rows(frame, first_row)
        if not {"name", "value"} <= set(frame.columns):
            if len(frame.columns) >= 2:
                frame = frame.rename(columns={frame.columns[0]: "name", frame.columns[1]: "value"})
            else:
                collector.table_problem("parameters", "name", "needs two columns: name and value")
                return {}
        items = list(zip(frame["name"], frame["value"], strict=True))
        rows = list(frame.index)
    out: dict[str, Any] = {}
    for (name, value), row in zip(items, rows, strict=True):
        key = snake_case(name) if name is not None else ""
        if not key:
            continue

        def fail(reason: str, key: str = key, row: int | None = row, value: Any = value) -> None:
            p = Problem("parameters", row, key, display_value(value), reason)
            collector.problems.append(p)
            collector.fatal.append(p)

        if key not in PARAMETERS:
            fail(f"is not a known parameter (known: {', '.join(PARAMETERS)})")
            continue
        kind = PARAMETERS[key][0]
        if isinstance(value, CellError):
            fail(value.reason)
            continue
        cell = pd.Series([value], dtype=object)
        literal_none = kind == "choice" and isinstance(value, str) and value.strip().lower() == "none"
        if blank_mask(cell).iloc[0] and not literal_none:
            continue
        if kind == "date":
            parsed, why = parse_dates(cell)
            if pd.notna(why.iloc[0]):
                fail(why.iloc[0])
                continue
            out[key] = pd.Timestamp(parsed.iloc[0])
        elif kind in ("rate", "number", "periods"):
            parsed, why = parse_numbers(cell)
            if pd.notna(why.iloc[0]):
                fail(why.iloc[0])
                continue
            v = float(parsed.iloc[0])
            requirement = rate_requirement(v) if kind == "rate" else None
            if requirement is not None:
                fail(f"must be {requirement}")
                continue
            if kind == "number" and v < 0:
                fail("must be ≥ 0")
                continue
            bound, unit = PARAMETER_BOUNDS.get(key, (MAX_QUANTITY, ""))
            if kind == "number" and v > bound:
                fail(f"is out of range (at most {bound:,.0f}{' ' + unit if unit else ''})")
                continue
            if kind == "periods":
                if v not in PERIODS_PER_YEAR:
                    fail(f"must be one of {', '.join(map(str, PERIODS_PER_YEAR))}")
                    continue
                v = int(v)
            out[key] = v
        elif kind == "choice":
            choice = snake_case(value)
            if choice not in CHOICES[key]:
                fail(f"must be one of {', '.join(CHOICES[key])}")
                continue
            out[key] = choice
        else:
            out[key] = str(value).strip()
    if "period_start" in out and "period_end" in out and out["period_end"] < out["period_start"]:
        fail_p = Problem("parameters", None, "period_end", str(out["period_end"].date()),
                         "is before period_start")
        collector.problems.append(fail_p)
        collector.fatal.append(fail_p)
    return out
