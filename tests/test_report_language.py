"""The report in Norwegian, Swedish and Polish (``xlprofit report --language``).

The demo report is written in every language and compared with the English one cell by cell: every
text the report lays out (sheet names, titles, headings, notes, column headers, chart titles) and
every text of the analysis in a table cell must come out translated, or be one the catalogs keep as
it is (a word the language shares, like "Trend"); numbers and user data stay exactly as they are.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree

import xlprofit
from xlprofit.cli import main
from xlprofit.report._texts import LANGUAGES, local_number
from xlprofit.report._words import Words, catalog, fields_of

TRANSLATED = [k for k in LANGUAGES if k != "en"]

#: Headers (in the English report) of table columns that hold the user's own data.
USER_HEADERS = {"Customer", "Name", "Segment", "Channel", "Region", "Product", "Activity", "Resource", "Driver",
                "Time equation", "Scenario", "File", "SHA-256", "Table", "Column", "Period", "Acquired on"}
#: The same per table (the header means user data only there; a parameter's value is what the user set,
#: e.g. "EUR" or "in_period", though the descriptions of the product split there are translated).
USER_HEADERS_OF = {"Segments": {"Value"}, "Exceptions": {"Value"}, "Parameters": {"Parameter", "Value"}}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo report (with the demo's scenarios) in every language."""
    from xlprofit.core.scenarios import parse_scenarios, run_scenarios
    from xlprofit.data import demo_scenarios

    ds = xlprofit.load_demo()
    result = xlprofit.analyze(ds)
    scenarios = run_scenarios(ds, parse_scenarios(demo_scenarios(), ds, first_row=2), base=result)
    folder = tmp_path_factory.mktemp("languages")
    paths = {}
    for language in LANGUAGES:
        paths[language] = folder / f"report_{language}.xlsx"
        xlprofit.write_report(result, paths[language], scenarios=scenarios, language=language,
                              generated=dt.datetime(2026, 12, 3, 16, 0))
    return paths


def _has_letters(text: str) -> bool:
    return re.search(r"[^\W\d_]", text) is not None


def _column_cells(ws: openpyxl.worksheet.worksheet.Worksheet, headers: set[str],
                  per_table: dict[str, set[str]]) -> set[str]:
    """Coordinates of the body cells of the table columns headed ``headers`` (or ``per_table[table]``)."""
    found: set[str] = set()
    for table in ws.tables.values():
        rows = ws[table.ref]
        wanted = headers | per_table.get(table.displayName.rstrip("0123456789"), set())
        for j, header in enumerate(rows[0]):
            if header.value in wanted:
                found.update(r[j].coordinate for r in rows[1:])
    return found


def _text_cells(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """Coordinates and texts of the cells the report translates: all but the user-data columns of tables."""
    skip = _column_cells(ws, USER_HEADERS, USER_HEADERS_OF)
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.coordinate not in skip and _has_letters(c.value)}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_of_the_demo_report_is_translated(reports: dict[str, Path], language: str) -> None:
    english = openpyxl.load_workbook(reports["en"])
    translated = openpyxl.load_workbook(reports[language])
    words = Words(language)
    assert len(translated.sheetnames) == len(english.sheetnames)
    missing = []
    for ws_en, ws in zip(english.worksheets, translated.worksheets, strict=True):
        if ws.title == ws_en.title and not words.knows(ws_en.title):
            missing.append(f"sheet name {ws_en.title!r}")
        assert len(ws.tables) == len(ws_en.tables)
        for coordinate, text in _text_cells(ws_en).items():
            if ws[coordinate].value == text and not words.knows(text):
                missing.append(f"{ws_en.title}!{coordinate}: {text!r}")
    assert not missing, f"{len(missing)} text(s) left in English, e.g.:\n" + "\n".join(missing[:40])


