"""One definition per number: the trend ties to the P&L, and cost of credit has one function.

The README's *What is computed, exactly*: "Cost of credit = net revenue ×
payment_days / 365 × annual cost of capital"; "Rounding to cents uses largest-remainder so
totals still tie". Every comparison of money here is exact in integer cents (tolerance 0):
the promise is "to the cent", so no tolerance would test it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlprofit
from tests.conftest import small_tables
from xlprofit.core import costing, profit
from xlprofit.core.allocation import round_to_totals
from xlprofit.core.money import to_cents
from xlprofit.core.profit import credit_cost
from xlprofit.errors import ArgumentError, DivisionByZeroError

PACKAGE = Path(xlprofit.__file__).parent


def _udfs() -> ModuleType:
    """The Excel functions, imported when a test runs: importing xlwings while the test modules
    are collected would fix its mode before test_excel_officejs.py sets XLWINGS_ON_SERVER."""
    return importlib.import_module("xlprofit.excel.udfs")
#: The money columns of the trend; each must tie to the P&L column of the same name.
TREND_MONEY = ("net_revenue", "gross_margin", "cost_to_serve", "commissions", "cost_of_credit", "bad_debt",
               "contribution")
#: The trend's volume columns (not money).
TREND_VOLUMES = ("orders", "lines", "units")


@pytest.fixture(scope="module")
def demo() -> xlprofit.Analysis:
    return xlprofit.analyze(xlprofit.load_demo(), discount_rate=0.1)


def _untied(analysis: xlprofit.Analysis) -> dict[str, list[str]]:
    """Per money column of the trend, the customers whose period cents differ from their P&L cents."""
    trend, pnl = analysis.trend, analysis.customers
    numbers = [c for c in trend.columns if pd.api.types.is_float_dtype(trend[c]) and c not in TREND_VOLUMES]
    assert sorted(numbers) == sorted(TREND_MONEY), "a new money column in the trend: add it to TREND_MONEY"
    assert set(trend["customer_id"]) <= set(pnl.index)
    untied = {}
    for column in TREND_MONEY:
        periods = pd.Series(to_cents(trend[column]), index=trend["customer_id"].to_numpy()).groupby(level=0).sum()
        periods = periods.reindex(pnl.index, fill_value=0)
        off = periods.to_numpy() != to_cents(pnl[column])
        if off.any():
            untied[column] = list(pnl.index[off][:5])
    return untied


def _assert_totals_tie(analysis: xlprofit.Analysis) -> None:
    """The period totals (Trend sheet) add up to the P&L's totals, to the cent."""
    totals, pnl = analysis.period_totals, analysis.customers
    for column in TREND_MONEY:
        if column in totals.columns:
            assert to_cents(totals[column]).sum() == to_cents(pnl[column]).sum(), column


# ------------------------------------------------------------------------------------------
# The trend ties to the P&L


def test_demo_trend_ties_to_the_pnl_in_every_money_column(demo: xlprofit.Analysis) -> None:
    # Before the fix the periods' contribution added up to 679,440.81 against the P&L's 679,440.90
    # (649,426.96 since returned lines are credited with their write-offs, open items aged and
    # commissions paid on collected revenue; 848,517.96 on the demo regenerated with planted churn).
    assert _untied(demo) == {}
    assert to_cents(demo.trend["contribution"]).sum() == to_cents(demo.customers["contribution"]).sum() == 84_851_796
    _assert_totals_tie(demo)


@pytest.mark.parametrize("periods_per_year", [4, 12])
def test_small_tables_trend_ties_to_the_pnl(periods_per_year: int) -> None:
    analysis = xlprofit.analyze(xlprofit.Dataset(**small_tables()), periods_per_year=periods_per_year,
                                commission_rate=0.073, cost_of_capital=0.083)
    assert (analysis.customers["commissions"] != 0).all() and (analysis.customers["cost_of_credit"] != 0).all()
    assert _untied(analysis) == {}
    _assert_totals_tie(analysis)


_DAY = np.datetime64("2024-01-01")


