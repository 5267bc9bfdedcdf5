"""Turning the cell values users actually have into numbers, dates, flags and ids.

Spreadsheets and ERP exports hold numbers stored as text (``"1 234,50"``), dates as Excel
serial numbers, ISO text or ``datetime`` values, and flags as ``"yes"``/``TRUE``/``1``. Each
parser here works on a whole column and returns the parsed values plus, for every value that
could not be read, the reason, so that callers can report the row instead of guessing.
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from dateutil import parser as date_parser

__all__ = [
    "BLANK_WORDS",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "EXCEL_EPOCH",
    "LAST_DATE",
    "MAX_SERIAL",
    "SERIAL_OUT_OF_RANGE",
    "EXCEL_ERRORS",
    "CellError",
    "cell_errors",
    "excel_error_reason",
    "without_cell_errors",
    "as_text",
    "member_of",
    "parse_numbers",
    "parse_dates",
    "parse_flags",
    "parse_ids",
    "parse_text",
    "parse_number_text",
    "snake_case",
    "NOT_A_NUMBER_FLAG",
    "UNSTORABLE_RANGES",
    "UNSTORABLE",
    "REPLACEMENT_CHARACTER",
    "MAX_SHOWN_TEXT",
    "storable",
    "storable_text",
    "shown_text",
    "unstorable_shown",
    "unstorable_reason",
    "shortened_reason",
    "TEXT_CHANGED",
    "TEXT_SHORTENED",
]

#: Day 0 of Excel's 1900 date system as Excel counts it (serial 1 = 1900-01-01, with
#: Excel's fictitious 1900-02-29 making serials from 61 on line up with this epoch).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: The last day a date can be: pandas holds dates in nanoseconds up to 2262-04-11 (Excel's own
#: serial numbers go on to 2958465, 9999-12-31).
LAST_DATE = datetime.date(2262, 4, 11)
#: The largest Excel date serial number read as a date (2262-04-11).
MAX_SERIAL = (LAST_DATE - EXCEL_EPOCH.date()).days
#: Why a number is not read as a date.
SERIAL_OUT_OF_RANGE = f"is out of range (Excel date serial numbers 1 to {MAX_SERIAL}, up to {LAST_DATE})"
#: The first day a date can be (pandas' nanosecond dates start on 1677-09-21 at 00:12).
FIRST_DATE = datetime.date(1677, 9, 22)
#: Why a date (a date cell, a Parquet date, a datetime given to the API) is not read.
DATE_OUT_OF_RANGE = f"is out of range (dates from {FIRST_DATE} to {LAST_DATE})"
_FIRST_STAMP, _LAST_STAMP = pd.Timestamp(FIRST_DATE), pd.Timestamp(LAST_DATE) + pd.Timedelta(days=1)

#: Excel's error values, as a cell shows them.
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


class CellError:
    """An input cell that held an Excel error value (``#N/A``, ``#DIV/0!`` …), not text.

    A reader that can tell an error cell from text (the Excel functions under Office.js, whose
    error cells arrive as error objects) puts one of these in the table. It is never blank and
    never data: :func:`xlprofit.core.tables.normalise` rejects the row (or ignores the value
    of an optional column) with the reason "holds the Excel error #N/A".
    """

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return self.code

    @property
    def reason(self) -> str:
        """Why a row holding this cell is rejected: ``holds the Excel error #N/A``."""
        return excel_error_reason(self.code)

    def __repr__(self) -> str:
        return f"CellError({self.code!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellError) and other.code == self.code

    def __hash__(self) -> int:
        return hash(("CellError", self.code))


def excel_error_reason(code: str) -> str:
    """The reason given for a cell holding the Excel error ``code`` (one text for every reader)."""
    return f"holds the Excel error {code}"


def cell_errors(values: pd.Series) -> pd.Series:
    """True where a cell holds an Excel error value (:class:`CellError`)."""
    if values.dtype != object or values.empty:
        return pd.Series(False, index=values.index, dtype=bool)
    flags = np.fromiter((type(v) is CellError for v in values.to_numpy()), dtype=bool, count=len(values))
    return pd.Series(flags, index=values.index, dtype=bool)


def without_cell_errors(values: pd.Series) -> pd.Series:
    """The column with its Excel error cells blanked (for reading ids and amounts beside the error)."""
    errors = cell_errors(values)
    return values.where(~errors, None) if errors.any() else values


#: Code points a workbook cannot store as text, as inclusive ``(first, last)`` ranges: what XML
#: 1.0 forbids (C0 controls but tab, line feed and carriage return; lone surrogates; U+FFFE and
#: U+FFFF) and what it discourages as meaningless in text (DEL and the C1 controls, the
#: non-characters U+FDD0-U+FDEF and the last two code points of every plane). Every part of a
#: report must be valid XML 1.0: a cell holding any of them makes Excel report damaged content
#: and LibreOffice drop rows. The engines' SQL test is generated from these ranges.
UNSTORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF), (0xFDD0, 0xFDEF),
    *((plane * 0x10000 + 0xFFFE, plane * 0x10000 + 0xFFFF) for plane in range(17)),
)
#: Any one character of :data:`UNSTORABLE_RANGES`.
UNSTORABLE = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in UNSTORABLE_RANGES) + "]")
#: What an unstorable character is shown as: U+FFFD, the replacement character (a visible "�").
REPLACEMENT_CHARACTER = "\ufffd"
#: Most characters of input text shown in a cell of a report table (headers included); longer
#: text is cut to ``MAX_SHOWN_TEXT - 1`` characters and "…". LibreOffice lays out a long label
#: of astral-plane characters (emoji) in quadratic time: converting the demo report to PDF took
#: 9 s with a 100-emoji segment name, about 46 s with 1,000 and over 200 s with 10,000 (one
#: label on the Segments chart). Excel's own limit, 32,767 characters, still bounds every other cell.
MAX_SHOWN_TEXT = 255
#: The actions of the exceptions that name input text changed or cut for the report.
TEXT_CHANGED, TEXT_SHORTENED = "text changed", "text shortened"


