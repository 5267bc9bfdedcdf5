"""The full per-customer tables beside the report workbook (``write_report(…, tables=…)``, ``--tables``).

Above :data:`~xlprofit.report.workbook.SIDE_TABLES_ABOVE` customers (lowered here to 100, the demo has
300) the workbook keeps what people read and the full tables go to ``<stem>_tables/`` as Parquet or CSV
files, each named with its rows and SHA-256 on the Assumptions sheet.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlprofit
from xlprofit.cli import main
from xlprofit.core.actions import actions_left_out
from xlprofit.core.money import to_cents
from xlprofit.errors import OutputError
from xlprofit.report import report_sheets, workbook
from xlprofit.report._words import Words


def _table(ws: openpyxl.worksheet.worksheet.Worksheet, name: str) -> pd.DataFrame:
    rows = [[c.value for c in r] for r in ws[ws.tables[name].ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def analysis() -> xlprofit.Analysis:
    return xlprofit.analyze(xlprofit.load_demo())


def _expected_rows(a: xlprofit.Analysis) -> dict[str, int]:
    return {"customer_pnl": len(a.customers), "cost_to_serve": len(a.customers), "whale_curve": len(a.whale),
            "matrix": len(a.matrix), "clv": len(a.clv), "acquisition": len(a.acquisition),
            "actions": len(a.actions), "actions_left_out": len(actions_left_out(a)),
            "flagged_customers": int(a.customers["flagged"].sum())}


@pytest.fixture(scope="module")
def auto_report(analysis: xlprofit.Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo report in "auto" mode, the threshold below the demo's 300 customers; 100 actions on the sheet."""
    out = tmp_path_factory.mktemp("auto") / "report.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workbook, "SIDE_TABLES_ABOVE", 100)
        mp.setattr(workbook, "SIDE_ACTIONS", 100)
        assert workbook.table_mode(analysis) == "parquet"
        assert "Acquisition" not in report_sheets(analysis)
        xlprofit.write_report(analysis, out)
    return out


