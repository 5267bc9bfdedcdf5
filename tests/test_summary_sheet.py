"""The Summary sheet adds up: the whole waterfall to the period's result, its chart, the reasons, the checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

import xlprofit
from tests.conftest import small_tables
from xlprofit.core.money import to_cents
from xlprofit.report._layout import ROW_HEIGHT, page_breaks
from xlprofit.report._texts import LANGUAGES, report_text
from xlprofit.report.workbook import _summary, waterfall_steps

BRIDGE_CHECK = "Bridge: Σ customer profit − unused − unassigned − excluded = period result"
STEPS = ["Gross revenue (list price)", "On-invoice discounts", "Off-invoice rebates", "Net revenue",
         "Cost of goods sold", "Gross margin", "Cost-to-serve", "Commissions", "Cost of credit", "Bad debt",
         "Contribution", "Acquisition cost", "Customer profit (Σ over the customers)", "Unused capacity cost",
         "Unassigned activity cost", "Period result"]
TOTALS = {"Gross revenue (list price)", "Net revenue", "Gross margin", "Contribution",
          "Customer profit (Σ over the customers)", "Period result"}


def _table(ws, name: str) -> pd.DataFrame:
    rows = [[c.value for c in r] for r in ws[ws.tables[name].ref]]
    return pd.DataFrame(rows[1:], columns=rows[0])


def _cents(value: float) -> int:
    return int(to_cents(value))


@pytest.fixture(scope="module")
def demo():
    """The demo's analysis and its report's Summary (written once: the analysis takes about 10 s)."""
    analysis = xlprofit.analyze(xlprofit.load_demo())
    return analysis


@pytest.fixture(scope="module")
def demo_summary(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("summary") / "report.xlsx"
    xlprofit.write_report(demo, out, generated=dt.datetime(2025, 1, 31, 9, 0))
    return openpyxl.load_workbook(out)["Summary"]


def _assert_adds_up(waterfall: pd.DataFrame, analysis) -> None:
    """Each total is the total before it plus the steps since, to the cent; the last is the bridge's result."""
    level = None
    for step, amount in zip(waterfall["Step"], waterfall["Amount"], strict=True):
        cents = _cents(amount)
        if step in TOTALS:
            if level is not None:
                assert cents == level, step
            level = cents
        else:
            level += cents
    rec = analysis.reconciliation.set_index("check")
    bridge = rec.loc[[c for c in rec.index if c.startswith("Bridge:")][0]]
    assert bridge["holds"]
    assert _cents(waterfall["Amount"].iloc[-1]) == _cents(bridge["actual"]) == _cents(bridge["expected"])
    # Independently: Σ over the customers of their P&L columns, then the bridge's own deductions.
    pnl = analysis.customers
    profit = sum(int(to_cents(pnl[c]).sum()) * s for c, s in (
        ("net_revenue", 1), ("cogs", -1), ("cost_to_serve", -1), ("commissions", -1), ("cost_of_credit", -1),
        ("bad_debt", -1), ("acquisition_cost", -1)))
    shown = waterfall.set_index("Step")["Amount"]
    assert _cents(shown["Customer profit (Σ over the customers)"]) == profit
    assert _cents(shown["Gross revenue (list price)"]) == int(to_cents(pnl["gross_revenue"]).sum())
    unused = int(to_cents(analysis.resources["unused_cost"]).sum())
    unassigned = int(to_cents(analysis.activities["unassigned"]).sum())
    assert _cents(shown["Unused capacity cost"]) == -unused
    assert _cents(shown["Unassigned activity cost"]) == -unassigned
    if analysis.complete and "Other products' profit" not in shown.index:
        assert _cents(shown["Period result"]) == profit - unused - unassigned


