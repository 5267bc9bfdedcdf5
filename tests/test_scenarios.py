"""Scenarios side by side (issue 18, item 3): the scenarios table, its checks and its outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xlprofit
from tests.conftest import small_tables
from xlprofit.core.scenarios import BASE, SUMMARY_MEASURES, apply_scenario, parse_scenarios, run_scenarios
from xlprofit.data import DEMO_DIR
from xlprofit.errors import ValidationError

COLUMNS = ["scenario", "change", "target", "applies_to", "value"]


@pytest.fixture(scope="module")
def small() -> xlprofit.Dataset:
    return xlprofit.Dataset(**small_tables())


@pytest.fixture(scope="module")
def small_base(small: xlprofit.Dataset) -> xlprofit.Analysis:
    return xlprofit.analyze(small)


def _table(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


def _run(ds: xlprofit.Dataset, *rows: tuple) -> xlprofit.Analysis:
    changes = parse_scenarios(_table(*rows), ds)
    scenario, overrides = apply_scenario(ds, next(iter(changes.values())))
    return xlprofit.analyze(scenario, **overrides)


# ------------------------------------------------------------------------------------------ validation

@pytest.mark.parametrize(("row", "column", "value", "words"), [
    (("S", "rate", "Sales visit", None, 0.8), "target", "Sales visit", "did you mean 'Sales visits'"),
    (("S", "volume", "visits", "segment:Retial", 0.5), "applies_to", "segment:Retial", "did you mean 'Retail'"),
    (("S", "parameter", "discount_rat", None, 0.1), "target", "discount_rat", "did you mean 'discount_rate'"),
    (("S", "volume", "visits", "customer:Z", 0.5), "applies_to", "customer:Z", "names no customer"),
    (("S", "volume", "vists", None, 0.5), "target", "vists", "did you mean 'visits'"),
    (("S", "volume", "lines", None, 0.5), "target", "lines", "built-in driver"),
    (("S", "volume", "visits", None, "half"), "value", "half", "is not a number"),
    (("S", "volume", "visits", None, -0.5), "value", -0.5, "must be a scale between 0"),
    (("S", "price", None, "segment:Retail", -1.0), "value", -1.0, "above -1"),
    (("S", "price", None, None, 3), "value", 3, "write 0.03 or 3%"),
    (("S", "parameter", "discount_rate", None, 12), "value", 12, "between 0 and 1"),
    (("S", "parameter", "payment_days", None, -5), "value", -5, "must be ≥ 0"),
    (("S", "rate", "Picking", "segment:Retail", 0.8), "applies_to", "segment:Retail", "applies to everyone"),
    (("S", "reprice", None, None, 0.1), "change", "reprice", "did you mean 'price'"),
    (("base", "price", None, None, 0.1), "scenario", "base", "choose another name"),
    (("s", "price", None, None, 0.1), "scenario", "s", "only by case"),
])
def test_a_bad_row_is_named_with_its_column_and_value(small, row, column, value, words):
    good = ("S", "volume", "visits", None, 0.5)
    with pytest.raises(ValidationError) as caught:
        parse_scenarios(_table(good, row), small)
    (problem,) = caught.value.problems
    assert (problem.table, problem.row, problem.column) == ("scenarios", 3, column)
    assert problem.value == value
    assert words in problem.reason
    assert "table 'scenarios', row 3" in str(caught.value)


def test_every_bad_row_is_listed_and_a_repeated_change_too(small):
    with pytest.raises(ValidationError) as caught:
        parse_scenarios(_table(("S", "volume", "visits", None, 0.5), ("S", "volume", "Visits", None, 0.4),
                               ("T", "rate", "Nope", None, 1), ("T", "volume", "visits", None, None)), small)
    found = [(p.row, p.column) for p in caught.value.problems]
    assert found == [(3, "change"), (4, "target"), (5, "value")]
    assert "repeats the change of row 2" in caught.value.problems[0].reason


def test_parsing_keeps_scenarios_in_order_with_canonical_names(small):
    changes = parse_scenarios(_table(("Later", "price", "P1", "segment:retail", "3%"),
                                     ("First", "rate", "picking", None, 0.8),
                                     ("Later", "volume", "Visits", "customer:B", 0.5)), small)
    assert list(changes) == ["Later", "First"]
    price, visits = changes["Later"]
    assert (price.kind, price.target, price.applies_to, price.value) == ("price", "P1", ("segment", "Retail"), 0.03)
    assert (visits.target, visits.applies_to, visits.row) == ("visits", ("customer", "B"), 4)
    assert changes["First"][0].target == "Picking"


# ------------------------------------------------------------------------------------------ outcomes

def test_a_parameter_scenario_equals_analyze_with_the_override(small):
    got = _run(small, ("Dearer money", "parameter", "discount_rate", None, 0.2))
    want = xlprofit.analyze(small, discount_rate=0.2)
    pd.testing.assert_frame_equal(got.customers, want.customers)
    pd.testing.assert_frame_equal(got.kpis, want.kpis)


def test_a_scenario_without_effect_reproduces_the_base(small, small_base):
    """The scenario dataset is rebuilt from the normalised tables: with a scale of 1 nothing moves."""
    got = _run(small, ("Same", "volume", "visits", None, 1), ("Same", "price", None, None, 0))
    pd.testing.assert_frame_equal(got.customers, small_base.customers)
    pd.testing.assert_frame_equal(got.bridge, small_base.bridge)


def test_the_original_dataset_is_untouched(small):
    before = {n: getattr(small, n).copy() for n in ("customers", "transactions", "activities", "resources", "usage")}
    _run(small, ("All", "price", None, None, 0.5), ("All", "volume", "visits", None, 0),
         ("All", "volume", "orders", None, 0.5), ("All", "capacity", "Warehouse", None, 0.5),
         ("All", "rate", "Order handling", None, 0.5))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(small, name), frame)


def test_halving_one_customers_visits_halves_its_visit_cost_only(small, small_base):
    """Time-driven costing at a capacity cost rate: Field sales 3000 over 600 minutes, 60 minutes a visit."""
    got = _run(small, ("Fewer visits", "volume", "visits", "customer:A", 0.5))
    base = small_base.customers["cts_Sales visits"]
    after = got.customers["cts_Sales visits"]
    assert after["A"] == pytest.approx(base["A"] / 2, abs=0.005)
    assert base["A"] == 600.0  # two visits at 300.00: the halving is not trivial
    cts = [c for c in got.customers.columns if c.startswith("cts_")]
    pd.testing.assert_frame_equal(got.customers.loc[["B", "C"], cts], small_base.customers.loc[["B", "C"], cts])
    assert got.customers.at["A", "profit"] == pytest.approx(small_base.customers.at["A", "profit"] + 300.0, abs=0.005)
    # the freed minutes are unused capacity, not a saving: the period result stays
    assert got.bridge["amount"].iloc[-1] == pytest.approx(small_base.bridge["amount"].iloc[-1], abs=0.005)
    assert got.checks_hold


def test_a_price_rise_for_one_segment_raises_its_net_revenue_by_that_much(small, small_base):
    got = _run(small, ("Retail +10 %", "price", None, "segment:Retail", 0.10))
    lines = small.transactions.groupby("customer_id").size()
    for cid in ("B", "C"):  # Retail
        want = small_base.customers.at[cid, "net_revenue"] * 1.10
        assert got.customers.at[cid, "net_revenue"] == pytest.approx(want, abs=0.005 * lines[cid] + 1e-9)
        assert got.customers.at[cid, "gross_revenue"] == pytest.approx(
            small_base.customers.at[cid, "gross_revenue"] * 1.10, abs=0.005 * lines[cid] + 1e-9)
    assert got.customers.at["A", "net_revenue"] == small_base.customers.at["A", "net_revenue"]
    assert got.customers.at["A", "profit"] == small_base.customers.at["A", "profit"]
    assert got.checks_hold


def test_consolidating_orders_keeps_the_lines_and_cuts_the_per_order_minutes(small, small_base):
    got = _run(small, ("Minimum order", "volume", "orders", "customer:C", 0.5))
    c, base = got.customers.loc["C"], small_base.customers.loc["C"]
    assert (base["orders"], c["orders"]) == (3, 2)  # round(3 × 0.5) = 2 (half up)
    assert (c["lines"], c["net_revenue"]) == (base["lines"], base["net_revenue"])
    # Order handling: 5 minutes per order (+ 2 per line) at 1000 / 100 = 10.00 a minute
    assert base["cts_Order handling"] - c["cts_Order handling"] == pytest.approx(50.0, abs=0.005)
    assert got.customers.loc[["A", "B"], "orders"].tolist() == small_base.customers.loc[["A", "B"], "orders"].tolist()
    assert got.checks_hold


def test_rate_scales_time_driven_minutes_and_conventional_cost(small, small_base):
    got = _run(small, ("Leaner", "rate", "Order handling", None, 0.5), ("Leaner", "rate", "Credit control", None, 0.8))
    for cid in ("A", "B", "C"):
        assert got.customers.at[cid, "cts_Order handling"] == pytest.approx(
            small_base.customers.at[cid, "cts_Order handling"] / 2, abs=0.01)
    assert got.customers["cts_Credit control"].sum() == pytest.approx(400.0, abs=0.005)
    # the time saved is unused capacity; the conventional activity's 100.00 is saved for real
    assert got.bridge["amount"].iloc[-1] == pytest.approx(small_base.bridge["amount"].iloc[-1] + 100.0, abs=0.005)


def test_capacity_cuts_cost_at_the_same_rate(small, small_base):
    got = _run(small, ("Smaller warehouse", "capacity", "Warehouse", None, 0.5))
    res = got.resources.set_index("resource").loc["Warehouse"]
    assert (res["cost"], res["capacity"]) == (400.0, 25.0)
    assert got.customers["cts_Picking"].tolist() == small_base.customers["cts_Picking"].tolist()
    assert got.bridge["amount"].iloc[-1] == pytest.approx(small_base.bridge["amount"].iloc[-1] + 400.0, abs=0.005)


def test_customer_terms_apply_to_the_named_customers_only(small, small_base):
    got = _run(small, ("Terms", "parameter", "commission_rate", "segment:Retail", 0.1))
    assert got.customers.loc[["B", "C"], "commission_rate"].tolist() == [0.1, 0.1]
    assert got.customers.at["A", "commissions"] == small_base.customers.at["A", "commissions"]
    assert (got.customers.loc[["B", "C"], "commissions"] > small_base.customers.loc[["B", "C"], "commissions"]).all()


# ------------------------------------------------------------------------------------------ the demo

@pytest.fixture(scope="module")
def demo_results():
    ds = xlprofit.load_demo()
    return run_scenarios(ds, pd.read_csv(DEMO_DIR / "scenarios.csv"))


def test_the_demo_scenarios_run_side_by_side_and_tie(demo_results):
    names = list(demo_results.analyses)
    assert len(names) == 3
    summary = demo_results.summary.set_index("measure")
    assert list(summary.columns) == ["unit", BASE, *names, *(f"{n} vs base" for n in names)]
    assert list(summary.index) == [m for m, _ in SUMMARY_MEASURES]
    assert demo_results.checks_hold
    for column in (BASE, *names):  # period result = Σ customer profit − unused − unassigned, to the cent
        tied = (summary.at["Customer profit", column] - summary.at["Unused capacity cost", column]
                - summary.at["Unassigned activity cost", column])
        assert summary.at["Period result", column] == pytest.approx(tied, abs=0.005)
        assert summary.at["Reconciliation checks failing", column] == 0


def test_the_demo_scenarios_move_profit_the_expected_way(demo_results):
    """Every lever cuts cost-to-serve; only a capacity cut turns the minutes freed into money."""
    s = demo_results.summary.set_index("measure")
    for name, changes in demo_results.changes.items():
        delta = s[f"{name} vs base"]
        assert delta["Net revenue"] == 0
        assert delta["Customer profit"] > 0
        assert delta["Customer profit"] == pytest.approx(-delta["Cost-to-serve"], abs=0.005)
        capacity_cut = any(c.kind == "capacity" for c in changes)
        if capacity_cut:
            assert delta["Period result"] > 0
        else:
            assert delta["Period result"] == pytest.approx(0.0, abs=0.005)
            assert delta["Unused capacity cost"] == pytest.approx(delta["Customer profit"], abs=0.005)
        # plausible: a few percent of the base's cost-to-serve, not a rounding error nor a revolution
        assert 0.005 < -delta["Cost-to-serve"] / s.at["Cost-to-serve", BASE] < 0.10


def test_the_demo_customer_changes_land_on_the_customers_named(demo_results):
    table = demo_results.customers
    base = demo_results.base.customers
    assert len(table) == 3 * len(base)
    for name, changes in demo_results.changes.items():
        rows = table[table["scenario"] == name]
        assert (rows["change"].abs().diff().dropna() <= 0).all()  # largest first
        (dimension, value), = {c.applies_to for c in changes if c.applies_to is not None}
        # others move by at most a cent: the largest-remainder split of a resource's cents
        moved = rows.loc[rows["change"].abs() > 0.011, dimension]
        assert len(moved) > 0 and set(moved) == {value}
        assert np.isclose(rows["change"].sum(),
                          demo_results.summary.set_index("measure").at["Customer profit", f"{name} vs base"])
