"""The ``usage`` table read, checked and summed by the SQL engine that holds the lines.

A usage file of millions of rows (visits, calls, rush orders per customer and order) is
checked with the rules of :func:`xlprofit.core.tables._usage` and of ``analyze`` — every
cell read as pandas reads it, unknown customers, built-in drivers, drivers no activity
uses, periods outside the analysis period, orders the lines do not hold — and summed to the
grains of :class:`~xlprofit.core.drivers.UsageVolumes` inside the engine. Cells are read as
the lines are (see :mod:`xlprofit.engines._sql`): a fast path in SQL for plain ids and
numbers, every other distinct value parsed in Python by the functions the pandas path uses.
Driver names and periods are few, so all of their distinct values are parsed in Python.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from xlprofit.core.drivers import BUILTIN_DRIVERS, UsageVolumes
from xlprofit.core.lines import MAX_LISTED_EXCEPTIONS
from xlprofit.core.parsing import TEXT_CHANGED, TEXT_SHORTENED, blank_mask
from xlprofit.core.periods import Periods
from xlprofit.core.reading import display_value, too_few_fields, too_many_fields
from xlprofit.core.schema import EXCEPTION_COLUMNS, SCHEMAS
from xlprofit.core.tables import parse_period_span, snake_column
from xlprofit.engines._cells import (
    MAX_SHOWN,
    customer_period_index,
    in_list,
    mapping,
    period_number,
    plain,
    quantity_out_of_range,
    quote,
    raw_cells,
    text_values,
)
from xlprofit.errors import InputError, Problem, ValidationError

__all__ = ["UsageInEngine"]

#: How each column of the usage schema is read: ids and numbers have a fast path in SQL;
#: driver names and periods are parsed in Python (``name``, ``period``).
_KINDS = {"customer_id": "id", "driver": "name", "quantity": "number", "period": "period", "order_id": "id"}
#: The columns read as text: made storable in Python, listed when changed or too long to show whole.
_TEXTS = ("customer_id", "driver", "order_id")
_REQUIRED = tuple(c.name for c in SCHEMAS["usage"] if c.required)
_QUANTITY = next(c for c in SCHEMAS["usage"] if c.name == "quantity")
_ORDER_REASON = "is not an order of this customer in the analysed lines; counted for the customer"


class UsageInEngine:
    """Mixin of :class:`~xlprofit.engines._sql.SqlLines`: a usage file beside the line files.

    The engine class calls :meth:`_use_usage` with the file; ``analyze`` then asks
    :meth:`usage_drivers` (while the dataset is read) and :meth:`usage_volumes`.
    """

    _usage_columns = None

    @property
    def holds_usage(self) -> bool:
        """Whether the engine reads the usage table too."""
        return self._usage_columns is not None

    def _use_usage(self, usage: str | os.PathLike[str]) -> None:
        path = str(usage)
        if "://" not in path and not Path(path).is_file():
            raise InputError(f"usage file '{path}' does not exist")
        columns = self._define_source([path], "xlp_usrc", "usage")
        found = [c.name for c in columns]
        missing = [Problem("usage", None, name, None, f"required column '{name}' is missing (columns found: "
                           f"{', '.join(found[:12]) or 'none'})") for name in _REQUIRED if name not in found]
        if missing:
            raise ValidationError(missing, "the input cannot be analysed")
        self._usage_columns = columns
        self._usage_by_name = {c.name: c for c in columns}
        self._usage_mapped: set[str] = set()
        self._usage_ready = False

    # ----------------------------------------------------------------------------- reading cells
    def _usage_prepare(self) -> None:
        """Parse in Python the distinct cells SQL does not read, as mapping tables ``xlp_umap_<column>``."""
        if self._usage_ready:
            return
        wanted = []
        for col in self._usage_columns:
            kind = _KINDS.get(col.name, "blank")
            blank, fast, _, _ = self._fast(col, kind if kind in ("id", "number") else "blank")
            if kind == "blank" and col.kind == "text":
                fast = plain(col.alias)
            elif kind == "blank":
                continue
            if fast != "TRUE":
                wanted.append((col, kind, f"NOT {blank} AND NOT {fast}"))
        for col, kind, values in self._distinct_cells("xlp_usrc", wanted):
            self._register(f"xlp_umap_{col.name}", _usage_mapping(values, col.kind, kind, col.decimal_comma))
            self._usage_mapped.add(col.name)
        self._usage_ready = True

    def _usage_read(self, name: str) -> tuple[str, str, str]:
        """SQL ``(value, reason, blank)`` of usage column ``name`` (NULL, NULL, TRUE when absent)."""
        col = self._usage_by_name.get(name)
        if col is None:
            null = "CAST(NULL AS DOUBLE)" if name == "quantity" else "CAST(NULL AS STRING)"
            return null, "CAST(NULL AS STRING)", "TRUE"
        kind = _KINDS[name]
        blank, fast, value, reason = self._fast(col, kind if kind in ("id", "number") else "blank")
        if kind in ("name", "period"):
            fast = "FALSE"
        m = f"xlp_umap_{name}"
        if name not in self._usage_mapped:
            return (f"CASE WHEN {blank} THEN NULL WHEN {fast} THEN {value} END",
                    f"CASE WHEN {blank} THEN NULL WHEN {fast} THEN {reason} END", blank)
        return (f"CASE WHEN {blank} THEN NULL WHEN {fast} THEN {value} "
                f"WHEN {m}.why IS NULL AND NOT {m}.blank THEN {m}.val END",
                f"CASE WHEN {blank} THEN NULL WHEN {fast} THEN {reason} ELSE {m}.why END",
                f"({blank} OR (NOT {fast} AND COALESCE({m}.blank, FALSE)))")

    def _usage_text(self, name: str) -> tuple[str, str]:
        """SQL ``(changed, long)`` of a text column: why Python made it storable, whether it is too long to show."""
        col = self._usage_by_name.get(name)
        if col is None or col.kind != "text":
            return "CAST(NULL AS STRING)", "FALSE"
        blank, fast, _, _ = self._fast(col, "id" if _KINDS[name] == "id" else "blank")
        if _KINDS[name] != "id":
            fast = "FALSE"
        m = f"xlp_umap_{name}"
        if name not in self._usage_mapped:
            return "CAST(NULL AS STRING)", f"CASE WHEN {blank} THEN FALSE ELSE length(s.{col.alias}) > {MAX_SHOWN} END"
        return (f"CASE WHEN {blank} OR {fast} THEN NULL ELSE {m}.changed END",
                f"CASE WHEN {blank} THEN FALSE WHEN {fast} THEN length(s.{col.alias}) > {MAX_SHOWN} "
                f"ELSE COALESCE({m}.long, FALSE) END")

    def _usage_sql(self, used: list[str] | None) -> str:
        """``WITH`` clauses ending in ``checked``: one row per non-blank usage row, typed, with its fate.

        ``used``: the usage drivers the activities use (rows of other drivers are rejected);
        ``None`` leaves that check out.
        """
        self._usage_prepare()
        cols = ["s._fields AS _fields"]
        for name in _KINDS:
            if name == "period":
                continue
            value, reason, blank = self._usage_read(name)
            cols += [f"{value} AS v_{name}", f"{reason} AS r_{name}", f"{blank} AS b_{name}"]
        for name in _TEXTS:
            changed, long = self._usage_text(name)
            col = self._usage_by_name.get(name)
            cols += [f"{changed} AS tc_{name}", f"{long} AS tl_{name}",
                     f"s.{col.alias} AS raw_{name}" if col is not None else f"CAST(NULL AS STRING) AS raw_{name}"]
        p = self._usage_by_name.get("period")
        if p is None:
            cols += ["CAST(NULL AS TIMESTAMP) AS p_start", "CAST(NULL AS TIMESTAMP) AS p_end",
                     "CAST(NULL AS STRING) AS r_period", "TRUE AS b_period", "CAST(NULL AS STRING) AS raw_period"]
        else:
            blank = self._fast(p, "blank")[0]
            m = "xlp_umap_period"
            if "period" in self._usage_mapped:
                cols += [f"CASE WHEN {blank} THEN NULL ELSE {m}.start END AS p_start",
                         f"CASE WHEN {blank} THEN NULL ELSE {m}.stop END AS p_end",
                         f"CASE WHEN {blank} THEN NULL ELSE {m}.why END AS r_period",
                         f"({blank} OR COALESCE({m}.blank, FALSE)) AS b_period"]
            else:
                cols += ["CAST(NULL AS TIMESTAMP) AS p_start", "CAST(NULL AS TIMESTAMP) AS p_end",
                         "CAST(NULL AS STRING) AS r_period", "TRUE AS b_period"]
            cols.append(f"s.{p.alias} AS raw_period")
        q = self._usage_by_name["quantity"]
        cols.append(f"s.{q.alias} AS raw_quantity")
        blanks = [f"b_{name}" for name in _KINDS]
        extra = [c for c in self._usage_columns if c.name not in _KINDS]
        for c in extra:
            blank = self._fast(c, "blank")[0]
            if c.name in self._usage_mapped:
                blank = f"({blank} OR (NOT {plain(c.alias)} AND COALESCE(xlp_umap_{c.name}.blank, FALSE)))"
            cols.append(f"{blank} AS b_x_{c.name}")
            blanks.append(f"b_x_{c.name}")
        joins = " ".join(f"LEFT JOIN xlp_umap_{n} ON xlp_umap_{n}.raw = s.{self._usage_by_name[n].alias}"
                         for n in sorted(self._usage_mapped))
        # As tables._parse_column: the reason of the cell as read, then its minimum, then its range.
        bad_quantity = (f"COALESCE(r_quantity, CASE WHEN v_quantity < {_QUANTITY.minimum:g} THEN "
                        f"{quote(f'must be ≥ {_QUANTITY.minimum:g}')} WHEN {quantity_out_of_range('v_quantity')} "
                        f"THEN {quote(_QUANTITY.range_reason)} END)")
        builtin = in_list("v_driver", BUILTIN_DRIVERS)
        orphan = "FALSE" if used is None else (f"NOT {in_list('v_driver', used)}" if used else "TRUE")
        return (
            f"WITH ut AS (SELECT s._row AS _row, {', '.join(cols)} FROM xlp_usrc s {joins}), "
            f"u1 AS (SELECT *, {bad_quantity} AS q_quantity, (_fields IS NOT NULL) AS wrong FROM ut "
            f"WHERE NOT ({' AND '.join(blanks)})), "
            "u2 AS (SELECT *, (wrong OR q_quantity IS NOT NULL OR r_period IS NOT NULL OR b_customer_id OR b_driver "
            "OR b_quantity) AS read_bad FROM u1), "
            "u3 AS (SELECT u.*, k.pos AS cpos, (NOT u.read_bad AND k.pos IS NULL) AS unknown FROM u2 u "
            "LEFT JOIN xlp_customers k ON k.customer_id = u.v_customer_id), "
            f"u4 AS (SELECT *, (NOT read_bad AND NOT unknown AND COALESCE({builtin}, FALSE)) AS builtin FROM u3), "
            f"checked AS (SELECT *, (NOT read_bad AND NOT unknown AND NOT builtin AND COALESCE({orphan}, TRUE)) "
            "AS orphan, CASE WHEN q_quantity IS NULL THEN v_quantity END AS qty FROM u4) ")

    # ----------------------------------------------------------------------------- LineSource
    def usage_drivers(self, customers: pd.Index) -> set[str]:
        """The drivers of the usage rows that pass the checks that need no activity (for checking activities)."""
        self._register_customers(customers)
        found = self._query(self._usage_sql(None) + "SELECT DISTINCT v_driver AS d FROM checked "
                            "WHERE NOT read_bad AND NOT unknown AND NOT builtin")
        return {d for d in found["d"] if isinstance(d, str)}

    def usage_volumes(self, periods: Periods, drivers: list[str], itemised: bool
                      ) -> tuple[UsageVolumes, pd.DataFrame, int]:
        """Check the usage rows and sum them per customer, period and (itemised) order.

        Must follow :meth:`summarise` (the rows tied to orders are checked against its
        orders). Returns the volumes, the listed exceptions (at most
        :data:`~xlprofit.core.lines.MAX_LISTED_EXCEPTIONS`) and how many there are in all.
        """
        n = periods.count
        per = functools.partial(period_number, periods=periods)
        fate = self._usage_sql(list(drivers)) + (
            f", f1 AS (SELECT *, (read_bad OR unknown OR builtin OR orphan) AS rejected, "
            f"CASE WHEN p_start IS NULL THEN 0 ELSE {per('p_start')} END AS k_lo, "
            f"CASE WHEN p_end IS NULL THEN {n - 1} ELSE {per('p_end')} END AS k_hi FROM checked), "
            f"f2 AS (SELECT *, (NOT rejected AND (k_hi < 0 OR k_lo > {n - 1})) AS outside FROM f1), "
            "ufate AS (SELECT f.*, (NOT f.rejected AND NOT f.outside AND f.v_order_id IS NOT NULL "
            "AND o.cust IS NULL) AS no_order FROM f2 f "
            "LEFT JOIN xlp_orders o ON o.cust = f.cpos AND o.okey = f.v_order_id) ")
        cats = _categories()
        # One pass over the usage file: what each row is used for, and the category flags to count.
        self._keep("xlp_ufate", fate + (
            f"SELECT cpos, v_driver AS drv, CASE WHEN no_order THEN NULL ELSE v_order_id END AS oid, "
            f"GREATEST(LEAST(k_lo, {n - 1}), 0) AS lo, GREATEST(LEAST(k_hi, {n - 1}), 0) AS hi, qty AS q, "
            "(NOT rejected AND NOT outside) AS used, "
            + ", ".join(f"({cond}) AS c_{name}" for name, cond, _, _ in cats) + " FROM ufate"))
        names = list(dict.fromkeys(drivers))
        try:
            counts = self._query("SELECT " + ", ".join(f"count(*) FILTER (WHERE c_{name}) AS n_{name}"
                                                       for name, _, _, _ in cats) + " FROM xlp_ufate")
            total = int(sum(int(counts[f"n_{name}"].iloc[0]) for name, _, _, _ in cats))
            exceptions = self._usage_exceptions(fate, cats, counts) if total else _no_exceptions()
            # Each row spread evenly over the periods its span covers (as drivers.spread_usage).
            spread = (f"SELECT cpos, drv, oid, {self.dialect.explode_range('lo', 'hi')} AS per, "
                      "q / (hi - lo + 1) AS q FROM xlp_ufate WHERE used")
            wide = ", ".join(f"sum(q) FILTER (WHERE drv = {quote(d)}) AS d{i}" for i, d in enumerate(names))
            resum = ", ".join(f"sum(d{i}) AS d{i}" for i in range(len(names)))
            if names:
                self._keep("xlp_uper", f"SELECT cpos, CAST(per AS BIGINT) AS per, {wide} FROM ({spread}) s "
                                       "GROUP BY cpos, per")
                try:
                    period = self._query("SELECT * FROM xlp_uper ORDER BY cpos, per")
                    customer = self._query(f"SELECT cpos, {resum} FROM xlp_uper GROUP BY cpos ORDER BY cpos")
                finally:
                    self._drop("xlp_uper")
                order = self._query(f"SELECT cpos, oid, {wide} FROM ({spread}) s WHERE oid IS NOT NULL "
                                    "GROUP BY cpos, oid ORDER BY cpos, oid") if itemised else None
            else:
                period = pd.DataFrame({"cpos": pd.Series(dtype="int64"), "per": pd.Series(dtype="int64")})
                customer = period[["cpos"]]
                order = period[["cpos"]].assign(oid=pd.Series(dtype=object)) if itemised else None
        finally:
            self._drop("xlp_ufate")
        ids = self._ids

        def framed(frame: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
            out = pd.DataFrame({d: frame[f"d{i}"].to_numpy(dtype="float64") for i, d in enumerate(names)},
                               index=index)
            return out.reindex(columns=names)

        cpos = period["cpos"].to_numpy(dtype="int64")
        volumes = UsageVolumes(
            customer=framed(customer, pd.Index(ids.take(customer["cpos"].to_numpy(dtype="int64")),
                                               name="customer_id")),
            period=framed(period, customer_period_index(ids, cpos, period["per"].to_numpy(dtype="int64"), n)),
            order=None if order is None else framed(order, pd.MultiIndex.from_arrays(
                [ids.take(order["cpos"].to_numpy(dtype="int64")), order["oid"].astype("str").to_numpy(dtype=object)],
                names=["customer_id", "order_id"])))
        return volumes, exceptions, total

    def _usage_exceptions(self, fate: str, cats: list[tuple[str, str, str | None, str]], counts: pd.DataFrame
                          ) -> pd.DataFrame:
        order = {name: i for i, (name, _, _, _) in enumerate(cats)}
        active = [(name, cond) for name, cond, _, _ in cats if int(counts[f"n_{name}"].iloc[0])]
        columns = ("_row, _fields, v_customer_id, v_driver, v_order_id, p_start, q_quantity, r_period, raw_quantity, "
                   "raw_period, raw_customer_id, raw_driver, raw_order_id")
        any_problem = " OR ".join(f"({c})" for _, c in active)
        rows = self._query(
            fate + f", flagged AS ({self.dialect.categories(columns, active, 'ufate', any_problem)}), "
            "ranked AS (SELECT *, row_number() OVER (PARTITION BY cat ORDER BY _row) AS rn FROM flagged "
            f"WHERE cat IS NOT NULL) SELECT * FROM ranked WHERE rn <= {MAX_LISTED_EXCEPTIONS}")
        rows["_order"] = rows["cat"].map(order)
        rows = rows.sort_values(["_order", "_row"], kind="stable").head(MAX_LISTED_EXCEPTIONS)
        frames = []
        for name, _, column, action in cats:
            part = rows[rows["cat"] == name]
            if part.empty:
                continue
            k = len(part)
            if name == "wrong_width":
                width = self.usage_widths[0]
                values = [None] * k
                reasons = [too_many_fields(width) if f < 0 else too_few_fields(int(f), width) for f in part["_fields"]]
            elif name.startswith(("changed_", "long_")) and column is not None:
                raw = pd.Series(list(part[f"raw_{column}"]), dtype=object)
                shown, changed, long = text_values(raw, "id" if _KINDS[column] == "id" else "text")
                if name.startswith("changed_"):
                    values, reasons = [display_value(v) for v in raw], list(changed)
                else:
                    values, reasons = list(shown), list(long)
            elif name.startswith("blank_"):
                values, reasons = [None] * k, ["is blank; a value is required"] * k
            elif name == "bad_quantity":
                values, reasons = [display_value(v) for v in part["raw_quantity"]], list(part["q_quantity"])
            elif name == "bad_period":
                values, reasons = [display_value(v) for v in part["raw_period"]], list(part["r_period"])
            elif name == "unknown":
                values, reasons = list(part["v_customer_id"]), ["is not in the customers table"] * k
            elif name == "builtin":
                values = list(part["v_driver"])
                reasons = ["is a built-in driver computed from transactions; usage rows cannot add to it"] * k
            elif name == "orphan":
                values, reasons = list(part["v_driver"]), ["is not used by any activity"] * k
            elif name == "outside":
                values = [pd.Timestamp(v).date().isoformat() for v in part["p_start"]]
                reasons = ["is outside the analysis period"] * k
            else:
                values, reasons = list(part["v_order_id"]), [_ORDER_REASON] * k
            frames.append(pd.DataFrame({
                "table": "usage", "row": part["_row"].to_numpy(dtype="int64"), "column": column,
                "value": pd.Series(values, dtype=object).to_numpy(), "reason": np.asarray(reasons, dtype=object),
                "action": action,
                "customer_id": np.asarray([None if pd.isna(v) or name == "wrong_width" else v
                                           for v in part["v_customer_id"]], dtype=object),
                "amount": np.nan}, columns=EXCEPTION_COLUMNS))
        return pd.concat(frames, ignore_index=True)[EXCEPTION_COLUMNS]


def _text_categories(name: str) -> list[tuple[str, str, str | None, str]]:
    return [(f"changed_{name}", f"(NOT wrong AND tc_{name} IS NOT NULL)", name, TEXT_CHANGED),
            (f"long_{name}", f"(NOT wrong AND tl_{name})", name, TEXT_SHORTENED)]


def _categories() -> list[tuple[str, str, str | None, str]]:
    """Usage exceptions in the order the pandas path lists them: (name, condition, column, action).

    A row of another width than the header is rejected as that only (none of its cells is read).
    """
    return [
        ("wrong_width", "wrong", None, "rejected"),
        ("blank_customer_id", "(NOT wrong AND b_customer_id)", "customer_id", "rejected"),
        *_text_categories("customer_id"),
        ("blank_driver", "(NOT wrong AND b_driver)", "driver", "rejected"),
        *_text_categories("driver"),
        ("bad_quantity", "(NOT wrong AND q_quantity IS NOT NULL)", "quantity", "rejected"),
        ("blank_quantity", "(NOT wrong AND b_quantity AND q_quantity IS NULL)", "quantity", "rejected"),
        *_text_categories("order_id"),
        ("bad_period", "(NOT wrong AND r_period IS NOT NULL)", "period", "rejected"),
        ("unknown", "unknown", "customer_id", "rejected"),
        ("builtin", "builtin", "driver", "rejected"),
        ("orphan", "orphan", "driver", "rejected"),
        ("outside", "outside", "period", "excluded"),
        ("order", "no_order", "order_id", "value ignored"),
    ]


def _usage_mapping(values: list, source_kind: str, kind: str, decimal_comma: bool = False) -> pd.DataFrame:
    """Distinct usage cells parsed by the pandas functions: ``raw, val, why, blank`` (periods: ``start, stop``).

    Ids and names have ``changed`` and ``long`` too (see :func:`xlprofit.engines._cells.mapping`).
    """
    if kind in ("id", "number", "blank"):
        return mapping(values, source_kind, kind, decimal_comma)
    raw = raw_cells(values, source_kind)
    blank = blank_mask(raw).astype(bool)
    if kind == "name":
        names, changed, long = text_values(raw, "text")
        return pd.DataFrame({"raw": raw, "val": snake_column(names).astype(object),
                             "why": pd.Series(None, index=raw.index, dtype=object), "blank": blank,
                             "changed": changed.astype(object), "long": long.notna()})
    start, stop, why = parse_period_span(raw)
    return pd.DataFrame({"raw": raw, "start": start.astype("datetime64[ns]"), "stop": stop.astype("datetime64[ns]"),
                         "why": why.astype(object), "blank": blank})


def _no_exceptions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS})
