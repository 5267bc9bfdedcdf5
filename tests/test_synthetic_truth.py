"""The truth the synthetic generator plants: churned, new, turning customers, sale buyers, referrers.

``generate(..., truth=True)`` returns the tables and a frame saying, per customer, what was
planted. These tests check that the tables really carry it, from the tables alone: churned
customers stop buying at their churn date, new ones start at acquisition, sale buyers buy
most of their revenue at a deep discount and nobody else does, turning customers' contribution
falls materially in the last quarters (the independent P&L of ``test_demo_data``), and a
BG/NBD model separates churned from active customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_demo_data import simple_pnl
from xlprofit.core.clv import BetaGeo
from xlprofit.data.synthetic import (
    BLOCK_LINES,
    DEMO_CUSTOMERS,
    DEMO_LINES,
    SALE_DEPTH,
    customers_table,
    generate,
    iter_transaction_chunks,
)

WINDOW_START, WINDOW_END = pd.Timestamp("2024-01-01"), pd.Timestamp("2026-01-01")
BOOLEAN_COLUMNS = ["new", "churned", "turning", "bad_debt", "sale_buyer", "demanding", "referrer"]


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    return generate(DEMO_CUSTOMERS, DEMO_LINES, truth=True)


def deep_discount_share(tx: pd.DataFrame) -> pd.Series:
    """Per customer: share of gross revenue bought on lines discounted at least SALE_DEPTH."""
    deep = tx["discount"] >= SALE_DEPTH * tx["gross_revenue"] - 1e-9
    grouped = tx.assign(deep=tx["gross_revenue"].where(deep, 0.0)).groupby("customer_id")
    return grouped["deep"].sum() / grouped["gross_revenue"].sum()


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties half."""
    pos, neg = score[positive], score[~positive]
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + ties / 2)


# --------------------------------------------------------------------------------------
# the truth frame


def test_truth_frame_has_one_row_per_customer_in_table_order(demo) -> None:
    tables, truth = demo
    assert truth.index.name == "customer_id"
    assert truth.index.tolist() == tables["customers"]["customer_id"].tolist()
    for column in BOOLEAN_COLUMNS:
        assert truth[column].dtype == bool, column
    assert pd.api.types.is_datetime64_any_dtype(truth["churned_on"])
    assert pd.api.types.is_datetime64_any_dtype(truth["turning_from"])
    assert truth["churned_on"].notna().equals(truth["churned"])
    assert truth["turning_from"].notna().equals(truth["turning"])
    assert truth["referrals"].dtype == np.int64


def test_without_truth_the_same_tables_come_back(demo) -> None:
    tables, _ = demo
    plain = generate(DEMO_CUSTOMERS, DEMO_LINES)
    assert isinstance(plain, dict) and list(plain) == list(tables)
    for table in tables:
        pd.testing.assert_frame_equal(plain[table], tables[table])


def test_truth_is_deterministic_and_follows_the_seed() -> None:
    first_tables, first = generate(120, 6_000, seed=7, truth=True)
    second_tables, second = generate(120, 6_000, seed=7, truth=True)
    pd.testing.assert_frame_equal(first, second)
    for table in first_tables:
        pd.testing.assert_frame_equal(first_tables[table], second_tables[table])
    _, other = generate(120, 6_000, seed=8, truth=True)
    assert not first["churned"].equals(other["churned"])
    # The customers (and so the planted groups) do not depend on the number of lines.
    _, more_lines = generate(120, 20_000, seed=7, truth=True)
    pd.testing.assert_frame_equal(first, more_lines)
    pd.testing.assert_frame_equal(customers_table(120, seed=7), first_tables["customers"])


def test_planted_groups_have_the_documented_size(demo) -> None:
    tables, truth = demo
    assert 0.15 <= truth["churned"].mean() <= 0.25
    assert 0.10 <= truth["new"].mean() <= 0.15
    assert 0.08 <= truth["turning"].mean() <= 0.12
    assert 0.10 <= truth["sale_buyer"].mean() <= 0.20
    assert truth["bad_debt"].sum() >= 3 and not (truth["bad_debt"] & ~truth["turning"]).any()
    # The groups tell one story each: turning and demanding customers do not churn,
    # new customers are neither churned nor turning.
    assert not (truth["churned"] & (truth["turning"] | truth["demanding"] | truth["new"])).any()
    assert not (truth["turning"] & truth["new"]).any()
    acquired = pd.to_datetime(tables["customers"]["acquired_on"]).to_numpy()
    np.testing.assert_array_equal(truth["new"].to_numpy(), acquired >= np.datetime64(WINDOW_START))


