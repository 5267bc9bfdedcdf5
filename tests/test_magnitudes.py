"""Magnitudes: amounts and quantities no sum can hold are rejected, never wrapped.

The bounds are defined and justified in :mod:`xlprofit.core.money`: an amount, rounded to the
cent, below ``MAX_AMOUNT`` = 1e13 in magnitude (cents below 2**53, exact in float64); a
quantity or driver volume at most ``MAX_QUANTITY`` = 1e12; the amounts of one money column
adding up to less than ``MAX_TOTAL_CENTS`` = 2**53 cents. Before this, a ``net_revenue`` of
1e20 showed as −92,233,720,368,547,760.00 in the Exceptions and the Reconciliation (a wrapped
``int64``) while the check "held", and a ``quantity`` of 1e308 ended the run with an
``OverflowError`` in the costing.

No tolerance is used: money is compared in cents, and the engines must give the pandas
path's exceptions exactly.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlprofit
from tests.conftest import small_tables
from xlprofit.core.money import (
    AMOUNT_OUT_OF_RANGE,
    MAX_AMOUNT,
    MAX_QUANTITY,
    MAX_TOTAL_CENTS,
    QUANTITY_OUT_OF_RANGE,
    TOTAL_OUT_OF_RANGE,
    amount_out_of_range,
    quantity_out_of_range,
    round_half_away,
    to_cents,
)
from xlprofit.core.parsing import MAX_SERIAL, parse_dates, parse_numbers
from xlprofit.core.schema import SCHEMAS
from xlprofit.errors import ArgumentError, ValidationError

# The cells the property writes into: (table, column, row index) of small_tables().
_CELLS = (
    [("transactions", c, i) for c in ("net_revenue", "cogs", "quantity", "gross_revenue", "written_off")
     for i in range(8)]
    + [("usage", "quantity", i) for i in range(3)]
    + [("activities", "cost", 3)]  # 'Credit control', the conventional activity
    + [("activities", "unit_time", i) for i in (1, 2)]
    + [("resources", c, i) for c in ("cost", "capacity") for i in range(3)]
    + [("customers", c, i) for c in ("acquisition_cost", "payment_days") for i in range(3)]
)
# The extremes of the issue and the edges of the bounds, as numbers and as text.
_EXTREMES = [1e308, -1e308, 1e20, -1e20, 1e13, -1e13, 1e13 - 0.01, -(1e13 - 0.01), 9_999_999_999_999.995,
             MAX_QUANTITY, MAX_QUANTITY * (1 + 1e-15), 2.0**63 / 100, 5e-324, 1e-300, -0.0, 0.004, "inf", "-inf",
             "nan", "1e20", "-1e308", "1e13", "9999999999999.99", "-0"]
_VALUES = st.one_of(st.sampled_from(_EXTREMES), st.floats(allow_nan=True, allow_infinity=True))
_COLUMNS = {table: {c.name: c for c in SCHEMAS[table]} for table in SCHEMAS}


def _write(tables: dict, edits: list[tuple[tuple[str, str, int], object]]) -> dict:
    for (table, column, row), value in edits:
        frame = tables[table]
        frame[column] = frame[column].astype(object) if column in frame else None
        frame.loc[row, column] = value
    return tables


def _analyse(tables: dict) -> xlprofit.Analysis | None:
    """The analysis, or None when a table is unusable as a whole (the only error allowed)."""
    try:
        dataset = xlprofit.Dataset(**tables)
    except ValidationError:
        return None
    try:
        return xlprofit.analyze(dataset)
    except ValidationError:  # a rejected cost pool: fatal unless an incomplete analysis is accepted
        return xlprofit.analyze(dataset, allow_incomplete=True)


def _incomplete(result: xlprofit.Analysis) -> bool:
    """Whether cost pools were excluded (an incomplete analysis states an unreadable cost as unknown, NaN)."""
    return bool(len(result.exceptions[result.exceptions["table"].isin(["activities", "resources"])
                                      & (result.exceptions["action"] == "rejected")]))


def _check(result: xlprofit.Analysis, name: str) -> pd.Series:
    rec = result.reconciliation
    row = rec[rec["check"].str.startswith(name)]
    assert len(row) == 1, name
    return row.iloc[0]


def _assert_sane(result: xlprofit.Analysis) -> None:
    """No number beyond the bounds in the reconciliation and the exceptions; no infinity anywhere."""
    numbers = result.reconciliation[["expected", "actual", "difference"]].to_numpy(dtype="float64")
    assert not np.isinf(numbers).any(), result.reconciliation
    assert np.isfinite(numbers).all() or _incomplete(result), result.reconciliation
    assert (np.abs(numbers[~np.isnan(numbers)]) < MAX_TOTAL_CENTS / 100).all(), result.reconciliation
    amounts = pd.to_numeric(result.exceptions["amount"], errors="coerce").to_numpy(dtype="float64")
    assert not np.isinf(amounts).any()
    assert (np.abs(amounts[~np.isnan(amounts)]) < MAX_AMOUNT).all(), result.exceptions
    for name in ("customers", "activities", "resources"):
        table = getattr(result, name).select_dtypes("number").to_numpy(dtype="float64")
        assert not np.isinf(table).any(), name
    # The rejected lines are reconciled: input = P&L + rejected + excluded, to the cent and the line.
    assert _check(result, "Net revenue: input")["holds"]
    assert _check(result, "Invoice lines: input")["holds"]


def _out_of_range(table: str, column: str, value: object) -> bool:
    """Whether the value, read as the input reader reads it, is a number beyond the column's range."""
    parsed, why = parse_numbers(pd.Series([value], dtype=object))
    if pd.notna(why.iloc[0]) or pd.isna(parsed.iloc[0]):
        return False
    return bool(_COLUMNS[table][column].out_of_range(parsed)[0])


