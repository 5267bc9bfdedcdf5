"""Every validation rule names the table, the row the user sees, the column and the value."""

from __future__ import annotations

import pandas as pd
import pytest

import xlprofit
from xlprofit.errors import Problem, ValidationError


def _dataset(tables: dict) -> xlprofit.Dataset:
    return xlprofit.Dataset(**tables)


def _find(problems: list[Problem], table: str, column: str | None) -> Problem:
    hits = [p for p in problems if p.table == table and p.column == column]
    assert hits, f"no problem for {table}.{column} in {[str(p) for p in problems]}"
    return hits[0]


def _assert_problem(problems: list[Problem], table: str, row: int | None, column: str, value, words: str) -> None:
    p = _find(problems, table, column)
    assert p.row == row
    if value is not None:
        assert p.value == value
    assert words in p.reason
    text = str(p)
    assert f"table '{table}'" in text and f"column '{column}'" in text
    if row is not None:
        assert f"row {row}" in text


def _exceptions_row(ds: xlprofit.Dataset, table: str, row: int) -> pd.DataFrame:
    ex = ds.exceptions
    return ex[(ex["table"] == table) & (ex["row"] == row)]


# Row numbers: the header is row 1, so the i-th data row (0-based) is row i + 2.

@pytest.mark.parametrize(
    ("row_index", "column", "value", "words"),
    [
        (1, "date", "31/31/2024", "not a date"),
        (1, "date", "03/04/2024", "ambiguous date"),
        (2, "net_revenue", "abc", "not a number"),
        (2, "net_revenue", "1,234", "ambiguous"),
        (3, "cogs", "n.a.x", "not a number"),
        (4, "written_off", -5, "≥ 0"),
        (5, "returned", "maybe", "yes/no"),
        (0, "customer_id", None, "blank"),
        (6, "date", None, "blank"),
    ],
)
def test_transaction_cell_rules(tables, row_index, column, value, words):
    tables["transactions"] = tables["transactions"].astype(object)
    tables["transactions"].loc[row_index, column] = value
    ds = _dataset(tables)
    _assert_problem(ds.problems, "transactions", row_index + 2, column, value, words)
    rejected = _exceptions_row(ds, "transactions", row_index + 2)
    assert (rejected["action"] == "rejected").all() and len(rejected) >= 1
    assert row_index + 2 in ds.rejected_transactions.index
    assert row_index + 2 not in ds.transactions.index


def test_unknown_customer_rejected_with_amount(tables):
    tables["transactions"].loc[3, "customer_id"] = "ZZ"
    ds = _dataset(tables)
    _assert_problem(ds.problems, "transactions", 5, "customer_id", "ZZ", "not in the customers table")
    ex = _exceptions_row(ds, "transactions", 5)
    assert ex["amount"].iloc[0] == 360.0


def test_revenue_that_does_not_add_up(tables):
    tables["transactions"].loc[0, "net_revenue"] = 95  # gross 100 − discount 10 ≠ 95
    ds = _dataset(tables)
    p = _find(ds.problems, "transactions", "net_revenue")
    assert p.row == 2 and "= 90.00 but net_revenue = 95.00" in p.reason


def test_duplicate_customer(tables):
    tables["customers"].loc[2, "customer_id"] = "A"
    ds = _dataset(tables)
    _assert_problem(ds.problems, "customers", 4, "customer_id", "A", "duplicate customer_id (first at row 2)")


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("acquisition_cost", -10, "≥ 0"),
        ("commission_rate", 5, "between 0 and 1"),
        ("acquired_on", "someday", "not a date"),
        ("payment_days", "thirty", "not a number"),
        ("referred_by", "NOBODY", "not a customer_id"),
    ],
)
def test_customer_attribute_ignored_not_lost(tables, column, value, words):
    tables["customers"][column] = tables["customers"].get(column, pd.Series([None] * 3)).astype(object)
    tables["customers"].loc[1, column] = value
    ds = _dataset(tables)
    _assert_problem(ds.problems, "customers", 3, column, value, words)
    ex = _exceptions_row(ds, "customers", 3)
    assert ex["action"].iloc[0] == "value ignored"
    assert "B" in set(ds.customers["customer_id"])  # the customer itself is kept


