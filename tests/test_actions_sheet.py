"""The Actions sheet and the Summary's actions worth most show :attr:`Analysis.actions` as it is, ranked."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

import xlprofit
from tests.conftest import small_tables
from xlprofit.core.actions import actions_left_out, top_actions
from xlprofit.core.money import to_cents
from xlprofit.report import REPORT_SHEETS
from xlprofit.report._layout import page_breaks
from xlprofit.report._texts import LANGUAGES, report_text
from xlprofit.report.workbook import TOP_ACTIONS, _actions, _summary

MONEY = {"Effect on profit": "effect", "Profit before": "profit_before", "Profit after": "profit_after",
         "Cost-to-serve freed": "cost_to_serve_freed", "Effect on the period result": "result_effect"}


def _table(ws, name: str) -> pd.DataFrame:
    rows = [[c.value for c in r] for r in ws[ws.tables[name].ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _cents(values) -> list[int]:
    return [int(c) for c in to_cents(pd.Series(values, dtype="float64"))]


def _texts(ws) -> set[str]:
    return {str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def _write(analysis, folder) -> openpyxl.Workbook:
    out = folder / "report.xlsx"
    xlprofit.write_report(analysis, out, generated=dt.datetime(2025, 1, 31, 9, 0))
    return openpyxl.load_workbook(out)


def _no_losing_customer() -> xlprofit.Analysis:
    """tests.conftest.small_tables with cheap resources and no acquisition cost: every customer profitable."""
    tables = small_tables()
    tables["resources"]["cost"] = [10.0, 10.0, 10.0]
    tables["activities"].loc[3, "cost"] = 5.0
    tables["customers"]["acquisition_cost"] = [None, None, None]
    return xlprofit.analyze(xlprofit.Dataset(**tables))


@pytest.fixture(scope="module")
def demo():
    """The demo's analysis (about 10 s) and its report, written once."""
    return xlprofit.analyze(xlprofit.load_demo())


