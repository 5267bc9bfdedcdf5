"""Scenarios through the command and on the report's Scenarios sheet (issue 18, item 3).

``xlprofit report`` runs every scenario of the input's ``scenarios`` table (the demo's three
without INPUT), or those named by ``--scenario``; the Scenarios sheet sets them beside the base
with the figures of ``run_scenarios`` to the cent. A name that is not in the table, or
``--scenario`` on an input without a table, is one clear message and exit 1.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import xlprofit
from tests import hostile_corpus as corpus
from xlprofit.cli import EXIT_INPUT, EXIT_OK, main
from xlprofit.core.scenarios import parse_scenarios, run_scenarios
from xlprofit.data import demo_scenarios


def _rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [r for r in wb[sheet].iter_rows(values_only=True) if any(v is not None for v in r)]
    finally:
        wb.close()


def _table(rows: list[tuple], heading: str) -> list[tuple]:
    """The rows of the table under ``heading`` (its header first), up to the next blank-led heading."""
    start = next(i for i, r in enumerate(rows) if r[0] == heading) + 1
    out = []
    for r in rows[start:]:
        if len([v for v in r if v is not None]) == 1 and out:  # the next heading
            break
        out.append(r)
    return out


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("scenarios") / "report.xlsx"
    assert main(["report", "-o", str(path), "-q"]) == EXIT_OK
    ds = xlprofit.load_demo()
    results = run_scenarios(ds, parse_scenarios(demo_scenarios().reset_index(drop=True), ds))
    return path, results


def test_the_demo_report_sets_its_three_scenarios_beside_the_base(demo_report):
    path, results = demo_report
    rows = _rows(path, "Scenarios")
    side = _table(rows, "Side by side")
    header, body = side[0], side[1:]
    assert [r[0] for r in body] == ["Base", *results.analyses]  # type: ignore[attr-defined]
    summary = results.summary  # type: ignore[attr-defined]
    for j, measure in enumerate(summary["measure"], start=1):
        assert header[j] == measure
        for r, column in zip(body, ["base", *results.analyses], strict=True):  # type: ignore[attr-defined]
            assert r[j] == pytest.approx(float(summary.loc[summary["measure"] == measure, column].iloc[0]), abs=0.005)
    # Every scenario ties: its period result is Σ customer profit − unused − unassigned, all checks hold.
    assert summary.loc[summary["measure"] == "Reconciliation checks failing"].iloc[0, 2:].eq(0).all()
    changes = _table(rows, "What each scenario changes (rows of the scenarios table)")
    assert [(r[0], r[1]) for r in changes[1:]] == [(str(s), int(row)) for s, row in
                                                   zip(demo_scenarios()["scenario"], demo_scenarios().index,
                                                       strict=True)]
    assert corpus.xml_parts_parse(path) == []


def test_the_scenarios_move_profit_the_way_a_controller_expects(demo_report):
    _, results = demo_report
    s = results.summary.set_index("measure")  # type: ignore[attr-defined]
    for name in results.analyses:  # type: ignore[attr-defined]
        assert s.loc["Customer profit", f"{name} vs base"] > 0  # each scenario saves cost-to-serve
        assert s.loc["Net revenue", f"{name} vs base"] == 0  # and touches no price
    # Halving orders without cutting capacity frees cost that stays unused: the period result does not move.
    assert s.loc["Period result", "Minimum order size vs base"] == pytest.approx(0.0, abs=0.005)


def test_one_scenario_by_name_and_an_unknown_name(tmp_path, capsys):
    out = tmp_path / "one.xlsx"
    assert main(["report", "-o", str(out), "-q", "--scenario", "Minimum order size"]) == EXIT_OK
    side = _table(_rows(out, "Scenarios"), "Side by side")
    assert [r[0] for r in side[1:]] == ["Base", "Minimum order size"]
    capsys.readouterr()
    assert main(["report", "-o", str(tmp_path / "x.xlsx"), "-q", "--scenario", "Minimum order"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith("xlprofit: --scenario Minimum order: no such scenario") and "'Minimum order size'" in err
    assert "Traceback" not in err and not (tmp_path / "x.xlsx").exists()


def test_none_runs_no_scenario_and_an_input_without_a_table_has_no_sheet(tmp_path, capsys):
    out = tmp_path / "none.xlsx"
    assert main(["report", "-o", str(out), "-q", "--scenario", "none"]) == EXIT_OK
    assert "Scenarios" not in openpyxl.load_workbook(out, read_only=True).sheetnames
    folder = corpus.write_folder(tmp_path / "small", corpus.base_tables())
    assert main(["report", str(folder), "-o", str(tmp_path / "small.xlsx"), "-q"]) == EXIT_OK
    assert "Scenarios" not in openpyxl.load_workbook(tmp_path / "small.xlsx", read_only=True).sheetnames
    capsys.readouterr()
    assert main(["report", str(folder), "-o", str(tmp_path / "s.xlsx"), "-q", "--scenario", "X"]) == EXIT_INPUT
    assert "the input has no scenarios table" in capsys.readouterr().err


def test_a_bad_scenarios_file_in_a_folder_names_its_row(tmp_path, capsys):
    folder = corpus.write_folder(tmp_path / "small", corpus.base_tables())
    pd.DataFrame({"scenario": ["Cheaper visits"], "change": ["rate"], "target": ["Sales visitz"],
                  "applies_to": [""], "value": [0.8]}).to_csv(folder / "scenarios.csv", index=False)
    assert main(["report", str(folder), "-o", str(tmp_path / "r.xlsx"), "-q", "--engine", "pandas"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "table 'scenarios', row 2, column 'target', value 'Sales visitz'" in err, err
    assert "did you mean" in err and "Traceback" not in err


def test_a_folders_scenarios_file_is_run(tmp_path):
    folder = corpus.write_folder(tmp_path / "small", corpus.base_tables())
    pd.DataFrame({"scenario": ["Half the visits"], "change": ["volume"], "target": ["visits"],
                  "applies_to": ["customer:B"], "value": [0.5]}).to_csv(folder / "scenarios.csv", index=False)
    out = tmp_path / "r.xlsx"
    assert main(["report", str(folder), "-o", str(out), "-q", "--engine", "pandas"]) == EXIT_OK
    side = _table(_rows(out, "Scenarios"), "Side by side")
    assert [r[0] for r in side[1:]] == ["Base", "Half the visits"]