def storable_text(text: str) -> str:
    """``text`` with every character a workbook cannot store replaced by U+FFFD (``"�"``)."""
    return UNSTORABLE.sub(REPLACEMENT_CHARACTER, text)


def shown_text(text: str) -> str:
    """``text`` as a report table shows it: storable, and cut to :data:`MAX_SHOWN_TEXT` characters."""
    text = storable_text(text)
    if len(text) > MAX_SHOWN_TEXT:
        text = text[: MAX_SHOWN_TEXT - 1] + "…"
    return text


def unstorable_shown(text: str) -> str:
    """``text`` with each unstorable character written as its code point: ``"Alpha [U+FFFE] AS"``."""
    return UNSTORABLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def unstorable_reason(text: str) -> str:
    """Why ``text`` was changed: the unstorable characters it held (at most five named)."""
    found = list(dict.fromkeys(f"U+{ord(c):04X}" for c in UNSTORABLE.findall(text)))
    named = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    return f"holds characters a workbook cannot store ({named}); each is shown as U+FFFD (\ufffd)"


def shortened_reason(length: int) -> str:
    """Why a text of ``length`` characters is cut in the report."""
    return (f"is {length:,} characters long; report tables show its first {MAX_SHOWN_TEXT - 1:,} "
            "characters and '…'")


def _texts_of(values: pd.Series) -> np.ndarray:
    """The distinct Python strings of a column."""
    present = values[values.notna()] if values.dtype == object else values.dropna()
    uniques = pd.unique(present.to_numpy(dtype=object))
    return np.asarray([u for u in uniques if type(u) is str], dtype=object)


