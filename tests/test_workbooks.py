"""The template, demo and report workbooks, read back with openpyxl (no spreadsheet engine)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import stat
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula

import xlprofit
from tests.conftest import small_tables
from tests.test_spill import formula_cells, spill_cells
from xlprofit.cli import build_parser, main
from xlprofit.core.schema import PARAMETERS, SCHEMAS, TABLES
from xlprofit.errors import ArgumentError, InputError, OutputError
from xlprofit.excel.catalogue import FUNCTIONS, by_name
from xlprofit.report import REPORT_SHEETS
from xlprofit.report._values import Formula, cell_value
from xlprofit.report.template import (
    INPUT_SHEETS,
    LANGUAGES,
    LIVE_SHEETS,
    OFFICEJS_PREFIX,
    PARAMETER_NAMES,
    RUNTIMES,
    SCENARIOS_SHEET,
    formula_name,
    template_tables,
    write_demo,
    write_template,
)
from xlprofit.report.workbook import REPORT_TABLES

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "=1+1", "+SUM(1)", "@A1", "#N/A", "-2+3", "#DIV/0!"]


def hostile_tables() -> dict:
    """The small dataset with formula-like and error-like text in every text field users fill."""
    t = small_tables()
    t["customers"]["name"] = HOSTILE[:3]
    t["customers"]["segment"] = HOSTILE[3:6]
    t["customers"]["region"] = [HOSTILE[6], "=1+1", "North"]
    t["transactions"]["product_id"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(t["transactions"]))]
    return t


def table_frame(ws, name: str) -> pd.DataFrame:
    rows = [[c.value for c in r] for r in ws[ws.tables[name].ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def demo_analysis():
    return xlprofit.analyze(xlprofit.load_demo())


@pytest.fixture(scope="module")
def demo_report(demo_analysis, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.xlsx"
    xlprofit.write_report(demo_analysis, out)
    return openpyxl.load_workbook(out)


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    write_demo(out)
    return out


def test_report_has_every_sheet_and_table(demo_report):
    assert demo_report.sheetnames == list(REPORT_SHEETS)
    for sheet, tables in REPORT_TABLES.items():
        assert set(tables) <= set(demo_report[sheet].tables), sheet
    # Values only: no formula anywhere.
    for ws in demo_report.worksheets:
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), ws.title


def test_report_numbers_equal_the_analysis_to_the_cent(demo_report, demo_analysis):
    pnl = table_frame(demo_report["Customer P&L"], "CustomerPnL").set_index("Customer")
    expected = demo_analysis.customers
    assert len(pnl) == len(expected)
    for label, column in (("Net revenue", "net_revenue"), ("Cost-to-serve", "cost_to_serve"), ("Profit", "profit"),
                          ("Contribution", "contribution")):
        diff = (pnl[label].astype(float) - expected[column].reindex(pnl.index)).abs().max()
        assert diff < 0.005, label  # cents: the P&L is cent-exact by construction (docs/architecture.md)
    cts = table_frame(demo_report["Cost-to-serve"], "CostToServe").set_index("Customer")
    for activity in [c for c in expected.columns if c.startswith("cts_")]:
        diff = (cts[f"CTS: {activity[4:]}"].astype(float) - expected[activity].reindex(cts.index)).abs().max()
        assert diff < 0.005, activity
    kpis = table_frame(demo_report["Summary"], "KPIs").set_index("Figure")["Value"]
    for kpi, value in demo_analysis.kpis.set_index("kpi")["value"].items():
        assert kpis[kpi] == pytest.approx(value, abs=0.005), kpi
    whale = table_frame(demo_report["Whale curve"], "WhaleCurve")
    assert whale["Cumulative profit %"].tolist() == pytest.approx(
        demo_analysis.whale["cumulative_profit_pct"].tolist(), abs=1e-12)


def test_report_formatting(demo_report):
    ws = demo_report["Customer P&L"]
    header = ws.tables["CustomerPnL"].ref.split(":")[0]
    header_row = int("".join(ch for ch in header if ch.isdigit()))
    assert ws.freeze_panes == f"C{header_row + 1}"
    assert ws.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    assert ws.page_setup.orientation == "landscape"
    # As wide as it must be to print at 7 pt or more, the customer columns repeated on each page.
    assert ws.page_setup.fitToWidth >= 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 or (ws.print_title_cols or "").replace("$", "") == "A:B"
    # The footer (sheet name, page of pages) has a third of an inch below the bottom margin: room for
    # its line of text, which LibreOffice cuts off when the room is less than the text is tall.
    for sheet in demo_report.worksheets:
        assert sheet.page_margins.bottom - sheet.page_margins.footer >= 0.3, sheet.title
        assert sheet.oddFooter.center.text == "&A — page &P of &N"
    heads = [c.value for c in ws[header_row]]
    profit = ws.cell(row=header_row + 1, column=heads.index("Profit") + 1)
    assert "[Red]" in profit.number_format
    margin = ws.cell(row=header_row + 1, column=heads.index("Margin %") + 1)
    assert "%" in margin.number_format
    for letter in ("A", "B", "F"):
        assert ws.column_dimensions[letter].width >= 8
    assert len(demo_report["Whale curve"]._charts) == 1
    assert len(demo_report["Matrix"]._charts) == 1
    sources = table_frame(demo_report["Assumptions"], "Sources")
    assert all(len(h) == 64 for h in sources["SHA-256"])


def test_clv_sheet_without_clv_shows_a_note(tables, tmp_path):
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    if hasattr(result, "clv"):
        result = dataclasses.replace(result, clv=None)
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(result, out)
    ws = openpyxl.load_workbook(out)["CLV"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Lifetime values were not computed") for t in texts)
    assert "Acquisition" in ws.tables


def _hostile_cells(path: Path) -> set[str]:
    seen: set[str] = set()
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in HOSTILE:
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
                assert not (cell.data_type == "e"), (ws.title, cell.coordinate)
    return seen


def test_formula_injection_stays_text_in_report_and_demo(tmp_path):
    data = hostile_tables()
    report = tmp_path / "r.xlsx"
    xlprofit.write_report(xlprofit.analyze(xlprofit.Dataset(**data)), report)
    assert _hostile_cells(report) == set(HOSTILE)
    book = tmp_path / "book.xlsx"
    write_template(book, data=data)
    assert _hostile_cells(book) == set(HOSTILE)
    # And the filled workbook reads back with the text intact.
    back = xlprofit.read(book)
    assert list(back.customers["name"]) == HOSTILE[:3]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_written_as_text(text):
    """Text stays text; a character XML 1.0 cannot hold (C0/C1 controls, surrogates,
    non-characters) is replaced visibly by U+FFFD, never dropped silently."""
    value, kind = cell_value(text)
    assert kind == "s"
    assert len(value) == len(text)
    for ours, theirs in zip(value, text, strict=True):
        storable = (theirs in "\t\n\r" or 0x20 <= ord(theirs) < 0x7F or 0xA0 <= ord(theirs) < 0xD800
                    or 0xE000 <= ord(theirs) < 0xFDD0 or 0xFDF0 <= ord(theirs)) and (ord(theirs) & 0xFFFE) != 0xFFFE
        assert ours == (theirs if storable else "\ufffd")


def test_only_builder_formulas_become_formulas():
    assert cell_value(Formula("=XLP_CLV(DiscountRate,B6,C6)")) == ("=XLP_CLV(DiscountRate,B6,C6)", "f")
    assert cell_value("=XLP_CLV(DiscountRate,B6,C6)")[1] == "s"
    assert cell_value(float("nan")) == (None, None)


def _content(value):
    """A cell value comparable by content (openpyxl's ArrayFormula compares by identity)."""
    return ("array", value.ref, value.text) if isinstance(value, ArrayFormula) else value


def test_committed_template_is_what_the_command_writes(tmp_path):
    fresh = tmp_path / "t.xlsx"
    assert main(["template", "-o", str(fresh)]) == 0
    a, b = openpyxl.load_workbook(ROOT / "workbook_template.xlsx"), openpyxl.load_workbook(fresh)
    assert a.sheetnames == b.sheetnames
    assert sorted(a.defined_names) == sorted(b.defined_names)
    for name in a.defined_names:
        assert a.defined_names[name].attr_text == b.defined_names[name].attr_text
    for wa, wb_ in zip(a.worksheets, b.worksheets, strict=True):
        cells_a = [(c.coordinate, _content(c.value), c.data_type, c.number_format) for r in wa.iter_rows() for c in r]
        cells_b = [(c.coordinate, _content(c.value), c.data_type, c.number_format) for r in wb_.iter_rows() for c in r]
        assert cells_a == cells_b, wa.title
        assert dict(wa.tables.items()) == dict(wb_.tables.items())
        assert sorted(str(v.sqref) for v in wa.data_validations.dataValidation) == \
            sorted(str(v.sqref) for v in wb_.data_validations.dataValidation)
    # The dynamic-array markup openpyxl does not read back: same metadata part and marked cells.
    with zipfile.ZipFile(ROOT / "workbook_template.xlsx") as za, zipfile.ZipFile(fresh) as zb:
        assert za.read("xl/metadata.xml") == zb.read("xl/metadata.xml")
        assert spill_cells(za) == spill_cells(zb)


def test_template_names_tables_headers_and_validation():
    wb = openpyxl.load_workbook(ROOT / "workbook_template.xlsx")
    assert wb.sheetnames == ["Start here", *INPUT_SHEETS.values(), SCENARIOS_SHEET, *LIVE_SHEETS]
    for table, sheet in INPUT_SHEETS.items():
        ws = wb[sheet]
        assert sheet in ws.tables, sheet
        header = list(table_frame(ws, sheet).columns)
        if table == "parameters":
            assert header[:2] == ["name", "value"]
            continue
        assert header == [c.name for c in SCHEMAS[table]]
        validated = " ".join(str(v.sqref) for v in ws.data_validations.dataValidation)
        ref = ws.tables[sheet].ref
        first_data = int("".join(ch for ch in ref.split(":")[0] if ch.isdigit())) + 1
        for column in SCHEMAS[table]:
            if column.kind in ("money", "number", "rate", "date"):
                letter = openpyxl.utils.get_column_letter(header.index(column.name) + 1)
                assert f"{letter}{first_data}:" in validated, (table, column.name)
    params = table_frame(wb["Parameters"], "Parameters")
    assert list(params["name"]) == list(PARAMETERS)
    for parameter, name in PARAMETER_NAMES.items():
        sheet, cell = next(iter(wb.defined_names[name].destinations))
        assert sheet == "Parameters"
        ws = wb[sheet]
        row = ws[cell.replace("$", "")].row
        assert ws.cell(row=row, column=1).value == parameter
    assert {"DiscountRate", "PaymentDays", "CommissionRate", "DriverNames"} <= set(wb.defined_names)
    formulas = [c.value.text if isinstance(c.value, ArrayFormula) else c.value
                for ws in (wb[s] for s in LIVE_SHEETS) for r in ws.iter_rows() for c in r if c.data_type == "f"]
    for function in ("XLP_CUSTOMER_PNL(", "XLP_ACTIVITY_RATES(", "XLP_WHALE_CURVE(", "XLP_WHALE_PEAK(", "XLP_CLV(",
                     "XLP_CREDIT_COST("):
        assert any(function in f for f in formulas), function
    assert any("Transactions[#All]" in f for f in formulas)


def test_empty_template_reads_as_empty_tables(tmp_path):
    tables, first_rows, _ = xlprofit.io.read_tables(ROOT / "workbook_template.xlsx")
    assert set(tables) == set(TABLES)
    assert all(len(frame) == 0 for name, frame in tables.items())
    assert list(tables["customers"].columns) == [c.name for c in SCHEMAS["customers"]]


def test_demo_workbook_gives_the_same_analysis(demo_book, demo_analysis):
    result = xlprofit.analyze(xlprofit.read(demo_book))
    pd.testing.assert_frame_equal(result.customers, demo_analysis.customers, check_exact=False, atol=0.005, rtol=0)
    assert result.parameters == demo_analysis.parameters
    assert result.checks_hold


@pytest.mark.parametrize("language", ["nb", "sv", "pl"])
def test_translated_templates_read_back(language, tmp_path):
    english, other = tmp_path / "en.xlsx", tmp_path / f"{language}.xlsx"
    write_template(english, data=small_tables())
    write_template(other, data=small_tables(), language=language)
    a = xlprofit.analyze(xlprofit.read(english))
    b = xlprofit.analyze(xlprofit.read(other))
    pd.testing.assert_frame_equal(a.customers, b.customers)
    wa, wb_ = openpyxl.load_workbook(english), openpyxl.load_workbook(other)
    assert wa.sheetnames == wb_.sheetnames
    assert wa["Start here"]["A1"].value != wb_["Start here"]["A1"].value
    assert wa["Customers"]["A1"].value != wb_["Customers"]["A1"].value


def test_row_numbers_are_those_of_the_sheet(tmp_path):
    data = small_tables()
    data["transactions"] = data["transactions"].astype({"net_revenue": object})
    data["transactions"].loc[2, "net_revenue"] = "lots"
    book = tmp_path / "bad.xlsx"
    write_template(book, data=data)
    ws = openpyxl.load_workbook(book)["Transactions"]
    header_row = int("".join(ch for ch in ws.tables["Transactions"].ref.split(":")[0] if ch.isdigit()))
    problems = [str(p) for p in xlprofit.read(book).problems]
    assert any(f"row {header_row + 3}, column 'net_revenue', value 'lots'" in p for p in problems), problems


def _nested_entities(depth: int = 12) -> str:
    lines = ['<!ENTITY e0 "lollollollollollollollollollol">']
    lines += [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, depth)]
    return "<!DOCTYPE worksheet [" + "".join(lines) + "]>"