@pytest.fixture(scope="module")
def csv_report(analysis: xlprofit.Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv") / "report.xlsx"
    xlprofit.write_report(analysis, out, tables="csv")
    return out


def _summary_profit(book: openpyxl.Workbook) -> float:
    steps = _table(book["Summary"], "Waterfall").set_index("Step")["Amount"]
    return float(steps["Customer profit (Σ over the customers)"])


def _check_report(out: Path, a: xlprofit.Analysis, suffix: str) -> dict[str, pd.DataFrame]:
    folder = out.parent / "report_tables"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.{suffix}" for n in workbook.SIDE_TABLES)
    read = pd.read_parquet if suffix == "parquet" else pd.read_csv
    frames = {n: read(folder / f"{n}.{suffix}") for n in workbook.SIDE_TABLES}
    assert {n: len(f) for n, f in frames.items()} == _expected_rows(a)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == list(workbook.REPORT_SHEETS)
    # Profit to the cent, the activities' cost-to-serve in the P&L file adding up to the customers'.
    pnl = frames["customer_pnl"]
    assert int(to_cents(pnl["profit"]).sum()) == round(_summary_profit(book) * 100)
    assert int(to_cents(pnl["profit"]).sum()) == int(to_cents(a.customers["profit"]).sum())
    cts = [c for c in pnl.columns if c.startswith("cts_")]
    assert cts and int(to_cents(pnl[cts].to_numpy().ravel()).sum()) == int(to_cents(pnl["cost_to_serve"]).sum())
    assert list(pnl["customer_id"]) == list(a.customers.sort_values(["profit"], ascending=False, kind="stable").index)
    # No full per-customer table left in the workbook: a note names the file instead.
    ws = book["Customer P&L"]
    assert not ws.tables and ws.max_row < 10
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert any(f"customer_pnl.{suffix}" in t and f"{len(a.customers):,} rows" in t for t in texts)
    tables = {name for sheet in book.worksheets for name in sheet.tables}
    assert not tables & {"CustomerPnL", "CostToServe", "WhaleCurve", "Matrix", "CLV", "Acquisition",
                         "FlaggedCustomers", "ActionsLeftOut"}
    assert {"Waterfall", "KPIs", "TopCustomers", "BottomCustomers", "TopActions", "Checks", "Deciles",
            "WhaleCurvePoints", "Quadrants", "MatrixPoints", "PeriodTotals", "CLVModels", "Segments", "Products",
            "Reconciliation", "Exceptions", "Parameters", "Sources", "SideTables"} <= tables
    assert len(_table(book["Summary"], "TopCustomers")) == 10 and len(_table(book["Summary"], "TopActions")) == 10
    # The Assumptions sheet lists every file with its rows and the SHA-256 of its bytes.
    listed = _table(book["Assumptions"], "SideTables")
    assert list(listed.columns) == ["File", "Rows", "SHA-256"]
    assert list(listed["File"]) == [f"report_tables/{n}.{suffix}" for n in workbook.SIDE_TABLES]
    for file, rows, sha in listed.itertuples(index=False):
        assert rows == len(frames[Path(file).stem])
        assert sha == hashlib.sha256((out.parent / file).read_bytes()).hexdigest()
    # The whale curve chart (its sheet's and the Summary's) plots the points table on the sheet.
    points = book["Whale curve"].tables["WhaleCurvePoints"].ref
    first, last = (int(n) for n in re.findall(r"\d+", points))
    with zipfile.ZipFile(out) as z:
        charts = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    refs = re.findall(r"'Whale curve'!\$[A-Z]+\$(\d+):\$[A-Z]+\$(\d+)", charts)
    assert refs and all(first <= int(lo) <= int(hi) <= last for lo, hi in refs)
    return frames


def test_auto_above_the_threshold_writes_parquet_files_beside_the_workbook(auto_report, analysis):
    frames = _check_report(auto_report, analysis, "parquet")
    book = openpyxl.load_workbook(auto_report)
    # The Actions sheet keeps the highest-ranked (SIDE_ACTIONS, 100 here) and says where the rest are.
    actions = _table(book["Actions"], "Actions")
    assert list(actions["Rank"]) == list(range(1, 101))
    assert list(frames["actions"]["rank"]) == list(analysis.actions["rank"])
    notes = [c.value for c in book["Actions"]["A"] if isinstance(c.value, str)]
    assert any(f"The 100 highest-ranked of the {len(analysis.actions):,} actions" in t and "actions.parquet" in t
               for t in notes)
    assert pd.api.types.is_bool_dtype(frames["flagged_customers"]["falling_volume"])
    # No temporary file is left behind.
    assert not [p for p in auto_report.parent.rglob(".*")]


def test_csv_tables_read_back_with_the_same_totals(csv_report, analysis):
    frames = _check_report(csv_report, analysis, "csv")
    raw = (csv_report.parent / "report_tables" / "acquisition.csv").read_bytes()
    text = raw.decode("utf-8")
    assert text.startswith("customer_id,acquired_on,") and "\r" not in text
    assert re.search(r"\nC\d+,\d{4}-\d{2}-\d{2},", text)  # ISO dates
    clv = frames["clv"]
    assert int(to_cents(clv["clv"].fillna(0)).sum()) == int(to_cents(analysis.clv["clv"].fillna(0)).sum())


def test_workbook_mode_keeps_every_table_in_the_workbook(analysis, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "SIDE_TABLES_ABOVE", 100)
    out = tmp_path / "report.xlsx"
    xlprofit.write_report(analysis, out, tables="workbook")
    assert not (tmp_path / "report_tables").exists() and [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    book = openpyxl.load_workbook(out, read_only=False)
    assert len(_table(book["Customer P&L"], "CustomerPnL")) == len(analysis.customers)
    assert "SideTables" not in book["Assumptions"].tables


def test_auto_at_or_below_the_threshold_changes_nothing(analysis, tmp_path):
    assert workbook.SIDE_TABLES_ABOVE == 100_000 and workbook.table_mode(analysis) == "workbook"
    out = tmp_path / "report.xlsx"
    xlprofit.write_report(analysis, out)
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    book = openpyxl.load_workbook(out)
    assert len(_table(book["Customer P&L"], "CustomerPnL")) == len(analysis.customers)
    with pytest.raises(ValueError, match="unknown tables 'xlsx'"):
        xlprofit.write_report(analysis, tmp_path / "other.xlsx", tables="xlsx")


def test_too_many_customers_for_a_worksheet_only_in_workbook_mode(analysis, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 400)
    monkeypatch.setattr(workbook, "CHART_POINTS", 40)
    with pytest.raises(OutputError, match="do not fit on one worksheet.*--tables parquet"):
        xlprofit.write_report(analysis, tmp_path / "r.xlsx", tables="workbook")
    xlprofit.write_report(analysis, tmp_path / "r.xlsx", tables="parquet")
    assert len(pd.read_parquet(tmp_path / "r_tables" / "customer_pnl.parquet")) == len(analysis.customers)


def test_the_cli_flag_writes_the_folder(tmp_path, capsys):
    out = tmp_path / "report.xlsx"
    assert main(["report", "-o", str(out), "--tables", "csv", "-q", "--scenario", "none"]) == 0
    said = capsys.readouterr().out
    assert "wrote" in said and "report_tables" in said
    assert len(pd.read_csv(tmp_path / "report_tables" / "customer_pnl.csv")) == 300


def test_the_cli_choices_are_the_writers():
    from xlprofit import cli

    assert cli._TABLE_MODES == workbook.TABLE_MODES
    assert cli._SIDE_TABLES_ABOVE == workbook.SIDE_TABLES_ABOVE


def test_a_tables_folder_that_cannot_be_written_is_refused(analysis, tmp_path, capsys, monkeypatch):
    out = tmp_path / "report.xlsx"
    (tmp_path / "report_tables").write_text("not a folder")
    with pytest.raises(OutputError, match="report_tables' is not a folder"):
        xlprofit.write_report(analysis, out, tables="parquet")
    assert not out.exists()
    # The command says so in one line, before the analysis (--tables csv) or after it (auto).
    assert main(["report", "-o", str(out), "--tables", "csv", "-q", "--scenario", "none"]) == 1
    err = capsys.readouterr().err
    assert "is not a folder" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setattr(workbook, "SIDE_TABLES_ABOVE", 100)
    assert main(["report", "-o", str(out), "-q", "--scenario", "none"]) == 1
    err = capsys.readouterr().err
    assert "is not a folder" in err and "Traceback" not in err
    assert not out.exists()


def test_a_failed_save_leaves_no_table_under_its_name(analysis, tmp_path, monkeypatch):
    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("xlprofit.report.workbook.os.replace", locked)
    out = tmp_path / "report.xlsx"
    with pytest.raises(OutputError, match="customer_pnl.parquet': it is open in another program"):
        xlprofit.write_report(analysis, out, tables="parquet")
    assert not out.exists()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def test_the_notes_are_translated(analysis, auto_report, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "SIDE_TABLES_ABOVE", 100)
    monkeypatch.setattr(workbook, "SIDE_ACTIONS", 100)
    english = openpyxl.load_workbook(auto_report)
    out = tmp_path / "report.xlsx"
    xlprofit.write_report(analysis, out, language="nb")
    book = openpyxl.load_workbook(out)
    words = Words("nb")
    new = re.compile(r"beside this workbook|^Chart points: .* customers|^Rows$")
    found = 0
    for ws_en, ws in zip(english.worksheets, book.worksheets, strict=True):
        for row in ws_en.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and new.search(cell.value):
                    found += 1
                    assert words.knows(cell.value), cell.value
                    assert ws[cell.coordinate].value == words(cell.value) != cell.value
    assert found >= 10
