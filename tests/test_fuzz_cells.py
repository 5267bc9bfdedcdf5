"""Fuzzing the cells of the input: any value in any cell, through ``read`` → ``analyze`` → ``write_report`` (issue 17).

A few cells of the small dataset are replaced by values drawn from everything a cell can hold:
any Unicode text (non-characters, controls, surrogates, right-to-left marks, very long text,
formula-like text), any float (±inf, NaN, subnormals, ±0, the largest doubles), any date
(year 1 to 9999) and booleans, put into any column whatever its type. The tables then reach the
analysis as a user gives them: a folder of CSV files (UTF-8, where the text can be encoded) or
Parquet files read by the pandas or the DuckDB engine, or DataFrames given to the Python API.

Whatever the values, a run either refuses the input with a bad-input error (``InputError``)
that names what is wrong, or writes a report whose every XML part parses and whose
reconciliation holds: no exception of another kind, no corrupt workbook, no wrong green check.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlprofit
from tests import hostile_corpus as corpus
from xlprofit.core.parsing import DATE_OUT_OF_RANGE
from xlprofit.errors import InputError

#: The cells the fuzz may change: every column of every table (the key columns too).
COLUMNS = {name: list(frame.columns) for name, frame in corpus.base_tables().items() if name != "parameters"}

#: Text that has broken readers and writers before, mixed into the drawn text.
NASTY = ("\ufffe", "\uffff", "\U0010ffff", "\x00", "\x1b", "\x85", "\u202e", "\ud800", "=1+1", "@SUM(A1)",
         "-", "'", '"', "\r\n", "\r", "\t", ";", ",", " ", "NaN", "inf", "1e309", "0x1F", "2024-02-30",
         "\U0001f600" * 300)

texts = st.one_of(st.text(max_size=40), st.sampled_from(NASTY),
                  st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map("".join))
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
                   st.sampled_from([math.inf, -math.inf, math.nan, 5e-324, -0.0, 1.7976931348623157e308, 1e15,
                                    0.1 + 0.2, -1e-300]))
dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
values = st.one_of(texts, floats, dates, st.booleans(), st.none(), st.integers(-(2**70), 2**70))


@st.composite
def changes(draw: st.DrawFn) -> list[tuple[str, str, int, Any]]:
    """One to four cells of the small dataset and the value each is given."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        table = draw(st.sampled_from(sorted(COLUMNS)))
        column = draw(st.sampled_from(COLUMNS[table]))
        rows = len(corpus.base_tables()[table])
        out.append((table, column, draw(st.integers(0, rows - 1)), draw(values)))
    return out


def _tables(cells: list[tuple[str, str, int, Any]]) -> dict[str, pd.DataFrame]:
    tables = corpus.base_tables()
    for table, column, row, value in cells:
        frame = tables[table]
        frame[column] = frame[column].astype(object)
        frame.at[row, column] = value
    return tables


def _typed_column(values: pd.Series) -> pd.Series:
    """A column Parquet can store: the other cells converted to the type of the value drawn into it
    (dates to dates, text numbers to numbers) where they convert, else every cell as text."""
    present = values.dropna()
    kinds = Counter(type(v).__name__ for v in present)
    if len(kinds) <= 1:
        return values
    drawn = next(v for v in present if kinds[type(v).__name__] == min(kinds.values()))
    try:
        if isinstance(drawn, dt.date):
            return values.map(lambda v: v if v is None or isinstance(v, dt.date) else pd.Timestamp(v).date())
        if isinstance(drawn, float):
            return values.map(lambda v: v if v is None else float(v))
    except (ValueError, TypeError, OverflowError):
        pass
    return values.map(lambda v: v if v is None else str(v))