def test_nested_entities_are_refused_quickly_with_bounded_memory(tmp_path):
    source = tmp_path / "t.xlsx"
    write_template(source, data=small_tables())
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                # The declaration hides behind a long comment, past any fixed-size header check.
                body = data.decode("utf-8").split("?>", 1)[-1]
                data = ('<?xml version="1.0" encoding="UTF-8"?><!--' + "x" * 20_000 + "-->"
                        + _nested_entities() + body.replace("<sheetData>", "<sheetData>&e11;", 1)).encode()
            zout.writestr(info, data)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(InputError, match="declares a DOCTYPE/ENTITY"):
        xlprofit.read(bomb)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # 10**11 expanded characters if any parser expanded them; the refusal reads a few kB.
    assert elapsed < 2.0
    assert peak < 20_000_000


def test_utf16_parts_and_non_workbooks_are_refused(tmp_path):
    odd = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(odd, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-16"?><workbook/>'.encode("utf-16"))
    with pytest.raises(InputError, match="not UTF-8"):
        xlprofit.read(odd)
    binary = tmp_path / "b.xlsx"
    with zipfile.ZipFile(binary, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x00\x01")
    with pytest.raises(InputError, match="xlsb"):
        xlprofit.read(binary)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match="old .xls"):
        xlprofit.read(old)


def test_output_errors_are_clear(tmp_path, monkeypatch, demo_analysis):
    folder = tmp_path / "report.xlsx"
    folder.mkdir()
    with pytest.raises(OutputError, match="it is a folder"):
        xlprofit.write_report(demo_analysis, folder)

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("xlprofit.report.workbook.os.replace", locked)
    target = tmp_path / "locked.xlsx"
    with pytest.raises(OutputError, match="open in another program or not writable"):
        write_template(target)
    assert not target.exists()
    assert not list(tmp_path.glob(".locked-*"))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_written_files_get_the_permissions_of_a_new_file_or_of_the_file_replaced(tmp_path):
    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.xlsx"
        write_template(new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's owner-only 0o600
        new.chmod(0o640)
        write_template(new)  # replaced: keeps its permissions
        assert stat.S_IMODE(new.stat().st_mode) == 0o640
    finally:
        os.umask(umask)


def test_template_and_demo_commands(tmp_path, capsys):
    assert main(["template", "-o", str(tmp_path / "t.xlsx"), "--language", "pl"]) == 0
    assert openpyxl.load_workbook(tmp_path / "t.xlsx")["Start here"]["A1"].value.startswith("xlprofit — skoroszyt")
    assert main(["template", "-o", str(tmp_path / "t.csv")]) == 2
    with pytest.raises(SystemExit) as info:
        main(["template", "-o", str(tmp_path / "t.xlsx"), "--language", "de"])
    assert info.value.code == 2
    assert "wrote" in capsys.readouterr().out


_CELL_VALUES = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["=HYPERLINK(\"x\")", " padded ", "a&b<c>", "", "  "]),
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**15, 10**15), st.booleans(),
    st.datetimes(min_value=pd.Timestamp("1900-03-01").to_pydatetime(),
                 max_value=pd.Timestamp("2100-01-01").to_pydatetime()).map(pd.Timestamp),
    st.dates(min_value=pd.Timestamp("1900-03-01").date()),
)