def test_demo_waterfall_adds_up_to_the_period_result_to_the_cent(demo, demo_summary):
    waterfall = _table(demo_summary, "Waterfall")
    assert list(waterfall["Step"]) == STEPS
    _assert_adds_up(waterfall, demo)
    # The demo's figures, each a sum of the Customer P&L (the commissions, credit and bad debt of issue 18).
    shown = waterfall.set_index("Step")["Amount"]
    pnl = demo.customers
    for step, column in (("Commissions", "commissions"), ("Cost of credit", "cost_of_credit"),
                         ("Bad debt", "bad_debt"), ("Acquisition cost", "acquisition_cost")):
        assert shown[step] < 0
        assert _cents(-shown[step]) == int(to_cents(pnl[column]).sum()), step
    assert _cents(shown["Net revenue"]) == int(to_cents(pnl["net_revenue"]).sum())


@pytest.mark.parametrize("case", ["small", "pilot", "incomplete"])
def test_waterfall_adds_up_on_small_data(case, tmp_path):
    tables = small_tables()
    options: dict = {}
    if case == "pilot":
        options["products"] = ["P1"]
    if case == "incomplete":  # a resource of negative capacity is rejected: its cost (800) is excluded
        tables["resources"].loc[1, "capacity"] = -50
        options["allow_incomplete"] = True
    analysis = xlprofit.analyze(xlprofit.Dataset(**tables), **options)
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(analysis, out)
    waterfall = _table(openpyxl.load_workbook(out)["Summary"], "Waterfall")
    steps = list(waterfall["Step"])
    assert ("Other products' profit" in steps) == (case == "pilot")
    assert ("Excluded cost pools" in steps) == (case == "incomplete")
    if case == "incomplete":
        assert not analysis.complete
        # An excluded pool of known cost: the step is negative and the result still ties.
        assert waterfall.set_index("Step")["Amount"]["Excluded cost pools"] < 0
    _assert_adds_up(waterfall, analysis)


def test_reasons_name_the_largest_driver(tmp_path):
    # Traced by hand from tests.conftest.small_tables (see the Customer P&L):
    # A: gross margin 165.00, cost-to-serve 998.86, cost of credit 2.79, acquisition cost 1,000.00
    #    -> profit -1,836.65; its largest deduction is the acquisition cost (1,000.00 > 998.86).
    # B: gross margin 160.00, cost-to-serve 1,546.86 (Sales visits 1,200.00), credit 5.92 -> -1,392.78.
    # C: gross margin 900.00 on net revenue 1,800.00 (50.0 %) -> profit 264.93.
    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()))
    out = tmp_path / "r.xlsx"
    xlprofit.write_report(analysis, out)
    ws = openpyxl.load_workbook(out)["Summary"]
    bottom = _table(ws, "BottomCustomers").set_index("Customer")
    assert list(bottom.index) == ["A", "B", "C"]  # least profitable first
    assert bottom.loc["A", "Reason"] == "acquisition cost 1,000.00 on net revenue 340.00"
    assert bottom.loc["B", "Reason"] == "cost-to-serve 1,546.86; most of it Sales visits 1,200.00"
    assert bottom.loc["C", "Reason"] == "gross margin 900.00, 50.0% of net revenue"
    top = _table(ws, "TopCustomers").set_index("Customer")
    assert top.loc["C", "Reason"] == bottom.loc["C", "Reason"]
    assert "Gross margin" in top.columns


def test_demo_reasons(demo, demo_summary):
    bottom = _table(demo_summary, "BottomCustomers")
    worst = demo.customers.loc[bottom["Customer"].iloc[0]]
    # The demo's least profitable customer loses on its cost-to-serve, most of it on deliveries.
    deductions = {c: worst[c] for c in ("cost_to_serve", "commissions", "cost_of_credit", "bad_debt",
                                        "acquisition_cost")}
    assert max(deductions, key=deductions.get) == "cost_to_serve"
    activity = max((c for c in demo.customers if c.startswith("cts_")), key=lambda c: worst[c])
    assert bottom["Reason"].iloc[0] == (f"cost-to-serve {worst['cost_to_serve']:,.2f}; most of it {activity[4:]} "
                                        f"{worst[activity]:,.2f} ({worst['orders']:,.0f} orders)")
    top = _table(demo_summary, "TopCustomers")
    assert all(r.startswith("gross margin ") for r in top["Reason"])


