"""Invoice lines validated and summed by a SQL engine: the query text shared by DuckDB and Spark.

:class:`SqlLines` writes every step of :class:`xlprofit.core.lines.FrameLines` and of the
``transactions`` rules of :mod:`xlprofit.core.tables` as SQL, so that the lines never
leave the engine; only aggregates and the (capped) list of exception rows come back to
pandas. The queries are written once; the few places where DuckDB and Spark SQL differ are
the methods of :class:`Dialect`.

How a cell is read. Each column of the ``transactions`` schema is read by a *fast path*
in SQL for the spellings that both the engine and :mod:`xlprofit.core.parsing` read the
same way (``-1234.50``, ``2024-01-05``, ``TRUE``, an id without surrounding spaces). Every
other value — ``"1 234,50"``, ``"05.01.2024"``, ``"(12.00)"``, ids with spaces, typos — is
collected as a DISTINCT value, parsed in Python by the very functions the pandas path uses,
and joined back as a small mapping table. Both paths therefore give the same value and the
same reason text for every cell.
"""

from __future__ import annotations

import datetime
from abc import abstractmethod
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.aggregate import (
    COUNT_COLUMNS,
    CUSTOMER_COLUMNS,
    MONEY_COLUMNS,
    NO_PRODUCT,
    RETURNS,
    SALE_DEPTH,
    LineAggregates,
    check_sale_depth,
    empty_order_grain,
)
from xlprofit.core.lines import MAX_LISTED_EXCEPTIONS, LineAccounting, LineSource
from xlprofit.core.money import MAX_PAYMENT_DAYS, MAX_TOTAL_CENTS, TOTAL_OUT_OF_RANGE, amount_out_of_range_reason
from xlprofit.core.parsing import (
    BLANK_WORDS,
    DATE_OUT_OF_RANGE,
    EXCEL_EPOCH,
    FALSE_WORDS,
    FIRST_DATE,
    LAST_DATE,
    MAX_SERIAL,
    SERIAL_OUT_OF_RANGE,
    TEXT_CHANGED,
    TEXT_SHORTENED,
    TRUE_WORDS,
)
from xlprofit.core.periods import Periods
from xlprofit.core.reading import MAX_PROBLEMS, display_value, too_few_fields, too_many_fields
from xlprofit.core.schema import EXCEPTION_COLUMNS, PAID_ON_OUT_OF_RANGE, SCHEMAS, Column
from xlprofit.core.tables import CANNOT_ANALYSE, NO_USABLE_ROWS, refusal
from xlprofit.engines._cells import GUARD as _GUARD
from xlprofit.engines._cells import MAX_SHOWN, UNSTORABLE_PATTERN, customer_period_index, period_number, text_values
from xlprofit.engines._cells import amount_out_of_range as _amount_out
from xlprofit.engines._cells import in_list as _in
from xlprofit.engines._cells import mapping as _mapping
from xlprofit.engines._cells import plain as _plain
from xlprofit.engines._cells import quantity_out_of_range as _quantity_out
from xlprofit.engines._cells import quote as _quote
from xlprofit.engines._usage import UsageInEngine
from xlprofit.errors import ArgumentError, Problem, ValidationError

__all__ = ["Dialect", "SqlLines", "SourceColumn", "TRANSACTION_COLUMNS"]

#: The schema of the ``transactions`` table, by name.
TRANSACTION_COLUMNS: dict[str, Column] = {c.name: c for c in SCHEMAS["transactions"]}
#: Columns whose unreadable value rejects the line (as in ``tables._transactions``).
_REJECTING = {"date", "customer_id", "net_revenue", "gross_revenue", "discount", "rebate", "cogs",
              "written_off", "quantity", "paid_on", "returned"}
#: Columns the analysis uses; ``currency`` only counts for telling blank rows apart.
_USED = ("date", "customer_id", "net_revenue", "order_id", "product_id", "quantity", "gross_revenue",
         "discount", "rebate", "cogs", "returned", "written_off", "paid_on")
#: The reading words of :mod:`xlprofit.core.parsing`, sorted so that the SQL text is stable.
_BLANKS = tuple(sorted(BLANK_WORDS))
_TRUE = tuple(sorted(TRUE_WORDS))
_FALSE = tuple(sorted(FALSE_WORDS))
_LINE_MONEY = ("gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off")
#: A line of ``fate`` that is analysed (summed into the aggregates).
_ANALYSED = "(NOT rejected AND NOT outside AND NOT filtered)"
_EPOCH_SECONDS = int((EXCEL_EPOCH - pd.Timestamp("1970-01-01")).total_seconds())
_MAX_DOUBLE = "1.7976931348623157E308"
#: Source types of a column as the engine reads it.
KINDS = ("text", "float", "int", "bool", "time")


@dataclass(frozen=True)
class SourceColumn:
    """One column of the line files: its snake_case ``name``, its SQL ``alias`` and source ``kind``.

    ``kind`` is one of :data:`KINDS`: ``text`` (CSV cells, Parquet strings), ``float``,
    ``int``, ``bool`` or ``time`` (Parquet dates and timestamps). ``decimal_comma``: its text
    numbers are written with a decimal comma (every file of the column a ``;``-separated CSV).
    """

    name: str
    alias: str
    kind: str
    decimal_comma: bool = False


def sale_line_sql(discount_cents: str, gross_cents: str, depth: float) -> str:
    """SQL: the line is a sale purchase, as :func:`xlprofit.core.aggregate.sale_lines` decides it.

    The same floating-point expression on whole cents (products of doubles round alike everywhere).
    """
    d = f"CAST({check_sale_depth(depth)!r} AS DOUBLE)"
    g, x = f"CAST({gross_cents} AS DOUBLE)", f"CAST({discount_cents} AS DOUBLE)"
    return (f"(CASE WHEN {g} > 0 THEN {x} >= {d} * {g} - 1e-6 "
            f"WHEN {g} < 0 THEN -{x} >= {d} * -{g} - 1e-6 ELSE FALSE END)")


class Dialect:
    """The SQL that differs between engines; the base class writes DuckDB's."""

    def full_match(self, expr: str, pattern: str) -> str:
        """Whether ``expr`` matches the regular expression ``pattern`` as a whole (no backslashes)."""
        return f"regexp_full_match({expr}, {_quote(pattern)})"

    def unstorable(self, expr: str) -> str:
        """Whether the text ``expr`` holds a character a workbook cannot store (:data:`UNSTORABLE_PATTERN`)."""
        return f"regexp_matches({expr}, {_quote(UNSTORABLE_PATTERN)})"

    def plain(self, expr: str) -> str:
        """Whether the text ``expr`` is read in SQL as Python reads it: nothing to strip, nothing to replace."""
        return _plain(expr, self.unstorable(expr))

    def try_timestamp(self, expr: str) -> str:
        """Text to TIMESTAMP, NULL when the engine cannot read it."""
        return f"TRY_CAST({expr} AS TIMESTAMP)"

    def timestamp_from_seconds(self, expr: str) -> str:
        """Whole seconds since 1970-01-01 to a TIMESTAMP without time zone."""
        return f"make_timestamp(CAST({expr} AS BIGINT) * 1000000)"

    def epoch_micros(self, expr: str) -> str:
        """Microseconds since 1970-01-01 of a TIMESTAMP."""
        return f"epoch_us({expr})"

    def day_text(self, expr: str) -> str:
        """A TIMESTAMP as ``yyyy-mm-dd`` text."""
        return f"strftime({expr}, '%Y-%m-%d')"

    def distinct_list(self, expr: str, condition: str) -> str:
        """Aggregate: the distinct values of ``expr`` on the rows where ``condition`` holds."""
        return f"list(DISTINCT {expr}) FILTER (WHERE {condition})"

    def explode_range(self, lo: str, hi: str) -> str:
        """Select-list expression: one row for every whole number from ``lo`` to ``hi``."""
        return f"unnest(range({lo}, {hi} + 1))"

    def categories(self, columns: str, items: Sequence[tuple[str, str]], source: str, where: str) -> str:
        """SELECT ``columns`` and ``cat`` from ``source``, one row per ``(name, condition)`` of a line.

        ``cat`` is the name where the condition holds, else NULL.
        """
        cases = ", ".join(f"CASE WHEN {cond} THEN {_quote(name)} END" for name, cond in items)
        return f"SELECT {columns}, unnest([{cases}]) AS cat FROM {source} WHERE {where}"


