"""Generated workbooks open, recalculate and print in a real spreadsheet engine (headless LibreOffice).

All workbooks are converted in two ``soffice`` runs (to xlsx, recalculated, and to PDF) with a
private profile whose ``OOXMLRecalcMode`` is "always", so every formula is recalculated on load.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlprofit
from tests.conftest import small_tables, soffice_or_skip
from tests.test_workbooks import HOSTILE, hostile_tables, table_frame
from xlprofit.report.template import LIVE_SHEETS, RUNTIMES, write_demo, write_template

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("render_report", ROOT / "scripts" / "render_report.py")
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)


def _stale_formula(path: Path) -> None:
    """A workbook whose formula =1+1 carries the stale cached value 5: recalculation must give 2."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(path)
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for empty in ("<v></v>", "<v />", "<v/>"):
        sheet = sheet.replace(f"<f>1+1</f>{empty}", "<f>1+1</f><v>5</v>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    assert b"<v>5</v>" in parts["xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    soffice = soffice_or_skip()
    src = tmp_path_factory.mktemp("lo-src")
    profile = render.make_profile(tmp_path_factory.mktemp("lo-profile"))
    demo = xlprofit.analyze(xlprofit.load_demo())
    hostile = hostile_tables()
    files = {
        "template": src / "template.xlsx",
        "demo": src / "demo.xlsx",
        "report": src / "report.xlsx",
        "hostile_report": src / "hostile_report.xlsx",
        "hostile_book": src / "hostile_book.xlsx",
        "stale": src / "stale.xlsx",
        **{f"{runtime}_book": src / f"{runtime}_book.xlsx" for runtime in RUNTIMES},
    }
    for runtime in RUNTIMES:  # one filled workbook per runtime flavour of the template
        write_template(files[f"{runtime}_book"], data=small_tables(), runtime=runtime, language="pl")
    write_template(files["template"], language="nb")
    write_demo(files["demo"])
    xlprofit.write_report(demo, files["report"])
    xlprofit.write_report(xlprofit.analyze(xlprofit.Dataset(**hostile)), files["hostile_report"])
    write_template(files["hostile_book"], data=hostile)
    _stale_formula(files["stale"])
    out = tmp_path_factory.mktemp("lo-out")
    xlsx = render.convert(soffice, profile, list(files.values()), "xlsx:Calc MS Excel 2007 XML", out / "xlsx",
                          timeout_s=240)
    printed = ["template", "report", *(f"{runtime}_book" for runtime in RUNTIMES)]
    pdf = render.convert(soffice, profile, [files[k] for k in printed], "pdf", out / "pdf", timeout_s=240)
    return {"analysis": demo, "src": files, "xlsx": dict(zip(files, xlsx, strict=True)),
            "pdf": dict(zip(printed, pdf, strict=True))}


def test_libreoffice_recalculates_on_load(converted):
    ws = openpyxl.load_workbook(converted["xlsx"]["stale"], data_only=True).active
    assert ws["A1"].value == 2


def test_report_numbers_read_back_to_the_cent(converted):
    a = converted["analysis"]
    wb = openpyxl.load_workbook(converted["xlsx"]["report"], data_only=True)
    assert wb.sheetnames[:2] == ["Summary", "Customer P&L"]
    pnl = table_frame(wb["Customer P&L"], "CustomerPnL").set_index("Customer")
    assert len(pnl) == len(a.customers)
    for label, column in (("Net revenue", "net_revenue"), ("Gross margin", "gross_margin"), ("Profit", "profit"),
                          ("Contribution", "contribution"), ("Cost-to-serve", "cost_to_serve")):
        diff = (pnl[label].astype(float) - a.customers[column].reindex(pnl.index)).abs().max()
        assert diff < 0.005, label  # to the cent, as the analysis holds them
    kpis = table_frame(wb["Summary"], "KPIs").set_index("Figure")["Value"]
    for kpi, value in a.kpis.set_index("kpi")["value"].items():
        assert float(kpis[kpi]) == pytest.approx(value, abs=0.005), kpi
    rec = table_frame(wb["Reconciliation"], "Reconciliation")
    assert set(rec["Holds"]) == {"✓ holds"}


def test_hostile_text_stays_text_after_recalculation(converted):
    for key in ("hostile_report", "hostile_book"):
        wb = openpyxl.load_workbook(converted["xlsx"][key], data_only=False)
        seen = set()
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if ws.title in LIVE_SHEETS or cell.value in ("=TRUE()", "=FALSE()"):
                        continue  # LibreOffice stores booleans as the formulas TRUE() and FALSE()
                    assert cell.data_type not in ("f", "e"), (key, ws.title, cell.coordinate, cell.value)
                    if cell.value in HOSTILE:
                        seen.add(cell.value)
        assert seen == set(HOSTILE), key


def test_template_and_demo_open_with_tables_and_live_formulas(converted):
    template = openpyxl.load_workbook(converted["xlsx"]["template"])
    assert "Customers" in template["Customers"].tables
    formulas = [c.value for r in template["CLV live"].iter_rows() for c in r if c.data_type == "f"]
    assert any("XLP_CLV(" in f.upper() for f in formulas)  # LibreOffice lower-cases unknown names
    # Without the add-in the XLP_* functions are unknown to LibreOffice: #NAME? is the expected result.
    values = openpyxl.load_workbook(converted["xlsx"]["template"], data_only=True)["CLV live"]
    assert "#NAME?" in {c.value for r in values.iter_rows() for c in r}
    demo = xlprofit.analyze(xlprofit.read(converted["xlsx"]["demo"]))
    pd.testing.assert_series_equal(demo.customers["profit"], converted["analysis"].customers["profit"],
                                   check_exact=False, atol=0.005, rtol=0)


def test_pdf_conversion_succeeds(converted):
    for pdf in converted["pdf"].values():
        head = pdf.read_bytes()[:5]
        assert head == b"%PDF-" and pdf.stat().st_size > 10_000


@pytest.mark.parametrize("runtime", list(RUNTIMES))
def test_each_runtime_flavour_opens_prints_and_reads_back(converted, runtime):
    key = f"{runtime}_book"
    assert converted["pdf"][key].read_bytes()[:5] == b"%PDF-"
    written, resaved = xlprofit.read(converted["src"][key]), xlprofit.read(converted["xlsx"][key])
    for table in ("customers", "transactions", "activities", "resources", "usage"):
        pd.testing.assert_frame_equal(getattr(resaved, table), getattr(written, table), obj=table)
    assert resaved.parameters == written.parameters
    assert not resaved.problems and not written.problems
    # The live formulas survive the round trip (LibreOffice lower-cases names it does not know); without
    # the add-in they are unknown: #NAME?.
    stored = {"classic": "=XLP_", "office": "=_XLDUDF_XLP_"}[runtime]
    book = openpyxl.load_workbook(converted["xlsx"][key])
    formulas = [c.value.text if hasattr(c.value, "text") else c.value
                for r in book["CLV live"].iter_rows() for c in r if c.data_type == "f"]
    assert len(formulas) == 4 and all(str(f).upper().startswith(stored) for f in formulas), formulas
    values = openpyxl.load_workbook(converted["xlsx"][key], data_only=True)["CLV live"]
    assert [c.value for r in values.iter_rows() for c in r].count("#NAME?") == 4
