"""The input tables: schemas, normalisation and validation.

Each input table (README, *Input tables*) arrives as a sheet, an Excel Table, a CSV or Parquet
file, or a DataFrame. :func:`normalise` turns all of them into the typed tables described in
``docs/architecture.md``. Problems are never silently dropped: a cell that cannot be used
becomes a :class:`~xlprofit.errors.Problem` naming the table, the row as the user sees it,
the column and the value; a row that cannot be used is *rejected* and listed with its reason;
a problem that makes the whole input unusable (a missing required column, a bad parameter)
is *fatal* and raises :class:`~xlprofit.errors.ValidationError` listing every problem found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.drivers import BUILTIN_DRIVERS
from xlprofit.core.lines import MAX_LISTED_EXCEPTIONS
from xlprofit.core.money import (
    MAX_PAYMENT_DAYS,
    QUANTITY_OUT_OF_RANGE,
    TOTAL_OUT_OF_RANGE,
    amount_in_range,
    amount_out_of_range,
    amount_out_of_range_reason,
    quantity_out_of_range,
    round_money,
    to_cents,
    total_out_of_range,
)
from xlprofit.core.parsing import (
    TEXT_CHANGED,
    TEXT_SHORTENED,
    blank_mask,
    cell_errors,
    member_of,
    parse_dates,
    parse_flags,
    parse_ids,
    parse_numbers,
    parse_text,
    snake_case,
    storable,
    without_cell_errors,
)
from xlprofit.core.reading import Collector, as_frame, csv_hints, fx_rates, read_parameters, set_rows
from xlprofit.core.schema import (
    EXCEPTION_COLUMNS,
    LEVELS,
    PAID_ON_OUT_OF_RANGE,
    SCHEMAS,
    Column,
    rate_requirement,
)
from xlprofit.errors import Problem, ValidationError

__all__ = ["Normalised", "normalise", "snake_column", "days_to_payment", "parse_period_span", "refusal",
           "NO_USABLE_ROWS", "CANNOT_ANALYSE"]


@dataclass
class Normalised:
    """The typed tables with everything found while reading them."""

    tables: dict[str, pd.DataFrame]
    parameters: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    #: Problems found beyond those listed in ``problems`` (see :data:`~xlprofit.core.reading.MAX_PROBLEMS`).
    unlisted_problems: int = 0
    exceptions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCEPTION_COLUMNS))
    #: The rejected invoice lines: ``customer_id``, ``net_revenue`` (in the reporting currency, or
    #: as read in the currency named by ``unconverted`` where the fx table has no rate), ``reason``.
    rejected_transactions: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Totals of the transactions table as read, before any row was rejected: ``rows``,
    #: ``net_revenue_cents`` (readable amounts in the reporting currency: without the lines in a
    #: currency the fx table has no rate for) and ``unreadable_net_revenue`` (rows).
    input_totals: dict[str, int] = field(default_factory=dict)
    #: Exchange rates of the ``fx`` table (units of reporting currency per unit).
    fx_rates: dict[str, float] = field(default_factory=dict)
    #: The name of every rejected cost pool row, as read: ``(table, row) -> resource or activity``.
    pool_names: dict[tuple[str, int], str] = field(default_factory=dict)


def _parse_column(table: str, frame: pd.DataFrame, col: Column, collector: Collector,
                  bad_rows: dict[int, list[str]], reject_on_bad: bool,
                  customer_ids: pd.Series | None = None, amount: pd.Series | None = None,
                  decimal_comma: bool = False) -> pd.Series:
    """Parse one column; record problems; mark rows to reject.

    Ids and texts are made storable in a workbook (:func:`~xlprofit.core.parsing.storable`):
    a text that held characters a workbook cannot store is listed as "text changed", one too
    long to show whole in a report table as "text shortened"; neither rejects the row.
    """
    if col.name not in frame.columns:
        if col.kind in ("money",):
            return pd.Series(np.nan, index=frame.index, dtype="float64")
        if col.kind == "flag":
            return pd.Series(False, index=frame.index, dtype=bool)
        if col.kind == "date":
            return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        if col.kind in ("number", "rate"):
            return pd.Series(np.nan, index=frame.index, dtype="float64")
        return pd.Series(None, index=frame.index, dtype=object)
    raw = frame[col.name]
    errors = cell_errors(raw)
    if errors.any():  # an Excel error cell is read as nothing, and reported with its own reason
        raw = raw.where(~errors, None)
    reasons = pd.Series(None, index=frame.index, dtype=object)
    if col.kind == "id":
        values = parse_ids(raw)
    elif col.kind == "text":
        values = parse_text(raw)
    elif col.kind in ("money", "number", "rate"):
        parsed, reasons = parse_numbers(raw, decimal_comma)
        out = pd.Series(col.out_of_range(parsed), index=parsed.index) & reasons.isna()
        # Money is rounded to the cent where it is in range; beyond, it would not fit in cents.
        values = amount_in_range(parsed) if col.kind == "money" else parsed
        compared = values.where(~out, parsed)  # an out-of-range value is compared as read
        if col.minimum is not None:
            low = (compared <= col.minimum) if col.strict else (compared < col.minimum)
            low &= reasons.isna()
            cmp = ">" if col.strict else "≥"
            reasons[low] = f"must be {cmp} {col.minimum:g}"
        if col.kind == "rate":
            for r in values.index[(values > 1.0).to_numpy() & reasons.isna().to_numpy()]:
                reasons[r] = f"must be {rate_requirement(float(values[r]))}"
        elif col.maximum is not None:
            high = (values > col.maximum) & reasons.isna()
            reasons[high] = f"must be between {col.minimum:g} and {col.maximum:g}"
        out &= reasons.isna()
        if out.any():
            reasons[out] = col.range_reason
        values = values.where(reasons.isna())
    elif col.kind == "date":
        values, reasons = parse_dates(raw)
    elif col.kind == "flag":
        values, reasons = parse_flags(raw)
    elif col.kind == "period":
        values = parse_text(raw)
    else:  # pragma: no cover - schema is static
        raise AssertionError(col.kind)
    if errors.any():
        reasons = reasons.astype(object)
        reasons[errors] = [cell.reason for cell in frame[col.name][errors]]
        raw = frame[col.name]
        if values.dtype == object:
            values = values.where(~errors, None)
        else:
            values = values.where(~errors)
    bad = reasons.notna()
    if bad.any():
        rows = frame.index[bad.to_numpy()]
        action = "rejected" if reject_on_bad else "value ignored"
        collector.cells(table, rows, col.name, raw.loc[rows], reasons[bad], action,
                        customer_id=customer_ids, amount=amount)
        if reject_on_bad:
            for r in rows:
                bad_rows.setdefault(int(r), []).append(col.name)
    if col.required:
        missing = blank_mask(raw) if col.kind != "flag" else pd.Series(False, index=frame.index)
        missing &= ~bad
        if missing.any():
            rows = frame.index[missing.to_numpy()]
            collector.cells(table, rows, col.name, None, "is blank; a value is required", "rejected",
                            customer_id=customer_ids, amount=amount)
            for r in rows:
                bad_rows.setdefault(int(r), []).append(col.name)
    if col.kind in ("id", "text"):
        values = _storable_column(table, col.name, raw, values, collector, customer_ids, amount)
    return values


def _storable_column(table: str, column: str, raw: pd.Series, values: pd.Series, collector: Collector,
                     customer_ids: pd.Series | None, amount: pd.Series | None) -> pd.Series:
    """Texts of a column made storable; the cells changed and those too long to show are listed."""
    values, changed, long = storable(values)
    for reasons, action in ((changed, TEXT_CHANGED), (long, TEXT_SHORTENED)):
        hit = reasons.notna().to_numpy()
        if hit.any():
            rows = values.index[hit]
            shown = raw.loc[rows] if action == TEXT_CHANGED else values.loc[rows]
            collector.cells(table, rows, column, shown, reasons[hit], action, customer_id=customer_ids,
                            amount=amount)
    return values


def _wrong_width(table: str, frame: pd.DataFrame, problems: Mapping[int, str], collector: Collector
                 ) -> tuple[pd.DataFrame, pd.Index]:
    """Reject the CSV rows with more or fewer fields than the header: listed, and left out before any cell is read."""
    rows = frame.index[frame.index.isin(list(problems))] if problems else pd.Index([], dtype="int64")
    if len(rows) == 0:
        return frame, rows
    collector.cells(table, rows, None, None, pd.Series([problems[int(r)] for r in rows], index=rows, dtype=object),
                    "rejected")
    return frame.loc[~frame.index.isin(rows)], rows


def _required_columns(table: str, frame: pd.DataFrame, collector: Collector) -> bool:
    ok = True
    for col in SCHEMAS[table]:
        if col.required and col.name not in frame.columns:
            known = ", ".join(frame.columns[:12]) or "none"
            collector.table_problem(table, col.name, f"required column '{col.name}' is missing "
                                    f"(columns found: {known})")
            ok = False
    return ok


def _typed(table: str, frame: pd.DataFrame, collector: Collector, *, reject: set[str],
           customer_col: str | None = None, amount_col: str | None = None, decimal_comma: bool = False
           ) -> tuple[pd.DataFrame, set[int]]:
    """Parse every schema column. Columns in ``reject`` reject the row when unreadable."""
    bad_rows: dict[int, list[str]] = {}
    cust = (storable(parse_ids(without_cell_errors(frame[customer_col])))[0]
            if customer_col and customer_col in frame.columns else None)
    amount = None
    if amount_col and amount_col in frame.columns:  # blank where unreadable or out of range
        amount = amount_in_range(parse_numbers(without_cell_errors(frame[amount_col]), decimal_comma)[0])
    out = {}
    for col in SCHEMAS[table]:
        out[col.name] = _parse_column(table, frame, col, collector, bad_rows, col.required or col.name in reject,
                                      customer_ids=cust, amount=amount, decimal_comma=decimal_comma)
    typed = pd.DataFrame(out, index=frame.index)
    return typed, set(bad_rows)


def _reject(typed: pd.DataFrame, rows: Iterable[int]) -> pd.DataFrame:
    rows = set(rows)
    if not rows:
        return typed
    return typed.loc[~typed.index.isin(list(rows))]


def _duplicates(table: str, typed: pd.DataFrame, key: str, collector: Collector,
                amount_col: str | None = None) -> set[int]:
    keys = typed[key]
    dup = keys.notna() & keys.duplicated(keep="first")
    if not dup.any():
        return set()
    first_row = keys[~keys.duplicated(keep="first") & keys.notna()]
    first = pd.Series(first_row.index, index=first_row.to_numpy())
    rows = typed.index[dup.to_numpy()]
    reasons = pd.Series([f"duplicate {key} (first at row {first[k]})" for k in keys.loc[rows]], index=rows)
    collector.cells(table, rows, key, keys.loc[rows], reasons, "rejected",
                    amount=typed[amount_col] if amount_col else None)
    return set(int(r) for r in rows)


def snake_column(values: pd.Series) -> pd.Series:
    """snake_case every text value of a column (names of drivers, levels), blanks as None."""
    mapping = {u: snake_case(u) for u in pd.unique(values.dropna()) if isinstance(u, str) and u}
    return values.map(mapping).astype(object).where(values.isin(list(mapping)), None)


def _customers(frame: pd.DataFrame, collector: Collector, decimal_comma: bool = False) -> pd.DataFrame:
    typed, bad = _typed("customers", frame, collector, reject=set(), decimal_comma=decimal_comma)
    typed = _reject(typed, bad)
    typed = _reject(typed, _duplicates("customers", typed, "customer_id", collector))
    # referred_by must name another known customer.
    ref = typed["referred_by"]
    unknown = ref.notna() & ~member_of(ref, pd.Index(typed["customer_id"]))
    selfref = ref.notna() & ref.eq(typed["customer_id"])
    for mask, reason in ((unknown, "is not a customer_id of the customers table; ignored"),
                         (selfref, "names the customer itself; ignored")):
        if mask.any():
            rows = typed.index[mask.to_numpy()]
            collector.cells("customers", rows, "referred_by", ref.loc[rows], reason, "value ignored",
                            customer_id=typed["customer_id"])
            typed.loc[rows, "referred_by"] = None
    return typed


_LINE_MONEY = ("gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off")


def _convert_currency(typed: pd.DataFrame, columns: Iterable[str], fx: dict[str, float], reporting: str | None,
                      table: str, collector: Collector, customer_ids: pd.Series | None = None,
                      amount: pd.Series | None = None, action: str = "rejected", amount_column: str | None = None
                      ) -> tuple[set[int], set[int], set[int]]:
    """Convert money columns of rows in a foreign currency.

    Returns the rows that cannot be converted (no rate), the rows converted, and those of
    them with an amount out of range once converted: that amount is listed (as read, in its
    currency) with ``action`` and becomes NaN. ``amount`` (as read) goes with the rows
    without a rate, ``amount_column`` (as converted) with the rows out of range.
    """
    codes = typed["currency"]
    cur = pd.Series(None, index=typed.index, dtype=object)
    given = codes.notna().to_numpy()
    if given.any():
        cur[given] = codes[given].astype(str).str.upper().to_numpy(dtype=object)
    if reporting is None:
        seen = sorted(set(cur.dropna()))
        if len(seen) > 1:
            collector.table_problem(table, "currency", f"holds several currencies ({', '.join(seen)}); set the "
                                    "'currency' parameter (reporting currency) and give an fx table")
        return set(), set(), set()
    foreign = cur.notna() & (cur != reporting)
    if not foreign.any():
        return set(), set(), set()
    rate = cur.map(fx)
    missing = foreign & rate.isna()
    if action != "rejected":  # a value to ignore only where there is one (a blank acquisition cost is not)
        missing &= typed[list(columns)].notna().any(axis=1)
    rows = typed.index[missing.to_numpy()]
    collector.cells(table, rows, "currency", cur.loc[rows],
                    f"is not the reporting currency {reporting} and the fx table has no rate for it", action,
                    customer_id=customer_ids, amount=amount)
    convert = foreign & rate.notna()
    beyond: list[tuple[str, pd.Index, pd.Series]] = []
    for col in columns:
        as_read = typed.loc[convert, col]
        converted = as_read * rate[convert]
        out = amount_out_of_range(converted.to_numpy())
        if out.any():
            beyond.append((col, as_read.index[out], as_read[out]))
        typed.loc[convert, col] = round_money(converted.where(~out))
    for col, out_rows, as_read in beyond:  # listed once every column is converted
        collector.cells(table, out_rows, col, as_read, amount_out_of_range_reason(reporting), action,
                        customer_id=customer_ids, amount=typed[amount_column] if amount_column else None)
    out_of_range = {int(r) for _, out_rows, _ in beyond for r in out_rows}
    return {int(r) for r in rows}, {int(r) for r in typed.index[convert.to_numpy()]}, out_of_range


def _transactions(frame: pd.DataFrame, customers: pd.DataFrame, collector: Collector, fx: dict[str, float],
                  reporting: str | None, wrong_width: pd.Index | None = None, decimal_comma: bool = False
                  ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """The invoice lines typed and checked; the rejected lines; the totals as read.

    ``wrong_width``: rows already rejected for their number of fields (read nothing from them,
    but count them among the lines read, with unreadable net revenue).
    """
    money = {"gross_revenue", "discount", "rebate", "cogs", "written_off", "quantity"}
    typed, bad = _typed("transactions", frame, collector, reject=money | {"paid_on", "returned"},
                        customer_col="customer_id", amount_col="net_revenue", decimal_comma=decimal_comma)
    # Amounts as read (blank where unreadable or out of range); converted to the reporting currency
    # where the fx table allows.
    raw_net = amount_in_range(parse_numbers(frame["net_revenue"], decimal_comma)[0])
    # A payment more than a century from the invoice date (read like an unreadable paid_on).
    late = np.abs(days_to_payment(typed["date"], typed["paid_on"])) > MAX_PAYMENT_DAYS  # NaN: False
    late_rows = typed.index[late]
    if len(late_rows):
        collector.cells("transactions", late_rows, "paid_on", frame["paid_on"].loc[late_rows], PAID_ON_OUT_OF_RANGE,
                        "rejected", customer_id=typed["customer_id"], amount=raw_net)
        bad |= {int(r) for r in late_rows}
    reasons: dict[int, str] = {}
    for r in bad:
        reasons[r] = "unreadable or missing value"
    for r in late_rows:
        reasons[int(r)] = "payment date out of range"
    # The revenue identity is checked on the amounts as written, before any conversion: rounding
    # each converted amount to the cent must not make a correct line look wrong.
    src = {c: typed[c].copy() for c in ("gross_revenue", "discount", "rebate", "net_revenue")}
    no_rate, converted_rows, beyond = _convert_currency(
        typed, _LINE_MONEY, fx, reporting, "transactions", collector, customer_ids=typed["customer_id"],
        amount=raw_net, amount_column="net_revenue")
    for r in no_rate:
        reasons.setdefault(r, "currency without an fx rate")
    for r in beyond:
        reasons.setdefault(r, "amount out of range once converted")
    converted = raw_net.copy()
    ok = typed["net_revenue"].notna()
    converted[ok] = typed.loc[ok, "net_revenue"]
    # A net revenue out of range once converted has no amount in the reporting currency.
    converted[typed.index.isin(list(converted_rows)) & ~ok.to_numpy()] = np.nan
    readable = converted.notna().to_numpy()
    # A line in a currency without an fx rate has no amount in the reporting currency: it is in no
    # reporting-currency total (the rejected lines state it per currency, in their column ``unconverted``).
    unconverted = pd.Series(None, index=typed.index, dtype=object)
    if no_rate:
        foreign_rows = sorted(no_rate)
        codes = typed.loc[foreign_rows, "currency"].astype(str).str.upper()
        unconverted.loc[foreign_rows] = codes.to_numpy(dtype=object)
    wrong = wrong_width if wrong_width is not None else pd.Index([], dtype="int64")
    input_totals = {
        "rows": int(len(converted)) + len(wrong),
        "net_revenue_cents": int(to_cents(converted.to_numpy()[readable & unconverted.isna().to_numpy()]).sum()),
        "unreadable_net_revenue": int((~readable).sum()) + len(wrong),
    }
    for r in wrong:
        reasons[int(r)] = "wrong number of fields"
    # Fill the revenue waterfall: gross − discount − rebate = net.
    net = typed["net_revenue"]
    disc_given, reb_given, gross_given = (typed[c].notna() for c in ("discount", "rebate", "gross_revenue"))
    discount = typed["discount"].fillna(0.0)
    rebate = typed["rebate"].fillna(0.0)
    gross = typed["gross_revenue"]
    derive_discount = gross_given & ~disc_given
    discount = discount.where(~derive_discount, round_money(gross - rebate - net))
    gross = gross.where(gross_given, round_money(net + discount + rebate))
    converted_mask = typed.index.isin(list(converted_rows))
    gross = gross.where(~converted_mask, round_money(net + discount + rebate))
    s_gross, s_disc, s_reb, s_net = (src[c] for c in ("gross_revenue", "discount", "rebate", "net_revenue"))
    s_reb = s_reb.fillna(0.0)
    mismatch = gross_given & disc_given & ((s_gross - s_disc - s_reb - s_net).abs() > 0.005)
    mismatch &= ~typed.index.isin(list(bad))
    if mismatch.any():
        rows = typed.index[mismatch.to_numpy()]
        why = pd.Series(
            [f"gross_revenue − discount − rebate = {g - d - b:.2f} but net_revenue = {n:.2f}"
             for g, d, b, n in zip(s_gross[rows], s_disc[rows], s_reb[rows], s_net[rows], strict=True)],
            index=rows)
        collector.cells("transactions", rows, "net_revenue", s_net.loc[rows], why, "rejected",
                        customer_id=typed["customer_id"], amount=net)
        for r in rows:
            reasons[int(r)] = "revenue does not add up"
    del reb_given
    typed["gross_revenue"] = gross
    typed["discount"] = round_money(discount)
    typed["rebate"] = round_money(rebate)
    typed["cogs"] = typed["cogs"].fillna(0.0)
    typed["written_off"] = typed["written_off"].fillna(0.0)
    # Unknown customers.
    unknown = typed["customer_id"].notna() & ~member_of(typed["customer_id"], pd.Index(customers["customer_id"]))
    unknown &= ~typed.index.isin(list(reasons))
    if unknown.any():
        rows = typed.index[unknown.to_numpy()]
        collector.cells("transactions", rows, "customer_id", typed["customer_id"].loc[rows],
                        "is not in the customers table", "rejected",
                        customer_id=typed["customer_id"], amount=net)
        for r in rows:
            reasons[int(r)] = "unknown customer"
    rejected_rows = sorted(reasons)
    rejected = pd.DataFrame({
        "customer_id": typed["customer_id"].reindex(rejected_rows),
        "net_revenue": net.reindex(rejected_rows),
        "reason": [reasons[r] for r in rejected_rows],
        "unconverted": unconverted.reindex(rejected_rows),
    }, index=pd.Index(rejected_rows, name="row"))
    # Every sum of the lines' amounts must stay exact in cents: the readable net revenue of all
    # lines (the input total) and the amounts of the accepted lines (the sums of the analysis).
    kept = ~typed.index.isin(rejected_rows)
    _check_totals("transactions", {c: converted if c == "net_revenue" else typed.loc[kept, c] for c in _LINE_MONEY},
                  collector)
    typed = _reject(typed, rejected_rows)
    return typed, rejected, input_totals


def days_to_payment(date: pd.Series, paid_on: pd.Series) -> np.ndarray:
    """Whole days from ``date`` to ``paid_on`` (floored), NaN where either is missing.

    Counted in microseconds, so that no span of dates overflows (a difference of two
    nanosecond timestamps does beyond 292 years); the engines count them the same way.
    """
    both = (date.notna() & paid_on.notna()).to_numpy()
    out = np.full(len(date), np.nan)
    if both.any():
        start = date.to_numpy(dtype="datetime64[ns]")[both].astype("datetime64[us]").astype("int64")
        end = paid_on.to_numpy(dtype="datetime64[ns]")[both].astype("datetime64[us]").astype("int64")
        out[both] = np.floor((end - start) / 86_400_000_000.0)
    return out


def _check_totals(table: str, columns: Mapping[str, pd.Series], collector: Collector) -> None:
    """A fatal problem for each money column whose amounts add up beyond what cents hold exactly."""
    for name, values in columns.items():
        if total_out_of_range(values.to_numpy(dtype="float64")):
            collector.table_problem(table, name, TOTAL_OUT_OF_RANGE)


def _resources(frame: pd.DataFrame, collector: Collector, decimal_comma: bool = False) -> pd.DataFrame:
    typed, bad = _typed("resources", frame, collector, reject=set(), amount_col="cost", decimal_comma=decimal_comma)
    typed = _reject(typed, bad)
    typed = _reject(typed, _duplicates("resources", typed, "resource", collector, amount_col="cost"))
    _check_totals("resources", {"cost": typed["cost"]}, collector)
    return typed


def _activities(frame: pd.DataFrame, resources: pd.DataFrame, usage_drivers: set[str],
                collector: Collector, decimal_comma: bool = False) -> pd.DataFrame:
    from xlprofit.core.timeeq import parse_time_equation  # local: the parser is optional for most tables

    typed, bad = _typed("activities", frame, collector, reject={"cost", "unit_time"}, amount_col="cost",
                        decimal_comma=decimal_comma)
    typed["driver"] = snake_column(typed["driver"])
    typed = _reject(typed, bad)
    typed = _reject(typed, _duplicates("activities", typed, "activity", collector, amount_col="cost"))
    known = set(BUILTIN_DRIVERS) | usage_drivers
    has_cost, has_res = typed["cost"].notna(), typed["resource"].notna()
    has_unit, has_eq = typed["unit_time"].notna(), typed["time_equation"].notna()
    typed["method"] = np.where(has_res, "tdabc", "abc")
    rules: list[tuple[pd.Series, str, str]] = [
        (has_cost & has_res, "cost",
         "has both a cost (conventional ABC) and a resource (time-driven ABC); give one"),
        (~has_cost & ~has_res, "cost",
         "has neither a cost (conventional ABC) nor a resource with unit_time (time-driven ABC)"),
        (has_res & ~has_unit & ~has_eq, "unit_time", "needs a unit_time or a time_equation (minutes)"),
        (has_res & has_unit & has_eq, "time_equation", "has both unit_time and time_equation; give one"),
        (has_res & ~typed["resource"].isin(set(resources["resource"])), "resource",
         "is not in the resources table"),
        (~typed["driver"].isin(known), "driver",
         f"is not a known driver (built-in: {', '.join(BUILTIN_DRIVERS)}; others need usage rows)"),
    ]
    level = snake_column(typed["level"])
    rules.append((level.notna() & ~level.isin(LEVELS), "level", f"must be one of {', '.join(LEVELS)}"))
    rejected: set[int] = set()
    for mask, column, reason in rules:
        mask = mask & ~typed.index.isin(list(rejected))
        if mask.any():
            rows = typed.index[mask.to_numpy()]
            collector.cells("activities", rows, column, typed[column].loc[rows] if column != "level"
                            else level.loc[rows], reason, "rejected", amount=typed["cost"])
            rejected.update(int(r) for r in rows)
    # Time equations parse, and name known drivers only.
    equations = typed["time_equation"].notna() & ~typed.index.isin(list(rejected))
    for r in typed.index[equations.to_numpy()]:
        text = typed.at[r, "time_equation"]
        try:
            eq = parse_time_equation(text)
        except ValueError as exc:
            collector.cells("activities", pd.Index([r]), "time_equation", [text], str(exc), "rejected")
            rejected.add(int(r))
            continue
        unknown = sorted(set(eq.variables) - known)
        if unknown:
            collector.cells("activities", pd.Index([r]), "time_equation", [text],
                            f"uses unknown driver(s) {', '.join(unknown)}", "rejected")
            rejected.add(int(r))
        elif quantity_out_of_range(np.array([eq.intercept, *eq.coefficients.values()])).any():
            collector.cells("activities", pd.Index([r]), "time_equation", [text],
                            f"{QUANTITY_OUT_OF_RANGE[:-1]} minutes per unit)", "rejected")
            rejected.add(int(r))
    typed = _reject(typed, rejected)

    def default_level(driver: str) -> str:
        return {"orders": "order", "lines": "line", "units": "line", "returns": "line",
                "revenue": "line"}.get(driver, "customer")

    typed["level"] = [lv if isinstance(lv, str) else default_level(d)
                      for lv, d in zip(level.loc[typed.index], typed["driver"], strict=True)]
    typed["unit_time"] = typed["unit_time"].where(typed["method"].eq("tdabc"))
    _check_totals("activities", {"cost": typed["cost"]}, collector)
    return typed[["activity", "driver", "method", "level", "cost", "resource", "unit_time", "time_equation"]]


def parse_period_span(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Read period cells (``2024Q1``, ``2024-Q1``, ``2024H2``, ``2024-03``, ``2024``, dates).

    Returns ``(start, end, reasons)``: the first and last day each value covers.
    """
    uniques = pd.Series(pd.unique(values.to_numpy(dtype=object)), dtype=object)
    if len(uniques) < len(values):  # parse each distinct label once
        u_start, u_end, u_why = _period_span(uniques)
        codes = pd.Index(uniques).get_indexer(values.to_numpy(dtype=object))
        start = pd.Series(u_start.to_numpy()[codes], index=values.index, dtype="datetime64[ns]")
        end = pd.Series(u_end.to_numpy()[codes], index=values.index, dtype="datetime64[ns]")
        why = pd.Series(u_why.to_numpy(dtype=object)[codes], index=values.index, dtype=object)
        return start, end, why
    return _period_span(values)


