"""Writing cells safely and laying out sheets: the one place workbook cells are made.

openpyxl turns a string that starts with ``=`` into a formula and a string equal to an
error code (``#N/A``) into an error. Text from input data must stay text whatever it starts
with, so every value goes through :func:`set_value`, which pins strings to the string type.
Formulas are written only through :class:`Formula`, which the template builder creates from
its own text, never from input data.

Sheets are streamed (openpyxl's write-only mode) so that a report of 100,000 customers needs
memory for one row at a time: a :class:`SheetLayout` first collects the blocks of a sheet
(titles, notes, label/value pairs, tables, charts), which fixes every row number, column width
and Table range before the first row is written; :func:`write_layout` then streams the rows.
Cell formats are named styles registered once per workbook (:class:`Styles`), so a styled cell
costs one integer.

A formula that returns an array to spill (:class:`SpillFormula`) is stored the way Excel 365
saves a dynamic-array formula: an array formula anchored at its own cell (``<f t="array"
ref="A5">``) whose ``<c>`` element carries ``cm="1"``: the (1-based) cell-metadata record of
the part ``xl/metadata.xml`` that gives the cell the dynamic-array property ``XLDAPR``
(ECMA-376 Part 1, 18.3.1.4 and 18.9; the ``dynamicArrayProperties`` extension of [MS-XLSX]).
openpyxl writes neither the attribute nor the part, so :func:`add_spill_metadata` adds them to
the saved package. Without them Excel 365 opens the formula as a legacy one, ``=@XLP_…``, and
shows a single value.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import posixpath
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

__all__ = [
    "MONEY",
    "PERCENT",
    "COUNT",
    "NUMBER",
    "DATE",
    "RATE",
    "Formula",
    "SheetLayout",
    "SpillFormula",
    "Styles",
    "TableSpot",
    "add_spill_metadata",
    "cell_value",
    "format_for",
    "label_for",
    "set_value",
    "style_for",
    "table_name",
    "write_layout",
]

MONEY = "#,##0.00;[Red]-#,##0.00"
PERCENT = "0.0%;[Red]-0.0%"
COUNT = "#,##0;[Red]-#,##0"
NUMBER = "#,##0.00;[Red]-#,##0.00"
RATE = "#,##0.0000;[Red]-#,##0.0000"
DATE = "yyyy-mm-dd"

#: Most rows a worksheet can hold (Excel's limit).
MAX_SHEET_ROWS = 1_048_576

_NAVY = "1F3864"
_THIN = Side(style="thin", color="BFBFBF")

#: The named styles of every workbook xlprofit writes: name -> NamedStyle options.
_STYLE_SPECS: dict[str, dict[str, Any]] = {
    "title": {"font": Font(bold=True, size=16, color=_NAVY)},
    "subtitle": {"font": Font(italic=True, color="595959")},
    "heading": {"font": Font(bold=True, size=12, color=_NAVY)},
    "note": {"font": Font(color="595959")},
    "header": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor=_NAVY),
               "alignment": Alignment(wrap_text=True, vertical="center")},
    "caption": {"font": Font(italic=True, size=9, color="595959"),
                "alignment": Alignment(wrap_text=True, vertical="bottom")},
    "label": {"font": Font(bold=True)},
    "text": {},
    "wrap": {"alignment": Alignment(wrap_text=True, vertical="top")},
    "money": {"number_format": MONEY},
    "percent": {"number_format": PERCENT},
    "count": {"number_format": COUNT},
    "number": {"number_format": NUMBER},
    "rate": {"number_format": RATE},
    "date": {"number_format": DATE},
    "input": {"fill": PatternFill("solid", fgColor="FFF2CC"), "border": Border(bottom=_THIN)},
    "input_date": {"number_format": DATE, "fill": PatternFill("solid", fgColor="FFF2CC"),
                   "border": Border(bottom=_THIN)},
    "input_percent": {"number_format": "0.00%", "fill": PatternFill("solid", fgColor="FFF2CC"),
                      "border": Border(bottom=_THIN)},
    "ok": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor="548235")},
    "fail": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor="C00000")},
}
_FORMAT_STYLE = {MONEY: "money", PERCENT: "percent", COUNT: "count", NUMBER: "number", RATE: "rate",
                 DATE: "date"}

_MONEY_COLUMNS = {
    "gross_revenue", "discounts", "invoice_revenue", "rebates", "net_revenue", "cogs", "gross_margin",
    "cost_to_serve", "commissions", "cost_of_credit", "bad_debt", "contribution", "acquisition_cost", "profit",
    "discounted_revenue", "cost", "assigned", "unassigned", "used_cost", "unused_cost", "cumulative_profit",
    "expected", "actual", "difference", "amount", "order_profit", "contribution_per_period", "referral_value",
    "losses", "total_profit", "clv", "expected_spend", "discount", "rebate", "written_off",
    "product_level_cost", "order_level_cost", "customer_level_cost",
}
_PERCENT_COLUMNS = {
    "margin_pct", "utilisation", "cumulative_profit_pct", "cumulative_customers_pct", "cumulative_revenue_pct",
    "discount_dependency", "net_price_pct", "cost_to_serve_pct", "commission_rate", "share", "p_alive",
    "margin_ratio", "customers_pct", "revenue_pct", "profit_pct", "retention",
}
_COUNT_COLUMNS = {"orders", "lines", "customers", "rank", "decile", "loss_makers", "row", "returns",
                  "periods", "periods_active", "customers_active", "units"}
_RATE_COLUMNS = {"capacity_rate", "effective_rate", "driver_rate"}
_LABELS = {
    "customer_id": "Customer", "net_revenue": "Net revenue", "gross_revenue": "Gross revenue",
    "cogs": "COGS", "cts": "CTS", "margin_pct": "Margin %", "tdabc": "time-driven ABC",
    "cost_of_credit": "Cost of credit", "payment_days": "Payment days", "driver_rate": "Driver rate",
    "capacity_rate": "Capacity rate (per min)", "effective_rate": "Effective rate (per min)",
    "unit_time": "Unit time (min)", "minutes": "Minutes used", "used": "Used (min)", "unused": "Unused (min)",
    "capacity": "Practical capacity (min)", "used_cost": "Used cost", "unused_cost": "Unused capacity cost",
    "kpi": "KPI", "net_price_pct": "Net price % of list", "cost_to_serve_pct": "Cost-to-serve % of net revenue",
    "cost_to_serve": "Cost-to-serve", "cumulative_profit_pct": "Cumulative profit %",
    "cumulative_customers_pct": "Cumulative customers %", "cumulative_revenue_pct": "Cumulative revenue %",
    "customers_pct": "Customers %", "revenue_pct": "Revenue %", "profit_pct": "Profit %",
    "sha256": "SHA-256", "product_id": "Product", "order_id": "Order", "p_alive": "P(alive)",
    "clv": "CLV", "payback_periods": "Payback (periods)", "discount_dependency": "Discount dependency",
    "product_level_cost": "Line and product costs", "order_level_cost": "Order costs (split by order share)",
    "customer_level_cost": "Customer costs (split by revenue share)",
}

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_TEXT = 32_767


class Formula(str):
    """Formula text the workbook builders wrote themselves (starts with ``=``).

    :func:`set_value` writes every other string as text; only a ``Formula`` becomes a formula.
    """


class SpillFormula(Formula):
    """A :class:`Formula` whose result is an array that spills from its cell (Excel 365 dynamic array).

    :func:`set_value` writes it as an array formula anchored at its own cell; the saved package
    then needs :func:`add_spill_metadata` for the sheets that hold one.
    """


def label_for(column: str) -> str:
    """Readable header for a column name: ``net_revenue`` -> ``Net revenue``; ``cts_Picking`` -> ``CTS: Picking``."""
    if column.startswith("cts_"):
        return f"CTS: {column[4:]}"
    if column in _LABELS:
        return _LABELS[column]
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def format_for(column: str, series: pd.Series | None = None) -> str | None:
    """Number format for a column by its name (and dtype)."""
    if column.startswith("cts_") or column in _MONEY_COLUMNS:
        return MONEY
    if column in _PERCENT_COLUMNS or column.endswith("_pct"):
        return PERCENT
    if column in _RATE_COLUMNS:
        return RATE
    if column in _COUNT_COLUMNS:
        return COUNT
    if series is not None:
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            return DATE
        if pd.api.types.is_bool_dtype(series.dtype):
            return None
        if pd.api.types.is_integer_dtype(series.dtype):
            return COUNT
        if pd.api.types.is_float_dtype(series.dtype):
            return NUMBER
    return None


def style_for(column: str, series: pd.Series | None = None) -> str:
    """Name of the cell style of a column (``money``, ``percent``, ``date``, …, or ``text``)."""
    fmt = format_for(column, series)
    return _FORMAT_STYLE.get(fmt, "text") if fmt else "text"


def _text(value: str) -> tuple[Any, str | None]:
    text = _ILLEGAL.sub("", value)
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 1] + "…"
    return text, "s"


def _float(value: float) -> tuple[Any, str | None]:
    if math.isnan(value):
        return None, None
    if math.isinf(value):
        return ("∞" if value > 0 else "−∞"), "s"
    return value, "n"


def cell_value(value: Any) -> tuple[Any, str | None]:
    """Python value for a cell and its data type (``"s"`` for all text, ``"f"`` only for :class:`Formula`)."""
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is float:
        return _float(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, Formula):
        return str(value), "f"
    if isinstance(value, (bool, np.bool_)):
        return bool(value), "b"
    if isinstance(value, (int, np.integer)):
        return int(value), "n"
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime(), "d"
    if isinstance(value, np.datetime64):
        return (None, None) if np.isnat(value) else (pd.Timestamp(value).to_pydatetime(), "d")
    if isinstance(value, (dt.datetime, dt.date)):
        return value, "d"
    return _text(str(value))


def set_value(cell: Cell, value: Any) -> Cell:
    """Write ``value`` into ``cell``; text is always stored as text, never as a formula or an error."""
    v, kind = cell_value(value)
    if kind == "f":
        cell.value = ArrayFormula(ref=cell.coordinate, text=v) if isinstance(value, SpillFormula) else v
        return cell
    cell._value = v
    cell.data_type = kind or "n"
    return cell


def table_name(base: str, taken: set[str]) -> str:
    """A valid, unique Excel Table name from ``base``."""
    name = re.sub(r"[^A-Za-z0-9_]", "", base) or "Table"
    if not name[0].isalpha():
        name = "T" + name
    candidate, k = name, 2
    while candidate.lower() in taken:
        candidate = f"{name}{k}"
        k += 1
    taken.add(candidate.lower())
    return candidate


class Styles:
    """The named styles of one workbook, registered once; ``styles["money"]`` is a cell style id."""

    def __init__(self, wb: Workbook) -> None:
        self._ids: dict[str, int] = {}
        for name, options in _STYLE_SPECS.items():
            named = NamedStyle(name=f"xlprofit {name}", **options)
            wb.add_named_style(named)
            self._ids[name] = wb._cell_styles.add(copy(named.as_tuple()))

    def __getitem__(self, name: str) -> int:
        return self._ids[name]


_COLUMN_LETTERS = [get_column_letter(j) for j in range(1, 257)]
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def cell_xml(value: Any, ref: str, style: str, epoch: dt.datetime) -> str | None:
    """The ``<c>`` element of one cell as openpyxl writes it (``""``: no element); ``None`` for a formula.

    ``style`` is the cell's style attribute (`` s="3"``, or ``""`` for none). Values are read by
    :func:`cell_value` (text always as an inline string, never a formula); a cell without a
    value is written only when it has a style.
    """
    v, kind = cell_value(value)
    if v is None:
        return f'<c r="{ref}"{style} t="n"/>' if style else ""
    if kind == "s":
        if v == "":
            return f'<c r="{ref}"{style} t="inlineStr"/>'
        stripped = v.strip()
        space = ' xml:space="preserve"' if stripped and stripped != v else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{v.translate(_XML_TEXT)}</t></is></c>'
    if kind == "b":
        return f'<c r="{ref}"{style} t="b"><v>{1 if v else 0}</v></c>'
    if kind == "d":
        if getattr(v, "tzinfo", None) is not None:
            return None  # openpyxl's writer refuses it with its own message
        return f'<c r="{ref}"{style} t="n"><v>{to_excel(v, epoch):.16g}</v></c>'
    if kind == "f":
        return None
    return f'<c r="{ref}"{style} t="n"><v>{v:.16g}</v></c>'


def _style_attr(sid: int) -> str:
    return f' s="{sid}"' if sid else ""


def row_xml(values: Sequence[Any], styles: Sequence[int], row_idx: int, epoch: dt.datetime) -> str | None:
    """The ``<row>`` element of one sheet row, as openpyxl writes it; ``None`` when it holds a formula.

    Each cell is written by :func:`cell_xml` with the style id ``styles[j]`` (0: none).
    """
    if len(values) > len(_COLUMN_LETTERS):
        return None
    r = str(row_idx)
    parts = [f'<row r="{r}">']
    for j, value in enumerate(values):
        cell = cell_xml(value, _COLUMN_LETTERS[j] + r, _style_attr(styles[j] if j < len(styles) else 0), epoch)
        if cell is None:
            return None
        parts.append(cell)
    parts.append("</row>")
    return "".join(parts)


@dataclass(frozen=True)
class TableRows:
    """Consecutive rows of a table, held column by column.

    ``columns[j]`` holds the values of sheet column ``left + j`` (as :func:`column_values`
    returns them, with their ``kinds[j]``: ``"float"``, ``"int"``, ``"text"`` or ``None``);
    ``styles[j]`` is the style id of the whole column or a list of one id a row.
    """

    left: int
    columns: Sequence[list[Any]]
    kinds: Sequence[str | None]
    styles: Sequence[int | Sequence[int]]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def rows(self) -> Iterator[tuple[list[Any], list[int]]]:
        """Each row's values and style ids, from column A."""
        pad = [None] * (self.left - 1)
        pad_styles = [0] * (self.left - 1)
        for i, row in enumerate(zip(*self.columns, strict=True)):
            yield pad + list(row), pad_styles + [s if isinstance(s, int) else s[i] for s in self.styles]


