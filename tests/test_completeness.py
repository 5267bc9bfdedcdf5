"""Completeness: every cost of the input is in the figures, or the report says it is not.

README, *What is computed, exactly*.

A rejected cost pool (resource or activity row) is an error unless the user accepts an
incomplete report, which then says on its first lines what was excluded and fails a check; an
unknown product id is an error on every engine; Σ customer profit − unused capacity −
unassigned cost − excluded pools = the period's result, to the cent. The identities are
checked in integer cents against figures computed here from the input tables, not against
golden numbers (the demo's figures move whenever the P&L's definitions do).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlprofit
from tests.conftest import small_tables
from xlprofit.cli import main
from xlprofit.core.money import to_cents
from xlprofit.core.reconciliation import BRIDGE_STEPS, rejected_cost_pools
from xlprofit.errors import ValidationError

BRIDGE_CHECK = "Bridge: Σ customer profit − unused − unassigned − excluded = period result"
POOLS_CHECK = "Cost pools: input = traced + excluded"
RED = "C00000"  # the report's "fail" fill


def _cents(values: pd.Series) -> int:
    return int(to_cents(values).sum())


def _period_result_cents(ds: xlprofit.Dataset, a: xlprofit.Analysis, excluded_cents: int = 0) -> int:
    """Net revenue − COGS − every activity and resource cost of the input − commissions − credit − bad debt − CAC.

    The input's cost from the dataset's own tables (plus the rejected pools' cost, given), the
    revenue side from the customer P&L.
    """
    pnl, acts = a.customers, ds.activities
    input_cost = _cents(ds.resources["cost"]) + _cents(acts.loc[acts["method"] == "abc", "cost"]) + excluded_cents
    return (_cents(pnl["net_revenue"]) - _cents(pnl["cogs"]) - input_cost - _cents(pnl["commissions"])
            - _cents(pnl["cost_of_credit"]) - _cents(pnl["bad_debt"]) - _cents(pnl["acquisition_cost"]))


def _assert_bridge_ties(ds: xlprofit.Dataset, a: xlprofit.Analysis, excluded_cents: int = 0) -> None:
    bridge = a.bridge.set_index("step")["amount"]
    assert list(bridge.index) == list(BRIDGE_STEPS)
    assert _cents(bridge.loc[[BRIDGE_STEPS[0]]]) == _cents(a.customers["profit"])
    assert _cents(bridge.loc[[BRIDGE_STEPS[1]]]) == 0  # every product analysed: no other products
    assert _cents(bridge.loc[[BRIDGE_STEPS[2]]]) == -_cents(a.resources["unused_cost"])
    assert _cents(bridge.loc[[BRIDGE_STEPS[3]]]) == -_cents(a.activities["unassigned"])
    assert _cents(bridge.loc[[BRIDGE_STEPS[4]]]) == -excluded_cents
    period = _period_result_cents(ds, a, excluded_cents)
    assert _cents(bridge.loc[list(BRIDGE_STEPS[:-1])]) == period == _cents(bridge.loc[[BRIDGE_STEPS[-1]]])
    check = a.reconciliation.set_index("check").loc[BRIDGE_CHECK]
    assert bool(check["holds"]) and check["expected"] == check["actual"] == period / 100
    kpi = a.kpis.set_index("kpi")["value"]
    assert kpi["Period result"] == period / 100


# ------------------------------------------------------------------------------------------ the bridge


@pytest.fixture(scope="module")
def demo() -> tuple[xlprofit.Dataset, xlprofit.Analysis]:
    ds = xlprofit.load_demo()
    return ds, xlprofit.analyze(ds)


def test_bridge_ties_to_the_cent_on_the_demo(demo):
    ds, a = demo
    _assert_bridge_ties(ds, a)
    assert a.complete and a.checks_hold
    assert len(a.excluded_pools) == 0
    # The demo leaves capacity unused, so the period's result lies below customer profit by exactly that.
    bridge = a.bridge.set_index("step")["amount"]
    assert bridge["Unused capacity cost"] < 0 and bridge["Unassigned activity cost"] == 0
    assert bridge["Period result"] == pytest.approx(bridge["Customer profit"] + bridge["Unused capacity cost"],
                                                    abs=0.005)  # two cent amounts: their sum to the cent


def test_bridge_ties_with_unused_capacity_and_unassigned_cost(tables):
    """A resource no activity uses and an activity nothing drives are not rejections: they are in the bridge."""
    tables["resources"] = pd.concat([tables["resources"], pd.DataFrame(
        {"resource": ["Idle"], "cost": [99.99], "capacity": [10]})], ignore_index=True)
    tables["activities"] = pd.concat([tables["activities"], pd.DataFrame(
        {"activity": ["Returns desk"], "driver": ["returns"], "cost": [250.55]})], ignore_index=True)
    tables["transactions"]["returned"] = False  # nothing drives the returns desk
    ds = xlprofit.Dataset(**tables)
    assert len(rejected_cost_pools(ds)) == 0
    a = xlprofit.analyze(ds)
    assert a.complete and a.checks_hold
    _assert_bridge_ties(ds, a)
    bridge = a.bridge.set_index("step")["amount"]
    assert bridge["Unassigned activity cost"] == -250.55
    assert a.resources.set_index("resource").at["Idle", "unused_cost"] == 99.99


# ------------------------------------------------------------------------------------------ rejected pools


def _small_with(change) -> xlprofit.Dataset:
    t = small_tables()
    change(t)
    return xlprofit.Dataset(**t)


def _warehouse_capacity(t: dict) -> None:
    t["resources"].loc[1, "capacity"] = -50  # Warehouse, cost 800.00, row 3; Picking (row 3) draws on it


def test_a_rejected_resource_is_an_error_naming_it_with_its_cost():
    ds = _small_with(_warehouse_capacity)
    with pytest.raises(ValidationError) as info:
        xlprofit.analyze(ds)
    text = str(info.value)
    assert "table 'resources', row 3, column 'capacity', value -50: must be > 0 (resource 'Warehouse') — cost 800.00" \
        in text
    assert "table 'activities', row 3, column 'resource', value 'Warehouse'" in text
    assert "800.00 of cost would be missing" in text
    assert [(p.table, p.row) for p in info.value.problems] == [("resources", 3), ("activities", 3)]


def test_incomplete_analysis_excludes_the_pool_fails_its_check_and_still_bridges():
    complete = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    ds = _small_with(_warehouse_capacity)
    a = xlprofit.analyze(ds, allow_incomplete=True)
    assert not a.complete and not a.checks_hold
    pools = a.excluded_pools
    assert pools[["table", "row", "cost", "cost_status"]].values.tolist() == [
        ["resources", 3, 800.0, "known"], ["activities", 3, 0.0, "none"]]
    check = a.reconciliation.set_index("check").loc[POOLS_CHECK]
    traced = _cents(a.resources["cost"]) + _cents(a.activities.query("method == 'abc'")["cost"])
    assert check["actual"] == traced / 100 and check["expected"] == (traced + 80_000) / 100
    assert check["difference"] == -800.0 and not check["holds"]
    assert check["detail"].startswith(
        "excluded 800.00 — resource 'Warehouse', row 3: capacity -50: must be > 0, cost 800.00")
    _assert_bridge_ties(ds, a, excluded_cents=80_000)
    # Leaving a pool out moves profit between customers and unused capacity, never the period's result.
    assert a.bridge["amount"].iloc[-1] == complete.bridge["amount"].iloc[-1]
    # Every other check still holds.
    assert a.reconciliation.set_index("check").drop(index=POOLS_CHECK)["holds"].all()


def test_a_rejected_conventional_activity_counts_its_cost():
    def bad_driver(t: dict) -> None:
        t["activities"].loc[3, "driver"] = "pallets"  # Credit control, cost 500, row 5

    ds = _small_with(bad_driver)
    with pytest.raises(ValidationError, match=r"row 5, column 'driver', value 'pallets': .* — cost 500\.00"):
        xlprofit.analyze(ds)
    a = xlprofit.analyze(ds, allow_incomplete=True)
    assert a.reconciliation.set_index("check").at[POOLS_CHECK, "difference"] == -500.0
    _assert_bridge_ties(ds, a, excluded_cents=50_000)


def test_an_unreadable_cost_is_unknown_not_zero():
    def unreadable(t: dict) -> None:
        t["resources"] = t["resources"].astype(object)
        t["resources"].loc[1, "cost"] = "lots"

    ds = _small_with(unreadable)
    with pytest.raises(ValidationError, match="cost unreadable") as info:
        xlprofit.analyze(ds)
    assert "0.00 of cost and 1 pool(s) of unreadable cost would be missing" in str(info.value)
    a = xlprofit.analyze(ds, allow_incomplete=True)
    pool = a.excluded_pools.iloc[0]
    assert pool["cost_status"] == "unreadable" and np.isnan(pool["cost"])
    rec = a.reconciliation.set_index("check")
    assert np.isnan(rec.at[POOLS_CHECK, "expected"]) and not rec.at[POOLS_CHECK, "holds"]
    assert "1 pool(s) of unreadable cost (unknown)" in rec.at[POOLS_CHECK, "detail"]
    # The period's result cannot be known: the bridge says so, and its check does not hold.
    assert np.isnan(a.bridge.set_index("step").at["Period result", "amount"])
    assert not rec.at[BRIDGE_CHECK, "holds"] and rec.at[BRIDGE_CHECK, "detail"].startswith("unknown")


# ------------------------------------------------------------------------------------------ the command


@pytest.fixture(scope="module")
def warehouse_workbook(tmp_path_factory) -> Path:
    """The demo workbook with the Warehouse's capacity at −202,000 minutes."""
    folder = tmp_path_factory.mktemp("warehouse")
    demo = folder / "demo.xlsx"
    assert main(["demo", "-o", str(demo)]) == 0
    wb = openpyxl.load_workbook(demo)
    ws = wb["Resources"]
    rows = [r for r in ws.iter_rows() if r[0].value == "Warehouse"]
    assert len(rows) == 1 and rows[0][1].value == 121_200
    rows[0][2].value = -202_000
    bad = folder / "bad.xlsx"
    wb.save(bad)
    return bad


def test_report_stops_on_the_rejected_warehouse(warehouse_workbook, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(warehouse_workbook), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and not out.exists()
    assert ("table 'resources', row 7, column 'capacity', value -202000: must be > 0 (resource 'Warehouse') "
            "— cost 121,200.00") in err
    assert "value 'Warehouse': is not in the resources table" in err
    assert "--allow-incomplete" in err
    assert main(["validate", str(warehouse_workbook)]) == 1
    assert "stops on them unless --allow-incomplete" in capsys.readouterr().out


def test_incomplete_report_says_so_first_and_fails_in_red(warehouse_workbook, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(warehouse_workbook), "-o", str(out), "-q", "--allow-incomplete"]) == 0
    captured = capsys.readouterr()
    assert "10/11 checks hold" in captured.out
    assert "INCOMPLETE" in captured.err and f"check fails: {POOLS_CHECK}" in captured.err
    assert "scenarios not run: cost pool rows were rejected" in captured.err  # the demo workbook's scenarios
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]
    first = [ws.cell(row=r, column=1).value for r in range(1, 5)]
    assert first[0].startswith("✗ INCOMPLETE REPORT — cost excluded: 121,200.00.")
    assert ws.cell(row=1, column=1).fill.fgColor.rgb.endswith(RED)
    assert first[1] == "Resource 'Warehouse', row 7: capacity -202000: must be > 0 — cost 121,200.00 excluded"
    assert first[2].startswith("Activity 'Picking', row 8: resource 'Warehouse': is not in the resources table")
    banner = next(c for c in ws["A"] if isinstance(c.value, str) and "reconciliation checks hold" in c.value)
    assert banner.value.startswith("✗ 10 of 11") and banner.fill.fgColor.rgb.endswith(RED)
    for sheet, table in (("Summary", "Checks"), ("Reconciliation", "Reconciliation")):
        cells = list(wb[sheet][wb[sheet].tables[table].ref])
        header = [c.value for c in cells[0]]
        row = next(r for r in cells[1:] if r[0].value == POOLS_CHECK)
        holds = row[header.index("Holds")]
        assert holds.value == "✗ FAILS" and holds.fill.fgColor.rgb.endswith(RED), sheet
        bridge = next(r for r in cells[1:] if r[0].value == BRIDGE_CHECK)
        assert bridge[header.index("Holds")].value == "✓ holds"
    rec = wb["Reconciliation"]
    cells = list(rec[rec.tables["Reconciliation"].ref])
    header = [c.value for c in cells[0]]
    row = next(r for r in cells[1:] if r[0].value == POOLS_CHECK)
    assert row[header.index("Difference")].value == -121_200
    assert row[header.index("Detail")].value.startswith("excluded 121,200.00 — resource 'Warehouse', row 7")
    excluded = [[c.value for c in r] for r in rec[rec.tables["ExcludedPools"].ref]]
    assert excluded[1][:5] == ["resources", 7, "Warehouse", 121_200, "known"]


