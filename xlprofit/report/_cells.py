"""Writing cells safely and formatting tables: the one place report cells are made.

openpyxl turns a string that starts with ``=`` into a formula and a string equal to an
error code (``#N/A``) into an error. Text from input data must stay text whatever it starts
with, so every value goes through :func:`cell_value`, which pins strings to the string type.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "MONEY",
    "PERCENT",
    "COUNT",
    "NUMBER",
    "DATE",
    "RATE",
    "set_value",
    "write_table",
    "title",
    "label_for",
    "format_for",
    "table_name",
]

MONEY = "#,##0.00;[Red]-#,##0.00"
PERCENT = "0.0%;[Red]-0.0%"
COUNT = "#,##0"
NUMBER = "#,##0.00;[Red]-#,##0.00"
RATE = "#,##0.0000"
DATE = "yyyy-mm-dd"

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=16, color="1F3864")
SUBTITLE_FONT = Font(bold=True, size=12, color="1F3864")
THIN = Side(style="thin", color="BFBFBF")

_MONEY_COLUMNS = {
    "gross_revenue", "discounts", "invoice_revenue", "rebates", "net_revenue", "cogs", "gross_margin",
    "cost_to_serve", "commissions", "cost_of_credit", "bad_debt", "contribution", "acquisition_cost", "profit",
    "discounted_revenue", "cost", "assigned", "unassigned", "used_cost", "unused_cost", "cumulative_profit",
    "expected", "actual", "difference", "amount", "order_profit", "contribution_per_period", "referral_value",
    "losses", "total_profit", "clv", "expected_spend",
}
_PERCENT_COLUMNS = {
    "margin_pct", "utilisation", "cumulative_profit_pct", "cumulative_customers_pct", "cumulative_revenue_pct",
    "discount_dependency", "net_price_pct", "cost_to_serve_pct", "commission_rate", "share", "p_alive",
    "margin_ratio",
}
_COUNT_COLUMNS = {"orders", "lines", "customers", "rank", "decile", "loss_makers", "row", "returns",
                  "periods", "periods_active"}
_RATE_COLUMNS = {"capacity_rate", "effective_rate", "driver_rate"}
_LABELS = {
    "customer_id": "Customer", "net_revenue": "Net revenue", "gross_revenue": "Gross revenue",
    "cogs": "COGS", "cts": "CTS", "margin_pct": "Margin %", "tdabc": "time-driven ABC",
    "cost_of_credit": "Cost of credit", "payment_days": "Payment days", "driver_rate": "Driver rate",
    "capacity_rate": "Capacity rate (per min)", "effective_rate": "Effective rate (per min)",
    "unit_time": "Unit time (min)", "minutes": "Minutes used", "used": "Used (min)", "unused": "Unused (min)",
    "capacity": "Practical capacity (min)", "used_cost": "Used cost", "unused_cost": "Unused capacity cost",
    "kpi": "KPI",
}

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
        if pd.api.types.is_integer_dtype(series.dtype):
            return COUNT
        if pd.api.types.is_float_dtype(series.dtype):
            return NUMBER
    return None


def cell_value(value: Any) -> tuple[Any, str | None]:
    """Python value for a cell and the data type to pin (``"s"`` for all text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, (bool, np.bool_)):
        return bool(value), None
    if isinstance(value, (np.integer,)):
        return int(value), None
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return None, None
        if math.isinf(f):
            return ("∞" if f > 0 else "−∞"), "s"
        return f, None
    if isinstance(value, int):
        return value, None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime(), None
    if isinstance(value, (dt.datetime, dt.date)):
        return value, None
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime(), None
    text = _ILLEGAL.sub("", str(value))
    if len(text) > 32_767:
        text = text[:32_766] + "…"
    return text, "s"


def set_value(cell: Cell, value: Any) -> Cell:
    """Write ``value`` into ``cell``; text is always stored as text, never as a formula or error."""
    v, kind = cell_value(value)
    cell.value = v
    if kind == "s":
        cell.data_type = "s"
    return cell


def title(ws: Worksheet, text: str, subtitle: str | None = None) -> int:
    """Write a sheet title (and subtitle); return the next free row."""
    set_value(ws.cell(row=1, column=1), text).font = TITLE_FONT
    row = 2
    if subtitle:
        set_value(ws.cell(row=2, column=1), subtitle).font = Font(italic=True, color="595959")
        row = 3
    return row + 1


_used_names: set[str] = set()


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


def write_table(ws: Worksheet, frame: pd.DataFrame, *, top: int, name: str, taken: set[str],
                left: int = 1, formats: dict[str, str] | None = None, style: str = "TableStyleMedium2",
                labels: dict[str, str] | None = None, widths: bool = True, max_width: int = 48,
                wrap: Sequence[str] = ()) -> tuple[int, int]:
    """Write ``frame`` as an Excel Table with its header at row ``top``.

    Returns ``(last_row, last_column)`` of the table.
    """
    formats = dict(formats or {})
    labels = dict(labels or {})
    columns = list(frame.columns)
    headers: list[str] = []
    seen: set[str] = set()
    for c in columns:
        h = labels.get(c, label_for(str(c)))
        h = _ILLEGAL.sub("", h).strip() or "Column"
        base, k = h, 2
        while h.lower() in seen:
            h = f"{base} ({k})"
            k += 1
        seen.add(h.lower())
        headers.append(h)
    for j, h in enumerate(headers):
        cell = set_value(ws.cell(row=top, column=left + j), h)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    fmt = [formats.get(c, format_for(str(c), frame[c])) for c in columns]
    values = frame.to_numpy(dtype=object)
    lengths = [len(h) for h in headers]
    wrap_cols = {columns.index(c) for c in wrap if c in columns}
    for i, row in enumerate(values):
        r = top + 1 + i
        for j, v in enumerate(row):
            cell = set_value(ws.cell(row=r, column=left + j), v)
            if fmt[j]:
                cell.number_format = fmt[j]
            if j in wrap_cols:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if widths and i < 2000:
                lengths[j] = max(lengths[j], _display_len(cell.value, fmt[j]))
    last_row = top + max(len(values), 1)
    last_col = left + len(columns) - 1
    if len(values) == 0:
        for j in range(len(columns)):
            ws.cell(row=top + 1, column=left + j)
    ref = f"{get_column_letter(left)}{top}:{get_column_letter(last_col)}{last_row}"
    table = Table(displayName=table_name(name, taken), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True, showColumnStripes=False)
    ws.add_table(table)
    if widths:
        for j, n in enumerate(lengths):
            letter = get_column_letter(left + j)
            current = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(current, min(max_width, n + 3))
    return last_row, last_col


def _display_len(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        if fmt in (PERCENT,):
            return 8
        return len(f"{value:,.2f}") + 1
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    return len(str(value))


def key_values(ws: Worksheet, rows: Iterable[tuple[str, Any, str | None]], *, top: int, left: int = 1) -> int:
    """Write label/value pairs with number formats; return the next free row."""
    r = top
    for label, value, fmt in rows:
        set_value(ws.cell(row=r, column=left), label).font = Font(bold=True)
        cell = set_value(ws.cell(row=r, column=left + 1), value)
        if fmt:
            cell.number_format = fmt
        cell.border = Border(bottom=THIN)
        r += 1
    return r + 1
