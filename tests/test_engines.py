"""Large-ledger engines: DuckDB and Spark give the pandas path's analysis, to the cent.

The reference is the pandas path on the same input (``Dataset`` over the same tables). The
engines must reproduce it exactly: every table of ``analyze`` compared with
``assert_frame_equal(check_exact=True)``, the exceptions as a set of rows. No tolerance is
used anywhere: money is summed in integer cents and counts are integers, so the only
acceptable difference is none.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlprofit
from xlprofit.core.periods import Periods
from xlprofit.data.synthetic import generate, write_tables
from xlprofit.engines import _sql, open_lines, read_folder
from xlprofit.errors import ArgumentError, ValidationError

pytest.importorskip("duckdb")

N_LINES = 200_000
N_CUSTOMERS = 5_000
SEED = 7
COMPARED = ("customers", "activities", "resources", "trend", "orders", "products", "reconciliation", "clv",
            "segments", "period_totals", "kpis")


def _norm_exceptions(frame: pd.DataFrame) -> pd.DataFrame:
    """Exceptions as a set of rows: order-free, missing values as None."""
    out = frame.astype(object).where(frame.notna(), None)
    out = out.sort_values(list(out.columns), key=lambda column: column.astype(str), kind="stable")
    return out.reset_index(drop=True)


def _assert_same_analysis(expected: xlprofit.Analysis, actual: xlprofit.Analysis) -> None:
    for name in COMPARED:
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(actual, name), check_exact=True,
                                      obj=name)
    pd.testing.assert_frame_equal(_norm_exceptions(expected.exceptions), _norm_exceptions(actual.exceptions))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate(N_CUSTOMERS, N_LINES, seed=SEED)


@pytest.fixture(scope="module")
def reference(tables) -> xlprofit.Analysis:
    return xlprofit.analyze(xlprofit.Dataset(**tables))


def _folder(tmp: Path, tables: dict[str, pd.DataFrame], lines_as: str) -> Path:
    write_tables(tables, tmp)
    if lines_as == "parquet":
        for gz in tmp.glob("transactions.csv*"):
            gz.unlink()
        tables["transactions"].to_parquet(tmp / "transactions.parquet", index=False)
    return tmp


@pytest.fixture(scope="module")
def parquet_folder(tables, tmp_path_factory) -> Path:
    return _folder(tmp_path_factory.mktemp("parquet"), tables, "parquet")


@pytest.fixture(scope="module")
def csv_folder(tables, tmp_path_factory) -> Path:
    return _folder(tmp_path_factory.mktemp("csv"), tables, "csv")


def test_duckdb_on_parquet_gives_the_pandas_analysis_to_the_cent(reference, parquet_folder):
    ds = read_folder(parquet_folder, engine="duckdb")
    assert type(ds.lines).__name__ == "DuckDBLines"
    result = xlprofit.analyze(ds)
    assert result.checks_hold
    _assert_same_analysis(reference, result)


def test_duckdb_on_csv_gives_the_pandas_analysis_to_the_cent(reference, csv_folder):
    result = xlprofit.analyze(read_folder(csv_folder, engine="duckdb"))
    _assert_same_analysis(reference, result)


def test_pandas_engine_of_read_folder_is_the_reference(reference, csv_folder):
    _assert_same_analysis(reference, xlprofit.analyze(read_folder(csv_folder, engine="pandas")))


def test_several_files_sum_like_one_and_name_their_file(tables, reference, tmp_path):
    folder = _folder(tmp_path, tables, "csv")
    for f in folder.glob("transactions.csv*"):
        f.unlink()
    (folder / "transactions").mkdir()
    lines = tables["transactions"]
    half = len(lines) // 2
    lines.iloc[:half].to_parquet(folder / "transactions" / "a.parquet", index=False)
    bad = lines.iloc[half:].copy()
    bad["customer_id"] = bad["customer_id"].astype(object)
    bad.iloc[0, bad.columns.get_loc("customer_id")] = "GHOST"
    bad.to_parquet(folder / "transactions" / "b.parquet", index=False)
    result = xlprofit.analyze(read_folder(folder, engine="duckdb"))
    ghost = result.exceptions[result.exceptions["value"] == "GHOST"]
    # The first line of b.parquet is row 2 of that file (header = row 1).
    assert ghost[["table", "row", "reason"]].values.tolist() == [
        ["transactions (b.parquet)", 2, "is not in the customers table"]]
    assert result.checks_hold
    kept = reference.customers["net_revenue"].sum() - lines.iloc[half]["net_revenue"]
    assert round(result.customers["net_revenue"].sum(), 2) == round(kept, 2)


# ------------------------------------------------------------------------------------------ bad lines

_BAD_CELLS = [  # (line index, column, text) — each must be counted and listed, not dropped
    (10, "customer_id", "NOBODY"),
    (20, "date", "2024-13-45"),
    (30, "quantity", "three"),
    (40, "net_revenue", "1 234,50"),  # readable: a grouped number with a decimal comma
    (50, "date", "05.01.2024"),  # readable: dd.mm.yyyy
    (60, "date", "45300"),
    (70, "written_off", "-5"),
    (80, "returned", "maybe"),
    (90, "gross_revenue", "999999"),
    (100, "customer_id", " C0001 "),  # readable: spaces around an id
    (110, "net_revenue", "n/a"),
    (120, "cogs", "(12.50)"),  # readable: accounting negative
    (130, "quantity", "1,234"),  # ambiguous
    (140, "paid_on", "soon"),
    (150, "date", "2024-02-30"),
    (160, "customer_id", ""),
    (170, "net_revenue", "12.345"),
    (180, "returned", "ja"),
]


@pytest.fixture(scope="module")
def bad_ledger(tables, tmp_path_factory):
    return _bad_ledger(tables, tmp_path_factory.mktemp("bad"), 997)


@pytest.fixture(scope="module")
def small_bad_ledger(tmp_path_factory):
    """The bad cells of ``bad_ledger`` in a ledger of 30,000 lines (for Spark, whose queries cost more)."""
    return _bad_ledger(generate(1_000, 30_000, seed=SEED), tmp_path_factory.mktemp("small_bad"), 97)


def _bad_ledger(tables: dict, tmp: Path, line_step: int) -> tuple[Path, xlprofit.Dataset]:
    """The tables as CSV files with the bad cells of ``_BAD_CELLS`` (every ``line_step`` lines) and ``_BAD_USAGE``."""
    folder = _folder(tmp, tables, "csv")
    raw = pd.read_csv(next(folder.glob("transactions.csv*")), dtype=str, keep_default_na=False, na_values=[""])
    for i, column, text in _BAD_CELLS:
        raw.loc[i * line_step, column] = text
    for f in folder.glob("transactions.csv*"):
        f.unlink()
    raw.to_csv(folder / "transactions.csv", index=False)
    reread = pd.read_csv(folder / "transactions.csv", dtype=str, keep_default_na=False, na_values=[""])
    usage = pd.read_csv(next(folder.glob("usage.csv*")), dtype=str, keep_default_na=False, na_values=[""])
    usage["note"] = None  # a column the analysis does not use still counts for telling blank rows apart
    for i, column, text in _BAD_USAGE:
        usage.loc[i * 101, column] = text
    usage.loc[len(usage) // 2, :] = None  # a blank row: skipped, not an exception
    usage.loc[len(usage) // 2 + 1, ["customer_id", "driver", "quantity", "period", "order_id"]] = None
    usage.loc[len(usage) // 2 + 1, "note"] = "only a note"  # not blank: its required cells are
    for f in folder.glob("usage.csv*"):
        f.unlink()
    usage.to_csv(folder / "usage.csv", index=False)
    reread_usage = pd.read_csv(folder / "usage.csv", dtype=str, keep_default_na=False, na_values=[""])
    pandas_ds = xlprofit.Dataset(tables["customers"], reread, tables["activities"], tables["resources"],
                                 reread_usage, tables["parameters"])
    return folder, pandas_ds


_BAD_USAGE = [  # (usage row index, column, text): usage rows checked by the engine as pandas checks them
    (1, "customer_id", "NOBODY"),
    (2, "customer_id", ""),
    (3, "driver", ""),
    (4, "driver", "orders"),  # a built-in driver
    (5, "driver", "Coffee Breaks"),  # no activity uses it
    (6, "driver", " Visits "),  # readable: spaces and capitals, snake_cased to 'visits'
    (7, "quantity", "lots"),
    (8, "quantity", "-3"),
    (9, "quantity", "1 234,5"),  # readable: a grouped number with a decimal comma
    (10, "quantity", ""),
    (11, "period", "2024Q5"),
    (12, "period", "2019Q1"),  # outside the analysis period
    (13, "period", "2024"),  # a whole year: spread over its quarters
    (14, "period", ""),  # no period: spread over every period
    (15, "period", "2024-02-15"),  # a date
    (16, "order_id", "NO-SUCH-ORDER"),
    (17, "customer_id", " C0002 "),  # readable: spaces around an id
]


def test_bad_lines_in_a_large_file_are_counted_and_listed_like_pandas(bad_ledger):
    folder, pandas_ds = bad_ledger
    expected = xlprofit.analyze(pandas_ds)
    actual = xlprofit.analyze(read_folder(folder, engine="duckdb"))
    _assert_same_analysis(expected, actual)
    assert actual.checks_hold  # input = P&L + rejected + excluded, to the cent and the line
    listed = actual.exceptions[actual.exceptions["table"] == "transactions"]
    rejected_rows = set(listed.loc[listed["action"] == "rejected", "row"])
    readable = {40, 50, 100, 120, 180}  # read by the pandas parsers, so not rejected for the cell itself
    assert {int(i * 997 + 2) for i, _, _ in _BAD_CELLS if i not in readable} <= rejected_rows
    assert not {int(i * 997 + 2) for i in (50, 100, 180)} & rejected_rows
    unknown = listed[listed["reason"] == "is not in the customers table"]
    assert unknown["value"].tolist() == ["NOBODY"]


def test_bad_usage_rows_in_a_large_file_are_checked_by_the_engine_like_pandas(bad_ledger):
    folder, pandas_ds = bad_ledger
    ds = read_folder(folder, engine="duckdb")
    assert ds.lines.holds_usage and ds.usage.empty  # the usage file never enters pandas
    actual = xlprofit.analyze(ds)
    listed = actual.exceptions[actual.exceptions["table"] == "usage"]
    found = {(int(r.row), r.column, r.reason) for r in listed.itertuples()}
    row = {i: i * 101 + 2 for i, _, _ in _BAD_USAGE}
    for i, column, reason in [
            (1, "customer_id", "is not in the customers table"),
            (2, "customer_id", "is blank; a value is required"),
            (3, "driver", "is blank; a value is required"),
            (4, "driver", "is a built-in driver computed from transactions; usage rows cannot add to it"),
            (5, "driver", "is not used by any activity"),
            (8, "quantity", "must be ≥ 0"),
            (10, "quantity", "is blank; a value is required"),
            (12, "period", "is outside the analysis period"),
            (16, "order_id", "is not an order of this customer in the analysed lines; counted for the customer")]:
        assert (row[i], column, reason) in found, (i, column, reason)
    assert any(r == row[7] and c == "quantity" for r, c, _ in found)
    assert any(r == row[11] and c == "period" for r, c, _ in found)
    assert not {row[i] for i in (6, 9, 13, 14, 15, 17)} & {r for r, _, _ in found}
    blank_row = len(pd.read_csv(folder / "usage.csv")) // 2 + 2
    assert blank_row not in {r for r, _, _ in found}
    assert {(blank_row + 1, c) for c in ("customer_id", "driver", "quantity")} <= {(r, c) for r, c, _ in found}


def test_summarise_matches_frame_lines_with_period_and_product_filters(bad_ledger):
    folder, pandas_ds = bad_ledger
    customers = pandas_ds.customers.set_index("customer_id").index
    periods = Periods(pd.Timestamp("2024-03-15"), pd.Timestamp("2025-06-30"), 12)
    products = {"P001", "P007", "P042", "nonexistent"}
    agg_p, acc_p = pandas_ds.lines.summarise(customers, periods, products)
    with open_lines([folder / "transactions.csv"], "duckdb") as lines:
        lines.attach(customers, None, {})
        agg_d, acc_d = lines.summarise(customers, periods, products)
    for grain in ("customer", "period", "order", "product"):
        pd.testing.assert_frame_equal(getattr(agg_p, grain), getattr(agg_d, grain), check_exact=True)
    # ``unlisted``: the pandas path lists every excluded line, the engine at most MAX_LISTED_EXCEPTIONS.
    fields = [f for f in vars(acc_p) if f not in ("exceptions", "unlisted")]
    assert {f: getattr(acc_p, f) for f in fields} == {f: getattr(acc_d, f) for f in fields}
    assert acc_d.filtered_rows > 0 and acc_d.outside_rows > 0


def test_exceptions_beyond_the_cap_are_counted_not_listed(bad_ledger, monkeypatch):
    folder, pandas_ds = bad_ledger
    customers = pandas_ds.customers.set_index("customer_id").index
    periods = Periods(pd.Timestamp("2024-03-15"), pd.Timestamp("2025-06-30"), 4)
    _, acc_p = pandas_ds.lines.summarise(customers, periods, None)
    reading = pandas_ds.exceptions[pandas_ds.exceptions["table"] == "transactions"]
    everything = pd.concat([reading, acc_p.exceptions], ignore_index=True)
    monkeypatch.setattr(_sql, "MAX_LISTED_EXCEPTIONS", 7)
    with open_lines([folder / "transactions.csv"], "duckdb") as lines:
        lines.attach(customers, None, {})
        _, acc = lines.summarise(customers, periods, None)
    assert len(acc.exceptions) == 7
    assert acc.unlisted == len(everything) - 7
    # The listed ones are the first in the pandas order: column by column, then the excluded lines.
    pd.testing.assert_frame_equal(acc.exceptions.astype(object).where(acc.exceptions.notna(), None),
                                  everything.head(7).astype(object).where(everything.head(7).notna(), None))
    assert acc.rejected_rows == acc_p.rejected_rows and acc.outside_rows == acc_p.outside_rows


def test_foreign_currency_lines_are_converted_or_rejected_like_pandas(tables, tmp_path):
    lines = tables["transactions"].iloc[:20_000].copy()
    currency = np.where(np.arange(len(lines)) % 7 == 0, "usd", np.where(np.arange(len(lines)) % 11 == 0,
                                                                       "SEK", "EUR"))
    lines["currency"] = currency
    params = tables["parameters"]
    fx = pd.DataFrame({"currency": ["USD"], "rate": ["0.9137"]})
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path, index=False)
    ds = xlprofit.Dataset(tables["customers"], lines, tables["activities"], tables["resources"],
                          tables["usage"], params, fx=fx)
    customers = ds.customers.set_index("customer_id").index
    periods = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"), 4)
    agg_p, acc_p = ds.lines.summarise(customers, periods, None)
    with open_lines(path, "duckdb") as engine:
        engine.attach(customers, "EUR", {"USD": 0.9137})
        agg_d, acc_d = engine.summarise(customers, periods, None)
    pd.testing.assert_frame_equal(agg_p.customer, agg_d.customer, check_exact=True)
    # Every figure of the accounting: the SEK lines (no rate) are in no EUR total, stated per currency.
    fields = [f for f in vars(acc_p) if f not in ("exceptions", "unlisted")]
    assert {f: getattr(acc_p, f) for f in fields} == {f: getattr(acc_d, f) for f in fields}
    no_rate = (np.arange(len(lines)) % 11 == 0) & (np.arange(len(lines)) % 7 != 0)
    sek_cents = int(np.round(lines["net_revenue"].to_numpy()[no_rate] * 100).sum())
    assert acc_d.unconverted == {"SEK": (int(no_rate.sum()), sek_cents)}
    reading = ds.exceptions[ds.exceptions["table"] == "transactions"]
    pd.testing.assert_frame_equal(_norm_exceptions(pd.concat([reading, acc_p.exceptions], ignore_index=True)),
                                  _norm_exceptions(acc_d.exceptions))
    sek = acc_d.exceptions[acc_d.exceptions["column"] == "currency"]
    assert len(sek) > 0 and set(sek["value"]) == {"SEK"}
    # Converted lines keep their revenue identity: none is rejected for rounding each amount.
    assert not (acc_d.exceptions["column"] == "net_revenue").any()
    assert not (reading["column"] == "net_revenue").any()


def test_several_currencies_without_a_reporting_currency_are_refused(tables, tmp_path):
    lines = tables["transactions"].iloc[:1000].assign(currency=["EUR", "USD"] * 500)
    lines.to_csv(tmp_path / "t.csv", index=False)
    with open_lines(tmp_path / "t.csv", "duckdb") as engine:
        engine.attach(pd.Index(["C0001"]), None, {})
        with pytest.raises(ValidationError, match="several currencies"):
            engine.date_range()


# ------------------------------------------------------------------------------------------ cells

_CELL = st.text(alphabet=list("0123456789 .,-+()%€$eE'aNnT:/") + ["\u00a0"], max_size=12)


@settings(max_examples=25, deadline=None)
@given(numbers=st.lists(_CELL, min_size=1, max_size=8), dates=st.lists(_CELL, min_size=1, max_size=8))
def test_any_cell_reads_the_same_in_duckdb_and_pandas(tmp_path_factory, numbers, dates):
    """Property: whatever text sits in a number or date cell, both paths give the same value and reason."""
    n = max(len(numbers), len(dates))
    frame = pd.DataFrame({
        "date": (dates * n)[:n], "customer_id": "C0001", "net_revenue": "10.00",
        "quantity": (numbers * n)[:n], "cogs": (numbers[::-1] * n)[:n], "paid_on": (dates[::-1] * n)[:n],
    })
    folder = tmp_path_factory.mktemp("cells")
    frame.to_csv(folder / "t.csv", index=False)
    customers = pd.DataFrame({"customer_id": ["C0001"]})
    activities = pd.DataFrame({"activity": ["Picking"], "driver": ["lines"], "cost": [100.0]})
    reread = pd.read_csv(folder / "t.csv", dtype=str, keep_default_na=False, na_values=[""])
    try:
        ds = xlprofit.Dataset(customers, reread, activities)
    except ValidationError:
        return  # no usable line at all: nothing to compare
    expected = ds.exceptions[ds.exceptions["table"] == "transactions"]
    periods = Periods(pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31"), 1)
    agg_p, acc_p = ds.lines.summarise(pd.Index(["C0001"]), periods, None)
    with open_lines(folder / "t.csv", "duckdb") as engine:
        engine.attach(pd.Index(["C0001"]), None, {})
        agg_d, acc_d = engine.summarise(pd.Index(["C0001"]), periods, None)
    # The engine lists the lines outside the period too (a date such as 1700-01-20 is read, then excluded).
    expected = pd.concat([expected, acc_p.exceptions], ignore_index=True) if len(acc_p.exceptions) else expected
    pd.testing.assert_frame_equal(_norm_exceptions(expected), _norm_exceptions(acc_d.exceptions))
    for grain in ("customer", "order"):
        pd.testing.assert_frame_equal(getattr(agg_p, grain), getattr(agg_d, grain), check_exact=True)


def test_every_reading_word_of_parsing_reads_the_same_in_duckdb(tmp_path):
    """The SQL engines take their blank, TRUE and FALSE words from ``xlprofit.core.parsing``:
    each word, in any case, gives the pandas path's value in a yes/no and a number column."""
    from xlprofit.core.parsing import BLANK_WORDS, FALSE_WORDS, TRUE_WORDS

    assert set(_sql._BLANKS) == BLANK_WORDS and set(_sql._TRUE) == TRUE_WORDS and set(_sql._FALSE) == FALSE_WORDS
    words = sorted(BLANK_WORDS | TRUE_WORDS | FALSE_WORDS)
    cells = [w.upper() if i % 2 else w for i, w in enumerate(words)]
    frame = pd.DataFrame({
        "date": "2024-01-05", "customer_id": "C0001", "net_revenue": "10.00",
        "returned": cells, "cogs": [w if w in BLANK_WORDS else "1.00" for w in words],
    })
    frame.to_csv(tmp_path / "t.csv", index=False)
    reread = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False, na_values=[""])
    customers = pd.DataFrame({"customer_id": ["C0001"]})
    activities = pd.DataFrame({"activity": ["Returns"], "driver": ["returns"], "cost": [100.0]})
    ds = xlprofit.Dataset(customers, reread, activities)
    periods = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), 1)
    agg_p, acc_p = ds.lines.summarise(pd.Index(["C0001"]), periods, None)
    with open_lines(tmp_path / "t.csv", "duckdb") as engine:
        engine.attach(pd.Index(["C0001"]), None, {})
        agg_d, acc_d = engine.summarise(pd.Index(["C0001"]), periods, None)
    expected = ds.exceptions[ds.exceptions["table"] == "transactions"]
    pd.testing.assert_frame_equal(_norm_exceptions(expected), _norm_exceptions(acc_d.exceptions))
    pd.testing.assert_frame_equal(agg_p.customer, agg_d.customer, check_exact=True)
    assert int(agg_p.customer["returns"].iloc[0]) == len(TRUE_WORDS)