def _sheet_data(path: Path, sheet: int = 1) -> list[tuple]:
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(f"xl/worksheets/sheet{sheet}.xml"))
    data = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheetData")
    return [(e.tag, sorted(e.attrib.items()), e.text) for e in data.iter()]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(rows=st.lists(st.lists(st.tuples(_CELL_VALUES, st.sampled_from([0, 0, 1])), max_size=6), max_size=5))
def test_rows_written_as_one_piece_of_xml_are_what_openpyxl_writes(rows, tmp_path_factory):
    from openpyxl import Workbook

    from xlprofit.report import _openpyxl_private as _cells

    def write(path: Path, fast: bool) -> None:
        wb = Workbook(write_only=True)
        ws = _cells.new_sheet(wb, "S")
        original = _cells.row_xml
        if not fast:
            _cells.row_xml = lambda *args: None  # every row through openpyxl's writer
        try:
            for row in rows:
                ws.put([v for v, _ in row], [s for _, s in row])
        finally:
            _cells.row_xml = original
        wb.save(path)

    folder = tmp_path_factory.mktemp("rows")
    write(folder / "fast.xlsx", True)
    write(folder / "openpyxl.xlsx", False)
    assert _sheet_data(folder / "fast.xlsx") == _sheet_data(folder / "openpyxl.xlsx")


