"""The Actions table: every lever's estimate is what re-analysing the changed input gives.

Each lever test takes the demo's largest row of that lever, applies the lever to the input
tables (prices, usage rows, order ids, payment dates), analyses again and compares the
customer's profit change with the estimate. Tolerance 1 % (the brief's): the estimates follow
the model's own rules (time-driven rates fixed by capacity, conventional costs shared by
volume), so the only gap is the largest-remainder rounding of cents — a few cents per activity.

Reruns leave out ``discount_rate`` (no CLV, ~1.5 s instead of ~7 s); the P&L does not depend
on it because the demo gives ``cost_of_capital`` (0.08) itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xlprofit
from xlprofit.core.actions import (
    ACTION_COLUMNS,
    LEVERS,
    MAX_PRICE_RISE,
    actions,
    actions_left_out,
    customer_volumes,
    top_actions,
)
from xlprofit.data import demo_tables


def _without_clv(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {name: frame.copy() for name, frame in tables.items()}
    out["parameters"] = out["parameters"][out["parameters"]["name"] != "discount_rate"]
    return out


def _profit(tables: dict[str, pd.DataFrame]) -> pd.Series:
    return xlprofit.analyze(xlprofit.Dataset(**tables)).customers["profit"]


@pytest.fixture(scope="module")
def demo() -> xlprofit.Analysis:
    return xlprofit.analyze(xlprofit.load_demo())


@pytest.fixture(scope="module")
def table(demo: xlprofit.Analysis) -> pd.DataFrame:
    return actions(demo)


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    return _without_clv(demo_tables())


@pytest.fixture(scope="module")
def base_profit(raw: dict[str, pd.DataFrame], demo: xlprofit.Analysis) -> pd.Series:
    profit = _profit(raw)
    pd.testing.assert_series_equal(profit, demo.customers["profit"])  # the P&L ignores discount_rate here
    return profit


def _top(table: pd.DataFrame, lever: str) -> pd.Series:
    rows = table[table["lever"] == lever]
    assert len(rows), f"no {lever!r} row on the demo"
    return rows.iloc[0]


def _check_moves(row: pd.Series, tables: dict[str, pd.DataFrame], base_profit: pd.Series) -> None:
    customer = row["customer_id"]
    moved = _profit(tables)[customer] - base_profit[customer]
    assert row["effect"] > 100  # a lever worth testing, not cents
    assert moved == pytest.approx(row["effect"], rel=0.01), (customer, row["lever"], row["change"])
    assert base_profit[customer] + moved == pytest.approx(row["profit_after"], rel=0.01, abs=1.0)


def _usage_scaled(tables: dict[str, pd.DataFrame], customer: str, driver: str, factor: float
                  ) -> dict[str, pd.DataFrame]:
    out = dict(tables)
    usage = tables["usage"].astype({"quantity": "float64"})
    rows = (usage["customer_id"] == customer) & (usage["driver"] == driver)
    assert rows.any()
    usage.loc[rows, "quantity"] = usage.loc[rows, "quantity"] * factor
    out["usage"] = usage
    return out


# --------------------------------------------------------------------------------------------
# One test per lever: apply it to the input, analyse again


def test_reprice_brings_the_customer_to_break_even(table: pd.DataFrame, raw: dict, base_profit: pd.Series) -> None:
    row = _top(table, "reprice")
    p = row["after"] / row["before"] - 1.0
    assert 0 < p <= MAX_PRICE_RISE
    t = raw["transactions"].copy()
    mine = t["customer_id"] == row["customer_id"]
    for column in ("gross_revenue", "discount", "rebate"):
        t.loc[mine, column] = (t.loc[mine, column] * (1.0 + p)).round(2)
    t.loc[mine, "net_revenue"] = (t.loc[mine, "gross_revenue"] - t.loc[mine, "discount"]
                                  - t.loc[mine, "rebate"]).round(2)
    _check_moves(row, {**raw, "transactions": t}, base_profit)
    assert row["profit_after"] == pytest.approx(0.0, abs=0.01)


def test_change_the_service_moves_profit_by_rate_times_units(table: pd.DataFrame, raw: dict,
                                                             base_profit: pd.Series) -> None:
    row = _top(table, "change the service")
    assert row["after"] < row["before"]
    _check_moves(row, _usage_scaled(raw, row["customer_id"], row["driver"], row["after"] / row["before"]),
                 base_profit)


def test_fewer_rush_orders_count_in_every_activity_they_drive(demo: xlprofit.Analysis, raw: dict,
                                                              base_profit: pd.Series) -> None:
    # rush is an activity's driver (Rush orders, 75 min) and a term of Order handling's time
    # equation (4 + 1.5*lines + 10*rush): one rush order less saves 75 × 1.10 + 10 × 0.80.
    row = _top(actions(demo, service_drivers=["rush"]), "change the service")
    assert row["driver"] == "rush"
    assert (row["before"] - row["after"]) * (75 * 1.10 + 10 * 0.80) == pytest.approx(row["effect"], abs=0.01)
    _check_moves(row, _usage_scaled(raw, row["customer_id"], "rush", row["after"] / row["before"]), base_profit)


def test_fewer_complaints_shift_conventional_cost_to_the_others(demo: xlprofit.Analysis, raw: dict,
                                                                base_profit: pd.Series) -> None:
    # Complaints is conventional ABC (99,200 shared by volume): the customer's share falls from
    # cost × v / V to cost × (v − Δ) / (V − Δ), not by the average rate × Δ.
    row = _top(actions(demo, service_drivers=["complaints"]), "change the service")
    v, after = row["before"], row["after"]
    volume = 551.0  # the demo's complaints (activities table: driver_volume)
    assert row["effect"] == pytest.approx(99_200 * (v / volume - after / (volume - v + after)), abs=0.01)
    assert row["effect"] < (v - after) * 99_200 / volume  # less than the average rate would say
    _check_moves(row, _usage_scaled(raw, row["customer_id"], "complaints", after / v), base_profit)


def test_moving_manual_orders_to_edi(table: pd.DataFrame, raw: dict, base_profit: pd.Series) -> None:
    row = _top(table, "move manual orders to EDI")
    usage = raw["usage"]
    usage = usage[~((usage["customer_id"] == row["customer_id"]) & (usage["driver"] == row["driver"]))]
    _check_moves(row, {**raw, "usage": usage}, base_profit)


def test_minimum_order_size_consolidates_orders(demo: xlprofit.Analysis, table: pd.DataFrame, raw: dict,
                                                base_profit: pd.Series) -> None:
    row = _top(table, "minimum order size")
    t = raw["transactions"].copy()
    mine = t["customer_id"] == row["customer_id"]
    orders = t[mine].groupby("order_id")["date"].min().sort_values(kind="stable").index.to_numpy()
    assert len(orders) == row["before"]
    merged = {o: group[0] for group in np.array_split(orders, int(row["after"])) for o in group}
    t.loc[mine, "order_id"] = t.loc[mine, "order_id"].map(merged)
    changed = {**raw, "transactions": t}
    rerun = xlprofit.analyze(xlprofit.Dataset(**changed)).customers.loc[row["customer_id"]]
    assert rerun["orders"] == row["after"]
    assert rerun["lines"] == demo.customers.at[row["customer_id"], "lines"]  # the same lines and units
    assert rerun["units"] == demo.customers.at[row["customer_id"], "units"]
    _check_moves(row, changed, base_profit)


def test_payment_terms_cut_the_cost_of_credit(demo: xlprofit.Analysis, table: pd.DataFrame, raw: dict,
                                              base_profit: pd.Series) -> None:
    row = _top(table, "payment terms")
    days = int(row["after"])
    assert days == 30  # the demo's payment_days parameter
    t = raw["transactions"].copy()
    # The lines that count in the payment days: paid with positive revenue, or open items.
    counted = ((t["customer_id"] == row["customer_id"]) & (t["net_revenue"] > 0)
               & (t["paid_on"].notna() | (t["written_off"] == 0)))
    t.loc[counted, "paid_on"] = (pd.to_datetime(t.loc[counted, "date"]) + pd.Timedelta(days=days)
                                 ).dt.strftime("%Y-%m-%d")
    _check_moves(row, {**raw, "transactions": t}, base_profit)
    assert row["result_effect"] == row["effect"]  # money, not capacity


def test_ending_the_relationship(table: pd.DataFrame, raw: dict, base_profit: pd.Series,
                                 demo: xlprofit.Analysis) -> None:
    row = _top(table, "consider ending the relationship")
    customer = row["customer_id"]
    gone = {**raw,
            "transactions": raw["transactions"][raw["transactions"]["customer_id"] != customer],
            "usage": raw["usage"][raw["usage"]["customer_id"] != customer]}
    _check_moves(row, gone, base_profit)
    assert row["profit_after"] == pytest.approx(-demo.customers.at[customer, "acquisition_cost"], abs=0.01)
    # The company keeps the capacity: without cutting it, ending loses the customer's margin.
    pnl = demo.customers.loc[customer]
    assert row["result_effect"] == pytest.approx(-(pnl["gross_margin"] - pnl["commissions"] - pnl["cost_of_credit"]
                                                   - pnl["bad_debt"]), abs=0.02)


# --------------------------------------------------------------------------------------------
# Who gets which rows


def test_ending_is_proposed_exactly_when_value_after_the_levers_stays_negative(
        demo: xlprofit.Analysis, table: pd.DataFrame) -> None:
    pnl, acq, clv = demo.customers, demo.acquisition, demo.clv
    years = 731 / 365.25  # the demo's window, 2024-01-01 … 2025-12-31
    operational = table[table["lever"].isin(LEVERS[1:5])].groupby("customer_id")["effect"].sum()
    chosen = pnl.index[(pnl["profit"] < 0) | pnl["flagged"]]
    after = (acq["total_value"] + operational.reindex(pnl.index, fill_value=0.0) / years
             * clv["expected_lifetime_years"]).loc[chosen]
    ending = set(table.loc[table["lever"] == "consider ending the relationship", "customer_id"])
    assert ending == set(after.index[after < 0])
    # A clear case: the demo's C0157 has lost volume (flagged), loses money and its lifetime value
    # incl. referral value stays negative whatever the service, EDI, order and terms levers do.
    assert "C0157" in ending and acq.at["C0157", "total_value"] < 0 and pnl.at["C0157", "flagged"]
    left = actions_left_out(demo)
    kept = left[left["lever"] == "consider ending the relationship"]
    assert set(kept["customer_id"]) == set(chosen) - ending


def test_profitable_unflagged_customers_get_no_row(demo: xlprofit.Analysis, table: pd.DataFrame) -> None:
    pnl = demo.customers
    best = pnl["profit"].idxmax()
    assert pnl.at[best, "profit"] > 0 and not pnl.at[best, "flagged"]
    assert best not in set(table["customer_id"])
    chosen = set(pnl.index[(pnl["profit"] < 0) | pnl["flagged"]])
    assert set(table["customer_id"]) <= chosen
    assert set(table["customer_id"]) | set(actions_left_out(demo)["customer_id"]) == chosen
    flagged_profitable = pnl.index[(pnl["profit"] >= 0) & pnl["flagged"]]
    assert len(flagged_profitable) and set(flagged_profitable) & set(table["customer_id"])
    assert not (table["customer_id"].isin(flagged_profitable) & (table["lever"] == "reprice")).any()


def test_ranked_by_value_at_stake_and_plausible(demo: xlprofit.Analysis, table: pd.DataFrame) -> None:
    assert list(table.columns) == ACTION_COLUMNS
    assert set(table["lever"]) == set(LEVERS)
    assert not table.duplicated(["customer_id", "lever"]).any()
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert table["effect"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(top_actions(table, per_customer=False), table.head(10))
    top = top_actions(table)  # the best lever of each of the ten customers with most at stake
    assert top["customer_id"].is_unique and len(top) == 10 and top["rank"].is_monotonic_increasing
    best = table.drop_duplicates("customer_id").head(10)
    assert list(top["customer_id"]) == list(best["customer_id"]) and list(top["rank"]) == list(best["rank"])
    # No lever is worth more than what the customer costs beyond its goods (nor a price rise
    # above the limit), and profit after = before + effect.
    pnl = demo.customers.reindex(table["customer_id"])
    costs = (pnl["cost_to_serve"] + pnl["commissions"] + pnl["cost_of_credit"] + pnl["bad_debt"]).to_numpy()
    reprice = (table["lever"] == "reprice").to_numpy()
    assert (table["effect"] > 0).all()
    assert (table["effect"].to_numpy()[~reprice] <= costs[~reprice] + 0.01).all()
    rise = table.loc[reprice, "after"] / table.loc[reprice, "before"] - 1.0
    assert ((rise > 0) & (rise <= MAX_PRICE_RISE)).all()
    np.testing.assert_allclose(table["profit_after"], table["profit_before"] + table["effect"], atol=0.011)
    too_dear = actions_left_out(demo).query("lever == 'reprice'")["reason"]
    assert too_dear.str.contains("more than").any()


def test_volumes_read_back_from_costs_match_the_usage_table(demo: xlprofit.Analysis, raw: dict) -> None:
    volumes = customer_volumes(demo)
    usage = raw["usage"].astype({"quantity": "float64"}).groupby(["customer_id", "driver"])["quantity"].sum()
    usage = usage.unstack(fill_value=0.0)
    usage = usage.reindex(volumes.index, fill_value=0.0)
    for driver in usage.columns:
        np.testing.assert_allclose(volumes[driver], usage[driver], atol=1e-9, err_msg=driver)