def test_rejected_rows_are_counted_next_to_the_checks(tables, tmp_path):
    tables["transactions"].loc[0, "customer_id"] = "GHOST"  # net revenue 90
    tables["usage"].loc[1, "quantity"] = -1
    a = xlprofit.analyze(xlprofit.Dataset(**tables))
    assert a.complete
    kpi = a.kpis.set_index("kpi")["value"]
    assert (kpi["Rejected invoice lines"], kpi["Net revenue of rejected invoice lines"],
            kpi["Rejected usage rows"]) == (1, 90.0, 1)
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(a, out)
    ws = openpyxl.load_workbook(out)["Summary"]
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert ("Rejected input rows: 1 invoice line(s), net revenue 90.00; 1 usage row(s) — see the Exceptions sheet"
            in texts)
    assert texts[0] == "Customer profitability report"  # complete: no warning above the title


# ------------------------------------------------------------------------------------------ unknown products


def _folder(tmp_path: Path) -> Path:
    t = small_tables()
    for name in ("customers", "transactions", "activities", "resources", "usage"):
        t[name].to_csv(tmp_path / f"{name}.csv", index=False)
    pd.DataFrame(list(t["parameters"].items()), columns=["name", "value"]).to_csv(tmp_path / "parameters.csv",
                                                                                 index=False)
    return tmp_path


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_unknown_product_is_an_error_with_near_matches(engine, tmp_path, capsys):
    if engine == "duckdb":
        pytest.importorskip("duckdb")
    folder = _folder(tmp_path)
    out = tmp_path / "r.xlsx"
    assert main(["report", str(folder), "-o", str(out), "-q", "--engine", engine, "--product", "P1x"]) == 1
    err = capsys.readouterr().err
    assert "value 'P1x': is not a product of the invoice lines in the analysis period 2024-01-01 … 2024-12-31; " \
           "did you mean 'P1'?" in err
    assert "Traceback" not in err and not out.exists()
    # One known and one unknown id is an error too, naming only the unknown one.
    assert main(["report", str(folder), "-o", str(out), "-q", "--engine", engine,
                 "--product", "P1", "--product", "NOPE"]) == 1
    err = capsys.readouterr().err
    assert "1 unknown product id(s)" in err and "value 'NOPE'" in err and "P1, P2" in err
    # Known ids analyse as before.
    assert main(["report", str(folder), "-o", str(out), "-q", "--engine", engine, "--product", "P2"]) == 0


def test_unknown_product_in_the_api():
    ds = xlprofit.load_demo()
    with pytest.raises(ValidationError, match=r"value 'p056': .*did you mean 'P056'\?"):
        xlprofit.analyze(ds, products=["p056"])
    with pytest.raises(ValidationError, match=r"value 'NOPE': .*the lines hold 150 product id\(s\): P001, "):
        xlprofit.analyze(ds, products=["P056", "NOPE"])
