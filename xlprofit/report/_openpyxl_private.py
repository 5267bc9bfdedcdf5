"""openpyxl's private API: the one module that relies on openpyxl internals.

xlprofit streams its sheets through a subclass of openpyxl's write-only worksheet,
:class:`StreamSheet`, which writes rows of plain values as XML text
(:mod:`xlprofit.report._rows`, measured 4-7x faster than XlsxWriter's constant-memory mode and
openpyxl's own write-only mode at 100,000 customers) and gives every cell a ready cell style
id. That needs names openpyxl does not publish, all of them used here and nowhere else in
xlprofit:

- ``openpyxl.worksheet._write_only.WriteOnlyWorksheet``, the class subclassed, and its
  hooks ``_write_rows`` (the generator that receives appended rows; overridden),
  ``_values_to_row`` (overridden), ``_writer`` (its ``WorksheetWriter``: ``xf`` and
  ``write_row``; ``close`` and ``cleanup`` in :func:`discard_streams`), ``_rows`` (the running
  ``_write_rows`` generator, closed by :func:`discard_streams`) and ``_already_saved``;
- the ``_file`` of the incremental XML writer openpyxl streams into (et_xmlfile's, the raw text
  output; without it, e.g. under lxml, every row goes through openpyxl's writer);
- ``Workbook._add_sheet`` (:func:`new_sheet`: the public ``create_sheet`` cannot make a
  subclass) and ``Workbook._cell_styles`` (:func:`cell_style_id`);
- ``Cell._value`` (:func:`set_value`, which stores text as text without openpyxl's guessing).

Checked against openpyxl 3.1.0, 3.1.2, 3.1.4 and 3.1.5 (with et_xmlfile 2.0, without lxml):
``tests/test_workbooks.py`` and ``tests/test_spill.py``, which write the report, template and
demo workbooks and compare the rows written here with openpyxl's own, passed with each, and
the demo report's parts were the same but for openpyxl's name in ``docProps/app.xml`` and the
timestamps. pyproject.toml pins ``openpyxl>=3.1,<3.2`` to match (:data:`VALIDATED_OPENPYXL`),
and ``tests/test_openpyxl_pin.py`` fails when the installed openpyxl is outside that range.
Before widening the pin, compare ``openpyxl/worksheet/_write_only.py`` of the new version with
the hooks above.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from copy import copy
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import NamedStyle
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.formula import ArrayFormula

from xlprofit.report._rows import TableRows, row_xml, table_rows_xml
from xlprofit.report._values import SpillFormula, cell_value

__all__ = ["VALIDATED_OPENPYXL", "StreamSheet", "cell_style_id", "discard_streams", "new_sheet", "set_value"]

#: The openpyxl versions this module was checked against (a PEP 440 specifier; pyproject.toml's pin).
VALIDATED_OPENPYXL = ">=3.1,<3.2"


def cell_style_id(wb: Workbook, named: NamedStyle) -> int:
    """The cell style id of ``named`` in ``wb`` (added with ``wb.add_named_style`` before)."""
    return wb._cell_styles.add(copy(named.as_tuple()))


def set_value(cell: Cell, value: Any) -> Cell:
    """Write ``value`` into ``cell``; text is always stored as text, never as a formula or an error."""
    v, kind = cell_value(value)
    if kind == "f":
        cell.value = ArrayFormula(ref=cell.coordinate, text=v) if isinstance(value, SpillFormula) else v
        return cell
    cell._value = v
    cell.data_type = kind or "n"
    return cell


class _StyledCell(Cell):
    """A reusable write-only cell whose style is a ready cell style id."""

    __slots__ = ("_sid",)

    @property
    def style_id(self) -> int:  # the writer asks for this id once per cell
        return self._sid

    @property
    def has_style(self) -> bool:
        return self._sid != 0


class StreamSheet(WriteOnlyWorksheet):
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


def new_sheet(wb: Workbook, title: str) -> StreamSheet:
    """Add a streaming sheet named ``title`` to the write-only workbook ``wb``."""
    ws = StreamSheet(wb, title)
    wb._add_sheet(ws)  # the public create_sheet() cannot make a subclass
    return ws


def discard_streams(wb: Workbook) -> None:
    """Close and delete the sheet streams of a write-only workbook whose save failed or was interrupted.

    Each streaming sheet holds two generators: its rows (:meth:`StreamSheet._write_rows`) and
    openpyxl's writer of its temporary XML file. Left to the garbage collector they are
    finalised in any order, and a rows generator finalised after its file was closed prints
    "Exception ignored … I/O operation on closed file". Here the rows are closed first, then
    the file, then the file is deleted; a failure (a full disk) is ignored, the save has
    failed already.
    """
    for ws in wb.worksheets:
        rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
            with contextlib.suppress(Exception):  # already gone for the sheets saved
                writer.cleanup()