@st.composite
def datasets(draw: st.DrawFn) -> tuple[dict, dict]:
    """Small random ledgers: credit notes, odd rates and payment days, paid and unpaid lines."""
    n_customers = draw(st.integers(1, 4))
    ids = [f"C{i}" for i in range(n_customers)]
    customers = pd.DataFrame({
        "customer_id": ids,
        "payment_days": draw(st.lists(st.sampled_from([None, 0, 17, 45.5, 91]), min_size=n_customers,
                                      max_size=n_customers)),
        "commission_rate": draw(st.lists(st.sampled_from([None, 0.0, 0.031, 0.0725, 0.1]), min_size=n_customers,
                                         max_size=n_customers)),
    })
    n_lines = draw(st.integers(1, 14))
    cents = st.integers(-2_000_000, 50_000_000)
    days = draw(st.lists(st.integers(0, 365), min_size=n_lines, max_size=n_lines))
    net = draw(st.lists(cents, min_size=n_lines, max_size=n_lines))
    paid_after = draw(st.lists(st.one_of(st.none(), st.integers(0, 120)), min_size=n_lines, max_size=n_lines))
    transactions = pd.DataFrame({
        "date": [str(_DAY + d) for d in days],
        "customer_id": draw(st.lists(st.sampled_from(ids), min_size=n_lines, max_size=n_lines)),
        "order_id": [f"o{i}" for i in range(n_lines)],
        "net_revenue": [c / 100 for c in net],
        "cogs": [max(c, 0) * 37 // 100 / 100 for c in net],
        "written_off": [c / 100 if c > 0 and i % 5 == 4 else 0.0 for i, c in enumerate(net)],
        "paid_on": [None if p is None else str(_DAY + d + p) for d, p in zip(days, paid_after, strict=True)],
    })
    activities = pd.DataFrame({"activity": ["Order handling"], "driver": ["orders"], "cost": [1234.57]})
    tables = {"customers": customers, "transactions": transactions, "activities": activities,
              "parameters": {"period_start": "2024-01-01", "period_end": "2024-12-31"}}
    overrides = {
        "periods_per_year": draw(st.sampled_from([1, 2, 4, 12])),
        "cost_of_capital": draw(st.sampled_from([0.0, 0.05, 0.0833, 0.12])),
        "payment_days": draw(st.sampled_from([None, 30, 44.5])),
        "commission_rate": draw(st.sampled_from([None, 0.05])),
    }
    return tables, {k: v for k, v in overrides.items() if v is not None}


@settings(derandomize=True, database=None, deadline=None, max_examples=12)
@given(case=datasets())
def test_trend_ties_to_the_pnl_on_random_ledgers(case: tuple[dict, dict]) -> None:
    tables, overrides = case
    analysis = xlprofit.analyze(xlprofit.Dataset(**tables), **overrides)
    assert _untied(analysis) == {}


@settings(derandomize=True, database=None, deadline=None, max_examples=300)
@given(data=st.data(), n_groups=st.integers(1, 6))
def test_round_to_totals_ties_every_group_to_its_total(data: st.DataObject, n_groups: int) -> None:
    # Random period splits of a customer's amount: the rounded periods add up to the rounded
    # whole, and each period stays within two cents of its exact amount.
    amounts = np.array(data.draw(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=40)))
    groups = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=len(amounts),
                                         max_size=len(amounts))))
    totals = np.array([to_cents(amounts[groups == g].sum() / 100.0) if (groups == g).any() else 0
                       for g in range(n_groups)], dtype=np.int64)
    rounded = round_to_totals(amounts, groups, totals)
    assert rounded.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(groups, weights=rounded, minlength=n_groups).astype(np.int64), totals)
    assert np.all(np.abs(rounded - amounts) <= 2.0 + 1e-6 * np.abs(amounts))
    # Amounts that are a group's rate of whole cents (a customer's commission of each period's
    # net revenue) split on those cents, in integer arithmetic: the same guarantees.
    rate = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.031, 0.0725, 0.5]), min_size=n_groups,
                                       max_size=n_groups)))
    cents = np.trunc(amounts)
    scaled = cents * rate[groups]
    totals = to_cents(np.bincount(groups, weights=scaled, minlength=n_groups) / 100.0)
    rounded = round_to_totals(scaled, groups, totals, weights=cents)
    np.testing.assert_array_equal(np.bincount(groups, weights=rounded, minlength=n_groups).astype(np.int64), totals)
    assert np.all(np.abs(rounded - scaled) <= 2.0 + 1e-6 * np.abs(scaled))
    # Same-sign amounts that are already whole cents are kept as they are.
    whole = np.round(np.abs(amounts))
    np.testing.assert_array_equal(round_to_totals(whole, groups, np.bincount(groups, weights=whole,
                                                                             minlength=n_groups).astype(np.int64)),
                                  whole)