def storable(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Texts of a column made storable, and where they were changed or are too long to show whole.

    Returns ``(values, changed, long)``: the column with every unstorable character replaced
    by U+FFFD; the reason (:func:`unstorable_reason`) where a text was changed, else None; and
    the reason (:func:`shortened_reason`) where a text (as changed) is longer than
    :data:`MAX_SHOWN_TEXT`, else None. A column of plain texts is checked in one pass.
    """
    changed = pd.Series(None, index=values.index, dtype=object)
    long = pd.Series(None, index=values.index, dtype=object)
    texts = _texts_of(values)
    if len(texts) == 0:
        return values, changed, long
    bad = [t for t in texts if UNSTORABLE.search(t)] if UNSTORABLE.search("\n".join(texts)) else []
    if bad:
        fixed = {t: storable_text(t) for t in bad}
        hit = values.isin(fixed).to_numpy()
        changed[hit] = [unstorable_reason(t) for t in values[hit]]
        values = values.astype(object).copy()
        values[hit] = [fixed[t] for t in values[hit]]
        texts = np.asarray([fixed.get(t, t) for t in texts], dtype=object)
    if max(map(len, texts)) > MAX_SHOWN_TEXT:
        lengths = values.map(lambda v: len(v) if type(v) is str else 0)
        over = (lengths > MAX_SHOWN_TEXT).to_numpy()
        long[over] = [shortened_reason(n) for n in lengths[over]]
    return values, changed, long


#: Cell texts read as blank (compared after trimming and lower-casing); the SQL engines read these too.
BLANK_WORDS = frozenset({"", "-", "n/a", "na", "nan", "none", "null", "#n/a"})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_CURRENCY_WORD = r"(?:[$€£¥]|kr\.?|nok|sek|pln|zł|eur|usd|gbp|dkk)"
_CURRENCY = re.compile(rf"^{_CURRENCY_WORD}\s*|\s*{_CURRENCY_WORD}$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def snake_case(header: object) -> str:
    """Normalise a column header: ``"Net Revenue (EUR)"`` -> ``"net_revenue_eur"``."""
    text = str(header).strip()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return text


def _is_blank_scalar(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, str) and value.strip().lower() in BLANK_WORDS:
        return True
    return False


def blank_mask(values: pd.Series) -> pd.Series:
    """True where a cell is empty: NA, NaN, None or text such as ``""``, ``"-"``, ``"n/a"``."""
    mask = values.isna()
    obj = values[~mask]
    if obj.dtype == object or pd.api.types.is_string_dtype(obj.dtype):
        text = obj.astype(str).str.strip().str.lower()
        blank = text.isin(BLANK_WORDS)
        if obj.dtype == object and text.eq("#n/a").any():  # an #N/A error cell is not blank text
            blank &= ~cell_errors(obj)
        mask.loc[text.index] = blank.to_numpy()
    return mask


_SWAP_MARKS = str.maketrans({",": ".", ".": ","})


@lru_cache(maxsize=65536)
def parse_number_text(text: str, decimal_comma: bool = False) -> tuple[float | None, str | None]:
    """Read one number written as text; return ``(value, None)`` or ``(None, reason)``.

    Accepts grouping with spaces, apostrophes, ``,`` or ``.`` (``"1 234,50"``,
    ``"1,234.50"``, ``"1.234.567"``), a decimal comma (``"12,5"``), accounting negatives
    ``"(1,234.00)"``, a leading currency symbol or code, and a trailing ``%`` (divides by 100).
    A lone separator followed by exactly three digits (``"1,234"``) could be either a
    thousands separator or a decimal comma and is refused as ambiguous.

    With ``decimal_comma`` (text known to come from a decimal-comma locale, such as a CSV file
    with ``;`` between fields), ``,`` and ``.`` swap their roles: ``"1,234"`` is 1.234 and
    ``"1.234"`` is the ambiguous one.
    """
    s = text.strip()
    if decimal_comma:
        s = s.translate(_SWAP_MARKS)
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s = _CURRENCY.sub("", s).strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    if s.startswith(("-", "−")):
        negative, s = (not negative), s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    s = _SPACES.sub("", s)
    if not s:
        return None, "is not a number"
    has_comma, has_dot = "," in s, "." in s
    if has_comma and has_dot:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        group = "." if decimal == "," else ","
        whole, _, frac = s.rpartition(decimal)
        if not frac.isdigit() or not (_GROUPED.match(whole) or whole.isdigit()) or decimal in whole:
            return None, "is not a number"
        number = whole.replace(group, "") + "." + frac
    elif has_comma or has_dot:
        sep = "," if has_comma else "."
        parts = s.split(sep)
        if len(parts) > 2:
            if not _GROUPED.match(s):
                return None, "is not a number"
            number = s.replace(sep, "")
        else:
            whole, frac = parts
            if not frac.isdigit() or not (whole.isdigit() or whole == ""):
                return None, "is not a number"
            if sep == "," and len(frac) == 3 and whole not in ("", "0"):
                return None, "is ambiguous (thousands separator or decimal comma?); write it without grouping"
            number = (whole or "0") + "." + frac
    else:
        if not re.fullmatch(r"\d+(?:[eE][+-]?\d+)?", s):
            return None, "is not a number"
        number = s
    try:
        value = float(number)
    except ValueError:
        return None, "is not a number"
    if percent:
        value /= 100.0
    return (-value if negative else value), None


#: Why a TRUE/FALSE cell is not read as a number.
NOT_A_NUMBER_FLAG = "is a TRUE/FALSE value, not a number"


def parse_numbers(values: pd.Series, decimal_comma: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of numbers.

    ``decimal_comma``: text numbers come from a decimal-comma locale (see :func:`parse_number_text`).

    Returns
    -------
    (numbers, reasons):
        ``numbers`` is float64 with NaN for blanks and failures; ``reasons`` is an object
        Series holding a reason where a non-blank value could not be read, else None. A
        TRUE/FALSE value is not a number, whether its column is typed (Parquet) or not.
    """
    reasons = pd.Series(None, index=values.index, dtype=object)
    if pd.api.types.is_bool_dtype(values.dtype) or values.dtype.kind in "mM":  # flags, dates, durations
        present = values.notna().to_numpy()
        reasons[present] = NOT_A_NUMBER_FLAG if values.dtype.kind == "b" else "is not a number"
        return pd.Series(np.nan, index=values.index, dtype="float64"), reasons
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.astype("float64")
        bad = ~np.isfinite(out.to_numpy()) & out.notna().to_numpy()
        if bad.any():
            reasons[bad] = "is not a finite number"
            out[bad] = np.nan
        return out, reasons
    blank = blank_mask(values)
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    present = values[~blank]
    if present.empty:
        return out, reasons
    kinds = present.map(type)
    is_bool = kinds.eq(bool)
    if is_bool.any():
        reasons[present.index[is_bool.to_numpy()]] = NOT_A_NUMBER_FLAG
        present = present[~is_bool]
    is_date = present.map(lambda v: isinstance(v, (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64)))
    if is_date.any():  # pd.to_numeric would read a date as its nanoseconds since 1970
        reasons[present.index[is_date.to_numpy()]] = "is not a number"
        present = present[~is_date.to_numpy()]
    fast = pd.to_numeric(present, errors="coerce")
    ok = fast.notna() & np.isfinite(fast.astype("float64"))
    out[ok[ok].index] = fast[ok].astype("float64")
    rest = present[~ok]
    if not rest.empty:
        text = rest.astype(str)
        parsed = {u: parse_number_text(u, decimal_comma) for u in pd.unique(text)}
        vals = text.map(lambda t: parsed[t][0])
        why = text.map(lambda t: parsed[t][1])
        good = vals.notna()
        out[vals.index[good.to_numpy()]] = vals[good].astype("float64")
        reasons[why.index[~good.to_numpy()]] = why[~good]
    return out, reasons


_DEFAULT_A = datetime.datetime(2000, 1, 1)
_DEFAULT_B = datetime.datetime(2001, 2, 2)
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _parse_date_text(text: str) -> tuple[pd.Timestamp | None, str | None]:
    stamp, why = _read_date_text(text)
    if stamp is not None and not _FIRST_STAMP <= stamp < _LAST_STAMP:
        # dateutil reads "100" as a day in the year 100: no date a ledger means.
        return None, DATE_OUT_OF_RANGE if _ISO.match(text.strip()) else "is not a date (use yyyy-mm-dd)"
    return stamp, why


def _in_range(stamp: Any) -> pd.Timestamp | None:
    """A date value (datetime, date, numpy or pandas) as a Timestamp, or None outside the dates held."""
    try:
        value = pd.Timestamp(stamp)
    except (ValueError, OverflowError):
        return None
    if value is pd.NaT:
        return None
    if value.tzinfo is not None:
        value = value.tz_localize(None)
    return value if _FIRST_STAMP <= value < _LAST_STAMP else None


@lru_cache(maxsize=65536)
def _read_date_text(text: str) -> tuple[pd.Timestamp | None, str | None]:
    s = text.strip()
    if _ISO.match(s):
        try:
            return pd.Timestamp(s), None
        except ValueError:
            return None, "is not a valid date"
    dotted = _DOTTED.match(s)
    if dotted:  # dd.mm.yyyy is day-first wherever it is written
        day, month, year = (int(g) for g in dotted.groups())
        try:
            return pd.Timestamp(year=year, month=month, day=day), None
        except ValueError:
            return None, "is not a valid date"
    try:
        # A letter dateutil takes for a time zone it does not know ("1 E") makes it warn on the
        # console; such a text is refused below as incomplete or not a date either way.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", date_parser.UnknownTimezoneWarning)
            day_first = date_parser.parse(s, dayfirst=True, default=_DEFAULT_A)
            month_first = date_parser.parse(s, dayfirst=False, default=_DEFAULT_A)
            # dateutil fills a missing year, month or day from its default: two defaults that
            # differ in all three tell a complete date ("7" or "March" is not one).
            if date_parser.parse(s, dayfirst=True, default=_DEFAULT_B) != day_first:
                return None, "is not a complete date (use yyyy-mm-dd)"
    except (ValueError, OverflowError):
        return None, "is not a date (use yyyy-mm-dd)"
    if day_first != month_first:
        return None, "is an ambiguous date (day and month could be swapped); use yyyy-mm-dd"
    return pd.Timestamp(day_first), None


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates: datetimes, Excel serial numbers (1900 system) or text.

    Text is read as ISO 8601 first; other spellings are accepted only when reading them
    day-first and month-first gives the same date. Returns ``(dates, reasons)`` like
    :func:`parse_numbers`; the dates are ``datetime64[ns]`` with NaT for blanks and failures.
    """
    reasons = pd.Series(None, index=values.index, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        if out.dtype != "datetime64[ns]":  # seconds to microseconds (Parquet, numpy) reach beyond nanoseconds
            outside = out.notna() & ((out < _FIRST_STAMP) | (out >= _LAST_STAMP))
            reasons[outside] = DATE_OUT_OF_RANGE
            out = out.mask(outside)
        return out.astype("datetime64[ns]"), reasons
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    blank = blank_mask(values)
    present = values[~blank]
    if present.empty:
        return out, reasons
    if pd.api.types.is_numeric_dtype(present.dtype) and not pd.api.types.is_bool_dtype(present.dtype):
        serial = present.astype("float64")
        numeric_index = present.index
        other = present.iloc[0:0]
    else:
        is_num = present.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                             and not isinstance(v, bool))
        serial = present[is_num].astype("float64")
        numeric_index = serial.index
        other = present[~is_num]
    if len(numeric_index):
        in_range = (serial >= 1) & (serial <= MAX_SERIAL)
        good = serial[in_range]
        out[good.index] = (EXCEL_EPOCH + pd.to_timedelta(np.floor(good.to_numpy() * 86400.0 + 0.5), unit="s")
                           ).astype("datetime64[ns]")
        reasons[serial.index[~in_range.to_numpy()]] = SERIAL_OUT_OF_RANGE
    if not other.empty:
        stamp = other.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"))
        if stamp.any():
            held = other[stamp].map(_in_range)
            reasons[held.index[held.isna().to_numpy()]] = DATE_OUT_OF_RANGE
            held = held.dropna()
            if len(held):
                out[held.index] = pd.to_datetime(list(held)).astype("datetime64[ns]")
        text = other[~stamp]
        if not text.empty:
            text = text.astype(str)
            if isinstance(text.iloc[0], str):
                parsed = {u: _parse_date_text(u) for u in pd.unique(text)}
                vals = text.map(lambda t: parsed[t][0])
                why = text.map(lambda t: parsed[t][1])
                good = vals.notna().to_numpy()
                if good.any():
                    out[text.index[good]] = pd.to_datetime(vals[good]).astype("datetime64[ns]")
                reasons[text.index[~good]] = why[~good]
    return out, reasons


#: Texts read as TRUE and as FALSE in a yes/no column (any case); the SQL engines read these too.
TRUE_WORDS = frozenset({"true", "yes", "y", "x", "1", "ja", "j", "tak", "t", "sant", "returned", "wahr"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "nei", "nej", "nie", "f", "falsk", "usann", "falsch"})


def parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse yes/no cells: booleans, numbers (non-zero is yes) or text such as yes/no, x, 1/0.

    Blanks are *no*. Returns ``(flags, reasons)``.
    """
    reasons = pd.Series(None, index=values.index, dtype=object)
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.fillna(False).astype(bool), reasons
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = values.astype("float64")
        return (num.fillna(0.0) != 0.0), reasons
    out = pd.Series(False, index=values.index, dtype=bool)
    blank = blank_mask(values)
    present = values[~blank]
    if present.empty:
        return out, reasons

    def one(v: object) -> bool | None:
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, float, np.integer, np.floating)):
            return bool(v != 0)
        s = str(v).strip().lower()
        if s in TRUE_WORDS:
            return True
        if s in FALSE_WORDS:
            return False
        value, _ = parse_number_text(s)
        return None if value is None else value != 0

    parsed = present.map(one)
    good = parsed.notna().to_numpy()
    out[present.index[good]] = parsed[good].astype(bool)
    reasons[present.index[~good]] = "is not yes/no (use TRUE/FALSE, yes/no or 1/0)"
    return out, reasons


