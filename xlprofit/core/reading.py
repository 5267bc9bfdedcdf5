"""Reading the input: the problem collector, a cell's value as shown, tables as frames, parameters and fx.

Every reader of an input table (:mod:`xlprofit.core.tables` for DataFrames, the engines' SQL
readers, the analysis' usage checks) reports what it finds to one :class:`Collector`; the
``parameters`` and ``fx`` tables are read here for all of them.

CSV text is read here too (:func:`read_csv_table`, from the bytes of a file), with the rules
every engine follows: the encoding (:func:`detect_encoding`: UTF-8, else the Windows code page
of a Western or Polish Excel), the delimiter (:func:`csv_delimiter`: ``,``, ``;``, tab or ``|``,
from the header), RFC 4180 quoting (line breaks inside quoted fields), and rows with more or
fewer fields than the header rejected and listed (:data:`ROW_PROBLEMS`), never the whole file.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.money import (
    MAX_QUANTITY,
)
from xlprofit.core.parsing import (
    TEXT_CHANGED,
    UNSTORABLE,
    CellError,
    blank_mask,
    parse_dates,
    parse_numbers,
    snake_case,
    storable_text,
    unstorable_reason,
    unstorable_shown,
)
from xlprofit.core.periods import PERIODS_PER_YEAR
from xlprofit.core.schema import (
    CHOICES,
    EXCEPTION_COLUMNS,
    PARAMETER_BOUNDS,
    PARAMETERS,
    SCHEMAS,
    TABLES,
    rate_requirement,
)
from xlprofit.errors import InputError, Problem

__all__ = ["Collector", "display_value", "as_frame", "set_rows", "read_parameters", "fx_rates", "SHEET_ROWS",
           "ROW_PROBLEMS", "DECIMAL_COMMA", "CSV_DELIMITERS", "CsvDialect", "detect_encoding", "decode_csv",
           "csv_delimiter", "csv_records", "read_csv_table", "decode_chunks", "too_few_fields", "too_many_fields",
           "csv_hints", "cell_text", "MAX_PROBLEMS"]

#: The name of a table's index that holds the row numbers the user sees (a workbook reader that
#: skips blank rows numbers the rows itself): :func:`set_rows` keeps such an index.
SHEET_ROWS = "sheet_row"
#: Key of ``DataFrame.attrs`` under which a CSV reader lists the rows of the wrong width:
#: ``{position of the row in the frame: reason}``. The table's reader rejects them.
ROW_PROBLEMS = "xlprofit.row_problems"
#: Key of ``DataFrame.attrs`` saying that the table's text numbers use a decimal comma.
DECIMAL_COMMA = "xlprofit.decimal_comma"
#: At most this many problems (besides those that stop the analysis) are collected one by one.
MAX_PROBLEMS = 10_000


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
        #: Problems found beyond the first :data:`MAX_PROBLEMS`: counted, not listed in ``problems``
        #: (each is an exception row all the same).
        self.unlisted = 0

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
        limit = n if fatal else max(0, min(n, MAX_PROBLEMS - len(self.problems)))
        self.unlisted += n - limit
        if limit:
            for r, v, w in zip(frame["row"][:limit], vals.iloc[:limit], frame["reason"][:limit], strict=True):
                if isinstance(v, (str, datetime.date, np.datetime64)):  # as the Exceptions sheet shows it
                    v = display_value(v)
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
    """A cell's value as the Exceptions sheet shows it: blanks as None, dates as ISO dates, the rest as read.

    Text holding characters a workbook cannot store shows them as their code points
    (``"Alpha [U+FFFE] AS"``), so that the exception names what was there.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        try:
            return str(pd.Timestamp(value).date())
        except (ValueError, OverflowError):  # a datetime64 beyond pandas' nanosecond range
            return str(value)
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, str):
        return unstorable_shown(value) if UNSTORABLE.search(value) else value
    if isinstance(value, (int, float, bool)):
        return value
    return display_value(cell_text(value))


