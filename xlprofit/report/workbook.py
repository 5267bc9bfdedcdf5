"""The report workbook: values only, formatted for management, opens without the add-in.

Every number shown comes from :class:`~xlprofit.Analysis`; this module only chooses the
rows, the order and the format. Sheets are streamed (see :mod:`xlprofit.report._layout`), so
memory stays bounded by the analysis itself for reports of any size a worksheet can hold.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import os
import re
import signal
import stat
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.marker import DataPoint, Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.writer.excel import ExcelWriter

from xlprofit.core.actions import ACTION_COLUMNS, top_actions
from xlprofit.core.analysis import Analysis
from xlprofit.core.matrix import NOT_CLASSIFIED
from xlprofit.core.money import to_cents
from xlprofit.core.reconciliation import BRIDGE_STEPS
from xlprofit.core.sale import SALE_GROUPS
from xlprofit.errors import OutputError
from xlprofit.report._layout import (
    MAX_SHEET_ROWS,
    ROW_HEIGHT,
    SheetLayout,
    TableSpot,
    column_points,
    text_chars,
    wrapped_lines,
    write_layout,
)
from xlprofit.report._openpyxl_private import discard_streams
from xlprofit.report._styles import Styles, label_for
from xlprofit.report._texts import local_number, report_text
from xlprofit.report._words import Words

__all__ = ["write_report", "report_sheets", "sheet_layouts", "REPORT_SHEETS", "REPORT_TABLES", "atomic_save",
           "check_target", "Interrupted", "saving", "remove_stale_temporaries", "STALE_TEMPORARY_SECONDS",
           "SIDE_TABLES_ABOVE", "TABLE_MODES", "SIDE_TABLES", "SideTable", "table_mode", "tables_folder",
           "check_tables_folder", "side_table_frames"]

#: The sheets of the report, in order (README, *Workbooks*).
REPORT_SHEETS: tuple[str, ...] = (
    "Summary", "Customer P&L", "Cost-to-serve", "Activities", "Whale curve", "Matrix", "Segments", "Products",
    "Trend", "CLV", "Actions", "Reconciliation", "Exceptions", "Assumptions",
)
#: Excel Tables every report holds, by sheet (more may appear, e.g. ``Resources``, ``CLV``), when its tables are
#: in the workbook (``tables="workbook"``); with the tables beside it the per-customer ones are in files instead.
REPORT_TABLES: dict[str, tuple[str, ...]] = {
    "Summary": ("Waterfall", "KPIs", "TopCustomers", "BottomCustomers", "TopActions", "Checks"),
    "Customer P&L": ("CustomerPnL",),
    "Cost-to-serve": ("CostToServe",),
    "Activities": ("Activities",),
    "Whale curve": ("WhaleCurve", "Deciles"),
    "Matrix": ("Quadrants", "Matrix"),
    "Segments": ("Segments",),
    "Products": ("Products",),
    "Trend": ("PeriodTotals", "FlaggedCustomers"),
    "CLV": ("Acquisition",),
    "Actions": ("Actions",),
    "Reconciliation": ("Reconciliation",),
    "Exceptions": ("Exceptions",),
    "Assumptions": ("Parameters", "Sources"),
}

_PNL_HEAD = ["customer_id", "name", "segment", "channel", "region"]
_PNL_MID = ["gross_revenue", "discounts", "invoice_revenue", "rebates", "net_revenue", "cogs", "gross_margin"]
_PNL_TAIL = ["cost_to_serve", "commissions", "cost_of_credit", "bad_debt", "contribution", "acquisition_cost",
             "profit", "margin_pct", "rank", "orders", "lines", "payment_days", "quadrant", "flagged"]
#: The Products sheet: the waterfall with the cost-to-serve by level (each activity's is in
#: ``Analysis.products``; by customer on the Cost-to-serve sheet).
_PRODUCT_COLUMNS = ["product_id", "customers", "orders", "lines", "units", "net_revenue", "cogs", "gross_margin",
                    "product_level_cost", "order_level_cost", "customer_level_cost", "cost_to_serve", "commissions",
                    "cost_of_credit", "bad_debt", "contribution", "acquisition_cost", "profit", "margin_pct"]
_FLAGS = ["falling_volume", "rising_cost_to_serve", "growing_bad_debt", "falling_contribution", "turned_unprofitable"]
_QUADRANT_COLOURS = {"passive": "548235", "carriage trade": "2E75B6", "bargain basement": "BF8F00",
                     "aggressive": "C00000"}
_UNIT_STYLE = {"money": "money", "percent": "percent", "count": "count"}

#: Above this many customers ``write_report(…, tables="auto")`` (the default) writes the full per-customer
#: tables beside the workbook, as Parquet files (CSV where pyarrow is missing), and keeps in the workbook what
#: people read: summaries, charts, the highest-ranked actions. Up to it everything stays in the workbook. At a
#: million customers the workbook would hold several tables of a million rows each, which Excel and
#: LibreOffice take minutes to open, and a worksheet holds 1,048,576 rows.
SIDE_TABLES_ABOVE = 100_000
#: The values of ``write_report(…, tables=…)``: ``auto`` (see :data:`SIDE_TABLES_ABOVE`), ``workbook`` (every
#: table in the workbook), ``parquet`` or ``csv`` (the per-customer tables beside it, in ``<stem>_tables/``).
TABLE_MODES: tuple[str, ...] = ("auto", "workbook", "parquet", "csv")
#: The files written beside the workbook, one per full per-customer table, in order (without the suffix).
SIDE_TABLES: tuple[str, ...] = ("customer_pnl", "cost_to_serve", "whale_curve", "matrix", "clv", "acquisition",
                                "actions", "actions_left_out", "flagged_customers")
#: Rows the Actions sheet keeps (the highest ranks) when the actions are written beside the workbook.
SIDE_ACTIONS = 1_000


@dataclasses.dataclass(frozen=True)
class SideTable:
    """A table written beside the workbook: ``folder/file``, its rows and the SHA-256 of the file's bytes."""

    name: str
    file: str
    folder: str
    rows: int
    sha256: str

    @property
    def path(self) -> str:
        """The file as the Assumptions sheet names it: relative to the workbook's folder, with ``/``."""
        return f"{self.folder}/{self.file}"


