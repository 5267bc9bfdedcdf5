"""Reading cell values into Python values: the argument conventions of every ``XLP_*`` function.

Values arrive differently in each runtime: Office.js sends numbers, text, booleans, ``None``
for an empty or omitted argument and nested lists for ranges; classic COM omits a missing
argument (xlwings passes the default, ``None``), gives dates as ``datetime`` and ranges as
nested lists. The readers here accept all of them:

* a blank (``None``, empty or whitespace-only text) means "use the default";
* numbers may come from text cells when the text is unambiguous (``"1 234,50"``, ``"8%"``);
  ``TRUE``/``FALSE`` are refused where a number is wanted;
* dates may be serial numbers, date cells or ISO text;
* an Excel error value in any argument (``#N/A`` …) is passed on as that error.

Every failure raises :class:`~xlprofit.errors.ArgumentError` naming the argument.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.parsing import parse_dates, parse_number_text
from xlprofit.errors import ArgumentError

__all__ = [
    "EXCEL_ERRORS",
    "ExcelErrorValue",
    "is_blank",
    "number",
    "numbers_1d",
    "optional_number",
    "param_block",
    "table",
    "text",
    "timing",
    "whole_number",
]

#: Excel error values as xlwings hands them over (``err_to_str``).
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#PYTHON!",
    }
)
#: Largest table accepted, in cells (Excel's own sheet holds about 17 billion; a payload far smaller).
MAX_TABLE_CELLS = 20_000_000


class ExcelErrorValue(Exception):
    """An argument held an Excel error value; the function returns the same error."""

    def __init__(self, code: str, argument: str) -> None:
        self.code = code
        self.argument = argument
        super().__init__(f"'{argument}' holds the error {code}")


_REQUIRED = object()


def plain(value: Any) -> Any:
    """One cell as a plain value: Office.js error objects become their code, ``JsNull`` None.

    Under Office.js, ranges arrive unconverted (xlwings' element-wise conversion is far too
    slow for tables of many thousand rows): an error cell is ``{"type": "Error", "basicValue":
    "#N/A", …}``, a data-type cell carries its value in ``basicValue``, and Pyodide passes an
    empty cell as ``JsNull``.
    """
    if isinstance(value, dict):
        inner = value.get("basicValue")
        if value.get("type") == "Error":
            return str(inner) if isinstance(inner, str) else "#VALUE!"
        return inner if isinstance(inner, str | numbers.Real) else None
    if type(value).__name__ == "JsNull":
        return None
    return value


def is_blank(value: Any) -> bool:
    """Tell whether a value is an omitted argument or an empty cell (``None``, ``""``, whitespace)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(is_blank(item) for item in value)
    return plain(value) is None


def _check_error(argument: str, value: Any) -> None:
    value = plain(value)
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise ExcelErrorValue(value.strip().upper(), argument)


def _unwrap(argument: str, value: Any) -> Any:
    """One cell: ``[[x]]`` and ``[x]`` become ``x``; a larger range is refused."""
    while isinstance(value, list | tuple):
        cells = [item for item in _flatten(value)]
        if len(cells) != 1:
            if all(is_blank(item) for item in cells):
                return None
            for item in cells:
                _check_error(argument, item)
            raise ArgumentError(argument, f"a range of {len(cells)} cells", "a single cell")
        value = cells[0]
    return plain(value)