# ------------------------------------------------------------------------------------------ property


@settings(max_examples=50, deadline=None, derandomize=True)
@given(edits=st.lists(st.tuples(st.sampled_from(_CELLS), _VALUES), min_size=1, max_size=3))
def test_extreme_values_are_rejected_never_wrapped_and_everything_still_ties(edits):
    """Property: whatever magnitudes sit in the input, analyze rejects what is out of range, lists it
    as read, and every figure it shows stays finite, within the bounds, and reconciled."""
    result = _analyse(_write(small_tables(), edits))
    if result is None:
        return
    _assert_sane(result)
    final = {cell: value for cell, value in edits}  # the last edit of a cell is what it holds
    listed = result.exceptions
    for (table, column, row), value in final.items():
        if not _out_of_range(table, column, value):
            continue
        found = listed[(listed["table"] == table) & (listed["row"] == row + 2) & (listed["column"] == column)]
        assert len(found) >= 1, (table, column, row, value)
        shown = found["value"].iloc[0]
        assert shown == value or (isinstance(value, float) and float(shown) == value), (shown, value)  # as read
        assert found["reason"].iloc[0].startswith(("is out of range", "must be")), found["reason"].iloc[0]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_to_cents_never_wraps(value):
    """Property: a float becomes its cents, or an ArgumentError — never a wrapped int64."""
    cents = round_half_away(value * 100.0) if math.isfinite(value) else math.nan
    if math.isfinite(cents) and abs(cents) < 2.0**63:
        assert int(to_cents(value)) == int(cents)
    else:
        with pytest.raises(ArgumentError):
            to_cents(np.array([1.0, value]))


# ------------------------------------------------------------------------------------------ explicit


def test_a_net_revenue_of_1e20_is_rejected_shown_as_read_and_the_check_holds_with_sane_numbers():
    tables = _write(small_tables(), [(("transactions", "net_revenue", 1), 1e20)])
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    row = result.exceptions[(result.exceptions["table"] == "transactions") & (result.exceptions["row"] == 3)]
    assert row["column"].tolist() == ["net_revenue"]
    assert row["reason"].iloc[0] == AMOUNT_OUT_OF_RANGE == "is out of range (at most ±9,999,999,999,999.99)"
    assert row["value"].iloc[0] == 1e20  # as read, not −92,233,720,368,547,760.00
    assert np.isnan(row["amount"].iloc[0])  # no amount in range to carry into the reconciliation
    net = _check(result, "Net revenue: input")
    # Input: the seven readable lines of small_tables(), 2,800.00 − 200.00 (the line replaced);
    # the line with 1e20 counts as a line without a readable amount.
    assert net["holds"] and net["expected"] == net["actual"] == 2_600.00
    assert "1 line(s)" in net["detail"]
    lines = _check(result, "Invoice lines: input")
    assert lines["holds"] and lines["expected"] == 8
    _assert_sane(result)


