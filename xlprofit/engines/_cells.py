"""SQL text shared by the engines' readers of the lines and of the usage table."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xlprofit.core.money import MAX_AMOUNT, MAX_QUANTITY, ROUNDING_GUARD
from xlprofit.core.parsing import blank_mask, parse_dates, parse_flags, parse_ids, parse_numbers, parse_text
from xlprofit.core.periods import Periods

__all__ = ["amount_out_of_range", "customer_period_index", "double", "in_list", "mapping", "period_number", "plain",
           "quantity_out_of_range", "quote", "GUARD"]

#: The rounding guard of :func:`xlprofit.core.money.round_half_away`, as SQL text.
GUARD = repr(ROUNDING_GUARD)


def double(value: float) -> str:
    """SQL: a DOUBLE literal holding exactly ``value`` (written from the Python float)."""
    return f"CAST({float(value)!r} AS DOUBLE)"


def amount_out_of_range(expr: str) -> str:
    """SQL: :func:`xlprofit.core.money.amount_out_of_range` of the DOUBLE ``expr`` (NULL for NULL).

    The same float operations in the same order, and no conversion of an unbounded value to
    an integer (which would fail or wrap in the engine).
    """
    return f"(NOT (abs({expr}) * 100.0 + 0.5 + {GUARD} < {double(MAX_AMOUNT * 100.0)}))"


def quantity_out_of_range(expr: str) -> str:
    """SQL: :func:`xlprofit.core.money.quantity_out_of_range` of the DOUBLE ``expr`` (NULL for NULL)."""
    return f"(NOT (abs({expr}) <= {double(MAX_QUANTITY)}))"


def quote(text: str) -> str:
    """SQL: ``text`` as a string literal."""
    return "'" + text.replace("'", "''") + "'"


def in_list(expr: str, words: Iterable[str]) -> str:
    """SQL: ``expr`` is one of ``words`` (at least one)."""
    return f"{expr} IN ({', '.join(quote(w) for w in words)})"


def plain(alias: str) -> str:
    """SQL: the text starts and ends with a printable ASCII character (nothing for Python to strip)."""
    return f"(left({alias}, 1) BETWEEN '!' AND '~' AND right({alias}, 1) BETWEEN '!' AND '~')"


def mapping(values: list, source_kind: str, kind: str) -> pd.DataFrame:
    """Parse distinct cells with the pandas parsers: columns ``raw, val, why, blank``."""
    dtype = {"text": "str", "float": "float64", "int": "int64", "bool": "bool", "time": "datetime64[ns]"}[source_kind]
    raw = pd.Series(values, dtype=dtype)
    blank = blank_mask(raw).astype(bool)
    why = pd.Series(None, index=raw.index, dtype=object)
    if kind == "id":
        val = parse_ids(raw).astype(object)
    elif kind in ("money", "number"):
        val, why = parse_numbers(raw)
    elif kind == "date":
        val, why = parse_dates(raw)
    elif kind == "flag":
        val, why = parse_flags(raw)
    elif kind == "currency":
        val = parse_text(raw).map(lambda c: c.upper() if isinstance(c, str) else None).astype(object)
    else:
        val = pd.Series(None, index=raw.index, dtype=object)
    frame = pd.DataFrame({"raw": raw, "val": val, "why": why.astype(object), "blank": blank})
    return frame


def period_number(expr: str, periods: Periods) -> str:
    """SQL: the analysis period number of the TIMESTAMP ``expr`` (as :meth:`Periods.index_of`)."""
    return (f"(year({expr}) * {periods.periods_per_year} + "
            f"CAST(floor((month({expr}) - 1) / {periods.months}.0) AS BIGINT) - ({periods.first_absolute}))")


def customer_period_index(ids: pd.Index, positions: np.ndarray, period: np.ndarray, n_periods: int
                          ) -> pd.MultiIndex:
    """The ``(customer_id, period)`` index of rows given by customer position and period number.

    Built from the codes, so that no customer id is hashed again (millions of rows).
    """
    return pd.MultiIndex(levels=[ids, pd.Index(np.arange(n_periods, dtype="int64"))],
                         codes=[np.asarray(positions, dtype="int64"), np.asarray(period, dtype="int64")],
                         names=["customer_id", "period"], verify_integrity=False)
