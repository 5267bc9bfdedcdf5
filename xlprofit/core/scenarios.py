"""Scenarios: what-if changes to the input, analysed side by side with the base.

The optional ``scenarios`` table holds one row per change::

    scenario,change,target,applies_to,value
    EDI for inside sales,volume,manual_orders,channel:Inside sales,0
    EDI for inside sales,capacity,Customer service,,0.94

Columns:

``scenario``
    The scenario's name (rows with the same name make one scenario; ``base`` is reserved).
``change``
    The kind of change (below).
``target``
    What the change applies to: a parameter, an activity, a driver, a resource or a product.
``applies_to``
    Whose data changes: blank for everyone, or ``segment:Retail``, ``channel:Web/EDI``,
    ``region:North``, ``customer:C0007``.
``value``
    A number (``0.8``, ``80%``), or for a ``parameter`` the parameter's value as the
    ``parameters`` table would hold it.

Kinds of change:

``parameter``
    ``target`` is a parameter of the ``parameters`` table (``discount_rate``,
    ``cost_of_capital``, ``payment_days``, …) and ``value`` its new value, checked as the
    parameters table checks it; passed to :func:`~xlprofit.core.analysis.analyze` as an
    override. ``payment_days`` and ``commission_rate`` may be limited by ``applies_to``:
    they then become the customers' own terms (the ``customers`` columns of the same names).
    Payment days apply where the lines record no payments (``paid_on``): actual payment
    behaviour comes first, as in the base.
``rate``
    ``target`` is an activity; ``value`` scales its rate, the cost of one driver unit
    (``0.8``: 20 % cheaper per unit, ``1.1``: 10 % dearer). For a time-driven activity the
    minutes per unit (``unit_time``, or every term of its time equation) are scaled — a
    process improvement: the resource's cost stays, so the minutes saved become unused
    capacity until the capacity is cut (``capacity``). For a conventional activity its cost
    is scaled, so the saving is real. Applies to everyone (``applies_to`` blank).
``volume``
    ``target`` is a driver; ``value`` scales the driver volume of the customers in
    ``applies_to`` (``0.5``: halve, ``0``: none). For a driver of the ``usage`` table
    (visits, calls, manual_orders, rush, …) their usage rows are scaled. Of the built-in
    drivers only ``orders`` can change, and only fall (``0 < value ≤ 1``): each customer's
    orders are consolidated into round(orders × value) orders (at least one) of consecutive
    orders, keeping every line, its date, revenue and quantity — a minimum order size; usage
    rows tied to a merged order follow it. ``lines``, ``units``, ``returns`` and ``revenue``
    are the invoice lines themselves and are refused.
``price``
    ``value`` is the price change (``0.03``: +3 %, ``-0.05``: −5 %; more than −100 %
    and at most +100 %) of the invoice lines of the customers in ``applies_to``, or of one
    product when ``target`` names a ``product_id`` (blank: every product). Gross revenue,
    discount, rebate, net revenue and the amount written off are scaled by ``1 + value``
    (each rounded to the cent, the discount absorbing the rounding so that
    gross − discount − rebate = net); COGS and quantities stay: no volume response is assumed.
``capacity``
    ``target`` is a resource; ``value`` scales its practical capacity and its cost together
    (``0.94``: 6 % fewer minutes paid for, at the same cost per minute): the lever that turns
    minutes freed by a ``rate`` or ``volume`` change into money. Applies to everyone.

To move a segment's or a channel's manual orders to EDI, scale ``manual_orders`` to 0 for it
(there is no separate ``move`` kind). Changes apply in row order; scales compound where two
rows reach the same data.

:func:`parse_scenarios` checks the table and names each bad row; :func:`apply_scenario` makes
the scenario's dataset from copies of the tables (the original is untouched);
:func:`run_scenarios` analyses the base and every scenario and puts them side by side.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.aggregate import order_key_from_date
from xlprofit.core.analysis import Analysis, analyze, usage_drivers
from xlprofit.core.dataset import Dataset
from xlprofit.core.drivers import BUILTIN_DRIVERS
from xlprofit.core.lines import FrameLines
from xlprofit.core.money import round_money
from xlprofit.core.parsing import blank_mask, cell_errors, parse_numbers, parse_text, snake_case
from xlprofit.core.reading import SHEET_ROWS, Collector, as_frame, csv_hints, display_value, read_parameters, set_rows
from xlprofit.core.reconciliation import BRIDGE_STEPS, rejected_cost_pools
from xlprofit.core.schema import PARAMETERS, SCHEMAS
from xlprofit.core.timeeq import parse_time_equation
from xlprofit.errors import Problem, ValidationError

__all__ = ["CHANGE_KINDS", "SCENARIO_COLUMNS", "APPLIES_TO", "CUSTOMER_PARAMETERS", "MAX_SCALE", "BASE",
           "SUMMARY_MEASURES", "Change", "ScenarioResults", "parse_scenarios", "apply_scenario",
           "run_scenarios"]

TABLE = "scenarios"
#: The kinds of change, as the ``change`` column names them.
CHANGE_KINDS: tuple[str, ...] = ("parameter", "rate", "volume", "price", "capacity")
#: The columns of the scenarios table (``applies_to`` and, for ``price``, ``target`` may be blank).
SCENARIO_COLUMNS: tuple[str, ...] = ("scenario", "change", "target", "applies_to", "value")
#: What ``applies_to`` may name (``segment:Retail``): a customers column, or one customer.
APPLIES_TO: tuple[str, ...] = ("segment", "channel", "region", "customer")
#: Parameters that are also customer terms, and so may apply to some customers only.
CUSTOMER_PARAMETERS: tuple[str, ...] = ("payment_days", "commission_rate")
#: Largest scale of a ``rate``, ``volume`` or ``capacity`` change.
MAX_SCALE = 1000.0
#: The name of the base column of the summary (not allowed as a scenario name).
BASE = "base"
#: Largest price change: +100 %; a larger value is almost always a percentage written as a number.
_MAX_PRICE_CHANGE = 1.0
#: Parameters a scenario cannot change: the reporting currency is fixed when the tables are read.
_FIXED_PARAMETERS = ("currency",)
#: Built-in drivers whose volume a scenario may change.
_CHANGEABLE_BUILTINS = ("orders",)

#: The measures of the summary: (measure, unit).
SUMMARY_MEASURES: tuple[tuple[str, str], ...] = (
    ("Net revenue", "money"),
    ("Gross margin", "money"),
    ("Cost-to-serve", "money"),
    ("Contribution", "money"),
    ("Customer profit", "money"),
    ("Unused capacity cost", "money"),
    ("Unassigned activity cost", "money"),
    ("Period result", "money"),
    ("Unprofitable customers", "count"),
    ("Losses on unprofitable customers", "money"),
    ("Total CLV", "money"),
    ("Reconciliation checks failing", "count"),
)


@dataclass(frozen=True)
class Change:
    """One row of the scenarios table, checked.

    ``target`` is canonical (the activity, resource or segment as the data spells it, the
    driver and parameter names in snake_case; ``""`` for a price change of every product);
    ``applies_to`` is ``None`` (everyone) or ``(dimension, value)``; ``value`` is a float,
    or the typed parameter value; ``row`` is the row of the scenarios table.
    """

    scenario: str
    kind: str
    target: str
    applies_to: tuple[str, str] | None
    value: Any
    row: int | None = None

    def describe(self) -> str:
        """The change in words, for a report."""
        who = "everyone" if self.applies_to is None else f"{self.applies_to[0]} {self.applies_to[1]}"
        if self.kind == "parameter":
            return f"{self.target} = {self.value} ({who})"
        if self.kind == "price":
            what = f"product {self.target}" if self.target else "prices"
            return f"{what} {self.value:+.1%} ({who})"
        return f"{self.kind} of {self.target} × {self.value:g} ({who})"


# --------------------------------------------------------------------------------------------- reading


def _near(word: str, known: Sequence[str]) -> str:
    """A "did you mean" hint for ``word`` among ``known`` (or the known names when few)."""
    folded = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=3, cutoff=0.6)
    if close:
        return "; did you mean " + " or ".join(repr(folded[c]) for c in close) + "?"
    if 0 < len(known) <= 12:
        return f" (known: {', '.join(known)})"
    return f" ({len(known):,} known)" if known else " (none known)"


def _canonical(word: str, known: Sequence[str]) -> str | None:
    """``word`` as ``known`` spells it: exactly, else ignoring case when that is unambiguous."""
    if word in known:
        return word
    same = [k for k in known if k.casefold() == word.casefold()]
    return same[0] if len(same) == 1 else None


def _texts(dataset: Dataset, column: str) -> list[str]:
    values = dataset.customers[column].dropna() if column in dataset.customers.columns else pd.Series(dtype=object)
    return sorted({str(v) for v in values})


def _number(raw: Any, decimal_comma: bool) -> tuple[float | None, str | None]:
    parsed, why = parse_numbers(pd.Series([raw], dtype=object), decimal_comma)
    if pd.notna(why.iloc[0]):
        return None, str(why.iloc[0])
    value = float(parsed.iloc[0])
    if math.isnan(value):
        return None, "is blank; a number is required"
    if not math.isfinite(value):
        return None, "is not a finite number"
    return value, None


def parse_scenarios(frame: Any, dataset: Dataset, *, first_row: int = 2) -> dict[str, list[Change]]:
    """Read and check the ``scenarios`` table against the dataset it changes.

    Parameters
    ----------
    frame:
        The table (a DataFrame or anything :class:`pandas.DataFrame` accepts) with the
        columns :data:`SCENARIO_COLUMNS`.
    dataset:
        The dataset the scenarios change: activities, drivers, resources, products and
        customers are looked up in it.
    first_row:
        The row number the user sees for the table's first data row (default 2).

    Returns
    -------
    dict[str, list[Change]]
        The changes of each scenario, scenarios in the order they first appear.

    Raises
    ------
    ValidationError
        Listing every bad row: its problem names table ``scenarios``, the row, the column and
        the value (an unknown kind, activity, driver, parameter, resource, product, segment,
        channel, region or customer — with the nearest known names —, a value that is not a
        number or out of range, a parameter value the parameters table would refuse, a
        change given twice).
    """
    collector = Collector()
    decimal_comma = csv_hints(frame)[1]
    table = as_frame(TABLE, frame, collector, first_row)
    if table is None:
        collector.table_problem(TABLE, None, "is not a table")
    else:
        table = set_rows(table, first_row)
        for column in SCENARIO_COLUMNS:
            if column not in table.columns and column not in ("applies_to", "target"):
                found = ", ".join(map(str, table.columns[:12])) or "none"
                collector.table_problem(TABLE, column,
                                        f"required column '{column}' is missing (columns found: {found})")
    if collector.fatal or table is None:
        raise ValidationError(collector.problems, "the scenarios table cannot be used")
    for column in ("target", "applies_to"):
        if column not in table.columns:
            table[column] = None
    problems: list[Problem] = []
    scenarios: dict[str, list[Change]] = {}
    seen: dict[tuple[str, str, str, tuple[str, str] | None], int | None] = {}
    errors = {c: cell_errors(table[c]) for c in SCENARIO_COLUMNS}
    texts = {c: parse_text(table[c].where(~errors[c], None)) for c in ("scenario", "change", "target", "applies_to")}
    for row in table.index:
        def fail(column: str, reason: str, row: int = int(row)) -> None:
            problems.append(Problem(TABLE, row, column, display_value(table.at[row, column]), reason))

        bad = [c for c in SCENARIO_COLUMNS if errors[c].at[row]]
        for c in bad:
            fail(c, table.at[row, c].reason)
        if bad:
            continue
        name, kind_text, target_text, who_text = (texts[c].at[row] for c in ("scenario", "change", "target",
                                                                             "applies_to"))
        if not isinstance(name, str) or not name:
            fail("scenario", "is blank; name the scenario")
            continue
        if name.casefold() == BASE:
            fail("scenario", f"'{BASE}' names the analysis without changes; choose another name")
            continue
        same = [n for n in scenarios if n != name and n.casefold() == name.casefold()]
        if same:
            fail("scenario", f"differs from scenario {same[0]!r} only by case; spell one name one way")
            continue
        kind = snake_case(kind_text) if isinstance(kind_text, str) else ""
        if kind not in CHANGE_KINDS:
            reason = "is blank" if not kind else "is not a kind of change"
            fail("change", f"{reason}; give one of {', '.join(CHANGE_KINDS)}" + (_near(kind, CHANGE_KINDS)
                                                                                  if kind else ""))
            continue
        target = target_text if isinstance(target_text, str) else ""
        applies_to = _applies_to(who_text, dataset, fail)
        if applies_to is False:
            continue
        assert applies_to is not True
        checked = _check_change(kind, target, applies_to, table.at[row, "value"], dataset, decimal_comma, fail)
        if checked is None:
            continue
        target, value = checked
        key = (name, kind, target, applies_to)
        if key in seen:
            fail("change", f"repeats the change of row {seen[key]}; give each change once")
            continue
        seen[key] = int(row)
        scenarios.setdefault(name, []).append(Change(name, kind, target, applies_to, value, int(row)))
    if problems:
        raise ValidationError(problems, f"{len(problems)} problem(s) in the scenarios table")
    if not scenarios:
        raise ValidationError([Problem(TABLE, None, None, None, "has no scenario rows")],
                              "the scenarios table cannot be used")
    return scenarios


def _applies_to(text: Any, dataset: Dataset, fail: Any) -> tuple[str, str] | None | bool:
    """``(dimension, value)``, ``None`` for everyone, or ``False`` after a problem."""
    if not isinstance(text, str) or not text.strip():
        return None
    dimension, sep, value = text.partition(":")
    dimension, value = snake_case(dimension), value.strip()
    if not sep or dimension not in APPLIES_TO or not value:
        fail("applies_to", "must be blank (everyone) or one of " + ", ".join(f"{d}:…" for d in APPLIES_TO)
             + " (e.g. segment:Retail)")
        return False
    if dimension == "customer":
        ids = [str(c) for c in dataset.customers["customer_id"]]
        if value not in set(ids):
            fail("applies_to", f"names no customer of the customers table{_near(value, ids)}")
            return False
        return dimension, value
    known = _texts(dataset, dimension)
    canonical = _canonical(value, known)
    if canonical is None:
        fail("applies_to", f"names no {dimension} of the customers table{_near(value, known)}")
        return False
    return dimension, canonical


def _check_change(kind: str, target: str, applies_to: tuple[str, str] | None, raw: Any, dataset: Dataset,
                  decimal_comma: bool, fail: Any) -> tuple[str, Any] | None:
    """The canonical target and the typed value of one change, or ``None`` after a problem."""
    if kind == "parameter":
        return _check_parameter(target, applies_to, raw, fail)
    if kind in ("rate", "capacity") and applies_to is not None:
        fail("applies_to", f"a {kind} change applies to everyone; leave applies_to blank")
        return None
    if kind in ("rate", "capacity"):  # an activity's rate, a resource's capacity: by its name
        table, column, noun = ("activities", "activity", "an activity") if kind == "rate" else \
            ("resources", "resource", "a resource")
        names = [str(n) for n in getattr(dataset, table)[column]]
        canonical = _canonical(target, names)
        if canonical is None:
            fail("target", (f"is blank; name {noun}" if not target else f"is not {noun} of the {table} table")
                 + (_near(target, names) if target else f" (known: {', '.join(names)})"))
            return None
        target = canonical
    elif kind == "volume":
        driver = snake_case(target)
        usage = usage_drivers(dataset.activities)
        changeable = [*usage, *_CHANGEABLE_BUILTINS]
        if driver in BUILTIN_DRIVERS and driver not in _CHANGEABLE_BUILTINS:
            fail("target", f"'{driver}' is a built-in driver counted from the invoice lines; only the volume of "
                 f"{', '.join(_CHANGEABLE_BUILTINS)} or of a usage driver ({', '.join(usage) or 'none'}) can change "
                 "(a price change changes revenue)")
            return None
        if driver not in changeable:
            fail("target", ("is blank; name a driver" if not driver else "is not a driver of the activities")
                 + _near(driver, changeable))
            return None
        target = driver
    elif kind == "price" and target:
        products = sorted({str(p) for p in dataset.transactions["product_id"].dropna()})
        if target not in set(products):
            fail("target", f"is not a product_id of the invoice lines{_near(target, products)}; "
                 "leave it blank for every product")
            return None
    value, why = _number(raw, decimal_comma)
    if value is None:
        fail("value", str(why))
        return None
    if kind == "price":
        if not -1.0 < value <= _MAX_PRICE_CHANGE:
            hint = (f" ({value:g} % is {value / 100:g}: write {value / 100:g} or {value:g}%)"
                    if 1.0 < abs(value) <= 100.0 else " (write +3 % as 0.03 or 3%)")
            fail("value", f"must be a price change above -1 (−100 %) and at most {_MAX_PRICE_CHANGE:g}{hint}")
            return None
    elif kind == "volume" and target in _CHANGEABLE_BUILTINS:
        if not 0.0 < value <= 1.0:
            fail("value", f"must be above 0 and at most 1: orders can only be consolidated (0.5 halves them); got "
                 f"{value:g}")
            return None
    elif kind == "capacity":
        if not 0.0 < value <= MAX_SCALE:
            fail("value", f"must be a scale above 0 and at most {MAX_SCALE:g} (0.9: 10 % less capacity)")
            return None
    elif not 0.0 <= value <= MAX_SCALE:
        fail("value", f"must be a scale between 0 and {MAX_SCALE:g} (0.8: 20 % less; 1: unchanged)")
        return None
    return target, value


def _check_parameter(target: str, applies_to: tuple[str, str] | None, raw: Any, fail: Any
                     ) -> tuple[str, Any] | None:
    name = snake_case(target)
    known = list(PARAMETERS)
    if name not in PARAMETERS:
        fail("target", ("is blank; name a parameter" if not name else "is not a known parameter")
             + _near(name, known))
        return None
    if name in _FIXED_PARAMETERS:
        fail("target", f"'{name}' cannot change in a scenario: the reporting currency is fixed when the tables "
             "are read")
        return None
    if applies_to is not None and name not in CUSTOMER_PARAMETERS:
        fail("applies_to", f"'{name}' applies to everyone; only {', '.join(CUSTOMER_PARAMETERS)} can apply to "
             "some customers (leave applies_to blank)")
        return None
    if blank_mask(pd.Series([raw], dtype=object)).iloc[0]:
        fail("value", "is blank; give the parameter's value")
        return None
    collector = Collector()
    typed = read_parameters({name: raw}, collector)
    if collector.fatal:
        fail("value", "; ".join(p.reason for p in collector.fatal))
        return None
    if name == "commission_rate" and applies_to is not None:
        return name, float(typed[name])
    return name, typed[name]


# --------------------------------------------------------------------------------------------- applying


def _selected(customers: pd.DataFrame, applies_to: tuple[str, str] | None) -> pd.Index:
    """The customer ids ``applies_to`` names."""
    ids = customers["customer_id"]
    if applies_to is None:
        return pd.Index(ids)
    dimension, value = applies_to
    column = "customer_id" if dimension == "customer" else dimension
    return pd.Index(ids[customers[column].astype(object).eq(value).to_numpy()])


def _scaled_equation(text: str, scale: float) -> str:
    """A time equation with every term scaled: the same minutes × ``scale``."""
    eq = parse_time_equation(text)
    terms = [f"{eq.intercept * scale:.12g}"] + [f"{c * scale:.12g}*{d}" for d, c in eq.coefficients.items()]
    return " + ".join(terms)


def _consolidate_orders(transactions: pd.DataFrame, usage: pd.DataFrame, customers: pd.Index, scale: float
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each selected customer's orders merged into round(orders × scale) consecutive ones (≥ 1)."""
    lines = transactions["customer_id"].isin(customers).to_numpy()
    if not lines.any():
        return transactions, usage
    part = transactions.loc[lines, ["customer_id", "order_id", "date"]].copy()
    part["order_id"] = part["order_id"].where(part["order_id"].notna(), order_key_from_date(part["date"]))
    orders = part.groupby(["customer_id", "order_id"], sort=True)["date"].min().reset_index()
    orders = orders.sort_values(["customer_id", "date", "order_id"], kind="stable")
    position = orders.groupby("customer_id").cumcount().to_numpy()
    count = orders.groupby("customer_id")["order_id"].transform("size").to_numpy()
    kept = np.maximum(1, np.floor(count * scale + 0.5)).astype("int64")
    orders["group"] = position * kept // count
    orders["merged"] = orders.groupby(["customer_id", "group"])["order_id"].transform("first")
    mapping = orders.set_index(["customer_id", "order_id"])["merged"]
    keys = pd.MultiIndex.from_arrays([part["customer_id"], part["order_id"]])
    transactions = transactions.copy()
    transactions.loc[lines, "order_id"] = mapping.reindex(keys).to_numpy(dtype=object)
    tied = (usage["customer_id"].isin(customers) & usage["order_id"].notna()).to_numpy()
    if tied.any():
        usage = usage.copy()
        ukeys = pd.MultiIndex.from_arrays([usage.loc[tied, "customer_id"], usage.loc[tied, "order_id"]])
        merged = mapping.reindex(ukeys).to_numpy(dtype=object)
        old = usage.loc[tied, "order_id"].to_numpy(dtype=object)
        usage.loc[tied, "order_id"] = np.where(pd.isna(merged), old, merged)
    return transactions, usage