def _period_span(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    start = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    end = start.copy()
    reasons = pd.Series(None, index=values.index, dtype=object)
    present = values[~blank_mask(values)]
    if present.empty:
        return start, end, reasons
    text = present.map(lambda v: v if isinstance(v, str) else None)
    labels = text.dropna().str.strip().str.upper().str.replace(" ", "", regex=False)
    pattern = r"^(\d{4})(?:-?(Q)([1-4])|-?(H)([12])|-(\d{1,2})|(M)(\d{1,2}))?$"
    parts = labels.str.extract(pattern)
    matched = parts[0].notna()
    if matched.any():
        p = parts[matched]
        year = p[0].astype(int)
        first_month = pd.Series(1, index=p.index)
        months = pd.Series(12, index=p.index)
        q = p[2].notna()
        first_month[q] = (p[2][q].astype(int) - 1) * 3 + 1
        months[q] = 3
        h = p[4].notna()
        first_month[h] = (p[4][h].astype(int) - 1) * 6 + 1
        months[h] = 6
        m = p[5].notna() | p[7].notna()
        mon = p[5].fillna(p[7])
        first_month[m] = mon[m].astype(int)
        months[m] = 1
        valid = first_month.between(1, 12)
        month_number = (year[valid] * 12 + first_month[valid] - 1).to_numpy(dtype="int64")
        first_day = (month_number - 1970 * 12).astype("datetime64[M]").astype("datetime64[ns]")
        after = (month_number + months[valid].to_numpy(dtype="int64") - 1970 * 12).astype("datetime64[M]")
        start[p.index[valid.to_numpy()]] = first_day
        end[p.index[valid.to_numpy()]] = after.astype("datetime64[ns]") - np.timedelta64(1, "D")
        bad_month = p.index[~valid.to_numpy()]
        reasons[bad_month] = "is not a period (month must be 1-12)"
    rest = present.drop(index=parts.index[matched.to_numpy()], errors="ignore")
    rest = rest.drop(index=reasons.dropna().index, errors="ignore")
    if not rest.empty:
        dates, why = parse_dates(rest)
        start[dates.index] = dates
        end[dates.index] = dates
        why = why.where(why.isna(), "is not a period (use 2024Q1, 2024H1, 2024-03, 2024 or a date)")
        reasons[why.index] = why.where(why.notna(), reasons[why.index])
    return start, end, reasons


def _usage(frame: pd.DataFrame, customers: pd.DataFrame, collector: Collector, decimal_comma: bool = False
           ) -> pd.DataFrame:
    typed, bad = _typed("usage", frame, collector, reject={"period"}, customer_col="customer_id",
                        decimal_comma=decimal_comma)
    typed["driver"] = snake_column(typed["driver"])
    start, end, reasons = parse_period_span(frame["period"]) if "period" in frame.columns else (
        pd.Series(pd.NaT, index=typed.index, dtype="datetime64[ns]"),) * 2 + (
        pd.Series(None, index=typed.index, dtype=object),)
    badp = reasons.notna()
    if badp.any():
        rows = typed.index[badp.to_numpy()]
        collector.cells("usage", rows, "period", frame["period"].loc[rows], reasons[badp], "rejected",
                        customer_id=typed["customer_id"])
        bad |= set(int(r) for r in rows)
    typed["period_start"] = start
    typed["period_end"] = end
    typed = _reject(typed, bad)
    rejected: set[int] = set()
    rules = [
        (~member_of(typed["customer_id"], pd.Index(customers["customer_id"])), "customer_id",
         "is not in the customers table"),
        (typed["driver"].isin(BUILTIN_DRIVERS), "driver",
         "is a built-in driver computed from transactions; usage rows cannot add to it"),
    ]
    for mask, column, reason in rules:
        mask = mask & ~typed.index.isin(list(rejected))
        if mask.any():
            rows = typed.index[mask.to_numpy()]
            collector.cells("usage", rows, column, typed[column].loc[rows], reason, "rejected",
                            customer_id=typed["customer_id"])
            rejected.update(int(r) for r in rows)
    return _reject(typed, rejected)


#: Why a table none of whose rows can be used stops the analysis (every engine says it so).
NO_USABLE_ROWS = "has no usable rows"
#: The headline of the refusal of an input that cannot be analysed.
CANNOT_ANALYSE = "the input cannot be analysed"


def refusal(problems: Iterable[Problem], fatal: Iterable[Problem]) -> ValidationError:
    """The error refusing the input: the problems that stop the analysis first, then all others found.

    The message shows the first problems only: what stopped the analysis must be among them.
    """
    fatal = list(fatal)
    stop = {id(p) for p in fatal}
    return ValidationError([*fatal, *(p for p in problems if id(p) not in stop)], CANNOT_ANALYSE)


def _refuse(collector: Collector) -> None:
    raise refusal(collector.problems, collector.fatal)


def _listed_line_exceptions(exceptions: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """The exceptions with at most :data:`~xlprofit.core.lines.MAX_LISTED_EXCEPTIONS` of the invoice lines.

    Returns the exceptions, and how many of the lines' were listed and left unlisted (the
    first ones in the order found are listed, as every engine lists them).
    """
    lines = (exceptions["table"] == "transactions").to_numpy()
    count = int(lines.sum())
    if count <= MAX_LISTED_EXCEPTIONS:
        return exceptions, count, 0
    drop = np.flatnonzero(lines)[MAX_LISTED_EXCEPTIONS:]
    keep = np.ones(len(exceptions), dtype=bool)
    keep[drop] = False
    return exceptions.loc[keep].reset_index(drop=True), MAX_LISTED_EXCEPTIONS, count - MAX_LISTED_EXCEPTIONS


def _empty(table: str) -> pd.DataFrame:
    cols = [c.name for c in SCHEMAS[table]]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}, index=pd.RangeIndex(2, 2, name="row"))


