"""Actions: for every losing or flagged customer, the levers that would fix it and what each is worth.

A customer that no longer brings a return leaves the supplier two ways out: change the terms
of the relationship (price, service, ordering, payment) or end it. This module puts a number
on each lever, computed from the customer's own drivers and the activities' rates, so that
the controller can weigh them (DESIGN section 4, *Actions*; the report's Actions sheet):

========================================  =====================================================
lever                                     what changes
========================================  =====================================================
``reprice``                               net revenue × (1 + p), p bringing profit to break even
``change the service``                    the most valuable service driver to the segment median
``move manual orders to EDI``             manual orders → 0
``minimum order size``                    fewer, larger orders for the same lines and units
``payment terms``                         payment days → the standard ``payment_days``
``consider ending the relationship``      when lifetime value + referral value stays negative
========================================  =====================================================

**Why the estimates are exact.** A lever is a change of driver volumes (or of revenue, or of
payment days) of one customer, everything else held. Its effect is what
:func:`xlprofit.analyze` would give if the input were changed accordingly, from the model's
own rules rather than from averages:

* *time-driven ABC*: the customer pays ``minutes × cost / max(used, capacity)`` of each
  resource. Under capacity that is the capacity cost rate, fixed by the resource's cost and
  practical capacity, so removing minutes moves the customer's cost by rate × minutes and the
  rest of the resource's cost into unused capacity. Over capacity the whole cost is spread
  over the minutes used, so removing some raises the rate: the estimate uses the rate after
  the change.
* *conventional ABC*: fully allocated by driver volume; a customer with ``v`` of ``V`` units
  pays ``cost × v / V``, and ``cost × (v − Δ) / (V − Δ)`` after the change: the rest moves
  to the other customers.
* commissions and cost of credit are rates of revenue (:func:`~xlprofit.core.profit.credit_cost`
  is the one definition of the latter); bad debt is the amount written off in the ledger, not
  a rate of revenue, so no lever moves it.

Amounts in cents are rounded by largest remainder in the analysis, so a rerun agrees with an
estimate to within a few cents per activity.

**What the customer's profit is not.** A lever's effect on the customer's profit is not its
effect on the company's result: minutes freed at a time-driven resource become unused
capacity, a saving only once the capacity (people, trucks) is cut, and cost freed at a
conventional activity moves to the other customers. Each row says both:
``cost_to_serve_freed`` and ``result_effect`` (the change in the period's result with the
capacity as it is).

The customers' usage volumes are not a table of the :class:`~xlprofit.core.analysis.Analysis`;
they are read back from the cost-to-serve columns, which are volume × rate (time-driven:
``cts / rate`` minutes, solved through the activity's time equation; conventional:
``cts / driver_rate``). A driver that cannot be read back (it appears in no activity alone,
or only in equations with two unknowns) gets no lever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.drivers import BUILTIN_DRIVERS
from xlprofit.core.profit import DAYS_PER_YEAR, credit_cost
from xlprofit.core.timeeq import parse_time_equation
from xlprofit.errors import ArgumentError

__all__ = [
    "ACTION_COLUMNS",
    "LEFT_OUT_COLUMNS",
    "LEVERS",
    "MAX_PRICE_RISE",
    "MAX_SERVICE_CUT",
    "MAX_ORDER_CUT",
    "MIN_EFFECT",
    "OUTCOME_DRIVER_WORDS",
    "MANUAL_ORDER_WORDS",
    "actions",
    "actions_and_left_out",
    "actions_left_out",
    "customer_volumes",
    "top_actions",
]

#: The levers, in the order they are considered (and listed for one customer).
LEVERS: tuple[str, ...] = (
    "reprice",
    "change the service",
    "move manual orders to EDI",
    "minimum order size",
    "payment terms",
    "consider ending the relationship",
)

#: The columns of :func:`actions`, in order.
ACTION_COLUMNS: list[str] = [
    "rank", "customer_id", "name", "segment", "lever", "driver", "before", "after", "change", "effect",
    "profit_before", "profit_after", "cost_to_serve_freed", "result_effect", "formula",
]

#: The columns of :func:`actions_left_out`.
LEFT_OUT_COLUMNS: list[str] = ["customer_id", "lever", "reason"]

#: Largest price rise proposed as a repricing (+25 %). B2B price increases are negotiated in
#: single digits to low double digits; a customer that needs more than a quarter on every price
#: to break even is not a repricing case but a different deal (or the ending-the-relationship
#: question), so the lever is left out with the rise it would take.
MAX_PRICE_RISE = 0.25

#: Largest share of a service driver cut in one step (a half). The target is the segment's
#: median volume — a level the supplier already serves the customer's peers at, so it can be
#: defended to the customer — but never less than half of today's volume: a customer used to
#: 24 visits a year is not offered 2 in one renegotiation.
MAX_SERVICE_CUT = 0.5

#: Largest share of a customer's orders saved by a minimum order size (a half), for the same
#: reason: the target is the segment's median order value, at most a doubling of the order size.
MAX_ORDER_CUT = 0.5

#: Words marking a usage driver that counts an outcome, not a service the supplier decides to
#: give (complaints, payment reminders, returns, claims): it is no service-level lever. Pass
#: ``service_drivers`` to :func:`actions` to choose the drivers yourself.
OUTCOME_DRIVER_WORDS: tuple[str, ...] = ("complaint", "reminder", "return", "claim", "dunning", "collection")

#: Words marking the manual-order driver (in the driver's or its activity's name): the orders
#: keyed in by hand that EDI would bring in without the keying.
MANUAL_ORDER_WORDS: tuple[str, ...] = ("manual",)

#: Smallest effect listed (one unit of the reporting currency): a lever worth cents (a customer
#: paying in 30.1 days against 30) is noise on a sheet of actions; it is listed as left out.
MIN_EFFECT = 1.0

_DAYS_PER_CALENDAR_YEAR = 365.25


# ---------------------------------------------------------------------------------------------
# The cost model of one analysis: activities, resources, each customer's volumes


@dataclass(frozen=True)
class _Activity:
    name: str
    method: str  # "abc" or "tdabc"
    resource: str | None
    driver: str
    intercept: float  # minutes per event of its driver (tdabc)
    coefficients: dict[str, float]  # minutes per unit of other drivers (tdabc)
    cost: float  # conventional: the activity's cost
    volume: float  # conventional: total driver volume
    driver_rate: float

    def minutes_per_unit(self, driver: str) -> float:
        """Minutes one more unit of ``driver`` takes in this (time-driven) activity."""
        own = self.intercept if self.driver == driver else 0.0
        return own + self.coefficients.get(driver, 0.0)

    @property
    def drivers(self) -> list[str]:
        return list(dict.fromkeys([self.driver, *self.coefficients]))


@dataclass(frozen=True)
class _Resource:
    cost: float
    capacity: float
    used: float

    def rate(self, used: float | np.ndarray) -> Any:
        """Cost per minute the customers pay: cost / capacity, or cost / used over capacity."""
        return self.cost / np.maximum(used, self.capacity)


class _CostModel:
    """What a change of one customer's driver volumes does to its cost-to-serve."""

    def __init__(self, analysis: Any) -> None:
        pnl = analysis.customers
        self.customers: pd.Index = pnl.index
        self.activities: list[_Activity] = []
        for a in analysis.activities.itertuples(index=False):
            text = a.time_equation if isinstance(a.time_equation, str) and a.time_equation.strip() else None
            if text is not None:
                equation = parse_time_equation(text)
                intercept, coefficients = equation.intercept, dict(equation.coefficients)
            else:
                intercept, coefficients = (float(a.unit_time) if pd.notna(a.unit_time) else 0.0), {}
            self.activities.append(_Activity(
                name=str(a.activity), method=str(a.method),
                resource=str(a.resource) if pd.notna(a.resource) else None, driver=str(a.driver),
                intercept=intercept, coefficients=coefficients, cost=float(a.cost),
                volume=float(a.driver_volume), driver_rate=float(a.driver_rate)))
        self.resources: dict[str, _Resource] = {
            str(r.resource): _Resource(float(r.cost), float(r.capacity), float(r.used))
            for r in analysis.resources.itertuples(index=False)}
        self.cts = pd.DataFrame({a.name: pnl.get(f"cts_{a.name}", pd.Series(0.0, index=pnl.index))
                                 for a in self.activities}, index=pnl.index).astype("float64").fillna(0.0)
        # Each customer's minutes at each resource, from its costs (minutes × the rate it paid).
        self.minutes: dict[str, np.ndarray] = {}
        for name, resource in self.resources.items():
            on = [a.name for a in self.activities if a.method == "tdabc" and a.resource == name]
            paid = self.cts[on].sum(axis=1).to_numpy() if on else np.zeros(len(pnl))
            self.minutes[name] = paid / resource.rate(resource.used)
        self.volumes = _read_volumes(pnl, self)
        self._unit_texts: dict[str, str] = {}

    def activity_minutes(self, activity: _Activity) -> np.ndarray:
        """Each customer's minutes in a time-driven activity, from its cost."""
        assert activity.resource is not None
        resource = self.resources[activity.resource]
        return self.cts[activity.name].to_numpy() / resource.rate(resource.used)

    def cost_change(self, delta: dict[str, np.ndarray]) -> np.ndarray:
        """Change of each customer's cost-to-serve when its driver volumes change by ``delta``.

        Every customer is changed alone (the others keep their volumes): the change of a row is
        the effect of that customer's lever, not of all levers at once.
        """
        change = np.zeros(len(self.customers))
        extra_minutes = {name: np.zeros(len(self.customers)) for name in self.resources}
        for a in self.activities:
            if a.method == "tdabc" and a.resource in self.resources:
                for driver, moved in delta.items():
                    per_unit = a.minutes_per_unit(driver)
                    if per_unit:
                        extra_minutes[a.resource] = extra_minutes[a.resource] + per_unit * moved
            elif a.method == "abc" and a.driver in delta and a.volume > 0:
                v = self.volumes[a.driver].to_numpy()
                moved = delta[a.driver]
                total = a.volume + moved
                with np.errstate(divide="ignore", invalid="ignore"):
                    after = np.where(total > 0, a.cost * (v + moved) / np.where(total > 0, total, 1.0), 0.0)
                change += np.where(moved != 0, after - a.cost * v / a.volume, 0.0)
        for name, resource in self.resources.items():
            dm = extra_minutes[name]
            m = self.minutes[name]
            after = resource.rate(resource.used + dm) * (m + dm)
            change += np.where(dm != 0, after - resource.rate(resource.used) * m, 0.0)
        return change

    def unit_cost_text(self, driver: str) -> str:
        """What one unit of ``driver`` costs the customer, term by term (at today's rates)."""
        if driver not in self._unit_texts:  # the same for every customer: written once per driver
            self._unit_texts[driver] = self._unit_cost_text(driver)
        return self._unit_texts[driver]

    def _unit_cost_text(self, driver: str) -> str:
        parts = []
        for a in self.activities:
            if a.method == "tdabc" and a.resource in self.resources:
                per_unit = a.minutes_per_unit(driver)
                if per_unit:
                    rate = float(self.resources[a.resource].rate(self.resources[a.resource].used))
                    parts.append(f"{a.name} {_num(per_unit)} min × {rate:,.2f}/min")
            elif a.method == "abc" and a.driver == driver and a.volume > 0:
                parts.append(f"{a.name} {a.driver_rate:,.2f} (its cost shared by volume)")
        return " + ".join(parts)