_PRICE_COLUMNS = ("gross_revenue", "rebate", "net_revenue", "written_off")


def _reprice(transactions: pd.DataFrame, customers: pd.Index, product: str, change: float) -> pd.DataFrame:
    rows = transactions["customer_id"].isin(customers)
    if product:
        rows &= transactions["product_id"].astype(object).eq(product)
    if not rows.any():
        return transactions
    out = transactions.copy()
    factor = 1.0 + change
    for column in _PRICE_COLUMNS:
        out.loc[rows, column] = round_money(out.loc[rows, column].astype("float64") * factor)
    out.loc[rows, "discount"] = round_money(out.loc[rows, "gross_revenue"] - out.loc[rows, "rebate"]
                                            - out.loc[rows, "net_revenue"])
    return out


def _refuse(changes: Sequence[Change], reason: str) -> ValidationError:
    return ValidationError([Problem(TABLE, c.row, "change", c.kind, reason) for c in changes],
                           f"scenario '{changes[0].scenario}' cannot be applied")


def apply_scenario(dataset: Dataset, changes: Sequence[Change]) -> tuple[Dataset, dict[str, Any]]:
    """The dataset of a scenario, and the parameter overrides to analyse it with.

    Parameters
    ----------
    dataset:
        The base dataset; it is not changed.
    changes:
        One scenario's changes (:func:`parse_scenarios`), applied in order.

    Returns
    -------
    (Dataset, dict)
        A new dataset built from changed copies of the base's normalised tables (row numbers
        kept; the base's rejected rows are not in it), or the base dataset itself when only
        parameters change; and the overrides for :func:`~xlprofit.core.analysis.analyze`.

    Raises
    ------
    ValidationError
        When the changes need tables the dataset does not hold in memory (invoice lines or
        usage rows read by an engine), or when the dataset left out cost pools (an incomplete
        analysis: a copy would lose them silently).
    """
    overrides = {c.target: c.value for c in changes if c.kind == "parameter" and c.applies_to is None}
    table_changes = [c for c in changes if c.kind != "parameter" or c.applies_to is not None]
    if not table_changes:
        return dataset, overrides
    if not isinstance(dataset.lines, FrameLines) or dataset.lines.holds_usage:
        raise _refuse(table_changes, "needs the invoice lines and usage rows in memory; this dataset's are read "
                      "by an engine (read the input without an engine, or change parameters only)")
    if len(rejected_cost_pools(dataset)):
        raise _refuse(table_changes, "needs a complete dataset: cost pool rows were rejected while reading, and a "
                      "scenario would lose them silently (correct them first)")
    tables = {name: getattr(dataset, name).copy() for name in ("customers", "transactions", "activities",
                                                               "resources", "usage")}
    for change in table_changes:
        _apply(change, tables)
    # Money is in the reporting currency already: the copies carry no currency to convert again.
    frames = {}
    for name, frame in tables.items():
        columns = [c.name for c in SCHEMAS[name] if c.name in frame.columns and c.name != "currency"]
        kept = frame[columns].copy()
        kept.index = pd.Index(frame.index.to_numpy(dtype="int64"), name=SHEET_ROWS)
        frames[name] = kept
    scenario = Dataset(frames["customers"], frames["transactions"], frames["activities"], frames["resources"],
                       frames["usage"], parameters=dataset.parameters, sources=dataset.sources)
    return scenario, overrides