def _column_cells(values: list[Any], kind: str | None, letter: str, sids: int | Sequence[int],
                  first_row: int, epoch: dt.datetime) -> list[str] | None:
    """The ``<c>`` elements of one column's cells from ``first_row`` down (see :func:`cell_xml`)."""
    if not isinstance(sids, int):
        cells = [cell_xml(v, f"{letter}{r}", _style_attr(sid), epoch)
                 for r, v, sid in zip(range(first_row, first_row + len(values)), values, sids, strict=True)]
        return None if None in cells else cells
    style = _style_attr(sids)
    if kind == "float":  # finite floats straight, the rest (NaN, ±inf) through cell_xml
        return [f'<c r="{letter}{r}"{style} t="n"><v>{v:.16g}</v></c>' if v - v == 0.0
                else cell_xml(v, f"{letter}{r}", style, epoch) for r, v in enumerate(values, first_row)]
    if kind == "int":
        return [f'<c r="{letter}{r}"{style} t="n"><v>{v:.16g}</v></c>' for r, v in enumerate(values, first_row)]
    if kind == "text" and _plain_texts(values):  # text as it is, unless blank or edged with spaces
        cells = [f'<c r="{letter}{r}"{style} t="inlineStr"><is><t>{v}</t></is></c>'
                 if type(v) is str and v and not v[0].isspace() and not v[-1].isspace()
                 else cell_xml(v, f"{letter}{r}", style, epoch) for r, v in enumerate(values, first_row)]
    else:
        cells = [cell_xml(v, f"{letter}{r}", style, epoch) for r, v in enumerate(values, first_row)]
    return None if None in cells else cells