@pytest.fixture(scope="module")
def demo_path(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("actions") / "report.xlsx"
    xlprofit.write_report(demo, out, generated=dt.datetime(2025, 1, 31, 9, 0))
    return out


@pytest.fixture(scope="module")
def demo_book(demo_path):
    return openpyxl.load_workbook(demo_path)


def _assert_rows_are_the_actions(shown: pd.DataFrame, table: pd.DataFrame) -> None:
    assert len(shown) == len(table) > 0
    assert list(shown["Rank"]) == list(range(1, len(table) + 1))
    assert list(shown["Customer"]) == list(table["customer_id"])
    assert list(shown["Lever"]) == list(table["lever"])
    assert list(shown["What changes"]) == list(table["change"])
    assert list(shown["Formula"]) == list(table["formula"])
    for header, column in MONEY.items():  # to the cent
        assert _cents(shown[header]) == _cents(table[column]), header
    # Ranked: the largest effect on the customer's profit first.
    assert shown["Effect on profit"].is_monotonic_decreasing


def test_sheet_order_and_tables(demo_book):
    assert demo_book.sheetnames == list(REPORT_SHEETS)
    names = demo_book.sheetnames
    assert names.index("CLV") < names.index("Actions") < names.index("Reconciliation")
    assert set(demo_book["Actions"].tables) == {"Actions", "ActionsLeftOut"}
    assert "TopActions" in demo_book["Summary"].tables


def test_demo_actions_sheet_equals_the_analysis(demo, demo_book):
    ws = demo_book["Actions"]
    _assert_rows_are_the_actions(_table(ws, "Actions"), demo.actions)
    assert f"Levers per customer ({len(demo.actions):,})" in _texts(ws)
    # Every kind of lever is on the demo's sheet.
    assert set(_table(ws, "Actions")["Lever"]) == set(demo.actions["lever"]) and demo.actions["lever"].nunique() == 6
    # Below: the levers considered and left out, with the reason, as the core gives them.
    left = _table(ws, "ActionsLeftOut")
    expected = actions_left_out(demo)
    assert list(left["Customer"]) == list(expected["customer_id"])
    assert list(left["Lever"]) == list(expected["lever"])
    assert list(left["Why left out"]) == list(expected["reason"])
    assert list(left["Name"]) == list(demo.customers["name"].reindex(expected["customer_id"]))


def test_demo_actions_sheet_layout(demo, demo_book):
    ws = demo_book["Actions"]
    texts = _texts(ws)
    for key in ("actions_note_rank", "actions_note_capacity", "actions_note_ending"):
        assert report_text(key) in texts
    header = int(ws.tables["Actions"].ref.split(":")[0][1:])
    assert ws.freeze_panes == f"D{header + 1}"
    assert ws.print_title_rows == f"${header}:${header}"
    assert ws.page_setup.orientation == "landscape"
    # Money in the money format, losses in red; the long texts wrap in rows tall enough for them.
    first = header + 1
    assert ws.cell(first, 7).number_format == "#,##0.00;[Red]-#,##0.00"
    assert ws.cell(first, 8).value < 0  # the customer loses money before the lever
    assert ws.cell(first, 6).alignment.wrap_text and ws.cell(first, 12).alignment.wrap_text
    longest = max(range(len(demo.actions)), key=lambda i: len(demo.actions["change"].iloc[i]))
    assert ws.row_dimensions[first + longest].height >= 30
    # No column wider than the wrapped texts: the sheet fits an A3 page at a readable scale.
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJKL"]
    assert max(widths) <= 60 and sum(widths) < 330


def test_demo_summary_lists_the_top_actions(demo, demo_book):
    ws = demo_book["Summary"]
    shown = _table(ws, "TopActions")
    top = top_actions(demo.actions, TOP_ACTIONS)
    assert len(shown) == TOP_ACTIONS == len(top)
    assert list(shown["Customer"]) == list(top["customer_id"])
    for header, column in MONEY.items():
        assert _cents(shown[header]) == _cents(top[column]), header
    for action, lever, change in zip(shown["Action"], top["lever"], top["change"], strict=True):
        assert action == f"{lever[:1].upper()}{lever[1:]}: {change}"
    # Placed after the 10 least profitable customers and before the checks.
    def header_row(name: str) -> int:
        return int(ws.tables[name].ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))

    assert header_row("BottomCustomers") < header_row("TopActions") < header_row("Checks")
    assert report_text("top_actions_heading", count=str(TOP_ACTIONS)) in _texts(ws)