def _apply(change: Change, tables: dict[str, pd.DataFrame]) -> None:
    customers = tables["customers"]
    who = _selected(customers, change.applies_to)
    if change.kind == "parameter":  # a customer's own terms
        rows = customers["customer_id"].isin(who)
        customers.loc[rows, change.target] = float(change.value)
    elif change.kind == "rate":
        act = tables["activities"]
        row = act.index[act["activity"].eq(change.target).to_numpy()][0]
        if act.at[row, "method"] == "abc":
            act.at[row, "cost"] = float(round_money(pd.Series([act.at[row, "cost"] * change.value])).iloc[0])
        elif pd.notna(act.at[row, "time_equation"]):
            act.at[row, "time_equation"] = _scaled_equation(str(act.at[row, "time_equation"]), change.value)
        else:
            act.at[row, "unit_time"] = float(act.at[row, "unit_time"]) * change.value
    elif change.kind == "capacity":
        res = tables["resources"]
        rows = res["resource"].eq(change.target)
        res.loc[rows, "capacity"] = res.loc[rows, "capacity"] * change.value
        res.loc[rows, "cost"] = round_money(res.loc[rows, "cost"] * change.value)
    elif change.kind == "volume" and change.target in _CHANGEABLE_BUILTINS:
        tables["transactions"], tables["usage"] = _consolidate_orders(tables["transactions"], tables["usage"], who,
                                                                      change.value)
    elif change.kind == "volume":
        use = tables["usage"]
        rows = use["driver"].eq(change.target) & use["customer_id"].isin(who)
        use.loc[rows, "quantity"] = use.loc[rows, "quantity"] * change.value
    elif change.kind == "price":
        tables["transactions"] = _reprice(tables["transactions"], who, change.target, change.value)
    else:  # pragma: no cover - parse_scenarios admits only CHANGE_KINDS
        raise AssertionError(change.kind)


