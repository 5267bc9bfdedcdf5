"""The one boundary between the core and Excel: error mapping, cell values, registration.

Every ``XLP_*`` function is wrapped by :func:`udf`, which

* maps the exceptions of :mod:`xlprofit.errors` to Excel errors (:data:`ERROR_CODES`):
  ``#VALUE!`` for bad input, ``#NUM!`` for impossible maths or no convergence, ``#DIV/0!``
  for a zero denominator, ``#N/A`` for an unknown customer or missing history;
* passes an Excel error found in an argument on unchanged, as Excel's own functions do;
* turns any other exception into ``#VALUE!`` with a short message and logs it (logger
  ``xlprofit.excel``), so that no traceback ever reaches a cell;
* makes sure no NaN or infinity reaches a cell: a scalar result that is not finite is
  ``#NUM!``; a table cell that is not finite is left blank;
* registers the function with xlwings under its classic name (``XLP_CLV``) and, for
  Office.js, as ``CLV`` in the ``XLP`` namespace, with the catalogue's help texts.

How an error reaches the cell depends on the runtime. Under Office.js (xlwings Server and
xlwings Lite) ``#VALUE!`` is raised as :class:`xlwings.XlwingsError`, whose message Excel
shows when the pointer rests on the cell, and the other codes are returned as real error
values. Classic COM can only return values, so the cell text starts with the code and the
message follows (``#NUM! the retention formula diverges …``).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import math
import numbers
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

try:
    import xlwings as xw
except ImportError:  # xlwings Lite brings its own xlwings; without one the functions are plain Python
    xw = None

from xlprofit.errors import (
    ArgumentError,
    ConvergenceError,
    DegenerateDataError,
    DivisionByZeroError,
    InputError,
    InsufficientHistoryError,
    ModelError,
    NotAvailableError,
    OutputError,
    UnknownCustomerError,
    ValidationError,
    XlprofitError,
    describe_value,
)

from ._args import ExcelErrorValue
from ._culture import culture, culture_of_call
from .catalogue import MAX_HELP_LENGTH, NAMESPACE, by_name

__all__ = ["ERROR_CODES", "cells", "error_code", "frame_cells", "message_for", "officejs", "udf"]

logger = logging.getLogger("xlprofit.excel")

#: Excel error of every exception class of :mod:`xlprofit.errors`. A test proves that every
#: subclass of :class:`~xlprofit.errors.XlprofitError` has its own entry.
ERROR_CODES: dict[type[XlprofitError], str] = {
    XlprofitError: "#VALUE!",
    InputError: "#VALUE!",
    ArgumentError: "#VALUE!",
    ValidationError: "#VALUE!",
    ModelError: "#NUM!",
    ConvergenceError: "#NUM!",
    DegenerateDataError: "#NUM!",
    DivisionByZeroError: "#DIV/0!",
    NotAvailableError: "#N/A",
    UnknownCustomerError: "#N/A",
    InsufficientHistoryError: "#N/A",
    OutputError: "#VALUE!",
}

#: Code for an exception that xlprofit did not raise on purpose.
UNEXPECTED_CODE = "#VALUE!"


def officejs() -> bool:
    """Tell whether the runtime is Office.js (xlwings Server or Lite) rather than classic COM."""
    return xw is not None and (
        bool(getattr(xw, "on_server", False))
        or os.environ.get("XLWINGS_ON_SERVER") == "true"
        or sys.platform == "emscripten"
    )


def error_code(exc: BaseException) -> str:
    """Excel error code of an exception: the entry of its nearest class in :data:`ERROR_CODES`."""
    for cls in type(exc).__mro__:
        if cls in ERROR_CODES:
            return ERROR_CODES[cls]  # type: ignore[index]
    return UNEXPECTED_CODE


def _clip(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= MAX_HELP_LENGTH else message[: MAX_HELP_LENGTH - 1] + "…"


def message_for(function: str, exc: BaseException) -> str:
    """Build the message shown with the error: the function, the argument and the value."""
    if isinstance(exc, ArgumentError):
        text = f"'{exc.argument}' of {function} must be {exc.requirement}; got {describe_value(exc.value)}"
    elif isinstance(exc, ValidationError) and exc.problems:
        more = len(exc.problems) - 1
        text = f"{function}: {exc.problems[0]}" + (f" (and {more} more problem(s))" if more else "")
    elif isinstance(exc, ExcelErrorValue):
        text = f"{function}: {exc}"
    elif isinstance(exc, XlprofitError):
        text = f"{function}: {exc}"
    else:
        text = f"{function}: unexpected error ({type(exc).__name__}); the details are in the xlprofit log"
    return _clip(text)


def _excel_error(code: str, message: str) -> Any:
    """Return (or raise) an error the way the runtime can show it.

    Under Office.js only ``#VALUE!`` can carry a message (xlwings turns an
    :class:`xlwings.XlwingsError` into ``#VALUE!`` with the message on hover); the other codes
    are returned as real error values and their message goes to the log (logger
    ``xlprofit.excel``; xlwings Lite shows it in its output pane). Classic COM returns the
    code followed by the message as text.
    """
    if officejs():
        if code == "#VALUE!":
            raise xw.XlwingsError(message)
        logger.warning("%s %s", code, message)
        return code
    return f"{code} {message}"


# --------------------------------------------------------------------------- cell values


def _cell(value: Any) -> Any:
    """One value made safe for a cell: finite numbers, text, booleans, datetimes or None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        stamp = pd.Timestamp(value)
        return None if stamp is pd.NaT else stamp.to_pydatetime()
    if isinstance(value, dt.date | str):
        return value
    return str(value)