def test_top_actions_block_printed_whole(demo, demo_book):
    """The block is one of the Summary's kept blocks: no page of the plan ends inside it."""
    lay = _summary(demo, set(), dt.datetime(2025, 1, 31), "0")
    ws = demo_book["Summary"]
    heading = next(r for r in range(1, lay.next_row)
                   if ws.cell(r, 1).value == report_text("top_actions_heading", count=str(TOP_ACTIONS)))
    last = int(ws.tables["TopActions"].ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert (heading, last) in lay.keep
    _, breaks = page_breaks(lay)
    assert sorted(b.id for b in ws.row_breaks.brk) == breaks
    assert not any(heading <= b < last for b in breaks)


def test_every_xml_part_parses(demo_path):
    with zipfile.ZipFile(demo_path) as zf:
        parts = [n for n in zf.namelist() if n.endswith((".xml", ".rels"))]
        assert any(n.startswith("xl/worksheets/") for n in parts)
        for name in parts:
            ElementTree.parse(io.BytesIO(zf.read(name)))  # raises on a malformed part


def test_small_dataset(tmp_path):
    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    book = _write(analysis, tmp_path)
    shown = _table(book["Actions"], "Actions")
    _assert_rows_are_the_actions(shown, analysis.actions)
    # Traced by hand from tests.conftest.small_tables: B gets 4 sales visits, its segment (Retail) a median
    # of 2; each visit takes 60 min of Field sales at 3,000 / 600 min = 5.00 a minute -> (4 − 2) × 300 = 600.00,
    # all of it freed capacity (the resource stays paid for): no effect on the period's result.
    row = shown[(shown["Customer"] == "B") & (shown["Lever"] == "change the service")].iloc[0]
    assert _cents([row["Effect on profit"], row["Cost-to-serve freed"], row["Effect on the period result"]]) == \
        [60000, 60000, 0]
    top = _table(book["Summary"], "TopActions")
    # fewer than 10 customers: each of them once, with its best lever
    assert list(top["Customer"]) == list(analysis.actions.drop_duplicates("customer_id")["customer_id"])


def test_no_losing_customer_gives_an_empty_table_and_says_so(tmp_path):
    analysis = _no_losing_customer()
    assert (analysis.customers["profit"] >= 0).all() and not analysis.customers["flagged"].any()
    assert analysis.actions.empty
    book = _write(analysis, tmp_path)
    none = report_text("actions_none")
    for sheet, table in (("Actions", "Actions"), ("Summary", "TopActions")):
        ws = book[sheet]
        assert none in _texts(ws), sheet
        shown = _table(ws, table)
        assert len(shown) == 1 and shown.isna().all(axis=None), sheet  # the Table's one empty row
    assert "Levers per customer (0)" in _texts(book["Actions"])


def test_product_pilot_says_actions_are_not_estimated(tmp_path):
    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()), products=["P1"])
    book = _write(analysis, tmp_path)
    pilot = report_text("actions_pilot")
    ws = book["Actions"]
    assert pilot in _texts(ws) and pilot in _texts(book["Summary"])
    assert set(ws.tables) == {"Actions"}  # no levers left out of what was never estimated
    assert _table(ws, "Actions").isna().all(axis=None)
    assert _table(book["Summary"], "TopActions").isna().all(axis=None)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_actions_texts_in_every_language(language):
    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    lay = _actions(analysis, set(), language)
    texts = {str(v) for b in lay.blocks if b.kind == "line" for v in b.payload["values"] if v}
    keys = ("actions_title", "actions_subtitle", "actions_note_rank", "actions_note_capacity", "actions_note_ending")
    for key in keys:
        assert report_text(key, language) in texts
    assert report_text("actions_heading", language, count=str(len(analysis.actions))) in texts
    if language != "en":
        assert all(report_text(k, language) != report_text(k) for k in keys)
    assert lay.name == "Actions"  # sheet names stay English in every language
    summary = _summary(analysis, set(), dt.datetime(2025, 1, 31), "0", language)
    texts = {str(v) for b in summary.blocks if b.kind == "line" for v in b.payload["values"] if v}
    assert report_text("top_actions_heading", language, count=str(TOP_ACTIONS)) in texts


def test_more_actions_than_a_worksheet_holds(monkeypatch):
    """The highest ranks are shown and the sheet says how many of how many (a worksheet of 22 rows here)."""
    from xlprofit.report import workbook

    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 22)
    lay = _actions(analysis, set())
    assert lay.next_row - 1 <= 22
    spots = {b.payload["spot"].name: b for b in lay.blocks if b.kind == "table"}
    shown = spots["Actions"].payload["frame"]
    assert 0 < len(shown) < len(analysis.actions)
    assert list(shown["rank"]) == list(range(1, len(shown) + 1))  # the highest ranks
    texts = {str(v) for b in lay.blocks if b.kind == "line" for v in b.payload["values"] if v}
    assert report_text("actions_cut", shown=str(len(shown)), count=str(len(analysis.actions))) in texts


def test_analysis_without_lifetime_values(tmp_path):
    """An analysis whose lifetime-value table is missing (``clv=None``) still gets its Actions sheet."""
    import dataclasses

    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    book = _write(dataclasses.replace(analysis, clv=None), tmp_path)
    shown = _table(book["Actions"], "Actions")
    assert len(shown) > 0 and set(shown["Customer"]) <= set(analysis.actions["customer_id"])