# --------------------------------------------------------------------------------------------- running


@dataclass(frozen=True, repr=False)
class ScenarioResults:
    """The base analysis and one analysis per scenario, side by side.

    Attributes
    ----------
    base:
        The analysis without changes.
    analyses:
        Each scenario's analysis, by name, in the order of the scenarios table.
    changes:
        Each scenario's changes.
    summary:
        One row per measure (:data:`SUMMARY_MEASURES`): ``measure``, ``unit``, ``base``, one
        column per scenario, then ``<scenario> vs base`` (scenario − base) for each.
        Figures are the analyses' own (their ``kpis``, ``bridge``, ``customers``): nothing is
        recomputed. ``Total CLV`` is NaN where no lifetime values were computed.
    customers:
        Per customer and scenario: ``scenario, customer_id, name, segment, channel,
        base_profit, scenario_profit, change``; scenarios in order, within each the
        largest absolute change first.
    """

    base: Analysis
    analyses: dict[str, Analysis]
    changes: dict[str, list[Change]]
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    customers: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def checks_hold(self) -> bool:
        """True when every reconciliation check of the base and of every scenario holds."""
        return self.base.checks_hold and all(a.checks_hold for a in self.analyses.values())

    def __repr__(self) -> str:
        return (f"ScenarioResults(base and {len(self.analyses)} scenario(s): {', '.join(self.analyses)}; "
                f"checks {'hold' if self.checks_hold else 'DO NOT all hold'})")