_COLUMNS = st.sampled_from(["float", "int", "bool", "text", "names", "date", "mixed"])


@st.composite
def _table_chunks(draw):
    """A frame of 1–6 columns of every kind the report writes, and each column's styles."""
    n = draw(st.integers(1, 6))
    columns, styles = {}, []
    for j, kind in enumerate(draw(st.lists(_COLUMNS, min_size=1, max_size=6))):
        if kind == "float":
            values = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n))
        elif kind == "int":
            values = draw(st.lists(st.integers(-10**15, 10**15), min_size=n, max_size=n))
        elif kind == "bool":
            values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        elif kind == "text":
            values = draw(st.lists(st.one_of(st.none(), st.text(max_size=8), st.sampled_from(
                ["=1+1", "North", " padded", "a b", "", "x" * 40_000])), min_size=n, max_size=n))
        elif kind == "names":  # mostly text written as it is
            values = draw(st.lists(st.sampled_from(["North", "Ünïcode", "a b", " padded", "edge\t", "", "  ", None,
                                                    "x" * 40_000, "a&b", "1<2"]), min_size=n, max_size=n))
        elif kind == "date":
            values = pd.to_datetime(draw(st.lists(st.one_of(st.none(), st.dates(
                min_value=pd.Timestamp("1900-03-01").date(), max_value=pd.Timestamp("2100-01-01").date())),
                min_size=n, max_size=n)))
        else:
            values = draw(st.lists(st.one_of(_CELL_VALUES, st.just(Formula("=1+1"))), min_size=n, max_size=n))
        columns[f"c{j}"] = pd.Series(values, dtype=object if kind in ("text", "names", "mixed") else None)
        styles.append(draw(st.one_of(st.sampled_from([0, 3]), st.lists(st.sampled_from([0, 2]), min_size=n,
                                                                       max_size=n))))
    return pd.DataFrame(columns, index=range(n)), styles