def test_the_largest_amount_is_accepted_and_the_next_cent_is_not():
    tables = _write(small_tables(), [(("transactions", "net_revenue", 1), 9_999_999_999_999.99),
                                     (("transactions", "gross_revenue", 1), None),
                                     (("transactions", "discount", 1), None),
                                     (("transactions", "cogs", 2), "10000000000000.00")])
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    listed = result.exceptions
    assert not ((listed["row"] == 3) & (listed["table"] == "transactions")).any()
    cogs = listed[(listed["row"] == 4) & (listed["column"] == "cogs")]
    assert cogs["reason"].tolist() == [AMOUNT_OUT_OF_RANGE] and cogs["value"].tolist() == ["10000000000000.00"]
    assert cogs["amount"].tolist() == [300.0]  # the line's net revenue, as read
    # 9,999,999,999,999.99 + the other lines' 2,300.00 (2,800.00 − the 200.00 replaced − the 300.00 rejected)
    assert int(to_cents(result.customers["net_revenue"]).sum()) == 999_999_999_999_999 + 230_000
    _assert_sane(result)


def test_a_quantity_of_1e308_is_rejected_without_overflow():
    """Before: OverflowError in core/costing.py (the minutes of a time-driven activity became infinite)."""
    tables = small_tables()
    tables["activities"].loc[1, "driver"] = "units"  # Picking: 2 minutes per unit sold
    tables = _write(tables, [(("transactions", "quantity", 1), 1e308), (("usage", "quantity", 0), 1e308),
                             (("usage", "quantity", 1), "-1e308")])
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    listed = result.exceptions.set_index(["table", "row", "column"])
    assert listed.loc[("transactions", 3, "quantity"), "reason"] == QUANTITY_OUT_OF_RANGE
    assert listed.loc[("transactions", 3, "quantity"), "value"] == 1e308
    assert listed.loc[("usage", 2, "quantity"), "reason"] == QUANTITY_OUT_OF_RANGE
    assert listed.loc[("usage", 3, "quantity"), "reason"] == "must be ≥ 0"  # the minimum first, as for any cell
    assert result.checks_hold
    picking = result.activities.set_index("activity").loc["Picking"]
    # 2 minutes per unit of the seven lines left: quantities 1, 3, 4, 5, 6, 7, 1 (the 2 became 1e308).
    assert picking["minutes"] == 2 * (1 + 3 + 4 + 5 + 6 + 7 + 1)
    _assert_sane(result)


@pytest.mark.parametrize(("table", "column", "row", "value", "reason"), [
    ("resources", "capacity", 0, 1e-300, "is out of range (between 1e-12 and 1,000,000,000,000 minutes)"),
    ("resources", "capacity", 0, 1e13, "is out of range (between 1e-12 and 1,000,000,000,000 minutes)"),
    ("resources", "cost", 1, "1e20", AMOUNT_OUT_OF_RANGE),
    ("activities", "cost", 3, 1e13, AMOUNT_OUT_OF_RANGE),
    ("activities", "unit_time", 1, 1e13, QUANTITY_OUT_OF_RANGE),
    ("activities", "time_equation", 0, "1e13*lines",
     "is out of range (at most ±1,000,000,000,000 minutes per unit)"),
    ("customers", "acquisition_cost", 0, -1e20, "must be ≥ 0"),
    ("customers", "acquisition_cost", 0, 1e20, AMOUNT_OUT_OF_RANGE),
    ("customers", "payment_days", 0, 1e9, "is out of range (at most 36,525 days)"),
])
def test_every_table_rejects_magnitudes_out_of_range(table, column, row, value, reason):
    tables = _write(small_tables(), [((table, column, row), value)])
    dataset = xlprofit.Dataset(**tables)
    found = dataset.exceptions[(dataset.exceptions["table"] == table) & (dataset.exceptions["column"] == column)]
    assert found["reason"].tolist() == [reason]
    assert found["value"].iloc[0] == value
    assert not np.isinf(pd.to_numeric(found["amount"]).to_numpy(dtype="float64")).any()
    result = _analyse(tables)
    assert result is not None
    _assert_sane(result)


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("payment_days", 1e9, "is out of range (at most 36,525 days)"),
    ("clv_horizon_years", 1e308, "is out of range (at most 100 years)"),
])
def test_number_parameters_out_of_range_are_fatal(name, value, reason):
    tables = small_tables()
    tables["parameters"] = {**tables["parameters"], name: value}
    with pytest.raises(ValidationError) as caught:
        xlprofit.Dataset(**tables)
    assert [(p.column, p.reason) for p in caught.value.problems] == [(name, reason)]