_XML_SPECIAL = re.compile(r"[&<>]")


def _plain_texts(values: list[Any]) -> bool:
    """Whether the texts among ``values`` hold no character to remove or escape and none is too long."""
    texts = [v for v in values if type(v) is str]
    if not texts:
        return False
    joined = "\n".join(texts)  # a line break is neither removed nor escaped
    return _ILLEGAL.search(joined) is None and _XML_SPECIAL.search(joined) is None \
        and max(map(len, texts)) <= _MAX_TEXT


def table_rows_xml(rows: TableRows, first_row: int, epoch: dt.datetime) -> str | None:
    """The ``<row>`` elements of ``rows`` from sheet row ``first_row``; ``None`` for a formula.

    The same text :func:`row_xml` writes row by row, made a column at a time.
    """
    if rows.left - 1 + len(rows.columns) > len(_COLUMN_LETTERS):
        return None
    columns = []
    for j, (values, kind, sids) in enumerate(zip(rows.columns, rows.kinds, rows.styles, strict=True)):
        cells = _column_cells(values, kind, _COLUMN_LETTERS[rows.left - 1 + j], sids, first_row, epoch)
        if cells is None:
            return None
        columns.append(cells)
    return "".join([f'<row r="{r}">{"".join(cells)}</row>'
                    for r, cells in enumerate(zip(*columns, strict=True), first_row)])


