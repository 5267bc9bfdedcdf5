"""Invariants of exact allocation and of the cost-to-serve engine (hypothesis).

Runs are derandomised (a fixed seed derived from each test) and keep no example database,
so every run checks the same examples and writes no files.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xlprofit.core.allocation import allocate_cents
from xlprofit.core.allocation import largest_first as _largest_first
from xlprofit.core.costing import compute
from xlprofit.core.drivers import DriverVolumes

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=200)
COMPUTE = settings(derandomize=True, database=None, deadline=None, max_examples=80)

totals = st.integers(min_value=-(10**12), max_value=10**12)
integer_weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
    lambda weights: sum(weights) > 0
)
float_weights = st.lists(
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=40
).filter(lambda weights: sum(weights) > 0)
any_weights = st.one_of(integer_weights, float_weights)


def _exact_shares(total: int, weights: list[float]) -> list[Fraction]:
    exact = [Fraction(w) for w in weights]
    whole = sum(exact)
    return [total * w / whole for w in exact]


@PROPERTY
@given(total=totals, weights=any_weights)
def test_parts_tie_to_the_cent(total: int, weights: list[float]) -> None:
    parts = allocate_cents(total, weights)
    assert parts.dtype == np.int64
    assert parts.shape == (len(weights),)
    assert int(parts.sum()) == total


@PROPERTY
@given(total=st.integers(min_value=0, max_value=10**12), weights=any_weights)
def test_non_negative_weights_never_give_negative_parts(total: int, weights: list[float]) -> None:
    parts = allocate_cents(total, weights)
    assert (parts >= 0).all()
    assert (parts[np.asarray(weights) == 0] == 0).all()


@PROPERTY
@given(total=totals, weights=integer_weights)
def test_whole_weights_are_within_one_cent_of_the_exact_share(total: int, weights: list[int]) -> None:
    # Largest remainder: every part is its exact share rounded down or up, so |part - share| < 1.
    parts = allocate_cents(total, weights)
    for part, share in zip(parts.tolist(), _exact_shares(total, weights), strict=True):
        assert abs(part - share) < 1


@PROPERTY
@given(total=totals, weights=float_weights)
def test_fractional_weights_are_within_one_cent_of_the_exact_share(total: int, weights: list[float]) -> None:
    # Fractional weights are divided in double precision: a quota of at most 1e12 cents is
    # off by at most ~1e-4 cents, so the Hamilton bound of 1 cent holds to within 1e-3 cents.
    parts = allocate_cents(total, weights)
    for part, share in zip(parts.tolist(), _exact_shares(total, weights), strict=True):
        assert abs(part - share) < 1 + Fraction(1, 1000)


@PROPERTY
@given(data=st.data(), total=totals, weights=any_weights)
def test_permuting_inputs_permutes_results(data: st.DataObject, total: int, weights: list[float]) -> None:
    keys = np.array([f"customer-{i:03d}" for i in range(len(weights))])
    order = np.array(data.draw(st.permutations(range(len(weights)))))
    base = allocate_cents(total, weights, keys=keys)
    shuffled = allocate_cents(total, np.asarray(weights)[order], keys=keys[order])
    assert shuffled.tolist() == base[order].tolist()


@PROPERTY
@given(data=st.data(), total=totals, weights=any_weights.filter(lambda w: len(set(w)) == len(w)))
def test_distinct_weights_need_no_keys(data: st.DataObject, total: int, weights: list[float]) -> None:
    order = np.array(data.draw(st.permutations(range(len(weights)))))
    base = allocate_cents(total, weights)
    assert allocate_cents(total, np.asarray(weights)[order]).tolist() == base[order].tolist()


# ------------------------------------------------------------------------------------------
# compute on random models

DRIVERS = ["orders", "lines", "calls"]


@st.composite
def models(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Random activities, resources and period volumes (customer_id, period) x drivers."""
    n_customers = draw(st.integers(min_value=1, max_value=8))
    ids = draw(
        st.lists(
            st.text(alphabet="ABCXYZ0123", min_size=1, max_size=3),
            min_size=n_customers,
            max_size=n_customers,
            unique=True,
        )
    )
    periods = ["2025-01", "2025-02", "2025-03"][: draw(st.integers(min_value=1, max_value=3))]
    cells = len(ids) * len(periods) * len(DRIVERS)
    # Small counts make customers tie on volume, which exercises the tie-breaks.
    largest = draw(st.sampled_from([2, 60]))
    counts = draw(st.lists(st.integers(min_value=0, max_value=largest), min_size=cells, max_size=cells))
    index = pd.MultiIndex.from_product([ids, periods], names=["customer_id", "period"])
    period = pd.DataFrame(
        np.array(counts, dtype=float).reshape(-1, len(DRIVERS)), index=index, columns=DRIVERS
    )

    n_resources = draw(st.integers(min_value=1, max_value=2))
    resources = pd.DataFrame(
        {
            "resource": [f"department {i}" for i in range(n_resources)],
            "cost": [draw(st.integers(min_value=0, max_value=10**9)) / 100 for _ in range(n_resources)],
            # Small capacities make some departments run over capacity.
            "capacity": [float(draw(st.integers(min_value=1, max_value=20_000))) for _ in range(n_resources)],
        },
        index=pd.Index(range(2, 2 + n_resources), name="row"),
    )
    records = []
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        record: dict[str, object] = {
            "activity": f"activity {i}",
            "driver": draw(st.sampled_from(DRIVERS)),
            "level": draw(st.sampled_from(["customer", "order", "line", "product"])),
            "cost": np.nan,
            "resource": pd.NA,
            "unit_time": np.nan,
            "time_equation": pd.NA,
        }
        if draw(st.booleans()):
            record["method"] = "abc"
            record["cost"] = draw(st.integers(min_value=0, max_value=10**9)) / 100
        else:
            record["method"] = "tdabc"
            record["resource"] = draw(st.sampled_from(list(resources["resource"])))
            if draw(st.booleans()):
                record["unit_time"] = draw(st.integers(min_value=0, max_value=120)) / 4
            else:
                a, b, c = (draw(st.integers(min_value=0, max_value=40)) / 4 for _ in range(3))
                record["time_equation"] = f"{a} + {b}*lines + {c}*calls"
        records.append(record)
    activities = pd.DataFrame(records, index=pd.Index(range(2, 2 + len(records)), name="row"))
    return activities, resources, period


