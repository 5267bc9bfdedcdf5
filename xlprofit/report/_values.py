"""Cell values: what a Python value becomes in a cell, and the one way a formula gets into one.

openpyxl turns a string that starts with ``=`` into a formula and a string equal to an
error code (``#N/A``) into an error. Text from input data must stay text whatever it starts
with, so every value is read by :func:`cell_value`, which pins strings to the string type
(every character XML 1.0 cannot hold — controls, lone surrogates, non-characters, see
:data:`~xlprofit.core.parsing.UNSTORABLE_RANGES` — shown as U+FFFD, cut to Excel's
:data:`MAX_TEXT` characters) and gives NaN no value and ±inf the text ``∞``. The readers of
the input make the same replacement and list the rows whose text they changed; this is the
guard for every other text (file names, parameters, text given through the Python API).
Formulas are written only through :class:`Formula` (and :class:`SpillFormula`), which the
template builder creates from its own text, never from input data.

This module owns the conversion and escaping rules; :mod:`xlprofit.report._rows` writes the
converted values as XML text and :func:`xlprofit.report._openpyxl_private.set_value` into
openpyxl's cells.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.parsing import UNSTORABLE, storable_text

__all__ = ["ILLEGAL_CHARACTERS", "MAX_TEXT", "Formula", "SpillFormula", "cell_value"]

#: Characters a worksheet cannot hold (see :data:`xlprofit.core.parsing.UNSTORABLE`); shown as U+FFFD.
ILLEGAL_CHARACTERS: re.Pattern[str] = UNSTORABLE
#: Most characters a cell holds (Excel's limit); longer text is cut, ending in ``…``.
MAX_TEXT = 32_767


class Formula(str):
    """Formula text the workbook builders wrote themselves (starts with ``=``).

    :func:`cell_value` reads every other string as text; only a ``Formula`` becomes a formula.
    """


class SpillFormula(Formula):
    """A :class:`Formula` whose result is an array that spills from its cell (Excel 365 dynamic array).

    It is written as an array formula anchored at its own cell; the saved package then needs
    :func:`xlprofit.report._spill.add_spill_metadata` for the sheets that hold one.
    """


def _text(value: str) -> tuple[Any, str | None]:
    text = storable_text(value) if ILLEGAL_CHARACTERS.search(value) else value
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return text, "s"


def _float(value: float) -> tuple[Any, str | None]:
    if math.isnan(value):
        return None, None
    if math.isinf(value):
        return ("∞" if value > 0 else "−∞"), "s"
    return value, "n"


def cell_value(value: Any) -> tuple[Any, str | None]:
    """Python value for a cell and its data type (``"s"`` for all text, ``"f"`` only for :class:`Formula`)."""
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is float:
        return _float(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, Formula):
        return str(value), "f"
    if isinstance(value, (bool, np.bool_)):
        return bool(value), "b"
    if isinstance(value, (int, np.integer)):
        return int(value), "n"
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime(), "d"
    if isinstance(value, np.datetime64):
        return (None, None) if np.isnat(value) else (pd.Timestamp(value).to_pydatetime(), "d")
    if isinstance(value, (dt.datetime, dt.date)):
        return value, "d"
    return _text(str(value))