class _StyledCell(Cell):
    """A reusable write-only cell whose style is a ready cell style id."""

    __slots__ = ("_sid",)

    @property
    def style_id(self) -> int:  # the writer asks for this id once per cell
        return self._sid

    @property
    def has_style(self) -> bool:
        return self._sid != 0


class _StreamSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows carry a style id per cell."""

    def __init__(self, parent: Workbook, title: str) -> None:
        super().__init__(parent, title)
        self._row_styles: Sequence[int] = ()

    def put(self, values: Sequence[Any], styles: Sequence[int]) -> None:
        """Append one row: ``values[j]`` with cell style id ``styles[j]`` (0: none)."""
        self._row_styles = styles
        self.append(values if isinstance(values, (list, tuple)) else list(values))

    def put_rows(self, rows: TableRows) -> None:
        """Append the consecutive rows of a table (see :class:`TableRows`)."""
        self.append([rows])

    def _write_rows(self) -> Iterator[None]:
        """Receive the appended rows and write them into the sheet's ``sheetData``.

        Rows of values (no formula, no row height) are written as XML text by :func:`row_xml`,
        and a table's rows a column at a time by :func:`table_rows_xml` — a million-customer
        P&L is tens of millions of cells, and openpyxl's cell-by-cell serialisation took about
        17 µs a cell. Other rows, and every row when the XML writer is not the standard
        library's, go through openpyxl's own writer.
        """
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        write = getattr(xf, "_file", None)  # the incremental writer's raw output
        plain = write is not None and not self.parent.iso_dates
        heights = self.row_dimensions
        epoch = self.parent.epoch

        def one_row(values: Sequence[Any], styles: Sequence[int], row_idx: int) -> None:
            xml = row_xml(values, styles, row_idx, epoch) if plain and heights.get(row_idx) is None else None
            if xml is None:
                self._row_styles = styles
                self._writer.write_row(xf, self._values_to_row(values, row_idx), row_idx)
            else:
                write(xml)

        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    values = yield
                    if len(values) == 1 and isinstance(values[0], TableRows):
                        rows = values[0]
                        n = len(rows)
                        xml = table_rows_xml(rows, row_idx, epoch) \
                            if plain and not any(heights.get(r) is not None for r in range(row_idx, row_idx + n)) \
                            else None
                        if xml is None:
                            for i, (row, styles) in enumerate(rows.rows()):
                                one_row(row, styles, row_idx + i)
                        else:
                            write(xml)
                        row_idx += n
                    else:
                        one_row(values, self._row_styles, row_idx)
                        row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def _values_to_row(self, values: Sequence[Any], row_idx: int) -> Iterator[Cell]:
        styles = self._row_styles
        cell = _StyledCell(self, row=row_idx, column=1)
        for col_idx, value in enumerate(values, 1):
            sid = styles[col_idx - 1] if col_idx <= len(styles) else 0
            if value is None and not sid:
                continue
            cell.column = col_idx  # before the value: a spill formula is anchored at the cell
            set_value(cell, value)
            cell._sid = sid
            yield cell


def new_sheet(wb: Workbook, title: str) -> _StreamSheet:
    """Add a streaming sheet named ``title`` to the write-only workbook ``wb``."""
    ws = _StreamSheet(wb, title)
    wb._add_sheet(ws)  # the public create_sheet() cannot make a subclass
    return ws


# ----------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class TableSpot:
    """Where a table landed: header row, first/last data row and the column of every field."""

    name: str
    header_row: int
    first_row: int
    last_row: int
    left: int
    columns: tuple[str, ...]

    def col(self, column: str) -> int:
        """Sheet column number of ``column``."""
        return self.left + self.columns.index(column)


@dataclass
class _Block:
    kind: str
    top: int
    height: int
    payload: dict[str, Any] = field(default_factory=dict)


class SheetLayout:
    """The blocks of one sheet, stacked from row 1 down, before any row is written.

    Parameters
    ----------
    title:
        Sheet (tab) name.
    """

    def __init__(self, title: str) -> None:
        self.name = title
        self.blocks: list[_Block] = []
        self.next_row = 1
        self.widths: dict[int, float] = {}
        self.freeze: str | None = None
        self.print_rows: int | None = None
        self.charts: list[tuple[Callable[[Any], Any], str]] = []
        self.validations: list[Any] = []
        self.defined_names: list[tuple[str, str]] = []
        self.tab_color: str | None = None
        self.row_heights: dict[int, float] = {}

    @property
    def spills(self) -> bool:
        """Whether a row of the sheet holds a :class:`SpillFormula` (the package then needs spill metadata)."""
        return any(isinstance(v, SpillFormula) for b in self.blocks if b.kind == "line" for v in b.payload["values"])

    def _add(self, kind: str, height: int, **payload: Any) -> _Block:
        block = _Block(kind, self.next_row, height, payload)
        self.blocks.append(block)
        self.next_row += height
        return block

    def _fit(self, column: int, width: float) -> None:
        self.widths[column] = max(self.widths.get(column, 0.0), width)

    def line(self, values: Sequence[Any], styles: Sequence[str], *, height: float | None = None,
             fit: bool = False) -> int:
        """One row of cells; returns its row number. ``fit`` widens the columns to the values."""
        block = self._add("line", 1, values=list(values), styles=list(styles))
        if height:
            self.row_heights[block.top] = height
        if fit:
            for j, v in enumerate(values):
                self._fit(j + 1, _text_width(v))
        return block.top

    def title(self, text: str, subtitle: str | None = None) -> None:
        """Sheet title and an optional subtitle, then a blank row."""
        self.line([text], ["title"], height=24)
        if subtitle:
            self.line([subtitle], ["subtitle"])
        self.skip()

    def heading(self, text: str) -> int:
        """A bold heading row."""
        return self.line([text], ["heading"], height=18)

    def note(self, text: str, style: str = "note") -> int:
        """A row of explanatory text (overflows to the right)."""
        return self.line([text], [style])

    def skip(self, rows: int = 1) -> None:
        """Leave ``rows`` blank rows."""
        if rows > 0:
            self._add("blank", rows)

    def key_values(self, rows: Sequence[tuple[str, Any, str]], *, label_width: float = 34) -> None:
        """Label/value pairs, one per row; the third item is the value's style name."""
        for label, value, style in rows:
            self.line([label, value], ["label", style])
            self._fit(2, _value_width(value, style))
        self._fit(1, label_width)
        self.skip()

    def table(self, frame: pd.DataFrame, name: str, taken: set[str], *, left: int = 1,
              labels: dict[str, str] | None = None, styles: dict[str, str] | None = None,
              cell_styles: dict[str, Sequence[str]] | None = None, max_width: float = 40,
              main: bool = False, style: str = "TableStyleMedium2", captions: Sequence[str] | None = None,
              header_height: float = 30) -> TableSpot:
        """An Excel Table of ``frame`` (header row, then one row per record).

        ``styles`` names a cell style per column (default: by column name and dtype);
        ``cell_styles`` gives one style per row for columns of mixed content; ``captions``
        adds a row of explanations above the header. With ``main``, the header is frozen and
        repeated on every printed page.
        """
        labels = dict(labels or {})
        columns = [str(c) for c in frame.columns]
        headers = _unique_headers([labels.get(c, label_for(c)) for c in columns])
        col_styles = [(styles or {}).get(c) or style_for(c, frame[c]) for c in columns]
        if captions is not None:
            self.line([None] * (left - 1) + list(captions), [""] * (left - 1) + ["caption"] * len(captions),
                      height=42)
        header_row = self.next_row
        n = len(frame)
        self._add("table", 1 + max(n, 1), frame=frame, headers=headers, styles=col_styles, left=left,
                  cell_styles=dict(cell_styles or {}), table_style=style)
        self.row_heights[header_row] = header_height
        spot = TableSpot(table_name(name, taken), header_row, header_row + 1, header_row + max(n, 1), left,
                         tuple(columns))
        for j, c in enumerate(columns):
            need = max(_header_width(headers[j]), _column_width(frame[c], col_styles[j]))
            self._fit(left + j, min(max_width, need))
        if main:
            self.freeze = f"{get_column_letter(left)}{header_row + 1}"
            self.print_rows = header_row
        self.blocks[-1].payload["spot"] = spot
        return spot

    def chart(self, make: Callable[[Any], Any], anchor: str) -> None:
        """A chart built by ``make(worksheet)`` and anchored at cell ``anchor``."""
        self.charts.append((make, anchor))


