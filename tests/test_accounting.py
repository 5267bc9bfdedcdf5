"""Accounting a controller expects: payment days with open items, commissions
on collected revenue, returned lines credited.

Every figure is worked by hand from a ledger of nine lines, the arithmetic in the comments; the
DuckDB engine must give the pandas path's figures exactly (money in cents, days to the day).

The ledger (analysis period 2024-01-01 … 2024-12-31, quarters, cost of capital 7.3 %, so that
``days / 365 × 0.073 = days × 0.0002``):

====  ==========  ==  ======  =====  ====  =====  ========  ===========  ==========
line  date        cu  gross   disc   net   cogs   returned  written_off  paid_on
====  ==========  ==  ======  =====  ====  =====  ========  ===========  ==========
X1    2024-01-10  X   1000    0      1000  600                           2024-02-09
X2    2024-11-01  X   550     50     500   300                           (open)
X3    2024-06-01  X   200     0      200   120              200          (written off)
X4    2024-03-01  X   330     30     300   180    yes                    2024-03-11
Y1    2024-12-31  Y   400     0      400   240                           (open)
Y2    2024-07-01  Y   100     0      100   60                            2024-09-29
Y3    2024-08-01  Y   -50     0      -50   -30    yes                    (a credit note)
====  ==========  ==  ======  =====  ====  =====  ========  ===========  ==========

Customer X has a commission rate of 5 % and terms of 45 days; Y has neither (the parameters
give 2 % and 30 days).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import xlprofit
from xlprofit.core.aggregate import aggregate_lines
from xlprofit.core.money import to_cents
from xlprofit.core.periods import Periods
from xlprofit.errors import ArgumentError, ValidationError

PERIOD = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"), 4)
COST_OF_CAPITAL = 0.073
NET_REVENUE_CHECK = "Net revenue: input = customer P&L"


def ledger_tables(paid_on: bool = True) -> dict:
    """The ledger of the module docstring (without its ``paid_on`` column when ``paid_on`` is false)."""
    customers = pd.DataFrame({"customer_id": ["X", "Y"], "commission_rate": [0.05, None],
                              "payment_days": [45, None]})
    lines = pd.DataFrame({
        "date": ["2024-01-10", "2024-11-01", "2024-06-01", "2024-03-01", "2024-12-31", "2024-07-01", "2024-08-01"],
        "customer_id": ["X", "X", "X", "X", "Y", "Y", "Y"],
        "order_id": ["X1", "X2", "X3", "X4", "Y1", "Y2", "Y3"],
        "product_id": ["P1", "P1", "P2", "P2", "P1", "P1", "P1"],
        "quantity": [10, 5, 2, 3, 4, 1, 0],
        "gross_revenue": [1000, 550, 200, 330, 400, 100, -50],
        "discount": [0, 50, 0, 30, 0, 0, 0],
        "net_revenue": [1000, 500, 200, 300, 400, 100, -50],
        "cogs": [600, 300, 120, 180, 240, 60, -30],
        "returned": [False, False, False, True, False, False, True],
        "written_off": [0, 0, 200, 0, 0, 0, 0],
        "paid_on": ["2024-02-09", None, None, "2024-03-11", None, "2024-09-29", None],
    })
    if not paid_on:
        lines = lines.drop(columns="paid_on")
    activities = pd.DataFrame({"activity": ["Order handling"], "driver": ["orders"], "cost": [70.0]})
    parameters = {"period_start": "2024-01-01", "period_end": "2024-12-31", "periods_per_year": 4,
                  "cost_of_capital": COST_OF_CAPITAL, "commission_rate": 0.02, "payment_days": 30}
    return {"customers": customers, "transactions": lines, "activities": activities, "parameters": parameters}


def dataset(paid_on: bool = True) -> xlprofit.Dataset:
    return xlprofit.Dataset(**ledger_tables(paid_on))


def write_folder(folder: Path, paid_on: bool = True) -> Path:
    """The ledger as the CSV files of ``read_folder``."""
    tables = ledger_tables(paid_on)
    for name in ("customers", "transactions", "activities"):
        tables[name].to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame(list(tables["parameters"].items()), columns=["name", "value"]).to_csv(
        folder / "parameters.csv", index=False)
    return folder


def summed(ds: xlprofit.Dataset, returns: str = "credit"):
    customers = ds.customers.set_index("customer_id").index
    return ds.lines.summarise(customers, PERIOD, None, returns=returns)


def duckdb_summed(folder: Path, ds: xlprofit.Dataset, returns: str = "credit"):
    pytest.importorskip("duckdb")
    from xlprofit.engines import open_lines

    customers = ds.customers.set_index("customer_id").index
    with open_lines([folder / "transactions.csv"], "duckdb") as lines:
        lines.attach(customers, None, {})
        return lines.summarise(customers, PERIOD, None, returns=returns)


def assert_same_aggregates(expected, actual) -> None:
    for grain in ("customer", "period", "order", "product"):
        left, right = getattr(expected, grain), getattr(actual, grain)
        if grain == "product":  # the ids as text, whatever string dtype each path gives them
            left, right = (g.set_axis(g.index.map(lambda key: tuple(map(str, key)) if isinstance(key, tuple)
                                                  else str(key)), axis=0) for g in (left, right))
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=grain)
    assert (expected.credited_rows, expected.credited_cents) == (actual.credited_rows, actual.credited_cents)


# ------------------------------------------------------------------------------------------
# 1. Payment days include open items, aged to the period end


def test_open_items_count_in_payment_days_aged_to_the_period_end():
    pnl = xlprofit.analyze(dataset()).customers
    # X: X1 paid after 30 days (2024-01-10 → 2024-02-09), weight 1000; X2 open at the period
    # end, 60 days (2024-11-01 → 2024-12-31: 30 + 30), weight 500; X3 written off (bad debt)
    # and X4 credited (returned, net 0) stay out: (1000 × 30 + 500 × 60) / 1500 = 40 days.
    assert pnl.loc["X", "payment_days"] == 40.0
    # Y: Y1 open, invoiced on the period end: 0 days, weight 400; Y2 paid after 90 days
    # (2024-07-01 → 2024-09-29), weight 100; Y3 a credit note (net < 0) stays out:
    # (400 × 0 + 100 × 90) / 500 = 18 days.
    assert pnl.loc["Y", "payment_days"] == 18.0
    assert set(pnl["payment_days_source"]) == {"actual payments and open items"}
    # Cost of credit = net revenue × days / 365 × 7.3 % = net × days × 0.0002:
    # X 1700 × 40 × 0.0002 = 13.60; Y 450 × 18 × 0.0002 = 1.62.
    assert pnl.loc["X", "cost_of_credit"] == 13.60
    assert pnl.loc["Y", "cost_of_credit"] == 1.62


def test_the_summed_payment_weights_are_cents_and_cent_days():
    agg, _ = summed(dataset())
    c = agg.customer
    # X: 1000.00 + 500.00 = 150,000 cents; 100,000 × 30 + 50,000 × 60 = 6,000,000 cent-days.
    assert (c.loc["X", "paid_weight"], c.loc["X", "paid_days_weighted"]) == (150_000, 6_000_000.0)
    # Y: 40,000 + 10,000 = 50,000 cents; 40,000 × 0 + 10,000 × 90 = 900,000 cent-days.
    assert (c.loc["Y", "paid_weight"], c.loc["Y", "paid_days_weighted"]) == (50_000, 900_000.0)


def test_without_any_payment_recorded_no_line_is_open_and_terms_apply():
    # No paid_on at all: nothing says a line is unpaid, so the customer's terms (X: 45 days),
    # else the parameter (Y: 30 days), give the payment days.
    pnl = xlprofit.analyze(dataset(paid_on=False)).customers
    assert pnl.loc["X", "payment_days"] == 45.0 and pnl.loc["X", "payment_days_source"] == "customer terms"
    assert pnl.loc["Y", "payment_days"] == 30.0 and pnl.loc["Y", "payment_days_source"] == "parameter payment_days"
    # X 1700 × 45 × 0.0002 = 15.30; Y 450 × 30 × 0.0002 = 2.70.
    assert pnl.loc["X", "cost_of_credit"] == 15.30 and pnl.loc["Y", "cost_of_credit"] == 2.70


def test_open_items_are_aged_in_whole_days_floored_and_never_below_zero():
    ds = dataset()
    lines = ds.transactions.copy()
    # Y1 invoiced at 18:00 on the period end: −6 hours → 0 days; X2 at 12:00 on 1 November:
    # 59.5 days → 59.
    lines.loc[lines["order_id"] == "Y1", "date"] = pd.Timestamp("2024-12-31 18:00")
    lines.loc[lines["order_id"] == "X2", "date"] = pd.Timestamp("2024-11-01 12:00")
    agg = aggregate_lines(lines, PERIOD.index_of(lines["date"]), PERIOD.end)
    c = agg.customer
    # X: 100,000 × 30 + 50,000 × 59 = 5,950,000; Y unchanged (Y1 ages 0 days either way).
    assert c.loc["X", "paid_days_weighted"] == 5_950_000.0
    assert c.loc["Y", "paid_days_weighted"] == 900_000.0


def test_open_items_give_the_same_days_in_duckdb(tmp_path):
    ds = dataset()
    folder = write_folder(tmp_path)
    expected, acc_p = summed(ds)
    actual, acc_d = duckdb_summed(folder, ds)
    assert_same_aggregates(expected, actual)
    assert actual.customer.loc["X", "paid_days_weighted"] == 6_000_000.0
    pytest.importorskip("duckdb")
    from xlprofit.engines import read_folder

    reference = xlprofit.analyze(ds)
    engine = xlprofit.analyze(read_folder(folder, engine="duckdb"))
    for column in ("payment_days", "payment_days_source", "cost_of_credit"):
        pd.testing.assert_series_equal(reference.customers[column], engine.customers[column], check_exact=True)


def test_no_payment_recorded_gives_the_same_aggregates_in_duckdb(tmp_path):
    ds = dataset(paid_on=False)
    expected, _ = summed(ds)
    actual, _ = duckdb_summed(write_folder(tmp_path, paid_on=False), ds)
    assert_same_aggregates(expected, actual)
    assert (actual.customer["paid_weight"] == 0).all()


# ------------------------------------------------------------------------------------------
# 2. Commissions on collected revenue, or as configured


def test_commissions_are_paid_on_collected_revenue_by_default():
    pnl = xlprofit.analyze(dataset()).customers
    # X: net revenue 1000 + 500 + 200 + 0 (X4 credited) = 1700, written off 200: collected
    # 1500 × 5 % = 75.00.  Y: 400 + 100 − 50 = 450, nothing written off: 450 × 2 % = 9.00.
    assert pnl.loc["X", "commissions"] == 75.00
    assert pnl.loc["Y", "commissions"] == 9.00
    # Contribution X: 1700 − COGS (600 + 300 + 120) − order handling − 75 − 13.60 − 200.
    x = pnl.loc["X"]
    assert x["contribution"] == pytest.approx(1700 - 1020 - x["cost_to_serve"] - 75 - 13.60 - 200, abs=1e-9)


def test_commission_basis_net_revenue_pays_on_net_revenue():
    pnl = xlprofit.analyze(dataset(), commission_basis="net_revenue").customers
    # X: 1700 × 5 % = 85.00 (the written-off 200 carries commission too); Y: 450 × 2 % = 9.00.
    assert pnl.loc["X", "commissions"] == 85.00
    assert pnl.loc["Y", "commissions"] == 9.00


@pytest.mark.parametrize(("basis", "expected"), [
    # X per quarter, collected: Q1 X1 1000 (X4 credited: 0) → 50.00; Q2 X3 200 − 200 written
    # off → 0.00; Q4 X2 500 → 25.00; together 75.00, the P&L's figure.
    ("collected", {"2024Q1": 50.00, "2024Q2": 0.00, "2024Q4": 25.00}),
    # On net revenue: Q2 200 × 5 % = 10.00; together 85.00.
    ("net_revenue", {"2024Q1": 50.00, "2024Q2": 10.00, "2024Q4": 25.00}),
])
def test_trend_commissions_follow_the_basis_and_tie_to_the_pnl(basis, expected):
    result = xlprofit.analyze(dataset(), commission_basis=basis)
    trend = result.trend.set_index(["customer_id", "period"])["commissions"]
    assert trend.loc["X"].to_dict() == expected
    for customer in ("X", "Y"):
        assert to_cents(trend.loc[customer]).sum() == to_cents(result.customers.loc[customer, "commissions"])


def test_commission_basis_is_a_checked_parameter():
    with pytest.raises(ValidationError, match="commission_basis"):
        xlprofit.analyze(dataset(), commission_basis="invoiced")
    tables = ledger_tables()
    tables["parameters"] = {**tables["parameters"], "commission_basis": "Net revenue"}  # snake_cased
    assert xlprofit.Dataset(**tables).parameters["commission_basis"] == "net_revenue"


def test_commissions_are_the_same_in_duckdb(tmp_path):
    pytest.importorskip("duckdb")
    from xlprofit.engines import read_folder

    folder = write_folder(tmp_path)
    for basis in ("collected", "net_revenue"):
        reference = xlprofit.analyze(dataset(), commission_basis=basis)
        engine = xlprofit.analyze(read_folder(folder, engine="duckdb"), commission_basis=basis)
        pd.testing.assert_series_equal(reference.customers["commissions"], engine.customers["commissions"],
                                       check_exact=True)
        pd.testing.assert_frame_equal(reference.trend, engine.trend, check_exact=True)


# ------------------------------------------------------------------------------------------
# 3. Returned lines credited (credit notes)


def test_a_returned_line_is_credited_by_default_and_reconciled():
    ds = dataset()
    agg, _ = summed(ds)
    # X4 (returned, net 300) is reversed: gross 1000 + 550 + 200 = 1750, discount 50,
    # net 1700, COGS 600 + 300 + 120 = 1020; it still counts as a line and a return.
    x = agg.customer.loc["X"]
    assert (x["gross_revenue"], x["discount"], x["net_revenue"], x["cogs"]) == (175_000, 5_000, 170_000, 102_000)
    assert (x["lines"], x["returns"]) == (4, 1)
    # Y3 (returned, net −50) is itself the credit note: kept as booked. Y: 400 + 100 − 50 = 450.
    y = agg.customer.loc["Y"]
    assert (y["net_revenue"], y["cogs"], y["returns"]) == (45_000, 27_000, 1)
    assert (agg.credited_rows, agg.credited_cents) == (1, 30_000)
    # The order and the product hold it with no money as well.
    assert agg.order.loc[("X", "X4"), "net_revenue"] == 0 and agg.order.loc[("X", "X4"), "lines"] == 1
    assert agg.product.loc[("X", "P2"), "net_revenue"] == 20_000
    result = xlprofit.analyze(ds)
    pnl = result.customers
    assert (pnl.loc["X", "net_revenue"], pnl.loc["X", "cogs"], pnl.loc["X", "returns"]) == (1700.0, 1020.0, 1)
    # Input 1000 + 500 + 200 + 300 + 400 + 100 − 50 = 2450 = P&L 1700 + 450 + credited 300.
    checks = result.reconciliation
    check = checks[checks["check"].str.startswith(NET_REVENUE_CHECK)].iloc[0]
    assert check["expected"] == 2450.0 and check["actual"] == 2450.0 and bool(check["holds"])
    assert result.checks_hold


def test_returns_as_booked_keeps_every_amount():
    agg, _ = summed(dataset(), returns="as_booked")
    x = agg.customer.loc["X"]
    # 1750 + 330 = 2080 gross, 50 + 30 = 80 discount, 1700 + 300 = 2000 net, 1020 + 180 = 1200 COGS.
    assert (x["gross_revenue"], x["discount"], x["net_revenue"], x["cogs"]) == (208_000, 8_000, 200_000, 120_000)
    assert (agg.credited_rows, agg.credited_cents) == (0, 0)
    # X4 is then a paid line (10 days, weight 300): (1000 × 30 + 500 × 60 + 300 × 10) / 1800 = 35 days.
    assert x["paid_days_weighted"] / x["paid_weight"] == 35.0
    result = xlprofit.analyze(dataset(), returns="as_booked")
    pnl = result.customers
    # Commissions (2000 − 200) × 5 % = 90.00; cost of credit 2000 × 35 × 0.0002 = 14.00.
    assert (pnl.loc["X", "net_revenue"], pnl.loc["X", "commissions"], pnl.loc["X", "cost_of_credit"]) == (
        2000.0, 90.00, 14.00)
    assert result.checks_hold


def test_returns_is_a_checked_parameter():
    with pytest.raises(ValidationError, match="returns"):
        xlprofit.analyze(dataset(), returns="ignore")
    with pytest.raises(ArgumentError, match="returns"):
        summed(dataset(), returns="ignore")
    lines = dataset().transactions
    with pytest.raises(ArgumentError, match="returns"):
        aggregate_lines(lines, PERIOD.index_of(lines["date"]), PERIOD.end, returns="credited")


@pytest.mark.parametrize("returns", ["credit", "as_booked"])
def test_returns_give_the_same_aggregates_in_duckdb(tmp_path, returns):
    ds = dataset()
    expected, _ = summed(ds, returns)
    actual, _ = duckdb_summed(write_folder(tmp_path), ds, returns)
    assert_same_aggregates(expected, actual)
    assert actual.credited_cents == (30_000 if returns == "credit" else 0)


def test_credited_lines_on_the_demo_are_the_same_in_duckdb(tmp_path):
    pytest.importorskip("duckdb")
    from xlprofit.data.synthetic import generate
    from xlprofit.engines import open_lines

    tables = generate(300, 20_000, seed=11)
    lines = tables["transactions"]
    assert lines["returned"].any() and lines["paid_on"].isna().any()
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path, index=False)
    ds = xlprofit.Dataset(**tables)
    customers = ds.customers.set_index("customer_id").index
    periods = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"), 4)
    for returns in ("credit", "as_booked"):
        expected, _ = ds.lines.summarise(customers, periods, None, returns=returns)
        with open_lines(path, "duckdb") as engine:
            engine.attach(customers, None, {})
            actual, _ = engine.summarise(customers, periods, None, returns=returns)
        assert_same_aggregates(expected, actual)
    credited = lines["returned"].to_numpy() & (to_cents(lines["net_revenue"]) > 0)
    assert expected.credited_rows == 0 and actual.credited_rows == 0  # as_booked
    credit, _ = ds.lines.summarise(customers, periods, None)
    assert credit.credited_rows == int(credited.sum())
    assert credit.credited_cents == int(to_cents(lines["net_revenue"])[credited].sum())
    assert np.isclose(credit.customer["net_revenue"].sum() + credit.credited_cents,
                      expected.customer["net_revenue"].sum(), rtol=0, atol=0)