def _measures(analysis: Analysis) -> list[float]:
    kpis = analysis.kpis.set_index("kpi")["value"]
    bridge = analysis.bridge.set_index("step")["amount"]
    values = {name: float(kpis[name]) for name, _ in SUMMARY_MEASURES if name in kpis.index}
    values["Unassigned activity cost"] = 0.0 - float(bridge.get("Unassigned activity cost", 0.0))  # a deduction
    values["Period result"] = float(bridge[BRIDGE_STEPS[-1]])
    clv = analysis.customers["clv"] if "clv" in analysis.customers.columns else pd.Series(dtype="float64")
    values["Total CLV"] = float(clv.sum(min_count=1))
    values["Reconciliation checks failing"] = float((~analysis.reconciliation["holds"].astype(bool)).sum())
    return [values[name] for name, _ in SUMMARY_MEASURES]


def _summary(base: Analysis, analyses: Mapping[str, Analysis]) -> pd.DataFrame:
    table = pd.DataFrame({"measure": [m for m, _ in SUMMARY_MEASURES], "unit": [u for _, u in SUMMARY_MEASURES],
                          BASE: _measures(base)})
    for name, analysis in analyses.items():
        table[name] = _measures(analysis)
    for name in analyses:
        change = table[name] - table[BASE]
        table[f"{name} vs base"] = np.where(table["unit"].eq("money"), round_money(change), change)
    return table


