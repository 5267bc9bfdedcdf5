"""The analyses behind the Excel functions that take whole input tables.

``XLP_CUSTOMER_PNL``, ``XLP_ACTIVITY_RATES``, ``XLP_TREND``, ``XLP_EXCEPTIONS`` and
``XLP_CHECKS`` read the same ranges of one workbook; :func:`cached_analysis` analyses them
once and keeps the last few results for recalculation. :func:`lines_used` applies a
function's ``bad_lines`` choice to an analysis, and :func:`rates_without_volumes` gives the
driver rates of the activities when no transactions give volumes.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core import costing
from xlprofit.core.analysis import Analysis, analyze
from xlprofit.core.dataset import Dataset
from xlprofit.core.parsing import (
    EXCEL_ERRORS,
    excel_error_reason,
    parse_ids,
    parse_numbers,
    snake_case,
    without_cell_errors,
)
from xlprofit.core.timeeq import parse_time_equation
from xlprofit.errors import ArgumentError, Problem, ValidationError

from . import _args as a
from ._boundary import officejs

__all__ = ["cached_analysis", "clear_cache", "customers_of", "lines_used", "rates_without_volumes",
           "rejected_rows", "with_note"]

#: Analyses kept for recalculation: the P&L, activity and trend tables of one workbook share one.
_ANALYSES_KEPT = 4
_analyses: OrderedDict[bytes, Analysis] = OrderedDict()



def customers_of(transactions: pd.DataFrame) -> pd.DataFrame:
    """Build the customers table implied by the transactions: their distinct customer ids."""
    columns = {snake_case(c): c for c in transactions.columns}
    if "customer_id" not in columns:
        return pd.DataFrame({"customer_id": pd.Series(dtype=object)})
    ids = parse_ids(without_cell_errors(transactions[columns["customer_id"]]).reset_index(drop=True))
    return pd.DataFrame({"customer_id": sorted(set(ids.dropna()))})


def cached_analysis(
    transactions: Any, activities: Any, usage: Any, resources: Any, customers: Any, parameters: Any
) -> Analysis:
    """Analyse the input tables, reusing the result of identical inputs (cheap recalculation).

    Excel error cells are kept (as :class:`~xlprofit.core.parsing.CellError`), so that the
    analysis rejects their rows with the reason and lists them; :func:`lines_used` then
    applies the caller's ``bad_lines`` choice.
    """
    raw = (transactions, activities, usage, resources, customers, parameters, a.current_culture())
    try:
        key: bytes | None = hashlib.blake2b(pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL)).digest()
    except (pickle.PicklingError, TypeError, AttributeError):
        key = None
    if key is not None and key in _analyses:
        _analyses.move_to_end(key)
        return _analyses[key]
    txn = a.table("transactions", transactions, errors="keep")
    act = a.table("activities", activities, errors="keep")
    use = a.table("usage", usage, required=False, errors="keep")
    res = a.table("resources", resources, required=False, errors="keep")
    cus = a.table("customers", customers, required=False, errors="keep")
    par = a.table("parameters", parameters, required=False, errors="keep")
    assert txn is not None and act is not None
    result = analyze(Dataset(cus if cus is not None else customers_of(txn), txn, act, res, use, par))
    if key is not None:
        _analyses[key] = result
        while len(_analyses) > _ANALYSES_KEPT:
            _analyses.popitem(last=False)
    return result


def rejected_rows(result: Analysis) -> pd.DataFrame:
    """The input rows the analysis could not use: one exception row per rejected input row."""
    ex = result.exceptions
    return ex[ex["action"] == "rejected"].drop_duplicates(["table", "row"])


def lines_used(result: Analysis, bad_lines: Any) -> str | None:
    """Apply ``bad_lines`` to an analysis: raise for a rejected row, or say what was left out.

    Returns
    -------
    str or None
        With ``"skip"``, the note stating how many rows and how much net revenue were left
        out (``None`` when nothing was).

    Raises
    ------
    ExcelErrorValue
        With ``"error"``, when the first rejected row held an Excel error cell (its own code).
    ValidationError
        With ``"error"``, when a row was rejected for any other reason (named with its table,
        row, column and value).
    """
    choice = a.bad_lines("bad_lines", bad_lines)
    rejected = rejected_rows(result)
    if rejected.empty:
        return None
    exceptions_function = "XLP.EXCEPTIONS" if officejs() else "XLP_EXCEPTIONS"
    if choice == "error":
        first = rejected.iloc[0]
        row = None if pd.isna(first["row"]) else int(first["row"])
        more = len(rejected) - 1
        hint = (
            f"{len(rejected):,} row(s) cannot be used; {exceptions_function} lists them, "
            'bad_lines "skip" leaves them out'
        )
        reason = str(first["reason"])
        if str(first["value"]) in EXCEL_ERRORS and reason == excel_error_reason(str(first["value"])):
            raise a.ExcelErrorValue(str(first["value"]), str(first["table"]), row=row, column=first["column"])
        problem = Problem(str(first["table"]), row, first["column"], first["value"], f"{reason} ({hint})")
        raise ValidationError([problem], f"{1 + more} row(s) cannot be used")
    lines = rejected[rejected["table"].astype(str).str.startswith("transactions")]
    others = rejected[~rejected["table"].astype(str).str.startswith("transactions")]
    parts = []
    if len(lines):
        # Lines in a currency without an fx rate keep their amount as read: stated per currency,
        # never added to the reporting currency's.
        ex = result.exceptions
        foreign = ex[ex["table"].astype(str).str.startswith("transactions") & (ex["column"] == "currency")
                     & (ex["action"] == "rejected")].drop_duplicates(["table", "row"])
        currency = pd.Series(foreign["value"].astype(str).to_numpy(),
                             index=pd.MultiIndex.from_frame(foreign[["table", "row"]]))
        codes = currency.reindex(pd.MultiIndex.from_frame(lines[["table", "row"]])).to_numpy()
        home = pd.isna(codes)
        readable = lines["amount"][home].dropna()
        unreadable = int(home.sum()) - len(readable)
        details = []
        if len(readable):  # in the reporting currency, as the reconciliation counts it
            amount = result.kpis.set_index("kpi")["value"].get("Net revenue of rejected invoice lines",
                                                                  float(readable.sum()))
            details.append(f"net revenue {float(amount):,.2f}")
        for code in sorted({str(c) for c in codes[~home]}):
            amounts = lines["amount"][codes == code].dropna()
            details.append(f"{code} {float(amounts.sum()):,.2f} not converted (no fx rate)")
        if unreadable:
            details.append(f"{unreadable:,} without a readable net revenue")
        parts.append(f"{len(lines):,} invoice line(s) ({'; '.join(details)})")
    for table, count in others.groupby("table", sort=False).size().items():
        parts.append(f"{count:,} row(s) of {table}")
    return f"Left out: {'; '.join(parts)}. {exceptions_function} lists every rejected row with its reason."


def with_note(rows: list[list[Any]], note: str | None) -> list[list[Any]]:
    """A spilled table with a last row that states what was left out (when anything was)."""
    if note is None:
        return rows
    width = len(rows[0])
    return [*rows, [note] + [None] * (width - 1)]


def clear_cache() -> None:
    """Forget the analyses kept for recalculation."""
    _analyses.clear()


def rates_without_volumes(activities: Any, resources: Any) -> pd.DataFrame:
    """Driver rates of time-driven activities when no transactions give volumes."""
    act = a.table("activities", activities)
    res = a.table("resources", resources, required=False)
    assert act is not None
    act.columns = [snake_case(c) for c in act.columns]
    for column in ("activity", "driver"):
        if column not in act.columns:
            raise ArgumentError("activities", f"columns {list(act.columns)}", f"a table with a '{column}' column")
    frame = pd.DataFrame({"activity": act["activity"], "driver": act["driver"]})
    for column in ("resource", "unit_time", "time_equation"):
        frame[column] = act[column] if column in act.columns else None

    def blank(cell: Any) -> bool:
        return a.is_blank(cell) or (isinstance(cell, float) and math.isnan(cell))

    frame["method"] = np.where(frame["resource"].map(blank), "abc", "tdabc")
    minutes, _ = parse_numbers(frame["unit_time"])
    equations = frame["time_equation"].map(lambda t: None if blank(t) else t)
    intercepts = [parse_time_equation(str(t)).intercept if t is not None else np.nan for t in equations]
    frame["unit_time"] = minutes
    frame["minutes_per_event"] = np.where(equations.notna(), intercepts, minutes)
    frame["capacity_rate"] = np.nan
    frame["driver_rate"] = np.nan
    timed = frame["method"] == "tdabc"
    if timed.any():
        if res is None:
            raise ArgumentError("resources", "a blank cell", "the resources table when an activity names a resource")
        res.columns = [snake_case(c) for c in res.columns]
        for column in ("resource", "cost", "capacity"):
            if column not in res.columns:
                raise ArgumentError("resources", f"columns {list(res.columns)}", f"a table with a '{column}' column")
        pools = pd.DataFrame(
            {
                "cost": parse_numbers(res["cost"])[0].to_numpy(),
                "capacity": parse_numbers(res["capacity"])[0].to_numpy(),
            },
            index=res["resource"].astype(str).str.strip(),
        )
        names = frame.loc[timed, "resource"].astype(str).str.strip()
        unknown = names[~names.isin(pools.index)]
        if len(unknown):
            raise ArgumentError("activities", unknown.iloc[0], "a resource listed in 'resources'")
        per_event = frame.loc[timed, "minutes_per_event"].to_numpy(dtype=float)
        if np.isnan(per_event).any():
            raise ArgumentError(
                "activities",
                frame.loc[timed, "activity"][np.isnan(per_event)].iloc[0],
                "an activity with a unit_time or a time_equation",
            )
        pool = pools.loc[names.to_numpy()]
        frame.loc[timed, "capacity_rate"] = costing.capacity_rate(pool["cost"].to_numpy(), pool["capacity"].to_numpy())
        frame.loc[timed, "driver_rate"] = costing.activity_rate(
            pool["cost"].to_numpy(), pool["capacity"].to_numpy(), per_event
        )
    columns = [
        "activity",
        "method",
        "resource",
        "driver",
        "unit_time",
        "time_equation",
        "capacity_rate",
        "driver_rate",
    ]
    return frame[columns].reset_index(drop=True)
