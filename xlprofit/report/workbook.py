"""The report workbook: values only, formatted for management, opens without the add-in."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from xlprofit.core.analysis import Analysis
from xlprofit.errors import OutputError
from xlprofit.report._cells import (
    COUNT,
    MONEY,
    PERCENT,
    key_values,
    set_value,
    title,
    write_table,
)

__all__ = ["write_report", "REPORT_SHEETS", "atomic_save"]

REPORT_SHEETS: tuple[str, ...] = ("Summary", "Customer P&L", "Activities", "Reconciliation", "Exceptions")

_PNL_COLUMNS_HEAD = ["name", "segment", "channel", "region"]
_PNL_COLUMNS_TAIL = ["cost_to_serve", "commissions", "cost_of_credit", "bad_debt", "contribution",
                     "acquisition_cost", "profit", "margin_pct", "orders", "lines", "payment_days", "quadrant",
                     "flagged", "reasons"]
_PNL_COLUMNS_MID = ["gross_revenue", "discounts", "invoice_revenue", "rebates", "net_revenue", "cogs",
                    "gross_margin"]


def _print_setup(ws: Worksheet, header_row: int | None = None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "&A — page &P of &N"
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _period_text(a: Analysis) -> str:
    p = a.parameters
    cur = p.get("currency")
    text = f"Period {pd.Timestamp(p['period_start']).date()} to {pd.Timestamp(p['period_end']).date()}"
    return text + (f" · amounts in {cur}" if cur else "")


def _summary(ws: Worksheet, a: Analysis, taken: set[str], generated: dt.datetime, version: str) -> None:
    row = title(ws, "Customer profitability report", f"{_period_text(a)} · generated {generated:%Y-%m-%d %H:%M} "
                f"by xlprofit {version}")
    checks = a.reconciliation
    holding = int(checks["holds"].sum())
    ok = holding == len(checks)
    cell = set_value(ws.cell(row=row, column=1),
                     f"{'✓' if ok else '✗'} {holding} of {len(checks)} reconciliation checks hold"
                     + ("" if ok else " — see the Reconciliation sheet"))
    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = PatternFill("solid", fgColor="548235" if ok else "C00000")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    row += 2
    fmt = {"money": MONEY, "percent": PERCENT, "count": COUNT}
    row = key_values(ws, [(k, v, fmt.get(u)) for k, v, u in a.kpis.itertuples(index=False)], top=row)
    cols = ["name", "segment", "net_revenue", "cost_to_serve", "profit", "margin_pct"]
    pnl = a.customers.reset_index()
    top = pnl.sort_values(["profit", "customer_id"], ascending=[False, True]).head(10)
    bottom = pnl.sort_values(["profit", "customer_id"], ascending=[True, True]).head(10)
    set_value(ws.cell(row=row, column=1), "Ten most profitable customers").font = Font(bold=True, size=12)
    last, _ = write_table(ws, top[["customer_id", *cols]], top=row + 1, name="TopCustomers", taken=taken)
    row = last + 2
    set_value(ws.cell(row=row, column=1), "Ten least profitable customers").font = Font(bold=True, size=12)
    write_table(ws, bottom[["customer_id", *cols]], top=row + 1, name="BottomCustomers", taken=taken)
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 44)
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 30)
    _print_setup(ws)


def _pnl(ws: Worksheet, a: Analysis, taken: set[str]) -> None:
    pnl = a.customers.reset_index()
    cts = [c for c in pnl.columns if c.startswith("cts_")]
    cols = ["customer_id", *_PNL_COLUMNS_HEAD, *_PNL_COLUMNS_MID, *cts, *_PNL_COLUMNS_TAIL]
    cols = [c for c in cols if c in pnl.columns]
    pnl = pnl.sort_values(["profit", "customer_id"], ascending=[False, True])
    row = title(ws, "Customer P&L", "One row per customer: revenue waterfall, cost-to-serve by activity, "
                "contribution and profit. Negative figures in red.")
    write_table(ws, pnl[cols], top=row, name="CustomerPnL", taken=taken, max_width=28)
    ws.freeze_panes = ws.cell(row=row + 1, column=3)
    _print_setup(ws, row)


def _activities(ws: Worksheet, a: Analysis, taken: set[str]) -> None:
    row = title(ws, "Activities and resources", "Rates per driver unit; time-driven resources show used and "
                "unused capacity. Unused capacity is reported here and never charged to customers.")
    acts = a.activities.copy()
    acts["method"] = acts["method"].map({"abc": "conventional ABC", "tdabc": "time-driven ABC"})
    cols = ["activity", "method", "level", "resource", "driver", "unit_time", "time_equation", "driver_volume",
            "driver_rate", "minutes", "cost", "assigned", "unassigned", "unassigned_reason"]
    last, _ = write_table(ws, acts[[c for c in cols if c in acts.columns]], top=row, name="Activities",
                          taken=taken, max_width=30)
    ws.freeze_panes = ws.cell(row=row + 1, column=2)
    row = last + 3
    if len(a.resources):
        set_value(ws.cell(row=row - 1, column=1), "Resources (time-driven ABC)").font = Font(bold=True, size=12)
        res = a.resources.copy()
        res["over_capacity"] = res["over_capacity"].map({True: "OVER CAPACITY", False: ""})
        write_table(ws, res, top=row, name="Resources", taken=taken, max_width=30)
    _print_setup(ws)


def _reconciliation(ws: Worksheet, a: Analysis, taken: set[str]) -> None:
    row = title(ws, "Reconciliation", "Every cost and every revenue line is accounted for, to the cent.")
    rec = a.reconciliation.copy()
    rec["holds"] = rec["holds"].map({True: "✓ holds", False: "✗ FAILS"})
    write_table(ws, rec, top=row, name="Reconciliation", taken=taken, max_width=70, wrap=["detail"])
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    _print_setup(ws, row)


def _exceptions(ws: Worksheet, a: Analysis, taken: set[str]) -> None:
    ex = a.exceptions
    row = title(ws, "Exceptions", f"{len(ex):,} rejected, excluded or corrected input rows with the reason. "
                "Row numbers are those of the input sheet or file.")
    write_table(ws, ex, top=row, name="Exceptions", taken=taken, max_width=60)
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    _print_setup(ws, row)


def atomic_save(save: Callable[[Path], None], path: str | os.PathLike[str]) -> None:
    """Save through a temporary file in the target folder, then rename it into place."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise OutputError(f"cannot write '{target}': folder '{folder}' does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write in folder '{folder}': {exc.strerror or exc}") from None
    os.close(fd)
    try:
        save(Path(tmp))
        os.replace(tmp, target)
    except PermissionError:
        raise OutputError(f"cannot write '{target}': it is open in another program or not writable") from None
    except OSError as exc:
        raise OutputError(f"cannot write '{target}': {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_report(analysis: Analysis, path: str | os.PathLike[str], *, progress: Callable[[str], Any] | None = None,
                 generated: dt.datetime | None = None) -> None:
    """Write the report workbook for ``analysis`` to ``path`` (atomically).

    Parameters
    ----------
    analysis:
        The result of :func:`xlprofit.analyze`.
    path:
        The ``.xlsx`` file to write; replaced only once the new file is complete.
    progress:
        Called with the name of each sheet as it is written.
    generated:
        Time stamp shown on the Summary (default: now).
    """
    from xlprofit import __version__

    generated = generated or dt.datetime.now().replace(microsecond=0)
    wb = Workbook()
    taken: set[str] = set()
    writers = {
        "Summary": lambda ws: _summary(ws, analysis, taken, generated, __version__),
        "Customer P&L": lambda ws: _pnl(ws, analysis, taken),
        "Activities": lambda ws: _activities(ws, analysis, taken),
        "Reconciliation": lambda ws: _reconciliation(ws, analysis, taken),
        "Exceptions": lambda ws: _exceptions(ws, analysis, taken),
    }
    first = True
    for name, writer in writers.items():
        if progress:
            progress(name)
        ws = wb.active if first else wb.create_sheet()
        ws.title = name
        first = False
        writer(ws)
    wb.properties.creator = f"xlprofit {__version__}"
    wb.properties.title = "Customer profitability report"
    atomic_save(lambda p: wb.save(p), path)