def _present(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    return [c for c in columns if c in frame.columns]


def _by_profit(frame: pd.DataFrame) -> pd.DataFrame:
    """Customers by profit, highest first; ties by customer id."""
    return frame.sort_values(["profit", "customer_id"], ascending=[False, True], kind="stable")


def _period_text(a: Analysis) -> str:
    p = a.parameters
    cur = p.get("currency")
    text = f"Period {pd.Timestamp(p['period_start']).date()} to {pd.Timestamp(p['period_end']).date()}"
    products = p.get("products")
    if products:  # a pilot
        shown = ", ".join(products[:5]) + (f" and {len(products) - 5} more" if len(products) > 5 else "")
        text += f" · products {shown} only, fully loaded"
    return text + (f" · amounts in {cur}" if cur else "")


def _summary(a: Analysis, taken: set[str], generated: dt.datetime, version: str, language: str = "en",
             side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Summary")
    if not a.complete:  # before anything else: what these figures leave out
        _incomplete_lines(lay, a, language)
        lay.skip()
    lay.title("Customer profitability report",
              f"{_period_text(a)} · generated {generated:%Y-%m-%d %H:%M} by xlprofit {version}")
    checks = a.reconciliation
    holding = int(checks["holds"].sum())
    ok = holding == len(checks) and a.complete
    lay.line([f"{'✓' if ok else '✗'} {holding} of {len(checks)} reconciliation checks hold"
              + ("" if ok else " — see the Reconciliation sheet"), None, None],
             ["ok" if ok else "fail"] * 3, height=20)
    lay.skip()
    # The waterfall, its chart beside it and, below, the chart of its steps from the gross margin on.
    steps = waterfall_steps(a, language)
    top = lay.heading(report_text("waterfall_heading", language))
    waterfall = lay.table(steps[["step", "amount", "share"]], "Waterfall", taken,
                          labels={"step": "Step", "amount": "Amount", "share": "% of net revenue"},
                          styles={"amount": "money", "share": "percent"}, max_width=44, header_height=30)
    lay.fit(waterfall.col("step"), 40)
    lay.note(report_text("waterfall_note", language))
    lay.note(report_text("bridge_note", language))
    lay.keep_together(top, lay.next_row - 1)
    lay.skip()
    detail = lay.next_row  # the detail chart and the whale curve beside it
    lay.skip(DETAIL_CHART_ROWS + 1)
    lay.keep_together(detail - 1, lay.next_row - 2)  # from the blank row: no chart edge at the foot of a page
    top = lay.heading(report_text("key_figures", language))
    kpis = a.kpis.rename(columns={"kpi": "figure"})
    lay.table(kpis[["figure", "value"]], "KPIs", taken, labels={"figure": "Figure", "value": "Value"},
              cell_styles={"value": [_UNIT_STYLE.get(u, "number") for u in kpis["unit"]]}, header_height=18)
    lay.skip()
    lay.keep_together(top, lay.next_row - 2)
    # The customers at both ends, each with the largest driver of its result.
    pnl = a.customers.reset_index()
    cols = _present(pnl, ["customer_id", "name", "segment", "net_revenue", "gross_margin", "cost_to_serve", "profit",
                          "margin_pct"])
    ranked = _by_profit(pnl)
    drivers = _activity_drivers(a)
    for key, rows, name in (("top_heading", ranked.head(10), "TopCustomers"),
                            ("bottom_heading", ranked.tail(10).iloc[::-1], "BottomCustomers")):
        top = lay.heading(report_text(key, language, count=str(len(rows))))
        frame = rows[cols].assign(reason=[customer_reason(r, drivers, language) for _, r in rows.iterrows()])
        spot = lay.table(frame, name, taken, max_width=34, styles={"reason": "wrap_indent"})
        lay.fit(spot.col("reason"), min(REASON_WIDTH, max((len(t) + 3 for t in frame["reason"]), default=8)))
        _wrap_heights(lay, spot, frame, ("reason",))
        lay.skip()
        lay.keep_together(top, lay.next_row - 2)
    _top_actions(lay, a, taken, language)
    # The checks: one block, never split over two pages (unless longer than a page).
    top = lay.heading(report_text("checks_heading", language))
    lay.note(_rejected_rows_text(a, language))
    rec = checks[["check", "holds"]].copy()
    rec["holds"] = rec["holds"].map({True: "✓ holds", False: "✗ FAILS"})
    wrap = max(float(CHECK_WIDTH), lay.widths.get(1, 0.0))
    spot = lay.table(rec, "Checks", taken, max_width=CHECK_WIDTH, header_height=18, styles={"check": "wrap"},
                     cell_styles={"holds": [f"{s}_top" for s in _holds_styles(checks)]})
    for row, text in zip(range(spot.first_row, spot.last_row + 1), rec["check"], strict=False):
        lines = wrapped_lines(str(text), text_chars(wrap))
        if lines > 1:
            lay.row_heights[row] = ROW_HEIGHT * lines
    lay.keep_together(top, spot.last_row)
    # The bars of the waterfall chart, in hidden rows at the foot.
    data = _waterfall_chart_data(lay, steps, language)
    _summary_charts(lay, a, steps, waterfall, data, detail, language, side)
    return lay


#: Actions listed on the Summary (the rest on the Actions sheet).
TOP_ACTIONS = 10


def _top_actions(lay: SheetLayout, a: Analysis, taken: set[str], language: str) -> None:
    """The Summary's block of the actions worth most (:func:`~xlprofit.core.actions.top_actions`), kept whole.

    Under the columns of the customers above: customer, name and segment, then the amounts, and
    the lever with what changes in the wide column of the reasons.
    """
    table = _action_table(a)
    rows = top_actions(table, TOP_ACTIONS)
    top = lay.heading(report_text("top_actions_heading", language, count=str(TOP_ACTIONS)))
    lay.note(report_text("top_actions_note", language))
    if _is_pilot(a):
        lay.note(report_text("actions_pilot", language))
    elif not len(rows):
        lay.note(report_text("actions_none", language))
    frame = rows[["customer_id", "name", "segment", "effect", "profit_before", "profit_after", "cost_to_serve_freed",
                  "result_effect"]].assign(action=[f"{lever[:1].upper()}{lever[1:]}: {change}" for lever, change
                                                   in zip(rows["lever"], rows["change"], strict=True)])
    spot = lay.table(frame, "TopActions", taken, max_width=34, labels=_ACTION_LABELS,
                     styles={"customer_id": "text_top", "name": "text_top", "segment": "text_top",
                             **{c: "money_top" for c in _ACTION_MONEY}, "action": "wrap_top_indent"})
    lay.fit(spot.col("action"), REASON_WIDTH)
    _wrap_heights(lay, spot, frame, ("action",))
    lay.skip()
    lay.keep_together(top, lay.next_row - 2)


#: Rows of the chart of the waterfall's steps from the gross margin on and of the whale curve beside it.
DETAIL_CHART_ROWS = 17
#: Widest reason column on the Summary, and the narrowest width at which the check names wrap (characters).
REASON_WIDTH = 64
#: Widest column of the CLV sheet's model notes (they wrap), in characters.
MODEL_NOTE_WIDTH = 40
CHECK_WIDTH = 44
_CHART_COLOURS = {"total": "1F3864", "up": "548235", "down": "C00000"}


def _cents_sum(values: pd.Series) -> int:
    return int(to_cents(values).sum()) if len(values) else 0


def waterfall_steps(a: Analysis, language: str = "en") -> pd.DataFrame:
    """The Summary's waterfall: gross revenue to the period's result, one row per step.

    Columns ``key``, ``step`` (the label in ``language``), ``amount`` (deductions negative;
    NaN when unknown), ``kind`` (``total`` or ``step``) and ``share`` (of net revenue). The
    amounts are the sums of the customers' P&L columns (every total too: each is the analysis'
    own figure, and the per-customer waterfall makes it the sum of the steps above it, which
    the reconciliation checks) and the steps of :attr:`Analysis.bridge` from customer profit
    to the period's result.
    """
    pnl = a.customers
    rows: list[tuple[str, float, str]] = []

    def column(key: str, sign: int, kind: str) -> None:
        if key in pnl:
            rows.append((key, sign * _cents_sum(pnl[key]) / 100.0, kind))

    column("gross_revenue", 1, "total")
    column("discounts", -1, "step")
    column("rebates", -1, "step")
    column("net_revenue", 1, "total")
    column("cogs", -1, "step")
    column("gross_margin", 1, "total")
    for key in ("cost_to_serve", "commissions", "cost_of_credit", "bad_debt"):
        column(key, -1, "step")
    column("contribution", 1, "total")
    column("acquisition_cost", -1, "step")
    bridge = a.bridge.set_index("step")["amount"]
    rows.append(("customer_profit", float(bridge[BRIDGE_STEPS[0]]), "total"))
    others = a.bridge.set_index("step").at[BRIDGE_STEPS[1], "note"]
    if not str(others).startswith("none"):  # a pilot: the other products' profit
        rows.append(("other_products", float(bridge[BRIDGE_STEPS[1]]), "step"))
    rows.append(("unused_capacity", float(bridge[BRIDGE_STEPS[2]]), "step"))
    rows.append(("unassigned", float(bridge[BRIDGE_STEPS[3]]), "step"))
    if not a.complete:
        rows.append(("excluded", float(bridge[BRIDGE_STEPS[4]]), "step"))
    rows.append(("period_result", float(bridge[BRIDGE_STEPS[5]]), "total"))
    frame = pd.DataFrame(rows, columns=["key", "amount", "kind"])
    frame.insert(1, "step", [report_text(f"step_{k}", language) for k in frame["key"]])
    revenue = _cents_sum(pnl["net_revenue"]) / 100.0
    frame["share"] = frame["amount"] / revenue if revenue else np.nan
    return frame


def _waterfall_bars(steps: pd.DataFrame) -> pd.DataFrame:
    """The stacked bars that draw the waterfall: an invisible base, the part above and the part below zero.

    A total runs from 0 to its amount, a step from the running total before it to the one
    after it. A bar wholly above zero is base + part above (stacked up from 0), one wholly below
    zero base + part below (stacked down from 0), one crossing zero a part on each side of 0.
    """
    base, above, below = [], [], []
    level: int | None = 0
    for amount, kind in zip(steps["amount"], steps["kind"], strict=True):
        if np.isnan(amount) or level is None:
            level = None
            base.append(None), above.append(None), below.append(None)
            continue
        cents = int(round(amount * 100))
        start, end = (0, cents) if kind == "total" else (level, level + cents)
        level = end
        lo, hi = min(start, end), max(start, end)
        if lo >= 0:
            parts = (lo, hi - lo, 0)
        elif hi <= 0:
            parts = (hi, 0, lo - hi)
        else:
            parts = (0, hi, lo)
        b, u, d = (c / 100.0 for c in parts)
        base.append(b), above.append(u), below.append(d)
    return pd.DataFrame({"base": base, "above_zero": above, "below_zero": below}, index=steps.index)


def _waterfall_chart_data(lay: SheetLayout, steps: pd.DataFrame, language: str) -> TableSpot:
    """The chart's bars in hidden rows at the foot of the sheet (a chart plots cells; these it needs besides)."""
    lay.skip()
    first = lay.note(report_text("waterfall_chart_data", language))
    bars = _waterfall_bars(steps)
    rows = [[step, *values] for step, values in zip(steps["step"], bars.itertuples(index=False), strict=True)]
    header = lay.line(["step", "base", "above zero", "below zero"], ["header"] * 4)
    for values in rows:
        lay.line(values, ["text", "money", "money", "money"])
    lay.hidden_rows.update(range(first, lay.next_row))
    return TableSpot("WaterfallChartData", header, header + 1, header + len(rows), 1,
                     ("step", "base", "above_zero", "below_zero"))


def _rows_cm(lay: SheetLayout, first: int, last: int) -> float:
    """Height in centimetres of rows ``first`` to ``last``."""
    points = sum(lay.row_heights.get(r, ROW_HEIGHT) for r in range(first, last + 1))
    return points / 72 * 2.54


def _columns_cm(lay: SheetLayout, first: int, last: int | None = None) -> float:
    """Width in centimetres of columns ``first`` to ``last`` (default: the last column of the sheet)."""
    last = max(lay.widths, default=first) if last is None else last
    return sum(column_points(lay.widths.get(c, 8.43)) for c in range(first, last + 1)) / 72 * 2.54


def _summary_charts(lay: SheetLayout, a: Analysis, steps: pd.DataFrame, waterfall: TableSpot, data: TableSpot,
                    detail: int, language: str, side: dict[str, SideTable] | None = None) -> None:
    """The waterfall chart beside its table; below, its steps from the gross margin on and the whale curve.

    Each chart starts a row below its block's first row (the heading): a chart anchored on the
    first row of a page shows its top edge at the foot of the page before.
    """
    right = waterfall.left + len(waterfall.columns) + 1  # one column of space after the table
    anchor = get_column_letter(right)
    height = DETAIL_CHART_ROWS * ROW_HEIGHT / 72 * 2.54

    def make_waterfall(ws: Any) -> BarChart:
        chart = _waterfall_chart(ws, steps, waterfall, data, 0, report_text("waterfall_heading", language))
        chart.width = min(24.0, _columns_cm(lay, right) - 0.3)
        chart.height = _rows_cm(lay, waterfall.header_row, waterfall.last_row)
        return chart

    lay.chart(make_waterfall, f"{anchor}{waterfall.header_row}")
    margin = np.flatnonzero(steps["key"].to_numpy() == "gross_margin")
    if len(margin):

        def make_detail(ws: Any) -> BarChart:
            chart = _waterfall_chart(ws, steps, waterfall, data, int(margin[0]),
                                     report_text("waterfall_detail", language))
            chart.width = min(24.0, _columns_cm(lay, waterfall.left, right - 1) - 0.3)
            chart.height = height
            return chart

        lay.chart(make_detail, f"A{detail}")
    if not len(a.whale):
        return
    whale = _whale_points(a, side)
    money = _whale_in_money(a)

    def make_whale(ws: Any) -> ScatterChart:
        chart = ScatterChart(scatterStyle="line")
        chart.title = report_text("whale_title", language)
        sheet = quote_sheetname("Whale curve")

        def cells(column: str) -> Reference:
            letter = get_column_letter(whale.col(column))
            return Reference(range_string=f"{sheet}!${letter}${whale.first_row}:${letter}${whale.last_row}")

        measure = "cumulative_profit" if money else "cumulative_profit_pct"
        series = Series(cells(measure), cells("cumulative_customers_pct"), title=label_for(measure))
        series.marker = Marker(symbol="none")
        series.smooth = False
        series.graphicalProperties.line.solidFill = "1F3864"
        series.graphicalProperties.line.width = 22000
        chart.series.append(series)
        _axes(chart, report_text("whale_x", language), "Profit (cumulative)" if money else
              report_text("whale_y", language), "0%", "#,##0" if money else "0%")
        chart.x_axis.scaling.min = 0
        chart.x_axis.scaling.max = 1
        chart.legend = None
        chart.width = min(16.0, _columns_cm(lay, right) - 0.3)
        chart.height = height
        return chart

    lay.chart(make_whale, f"{anchor}{detail}")


def _waterfall_chart(ws: Any, steps: pd.DataFrame, waterfall: TableSpot, data: TableSpot, first: int,
                     title: str) -> BarChart:
    """A waterfall as stacked horizontal bars: an invisible base lifts each bar to where its step starts.

    The steps from position ``first`` of the waterfall on; the labels are the waterfall
    table's cells, the bars those of the chart data (:func:`_waterfall_bars`). Totals in blue,
    deductions in red, additions in green.
    """
    colours = [_CHART_COLOURS["total" if k == "total" else ("up" if v >= 0 else "down")]
               for k, v in zip(steps["kind"], steps["amount"].fillna(0.0), strict=True)][first:]
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 40
    chart.title = title
    for name in ("base", "above_zero", "below_zero"):
        values = Reference(ws, min_col=data.col(name), min_row=data.first_row + first, max_row=data.last_row)
        series = Series(values, title=name.replace("_", " "))
        series.graphicalProperties.line.noFill = True
        if name == "base":  # invisible: it only lifts the bars to where each step starts
            series.graphicalProperties.noFill = True
        else:
            series.dPt = [DataPoint(idx=i, spPr=GraphicalProperties(solidFill=c)) for i, c in enumerate(colours)]
        chart.series.append(series)
    chart.set_categories(Reference(ws, min_col=waterfall.col("step"), min_row=waterfall.first_row + first,
                                   max_row=waterfall.last_row))
    _axes(chart, "", "", "General", "#,##0")
    chart.x_axis.title = chart.y_axis.title = None
    chart.x_axis.scaling.orientation = "maxMin"  # the steps top down, as in the table
    chart.y_axis.majorGridlines = ChartLines()
    chart.legend = None
    chart.visible_cells_only = False  # its bars are in hidden rows
    return chart


def _whale_points(a: Analysis, side: dict[str, SideTable] | None = None) -> TableSpot:
    """Where the Whale curve sheet holds the points its chart plots (its chart-points table, else its data)."""
    spots = {s.name: s for s in table_spots(_whale(a, set(), side))}
    return spots.get("WhaleCurvePoints") or spots["WhaleCurve"]


def _activity_drivers(a: Analysis) -> dict[str, str]:
    """Each activity's cost-to-serve column and its driver."""
    acts = a.activities
    return {f"cts_{act}": str(drv) for act, drv in zip(acts["activity"], acts["driver"], strict=True)}


#: The components of a customer's result a reason can name: P&L column and its sign in the result.
_REASON_PARTS = (("gross_margin", 1), ("cost_to_serve", -1), ("commissions", -1), ("cost_of_credit", -1),
                 ("bad_debt", -1), ("acquisition_cost", -1))
#: Drivers whose volume per customer the Customer P&L holds.
_COUNTED_DRIVERS = ("orders", "lines", "units", "returns")


def customer_reason(row: pd.Series, drivers: dict[str, str], language: str = "en") -> str:
    """The largest driver of a customer's profit or loss, in one line, from its own P&L.

    Of the gross margin and the costs below it (each with its sign in the result), the
    largest in the direction of the result: for a profit the largest contribution to it
    (the gross margin, with its share of net revenue), for a loss the largest deduction (with
    the net revenue it was spent on); a cost-to-serve names its largest activity instead,
    with its driver volume when the Customer P&L holds it (orders, lines, units, returns).
    Amounts as the sheet shows money: two decimals.
    """
    parts = {k: sign * float(row[k]) for k, sign in _REASON_PARTS if k in row.index and pd.notna(row[k])}
    if not parts:
        return ""
    pick = max if float(row.get("profit", 0.0)) >= 0 else min  # ties: the first in _REASON_PARTS
    key = pick(parts, key=parts.__getitem__)
    margin = _money_text(float(row.get("gross_margin", np.nan)))
    if key == "gross_margin":
        revenue = float(row.get("net_revenue", 0.0))
        if not revenue:
            return report_text("reason_margin_only", language, margin=margin)
        share = f"{float(row['gross_margin']) / revenue:.1%}"
        return report_text("reason_margin", language, margin=margin, share=share)
    cost = report_text(f"step_{key}", language)
    cost, amount = cost[:1].lower() + cost[1:], _money_text(-parts[key])
    if key == "cost_to_serve":
        activities = {c: float(row[c]) for c in drivers if c in row.index and pd.notna(row[c])}
        col = max(activities, key=lambda c: (activities[c], c)) if activities else None
        if col is not None and activities[col] > 0:
            text = report_text("reason_activity", language, cost=cost, amount=amount, activity=col[4:],
                               activity_amount=_money_text(activities[col]))
            driver = drivers[col]
            if driver in _COUNTED_DRIVERS and driver in row.index and pd.notna(row[driver]):
                count = local_number(f"{float(row[driver]):,.0f}", language)
                text += f" ({count} {report_text(f'driver_{driver}', language)})"
            return text
    return report_text("reason_cost", language, cost=cost, amount=amount,
                       revenue=_money_text(float(row.get("net_revenue", np.nan))))


def _holds_styles(checks: pd.DataFrame) -> list[str]:
    """A failing check's cell in red; a holding one plain."""
    return ["text" if h else "fail" for h in checks["holds"]]


def _money_text(amount: float) -> str:
    return f"{amount:,.2f}"


#: The excluded cost pools named one by one on the Summary's first lines (the rest on the Reconciliation sheet).
SUMMARY_POOLS = 20


def _incomplete_lines(lay: SheetLayout, a: Analysis, language: str) -> None:
    """The first lines of an incomplete report: how much cost is excluded, and each rejected pool."""
    pools = a.excluded_pools
    amount = _money_text(float(pools.loc[pools["cost_status"] == "known", "cost"].sum()))
    unknown = int(pools["cost"].isna().sum())
    if unknown:
        amount = report_text("amount_unknown", language, amount=amount, count=str(unknown))
    lay.line([report_text("incomplete", language, amount=amount, count=str(len(pools))), None, None, None],
             ["fail"] * 4, height=20)
    for pool in pools.head(SUMMARY_POOLS).itertuples(index=False):
        lay.line([_pool_text(pool, language)], ["label"])
    if len(pools) > SUMMARY_POOLS:
        lay.line([report_text("pools_more", language, count=str(len(pools) - SUMMARY_POOLS))], ["label"])


def _pool_text(pool: Any, language: str) -> str:
    kind = report_text(f"pool_{pool.table}", language)
    name = f" '{pool.name}'" if isinstance(pool.name, str) else ""
    cost = (report_text("cost_known", language, amount=_money_text(pool.cost)) if pool.cost_status == "known"
            else report_text(f"cost_{pool.cost_status}", language))
    return f"{kind}{name}, {report_text('row', language)} {pool.row}: {pool.problem} — {cost}"


def _rejected_rows_text(a: Analysis, language: str) -> str:
    """The rejected invoice lines and usage rows, next to the checks."""
    kpi = a.kpis.set_index("kpi")["value"]
    parts = []
    if kpi.get("Rejected invoice lines", 0):
        parts.append(report_text("rejected_lines", language, count=f"{kpi['Rejected invoice lines']:,.0f}",
                                 amount=_money_text(kpi["Net revenue of rejected invoice lines"])))
    if kpi.get("Rejected usage rows", 0):
        parts.append(report_text("rejected_usage", language, count=f"{kpi['Rejected usage rows']:,.0f}"))
    if not parts:
        return report_text("rejected_none", language)
    return report_text("rejected_rows", language, parts="; ".join(parts))


def _pnl_frame(a: Analysis, *, activities: bool = False) -> pd.DataFrame:
    """The Customer P&L, most profitable first; with each activity's cost-to-serve (``cts_…``) if ``activities``."""
    pnl = _by_profit(a.customers.reset_index())
    cts = [c for c in pnl.columns if c.startswith("cts_")] if activities else []
    return pnl[_present(pnl, [*_PNL_HEAD, *_PNL_MID, *cts, *_PNL_TAIL])].reset_index(drop=True)


def _side_note(lay: SheetLayout, side: dict[str, SideTable], name: str) -> None:
    """In place of a full table written beside the workbook: the file that holds it and its rows."""
    table = side.get(name)
    if table is not None:
        lay.note(f"The full table, {table.rows:,} rows: in the file {table.file} beside this workbook (its folder "
                 "and SHA-256 on the Assumptions sheet).")


def _pnl(a: Analysis, taken: set[str], side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Customer P&L")
    lay.title("Customer P&L", "One row per customer, most profitable first: revenue waterfall, cost-to-serve "
              "(by activity on the Cost-to-serve sheet), contribution and profit. Negative figures in red; "
              "reasons for flags on the Trend sheet.")
    if side is not None:
        _side_note(lay, side, "customer_pnl")
        return lay
    frame = _pnl_frame(a)
    if "flagged" in frame:
        frame["flagged"] = frame["flagged"].map({True: "flagged", False: ""})
    spot = lay.table(frame, "CustomerPnL", taken, max_width=26, main=True)
    lay.freeze = f"C{spot.first_row}"
    return lay


def _cost_to_serve_frame(a: Analysis) -> pd.DataFrame:
    """Each customer's cost-to-serve by activity, highest first."""
    pnl = a.customers.reset_index()
    cts = [c for c in pnl.columns if c.startswith("cts_")]
    frame = pnl[_present(pnl, ["customer_id", "name", "net_revenue", *cts, "cost_to_serve"])]
    share = a.matrix["cost_to_serve_pct"].reindex(pnl["customer_id"]).to_numpy()
    return frame.assign(cost_to_serve_pct=share).sort_values(["cost_to_serve", "customer_id"],
                                                             ascending=[False, True], kind="stable"
                                                             ).reset_index(drop=True)


def _cost_to_serve(a: Analysis, taken: set[str], side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Cost-to-serve")
    lay.title("Cost-to-serve by customer and activity",
              "Activity costs assigned to each customer by its driver volumes; highest cost-to-serve first.")
    if side is not None:
        _side_note(lay, side, "cost_to_serve")
        return lay
    spot = lay.table(_cost_to_serve_frame(a), "CostToServe", taken, max_width=24, main=True)
    lay.freeze = f"C{spot.first_row}"
    return lay


def _activities(a: Analysis, taken: set[str]) -> SheetLayout:
    lay = SheetLayout("Activities")
    lay.title("Activities and resources", "Rates per driver unit; time-driven resources show used and unused "
              "capacity. Unused capacity is reported here and never charged to customers.")
    acts = a.activities.copy()
    acts["method"] = acts["method"].map({"abc": "conventional ABC", "tdabc": "time-driven ABC"})
    cols = _present(acts, ["activity", "method", "level", "resource", "driver", "unit_time", "time_equation",
                           "driver_volume", "driver_rate", "minutes", "cost", "assigned", "unassigned",
                           "unassigned_reason"])
    spot = lay.table(acts[cols], "Activities", taken, max_width=28, main=True, styles={"driver_volume": "number"})
    lay.freeze = f"B{spot.first_row}"
    if len(a.resources):
        lay.skip()
        lay.heading("Resources (time-driven ABC): practical capacity, used and unused")
        res = a.resources.copy()
        res["over_capacity"] = res["over_capacity"].map({True: "OVER CAPACITY", False: ""})
        lay.table(res, "Resources", taken, max_width=28, styles={"capacity": "count", "used": "number",
                                                                  "unused": "number"})
    return lay


def _whale(a: Analysis, taken: set[str], side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Whale curve")
    peak = a.kpis.set_index("kpi")["value"]
    lay.title("Whale curve", "Customers ranked by profit (most profitable first) against cumulative profit as "
              "a share of total profit.")
    rows = [(k, peak[k], "percent" if k == "Whale curve peak" else "count")
            for k in ("Whale curve peak", "Customers at the peak") if k in peak.index]
    lay.key_values(rows, label_width=26)
    lay.heading("Profit by decile (decile 1: most profitable tenth)")
    deciles = lay.table(a.deciles, "Deciles", taken, max_width=22, header_height=30)
    lay.skip()
    whale = a.whale
    money = _whale_in_money(a)
    measure = "cumulative_profit" if money else "cumulative_profit_pct"
    if money:
        total = float(whale["cumulative_profit"].iloc[-1])
        lay.note(f"Total customer profit is {_money_text(total)}: no share of it means anything, so the curve "
                 "shows cumulative profit in money.")
        lay.skip()
    peak_row = [int(np.nanargmax(whale[measure].to_numpy(dtype="float64")))] if len(whale) else []
    points = _chart_points(lay, whale, _spread_positions(len(whale), peak_row),
                           ["rank", "customer_id", "cumulative_customers_pct", measure],
                           "WhaleCurvePoints", taken, beside=side is not None)
    lay.heading("Whale curve data")
    if side is not None and points is not None:
        _side_note(lay, side, "whale_curve")
        spot = points
    else:
        table = lay.table(whale, "WhaleCurve", taken, max_width=22, main=True)
        spot = points or table
    anchor = f"J{deciles.header_row}"

    def make(ws: Any) -> ScatterChart:
        chart = ScatterChart(scatterStyle="line")
        chart.title = ("Whale curve: cumulative profit by cumulative customers %" if money else
                       "Whale curve: cumulative profit % by cumulative customers %")
        x = Reference(ws, min_col=spot.col("cumulative_customers_pct"), min_row=spot.first_row,
                      max_row=spot.last_row)
        y = Reference(ws, min_col=spot.col(measure), min_row=spot.header_row, max_row=spot.last_row)
        series = Series(y, x, title_from_data=True)
        series.marker = Marker(symbol="none")
        series.smooth = False
        series.graphicalProperties.line.solidFill = "1F3864"
        series.graphicalProperties.line.width = 28000
        chart.series.append(series)
        _axes(chart, "Customers (cumulative %, most profitable first)",
              "Profit (cumulative)" if money else "Profit (cumulative % of total)", "0%", "#,##0" if money else "0%")
        chart.x_axis.scaling.min = 0
        chart.x_axis.scaling.max = 1
        chart.legend = None
        chart.width, chart.height = 22, 12
        return chart

    lay.chart(make, anchor)
    return lay


#: Most points a chart plots: beyond, it plots this many customers spread evenly over the table.
CHART_POINTS = 2_000


def _whale_in_money(a: Analysis) -> bool:
    """Whether the whale curve plots cumulative profit in money rather than as a share of the total.

    It does when the total is zero or negative: no share of it means anything, and the analysis
    leaves ``cumulative_profit_pct`` undefined.
    """
    whale = a.whale
    return bool(len(whale)) and "cumulative_profit" in whale and bool(whale["cumulative_profit_pct"].isna().all())


def _spread_positions(n: int, keep: list[int]) -> np.ndarray:
    """Row positions a chart of ``n`` rows plots.

    All of them, or :data:`CHART_POINTS` evenly spread (first and last included) plus the rows
    in ``keep``.
    """
    if n <= CHART_POINTS:
        return np.arange(n)
    spread = np.linspace(0, n - 1, CHART_POINTS).round().astype(np.int64)
    return np.unique(np.concatenate([spread, np.asarray(keep, dtype=np.int64)]))


def _chart_points(lay: SheetLayout, frame: pd.DataFrame, positions: np.ndarray, columns: list[str], name: str,
                  taken: set[str], *, beside: bool = False) -> TableSpot | None:
    """For a table too long to chart, a table of the rows the chart plots (``None``: it plots them all).

    Charts cannot reach rows beyond the millionth and would carry a point per customer; the
    points table comes before the full table, which stays complete below it. With the full
    table ``beside`` the workbook (in a file), the points table is written even when it holds
    every row (unless there is none): the chart plots it.
    """
    if beside and len(frame):
        lay.heading(f"Chart points: {len(positions):,} of the {len(frame):,} customers, spread evenly")
    elif len(positions) == len(frame):
        return None
    else:
        lay.heading(f"Chart points: {len(positions):,} of the {len(frame):,} rows below, spread evenly")
    spot = lay.table(frame.iloc[positions][columns].reset_index(drop=True), name, taken, max_width=22)
    lay.skip()
    return spot


def _axes(chart: Any, x_title: str, y_title: str, x_format: str, y_format: str) -> None:
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.x_axis.number_format = x_format
    chart.y_axis.number_format = y_format
    chart.x_axis.majorTickMark = chart.y_axis.majorTickMark = "out"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"
    chart.y_axis.tickLblPos = "low"


def _matrix_frame(a: Analysis) -> pd.DataFrame:
    """The matrix per customer, grouped by quadrant (in the order of the chart's colours), then by customer."""
    matrix = a.matrix.reset_index()
    order = {q: i for i, q in enumerate(_QUADRANT_COLOURS)}
    return matrix.assign(_order=matrix["quadrant"].map(order).fillna(len(order))).sort_values(
        ["_order", "customer_id"], kind="stable").drop(columns="_order").reset_index(drop=True)


def _matrix(a: Analysis, taken: set[str], side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Matrix")
    lay.title("Profitability matrix", "Net price (net revenue as % of gross) against cost-to-serve (% of net "
              "revenue): passive, carriage trade, bargain basement and aggressive customers.")
    price, cost = a.matrix.attrs.get("price_threshold"), a.matrix.attrs.get("cost_threshold")
    if price is not None and cost is not None:
        lay.note(f"Thresholds: net price {price:.1%} of gross revenue (at or above: high price), cost-to-serve "
                 f"{cost:.1%} of net revenue (at or above: high cost).")
        lay.skip()
    lay.heading("Customers per quadrant")
    shown = a.quadrants
    if "quadrant" in shown and "customers" in shown:  # the row of unclassified customers only when there are some
        shown = shown[(shown["quadrant"] != NOT_CLASSIFIED) | (shown["customers"] > 0)].reset_index(drop=True)
    quadrants = lay.table(shown, "Quadrants", taken, max_width=22, header_height=18)
    matrix = _matrix_frame(a)
    x_max, y_min, beyond = _matrix_axes(matrix)
    lay.skip(2)
    groups = matrix["quadrant"].fillna("").to_numpy()
    firsts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else np.zeros(0, dtype=int)
    positions = _spread_positions(len(matrix), list(firsts))
    points = _chart_points(lay, matrix, positions, ["customer_id", "quadrant", "cost_to_serve_pct", "net_price_pct"],
                           "MatrixPoints", taken, beside=side is not None)
    lay.heading("Customers (grouped by quadrant)")
    if side is not None and points is not None:
        _side_note(lay, side, "matrix")
        spot = points
    else:
        spot = lay.table(matrix, "Matrix", taken, max_width=24, main=True)
    anchor = f"J{quadrants.header_row}"
    if points is not None:
        spot, groups = points, groups[positions]
    if beyond:
        lay.blocks[1].payload["values"][0] += (f" The chart's cost-to-serve axis ends at {x_max:.0%}; "
                                               f"{beyond:,} customer(s) beyond it are in the table.")
    lines = _threshold_lines(lay, price, cost, x_max, y_min) if price is not None and cost is not None else None

    def make(ws: Any) -> ScatterChart:
        chart = ScatterChart(scatterStyle="lineMarker")
        chart.title = "Net price vs cost-to-serve"
        for quadrant in dict.fromkeys(groups):
            where = np.flatnonzero(groups == quadrant)
            if not len(where):
                continue
            lo, hi = spot.first_row + int(where[0]), spot.first_row + int(where[-1])
            x = Reference(ws, min_col=spot.col("cost_to_serve_pct"), min_row=lo, max_row=hi)
            y = Reference(ws, min_col=spot.col("net_price_pct"), min_row=lo, max_row=hi)
            series = Series(y, x, title=str(quadrant) or "unclassified")
            series.marker = Marker(symbol="circle", size=5)
            colour = _QUADRANT_COLOURS.get(str(quadrant), "7F7F7F")
            series.marker.graphicalProperties.solidFill = colour
            series.marker.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.noFill = True
            chart.series.append(series)
        if lines is not None:  # the thresholds that part the quadrants, dashed
            for k, name in enumerate(("Cost-to-serve threshold", "Net price threshold")):
                lo = lines + 2 * k
                series = Series(Reference(ws, min_col=3, min_row=lo, max_row=lo + 1),
                                Reference(ws, min_col=2, min_row=lo, max_row=lo + 1), title=name)
                series.marker = Marker(symbol="none")
                series.smooth = False
                series.graphicalProperties.line.solidFill = "7F7F7F"
                series.graphicalProperties.line.prstDash = "dash"
                series.graphicalProperties.line.width = 12700
                chart.series.append(series)
            chart.visible_cells_only = False  # the lines' points are in hidden rows
        _axes(chart, "Cost-to-serve (% of net revenue)", "Net price (% of gross revenue)", "0%", "0%")
        chart.x_axis.scaling.min = 0
        chart.x_axis.scaling.max = x_max
        chart.y_axis.scaling.min = y_min
        chart.y_axis.scaling.max = 1
        chart.legend.position = "b"
        chart.width, chart.height = 20, 12
        return chart

    lay.chart(make, anchor)
    return lay


def _threshold_lines(lay: SheetLayout, price: float, cost: float, x_max: float, y_min: float) -> int:
    """The matrix chart's two threshold lines, two points each, in hidden rows at the foot; their first row."""
    lay.skip()
    first = lay.note("Chart data of the threshold lines (hidden rows)")
    lay.line(["line", "cost-to-serve %", "net price %"], ["header"] * 3)
    points = (("Cost-to-serve threshold", cost, y_min), ("Cost-to-serve threshold", cost, 1.0),
              ("Net price threshold", 0.0, price), ("Net price threshold", x_max, price))
    top = lay.next_row
    for values in points:
        lay.line(list(values), ["text", "percent", "percent"])
    lay.hidden_rows.update(range(first, lay.next_row))
    return top


def _matrix_axes(matrix: pd.DataFrame) -> tuple[float, float, int]:
    """Axis ends that keep the bulk of the customers readable, and how many points lie beyond."""
    x = matrix["cost_to_serve_pct"].to_numpy(dtype="float64", na_value=np.nan)
    y = matrix["net_price_pct"].to_numpy(dtype="float64", na_value=np.nan)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    x_max = max(0.5, float(np.ceil(np.quantile(x, 0.98) * 10) / 10)) if x.size else 1.0
    y_min = min(0.8, float(np.floor(np.quantile(y, 0.01) * 10) / 10)) if y.size else 0.0
    return x_max, max(0.0, y_min), int((x > x_max).sum())


def _segments(a: Analysis, taken: set[str]) -> SheetLayout:
    lay = SheetLayout("Segments")
    lay.title("Profit by segment, channel and region", "Customer P&L totals per group; loss makers are "
              "customers with negative profit.")
    groups = getattr(a, "discount_groups", None)
    if groups is not None and len(groups):
        depth, share = groups.attrs.get("sale_depth"), groups.attrs.get("dependent_share")
        rule = (f" (a sale line has a discount of at least {depth:.0%} of its gross revenue; a customer buying "
                f"at least {share:.0%} of its net revenue on sale is sale-dependent)") if depth is not None and \
            share is not None else ""
        lay.heading("Full-price regulars and sale-dependent buyers" + rule)
        shown = groups.copy()
        shown["group"] = shown["group"].map(lambda g: SALE_GROUPS.get(g, g))
        lay.table(shown, "DiscountGroups", taken, max_width=20,
                  styles={"sale_share": "percent", "contribution_margin": "percent", "margin_pct": "percent",
                          "clv_per_revenue": "rate", "active_share": "percent", "p_alive": "percent"})
        lay.skip()
        lay.heading("Profit by segment, channel and region")
    seg = a.segments.copy()
    lay.table(seg, "Segments", taken, max_width=28, main=True)
    spot_rows = lay.blocks[-1].payload["spot"]
    first = seg["dimension"].to_numpy()
    where = np.flatnonzero(first == "segment")
    if len(where):
        lo, hi = spot_rows.first_row + int(where[0]), spot_rows.first_row + int(where[-1])

        def make(ws: Any) -> BarChart:
            chart = BarChart()
            chart.type = "bar"
            chart.title = "Profit by segment"
            data = Reference(ws, min_col=spot_rows.col("profit"), min_row=lo, max_row=hi)
            cats = Reference(ws, min_col=spot_rows.col("value"), min_row=lo, max_row=hi)
            chart.add_data(data)
            chart.set_categories(cats)
            chart.legend = None
            _axes(chart, "", "Profit", "General", "#,##0")
            chart.x_axis.title = None
            chart.width, chart.height = 16, 8
            return chart

        lay.chart(make, f"A{lay.next_row + 1}")
    return lay


def _products(a: Analysis, taken: set[str]) -> SheetLayout:
    lay = SheetLayout("Products")
    lay.title("Product profitability", "Fully loaded: every customer's P&L split over the products it bought "
              "(line costs by driver, order costs by each order's revenue split, customer costs and "
              "acquisition by the customer's revenue share; see Assumptions). The products add up to the "
              "customers; most profitable first.")
    prod = a.products.reset_index()
    prod = prod.sort_values(["profit", "product_id"], ascending=[False, True], kind="stable")
    prod = prod[_present(prod, _PRODUCT_COLUMNS)]
    spot = lay.table(prod, "Products", taken, max_width=24, main=True)
    lay.freeze = f"B{spot.first_row}"
    return lay


def _flagged_frame(a: Analysis) -> pd.DataFrame:
    """The customers flagged as turning unprofitable, most profitable first.

    Their flags (True/False), their contribution per period (``contribution <period>``) and the reasons.
    """
    pnl = a.customers.reset_index()
    flagged = pnl[pnl["flagged"].astype(bool)] if "flagged" in pnl else pnl.iloc[:0]
    flagged = _by_profit(flagged)
    flags = _present(flagged, _FLAGS)
    frame = flagged[_present(flagged, ["customer_id", "name", "segment", "profit", *flags, "reasons"])]
    wide = a.trend.pivot(index="customer_id", columns="period", values="contribution")
    wide = wide.reindex(index=frame["customer_id"], columns=list(a.period_totals["period"]))
    wide.columns = [f"contribution {p}" for p in wide.columns]
    frame = pd.concat([frame.reset_index(drop=True), wide.reset_index(drop=True)], axis=1)
    reasons = frame.pop("reasons") if "reasons" in frame else None
    if reasons is not None:
        frame["reasons"] = reasons
    return frame


def _trend(a: Analysis, taken: set[str], side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Trend")
    lay.title("Trend", "Totals per period, and customers flagged as turning unprofitable with their "
              "contribution per period.")
    lay.heading("Totals per period")
    totals = a.period_totals
    tspot = lay.table(totals, "PeriodTotals", taken, max_width=22)
    # The chart beside the totals is about 16 rows tall: the flagged customers start below it.
    lay.skip(max(1, tspot.header_row + 17 - lay.next_row))
    frame = _flagged_frame(a)
    lay.heading(f"Flagged customers ({len(frame):,})")
    if side is not None:
        _side_note(lay, side, "flagged_customers")
    else:
        for c in _present(frame, _FLAGS):
            frame[c] = frame[c].map({True: "yes", False: ""})
        wide = [c for c in frame.columns if c.startswith("contribution ")]
        lay.table(frame, "FlaggedCustomers", taken, max_width=30, main=True, styles=dict.fromkeys(wide, "money"),
                  labels={c: c.replace("contribution ", "Contribution ") for c in wide})
        lay.widths[len(frame.columns)] = 90.0
        if "name" in frame:  # customer and name on every printed page
            lay.freeze = f"C{lay.freeze[1:]}" if lay.freeze else None

    def make(ws: Any) -> BarChart:
        chart = BarChart()
        chart.title = "Contribution per period"
        data = Reference(ws, min_col=tspot.col("contribution"), min_row=tspot.header_row, max_row=tspot.last_row)
        cats = Reference(ws, min_col=tspot.col("period"), min_row=tspot.first_row, max_row=tspot.last_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.legend = None
        _axes(chart, "Period", "Contribution", "General", "#,##0")
        chart.width, chart.height = 16, 7.5
        return chart

    lay.chart(make, f"K{max(tspot.header_row - 1, 1)}")
    return lay


def _has_clv(a: Analysis) -> bool:
    """Whether the analysis holds lifetime values (its CLV sheet then lists them per customer)."""
    clv = getattr(a, "clv", None)
    return clv is not None and bool(len(clv)) and bool(clv.notna().any().any())


def _clv_frame(a: Analysis) -> pd.DataFrame:
    """The lifetime value per customer, highest first (customers without one last)."""
    frame = a.clv.reset_index()
    if "clv" in frame:
        frame = frame.sort_values(["clv", "customer_id"], ascending=[False, True], kind="stable", na_position="last")
    return frame.reset_index(drop=True)


def _clv(a: Analysis, taken: set[str], with_acquisition: bool = True,
         side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("CLV")
    lay.title("Customer lifetime value and acquisition", "Lifetime value on contribution after cost-to-serve; "
              "acquisition cost, payback and referral value per customer.")
    clv = getattr(a, "clv", None)
    models = getattr(a, "clv_models", None)
    if models is not None and len(models):
        lay.heading("Models")
        shown_models = models.reset_index(drop=True)
        # Every cell on the top line of its row, beside the wrapped notes; a whole number (customers
        # fitted, weeks, k) without the estimates' four decimals.
        values = pd.to_numeric(shown_models["value"], errors="coerce").to_numpy(dtype=float)
        whole = np.isfinite(values) & (values == np.round(values))
        value_styles = ["integer_top" if w else "rate_top" for w in whole]
        mspot = lay.table(shown_models, "CLVModels", taken, max_width=MODEL_NOTE_WIDTH, styles={"value": "rate"},
                          header_height=18, cell_styles={
                              **{c: ["wrap_top_indent" if c == "note" else "text_top"] * len(shown_models)
                                 for c in shown_models.columns if c != "value"},
                              "value": value_styles})
        if "note" in shown_models:
            _wrap_heights(lay, mspot, shown_models, ("note",))
        lay.skip()
    if _has_clv(a):
        backtest = getattr(a, "clv_backtest", None)
        if backtest is not None and len(backtest):
            lay.heading("Backtest: the model fitted on the early periods, against what happened after")
            shown = backtest.copy()
            shown["value"] = [_backtest_value(v, u) for v, u in zip(shown["value"], shown["unit"], strict=True)]
            lay.table(shown[["measure", "value"]], "CLVBacktest", taken, max_width=44)
            lay.skip()
        lay.heading("Lifetime value per customer (highest first)")
        if side is not None:
            _side_note(lay, side, "clv")
        else:
            lay.table(_clv_frame(a), "CLV", taken, max_width=20, main=True,
                      styles={"frequency": "number", "recency": "number", "T": "number", "age": "number",
                              "purchases": "count", "expected_purchases": "number", "discounted_purchases": "number",
                              "expected_spend": "money", "margin_ratio": "percent", "cost_per_purchase": "money",
                              "customer_cost_per_year": "money", "expected_lifetime_years": "number",
                              "p_alive": "percent"})
        lay.skip()
    else:
        lay.note("Lifetime values were not computed for this analysis"
                 + (" (see the note above)." if models is not None and len(models) else "."))
        lay.skip()
    if not with_acquisition:
        lay.note("Acquisition and referral value per customer: on the Acquisition sheet (one sheet cannot "
                 f"hold both tables of {len(a.customers):,} customers).")
        return lay
    if side is not None:
        lay.heading("Acquisition and referral value per customer")
        _side_note(lay, side, "acquisition")
        return lay
    _acquisition_table(lay, a, taken, main=clv is None or not len(clv))
    return lay


def _backtest_value(value: Any, unit: str) -> Any:
    """A backtest figure as a reader takes it in: money to the euro, shares in per cent."""
    if unit == "text" or not isinstance(value, int | float):
        return value
    if unit == "percent":
        return f"{value:+.1%}"
    if unit == "number":
        return round(float(value), 2)
    return round(float(value))


def _acquisition_table(lay: SheetLayout, a: Analysis, taken: set[str], *, main: bool) -> None:
    lay.heading("Acquisition and referral value per customer")
    lay.table(a.acquisition.reset_index(), "Acquisition", taken, max_width=22, styles={"payback_periods": "number"},
              main=main)


def _acquisition(a: Analysis, taken: set[str]) -> SheetLayout:
    lay = SheetLayout("Acquisition")
    lay.title("Acquisition", "Acquisition cost, payback and referral value per customer (beside the CLV sheet "
              "when both tables do not fit on one).")
    _acquisition_table(lay, a, taken, main=True)
    return lay


#: Headers of the columns of :func:`xlprofit.core.actions.actions` as the report shows them.
_ACTION_LABELS = {"rank": "Rank", "customer_id": "Customer", "name": "Name", "segment": "Segment", "lever": "Lever",
                  "change": "What changes", "effect": "Effect on profit", "profit_before": "Profit before",
                  "profit_after": "Profit after", "cost_to_serve_freed": "Cost-to-serve freed",
                  "result_effect": "Effect on the period result", "formula": "Formula", "action": "Action",
                  "reason": "Why left out"}
_ACTION_MONEY = ("effect", "profit_before", "profit_after", "cost_to_serve_freed", "result_effect")
#: Widths of the wrapped text columns of the Actions sheet (characters).
ACTION_TEXT_WIDTH = 52
ACTION_LEVER_WIDTH = 18


def _is_pilot(a: Analysis) -> bool:
    """Whether ``a`` analyses some products only (``analyze(products=…)``): then no actions are estimated."""
    return bool(a.parameters.get("products"))


def _action_source(a: Analysis) -> Analysis:
    """``a``, or a copy of it with an empty lifetime-value table when it has none (``clv=None``).

    The actions then judge the ending of a relationship on the period's profit and referral
    value (:func:`~xlprofit.core.actions.actions`), as they do without lifetime values.
    """
    if getattr(a, "clv", None) is None:
        return dataclasses.replace(a, clv=pd.DataFrame(index=a.customers.index))
    return a


def _action_table(a: Analysis) -> pd.DataFrame:
    """:attr:`Analysis.actions`, or none for a product pilot (the levers change a customer's whole business)."""
    return pd.DataFrame(columns=ACTION_COLUMNS) if _is_pilot(a) else _action_source(a).actions


def _left_out_frame(a: Analysis) -> pd.DataFrame:
    """The levers left out (:func:`~xlprofit.core.actions.actions_left_out`) with each customer's name and segment."""
    left = _action_source(a).actions_left_out
    pnl = a.customers
    ids = left["customer_id"]
    left = left.assign(name=pnl["name"].reindex(ids).to_numpy() if "name" in pnl.columns else None,
                       segment=pnl["segment"].reindex(ids).to_numpy() if "segment" in pnl.columns else None)
    return left[["customer_id", "name", "segment", "lever", "reason"]].reset_index(drop=True)


def _actions(a: Analysis, taken: set[str], language: str = "en",
             side: dict[str, SideTable] | None = None) -> SheetLayout:
    """The Actions sheet: every lever of every customer losing money or flagged, ranked; below, those left out.

    With the tables ``side`` the workbook, the sheet keeps the :data:`SIDE_ACTIONS` highest-ranked levers and
    names the files that hold them all and those left out.
    """
    lay = SheetLayout("Actions")
    lay.title(report_text("actions_title", language), report_text("actions_subtitle", language))
    for key in ("actions_note_rank", "actions_note_capacity", "actions_note_ending"):
        lay.note(report_text(key, language))
    lay.skip()
    table = _action_table(a)
    lay.heading(report_text("actions_heading", language, count=f"{len(table):,}"))
    if _is_pilot(a):
        lay.note(report_text("actions_pilot", language))
    elif not len(table):
        lay.note(report_text("actions_none", language))
    room = MAX_SHEET_ROWS - lay.next_row - 10  # a worksheet's rows: the highest ranks, the rest said
    listed = side.get("actions") if side is not None else None
    if listed is not None:
        count = len(table)
        table = table.head(max(0, min(SIDE_ACTIONS, room - 1)))
        if len(table) < count:
            lay.note(f"The {len(table):,} highest-ranked of the {count:,} actions; all of them in the file "
                     f"{listed.file} beside this workbook (its folder and SHA-256 on the Assumptions sheet).")
        else:
            lay.note(f"All {count:,} actions, also in the file {listed.file} beside this workbook (its folder "
                     "and SHA-256 on the Assumptions sheet).")
    elif len(table) > room:
        lay.note(report_text("actions_cut", language, shown=f"{room - 1:,}", count=f"{len(table):,}"))
        table = table.head(room - 1)
    columns = ["rank", "customer_id", "name", "segment", "lever", "change", *_ACTION_MONEY, "formula"]
    wrapped = ("lever", "change", "formula")
    styles = {"rank": "count_top", **{c: "money_top" for c in _ACTION_MONEY}, "lever": "wrap",
              "change": "wrap_top_indent", "formula": "wrap_top_indent",
              **{c: "text_top" for c in ("customer_id", "name", "segment")}}
    frame = table[columns]
    spot = lay.table(frame, "Actions", taken, max_width=34, labels=_ACTION_LABELS, styles=styles, main=True)
    lay.widths[spot.col("lever")] = ACTION_LEVER_WIDTH
    for c in ("change", "formula"):
        lay.widths[spot.col(c)] = ACTION_TEXT_WIDTH
    _wrap_heights(lay, spot, frame, wrapped)
    lay.freeze = f"D{spot.first_row}"
    if _is_pilot(a):
        return lay
    room = MAX_SHEET_ROWS - lay.next_row - 6
    if room < 2:
        return lay
    left = _left_out_frame(a)
    lay.skip()
    lay.heading(report_text("left_out_heading", language, count=f"{len(left):,}"))
    if side is not None:
        _side_note(lay, side, "actions_left_out")
        return lay
    if len(left) > room:
        lay.note(report_text("actions_cut", language, shown=f"{room - 1:,}", count=f"{len(left):,}"))
        left = left.head(room - 1)
    # Under the columns of the levers: customer, name, segment and lever, the reason under what changes.
    spot = lay.table(left, "ActionsLeftOut", taken, left=spot.col("customer_id"), max_width=34,
                     labels=_ACTION_LABELS, header_height=18,
                     styles={**{c: "text_top" for c in ("customer_id", "name", "segment")}, "lever": "wrap",
                             "reason": "wrap_top_indent"})
    lay.widths[spot.col("lever")] = ACTION_LEVER_WIDTH
    lay.widths[spot.col("reason")] = ACTION_TEXT_WIDTH
    _wrap_heights(lay, spot, left, ("lever", "reason"))
    return lay


def _scenarios(results: Any, taken: set[str]) -> SheetLayout:
    """The Scenarios sheet: the base and every scenario side by side, their changes, each customer's change.

    One row per scenario and one column per measure, so that scenario names (text from the input)
    are cells, never headers; then the change against the base, the changes each scenario makes,
    and the customers whose profit moves most in each scenario.
    """
    lay = SheetLayout("Scenarios")
    lay.title("Scenarios", "The base and every scenario of the scenarios table, each analysed in full (every "
              "cost traced, every check run) and set side by side.")
    lay.note("Minutes freed by a rate or volume change become unused capacity: customer profit moves at once, the "
             "period's result only once a capacity change cuts the capacity.")
    lay.skip()
    summary = results.summary
    names = list(results.analyses)
    keys = [f"measure_{i}" for i in range(len(summary))]
    labels = {"scenario": "Scenario", **dict(zip(keys, summary["measure"], strict=True))}
    styles = {k: "money" if unit == "money" else "count" for k, unit in zip(keys, summary["unit"], strict=True)}
    styles["scenario"] = "text"

    def rows(columns: list[str], first: list[str]) -> pd.DataFrame:
        money = summary["unit"].eq("money").to_numpy()
        frame = pd.DataFrame({k: [round(float(summary[c].iloc[i]), 2) if money[i] else float(summary[c].iloc[i])
                                  for c in columns] for i, k in enumerate(keys)})
        frame.insert(0, "scenario", first)
        return frame

    lay.heading("Side by side")
    # Not a main table: its header is not repeated on the pages of the tables below it.
    lay.table(rows(["base", *names], ["Base", *names]), "Scenarios", taken, labels=labels, styles=styles,
              max_width=22)
    lay.freeze = "B1"
    lay.skip()
    lay.heading("Change against the base")
    lay.table(rows([f"{n} vs base" for n in names], names), "ScenarioChanges", taken, labels=labels, styles=styles,
              max_width=22)
    lay.skip()
    lay.heading("What each scenario changes (rows of the scenarios table)")
    changes = pd.DataFrame([{"scenario": name, "row": change.row, "change": change.describe()}
                            for name, listed in results.changes.items() for change in listed])
    lay.table(changes, "ScenarioInput", taken, labels={"scenario": "Scenario", "row": "Row", "change": "Change"},
              styles={"scenario": "text", "row": "count_top", "change": "wrap_indent"}, max_width=60)
    lay.skip()
    per = results.customers.groupby("scenario", sort=False, group_keys=False).head(SCENARIO_CUSTOMERS)
    lay.heading(f"The {SCENARIO_CUSTOMERS} customers whose profit moves most in each scenario")
    columns = [c for c in ("scenario", "customer_id", "name", "segment", "channel", "base_profit",
                           "scenario_profit", "change") if c in per.columns]
    lay.table(per[columns], "ScenarioCustomers", taken,
              labels={"scenario": "Scenario", "base_profit": "Profit (base)", "scenario_profit": "Profit (scenario)",
                      "change": "Change"},
              styles={"scenario": "text", "base_profit": "money", "scenario_profit": "money", "change": "money"},
              max_width=30)
    return lay


#: Customers listed per scenario on the Scenarios sheet (the largest changes of profit).
SCENARIO_CUSTOMERS = 20


def _wrap_heights(lay: SheetLayout, spot: TableSpot, frame: pd.DataFrame, wrapped: tuple[str, ...]) -> None:
    """Rows of ``spot`` as tall as their longest wrapped text (columns ``wrapped``, at their layout widths)."""
    if not len(frame):
        return
    lines = np.ones(len(frame), dtype=int)
    for c in wrapped:
        chars = text_chars(lay.widths[spot.col(c)]) - 2  # less an indent
        lines = np.maximum(lines, [wrapped_lines(str(t), chars) for t in frame[c]])
    for row, k in zip(range(spot.first_row, spot.last_row + 1), lines, strict=True):
        if k > 1:
            lay.row_heights[row] = ROW_HEIGHT * int(k)


def report_sheets(analysis: Analysis, scenarios: Any = None, tables: str = "auto") -> list[str]:
    """The sheets of the report of ``analysis``, in order (``write_report(…, scenarios=…, tables=…)``).

    :data:`REPORT_SHEETS`, ``Acquisition`` after ``CLV`` when the CLV sheet cannot hold both of
    its per-customer tables (more than about 524,000 customers, with every table in the workbook:
    see :func:`table_mode`), and ``Scenarios`` after ``Actions`` when scenarios are given.
    """
    side = None if table_mode(analysis, tables) == "workbook" else {}
    return list(sheet_layouts(analysis, set(), dt.datetime.min, "", scenarios, side=side))  # names only


def _split_acquisition(a: Analysis) -> bool:
    return 2 * len(a.customers) + 40 > MAX_SHEET_ROWS


#: Start of the reconciliation checks that count rows (the others tie amounts of money).
_COUNT_CHECKS = ("Invoice lines:",)


def _counts_rows(check: str) -> bool:
    """Whether the reconciliation check named ``check`` counts rows (its figures then print without decimals)."""
    return check.startswith(_COUNT_CHECKS)


def _reconciliation(a: Analysis, taken: set[str], language: str = "en") -> SheetLayout:
    lay = SheetLayout("Reconciliation")
    lay.title("Reconciliation", "Every cost and every revenue line is accounted for, to the cent.")
    rec = a.reconciliation.copy()
    rec["holds"] = rec["holds"].map({True: "✓ holds", False: "✗ FAILS"})
    kinds = ["integer_top" if _counts_rows(str(check)) else "money_top" for check in rec["check"]]
    # The check and its detail wrap in their columns (a long detail would otherwise run across the page
    # and shrink the printed sheet to fit it); every cell of a row sits at its top.
    wrapped = tuple(c for c in ("check", "detail") if c in rec)
    spot = lay.table(rec, "Reconciliation", taken, max_width=70, main=True, styles=dict.fromkeys(wrapped, "wrap"),
                     cell_styles={"holds": [f"{s}_top_indent" if s == "text" else f"{s}_top"
                                            for s in _holds_styles(a.reconciliation)],
                                  **{c: kinds for c in ("expected", "actual", "difference") if c in rec}})
    _wrap_heights(lay, spot, rec, wrapped)
    if not a.complete:
        lay.skip()
        lay.heading(report_text("excluded_heading", language))
        # The problem (long) under the checks' detail column, the cost under their amounts.
        pools = a.excluded_pools[["table", "row", "name", "cost", "cost_status", "problem"]]
        lay.table(pools, "ExcludedPools", taken, max_width=70, styles={"row": "count", "cost": "money"})
    return lay


def _exceptions(a: Analysis, taken: set[str]) -> SheetLayout:
    ex = a.exceptions
    lay = SheetLayout("Exceptions")
    lay.title("Exceptions", f"{len(ex):,} rejected, excluded or corrected input rows with the reason. "
              "Row numbers are those of the input sheet or file.")
    values = ex["value"] if "value" in ex else pd.Series(dtype=object)
    lay.table(ex, "Exceptions", taken, max_width=60, main=True, styles={"value": "text", "row": "count"},
              cell_styles={"value": ["number" if isinstance(v, float) else "text" for v in values]})
    return lay


def _assumptions(a: Analysis, taken: set[str], generated: dt.datetime, version: str,
                 side: dict[str, SideTable] | None = None) -> SheetLayout:
    lay = SheetLayout("Assumptions")
    lay.title("Assumptions", "Parameters used and where they came from; the input files and their SHA-256.")
    lay.key_values([("xlprofit version", version, "text"), ("Generated", generated, "date"),
                    ("Customers analysed", float(len(a.customers)), "count")], label_width=22)
    lay.heading("Parameters")
    params = a.assumptions
    # Texts wrap in their columns, so that a long one neither runs into the next column nor widens the print.
    spot = lay.table(params, "Parameters", taken, max_width=50, main=True,
                     styles={"parameter": "text_top", "source": "wrap_top_indent", "meaning": "wrap"},
                     cell_styles={"value": [_assumption_style(p, v)
                                            for p, v in zip(params["parameter"], params["value"], strict=True)]})
    _wrap_heights(lay, spot, params, tuple(c for c in ("value", "source", "meaning") if c in params))
    lay.skip()
    lay.heading("Input files")
    sources = pd.DataFrame([(s.table, s.path, s.sha256) for s in a.sources], columns=["table", "file", "sha256"])
    lay.table(sources, "Sources", taken, max_width=70, header_height=18)
    if side is not None:
        lay.skip()
        lay.heading("Tables beside this workbook")
        lay.note("The full per-customer tables, written with this workbook: a file whose SHA-256 differs is not the "
                 "one written with it.")
        files = pd.DataFrame([(t.path, t.rows, t.sha256) for t in side.values()], columns=["file", "rows", "sha256"])
        lay.table(files, "SideTables", taken, max_width=70, header_height=18, styles={"rows": "count"})
    return lay


def _assumption_style(parameter: str, value: Any) -> str:
    """The style of a parameter's value on the Assumptions sheet (at the top of its row; a text wraps)."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return "date_top"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return "wrap"
    if parameter in ("discount_rate", "cost_of_capital", "commission_rate"):
        return "percent_top"
    return "number_top" if isinstance(value, float) and not float(value).is_integer() else "integer_top"


def _folder_of(target: Path) -> Path:
    """The folder ``target`` is written in; refuse a missing folder or a target that is a folder."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write '{target}': folder '{folder}' does not exist")
    if target.is_dir():
        raise OutputError(f"cannot write '{target}': it is a folder")
    return folder


def _temporary(target: Path, folder: Path) -> Path:
    """Create the hidden temporary file of a save next to ``target`` (see :func:`remove_stale_temporaries`)."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write '{target}': no file can be created in folder '{folder}' "
                          f"({exc.strerror or exc})") from None
    os.close(fd)
    return Path(name)


def check_target(path: str | os.PathLike[str]) -> Path:
    """Refuse an output path that cannot be written before any work is done; return its folder.

    A file is created in the target folder and removed again, so that a read-only folder
    (or one the user may not write in) is found before the analysis, not after it.
    """
    target = Path(path)
    folder = _folder_of(target)
    probe = _temporary(target, folder)
    with contextlib.suppress(OSError):
        probe.unlink()
    return folder


#: A temporary file of a save (``.report-k2x9_q0a.xlsx`` next to ``report.xlsx``) older than
#: this many seconds is the leftover of a killed run (a save takes seconds), removed by the next save.
STALE_TEMPORARY_SECONDS = 3600


def _temporary_name(target: Path) -> re.Pattern[str]:
    """The names :func:`tempfile.mkstemp` gives the temporary files of ``target``: 8 characters of [a-z0-9_]."""
    return re.compile(rf"\.{re.escape(target.stem)}-[a-z0-9_]{{8}}{re.escape(target.suffix)}")


def remove_stale_temporaries(path: str | os.PathLike[str], older_than: float = STALE_TEMPORARY_SECONDS) -> list[Path]:
    """Remove the temporary files a killed save of ``path`` left in its folder; return them.

    A save that is killed outright (SIGKILL, a power cut) cannot remove its temporary file, a
    hidden ``.<name>-<8 random characters>.xlsx`` next to the target. It is harmless (the target was never
    touched) and the next save of the same file removes it, once it is older than
    ``older_than`` seconds, so that a save running at the same moment keeps its own. Only
    regular files named exactly so are removed.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    name = _temporary_name(target)
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not name.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


class Interrupted(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) received while a file was saved; raised so that the save cleans up.

    ``signum`` is the signal's number. A subclass of :class:`KeyboardInterrupt`, as Ctrl-C
    (SIGINT) is: code that stops cleanly on the one stops on the other.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def saving() -> Iterator[None]:
    """While a file is saved, turn a termination signal into :class:`Interrupted`.

    By default SIGTERM and SIGHUP end the process at once, leaving the temporary file of the
    save behind; Ctrl-C (SIGINT) already raises :class:`KeyboardInterrupt`. Only signals still
    at their default action are taken over, and only in the main thread (where Python runs
    signal handlers); a handler of the calling program is left alone. Once the save has
    cleaned up, such a signal is raised again with its default action: the process ends as it
    would have without the handler, only without the temporary file.
    """
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP", "SIGINT"):
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _raise_interrupted)

    def restore() -> None:
        while previous:
            signum, handler = previous.popitem()
            signal.signal(signum, handler)

    try:
        yield
    except Interrupted as exc:
        if exc.signum in previous:  # taken over here: end the way the signal ends the process
            restore()
            signal.raise_signal(exc.signum)
        raise
    finally:
        restore()


def _fsync(path: Path) -> None:
    """Flush a file's data to the disk (before it is renamed into place)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to the disk; best effort (not on Windows, nor every file system)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_save(save: Callable[[Path], None], path: str | os.PathLike[str], *, workbook: Any = None) -> None:
    """Save through a temporary file in the target folder, then rename it into place.

    ``save(tmp)`` writes the temporary file; it is flushed to the disk (fsync), renamed over
    the target (:func:`os.replace`, atomic) and the folder is flushed too. On any failure,
    exception or termination signal (see :func:`saving`) the temporary file is removed (and
    the streams of ``workbook``, a write-only openpyxl workbook, are discarded) and the target
    is left as it was. Temporary files that a killed save left behind are removed first
    (:func:`remove_stale_temporaries`).

    Raises
    ------
    OutputError
        When the folder is missing or not writable, the disk is full, or the target cannot be
        replaced (open in another program, not writable); the message names the file.
    """
    target = Path(path)
    folder = _folder_of(target)
    remove_stale_temporaries(target)
    kept = "it is left as it was" if target.exists() else "nothing was written"
    tmp: Path | None = None
    done = False
    with saving():
        try:
            tmp = _temporary(target, folder)
            save(tmp)
            _fsync(tmp)
            os.chmod(tmp, _file_mode(target))  # mkstemp makes the file readable by its owner only
            os.replace(tmp, target)
            done = True
            _fsync_folder(folder)
        except OutputError:  # an OSError too: its message is complete
            raise
        except PermissionError:
            raise OutputError(f"cannot write '{target}': it is open in another program or not writable; {kept}"
                              ) from None
        except OSError as exc:
            raise OutputError(f"cannot write '{target}': {exc.strerror or exc}; {kept}") from None
        finally:
            if not done:
                if workbook is not None:
                    discard_streams(workbook)
                if tmp is not None:
                    with contextlib.suppress(OSError):
                        tmp.unlink()


def table_mode(analysis: Analysis, tables: str = "auto") -> str:
    """Where ``write_report(analysis, …, tables=tables)`` puts the full per-customer tables.

    ``workbook``, ``parquet`` or ``csv`` (:data:`TABLE_MODES`): ``auto`` is ``workbook`` up to
    :data:`SIDE_TABLES_ABOVE` customers, else ``parquet`` (``csv`` where pyarrow is not installed).
    """
    if tables not in TABLE_MODES:
        raise ValueError(f"unknown tables '{tables}': use one of {', '.join(TABLE_MODES)}")
    if tables != "auto":
        return tables
    if len(analysis.customers) <= SIDE_TABLES_ABOVE:
        return "workbook"
    return "parquet" if importlib.util.find_spec("pyarrow") is not None else "csv"


def tables_folder(path: str | os.PathLike[str]) -> Path:
    """The folder of the tables written beside the workbook ``path``: ``report.xlsx`` → ``report_tables``."""
    target = Path(path)
    return target.with_name(f"{target.stem}_tables")


def check_tables_folder(path: str | os.PathLike[str]) -> Path:
    """Refuse a folder for the tables beside the workbook ``path`` that cannot be written; return it.

    An existing folder must be a folder in which a file can be created; a missing one is created
    when the tables are written, in the workbook's folder (see :func:`check_target`).
    """
    folder = tables_folder(path)
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise OutputError(f"cannot write the tables beside '{path}': '{folder}' is not a folder")
        probe = _temporary(folder / f"{SIDE_TABLES[0]}.parquet", folder)
        with contextlib.suppress(OSError):
            probe.unlink()
    return folder


def side_table_frames(a: Analysis) -> dict[str, Callable[[], pd.DataFrame]]:
    """The full per-customer tables written beside the workbook, by name (:data:`SIDE_TABLES`), each made when called.

    Column names are the analysis' own (``net_revenue``, ``cts_<activity>``); the rows are in the order of
    the sheets that hold them otherwise. No CLV table when lifetime values were not computed, no actions
    for a product pilot.
    """
    frames: dict[str, Callable[[], pd.DataFrame]] = {
        "customer_pnl": lambda: _pnl_frame(a, activities=True),
        "cost_to_serve": lambda: _cost_to_serve_frame(a),
        "whale_curve": lambda: a.whale.reset_index(drop=True),
        "matrix": lambda: _matrix_frame(a),
        "clv": lambda: _clv_frame(a),
        "acquisition": lambda: a.acquisition.reset_index(),
        "actions": lambda: _action_table(a).reset_index(drop=True),
        "actions_left_out": lambda: _left_out_frame(a),
        "flagged_customers": lambda: _flagged_frame(a),
    }
    if not _has_clv(a):
        del frames["clv"]
    if _is_pilot(a):
        del frames["actions"], frames["actions_left_out"]
    return frames


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_side_tables(a: Analysis, folder: Path, mode: str, pending: list[tuple[Path, Path]]
                       ) -> dict[str, SideTable]:
    """Write each table of :func:`side_table_frames` in full to a temporary file in ``folder``.

    Each temporary file (and the name it is to get) is added to ``pending`` as soon as it exists:
    :func:`_publish` renames them into place once the workbook is written, and the caller removes
    what is left on a failure. Returns the tables with their rows and the SHA-256 of their files.
    """
    if mode == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise OutputError("writing the tables as Parquet needs pyarrow, which is not installed; "
                          "write them as CSV (tables='csv', --tables csv)")
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder '{folder}' for the tables beside the workbook: "
                          f"{exc.strerror or exc}; nothing was written") from None
    if not folder.is_dir():
        raise OutputError(f"cannot write the tables in '{folder}': it is not a folder")
    written: dict[str, SideTable] = {}
    for name, make in side_table_frames(a).items():
        final = folder / f"{name}.{mode}"
        remove_stale_temporaries(final)
        tmp = _temporary(final, folder)
        pending.append((tmp, final))
        frame = make()
        try:
            if mode == "parquet":
                frame.to_parquet(tmp, index=False, engine="pyarrow")
            else:
                frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
            _fsync(tmp)
            os.chmod(tmp, _file_mode(final))
            written[name] = SideTable(name, final.name, folder.name, len(frame), _sha256(tmp))
        except OSError as exc:
            raise OutputError(f"cannot write '{final}': {exc.strerror or exc}; nothing was written") from None
    return written


def _publish(pending: list[tuple[Path, Path]]) -> None:
    """Rename the tables written beside the workbook into place (once the workbook's own file is complete)."""
    folders: set[Path] = set()
    while pending:
        tmp, final = pending[0]
        try:
            os.replace(tmp, final)
        except PermissionError:
            raise OutputError(f"cannot write '{final}': it is open in another program or not writable; "
                              "the workbook was not replaced") from None
        except OSError as exc:
            raise OutputError(f"cannot write '{final}': {exc.strerror or exc}; the workbook was not replaced"
                              ) from None
        pending.pop(0)
        folders.add(final.parent)
    for folder in folders:
        _fsync_folder(folder)


def _discard_pending(pending: list[tuple[Path, Path]]) -> None:
    """Remove the temporary files of tables not renamed into place (a failed or stopped save)."""
    while pending:
        tmp, _ = pending.pop()
        with contextlib.suppress(OSError):
            tmp.unlink()


def _file_mode(target: Path) -> int:
    """Permissions for the written file: those of the file it replaces, else what a new file gets."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def sheet_layouts(a: Analysis, taken: set[str], generated: dt.datetime, version: str, scenarios: Any = None,
                  language: str = "en", side: dict[str, SideTable] | None = None
                  ) -> dict[str, Callable[[], SheetLayout]]:
    """Each report sheet's (English) name and the function laying it out (called when the sheet is written).

    ``taken`` collects the defined names used so far; ``generated`` and ``version`` are the
    Summary's stamp; ``scenarios`` (:class:`~xlprofit.core.scenarios.ScenarioResults`) adds the
    Scenarios sheet after Actions; ``language`` is that of the sheets' texts (:class:`Words`);
    ``side``, the tables written beside the workbook by name (:data:`SIDE_TABLES`), puts a note
    naming its file in place of each full per-customer table (``None``: every table in the workbook).
    The benchmark of the writers lays out the same sheets through this.
    """
    split = side is None and _split_acquisition(a)
    words = Words(language)
    sheets: dict[str, Callable[[], SheetLayout]] = {
        "Summary": lambda: _summary(a, taken, generated, version, language, side),
        "Customer P&L": lambda: _pnl(a, taken, side),
        "Cost-to-serve": lambda: _cost_to_serve(a, taken, side),
        "Activities": lambda: _activities(a, taken),
        "Whale curve": lambda: _whale(a, taken, side),
        "Matrix": lambda: _matrix(a, taken, side),
        "Segments": lambda: _segments(a, taken),
        "Products": lambda: _products(a, taken),
        "Trend": lambda: _trend(a, taken, side),
        "CLV": lambda: _clv(a, taken, not split, side),
        **({"Acquisition": lambda: _acquisition(a, taken)} if split else {}),
        "Actions": lambda: _actions(a, taken, language, side),
        **({"Scenarios": lambda: _scenarios(scenarios, taken)} if scenarios is not None else {}),
        "Reconciliation": lambda: _reconciliation(a, taken, language),
        "Exceptions": lambda: _exceptions(a, taken),
        "Assumptions": lambda: _assumptions(a, taken, generated, version, side),
    }
    return {name: (lambda build=build: words.layout(build())) for name, build in sheets.items()}


def write_report(analysis: Analysis, path: str | os.PathLike[str], *, progress: Callable[[str], Any] | None = None,
                 generated: dt.datetime | None = None, scenarios: Any = None, language: str = "en",
                 tables: str = "auto") -> None:
    """Write the report workbook for ``analysis`` to ``path`` (atomically).

    Parameters
    ----------
    analysis:
        The result of :func:`xlprofit.analyze`.
    path:
        The ``.xlsx`` file to write; replaced only once the new file is complete.
    progress:
        Called with the name of each sheet as it is written (:func:`report_sheets`).
    generated:
        Time stamp shown on the Summary and Assumptions sheets (default: now).
    scenarios:
        :func:`xlprofit.core.scenarios.run_scenarios` of the same analysis: the Scenarios sheet
        sets them beside the base (none by default).
    language:
        Language of the sheet names, titles, headings, notes, column headers and the analysis'
        texts in the cells: ``en`` (default), ``nb``, ``sv`` or ``pl``. Numbers keep their
        formats, which Excel shows in the reader's locale; user data is never translated.
    tables:
        Where the full per-customer tables go (:func:`table_mode`): ``workbook`` (all in the
        workbook), ``parquet`` or ``csv`` (one file per table of :data:`SIDE_TABLES` in the folder
        ``<stem>_tables`` beside the workbook, e.g. ``report_tables/customer_pnl.parquet``; the
        sheets keep their summaries and charts and name the file of each table, the Assumptions
        sheet lists the files with their rows and SHA-256), or ``auto`` (the default):
        ``workbook`` up to :data:`SIDE_TABLES_ABOVE` customers, ``parquet`` above. The files are
        written in full under temporary names and renamed into place just before the workbook.

    Raises
    ------
    OutputError
        When the file or the tables' folder cannot be written (folder missing, file open
        elsewhere, not writable) or a sheet would exceed the rows a worksheet holds.
    """
    from xlprofit._version import __version__

    generated = generated or dt.datetime.now().replace(microsecond=0)
    words = Words(language)  # refuses an unknown language before any work
    mode = table_mode(analysis, tables)  # and an unknown place for the tables
    check_target(path)
    folder = check_tables_folder(path) if mode != "workbook" else None
    # The whale curve sheet holds every customer, its deciles and its chart points.
    if folder is None and len(analysis.customers) + CHART_POINTS + 100 > MAX_SHEET_ROWS:
        raise OutputError(f"{len(analysis.customers):,} customers do not fit on one worksheet "
                          f"({MAX_SHEET_ROWS:,} rows); write the tables beside the workbook (tables='parquet', "
                          "--tables parquet), analyse a subset or use the Python API")
    wb = Workbook(write_only=True)
    styles = Styles(wb)
    taken: set[str] = set()
    pending: list[tuple[Path, Path]] = []  # tables written beside the workbook, not yet under their names
    with saving():  # the sheets stream into temporary files: removed on a signal too
        try:
            try:
                side = None if folder is None else _write_side_tables(analysis, folder, mode, pending)
                layouts = sheet_layouts(analysis, taken, generated, __version__, scenarios, language, side)
                for name, build in layouts.items():
                    if progress:
                        progress(name)
                    layout = build()
                    if layout.next_row - 1 > MAX_SHEET_ROWS:
                        raise OutputError(f"sheet '{name}' would need {layout.next_row - 1:,} rows; a worksheet "
                                          f"holds {MAX_SHEET_ROWS:,} (analyse a subset or use the Python API)")
                    write_layout(wb, layout, styles)
            except OutputError:
                discard_streams(wb)
                raise
            except OSError as exc:  # the sheets are streamed into the temporary folder first
                discard_streams(wb)
                raise OutputError(f"cannot write '{path}': {exc.strerror or exc} (while writing the sheets in the "
                                  f"temporary folder '{tempfile.gettempdir()}'); nothing was written") from None
            except BaseException:
                discard_streams(wb)
                raise
            wb.properties.creator = f"xlprofit {__version__}"
            wb.properties.title = words("Customer profitability report")

            def save(tmp: Path) -> None:
                _save(wb, tmp)
                _publish(pending)  # the workbook's file is complete: the tables take their names, then it

            atomic_save(save, path, workbook=wb)
        finally:
            _discard_pending(pending)  # tables not under their names: a failure or a signal


#: Deflate level of the report package. Level 3 instead of zlib's default 6: the sheets of a
#: 100,000-customer report (390 MB of XML) compress in 3.2 s rather than 7.1 s, into 63 MB
#: rather than 54 MB.
ZIP_LEVEL = 3


def _save(wb: Workbook, path: Path) -> None:
    """Save ``wb`` the way :meth:`openpyxl.Workbook.save` does, at deflate level :data:`ZIP_LEVEL`.

    The file is opened here, not by :class:`zipfile.ZipFile`, and a failed archive is closed
    while its file is still open: left to the garbage collector, the archive would try to
    finish itself later and print "Exception ignored" (a full disk) after the message.
    """
    wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    with open(path, "wb") as fh:
        archive = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
        try:
            ExcelWriter(wb, archive).save()  # writes every part and closes the archive
        except BaseException:
            with contextlib.suppress(Exception):
                archive.close()
            raise


def table_spots(layout: SheetLayout) -> list[TableSpot]:
    """The Tables of a sheet layout (for tests and the template builder)."""
    return [b.payload["spot"] for b in layout.blocks if b.kind == "table"]
