"""Row XML: the ``<row>`` and ``<c>`` elements of a sheet's ``sheetData``, written as text.

A million-customer P&L is tens of millions of cells, and openpyxl's cell-by-cell serialisation
takes about 17 µs a cell, so rows of plain values are written here as XML text — exactly the
text openpyxl's own writer makes for them: :func:`row_xml` a row at a time, and
:func:`table_rows_xml` a table's rows (:class:`TableRows`, filled by :func:`column_values`) a
column at a time. Values are read by :func:`xlprofit.report._values.cell_value`; a row that
holds a formula, or a value this module does not write, gives ``None`` and is left to
openpyxl's writer (:mod:`xlprofit.report._openpyxl_private`).

The texts of a table (input data: names, segments, ids, the exceptions' values) are shown as
:func:`xlprofit.core.parsing.shown_text` makes them, at most
:data:`~xlprofit.core.parsing.MAX_SHOWN_TEXT` characters (:func:`column_values`): a label of
thousands of emoji makes LibreOffice's layout of the report take minutes. The readers list
every input text that is cut ("text shortened").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from xlprofit.core.parsing import MAX_SHOWN_TEXT, shown_text
from xlprofit.report._values import ILLEGAL_CHARACTERS, MAX_TEXT, cell_value

__all__ = ["TableRows", "cell_xml", "column_values", "row_xml", "table_rows_xml"]

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
    return ILLEGAL_CHARACTERS.search(joined) is None and _XML_SPECIAL.search(joined) is None \
        and max(map(len, texts)) <= MAX_TEXT


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


def _shown(values: list[Any]) -> list[Any]:
    """The values of a table column with every text as a report table shows it (:func:`shown_text`)."""
    texts = [v for v in values if type(v) is str]
    if not texts:
        return values
    if ILLEGAL_CHARACTERS.search("\n".join(texts)) is None and max(map(len, texts)) <= MAX_SHOWN_TEXT:
        return values
    return [shown_text(v) if type(v) is str else v for v in values]


def column_values(series: pd.Series) -> tuple[list[Any], str | None]:
    """Python values of a column and their kind for :class:`TableRows`.

    Floats (kind ``"float"``), ints (``"int"``), bools or datetimes (kind ``None``), anything
    else as Python objects (``"text"``: mostly text, as :func:`shown_text` shows it); missing
    values as None.
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
    return _shown(series.astype(object).tolist()), "text"

