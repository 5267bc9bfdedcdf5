"""The report's layout as a reader meets it printed: formats, alignment, widths and print setup (issue 18)."""

from __future__ import annotations

import openpyxl
import pytest

import xlprofit
from xlprofit.report._layout import MIN_PRINT_SCALE, column_points

#: Body text is Calibri 11; printed below 7 pt it is hard to read (issue 18: the P&L printed at about 5 pt).
BODY_PT, LEGIBLE_PT = 11.0, 7.0


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("layout") / "report.xlsx"
    xlprofit.write_report(xlprofit.analyze(xlprofit.load_demo()), out)
    return openpyxl.load_workbook(out)


def _header_row(ws, first: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header {first!r} on {ws.title}")


def test_reconciliation_counts_print_without_decimals(demo_report):
    ws = demo_report["Reconciliation"]
    header = _header_row(ws, "Check")
    rows = {ws.cell(r, 1).value: r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value}
    lines = next(r for check, r in rows.items() if check.startswith("Invoice lines:"))
    assert [ws.cell(lines, c).number_format for c in (2, 3, 4)] == ["#,##0;[Red]-#,##0"] * 3
    money = next(r for check, r in rows.items() if check.startswith("Net revenue:"))
    assert ws.cell(money, 2).number_format == "#,##0.00;[Red]-#,##0.00"


def test_clv_model_values_sit_beside_their_notes_and_whole_numbers_have_no_decimals(demo_report):
    ws = demo_report["CLV"]
    header = _header_row(ws, "Model")
    rows = {ws.cell(r, 2).value: r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value}
    k = rows["k (purchases)"]
    assert ws.cell(k, 3).number_format == "#,##0;[Red]-#,##0"  # 5 purchases, not 5.0000
    rate = rows["weekly discount rate"]
    assert ws.cell(rate, 3).number_format == "#,##0.0000;[Red]-#,##0.0000"
    assert {ws.cell(r, 3).alignment.vertical for r in (k, rate)} == {"top"}  # the notes beside them wrap


def test_matrix_has_no_empty_unclassified_row(demo_report):
    ws = demo_report["Matrix"]
    header = _header_row(ws, "Quadrant")
    quadrants = [ws.cell(r, 1).value for r in range(header + 1, header + 7)]
    assert "n/a" not in quadrants  # every demo customer is classified
    assert {"passive", "carriage trade", "bargain basement", "aggressive"} <= set(quadrants)


def test_matrix_states_its_thresholds(demo_report):
    ws = demo_report["Matrix"]
    notes = [ws.cell(r, 1).value for r in range(1, 8)]
    assert any(isinstance(t, str) and t.startswith("Thresholds: net price") for t in notes)


def test_number_headers_are_right_aligned(demo_report):
    ws = demo_report["Customer P&L"]
    header = _header_row(ws, "Customer")
    cells = {ws.cell(header, c).value: ws.cell(header, c) for c in range(1, ws.max_column + 1)}
    for name in ("Net revenue", "Profit", "Margin %", "Orders"):
        assert cells[name].alignment.horizontal == "right", name
    assert cells["Name"].alignment.horizontal != "right"


def test_text_right_of_a_number_is_indented(demo_report):
    # "1C0120" on the Whale curve and "7.3%passive" on the Matrix: the number ran into the text.
    whale = demo_report["Whale curve"]
    header = _header_row(whale, "Rank")
    assert whale.cell(header, 2).value == "Customer"
    assert whale.cell(header + 1, 2).alignment.indent >= 1
    matrix = demo_report["Matrix"]
    header = _header_row(matrix, "Customer")
    quadrant = next(c for c in range(1, matrix.max_column + 1) if matrix.cell(header, c).value == "Quadrant")
    assert matrix.cell(header + 1, quadrant - 1).number_format.startswith("0.0%")
    assert matrix.cell(header + 1, quadrant).alignment.indent >= 1


@pytest.mark.parametrize("sheet", ["Customer P&L", "Trend"])
def test_wide_sheets_print_legibly(demo_report, sheet):
    ws = demo_report[sheet]
    setup = ws.page_setup
    pages = int(setup.fitToWidth or 1)
    assert ws.print_title_cols == "$A:$B"  # customer and name on every page
    short, long = {"9": (595.3, 841.9), "8": (841.9, 1190.6)}[str(setup.paperSize)]
    usable = long - 2 * ws.page_margins.left * 72
    widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
    total = sum(w * 7 * 0.75 for w in widths.values())
    repeated = sum(widths.get(c, 0) * 7 * 0.75 for c in "AB")
    scale = min(1.0, pages * usable / (total + (pages - 1) * repeated))
    assert BODY_PT * scale >= LEGIBLE_PT
    assert MIN_PRINT_SCALE / 100 * BODY_PT >= LEGIBLE_PT
    assert column_points(10) > 0


def test_no_column_is_far_too_wide(demo_report):
    # Issue 18: Summary A and CLV D were 67 characters wide; 50 leaves room for the other columns.
    assert demo_report["Summary"].column_dimensions["A"].width <= 50
    assert demo_report["CLV"].column_dimensions["D"].width <= 50