def _unique_headers(headers: Sequence[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for h in headers:
        h = _ILLEGAL.sub("", h).strip() or "Column"
        base, k = h, 2
        while h.lower() in seen:
            h = f"{base} ({k})"
            k += 1
        seen.add(h.lower())
        out.append(h)
    return out


def _header_width(header: str) -> float:
    words = header.split()
    longest = max((len(w) for w in words), default=4)
    return float(max(longest + 2, min(len(header) + 2, math.ceil(len(header) / 2) + 3), 8))


def _text_width(value: Any) -> float:
    return float(len(str(value))) + 2 if value is not None else 0.0


def _value_width(value: Any, style: str) -> float:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return _numbers_width(np.array([float(value)]), style)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return 12.0
    return _text_width(value)


def _numbers_width(values: np.ndarray, style: str) -> float:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 6.0
    big = float(np.max(np.abs(finite)))
    negative = bool((finite < 0).any())
    if style in ("percent", "input_percent"):
        text = f"{big * 100:,.1f}%"
    elif style == "count":
        text = f"{big:,.0f}"
    elif style == "rate":
        text = f"{big:,.4f}"
    elif style == "date":
        return 12.0
    else:
        text = f"{big:,.2f}"
    return len(text) + (1 if negative else 0) + 3.0


def _column_width(series: pd.Series, style: str) -> float:
    if len(series) == 0:
        return 6.0
    if style == "date" or pd.api.types.is_datetime64_any_dtype(series.dtype):
        return 12.0
    if pd.api.types.is_bool_dtype(series.dtype):
        return 7.0
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _numbers_width(series.to_numpy(dtype="float64", na_value=np.nan), style)
    lengths = series.dropna().astype(str).str.len()
    return float(lengths.max()) + 2 if len(lengths) else 6.0


# ----------------------------------------------------------------------------- writing

_CHUNK_ROWS = 5_000


def write_layout(wb: Workbook, layout: SheetLayout, styles: Styles, *, print_setup: bool = True) -> _StreamSheet:
    """Stream the sheet ``layout`` into the write-only workbook ``wb``."""
    if layout.next_row - 1 > MAX_SHEET_ROWS:
        raise ValueError(f"sheet '{layout.name}' needs {layout.next_row - 1:,} rows; a worksheet holds "
                         f"{MAX_SHEET_ROWS:,}")
    ws = new_sheet(wb, layout.name)
    for col, width in layout.widths.items():
        ws.column_dimensions[get_column_letter(col)].width = round(width * 1.1 + 1, 1)
    if layout.freeze:
        ws.freeze_panes = layout.freeze
    if layout.tab_color:
        ws.sheet_properties.tabColor = layout.tab_color
    if print_setup:
        _print_setup(ws, layout.print_rows, sum(layout.widths.values()))
    for dv in layout.validations:
        ws.data_validations.append(dv)
    heights = layout.row_heights
    for block in layout.blocks:
        if block.top in heights:
            ws.row_dimensions[block.top].height = heights[block.top]
        if block.kind == "blank":
            for _ in range(block.height):
                ws.put((), ())
        elif block.kind == "line":
            ws.put(block.payload["values"], [styles[s] if s else 0 for s in block.payload["styles"]])
        else:
            _stream_table(ws, block, styles)
    for make, anchor in layout.charts:
        ws.add_chart(make(ws), anchor)
    return ws


def _stream_table(ws: _StreamSheet, block: _Block, styles: Styles) -> None:
    p = block.payload
    frame: pd.DataFrame = p["frame"]
    spot: TableSpot = p["spot"]
    pad = [None] * (spot.left - 1)
    pad_styles = [0] * (spot.left - 1)
    ws.put(pad + list(p["headers"]), pad_styles + [styles["header"]] * len(p["headers"]))
    col_styles = [styles[s] for s in p["styles"]]
    row_styles = {frame.columns.get_loc(c): [styles[s] for s in v] for c, v in p["cell_styles"].items()}
    n = len(frame)
    if n == 0:
        ws.put(pad + [None] * len(col_styles), pad_styles + col_styles)
    for start in range(0, n, _CHUNK_ROWS):
        chunk = frame.iloc[start:start + _CHUNK_ROWS]
        values = [column_values(chunk.iloc[:, j]) for j in range(chunk.shape[1])]
        chunk_styles = [row_styles[j][start:start + len(chunk)] if j in row_styles else s
                        for j, s in enumerate(col_styles)]
        ws.put_rows(TableRows(spot.left, [v for v, _ in values], [k for _, k in values], chunk_styles))
    end = get_column_letter(spot.left + len(p["headers"]) - 1)
    table = Table(displayName=spot.name, ref=f"{get_column_letter(spot.left)}{spot.header_row}:{end}{spot.last_row}")
    table.tableStyleInfo = TableStyleInfo(name=p["table_style"], showRowStripes=True,
                                          showColumnStripes=False)
    add_table(ws, table, p["headers"])


def add_table(ws: _StreamSheet, table: Table, headers: Sequence[str]) -> None:
    """Add ``table`` to a streamed sheet; its columns are named after ``headers`` (the header cells)."""
    table.tableColumns = [TableColumn(id=j + 1, name=h) for j, h in enumerate(headers)]
    table.autoFilter = AutoFilter(ref=table.ref)
    ws.tables.add(table)


def column_values(series: pd.Series) -> tuple[list[Any], str | None]:
    """Python values of a column and their kind for :class:`TableRows`.

    Floats (kind ``"float"``), ints (``"int"``), bools or datetimes (kind ``None``), anything
    else as Python objects (``"text"``: mostly text); missing values as None.
    """
    dtype = series.dtype
    if pd.api.types.is_float_dtype(dtype):
        return series.astype("float64").tolist(), "float"
    if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
        return series.astype(bool).tolist(), None
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return series.tolist(), "int"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = [None if pd.isna(v) else v for v in series.dt.to_pydatetime()] if series.isna().any() \
            else list(series.dt.to_pydatetime())
        return values, None
    return series.astype(object).tolist(), "text"


#: Total column width (in character widths) above which a sheet prints on A3 rather than A4,
#: so that wide tables such as the customer P&L stay legible when fitted to the page width.
A3_ABOVE_WIDTH = 220


def _print_setup(ws: _StreamSheet, header_row: int | None, total_width: float = 0.0) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "8" if total_width > A3_ABOVE_WIDTH else "9"  # A3 for wide sheets, else A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "&A — page &P of &N"
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


# ----------------------------------------------------------------------------- dynamic arrays

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
#: Relationship type and content type of the metadata part (ECMA-376 Part 1, 12.3.10).
METADATA_REL_TYPE = f"{_REL_NS}/sheetMetadata"
METADATA_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
METADATA_PART = "xl/metadata.xml"

#: One metadata type (XLDAPR), one future-metadata block with the dynamic-array property and one
#: cell-metadata record pointing at it: the record a spilling cell's ``cm="1"`` refers to.
_METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<metadata xmlns="{_MAIN_NS}" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
    'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
    'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    '</metadata>'
).encode()

#: The start tag of a cell whose first child is an array formula (attribute values hold no ``>``).
_ARRAY_CELL = re.compile(rb'<c\b([^>]*)>(?=\s*<f\b[^>]*\bt="array")')


def _sheet_parts(zin: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part (``xl/worksheets/sheet3.xml``) of a workbook package."""
    rels = ET.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")}
    parts: dict[str, str] = {}
    for sheet in ET.fromstring(zin.read("xl/workbook.xml")).iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets[sheet.get(f"{{{_REL_NS}}}id")]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        parts[sheet.get("name", "")] = part
    return parts


def _mark_array_cells(xml: bytes, sheet: str) -> bytes:
    """Add ``cm="1"`` to every cell of ``xml`` that holds an array formula."""
    def mark(match: re.Match[bytes]) -> bytes:
        attributes = match.group(1).rstrip(b"/")
        if b" cm=" in attributes:
            return match.group(0)
        return b"<c" + attributes + b' cm="1">'

    marked, n = _ARRAY_CELL.subn(mark, xml)
    if n == 0:
        raise ValueError(f"sheet '{sheet}' holds no array formula to mark as spilling")
    return marked


def _register_metadata(content_types: bytes, rels: bytes) -> tuple[bytes, bytes]:
    """``[Content_Types].xml`` and ``workbook.xml.rels`` with the metadata part registered once."""
    if b"/xl/metadata.xml" not in content_types:
        override = f'<Override PartName="/{METADATA_PART}" ContentType="{METADATA_CONTENT_TYPE}"/>'
        content_types = content_types.replace(b"</Types>", override.encode() + b"</Types>", 1)
    if METADATA_REL_TYPE.encode() not in rels:
        ids = {int(m) for m in re.findall(rb'Id="rId(\d+)"', rels)}
        rel = f'<Relationship Id="rId{max(ids, default=0) + 1}" Type="{METADATA_REL_TYPE}" Target="metadata.xml"/>'
        rels = rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>", 1)
    return content_types, rels


def add_spill_metadata(path: str | os.PathLike[str], sheets: Collection[str]) -> None:
    """Make the array formulas of ``sheets`` in the saved workbook ``path`` dynamic-array formulas.

    Adds the part ``xl/metadata.xml`` (registered in ``[Content_Types].xml`` and the workbook's
    relationships) and ``cm="1"`` on every cell of those sheets that holds an array formula,
    which :func:`set_value` writes for :class:`SpillFormula` only. The package is rewritten
    part by part through a temporary file next to it, so a large data sheet is never held in
    memory; the other parts are copied unchanged.

    Parameters
    ----------
    path:
        An ``.xlsx`` package written by openpyxl; rewritten in place.
    sheets:
        Names of the sheets holding spill formulas. Nothing is changed when empty.

    Raises
    ------
    ValueError
        If a sheet is not in the workbook or holds no array formula.
    """
    if not sheets:
        return
    source = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{source.stem}-", suffix=".xlsx", dir=source.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            parts = _sheet_parts(zin)
            missing = sorted(set(sheets) - set(parts))
            if missing:
                raise ValueError(f"no sheet named {', '.join(repr(m) for m in missing)} in '{source}'")
            targets = {parts[s]: s for s in sheets}
            content_types, rels = _register_metadata(zin.read("[Content_Types].xml"),
                                                     zin.read("xl/_rels/workbook.xml.rels"))
            changed = {"[Content_Types].xml": content_types, "xl/_rels/workbook.xml.rels": rels}
            for info in zin.infolist():
                if info.filename == METADATA_PART:
                    continue  # written anew below
                out = zipfile.ZipInfo(info.filename, info.date_time)
                out.compress_type = zipfile.ZIP_DEFLATED
                if info.filename in targets:
                    zout.writestr(out, _mark_array_cells(zin.read(info), targets[info.filename]))
                elif info.filename in changed:
                    zout.writestr(out, changed[info.filename])
                else:
                    with zin.open(info) as src, zout.open(out, "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
            meta = zipfile.ZipInfo(METADATA_PART, zin.getinfo("xl/workbook.xml").date_time)
            meta.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(meta, _METADATA_XML)
        os.replace(tmp, source)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