def test_round_to_totals_checks_its_arguments() -> None:
    assert round_to_totals([33.4, 33.4, 33.4], [0, 0, 0], [100]).tolist() == [34, 33, 33]
    assert round_to_totals([1.6, 1.6, 1.6], [0, 0, 0], [5], keys=[2, 1, 0]).tolist() == [1, 2, 2]
    assert round_to_totals([0.1, 0.2, 0.2], [0, 0, 0], [1], weights=[1, 2, 2]).tolist() == [0, 1, 0]
    with pytest.raises(ArgumentError, match="'weights'"):
        round_to_totals([1.0, -2.0], [0, 0], [-1], weights=[1, 2])
    with pytest.raises(DivisionByZeroError):
        round_to_totals([0.0], [0], [1])
    with pytest.raises(ArgumentError, match="'groups'"):
        round_to_totals([1.0, 2.0], [0, 2], [3, 0])
    with pytest.raises(ArgumentError, match="'amounts_cents'"):
        round_to_totals([np.nan], [0], [0])


# ------------------------------------------------------------------------------------------
# One cost-of-credit function


def test_credit_cost_follows_the_design_definition() -> None:
    # README: net revenue × payment_days / 365 × annual cost of capital.
    assert credit_cost(36_500, 60, 0.10) == pytest.approx(600.0, abs=1e-9)
    assert credit_cost(36_500, 365, cost_of_capital=0.08) == pytest.approx(2_920.0, abs=1e-9)  # a year: 8 %
    assert credit_cost(-3_650, 10, 0.10) == pytest.approx(-10.0, abs=1e-9)
    assert isinstance(credit_cost(100, 30, 0.1), float)
    np.testing.assert_allclose(credit_cost(np.array([36_500, 0.0]), 60, 0.10), [600.0, 0.0], atol=1e-9)
    assert profit.DAYS_PER_YEAR == 365
    with pytest.raises(ArgumentError, match="'payment_days'"):
        credit_cost(100, -1, 0.1)
    with pytest.raises(ArgumentError, match="'cost_of_capital'"):
        credit_cost(100, 30, -0.1)
    with pytest.raises(ArgumentError, match="'net_revenue'"):
        credit_cost(float("inf"), 30, 0.1)
    with pytest.raises(ArgumentError, match="'payment_days'"):
        credit_cost(np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), 0.1)


def test_excel_credit_cost_equals_the_pnl_column_on_the_demo(demo: xlprofit.Analysis) -> None:
    pnl = demo.customers
    assumptions = demo.assumptions.set_index("parameter")["value"]
    cost_of_capital = float(assumptions["cost_of_capital"])
    assert cost_of_capital == 0.08  # the demo's parameters sheet: cost_of_capital,0.08
    # Five customers: the largest and the smallest net revenue, and one of each payment-days source.
    chosen = [pnl["net_revenue"].idxmax(), pnl["net_revenue"].idxmin()]
    chosen += [pnl.index[pnl["payment_days_source"] == source][0] for source in pnl["payment_days_source"].unique()]
    chosen = list(dict.fromkeys(chosen))
    chosen += [c for c in pnl.index if c not in chosen][: 5 - len(chosen)]
    assert len(chosen) == 5
    udfs = _udfs()
    for customer in chosen:
        row = pnl.loc[customer]
        excel = udfs.XLP_CREDIT_COST(float(row["net_revenue"]), float(row["payment_days"]), cost_of_capital)
        assert isinstance(excel, float), excel
        assert to_cents(excel) == to_cents(row["cost_of_credit"]), customer
    assert pnl.loc[chosen, "cost_of_credit"].abs().sum() > 0


def _functions_named(name: str) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(PACKAGE.parent).as_posix()}:{node.lineno}" for node in ast.walk(tree)
                  if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name]
    return found


def test_cost_of_credit_has_exactly_one_function() -> None:
    found = _functions_named("credit_cost")
    assert len(found) == 1 and found[0].startswith("xlprofit/core/profit.py:"), found
    assert not hasattr(costing, "credit_cost")
    assert "cost_of_capital" in inspect.signature(credit_cost).parameters
    # The Excel function and the P&L call that one function, with the same parameter name.
    udfs = _udfs()
    assert udfs.credit_cost is profit.credit_cost
    assert list(inspect.signature(inspect.unwrap(udfs.XLP_CREDIT_COST)).parameters) == [
        "net_revenue", "payment_days", "cost_of_capital"]
    assert "credit_cost(" in inspect.getsource(profit.customer_pnl)
    assert "credit_cost(" in inspect.getsource(profit.period_trend)
