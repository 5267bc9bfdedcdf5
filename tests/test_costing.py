"""Cost-to-serve engine: rates, exact allocation, conventional and time-driven ABC.

Golden values come from Kaplan, R. S. & Anderson, S. R. (2004), "Time-Driven Activity-Based
Costing", Harvard Business Review 82(11), 131-138 (the customer service department example):

* quarterly department cost $560,000; 49,000 orders, 1,400 inquiries, 2,500 credit checks;
* conventional ABC from a time survey of 70 % / 10 % / 20 %: $8.00 per order, $40.00 per
  inquiry, $44.80 per credit check ("Doing ABC the Traditional Way");
* time-driven ABC: practical capacity 700,000 minutes, $0.80 per minute; unit times 8, 44
  and 50 minutes give $6.40, $35.20 and $40.00; 578,600 minutes used ($462,880) and
  121,400 minutes unused ($97,120).

The article's numbers are whole cents and exact multiples, so the engine must reproduce
them to the cent: the tolerance on money is zero cents, and 1e-9 on rates (float division).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xlprofit.core.allocation import allocate, allocate_cents
from xlprofit.core.costing import (
    activity_rate,
    capacity_rate,
    compute,
)
from xlprofit.core.drivers import DriverVolumes
from xlprofit.errors import ArgumentError, DivisionByZeroError, InputError, ValidationError

# ------------------------------------------------------------------------------------------
# Builders


def _volumes(
    lines: pd.DataFrame, usage: pd.DataFrame | None = None, customers: list[str] | None = None
) -> DriverVolumes:
    """Driver volumes from invoice lines and usage rows, the way docs/architecture.md defines them.

    ``lines``: customer_id, order_id, product_id, period, units (one row per line).
    ``usage``: customer_id, driver, quantity, period, order_id (NA when not traceable to an order).
    """
    usage = (
        usage
        if usage is not None
        else pd.DataFrame(columns=["customer_id", "driver", "quantity", "period", "order_id"])
    )
    ids = customers or sorted(set(lines["customer_id"]) | set(usage["customer_id"]))

    order = lines.groupby(["customer_id", "order_id"]).agg(lines=("units", "size"), units=("units", "sum"))
    order.insert(0, "orders", 1.0)
    traced = usage[usage["order_id"].notna()]
    if len(traced):
        order = order.join(
            traced.pivot_table(
                index=["customer_id", "order_id"], columns="driver", values="quantity", aggfunc="sum"
            ),
            how="outer",
        )
    order = order.astype(float).fillna(0.0)

    product = lines.groupby(["customer_id", "product_id"]).agg(lines=("units", "size"), units=("units", "sum"))
    product = product.astype(float)

    period = lines.groupby(["customer_id", "period"]).agg(
        orders=("order_id", "nunique"), lines=("units", "size"), units=("units", "sum")
    )
    if len(usage):
        period = period.join(
            usage.pivot_table(
                index=["customer_id", "period"], columns="driver", values="quantity", aggfunc="sum"
            ),
            how="outer",
        )
    period = period.astype(float).fillna(0.0)
    period.columns.name = None
    customer = period.groupby(level="customer_id").sum().reindex(ids, fill_value=0.0)
    customer.index.name = "customer_id"
    return DriverVolumes(customer=customer, order=order, product=product, period=period)


def _activities(*records: dict[str, object], first_row: int = 2) -> pd.DataFrame:
    columns = ["activity", "driver", "method", "level", "cost", "resource", "unit_time", "time_equation"]
    frame = pd.DataFrame([{column: record.get(column, np.nan) for column in columns} for record in records])
    frame.index = pd.Index(range(first_row, first_row + len(records)), name="row")
    return frame


def _resources(*records: tuple[str, float, float]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["resource", "cost", "capacity"])
    frame.index = pd.Index(range(2, 2 + len(records)), name="row")
    return frame


def _cents(values: object) -> np.ndarray:
    return np.rint(np.asarray(values, dtype=float) * 100).astype(np.int64)


# The article's quarter, spread over four customers and two months (same totals).
HBR_QUANTITIES = pd.DataFrame(
    {
        "orders": [20_000, 15_000, 10_000, 4_000],  # Σ 49,000 orders
        "inquiries": [700, 400, 200, 100],  # Σ 1,400 inquiries
        "credit_checks": [1_000, 800, 500, 200],  # Σ 2,500 credit checks
    },
    index=pd.Index(["C1", "C2", "C3", "C4"], name="customer_id"),
    dtype=float,
)


def _hbr_volumes(customers: pd.DataFrame = HBR_QUANTITIES) -> DriverVolumes:
    first = np.floor(customers * 0.6)
    period = pd.concat({"2004-10": first, "2004-11": customers - first}, names=["period"])
    period = period.reorder_levels(["customer_id", "period"]).sort_index()
    empty = pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["customer_id", "order_id"]))
    no_products = pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=["customer_id", "product_id"]))
    return DriverVolumes(customer=customers, order=empty, product=no_products, period=period)


HBR_DRIVERS = {
    "process orders": "orders",
    "handle inquiries": "inquiries",
    "perform credit checks": "credit_checks",
}


# ------------------------------------------------------------------------------------------
# Scalar helpers


def test_capacity_and_activity_rates_reproduce_kaplan_anderson_2004() -> None:
    # HBR 2004: $560,000 / 700,000 minutes = $0.80 per minute.
    assert capacity_rate(560_000, 700_000) == pytest.approx(0.80, abs=1e-12)
    # HBR 2004: 8, 44, 50 minutes at $0.80 = $6.40, $35.20, $40.00.
    rates = activity_rate(560_000, 700_000, np.array([8, 44, 50]))
    np.testing.assert_allclose(rates, [6.40, 35.20, 40.00], rtol=0, atol=1e-9)
    assert isinstance(activity_rate(560_000, 700_000, 8), float)


def test_rate_arguments_are_checked() -> None:
    with pytest.raises(DivisionByZeroError, match="'capacity' is 0 minutes"):
        capacity_rate(560_000, 0)
    with pytest.raises(ArgumentError, match="'capacity' must be a non-negative number of minutes; got -5"):
        capacity_rate(560_000, -5)
    with pytest.raises(ArgumentError, match="'cost' must be a finite number; got nan"):
        capacity_rate(float("nan"), 10)
    with pytest.raises(ArgumentError, match="'cost' must be a number"):
        capacity_rate("lots", 10)
    with pytest.raises(ArgumentError, match="'unit_time' must be a non-negative"):
        activity_rate(100, 10, -1)
    with pytest.raises(ArgumentError, match="'capacity'"):
        capacity_rate(100, True)


# ------------------------------------------------------------------------------------------
# Allocation


def test_allocate_cents_largest_remainder() -> None:
    # 100 cents in thirds: quotas 33⅓ each; the odd cent goes to the first (tie by position).
    assert allocate_cents(100, [1, 1, 1]).tolist() == [34, 33, 33]
    # Keys break the tie instead of position: the smallest key gets the cent.
    assert allocate_cents(100, [1, 1, 1], keys=["c", "a", "b"]).tolist() == [33, 34, 33]
    # Quotas 14.2857, 28.5714, 57.1428: remainders .29 .57 .14 -> the 28 gets the cent.
    assert allocate_cents(100, [1, 2, 4]).tolist() == [14, 29, 57]
    # Equal remainders, different weights: the larger weight wins (quotas 0.5 and 1.5 of 2).
    assert allocate_cents(2, [1, 3]).tolist() == [0, 2]
    # Credits are split like their absolute value.
    assert allocate_cents(-100, [1, 1, 1]).tolist() == [-34, -33, -33]
    assert allocate_cents(7, [0, 2, 0, 5]).tolist() == [0, 2, 0, 5]
    assert allocate_cents(0, [3, 1]).tolist() == [0, 0]
    assert allocate_cents(10, [0.1, 0.2]).tolist() == [3, 7]
    assert allocate_cents(np.int64(5), np.array([2.0, 3.0])).dtype == np.int64


def test_allocate_cents_rejects_bad_arguments() -> None:
    with pytest.raises(DivisionByZeroError, match="sum to zero"):
        allocate_cents(100, [0, 0])
    with pytest.raises(DivisionByZeroError):
        allocate_cents(100, [])
    with pytest.raises(ArgumentError, match="'weights' must be non-negative; got -1"):
        allocate_cents(100, [1, -1])
    with pytest.raises(ArgumentError, match="'weights' must be a finite number"):
        allocate_cents(100, [1, np.inf])
    with pytest.raises(ArgumentError, match="'total_cents' must be a whole number of cents; got 10.5"):
        allocate_cents(10.5, [1])  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="'keys'"):
        allocate_cents(10, [1, 2], keys=["a"])


def test_allocate_money_rounds_to_cents_first() -> None:
    assert allocate(10.0, [1, 2]).tolist() == [3.33, 6.67]
    # 1.005 is 1.00499999... in binary; a spreadsheet user expects 1.01 (half away from zero).
    assert _cents(allocate(1.005, [1])).tolist() == [101]
    assert _cents(allocate(-0.05, [1, 1])).tolist() == [-3, -2]
    with pytest.raises(ArgumentError, match="'amount'"):
        allocate(float("inf"), [1])


# ------------------------------------------------------------------------------------------
# Kaplan & Anderson (2004)


def _hbr_tdabc(capacity: float = 700_000.0) -> pd.DataFrame:
    return _activities(
        *(
            {
                "activity": name,
                "driver": driver,
                "method": "tdabc",
                "level": "customer",
                "resource": "customer service",
                "unit_time": minutes,
            }
            for (name, driver), minutes in zip(HBR_DRIVERS.items(), [8.0, 44.0, 50.0], strict=True)
        )
    )


def test_time_driven_abc_reproduces_kaplan_anderson_2004() -> None:
    result = compute(_hbr_tdabc(), _resources(("customer service", 560_000.0, 700_000.0)), _hbr_volumes())
    resource = result.resources.iloc[0]
    assert resource["capacity_rate"] == pytest.approx(0.80, abs=1e-12)  # HBR 2004: $0.80/minute
    assert resource["used"] == 578_600.0  # HBR 2004: 578,600 minutes used
    assert _cents(resource["used_cost"]) == 462_880_00  # HBR 2004: $462,880
    assert _cents(resource["assigned"]) == 462_880_00
    assert resource["unused"] == 121_400.0  # HBR 2004: 121,400 minutes unused
    assert _cents(resource["unused_cost"]) == 97_120_00  # HBR 2004: $97,120
    assert not resource["over_capacity"]

    activities = result.activities.set_index("activity")
    # HBR 2004: driver rates $6.40, $35.20, $40.00.
    np.testing.assert_allclose(activities["driver_rate"], [6.40, 35.20, 40.00], rtol=0, atol=1e-9)
    # HBR 2004: 392,000 + 61,600 + 125,000 minutes; $313,600 + $49,280 + $100,000.
    assert activities["minutes"].tolist() == [392_000.0, 61_600.0, 125_000.0]
    assert _cents(activities["assigned"]).tolist() == [313_600_00, 49_280_00, 100_000_00]
    assert (activities["unassigned"] == 0).all()

    # Each customer pays the article's rate for its own quantities (all whole cents).
    rates = {"process orders": 6.40, "handle inquiries": 35.20, "perform credit checks": 40.00}
    for name, driver in HBR_DRIVERS.items():
        expected = _cents(HBR_QUANTITIES[driver] * rates[name])
        assert _cents(result.customer[name]).tolist() == expected.tolist()
    # Unused capacity is never pushed onto customers.
    assert _cents(result.customer.to_numpy().sum()) == 462_880_00
    # Periods add up to customers exactly.
    by_customer = result.period.groupby(level="customer_id").sum()
    assert (_cents(by_customer) == _cents(result.customer)).all().all()


def test_conventional_abc_reproduces_kaplan_anderson_2004() -> None:
    # HBR 2004: the survey splits $560,000 70 / 10 / 20 % over the three activities.
    costs = {name: 560_000.0 * share for name, share in zip(HBR_DRIVERS, [0.70, 0.10, 0.20], strict=True)}
    activities = _activities(
        *(
            {"activity": name, "driver": driver, "method": "abc", "level": "customer", "cost": costs[name]}
            for name, driver in HBR_DRIVERS.items()
        )
    )
    result = compute(activities, _resources(), _hbr_volumes())
    table = result.activities.set_index("activity")
    # HBR 2004: $8.00 per order, $40.00 per inquiry, $44.80 per credit check.
    np.testing.assert_allclose(table["driver_rate"], [8.00, 40.00, 44.80], rtol=0, atol=1e-9)
    assert table["driver_volume"].tolist() == [49_000.0, 1_400.0, 2_500.0]
    assert _cents(table["assigned"]).tolist() == [392_000_00, 56_000_00, 112_000_00]
    assert (_cents(table["unassigned"]) == 0).all()
    assert table["unassigned_reason"].isna().all()
    rates = {"process orders": 8.00, "handle inquiries": 40.00, "perform credit checks": 44.80}
    for name, driver in HBR_DRIVERS.items():
        assert _cents(result.customer[name]).tolist() == _cents(HBR_QUANTITIES[driver] * rates[name]).tolist()
    assert _cents(result.customer.to_numpy().sum()) == 560_000_00
    assert result.resources.empty


def test_over_capacity_assigns_whole_cost_at_effective_rate() -> None:
    # The article's department with practical capacity cut to 500,000 minutes: the 578,600
    # minutes used no longer fit.  Derived values: standard rate 560,000 / 500,000 = $1.12;
    # effective rate 560,000 / 578,600; shortfall 78,600 minutes.
    result = compute(_hbr_tdabc(), _resources(("customer service", 560_000.0, 500_000.0)), _hbr_volumes())
    resource = result.resources.iloc[0]
    assert bool(resource["over_capacity"])
    assert resource["capacity_rate"] == pytest.approx(1.12, abs=1e-12)
    assert resource["effective_rate"] == pytest.approx(560_000 / 578_600, rel=1e-12)
    assert resource["unused"] == -78_600.0
    assert _cents(resource["unused_cost"]) == 0
    assert _cents(resource["assigned"]) == 560_000_00
    assert _cents(resource["used_cost"]) == 578_600 * 112  # 578,600 min × $1.12, in cents
    assert _cents(result.customer.to_numpy().sum()) == 560_000_00
    # Every customer within a cent of minutes × effective rate for each activity (Hamilton
    # bound, plus one cent from the activity-level split).
    minutes = HBR_QUANTITIES[list(HBR_DRIVERS.values())].to_numpy() * np.array([8.0, 44.0, 50.0])
    exact_cents = minutes * 56_000_000 / 578_600
    assert np.abs(_cents(result.customer.to_numpy()) - exact_cents).max() < 2


def test_zero_driver_volume_leaves_cost_unassigned_with_reason() -> None:
    volumes = _hbr_volumes(HBR_QUANTITIES.assign(claims=0.0))
    activities = _activities(
        {
            "activity": "claims handling",
            "driver": "claims",
            "method": "abc",
            "level": "customer",
            "cost": 1_234.56,
        },
        {
            "activity": "process orders",
            "driver": "orders",
            "method": "abc",
            "level": "customer",
            "cost": 0.49,
        },
    )
    result = compute(activities, _resources(), volumes)
    claims = result.activities.set_index("activity").loc["claims handling"]
    assert _cents(claims["unassigned"]) == 1_234_56
    assert _cents(claims["assigned"]) == 0
    assert "'claims'" in claims["unassigned_reason"] and "zero volume" in claims["unassigned_reason"]
    assert np.isnan(claims["driver_rate"])
    assert (result.customer["claims handling"] == 0).all()
    assert (result.period["claims handling"] == 0).all()
    # 49 cents over 49,000 orders (20/15/10/4 thousand): quotas 20, 15, 10, 4 cents exactly.
    assert _cents(result.customer["process orders"]).tolist() == [20, 15, 10, 4]


def test_odd_cents_are_traced_exactly_to_periods() -> None:
    lines = pd.DataFrame(
        {
            "customer_id": ["X", "X", "X", "Y", "Y", "Y", "Z", "Z", "Z"],
            "order_id": ["x1", "x2", "x3", "y1", "y2", "y3", "z1", "z2", "z3"],
            "product_id": "P",
            "period": ["2025-01", "2025-02", "2025-03"] * 3,
            "units": 1.0,
        }
    )
    activities = _activities(
        {
            "activity": "account management",
            "driver": "orders",
            "method": "abc",
            "level": "customer",
            "cost": 100.0,
        }
    )
    result = compute(activities, _resources(), _volumes(lines))
    # 10,000 cents in thirds: 3,333⅓ each; the cent goes to the smallest customer id (X).
    assert _cents(result.customer["account management"]).tolist() == [33_34, 33_33, 33_33]
    # X's 3,334 cents in thirds: 1,111⅓ each; the cent goes to the earliest period label.
    x = result.period.loc["X", "account management"]
    assert _cents(x).tolist() == [11_12, 11_11, 11_11]
    by_customer = result.period.groupby(level="customer_id")["account management"].sum()
    assert _cents(by_customer).tolist() == _cents(result.customer["account management"]).tolist()
    # The same cent lands on the same customer whatever the row order.
    shuffled = _volumes(lines.iloc[::-1].reset_index(drop=True), customers=["Z", "Y", "X"])
    again = compute(activities, _resources(), shuffled)
    assert _cents(again.customer.loc["X", "account management"]) == 33_34
    assert _cents(again.period.loc[("X", "2025-01"), "account management"]) == 11_12


# ------------------------------------------------------------------------------------------
# Time equations and levels

WAREHOUSE_LINES = pd.DataFrame(
    [
        # customer, order, product, period, units
        ("A", "O1", "P1", "2025-01", 10.0),
        ("A", "O1", "P1", "2025-01", 10.0),
        ("A", "O1", "P2", "2025-01", 10.0),
        ("A", "O2", "P1", "2025-02", 10.0),
        *[("B", "O3", "P1", "2025-01", 5.0)] * 6,
        *[("B", "O3", "P2", "2025-01", 5.0)] * 4,
        *[("B", "O4", "P2", "2025-02", 25.0)] * 2,
        *[("B", "O5", "P1", "2025-02", 5.0)] * 4,
    ],
    columns=["customer_id", "order_id", "product_id", "period", "units"],
)


def _warehouse_usage(rush_traced_to_orders: bool) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("A", "rush", 1.0, "2025-01", "O1" if rush_traced_to_orders else pd.NA),
            ("B", "rush", 1.0, "2025-02", "O4" if rush_traced_to_orders else pd.NA),
            ("A", "visits", 1.0, "2025-01", pd.NA),
            ("B", "visits", 1.0, "2025-01", pd.NA),
            ("B", "visits", 1.0, "2025-02", pd.NA),
        ],
        columns=["customer_id", "driver", "quantity", "period", "order_id"],
    )


WAREHOUSE_ACTIVITIES = _activities(
    {
        "activity": "order handling",
        "driver": "orders",
        "method": "tdabc",
        "level": "order",
        "resource": "warehouse",
        "time_equation": "5 + 2*lines + 10*rush",
    },
    {
        "activity": "line picking",
        "driver": "lines",
        "method": "tdabc",
        "level": "line",
        "resource": "warehouse",
        "unit_time": 1.5,
    },
    {"activity": "labelling", "driver": "units", "method": "abc", "level": "product", "cost": 160.0},
    {"activity": "sales visits", "driver": "visits", "method": "abc", "level": "customer", "cost": 900.0},
)
# $12,000 for 20,000 minutes: $0.60 a minute.
WAREHOUSE = _resources(("warehouse", 12_000.0, 20_000.0))


def test_order_level_time_equation_with_lines_and_rush() -> None:
    result = compute(WAREHOUSE_ACTIVITIES, WAREHOUSE, _volumes(WAREHOUSE_LINES, _warehouse_usage(True)))
    # Minutes per order from the equation 5 + 2*lines + 10*rush:
    # O1 5+2×3+10 = 21, O2 5+2 = 7, O3 5+2×10 = 25, O4 5+2×2+10 = 19, O5 5+2×4 = 13.
    # At $0.60: A 28 min = $16.80, B 57 min = $34.20; orders $12.60 $4.20 $15.00 $11.40 $7.80.
    order_handling = result.activities.set_index("activity").loc["order handling"]
    assert order_handling["minutes"] == 85.0
    assert order_handling["driver_volume"] == 5.0
    assert order_handling["driver_rate"] == pytest.approx(85 / 5 * 0.60, abs=1e-12)  # average per order
    assert order_handling["time_equation"] == "5 + 2*lines + 10*rush"
    assert _cents(result.customer["order handling"]).tolist() == [16_80, 34_20]
    assert _cents(result.order["order handling"]).tolist() == [12_60, 4_20, 15_00, 11_40, 7_80]
    # Line picking: 1.5 min × $0.60 = $0.90 per line; A has 4 lines, B 16.
    assert _cents(result.customer["line picking"]).tolist() == [3_60, 14_40]
    assert _cents(result.order["line picking"]).tolist() == [2_70, 90, 9_00, 1_80, 3_60]
    # Product grain, within each customer: A P1 3 lines, P2 1; B P1 10, P2 6; at $0.90.
    assert _cents(result.product["line picking"]).tolist() == [2_70, 90, 9_00, 5_40]
    by_product = result.product.groupby(level="product_id").sum()  # P1 13 lines, P2 7
    assert _cents(by_product["line picking"]).tolist() == [11_70, 6_30]
    # Labelling: $160 over 160 units = $1 a unit; P1 30 + 50 = 80 units, P2 10 + 70 = 80.
    assert _cents(by_product["labelling"]).tolist() == [80_00, 80_00]
    # Warehouse: 85 + 30 = 115 minutes used; 19,885 unused at $0.60 = $11,931.
    resource = result.resources.iloc[0]
    assert resource["used"] == 115.0
    assert _cents(resource["used_cost"]) == 69_00
    assert _cents(resource["unused_cost"]) == 11_931_00
    assert _cents(resource["assigned"]) + _cents(resource["unused_cost"]) == 12_000_00


def test_levels_decide_the_finer_grains() -> None:
    result = compute(WAREHOUSE_ACTIVITIES, WAREHOUSE, _volumes(WAREHOUSE_LINES, _warehouse_usage(True)))
    assert list(result.customer.columns) == ["order handling", "line picking", "labelling", "sales visits"]
    assert list(result.period.columns) == ["order handling", "line picking", "labelling", "sales visits"]
    assert list(result.order.columns) == ["order handling", "line picking"]
    assert list(result.product.columns) == ["line picking", "labelling"]
    # Fully traceable drivers: the finer grains add up to the customer amounts exactly.
    for frame, columns in (
        (result.order, ["order handling", "line picking"]),
        (result.period, list(result.customer.columns)),
    ):
        summed = frame[columns].groupby(level="customer_id").sum()
        assert (_cents(summed) == _cents(result.customer[columns])).all().all()
    # Products within customers: they carry the whole cost of the traceable activities.
    products = ["line picking", "labelling"]
    summed = result.product[products].groupby(level="customer_id").sum()
    assert (_cents(summed) == _cents(result.customer[products])).all().all()
    # Customer-level sales visits: $900 over 3 visits; A 1 (January), B 2 (one per month).
    assert _cents(result.period["sales visits"]).tolist() == [300_00, 0, 300_00, 300_00]


def test_period_total_is_the_sum_of_the_activities_traced_to_periods() -> None:
    volumes = _volumes(WAREHOUSE_LINES, _warehouse_usage(True))
    detailed = compute(WAREHOUSE_ACTIVITIES, WAREHOUSE, volumes)
    total = compute(WAREHOUSE_ACTIVITIES, WAREHOUSE, volumes, period_detail=False)
    assert list(total.period.columns) == ["cost_to_serve"]
    assert total.period.index.equals(detailed.period.index)
    expected = _cents(detailed.period).sum(axis=1)
    assert _cents(total.period["cost_to_serve"]).tolist() == expected.tolist()
    assert int(expected.sum()) == int(_cents(detailed.customer).sum().sum())  # nothing lost on the way
    # Only the period grain changes.
    for grain in ("customer", "order", "product", "activities", "resources"):
        pd.testing.assert_frame_equal(getattr(total, grain), getattr(detailed, grain))


def test_untraceable_usage_stays_at_customer_and_period_grain() -> None:
    result = compute(WAREHOUSE_ACTIVITIES, WAREHOUSE, _volumes(WAREHOUSE_LINES, _warehouse_usage(False)))
    # The customer amounts do not depend on where rush deliveries are recorded.
    assert _cents(result.customer["order handling"]).tolist() == [16_80, 34_20]
    # Orders carry only 5 + 2*lines: O1 11 min, O2 7, O3 25, O4 9, O5 13, at $0.60.
    assert _cents(result.order["order handling"]).tolist() == [6_60, 4_20, 15_00, 5_40, 7_80]
    # Periods still carry everything (rush deliveries have a period).
    summed = result.period.groupby(level="customer_id")["order handling"].sum()
    assert _cents(summed).tolist() == [16_80, 34_20]


# ------------------------------------------------------------------------------------------
# Invalid input


def _problems(activities: pd.DataFrame, resources: pd.DataFrame = WAREHOUSE) -> list:
    with pytest.raises(ValidationError) as caught:
        compute(activities, resources, _volumes(WAREHOUSE_LINES, _warehouse_usage(True)))
    return caught.value.problems


def test_unknown_driver_is_reported_on_its_row() -> None:
    problems = _problems(
        _activities(
            {
                "activity": "pallet moves",
                "driver": "pallets",
                "method": "abc",
                "level": "customer",
                "cost": 10.0,
            },
            first_row=7,
        )
    )
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.table, problem.row, problem.column, problem.value) == (
        "activities",
        7,
        "driver",
        "pallets",
    )
    assert "'pallets' has no volumes" in problem.reason and "lines" in problem.reason


def test_time_equation_problems_are_reported_on_their_rows() -> None:
    problems = _problems(
        _activities(
            {
                "activity": "a",
                "driver": "orders",
                "method": "tdabc",
                "level": "order",
                "resource": "warehouse",
                "time_equation": "5 + 3*stops",
            },
            {
                "activity": "b",
                "driver": "orders",
                "method": "tdabc",
                "level": "order",
                "resource": "warehouse",
                "time_equation": "5 + lines*rush",
            },
            {
                "activity": "c",
                "driver": "orders",
                "method": "tdabc",
                "level": "order",
                "resource": "warehouse",
                "time_equation": "lines - 10",
            },
        )
    )
    assert [(p.row, p.column) for p in problems] == [
        (2, "time_equation"),
        (3, "time_equation"),
        (4, "time_equation"),
    ]
    assert "'stops' has no volumes" in problems[0].reason
    assert "multiplies two drivers" in problems[1].reason and "'lines' * 'rush'" in problems[1].reason
    assert "negative minutes" in problems[2].reason


def test_every_problem_is_listed_at_once() -> None:
    problems = _problems(
        _activities(
            {
                "activity": "a",
                "driver": "orders",
                "method": "tdabc",
                "level": "order",
                "resource": "depot",
                "unit_time": 3.0,
            },
            {
                "activity": "b",
                "driver": "orders",
                "method": "tdabc",
                "level": "order",
                "resource": "warehouse",
            },
            {
                "activity": "c",
                "driver": "orders",
                "method": "tdabc",
                "level": "order",
                "resource": "warehouse",
                "unit_time": 2.0,
                "time_equation": "2",
            },
            {"activity": "d", "driver": "orders", "method": "magic", "level": "order", "cost": 1.0},
            {"activity": "e", "driver": "orders", "method": "abc", "level": "pallet", "cost": 1.0},
            {"activity": "e", "driver": "orders", "method": "abc", "level": "order", "cost": 1.0},
            {"activity": "f", "driver": "orders", "method": "abc", "level": "order"},
        ),
        _resources(("warehouse", 12_000.0, 20_000.0), ("dock", 500.0, 0.0)),
    )
    found = {(p.table, p.row, p.column) for p in problems}
    assert found == {
        ("resources", 3, "capacity"),
        ("activities", 2, "resource"),
        ("activities", 3, "unit_time"),
        ("activities", 4, "time_equation"),
        ("activities", 5, "method"),
        ("activities", 6, "level"),
        ("activities", 7, "activity"),
        ("activities", 8, "cost"),
    }


def test_missing_columns_and_inconsistent_volumes() -> None:
    with pytest.raises(ValidationError) as caught:
        compute(
            WAREHOUSE_ACTIVITIES.drop(columns=["level"]),
            WAREHOUSE,
            _volumes(WAREHOUSE_LINES, _warehouse_usage(True)),
        )
    assert [(p.table, p.column) for p in caught.value.problems] == [("activities", "level")]
    good = _volumes(WAREHOUSE_LINES, _warehouse_usage(True))
    broken = DriverVolumes(good.customer, good.order, good.product, good.period.drop(index="B", level=0))
    with pytest.raises(InputError, match="period volumes .* customer 'B'"):
        compute(WAREHOUSE_ACTIVITIES, WAREHOUSE, broken)