def _read_volumes(pnl: pd.DataFrame, model: _CostModel) -> pd.DataFrame:
    """Each customer's volume of every driver: built-in ones from the P&L, the rest from the costs."""
    known: dict[str, np.ndarray] = {d: pnl[d].to_numpy(dtype="float64") for d in ("orders", "lines", "units", "returns")
                                    if d in pnl.columns}
    known["revenue"] = pnl["net_revenue"].to_numpy(dtype="float64")
    # Conventional activities: volume = cost / driver rate.
    for a in model.activities:
        if a.method == "abc" and a.driver not in known and a.volume > 0 and a.driver_rate > 0:
            known[a.driver] = model.cts[a.name].to_numpy() / a.driver_rate
    # Time-driven ones: minutes = intercept × own driver + Σ coefficient × driver; solve for the
    # one unknown driver of an activity until nothing more can be solved.
    timed = [a for a in model.activities if a.method == "tdabc" and a.resource in model.resources]
    progress = True
    while progress:
        progress = False
        for a in timed:
            terms = {d: a.minutes_per_unit(d) for d in a.drivers}
            unknown = [d for d, per in terms.items() if per and d not in known]
            if len(unknown) != 1:
                continue
            solved = model.activity_minutes(a) - sum(per * known[d] for d, per in terms.items()
                                                     if per and d in known)
            known[unknown[0]] = np.clip(solved / terms[unknown[0]], 0.0, None)
            progress = True
    frame = pd.DataFrame(known, index=pnl.index)
    # Cents were rounded: a volume within 0.01 of a whole number is that number.
    whole = frame.round()
    return frame.where((frame - whole).abs() > 0.01, whole)