def _flatten(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        return [plain(value)]
    out: list[Any] = []
    for item in value:
        if isinstance(item, list | tuple):
            out.extend(plain(cell) for cell in item)
        else:
            out.append(plain(item))
    return out


def _to_float(argument: str, value: Any) -> float:
    """Read a finite float from one non-blank cell value."""
    value = plain(value)
    _check_error(argument, value)
    if isinstance(value, bool | np.bool_):
        raise ArgumentError(argument, value, "a number, not TRUE/FALSE")
    if isinstance(value, numbers.Real):
        number = float(value)
    elif isinstance(value, str):
        parsed, reason = parse_number_text(value)
        if parsed is None:
            raise ArgumentError(argument, value, "a number" + (f" (the text {reason})" if reason else ""))
        number = parsed
    elif isinstance(value, dt.date | dt.datetime):
        raise ArgumentError(argument, str(value), "a number, not a date")
    else:
        raise ArgumentError(argument, type(value).__name__, "a number")
    if not math.isfinite(number):
        raise ArgumentError(argument, value, "a finite number")
    return number


def number(argument: str, value: Any, default: Any = _REQUIRED) -> Any:
    """Read one number; a blank gives ``default`` (or an error when there is none)."""
    value = _unwrap(argument, value)
    if is_blank(value):
        if default is _REQUIRED:
            raise ArgumentError(argument, "a blank cell", "a number")
        return default
    return _to_float(argument, value)


def optional_number(argument: str, value: Any) -> float | None:
    """Read one number, or ``None`` for a blank."""
    return number(argument, value, None)


def whole_number(argument: str, value: Any, default: Any = _REQUIRED, *, low: int = 0, high: int | None = None) -> Any:
    """Read a whole number within ``[low, high]``; a blank gives ``default``."""
    value = _unwrap(argument, value)
    if is_blank(value):
        if default is _REQUIRED:
            raise ArgumentError(argument, "a blank cell", "a whole number")
        return default
    read = _to_float(argument, value)
    requirement = f"a whole number of at least {low}" + (f" and at most {high:,}" if high is not None else "")
    if read != math.floor(read) or read < low or (high is not None and read > high):
        raise ArgumentError(argument, read, requirement)
    return int(read)


def text(argument: str, value: Any, default: Any = _REQUIRED) -> Any:
    """Read one text cell (numbers are written as text); a blank gives ``default``."""
    value = _unwrap(argument, value)
    if is_blank(value):
        if default is _REQUIRED:
            raise ArgumentError(argument, "a blank cell", "text")
        return default
    _check_error(argument, value)
    if isinstance(value, bool | np.bool_):
        raise ArgumentError(argument, value, "text, not TRUE/FALSE")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise ArgumentError(argument, value, "text")
    return str(value).strip()


def timing(argument: str, value: Any) -> str:
    """Read a cash-flow timing: ``"end"`` (the default for a blank) or ``"start"``."""
    read = text(argument, value, "end").lower()
    if read not in ("end", "start"):
        raise ArgumentError(argument, read, '"end" (at period end) or "start" (at period start)')
    return read


def date(argument: str, value: Any) -> pd.Timestamp:
    """Read one date: a serial number, a date cell or ISO text."""
    value = _unwrap(argument, value)
    if is_blank(value):
        raise ArgumentError(argument, "a blank cell", "a date")
    _check_error(argument, value)
    if isinstance(value, bool | np.bool_):
        raise ArgumentError(argument, value, "a date, not TRUE/FALSE")
    parsed, reasons = parse_dates(pd.Series([value], dtype=object))
    if pd.isna(parsed.iloc[0]):
        raise ArgumentError(argument, value, "a date (a date cell, a serial number or text like 2025-12-31)")
    return pd.Timestamp(parsed.iloc[0])


def _cells_1d(argument: str, value: Any) -> list[Any]:
    """Cells of a single row or column, in order (a scalar is a list of one)."""
    if not isinstance(value, list | tuple):
        return [plain(value)]
    rows = [[plain(c) for c in row] if isinstance(row, list | tuple) else [plain(row)] for row in value]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    if len(rows) > 1 and width > 1:
        raise ArgumentError(argument, f"a range of {len(rows)} rows × {width} columns", "a single row or column")
    return [cell for row in rows for cell in row]


def numbers_1d(argument: str, value: Any, *, blank: str = "error") -> np.ndarray:
    """Read a row or column of numbers into a float array.

    Parameters
    ----------
    argument:
        The argument's name, for messages.
    value:
        A scalar, a list or a nested list (one row or one column).
    blank:
        What a blank cell is: ``"error"``, ``"zero"`` or ``"nan"`` (e.g. unobserved periods).
    """
    cells = _cells_1d(argument, value)
    if not cells:
        raise ArgumentError(argument, "an empty range", "at least one cell")
    if len(cells) > MAX_TABLE_CELLS:
        raise ArgumentError(argument, f"{len(cells):,} cells", f"at most {MAX_TABLE_CELLS:,} cells")
    out = np.empty(len(cells), dtype=float)
    for position, cell in enumerate(cells):
        if is_blank(cell):
            if blank == "error":
                raise ArgumentError(argument, f"a blank cell at position {position + 1}", "a number in every cell")
            out[position] = 0.0 if blank == "zero" else np.nan
        else:
            out[position] = _to_float(argument, cell)
    return out


def texts_1d(argument: str, value: Any) -> list[str | None]:
    """Read a row or column of text cells (numbers as text, blanks as ``None``)."""
    cells = _cells_1d(argument, value)
    out: list[str | None] = []
    for cell in cells:
        out.append(None if is_blank(cell) else text(argument, cell))
    return out


def table(argument: str, value: Any, *, required: bool = True) -> pd.DataFrame | None:
    """Read a range with a header row into a DataFrame (cells as they came; the core parses them).

    Blank header cells drop their column; fully blank rows at the end are dropped (an Excel
    Table's ``[#All]`` of an empty table, or a range that reaches below the data). Rows of a
    ragged list are padded with blanks.

    Raises
    ------
    ArgumentError
        When a required table is blank, has no header row or only one cell.
    ExcelErrorValue
        When a cell holds an Excel error value.
    """
    if value is None or (not isinstance(value, list | tuple) and is_blank(value)):
        if required:
            raise ArgumentError(argument, "a blank cell", "a range or Excel Table with a header row")
        return None
    if isinstance(value, list | tuple) and value and not any(isinstance(v, list | tuple) for v in value):
        value = [list(value)]  # Office.js sends a one-row range (a header without data) as a flat list
    if not isinstance(value, list | tuple) or not value or not isinstance(value[0], list | tuple):
        _check_error(argument, value if not isinstance(value, list | tuple) else None)
        raise ArgumentError(argument, describe_cells(value), "a range or Excel Table with a header row")
    if not all(isinstance(row, list | tuple) for row in value):
        value = [row if isinstance(row, list | tuple) else [row] for row in value]
    width = max(map(len, value))
    if width * len(value) > MAX_TABLE_CELLS:
        raise ArgumentError(argument, f"{width * len(value):,} cells", f"at most {MAX_TABLE_CELLS:,} cells")
    if any(len(row) != width for row in value):  # ragged: pad with blanks
        value = [list(row) + [None] * (width - len(row)) for row in value]
    header = [plain(cell) for cell in value[0]]
    for cell in header:
        _check_error(argument, cell)
    keep = [i for i, cell in enumerate(header) if not is_blank(cell)]
    if not keep:
        raise ArgumentError(argument, "a blank header row", "a range or Excel Table with a header row")
    names = [
        str(header[i]).strip()
        if not isinstance(header[i], float) or not header[i].is_integer()
        else str(int(header[i]))
        for i in keep
    ]
    body = list(value[1:]) if len(keep) == width else [[row[i] for i in keep] for row in value[1:]]
    while body and all(is_blank(cell) for cell in body[-1]):
        body.pop()
    frame = (
        pd.DataFrame(body, columns=names, dtype=object)
        if body
        else pd.DataFrame({name: pd.Series(dtype=object) for name in dict.fromkeys(names)})
    )
    return _check_table_errors(argument, frame)


def _check_table_errors(argument: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Raise for an Excel error cell; blanks to None, Office.js value objects to their values.

    Returns the frame with column types inferred (numbers as float columns), so that the
    core parses the cells on its fast paths.
    """
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        try:
            errors = values[values.isin(EXCEL_ERRORS)]
        except TypeError:  # an unhashable cell: an Office.js value object (error or data type)
            kinds = values.map(type)
            special = kinds.map(lambda k: k is dict or k.__name__ == "JsNull")
            values = values.where(~special, values[special].map(plain))
            errors = values[values.isin(EXCEL_ERRORS)]
        if not errors.empty:
            raise ExcelErrorValue(str(errors.iloc[0]), argument)
        frame.isetitem(position, values.mask(values.eq(""), None))
    return frame.infer_objects()


def describe_cells(value: Any) -> str:
    """Short description of what an argument holds, for messages."""
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} value(s)"
    return repr(value) if isinstance(value, str) else str(value)


def param_block(argument: str, value: Any, model: str, names: Sequence[str]) -> dict[str, float]:
    """Read a parameter block returned by a fit function (``label, value`` rows or columns).

    Parameters
    ----------
    argument:
        The argument's name, for messages.
    value:
        The block: rows ``model | sBG``, ``alpha | 0.67``, … (or the same as two rows).
    model:
        The model the block must hold (``"sBG"``, ``"BG/NBD"``, ``"Gamma-Gamma"``).
    names:
        The parameters needed.
    """
    if not isinstance(value, list | tuple) or not value or not isinstance(value[0], list | tuple):
        _check_error(argument, value)
        raise ArgumentError(argument, describe_cells(value), f"the parameter block of a fitted {model} model")
    rows = [[plain(cell) for cell in row] for row in value]
    for row in rows:
        for cell in row:
            _check_error(argument, cell)
    if len(rows) == 2 and len(rows[0]) > 2:
        rows = [list(pair) for pair in zip(rows[0], rows[1], strict=False)]
    pairs = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str):
            pairs[row[0].strip().lower()] = row[1]
    found = pairs.get("model")
    if not isinstance(found, str) or found.strip().lower() != model.lower():
        raise ArgumentError(
            argument,
            found if found is not None else "no 'model' row",
            f"the parameter block of a fitted {model} model (model = {model})",
        )
    out = {}
    for name in names:
        if name.lower() not in pairs:
            raise ArgumentError(argument, f"no '{name}' row", f"the parameter block of a fitted {model} model")
        read = _to_float(f"{argument}.{name}", pairs[name.lower()])
        if read <= 0:
            raise ArgumentError(f"{argument}.{name}", read, "above 0")
        out[name] = read
    return out