def test_a_payment_more_than_a_century_from_the_invoice_is_rejected():
    """paid_on − date beyond 292 years overflowed pandas' nanosecond time deltas (OverflowError)."""
    tables = small_tables()
    tables["transactions"]["paid_on"] = None
    tables = _write(tables, [(("transactions", "date", 1), "1700-01-05"),
                             (("transactions", "paid_on", 1), "2262-01-05"),
                             (("transactions", "paid_on", 2), "2024-03-10"),
                             # B's other line paid after 29 days too (2024-04-01 → 04-30): the
                             # returned line above is credited (returns="credit"), this one counts.
                             (("transactions", "paid_on", 3), "2024-04-30")])
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    late = result.exceptions[result.exceptions["column"] == "paid_on"]
    assert late["row"].tolist() == [3]
    assert late["reason"].tolist() == ["is out of range (at most 36,525 days from date)"]
    assert result.customers.loc["B", "payment_days"] == 29  # the line paid on time still counts
    _assert_sane(result)


def test_excel_serial_numbers_beyond_the_last_date_are_out_of_range_not_a_crash():
    dates, why = parse_dates(pd.Series([MAX_SERIAL, MAX_SERIAL + 1, 2_958_465.0, 1e308], dtype="float64"))
    assert dates.iloc[0] == pd.Timestamp("2262-04-11")
    assert dates.iloc[1:].isna().all() and why.iloc[1:].str.startswith("is out of range").all()


def test_amounts_adding_up_beyond_exact_cents_are_refused_as_a_whole():
    """Every amount is in range, but ten of the largest add up beyond 2**53 cents: no sum could be exact."""
    tables = small_tables()
    lines = pd.concat([tables["transactions"]] * 2, ignore_index=True).drop(columns=["gross_revenue", "discount"])
    tables["transactions"] = lines.assign(net_revenue=9e12)
    with pytest.raises(ValidationError) as caught:
        xlprofit.Dataset(**tables)
    problems = {(p.table, p.column, p.reason) for p in caught.value.problems}
    assert ("transactions", "net_revenue", TOTAL_OUT_OF_RANGE) in problems
    assert 16 * 9e12 * 100 >= MAX_TOTAL_CENTS > 9 * 9e12 * 100  # ten lines would do, nine would not


# ------------------------------------------------------------------------------------------ engines

def _folder(tmp: Path, tables: dict) -> Path:
    for name in ("customers", "transactions", "activities", "resources", "usage", "fx"):
        if name in tables:
            tables[name].to_csv(tmp / f"{name}.csv", index=False)
    pd.DataFrame(list(tables["parameters"].items()), columns=["name", "value"]).to_csv(tmp / "parameters.csv",
                                                                                    index=False)
    return tmp


def _norm(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object).where(frame.notna(), None)
    out = out.sort_values(list(out.columns), key=lambda column: column.astype(str), kind="stable")
    return out.reset_index(drop=True)


def _assert_same(expected: xlprofit.Analysis, actual: xlprofit.Analysis) -> None:
    pd.testing.assert_frame_equal(_norm(expected.exceptions), _norm(actual.exceptions))
    for name in ("reconciliation", "customers", "activities", "resources"):
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(actual, name), check_exact=True, obj=name)


def _with_fx(tables: dict) -> dict:
    tables["transactions"]["currency"] = ["EUR", "USD", "USD", "EUR", "USD", "EUR", "EUR", "EUR"]
    tables["fx"] = pd.DataFrame({"currency": ["USD"], "rate": [10_000.0]})
    return tables


