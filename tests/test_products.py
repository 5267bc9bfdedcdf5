"""Fully loaded products, and the one-product pilot that equals them (README, *What is computed, exactly*).

The product table splits every customer's P&L over what it bought; ``analyze(products=[…])``
takes exactly those figures, so the pilot of a product equals its row and pilots over a
partition of the products add up to the whole analysis, to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlprofit
from xlprofit.core.products import NO_PURCHASE
from xlprofit.data.synthetic import generate

#: Money columns of the customer P&L that the products carry too.
MONEY = ["gross_revenue", "discounts", "invoice_revenue", "rebates", "net_revenue", "cogs", "gross_margin",
         "cost_to_serve", "commissions", "cost_of_credit", "bad_debt", "contribution", "acquisition_cost", "profit"]


def _cents(values: object) -> int:
    return int(np.rint(np.asarray(values, dtype="float64") * 100).astype("int64").sum())


def _money(frame: pd.DataFrame) -> list[str]:
    return MONEY + sorted(c for c in frame.columns if c.startswith("cts_"))


@pytest.fixture(scope="module")
def demo() -> tuple[xlprofit.Dataset, xlprofit.Analysis]:
    ds = xlprofit.load_demo()
    return ds, xlprofit.analyze(ds)


def test_worked_by_hand(tables):
    """Customer A bought P1 in o1 (90) and o7 (50) and P2 in o1 (200)."""
    ds = xlprofit.Dataset(**tables)
    whole = xlprofit.analyze(ds)
    p1 = xlprofit.analyze(ds, products=["P1"]).customers.loc["A"]
    p2 = xlprofit.analyze(ds, products=["P2"]).customers.loc["A"]
    # Order handling (order level, A's $160): o1 is 90/290 P1 and 200/290 P2, o7 all P1, so P1 stands
    # for 0.310345 + 1 = 1.310345 of A's 2 orders (in millionths: 1,310,345 and 689,655).
    # 160 × 1,310,345 / 2,000,000 = 104.8276 → 104.83 (largest remainder), 160 × 689,655 / 2,000,000 = 55.17.
    assert (p1["cts_Order handling"], p2["cts_Order handling"]) == (104.83, 55.17)
    # Picking (line level, $96 for 3 lines): P1 has 2 lines, P2 1.
    assert (p1["cts_Picking"], p2["cts_Picking"]) == (64.00, 32.00)
    # Sales visits (customer level, $600) and acquisition ($1,000) by revenue share 140 : 200.
    # 600 × 140/340 = 247.0588 → 247.06; 1000 × 140/340 = 411.7647 → 411.76.
    assert (p1["cts_Sales visits"], p2["cts_Sales visits"]) == (247.06, 352.94)
    assert (p1["acquisition_cost"], p2["acquisition_cost"]) == (411.76, 588.24)
    # Revenue and COGS are the products' own lines.
    assert (p1["net_revenue"], p2["net_revenue"], p1["cogs"], p2["cogs"]) == (140.0, 200.0, 75.0, 100.0)
    # The two add up to A.
    for column in _money(whole.customers):
        assert _cents(p1[column]) + _cents(p2[column]) == _cents(whole.customers.loc["A", column]), column


def test_products_add_up_to_the_customers(demo):
    _, a = demo
    for column in _money(a.customers):
        assert _cents(a.products[column]) == _cents(a.customers[column]), column
    assert NO_PURCHASE not in a.products.index  # every demo customer bought something
    # The split methods are stated.
    assert (a.assumptions["parameter"] == "product_split").sum() >= 4


def test_the_p056_pilot_is_p056s_row(demo):
    ds, a = demo
    pilot = xlprofit.analyze(ds, products=["P056"])
    row = a.products.loc["P056"]
    for column in _money(pilot.customers):
        assert _cents(pilot.customers[column]) == _cents(row[column]), column
    assert list(pilot.products.index) == ["P056"]
    pd.testing.assert_series_equal(pilot.products.loc["P056"], row)
    # The pilot's customers are the product's buyers; the others are absent.
    lines = ds.transactions
    buyers = set(lines.loc[lines["product_id"] == "P056", "customer_id"])
    assert set(pilot.customers.index) == buyers and len(buyers) == row["customers"] < len(a.customers)
    # Other products' lines are counted in the reconciliation, not listed as exceptions.
    assert not (pilot.exceptions["reason"] == "is not among the analysed products").any()
    checks = pilot.reconciliation.set_index("check")
    other = lines["product_id"] != "P056"
    assert f"excluded {int(other.sum()):,}" in checks.loc["Invoice lines: input = customer P&L + rejected + excluded",
                                                          "detail"]
    assert pilot.checks_hold, pilot.reconciliation[~pilot.reconciliation["holds"]]
    # The bridge reaches the whole period's result through the other products' profit.
    bridge = pilot.bridge.set_index("step")["amount"]
    assert bridge["Period result"] == a.bridge.set_index("step")["amount"]["Period result"]
    assert _cents(bridge["Customer profit"]) + _cents(bridge["Other products' profit"]) == _cents(
        a.customers["profit"])
    # The trend ties to the pilot's P&L.
    trend = pilot.trend.groupby("customer_id")[["net_revenue", "cost_to_serve", "contribution"]].sum()
    for column in trend.columns:
        assert (np.rint(trend[column] * 100) == np.rint(pilot.customers.loc[trend.index, column] * 100)).all()


# ---------------------------------------------------------------------------------- partition property

@pytest.fixture(scope="module")
def small() -> tuple[xlprofit.Dataset, xlprofit.Analysis, list[str]]:
    ds = xlprofit.Dataset(**generate(40, 1_500, seed=11))
    whole = xlprofit.analyze(ds)
    products = sorted(p for p in whole.products.index if p != NO_PURCHASE)
    return ds, whole, products


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pilots_over_a_partition_add_up_to_the_whole(small, data):
    ds, whole, products = small
    groups = data.draw(st.lists(st.integers(min_value=0, max_value=3), min_size=len(products),
                                max_size=len(products)))
    parts = [[p for p, g in zip(products, groups, strict=True) if g == k] for k in sorted(set(groups))]
    pilots = [xlprofit.analyze(ds, products=part) for part in parts]
    columns = _money(whole.customers)
    rest = whole.products.loc[[NO_PURCHASE]] if NO_PURCHASE in whole.products.index else None
    for column in columns:
        summed = sum(_cents(p.customers[column]) for p in pilots) + (_cents(rest[column]) if rest is not None else 0)
        assert summed == _cents(whole.customers[column]), column
    # Customer by customer too.
    stacked = pd.concat([p.customers[columns] for p in pilots])
    per_customer = (np.rint(stacked * 100).astype("int64")).groupby(level="customer_id").sum()
    bought = per_customer.index
    expected = np.rint(whole.customers.loc[bought, columns] * 100).astype("int64")
    pd.testing.assert_frame_equal(per_customer.sort_index(), expected.sort_index(), check_names=False,
                                  check_index_type=False)
    for p in pilots:
        assert p.checks_hold, p.reconciliation[~p.reconciliation["holds"]]


def test_a_customer_without_purchases_keeps_its_costs_on_no_purchase(tables):
    """D is a customer who bought nothing in the period: a visit and its acquisition cost only."""
    tables["customers"] = pd.concat([tables["customers"], pd.DataFrame(
        {"customer_id": ["D"], "name": ["Delta"], "acquired_on": ["2024-02-01"], "acquisition_cost": [250.0]})],
        ignore_index=True)
    tables["usage"] = pd.concat([tables["usage"], pd.DataFrame(
        {"customer_id": ["D"], "driver": ["visits"], "quantity": [1], "period": ["2024Q2"]})], ignore_index=True)
    a = xlprofit.analyze(xlprofit.Dataset(**tables))
    row = a.products.loc[NO_PURCHASE]
    d = a.customers.loc["D"]
    assert row["net_revenue"] == 0 and row["lines"] == 0 and row["customers"] == 0
    assert row["cts_Sales visits"] == d["cts_Sales visits"] > 0
    assert row["acquisition_cost"] == d["acquisition_cost"] == 250.0
    assert row["profit"] == d["profit"]
    for column in _money(a.customers):
        assert _cents(a.products[column]) == _cents(a.customers[column]), column


def test_duckdb_pilot_equals_the_pandas_pilot(tmp_path):
    from xlprofit.data.synthetic import write_tables
    from xlprofit.engines import read_folder

    tables = generate(60, 3_000, seed=5)
    write_tables(tables, tmp_path)
    for gz in tmp_path.glob("transactions.csv*"):
        gz.unlink()
    tables["transactions"].to_parquet(tmp_path / "transactions.parquet", index=False)
    wanted = sorted(set(tables["transactions"]["product_id"].dropna()))[:3]
    expected = xlprofit.analyze(xlprofit.Dataset(**tables), products=wanted)
    actual = xlprofit.analyze(read_folder(tmp_path, engine="duckdb"), products=wanted)
    for name in ("customers", "products", "trend", "orders", "reconciliation", "bridge"):
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(actual, name), check_exact=True, obj=name)


def test_product_ties_break_by_the_ids_text_ranked_once_per_id():
    """The ranks that break equal remainders: the order of the ids' texts, equal texts equal ranks,
    read from the index's level (one rank per distinct id, not a sort of every row)."""
    import numpy as np
    import pandas as pd

    from xlprofit.core.products import _text_ranks

    index = pd.MultiIndex.from_arrays(
        [["C1", "C1", "C2", "C3", "C3", "C4"], ["P-2", "P-10", "P-2", 7, "(no purchase)", "P-10"]],
        names=["customer_id", "product_id"])
    texts = np.asarray([str(p) for p in index.get_level_values("product_id")], dtype=object)
    assert _text_ranks(index, "product_id").tolist() == np.unique(texts, return_inverse=True)[1].tolist()
