"""The hostile corpus through the command line, on the pandas and DuckDB engines (issue 17).

Every case of ``tests/hostile_corpus.py`` is built into a temporary folder and given to
``xlprofit report`` and ``xlprofit validate`` as a user gives it, through :func:`xlprofit.cli.main`
(what the console script runs: ``sys.exit(main())``). For each command and engine the test
asserts the contract of the README's *Exit codes*:

- the exit code the case calls for;
- one clear message: a refusal is one ``xlprofit: …`` line on stderr (with its list of
  problems), a report one ``wrote …`` line on stdout; no "Traceback" anywhere;
- every XML part of a written report parses;
- the reconciliation stays meaningful: it finds the invoice lines and the net revenue the case
  wrote (known from the builder, not from the code under test) and every check holds;
- the Exceptions sheet holds the rows the case calls for, and ``validate`` counts as many
  problems as the report lists exceptions;
- both engines say the same.

The faults of the machine (signals, a full disk, a closed pipe) are run in subprocesses by
``tests/test_hostile_cli.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from tests import hostile_corpus as corpus
from xlprofit.cli import EXIT_INPUT, EXIT_OK, main

ENGINES = ("pandas", "duckdb")


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _sheet(path: Path, title: str) -> list[dict[str, object]]:
    """The rows of a report table (the first row that holds the header names on)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [r for r in wb[title].iter_rows(values_only=True) if any(v is not None for v in r)]
    finally:
        wb.close()
    start = next(i for i, r in enumerate(rows) if r and r[0] in ("Check", "Table"))
    header = [str(h) for h in rows[start]]
    return [dict(zip(header, r, strict=False)) for r in rows[start + 1:]]


def _no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "Exception ignored" not in text, text


def _report_case(built: corpus.Built, out: str, err: str, path: Path) -> str:
    """Assert what a written report must hold; return the summary line without the path."""
    assert err == "", err
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"wrote {path} — "), out
    summary = lines[0].removeprefix(f"wrote {path} — ")
    held, checks = re.search(r"(\d+)/(\d+) checks hold", summary).groups()  # type: ignore[union-attr]
    assert held == checks, summary
    assert corpus.xml_parts_parse(path) == []
    recon = {str(r["Check"]).split(":")[0]: r for r in _sheet(path, "Reconciliation")}
    assert all(r["Holds"] == "✓ holds" for r in recon.values()), recon
    assert recon["Invoice lines"]["Expected"] == built.lines
    assert recon["Net revenue"]["Expected"] == pytest.approx(built.net_revenue, abs=0.005)
    exceptions = _sheet(path, "Exceptions")
    found = {(r["Table"], r["Action"]) for r in exceptions}
    assert set(built.exceptions) <= found, found
    if built.message:
        assert any(built.message in " ".join(str(v) for v in r.values()) for r in exceptions), built.message
    return summary


def _refused_case(built: corpus.Built, out: str, err: str) -> str:
    """Assert what a refusal must say; return its message."""
    assert out == "", out
    lines = err.splitlines()
    assert lines and lines[0].startswith("xlprofit: "), err
    assert all(line.startswith("  ") for line in lines[1:]), err  # the problems, listed under the one message
    assert built.message in err, err
    return err


@pytest.mark.parametrize("case", sorted(corpus.CASES))
def test_the_hostile_corpus_through_report_and_validate(case, tmp_path, capsys):
    built = corpus.CASES[case](tmp_path / "input")
    said: dict[str, tuple[object, ...]] = {}
    for engine in ENGINES:
        path = tmp_path / f"report-{engine}.xlsx"
        code, out, err = _run(capsys, ["report", str(built.path), "-o", str(path), "-q", "--engine", engine])
        _no_traceback(out, err)
        v_code, v_out, v_err = _run(capsys, ["validate", str(built.path), "--engine", engine, "--limit", "3"])
        _no_traceback(v_out, v_err)
        if built.outcome == "refused":
            assert code == EXIT_INPUT and not path.exists(), (code, err)
            message = _refused_case(built, out, err)
            assert (v_code, v_out, v_err) == (EXIT_INPUT, "", message)  # validate refuses it alike
            said[engine] = (message,)
        else:
            assert built.outcome == "report"
            assert code == EXIT_OK, (code, err)
            summary = _report_case(built, out, err, path)
            listed = int(re.search(r"(\d+) exception\(s\)", summary).group(1))  # type: ignore[union-attr]
            assert v_err == "" and v_code == (EXIT_INPUT if listed else EXIT_OK), (v_code, v_out, v_err)
            head = v_out.splitlines()[0].split(" — ")[0]  # without the dataset's description
            assert head == f"{built.path}: " + (f"{listed:,} problem(s)" if listed else "no problems"), v_out
            said[engine] = (summary, head)
    assert said["pandas"] == said["duckdb"]