def cell_text(value: Any) -> str:
    """Text of a cell that holds a container (a Parquet list or struct): ``[1.0, 2.0]``, as the SQL engines show it."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"'{k}': {cell_text(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


_CONTAINERS = (list, tuple, dict, np.ndarray)


def _plain_cells(values: pd.Series) -> pd.Series:
    """An object column whose containers (Parquet lists, structs) are written as their text.

    pandas cannot hash a list, so no reader could look at such a cell; as text it is read like
    any other and rejected with its reason.
    """
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) not in ("mixed", "unknown-array"):
        return values
    containers = values.map(lambda v: isinstance(v, _CONTAINERS)).to_numpy(dtype=bool)
    if not containers.any():
        return values
    out = values.copy()
    out[containers] = [cell_text(v) for v in values[containers]]
    return out


def as_frame(table: str, data: Any, collector: Collector, first_row: int = 2) -> pd.DataFrame | None:
    """A table given as a DataFrame or anything pandas reads, its headers in snake_case.

    Two headers read as the same name are a fatal problem; blank headers are dropped. Cells
    holding a container (a Parquet list) become its text; a lone surrogate, which no later step
    could turn into text (pandas' Arrow strings refuse it), becomes U+FFFD at once and its cell is
    listed as text changed (rows numbered from ``first_row``, as :func:`set_rows` numbers them).
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
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = _without_surrogates(table, c, _plain_cells(frame[c]), collector, first_row)
    return frame


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(table: str, column: str, values: pd.Series, collector: Collector, first_row: int
                        ) -> pd.Series:
    texts = [v for v in pd.unique(values[values.notna()].to_numpy(dtype=object)) if type(v) is str]
    if not texts or not _SURROGATE.search("\n".join(texts)):
        return values
    hit = values.map(lambda v: type(v) is str and _SURROGATE.search(v) is not None).to_numpy(dtype=bool)
    positions = np.flatnonzero(hit)
    rows = (values.index[positions].to_numpy(dtype="int64") if values.index.name == SHEET_ROWS
            else positions + first_row)
    originals = values[hit]
    out = values.copy()
    out[hit] = [storable_text(v) for v in originals]
    collector.cells(table, pd.Index(rows), column, originals.to_numpy(dtype=object),
                    pd.Series([unstorable_reason(v) for v in originals], index=pd.Index(rows), dtype=object),
                    TEXT_CHANGED)
    return out


def set_rows(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """Number the rows as the user sees them (from ``first_row``) and drop the wholly blank ones.

    A frame whose index is named :data:`SHEET_ROWS` already holds the row numbers; they are kept.
    """
    if frame.index.name == SHEET_ROWS and pd.api.types.is_integer_dtype(frame.index.dtype):
        frame = frame.copy()
        frame.index = pd.Index(frame.index.to_numpy(dtype="int64"), name="row")
    else:
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
    decimal_comma = csv_hints(data)[1]
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
    rates, why = parse_numbers(frame["rate"], decimal_comma)
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
    decimal_comma = csv_hints(data)[1]
    if isinstance(data, Mapping):
        items = list(data.items())
        rows: list[int | None] = [None] * len(items)
    else:
        frame = as_frame("parameters", data, collector, first_row)
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
            parsed, why = parse_numbers(cell, decimal_comma)
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
            text = str(value).strip()
            if UNSTORABLE.search(text):  # listed as the readers of the tables list a text they change
                collector.records.append(pd.DataFrame({
                    "table": ["parameters"], "row": [row], "column": [key], "value": [display_value(text)],
                    "reason": [unstorable_reason(text)], "action": [TEXT_CHANGED], "customer_id": [None],
                    "amount": [np.nan]}, columns=EXCEPTION_COLUMNS))
                collector.problems.append(Problem("parameters", row, key, display_value(text), unstorable_reason(text)))
                text = storable_text(text)
            out[key] = text
    if "period_start" in out and "period_end" in out and out["period_end"] < out["period_start"]:
        fail_p = Problem("parameters", None, "period_end", str(out["period_end"].date()),
                         "is before period_start")
        collector.problems.append(fail_p)
        collector.fatal.append(fail_p)
    return out


# --------------------------------------------------------------------------------------------- CSV text

#: The delimiters a CSV file may use, in the order they are preferred when the header allows several.
CSV_DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: The encodings read when a file is not UTF-8: Excel's "CSV" on a Western European (Nordic,
#: English) or a Central European (Polish) Windows.
FALLBACK_ENCODINGS: tuple[str, ...] = ("cp1252", "cp1250")
#: Letters that tell the fallback encodings apart: the Nordic and Western letters Windows-1252
#: has where Windows-1250 has others, and the Polish letters of Windows-1250.
_LETTERS = {"cp1252": "æøåÆØÅäöÄÖüÜéèêëàâçñßœŒ", "cp1250": "ąćęłńśźżĄĆĘŁŃŚŹŻ"}
_ENCODING_HINT = "give the file's encoding (xlprofit … --encoding cp1252, or read(…, encoding='cp1252'))"
_DELIMITER_HINT = "give the delimiter (xlprofit … --delimiter ';', or read(…, delimiter=';'))"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: Undecodable bytes of a fallback encoding are read as the Latin-1 character of the same number
#: (a C1 control, which the readers then show as U+FFFD and list as text changed).
_LATIN1_OF_ESCAPES = {0xDC00 + b: b for b in range(0x80, 0x100)}
_ESCAPED = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written: its encoding (a Python codec name) and delimiter.

    A file with ``;`` between fields comes from a decimal-comma locale (Excel's "CSV" in the
    Nordic countries and Poland): its text numbers are read with a decimal comma.
    """

    encoding: str
    delimiter: str

    @property
    def decimal_comma(self) -> bool:
        """Whether text numbers are read with a decimal comma (``1234,50``)."""
        return self.delimiter == ";"


def _codec(name: str, file: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InputError(f"'{file}': unknown encoding '{name}' (for example utf-8, cp1252, cp1250, latin-1)") \
            from None


def _fallback(histogram: np.ndarray) -> str:
    """The fallback encoding whose distinctive letters the byte counts of a file hold most."""
    def score(codec: str) -> int:
        letters = _LETTERS[codec]
        return int(sum(histogram[b] for b in range(0x80, 0x100)
                       if bytes([b]).decode(codec, errors="replace") in letters))

    return max(FALLBACK_ENCODINGS, key=score)  # ties: the first, Windows-1252


def detect_encoding(chunks: Iterable[bytes], name: str, stated: str | None = None) -> str:
    """The encoding of a CSV file given as consecutive chunks of its bytes (read to the end).

    A byte-order mark decides; else UTF-8 when every byte sequence is valid UTF-8; else the
    fallback encoding (:data:`FALLBACK_ENCODINGS`) whose letters the file holds most. A
    ``stated`` encoding is checked instead (the whole file must decode).

    Raises
    ------
    InputError
        When the stated encoding does not decode the file, or the file holds NUL bytes
        without a byte-order mark (UTF-16 or a binary file): no encoding can be told.
    """
    it = iter(chunks)
    first = next(it, b"")
    if stated is not None:
        codec = _codec(stated, name)
        decoder = codecs.getincrementaldecoder(codec)()
        seen = 0
        try:
            for chunk in itertools.chain([first], it):
                decoder.decode(chunk)
                seen += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise InputError(f"'{name}' is not {stated} text (byte {seen + exc.start:,} cannot be read as {stated}); "
                             f"{_ENCODING_HINT}") from None
        return codec
    for bom, codec in _BOMS:
        if first.startswith(bom):
            return codec
    # Bytes counted from the first that is not UTF-8 on (a file in a code page breaks UTF-8 at its
    # first letter beyond ASCII): their letters tell the code pages apart.
    histogram = np.zeros(256, dtype="int64")
    utf8, nul, carry = True, False, b""
    for chunk in itertools.chain([first], it):
        nul = nul or b"\0" in chunk
        if utf8:
            if not carry and chunk.isascii():
                continue
            chunk, carry = carry + chunk, b""
            try:
                _, used = codecs.utf_8_decode(chunk, "strict", False)
                chunk, carry = b"", chunk[used:]  # an incomplete sequence at the chunk's end goes on
            except UnicodeDecodeError:
                utf8 = False
        histogram += np.bincount(np.frombuffer(chunk, dtype=np.uint8), minlength=256)
    if utf8 and carry:  # the file ends inside a sequence
        utf8 = False
        histogram += np.bincount(np.frombuffer(carry, dtype=np.uint8), minlength=256)
    if nul:
        raise InputError(f"cannot tell the encoding of '{name}': it holds NUL bytes (UTF-16 without a byte-order "
                         f"mark, or not a text file); save it as CSV UTF-8 or {_ENCODING_HINT}")
    return "utf-8" if utf8 else _fallback(histogram)


def decode_chunks(chunks: Iterable[bytes], codec: str, lenient: bool) -> Iterator[str]:
    """The text of consecutive chunks of a file's bytes in the encoding ``codec``.

    ``lenient`` (a fallback encoding the file was detected in): a byte the code page leaves
    undefined is read as the Latin-1 character of its number, a C1 control that the readers
    then show as U+FFFD and list as text changed. Otherwise every byte must decode.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="surrogateescape" if lenient else "strict")
    for chunk in itertools.chain(chunks, [b""]):
        text = decoder.decode(chunk, final=not chunk)
        if lenient and _ESCAPED.search(text):
            text = text.translate(_LATIN1_OF_ESCAPES)
        if text:
            yield text


def decode_csv(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file's bytes and the encoding it was read with (see :func:`detect_encoding`)."""
    codec = detect_encoding([data], name, encoding)
    if codec in FALLBACK_ENCODINGS and encoding is None:
        return "".join(decode_chunks([data], codec, lenient=True)), codec
    return data.decode(codec), codec


def _known_columns(table: str | None) -> set[str]:
    extra = {"parameters": {"name", "value"}, "fx": {"currency", "rate"}}
    if table in SCHEMAS:
        return {c.name for c in SCHEMAS[table]}
    if table in extra:
        return extra[table]
    return {c.name for t in TABLES if t in SCHEMAS for c in SCHEMAS[t]} | extra["parameters"] | extra["fx"]


def csv_delimiter(text: str, name: str, table: str | None = None, stated: str | None = None) -> str:
    """The delimiter of a CSV file, told from its header (the first record of ``text``).

    Each of :data:`CSV_DELIMITERS` splits the header; the one giving the most columns of the
    table (``table``: its schema; ``None``: any input table), then the most fields, wins.

    Raises
    ------
    InputError
        When two delimiters split the header equally well, or a stated delimiter is not one
        character.
    """
    if stated is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ","}.get(stated.lower(), stated)
        if len(delimiter) != 1 or delimiter in "\"\r\n":
            raise InputError(f"the delimiter must be one character other than a quote or a line break; "
                             f"got {stated!r}")
        return delimiter
    known = _known_columns(table)
    scores = {}
    for d in CSV_DELIMITERS:
        header = next(csv.reader(io.StringIO(text[:65536], newline=""), delimiter=d), [])
        scores[d] = (sum(snake_case(h) in known for h in header), len(header))
    best = max(scores.values())
    tied = [d for d, score in scores.items() if score == best]
    if best[1] > 1 and len(tied) > 1:
        shown = " or ".join(repr(d) for d in tied)
        raise InputError(f"cannot tell whether the fields of '{name}' are separated by {shown}; {_DELIMITER_HINT}")
    return tied[0]


def too_few_fields(found: int, header: int) -> str:
    """Why a CSV row with fewer fields than its header is rejected (every engine says it so)."""
    return f"has {found} field{'s' if found != 1 else ''}; the header has {header}"


def too_many_fields(header: int) -> str:
    """Why a CSV row with more fields than its header is rejected (every engine says it so)."""
    return f"has more fields than the header ({header})"


def csv_records(text: str, delimiter: str) -> Iterator[list[str]]:
    """The records of CSV text (RFC 4180: quoted fields may hold delimiters, quotes and line breaks).

    Empty lines are no records; every engine skips them alike.
    """
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # one field may be as long as the file
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
            if record:
                yield record
    finally:
        csv.field_size_limit(limit)


def _field_counts(text: str, delimiter: str) -> tuple[set[int], int]:
    """The numbers of fields the records have, and the number of records (without quotes, a line is one)."""
    if '"' not in text:
        counts = [line.count(delimiter) + 1 for line in _LINE_BREAK.split(text) if line]
    else:
        counts = [len(record) for record in csv_records(text, delimiter)]
    return set(counts), len(counts)


def _header_names(header: list[str]) -> list[str]:
    """Column names as pandas gives them: ``Unnamed: i`` for an empty header, ``x.1`` for a second ``x``."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        name = h if h.strip() else f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


def _frame_of_records(text: str, delimiter: str) -> pd.DataFrame:
    """Every record of the CSV text as a row (each cell text, empty cells None), rows of the wrong width listed."""
    records = csv_records(text, delimiter)
    header = _header_names(next(records, []))
    n = len(header)
    rows: list[list[str | None]] = []
    problems: dict[int, str] = {}
    for record in records:
        if len(record) != n and any(f.strip() for f in record):
            problems[len(rows)] = too_few_fields(len(record), n) if len(record) < n else too_many_fields(n)
        rows.append([f if f != "" else None for f in record[:n]] + [None] * (n - len(record)))
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else \
        pd.DataFrame({h: pd.Series(dtype=object) for h in header})
    frame.attrs[ROW_PROBLEMS] = problems
    return frame


def read_csv_table(data: bytes, name: str, table: str | None = None, *, encoding: str | None = None,
                   delimiter: str | None = None) -> pd.DataFrame:
    """One input table from the bytes of a CSV file: every cell as text, as typed (blank cells NaN).

    The encoding and the delimiter are detected unless given (:func:`detect_encoding`,
    :func:`csv_delimiter`). Rows with more or fewer fields than the header are kept in place
    (their cells are not to be read) and listed in ``attrs[ROW_PROBLEMS]``; the table's reader
    rejects them. A file of 0 bytes, or of blank lines only, is a table without columns.
    ``attrs[DECIMAL_COMMA]`` says whether the file's numbers use a decimal comma.
    """
    text, codec = decode_csv(data, name, encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return pd.DataFrame()
    dialect = CsvDialect(codec, csv_delimiter(text, name, table, delimiter))
    counts, records = _field_counts(text, dialect.delimiter)
    frame = None
    if len(counts) == 1:  # every record as wide as the header: pandas' own parser (Arrow text where it can)
        source: Any = io.BytesIO(data) if codec in ("utf-8", "utf-8-sig") else io.StringIO(text)
        try:
            frame = pd.read_csv(source, sep=dialect.delimiter, dtype=str, keep_default_na=False, na_values=[""],
                                encoding="utf-8-sig" if codec in ("utf-8", "utf-8-sig") else None,
                                engine="c", quotechar='"')
        except (pd.errors.ParserError, ValueError):
            frame = None
        if frame is not None and len(frame) != records - 1:
            frame = None  # pandas skipped or split a record differently (a line of spaces): read record by record
        if frame is not None:
            frame.attrs[ROW_PROBLEMS] = {}
    if frame is None:
        frame = _frame_of_records(text, dialect.delimiter)
    frame.attrs[DECIMAL_COMMA] = dialect.decimal_comma
    return frame


def csv_hints(data: Any) -> tuple[dict[int, str], bool]:
    """What a CSV reader found about a table: its rows of the wrong width, and whether numbers use a decimal comma."""
    attrs = getattr(data, "attrs", None) or {}
    return dict(attrs.get(ROW_PROBLEMS) or {}), bool(attrs.get(DECIMAL_COMMA, False))
