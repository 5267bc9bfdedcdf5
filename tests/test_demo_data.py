"""The synthetic generator and the embedded demo dataset.

The demo dataset is synthetic, so its "golden" facts are not published numbers: they are
the story the product is built to tell (README, *What is computed, exactly*) and the shape of the
tables fixed in the README's *Input tables* and docs/architecture.md. The calibration check below
computes a deliberately simple customer P&L with pandas, independent of ``xlprofit.core``,
so that the data are checked without trusting the code that will analyse them.
"""

from __future__ import annotations

import gzip
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.data import DEMO_DIR, DEMO_FILES, demo_tables
from xlprofit.data.synthetic import (
    BLOCK_LINES,
    DEMO_CUSTOMERS,
    DEMO_LINES,
    customers_table,
    generate,
    iter_chunks,
    iter_transaction_chunks,
    write_demo,
    write_tables,
)
from xlprofit.errors import ArgumentError

BUILTIN_DRIVERS = {"orders", "lines", "units", "returns", "revenue"}
TRANSACTION_COLUMNS = [
    "date", "customer_id", "order_id", "product_id", "quantity", "gross_revenue", "discount",
    "rebate", "net_revenue", "cogs", "returned", "written_off", "paid_on",
]


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return demo_tables()


def cents(values: pd.Series) -> np.ndarray:
    return np.rint(values.to_numpy(dtype=float) * 100).astype(np.int64)


def read_dir(directory) -> dict[str, pd.DataFrame]:
    return {
        table: pd.read_csv(directory / name, dtype=str, keep_default_na=False)
        for table, name in DEMO_FILES.items()
    }


# --------------------------------------------------------------------------------------
# a simple, independent customer P&L (README, *What is computed, exactly*)


def equation_minutes(activity: pd.Series) -> dict[str, float]:
    """Minutes per unit of each driver: ``5 + 2*lines`` on driver ``orders`` -> {orders: 5, lines: 2}."""
    if isinstance(activity["time_equation"], str):
        minutes: dict[str, float] = {}
        for term in activity["time_equation"].split("+"):
            factor, _, driver = term.strip().partition("*")
            minutes[driver or activity["driver"]] = float(factor)
        return minutes
    return {activity["driver"]: float(activity["unit_time"])}