def customer_volumes(analysis: Any) -> pd.DataFrame:
    """Each customer's volume of every cost driver, as the analysis costed it.

    Built-in drivers (``orders, lines, units, returns``, and ``revenue`` = net revenue) come from
    the customer P&L; usage drivers are read back from the cost-to-serve columns (see the module
    docstring). A driver that cannot be read back is not a column.

    Parameters
    ----------
    analysis:
        An :class:`~xlprofit.core.analysis.Analysis`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, one column per driver.
    """
    return _CostModel(analysis).volumes.copy()


# ---------------------------------------------------------------------------------------------
# Levers


@dataclass
class _Rows:
    rows: list[dict[str, Any]]
    left_out: list[dict[str, Any]]

    def add(self, customer: str, lever: str, driver: str, before: float, after: float, change: str,
            effect: float, freed: float, formula: str) -> None:
        if effect < MIN_EFFECT:
            self.skip(customer, lever, f"worth {effect:,.2f}, less than {MIN_EFFECT:g} in the reporting currency")
            return
        self.rows.append({"customer_id": customer, "lever": lever, "driver": driver, "before": before,
                          "after": after, "change": change, "effect": effect, "cost_to_serve_freed": freed,
                          "formula": formula})

    def skip(self, customer: str, lever: str, reason: str) -> None:
        self.left_out.append({"customer_id": customer, "lever": lever, "reason": reason})