@pytest.mark.parametrize(
    ("row_index", "changes", "column", "words"),
    [
        (3, {"resource": "Warehouse"}, "cost", "both a cost"),
        (3, {"cost": None}, "cost", "neither a cost"),
        (1, {"unit_time": None}, "unit_time", "needs a unit_time or a time_equation"),
        (0, {"unit_time": 3}, "time_equation", "both unit_time and time_equation"),
        (1, {"resource": "Nowhere"}, "resource", "not in the resources table"),
        (1, {"driver": "pallets"}, "driver", "not a known driver"),
        (1, {"level": "galaxy"}, "level", "must be one of customer, order, line, product"),
        (0, {"time_equation": "5 + lines*rush"}, "time_equation", "linear"),
        (0, {"time_equation": "5 + 2*pallets"}, "time_equation", "unknown driver(s) pallets"),
        (0, {"time_equation": "__import__('os')"}, "time_equation", ""),
        (3, {"cost": -1}, "cost", "≥ 0"),
        (2, {"activity": "Picking"}, "activity", "duplicate activity (first at row 3)"),
    ],
)
def test_activity_rules(tables, row_index, changes, column, words):
    act = tables["activities"].astype(object)
    if "level" not in act:
        act["level"] = None
    for k, v in changes.items():
        act.loc[row_index, k] = v
    tables["activities"] = act
    ds = _dataset(tables)
    p = _find(ds.problems, "activities", column)
    assert p.row == row_index + 2
    assert words in p.reason
    assert row_index + 2 not in ds.activities.index


def test_rejected_activity_cost_shows_in_reconciliation(tables):
    tables["activities"].loc[3, "driver"] = "pallets"  # the conventional activity costing 500
    with pytest.raises(ValidationError, match="cost 500.00"):  # a rejected cost pool: see test_completeness.py
        xlprofit.analyze(_dataset(tables))
    result = xlprofit.analyze(_dataset(tables), allow_incomplete=True)
    rec = result.reconciliation
    row = rec[rec["check"] == "Cost pools: input = traced + excluded"]
    assert len(row) == 1 and row["difference"].iloc[0] == -500.0 and not row["holds"].iloc[0]


@pytest.mark.parametrize(
    ("row_index", "column", "value", "words"),
    [
        (0, "cost", -100, "≥ 0"),
        (0, "capacity", 0, "> 0"),
        (1, "capacity", -10, "> 0"),
        (2, "resource", "Warehouse", "duplicate resource"),
        (1, "cost", "lots", "not a number"),
    ],
)
def test_resource_rules(tables, row_index, column, value, words):
    tables["resources"] = tables["resources"].astype(object)
    tables["resources"].loc[row_index, column] = value
    ds = _dataset(tables)
    _assert_problem(ds.problems, "resources", row_index + 2, column, value, words)


@pytest.mark.parametrize(
    ("row_index", "column", "value", "words"),
    [
        (0, "customer_id", "ZZ", "not in the customers table"),
        (0, "driver", "orders", "built-in driver"),
        (0, "driver", "vists", "not used by any activity"),
        (1, "quantity", -1, "≥ 0"),
        (1, "period", "sometime", "not a period"),
        (1, "period", "2024Q7", "not a period"),
    ],
)
def test_usage_rules(tables, row_index, column, value, words):
    tables["usage"] = tables["usage"].astype(object)
    tables["usage"].loc[row_index, column] = value
    ds = _dataset(tables)
    _assert_problem(ds.problems, "usage", row_index + 2, column, value, words)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("discount_rate", 12, "between 0 and 1"),
        ("periods_per_year", 5, "one of 1, 2, 4, 12"),
        ("discount rte", 0.1, "not a known parameter"),
        ("period_start", "soon", "not a date"),
        ("acquisition_charge", "sometimes", "in_period, all, none"),
    ],
)
def test_parameter_rules_are_fatal(tables, name, value, words):
    tables["parameters"] = pd.DataFrame({"name": ["currency", name], "value": ["EUR", value]})
    with pytest.raises(ValidationError) as info:
        _dataset(tables)
    p = [p for p in info.value.problems if p.table == "parameters"][0]
    assert p.row == 3 and words in p.reason
    assert "row 3" in str(info.value)