def test_row_order_of_the_file_changes_no_total(tables, tmp_path):
    """Property: results do not depend on row order."""
    lines = tables["transactions"].iloc[:30_000]
    shuffled = lines.sample(frac=1.0, random_state=3)
    lines.to_parquet(tmp_path / "a.parquet", index=False)
    shuffled.to_parquet(tmp_path / "b.parquet", index=False)
    customers = pd.Index(tables["customers"]["customer_id"])
    periods = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"), 4)
    out = []
    for name in ("a", "b"):
        with open_lines(tmp_path / f"{name}.parquet", "duckdb") as engine:
            engine.attach(customers, None, {})
            out.append(engine.summarise(customers, periods, None)[0])
    for grain in ("customer", "period", "order", "product"):
        pd.testing.assert_frame_equal(getattr(out[0], grain), getattr(out[1], grain), check_exact=True)


# ------------------------------------------------------------------------------------------ Spark


def _spark_or_skip():
    if importlib.util.find_spec("pyspark") is None:
        if os.environ.get("CI"):
            pytest.fail("pyspark is required under CI but is not installed")
        pytest.skip("pyspark is not installed")
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").appName("xlprofit-tests")
            .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "1g").getOrCreate())


@pytest.fixture(scope="module")
def spark():
    session = _spark_or_skip()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_gives_the_pandas_analysis_to_the_cent(reference, parquet_folder, spark):
    ds = read_folder(parquet_folder, engine="spark", spark=spark)
    assert type(ds.lines).__name__ == "SparkLines"
    _assert_same_analysis(reference, xlprofit.analyze(ds))


