"""Currencies in the reconciliation: every total in the reporting currency.

Lines in a foreign currency are converted where the fx table has a rate; a line in a currency
without a rate is rejected, and its amount is in no reporting-currency total: the
reconciliation states it per currency. Worked by hand on a dataset small enough to add up,
and the same through every engine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest

import xlprofit
from xlprofit.core.periods import Periods
from xlprofit.engines import open_lines, read_folder

NET_CHECK = "Net revenue: input = customer P&L + credited returns + rejected + excluded lines"
LINES_CHECK = "Invoice lines: input = customer P&L + rejected + excluded"
SEK_RATE = 0.085  # EUR per SEK

# (date, customer, currency, gross_revenue, discount, net_revenue); reporting currency EUR.
_LINES = [
    ("2024-01-10", "A", "EUR", None, None, "100.00"),  # accepted: 100.00 EUR
    ("2024-02-10", "B", "EUR", None, None, "250.50"),  # accepted: 250.50 EUR
    ("2024-03-10", "A", "SEK", None, None, "1000.00"),  # accepted: 1,000 × 0.085 = 85.00 EUR
    ("2024-04-10", "B", "sek", None, None, "2000.00"),  # accepted: 2,000 × 0.085 = 170.00 EUR
    ("2024-05-10", "GHOST", "SEK", None, None, "400.00"),  # rejected, unknown customer: 34.00 EUR
    ("2024-13-45", "A", "SEK", None, None, "600.00"),  # rejected, unreadable date: 51.00 EUR
    ("2024-06-10", "B", "SEK", "1100.00", "50.00", "1000.00"),  # rejected, 1,100 − 50 ≠ 1,000: 85.00 EUR
    ("2024-07-10", "A", "NOK", None, None, "500.00"),  # rejected, no NOK rate: NOK 500.00
    ("2024-08-10", "B", "NOK", None, None, "1234.50"),  # rejected, no NOK rate: NOK 1,234.50
    ("2024-09-10", "GHOST", "NOK", None, None, "100.00"),  # rejected for the currency first: NOK 100.00
    ("2024-10-10", "A", "NOK", None, None, "lots"),  # rejected, no rate and no readable amount: NOK ?
    ("2025-02-01", "A", "EUR", None, None, "40.00"),  # excluded, outside the period: 40.00 EUR
]
# By hand, in EUR:
#   customer P&L  = 100.00 + 250.50 + 85.00 + 170.00           = 605.50
#   rejected      =  34.00 +  51.00 + 85.00                    = 170.00
#   excluded      =  40.00                                     =  40.00
#   input         = 605.50 + 170.00 + 40.00                    = 815.50
# and apart, in no EUR figure: NOK 500.00 + 1,234.50 + 100.00  = NOK 1,834.50 in 4 lines (one unreadable).
# Lines: 12 read = 4 in the P&L + 7 rejected (3 SEK converted, 4 NOK not) + 1 excluded.
PNL_EUR, REJECTED_EUR, EXCLUDED_EUR, INPUT_EUR = 605.50, 170.00, 40.00, 815.50
NOK_CENTS, NOK_LINES = 183_450, 4
NOK_DETAIL = "not converted, no fx rate: NOK 1,834.50 in 4 lines"


def _tables() -> dict[str, pd.DataFrame]:
    lines = pd.DataFrame(_LINES, columns=["date", "customer_id", "currency", "gross_revenue", "discount",
                                          "net_revenue"])
    lines.insert(2, "order_id", [f"o{i}" for i in range(len(lines))])
    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C"],
        "acquired_on": ["2020-01-01", "2024-03-01", "2024-06-01"],
        # B: SEK 1,000 × 0.085 = 85.00 EUR charged; C: NOK 5,000 has no rate, ignored (listed, not charged).
        "acquisition_cost": ["", "1000", "5000"],
        "currency": ["EUR", "SEK", "NOK"],
    })
    activities = pd.DataFrame({"activity": ["Order handling"], "driver": ["lines"], "cost": ["40"]})
    parameters = pd.DataFrame({"name": ["period_start", "period_end", "currency"],
                               "value": ["2024-01-01", "2024-12-31", "EUR"]})
    fx = pd.DataFrame({"currency": ["SEK"], "rate": [str(SEK_RATE)]})
    return {"customers": customers, "transactions": lines, "activities": activities, "parameters": parameters,
            "fx": fx}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("currencies")
    for name, frame in _tables().items():
        frame.to_csv(root / f"{name}.csv", index=False)
    return root


def _pandas_dataset() -> xlprofit.Dataset:
    t = _tables()
    return xlprofit.Dataset(t["customers"], t["transactions"], t["activities"], None, None, t["parameters"],
                            fx=t["fx"])


def _net_check(result: xlprofit.Analysis) -> pd.Series:
    checks = result.reconciliation.set_index("check")
    return checks.loc[NET_CHECK]


def test_the_reconciliation_is_in_the_reporting_currency_and_names_the_rest_per_currency():
    result = xlprofit.analyze(_pandas_dataset())
    check = _net_check(result)
    assert check["holds"]
    # The input total holds no NOK: with them it would be 815.50 + 1,834.50 = 2,650.00.
    assert check["expected"] == INPUT_EUR
    assert check["actual"] == INPUT_EUR
    assert "P&L 605.50; credited returns 0.00 (0 line(s)); rejected 170.00; outside the period 40.00" in check["detail"]
    assert NOK_DETAIL in check["detail"]
    assert "1 line(s) with an unreadable amount" in check["detail"]
    assert "SEK" not in check["detail"]  # every SEK line was converted
    assert round(result.customers["net_revenue"].sum(), 2) == PNL_EUR
    kpis = result.kpis.set_index("kpi")["value"]
    assert kpis["Net revenue of rejected invoice lines"] == REJECTED_EUR
    assert kpis["Rejected invoice lines"] == 7  # 3 SEK (converted) + 4 NOK (not)
    lines = result.reconciliation.set_index("check").loc[LINES_CHECK]
    assert lines["holds"] and lines["expected"] == 12 and lines["actual"] == 12
    assert result.checks_hold


def test_line_accounting_counts_converted_rejections_and_states_the_unconverted_apart():
    ds = _pandas_dataset()
    periods = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), 4)
    _, acc = ds.lines.summarise(ds.customers.set_index("customer_id").index, periods, None)
    assert acc.input_rows == 12 and acc.rejected_rows == 7 and acc.outside_rows == 1
    assert acc.input_net_cents == round(INPUT_EUR * 100)
    assert acc.rejected_cents == round(REJECTED_EUR * 100)  # 3,400 + 5,100 + 8,500
    assert acc.outside_cents == round(EXCLUDED_EUR * 100)
    assert acc.unconverted == {"NOK": (NOK_LINES, NOK_CENTS)}
    assert acc.unreadable_net_revenue == 1


def test_exceptions_show_an_unconverted_amount_with_its_currency():
    ds = _pandas_dataset()
    ex = ds.exceptions
    nok = ex[(ex["table"] == "transactions") & (ex["column"] == "currency")]
    # The value column names the currency; the amount is as read, in that currency.
    assert nok["value"].tolist() == ["NOK"] * 4
    assert nok["amount"].tolist()[:3] == [500.00, 1234.50, 100.00] and pd.isna(nok["amount"].iloc[3])
    assert nok["reason"].str.contains("has no rate").all()
    # Rejected for another reason once converted: the amount in EUR (400 × 0.085; 1,000 × 0.085).
    ghost = ex[(ex["table"] == "transactions") & (ex["reason"] == "is not in the customers table")]
    assert ghost["amount"].tolist() == [34.00]
    mismatch = ex[(ex["table"] == "transactions") & ex["reason"].str.startswith("gross_revenue − discount")]
    assert mismatch["amount"].tolist() == [85.00]


def test_a_foreign_acquisition_cost_is_converted_or_listed_with_its_currency():
    result = xlprofit.analyze(_pandas_dataset())
    acq = result.customers["acquisition_cost"]
    assert acq["B"] == 85.00  # SEK 1,000 × 0.085
    assert acq["C"] == 0.0  # NOK 5,000: no rate, in no EUR figure
    ex = result.exceptions
    row = ex[(ex["table"] == "customers") & (ex["column"] == "currency")]
    assert row[["value", "action", "customer_id", "amount"]].values.tolist() == [["NOK", "value ignored", "C",
                                                                                   5000.0]]


# ------------------------------------------------------------------------------------------ engines

def _norm(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object).where(frame.notna(), None)
    out = out.sort_values(list(out.columns), key=lambda column: column.astype(str), kind="stable")
    return out.reset_index(drop=True)


def _engine_options(engine: str, request: pytest.FixtureRequest) -> dict:
    if importlib.util.find_spec("duckdb" if engine == "duckdb" else "pyspark") is None:
        if os.environ.get("CI"):
            pytest.fail(f"{engine} is required under CI but is not installed")
        pytest.skip(f"{engine} is not installed")
    return {"spark": request.getfixturevalue("spark")} if engine == "spark" else {}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("xlprofit-tests")
               .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_engines_reconcile_currencies_like_pandas(folder, engine, request):
    options = _engine_options(engine, request)
    expected = xlprofit.analyze(read_folder(folder, engine="pandas"))
    actual = xlprofit.analyze(read_folder(folder, engine=engine, **options))
    for name in ("reconciliation", "customers", "kpis", "bridge"):
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(actual, name), check_exact=True, obj=name)
    pd.testing.assert_frame_equal(_norm(expected.exceptions), _norm(actual.exceptions))
    check = _net_check(actual)
    assert check["holds"] and check["expected"] == INPUT_EUR and check["actual"] == INPUT_EUR
    assert NOK_DETAIL in check["detail"]


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_engine_line_accounting_equals_frame_lines(folder, engine, request):
    options = _engine_options(engine, request)
    ds = _pandas_dataset()
    customers = ds.customers.set_index("customer_id").index
    periods = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), 4)
    _, acc_p = ds.lines.summarise(customers, periods, None)
    source = open_lines(folder / "transactions.csv", engine, **options)
    with source if hasattr(source, "__enter__") else contextlib.nullcontext(source) as lines:
        lines.attach(customers, "EUR", {"SEK": SEK_RATE})
        _, acc_e = lines.summarise(customers, periods, None)
    fields = [f for f in vars(acc_p) if f not in ("exceptions", "unlisted")]
    assert {f: getattr(acc_e, f) for f in fields} == {f: getattr(acc_p, f) for f in fields}
    assert acc_e.unconverted == {"NOK": (NOK_LINES, NOK_CENTS)}
    assert acc_e.rejected_cents == round(REJECTED_EUR * 100)


def test_the_excel_left_out_note_states_unconverted_lines_per_currency():
    """XLP_…(bad_lines="skip")'s last row: the NOK lines apart, never added to the euros."""
    pytest.importorskip("xlwings")
    from xlprofit.excel._analyses import lines_used as _lines_used

    note = _lines_used(xlprofit.analyze(_pandas_dataset()), "skip")
    assert note is not None and note.startswith("Left out: 7 invoice line(s)")
    # 3 SEK lines rejected but converted: 170.00 EUR; the 4 NOK lines stay in NOK (one unreadable).
    assert "net revenue 170.00" in note
    assert "NOK 1,834.50 not converted (no fx rate)" in note


def test_a_customer_in_a_currency_without_rate_and_no_acquisition_cost_is_not_an_exception():
    t = _tables()
    t["customers"].loc[2, "acquisition_cost"] = ""  # C: NOK, nothing to convert
    result = xlprofit.analyze(xlprofit.Dataset(t["customers"], t["transactions"], t["activities"], None, None,
                                               t["parameters"], fx=t["fx"]))
    ex = result.exceptions
    assert not ((ex["table"] == "customers") & (ex["column"] == "currency")).any()