def test_missing_required_column_is_fatal_and_names_it(tables):
    tables["transactions"] = tables["transactions"].drop(columns="net_revenue")
    with pytest.raises(ValidationError) as info:
        _dataset(tables)
    assert "table 'transactions', column 'net_revenue': required column 'net_revenue' is missing" in str(info.value)


def test_missing_required_table_is_fatal(tables):
    tables["activities"] = None
    with pytest.raises(ValidationError, match="table 'activities': is missing"):
        _dataset(tables)


def test_headers_are_normalised_and_rows_offset(tables):
    tx = tables["transactions"].rename(columns={"net_revenue": "Net Revenue", "customer_id": "Customer ID",
                                                "date": " Date "})
    tx = tx.astype(object)
    tx.loc[2, " Date "] = "garbage"
    tables["transactions"] = tx
    ds = xlprofit.Dataset(**tables, first_rows={"transactions": 6})  # header on sheet row 5
    p = _find(ds.problems, "transactions", "date")
    assert p.row == 8  # third data row of a table whose header is on row 5


def test_numbers_and_dates_as_users_type_them(tables):
    tx = tables["transactions"].astype(object)
    tx.loc[0, ["gross_revenue", "discount", "net_revenue", "cogs"]] = ["1 100,00", "100,00", "1.000,00", "(500)"]
    tx.loc[1, "date"] = 45296  # Excel serial for 2024-01-05
    tx.loc[2, "date"] = "10.02.2024"  # day-first
    tables["transactions"] = tx
    ds = _dataset(tables)
    t = ds.transactions
    assert t.loc[2, "net_revenue"] == 1000.0 and t.loc[2, "gross_revenue"] == 1100.0
    assert t.loc[2, "cogs"] == -500.0
    assert t.loc[3, "date"] == pd.Timestamp("2024-01-05")
    assert t.loc[4, "date"] == pd.Timestamp("2024-02-10")


def test_number_like_ids_from_excel_become_text(tables):
    tables["customers"]["customer_id"] = [1001.0, 1002.0, 1003.0]
    tables["transactions"]["customer_id"] = [1001, 1001, 1002, 1002, 1003, 1003, 1003, 1001]
    tables["usage"]["customer_id"] = ["1001", "1002", "1002"]
    tables["customers"]["referred_by"] = [None, 1001.0, None]
    ds = _dataset(tables)
    assert list(ds.customers["customer_id"]) == ["1001", "1002", "1003"]
    assert len(ds.transactions) == 8 and ds.exceptions.empty


def test_blank_rows_are_not_data(tables):
    tx = tables["transactions"]
    blank = pd.DataFrame([[None] * len(tx.columns)], columns=tx.columns)
    tables["transactions"] = pd.concat([tx, blank, blank], ignore_index=True)
    ds = _dataset(tables)
    assert len(ds.transactions) == 8 and ds.exceptions.empty


def test_clean_small_dataset_has_no_problems(tables):
    ds = _dataset(tables)
    assert ds.problems == [] and ds.exceptions.empty
    assert set(ds.activities["method"]) == {"abc", "tdabc"}
    assert list(ds.activities["level"]) == ["order", "line", "customer", "order"]


def test_foreign_currency_lines_are_converted_with_the_fx_table(tables):
    tables["transactions"]["currency"] = ["EUR"] * 7 + ["SEK"]  # last line: 50 SEK gross/net, 25 SEK cogs
    ds = xlprofit.Dataset(**tables, fx={"SEK": 0.087})
    last = ds.transactions.loc[9]
    assert (last["net_revenue"], last["gross_revenue"], last["cogs"]) == (4.35, 4.35, 2.18)
    result = xlprofit.analyze(ds)
    assert result.checks_hold


def test_foreign_currency_without_a_rate_is_rejected(tables):
    tables["transactions"]["currency"] = ["EUR"] * 7 + ["USD"]
    ds = xlprofit.Dataset(**tables, fx={"SEK": 0.087})
    _assert_problem(ds.problems, "transactions", 9, "currency", "USD", "no rate")
    assert 9 in ds.rejected_transactions.index
    assert xlprofit.analyze(ds).checks_hold