def _all_text(values: pd.Series) -> bool:
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def _clean_text(values: pd.Series, blanks: frozenset[str] | None) -> pd.Series:
    """Vectorised strip of a text column; blanks (and ``blanks`` words) become None."""
    s = values.astype(object).where(values.notna(), None)
    present = s.notna()
    stripped = s[present].astype(str).str.strip()
    empty = stripped.eq("")
    if blanks:
        empty |= stripped.str.lower().isin(blanks)
    out = pd.Series(None, index=values.index, dtype=object)
    keep = stripped[~empty]
    out[keep.index] = _shared(keep.to_numpy(dtype=object))
    return out


def _shared(texts: np.ndarray) -> np.ndarray:
    """The strings of a column with few distinct values as one object per distinct value.

    Stripping makes a new string per cell: a million rows of four segment names would hold a
    million strings (about 60 bytes each) instead of four.
    """
    if len(texts) < 1024:
        return texts
    codes, uniques = pd.factorize(texts)
    if len(uniques) > len(texts) // 2:
        return texts
    return np.asarray(uniques, dtype=object)[codes]


def parse_ids(values: pd.Series) -> pd.Series:
    """Normalise identifiers to text: ``1001.0`` -> ``"1001"``, whitespace stripped, blanks NA."""
    if _all_text(values):
        return _clean_text(values, BLANK_WORDS)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        num = values.astype("float64")
        integral = num.notna() & (num == np.floor(num)) & (num.abs() < 2**53)
        out = pd.Series(pd.NA, index=values.index, dtype=object)
        out[integral] = num[integral].astype("int64").astype(str)
        other = num.notna() & ~integral
        out[other] = num[other].map(repr)
        return out.astype("string").astype(object).where(out.notna(), None)

    def one(v: object) -> object:
        if _is_blank_scalar(v):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return str(int(v))
        return str(v).strip() or None

    if values.dtype == object:
        uniq = pd.unique(values)
        if len(uniq) < len(values):
            mapping = {u: one(u) for u in uniq if not _is_blank_scalar(u)}
            blank = blank_mask(values)
            return values.map(mapping).where(~blank, None).astype(object)
    return values.map(one).astype(object)


def parse_text(values: pd.Series) -> pd.Series:
    """Text cells as Python strings, whitespace stripped, blanks as None (never parsed as formulas)."""
    if _all_text(values):
        return _clean_text(values, None)

    def one(v: object) -> object:
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        s = str(v).strip()
        return s or None

    return values.map(one).astype(object)


def as_text(values: pd.Series | pd.Index) -> np.ndarray:
    """Labels as an object array of Python strings (``astype(str)``, without converting text again)."""
    array = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(array, skipna=False) == "string":
        return array
    return np.asarray([str(v) for v in array], dtype=object)


def member_of(values: pd.Series, known: Iterable[Any]) -> pd.Series:
    """``values.isin(known)`` for a large ``known`` (many customer ids): by one hash look-up.

    pandas' Arrow-backed strings convert every element of ``known`` in Python inside
    ``isin``, seconds for a million customers; an index look-up hashes them once.
    """
    index = known if isinstance(known, pd.Index) else pd.Index(list(known), dtype=object)
    if not index.is_unique:
        index = index.unique()
    found = index.get_indexer(np.asarray(values, dtype=object)) >= 0 if len(index) else \
        np.zeros(len(values), dtype=bool)
    return pd.Series(found, index=values.index, dtype=bool)