def test_spark_reads_bad_cells_like_pandas(small_bad_ledger, spark):
    folder, pandas_ds = small_bad_ledger
    expected = xlprofit.analyze(pandas_ds)
    actual = xlprofit.analyze(read_folder(folder, engine="spark", spark=spark))
    _assert_same_analysis(expected, actual)


def test_a_ledger_with_only_the_required_columns(tmp_path):
    """No order, product, quantity, cost or payment columns: typed NULLs, same analysis as pandas."""
    from tests.conftest import small_tables

    t = small_tables()
    t["transactions"] = t["transactions"][["date", "customer_id", "net_revenue"]]
    t["activities"] = t["activities"].assign(driver=["orders", "lines", "visits", "orders"])
    folder = tmp_path / "minimal"
    folder.mkdir()
    for name in ("customers", "transactions", "activities", "resources", "usage"):
        t[name].to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame(list(t["parameters"].items()), columns=["name", "value"]).to_csv(folder / "parameters.csv",
                                                                                 index=False)
    expected = xlprofit.analyze(read_folder(folder, engine="pandas"))
    actual = xlprofit.analyze(read_folder(folder, engine="duckdb"))
    _assert_same_analysis(expected, actual)
    assert actual.checks_hold


# ------------------------------------------------------------------------------------------ order detail