def _customer_changes(base: Analysis, analyses: Mapping[str, Analysis]) -> pd.DataFrame:
    frames = []
    info = base.customers.reindex(columns=["name", "segment", "channel"])
    for name, analysis in analyses.items():
        frame = pd.DataFrame({"base_profit": base.customers["profit"]})
        frame["scenario_profit"] = analysis.customers["profit"].reindex(frame.index)
        frame["change"] = round_money(frame["scenario_profit"] - frame["base_profit"])
        frame = info.join(frame)
        frame.insert(0, "scenario", name)
        frame = frame.reset_index(names="customer_id")
        order = np.lexsort((frame["customer_id"].astype(str).to_numpy(), -frame["change"].abs().to_numpy()))
        frames.append(frame.iloc[order])
    columns = ["scenario", "customer_id", "name", "segment", "channel", "base_profit", "scenario_profit", "change"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def run_scenarios(dataset: Dataset, scenarios: Any, *, base: Analysis | None = None,
                  **analyze_kwargs: Any) -> ScenarioResults:
    """Analyse the base and every scenario, and put them side by side.

    Parameters
    ----------
    dataset:
        The base dataset.
    scenarios:
        The scenarios table (anything :func:`parse_scenarios` reads) or its result, a
        ``{name: [Change, …]}`` mapping.
    base:
        The base analysis when it is at hand (it must be ``analyze(dataset, **analyze_kwargs)``);
        by default it is computed here.
    **analyze_kwargs:
        Passed to every :func:`~xlprofit.core.analysis.analyze` call (``allow_incomplete``,
        ``progress``, base parameter overrides, …); a scenario's own parameter changes win.

    Returns
    -------
    ScenarioResults
    """
    changes = (dict(scenarios) if isinstance(scenarios, Mapping) else parse_scenarios(scenarios, dataset))
    if base is None:
        base = analyze(dataset, **analyze_kwargs)
    analyses = {}
    for name, rows in changes.items():
        scenario, overrides = apply_scenario(dataset, rows)
        analyses[name] = analyze(scenario, **{**analyze_kwargs, **overrides})
    return ScenarioResults(base, analyses, changes, _summary(base, analyses), _customer_changes(base, analyses))
