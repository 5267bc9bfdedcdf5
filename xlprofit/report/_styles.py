"""Cell styles and how a column is presented: number formats, the named styles of a workbook, labels.

Cell formats are named styles registered once per workbook (:class:`Styles`), so a styled cell
costs one integer (its cell style id) when a row is written. A table column's header label,
number format and style follow from its name (and dtype): :func:`label_for`,
:func:`format_for`, :func:`style_for`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.workbook import Workbook

from xlprofit.report._openpyxl_private import cell_style_id

__all__ = ["NUMBER_STYLES", "MONEY", "PERCENT", "COUNT", "NUMBER", "RATE", "DATE", "Styles", "format_for", "label_for",
           "style_for"]

MONEY = "#,##0.00;[Red]-#,##0.00"
PERCENT = "0.0%;[Red]-0.0%"
COUNT = "#,##0;[Red]-#,##0"
NUMBER = "#,##0.00;[Red]-#,##0.00"
RATE = "#,##0.0000;[Red]-#,##0.0000"
DATE = "yyyy-mm-dd"

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
    # The header over a column of numbers, aligned with its numbers.
    "header_right": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor=_NAVY),
                     "alignment": Alignment(horizontal="right", wrap_text=True, vertical="center")},
    # The header over a column of text right of a column of numbers, one indent in as its text.
    "header_indent": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor=_NAVY),
                      "alignment": Alignment(horizontal="left", indent=1, wrap_text=True, vertical="center")},
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
    # Beside a wrapped cell of the same row (the Summary's checks), and text set off from a number to its left.
    "text_top": {"alignment": Alignment(vertical="top")},
    "fail_top": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor="C00000"),
                 "alignment": Alignment(vertical="top")},
    "text_indent": {"alignment": Alignment(horizontal="left", indent=1)},
    "text_top_indent": {"alignment": Alignment(horizontal="left", vertical="top", indent=1)},
    "wrap_indent": {"alignment": Alignment(horizontal="left", wrap_text=True, vertical="bottom", indent=1)},
    # Beside wrapped text on the Actions sheet: every cell of a row aligned to its top line.
    "money_top": {"number_format": MONEY, "alignment": Alignment(vertical="top")},
    "count_top": {"number_format": COUNT, "alignment": Alignment(horizontal="center", vertical="top")},
    # Beside wrapped text on the Reconciliation and Assumptions sheets.
    "integer_top": {"number_format": COUNT, "alignment": Alignment(vertical="top")},
    "percent_top": {"number_format": PERCENT, "alignment": Alignment(vertical="top")},
    "number_top": {"number_format": NUMBER, "alignment": Alignment(vertical="top")},
    "rate_top": {"number_format": RATE, "alignment": Alignment(vertical="top")},
    "date_top": {"number_format": DATE, "alignment": Alignment(vertical="top")},
    "wrap_top_indent": {"alignment": Alignment(horizontal="left", wrap_text=True, vertical="top", indent=1)},
}
#: Styles of cells that hold numbers (right-aligned, or centred): their header is right-aligned, and text
#: in the column to their right is indented so that a number never touches it ("1C0120", "7.3%passive").
NUMBER_STYLES = frozenset({"money", "percent", "count", "number", "rate", "date", "input_percent", "input_date",
                           "money_top", "count_top", "integer_top", "percent_top", "number_top", "rate_top",
                           "date_top"})
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
    "clv_per_revenue": "CLV per € of revenue", "active_share": "Active in the last period",
    "expected_lifetime_years": "Expected lifetime (years, within the horizon)", "age": "Age at window start (weeks)",
    "retention_per_year": "Retention per year", "past_profit": "Past profit", "lifetime_profit": "Lifetime profit",
    "total_value": "Total value (CLV + referral)", "breakeven_revenue": "Break-even revenue",
    "breakeven_order_size": "Break-even order size",
}


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


class Styles:
    """The named styles of one workbook, registered once; ``styles["money"]`` is a cell style id."""

    def __init__(self, wb: Workbook) -> None:
        self._ids: dict[str, int] = {}
        for name, options in _STYLE_SPECS.items():
            named = NamedStyle(name=f"xlprofit {name}", **options)
            wb.add_named_style(named)
            self._ids[name] = cell_style_id(wb, named)

    def __getitem__(self, name: str) -> int:
        return self._ids[name]