_SAME_WITHOUT_ORDERS = tuple(name for name in COMPARED if name != "orders")


def test_orders_not_itemised_change_no_other_result(tables, reference):
    """order_detail=False leaves the order table empty and every customer, product and period result as it was."""
    result = xlprofit.analyze(xlprofit.Dataset(**tables), order_detail=False)
    for name in _SAME_WITHOUT_ORDERS:
        pd.testing.assert_frame_equal(getattr(reference, name), getattr(result, name), check_exact=True, obj=name)
    assert len(reference.orders) == reference.customers["orders"].sum() > 0
    assert len(result.orders) == 0
    assert list(result.orders.columns) == list(reference.orders.columns)
    said = result.assumptions.set_index("parameter").loc["order_detail"]
    assert said["value"] is False and "not itemised" in said["source"]
    assert "order_detail" not in set(reference.assumptions["parameter"])


def _small_folder(tmp_path: Path, t: dict) -> Path:
    for name in ("customers", "transactions", "activities", "resources", "usage"):
        t[name].to_csv(tmp_path / f"{name}.csv", index=False)
    pd.DataFrame(list(t["parameters"].items()), columns=["name", "value"]).to_csv(tmp_path / "parameters.csv",
                                                                                 index=False)
    return tmp_path


def test_beyond_the_order_limit_orders_are_not_itemised_and_the_assumptions_say_so(monkeypatch, tmp_path):
    from tests.conftest import small_tables
    from xlprofit.core import analysis

    t = small_tables()
    folder = _small_folder(tmp_path, small_tables())
    n_orders = 7  # o1 … o7 of the small tables
    monkeypatch.setattr(analysis, "ORDER_DETAIL_LIMIT", n_orders - 1)
    for ds in (xlprofit.Dataset(**t), read_folder(folder, engine="duckdb")):
        result = xlprofit.analyze(ds)
        assert len(result.orders) == 0
        said = result.assumptions.set_index("parameter").loc["order_detail", "source"]
        assert said == f"not itemised: {n_orders:,} orders, more than {n_orders - 1:,} " \
                       "(analyze(order_detail=True) itemises them)"
        assert len(xlprofit.analyze(ds, order_detail=True).orders) == n_orders
    monkeypatch.setattr(analysis, "ORDER_DETAIL_LIMIT", n_orders)
    assert len(xlprofit.analyze(xlprofit.Dataset(**t)).orders) == n_orders


