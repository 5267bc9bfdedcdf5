"""The live sheets' table functions are saved as Excel 365 dynamic-array (spilling) formulas.

Read at the package level with zipfile and ElementTree, independently of the writer's own
rewriting: openpyxl drops the ``cm`` attribute and the metadata part when it loads a workbook.

What Excel 365 saves for a dynamic-array formula, which these tests hold the template to:
an array formula (``<f t="array" ref=…>``) in a cell with ``cm="1"``, the first cell-metadata
record of ``xl/metadata.xml``, whose ``XLDAPR`` future-metadata block carries
``<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>`` under the extension URI
``{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}`` (the dynamicarray schema of [MS-XLSX]; ECMA-376
Part 1, 18.9 for metadataTypes/futureMetadata/cellMetadata and 12.3.10 for the part's
relationship and content type). XlsxWriter's ``write_dynamic_array_formula`` documentation and
its package writer produce the same part and registrations.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.formula import ArrayFormula

import xlprofit
from tests.conftest import small_tables
from xlprofit.report._spill import add_spill_metadata
from xlprofit.report._values import SpillFormula, cell_value
from xlprofit.report.template import LIVE_SHEETS, write_demo, write_template

ROOT = Path(__file__).resolve().parents[1]
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
XDA = "{http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
META_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
META_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
DYNAMIC_ARRAY_URI = "{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"
#: The add-in's functions that return an array to spill; every other XLP_* formula returns one value.
SPILLING = ("XLP_CUSTOMER_PNL(", "XLP_ACTIVITY_RATES(", "XLP_WHALE_CURVE(", "XLP_WHALE_PEAK(")
SCALAR = ("XLP_CLV(", "XLP_CREDIT_COST(")


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part, through the workbook's relationships."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(f"{PKG_REL}Relationship")}
    parts = {}
    for sheet in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{MAIN}sheet"):
        t = target[sheet.get(f"{REL}id")]
        parts[sheet.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.join("xl", t)
    return parts


def formula_cells(z: zipfile.ZipFile, sheets=None) -> list[dict]:
    """Every formula cell of ``sheets`` (default: all) with its ``cm``, ``t``, ``ref`` and text."""
    out = []
    for name, part in sheet_parts(z).items():
        if sheets is not None and name not in sheets:
            continue
        for c in ET.fromstring(z.read(part)).iter(f"{MAIN}c"):
            f = c.find(f"{MAIN}f")
            out.append({"sheet": name, "cell": c.get("r"), "cm": c.get("cm"), "t": None if f is None else f.get("t"),
                        "ref": None if f is None else f.get("ref"), "text": None if f is None else f.text})
    return out


def spill_cells(z: zipfile.ZipFile) -> set[tuple[str, str]]:
    """(sheet, cell) of every cell marked with cell metadata (``cm``) in the package."""
    return {(c["sheet"], c["cell"]) for c in formula_cells(z) if c["cm"] is not None}


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spill")
    filled, demo = folder / "filled_nb.xlsx", folder / "demo.xlsx"
    write_template(filled, data=small_tables(), language="nb")
    write_demo(demo)
    return {"committed": ROOT / "workbook_template.xlsx", "filled": filled, "demo": demo}


@pytest.mark.parametrize("which", ["committed", "filled", "demo"])
def test_metadata_part_declares_the_dynamic_array_property(books, which):
    with zipfile.ZipFile(books[which]) as z:
        meta = ET.fromstring(z.read("xl/metadata.xml"))
        types = meta.findall(f"{MAIN}metadataTypes/{MAIN}metadataType")
        assert [t.get("name") for t in types] == ["XLDAPR"]
        flags = ("copy", "pasteAll", "pasteValues", "merge", "splitFirst", "rowColShift", "clearFormats",
                 "clearComments", "assign", "coerce", "cellMeta")
        assert {k: types[0].get(k) for k in ("minSupportedVersion", *flags)} == \
            {"minSupportedVersion": "120000", **dict.fromkeys(flags, "1")}
        future = meta.findall(f"{MAIN}futureMetadata")
        assert [f.get("name") for f in future] == ["XLDAPR"]
        blocks = future[0].findall(f"{MAIN}bk")
        assert len(blocks) == 1
        ext = blocks[0].findall(f"{MAIN}extLst/{MAIN}ext")
        assert [e.get("uri") for e in ext] == [DYNAMIC_ARRAY_URI]
        props = ext[0].find(f"{XDA}dynamicArrayProperties")
        assert props is not None and (props.get("fDynamic"), props.get("fCollapsed")) == ("1", "0")
        records = meta.findall(f"{MAIN}cellMetadata/{MAIN}bk/{MAIN}rc")
        # cm="1" is the first cell-metadata record: type 1 (XLDAPR, 1-based), value 0 (first block).
        assert [(r.get("t"), r.get("v")) for r in records] == [("1", "0")]

        types_xml = ET.fromstring(z.read("[Content_Types].xml"))
        overrides = [o for o in types_xml.iter(f"{CT}Override") if o.get("PartName") == "/xl/metadata.xml"]
        assert [o.get("ContentType") for o in overrides] == [META_CONTENT_TYPE]
        rels = list(ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(f"{PKG_REL}Relationship"))
        meta_rels = [r for r in rels if r.get("Type") == META_REL_TYPE]
        assert [r.get("Target") for r in meta_rels] == ["metadata.xml"]
        ids = [r.get("Id") for r in rels]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize("which", ["committed", "filled", "demo"])
def test_exactly_the_spilling_cells_are_dynamic_arrays(books, which):
    with zipfile.ZipFile(books[which]) as z:
        cells = [c for c in formula_cells(z) if c["text"] is not None]
    spilling = [c for c in cells if c["text"].startswith(SPILLING)]
    # One anchor per table function (P&L live, Rates live, Whale live) and the whale peak, whose
    # argument is itself an array expression (DROP of a spilled range) and must not be intersected.
    assert sorted(c["text"].split("(")[0] for c in spilling) == sorted(s[:-1] for s in SPILLING)
    assert {c["sheet"] for c in spilling} == set(LIVE_SHEETS[:3])  # the peak sits on Whale live too
    for c in spilling:
        assert (c["cm"], c["t"], c["ref"]) == ("1", "array", c["cell"]), c
    others = [c for c in cells if not c["text"].startswith(SPILLING)]
    assert sum(c["text"].startswith(SCALAR) for c in others) == 4  # 3 CLV rows and the credit cost
    for c in others:
        assert (c["cm"], c["t"], c["ref"]) == (None, None, None), c
    with zipfile.ZipFile(books[which]) as z:
        assert spill_cells(z) == {(c["sheet"], c["cell"]) for c in spilling}


def test_openpyxl_loads_the_spill_formulas_as_array_formulas(books):
    wb = openpyxl.load_workbook(books["committed"])
    anchors = {}
    for sheet in LIVE_SHEETS:
        for row in wb[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula):
                    anchors[(sheet, cell.coordinate)] = cell.value
    assert len(anchors) == 4
    for (_, coordinate), formula in anchors.items():
        assert formula.ref == coordinate
        assert formula.text.startswith(tuple(f"={s}" for s in SPILLING))
    clv = [c.value for row in wb["CLV live"].iter_rows() for c in row if c.data_type == "f"]
    assert clv and all(isinstance(v, str) and v.startswith(("=XLP_CLV(", "=XLP_CREDIT_COST(")) for v in clv)


def test_filled_template_with_spill_metadata_reads_back(books):
    direct = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    back = xlprofit.analyze(xlprofit.read(books["filled"]))
    pd.testing.assert_frame_equal(back.customers, direct.customers, check_exact=False, atol=0.005, rtol=0)


def test_spill_formula_is_a_formula_only_for_the_builders():
    assert cell_value(SpillFormula("=XLP_CUSTOMER_PNL(T)")) == ("=XLP_CUSTOMER_PNL(T)", "f")
    assert cell_value("=XLP_CUSTOMER_PNL(T)")[1] == "s"


def test_marking_twice_registers_the_part_once(books, tmp_path):
    copy = tmp_path / "again.xlsx"
    copy.write_bytes(books["committed"].read_bytes())
    add_spill_metadata(copy, LIVE_SHEETS[:3])
    with zipfile.ZipFile(books["committed"]) as a, zipfile.ZipFile(copy) as b:
        assert spill_cells(a) == spill_cells(b)
        assert a.read("[Content_Types].xml") == b.read("[Content_Types].xml")
        assert a.read("xl/_rels/workbook.xml.rels") == b.read("xl/_rels/workbook.xml.rels")
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            assert a.read(name) == b.read(name), name


def test_marking_a_sheet_without_spill_formula_is_refused(books, tmp_path):
    copy = tmp_path / "t.xlsx"
    copy.write_bytes(books["committed"].read_bytes())
    before = copy.read_bytes()
    with pytest.raises(ValueError, match="no array formula"):
        add_spill_metadata(copy, ["CLV live"])
    with pytest.raises(ValueError, match="no sheet named"):
        add_spill_metadata(copy, ["Nowhere"])
    assert copy.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]  # no temporary file left behind
