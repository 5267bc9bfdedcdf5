"""Cost-to-serve: conventional and time-driven ABC, exact cent allocation, unused capacity.

Two methods, chosen per activity (see ``docs/architecture.md``, section *Costing*):

* **Conventional ABC** (``method="abc"``): the activity's cost is spread over customers in
  proportion to their volume of its driver; ``driver_rate = cost / driver_volume``.  When
  nobody consumed the driver, the cost stays *unassigned*, with its reason.
* **Time-driven ABC** (``method="tdabc"``, Kaplan & Anderson): a resource (a department)
  supplies ``capacity`` minutes of practical capacity for ``cost``; the capacity cost rate
  is ``cost / capacity`` per minute.  Each activity drawing on the resource takes
  ``unit_time`` minutes per driver event, or the minutes given by a time equation such as
  ``5 + 2*lines + 10*rush``.  Customers pay for the minutes they use; the cost of unused
  capacity is reported on the resource and never pushed onto customers.  When used
  minutes exceed capacity the resource is flagged ``over_capacity`` and its whole cost is
  assigned at the effective rate ``cost / used``.

Every amount is computed in integer cents and split with the largest-remainder (Hamilton)
method, so that for every resource ``Σ assigned + unused_cost = cost`` and for every
conventional activity ``assigned + unassigned = cost``, to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.allocation import hamilton, key_ranks, stable_sum
from xlprofit.core.arguments import argument_cents, as_numbers, check_at_least, shape_result
from xlprofit.core.drivers import DriverVolumes
from xlprofit.core.money import amount_out_of_range, round_half_away
from xlprofit.core.parsing import as_text
from xlprofit.core.timeeq import TimeEquation, parse_time_equation
from xlprofit.errors import (
    ArgumentError,
    DivisionByZeroError,
    InputError,
    Problem,
    ValidationError,
)

__all__ = [
    "LEVELS",
    "METHODS",
    "ORDER_LEVELS",
    "PRODUCT_LEVELS",
    "CostingResult",
    "activity_rate",
    "capacity_rate",
    "compute",
]

#: Methods of an activity: conventional ABC or time-driven ABC.
METHODS: tuple[str, ...] = ("abc", "tdabc")
#: Levels an activity's cost can be traced to.
LEVELS: tuple[str, ...] = ("customer", "order", "line", "product")
#: Levels traced to orders, and to products (the rest stay on the customer).
ORDER_LEVELS: tuple[str, ...] = ("order", "line")
PRODUCT_LEVELS: tuple[str, ...] = ("line", "product")

_ACTIVITY_COLUMNS = (
    "activity", "driver", "method", "level", "cost", "resource", "unit_time", "time_equation",
)
_RESOURCE_COLUMNS = ("resource", "cost", "capacity")

#: Largest amount of money handled, in currency units: cents stay exact in float64 below 2**53.
_EXACT_INT = 2**53


# --------------------------------------------------------------------------------------------
# Scalar rates


def capacity_rate(cost: Any, capacity: Any) -> float | np.ndarray:
    """Capacity cost rate: cost per minute of practical capacity.

    Parameters
    ----------
    cost:
        Cost of the resource (a department) for the period, non-negative.
    capacity:
        Practical capacity of the resource in the same period, in minutes, positive.

    Returns
    -------
    float or numpy.ndarray
        ``cost / capacity``, money per minute (an array when an argument is an array).

    Raises
    ------
    ArgumentError
        When an argument is not a finite number, or is negative.
    DivisionByZeroError
        When ``capacity`` is 0 minutes.

    Examples
    --------
    Kaplan & Anderson (2004): $560,000 a quarter over 700,000 minutes is $0.80 a minute.

    >>> capacity_rate(560_000, 700_000)
    0.8
    """
    cost_array, cost_scalar = as_numbers("cost", cost)
    capacity_array, capacity_scalar = as_numbers("capacity", capacity)
    check_at_least("cost", cost_array, 0.0, "non-negative")
    check_at_least("capacity", capacity_array, 0.0, "a non-negative number of minutes")
    if np.any(capacity_array == 0):
        raise DivisionByZeroError(
            "'capacity' is 0 minutes; a capacity cost rate needs a positive practical capacity"
        )
    return shape_result(cost_array / capacity_array, cost_scalar and capacity_scalar)


def activity_rate(cost: Any, capacity: Any, unit_time: Any) -> float | np.ndarray:
    """Time-driven driver rate: cost of one driver event, ``unit_time × cost / capacity``.

    Parameters
    ----------
    cost:
        Cost of the resource for the period, non-negative.
    capacity:
        Practical capacity of the resource in minutes, positive.
    unit_time:
        Minutes of the resource that one event of the activity takes, non-negative.

    Returns
    -------
    float or numpy.ndarray
        Money per driver event.

    Raises
    ------
    ArgumentError
        When an argument is not a finite number, or is negative.
    DivisionByZeroError
        When ``capacity`` is 0 minutes.

    Examples
    --------
    Kaplan & Anderson (2004): an order takes 8 minutes at $0.80 a minute.

    >>> round(activity_rate(560_000, 700_000, 8), 10)
    6.4
    """
    unit_time_array, unit_time_scalar = as_numbers("unit_time", unit_time)
    check_at_least("unit_time", unit_time_array, 0.0, "a non-negative number of minutes")
    rate = capacity_rate(cost, capacity)
    scalar = unit_time_scalar and np.ndim(rate) == 0
    return shape_result(unit_time_array * np.asarray(rate), scalar)


# --------------------------------------------------------------------------------------------
# compute


@dataclass(frozen=True)
class CostingResult:
    """Cost-to-serve of every customer, traced to periods, orders and products.

    Attributes
    ----------
    customer:
        Index ``customer_id``, one column per activity; money (whole cents).  Column sums
        equal each activity's ``assigned``.
    period:
        Index ``(customer_id, period)``, one column per activity; each customer's periods
        sum exactly to its ``customer`` amount.  Computed with ``period_detail=False``:
        one column, ``cost_to_serve``, the sum of the activities' columns.
    order:
        Index ``(customer_id, order_id)``, one column per order- or line-level activity;
        covers the volume traceable to orders.
    product:
        Index ``(customer_id, product_id)``, one column per line- or product-level activity:
        each customer's amount over its products by their driver volume (or minutes), for the
        share of the volume that is traceable to products.
    activities:
        One row per activity (index ``row``): ``activity, method, level, resource, driver,
        unit_time, time_equation, driver_volume, driver_rate, minutes, cost, assigned,
        unassigned, unassigned_reason``.
    resources:
        One row per resource (index ``row``): ``resource, cost, capacity, capacity_rate,
        effective_rate, used, used_cost, assigned, unused, unused_cost, utilisation,
        over_capacity``.
    """

    customer: pd.DataFrame
    period: pd.DataFrame
    order: pd.DataFrame
    product: pd.DataFrame
    activities: pd.DataFrame
    resources: pd.DataFrame


@dataclass(frozen=True)
class _Plan:
    """One validated activity, ready to cost."""

    position: int
    row: Any
    name: str
    method: str
    level: str
    driver: str
    resource: str | None
    cost_cents: int
    unit_time: float
    text: str | None
    equation: TimeEquation | None
    weights: np.ndarray  # customer-grain driver volume (abc) or minutes (tdabc)

    def grain_weights(self, frame: pd.DataFrame) -> np.ndarray:
        """Driver volume (abc) or minutes (tdabc) of every row of a finer-grain frame.

        Drivers missing at that grain count as zero: only the traceable volume is traced.
        Negative volumes at a finer grain (a credit order) carry no cost.
        """
        columns = [self.driver, *(self.equation.variables if self.equation else [])]
        volumes = frame.reindex(columns=list(dict.fromkeys(columns)), fill_value=0.0)
        volumes = volumes.astype(float).fillna(0.0)
        if self.equation is None:
            weights = volumes[self.driver].to_numpy(dtype=float)
        else:
            weights = self.equation.minutes(volumes[self.driver], volumes).to_numpy(dtype=float)
        return np.clip(weights, 0.0, None)


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(value: Any) -> float | None:
    if _blank(value) or isinstance(value, bool | np.bool_):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _check_columns(frame: pd.DataFrame, table: str, columns: tuple[str, ...]) -> list[Problem]:
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(table, type(frame).__name__, "a DataFrame")
    return [
        Problem(table, None, column, None, "required column is missing")
        for column in columns
        if column not in frame.columns
    ]


def _validate_resources(resources: pd.DataFrame) -> tuple[dict[str, tuple[Any, int, float]], list[Problem]]:
    """Resource name -> (row, cost in cents, capacity in minutes); problems found."""
    found: dict[str, tuple[Any, int, float]] = {}
    problems: list[Problem] = []
    for row, name, cost, capacity in zip(
        resources.index, resources["resource"], resources["cost"], resources["capacity"], strict=True
    ):
        if _blank(name):
            problems.append(Problem("resources", row, "resource", name, "a resource needs a name"))
            continue
        name = str(name).strip()
        if name in found:
            problems.append(Problem("resources", row, "resource", name, "resource names must be unique"))
            continue
        cost_value = _number(cost)
        capacity_value = _number(capacity)
        if cost_value is None or cost_value < 0 or bool(amount_out_of_range(cost_value)):
            problems.append(Problem("resources", row, "cost", cost, "cost must be a non-negative amount"))
        if capacity_value is None or capacity_value <= 0:
            problems.append(
                Problem("resources", row, "capacity", capacity,
                        "practical capacity must be a positive number of minutes")
            )
        if cost_value is not None and capacity_value is not None:
            found[name] = (row, int(argument_cents("cost", cost_value)), capacity_value)
    return found, problems


def _plan_activities(
    activities: pd.DataFrame,
    resources: dict[str, tuple[Any, int, float]],
    customer_volumes: pd.DataFrame,
) -> tuple[list[_Plan], list[Problem]]:
    """Validate every activity and compute its customer-grain weights."""
    plans: list[_Plan] = []
    problems: list[Problem] = []
    known = list(customer_volumes.columns)
    known_text = ", ".join(map(str, known)) or "none"
    names: set[str] = set()
    for position, (row, record) in enumerate(activities.iterrows()):
        before = len(problems)

        def problem(column: str, value: Any, reason: str, row: Any = row) -> None:
            problems.append(Problem("activities", row, column, value, reason))

        name = record["activity"]
        if _blank(name):
            problem("activity", name, "an activity needs a name")
        elif str(name).strip() in names:
            problem("activity", name, "activity names must be unique")
        else:
            names.add(str(name).strip())
        method = "" if _blank(record["method"]) else str(record["method"]).strip().lower()
        if method not in METHODS:
            problem("method", record["method"], f"method must be one of {', '.join(METHODS)}")
        level = "" if _blank(record["level"]) else str(record["level"]).strip().lower()
        if level not in LEVELS:
            problem("level", record["level"], f"level must be one of {', '.join(LEVELS)}")
        driver = "" if _blank(record["driver"]) else str(record["driver"]).strip()
        if driver not in known:
            problem("driver", record["driver"],
                    f"driver {driver!r} has no volumes; known drivers: {known_text}")

        cost_cents = 0
        unit_time = float("nan")
        text: str | None = None
        equation: TimeEquation | None = None
        resource: str | None = None if _blank(record["resource"]) else str(record["resource"]).strip()
        if method == "abc":
            cost = _number(record["cost"])
            if cost is None or bool(amount_out_of_range(cost)):
                problem("cost", record["cost"], "a conventional (abc) activity needs a cost")
            else:
                cost_cents = int(argument_cents("cost", cost))
        elif method == "tdabc":
            if resource is None or resource not in resources:
                problem("resource", record["resource"],
                        "a time-driven activity needs a resource listed in the resources table")
            has_unit_time = not _blank(record["unit_time"])
            has_equation = not _blank(record["time_equation"])
            if has_unit_time and has_equation:
                problem("time_equation", record["time_equation"],
                        "give either a unit_time or a time_equation, not both")
            elif has_equation:
                text = str(record["time_equation"])
                try:
                    equation = parse_time_equation(text)
                except InputError as error:
                    problem("time_equation", text, str(error))
                else:
                    for variable in equation.variables:
                        if variable not in known:
                            problem("time_equation", text,
                                    f"driver {variable!r} has no volumes; known drivers: {known_text}")
            elif has_unit_time:
                number = _number(record["unit_time"])
                if number is None or number < 0:
                    problem("unit_time", record["unit_time"],
                            "unit_time must be a non-negative number of minutes")
                else:
                    unit_time = number
                    equation = TimeEquation(text=str(record["unit_time"]), intercept=number, coefficients={})
            else:
                problem("unit_time", None, "a time-driven activity needs a unit_time or a time_equation")

        if len(problems) > before:
            continue
        volume = customer_volumes[driver].to_numpy(dtype=float)
        if method == "abc":
            weights = volume
            negative = weights < 0
            if negative.any():
                problem("driver", driver,
                        f"driver {driver!r} has negative volumes for {int(negative.sum())} customer(s) "
                        f"(e.g. {customer_volumes.index[negative][0]!r}); cost cannot be allocated on them")
                continue
        else:
            assert equation is not None
            weights = equation.minutes(volume, customer_volumes).to_numpy(dtype=float)
            negative = weights < 0
            if negative.any():
                column = "unit_time" if text is None else "time_equation"
                problem(column, text if text is not None else unit_time,
                        f"gives negative minutes for {int(negative.sum())} customer(s) "
                        f"(e.g. {customer_volumes.index[negative][0]!r})")
                continue
        plans.append(
            _Plan(position, row, str(name).strip(), method, level, driver, resource, cost_cents,
                  unit_time, text, equation if method == "tdabc" else None, weights)
        )
    return plans, problems


def _customer_positions(frame: pd.DataFrame, customers: pd.Index) -> np.ndarray:
    """Position in ``customers`` of the customer of every row of a finer-grain frame (-1: none)."""
    if len(frame) == 0:
        return np.zeros(0, dtype=np.intp)
    index = frame.index
    if isinstance(index, pd.MultiIndex):  # each distinct customer looked up once, then taken by code
        found = np.append(customers.get_indexer(_text_index(index.levels[0])), -1)
        return found[np.asarray(index.codes[0])]
    return customers.get_indexer(_text_index(index))


def _text_index(index: pd.Index) -> pd.Index:
    """The labels as an index of Python strings."""
    return pd.Index(as_text(index), dtype=object, name=index.name)


def _trace(
    customer_cents: np.ndarray,
    customer_weights: np.ndarray,
    customers: pd.Index,
    frame: pd.DataFrame,
    positions: np.ndarray,
    sub_keys: np.ndarray,
    plan: _Plan,
    grain: str,
    complete: bool,
) -> np.ndarray:
    """Trace one activity's customer amounts onto the rows of a finer-grain frame.

    Within each customer, its amount is split over its rows by their driver volume (or
    minutes) with largest remainder.  With ``complete`` the rows must carry the whole
    customer amount (periods); otherwise only the traceable share is traced.
    """
    weights = plan.grain_weights(frame)
    known = positions >= 0
    weights = np.where(known, weights, 0.0)
    groups = np.where(known, positions, 0)
    n_customers = customer_cents.shape[0]
    if complete:
        traced = np.bincount(groups, weights=weights, minlength=n_customers)
        targets = customer_cents
        missing = (targets != 0) & (traced <= 0)
    else:
        # Summed in sorted order so that the traced share does not depend on the row order.
        order = np.lexsort((weights, groups))
        traced = np.bincount(groups[order], weights=weights[order], minlength=n_customers)
        share = np.divide(traced, customer_weights, out=np.zeros(n_customers), where=customer_weights > 0)
        full = np.isclose(share, 1.0, rtol=1e-9, atol=0.0) | (share > 1.0)
        partial = round_half_away(customer_cents * np.clip(share, 0.0, 1.0)).astype(np.int64)
        targets = np.where(full, customer_cents, partial)
        missing = np.zeros(n_customers, dtype=bool)
    if missing.any():
        raise InputError(
            f"the {grain} volumes of activity {plan.name!r} (driver {plan.driver!r}) do not add up to "
            f"the customer volumes, e.g. for customer {customers[np.flatnonzero(missing)[0]]!r}"
        )
    return hamilton(targets, weights, groups, sub_keys)


def _grain_frame(
    cents: dict[str, np.ndarray], index: pd.Index, columns: list[str]
) -> pd.DataFrame:
    data = {name: cents[name] / 100.0 for name in columns}
    return pd.DataFrame(data, index=index, columns=columns, dtype=float)


def _sub_keys(frame: pd.DataFrame) -> np.ndarray:
    """Tie-break keys for a finer grain: ranks of the last index level (period, order, product).

    Ranks the level's distinct labels (as text) and maps them through the level codes, so
    that only the distinct labels are sorted.
    """
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64)
    index = frame.index
    if not isinstance(index, pd.MultiIndex):
        return key_ranks("index", np.asarray(index.astype(str)), len(frame))
    labels = np.asarray(index.levels[-1].astype(str), dtype=object)
    ranks = np.empty(labels.shape[0] + 1, dtype=np.int64)
    ranks[np.argsort(labels, kind="stable")] = np.arange(labels.shape[0])
    ranks[-1] = labels.shape[0]  # a missing label (code -1) sorts last
    return ranks[np.asarray(index.codes[-1])]


def compute(activities: pd.DataFrame, resources: pd.DataFrame, volumes: DriverVolumes, *,
            period_detail: bool = True) -> CostingResult:
    """Cost-to-serve of every customer by conventional and time-driven ABC.

    Parameters
    ----------
    activities:
        Normalised activities table, indexed by ``row`` (the row number the user sees), with
        columns ``activity, driver, method, level, cost, resource, unit_time,
        time_equation``.  A conventional activity (``abc``) needs ``cost``; a time-driven one
        (``tdabc``) needs a ``resource`` and either ``unit_time`` (minutes per driver event)
        or ``time_equation`` (minutes per event, linear in the drivers).
    resources:
        Normalised resources table, indexed by ``row``: ``resource, cost, capacity``
        (practical capacity in minutes, positive).
    volumes:
        Driver volumes at customer, period, order and product grain.
    period_detail:
        With ``False`` the ``period`` table holds one column, ``cost_to_serve``: the sum
        over the activities of their traced amounts (each activity is still traced on its
        own), instead of one column per activity — for millions of customer-periods.

    Returns
    -------
    CostingResult
        Customer amounts (authoritative), their tracing onto periods, orders and products,
        and the activity and resource summaries.

    Raises
    ------
    ValidationError
        Listing every problem found in the activities and resources: a missing column, an
        unknown method or level, a driver (or a time-equation variable) that is not a
        column of ``volumes.customer``, a malformed or non-linear time equation, an unknown
        resource, a missing cost, unit time or capacity, negative volumes or minutes.
    InputError
        When the finer-grain volumes do not add up to the customer volumes.

    Notes
    -----
    *Conventional ABC*: the activity's cost (in cents) is split over customers in
    proportion to their driver volume; ``driver_rate = cost / driver_volume``.  With zero
    driver volume the cost stays ``unassigned`` with its reason.

    *Time-driven ABC*: a customer's minutes are ``intercept × driver volume + Σ coefficient ×
    volume`` (``unit_time`` is an equation with only an intercept).  The resource's cost is
    split over its activities' used minutes and its unused minutes; each activity's share
    is split over customers by their minutes.  When used minutes exceed capacity there are
    no unused minutes: the whole cost goes to the activities (``effective_rate = cost /
    used``), ``unused`` is the negative shortfall and ``over_capacity`` is true.  For
    time-driven activities ``cost`` is the activity's share of its resource, and
    ``driver_rate`` is the cost of one driver event: ``unit_time × rate``, or for a time
    equation, the average minutes per event × rate (``intercept × rate`` with no events).

    Every split is largest-remainder in integer cents, ties broken by customer id, so that
    results do not depend on the order of rows.
    """
    problems = _check_columns(activities, "activities", _ACTIVITY_COLUMNS)
    problems += _check_columns(resources, "resources", _RESOURCE_COLUMNS)
    if problems:
        raise ValidationError(problems, headline="activities and resources cannot be costed")
    if not isinstance(volumes, DriverVolumes):
        raise ArgumentError("volumes", type(volumes).__name__, "a DriverVolumes")

    try:
        customer_volumes = volumes.customer.astype(float).fillna(0.0)
    except (TypeError, ValueError):
        raise InputError("driver volumes must be numbers; a column of volumes.customer is not") from None
    customers = _text_index(customer_volumes.index).rename("customer_id")
    if customers.has_duplicates:
        raise InputError(f"customer {customers[customers.duplicated()][0]!r} appears twice in the volumes")
    customer_volumes.index = customers
    customer_keys = key_ranks("customer_id", np.asarray(customers), len(customers))

    resource_info, problems = _validate_resources(resources)
    plans, activity_problems = _plan_activities(activities, resource_info, customer_volumes)
    problems += activity_problems
    if problems:
        raise ValidationError(problems, headline="activities and resources cannot be costed")

    n_customers = len(customers)
    cents: dict[str, np.ndarray] = {}
    activity_rows: dict[str, dict[str, Any]] = {}

    # Conventional ABC: each activity's cost over customers by driver volume.
    for plan in plans:
        if plan.method != "abc":
            continue
        volume = stable_sum(plan.weights)
        assigned = np.zeros(n_customers, dtype=np.int64)
        reason: Any = pd.NA
        if volume > 0:
            assigned = hamilton(
                np.array([plan.cost_cents]), plan.weights, np.zeros(n_customers, dtype=np.intp), customer_keys
            )
        else:
            reason = f"driver {plan.driver!r} has zero volume over all customers"
        cents[plan.name] = assigned
        assigned_cents = int(assigned.sum())
        activity_rows[plan.name] = {
            "driver_volume": volume,
            "driver_rate": plan.cost_cents / 100.0 / volume if volume > 0 else np.nan,
            "minutes": np.nan,
            "cost": plan.cost_cents / 100.0,
            "assigned": assigned_cents / 100.0,
            "unassigned": (plan.cost_cents - assigned_cents) / 100.0,
            "unassigned_reason": reason,
        }

    # Time-driven ABC: each resource over its activities' minutes and its unused minutes.
    resource_rows: dict[str, dict[str, Any]] = {}
    name_ranks = {plan.name: rank for rank, plan in enumerate(sorted(plans, key=lambda p: p.name))}
    for resource, (_, cost_cents, capacity) in resource_info.items():
        members = [plan for plan in plans if plan.method == "tdabc" and plan.resource == resource]
        minutes = np.array([stable_sum(plan.weights) for plan in members], dtype=float)
        used = float(minutes.sum())
        over = used > capacity
        weights = minutes if over else np.append(minutes, capacity - used)
        keys = np.array([name_ranks[plan.name] for plan in members] + ([] if over else [len(plans)]))
        if over:
            shares = hamilton(np.array([cost_cents]), weights, np.zeros(len(weights), dtype=np.intp), keys)
            unused_cents = 0
        else:
            split = hamilton(np.array([cost_cents]), weights, np.zeros(len(weights), dtype=np.intp), keys)
            shares, unused_cents = split[:-1], int(split[-1])
        rate = cost_cents / 100.0 / capacity
        applied_rate = cost_cents / 100.0 / used if over else rate
        for plan, share, total_minutes in zip(members, shares, minutes, strict=True):
            cents[plan.name] = hamilton(
                np.array([share]), plan.weights, np.zeros(n_customers, dtype=np.intp), customer_keys
            )
            volume = stable_sum(customer_volumes[plan.driver].to_numpy(dtype=float))
            assert plan.equation is not None
            per_event = total_minutes / volume if volume > 0 else plan.equation.intercept
            activity_rows[plan.name] = {
                "driver_volume": volume,
                "driver_rate": per_event * applied_rate,
                "minutes": total_minutes,
                "cost": share / 100.0,
                "assigned": share / 100.0,
                "unassigned": 0.0,
                "unassigned_reason": pd.NA,
            }
        assigned_cents = int(np.sum(shares))
        used_cost_cents = assigned_cents if not over else int(round_half_away(cost_cents * used / capacity))
        resource_rows[resource] = {
            "capacity_rate": rate,
            "effective_rate": applied_rate,
            "used": used,
            "used_cost": used_cost_cents / 100.0,
            "assigned": assigned_cents / 100.0,
            "unused": capacity - used,
            "unused_cost": unused_cents / 100.0,
            "utilisation": used / capacity,
            "over_capacity": bool(over),
        }

    names = [plan.name for plan in plans]
    customer_frame = _grain_frame(cents, customers, names)

    # Tracing onto periods (complete), orders and products (traceable volume only), within each customer.
    grains: dict[str, pd.DataFrame] = {}
    for grain, frame, wanted, complete in (
        ("period", volumes.period, LEVELS, True),
        ("order", volumes.order, ORDER_LEVELS, False),
        ("product", volumes.product, PRODUCT_LEVELS, False),
    ):
        positions = _customer_positions(frame, customers)
        sub_keys = _sub_keys(frame)
        chosen = [plan for plan in plans if plan.level in wanted]
        traced: dict[str, np.ndarray] = {}
        for plan in chosen:
            cents_traced = _trace(
                cents[plan.name], plan.weights, customers, frame, positions, sub_keys, plan, grain, complete)
            if grain == "period" and not period_detail:  # only the total is kept, added up as traced
                traced["cost_to_serve"] = traced.get("cost_to_serve", 0) + cents_traced
            else:
                traced[plan.name] = cents_traced
        if grain == "period" and not period_detail:
            traced.setdefault("cost_to_serve", np.zeros(len(frame), dtype=np.int64))
        grains[grain] = _grain_frame(traced, frame.index, list(traced))
        del traced  # millions of customer × period cents: free them before the next grain

    activity_frame = pd.DataFrame(
        [
            {
                "activity": plan.name,
                "method": plan.method,
                "level": plan.level,
                "resource": plan.resource if plan.resource is not None else pd.NA,
                "driver": plan.driver,
                "unit_time": plan.unit_time,
                "time_equation": plan.text if plan.text is not None else pd.NA,
                **activity_rows[plan.name],
            }
            for plan in plans
        ],
        index=pd.Index([plan.row for plan in plans], name=activities.index.name or "row"),
        columns=[
            "activity", "method", "level", "resource", "driver", "unit_time", "time_equation",
            "driver_volume", "driver_rate", "minutes", "cost", "assigned", "unassigned", "unassigned_reason",
        ],
    )
    resource_frame = pd.DataFrame(
        [
            {
                "resource": name,
                "cost": cost_cents / 100.0,
                "capacity": capacity,
                **resource_rows[name],
            }
            for name, (_, cost_cents, capacity) in resource_info.items()
        ],
        index=pd.Index([row for row, _, _ in resource_info.values()], name=resources.index.name or "row"),
        columns=[
            "resource", "cost", "capacity", "capacity_rate", "effective_rate", "used", "used_cost",
            "assigned", "unused", "unused_cost", "utilisation", "over_capacity",
        ],
    )
    return CostingResult(
        customer=customer_frame,
        period=grains["period"],
        order=grains["order"],
        product=grains["product"],
        activities=activity_frame,
        resources=resource_frame,
    )