@settings(max_examples=60, deadline=None, derandomize=True)
@given(chunk=_table_chunks(), left=st.integers(1, 3), first_row=st.integers(1, 10**6))
@example(chunk=(pd.DataFrame({"n": ["North", "a&b", "1<2"]}, dtype=object), [3]), left=1, first_row=1)
@example(chunk=(pd.DataFrame({"n": ["North", "x" * 40_000]}, dtype=object), [0]), left=2, first_row=7)
@example(chunk=(pd.DataFrame({"n": ["North", " padded", "edge\t", "", "  ", None]}, dtype=object), [3]),
         left=1, first_row=1)
def test_table_rows_made_a_column_at_a_time_are_what_row_by_row_writes(chunk, left, first_row):
    import datetime as dt

    from xlprofit.report import _rows as _cells

    frame, styles = chunk
    values = [_cells.column_values(frame[c]) for c in frame.columns]
    rows = _cells.TableRows(left, [v for v, _ in values], [k for _, k in values], styles)
    epoch = dt.datetime(1899, 12, 30)
    by_row = [_cells.row_xml(row, row_styles, first_row + i, epoch) for i, (row, row_styles) in enumerate(rows.rows())]
    expected = None if None in by_row else "".join(by_row)
    assert _cells.table_rows_xml(rows, first_row, epoch) == expected


def test_report_sheets_are_the_same_written_by_table_or_by_row(demo_analysis, tmp_path, monkeypatch):
    import datetime as dt

    from xlprofit.report import _openpyxl_private as _cells

    generated = dt.datetime(2026, 1, 2, 3, 4, 5)
    xlprofit.write_report(demo_analysis, tmp_path / "tables.xlsx", generated=generated)
    monkeypatch.setattr(_cells, "table_rows_xml", lambda *args: None)  # tables row by row (row_xml)
    xlprofit.write_report(demo_analysis, tmp_path / "rows.xlsx", generated=generated)
    monkeypatch.setattr(_cells, "row_xml", lambda *args: None)  # and every row through openpyxl
    xlprofit.write_report(demo_analysis, tmp_path / "openpyxl.xlsx", generated=generated)
    with zipfile.ZipFile(tmp_path / "tables.xlsx") as a, zipfile.ZipFile(tmp_path / "rows.xlsx") as b:
        sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(REPORT_SHEETS)
        for name in sheets:
            assert a.read(name) == b.read(name), name
    for k in range(1, len(sheets) + 1):
        assert _sheet_data(tmp_path / "tables.xlsx", k) == _sheet_data(tmp_path / "openpyxl.xlsx", k)