def test_referrers_brought_in_several_customers(demo) -> None:
    tables, truth = demo
    counts = tables["customers"]["referred_by"].value_counts()
    pd.testing.assert_series_equal(
        truth["referrals"], counts.reindex(truth.index, fill_value=0).astype(np.int64), check_names=False
    )
    assert truth["referrer"].sum() >= 3
    assert (truth.loc[truth["referrer"], "referrals"] >= 3).all()
    assert truth.loc[~truth["referrer"], "referrals"].max() <= 2
    assert not (truth["referrer"] & (truth["churned"] | truth["turning"])).any()


# --------------------------------------------------------------------------------------
# churned and new customers in the tables


def test_churned_customers_stop_buying_and_being_served(demo) -> None:
    tables, truth = demo
    tx, usage = tables["transactions"], tables["usage"]
    churned_on = truth["churned_on"]
    lost = churned_on.dropna()
    assert ((lost > WINDOW_START) & (lost < WINDOW_END)).all()
    # A mix of early and late losses.
    assert (lost < pd.Timestamp("2025-01-01")).sum() >= 0.3 * len(lost)
    assert (lost >= pd.Timestamp("2025-01-01")).sum() >= 0.3 * len(lost)
    line_churn = churned_on.loc[tx["customer_id"]].to_numpy()
    assert not (tx["date"].to_numpy() >= line_churn).any()  # NaT compares False
    assert set(tx["customer_id"]) == set(truth.index)  # each still bought before leaving
    # No service usage after the quarter of the churn.
    churn_quarter = lost.dt.to_period("Q").astype(str)
    rows = usage[usage["customer_id"].isin(lost.index)]
    assert (rows["period"].to_numpy() <= churn_quarter.loc[rows["customer_id"]].to_numpy()).all()
    # The others buy in the last half year.
    last = tx.groupby("customer_id")["date"].max()
    active = truth.index[~truth["churned"]]
    assert (last.loc[active] >= pd.Timestamp("2025-07-01")).mean() > 0.9


def test_new_customers_buy_only_from_acquisition_on(demo) -> None:
    tables, truth = demo
    tx, customers = tables["transactions"], tables["customers"].set_index("customer_id")
    acquired = customers["acquired_on"]
    assert (tx["date"].to_numpy() >= acquired.loc[tx["customer_id"]].to_numpy()).all()
    new = truth.index[truth["new"]]
    first = tx.groupby("customer_id")["date"].min().loc[new]
    assert (first >= acquired.loc[new]).all() and (first - acquired.loc[new]).dt.days.median() < 92
    assert customers.loc[new, "acquisition_cost"].notna().all()
    usage = tables["usage"]
    rows = usage[usage["customer_id"].isin(new)]
    start_quarter = acquired.loc[new].dt.to_period("Q").astype(str)
    assert (rows["period"].to_numpy() >= start_quarter.loc[rows["customer_id"]].to_numpy()).all()


def test_p_alive_separates_churned_from_active_customers(demo) -> None:
    tables, truth = demo
    tx = tables["transactions"]
    days = tx.drop_duplicates(["customer_id", "date"]).groupby("customer_id")["date"]
    first, last, purchases = days.min(), days.max(), days.size()
    end = WINDOW_END - pd.Timedelta(days=1)
    start = pd.concat([first, tables["customers"].set_index("customer_id")["acquired_on"]], axis=1).max(axis=1)
    week = pd.Timedelta(weeks=1)
    frequency, recency, age = purchases - 1, (last - start) / week, (end - start) / week
    model = BetaGeo().fit(frequency, recency, age)
    p_alive = np.asarray(model.probability_alive(frequency, recency, age))
    churned = truth["churned"].loc[first.index].to_numpy()
    assert auc(p_alive, ~churned) > 0.8
    assert np.median(p_alive[churned]) < 0.5 < np.median(p_alive[~churned])


# --------------------------------------------------------------------------------------
# sale buyers, turning customers


def test_sale_buyers_buy_deep_and_nobody_else_does(demo) -> None:
    tables, truth = demo
    tx = tables["transactions"]
    share = deep_discount_share(tx).loc[truth.index]
    lines = tx.groupby("customer_id").size().loc[truth.index]
    buyers = truth["sale_buyer"]
    assert (share[buyers & (lines >= 20)] >= 0.6).all()
    assert (share[buyers & (lines >= 10)] >= 0.5).all()
    assert share[buyers].median() >= 0.85
    assert (share[~buyers] == 0).all()
    # Regular customers buy at full price or with a small discount.
    regular = tx["customer_id"].map(~buyers & ~truth["demanding"]).to_numpy(dtype=bool)
    depth = (tx["discount"] / tx["gross_revenue"])[regular]
    assert depth.max() < 0.10
    assert (depth <= 0.05).mean() > 0.9
    # ... and earn more on what they buy: a higher gross margin.
    margin = (tx["net_revenue"] - tx["cogs"]).groupby(tx["customer_id"]).sum().loc[truth.index]
    margin_pct = margin / tx.groupby("customer_id")["net_revenue"].sum().loc[truth.index]
    assert margin_pct[buyers].median() < margin_pct[~buyers].median() - 0.04


