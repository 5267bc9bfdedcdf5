"""The report workbook and the command line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlprofit
from xlprofit.cli import main
from xlprofit.report import REPORT_SHEETS

HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "=1+1", "+SUM(1)", "@A1", "#N/A", "-2+3"]


def _table_frame(ws, name: str) -> pd.DataFrame:
    ref = ws.tables[name].ref
    rows = [[c.value for c in r] for r in ws[ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_report_sheets_tables_and_numbers(tables, tmp_path):
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(result, out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(REPORT_SHEETS)
    pnl = _table_frame(wb["Customer P&L"], "CustomerPnL")
    assert len(pnl) == len(result.customers)
    for cid, profit in zip(pnl["Customer"], pnl["Profit"], strict=True):
        assert profit == pytest.approx(result.customers.loc[cid, "profit"], abs=0.005)
    rec = _table_frame(wb["Reconciliation"], "Reconciliation")
    assert set(rec["Holds"]) == {"✓ holds"}
    ws = wb["Customer P&L"]
    assert ws.freeze_panes is not None
    header_row = ws.tables["CustomerPnL"].ref.split(":")[0]
    profit_col = list(pnl.columns).index("Profit") + 1
    first = ws.cell(row=int(header_row[1:]) + 1, column=profit_col)
    assert "[Red]" in first.number_format
    assert ws.page_setup.orientation == "landscape"


def test_text_from_input_stays_text(tables, tmp_path):
    tables["customers"]["name"] = HOSTILE[:3]
    tables["customers"]["segment"] = HOSTILE[3:]
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(result, out)
    wb = openpyxl.load_workbook(out)
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert seen == set(HOSTILE)


def test_cli_report_on_demo_and_validate(tmp_path, capsys):
    out = tmp_path / "demo.xlsx"
    assert main(["report", "-o", str(out), "--quiet"]) == 0
    assert out.exists()
    assert "checks hold" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert len(_table_frame(wb["Customer P&L"], "CustomerPnL")) == len(xlprofit.load_demo().customers)


def test_cli_exit_codes(tables, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("customers", "transactions", "activities", "resources", "usage"):
        tables[name].to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame(list(tables["parameters"].items()), columns=["name", "value"]).to_csv(
        folder / "parameters.csv", index=False)
    assert main(["validate", str(folder)]) == 0
    assert main(["report", str(folder), "-o", str(tmp_path / "ok.xlsx"), "-q"]) == 0
    # A bad line: validate lists it and exits 1; the report still runs and lists it.
    tx = pd.read_csv(folder / "transactions.csv", dtype=str)
    tx.loc[0, "net_revenue"] = "lots"
    tx.to_csv(folder / "transactions.csv", index=False)
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 1
    assert "table 'transactions', row 2, column 'net_revenue', value 'lots': is not a number" in capsys.readouterr().out
    # A bad usage row is listed too, also when the engine reads the usage file.
    use = pd.read_csv(folder / "usage.csv", dtype=str)
    use.loc[0, "quantity"] = "many"
    use.to_csv(folder / "usage.csv", index=False)
    for engine in ("pandas", "duckdb"):
        assert main(["validate", str(folder), "--engine", engine]) == 1
        assert "table 'usage', row 2, column 'quantity', value 'many': is not a number" in capsys.readouterr().out
    # Usage errors exit 2.
    with pytest.raises(SystemExit) as info:
        main(["report"])
    assert info.value.code == 2
    assert main(["report", str(folder), "-o", str(tmp_path / "r.csv")]) == 2
    # Bad input as a whole exits 1 with the problems listed.
    (folder / "activities.csv").write_text("activity,cost\nx,1\n", encoding="utf-8")
    assert main(["report", str(folder), "-o", str(tmp_path / "bad.xlsx"), "-q"]) == 1
    assert "required column 'driver' is missing" in capsys.readouterr().err
    assert not (tmp_path / "bad.xlsx").exists()


def test_report_is_not_written_over_the_input(tmp_path):
    book = tmp_path / "input.xlsx"
    xlprofit.write_report(xlprofit.analyze(xlprofit.load_demo()), book)
    before = book.read_bytes()
    assert main(["report", str(book), "-o", str(book), "-q"]) == 1
    assert book.read_bytes() == before


def test_unwritable_output_is_a_clear_error(tmp_path):
    result = xlprofit.analyze(xlprofit.load_demo())
    with pytest.raises(xlprofit.errors.OutputError, match="does not exist"):
        xlprofit.write_report(result, tmp_path / "missing" / "r.xlsx")


def test_workbook_with_entity_declarations_is_refused(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><workbook>&lol2;</workbook>')
    with pytest.raises(xlprofit.errors.InputError, match="DOCTYPE"):
        xlprofit.read(bomb)
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(xlprofit.errors.InputError, match="not an xlsx workbook"):
        xlprofit.read(text)


def test_cli_functions_lists_the_catalogue(capsys):
    from xlprofit.excel.catalogue import FUNCTIONS

    assert main(["functions"]) == 0
    out = capsys.readouterr().out
    for f in FUNCTIONS:
        assert f.name in out
    assert main(["functions", "--markdown"]) == 0
    assert capsys.readouterr().out.strip() == (Path(__file__).parent.parent / "docs" / "functions.md").read_text(
        encoding="utf-8").strip()
