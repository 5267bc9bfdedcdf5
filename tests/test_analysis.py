"""End-to-end behaviour of ``xlprofit.analyze``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlprofit
from tests.conftest import small_tables

# ---------------------------------------------------------------------------
# Kaplan, R. S. & Anderson, S. R. (2004), "Time-Driven Activity-Based Costing",
# Harvard Business Review 82(11): 131-138 — the customer service department example.
# Quarterly cost $560,000; practical capacity 700,000 minutes → $0.80 per minute;
# unit times 8 (process customer orders), 44 (handle customer inquiries) and 50 minutes
# (perform credit check) → $6.40, $35.20, $40.00 per driver unit; a quarter with 49,000
# orders, 1,400 inquiries and 2,500 credit checks uses 578,600 minutes ($462,880) and leaves
# 121,400 minutes ($97,120) unused. All figures are exact in cents, so the tolerance is zero.
# ---------------------------------------------------------------------------

_KA_ORDERS = {"K1": 30_000, "K2": 15_000, "K3": 4_000}  # 49,000 orders in all
_KA_INQUIRIES = {"K1": 400, "K2": 700, "K3": 300}  # 1,400
_KA_CHECKS = {"K1": 1_000, "K2": 1_000, "K3": 500}  # 2,500


def _kaplan_anderson_dataset() -> xlprofit.Dataset:
    ids = np.repeat(list(_KA_ORDERS), list(_KA_ORDERS.values()))
    n = len(ids)
    days = pd.to_datetime("2004-01-01") + pd.to_timedelta(np.arange(n) % 90, unit="D")
    transactions = pd.DataFrame({
        "date": days, "customer_id": ids, "order_id": [f"SO{i:05d}" for i in range(n)],
        "net_revenue": 100.0, "cogs": 60.0,
    })
    usage = pd.DataFrame(
        [(c, "inquiries", q) for c, q in _KA_INQUIRIES.items()]
        + [(c, "credit_checks", q) for c, q in _KA_CHECKS.items()],
        columns=["customer_id", "driver", "quantity"])
    activities = pd.DataFrame({
        "activity": ["Process customer orders", "Handle customer inquiries", "Perform credit check"],
        "driver": ["orders", "inquiries", "credit_checks"],
        "resource": ["Customer service"] * 3,
        "unit_time": [8, 44, 50],
    })
    resources = pd.DataFrame({"resource": ["Customer service"], "cost": [560_000], "capacity": [700_000]})
    return xlprofit.Dataset(pd.DataFrame({"customer_id": list(_KA_ORDERS)}), transactions, activities, resources,
                            usage, {"period_start": "2004-01-01", "period_end": "2004-03-31"})


def test_kaplan_anderson_2004_time_driven_abc_through_analyze():
    result = xlprofit.analyze(_kaplan_anderson_dataset())
    res = result.resources.set_index("resource").loc["Customer service"]
    assert res["capacity_rate"] == pytest.approx(0.80, abs=0)  # $0.80 per minute
    assert res["used"] == 578_600  # minutes used
    assert res["used_cost"] == pytest.approx(462_880.00, abs=0.005)
    assert res["unused"] == 121_400  # minutes unused
    assert res["unused_cost"] == pytest.approx(97_120.00, abs=0.005)
    acts = result.activities.set_index("activity")
    assert acts.loc["Process customer orders", "driver_rate"] == pytest.approx(6.40, abs=1e-9)
    assert acts.loc["Handle customer inquiries", "driver_rate"] == pytest.approx(35.20, abs=1e-9)
    assert acts.loc["Perform credit check", "driver_rate"] == pytest.approx(40.00, abs=1e-9)
    # Minutes per activity: 49,000 × 8, 1,400 × 44, 2,500 × 50.
    assert list(acts["minutes"]) == [392_000, 61_600, 125_000]
    # Each customer carries exactly its driver volumes at those rates; unused capacity carries none.
    pnl = result.customers
    for c in _KA_ORDERS:
        assert pnl.loc[c, "cts_Process customer orders"] == pytest.approx(_KA_ORDERS[c] * 6.40, abs=0.005)
        assert pnl.loc[c, "cts_Handle customer inquiries"] == pytest.approx(_KA_INQUIRIES[c] * 35.20, abs=0.005)
        assert pnl.loc[c, "cts_Perform credit check"] == pytest.approx(_KA_CHECKS[c] * 40.00, abs=0.005)
    assert pnl["cost_to_serve"].sum() == pytest.approx(462_880.00, abs=0.005)
    assert result.checks_hold


# ---------------------------------------------------------------------------
# The waterfall on the small dataset, worked by hand.
# ---------------------------------------------------------------------------

def test_waterfall_worked_by_hand(tables):
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    a = result.customers.loc["A"]
    # Lines of A: 100/10/90, 200/0/200, 50/0/50 → gross 350, discounts 10, net 340, cogs 175.
    assert (a["gross_revenue"], a["discounts"], a["invoice_revenue"], a["net_revenue"]) == (350, 10, 340, 340)
    assert a["gross_margin"] == 165
    # Order handling: 5 + 2 × lines per order at 1000/100 = $10 per minute:
    # o1 (2 lines) 9 min + o7 (1 line) 7 min = 16 min → $160.
    assert a["cts_Order handling"] == 160.0
    # Picking: 2 min per line at 800/50 = $16 per minute → 3 lines × $32 = $96.
    assert a["cts_Picking"] == 96.0
    # Sales visits: 2 visits × 60 min at 3000/600 = $5 per minute → $600.
    assert a["cts_Sales visits"] == 600.0
    # Credit control (conventional): $500 over 7 orders; A has 2 → 142.857… → largest remainder.
    assert a["cts_Credit control"] in (142.85, 142.86)
    # Cost of credit: 340 × 30 / 365 × 10 %.
    assert a["cost_of_credit"] == round(340 * 30 / 365 * 0.10, 2)
    # Acquired 2024-03-01, inside the period: carries its acquisition cost of 1,000.
    assert a["acquisition_cost"] == 1000.0
    expected_contribution = 165 - a["cost_to_serve"] - a["commissions"] - a["cost_of_credit"] - a["bad_debt"]
    assert a["contribution"] == pytest.approx(expected_contribution, abs=1e-9)
    assert a["profit"] == pytest.approx(a["contribution"] - 1000.0, abs=1e-9)
    assert a["margin_pct"] == pytest.approx(a["profit"] / 340)
    c = result.customers.loc["C"]
    assert c["bad_debt"] == 100.0 and c["payment_days_source"] == "parameter payment_days"
    assert result.checks_hold


def test_acquisition_charge_parameter(tables):
    ds = xlprofit.Dataset(**tables)
    assert xlprofit.analyze(ds, acquisition_charge="none").customers.loc["A", "acquisition_cost"] == 0.0
    assert xlprofit.analyze(ds, period_start="2024-04-01").customers.loc["A", "acquisition_cost"] == 0.0


def test_out_of_period_lines_are_excluded_and_listed(tables):
    ds = xlprofit.Dataset(**tables)
    result = xlprofit.analyze(ds, period_end="2024-06-30")
    ex = result.exceptions[result.exceptions["action"] == "excluded"]
    assert set(ex["row"]) == {8, 9}  # the lines of 2024-07-01 and 2024-10-15
    assert result.checks_hold


def test_product_filter_is_a_filter(tables):
    ds = xlprofit.Dataset(**tables)
    result = xlprofit.analyze(ds, products=["P1"])
    assert set(result.products.index) == {"P1"}
    # The other products' 3 lines are counted in the reconciliation, not listed one by one.
    assert not (result.exceptions["reason"] == "is not among the analysed products").any()
    lines = result.reconciliation.set_index("check").loc["Invoice lines: input = customer P&L + rejected + excluded"]
    assert "excluded 3" in lines["detail"] and lines["holds"]
    assert result.customers["lines"].sum() == 5
    assert result.checks_hold


def test_unknown_override_is_an_argument_error(tables):
    ds = xlprofit.Dataset(**tables)
    with pytest.raises(xlprofit.errors.ArgumentError, match="'discountrate' must be a known parameter"):
        xlprofit.analyze(ds, discountrate=0.1)


def test_progress_is_told_every_stage_in_order(tables):
    from xlprofit.core.analysis import ANALYSIS_STAGES

    told: list[str] = []
    result = xlprofit.analyze(xlprofit.Dataset(**tables), progress=told.append)
    assert told == list(ANALYSIS_STAGES)
    assert result.reconciliation["holds"].all()


def test_analysis_is_frozen(tables):
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    with pytest.raises(AttributeError):
        result.customers = None  # type: ignore[misc]


def test_over_capacity_is_flagged_and_still_conserves(tables):
    tables["resources"].loc[2, "capacity"] = 100  # sales visits use 6 × 60 = 360 minutes
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    res = result.resources.set_index("resource").loc["Field sales"]
    assert bool(res["over_capacity"]) and res["unused"] == -260 and res["assigned"] == 3000.0
    assert result.checks_hold


# ---------------------------------------------------------------------------
# Properties.
# ---------------------------------------------------------------------------

def _random_tables(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    t = small_tables()
    n = int(rng.integers(5, 60))
    cust = ["A", "B", "C", "D"]
    t["customers"] = pd.DataFrame({"customer_id": cust, "segment": ["x", "y", "x", None]})
    t["transactions"] = pd.DataFrame({
        "date": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 420, n), unit="D"),
        "customer_id": rng.choice(cust + ["E"], n),  # E is unknown: rejected
        "order_id": [f"o{k}" for k in rng.integers(0, n // 2 + 1, n)],
        "product_id": rng.choice(["P1", "P2", "P3"], n),
        "quantity": rng.integers(1, 9, n),
        "net_revenue": np.round(rng.uniform(-50, 900, n), 2),
        "cogs": np.round(rng.uniform(0, 400, n), 2),
    })
    t["usage"] = pd.DataFrame({"customer_id": rng.choice(cust, 6), "driver": "visits",
                               "quantity": rng.integers(0, 5, 6),
                               "period": rng.choice(["2024Q1", "2024Q3", None], 6)})
    return t


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), shuffle_seed=st.integers(0, 10_000))
def test_row_order_changes_no_result(seed, shuffle_seed):
    t = _random_tables(seed)
    base = xlprofit.analyze(xlprofit.Dataset(**t))
    rng = np.random.default_rng(shuffle_seed)
    shuffled = dict(t)
    for name in ("customers", "transactions", "activities", "resources", "usage"):
        frame = t[name]
        shuffled[name] = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    other = xlprofit.analyze(xlprofit.Dataset(**shuffled))
    pd.testing.assert_frame_equal(base.customers.sort_index(), other.customers.sort_index(), check_like=True)
    pd.testing.assert_frame_equal(base.activities.set_index("activity").sort_index(),
                                  other.activities.set_index("activity").sort_index())
    pd.testing.assert_frame_equal(base.resources.set_index("resource").sort_index(),
                                  other.resources.set_index("resource").sort_index())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_every_transaction_is_in_the_pnl_or_in_exceptions(seed):
    t = _random_tables(seed)
    tx = t["transactions"].astype(object)
    rng = np.random.default_rng(seed)
    bad = rng.choice(len(tx), size=min(3, len(tx)), replace=False)
    tx.loc[bad[0], "net_revenue"] = "n/a?"  # unreadable amount
    if len(bad) > 1:
        tx.loc[bad[1], "date"] = "2024-02-30"  # no such date
    if len(bad) > 2:
        tx.loc[bad[2], "date"] = "2031-01-01"  # outside the period
    t["transactions"] = tx
    t["parameters"] = {"period_start": "2024-01-01", "period_end": "2025-02-28"}
    result = xlprofit.analyze(xlprofit.Dataset(**t))
    listed = set(result.exceptions.loc[result.exceptions["table"] == "transactions", "row"])
    in_pnl = int(result.customers["lines"].sum())
    rows = set(range(2, len(tx) + 2))
    assert listed <= rows
    assert in_pnl + len(listed) == len(tx)
    assert result.checks_hold


def test_usage_for_an_unknown_order_counts_for_the_customer(tables):
    tables["usage"] = pd.DataFrame({"customer_id": ["A", "B"], "driver": ["visits", "visits"], "quantity": [1, 1],
                                    "order_id": ["o1", "nope"]})
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    ex = result.exceptions
    hit = ex[(ex["table"] == "usage") & (ex["column"] == "order_id")]
    assert list(hit["row"]) == [3] and hit["action"].iloc[0] == "value ignored"
    # Both visits are still charged: 2 × 60 min × $5.
    assert result.customers["cts_Sales visits"].sum() == 600.0


def test_clv_on_contribution_is_part_of_the_analysis():
    result = xlprofit.analyze(xlprofit.load_demo())
    clv = result.clv
    assert list(clv.index) == list(result.customers.index)
    models = result.clv_models.set_index(["model", "parameter"])["value"]
    purchase = {p for m, p in models.index if "NBD" in m}
    # fitted (BG/NBD or Pareto/NBD, whichever the likelihood chose), or said why not
    assert {"r", "alpha", "a", "b"} <= purchase or {"r", "alpha", "s", "beta"} <= purchase or "degenerate" in purchase
    # CLV is on contribution after cost-to-serve: a purchase earns spend × (gross margin − commission,
    # credit and bad-debt rates) − its order-level cost-to-serve; customer-level cost runs while alive.
    pnl = result.customers
    assert (clv["margin_ratio"] < pnl["gross_margin"].sum() / pnl["net_revenue"].sum() + 0.2).all()
    assert (clv["cost_per_purchase"] > 0).all() and (clv["customer_cost_per_year"] >= 0).all()
    assert pnl["clv"].equals(clv["clv"])


def test_clv_needs_an_explicit_discount_rate(tables):
    tables["parameters"] = {k: v for k, v in tables["parameters"].items() if k != "discount_rate"}
    result = xlprofit.analyze(xlprofit.Dataset(**tables))
    assert result.clv["clv"].isna().all()
    assert "no discount_rate" in result.clv_models["note"].iloc[0]