def cells(value: Any) -> Any:
    """Make a result safe for cells: a scalar, or a list of rows of safe values."""
    if isinstance(value, pd.DataFrame):
        return frame_cells(value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [[_cell(c) for c in row] if isinstance(row, list | tuple) else [_cell(row)] for row in value]
    return _cell(value)


def frame_cells(frame: pd.DataFrame, index: str | None = None) -> list[list[Any]]:
    """Turn a DataFrame into a header row and data rows; the index first when ``index`` names it."""
    if index is not None:
        frame = frame.reset_index(names=index)
    columns: list[list[Any]] = []
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_bool_dtype(series.dtype):
            columns.append([bool(v) for v in series.to_numpy()])
        elif pd.api.types.is_numeric_dtype(series.dtype):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            finite = np.isfinite(values)
            column = values.astype(object)
            column[~finite] = None
            columns.append(column.tolist())
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            stamps = pd.Series(series.dt.to_pydatetime(), dtype=object)
            columns.append([None if pd.isna(v) else v for v in stamps])
        else:
            columns.append([_cell(v) for v in series.to_numpy(dtype=object)])
    header = [str(name) for name in frame.columns]
    return [header, *(list(row) for row in zip(*columns, strict=True))] if columns and len(frame) else [header]


# --------------------------------------------------------------------------- registration


def _check_signature(function: Callable[..., Any]) -> None:
    spec = by_name()[function.__name__]
    parameters = list(inspect.signature(function).parameters.values())
    names = [p.name for p in parameters]
    expected = [a.name for a in spec.arguments]
    if names != expected:
        raise TypeError(f"{function.__name__} takes {names}; the catalogue lists {expected}")
    for parameter, argument in zip(parameters, spec.arguments, strict=True):
        if argument.optional != (parameter.default is None):
            raise TypeError(
                f"{function.__name__}: '{parameter.name}' is optional in exactly one of the "
                "catalogue and the code (optional arguments default to None)"
            )


def udf(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an ``XLP_*`` adapter in the error boundary and register it with xlwings.

    Parameters
    ----------
    function:
        The adapter, named as in the catalogue, its optional arguments defaulting to None.

    Returns
    -------
    callable
        The wrapped function (a plain function under classic COM and plain Python).
    """
    _check_signature(function)
    spec = by_name()[function.__name__]
    name = spec.name

    @functools.wraps(function)
    def boundary(*args: Any) -> Any:
        try:
            with culture(culture_of_call()):
                result = function(*args)
        except ExcelErrorValue as exc:
            if officejs():
                logger.warning("%s %s", exc.code, message_for(name, exc))
                return exc.code
            return f"{exc.code} {message_for(name, exc)}"
        except XlprofitError as exc:
            return _excel_error(error_code(exc), message_for(name, exc))
        except Exception as exc:  # the boundary: nothing unexpected may reach a cell as a traceback
            logger.exception("unexpected error in %s", name)
            return _excel_error(UNEXPECTED_CODE, message_for(name, exc))
        if isinstance(result, numbers.Real) and not isinstance(result, bool | np.bool_):
            if not math.isfinite(float(result)):
                return _excel_error("#NUM!", f"{name}: the result is not a finite number")
            return float(result)
        if isinstance(result, list):
            if not result or not all(isinstance(row, list) and row for row in result):
                return _excel_error("#VALUE!", f"{name}: there is nothing to return")
            return result
        return _cell(result)

    boundary.__doc__ = spec.description
    decorated: Callable[..., Any] = boundary
    if xw is None:
        return decorated
    for argument in reversed(spec.arguments):
        if officejs():
            # Office.js: values are read unconverted by ``_args``; xlwings' per-cell conversion
            # costs seconds on a table of 50,000 rows and fails on some malformed payloads.
            options: dict[str, Any] = {"doc": argument.help, "convert": "raw"}
        else:
            options = {"doc": argument.help, "err_to_str": True}
            if argument.shape != "scalar":
                options["ndim"] = 2
        decorated = xw.arg(argument.name, **options)(decorated)
    return xw.func(name=spec.short_name, namespace=NAMESPACE, cache=spec.cache, category="xlprofit")(decorated)
