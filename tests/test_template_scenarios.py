"""The template's Scenarios sheet: the input table of :mod:`xlprofit.core.scenarios` (issue 18, item 3).

The template and the demo workbook carry an Excel Table ``Scenarios`` after Parameters; the
demo's holds :func:`xlprofit.data.demo_scenarios`, and ``xlprofit report`` on the demo workbook
runs them. An empty Scenarios Table means no scenarios.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from tests.conftest import small_tables
from xlprofit.cli import main
from xlprofit.core.scenarios import CHANGE_KINDS, SCENARIO_COLUMNS
from xlprofit.data import demo_scenarios
from xlprofit.io import read_scenarios
from xlprofit.report._texts import text
from xlprofit.report.template import LANGUAGES, SCENARIOS_SHEET, write_template


def _table(ws: openpyxl.worksheet.worksheet.Worksheet) -> tuple[list[str], list[tuple]]:
    """Header and data rows of the sheet's Scenarios Table."""
    rows = list(ws[ws.tables[SCENARIOS_SHEET].ref])
    return [c.value for c in rows[0]], [tuple(c.value for c in r) for r in rows[1:]]


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text, blank as '' and numbers by value: the workbook holds 0.94 where the CSV holds '0.94'."""
    def cell(v: object) -> object:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return ""
        number = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
        return float(number) if pd.notna(number) else str(v)

    return frame.reset_index(drop=True).map(cell)


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "d.xlsx"
    assert main(["demo", "-o", str(path)]) == 0
    return path


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_template_has_the_scenarios_table_after_parameters(language, tmp_path):
    path = tmp_path / f"{language}.xlsx"
    write_template(path, language=language)
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert names[names.index("Parameters") + 1] == SCENARIOS_SHEET
    ws = wb[SCENARIOS_SHEET]
    assert SCENARIOS_SHEET in ws.tables
    header, rows = _table(ws)
    assert header == list(SCENARIO_COLUMNS)  # English snake_case in every language
    assert all(v is None for row in rows for v in row)
    ref = ws.tables[SCENARIOS_SHEET].ref
    first_data = int("".join(ch for ch in ref.split(":")[0] if ch.isdigit())) + 1
    letter = openpyxl.utils.get_column_letter(header.index("change") + 1)
    lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"' + ",".join(CHANGE_KINDS) + '"'
    assert str(lists[0].sqref).startswith(f"{letter}{first_data}:")
    assert lists[0].errorStyle == "stop"
    # The help: one line per kind of change, what applies_to takes, and the unused-capacity rule.
    shown = {c.value for r in ws.iter_rows(max_row=first_data - 1) for c in r if isinstance(c.value, str)}
    for key in (*(f"scenarios_{kind}" for kind in CHANGE_KINDS), "scenarios_applies_to", "scenarios_unused"):
        assert text(key, language) in shown, key
    assert text("scenarios_title", language) in shown
    # The empty Table reads as an empty scenarios table.
    empty = read_scenarios(path)
    assert empty is not None and empty.empty and list(empty.columns) == list(SCENARIO_COLUMNS)


def test_help_texts_differ_per_language():
    for key in ("scenarios_intro", "scenarios_unused"):
        assert len({text(key, language) for language in LANGUAGES}) == len(LANGUAGES), key


def test_demo_workbook_holds_the_demo_scenarios(demo_book):
    back = read_scenarios(demo_book)
    assert back is not None
    assert list(back.columns) == list(SCENARIO_COLUMNS)
    pd.testing.assert_frame_equal(_normal(back), _normal(demo_scenarios()))
    # Values are numbers in the sheet, not numbers stored as text.
    _, rows = _table(openpyxl.load_workbook(demo_book)[SCENARIOS_SHEET])
    assert all(isinstance(row[-1], int | float) for row in rows)


def test_demo_round_trip_reports_the_three_scenarios(demo_book, tmp_path):
    report = tmp_path / "r.xlsx"
    assert main(["report", str(demo_book), "-o", str(report)]) == 0
    wb = openpyxl.load_workbook(report, read_only=True)
    assert "Scenarios" in wb.sheetnames
    cells = {v for r in wb["Scenarios"].iter_rows(values_only=True) for v in r if isinstance(v, str)}
    wb.close()
    names = set(demo_scenarios()["scenario"])
    assert len(names) == 3
    assert names <= cells


def test_empty_scenarios_table_gives_no_scenarios_sheet(tmp_path):
    book = tmp_path / "small.xlsx"
    write_template(book, data=small_tables())
    assert read_scenarios(book) is not None and read_scenarios(book).empty
    report = tmp_path / "r.xlsx"
    assert main(["report", str(book), "-o", str(report)]) == 0
    wb = openpyxl.load_workbook(report, read_only=True)
    assert "Scenarios" not in wb.sheetnames
    wb.close()