@pytest.mark.parametrize("language", TRANSLATED)
def test_numbers_and_user_data_are_untouched(reports: dict[str, Path], language: str) -> None:
    english = openpyxl.load_workbook(reports["en"])
    translated = openpyxl.load_workbook(reports[language])
    words = Words(language)
    for ws_en, ws in zip(english.worksheets, translated.worksheets, strict=True):
        texts = _text_cells(ws_en)
        settings = _column_cells(ws_en, set(), {"Parameters": {"Value"}})
        for row in ws_en.iter_rows():
            for cell in row:
                if cell.coordinate in texts:
                    continue
                other = ws[cell.coordinate]
                if cell.coordinate in settings:  # the user's settings as set, the descriptions translated
                    expected = words(cell.value) if isinstance(cell.value, str) else cell.value
                    assert other.value == expected, (ws.title, cell.coordinate)
                    continue
                # A number written as text ("+44.6%" in the backtest) in the language's style.
                number = isinstance(cell.value, str) and not _has_letters(cell.value)
                assert other.value == (local_number(cell.value, language) if number else cell.value), (
                    ws.title, cell.coordinate)
                assert other.number_format == cell.number_format, (ws.title, cell.coordinate)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_sheets_are_valid_and_named_in_the_language(reports: dict[str, Path], language: str) -> None:
    with zipfile.ZipFile(reports[language]) as z:
        for part in z.namelist():
            if part.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(part))
    wb = openpyxl.load_workbook(reports[language])
    words = Words(language)
    assert wb.sheetnames[0] == words("Summary") != "Summary"
    assert words("Customer P&L") in wb.sheetnames and words("Reconciliation") in wb.sheetnames
    assert wb.properties.title == words("Customer profitability report")
    footer = {"nb": "&A — side &P av &N", "sv": "&A — sida &P av &N", "pl": "&A — strona &P z &N"}[language]
    assert all(ws.oddFooter.center.text == footer for ws in wb.worksheets)
    # The Summary's whale curve reads its points from the translated Whale curve sheet.
    with zipfile.ZipFile(reports[language]) as z:
        charts = " ".join(z.read(p).decode() for p in z.namelist() if p.startswith("xl/charts/"))
    assert "Whale curve" not in charts
    assert words("Whale curve").replace("'", "''") in charts


def test_numbers_in_texts_are_written_the_languages_way(reports: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(reports["nb"])[Words("nb")("Summary")]
    reasons = [c.value for c in ws["I"] if isinstance(c.value, str) and "bruttofortjeneste" in c.value]
    assert reasons, "the Summary's reasons for the most profitable customers"
    assert all(re.search(r"\d\u00a0\d{3},\d\d\b", r) and not re.search(r"\d[.]\d", r) for r in reasons), reasons
    assert local_number("1,234.56", "pl") == "1\u00a0234,56"
    assert local_number("−42 %", "sv") == "−42 %" and local_number("+18.8%", "nb") == "+18,8%"
    assert local_number("2024-01-01", "nb") == "2024-01-01" and local_number("0.1.0", "nb") == "0.1.0"
    assert local_number("1,234.56", "en") == "1,234.56"


def test_the_catalogs_are_consistent() -> None:
    seen: dict[str, tuple[str, ...]] = {}
    for entry in catalog():
        assert len(entry) == len(LANGUAGES) and all(isinstance(t, str) and t.strip() for t in entry), entry
        english = entry[0]
        assert english not in seen, f"two entries for {english!r}"
        seen[english] = entry
        for text in entry[1:]:
            assert sorted(fields_of(text)) == sorted(fields_of(english)), entry
            assert text == text.strip(), entry
    for language in TRANSLATED:
        words = Words(language)
        for sheet in ("Summary", "Customer P&L", "Cost-to-serve", "Activities", "Whale curve", "Matrix", "Segments",
                      "Products", "Trend", "CLV", "Acquisition", "Actions", "Scenarios", "Reconciliation",
                      "Exceptions", "Assumptions"):
            name = words(sheet)
            assert words.knows(sheet) and len(name) <= 31 and not set(name) & set("[]:*?/\\"), (language, name)


def test_patterns_fields_and_lists() -> None:
    words = Words("nb")
    # A literal field is copied (numbers in the language's style); a t_ field is translated in turn.
    assert words("Customer P&L") == "Kunderesultat"
    assert words("Lorem ipsum dolor") == "Lorem ipsum dolor" and not words.knows("Lorem ipsum dolor")
    assert words.knows("Customer P&L")
    assert Words("en")("Customer P&L") == "Customer P&L"
    with pytest.raises(ValueError, match="unknown language 'de'"):
        Words("de")


def test_cli_writes_the_report_in_the_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rapport.xlsx"
    assert main(["report", "-o", str(out), "--language", "sv", "-q", "--scenario", "none"]) == 0
    assert "wrote" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[0] == "Sammanfattning" and "Avstämning" in wb.sheetnames
    with pytest.raises(SystemExit) as exit_:
        main(["report", "-o", str(out), "--language", "de"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--language" in err and "Traceback" not in err