def volumes_by_period(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    tx = tables["transactions"]
    period = pd.PeriodIndex(pd.to_datetime(tx["date"]), freq="Q").astype(str)
    grouped = tx.assign(period=period).groupby(["customer_id", "period"])
    builtin = pd.DataFrame(
        {
            "orders": grouped["order_id"].nunique(),
            "lines": grouped.size(),
            "units": grouped["quantity"].sum(),
            "returns": grouped["returned"].sum(),
            "revenue": grouped["net_revenue"].sum(),
            "net_revenue": grouped["net_revenue"].sum(),
            "cogs": grouped["cogs"].sum(),
            "written_off": grouped["written_off"].sum(),
        }
    ).astype(float)
    usage = tables["usage"].pivot_table(
        index=["customer_id", "period"], columns="driver", values="quantity", aggfunc="sum"
    )
    return builtin.join(usage, how="outer").fillna(0.0)


def resource_minutes(tables: dict[str, pd.DataFrame], volumes: pd.DataFrame) -> pd.DataFrame:
    """Minutes of every time-driven activity per customer and period."""
    out = {}
    for _, activity in tables["activities"].iterrows():
        if isinstance(activity["resource"], str):
            out[activity["activity"]] = sum(
                minutes * volumes[driver] for driver, minutes in equation_minutes(activity).items()
            )
    return pd.DataFrame(out)


def simple_pnl(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Contribution per (customer, period): net revenue - cogs - cost-to-serve - commissions
    - cost of credit - bad debt, with time-driven rates cost/capacity per minute and
    conventional rates cost / total driver volume."""
    volumes = volumes_by_period(tables)
    resources = tables["resources"].set_index("resource")
    per_minute = resources["cost"] / resources["capacity"]
    activities = tables["activities"].set_index("activity")
    minutes = resource_minutes(tables, volumes)
    cost_to_serve = sum(minutes[a] * per_minute[activities.loc[a, "resource"]] for a in minutes.columns)
    for _, activity in tables["activities"].iterrows():
        if not isinstance(activity["resource"], str):
            driver = volumes[activity["driver"]]
            cost_to_serve = cost_to_serve + activity["cost"] * driver / driver.sum()
    parameters = dict(zip(tables["parameters"]["name"], tables["parameters"]["value"], strict=True))
    customers = tables["customers"].set_index("customer_id")
    ids = volumes.index.get_level_values("customer_id")
    commissions = volumes["net_revenue"] * customers.loc[ids, "commission_rate"].to_numpy()
    credit = (
        volumes["net_revenue"] * customers.loc[ids, "payment_days"].to_numpy() / 365
        * float(parameters["cost_of_capital"])
    )
    gross_margin = volumes["net_revenue"] - volumes["cogs"]
    contribution = gross_margin - cost_to_serve - commissions - credit - volumes["written_off"]
    return pd.DataFrame({"net_revenue": volumes["net_revenue"], "contribution": contribution})


# --------------------------------------------------------------------------------------
# determinism and the committed files


def test_generate_is_deterministic() -> None:
    first = generate(40, 3_000, seed=7)
    second = generate(40, 3_000, seed=7)
    assert list(first) == ["customers", "transactions", "activities", "resources", "usage", "parameters"]
    for table in first:
        pd.testing.assert_frame_equal(first[table], second[table])
    other = generate(40, 3_000, seed=8)
    assert not first["transactions"]["net_revenue"].equals(other["transactions"]["net_revenue"])


def test_committed_demo_equals_a_fresh_regeneration(tmp_path) -> None:
    written = write_demo(tmp_path)
    assert {path.name for path in written.values()} == set(DEMO_FILES.values())
    fresh, committed = read_dir(tmp_path), read_dir(DEMO_DIR)
    for table in DEMO_FILES:
        pd.testing.assert_frame_equal(committed[table], fresh[table], obj=table)


def test_gzip_files_are_byte_reproducible(tmp_path) -> None:
    tables = generate(20, 500, seed=3)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = write_tables(tables, tmp_path / "a"), write_tables(tables, tmp_path / "b")
    for table in DEMO_FILES:
        assert first[table].read_bytes() == second[table].read_bytes()
    header = gzip.decompress(first["transactions"].read_bytes()).decode("utf-8").splitlines()[0]
    assert header.split(",") == TRANSACTION_COLUMNS


def test_demo_files_are_small_and_in_the_documented_format() -> None:
    sizes = [(DEMO_DIR / name).stat().st_size for name in DEMO_FILES.values()]
    assert sum(sizes) < 1_500_000
    with gzip.open(DEMO_DIR / "transactions.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        header, line = handle.readline(), handle.readline()
    assert header == ",".join(TRANSACTION_COLUMNS) + "\n"
    fields = dict(zip(TRANSACTION_COLUMNS, line.rstrip("\n").split(","), strict=True))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fields["date"])
    assert re.fullmatch(r"-?\d+\.\d{2}", fields["gross_revenue"])
    assert fields["returned"] in {"TRUE", "FALSE"}


def test_demo_tables_are_raw(demo) -> None:
    assert list(demo) == list(DEMO_FILES)
    tx = demo["transactions"]
    assert len(tx) == DEMO_LINES
    assert len(demo["customers"]) == DEMO_CUSTOMERS
    assert tx["returned"].dtype == bool
    assert pd.api.types.is_string_dtype(tx["date"])  # ISO text: parsing is the normaliser's job
    parameters = dict(zip(demo["parameters"]["name"], demo["parameters"]["value"], strict=True))
    assert parameters == {
        "period_start": "2024-01-01", "period_end": "2025-12-31", "periods_per_year": "4",
        "discount_rate": "0.10", "cost_of_capital": "0.08", "commission_rate": "0.02",
        "payment_days": "30", "currency": "EUR",
    }


def test_customers_table_does_not_depend_on_the_number_of_lines() -> None:
    alone = customers_table(50, seed=11)
    pd.testing.assert_frame_equal(alone, generate(50, 400, seed=11)["customers"])
    pd.testing.assert_frame_equal(alone, generate(50, 5_000, seed=11)["customers"])


# --------------------------------------------------------------------------------------
# integrity of the demo tables


def test_money_identity_holds_to_the_cent_on_every_line(demo) -> None:
    tx = demo["transactions"]
    identity = cents(tx["gross_revenue"]) - cents(tx["discount"]) - cents(tx["rebate"])
    np.testing.assert_array_equal(identity, cents(tx["net_revenue"]))
    assert (cents(tx["discount"]) >= 0).all() and (cents(tx["rebate"]) >= 0).all()
    assert (cents(tx["net_revenue"]) > 0).all() and (cents(tx["cogs"]) > 0).all()
    written_off = cents(tx["written_off"])
    assert ((written_off == 0) | (written_off == cents(tx["net_revenue"]))).all()


def test_referential_integrity(demo) -> None:
    customers, tx, usage = demo["customers"], demo["transactions"], demo["usage"]
    activities, resources = demo["activities"], demo["resources"]
    assert customers["customer_id"].is_unique
    assert customers["customer_id"].str.fullmatch(r"C\d{4}").all()
    known = set(customers["customer_id"])
    assert set(tx["customer_id"]) == known  # every customer buys, every buyer is known
    assert set(usage["customer_id"]) <= known

    usage_drivers = set(usage["driver"])
    assert usage_drivers <= set(activities["driver"])
    assert set(activities["driver"]) <= usage_drivers | BUILTIN_DRIVERS
    assert set(activities["resource"].dropna()) == set(resources["resource"])

    per_order = usage.dropna(subset=["order_id"])
    assert set(per_order["driver"]) == {"rush", "manual_orders"}
    order_customer = tx.drop_duplicates("order_id").set_index("order_id")["customer_id"]
    assert per_order["order_id"].isin(order_customer.index).all()
    assert (order_customer.loc[per_order["order_id"]].to_numpy() == per_order["customer_id"].to_numpy()).all()
    assert not per_order.duplicated(["order_id", "driver"]).any()

    referred = customers.dropna(subset=["referred_by"])
    acquired = pd.to_datetime(customers.set_index("customer_id")["acquired_on"])
    assert referred["referred_by"].isin(known).all()
    referrer_acquired = acquired.loc[referred["referred_by"]].to_numpy()
    assert (referrer_acquired < pd.to_datetime(referred["acquired_on"]).to_numpy()).all()


def test_orders_and_dates_are_consistent(demo) -> None:
    tx = demo["transactions"]
    orders = tx.groupby("order_id")
    assert (orders["customer_id"].nunique() == 1).all() and (orders["date"].nunique() == 1).all()
    lines = orders.size()
    assert lines.min() >= 1 and lines.max() <= 20
    date, paid = pd.to_datetime(tx["date"]), pd.to_datetime(tx["paid_on"])
    assert date.min() >= pd.Timestamp("2024-01-01") and date.max() <= pd.Timestamp("2025-12-31")
    assert (date.dt.day_of_week < 5).all()
    assert (paid[paid.notna()] > date[paid.notna()]).all()
    assert paid[tx["written_off"] > 0].isna().all()
    acquired = pd.to_datetime(demo["customers"].set_index("customer_id")["acquired_on"])
    assert (date.to_numpy() >= acquired.loc[tx["customer_id"]].to_numpy()).all()


def test_demo_has_the_documented_shape(demo) -> None:
    customers, tx, usage = demo["customers"], demo["transactions"], demo["usage"]
    # The demo's shape: ~2 % of lines returned, ~150 products, a handful of bad-debt customers.
    assert 0.015 <= tx["returned"].mean() <= 0.03
    assert 140 <= tx["product_id"].nunique() <= 150
    bad_debtors = tx.loc[tx["written_off"] > 0, "customer_id"].nunique()
    assert 3 <= bad_debtors <= 12
    # ~12 % acquired during the window, each with an acquisition cost of 50-8,000 (by channel and size).
    acquired = pd.to_datetime(customers["acquired_on"])
    new = acquired >= pd.Timestamp("2024-01-01")
    assert 0.07 <= new.mean() <= 0.13
    assert customers.loc[new, "acquisition_cost"].between(50, 8_000).all()
    assert customers.loc[~new, "acquisition_cost"].isna().all()
    assert 0.05 <= customers["referred_by"].notna().mean() <= 0.11
    assert customers["payment_days"].between(15, 90).all()
    assert customers["commission_rate"].between(0, 0.05).all()
    # Large customers pay slower: mean terms of the top decile by revenue exceed the rest's.
    revenue = tx.groupby("customer_id")["net_revenue"].sum()
    terms = customers.set_index("customer_id")["payment_days"].loc[revenue.index]
    top = revenue >= revenue.quantile(0.9)
    assert terms[top].mean() > terms[~top].mean() + 10
    # Skewed sizes: the top fifth of customers buys 65-90 % of the revenue (Pareto-like).
    ranked = revenue.sort_values(ascending=False)
    assert 0.65 <= ranked.iloc[: len(ranked) // 5].sum() / ranked.sum() <= 0.90
    assert set(demo["activities"]["level"]) == {"customer", "order", "line"}
    assert 8 <= len(demo["activities"]) <= 10
    assert demo["activities"]["time_equation"].notna().sum() >= 1
    assert demo["activities"]["cost"].notna().sum() in (1, 2)
    assert set(usage["period"]) == {f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)}


def test_resources_run_at_70_to_97_percent_of_practical_capacity(demo) -> None:
    minutes = resource_minutes(demo, volumes_by_period(demo)).sum()
    activities = demo["activities"].set_index("activity")
    used = minutes.groupby(activities.loc[minutes.index, "resource"].to_numpy()).sum()
    capacity = demo["resources"].set_index("resource")["capacity"]
    utilisation = used / capacity.loc[used.index]
    assert len(utilisation) == len(capacity) == 5
    assert utilisation.between(0.70, 0.97).all(), utilisation


# --------------------------------------------------------------------------------------
# the story the demo tells


def test_demo_tells_the_customer_profitability_story(demo) -> None:
    pnl = simple_pnl(demo)
    customers = pnl.groupby(level="customer_id").sum()
    profit = customers["contribution"].sort_values(ascending=False)
    # Whale curve: cumulative profit as % of the total peaks well above 100 %.
    peak = profit.cumsum().max() / profit.sum()
    assert profit.sum() > 0
    assert 1.3 < peak < 3.0, peak
    # Several of the 20 largest customers by revenue lose money.
    top20 = customers.nlargest(20, "net_revenue")
    assert (top20["contribution"] < 0).sum() >= 3
    # A group turns unprofitable: positive in the first two quarters, negative in the last two.
    by_period = pnl["contribution"].unstack(fill_value=0.0)
    periods = sorted(by_period.columns)
    first, last = by_period[periods[:2]].sum(axis=1), by_period[periods[-2:]].sum(axis=1)
    assert ((first > 0) & (last < 0)).sum() >= 5


def test_losses_of_large_customers_come_from_service_and_discounts(demo) -> None:
    tx = demo["transactions"]
    pnl = simple_pnl(demo).groupby(level="customer_id").sum()
    top20 = pnl.nlargest(20, "net_revenue")
    losers, winners = top20.index[top20["contribution"] < 0], top20.index[top20["contribution"] >= 0]
    per_customer = tx.groupby("customer_id").agg(
        gross=("gross_revenue", "sum"), discount=("discount", "sum"), lines=("order_id", "size"),
        orders=("order_id", "nunique"),
    )
    discount_share = per_customer["discount"] / per_customer["gross"]
    lines_per_order = per_customer["lines"] / per_customer["orders"]
    assert discount_share[losers].median() > 2 * discount_share[winners].median()
    assert lines_per_order[losers].median() < lines_per_order[winners].median() / 2


# --------------------------------------------------------------------------------------
# chunked generation


def test_chunks_concatenate_to_the_generated_transactions() -> None:
    n_lines = BLOCK_LINES + 4_000  # two random blocks
    full = generate(60, n_lines, seed=5)
    chunks = list(iter_chunks(60, n_lines, seed=5, chunk_lines=25_000))
    assert [len(c["transactions"]) for c in chunks] == [25_000, 25_000, 19_536]
    pd.testing.assert_frame_equal(
        pd.concat([c["transactions"] for c in chunks], ignore_index=True), full["transactions"]
    )
    order_usage = full["usage"].dropna(subset=["order_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.concat([c["usage"] for c in chunks], ignore_index=True), order_usage)
    # Every per-order usage row travels with the chunk holding its order's lines.
    for chunk in chunks:
        assert chunk["usage"]["order_id"].isin(chunk["transactions"]["order_id"]).all()


def test_chunks_do_not_depend_on_the_chunk_size() -> None:
    small = list(iter_transaction_chunks(30, 3_000, seed=9, chunk_lines=700))
    again = list(iter_transaction_chunks(30, 3_000, seed=9, chunk_lines=700))
    large = list(iter_transaction_chunks(30, 3_000, seed=9, chunk_lines=5_000))
    assert [len(c) for c in small] == [700, 700, 700, 700, 200]
    for first, second in zip(small, again, strict=True):
        pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(pd.concat(small, ignore_index=True), large[0])


# --------------------------------------------------------------------------------------
# arguments and invariants


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_customers": 0, "n_lines": 10}, "n_customers"),
        ({"n_customers": True, "n_lines": 10}, "n_customers"),
        ({"n_customers": 10, "n_lines": 9}, "n_lines"),
        ({"n_customers": 10, "n_lines": 10.0}, "n_lines"),
        ({"n_customers": 10, "n_lines": 10, "seed": -1}, "seed"),
        ({"n_customers": 10, "n_lines": 10, "start": "2024-02-01"}, "start"),
        ({"n_customers": 10, "n_lines": 10, "start": "not a date"}, "start"),
        ({"n_customers": 10, "n_lines": 10, "quarters": 0}, "quarters"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument) -> None:
    with pytest.raises(ArgumentError) as caught:
        generate(**kwargs)
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"'{argument}' must be")


def test_bad_chunk_size_is_rejected() -> None:
    with pytest.raises(ArgumentError, match="'chunk_lines' must be"):
        next(iter_transaction_chunks(10, 100, chunk_lines=0))


@settings(max_examples=25, deadline=None)
@given(
    n_customers=st.integers(1, 40),
    extra_lines=st.integers(0, 400),
    seed=st.integers(0, 2**32),
    start=st.sampled_from(["2023-01-01", "2024-04-01", "2025-10-01"]),
    quarters=st.integers(1, 8),
)
def test_generated_tables_hold_their_invariants(n_customers, extra_lines, seed, start, quarters) -> None:
    tables = generate(n_customers, n_customers + extra_lines, seed=seed, start=start, quarters=quarters)
    tx, customers, usage = tables["transactions"], tables["customers"], tables["usage"]
    assert len(tx) == n_customers + extra_lines
    assert set(tx["customer_id"]) == set(customers["customer_id"])
    np.testing.assert_array_equal(
        cents(tx["gross_revenue"]) - cents(tx["discount"]) - cents(tx["rebate"]), cents(tx["net_revenue"])
    )
    window_start = pd.Timestamp(start)
    window_end = window_start + pd.DateOffset(months=3 * quarters)
    assert tx["date"].min() >= window_start and tx["date"].max() < window_end
    acquired = customers.set_index("customer_id")["acquired_on"]
    assert (tx["date"].to_numpy() >= acquired.loc[tx["customer_id"]].to_numpy()).all()
    assert usage["quantity"].gt(0).all() and usage["customer_id"].isin(customers["customer_id"]).all()
    assert (tables["resources"]["capacity"] > 0).all()
    referred = customers.dropna(subset=["referred_by"])
    assert (acquired.loc[referred["referred_by"]].to_numpy() < referred["acquired_on"].to_numpy()).all()