def test_long_tables_are_charted_through_a_table_of_spread_points(demo_analysis, tmp_path, monkeypatch):
    import re

    from openpyxl.utils import range_boundaries

    from xlprofit.report import workbook

    # With 300 customers and at most 40 points per chart, both scatter charts plot a points table.
    monkeypatch.setattr(workbook, "CHART_POINTS", 40)
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(demo_analysis, out)
    book = openpyxl.load_workbook(out)
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    for sheet, points, full, n_extra in (("Whale curve", "WhaleCurvePoints", "WhaleCurve", 1),
                                          ("Matrix", "MatrixPoints", "Matrix", 4)):
        ws = book[sheet]
        plotted = table_frame(ws, points)
        assert 40 <= len(plotted) <= 40 + n_extra  # spread points, plus the peak / each quadrant's first
        assert len(table_frame(ws, full)) == len(demo_analysis.customers)  # the full table stays complete
        _, top, _, bottom = range_boundaries(ws.tables[points].ref)
        pattern = r"<(?:c:)?f>'?([^<']*)'?!\$[A-Z]+\$(\d+):\$[A-Z]+\$(\d+)</(?:c:)?f>"
        refs = [f for c in charts for f in re.findall(pattern, c) if f[0] == sheet]
        lines = [r for r in refs if ws.row_dimensions[int(r[1])].hidden]  # the matrix's threshold lines
        assert len(lines) == (4 if sheet == "Matrix" else 0)
        refs = [r for r in refs if r not in lines]
        assert refs and all(top <= int(lo) <= int(hi) <= bottom for _, lo, hi in refs)
    whale = table_frame(book["Whale curve"], "WhaleCurvePoints")
    assert whale["Rank"].iloc[0] == 1 and whale["Rank"].iloc[-1] == len(demo_analysis.customers)
    peak = int(demo_analysis.whale["cumulative_profit_pct"].to_numpy().argmax()) + 1
    assert peak in set(whale["Rank"])
    matrix = table_frame(book["Matrix"], "MatrixPoints")
    assert set(matrix["Quadrant"].dropna()) == set(demo_analysis.matrix["quadrant"].dropna())


def test_acquisition_gets_its_own_sheet_when_the_clv_sheet_cannot_hold_both(demo_analysis, tmp_path, monkeypatch):
    from xlprofit.report import report_sheets, workbook

    assert report_sheets(demo_analysis) == list(REPORT_SHEETS)
    # 300 customers, sheets of 600 rows: the CLV and acquisition tables (2 × 300 rows) do not fit on one.
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 600)
    monkeypatch.setattr(workbook, "CHART_POINTS", 40)
    sheets = report_sheets(demo_analysis)
    assert sheets[sheets.index("CLV") + 1] == "Acquisition" and len(sheets) == len(REPORT_SHEETS) + 1
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(demo_analysis, out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == sheets
    assert len(table_frame(book["Acquisition"], "Acquisition")) == len(demo_analysis.customers)
    assert len(table_frame(book["CLV"], "CLV")) == len(demo_analysis.customers)
    assert "Acquisition" not in book["CLV"].tables
    assert any("on the Acquisition sheet" in str(c.value) for row in book["CLV"].iter_rows() for c in row)
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 400)
    with pytest.raises(OutputError, match="do not fit on one worksheet"):
        xlprofit.write_report(demo_analysis, tmp_path / "r2.xlsx")


# ----------------------------------------------------------------------------- one template per runtime

