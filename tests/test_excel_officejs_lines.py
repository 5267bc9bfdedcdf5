"""Table functions never drop a line silently; rates follow one rule; text numbers follow the culture.

Everything here runs through xlwings' own Office.js call path (``custom_functions_call`` with
the payload Office.js sends, ``culture_info_name`` included), as ``test_excel_officejs`` does
(for this module only, :func:`tests.conftest.office_js`); classic COM results are checked by
calling the functions as plain Python in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import office_js, small_tables
from xlprofit import errors
from xlprofit.core.analysis import analyze
from xlprofit.core.dataset import Dataset
from xlprofit.excel._culture import culture, read_number

#: xlwings, xlwings.server and the Excel functions under Office.js: bound by :func:`_office_js`
#: while this module's tests run.
xw = xs = udfs = None


@pytest.fixture(scope="module", autouse=True)
def _office_js():
    with office_js() as runtime:
        globals().update(xw=runtime.xw, xs=runtime.xs, udfs=runtime.udfs)
        yield
    globals().update(xw=None, xs=None, udfs=None)


ROOT = Path(__file__).resolve().parents[1]
NA_CELL = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}


def payload(name: str, args: list, culture_name: str | None = "en-US") -> dict:
    data = {"func_name": name, "args": args, "caller_address": "Sheet1!B2", "version": xw.__version__,
            "client": "Office.js", "runtime": "1.4", "date_format": "M/d/yyyy", "task_key": None}
    if culture_name is not None:
        data["culture_info_name"] = culture_name
    return data


def arg(value):
    if value is None:
        return None
    if isinstance(value, list):
        return [row if isinstance(row, list) else [row] for row in value]
    return [[value]]


def call(name: str, *args, culture_name: str | None = "en-US"):
    return asyncio.run(xs.custom_functions_call(payload(name, [arg(a) for a in args], culture_name), udfs))


def rng(frame: pd.DataFrame) -> list[list]:
    values = frame.astype(object).where(frame.notna(), "")
    return [list(map(str, frame.columns)), *values.to_numpy().tolist()]


def table(result) -> pd.DataFrame:
    return pd.DataFrame([[None if v == "" else v for v in row] for row in result[1:]], columns=result[0])


def error_type(result) -> str:
    assert len(result) == 1 and len(result[0]) == 1 and isinstance(result[0][0], dict), result
    return result[0][0]["errorType"]


T = small_tables()
PARAMS = pd.DataFrame({"name": list(T["parameters"]), "value": list(T["parameters"].values())})
TABLES = [rng(T["transactions"]), rng(T["activities"]), rng(T["usage"]), rng(T["resources"]),
          rng(T["customers"]), rng(PARAMS)]
HEADER = TABLES[0][0]
#: Line 3 of the transactions (sheet row 4): customer B, order o2, net revenue 300.
ROW = 3


def with_cell(column: str, value, row: int = ROW) -> list[list]:
    body = [list(r) for r in TABLES[0]]
    body[row][HEADER.index(column)] = value
    return body


def reference(transactions: pd.DataFrame):
    """The analysis of the same tables through the Python API."""
    return analyze(Dataset(T["customers"], transactions, T["activities"], T["resources"], T["usage"],
                           T["parameters"]))


# --------------------------------------------------------------------------- bad lines


@pytest.mark.parametrize("name", ["XLP_CUSTOMER_PNL", "XLP_TREND", "XLP_ACTIVITY_RATES"])
def test_an_error_cell_in_a_table_passes_its_own_error_on(name, caplog):
    args = [with_cell("net_revenue", NA_CELL), *TABLES[1:]]
    if name == "XLP_ACTIVITY_RATES":
        args = [TABLES[1], TABLES[3], args[0], TABLES[2], TABLES[4], TABLES[5]]
    caplog.set_level("WARNING", logger="xlprofit.excel")
    assert error_type(call(name, *args)) == "NotAvailable"
    assert f"'transactions' holds the error #N/A in row {ROW + 1}, column 'net_revenue'" in caplog.text


def test_a_text_amount_is_a_value_error_naming_table_row_column_and_value():
    with pytest.raises(xw.XlwingsError) as raised:
        call("XLP_CUSTOMER_PNL", with_cell("net_revenue", "abc"), *TABLES[1:])
    message = str(raised.value)
    assert message.startswith("XLP_CUSTOMER_PNL: table 'transactions', row 4, column 'net_revenue', value 'abc': ")
    assert "bad_lines" in message and len(message) <= 255


@pytest.mark.parametrize("bad", [NA_CELL, "abc"])
def test_skip_returns_the_table_and_states_what_was_left_out(bad):
    column = "customer_id" if bad is NA_CELL else "net_revenue"
    result = call("XLP_CUSTOMER_PNL", with_cell(column, bad), *TABLES[1:], "skip")
    *rows, note = result
    assert note[0].startswith("Left out: 1 invoice line(s)") and all(v == "" for v in note[1:])
    assert "XLP.EXCEPTIONS lists every rejected row" in note[0]
    if bad is NA_CELL:
        assert "(net revenue 300.00)" in note[0]  # the amount of the line is known; its customer is not
    else:
        assert "(1 without a readable net revenue)" in note[0]
    pnl = table(rows).set_index("customer_id")
    # the analysis of the same tables, with the line's cell as text the core rejects too
    expected = reference(T["transactions"].drop(index=ROW - 1)).customers
    assert pnl["net_revenue"].sum() == pytest.approx(expected["net_revenue"].sum(), abs=0.005)
    assert pnl["net_revenue"].sum() == pytest.approx(T["transactions"]["net_revenue"].sum() - 300, abs=0.005)


def test_skip_with_nothing_to_leave_out_adds_no_row():
    assert call("XLP_CUSTOMER_PNL", *TABLES, "skip") == call("XLP_CUSTOMER_PNL", *TABLES)


def test_exceptions_lists_the_rejected_rows_as_the_report_does():
    listed = table(call("XLP_EXCEPTIONS", with_cell("net_revenue", "abc"), *TABLES[1:]))
    assert list(listed.columns) == ["table", "row", "column", "value", "reason", "action", "customer_id", "amount"]
    line = listed[listed["table"] == "transactions"].iloc[0]
    assert (line["row"], line["column"], line["value"], line["action"]) == (4, "net_revenue", "abc", "rejected")
    assert line["customer_id"] == "B"
    broken = T["transactions"].astype(object).copy()
    broken.loc[ROW - 1, "net_revenue"] = "abc"
    ex = reference(broken).exceptions

    def cells(frame: pd.DataFrame) -> list[list]:
        return [[None if pd.isna(v) else (float(v) if isinstance(v, int | float) else v) for v in row]
                for row in frame.astype(object).to_numpy().tolist()]

    assert cells(listed) == cells(ex)


def test_exceptions_lists_an_error_cell_with_its_reason():
    listed = table(call("XLP_EXCEPTIONS", with_cell("customer_id", NA_CELL), *TABLES[1:]))
    line = listed[listed["table"] == "transactions"].iloc[0]
    assert (line["row"], line["column"], line["reason"]) == (4, "customer_id", "holds the Excel error #N/A")
    assert line["amount"] == 300.0


def test_exceptions_of_clean_tables_is_the_header_only():
    assert call("XLP_EXCEPTIONS", *TABLES) == [["table", "row", "column", "value", "reason", "action",
                                                 "customer_id", "amount"]]


def test_exceptions_lists_what_stops_the_analysis():
    no_amounts = [[c for c in row if True] for row in TABLES[0]]
    no_amounts = [[v for c, v in zip(HEADER, row, strict=False) if c != "net_revenue"] for row in no_amounts]
    listed = table(call("XLP_EXCEPTIONS", no_amounts, *TABLES[1:]))
    assert (listed["action"] == "stops the analysis").all()
    assert listed.iloc[0]["column"] == "net_revenue"


@pytest.mark.parametrize("bad", [None, "abc"])
def test_checks_equal_the_reconciliation_of_the_same_tables(bad):
    transactions = TABLES[0] if bad is None else with_cell("net_revenue", bad)
    checks = table(call("XLP_CHECKS", transactions, *TABLES[1:]))
    broken = T["transactions"].astype(object).copy()
    if bad is not None:
        broken.loc[ROW - 1, "net_revenue"] = bad
    expected = reference(broken).reconciliation

    def cells(frame: pd.DataFrame) -> list[list]:  # an empty text cell spills as a blank
        return [[None if (v == "" or pd.isna(v)) else v for v in row] for row in frame.astype(object).to_numpy()]

    assert list(checks.columns) == list(expected.columns)
    assert cells(checks) == cells(expected)


def test_bad_lines_takes_error_or_skip_only():
    with pytest.raises(xw.XlwingsError, match="'bad_lines' of XLP_CUSTOMER_PNL must be \"error\""):
        call("XLP_CUSTOMER_PNL", *TABLES, "ignore")
    assert call("XLP_CUSTOMER_PNL", *TABLES, "ERROR") == call("XLP_CUSTOMER_PNL", *TABLES)


def test_rfm_skips_unreadable_lines_only_when_asked():
    lines = with_cell("date", "yesterday")
    with pytest.raises(xw.XlwingsError, match="row 4, date 'yesterday'"):
        call("XLP_RFM", lines, "2024-12-31", "week")
    *rows, note = call("XLP_RFM", lines, "2024-12-31", "week", "skip")
    assert note[0].startswith("Left out: 1 line(s)") and "net revenue 300.00" in note[0]
    assert error_type(call("XLP_RFM", with_cell("date", NA_CELL), "2024-12-31", "week")) == "NotAvailable"


# --------------------------------------------------------------------------- one rule for rates


RATE_CASES = [  # (function, args with the rate at `position`, position)
    ("XLP_CLV", [0.1, 100, 0.8], 0),
    ("XLP_CLV", [0.1, 100, 0.8], 2),
    ("XLP_CREDIT_COST", [1000, 30, 0.08], 2),
    ("XLP_PAYBACK", [0.1, 500, 100, 0.8], 0),
    ("XLP_PROSPECT_VALUE", [0.1, 1000, 0.3, 50, 0.8], 0),
    ("XLP_PROSPECT_VALUE", [0.1, 1000, 0.3, 50, 0.8], 2),
    ("XLP_CLV_CASHFLOWS", [0.1, [[100], [100]], 0.8], 0),
]


@pytest.mark.parametrize(("name", "args", "position"), RATE_CASES)
def test_a_rate_written_as_a_whole_percentage_is_refused_with_the_hint(name, args, position):
    wrong = list(args)
    wrong[position] = 10
    with pytest.raises(xw.XlwingsError) as raised:
        call(name, *wrong)
    assert "must be between" in str(raised.value) and "10 % is 0.1: write 0.1 or 10%" in str(raised.value)
    as_percent = list(args)
    as_percent[position] = f"{args[position] * 100:g}%"
    assert call(name, *as_percent) == call(name, *args)


@pytest.mark.parametrize("parameter", ["discount_rate", "cost_of_capital", "commission_rate"])
def test_the_parameters_table_applies_the_same_rule_and_hint(parameter):
    params = dict(T["parameters"], **{parameter: 10})
    with pytest.raises(errors.ValidationError) as raised:
        Dataset(T["customers"], T["transactions"], T["activities"], T["resources"], T["usage"], params)
    assert "must be between 0 and 1 (10 % is 0.1: write 0.1 or 10%)" in str(raised.value)
    # and through the Excel function, from the parameters Table
    rows = rng(pd.DataFrame({"name": list(params), "value": list(params.values())}))
    with pytest.raises(xw.XlwingsError, match=r"10 % is 0\.1: write 0\.1 or 10%"):
        call("XLP_CUSTOMER_PNL", *TABLES[:5], rows)


def test_the_commission_rate_column_applies_the_same_rule():
    customers = T["customers"].assign(commission_rate=[0.05, 5, None])
    data = Dataset(customers, T["transactions"], T["activities"], T["resources"], T["usage"], T["parameters"])
    reasons = data.exceptions.loc[data.exceptions["column"] == "commission_rate", "reason"].tolist()
    assert reasons == ["must be between 0 and 1 (5 % is 0.05: write 0.05 or 5%)"]


def test_margins_may_be_negative_but_not_whole_percentages():
    assert isinstance(call("XLP_PROSPECT_VALUE", 0.1, 1000, -0.2, 50, 0.8)[0][0], float)
    with pytest.raises(xw.XlwingsError, match="'gross_margin_pct' .* between -1 and 1"):
        call("XLP_PROSPECT_VALUE", 0.1, 1000, 30, 50, 0.8)


# --------------------------------------------------------------------------- culture


CULTURES = {  # culture: {text: value}; the culture's own writing and the ambiguous cases
    "en-US": {"1.234": 1.234, "1,234": 1234.0, "1,234.50": 1234.5, "12,5": None, "1.234,50": None},
    "de-DE": {"1.234": 1234.0, "1,234": 1.234, "1.234,50": 1234.5, "12,5": 12.5, "1,234.50": None, "1.23": None},
    "nb-NO": {"1.234": 1234.0, "1,234": 1.234, "1 234,50": 1234.5, "1\u00a0234,50": 1234.5, "1.234,50": 1234.5,
              "12,5": 12.5, "1,234.50": None},
    "sv-SE": {"1.234": 1234.0, "1,234": 1.234, "1 234,50": 1234.5, "-1.234.567,89": -1234567.89, "12,5": 12.5},
    "pl-PL": {"1.234": 1234.0, "1,234": 1.234, "1 234,50": 1234.5, "1\u202f234,50": 1234.5, "12,5": 12.5,
              "1.2.3": None},
}


@pytest.mark.parametrize("culture_name", sorted(CULTURES))
def test_text_numbers_of_scalar_arguments_follow_the_culture(culture_name):
    for text, value in CULTURES[culture_name].items():
        if value is None:
            with pytest.raises(xw.XlwingsError, match=f"not a number as {culture_name} writes them"):
                call("XLP_CLV", 0, text, 0.5, culture_name=culture_name)
        else:  # CLV = margin × r / (1 + i − r) = margin when i = 0 and r = 0.5
            assert call("XLP_CLV", 0, text, 0.5, culture_name=culture_name) == [[value]], text


@pytest.mark.parametrize("culture_name", sorted(CULTURES))
def test_text_numbers_in_tables_follow_the_culture(culture_name):
    written = {"en-US": "1,234.50", "de-DE": "1.234,50", "nb-NO": "1 234,50", "sv-SE": "1.234,50",
               "pl-PL": "1 234,50"}[culture_name]
    # Line 4 (customer B, order o3) had a COGS of 200; line 3 is returned, credited with its COGS of 150.
    pnl = table(call("XLP_CUSTOMER_PNL", with_cell("cogs", written, row=4), *TABLES[1:],
                     culture_name=culture_name))
    expected = T["transactions"]["cogs"].sum() - 150 - 200 + 1234.5
    assert pnl["cogs"].sum() == pytest.approx(expected, abs=0.005)


def test_without_a_culture_only_unambiguous_text_is_read():
    with pytest.raises(xw.XlwingsError, match="ambiguous"):
        call("XLP_CAPACITY_RATE", "1,234", 1, culture_name=None)
    assert call("XLP_CAPACITY_RATE", "1.234,50", 1, culture_name=None) == [[1234.5]]


def test_an_unknown_culture_falls_back_to_the_unambiguous_rule():
    assert read_number("1.234,50", "xx-YY") == (1234.5, None)
    assert read_number("1,234", "xx-YY")[0] is None


def test_a_culture_can_be_set_explicitly_for_plain_python_calls():
    with culture("nb-NO"):
        assert udfs.XLP_CAPACITY_RATE("1.234", 1) == 1234.0
    assert udfs.XLP_CAPACITY_RATE("1.234", 1) == pytest.approx(1.234)


# --------------------------------------------------------------------------- ISERROR and classic COM

CLASSIC = r"""
import json, os, sys
os.environ.pop("XLWINGS_ON_SERVER", None)
from xlprofit.excel import udfs
from tests.conftest import small_tables
cases = json.load(sys.stdin)
out = [getattr(udfs, name)(*args) for name, args in cases]
json.dump(out, sys.stdout)
"""


def test_classic_com_returns_error_text_that_xlp_iserror_catches():
    cases = [["XLP_CLV", [10, 100, 0.8]], ["XLP_CUSTOMER_PNL", [with_cell("net_revenue", "#N/A"), *TABLES[1:]]],
             ["XLP_CUSTOMER_PNL", [with_cell("net_revenue", "abc"), *TABLES[1:]]]]
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_ON_SERVER"}
    done = subprocess.run([sys.executable, "-c", CLASSIC], input=json.dumps(cases), capture_output=True, text=True,
                          check=True, cwd=ROOT, env=env, timeout=120)
    rate, error_cell, text_amount = json.loads(done.stdout)
    assert rate.startswith("#VALUE! 'discount_rate' of XLP_CLV must be between 0 and 1 (10 % is 0.1")
    assert error_cell == ("#N/A XLP_CUSTOMER_PNL: 'transactions' holds the error #N/A in row 4, "
                          "column 'net_revenue'")
    assert text_amount.startswith("#VALUE! XLP_CUSTOMER_PNL: table 'transactions', row 4, column 'net_revenue'")
    for value in (rate, error_cell, text_amount, "#N/A", "#DIV/0!"):
        assert udfs.XLP_ISERROR(value) is True
    for value in (1.5, "Alpha AS", "#1 customer", None, True):
        assert udfs.XLP_ISERROR(value) is False


def test_xlp_iserror_under_office_js_reads_error_objects_and_ranges():
    assert call("XLP_ISERROR", NA_CELL) == [[True]]
    assert call("XLP_ISERROR", "#NUM! the fit did not converge") == [[True]]
    assert call("XLP_ISERROR", 3.5) == [[False]]
    assert call("XLP_ISERROR", [[1, NA_CELL], ["x", "#VALUE! 'x' must be"]]) == [[False, True], [False, True]]
