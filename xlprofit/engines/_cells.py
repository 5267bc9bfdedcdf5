"""SQL text shared by the engines' readers of the lines and of the usage table."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xlprofit.core.money import MAX_AMOUNT, MAX_QUANTITY, ROUNDING_GUARD
from xlprofit.core.parsing import (
    MAX_SHOWN_TEXT,
    UNSTORABLE_RANGES,
    blank_mask,
    parse_dates,
    parse_flags,
    parse_ids,
    parse_numbers,
    parse_text,
    storable,
)
from xlprofit.core.periods import Periods

__all__ = ["amount_out_of_range", "customer_period_index", "double", "in_list", "mapping", "period_number", "plain",
           "quantity_out_of_range", "quote", "GUARD", "UNSTORABLE_PATTERN", "text_values"]

#: The rounding guard of :func:`xlprofit.core.money.round_half_away`, as SQL text.
GUARD = repr(ROUNDING_GUARD)
#: :data:`xlprofit.core.parsing.UNSTORABLE` as a regular expression of RE2 and Java (``\x{…}`` escapes).
#: Surrogates are left out: an engine's strings are UTF-8, which cannot hold one.
UNSTORABLE_PATTERN = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in UNSTORABLE_RANGES
                                   if not 0xD800 <= a <= 0xDFFF) + "]"


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


def plain(alias: str, unstorable: str = "FALSE") -> str:
    """SQL: the text starts and ends with a printable ASCII character (nothing for Python to strip).

    ``unstorable``: SQL that holds when the text has a character a workbook cannot store (the
    dialect's test, see ``Dialect.plain``); such text is not plain either: Python replaces them.
    """
    edges = f"left({alias}, 1) BETWEEN '!' AND '~' AND right({alias}, 1) BETWEEN '!' AND '~'"
    return f"({edges})" if unstorable == "FALSE" else f"({edges} AND NOT {unstorable})"


def text_values(raw: pd.Series, kind: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Ids (``kind`` ``id``) or texts read as the pandas path reads them: ``(values, changed, long)``.

    The values made storable, the reason where a text was changed, and where one is too long to
    show whole (:func:`xlprofit.core.parsing.storable`).
    """
    return storable(parse_ids(raw) if kind == "id" else parse_text(raw))


def raw_cells(values: list, source_kind: str) -> pd.Series:
    """Distinct cells fetched from the engine as a Series of their source's type.

    Dates beyond pandas' nanosecond range (before 1677-09-22, after 2262-04-11: a Parquet date
    can be any day of years 1 to 9999) stay Python objects, for the parsers to reject as out of range.
    """
    dtype = {"text": "str", "float": "float64", "int": "int64", "bool": "bool", "time": "datetime64[ns]"}[source_kind]
    try:
        return pd.Series(values, dtype=dtype)
    except pd.errors.OutOfBoundsDatetime:
        return pd.Series(values, dtype=object)


def mapping(values: list, source_kind: str, kind: str, decimal_comma: bool = False) -> pd.DataFrame:
    """Parse distinct cells with the pandas parsers: columns ``raw, val, why, blank, changed, long``.

    ``changed`` holds the reason where an id or a text was made storable, ``long`` whether it
    is too long to show whole (:func:`text_values`); ``decimal_comma`` reads text numbers with
    a decimal comma.
    """
    raw = raw_cells(values, source_kind)
    blank = blank_mask(raw).astype(bool)
    why = pd.Series(None, index=raw.index, dtype=object)
    changed = pd.Series(None, index=raw.index, dtype=object)
    long = pd.Series(None, index=raw.index, dtype=object)
    if kind in ("id", "currency", "name"):
        val, changed, long = text_values(raw, "id" if kind == "id" else "text")
        if kind == "currency":
            val = val.map(lambda c: c.upper() if isinstance(c, str) else None)
        val = val.astype(object)
    elif kind in ("money", "number"):
        val, why = parse_numbers(raw, decimal_comma)
    elif kind == "date":
        val, why = parse_dates(raw)
    elif kind == "flag":
        val, why = parse_flags(raw)
    else:
        val = pd.Series(None, index=raw.index, dtype=object)
    return pd.DataFrame({"raw": raw, "val": val, "why": why.astype(object), "blank": blank,
                         "changed": changed.astype(object), "long": long.notna()})


#: Most characters of a text shown whole (:data:`xlprofit.core.parsing.MAX_SHOWN_TEXT`), for SQL.
MAX_SHOWN = str(MAX_SHOWN_TEXT)


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
