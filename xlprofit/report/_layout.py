"""Sheet layout: a sheet's blocks placed before any row is written, then streamed.

Sheets are streamed (openpyxl's write-only mode) so that a report of 100,000 customers needs
memory for one row at a time: a :class:`SheetLayout` first collects the blocks of a sheet
(titles, notes, label/value pairs, tables, charts), which fixes every row number, column width
and Table range (:class:`TableSpot`) before the first row is written; :func:`write_layout`
then streams the rows into a :class:`~xlprofit.report._openpyxl_private.StreamSheet` and adds
the Tables, charts, print setup and validations.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from xlprofit.core.parsing import shown_text
from xlprofit.report._openpyxl_private import StreamSheet, new_sheet
from xlprofit.report._rows import TableRows, column_values
from xlprofit.report._styles import NUMBER_STYLES, Styles, label_for, style_for
from xlprofit.report._values import SpillFormula

__all__ = ["A3_ABOVE_WIDTH", "MAX_SHEET_ROWS", "MIN_PRINT_SCALE", "ROW_HEIGHT", "SheetLayout", "TableSpot", "add_table",
           "column_points", "fit_table", "page_breaks", "print_pages_wide", "table_name", "text_chars",
           "unique_headers", "wrapped_lines", "write_layout"]

#: Most rows a worksheet can hold (Excel's limit).
MAX_SHEET_ROWS = 1_048_576

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
        #: The printed pages' footer, in Excel's codes (&A sheet name, &P page, &N pages).
        self.footer = "&A — page &P of &N"
        self.row_heights: dict[int, float] = {}
        self.hidden_rows: set[int] = set()
        #: Row ranges (first, last) each printed on one page (see :meth:`keep_together`).
        self.keep: list[tuple[int, int]] = []

    @property
    def spills(self) -> bool:
        """Whether a row of the sheet holds a :class:`SpillFormula` (the package then needs spill metadata)."""
        return any(isinstance(v, SpillFormula) for b in self.blocks if b.kind == "line" for v in b.payload["values"])

    def _add(self, kind: str, height: int, **payload: Any) -> _Block:
        block = _Block(kind, self.next_row, height, payload)
        self.blocks.append(block)
        self.next_row += height
        return block

    def fit(self, column: int, width: float) -> None:
        """Widen sheet column ``column`` (1 = A) to at least ``width`` characters."""
        self.widths[column] = max(self.widths.get(column, 0.0), width)


    def line(self, values: Sequence[Any], styles: Sequence[str], *, height: float | None = None,
             fit: bool = False) -> int:
        """One row of cells; returns its row number. ``fit`` widens the columns to the values."""
        block = self._add("line", 1, values=list(values), styles=list(styles))
        if height:
            self.row_heights[block.top] = height
        if fit:
            for j, v in enumerate(values):
                self.fit(j + 1, _text_width(v))
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
            self.fit(2, _value_width(value, style))
        self.fit(1, label_width)
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
        headers = unique_headers([labels.get(c, label_for(c)) for c in columns])
        col_styles = [(styles or {}).get(c) or style_for(c, frame[c]) for c in columns]
        # Text right of a column of numbers starts one indent in, or the two read as one ("1C0120").
        col_styles = [("text_indent" if s == "text" and j and col_styles[j - 1] in NUMBER_STYLES else s)
                      for j, s in enumerate(col_styles)]
        header_styles = ["header_right" if s in NUMBER_STYLES else
                         "header_indent" if j and col_styles[j - 1] in NUMBER_STYLES else "header"
                         for j, s in enumerate(col_styles)]
        if captions is not None:
            self.line([None] * (left - 1) + list(captions), [""] * (left - 1) + ["caption"] * len(captions),
                      height=42)
        header_row = self.next_row
        n = len(frame)
        self._add("table", 1 + max(n, 1), frame=frame, headers=headers, styles=col_styles, left=left,
                  header_styles=header_styles, max_width=max_width,
                  cell_styles=dict(cell_styles or {}), table_style=style)
        self.row_heights[header_row] = header_height
        spot = TableSpot(table_name(name, taken), header_row, header_row + 1, header_row + max(n, 1), left,
                         tuple(columns))
        for j, c in enumerate(columns):
            need = max(_header_width(headers[j]), _column_width(frame[c], col_styles[j]))
            self.fit(left + j, min(max_width, need))
        if main:
            self.freeze = f"{get_column_letter(left)}{header_row + 1}"
            self.print_rows = header_row
        self.blocks[-1].payload["spot"] = spot
        return spot

    def chart(self, make: Callable[[Any], Any], anchor: str) -> None:
        """A chart built by ``make(worksheet)`` and anchored at cell ``anchor``."""
        self.charts.append((make, anchor))

    def keep_together(self, first_row: int, last_row: int) -> None:
        """Print rows ``first_row`` to ``last_row`` on one page (a heading with its table, a table with its chart).

        A sheet with such blocks prints at a scale that fits its columns to the page width,
        with a page break before every block that would otherwise straddle two pages
        (:func:`page_breaks`); a block taller than a page starts on a page of its own.
        """
        if last_row >= first_row:
            self.keep.append((first_row, last_row))


def unique_headers(headers: Sequence[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for h in headers:
        h = shown_text(h).strip() or "Column"  # an activity's name from the input, as its cells show text
        base, k = h, 2
        while h.lower() in seen:
            h = f"{base} ({k})"
            k += 1
        seen.add(h.lower())
        out.append(h)
    return out


#: Characters of text a column holds per character of its width (a width counts digits; letters are narrower:
#: Calibri holds about 1.3, DejaVu Sans (LibreOffice without Calibri or Carlito) a little over 1.2).
TEXT_PER_WIDTH = 1.2


def text_chars(width: float) -> float:
    """Characters of text a layout column ``width`` wide holds on one line (see :func:`column_points`)."""
    return round(width * 1.1 + 1, 1) * TEXT_PER_WIDTH


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapping cell ``width`` characters wide (words kept whole)."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def fit_table(lay: SheetLayout, payload: dict[str, Any]) -> None:
    """Widen a laid-out table's columns to its headers and texts as they are now, rows of wrapped text as tall.

    A translated text can be longer than the English one the table was laid out for.
    """
    frame: pd.DataFrame = payload["frame"]
    spot: TableSpot = payload["spot"]
    styles: list[str] = payload["styles"]
    for j, (c, header, style) in enumerate(zip(spot.columns, payload["headers"], styles, strict=True)):
        lay.fit(spot.left + j, min(payload["max_width"], max(_header_width(header), _column_width(frame[c], style))))
    # A cell wraps by its own style where the column has one per row (cell_styles), else by the column's.
    per_row = {spot.columns.index(c): list(v) for c, v in payload["cell_styles"].items()}
    cells = {j: per_row.get(j, [style] * len(frame)) for j, style in enumerate(styles)}
    wrapped = {j: v for j, v in cells.items() if any(s.startswith("wrap") for s in v)}
    if not wrapped or not len(frame):
        return
    lines = np.ones(len(frame), dtype=np.int64)
    for j, row_styles in wrapped.items():
        width = text_chars(lay.widths[spot.left + j])
        lines = np.maximum(lines, [wrapped_lines(str(t), width - (2 if "indent" in s else 0)) if s.startswith("wrap")
                                   else 1 for t, s in zip(frame.iloc[:, j], row_styles, strict=True)])
    for row, k in zip(range(spot.first_row, spot.last_row + 1), lines.tolist(), strict=True):
        if k > 1:
            lay.row_heights[row] = ROW_HEIGHT * k
        else:
            lay.row_heights.pop(row, None)


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


_CHUNK_ROWS = 5_000


def write_layout(wb: Workbook, layout: SheetLayout, styles: Styles, *, print_setup: bool = True) -> StreamSheet:
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
        _print_setup(ws, layout.print_rows, sum(layout.widths.values()), layout.footer)
        if not layout.keep:
            _split_columns(ws, layout)
        if layout.keep:
            _paginate(ws, layout)
    for dv in layout.validations:
        ws.data_validations.append(dv)
    for row, height in layout.row_heights.items():  # before the rows are streamed
        ws.row_dimensions[row].height = height
    for row in layout.hidden_rows:
        ws.row_dimensions[row].hidden = True
    for block in layout.blocks:
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


def _stream_table(ws: StreamSheet, block: _Block, styles: Styles) -> None:
    p = block.payload
    frame: pd.DataFrame = p["frame"]
    spot: TableSpot = p["spot"]
    pad = [None] * (spot.left - 1)
    pad_styles = [0] * (spot.left - 1)
    ws.put(pad + list(p["headers"]), pad_styles + [styles[s] for s in p["header_styles"]])
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


def add_table(ws: StreamSheet, table: Table, headers: Sequence[str]) -> None:
    """Add ``table`` to a streamed sheet; its columns are named after ``headers`` (the header cells)."""
    table.tableColumns = [TableColumn(id=j + 1, name=h) for j, h in enumerate(headers)]
    table.autoFilter = AutoFilter(ref=table.ref)
    ws.tables.add(table)


#: Total column width (in character widths) above which a sheet prints on A3 rather than A4,
#: so that wide tables such as the customer P&L stay legible when fitted to the page width.
A3_ABOVE_WIDTH = 220


def _print_setup(ws: StreamSheet, header_row: int | None, total_width: float = 0.0,
                 footer: str = "&A — page &P of &N") -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "8" if total_width > A3_ABOVE_WIDTH else "9"  # A3 for wide sheets, else A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    # The footer's text sits this far from the paper's edge, in the 0.35 in below the bottom margin
    # (openpyxl's default of 0.5 in leaves it 0.1 in, and LibreOffice cuts the footer off).
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = footer
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


#: Smallest print scale (per cent) of a sheet fitted to the page width: body text (11 pt) prints at 7 pt or
#: larger. A sheet too wide for it prints its columns over several pages side by side, each page repeating
#: the sheet's frozen first columns (the customer).
MIN_PRINT_SCALE = 64


def print_pages_wide(layout: SheetLayout, paper: str) -> int:
    """Pages side by side a sheet prints across so that its scale stays at least :data:`MIN_PRINT_SCALE`.

    Each page after the first repeats the frozen columns left of ``layout.freeze`` (none: 1 page).
    """
    titles = _title_columns(layout)
    if not titles:
        return 1
    short, long = _PAPER.get(paper, _PAPER["9"])
    usable = _SAFETY * (long - 2 * 0.4 * 72)
    total = sum(column_points(w) for w in layout.widths.values())
    repeated = sum(column_points(layout.widths.get(c, 0.0)) for c in range(1, titles + 1))
    for pages in range(1, 11):
        if 100 * pages * usable / (total + (pages - 1) * repeated) >= MIN_PRINT_SCALE:
            return pages
    return 10


def _title_columns(layout: SheetLayout) -> int:
    """How many columns, from A, are frozen (0: none)."""
    if not layout.freeze:
        return 0
    letters = re.match(r"[A-Z]+", layout.freeze)
    if letters is None:
        return 0
    return sum((ord(ch) - 64) * 26 ** k for k, ch in enumerate(reversed(letters.group()))) - 1


def _split_columns(ws: StreamSheet, layout: SheetLayout) -> None:
    """A sheet too wide to print legibly on one page width: over several, the frozen columns on each."""
    pages = print_pages_wide(layout, str(ws.page_setup.paperSize or "9"))
    if pages > 1:
        ws.page_setup.fitToWidth = pages
        ws.page_setup.pageOrder = "overThenDown"  # a row's pages one after the other
        ws.print_title_cols = f"A:{get_column_letter(_title_columns(layout))}"


#: Height of a row without a height of its own, in points (Excel's for Calibri 11; set on paginated sheets).
ROW_HEIGHT = 15.0
#: Paper sizes (OOXML ``paperSize``) in points, portrait: A4 and A3.
_PAPER = {"9": (595.3, 841.9), "8": (841.9, 1190.6)}
#: Share of the printable width and height the pagination plans with: column widths and row heights
#: come out a little differently in each application and font.
_SAFETY = 0.95


def column_points(width: float) -> float:
    """Printed width in points of a layout column ``width`` characters wide (as :func:`write_layout` sets it).

    The column is ``round(width * 1.1 + 1, 1)`` characters of the default font (Calibri 11:
    7 pixels a character at 96 dpi, 0.75 points a pixel).
    """
    return round(width * 1.1 + 1, 1) * 7 * 0.75


def page_breaks(layout: SheetLayout, paper: str = "9") -> tuple[int, list[int]]:
    """The print scale (per cent) and the rows after which a page break keeps each block of ``layout.keep`` whole.

    The scale fits the sheet's columns to the width of a landscape page. Rows are walked down
    the pages at that scale (hidden rows take no room): a block that would straddle the end
    of a page and fits on one gets a break before it; a block taller than a page starts a
    page. Rows between blocks break where the application breaks them.
    """
    short, long = _PAPER.get(paper, _PAPER["9"])
    width = long - 2 * 0.4 * 72  # landscape, margins as _print_setup sets them
    height = short - 2 * 0.6 * 72
    total = sum(column_points(w) for w in layout.widths.values()) or 1.0
    scale = max(10, min(100, math.floor(100 * _SAFETY * width / total)))
    usable = _SAFETY * height * 100 / scale  # in unscaled points
    starts = {first: last for first, last in sorted(layout.keep)}

    def row_height(r: int) -> float:
        return 0.0 if r in layout.hidden_rows else layout.row_heights.get(r, ROW_HEIGHT)

    breaks: list[int] = []
    used = 0.0
    r = 1
    while r < layout.next_row:
        last = starts.get(r)
        if last is not None and used > 0:
            block = sum(row_height(k) for k in range(r, last + 1))
            if used + block > usable:
                breaks.append(r - 1)
                used = 0.0
        h = row_height(r)
        if used + h > usable and used > 0:  # the application breaks here by itself
            used = 0.0
        used += h
        r += 1
    return scale, breaks


def _paginate(ws: StreamSheet, layout: SheetLayout) -> None:
    """Print ``layout`` at a fixed scale with manual breaks around its kept blocks (:func:`page_breaks`).

    A fixed scale rather than "fit to width": spreadsheet applications may ignore manual page
    breaks on a sheet fitted to pages.
    """
    _, breaks = page_breaks(layout, str(ws.page_setup.paperSize or "9"))
    ws.sheet_format.defaultRowHeight = ROW_HEIGHT
    ws.sheet_format.customHeight = True
    for row in breaks:
        ws.row_breaks.append(Break(id=row))
