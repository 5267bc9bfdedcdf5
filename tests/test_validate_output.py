"""``xlprofit validate``: the causes first, each once with its count, then the problems one by one (issue 18, item 6).

Before the change one duplicated customer id that replaced another customer's id printed the
duplicate and then a line for every invoice line and usage row of the lost customer; one
misspelt driver printed one clear line and then a line per usage row of the right name; there
was no "did you mean"; ``--limit 0`` printed nothing but "… and N more".
"""

from __future__ import annotations

import pytest

from tests.hostile_corpus import base_tables, write_folder
from xlprofit.cli import EXIT_INPUT, EXIT_USAGE, main
from xlprofit.core.diagnosis import KnownNames, diagnose
from xlprofit.errors import Problem

ENGINES = ("pandas", "duckdb")


def _validate(capsys, folder, *extra: str, engine: str = "pandas") -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["validate", str(folder), "--engine", engine, *extra])
    out = capsys.readouterr().out
    return code, out.splitlines()


def _duplicated_id(tmp_path):
    """Customer 'C' typed as 'A' a second time: C's three invoice lines lose their customer."""
    tables = base_tables()
    tables["customers"].loc[2, "customer_id"] = "A"
    return write_folder(tmp_path / "dup", tables)


def _misspelt_driver(tmp_path):
    """The activity 'Sales visits' has driver 'visitz': it and the three usage rows of 'visits' are left out."""
    tables = base_tables()
    tables["activities"].loc[2, "driver"] = "visitz"
    return write_folder(tmp_path / "typo", tables)


def test_a_duplicated_id_is_told_once_with_its_follow_on_rows(tmp_path, capsys):
    code, lines = _validate(capsys, _duplicated_id(tmp_path))
    assert code == EXIT_INPUT
    assert lines[0] == f"{tmp_path / 'dup'}: 4 problem(s)"
    # Before: the first line after the header was the duplicate alone, and no line counted the rest.
    assert lines[1] == ("  * 4 problem(s): customer id 'A' appears 2 times in customers (rows 2, 4): only row 2 is "
                        "used, row 4 is left out; no customer has id 'C', which 3 transactions rows (rows 6, 7, 8) "
                        "name — is row 4 meant to be 'C'? Those rows are left out until a customer has that id")
    assert lines[2] == "  each problem:"
    assert len(lines) == 3 + 4  # the header, the cause, the sub-header and the four problems


def test_a_misspelt_driver_says_did_you_mean_first(tmp_path, capsys):
    code, lines = _validate(capsys, _misspelt_driver(tmp_path))
    assert code == EXIT_INPUT
    assert lines[0] == f"{tmp_path / 'typo'}: 4 problem(s)"
    assert lines[1].startswith("  * 4 problem(s): driver 'visitz' of activity 'Sales visits' (activities row 4) "
                               "is not a known driver, and 3 usage rows (rows 2, 3, 4) give 'visits'")
    assert "did you mean 'visits'?" in lines[1]
    assert sum("did you mean" in line for line in lines) == 1


def test_one_misspelt_usage_row_is_told_with_the_activity_driver_it_means(tmp_path, capsys):
    tables = base_tables()
    tables["usage"].loc[1, "driver"] = "visitz"
    tables["usage"].loc[2, "driver"] = "visitz"
    code, lines = _validate(capsys, write_folder(tmp_path / "typo", tables))
    assert code == EXIT_INPUT
    assert lines[1] == ("  * 2 problem(s): driver 'visitz' is used by no accepted activity — did you mean 'visits'?: "
                        "2 usage rows (rows 3, 4) give it and are left out")


def test_many_rows_with_one_reason_are_one_cause_with_their_count(tmp_path, capsys):
    tables = base_tables()
    tables["transactions"]["date"] = "soon"  # every line: not a date
    tables["transactions"].loc[0, "date"] = "2024-01-05"  # one line left, so that the input can be analysed
    code, lines = _validate(capsys, write_folder(tmp_path / "dates", tables))
    assert code == EXIT_INPUT
    assert lines[1].startswith("  * 7 problem(s): table 'transactions', column 'date': ")
    assert lines[1].endswith(" — 7 rows (rows 3, 4, 5, 6, 7, …)")