@pytest.fixture(scope="module")
def usage_with_unknown_orders(tables, tmp_path_factory):
    """The generated tables with some usage rows tied to orders that the lines do not hold."""
    t = {k: (v.copy() if isinstance(v, pd.DataFrame) else v) for k, v in tables.items()}
    usage = t["usage"]
    tied = usage.index[usage["order_id"].notna()]
    assert len(tied) > 100
    usage.loc[tied[:40], "order_id"] = "NO-SUCH-ORDER"
    usage.loc[tied[40:45], "customer_id"] = usage.loc[tied[45:50], "customer_id"].to_numpy()  # another customer's order
    t["usage"] = usage
    return _folder(tmp_path_factory.mktemp("unknown_orders"), t, "parquet"), t


def test_usage_tied_to_orders_the_lines_do_not_hold_is_listed_by_every_engine(usage_with_unknown_orders):
    folder, t = usage_with_unknown_orders
    # Without order detail the check is made by the line source (in DuckDB: a join in the engine).
    expected = xlprofit.analyze(xlprofit.Dataset(**t), order_detail=False)
    actual = xlprofit.analyze(read_folder(folder, engine="duckdb"), order_detail=False)
    _assert_same_analysis(expected, actual)
    listed = actual.exceptions[(actual.exceptions["table"] == "usage") & (actual.exceptions["column"] == "order_id")]
    assert (listed["value"] == "NO-SUCH-ORDER").sum() == 40
    assert len(listed) >= 40 + 1  # and the rows moved to another customer whose orders differ
    assert listed["reason"].str.contains("counted for the customer").all()