#: Every function name a formula calls (a name followed by "("); names inside quoted text are not followed by one.
_CALLED = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\(")
#: The Excel functions the live sheets use besides the add-in's.
_BUILT_IN = {"INDEX", "MATCH", "_xlfn.DROP", "_xlfn.ANCHORARRAY"}
#: The add-in's functions the live sheets call.
_LIVE_FUNCTIONS = {"XLP_CUSTOMER_PNL", "XLP_ACTIVITY_RATES", "XLP_WHALE_PEAK", "XLP_WHALE_CURVE", "XLP_CLV",
                   "XLP_CREDIT_COST"}
#: Words of each runtime's setup on the Start here sheet (commands and names are not translated).
_SETUP_MARKERS = {
    "classic": ("pip install .", "pip install xlprofit-<version>-py3-none-any.whl", "xlwings addin install",
                "VBA", ".xlsm", "UDF Modules", "xlprofit.excel.udfs", "Import Functions", "XLP_…", "#VALUE!",
                "--runtime office"),
    "office": ("xlwings Lite", "pip wheel . --no-deps -w dist", "xlprofit-<version>-py3-none-any.whl", "HTTPS",
               "CORS", "requirements.txt", "Pyodide", "main.py", "from xlprofit.excel.udfs import *", "XLP.…",
               "xlwings Server", "--runtime classic"),
}
#: Words of one runtime's setup that the other runtime's Start here sheet must not hold.
_ONLY = {
    "classic": ("xlwings addin install", "VBA", ".xlsm", "UDF Modules", "Import Functions", "XLP_…"),
    "office": ("pip wheel", "CORS", "requirements.txt", "Pyodide", "main.py", "XLP.…", "xlwings Server"),
}


def _formulas(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula text) of every formula of every sheet."""
    out = []
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    value = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                    out.append((ws.title, cell.coordinate, value))
    return out


def _start_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["Start here"]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


@pytest.fixture(scope="module")
def runtime_books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("runtimes")
    books = {}
    for runtime in RUNTIMES:
        books[runtime] = folder / f"{runtime}.xlsx"
        write_template(books[runtime], data=small_tables(), runtime=runtime)
    return books


def test_classic_template_calls_the_classic_names_only(runtime_books):
    catalogue = by_name()
    called = set()
    for sheet, cell, formula in _formulas(runtime_books["classic"]):
        assert "XLP." not in formula and OFFICEJS_PREFIX not in formula, (sheet, cell, formula)
        names = set(_CALLED.findall(formula))
        assert names <= set(catalogue) | _BUILT_IN, (sheet, cell, formula)
        called |= names - _BUILT_IN
    assert called == _LIVE_FUNCTIONS


def test_office_template_calls_the_officejs_names_as_excel_stores_them(runtime_books):
    # Excel stores a call of the Office.js function XLP.CLV as _xldudf_XLP_CLV and binds it to XLP.CLV when
    # the add-in registers (OfficeDev/office-js issue 6611: its Excel-saved workbook holds
    # "_xldudf_CONTOSO_ADD(1,2)" for a working =CONTOSO.ADD(1,2)); a bare "XLP.CLV(" stays #NAME?.
    officejs = {f.officejs_name: f.name for f in FUNCTIONS}
    stored = {OFFICEJS_PREFIX + name.replace(".", "_"): name for name in officejs}
    assert len(stored) == len(FUNCTIONS)  # the underscore form names each function once
    called = set()
    cells = _formulas(runtime_books["office"])
    for sheet, cell, formula in cells:
        names = set(_CALLED.findall(formula))
        assert not [n for n in names if n.upper().startswith(("XLP_", "XLP."))], (sheet, cell, formula)
        assert names <= set(stored) | _BUILT_IN, (sheet, cell, formula)
        called |= {stored[n] for n in names - _BUILT_IN}
    assert {officejs[n] for n in called} == _LIVE_FUNCTIONS
    assert called == {by_name()[f].officejs_name for f in _LIVE_FUNCTIONS}
    # Every call is saved as Excel saves a custom function's: a dynamic-array formula in a cm="1" cell.
    with zipfile.ZipFile(runtime_books["office"]) as z:
        live = [c for c in formula_cells(z) if c["text"] is not None]
    assert len(live) == len(cells) == 8
    for c in live:
        assert (c["cm"], c["t"], c["ref"]) == ("1", "array", c["cell"]), c
    # The note above the formulas tells what Excel shows until xlwings Lite has loaded them.
    note = openpyxl.load_workbook(runtime_books["office"])["CLV live"]["A2"].value
    assert "#NAME?" in note and "(formula: _xldudf_XLP_…)" in note


def test_formula_name_follows_the_catalogue():
    for function in FUNCTIONS:
        assert formula_name(function.name, "classic") == function.name
        assert formula_name(function.name, "office") == "_xldudf_" + function.officejs_name.replace(".", "_")
    with pytest.raises(ArgumentError, match="'runtime' must be one of classic, office; got 'excel'"):
        formula_name("XLP_CLV", "excel")


def test_both_runtimes_hold_the_same_input_tables(runtime_books):
    classic, office = (xlprofit.read(runtime_books[r]) for r in ("classic", "office"))
    for table in ("customers", "transactions", "activities", "resources", "usage"):
        pd.testing.assert_frame_equal(getattr(classic, table), getattr(office, table), obj=table)
    assert classic.parameters == office.parameters and not classic.problems and not office.problems
    a, b = openpyxl.load_workbook(runtime_books["classic"]), openpyxl.load_workbook(runtime_books["office"])
    assert a.sheetnames == b.sheetnames
    for sheet in a.sheetnames:
        if sheet not in ("Start here", *LIVE_SHEETS):
            assert [[c.value for c in r] for r in a[sheet].iter_rows()] == \
                [[c.value for c in r] for r in b[sheet].iter_rows()], sheet


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("runtime", list(RUNTIMES))
def test_start_here_gives_the_setup_of_its_runtime(runtime, language, tmp_path):
    book = tmp_path / "t.xlsx"
    write_template(book, language=language, runtime=runtime)
    start = _start_text(book)
    other = next(r for r in RUNTIMES if r != runtime)
    for marker in _SETUP_MARKERS[runtime]:
        assert marker in start, (runtime, language, marker)
    for marker in _ONLY[other]:
        assert marker not in start, (runtime, language, marker)
    if language != "en":  # translated, not left in English
        english = tmp_path / "en.xlsx"
        write_template(english, runtime=runtime)
        lines, english_lines = set(start.splitlines()), set(_start_text(english).splitlines())
        setup = [line for line in lines if line.startswith(("1. ", "2. ", "3. ", "4. "))]
        assert len(setup) == 4 and not set(setup) & english_lines


def test_runtime_option_of_the_template_and_demo_commands(tmp_path, capsys):
    default, office, demo = tmp_path / "default.xlsx", tmp_path / "office.xlsx", tmp_path / "demo.xlsx"
    assert main(["template", "-o", str(default)]) == 0
    assert main(["template", "-o", str(office), "--runtime", "office", "--language", "sv"]) == 0
    assert main(["demo", "-o", str(demo), "--runtime", "office"]) == 0
    assert "office runtime" in capsys.readouterr().out
    for book, stored in ((default, "XLP_CLV("), (office, "_xldudf_XLP_CLV("), (demo, "_xldudf_XLP_CLV(")):
        with zipfile.ZipFile(book) as z:  # the package, not openpyxl: the demo's data sheets are large
            clv = [c["text"] for c in formula_cells(z, ["CLV live"]) if c["text"] is not None]
        assert len(clv) == 4 and sum(f.startswith(stored) for f in clv) == 3, (book.name, clv)
    assert "requirements.txt" in _start_text(office) and "Start › Tillägg" in _start_text(office)
    for command in ("template", "demo"):
        with pytest.raises(SystemExit) as info:
            main([command, "-o", str(tmp_path / "x.xlsx"), "--runtime", "excel"])
        assert info.value.code == 2
    assert "invalid choice: 'excel'" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_runtime_is_an_argument_error(tmp_path):
    target = tmp_path / "t.xlsx"
    for write in (write_template, write_demo):
        with pytest.raises(ArgumentError, match="'runtime' must be one of classic, office; got 'web'"):
            write(target, runtime="web")
    with pytest.raises(ArgumentError, match="'runtime'"):
        template_tables(runtime="web")
    assert not target.exists() and not list(tmp_path.iterdir())


def test_command_line_choices_are_the_templates():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("template", "demo"):
        options = {a.dest: a for a in sub.choices[command]._actions}
        assert tuple(options["runtime"].choices) == tuple(RUNTIMES) and options["runtime"].default == "classic"
        assert tuple(options["language"].choices) == tuple(LANGUAGES)


def test_writing_a_template_loads_no_xlwings(tmp_path):
    # report/ reads the function names from xlprofit.excel.catalogue, which must not pull in xlwings.
    code = ("import sys\n"
            "from xlprofit.report.template import write_template\n"
            f"write_template({str(tmp_path / 't.xlsx')!r}, runtime='office')\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'xlwings')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_whale_curve_of_a_loss_making_book_is_drawn_in_money(tmp_path):
    import re

    from xlprofit.data import demo_tables

    # Three times the demo's resource cost: the customers together lose money, and cumulative
    # profit as a share of a negative total is undefined (NaN); the charts plot it in money instead.
    tables = demo_tables()
    tables["resources"] = tables["resources"].assign(cost=tables["resources"]["cost"] * 3)
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    total = float(result.customers["profit"].sum())
    assert total < 0 and result.whale["cumulative_profit_pct"].isna().all()
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(result, out, scenarios=None)
    book = openpyxl.load_workbook(out)
    ws = book["Whale curve"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Total customer profit")]
    assert notes == [f"Total customer profit is {total:,.2f}: no share of it means anything, so the curve shows "
                     "cumulative profit in money."]
    whale = table_frame(ws, "WhaleCurve")
    letter = openpyxl.utils.get_column_letter(list(whale.columns).index("Cumulative profit") + 1)
    with zipfile.ZipFile(out) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    # Both whale charts (on the sheet and on the Summary) plot the money column, with a money axis.
    plotted = [c for c in charts if re.search(rf"'?Whale curve'?!\${letter}\$", c)]
    assert len(plotted) == 2 and all('formatCode="#,##0"' in c for c in plotted)