def normalise(customers: Any, transactions: Any, activities: Any, resources: Any = None, usage: Any = None,
              parameters: Any = None, *, fx: Any = None, first_rows: Mapping[str, int] | None = None,
              external_lines: bool = False, external_usage: Callable[[pd.Index], set[str]] | None = None
              ) -> Normalised:
    """Normalise and validate the input tables.

    Parameters
    ----------
    customers, transactions, activities, resources, usage, parameters:
        The tables as DataFrames or anything :class:`pandas.DataFrame` accepts;
        ``parameters`` may also be a ``{name: value}`` mapping.
    fx:
        Exchange rates (``currency, rate``: units of the reporting currency per unit), or a
        ``{currency: rate}`` mapping. Money in rows whose ``currency`` differs from the
        ``currency`` parameter is converted before anything else; rows in a currency
        without a rate are rejected.
    first_rows:
        For each table, the row number the user sees for its first data row (default 2:
        the header is row 1). Used in every message and in the exceptions table.
    external_lines:
        The invoice lines are validated and summed elsewhere (an engine's line source);
        ``transactions`` is ignored and the normalised transactions table is empty.
    external_usage:
        The usage table is checked and summed elsewhere too: called with the customer ids,
        it returns the drivers of the usable usage rows (for checking the activities);
        ``usage`` must then be ``None`` and the normalised usage table is empty.

    Raises
    ------
    ValidationError
        When a table is unusable as a whole; its ``problems`` list every problem found.
    """
    collector = Collector()
    fx_table = fx
    first_rows = dict(first_rows or {})
    raw: dict[str, pd.DataFrame | None] = {}
    widths: dict[str, dict[int, str]] = {}  # the CSV rows of the wrong width, by row number
    decimal: dict[str, bool] = {}
    for name, data in (("customers", customers), ("transactions", transactions), ("activities", activities),
                       ("resources", resources), ("usage", usage)):
        if name == "transactions" and external_lines:
            raw[name] = None
            continue
        row_problems, decimal[name] = csv_hints(data)
        first = int(first_rows.get(name, 2))
        frame = as_frame(name, data, collector, first)
        if frame is not None:
            frame = set_rows(frame, first)
            if not _required_columns(name, frame, collector):
                frame = None
            widths[name] = {first + p: why for p, why in row_problems.items()}
        elif name in ("customers", "transactions", "activities") and data is None:
            collector.table_problem(name, None, "is missing; the analysis needs it")
        raw[name] = frame
    params = read_parameters(parameters, collector, int(first_rows.get("parameters", 2)))
    if collector.fatal:
        _refuse(collector)

    fx = fx_rates(fx_table, collector)
    reporting = params["currency"].upper() if isinstance(params.get("currency"), str) else None
    if collector.fatal:
        _refuse(collector)
    def without_wrong_width(name: str) -> tuple[pd.DataFrame, pd.Index]:
        """The table's frame without its rows of the wrong width, rejected first among the table's rows."""
        return _wrong_width(name, raw[name], widths.get(name, {}), collector)  # type: ignore[arg-type]

    cust = _customers(without_wrong_width("customers")[0], collector, decimal["customers"])
    # An acquisition cost without an fx rate is listed with its amount as read (in its currency) and ignored.
    dropped, _, _ = _convert_currency(cust, ("acquisition_cost",), fx, reporting, "customers", collector,
                                      customer_ids=cust["customer_id"], amount=cust["acquisition_cost"].copy(),
                                      action="value ignored")
    cust.loc[cust.index.isin(list(dropped)), "acquisition_cost"] = np.nan
    _check_totals("customers", {"acquisition_cost": cust["acquisition_cost"]}, collector)
    if external_lines:
        input_totals = {"rows": 0, "net_revenue_cents": 0, "unreadable_net_revenue": 0}
        txn = _empty("transactions")
        rejected = pd.DataFrame({"customer_id": pd.Series(dtype=object), "net_revenue": pd.Series(dtype="float64"),
                                 "reason": pd.Series(dtype=object), "unconverted": pd.Series(dtype=object)},
                                index=pd.Index([], name="row", dtype="int64"))
    else:
        lines, wrong = without_wrong_width("transactions")
        txn, rejected, input_totals = _transactions(lines, cust, collector, fx, reporting, wrong,
                                                    decimal["transactions"])
    res = (_resources(without_wrong_width("resources")[0], collector, decimal["resources"])
           if raw["resources"] is not None else _empty("resources"))
    use = (_usage(without_wrong_width("usage")[0], cust, collector, decimal["usage"]) if raw["usage"] is not None
           else _empty("usage").assign(period_start=pd.Series(dtype="datetime64[ns]"),
                                       period_end=pd.Series(dtype="datetime64[ns]")))
    usage_drivers = set(use["driver"].dropna())
    if external_usage is not None:
        usage_drivers = external_usage(pd.Index(cust["customer_id"]))
    act = _activities(without_wrong_width("activities")[0], res, usage_drivers, collector, decimal["activities"])
    # Usage drivers that no activity uses are most often typos: list them.
    used = set(act["driver"])
    from xlprofit.core.timeeq import parse_time_equation

    for text in act["time_equation"].dropna():
        used |= set(parse_time_equation(text).variables)
    orphan = ~use["driver"].isin(used)
    if orphan.any():
        rows = use.index[orphan.to_numpy()]
        collector.cells("usage", rows, "driver", use["driver"].loc[rows], "is not used by any activity",
                        "rejected", customer_id=use["customer_id"])
        use = use.loc[~orphan]
    if txn.empty and not external_lines:
        collector.table_problem("transactions", None, NO_USABLE_ROWS)
    if act.empty:
        collector.table_problem("activities", None, NO_USABLE_ROWS)
    if collector.fatal:
        _refuse(collector)
    for frame in (cust, txn, act, res, use):
        frame.index.name = "row"
    exceptions, input_totals["listed_exceptions"], input_totals["unlisted_exceptions"] = \
        _listed_line_exceptions(collector.frame())
    pool_names: dict[tuple[str, int], str] = {}
    for table, key in (("resources", "resource"), ("activities", "activity")):
        frame = raw.get(table)
        if frame is None or key not in frame.columns:
            continue
        rejected_rows = exceptions.loc[(exceptions["table"] == table) & exceptions["row"].notna(), "row"]
        names = parse_text(frame[key].reindex(pd.Index(sorted({int(r) for r in rejected_rows}))))
        pool_names.update({(table, int(r)): n for r, n in names.items() if isinstance(n, str)})
    return Normalised(
        tables={"customers": cust, "transactions": txn, "activities": act, "resources": res, "usage": use},
        parameters=params,
        problems=collector.problems,
        unlisted_problems=collector.unlisted,
        exceptions=exceptions,
        rejected_transactions=rejected,
        input_totals=input_totals,
        fx_rates=fx,
        pool_names=pool_names,
    )