def test_waterfall_chart_references_the_waterfall_cells(demo_summary):
    ws = demo_summary
    ref = ws.tables["Waterfall"].ref
    first, last = ref.split(":")
    header, end = int(first[1:]), int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    waterfall = _table(ws, "Waterfall")
    bars = [c for c in ws._charts if c.tagname == "barChart"]
    assert len(bars) == 2  # the whole waterfall, and its detail from the gross margin on
    whole = bars[0]
    assert whole.grouping == "stacked"
    series = whole.series
    assert [s.cat.strRef.f if s.cat.strRef else s.cat.numRef.f for s in series] == \
        [f"'Summary'!$A${header + 1}:$A${end}"] * 3
    # The bars: an invisible base, the part above zero and the part below; base + bar reach each step's end.
    columns = []
    for s in series:
        f = s.val.numRef.f
        col, rows = f.split("!")[1].split(":")[0].strip("$").split("$")[0], f.split("!")[1]
        lo, hi = (int(p.split("$")[-1]) for p in rows.split(":"))
        assert hi - lo + 1 == len(waterfall)
        columns.append([ws[f"{col}{r}"].value or 0.0 for r in range(lo, hi + 1)])
    assert series[0].graphicalProperties.noFill
    base, above, below = (np.array(c, dtype=float) for c in columns)
    level = 0
    for i, (step, amount) in enumerate(zip(waterfall["Step"], waterfall["Amount"], strict=True)):
        start = 0 if step in TOTALS else level
        level = start + _cents(amount)
        top, bottom = max(start, level), min(start, level)
        parts = [_cents(base[i]), _cents(above[i]), _cents(below[i])]
        assert max(0, top) == (parts[0] if parts[0] > 0 else 0) + parts[1], step
        assert min(0, bottom) == (parts[0] if parts[0] < 0 else 0) + parts[2], step
    # The hidden rows of the bars print nothing.
    assert all(ws.row_dimensions[r].hidden for r in range(lo - 1, hi + 1))
    # The whale curve plots the Whale curve sheet's own cells.
    (whale,) = [c for c in ws._charts if c.tagname == "scatterChart"]
    assert whale.series[0].yVal.numRef.f.startswith("'Whale curve'!$")


def test_checks_print_on_one_page(demo, demo_summary):
    """No page of the Summary ends inside the checks: the page is modelled as the report plans it."""
    lay = _summary(demo, set(), dt.datetime(2025, 1, 31), "0")
    scale, breaks = page_breaks(lay)
    assert sorted(b.id for b in demo_summary.row_breaks.brk) == breaks
    heading = next(r for r in range(1, lay.next_row) if demo_summary.cell(r, 1).value == "Checks")
    checks = demo_summary.tables["Checks"].ref
    last = int(checks.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert (heading, last) in lay.keep
    usable = 0.95 * (595.3 - 2 * 0.6 * 72) * 100 / scale
    height = sum(lay.row_heights.get(r, ROW_HEIGHT) for r in range(heading, last + 1))
    assert height <= usable
    page_start = max([b + 1 for b in breaks if b < heading], default=1)
    assert sum(lay.row_heights.get(r, ROW_HEIGHT) for r in range(page_start, last + 1)
               if r not in lay.hidden_rows) <= usable


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_summary_in_every_language(language):
    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()), products=["P1"])
    steps = waterfall_steps(analysis, language)
    assert steps["step"].is_unique and steps["step"].str.len().gt(0).all()
    if language != "en":
        english = waterfall_steps(analysis, "en")
        assert (steps["step"] != english["step"]).sum() >= len(steps) - 2  # all but names alike in some languages
    lay = _summary(analysis, set(), dt.datetime(2025, 1, 31), "0", language)
    texts = {str(v) for b in lay.blocks if b.kind == "line" for v in b.payload["values"] if v}
    assert report_text("waterfall_heading", language) in texts
    assert report_text("checks_heading", language) in texts
