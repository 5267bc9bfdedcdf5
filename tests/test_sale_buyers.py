"""Discount dependency as the article means it: sale purchases, sale-dependent buyers, the comparison.

A sale purchase is a line discounted at least ``sale_depth`` (20 %) of its gross revenue
(``aggregate.sale_lines``, the same rule in the SQL engines); a customer is sale-dependent when
at least ``dependent_share`` (50 %) of its net revenue is bought on sale. Measured against the
sale buyers the synthetic generator planted: precision and recall at least 0.8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xlprofit
from xlprofit.core import sale
from xlprofit.core.aggregate import SALE_DEPTH, aggregate_lines, sale_lines
from xlprofit.core.money import to_cents
from xlprofit.core.periods import Periods
from xlprofit.core.segments import discount_dependency
from xlprofit.errors import ArgumentError

TRUTH_SEED = 7  # not the demo's 20240101
PERIOD = Periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"), 4)


# ------------------------------------------------------------------------------------------
# the line rule


def test_a_sale_line_is_discounted_at_least_the_depth_of_its_gross_revenue() -> None:
    discount = np.array([3, 2, 2_000, 1_999, 0, -250, -240, 500, 100, 0])
    gross = np.array([15, 15, 10_000, 10_000, 10_000, -1_000, -1_000, 0, -1_000, 0])
    # 3 of 15 cents is exactly 20 % (0.2 × 15 is 3.0000000000000004 in floating point); 2 of 15
    # is 13 %; 2,000 of 10,000 is 20 %, 1,999 is not; no discount is no sale; a credit note
    # (negative gross) of a sale line is a sale line (-250 of -1,000), -240 of -1,000 is 24 %;
    # without gross revenue, or with a discount against the sign of gross revenue, no sale.
    expected = [True, False, True, False, False, True, True, False, False, False]
    assert sale_lines(discount, gross).tolist() == expected
    assert sale_lines(discount, gross, 0.25).tolist() == [False, False, False, False, False, True, False,
                                                           False, False, False]
    for bad in (0.0, 1.5, -0.2, True, "20 %"):
        with pytest.raises(ArgumentError, match="sale_depth"):
            sale_lines(discount, gross, bad)  # type: ignore[arg-type]
    assert SALE_DEPTH == 0.20


def ledger() -> dict[str, pd.DataFrame]:
    """Three customers: a sale buyer, a regular with small discounts and rebates, one in between."""
    rows = [
        # customer, gross, discount, rebate, returned
        ("S", 100.00, 25.00, 0.0, False),  # sale (25 %)
        ("S", 200.00, 40.00, 0.0, False),  # sale (exactly 20 %)
        ("S", 50.00, 0.00, 0.0, False),  # full price
        ("S", 0.15, 0.03, 0.0, False),  # sale: 3 cents off 15
        ("S", 80.00, 20.00, 0.0, True),  # a returned sale line: credited, counts as 0
        ("R", 1_000.00, 40.00, 0.0, False),  # 4 %: a regular's discount, not a sale
        ("R", 500.00, 0.00, 25.00, False),  # a rebate is not a sale
        ("R", 300.00, 59.99, 0.0, False),  # 19.997 %: not a sale
        ("M", 400.00, 100.00, 0.0, False),  # sale
        ("M", 400.00, 0.00, 0.0, False),
        ("M", -100.00, -25.00, 0.0, False),  # the credit note of a sale line
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "gross_revenue", "discount", "rebate", "returned"])
    frame["net_revenue"] = (frame["gross_revenue"] - frame["discount"] - frame["rebate"]).round(2)
    frame["date"] = pd.date_range("2024-01-10", periods=len(frame), freq="17D")
    frame["order_id"] = [f"O{k}" for k in range(len(frame))]
    frame["product_id"] = "P1"
    frame["quantity"] = 1.0
    frame["cogs"] = (frame["gross_revenue"] * 0.5).round(2)
    customers = pd.DataFrame({"customer_id": ["M", "R", "S"]})
    activities = pd.DataFrame({"activity": ["Order handling"], "driver": ["orders"], "cost": [100.0]})
    return {"customers": customers, "transactions": frame, "activities": activities}


def test_discounted_revenue_is_the_net_revenue_bought_on_sale() -> None:
    ds = xlprofit.Dataset(**ledger())
    customers = pd.Index(["M", "R", "S"], name="customer_id")
    agg, _ = ds.lines.summarise(customers, PERIOD, None)
    # S: 75.00 + 160.00 + 0.12 (the returned line is credited); R: none; M: 300.00 - 75.00.
    assert agg.customer["discounted"].to_dict() == {"M": 22_500, "R": 0, "S": 23_512}
    pnl = xlprofit.analyze(ds).customers
    assert pnl["discounted_revenue"].to_dict() == {"M": 225.0, "R": 0.0, "S": 235.12}
    # S: 235.12 of 285.12 net revenue; M: 225 of 300 + 400 - 75 = 625.
    assert discount_dependency(pnl).to_dict() == pytest.approx({"M": 225 / 625, "R": 0.0, "S": 235.12 / 285.12},
                                                               rel=1e-12)


@pytest.mark.parametrize("depth", [SALE_DEPTH, 0.1, 0.25])
def test_pandas_and_duckdb_sum_the_same_sale_revenue_to_the_cent(tmp_path, depth: float) -> None:
    pytest.importorskip("duckdb")
    from xlprofit.data.synthetic import generate
    from xlprofit.engines import open_lines

    tables = generate(200, 12_000, seed=TRUTH_SEED)
    extra = ledger()["transactions"].assign(customer_id=tables["customers"]["customer_id"].iloc[0])
    lines = pd.concat([tables["transactions"], extra[tables["transactions"].columns.intersection(extra.columns)]],
                      ignore_index=True)
    tables["transactions"] = lines
    path = tmp_path / "lines.parquet"
    lines.to_parquet(path, index=False)
    ds = xlprofit.Dataset(**tables)
    customers = ds.customers.set_index("customer_id").index
    if depth == SALE_DEPTH:  # the analysis's own path, both engines
        expected, _ = ds.lines.summarise(customers, PERIOD, None)
    else:  # the pandas aggregates at another depth, from the same accepted lines
        kept = ds.lines.transactions  # type: ignore[attr-defined]
        expected = aggregate_lines(kept, PERIOD.index_of(kept["date"]), PERIOD.end, sale_depth=depth)
    with open_lines(path, "duckdb") as engine:
        engine.attach(customers, None, {})
        actual, _ = engine.summarise(customers, PERIOD, None, sale_depth=depth)
    left = expected.customer["discounted"].astype("int64")
    right = actual.customer["discounted"].astype("int64").reindex(left.index)
    pd.testing.assert_series_equal(left, right, check_exact=True)
    for grain in ("period", "product"):
        assert int(getattr(expected, grain)["discounted"].sum()) == int(getattr(actual, grain)["discounted"].sum())
    # the rule is the line rule: recomputed from the lines, to the cent
    credited = lines["returned"].fillna(False).astype(bool).to_numpy() & (to_cents(lines["net_revenue"]) > 0)
    rule = sale_lines(to_cents(lines["discount"].fillna(0.0)), to_cents(lines["gross_revenue"]), depth) & ~credited
    assert int(left.sum()) == int(to_cents(lines["net_revenue"])[rule].sum())
    assert 0 < int(left.sum()) < int(expected.customer["net_revenue"].sum())


# ------------------------------------------------------------------------------------------
# sale-dependent customers and the comparison


def pnl() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "net_revenue": [1_000.0, 2_000.0, 500.0, 800.0, 0.0],
            "discounted_revenue": [0.0, 300.0, 400.0, 400.0, 0.0],
            "gross_margin": [300.0, 500.0, 100.0, 120.0, 0.0],
            "cost_to_serve": [100.0, 200.0, 60.0, 100.0, 50.0],
            "contribution": [200.0, 300.0, 40.0, 20.0, -50.0],
            "profit": [200.0, 250.0, 40.0, 20.0, -50.0],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    )
    return frame


def test_sale_comparison_worked_example() -> None:
    # dependency: a 0, b 15 %, c 80 %, d 50 % (sale-dependent at 50 %), e no revenue (left out).
    frame = pnl()
    assert sale.sale_dependent(frame).tolist() == [False, False, True, True, False]
    clv = pd.DataFrame({"clv": [900.0, 1_500.0, 50.0, np.nan, 0.0], "p_alive": [0.9, 0.8, 0.5, 0.3, 0.1]},
                       index=frame.index)
    trend = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "a", "c"],
                          "period": ["2025Q1"] * 4 + ["2025Q2"] * 2,
                          "period_start": pd.to_datetime(["2025-01-01"] * 4 + ["2025-04-01"] * 2),
                          "lines": [3, 4, 5, 6, 2, 1], "net_revenue": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    table = sale.sale_comparison(frame, clv, trend)
    assert table["group"].tolist() == ["full_price", "sale_dependent"] == list(sale.SALE_GROUPS)
    full, dependent = (table.iloc[k] for k in range(2))
    assert (full["customers"], dependent["customers"]) == (2, 2)
    assert full["net_revenue"] == 3_000.0 and dependent["net_revenue"] == 1_300.0
    assert dependent["sale_revenue"] == 800.0 and dependent["sale_share"] == pytest.approx(800 / 1_300)
    assert full["contribution_margin"] == pytest.approx(500 / 3_000)
    assert dependent["contribution_margin"] == pytest.approx(60 / 1_300)
    assert dependent["margin_pct"] == pytest.approx(60 / 1_300)
    # CLV per euro over the customers with a CLV: d has none, so 50 / 500 for the sale-dependent.
    assert full["clv_per_revenue"] == pytest.approx(2_400 / 3_000)
    assert dependent["clv"] == 50.0 and dependent["clv_per_revenue"] == pytest.approx(50 / 500)
    # active in the last period (2025Q2): a of a, b; c of c, d.
    assert full["active_share"] == 0.5 and dependent["active_share"] == 0.5
    assert full["p_alive"] == pytest.approx(0.85) and dependent["p_alive"] == pytest.approx(0.4)
    assert table.attrs == {"sale_depth": 0.2, "dependent_share": 0.5, "left_out": 1}
    # without CLV or trend, those figures are NaN, never 0
    bare = sale.sale_comparison(frame)
    assert bare[["clv", "clv_per_revenue", "active_share", "p_alive"]].isna().all().all()
    # a higher bar: d (50 %) becomes a regular
    assert sale.sale_comparison(frame, dependent_share=0.6)["customers"].tolist() == [3, 1]
    # the P&L's own clv column is read when no CLV table is given
    with_clv = sale.sale_comparison(frame.assign(clv=clv["clv"]))
    assert with_clv["clv"].tolist() == [2_400.0, 50.0]


def test_sale_comparison_always_has_both_groups_and_checks_its_arguments() -> None:
    frame = pnl().assign(discounted_revenue=0.0)
    table = sale.sale_comparison(frame)
    assert table["customers"].tolist() == [4, 0]
    assert np.isnan(table.loc[1, "contribution_margin"])
    for bad in (0.0, 1.2):
        with pytest.raises(ArgumentError, match="dependent_share"):
            sale.sale_comparison(frame, dependent_share=bad)
    with pytest.raises(ArgumentError, match="sale_depth"):
        sale.sale_comparison(frame, sale_depth=0.0)
    with pytest.raises(ArgumentError, match="discounted_revenue"):
        sale.sale_comparison(frame.drop(columns="discounted_revenue"))
    pd.testing.assert_frame_equal(sale.sale_comparison(pnl().iloc[::-1]), sale.sale_comparison(pnl()))
    assert set(sale.SALE_PARAMETERS) == {"sale_depth", "sale_dependent_share"}


# ------------------------------------------------------------------------------------------
# against the planted truth


def test_sale_dependent_customers_are_the_planted_sale_buyers() -> None:
    from xlprofit.data.synthetic import generate

    try:
        tables, truth = generate(400, 60_000, seed=TRUTH_SEED, truth=True)
    except TypeError:  # pragma: no cover - the generator without its planted truth
        pytest.skip("generate(..., truth=True) is not available")
    parameters = tables["parameters"]  # no discount rate: no CLV models, which only take time here
    tables = {**tables, "parameters": parameters[parameters["name"] != "discount_rate"]}
    analysis = xlprofit.analyze(xlprofit.Dataset(**tables))
    found = sale.sale_dependent(analysis.customers).reindex(truth.index, fill_value=False)
    planted = truth["sale_buyer"].astype(bool)
    tp, fp, fn = int((found & planted).sum()), int((found & ~planted).sum()), int((~found & planted).sum())
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"\nsale buyers (seed {TRUTH_SEED}, 400 customers × 60,000 lines): planted {int(planted.sum())}, "
          f"found {int(found.sum())}; TP {tp}, FP {fp}, FN {fn}, TN {len(truth) - tp - fp - fn}; "
          f"precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.8 and recall >= 0.8
    table = sale.sale_comparison(analysis.customers, analysis.clv, analysis.trend)
    assert table["customers"].sum() + table.attrs["left_out"] == len(analysis.customers)
    assert table.set_index("group").loc["sale_dependent", "sale_share"] >= 0.5
    assert table.set_index("group").loc["full_price", "sale_share"] < 0.05