@dataclass
class _Read:
    """SQL expressions reading one schema column: value, reason and blank.

    For ids: ``changed`` (the reason where Python made the text storable) and ``long`` (too
    long to show whole in a report table).
    """

    value: str
    reason: str
    blank: str
    changed: str = "CAST(NULL AS STRING)"
    long: str = "FALSE"


class SqlLines(UsageInEngine, LineSource):
    """Lines in files that a SQL engine reads, validates and sums (see the module docstring).

    Subclasses provide the engine: the source relation ``xlp_src`` (columns ``_file``,
    ``_row`` and one column per file column, named by :attr:`columns`), running a query
    into pandas, registering a small pandas table and keeping an intermediate result.

    Parameters
    ----------
    files:
        The line files, in order; rows are numbered within each file (header = row 1).
    """

    dialect: Dialect = Dialect()
    #: Whether rows may have another number of fields than their file's header (the source's
    #: ``_fields`` is set: CSV files the engine reads itself); else no row is checked for it.
    width_checked: bool = False
    #: Whether :func:`xlprofit.engines.read_folder` checks, as soon as the lines are attached, that
    #: some line can be used (:meth:`check_usable`: one more pass over the lines, cheap for DuckDB);
    #: otherwise :meth:`summarise` refuses them.
    refuse_at_read: bool = True
    #: The number of header fields of each file of the usage view (see :attr:`widths`).
    usage_widths: list[int] = []  # noqa: RUF012 - replaced, never changed in place

    def __init__(self, files: Sequence[str]) -> None:
        self.files = [str(f) for f in files]
        #: The number of header fields of each line file (Parquet: its columns).
        self.widths: list[int] = [0] * len(self.files)
        self._customers: pd.Index | None = None
        self._reporting: str | None = None
        self._fx: dict[str, float] = {}
        self._mapped: set[str] = set()
        self._prepared = False
        self._range: tuple[pd.Timestamp, pd.Timestamp] | None = None
        self._has_orders = False  # xlp_orders holds the orders of the last summarise

    # ----------------------------------------------------------------------------- engine
    @property
    @abstractmethod
    def columns(self) -> list[SourceColumn]:
        """The columns of ``xlp_src`` other than ``_file`` and ``_row``."""

    @abstractmethod
    def _query(self, sql: str) -> pd.DataFrame:
        """Run a query and return its result as a DataFrame."""

    @abstractmethod
    def _register(self, name: str, frame: pd.DataFrame) -> None:
        """Make a small pandas table available to queries under ``name``."""

    @abstractmethod
    def _keep(self, name: str, sql: str) -> None:
        """Compute ``sql`` once and keep it as table ``name`` for the following queries."""

    def _drop(self, name: str) -> None:
        """Forget a table made by :meth:`_keep` (default: nothing to free)."""

    # ----------------------------------------------------------------------------- files
    def _table_label(self, file_index: np.ndarray) -> np.ndarray:
        if len(self.files) == 1:
            return np.full(len(file_index), "transactions", dtype=object)
        names = [f"transactions ({_short(f, self.files)})" for f in self.files]
        return np.asarray(names, dtype=object)[np.asarray(file_index, dtype="int64")]

    def _check_columns(self) -> None:
        found = [c.name for c in self.columns]
        problems = []
        seen: set[str] = set()
        for name in found:
            if name in seen:
                problems.append(Problem("transactions", None, name, None,
                                        f"two columns are both read as '{name}'"))
            seen.add(name)
        for col in SCHEMAS["transactions"]:
            if col.required and col.name not in found:
                known = ", ".join(found[:12]) or "none"
                problems.append(Problem("transactions", None, col.name, None,
                                        f"required column '{col.name}' is missing (columns found: {known})"))
        if problems:
            raise ValidationError(problems, CANNOT_ANALYSE)

    # ----------------------------------------------------------------------------- reading cells
    def _fast(self, col: SourceColumn, kind: str) -> tuple[str, str, str, str]:
        """``(blank, fast, value, reason)`` SQL for the cells read without Python.

        ``fast`` holds for non-blank cells read in SQL; ``value``/``reason`` are their
        result. Cells that are neither blank nor fast are parsed in Python.
        """
        d, c = self.dialect, col.alias
        if col.kind == "text":
            plain = _plain(c)
            blank = f"({c} IS NULL OR {_in(f'lower({c})', _BLANKS)})"
            if kind == "id":
                return blank, d.plain(c), c, "NULL"
            if kind in ("money", "number") and col.decimal_comma:  # "1234,50": the comma is the decimal mark
                return (blank, d.full_match(c, "-?[0-9]+(,[0-9]+)?"), f"CAST(replace({c}, ',', '.') AS DOUBLE)",
                        "NULL")
            if kind in ("money", "number"):
                return blank, d.full_match(c, "-?[0-9]+([.][0-9]+)?"), f"CAST({c} AS DOUBLE)", "NULL"
            if kind == "date":
                iso = d.full_match(c, "(1[7-9]|2[01])[0-9][0-9]-[0-9][0-9]-[0-9][0-9]")
                stamp = d.try_timestamp(c)
                return blank, f"({iso} AND {stamp} IS NOT NULL)", stamp, "NULL"
            if kind == "flag":
                return (blank, f"({plain} AND {_in(f'lower({c})', _TRUE + _FALSE)})",
                        _in(f"lower({c})", _TRUE), "NULL")
            return blank, "FALSE", "NULL", "NULL"
        if col.kind in ("float", "int"):
            blank = f"({c} IS NULL OR isnan({c}))" if col.kind == "float" else f"({c} IS NULL)"
            if kind in ("money", "number"):
                finite = f"abs({c}) <= {_MAX_DOUBLE}"
                return (blank, "TRUE", f"CASE WHEN {finite} THEN CAST({c} AS DOUBLE) END",
                        f"CASE WHEN {finite} THEN NULL ELSE 'is not a finite number' END")
            if kind == "id":
                whole = f"({c} = floor({c}) AND abs({c}) < 9007199254740992)"
                return blank, whole, f"CAST(CAST({c} AS BIGINT) AS STRING)", "NULL"
            if kind == "date":
                ok = f"({c} >= 1 AND {c} <= {MAX_SERIAL})"
                seconds = f"floor({c} * 86400.0 + 0.5) + ({_EPOCH_SECONDS})"
                return (blank, "TRUE", f"CASE WHEN {ok} THEN {d.timestamp_from_seconds(seconds)} END",
                        f"CASE WHEN {ok} THEN NULL ELSE {_quote(SERIAL_OUT_OF_RANGE)} END")
            if kind == "flag":
                return blank, "TRUE", f"({c} <> 0)", "NULL"
            return blank, "FALSE", "NULL", "NULL"
        blank = f"({c} IS NULL)"
        if col.kind == "bool" and kind == "flag":
            return blank, "TRUE", c, "NULL"
        if col.kind == "time" and kind == "date":  # a date or timestamp column: within the dates pandas holds
            ok = (f"(CAST({c} AS TIMESTAMP) >= TIMESTAMP '{FIRST_DATE} 00:00:00' "
                  f"AND CAST({c} AS TIMESTAMP) < TIMESTAMP '{LAST_DATE + datetime.timedelta(days=1)} 00:00:00')")
            return (blank, "TRUE", f"CASE WHEN {ok} THEN CAST({c} AS TIMESTAMP) END",
                    f"CASE WHEN {ok} THEN NULL ELSE {_quote(DATE_OUT_OF_RANGE)} END")
        return blank, "FALSE", "NULL", "NULL"

    def _read(self, name: str) -> _Read:
        """SQL for the value, reason and blank of schema column ``name`` (defaults when absent)."""
        schema = TRANSACTION_COLUMNS[name]
        col = self._by_name.get(name)
        if col is None:  # absent column: a typed NULL, so functions of it still bind
            typed_null = {"date": "CAST(NULL AS TIMESTAMP)", "money": "CAST(NULL AS DOUBLE)",
                          "number": "CAST(NULL AS DOUBLE)", "rate": "CAST(NULL AS DOUBLE)"}
            value = "FALSE" if schema.kind == "flag" else typed_null.get(schema.kind, "CAST(NULL AS STRING)")
            return _Read(value, "CAST(NULL AS STRING)", "TRUE")
        blank, fast, value, reason = self._fast(col, schema.kind)
        m = f"xlp_map_{name}"
        mapped = name in self._mapped
        other_value = f"CASE WHEN {m}.why IS NULL AND NOT {m}.blank THEN {m}.val END" if mapped else "NULL"
        other_reason = f"{m}.why" if mapped else "NULL"
        default = "FALSE" if schema.kind == "flag" else "NULL"
        v = f"CASE WHEN {blank} THEN {default} WHEN {fast} THEN {value} ELSE {other_value} END"
        r = f"CASE WHEN {blank} THEN NULL WHEN {fast} THEN {reason} ELSE {other_reason} END"
        b = f"({blank} OR (NOT {fast} AND COALESCE({m}.blank, FALSE)))" if mapped else blank
        if schema.kind != "id" or col.kind != "text":
            return _Read(v, r, b)
        changed = f"CASE WHEN {blank} OR {fast} THEN NULL ELSE {m}.changed END" if mapped else "CAST(NULL AS STRING)"
        other_long = f"COALESCE({m}.long, FALSE)" if mapped else "FALSE"
        long = f"CASE WHEN {blank} THEN FALSE WHEN {fast} THEN length({col.alias}) > {MAX_SHOWN} ELSE {other_long} END"
        return _Read(v, r, b, changed, long)

    def _extra_blank(self, col: SourceColumn) -> str:
        if col.name == "currency" and "currency" in self._mapped:
            return "COALESCE(xlp_map_currency.blank, TRUE)"
        blank = self._fast(col, "blank")[0]
        if col.name in self._mapped:
            return f"({blank} OR (NOT {_plain(col.alias)} AND COALESCE(xlp_map_{col.name}.blank, FALSE)))"
        return blank

    def _prepare(self) -> None:
        """Parse in Python the distinct cells SQL does not read, and register them as mapping tables."""
        if self._prepared:
            return
        self._check_columns()
        self._by_name = {c.name: c for c in self.columns}
        wanted: list[tuple[SourceColumn, str, str]] = []
        for col in self.columns:
            kind = TRANSACTION_COLUMNS[col.name].kind if col.name in _USED else "blank"
            blank, fast, _, _ = self._fast(col, kind)
            if col.name == "currency":
                wanted.append((col, "currency", f"{col.alias} IS NOT NULL"))
                continue
            if kind == "blank":
                if col.kind != "text":
                    continue
                fast = _plain(col.alias)
            if fast == "TRUE":
                continue
            wanted.append((col, kind, f"NOT {blank} AND NOT {fast}"))
        for col, kind, values in self._distinct_cells("xlp_src", wanted):
            mapping = _mapping(values, col.kind, kind, col.decimal_comma)
            if kind == "currency":
                self._check_currencies(set(mapping["val"].dropna()))
            self._register(f"xlp_map_{col.name}", mapping)
            self._mapped.add(col.name)
        if self._reporting is not None and self._fx:
            self._register("xlp_fx", pd.DataFrame({"currency": pd.Series(list(self._fx), dtype=object),
                                                   "rate": pd.Series(list(self._fx.values()), dtype="float64")}))
        self._prepared = True

    def _distinct_cells(self, view: str, wanted: Sequence[tuple[SourceColumn, str, str]]
                        ) -> list[tuple[SourceColumn, str, list]]:
        """The distinct values of each ``(column, kind, condition)`` where the condition holds, in one scan.

        Columns without any such value are left out.
        """
        if not wanted:
            return []
        items = ", ".join(f"{self.dialect.distinct_list(col.alias, cond)} AS {col.alias}" for col, _, cond in wanted)
        found = self._query(f"SELECT {items} FROM {view}")
        out = []
        for col, kind, _ in wanted:
            values = found[col.alias].iloc[0]
            if values is not None and values is not pd.NA and isinstance(values, (list, np.ndarray)) and len(values):
                out.append((col, kind, list(values)))
        return out

    def _check_currencies(self, seen: set[str]) -> None:
        if self._reporting is None and len(seen) > 1:
            raise ValidationError([Problem(
                "transactions", None, "currency", None,
                f"holds several currencies ({', '.join(sorted(seen))}); set the 'currency' parameter "
                "(reporting currency) and give an fx table")], "the input cannot be analysed")

    # ----------------------------------------------------------------------------- the lines
    def _joins(self) -> str:
        return " ".join(f"LEFT JOIN xlp_map_{n} ON xlp_map_{n}.raw = s.{self._by_name[n].alias}"
                        for n in sorted(self._mapped))

    def _lines_sql(self, customers: bool) -> str:
        """One row per non-blank input line: typed values, reasons, and the line's fate."""
        reads = {name: self._read(name) for name in _USED}
        typed = ["s._file AS _file", "s._row AS _row", "s._fields AS _fields"]
        for name, rd in reads.items():
            typed += [f"{rd.value} AS v_{name}", f"{rd.reason} AS r_{name}", f"{rd.blank} AS b_{name}"]
        texts = [n for n in reads if TRANSACTION_COLUMNS[n].kind == "id"]
        typed += [f"{reads[n].changed} AS tc_{n}" for n in texts] + [f"{reads[n].long} AS tl_{n}" for n in texts]
        blanks = [f"b_{name}" for name in reads]
        blanks += [self._extra_blank(c) for c in self.columns if c.name not in reads]
        typed.append(f"({' AND '.join(blanks)}) AS all_blank")
        cur = self._by_name.get("currency")
        mapped_cur = cur is not None and "currency" in self._mapped
        typed.append("xlp_map_currency.val AS cur" if mapped_cur else "CAST(NULL AS STRING) AS cur")
        typed.append("xlp_map_currency.changed AS tc_currency" if mapped_cur else "CAST(NULL AS STRING) AS tc_currency")
        typed.append("COALESCE(xlp_map_currency.long, FALSE) AS tl_currency" if mapped_cur else "FALSE AS tl_currency")
        for c in self.columns:
            typed.append(f"s.{c.alias} AS {c.alias}")
        # A CSV row with more or fewer fields than its header (not a blank one) is rejected as a
        # whole: none of its cells is read (nothing of it is counted as readable revenue).
        wrong = "(_fields IS NOT NULL AND NOT all_blank)"
        unread = ["_file", "_row", "_fields", "all_blank", f"{wrong} AS wrong"]
        for name in reads:
            unread += [f"CASE WHEN {wrong} THEN NULL ELSE v_{name} END AS v_{name}",
                       f"CASE WHEN {wrong} THEN NULL ELSE r_{name} END AS r_{name}",
                       f"CASE WHEN {wrong} THEN FALSE ELSE b_{name} END AS b_{name}"]
        for name in [*texts, "currency"]:
            unread += [f"CASE WHEN {wrong} THEN NULL ELSE tc_{name} END AS tc_{name}",
                       f"CASE WHEN {wrong} THEN FALSE ELSE tl_{name} END AS tl_{name}"]
        unread.append(f"CASE WHEN {wrong} THEN NULL ELSE cur END AS cur")
        unread += [c.alias for c in self.columns]
        round_money = self._round_money
        # Amounts out of range (see core/money.py) are flagged (o_) and never rounded: in cents
        # they would not fit in a BIGINT.
        step1 = ["*"] + [f"COALESCE({_amount_out(f'v_{n}')}, FALSE) AS o_{n}" for n in _LINE_MONEY]
        step1 += [f"COALESCE({_quantity_out('v_quantity')}, FALSE) AS o_quantity"]
        step1 += [f"CASE WHEN {_amount_out(f'v_{n}')} THEN NULL ELSE {round_money(f'v_{n}')} END AS m_{n}"
                  for n in _LINE_MONEY]
        # As tables._parse_column: the reason of the cell as read, then its minimum (written_off
        # ≥ 0, an out-of-range amount by its sign as read), then its range.
        ranged = {*_LINE_MONEY, "quantity", "paid_on"}
        step2 = ["*"] + [f"r_{n} AS q_{n}" for n in reads if n not in ranged]
        # A payment more than a century from the line's date (tables.days_to_payment).
        d = self.dialect
        days = f"floor(({d.epoch_micros('v_paid_on')} - {d.epoch_micros('v_date')}) / 86400000000.0)"
        step2 += [f"COALESCE(r_paid_on, CASE WHEN abs({days}) > {MAX_PAYMENT_DAYS!r} "
                  f"THEN {_quote(PAID_ON_OUT_OF_RANGE)} END) AS q_paid_on"]
        step2 += [f"COALESCE(r_{n}, CASE WHEN o_{n} THEN {_quote(TRANSACTION_COLUMNS[n].range_reason)} END) AS q_{n}"
                  for n in reads if n in ranged and n not in ("written_off", "paid_on")]
        wo_range = _quote(TRANSACTION_COLUMNS["written_off"].range_reason)
        step2 += ["COALESCE(r_written_off, CASE WHEN m_written_off < 0 OR (o_written_off AND v_written_off < 0) "
                  f"THEN 'must be ≥ 0' WHEN o_written_off THEN {wo_range} END) AS q_written_off",
                  "CASE WHEN m_written_off < 0 THEN NULL ELSE m_written_off END AS wo"]
        bad = ["wrong"] + [f"q_{n} IS NOT NULL" for n in reads if n in _REJECTING]
        bad += [f"(b_{n} AND q_{n} IS NULL)" for n, c in TRANSACTION_COLUMNS.items() if c.required]
        # l.*: the fx table's own columns must not come along (Spark refuses a second `rate`).
        step3 = ["l.*", f"({' OR '.join(bad)}) AS read_bad"]
        # Rows in a foreign currency are converted where the fx table has a rate, else rejected.
        if self._reporting is None:
            step3 += ["FALSE AS foreign_cur", "CAST(NULL AS DOUBLE) AS rate"]
            fx_join = ""
        else:
            step3 += [f"(cur IS NOT NULL AND cur <> {_quote(self._reporting)}) AS foreign_cur",
                      "fx.rate AS rate" if self._fx else "CAST(NULL AS DOUBLE) AS rate"]
            fx_join = "LEFT JOIN xlp_fx fx ON fx.currency = l.cur" if self._fx else ""
        conv = {"gross_revenue": "m_gross_revenue", "discount": "m_discount", "rebate": "m_rebate",
                "net_revenue": "m_net_revenue", "cogs": "m_cogs", "written_off": "wo"}
        # An amount out of range once converted is rejected (listed as read, in its currency).
        step4 = ["*", "(foreign_cur AND rate IS NULL) AS no_rate"]
        step4 += [f"COALESCE(foreign_cur AND rate IS NOT NULL AND {_amount_out(f'{src} * rate')}, FALSE) AS x_{n}"
                  for n, src in conv.items()]
        step4b = ["*", f"({' OR '.join(f'x_{n}' for n in conv)}) AS fx_out"]
        step4b += [f"CASE WHEN x_{n} THEN NULL WHEN foreign_cur AND rate IS NOT NULL "
                   f"THEN {round_money(f'{src} * rate')} ELSE {src} END AS k_{n}" for n, src in conv.items()]
        step5 = ["*", "COALESCE(k_discount, 0.0) AS disc0", "COALESCE(k_rebate, 0.0) AS reb0"]
        step6 = ["*",
                 f"CASE WHEN k_gross_revenue IS NOT NULL AND k_discount IS NULL "
                 f"THEN {round_money('k_gross_revenue - reb0 - k_net_revenue')} ELSE disc0 END AS disc1"]
        step7 = ["*",
                 f"CASE WHEN foreign_cur AND rate IS NOT NULL THEN {round_money('k_net_revenue + disc1 + reb0')} "
                 f"ELSE COALESCE(k_gross_revenue, {round_money('k_net_revenue + disc1 + reb0')}) END AS gross",
                 # The identity is checked on the amounts as written, before conversion (as in core/tables.py).
                 "COALESCE(m_gross_revenue IS NOT NULL AND m_discount IS NOT NULL AND NOT read_bad AND "
                 "abs(m_gross_revenue - m_discount - COALESCE(m_rebate, 0.0) - m_net_revenue) > 0.005, FALSE) "
                 "AS mismatch"]
        known = "k.customer_id IS NULL" if customers else "FALSE"
        join_customers = "LEFT JOIN xlp_customers k ON k.customer_id = l.v_customer_id" if customers else ""
        step8 = ["l.*", f"(l.v_customer_id IS NOT NULL AND {known} AND NOT l.read_bad AND NOT l.no_rate "
                 "AND NOT l.fx_out AND NOT l.mismatch) AS unknown",
                 # The customer's position among the sorted ids: the lines are summed by a number.
                 "k.pos AS cpos" if customers else "CAST(NULL AS BIGINT) AS cpos"]
        step9 = ["*", "(read_bad OR no_rate OR fx_out OR mismatch OR unknown) AS rejected",
                 f"{round_money('disc1')} AS discount", f"{round_money('reb0')} AS rebate",
                 "k_net_revenue AS net", "COALESCE(k_cogs, 0.0) AS cogs",
                 "COALESCE(k_written_off, 0.0) AS written_off"]
        return (
            f"WITH t0 AS (SELECT {', '.join(typed)} FROM xlp_src s {self._joins()}), "
            f"t AS (SELECT {', '.join(unread) if self.width_checked else '*, FALSE AS wrong'} FROM t0), "
            f"t1 AS (SELECT {', '.join(step1)} FROM t WHERE NOT all_blank), "
            f"t2 AS (SELECT {', '.join(step2)} FROM t1), "
            f"t3 AS (SELECT {', '.join(step3)} FROM t2 l {fx_join}), "
            f"t4 AS (SELECT {', '.join(step4)} FROM t3), "
            f"t4b AS (SELECT {', '.join(step4b)} FROM t4), "
            f"t5 AS (SELECT {', '.join(step5)} FROM t4b), "
            f"t6 AS (SELECT {', '.join(step6)} FROM t5), "
            f"t7 AS (SELECT {', '.join(step7)} FROM t6), "
            f"t8 AS (SELECT {', '.join(step8)} FROM t7 l {join_customers}), "
            f"lines AS (SELECT {', '.join(step9)} FROM t8) "
        )

    def _round_money(self, expr: str) -> str:
        """Money rounded to the cent as :func:`xlprofit.core.money.round_money` does (a DOUBLE)."""
        return f"({self._cents(expr)} / 100.0)"

    def _fate_sql(self, customers: bool, periods: Periods | None, products: bool) -> str:
        """:meth:`_lines_sql` plus ``outside`` and ``filtered`` for an analysis period and products."""
        base = self._lines_sql(customers)
        if periods is None:
            return base + ", fate AS (SELECT *, FALSE AS outside, FALSE AS filtered FROM lines) "
        start = periods.start.strftime("%Y-%m-%d %H:%M:%S")
        end = (periods.end + pd.Timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        outside = (f"(NOT rejected AND (v_date < CAST('{start}' AS TIMESTAMP) OR "
                   f"v_date >= CAST('{end}' AS TIMESTAMP)))")
        if products:
            filtered = "(NOT rejected AND NOT outside AND p.product_id IS NULL)"
            join = "LEFT JOIN xlp_products p ON p.product_id = l.v_product_id"
        else:
            filtered, join = "FALSE", ""
        return (base + f", o AS (SELECT *, {outside} AS outside FROM lines), "
                f"fate AS (SELECT l.*, {filtered} AS filtered FROM o l {join}) ")

    # ----------------------------------------------------------------------------- LineSource
    def attach(self, customers: pd.Index, reporting_currency: str | None, fx: Mapping[str, float]) -> None:
        """Learn the dataset the lines belong to (see :meth:`LineSource.attach`)."""
        self._customers = pd.Index(customers)
        self._reporting = reporting_currency.upper() if isinstance(reporting_currency, str) else None
        self._fx = {str(k).strip().upper(): float(v) for k, v in dict(fx).items()}
        self._range = None
        self._prepared = False
        self._mapped = set()

    def _register_customers(self, customers: pd.Index) -> None:
        ids = pd.Index(pd.Series(pd.Index(customers).unique(), dtype="str").dropna()).sort_values()
        # Python strings, as the dataset's customer index holds them: every index built from
        # these ids then matches it without converting millions of Arrow strings per lookup.
        ids = pd.Index(ids.to_numpy(dtype=object), dtype=object, name=ids.name)
        self._ids = ids
        self._register("xlp_customers", pd.DataFrame({"customer_id": ids.to_numpy(dtype=object),
                                                      "pos": np.arange(len(ids), dtype="int64")}))

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last date of the accepted lines (of known customers once :meth:`attach` was called)."""
        if self._range is None:
            self._prepare()
            with_customers = self._customers is not None
            if with_customers:
                self._register_customers(self._customers)
            found = self._query(self._fate_sql(with_customers, None, False)
                                + "SELECT min(v_date) AS lo, max(v_date) AS hi FROM fate WHERE NOT rejected")
            lo, hi = found["lo"].iloc[0], found["hi"].iloc[0]
            if pd.isna(lo):
                raise ValidationError([Problem("transactions", None, None, None, NO_USABLE_ROWS)], CANNOT_ANALYSE)
            self._range = (pd.Timestamp(lo).normalize(), pd.Timestamp(hi).normalize())
        return self._range

    def check_usable(self, problems: Sequence[Problem] = ()) -> None:
        """Refuse lines none of which can be used, as the pandas path refuses them.

        The pandas path stops reading when the transactions table has no usable row, with every
        problem found: that one first, then the others in the order it found them (those of the
        other tables, given as ``problems``, with the rejected lines' after the customers').
        Call it after :meth:`attach`.

        Raises
        ------
        ValidationError
            "table 'transactions': has no usable rows", and each problem found.
        """
        try:
            self.date_range()
        except ValidationError as exc:
            fatal = [p for p in exc.problems if p.reason == NO_USABLE_ROWS]
            if not fatal:
                raise
            found = list(problems)
            after = max((i + 1 for i, p in enumerate(found) if p.table == "customers"), default=0)
            merged = [*found[:after], *self.reading_problems(), *found[after:]][:MAX_PROBLEMS]
            raise refusal(merged, fatal) from None

    def reading_problems(self) -> list[Problem]:
        """The problems of the lines as the pandas path finds them when reading (rejected lines, changed text).

        At most :data:`~xlprofit.core.lines.MAX_LISTED_EXCEPTIONS` are listed; call after :meth:`attach`.
        """
        self._prepare()
        self._register_customers(self._customers if self._customers is not None else pd.Index([]))
        fate = self._fate_sql(True, None, False)
        self._accounting(fate)
        return _problems_of(self._exceptions(fate)[0])

    def summarise(self, customers: pd.Index, periods: Periods, products: Set[str] | None,
                  max_orders: int | None = None, returns: str = "credit", sale_depth: float = SALE_DEPTH
                  ) -> tuple[LineAggregates, LineAccounting]:
        """Validate, filter and sum the lines inside the engine (same results as ``FrameLines``)."""
        if returns not in RETURNS:
            raise ArgumentError("returns", returns, f"one of {', '.join(RETURNS)}")
        self._drop("xlp_orders")
        self._has_orders = False
        self._prepare()
        self._register_customers(customers)
        if products is not None:
            self._register("xlp_products", pd.DataFrame({"product_id": pd.Series(sorted(products), dtype=object)}))
        fate = self._fate_sql(True, periods, products is not None)
        self._period_text = (str(periods.start.date()), str(periods.end.date()))
        accounting = self._accounting(fate)
        exceptions, listed_total = self._exceptions(fate)
        if accounting["input_rows"] == accounting["rejected_rows"]:  # an engine that did not refuse them when read
            fatal = Problem("transactions", None, None, None, NO_USABLE_ROWS)
            raise refusal([*_problems_of(exceptions)[:MAX_PROBLEMS]], [fatal])
        agg = self._aggregates(fate, periods, max_orders, returns, sale_depth)
        accounting = LineAccounting(**{**accounting, "exceptions": exceptions,
                                       "unlisted": listed_total - len(exceptions),
                                       "credited_rows": agg.credited_rows, "credited_cents": agg.credited_cents})
        return agg, accounting

    def release_orders(self) -> None:
        """Drop the orders kept in the engine since the last summarise."""
        self._drop("xlp_orders")
        self._has_orders = False

    def orders_known(self, customer_id: np.ndarray, order_id: np.ndarray) -> np.ndarray:
        """Whether each pair is an order of the lines last summarised (looked up in the engine)."""
        if not self._has_orders:
            raise ArgumentError("orders_known", None, "called after summarise and before release_orders")
        n = len(customer_id)
        if n == 0:
            return np.zeros(0, dtype=bool)
        self._register("xlp_pairs", pd.DataFrame({
            "i": np.arange(n, dtype="int64"),
            "cust": self._ids.get_indexer(pd.Index(np.asarray(customer_id, dtype=object)).astype("str")),
            "order_id": np.asarray(order_id, dtype=object)}))
        try:
            found = self._query("SELECT DISTINCT p.i AS i FROM xlp_pairs p JOIN xlp_orders o "
                                "ON o.cust = CAST(p.cust AS BIGINT) AND o.okey = p.order_id")
        finally:
            self._drop("xlp_pairs")
        known = np.zeros(n, dtype=bool)
        known[found["i"].to_numpy(dtype="int64")] = True
        return known

    # ----------------------------------------------------------------------------- accounting
    def _categories(self) -> list[tuple[str, str, str | None, str]]:
        """Exception categories in the order the pandas path lists them: (name, condition, column, action)."""
        cats: list[tuple[str, str, str | None, str]] = [("wrong_width", "wrong", None, "rejected")]
        for name, col in TRANSACTION_COLUMNS.items():
            if name not in self._by_name:
                continue
            if name != "currency":
                cats.append((f"bad_{name}", f"q_{name} IS NOT NULL", name, "rejected"))
            if col.required:
                cats.append((f"blank_{name}", f"(b_{name} AND q_{name} IS NULL)", name, "rejected"))
            if col.kind in ("id", "text"):  # made storable, or too long to show whole (neither rejects the line)
                cats.append((f"changed_{name}", f"tc_{name} IS NOT NULL", name, TEXT_CHANGED))
                cats.append((f"long_{name}", f"tl_{name}", name, TEXT_SHORTENED))
        cats.append(("currency", "no_rate", "currency", "rejected"))
        cats += [(f"converted_{n}", f"x_{n}", n, "rejected") for n in _LINE_MONEY]
        cats.append(("mismatch", "mismatch", "net_revenue", "rejected"))
        cats.append(("unknown", "unknown", "customer_id", "rejected"))
        cats.append(("outside", "outside", "date", "excluded"))
        cats.append(("filtered", "filtered", "product_id", "excluded"))
        return cats

    def _accounting(self, fate: str) -> dict[str, Any]:
        cents = self._cents
        readable = "p_net IS NOT NULL"
        counts = ", ".join(f"count(*) FILTER (WHERE {cond}) AS n_{name}" for name, cond, _, _ in self._categories())
        # The magnitudes of the amounts, as tables._check_totals adds them up: the readable net revenue
        # of every line, the other amounts of the accepted lines (as DOUBLE: see core/money.py).
        final = {"net_revenue": ("p_net", "TRUE"), "gross_revenue": ("gross", "NOT rejected"),
                 "discount": ("discount", "NOT rejected"), "rebate": ("rebate", "NOT rejected"),
                 "cogs": ("cogs", "NOT rejected"), "written_off": ("written_off", "NOT rejected")}
        totals = ", ".join(f"sum(CAST(abs({cents(final[n][0])}) AS DOUBLE)) FILTER (WHERE {final[n][1]}) AS t_{n}"
                           for n in _LINE_MONEY)
        sql = fate + (
            ", acc AS (SELECT *, net AS p_net FROM fate) "
            # A line without an fx rate holds an amount in its own currency: in no total but `unconverted`.
            f"SELECT count(*) AS input_rows, COALESCE(sum({cents('p_net')}) FILTER (WHERE NOT no_rate), 0) "
            "AS input_net_cents, "
            f"count(*) FILTER (WHERE NOT {readable}) AS unreadable, "
            "count(*) FILTER (WHERE rejected) AS rejected_rows, "
            f"COALESCE(sum({cents('net')}) FILTER (WHERE rejected AND NOT no_rate), 0) AS rejected_cents, "
            "count(*) FILTER (WHERE outside) AS outside_rows, "
            f"COALESCE(sum({cents('net')}) FILTER (WHERE outside), 0) AS outside_cents, "
            "count(*) FILTER (WHERE filtered) AS filtered_rows, "
            f"COALESCE(sum({cents('net')}) FILTER (WHERE filtered), 0) AS filtered_cents, "
            # The analysed lines: whether they record payments, and those a credit note reverses.
            f"count(*) FILTER (WHERE {_ANALYSED} AND v_paid_on IS NOT NULL) AS paid_lines, "
            f"count(*) FILTER (WHERE {_ANALYSED} AND {self._credited()}) AS credited_rows, "
            f"COALESCE(sum({cents('net')}) FILTER (WHERE {_ANALYSED} AND {self._credited()}), 0) AS credited_cents, "
            f"{counts}, {totals} FROM acc")
        row = self._query(sql).iloc[0]
        beyond = [n for n in _LINE_MONEY if float(row[f"t_{n}"] or 0.0) >= MAX_TOTAL_CENTS]
        if beyond:
            raise ValidationError([Problem("transactions", None, n, None, TOTAL_OUT_OF_RANGE) for n in beyond],
                                  "the input cannot be analysed")
        self._category_counts = {name: int(row[f"n_{name}"]) for name, _, _, _ in self._categories()}
        self._analysed_counts = {n: int(row[n]) for n in ("paid_lines", "credited_rows", "credited_cents")}
        unconverted: dict[str, tuple[int, int]] = {}
        if self._category_counts["currency"]:  # lines without an fx rate: their amounts per currency
            found = self._query(fate + f"SELECT cur, count(*) AS n, COALESCE(sum({cents('net')}), 0) AS c "
                                "FROM fate WHERE no_rate GROUP BY cur ORDER BY cur")
            unconverted = {str(r.cur): (int(r.n), int(r.c)) for r in found.itertuples(index=False)}
        return {
            "input_rows": int(row["input_rows"]), "input_net_cents": int(row["input_net_cents"]),
            "unreadable_net_revenue": int(row["unreadable"]), "rejected_rows": int(row["rejected_rows"]),
            "rejected_cents": int(row["rejected_cents"]), "outside_rows": int(row["outside_rows"]),
            "outside_cents": int(row["outside_cents"]), "filtered_rows": int(row["filtered_rows"]),
            "filtered_cents": int(row["filtered_cents"]), "unconverted": unconverted,
        }

    def _credited(self) -> str:
        """SQL: the line is one a credit note reverses with ``returns="credit"`` (returned, positive net revenue)."""
        return f"(v_returned AND {self._cents('net')} > 0)"

    def _cents(self, expr: str) -> str:
        """Money to integer cents as :func:`xlprofit.core.money.to_cents` does (half away from zero)."""
        x = f"(({expr}) * 100.0)"
        return f"CAST(sign({x}) * floor(abs({x}) + 0.5 + {_GUARD}) AS BIGINT)"

    # ----------------------------------------------------------------------------- exceptions
    def _exceptions(self, fate: str) -> tuple[pd.DataFrame, int]:
        cats = self._categories()
        total = sum(self._category_counts.values())
        if total == 0:
            return _empty_exceptions(), 0
        order = {name: i for i, (name, _, _, _) in enumerate(cats)}
        active = [(n, c) for n, c, _, _ in cats if self._category_counts[n]]
        raw = ", ".join(c.alias for c in self.columns)
        any_problem = " OR ".join(f"({c})" for _, c in active)
        columns = (f"_file, _row, _fields, {raw}, v_customer_id, net, v_date, v_product_id, cur, "
                   f"{', '.join(f'm_{n}' for n in _LINE_MONEY)}, {', '.join(f'q_{n}' for n in _USED)}")
        sql = fate + (
            f", flagged AS ({self.dialect.categories(columns, active, 'fate', any_problem)}), "
            "ranked AS (SELECT *, row_number() OVER (PARTITION BY cat ORDER BY _file, _row) AS rn FROM flagged "
            "WHERE cat IS NOT NULL) "
            f"SELECT * FROM ranked WHERE rn <= {MAX_LISTED_EXCEPTIONS}")
        rows = self._query(sql)
        rows["_order"] = rows["cat"].map(order)
        rows = rows.sort_values(["_order", "_file", "_row"], kind="stable").head(MAX_LISTED_EXCEPTIONS)
        frames = []
        for name, _, column, action in cats:
            part = rows[rows["cat"] == name]
            if part.empty:
                continue
            frames.append(self._records(part, name, column, action))
        out = pd.concat(frames, ignore_index=True)[EXCEPTION_COLUMNS]
        return out, total

    def _records(self, part: pd.DataFrame, cat: str, column: str | None, action: str) -> pd.DataFrame:
        n = len(part)
        if cat == "wrong_width":
            values = [None] * n
            reasons = np.asarray([too_many_fields(self.widths[int(f)]) if k < 0 else
                                  too_few_fields(int(k), self.widths[int(f)])
                                  for f, k in zip(part["_file"], part["_fields"], strict=True)], dtype=object)
        elif cat.startswith(("changed_", "long_")) and column is not None:
            raw = pd.Series(list(part[self._by_name[column].alias]), dtype=object)
            shown, changed, long = text_values(raw, TRANSACTION_COLUMNS[column].kind)
            if cat.startswith("changed_"):
                values, reasons = [display_value(v) for v in raw], changed.to_numpy(dtype=object)
            else:
                values, reasons = list(shown), long.to_numpy(dtype=object)
        elif cat.startswith("bad_") and column is not None:
            values = [display_value(v) for v in part[self._by_name[column].alias]]
            reasons = part[f"q_{column}"].to_numpy(dtype=object)
        elif cat.startswith("blank_"):
            values, reasons = [None] * n, np.full(n, "is blank; a value is required", dtype=object)
        elif cat == "mismatch":
            g, dsc, b, net = (part[c].to_numpy(dtype="float64") for c in ("m_gross_revenue", "m_discount",
                                                                          "m_rebate", "m_net_revenue"))
            b = np.nan_to_num(b, nan=0.0)
            values = [display_value(v) for v in net]
            reasons = np.asarray([f"gross_revenue − discount − rebate = {x - y - z:.2f} but net_revenue = {w:.2f}"
                                  for x, y, z, w in zip(g, dsc, b, net, strict=True)], dtype=object)
        elif cat.startswith("converted_"):
            values = [display_value(v) for v in part[f"m_{column}"].to_numpy(dtype="float64")]  # Spark: a DECIMAL
            reasons = np.full(n, amount_out_of_range_reason(self._reporting), dtype=object)
        elif cat == "currency":
            values = list(part["cur"])
            reasons = np.full(n, f"is not the reporting currency {self._reporting} and the fx table has no rate "
                              "for it", dtype=object)
        elif cat == "unknown":
            values = list(part["v_customer_id"])
            reasons = np.full(n, "is not in the customers table", dtype=object)
        elif cat == "outside":
            values = [pd.Timestamp(v).date().isoformat() for v in part["v_date"]]
            lo, hi = self._period_text
            reasons = np.full(n, f"is outside the analysis period {lo} … {hi}", dtype=object)
        else:
            values = [None if pd.isna(v) else v for v in part["v_product_id"]]
            reasons = np.full(n, "is not among the analysed products", dtype=object)
        customer = [None if pd.isna(v) else v for v in part["v_customer_id"]]
        return pd.DataFrame({
            "table": self._table_label(part["_file"].to_numpy()),
            "row": part["_row"].to_numpy(dtype="int64"), "column": column,
            "value": pd.Series(values, dtype=object).to_numpy(), "reason": reasons, "action": action,
            "customer_id": np.asarray(customer, dtype=object),
            "amount": part["m_net_revenue" if cat.startswith(("bad_", "blank_", "changed_", "long_", "wrong_"))
                           or cat == "currency" else "net"].to_numpy(dtype="float64"),
        }, columns=EXCEPTION_COLUMNS)

    # ----------------------------------------------------------------------------- aggregates
    def _aggregates(self, fate: str, periods: Periods, max_orders: int | None, returns: str = "credit",
                    sale_depth: float = SALE_DEPTH) -> LineAggregates:
        d = self.dialect
        per = period_number("v_date", periods)
        cents = self._cents
        analysed = self._analysed_counts  # counted by _accounting over the same lines
        # returns="credit": a returned line with positive net revenue is reversed, as by a credit note
        # (aggregate.RETURNS); its money counts as 0, the line and the return still count.
        # (The net revenue in cents and whether the line is credited are computed once, in `booked`.)
        credited = "(v_returned AND xc_booked > 0)" if returns == "credit" else "FALSE"
        booked = (f"SELECT *, CASE WHEN {credited} THEN 0 ELSE xc_booked END AS xc_net, {credited} AS xc_credited "
                  f"FROM (SELECT *, {cents('net')} AS xc_booked FROM fate WHERE {_ANALYSED}) b")

        def kept_cents(expr: str) -> str:
            return cents(expr) if returns != "credit" else f"(CASE WHEN xc_credited THEN 0 ELSE {cents(expr)} END)"

        net = "xc_net"
        paid = f"(v_paid_on IS NOT NULL AND {net} > 0)"
        days = (f"GREATEST(CAST(floor(({d.epoch_micros('v_paid_on')} - {d.epoch_micros('v_date')}) "
                "/ 86400000000.0) AS BIGINT), 0)")
        # Open items (when the analysed lines record payments): no paid_on, nothing written off,
        # aged to the period end as aggregate.open_item_days does.
        end = pd.Timestamp(periods.end).normalize().strftime("%Y-%m-%d %H:%M:%S")
        open_item = (f"(v_paid_on IS NULL AND {cents('written_off')} = 0 AND {net} > 0)"
                     if analysed["paid_lines"] else "FALSE")
        age = (f"LEAST(GREATEST(CAST(floor(({d.epoch_micros(f'CAST({_quote(end)} AS TIMESTAMP)')} - "
               f"{d.epoch_micros('v_date')}) / 86400000000.0) AS BIGINT), 0), {int(MAX_PAYMENT_DAYS)})")
        kept = (
            "SELECT cpos AS cust, "
            f"COALESCE(v_order_id, 'date:' || {d.day_text('v_date')}) AS okey, "
            f"COALESCE(v_product_id, {_quote(NO_PRODUCT)}) AS prod, {per} AS per, "
            "date_trunc('day', v_date) AS dday, "
            f"{kept_cents('gross')} AS gross_revenue, {kept_cents('discount')} AS discount, "
            f"{kept_cents('rebate')} AS rebate, {net} AS net_revenue, {kept_cents('cogs')} AS cogs, "
            f"{kept_cents('written_off')} AS written_off, "
            f"CASE WHEN {sale_line_sql(cents('discount'), cents('gross'), sale_depth)} THEN {net} ELSE 0 END "
            "AS discounted, "
            "COALESCE(v_quantity, 0.0) AS units, CASE WHEN v_returned THEN 1 ELSE 0 END AS returns, "
            f"CASE WHEN {paid} OR {open_item} THEN {net} ELSE 0 END AS paid_weight, "
            # Days × cents may pass 2**63 (a payment centuries late): a DOUBLE, as aggregate_lines has it.
            f"CASE WHEN {paid} THEN CAST({days} AS DOUBLE) * {net} "
            f"WHEN {open_item} THEN CAST({age} AS DOUBLE) * {net} ELSE 0.0 END AS paid_days "
            "FROM booked")
        # One pass over the lines to the finest grain; every other grain is a roll-up of it.
        # (GROUPING SETS would hash every line once per grain.)
        line_sums = _resum((*MONEY_COLUMNS, "returns", "paid_weight", "paid_days"))
        fine = (
            fate + f", booked AS ({booked}), kept AS ({kept}) "
            f"SELECT cust, okey, prod, per, dday, {line_sums}, CAST(count(*) AS BIGINT) AS lines, "
            "sum(units) AS units FROM kept GROUP BY cust, okey, prod, per, dday")
        self._keep("xlp_fine", fine)
        try:
            # The orders stay in the engine until the next summarise or release_orders(), for
            # orders_known() and the usage rows tied to orders.
            day_sums = (*MONEY_COLUMNS, *COUNT_COLUMNS, "paid_weight", "paid_days")
            self._keep("xlp_orders", f"SELECT cust, okey, min(dday) AS first_day, max(dday) AS last_day, "
                                     f"min(per) AS first_period, {_resum(day_sums)} FROM xlp_fine GROUP BY cust, okey")
            self._has_orders = True
            # Orders on one day each (the usual case): the finest grain holds one row per order and
            # product, and the days are a roll-up of the orders (half the rows of the finest grain).
            spanning = self._query("SELECT count(*) AS n FROM xlp_orders WHERE first_day <> last_day")
            one_day = int(spanning["n"].iloc[0]) == 0
            # Customer × day: the purchases of the RFM summary, and what periods and customers roll up from.
            self._keep("xlp_days", f"SELECT cust, first_day AS dday, min(first_period) AS per, {_resum(day_sums)} "
                                   "FROM xlp_orders GROUP BY cust, first_day" if one_day else
                                   f"SELECT cust, dday, min(per) AS per, {_resum(day_sums)} "
                                   "FROM xlp_fine GROUP BY cust, dday")
            try:
                agg = self._grains(max_orders, periods.count, one_day)
                if returns != "credit":
                    return agg
                return replace(agg, credited_rows=analysed["credited_rows"],
                               credited_cents=analysed["credited_cents"])
            finally:
                self._drop("xlp_days")
        finally:
            self._drop("xlp_fine")

    def _grains(self, max_orders: int | None, n_periods: int, one_day: bool) -> LineAggregates:
        money = ", ".join(MONEY_COLUMNS)
        counts = ", ".join(COUNT_COLUMNS)
        sums = _resum(MONEY_COLUMNS + COUNT_COLUMNS)
        itemised = max_orders is None or int(self._query("SELECT count(*) AS n FROM xlp_orders")["n"].iloc[0]) \
            <= max_orders
        order = self._query(
            f"SELECT cust AS customer_id, okey AS order_id, first_day AS date, {money}, {counts}, "
            "first_period AS period FROM xlp_orders ORDER BY cust, okey") if itemised else None
        first = "SELECT cust, first_period, count(*) AS n FROM xlp_orders GROUP BY cust, first_period"
        period = self._query(
            f"SELECT g.*, COALESCE(f.n, 0) AS orders FROM (SELECT cust AS customer_id, per AS period, {sums} "
            "FROM xlp_days GROUP BY cust, per) g "
            "LEFT JOIN (" + first + ") f ON f.cust = g.customer_id AND f.first_period = g.period "
            "ORDER BY g.customer_id, g.period")
        # Purchases (RFM): one purchase per customer and day; the value of the repeat purchases is
        # everything after the first purchase day.
        customer = self._query(
            f"SELECT g.*, o.n AS orders FROM (SELECT cust AS customer_id, "
            f"{_resum((*MONEY_COLUMNS, *COUNT_COLUMNS, 'paid_weight', 'paid_days'))}, "
            "min(dday) AS first_purchase, max(dday) AS last_purchase, count(*) AS purchase_days, "
            "sum(net_revenue) - min_by(net_revenue, dday) AS repeat_net FROM xlp_days GROUP BY cust) g "
            "JOIN (SELECT cust, count(*) AS n FROM xlp_orders GROUP BY cust) o ON o.cust = g.customer_id "
            "ORDER BY g.customer_id")
        # Customer × product: distinct orders counted as rows of one order and product each (plain
        # hash aggregates; DISTINCT aggregates are several times slower), and the product's share
        # of each order in millionths, with the steps of aggregate.order_parts.
        per_order = "xlp_fine" if one_day else \
            f"(SELECT cust, okey, prod, {sums} FROM xlp_fine GROUP BY cust, okey, prod)"
        within = "OVER (PARTITION BY cust, okey)"
        shared = (f"SELECT f.*, sum(GREATEST(net_revenue, 0)) {within} AS o_pos, sum(lines) {within} AS o_lines "
                  f"FROM {per_order} f")
        one = "CAST(1000000 AS DOUBLE)"
        part = (f"CAST(floor(CASE WHEN o_pos > 0 THEN CAST(GREATEST(net_revenue, 0) AS DOUBLE) * {one} "
                f"/ CAST(o_pos AS DOUBLE) ELSE CAST(lines AS DOUBLE) * {one} / CAST(o_lines AS DOUBLE) END "
                "+ CAST(0.5 AS DOUBLE)) AS BIGINT)")
        product = self._query(
            f"SELECT cust AS customer_id, prod AS product_id, {sums}, CAST(count(*) AS BIGINT) AS orders, "
            f"CAST(sum({part}) AS BIGINT) AS order_parts FROM ({shared}) s GROUP BY cust, prod ORDER BY cust, prod")
        agg = _frames(customer, period, order, product, self._ids, n_periods)
        return agg if itemised else agg.without_order_detail()


# --------------------------------------------------------------------------------------------- helpers


def _resum(columns: Sequence[str]) -> str:
    """SQL: the sums of (already summed) columns (``units`` and ``paid_days`` stay DOUBLE, the rest BIGINT).

    The BIGINT sums cannot overflow: the accounting refused the lines whose amounts add up beyond
    :data:`~xlprofit.core.money.MAX_TOTAL_CENTS` before any of them is summed.
    """
    return ", ".join(f"sum({c}) AS {c}" if c in ("units", "paid_days") else f"CAST(sum({c}) AS BIGINT) AS {c}"
                     for c in columns)


def _short(path: str, files: Sequence[str]) -> str:
    from pathlib import PurePath

    names = [PurePath(f).name for f in files]
    name = PurePath(path).name
    return name if names.count(name) == 1 else str(path)


def _problems_of(exceptions: pd.DataFrame) -> list[Problem]:
    """The exception rows as problems (what the pandas path collects while reading)."""
    return [Problem(str(r.table), int(r.row), r.column if isinstance(r.column, str) else None,
                    None if r.value is None or (isinstance(r.value, float) and np.isnan(r.value)) else r.value,
                    str(r.reason)) for r in exceptions.itertuples(index=False)]


def _empty_exceptions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS})


def _str_index(values: pd.Series) -> pd.Index:
    return pd.Index(values.astype("str"))


def _frames(customer: pd.DataFrame, period: pd.DataFrame, order: pd.DataFrame | None, product: pd.DataFrame,
            ids: pd.Index, n_periods: int) -> LineAggregates:
    """Engine results to the dtypes and indexes of ``aggregate.aggregate_lines``.

    ``customer_id`` comes back as the customer's position in the sorted ``ids``.
    """

    def customer_ids(frame: pd.DataFrame) -> pd.Index:
        return ids.take(frame.pop("customer_id").to_numpy(dtype="int64"))

    ints = [*MONEY_COLUMNS, "lines", "returns"]

    def typed(frame: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
        for c in [*ints, *extra]:
            frame[c] = frame[c].fillna(0).astype("int64")
        frame["units"] = frame["units"].astype("float64")
        return frame

    customer = typed(customer, ("orders", "paid_weight", "purchase_days", "repeat_net"))
    customer["paid_days_weighted"] = customer.pop("paid_days").astype("float64")
    for c in ("first_purchase", "last_purchase"):
        customer[c] = pd.to_datetime(customer[c]).astype("datetime64[ns]")
    customer.index = pd.Index(customer_ids(customer), name="customer_id")
    customer = customer[list(CUSTOMER_COLUMNS)]

    period = typed(period, ("orders", "period"))
    period.index = customer_period_index(ids, period.pop("customer_id").to_numpy(dtype="int64"),
                                         period.pop("period").to_numpy(dtype="int64"), n_periods)

    if order is None:
        order = empty_order_grain()
    else:
        order = typed(order, ("period",))
        order["date"] = pd.to_datetime(order["date"]).astype("datetime64[ns]")
        order.index = pd.MultiIndex.from_arrays(  # text ids, as aggregate_lines' order grain has them
            [customer_ids(order).astype("str"), order.pop("order_id").astype("str")], names=["customer_id", "order_id"])

    product = typed(product, ("orders", "order_parts"))
    product.index = pd.MultiIndex.from_arrays(  # text ids, as aggregate_lines' customer × product grain has them
        [customer_ids(product), product.pop("product_id").astype("str")], names=["customer_id", "product_id"])
    return LineAggregates(customer=customer, period=period, order=order, product=product)


