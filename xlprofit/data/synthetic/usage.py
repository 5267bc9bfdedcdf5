"""The customer-level tables of the synthetic distributor: service usage, activities, resources, parameters.

:func:`quarterly_usage` draws each customer's sales visits, service calls, complaints and
payment reminders per quarter (:data:`QUARTERLY_DRIVERS`) from the usage stream;
:func:`activities_and_resources` costs the distributor's activities and sizes the resources
from the total driver volumes; :func:`parameters_table` is the ``parameters`` table of the
analysis window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.data.synthetic.common import (
    DEMO_CUSTOMERS,
    DEMO_LINES,
    STREAM_USAGE,
    last_quarters,
    stream,
    text_column,
)
from xlprofit.data.synthetic.customers import Calendar
from xlprofit.data.synthetic.lines import Plan

_PERIODS_PER_YEAR = 4

# Sales visits per quarter; rows: channels, columns: segments.
_VISITS_PER_QUARTER = np.array(
    [[5.0, 2.5, 1.2, 0.5], [0.10, 0.10, 0.10, 0.10], [0.03, 0.03, 0.03, 0.03]]
)

QUARTERLY_DRIVERS = ("visits", "calls", "complaints", "reminders")


@dataclass(frozen=True)
class _ActivitySpec:
    """One activity of the synthetic distributor.

    ``minutes`` lists ``(driver, minutes per unit)``; its first entry is the activity's
    own driver. More than one entry is written as a time equation.
    """

    activity: str
    driver: str
    level: str
    resource: str | None
    minutes: tuple[tuple[str, float], ...] = ()
    cost_per_unit_eur: float | None = None


_ACTIVITIES: tuple[_ActivitySpec, ...] = (
    _ActivitySpec("Order handling", "orders", "order", "Customer service",
                  (("orders", 4.0), ("lines", 1.5), ("rush", 10.0))),
    _ActivitySpec("Manual order entry", "manual_orders", "order", "Customer service",
                  (("manual_orders", 12.0),)),
    _ActivitySpec("Picking", "lines", "line", "Warehouse", (("lines", 3.0),)),
    _ActivitySpec("Delivery", "orders", "order", "Transport", (("orders", 30.0), ("units", 0.05))),
    _ActivitySpec("Rush orders", "rush", "order", "Transport", (("rush", 75.0),)),
    _ActivitySpec("Returns processing", "returns", "line", "Warehouse", (("returns", 30.0),)),
    _ActivitySpec("Sales visits", "visits", "customer", "Field sales", (("visits", 150.0),)),
    _ActivitySpec("Service calls", "calls", "customer", "Customer service", (("calls", 12.0),)),
    _ActivitySpec("Complaints", "complaints", "customer", None, cost_per_unit_eur=180.0),
    _ActivitySpec("Credit & collection", "reminders", "customer", "Credit control",
                  (("reminders", 25.0),)),
)

# (resource, fully loaded cost per minute in EUR, target utilisation of practical capacity)
_RESOURCES: tuple[tuple[str, float, float], ...] = (
    ("Customer service", 0.80, 0.87),
    ("Warehouse", 0.60, 0.92),
    ("Transport", 1.10, 0.97),
    ("Field sales", 1.70, 0.80),
    ("Credit control", 0.90, 0.74),
)
_CAPACITY_STEP_MINUTES = 1_000


# --------------------------------------------------------------------------------------
# customer-level usage, activities, resources, parameters


def quarterly_usage(plan: Plan) -> pd.DataFrame:
    """The usage rows of the quarterly drivers: by period, then customer, then driver."""
    cp = plan.customers
    n, quarters = cp.activity.shape
    rng = stream(plan.seed, STREAM_USAGE)
    late = (np.arange(quarters) >= quarters - 2)[None, :]
    turning = cp.turning[:, None] & late
    svc = cp.service_intensity[:, None]
    orders = plan.line_counts / cp.lines_per_order[:, None]
    # Sparser data (fewer lines per customer than the demo) means smaller customers, who
    # get proportionally fewer visits and calls.
    density = min(1.0, plan.n_lines / n / (DEMO_LINES / DEMO_CUSTOMERS))
    eligible = cp.eligible * density

    visits = _VISITS_PER_QUARTER[cp.channel, cp.segment][:, None] * svc * eligible
    visits = np.where(cp.demanding[:, None], 10.0 * eligible, visits)
    visits = np.where(turning, 1.8 * visits, visits)
    calls = svc * (0.5 * np.array([3.0, 5.0, 1.0])[cp.channel][:, None] * eligible + 0.25 * orders)
    calls = np.where(cp.demanding[:, None] | turning, 3.0 * calls, calls) + 2.0 * turning * density
    complaints = svc * (0.05 * eligible + 0.02 * orders)
    complaints = complaints + 2.0 * cp.demanding[:, None] * eligible + 2.0 * turning * density
    reminders = np.where(cp.late_payer[:, None], 1.0 * eligible + 0.05 * orders, 0.15 * eligible)
    reminders = reminders + 2.0 * turning * density  # their invoices go overdue
    bad_debt_ramp = last_quarters(quarters, (1.0, 2.5, 4.0))[None, :] * (np.arange(quarters) >= quarters - 3)
    reminders = reminders + np.where(cp.bad_debt[:, None], bad_debt_ramp, 0.0)

    means = np.stack([visits, calls, complaints, reminders])  # (driver, customer, quarter)
    counts = rng.poisson(means)
    # Rows by period, then customer, then driver.
    quarter, customer, driver = np.nonzero(counts.transpose(2, 1, 0) > 0)
    quantity = counts[driver, customer, quarter]
    return pd.DataFrame(
        {
            "customer_id": text_column(cp.ids, customer),
            "driver": text_column(QUARTERLY_DRIVERS, driver),
            "quantity": quantity.astype(np.int64),
            "period": text_column(cp.calendar.labels, quarter),
            "order_id": pd.Series(pd.NA, index=range(quantity.size), dtype="str").array,
        }
    )


def _time_equation(spec: _ActivitySpec) -> str:
    (_, constant), *terms = spec.minutes
    return " + ".join([f"{constant:g}", *(f"{minutes:g}*{driver}" for driver, minutes in terms)])


def activities_and_resources(volumes: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``activities`` and ``resources`` tables for the total volume of every driver."""
    rows: list[tuple[object, ...]] = []
    used = dict.fromkeys((name for name, _, _ in _RESOURCES), 0.0)
    for spec in _ACTIVITIES:
        if spec.resource is None:
            cost = max(100.0, 100.0 * np.rint(volumes[spec.driver] * (spec.cost_per_unit_eur or 0.0) / 100))
            rows.append((spec.activity, spec.driver, cost, None, np.nan, None, spec.level))
            continue
        used[spec.resource] += sum(minutes * volumes[driver] for driver, minutes in spec.minutes)
        if len(spec.minutes) > 1:
            rows.append((spec.activity, spec.driver, np.nan, spec.resource, np.nan, _time_equation(spec),
                         spec.level))
        else:
            rows.append((spec.activity, spec.driver, np.nan, spec.resource, spec.minutes[0][1], None,
                         spec.level))
    activities = pd.DataFrame(
        rows, columns=["activity", "driver", "cost", "resource", "unit_time", "time_equation", "level"]
    )
    for column in ("activity", "driver", "resource", "time_equation", "level"):
        activities[column] = activities[column].astype("str")

    names = [name for name, _, _ in _RESOURCES]
    rate = np.array([r for _, r, _ in _RESOURCES])
    target = np.array([t for _, _, t in _RESOURCES])
    minutes = np.array([used[name] for name in names])
    capacity = _CAPACITY_STEP_MINUTES * np.maximum(1, np.ceil(minutes / target / _CAPACITY_STEP_MINUTES))
    resources = pd.DataFrame(
        {
            "resource": pd.array(names, dtype="str"),
            "cost": np.rint(capacity * rate / 100.0) * 100.0,
            "capacity": capacity.astype(np.int64),
        }
    )
    return activities, resources


def parameters_table(calendar: Calendar) -> pd.DataFrame:
    """The ``parameters`` table of the analysis window ``calendar``."""
    rows = [
        ("period_start", str(calendar.start)),
        ("period_end", str(calendar.end)),
        ("periods_per_year", str(_PERIODS_PER_YEAR)),
        ("discount_rate", "0.10"),
        ("cost_of_capital", "0.08"),
        ("commission_rate", "0.02"),
        ("payment_days", "30"),
        ("currency", "EUR"),
    ]
    return pd.DataFrame(rows, columns=["name", "value"]).astype("str")
