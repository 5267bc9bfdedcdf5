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

from xlprofit.core.parsing import EXCEL_ERRORS, CellError, parse_dates, snake_case
from xlprofit.core.schema import PARAMETERS, SCHEMAS, rate_requirement
from xlprofit.errors import ArgumentError

from ._culture import current_culture, read_number

__all__ = [
    "BAD_LINES",
    "EXCEL_ERRORS",
    "bad_lines",
    "rate",
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

#: Largest table accepted, in cells (Excel's own sheet holds about 17 billion; a payload far smaller).
MAX_TABLE_CELLS = 20_000_000


class ExcelErrorValue(Exception):
    """An argument held an Excel error value; the function returns the same error.

    ``row`` (the table's row, its header being row 1) and ``column`` say where, for a table.
    """

    def __init__(self, code: str, argument: str, row: int | None = None, column: str | None = None) -> None:
        self.code = code
        self.argument = argument
        self.row = row
        self.column = column
        where = f" in row {row}, column '{column}'" if row is not None else ""
        super().__init__(f"'{argument}' holds the error {code}{where}")


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


def unwrap(argument: str, value: Any) -> Any:
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
        parsed, reason = read_number(value, current_culture())
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
    value = unwrap(argument, value)
    if is_blank(value):
        if default is _REQUIRED:
            raise ArgumentError(argument, "a blank cell", "a number")
        return default
    return _to_float(argument, value)


def optional_number(argument: str, value: Any) -> float | None:
    """Read one number, or ``None`` for a blank."""
    return number(argument, value, None)


def rate(argument: str, value: Any, default: Any = _REQUIRED, *, signed: bool = False) -> Any:
    """Read a rate or share by the rule of the parameters table (``0.1`` or ``10%``, never ``10``).

    ``signed`` allows down to -1 (a margin or a growth rate); a blank gives ``default``.
    """
    read = number(argument, value, default)
    if read is default and default is not _REQUIRED:
        return read
    requirement = rate_requirement(read, signed=signed)
    if requirement is not None:
        raise ArgumentError(argument, read, requirement)
    return read


def rates(argument: str, values: np.ndarray, *, signed: bool = False) -> np.ndarray:
    """Check a row or column of rates by the same rule (blanks, NaN, pass)."""
    for value in values[np.isfinite(values)]:
        requirement = rate_requirement(float(value), signed=signed)
        if requirement is not None:
            raise ArgumentError(argument, float(value), requirement)
    return values


def whole_number(argument: str, value: Any, default: Any = _REQUIRED, *, low: int = 0, high: int | None = None) -> Any:
    """Read a whole number within ``[low, high]``; a blank gives ``default``."""
    value = unwrap(argument, value)
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
    value = unwrap(argument, value)
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
    value = unwrap(argument, value)
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


#: What a table function does with an input row that cannot be used (its ``bad_lines`` argument).
BAD_LINES = ("error", "skip")


def bad_lines(argument: str, value: Any) -> str:
    """Read a ``bad_lines`` argument: ``"error"`` (the default for a blank) or ``"skip"``."""
    read = text(argument, value, "error").lower()
    if read not in BAD_LINES:
        raise ArgumentError(
            argument, read, '"error" (a row that cannot be used is an error) or "skip" (left out and counted)'
        )
    return read


def table(argument: str, value: Any, *, required: bool = True, errors: str = "raise") -> pd.DataFrame | None:
    """Read a range with a header row into a DataFrame (cells as they came; the core parses them).

    Blank header cells drop their column; fully blank rows at the end are dropped (an Excel
    Table's ``[#All]`` of an empty table, or a range that reaches below the data). Rows of a
    ragged list are padded with blanks. Under a workbook culture, text numbers in the number
    columns of an input table are read by it.

    Parameters
    ----------
    errors:
        What an Excel error cell in the body is: ``"raise"`` passes the error on
        (:class:`ExcelErrorValue` naming the row and column), ``"keep"`` keeps it as a
        :class:`~xlprofit.core.parsing.CellError`, which the core rejects with its reason.

    Raises
    ------
    ArgumentError
        When a required table is blank, has no header row or only one cell.
    ExcelErrorValue
        When a header cell, or with ``errors="raise"`` a body cell, holds an Excel error value.
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
    frame = (
        pd.DataFrame(body, columns=names, dtype=object)
        if body
        else pd.DataFrame({name: pd.Series(dtype=object) for name in dict.fromkeys(names)})
    )
    frame = _cells(argument, frame, errors)
    while len(frame) and all(cell is None for cell in frame.iloc[-1]):
        frame = frame.iloc[:-1]
    frame = frame.infer_objects()
    culture_name = current_culture()
    if culture_name:
        frame = _culture_numbers(argument, frame, culture_name)
    return frame


_type_of = np.frompyfunc(type, 1, 1)


def _cells(argument: str, frame: pd.DataFrame, errors: str) -> pd.DataFrame:
    """Every cell as a plain value: blanks None, Office.js value objects their value, error cells found.

    Error cells are told apart explicitly: an Office.js error object (``{"type": "Error", …}``)
    or, from classic COM, the error's text (``"#N/A"``), which is how xlwings hands it over.
    Text is examined once per distinct value (tables repeat their ids, dates and codes).
    """
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position].to_numpy(dtype=object, copy=True)
        if not len(values):
            continue
        kinds = _type_of(values)
        codes: dict[int, str] = {}
        texts = np.flatnonzero(np.equal(kinds, str))
        if len(texts):
            text = pd.Series(values[texts], dtype=object)
            distinct = pd.unique(text)
            blank = [t for t in distinct if not t or t.isspace()]
            error = {t: t.strip().upper() for t in distinct if t[:1] == "#" and t.strip().upper() in EXCEL_ERRORS}
            if blank:
                values[texts[text.isin(blank).to_numpy()]] = None
            if error:
                for i in texts[text.isin(list(error)).to_numpy()]:
                    codes[int(i)] = error[values[i]]
        others = [k for k in set(kinds.tolist()) if k is not str and k is not float and k is not int]
        if others:
            for i in np.flatnonzero(pd.Series(kinds, dtype=object).isin(others).to_numpy()):
                cell = values[i]
                if type(cell) is dict:
                    if cell.get("type") == "Error":
                        code = plain(cell)
                        codes[int(i)] = code if code in EXCEL_ERRORS else "#VALUE!"
                    else:
                        values[i] = plain(cell)
                elif type(cell).__name__ == "JsNull":
                    values[i] = None
        if codes:
            first = min(codes)
            if errors == "raise":
                raise ExcelErrorValue(codes[first], argument, row=first + 2, column=str(frame.columns[position]))
            for i, code in codes.items():
                values[i] = CellError(code)
        frame.isetitem(position, values)
    return frame


def _culture_numbers(argument: str, frame: pd.DataFrame, culture_name: str) -> pd.DataFrame:
    """Text numbers of an input table's number columns read by the workbook's culture.

    Text the culture cannot read stays text: the core then rejects it with its reason.
    """
    kinds: dict[str, str] = {}
    if argument in SCHEMAS:
        kinds = {c.name: c.kind for c in SCHEMAS[argument] if c.kind in ("money", "number", "rate")}
    for position, name in enumerate(frame.columns):
        key = snake_case(name)
        if argument == "parameters" and position == 1 and frame.shape[1] >= 2:
            keys = [snake_case(k) if isinstance(k, str) else "" for k in frame.iloc[:, 0]]
            numeric = [PARAMETERS.get(k, ("",))[0] in ("rate", "number", "periods") for k in keys]
        elif key in kinds:
            numeric = [True] * len(frame)
        else:
            continue
        values = frame.iloc[:, position].to_numpy(dtype=object, copy=True)
        changed = False
        for i, cell in enumerate(values):
            if numeric[i] and isinstance(cell, str) and not isinstance(cell, CellError):
                read, _ = read_number(cell, culture_name)
                if read is not None:
                    values[i] = read
                    changed = True
        if changed:
            frame.isetitem(position, pd.Series(values, index=frame.index, dtype=object).infer_objects())
    return frame


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