def _volumes(period: pd.DataFrame, customer_order: list[str]) -> DriverVolumes:
    customer = period.groupby(level="customer_id", sort=False).sum().reindex(customer_order)
    # One order per customer and period, so order- and line-level costs trace completely.
    order = period.rename_axis(index={"period": "order_id"})
    product = pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["customer_id", "product_id"]))
    return DriverVolumes(customer=customer, order=order, product=product, period=period)


def _cents(values: object) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=float) * 100).astype(np.int64)


@COMPUTE
@given(model=models(), data=st.data())
def test_compute_conserves_every_resource_and_activity(
    model: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], data: st.DataObject
) -> None:
    activities, resources, period = model
    ids = list(dict.fromkeys(period.index.get_level_values(0)))
    result = compute(activities, resources, _volumes(period, ids))
    customer_cents = _cents(result.customer)
    table = result.activities.set_index("activity")

    # Customers: never negative from non-negative costs and volumes; columns tie to `assigned`.
    assert (customer_cents >= 0).all()
    assert customer_cents.sum(axis=0).tolist() == _cents(table["assigned"]).tolist()

    # Conventional activities: assigned + unassigned = cost, to the cent.
    abc = table[table["method"] == "abc"]
    assert (_cents(abc["assigned"]) + _cents(abc["unassigned"]) == _cents(abc["cost"])).all()

    # Resources: Σ assigned + unused cost = cost, to the cent; assigned = its activities' total.
    for _, resource in result.resources.iterrows():
        members = table.index[(table["method"] == "tdabc") & (table["resource"] == resource["resource"])]
        assert _cents(resource["assigned"]) + _cents(resource["unused_cost"]) == _cents(resource["cost"])
        assert int(_cents(result.customer[list(members)]).sum()) == _cents(resource["assigned"])
        if resource["over_capacity"]:
            assert _cents(resource["unused_cost"]) == 0 and resource["unused"] < 0
        else:
            assert resource["unused"] >= 0
            # Customers pay at most the standard rate for their minutes (two Hamilton splits:
            # resource -> activity, activity -> customer, each within one cent).
            for name in members:
                rate_cents = resource["cost"] * 100 / resource["capacity"]
                exact = rate_cents * _activity_minutes(activities, table.loc[name], period, ids)
                assert np.abs(_cents(result.customer[name]) - exact).max() < 2

    # Periods and (fully traceable) orders add up to the customer amounts exactly.
    by_period = _cents(result.period.groupby(level="customer_id", sort=False).sum().reindex(ids))
    assert (by_period == customer_cents).all()
    traced = list(result.order.columns)
    by_order = _cents(result.order.groupby(level="customer_id", sort=False).sum().reindex(ids))
    assert (by_order == _cents(result.customer[traced])).all()

    # Row order: shuffling customers and their period rows changes nobody's amount.
    shuffled = data.draw(st.permutations(ids))
    rows = period.loc[shuffled]
    rows = rows.iloc[data.draw(st.permutations(range(len(rows))))]
    again = compute(activities, resources, _volumes(rows, shuffled))
    assert (_cents(again.customer.loc[ids]) == customer_cents).all()
    assert (_cents(again.period.loc[period.index]) == _cents(result.period)).all()