def test_sale_buyers_churn_more_often() -> None:
    _, truth = generate(4_000, 4_000, seed=11, truth=True)
    old = ~truth["new"] & ~truth["turning"] & ~truth["demanding"]
    churn = truth[old].groupby("sale_buyer")["churned"].mean()
    assert churn[True] > 1.3 * churn[False]


def test_turning_customers_deteriorate_materially(demo) -> None:
    tables, truth = demo
    pnl = simple_pnl(tables)
    contribution = pnl["contribution"].unstack(fill_value=0.0)
    revenue = pnl["net_revenue"].unstack(fill_value=0.0)
    periods = sorted(contribution.columns)
    early, late = periods[:-2], periods[-2:]
    change = contribution[late].mean(axis=1) - contribution[early].mean(axis=1)
    quarterly_revenue = revenue[early].mean(axis=1)
    turning = truth.index[truth["turning"]]
    steady = truth.index[~(truth["turning"] | truth["churned"] | truth["new"])]
    # Every turning customer's contribution falls, nearly all of them by more than 500 EUR a
    # quarter, typically by a fifth of their former quarterly revenue: no rounding blip.
    assert (change.loc[turning] <= -0.025 * quarterly_revenue.loc[turning]).all()
    assert (change.loc[turning] <= -500).mean() >= 0.9
    assert (change.loc[turning] / quarterly_revenue.loc[turning]).median() < -0.15
    assert change.loc[turning].median() < -1_000
    assert abs(change.loc[steady].median()) < 100
    # They buy less and pay later: lines fall, invoices stay open or are written off.
    tx = tables["transactions"]
    quarter = pd.to_datetime(tx["date"]).dt.to_period("Q").astype(str)
    lines = tx.groupby([tx["customer_id"], quarter]).size().unstack(fill_value=0)
    assert (lines.loc[turning, late].mean(axis=1) < 0.75 * lines.loc[turning, early].mean(axis=1)).all()
    unpaid = tx["paid_on"].isna() | (tx["written_off"] > 0)
    late_lines = quarter.isin(late) & (quarter != periods[-1])  # the quarter before the last
    is_turning = tx["customer_id"].isin(turning)
    assert unpaid[late_lines & is_turning].mean() > 2 * unpaid[late_lines & ~is_turning].mean()


# --------------------------------------------------------------------------------------
# the promises of the generator still hold


def test_chunks_still_concatenate_to_the_generated_transactions() -> None:
    n_lines = BLOCK_LINES + 3_000
    tables, _ = generate(80, n_lines, seed=4, truth=True)
    chunks = list(iter_transaction_chunks(80, n_lines, seed=4, chunk_lines=30_000))
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), tables["transactions"])


@settings(max_examples=25, deadline=None)
@given(
    n_customers=st.integers(1, 60),
    extra_lines=st.integers(0, 600),
    seed=st.integers(0, 2**32),
    start=st.sampled_from(["2023-01-01", "2024-04-01", "2025-10-01"]),
    quarters=st.integers(1, 8),
)
def test_the_truth_holds_for_any_arguments(n_customers, extra_lines, seed, start, quarters) -> None:
    tables, truth = generate(
        n_customers, n_customers + extra_lines, seed=seed, start=start, quarters=quarters, truth=True
    )
    tx, customers = tables["transactions"], tables["customers"]
    assert truth.index.tolist() == customers["customer_id"].tolist()
    assert set(tx["customer_id"]) == set(customers["customer_id"])
    churned_on = truth["churned_on"].loc[tx["customer_id"]].to_numpy()
    assert not (tx["date"].to_numpy() >= churned_on).any()
    window_start = pd.Timestamp(start)
    window_end = window_start + pd.DateOffset(months=3 * quarters)
    lost = truth["churned_on"].dropna()
    assert ((lost > window_start) & (lost < window_end)).all()
    deep = tx["discount"] >= SALE_DEPTH * tx["gross_revenue"] - 1e-9
    assert tx.loc[deep, "customer_id"].map(truth["sale_buyer"]).all()
    cents = np.rint(tx[["gross_revenue", "discount", "rebate", "net_revenue"]].to_numpy() * 100).astype(np.int64)
    np.testing.assert_array_equal(cents[:, 0] - cents[:, 1] - cents[:, 2], cents[:, 3])