def _as_files(tables: dict[str, pd.DataFrame], folder: Path, fmt: str) -> bool:
    """Write the tables as ``fmt`` files; False when that format cannot hold the values drawn."""
    folder.mkdir()
    for name, frame in tables.items():
        try:
            if fmt == "parquet":
                frame = frame.apply(_typed_column)
                frame.to_parquet(folder / f"{name}.parquet", index=False)
            else:
                frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
        except (pa.ArrowException, UnicodeEncodeError, ValueError, TypeError, OverflowError):
            return False
    return True


#: Examples per run: enough to meet every kind of value each run (hypothesis keeps the failures it
#: found in its database and tries them first); more for a longer hunt: XLP_FUZZ_EXAMPLES=1000.
EXAMPLES = int(os.environ.get("XLP_FUZZ_EXAMPLES", "40"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=changes(), fmt=st.sampled_from(["csv", "parquet", "api"]), engine=st.sampled_from(["pandas", "duckdb"]))
def test_any_cell_value_is_refused_clearly_or_reported_in_a_valid_workbook(cells, fmt, engine):
    tables = _tables(cells)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "input"
        try:
            if fmt != "api" and _as_files(tables, folder, fmt):
                ds = xlprofit.read(folder, engine=engine)
            else:
                params = dict(zip(tables["parameters"]["name"], tables["parameters"]["value"], strict=True))
                ds = xlprofit.Dataset(**{k: v for k, v in tables.items() if k != "parameters"}, parameters=params)
            result = xlprofit.analyze(ds)
        except InputError as exc:  # refused: a message naming what is wrong, never an empty one
            assert str(exc).strip()
            return
        assert result.checks_hold, result.reconciliation[~result.reconciliation["holds"]].to_dict("records")
        path = Path(tmp) / "report.xlsx"
        xlprofit.write_report(result, path)
        assert corpus.xml_parts_parse(path) == []


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308, "\ud800\uffff"])
@pytest.mark.parametrize("column", ["net_revenue", "cogs", "quantity", "product_id", "date"])
def test_extreme_values_in_the_invoice_lines(value, column, tmp_path):
    """The values that most often break arithmetic and XML, in every line column that carries money or text."""
    tables = _tables([("transactions", column, 2, value)])
    params = dict(zip(tables["parameters"]["name"], tables["parameters"]["value"], strict=True))
    result = xlprofit.analyze(xlprofit.Dataset(**{k: v for k, v in tables.items() if k != "parameters"},
                                               parameters=params))
    assert result.checks_hold
    xlprofit.write_report(result, tmp_path / "report.xlsx")
    assert corpus.xml_parts_parse(tmp_path / "report.xlsx") == []


@pytest.mark.parametrize("value", [dt.date(1, 1, 1), dt.date(1677, 9, 21), dt.date(2263, 1, 1),
                                   dt.datetime(9999, 12, 31, 23, 59)])
def test_dates_beyond_the_dates_held_are_rejected_alike(value, tmp_path):
    """Found by the fuzz: a Parquet date (or a date given to the API) before 1677-09-22 or after
    2262-04-11 stopped the pandas path with OutOfBoundsDatetime, and DuckDB called it outside the period."""
    tables = _tables([("transactions", "date", 2, value)])
    assert _as_files(tables, tmp_path / "input", "parquet")
    found = []
    for engine in ("pandas", "duckdb"):
        result = xlprofit.analyze(xlprofit.read(tmp_path / "input", engine=engine))
        assert result.checks_hold
        found.append(result.exceptions[["table", "row", "column", "reason", "action"]].to_dict("records"))
    params = dict(zip(tables["parameters"]["name"], tables["parameters"]["value"], strict=True))
    api = xlprofit.analyze(xlprofit.Dataset(**{k: v for k, v in tables.items() if k != "parameters"},
                                            parameters=params))
    found.append(api.exceptions[["table", "row", "column", "reason", "action"]].to_dict("records"))
    assert found[0] == found[1] == found[2] == [
        {"table": "transactions", "row": 4, "column": "date", "reason": DATE_OUT_OF_RANGE, "action": "rejected"}]