def _activity_minutes(
    activities: pd.DataFrame, row: pd.Series, period: pd.DataFrame, ids: list[str]
) -> np.ndarray:
    """Minutes of every customer for one time-driven activity, computed from its definition."""
    volumes = period.groupby(level="customer_id", sort=False).sum().reindex(ids)
    if pd.notna(row["time_equation"]):
        a, rest = row["time_equation"].split(" + ", 1)
        b = float(rest.split("*lines")[0])
        c = float(rest.split(" + ")[1].split("*calls")[0])
        return float(a) * volumes[row["driver"]] + b * volumes["lines"] + c * volumes["calls"]
    return row["unit_time"] * volumes[row["driver"]].to_numpy()


_elements = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 3), st.integers(0, 2)),
                     min_size=1, max_size=60)


@PROPERTY
@given(rows=_elements, whole=st.booleans())
def test_largest_first_orders_like_the_full_lexsort(rows: list[tuple[int, int, int, int]], whole: bool) -> None:
    """The fast largest-remainder order is the five-key lexsort, ties included (many ties here)."""
    g, r, w, k = (np.asarray(c) for c in zip(*rows, strict=True))
    remainder = r.astype(np.int64) if whole else r / 7.0
    weights = w.astype(float)
    expected = np.lexsort((np.arange(len(rows)), k, -weights, -remainder, g))
    assert _largest_first(g, remainder, weights, k).tolist() == expected.tolist()


@PROPERTY
@given(rows=_elements, totals=st.lists(st.integers(-500, 500), min_size=5, max_size=5), whole=st.booleans(),
       cut=st.lists(st.integers(0, 8), min_size=5, max_size=5))
def test_only_where_the_cut_falls_does_the_order_of_ties_matter(
        rows: list[tuple[int, int, int, int]], totals: list[int], whole: bool, cut: list[int]) -> None:
    """Splitting cents with ties put in full order only where the extra cents stop gives the
    same parts as the full five-key order; and the order's first elements of each group are the
    same elements."""
    from unittest import mock

    from xlprofit.core import allocation

    g, r, w, k = (np.asarray(c) for c in zip(*rows, strict=True))
    weights = (w + 1).astype(float) if whole else (w + 1) / 3.0
    present = np.bincount(g, minlength=5) > 0
    cents = np.where(present, np.asarray(totals, dtype=np.int64), 0)

    def full_order(groups, remainder, weights_, keys, cut=None):  # noqa: ANN001, ANN202 - the reference
        return np.lexsort((np.arange(len(groups)), keys, -weights_, -remainder, groups))

    fast = allocation.hamilton(cents, weights, g, k)
    with mock.patch.object(allocation, "largest_first", full_order):
        reference = allocation.hamilton(cents, weights, g, k)
    assert fast.tolist() == reference.tolist()
    # the order itself: each group's first cut[g] elements are the full order's
    remainder = r.astype(np.int64) if whole else r / 7.0
    taken = np.asarray(cut)[g]

    def firsts(order: np.ndarray) -> set[int]:
        sorted_groups = g[order]
        rank = np.empty(len(g), dtype=np.int64)
        rank[order] = np.arange(len(g)) - np.searchsorted(sorted_groups, sorted_groups, side="left")
        return {int(i) for i in np.flatnonzero(rank < taken)}

    assert firsts(_largest_first(g, remainder, weights, k, cut=np.asarray(cut))) == \
        firsts(full_order(g, remainder, weights, k))
