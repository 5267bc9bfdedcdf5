"""The reconciliation: every check that the figures add up, the bridge to the period's result, completeness.

Every run checks that revenue, lines and every cost pool of the input are in the figures (or
listed as rejected or excluded) to the cent, that customer profit bridges to the period's
result, and refuses input whose cost pools were rejected unless the user accepts an incomplete
analysis (README, *What is computed, exactly*).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from xlprofit.core import costing
from xlprofit.core.dataset import Dataset
from xlprofit.core.lines import LineAccounting
from xlprofit.core.money import round_half_away, to_cents
from xlprofit.errors import (
    Problem,
    ValidationError,
    describe_value,
)

if TYPE_CHECKING:
    pass


__all__ = ["BRIDGE_STEPS", "reconcile", "period_bridge", "rejected_cost_pools", "rejected_pools_error"]


def _check(rows: list[dict[str, Any]], check: str, expected: float, actual: float, detail: str = "") -> None:
    """Add one reconciliation check: it holds when expected and actual agree to the cent."""
    diff = round(actual - expected, 2)
    rows.append({"check": check, "expected": round(expected, 2), "actual": round(actual, 2),
                 "difference": diff, "holds": bool(abs(diff) < 0.005), "detail": detail})


def reconcile(ds: Dataset, pnl: pd.DataFrame, result: costing.CostingResult, acc: LineAccounting,
              pools: pd.DataFrame, bridge: pd.DataFrame, others: pd.Series | None = None) -> pd.DataFrame:
    """Every conservation check (``check, expected, actual, difference, holds, detail``).

    Net revenue and lines of the input against the P&L, credited, rejected and excluded lines;
    each resource and conventional activity against its assignments; the customers' cost-to-serve
    (and, for a pilot, the other products' ``others``) against the activities; the waterfall;
    the rejected cost pools (an incomplete analysis) and the bridge.
    """
    rows: list[dict[str, Any]] = []
    pnl_cents = int(to_cents(pnl["net_revenue"]).sum())
    excluded = acc.outside_cents + acc.filtered_cents
    _check(rows, "Net revenue: input = customer P&L + credited returns + rejected + excluded lines",
           acc.input_net_cents / 100.0, (pnl_cents + acc.credited_cents + acc.rejected_cents + excluded) / 100.0,
           f"P&L {pnl_cents / 100:,.2f}; credited returns {acc.credited_cents / 100:,.2f} "
           f"({acc.credited_rows:,} line(s)); rejected {acc.rejected_cents / 100:,.2f}; outside the period "
           f"{acc.outside_cents / 100:,.2f}; other products {acc.filtered_cents / 100:,.2f}; "
           f"{acc.unreadable_net_revenue} line(s) with an unreadable amount listed in exceptions"
           # Rejected lines in a currency without an fx rate: in no figure above, stated per currency.
           + "".join(f"; not converted, no fx rate: {cur} {cents / 100:,.2f} in {n:,} line{'s' * (n != 1)}"
                     for cur, (n, cents) in sorted(acc.unconverted.items())))
    pnl_lines = int(pnl["lines"].sum())
    _check(rows, "Invoice lines: input = customer P&L + rejected + excluded", float(acc.input_rows),
           float(pnl_lines + acc.rejected_rows + acc.outside_rows + acc.filtered_rows),
           f"P&L {pnl_lines:,}; rejected {acc.rejected_rows:,}; excluded {acc.outside_rows + acc.filtered_rows:,}"
           + (f"; {acc.unlisted:,} exception(s) counted but not listed" if acc.unlisted else ""))
    acts = result.activities
    for r in result.resources.itertuples(index=False):
        _check(rows, f"Resource '{r.resource}': cost = assigned + unused capacity", float(r.cost),
               round(float(r.assigned) + float(r.unused_cost), 2),
               f"assigned {r.assigned:,.2f}; unused {r.unused_cost:,.2f}"
               + ("; OVER CAPACITY" if bool(r.over_capacity) else ""))
    for a in acts[acts["method"] == "abc"].itertuples(index=False):
        detail = f"assigned {a.assigned:,.2f}; unassigned {a.unassigned:,.2f}"
        if isinstance(a.unassigned_reason, str) and a.unassigned_reason:
            detail += f" ({a.unassigned_reason})"
        _check(rows, f"Activity '{a.activity}': cost = assigned + unassigned", float(a.cost),
               round(float(a.assigned) + float(a.unassigned), 2), detail)
    cts_cols = [c for c in pnl.columns if c.startswith("cts_")]
    served = int(to_cents(pnl[cts_cols].to_numpy().ravel()).sum()) if cts_cols else 0
    if others is None:
        _check(rows, "Cost-to-serve: customers = activities assigned", float(acts["assigned"].sum()), served / 100.0)
    else:
        other = sum(int(others[c]) for c in cts_cols if c in others.index)
        _check(rows, "Cost-to-serve: analysed products + other products = activities assigned",
               float(acts["assigned"].sum()), (served + other) / 100.0,
               f"analysed products {served / 100:,.2f}; other products {other / 100:,.2f}")
    waterfall = (to_cents(pnl["net_revenue"]) - to_cents(pnl["cogs"]) - to_cents(pnl["cost_to_serve"])
                 - to_cents(pnl["commissions"]) - to_cents(pnl["cost_of_credit"]) - to_cents(pnl["bad_debt"])
                 - to_cents(pnl["acquisition_cost"])).sum()
    _check(rows, "Profit = net revenue − COGS − cost-to-serve − commissions − credit − bad debt − acquisition",
           float(waterfall) / 100.0, float(to_cents(pnl["profit"]).sum()) / 100.0)
    if len(pools):
        _pools_check(rows, result, pools)
    _bridge_check(rows, bridge)
    return pd.DataFrame(rows, columns=["check", "expected", "actual", "difference", "holds", "detail"])


# ---------------------------------------------------------------------------------- completeness

#: The cost-pool tables and the column that names each of their rows.
_POOL_KEYS = {"resources": "resource", "activities": "activity"}
_POOL_COLUMNS = ["table", "row", "name", "problem", "cost", "cost_status"]


def rejected_cost_pools(dataset: Dataset) -> pd.DataFrame:
    """The cost pools rejected while reading: resource and activity rows that no analysis can trace.

    A rejected pool's cost would silently be missing from every figure, so :func:`analyze`
    refuses such input unless ``allow_incomplete`` (README, *What is computed, exactly*: "Completeness"). A
    resource that no activity uses, or an activity that nothing drove, is not rejected: its
    cost is in the analysis as unused capacity or unassigned cost.

    Returns
    -------
    pandas.DataFrame
        One row per rejected input row, resources first: ``table`` (``resources`` or
        ``activities``), ``row`` (as the user sees it), ``name`` (the resource or activity
        the row names, as read, else missing), ``problem`` (every reason found for the row),
        ``cost`` and ``cost_status``: ``known`` (the cost as read), ``none`` (a time-driven
        activity has no cost of its own: 0), ``unreadable`` or ``rejected`` (the cost cell is
        blank, not a number or itself invalid: ``cost`` is NaN, the amount is unknown).
    """
    ex = dataset.exceptions
    ex = ex[ex["table"].isin(list(_POOL_KEYS)) & (ex["action"] == "rejected") & ex["row"].notna()]
    rows = []
    for (table, row), records in ex.groupby(["table", "row"], sort=False):
        key = _POOL_KEYS[str(table)]
        named = records.loc[(records["column"] == key) & records["value"].map(lambda v: isinstance(v, str)),
                            "value"]
        problem = "; ".join(
            (f"{c} {describe_value(v)}: {r}" if v is not None and v == v else f"{c}: {r}") if c else str(r)
            for c, v, r in zip(records["column"], records["value"], records["reason"], strict=True))
        amounts = pd.to_numeric(records["amount"], errors="coerce").to_numpy(dtype="float64")
        readable = amounts[np.isfinite(amounts)]
        if (records["column"] == "cost").any():
            cost, status = np.nan, "rejected" if len(readable) else "unreadable"
        elif len(readable):
            cost, status = float(readable[0]), "known"
        elif table == "activities":  # no cost cell and no problem with it: a time-driven activity
            cost, status = 0.0, "none"
        else:
            cost, status = np.nan, "unreadable"
        name = dataset.pool_names.get((str(table), int(row)), named.iloc[0] if len(named) else None)
        rows.append((str(table), int(row), name, problem, cost, status))
    pools = pd.DataFrame(rows, columns=_POOL_COLUMNS)
    order = pools["table"].map({"resources": 0, "activities": 1})
    return pools.assign(_o=order).sort_values(["_o", "row"], kind="stable").drop(columns="_o").reset_index(
        drop=True)


def _pool_label(pool: Any) -> str:
    kind = "resource" if pool.table == "resources" else "activity"
    return f"{kind} {pool.name!r}, row {pool.row}" if isinstance(pool.name, str) else f"{kind} at row {pool.row}"


def _pool_cost_text(pool: Any) -> str:
    return {"known": f"cost {pool.cost:,.2f}", "none": "no cost of its own (time-driven)",
            "unreadable": "cost unreadable", "rejected": "cost rejected"}[pool.cost_status]


def _excluded_cents(pools: pd.DataFrame) -> int | None:
    """The known cost of the rejected pools in cents; ``None`` when one of them has an unknown cost."""
    if pools["cost"].isna().any():
        return None
    return sum(int(round_half_away(c * 100.0)) for c in pools["cost"])  # Python ints: never overflow


def rejected_pools_error(dataset: Dataset, pools: pd.DataFrame) -> ValidationError:
    """The error for input with rejected cost pools: each rejected record, the row's cost on its first."""
    ex = dataset.exceptions
    ex = ex[ex["table"].isin(list(_POOL_KEYS)) & (ex["action"] == "rejected")]
    cost = {(p.table, p.row): _pool_cost_text(p) for p in pools.itertuples(index=False)}
    problems, seen = [], set()
    for p in pools.itertuples(index=False):
        records = ex[(ex["table"] == p.table) & (ex["row"] == p.row)]
        for r in records.itertuples(index=False):
            named = f" ({_pool_label(p).split(',')[0]})" if isinstance(p.name, str) and r.value != p.name else ""
            note = named if (p.table, p.row) in seen else f"{named} — {cost[(p.table, p.row)]}"
            seen.add((p.table, p.row))
            problems.append(Problem(p.table, p.row, r.column, r.value, f"{r.reason}{note}"))
    known = pools.loc[pools["cost_status"] == "known", "cost"].sum()
    unknown = int(pools["cost"].isna().sum())
    missing = f"{known:,.2f} of cost" + (f" and {unknown} pool(s) of unreadable cost" if unknown else "")
    return ValidationError(problems, headline=(
        f"{len(pools)} cost pool row(s) rejected (resources, activities): {missing} would be missing from every "
        "figure. Correct them, or allow an incomplete analysis, which reports them as excluded"))


#: The steps of :attr:`Analysis.bridge`, in order; the last is the period's result.
BRIDGE_STEPS: tuple[str, ...] = ("Customer profit", "Other products' profit", "Unused capacity cost",
                                 "Unassigned activity cost", "Excluded cost pools", "Period result")


def _cents(values: pd.Series) -> int:
    return int(to_cents(values).sum()) if len(values) else 0


def _traced_cents(result: costing.CostingResult) -> int:
    """The cost of the pools in the analysis: every resource and every conventional activity."""
    acts = result.activities
    return _cents(result.resources["cost"]) + _cents(acts.loc[acts["method"] == "abc", "cost"])


def _other_profit(others: pd.Series | None) -> int:
    """Fully loaded profit of the products a pilot leaves out, in cents (0 without a pilot)."""
    if others is None:
        return 0
    cost = sum(int(v) for k, v in others.items() if str(k).startswith("cts_"))
    return int(others["net_revenue"] - others["cogs"] - others["commissions"] - others["cost_of_credit"]
               - others["bad_debt"] - others["acquisition_cost"]) - cost


def period_bridge(pnl: pd.DataFrame, result: costing.CostingResult, pools: pd.DataFrame,
            others: pd.Series | None = None) -> pd.DataFrame:
    """Customer profit to the period's result, in integer cents (see :attr:`Analysis.bridge`).

    For a pilot (``others``: the cents of the products left out), the other products' fully
    loaded profit is a step of its own and the period's result is the whole period's.
    """
    profit = _cents(pnl["profit"])
    other = _other_profit(others)
    unused = _cents(result.resources["unused_cost"])
    unassigned = _cents(result.activities["unassigned"])
    excluded = _excluded_cents(pools)

    def whole(column: str) -> int:
        return _cents(pnl[column]) + (int(others[column]) if others is not None else 0)

    revenue = whole("net_revenue")
    input_cost = None if excluded is None else _traced_cents(result) + excluded
    deductions = [("COGS", whole("cogs")), ("activity and resource cost of the input", input_cost),
                  ("commissions", whole("commissions")), ("cost of credit", whole("cost_of_credit")),
                  ("bad debt", whole("bad_debt")), ("acquisition cost", whole("acquisition_cost"))]
    period = None if input_cost is None else revenue - sum(c for _, c in deductions if c is not None)
    derivation = f"net revenue {revenue / 100:,.2f} − " + " − ".join(
        f"{name} " + ("unknown" if c is None else f"{c / 100:,.2f}") for name, c in deductions)
    unknown = int(pools["cost"].isna().sum())

    def money(c: int | None) -> float:
        return np.nan if c is None else c / 100.0

    rows = [
        (BRIDGE_STEPS[0], money(profit), "Σ over the customers (Customer P&L)"
         + (": the analysed products, fully loaded" if others is not None else "")),
        (BRIDGE_STEPS[1], money(other), "the period's other products, fully loaded" if others is not None
         else "none: every product is analysed"),
        (BRIDGE_STEPS[2], money(-unused), "resource capacity paid for, not used; not charged to customers"),
        (BRIDGE_STEPS[3], money(-unassigned), "activities that nothing drove"),
        (BRIDGE_STEPS[4], money(None if excluded is None else -excluded),
         (f"{len(pools)} rejected cost pool row(s)" + (f", {unknown} of unreadable cost" if unknown else "")
          + ": an incomplete analysis") if len(pools) else "none"),
        (BRIDGE_STEPS[5], money(period), derivation),
    ]
    return pd.DataFrame(rows, columns=["step", "amount", "note"])


def _pools_check(rows: list[dict[str, Any]], result: costing.CostingResult, pools: pd.DataFrame) -> None:
    """The check of an incomplete analysis: the input's cost, rejected pools included, against the traced cost.

    It never holds: a pool left out means the figures are incomplete, even when its own cost is
    nil (a time-driven activity whose minutes were not traced).
    """
    traced = _traced_cents(result)
    excluded = _excluded_cents(pools)
    known = pools.loc[pools["cost_status"] == "known", "cost"].sum()
    unknown = int(pools["cost"].isna().sum())
    listed = "; ".join(f"{_pool_label(p)}: {p.problem}, {_pool_cost_text(p)}"
                       for p in pools.head(10).itertuples(index=False))
    more = f"; … {len(pools) - 10} more, see Exceptions" if len(pools) > 10 else ""
    expected = np.nan if excluded is None else (traced + excluded) / 100.0
    rows.append({"check": "Cost pools: input = traced + excluded", "expected": expected,
                 "actual": traced / 100.0, "difference": np.nan if excluded is None else -excluded / 100.0,
                 "holds": False,
                 "detail": f"excluded {known:,.2f}" + (f" and {unknown} pool(s) of unreadable cost (unknown)"
                                                       if unknown else "") + f" — {listed}{more}"})


def _bridge_check(rows: list[dict[str, Any]], bridge: pd.DataFrame) -> None:
    """The bridge ties: Σ customer profit − unused − unassigned − excluded = the period's result, to the cent."""
    amounts = bridge.set_index("step")["amount"]
    steps = amounts.loc[list(BRIDGE_STEPS[:-1])]
    actual = np.nan if steps.isna().any() else int(to_cents(steps).sum()) / 100.0
    period = bridge.set_index("step").loc[BRIDGE_STEPS[-1]]
    detail = f"period result = {period['note']}"
    if np.isnan(period["amount"]):
        detail = "unknown: a rejected cost pool's cost is unreadable; " + detail
    others = "" if amounts.loc[BRIDGE_STEPS[1]] == 0 else " + other products"
    _check(rows, f"Bridge: Σ customer profit{others} − unused − unassigned − excluded = period result",
           float(period["amount"]), actual, detail)