def test_several_currencies_need_a_reporting_currency(tables):
    tables["transactions"]["currency"] = ["EUR"] * 7 + ["USD"]
    tables["parameters"] = {k: v for k, v in tables["parameters"].items() if k != "currency"}
    with pytest.raises(ValidationError, match="several currencies"):
        xlprofit.Dataset(**tables)


def test_period_end_before_start_is_fatal(tables):
    tables["parameters"] = {"period_start": "2024-12-31", "period_end": "2024-01-01"}
    with pytest.raises(ValidationError, match="is before period_start"):
        xlprofit.Dataset(**tables)


def test_blank_choice_parameter_is_blank_and_literal_none_is_none(tables):
    tables["parameters"] = pd.DataFrame({"name": ["acquisition_charge"], "value": [None]})
    assert "acquisition_charge" not in xlprofit.Dataset(**tables).parameters
    tables["parameters"] = pd.DataFrame({"name": ["acquisition_charge"], "value": ["none"]})
    assert xlprofit.Dataset(**tables).parameters["acquisition_charge"] == "none"


def test_parameter_rows_follow_first_rows(tables):
    tables["parameters"] = pd.DataFrame({"name": ["currency", "discount_rate"], "value": ["EUR", "lots"]})
    with pytest.raises(ValidationError) as info:
        xlprofit.Dataset(**tables, first_rows={"parameters": 6})
    assert [p.row for p in info.value.problems if p.table == "parameters"] == [7]


def test_text_that_is_not_a_whole_date_is_refused_not_completed_from_today():
    # Found by the property test of tests/test_engines.py: dateutil reads "100" as a day in the
    # year 100 (which then crashed), and "7" as the 7th of the current month.
    from xlprofit.core.parsing import parse_dates

    cells = ["100", "2024-01-05", "7", "March 2024", "5 March 2024", "5 March 100"]
    values, reasons = parse_dates(pd.Series(cells, dtype=object))
    assert values.isna().tolist() == [True, False, True, True, False, True]
    assert values[4] == pd.Timestamp("2024-03-05")
    assert reasons[0] == reasons[2] == reasons[3] == "is not a complete date (use yyyy-mm-dd)"
    assert reasons[5] == "is not a date (use yyyy-mm-dd)"


def test_member_of_is_isin_for_text_ids_with_blanks():
    from xlprofit.core.parsing import member_of

    values = pd.Series(["C1", None, "c1", "C2 ", "C3", "C1"], dtype=object, index=[5, 6, 7, 8, 9, 10])
    known = pd.Index(["C1", "C3", "C3"])
    expected = values.isin(set(known))
    pd.testing.assert_series_equal(member_of(values, known), expected)
    pd.testing.assert_series_equal(member_of(values.astype("str"), set(known)), values.astype("str").isin(set(known)))
    assert not member_of(values, []).any()


def test_repeated_text_is_held_once_per_distinct_value() -> None:
    from xlprofit.core.parsing import parse_ids, parse_text

    segments = pd.Series([" Retail", "Wholesale ", "Retail", None, "  "] * 2_000, dtype=object)
    parsed = parse_text(segments)
    assert parsed.where(parsed.notna(), None).tolist() == ["Retail", "Wholesale", "Retail", None, None] * 2_000
    assert len({id(v) for v in parsed.dropna()}) == 2  # 6,000 cells, two strings
    ids = pd.Series([f" C{i} " for i in range(5_000)], dtype=object)
    assert parse_ids(ids).tolist() == [f"C{i}" for i in range(5_000)]  # distinct values stay as they are


def test_a_letter_taken_for_an_unknown_time_zone_is_refused_without_a_console_warning():
    """dateutil warns about a time zone it does not know ("E" in "0a1E"): the reader says why
    the text is not a date, and nothing else reaches the console (found by the engines' cell test)."""
    import warnings

    from xlprofit.core.parsing import parse_dates

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dates, reasons = parse_dates(pd.Series(["0a1E", "1 E", "2024-01-05"], dtype=object))
    assert dates.isna().tolist() == [True, True, False]
    assert reasons.iloc[0].startswith("is not") and reasons.iloc[1].startswith("is not")