def _num(value: float) -> str:
    """A volume as people write it: whole numbers without decimals, others with one."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _words_in(text: str, words: Iterable[str]) -> bool:
    folded = text.casefold()
    return any(w in folded for w in words)


def _segments(pnl: pd.DataFrame) -> pd.Series:
    segment = pnl["segment"] if "segment" in pnl.columns else pd.Series(np.nan, index=pnl.index)
    return segment.astype(object).where(segment.notna(), "(no segment)")


def _segment_median(values: pd.Series, segment: pd.Series, active: pd.Series) -> pd.Series:
    """Each customer's segment median of ``values`` over the segment's active customers."""
    medians = values[active].groupby(segment[active]).median()
    return segment.map(medians).astype("float64")


def _plan_manual_driver(model: _CostModel) -> str | None:
    for a in model.activities:
        if a.driver not in BUILTIN_DRIVERS and (_words_in(a.driver, MANUAL_ORDER_WORDS)
                                                or _words_in(a.name, MANUAL_ORDER_WORDS)):
            return a.driver
    return None


def _default_service_drivers(model: _CostModel, manual: str | None) -> list[str]:
    drivers: list[str] = []
    for a in model.activities:
        for d in a.drivers:
            if d in BUILTIN_DRIVERS or d == manual or _words_in(d, OUTCOME_DRIVER_WORDS):
                continue
            if a.method == "abc" and _words_in(a.name, OUTCOME_DRIVER_WORDS):
                continue
            drivers.append(d)
    return list(dict.fromkeys(drivers))


def _levers(analysis: Any, service_drivers: Sequence[str] | None) -> _Rows:
    pnl = analysis.customers
    params = analysis.parameters
    model = _CostModel(analysis)
    vol = model.volumes
    out = _Rows([], [])
    n = len(pnl)
    profit = pnl["profit"].to_numpy(dtype="float64")
    flagged = (pnl["flagged"].fillna(False).astype(bool).to_numpy() if "flagged" in pnl.columns
               else np.zeros(n, dtype=bool))
    chosen = (profit < 0) | flagged
    ids = np.asarray(pnl.index.astype(str), dtype=object)  # read one by one below: a NumPy array, not an Index
    net = pnl["net_revenue"].to_numpy(dtype="float64")
    active = (pnl["net_revenue"] > 0) | (pnl["orders"] > 0)
    segment = _segments(pnl)
    cost_of_capital = float(params.get("cost_of_capital", 0.0) or 0.0)
    rate = pnl["commission_rate"].fillna(0.0).to_numpy(dtype="float64")
    days = pnl["payment_days"].fillna(0.0).to_numpy(dtype="float64")
    cost_levers = np.zeros(n)  # the operational levers' effects, summed for the ending question
    price_needed = np.full(n, np.nan)

    # --- reprice: the price change on net revenue that brings profit to 0.
    # Each euro of revenue brings 1 − commission rate − days/365 × cost of capital (bad debt is
    # the amount written off, not a rate), less any activity driven by revenue.
    keep = 1.0 - rate - days / DAYS_PER_YEAR * cost_of_capital
    uses_revenue = any("revenue" in a.drivers for a in model.activities)

    def reprice_effect(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        moved = p * net
        cts = model.cost_change({"revenue": moved}) if uses_revenue else np.zeros(n)
        return moved * keep - cts, cts

    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where((net > 0) & (keep > 0), -profit / (net * keep), np.nan)
    if uses_revenue:  # a revenue-driven cost moves with the price: secant steps to break even
        p_prev, f_prev = np.zeros(n), profit.copy()
        for _ in range(30):
            f = profit + reprice_effect(np.nan_to_num(p))[0]
            with np.errstate(divide="ignore", invalid="ignore"):
                step = np.where(f != f_prev, f * (p - p_prev) / (f - f_prev), 0.0)
            p_prev, f_prev = p, f
            p = p - np.nan_to_num(step)
            if np.nanmax(np.abs(f), initial=0.0) < 0.005:
                break
    price_needed = np.where(profit < 0, p, np.nan)
    effect_p, cts_p = reprice_effect(np.nan_to_num(p))
    for i in np.flatnonzero(chosen & (profit < 0)):
        if not net[i] > 0:
            out.skip(ids[i], "reprice", "no positive net revenue to reprice")
        elif not np.isfinite(p[i]) or p[i] <= 0:
            out.skip(ids[i], "reprice", "each euro of revenue costs more in commissions and credit than it brings")
        elif p[i] > MAX_PRICE_RISE:
            out.skip(ids[i], "reprice", f"break even needs a price rise of {p[i]:+.1%}, more than "
                                        f"{MAX_PRICE_RISE:+.0%}: not a repricing but a different deal")
        else:
            out.add(ids[i], "reprice", "revenue", net[i], net[i] * (1.0 + p[i]),
                    f"prices {p[i]:+.1%}: net revenue {_money(net[i])} → {_money(net[i] * (1.0 + p[i]))} "
                    "(break even)",
                    float(effect_p[i]), float(-cts_p[i]),
                    f"p = −profit / (net revenue × (1 − commission {rate[i]:.1%} − {_num(round(days[i], 1))} "
                    f"days/365 × {cost_of_capital:.1%})) = {_money(-profit[i])} / "
                    f"({_money(net[i])} × {keep[i]:.4f})")

    # --- change the service: the most valuable service driver to its segment median.
    manual = _plan_manual_driver(model)
    if service_drivers is None:
        service = _default_service_drivers(model, manual)
    else:
        service = list(service_drivers)
        unknown = [d for d in service if d not in vol.columns]
        if unknown:
            raise ArgumentError("service_drivers", unknown[0],
                                f"a driver the analysis costs ({', '.join(vol.columns)})")
    best = np.zeros(n)
    best_row: dict[int, tuple[str, float, float, str, float]] = {}
    for driver in (d for d in service if d in vol.columns):
        v = vol[driver].to_numpy(dtype="float64")
        median = _segment_median(vol[driver], segment, active).to_numpy(dtype="float64")
        target = np.ceil(np.maximum(median, v * (1.0 - MAX_SERVICE_CUT)) - 1e-9)
        target = np.where(chosen & (target < v), target, v)
        cut = -model.cost_change({driver: target - v})
        for i in np.flatnonzero(chosen & (cut > best + 0.005)):
            middle = _num(round(float(median[i]), 1))
            why = (f"the segment median {middle}" if median[i] >= v[i] * (1.0 - MAX_SERVICE_CUT)
                   else f"half, toward the segment median {middle}")
            best[i] = cut[i]
            best_row[int(i)] = (driver, float(v[i]), float(target[i]), why, float(cut[i]))
    for i in np.flatnonzero(chosen):
        if int(i) not in best_row:
            out.skip(ids[i], "change the service",
                     "no service driver above its segment median" if service else "no service driver in the model")
            continue
        driver, before, after, why, service_cut = best_row[int(i)]
        cost_levers[i] += service_cut
        out.add(ids[i], "change the service", driver, before, after,
                f"{driver} {_num(before)} → {_num(after)} ({why})", service_cut, service_cut,
                f"({_num(before)} − {_num(after)}) {driver} × cost per unit ({model.unit_cost_text(driver)})")

    # --- move manual orders to EDI: the manual-order cost goes; the order is still handled.
    if manual is not None and manual in vol.columns:
        v = vol[manual].to_numpy()
        edi = -model.cost_change({manual: -v})
        for i in np.flatnonzero(chosen):
            if not v[i] > 0:
                out.skip(ids[i], "move manual orders to EDI", f"no {manual}")
                continue
            cost_levers[i] += edi[i]
            out.add(ids[i], "move manual orders to EDI", manual, v[i], 0.0,
                    f"{manual} {_num(v[i])} → 0 (ordered by EDI; the orders are still handled)", float(edi[i]),
                    float(edi[i]), f"{_num(v[i])} {manual} × cost per unit ({model.unit_cost_text(manual)})")
    else:
        for i in np.flatnonzero(chosen):
            out.skip(ids[i], "move manual orders to EDI", "the model has no manual-order driver")

    # --- minimum order size: the segment's median order value, same lines and units.
    orders = pnl["orders"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        order_value = np.where(orders > 0, net / orders, np.nan)
    median_value = _segment_median(pd.Series(order_value, index=pnl.index), segment,
                                   active & (order_value > 0)).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        target_orders = np.maximum(np.ceil(net / median_value - 1e-9), np.ceil(orders * (1.0 - MAX_ORDER_CUT)))
    saving_orders = -model.cost_change({"orders": np.where(chosen & (target_orders < orders),
                                                           target_orders - orders, 0.0)})
    for i in np.flatnonzero(chosen):
        if not (orders[i] >= 2 and net[i] > 0 and np.isfinite(median_value[i])):
            out.skip(ids[i], "minimum order size", "fewer than two orders or no positive revenue")
        elif not target_orders[i] < orders[i]:
            out.skip(ids[i], "minimum order size",
                     f"average order {_money(order_value[i])} is not below the segment median "
                     f"{_money(median_value[i])}")
        elif not saving_orders[i] > 0:
            out.skip(ids[i], "minimum order size", "no activity is driven by the number of orders")
        else:
            cost_levers[i] += saving_orders[i]
            new_value = net[i] / target_orders[i]
            by_median = np.ceil(net[i] / median_value[i] - 1e-9) >= np.ceil(orders[i] * (1.0 - MAX_ORDER_CUT))
            why = f"the segment median {_money(median_value[i])}" if by_median else \
                f"twice today's, toward the segment median {_money(median_value[i])}"
            out.add(ids[i], "minimum order size", "orders", orders[i], target_orders[i],
                    f"orders {_num(orders[i])} → {_num(target_orders[i])} for the same lines and units "
                    f"(average order {_money(order_value[i])} → {_money(new_value)}, {why})",
                    float(saving_orders[i]), float(saving_orders[i]),
                    f"({_num(orders[i])} − {_num(target_orders[i])}) orders × cost per order "
                    f"({model.unit_cost_text('orders')})")

    # --- payment terms: the standard payment days (the payment_days parameter).
    standard = params.get("payment_days")
    credit = pnl["cost_of_credit"].to_numpy(dtype="float64")
    for i in np.flatnonzero(chosen):
        if standard is None:
            out.skip(ids[i], "payment terms", "no standard payment_days parameter")
        elif not (days[i] > float(standard) + 0.05 and net[i] > 0 and cost_of_capital > 0):
            out.skip(ids[i], "payment terms", f"pays in {_num(round(days[i], 1))} days, within the standard "
                                              f"{_num(float(standard))}" if days[i] <= float(standard) + 0.05
                     else "no cost of credit")
        else:
            after_cost = round(float(credit_cost(net[i], float(standard), cost_of_capital)), 2)
            saving_i = credit[i] - after_cost
            cost_levers[i] += saving_i
            out.add(ids[i], "payment terms", "payment_days", days[i], float(standard),
                    f"payment days {_num(round(days[i], 1))} → {_num(float(standard))} (the standard terms)",
                    saving_i, 0.0,
                    f"{_money(net[i])} × ({_num(round(days[i], 1))} − {_num(float(standard))}) days/365 × "
                    f"{cost_of_capital:.1%}")

    # --- consider ending the relationship: lifetime value + referral value after the levers < 0.
    _ending(analysis, model, out, chosen, ids, cost_levers, price_needed)
    return out


def _ending(analysis: Any, model: _CostModel, out: _Rows, chosen: np.ndarray, ids: np.ndarray,
            cost_levers: np.ndarray, price_needed: np.ndarray) -> None:
    """The ``consider ending the relationship`` rows (see :func:`actions`)."""
    pnl = analysis.customers
    params = analysis.parameters
    acq = analysis.acquisition.reindex(pnl.index)
    start, end = pd.Timestamp(params["period_start"]), pd.Timestamp(params["period_end"])
    years = ((end - start).days + 1) / _DAYS_PER_CALENDAR_YEAR
    clv = pnl["clv"].to_numpy(dtype="float64") if "clv" in pnl.columns else np.full(len(pnl), np.nan)
    referral = acq["referral_value"].fillna(0.0).to_numpy(dtype="float64") if "referral_value" in acq else 0.0
    lifetimes = analysis.clv if isinstance(analysis.clv, pd.DataFrame) else None  # None: no discount rate given
    life = (lifetimes["expected_lifetime_years"].reindex(pnl.index).to_numpy(dtype="float64")
            if lifetimes is not None and "expected_lifetime_years" in lifetimes.columns
            else np.full(len(pnl), np.nan))
    profit = pnl["profit"].to_numpy(dtype="float64")
    contribution = pnl["contribution"].to_numpy(dtype="float64")
    cts = pnl["cost_to_serve"].to_numpy(dtype="float64")
    with_clv = np.isfinite(clv)
    # The levers' yearly gain over the customer's expected lifetime, undiscounted: the levers get
    # the benefit of the doubt, so "still negative" is a safe verdict.
    value_before = np.where(with_clv, clv + referral, profit + referral)
    value_after = np.where(with_clv, value_before + cost_levers / years * np.nan_to_num(life),
                           value_before + cost_levers)
    for i in np.flatnonzero(chosen):
        if not value_after[i] < 0:
            out.skip(ids[i], "consider ending the relationship",
                     f"value after the levers is {_money(value_after[i])}, not negative")
            continue
        basis = "lifetime value incl. referral value" if with_clv[i] else \
            "profit incl. referral value (no lifetime value computed)"
        price = (f"; break even needs prices {price_needed[i]:+.1%}" if np.isfinite(price_needed[i])
                 and price_needed[i] > 0 else "")
        effect = -contribution[i]
        out.add(ids[i], "consider ending the relationship", "relationship", contribution[i], 0.0,
                f"{basis} {_money(value_before[i])} → {_money(value_after[i])} after the service, EDI, "
                f"order-size and payment-terms levers{price}",
                float(effect), float(cts[i]),
                "effect = −contribution (acquisition cost already spent); the cost-to-serve freed is saved "
                "only if the capacity is cut")


def _frame(rows: list[dict[str, Any]], analysis: Any) -> pd.DataFrame:
    pnl = analysis.customers
    table = pd.DataFrame(rows, columns=[c for c in ACTION_COLUMNS if c not in
                                        ("rank", "name", "segment", "profit_before", "profit_after",
                                         "result_effect")])
    ids = table["customer_id"]
    table["name"] = pnl["name"].reindex(ids).to_numpy() if "name" in pnl.columns else np.nan
    table["segment"] = pnl["segment"].reindex(ids).to_numpy() if "segment" in pnl.columns else np.nan
    table["profit_before"] = pnl["profit"].reindex(ids).to_numpy(dtype="float64")
    table["effect"] = table["effect"].astype("float64").round(2)
    table["cost_to_serve_freed"] = table["cost_to_serve_freed"].astype("float64").round(2)
    table["profit_after"] = (table["profit_before"] + table["effect"]).round(2)
    table["result_effect"] = (table["effect"] - table["cost_to_serve_freed"]).round(2)
    order = {lever: k for k, lever in enumerate(LEVERS)}
    table["_lever"] = table["lever"].map(order)
    table = table.sort_values(["effect", "customer_id", "_lever"], ascending=[False, True, True], kind="stable")
    table = table.drop(columns="_lever").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table[ACTION_COLUMNS]


def actions(analysis: Any, *, service_drivers: Sequence[str] | None = None) -> pd.DataFrame:
    """The levers for every losing or flagged customer, ranked by value at stake.

    A customer is chosen when its profit is negative or the trend flags it (``flagged``); a
    profitable, unflagged customer gets no row. For each chosen customer every lever that
    applies is a row; those that do not are in :func:`actions_left_out`, with the reason.

    Lever sizes, and why:

    * **reprice** — the price change ``p`` on all its net revenue that brings its profit to
      0. Of each euro more, commissions (the customer's rate) and cost of credit (its payment
      days) take their share; bad debt is the amount written off, not a rate of revenue, and
      stays; COGS stays (same goods). ``p = −profit / (net revenue × (1 − commission rate −
      payment days / 365 × cost of capital))``. Only for losing customers, and at most
      :data:`MAX_PRICE_RISE`.
    * **change the service** — of the customer's service drivers (usage drivers the supplier
      decides, such as visits, calls or rush orders: not the manual-order driver and not
      outcomes such as complaints, :data:`OUTCOME_DRIVER_WORDS`), the one whose cut saves the
      most, brought to its segment's median volume but by at most :data:`MAX_SERVICE_CUT`
      (rounded up to whole units). Saving = units × their cost in every activity they drive,
      time equations included (a rush order also lengthens order handling).
    * **move manual orders to EDI** — the manual-order driver (:data:`MANUAL_ORDER_WORDS`) to
      0: its own activity's cost goes, the orders are still handled and delivered. The model
      has no EDI activity, so EDI is taken as costing nothing per order.
    * **minimum order size** — when the customer's average order value is below its
      segment's median, the same revenue, lines and units in ``ceil(net revenue / median
      order value)`` orders, at most :data:`MAX_ORDER_CUT` fewer. Saving = orders saved × the
      cost per order of the order-driven activities (their time equations' constant); line-
      and unit-driven costs, rush and manual orders stay.
    * **payment terms** — payment days down to the standard ``payment_days`` parameter:
      ``net revenue × (days − standard) / 365 × cost of capital``.
    * **consider ending the relationship** — when the customer's lifetime value plus its
      referral value (the Acquisition table's ``total_value``) stays negative even with the
      four operational levers above (their yearly effect over its expected lifetime,
      undiscounted: the benefit of the doubt goes to keeping it); repricing is not counted,
      because it is what the customer may refuse — the text says what price rise break even
      would need. Without lifetime values (no ``discount_rate``), the period's profit after the
      levers plus referral value decides. Effect = −contribution: the customer's profit is
      then its acquisition cost, already spent.

    Parameters
    ----------
    analysis:
        An :class:`~xlprofit.core.analysis.Analysis` of a whole book (not a product pilot).
    service_drivers:
        The drivers the *change the service* lever may cut; default: every usage driver of
        the activities but the manual-order driver and outcome drivers.

    Returns
    -------
    pandas.DataFrame
        One row per (customer, lever), columns :data:`ACTION_COLUMNS`: ``rank`` (1 = largest
        effect, over all customers), ``customer_id, name, segment, lever``, ``driver`` with its
        volume ``before`` and ``after`` (net revenue for reprice, payment days for payment terms,
        contribution → 0 for ending), ``change`` (a sentence with the numbers), ``effect`` on the
        customer's profit in the period, ``profit_before``, ``profit_after``,
        ``cost_to_serve_freed`` (minutes released to unused capacity and conventional cost
        moved to other customers: saved only if the capacity is cut), ``result_effect`` (effect
        − cost_to_serve_freed: the change in the period's result with the capacity as it is)
        and ``formula``.

    Notes
    -----
    Each effect is the lever alone, for the analysed period, computed from the analysis's own
    rules (module docstring): applying it to the input and analysing again moves the
    customer's profit by the effect, to the cent per activity. Effects of different levers of a
    customer add up while every resource stays under capacity.
    """
    return _frame(_levers(analysis, service_drivers).rows, analysis)


def actions_left_out(analysis: Any, *, service_drivers: Sequence[str] | None = None) -> pd.DataFrame:
    """The levers :func:`actions` considered for a chosen customer but left out, with the reason.

    Columns :data:`LEFT_OUT_COLUMNS`: ``customer_id, lever, reason`` (e.g. "break even needs a
    price rise of +62.0 %, more than +25 %", "no service driver above its segment median").
    """
    return pd.DataFrame(_levers(analysis, service_drivers).left_out, columns=LEFT_OUT_COLUMNS)


def actions_and_left_out(analysis: Any, *, service_drivers: Sequence[str] | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`actions` and :func:`actions_left_out` from one pass over the levers (half the time of both)."""
    levers = _levers(analysis, service_drivers)
    return _frame(levers.rows, analysis), pd.DataFrame(levers.left_out, columns=LEFT_OUT_COLUMNS)


def top_actions(table: pd.DataFrame, n: int = 10, *, per_customer: bool = True) -> pd.DataFrame:
    """The ``n`` actions with the largest value at stake of an :func:`actions` table, best first.

    With ``per_customer`` (the default) each customer appears once, with its best lever: a
    losing customer's "reprice" and "consider ending the relationship" are worth the same (its
    loss) and would otherwise fill the list in pairs. ``per_customer=False``: ranks 1 … n.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ArgumentError("n", n, "a whole number of actions, at least 0")
    ranked = table.sort_values("rank", kind="stable")
    if per_customer:
        ranked = ranked.drop_duplicates("customer_id", keep="first")
    return ranked.head(int(n)).reset_index(drop=True)