@pytest.mark.parametrize("limit", ["0", "1"])
def test_limit_zero_lists_every_problem_and_a_negative_limit_is_a_usage_error(tmp_path, capsys, limit):
    folder = _misspelt_driver(tmp_path)
    code, lines = _validate(capsys, folder, "--limit", limit)
    assert code == EXIT_INPUT
    listed = [line for line in lines if line.startswith("  - ")]
    if limit == "0":  # before: no problem listed, only "… and 4 more"
        assert len(listed) == 4 and not any(line.startswith("  … and") for line in lines)
    else:
        assert len(listed) == 1 and "  … and 3 more (use --limit; --limit 0 lists them all)" in lines
    with pytest.raises(SystemExit) as stop:
        main(["validate", str(folder), "--limit", "-1"])
    assert stop.value.code == EXIT_USAGE
    assert "--limit: must be 0 (no limit) or more; got -1" in capsys.readouterr().err


def _both(tmp_path):
    """The duplicated id and the misspelt driver together: the engines find them in different orders."""
    tables = base_tables()
    tables["customers"].loc[2, "customer_id"] = "A"
    tables["activities"].loc[2, "driver"] = "visitz"
    return write_folder(tmp_path / "both", tables)


@pytest.mark.parametrize("build", [_duplicated_id, _misspelt_driver, _both])
def test_pandas_and_duckdb_print_the_same_lines(tmp_path, capsys, build):
    pytest.importorskip("duckdb")
    folder = build(tmp_path)
    said = {engine: _validate(capsys, folder, engine=engine) for engine in ENGINES}
    assert said["pandas"] == said["duckdb"]
    assert said["pandas"][1][1].startswith("  * 4 problem(s): ")


def test_the_causes_do_not_depend_on_the_order_of_the_problems():
    problems = [Problem("usage", r, "driver", "reminders", "is not used by any activity") for r in (9, 3, 5)]
    problems.append(Problem("activities", 11, "driver", "reminderz", "is not a known driver (built-in: …)"))
    problems += [Problem("transactions", r, "date", "x", "is not a date") for r in (4, 2)]
    names = KnownNames(drivers=frozenset({"calls", "visits"}), pools={("activities", 11): "Credit & collection"})
    causes = diagnose(problems, names)
    assert [str(c) for c in causes] == [str(c) for c in diagnose(problems[::-1], names)]
    assert [c.count for c in causes] == [4, 2]
    assert "did you mean 'reminders'?" in causes[0].message and "usage rows (rows 3, 5, 9)" in causes[0].message
    assert causes[1].message == "table 'transactions', column 'date': is not a date — 2 rows (rows 2, 4)"


def test_a_rejected_resource_explains_the_activities_that_use_it():
    problems = [Problem("resources", 3, "capacity", -50, "must be > 0"),
                Problem("activities", 3, "resource", "Warehouse", "is not in the resources table"),
                Problem("activities", 5, "resource", "Wharehouse", "is not in the resources table")]
    names = KnownNames(resources=frozenset({"Warehouse", "Field sales"}),
                       pools={("resources", 3): "Warehouse", ("activities", 3): "Picking"})
    first, second = diagnose(problems, names)
    assert str(first) == ("2 problem(s): resource 'Warehouse' (resources row 3) is rejected (capacity: must be > 0), "
                          "so activity 'Picking' (activities row 3) that uses it is rejected too")
    assert second.message == ("resource 'Wharehouse' of activities row 5 is not in the resources table — did you "
                              "mean 'Warehouse'?")


def test_customer_ids_close_to_one_another_get_no_guess():
    problems = [Problem("transactions", r, "customer_id", "C0119", "is not in the customers table") for r in (2, 3)]
    (cause,) = diagnose(problems, KnownNames(customer_ids=frozenset({"C0118", "C0120"})))
    assert "did you mean" not in cause.message
    (cause,) = diagnose([Problem("transactions", 2, "customer_id", "ACME01", "is not in the customers table")],
                        KnownNames(customer_ids=frozenset({"ACME-01", "BETA-02"})))
    assert "did you mean 'ACME-01'?" in cause.message