def test_usage_order_check_with_itemised_orders_is_the_same(tmp_path):
    from tests.conftest import small_tables

    t = small_tables()
    t["usage"] = pd.DataFrame({"customer_id": ["A", "A", "B", "C"], "driver": ["visits"] * 4,
                               "quantity": [1, 2, 3, 4], "period": [None] * 4,
                               "order_id": ["o1", "o2", "o3", "nope"]})  # o2 is B's order
    folder = _small_folder(tmp_path, t)
    for detail in (True, False):
        expected = xlprofit.analyze(xlprofit.Dataset(**small_tables() | {"usage": t["usage"]}), order_detail=detail)
        actual = xlprofit.analyze(read_folder(folder, engine="duckdb"), order_detail=detail)
        _assert_same_analysis(expected, actual)
        listed = actual.exceptions[actual.exceptions["column"] == "order_id"]
        assert sorted(listed["value"]) == ["nope", "o2"]


def test_the_analysis_releases_the_orders_the_engine_kept(tmp_path):
    from tests.conftest import small_tables

    folder = _small_folder(tmp_path, small_tables())
    for engine in ("duckdb", "pandas"):
        ds = read_folder(folder, engine=engine)
        xlprofit.analyze(ds)
        if engine == "duckdb":  # the orders summarise kept are dropped from the engine
            tables = ds.lines.con.sql("SELECT table_name FROM duckdb_tables()").fetchall()
            assert ("xlp_orders",) not in tables and ("xlp_customers",) in tables
        with pytest.raises(ArgumentError, match="before release_orders"):
            ds.lines.orders_known(np.array(["A"], dtype=object), np.array(["o1"], dtype=object))


def test_orders_whose_lines_span_several_days_sum_like_pandas(tmp_path):
    """An order with lines on two days (and quarters), one product on both: the general roll-ups."""
    from tests.conftest import small_tables

    t = small_tables()
    lines = t["transactions"]
    lines.loc[1, "date"] = "2024-04-02"  # o1's second line, a quarter later
    lines = pd.concat([lines, lines.iloc[[0]].assign(date="2024-04-02", quantity=3, gross_revenue=30,
                                                     discount=0, net_revenue=30, cogs=12)], ignore_index=True)
    t["transactions"] = lines
    folder = _small_folder(tmp_path, t)
    for detail in (True, False):
        expected = xlprofit.analyze(xlprofit.Dataset(**t), order_detail=detail)
        actual = xlprofit.analyze(read_folder(folder, engine="duckdb"), order_detail=detail)
        _assert_same_analysis(expected, actual)
    assert actual.products.loc["P1", "orders"] == expected.products.loc["P1", "orders"] == 5  # o1 counted once