_ENGINE_CASES = {  # name: edits (the "edges" are all in range)
    "amounts": [(("transactions", "net_revenue", 1), 1e20), (("transactions", "cogs", 2), "-1e13"),
                (("transactions", "written_off", 3), -1e20), (("transactions", "written_off", 4), "1e20"),
                (("transactions", "net_revenue", 5), "inf")],
    "edges": [(("transactions", "net_revenue", 1), 9_999_999_999_999.99), (("transactions", "gross_revenue", 1), None),
              (("transactions", "discount", 1), None), (("transactions", "rebate", 2), 9_999_999_999_999.995),
              (("transactions", "cogs", 3), "-0"), (("transactions", "cogs", 4), 5e-324)],
    "quantities": [(("transactions", "quantity", 1), 1e308), (("transactions", "quantity", 2), "1000000000000"),
                   (("usage", "quantity", 0), "1e308"), (("usage", "quantity", 1), 1e12 + 1)],
    "dates": [(("transactions", "date", 1), 200_000), (("transactions", "paid_on", 2), "2262-01-01"),
              (("transactions", "date", 2), "1700-01-01")],
    "converted": [(("transactions", "net_revenue", 1), 9e12), (("transactions", "cogs", 2), 2e9)],
}


@pytest.mark.parametrize("lines_as", ["csv", "parquet"])
@pytest.mark.parametrize("case", list(_ENGINE_CASES))
def test_duckdb_rejects_the_same_cells_as_pandas(case, lines_as, tmp_path):
    tables = small_tables()
    if case == "converted":
        tables = _with_fx(tables)
    tables = _write(tables, _ENGINE_CASES[case])
    folder = _folder(tmp_path, tables)
    if lines_as == "parquet":  # typed columns: numbers read by the engine itself, not as text
        lines = pd.read_csv(folder / "transactions.csv")
        (folder / "transactions.csv").unlink()
        lines.to_parquet(folder / "transactions.parquet", index=False)
    from xlprofit.engines import read_folder

    expected = xlprofit.analyze(read_folder(folder, engine="pandas"))
    actual = xlprofit.analyze(read_folder(folder, engine="duckdb"))
    _assert_same(expected, actual)
    _assert_sane(actual)
    assert (actual.exceptions["reason"].str.contains("out of range")).any() == (case != "edges")


def test_duckdb_refuses_amounts_adding_up_beyond_exact_cents_like_pandas(tmp_path):
    tables = small_tables()
    lines = pd.concat([tables["transactions"]] * 2, ignore_index=True).drop(columns=["gross_revenue", "discount"])
    tables["transactions"] = lines.assign(net_revenue=9e12)
    folder = _folder(tmp_path, tables)
    from xlprofit.engines import read_folder

    found = []
    for engine in ("pandas", "duckdb"):
        with pytest.raises(ValidationError) as caught:
            xlprofit.analyze(read_folder(folder, engine=engine))
        found.append([(p.table, p.column, p.reason) for p in caught.value.problems])
    assert found[0] == found[1] and ("transactions", "net_revenue", TOTAL_OUT_OF_RANGE) in found[1]


@settings(max_examples=50, deadline=None, derandomize=True)
@given(values=st.lists(st.one_of(st.floats(allow_nan=False), st.sampled_from(_EXTREMES[:16])), min_size=1,
                       max_size=40))
def test_the_sql_range_tests_are_the_python_ones(values):
    """The engines' SQL is written from the Python constants: both give the same answer for any double."""
    from xlprofit.engines._cells import amount_out_of_range as amount_sql
    from xlprofit.engines._cells import quantity_out_of_range as quantity_sql

    x = np.asarray(values, dtype="float64")
    con = duckdb.connect()
    try:
        con.register("v", pd.DataFrame({"i": np.arange(len(x)), "x": x}))
        got = con.sql(f"SELECT {amount_sql('x')} AS a, {quantity_sql('x')} AS q FROM v ORDER BY i").df()
    finally:
        con.close()
    assert got["a"].tolist() == amount_out_of_range(x).tolist()
    assert got["q"].tolist() == quantity_out_of_range(x).tolist()


def test_spark_rejects_the_same_cells_as_pandas(tmp_path):
    """One small case on Spark (its queries are slow): amounts, a quantity and a conversion out of range."""
    from tests.test_engines import _spark_or_skip
    from xlprofit.engines import read_folder

    spark = _spark_or_skip()
    try:
        spark.sparkContext.setLogLevel("ERROR")
        tables = _write(_with_fx(small_tables()), _ENGINE_CASES["amounts"][:2] + _ENGINE_CASES["quantities"][:3]
                        + [(("transactions", "cogs", 4), 2e9)])
        folder = _folder(tmp_path, tables)
        expected = xlprofit.analyze(read_folder(folder, engine="pandas"))
        actual = xlprofit.analyze(read_folder(folder, engine="spark", spark=spark))
        _assert_same(expected, actual)
        _assert_sane(actual)
    finally:
        spark.stop()
