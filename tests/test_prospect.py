"""Prospect value on contribution, from look-alike customers (issue 16, item 7).

The valuation is the retention formula of Gupta & Lehmann (2003, "Customers as Assets", Journal of
Interactive Marketing 17(1)): margin multiple ``r/(1 + i − r)`` with margins at period end. The
look-alike figures are medians (pooled for bad debt) of small hand-made tables whose arithmetic
is in the comments. Tolerance 1e-12 relative: a handful of float64 operations.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

import xlprofit
from tests.conftest import office_js
from xlprofit.core import acquisition as aq
from xlprofit.errors import ArgumentError, InsufficientHistoryError, NotAvailableError

EXACT = 1e-12


def test_prospect_value_on_contribution() -> None:
    # m = 20,000 × (0.26 − 0.03) − 2,000 = 2,600 a year; Gupta & Lehmann: 2,600 × 0.5 / (1.1 − 0.5) = 2,166.67.
    value = aq.prospect_value(20_000.0, 0.26, 2000.0, 0.5, 0.10, timing="end", variable_cost_pct=0.03)
    assert value == pytest.approx(2600 * 0.5 / 0.6, rel=EXACT)
    # Without commissions, credit and bad debt it is the gross-margin-less-cost-to-serve basis: 3,200 × 0.8333.
    assert aq.prospect_value(20_000.0, 0.26, 2000.0, 0.5, 0.10, timing="end") == pytest.approx(3200 / 1.2, rel=EXACT)
    with pytest.raises(ArgumentError, match="'variable_cost_pct' must be between 0 and 1; got 3"):
        aq.prospect_value(20_000.0, 0.26, 2000.0, 0.5, 0.10, timing="end", variable_cost_pct=3)
    with pytest.raises(ArgumentError, match="discount_rate"):
        aq.prospect_value(20_000.0, 0.26, 2000.0, 0.5, timing="end")


# --------------------------------------------------------------------------- look-alikes


def customers() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "segment": ["Retail", "Retail", "Retail", "Retail", "Wholesale", "Dormant", None],
            "channel": ["Web", "Web", "Field", "Field", "Web", "Web", "Web"],
            "net_revenue": [1000.0, 2000.0, 4000.0, 0.0, 10_000.0, 0.0, 100.0],
            "gross_margin": [250.0, 500.0, 1000.0, 0.0, 2000.0, 0.0, 20.0],
            "commissions": [10.0, 40.0, 80.0, 0.0, 300.0, 0.0, 0.0],
            "cost_of_credit": [5.0, 10.0, 20.0, 0.0, 100.0, 0.0, 0.0],
            "bad_debt": [0.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "cts_Visits": [60.0, 100.0, 200.0, 50.0, 100.0, 10.0, 5.0],
            "cts_Orders": [40.0, 200.0, 200.0, 0.0, 400.0, 0.0, 0.0],
            "retention_per_year": [0.8, 0.9, np.nan, 0.5, 0.7, np.nan, np.nan],
        },
        index=pd.Index(["R1", "R2", "R3", "R4", "W1", "X1", "N1"], name="customer_id"),
    )
    frame["cost_to_serve"] = frame["cts_Visits"] + frame["cts_Orders"]
    return frame


ACTIVITIES = pd.DataFrame({"activity": ["Visits", "Orders"], "level": ["customer", "order"],
                           "driver": ["visits", "orders"]})


def test_lookalikes_by_segment() -> None:
    table = aq.lookalikes(customers().drop(columns="retention_per_year"), "segment", years=2.0,
                          activities=ACTIVITIES)
    assert table.index.tolist() == ["(blank)", "Dormant", "Retail", "Wholesale"]
    retail = table.loc["Retail"]
    # Look-alikes R1, R2, R3 (R4 has no revenue). Ratios: gross margin 0.25 each; cost-to-serve 0.10, 0.15,
    # 0.10 -> 0.10; commission 0.01, 0.02, 0.02 -> 0.02; credit 0.005 each; bad debt pooled 100 / 7,000.
    assert retail["customers"] == 3
    assert retail["gross_margin_pct"] == pytest.approx(0.25, rel=EXACT)
    assert retail["cost_to_serve_pct"] == pytest.approx(0.10, rel=EXACT)
    assert retail["commission_pct"] == pytest.approx(0.02, rel=EXACT)
    assert retail["credit_cost_pct"] == pytest.approx(0.005, rel=EXACT)
    assert retail["bad_debt_pct"] == pytest.approx(100 / 7000, rel=EXACT)
    assert retail["variable_cost_pct"] == pytest.approx(0.02 + 0.005 + 100 / 7000, rel=EXACT)
    # contribution / revenue: 135/1000, 50/2000, 500/4000 -> median 0.125
    assert retail["contribution_pct"] == pytest.approx(0.125, rel=EXACT)
    # per year over 2 years: revenue 500, 1000, 2000 -> 1000; cost-to-serve 50, 150, 200 -> 150;
    # fixed (visits) 30, 50, 100 -> 50; order-level cost per euro 0.04, 0.10, 0.05 -> 0.05
    assert retail["net_revenue_per_year"] == pytest.approx(1000.0, rel=EXACT)
    assert retail["cost_to_serve_per_year"] == pytest.approx(150.0, rel=EXACT)
    assert retail["fixed_cost_to_serve_per_year"] == pytest.approx(50.0, rel=EXACT)
    assert retail["order_cost_to_serve_pct"] == pytest.approx(0.05, rel=EXACT)
    assert table.loc["Dormant", "customers"] == 0 and np.isnan(table.loc["Dormant", "gross_margin_pct"])
    assert table.loc["(blank)", "customers"] == 1
    assert np.isnan(retail["retention_per_year"]) and retail["retention_source"] == "none"
    assert list(table.columns) == list(aq.LOOKALIKE_COLUMNS)


def test_lookalikes_by_segment_and_channel_without_years() -> None:
    table = aq.lookalikes(customers())
    assert table.index.names == ["segment", "channel"]
    web = table.loc[("Retail", "Web")]
    # R1, R2: cost-to-serve 0.10 and 0.15 -> 0.125; nothing per year without years
    assert web["customers"] == 2 and web["cost_to_serve_pct"] == pytest.approx(0.125, rel=EXACT)
    assert np.isnan(web["cost_to_serve_per_year"]) and np.isnan(web["fixed_cost_to_serve_per_year"])
    # retention: the median of the column over the group's customers with a value (R1 0.8, R2 0.9)
    assert web["retention_per_year"] == pytest.approx(0.85, rel=EXACT) and web["retention_customers"] == 2
    assert web["retention_source"] == "median of retention_per_year"


def test_lookalike_retention_from_observed_survival() -> None:
    # Four quarters: halves of two quarters (half a year). Retail ordered in the first half: R1 (Q1), R2 (Q2),
    # R3 (Q1); in the second half R1 (Q3) and R3 (Q4): 2/3 survive half a year, (2/3)² = 4/9 a year.
    # W1 ordered in Q1 only: 0. "ZZ" is not a customer of the table: left out.
    quarters = pd.to_datetime(["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"])
    rows = [("R1", 0), ("R1", 2), ("R2", 1), ("R3", 0), ("R3", 3), ("W1", 0), ("ZZ", 0), ("ZZ", 3)]
    trend = pd.DataFrame({"customer_id": [c for c, _ in rows], "period_start": [quarters[q] for _, q in rows],
                          "orders": 1.0})
    trend.loc[len(trend)] = ["W1", quarters[3], 0.0]  # a period with costs but no order is no activity
    table = aq.lookalikes(customers().drop(columns="retention_per_year"), "segment", trend=trend,
                          periods_per_year=4)
    assert table.loc["Retail", "retention_per_year"] == pytest.approx(4 / 9, rel=EXACT)
    assert table.loc["Retail", "retention_customers"] == 3
    assert table.loc["Wholesale", "retention_per_year"] == 0.0
    assert np.isnan(table.loc["Dormant", "retention_per_year"])
    assert table.loc["Retail", "retention_source"].startswith("observed survival")
    # by segment and channel: Retail/Web R1 survives, R2 does not: (1/2)² = 1/4 a year; Retail/Field R3: 1
    both = aq.lookalikes(customers().drop(columns="retention_per_year"), trend=trend, periods_per_year=4)
    assert both.loc[("Retail", "Web"), "retention_per_year"] == pytest.approx(0.25, rel=EXACT)
    assert both.loc[("Retail", "Field"), "retention_per_year"] == 1.0
    with pytest.raises(ArgumentError, match="periods_per_year"):
        aq.lookalikes(customers().drop(columns="retention_per_year"), "segment", trend=trend)


def test_lookalike_of_matches_as_excel_and_names_what_is_missing() -> None:
    by_segment = aq.lookalikes(customers(), "segment")
    assert aq.lookalike_of(by_segment, " retail ").name == "Retail"
    both = aq.lookalikes(customers())
    assert aq.lookalike_of(both, "RETAIL", "web").name == ("Retail", "Web")
    with pytest.raises(NotAvailableError, match="segment 'Retial'; the segment values there: .*Retail, Wholesale"):
        aq.lookalike_of(by_segment, "Retial")
    with pytest.raises(NotAvailableError, match="channel 'Phone' among those of segment 'Retail'.*Field, Web"):
        aq.lookalike_of(both, "Retail", "Phone")
    with pytest.raises(ArgumentError, match="one value per look-alike column"):
        aq.lookalike_of(both, "Retail")
    unreadable = customers().astype({"retention_per_year": object})
    unreadable.loc["R1", "retention_per_year"] = "high"
    with pytest.raises(ArgumentError, match="'retention_per_year' must be a number \\(or blank\\) per customer"):
        aq.lookalikes(unreadable)


def test_prospect_value_from_a_lookalike() -> None:
    table = aq.lookalikes(customers(), "segment", years=2.0, activities=ACTIVITIES)
    retail = aq.lookalike_of(table, "Retail")
    variable = 0.02 + 0.005 + 100 / 7000
    # A prospect of 5,000 a year: cost-to-serve 50 fixed + 0.05 × 5,000 = 300; retention: median of
    # 0.8, 0.9, 0.5 (R1, R2, R4) = 0.8; m = 5,000 × (0.25 − variable) − 300.
    m = 5000 * (0.25 - variable) - 300
    value = aq.prospect_value(5000.0, discount_rate=0.10, timing="end", lookalike=retail, periods_per_year=1)
    assert value == pytest.approx(m * 0.8 / 0.3, rel=EXACT)
    # Arguments given win over the look-alike's.
    assert aq.prospect_value(5000.0, 0.3, 100.0, 0.5, 0.10, timing="end", variable_cost_pct=0.0, lookalike=retail) \
        == pytest.approx(aq.prospect_value(5000.0, 0.3, 100.0, 0.5, 0.10, timing="end"), rel=EXACT)
    # Quarters: a quarter of the fixed cost per quarter and the fourth root of the yearly retention.
    quarter = aq.prospect_value(1250.0, discount_rate=0.025, timing="end", lookalike=retail, periods_per_year=4)
    r = 0.8 ** 0.25
    assert quarter == pytest.approx((1250 * (0.25 - variable) - 50 / 4 - 0.05 * 1250) * r / (1.025 - r), rel=EXACT)
    # Without the fixed/order split the cost-to-serve is proportional: 0.10 × 5,000.
    plain = aq.lookalike_of(aq.lookalikes(customers(), "segment"), "Retail")
    assert aq.prospect_value(5000.0, discount_rate=0.10, timing="end", lookalike=plain, periods_per_year=1) == \
        pytest.approx((5000 * (0.25 - variable) - 500) * 0.8 / 0.3, rel=EXACT)


def test_prospect_value_never_invents_a_value() -> None:
    with pytest.raises(ArgumentError, match="'gross_margin_pct' must be a number, or blank with look-alike"):
        aq.prospect_value(5000.0, None, 100.0, 0.5, 0.10, timing="end")
    table = aq.lookalikes(customers(), "segment")
    with pytest.raises(InsufficientHistoryError, match="'Dormant' give no gross_margin_pct; give 'gross_margin_pct'"):
        aq.prospect_value(5000.0, discount_rate=0.1, timing="end", lookalike=aq.lookalike_of(table, "Dormant"),
                          periods_per_year=1)
    no_retention = aq.lookalike_of(aq.lookalikes(customers().drop(columns="retention_per_year"), "segment"), "Retail")
    with pytest.raises(InsufficientHistoryError, match="give no retention_per_year; give 'retention'"):
        aq.prospect_value(5000.0, discount_rate=0.1, timing="end", lookalike=no_retention, periods_per_year=1)
    with pytest.raises(ArgumentError, match="'periods_per_year' must be one of 1, 2, 4, 12"):
        aq.prospect_value(5000.0, discount_rate=0.1, timing="end", lookalike=aq.lookalike_of(table, "Retail"))


# --------------------------------------------------------------------------- Excel, through Office.js

xw = xs = udfs = None


@pytest.fixture(scope="module")
def excel():
    with office_js() as runtime:
        globals().update(xw=runtime.xw, xs=runtime.xs, udfs=runtime.udfs)
        yield runtime
    globals().update(xw=None, xs=None, udfs=None)


def call(name: str, *args):
    cells = [None if v is None else (v if isinstance(v, list) else [[v]]) for v in args]
    body = {"func_name": name, "args": cells, "caller_address": "Sheet1!B2", "version": xw.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US", "date_format": "M/d/yyyy",
            "task_key": None}
    return asyncio.run(xs.custom_functions_call(body, udfs))


def value(result):
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def error_type(result) -> str:
    cell = value(result)
    assert isinstance(cell, dict) and cell["type"] == "Error", result
    return cell["errorType"]


def cells(frame: pd.DataFrame) -> list[list]:
    """A P&L as XLP_CUSTOMER_PNL spills it: a header row, customer_id first, blanks as None."""
    table = frame.reset_index()
    body = table.astype(object).where(table.notna(), None).to_numpy().tolist()
    return [list(map(str, table.columns)), *body]


def prospect(*args):
    """XLP_PROSPECT_VALUE with its arguments by position, blanks as None (13 arguments)."""
    return call("XLP_PROSPECT_VALUE", *args, *([None] * (13 - len(args))))


def test_excel_prospect_value_from_the_customer_pnl(excel) -> None:
    pnl = cells(customers())
    retail = aq.lookalike_of(aq.lookalikes(customers(), "segment"), "Retail")
    expected = aq.prospect_value(5000.0, discount_rate=0.10, timing="end", lookalike=retail, periods_per_year=1)
    assert value(prospect(0.10, 5000, None, None, None, None, None, None, None, pnl, "retail")) == \
        pytest.approx(expected, rel=EXACT)
    # by segment and channel; quarters
    web = aq.lookalike_of(aq.lookalikes(customers()), "Retail", "Web")
    expected = aq.prospect_value(1250.0, discount_rate=0.025, timing="end", lookalike=web, periods_per_year=4)
    assert value(prospect(0.025, 1250, None, None, None, None, None, None, None, pnl, "Retail", "Web", 4)) == \
        pytest.approx(expected, rel=EXACT)
    # given arguments win; the spill's last row stating what was left out is no customer
    noted = [*pnl, ["Left out: 1 line(s) without a readable date.", *([None] * (len(pnl[0]) - 1))]]
    assert value(prospect(0.10, 5000, 0.3, 100, 0.5, None, None, None, 0, noted, "Retail")) == \
        pytest.approx((5000 * 0.3 - 100) * 0.5 / 0.6, rel=EXACT)
    assert value(prospect(0.10, 5000, 0.3, None, 0.5, None, None, None, None, noted, "Retail")) == \
        pytest.approx((5000 * (0.3 - retail["variable_cost_pct"]) - 0.10 * 5000) * 0.5 / 0.6, rel=EXACT)


def test_excel_prospect_value_errors_name_what_is_missing(excel, caplog) -> None:
    pnl = cells(customers())
    assert error_type(prospect(0.10, 5000, None, None, None, None, None, None, None, pnl, "Retial")) == "NotAvailable"
    assert "segment 'Retial'" in caplog.text
    assert error_type(prospect(0.10, 5000, None, None, None, None, None, None, None, pnl, "Dormant")) == \
        "NotAvailable"
    bare = cells(customers().drop(columns="retention_per_year"))
    assert error_type(prospect(0.10, 5000, None, None, None, None, None, None, None, bare, "Retail")) == \
        "NotAvailable"
    with pytest.raises(xw.XlwingsError, match="'retention' of XLP_PROSPECT_VALUE must be a number, or blank with "
                                              "customer_pnl and segment given"):
        prospect(0.10, 5000, 0.3, 100, None)
    with pytest.raises(xw.XlwingsError, match="'customer_pnl' of XLP_PROSPECT_VALUE must be the customer P&L"):
        prospect(0.10, 5000, 0.3, 100, None, None, None, None, None, None, "Retail")
    with pytest.raises(xw.XlwingsError, match="'segment' of XLP_PROSPECT_VALUE must be text; got 'a blank cell'"):
        prospect(0.10, 5000, None, None, None, None, None, None, None, pnl)
    with pytest.raises(xw.XlwingsError, match="'customer_pnl' of XLP_PROSPECT_VALUE must be the table "
                                              "XLP_CUSTOMER_PNL spills"):
        prospect(0.10, 5000, None, None, 0.5, None, None, None, None, [["customer_id", "segment"], ["A", "Retail"]],
                 "Retail")
    broken = [row[:] for row in pnl]
    broken[1][broken[0].index("net_revenue")] = "lots"
    with pytest.raises(xw.XlwingsError, match="'customer_pnl.net_revenue' of XLP_PROSPECT_VALUE"):
        prospect(0.10, 5000, None, None, 0.5, None, None, None, None, broken, "Retail")
    with pytest.raises(xw.XlwingsError, match="'periods_per_year' of XLP_PROSPECT_VALUE must be one of 1, 2, 4, 12"):
        prospect(0.10, 5000, None, None, None, None, None, None, None, pnl, "Retail", None, 3)


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo() -> xlprofit.Analysis:
    return xlprofit.analyze(xlprofit.load_demo(), discount_rate=0.10)


def test_a_20k_retail_prospect_on_the_demo_in_python_and_excel(excel, demo: xlprofit.Analysis) -> None:
    pnl = demo.customers
    retail = aq.lookalike_of(aq.lookalikes(pnl, "segment"), "Retail")
    contribution = aq.prospect_value(20_000.0, retention=0.5, discount_rate=0.10, timing="end", lookalike=retail)
    gross = aq.prospect_value(20_000.0, retail["gross_margin_pct"], 20_000.0 * retail["cost_to_serve_pct"], 0.5,
                              0.10, timing="end")  # the old basis: no commission, credit, bad debt
    assert contribution < gross
    assert gross - contribution == pytest.approx(20_000 * retail["variable_cost_pct"] * 0.5 / 0.6, rel=1e-9)
    columns = ["segment", "channel", "net_revenue", "gross_margin", "cost_to_serve", "commissions", "cost_of_credit",
               "bad_debt"]
    spilled = cells(pnl[columns])
    assert value(prospect(0.10, 20_000, None, None, 0.5, None, None, None, None, spilled, "Retail")) == \
        pytest.approx(contribution, rel=1e-12)
