"""Reading input: a workbook in the template's format, or a folder of CSV/Parquet files.

Workbooks from outside are untrusted. Before openpyxl sees a file, :func:`check_xlsx`
proves it is a real xlsx package of bounded size whose XML parts declare no DOCTYPE (so no
entity can be defined, let alone expanded); openpyxl then reads it through defusedxml.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import pandas as pd

from xlprofit.core.dataset import Dataset, Source
from xlprofit.core.schema import TABLES
from xlprofit.errors import InputError
from xlprofit.files import read_table_file, release_arrow_memory, sha256, table_file

#: The input tables a workbook or folder may hold: the six of the design, plus exchange rates.
INPUT_TABLES: tuple[str, ...] = (*TABLES, "fx")

__all__ = ["read", "read_tables", "check_xlsx", "sha256", "MAX_UNCOMPRESSED_BYTES", "MAX_PARTS", "MAX_TABLE_CELLS",
           "load_demo"]

#: The most a workbook may unpack to (bytes). Larger files should come as CSV or Parquet.
MAX_UNCOMPRESSED_BYTES = 1_500_000_000
#: The most any one XML part may expand relative to its compressed size.
MAX_COMPRESSION_RATIO = 200
#: The most parts (files) a workbook package may hold.
MAX_PARTS = 10_000
#: The most cells the reader takes from one input table.
MAX_TABLE_CELLS = 60_000_000
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATIONS = (b"<!doctype", b"<!entity")
_SCAN_CHUNK = 1 << 20


def _declares_entities(fh: IO[bytes], name: str, book: str) -> bool:
    """Whether an XML part holds a DOCTYPE or ENTITY declaration (scanned to the end, in chunks)."""
    head = fh.read(4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) == 4 and (head[0] == 0 or head[1] == 0)):
        raise InputError(f"'{book}': part '{name}' is not UTF-8 encoded XML; workbooks saved by Excel or "
                         "LibreOffice are, so this file is refused")
    tail = head.lower()
    while True:
        chunk = fh.read(_SCAN_CHUNK)
        window = tail + chunk.lower()
        if any(d in window for d in _DECLARATIONS):
            return True
        if not chunk:
            return False
        tail = window[-16:]


def check_xlsx(path: str | os.PathLike[str]) -> None:
    """Refuse anything that is not a safe xlsx package.

    The whole of every XML part is scanned before any XML parser sees it, so a document
    type definition, and with it any entity, is impossible in what the reader parses.

    Raises
    ------
    InputError
        When the file is not a zip package with a workbook part, holds more than
        :data:`MAX_PARTS` parts, unpacks to more than :data:`MAX_UNCOMPRESSED_BYTES`, has a
        large part compressed more than :data:`MAX_COMPRESSION_RATIO` times, has an XML
        part that is not UTF-8, or any XML part declares a DOCTYPE or an ENTITY.
    """
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"'{p.name}' is not an xlsx workbook ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            raise InputError(f"'{p.name}' holds {len(infos):,} parts (at most {MAX_PARTS:,}); refusing it")
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            kind = " (an .xlsb binary workbook?)" if "xl/workbook.bin" in names else ""
            raise InputError(f"'{p.name}' is not an xlsx workbook{kind} (no xl/workbook.xml part)")
        total = 0
        for info in infos:
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise InputError(f"'{p.name}' unpacks to more than {MAX_UNCOMPRESSED_BYTES:,} bytes; "
                                 "export the large tables as CSV or Parquet instead")
            if info.file_size > 10_000_000 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise InputError(f"'{p.name}': part '{info.filename}' is compressed "
                                 f"{info.file_size // max(info.compress_size, 1)} times; refusing a possible zip bomb")
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES):
                try:
                    with zf.open(info) as fh:
                        declared = _declares_entities(fh, info.filename, p.name)
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                    raise InputError(f"'{p.name}': part '{info.filename}' cannot be read ({exc})") from None
                if declared:
                    raise InputError(f"'{p.name}': part '{info.filename}' declares a DOCTYPE/ENTITY; "
                                     "workbooks with XML entity declarations are refused")


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _part_path(base: str, target: str) -> str:
    """Resolve a relationship target against the folder of the part ``base``."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    from defusedxml.ElementTree import fromstring

    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in zf.namelist():
        return {}
    root = fromstring(zf.read(rels))
    return {r.get("Id", ""): _part_path(part, r.get("Target", "")) for r in root.iter(f"{_PKG_REL_NS}Relationship")}


def _excel_tables(path: Path) -> dict[str, tuple[str, str]]:
    """Excel Tables of a workbook: ``{table name: (sheet title, ref)}``, read with defusedxml."""
    from defusedxml.ElementTree import fromstring

    out: dict[str, tuple[str, str]] = {}
    with zipfile.ZipFile(path) as zf:
        book_rels = _relationships(zf, "xl/workbook.xml")
        book = fromstring(zf.read("xl/workbook.xml"))
        for sheet in book.iter(f"{_MAIN_NS}sheet"):
            part = book_rels.get(sheet.get(f"{_REL_NS}id", ""))
            if part is None or part not in zf.namelist():
                continue
            for target in _relationships(zf, part).values():
                if not target.startswith("xl/tables/") or target not in zf.namelist():
                    continue
                table = fromstring(zf.read(target))
                name = table.get("displayName") or table.get("name") or ""
                if name and table.get("ref"):
                    out[name] = (sheet.get("name", ""), table.get("ref", ""))
    return out


def _trim(values: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing rows whose cells are all blank (an Excel Table's empty last rows)."""
    end = len(values)
    while end and all(v is None or (isinstance(v, str) and not v.strip()) for v in values[end - 1]):
        end -= 1
    return values[:end]


def _mark_error_cells(ws: Any, values: list[list[Any]], top: int, min_col: int | None, max_col: int | None) -> None:
    """Replace the values of Excel error cells by :class:`~xlprofit.core.parsing.CellError`.

    Read as values, an error cell (``#N/A``, ``#DIV/0!`` …) is the same text as a cell that
    holds those characters as text. Only when such text occurs are the rows read again as
    cells, whose type tells them apart; the core then rejects an error cell's row with the
    reason instead of reading the error as a blank or as an id.
    """
    from xlprofit.core.parsing import EXCEL_ERRORS, CellError

    if not any(isinstance(v, str) and v in EXCEL_ERRORS for row in values for v in row):
        return
    rows = ws.iter_rows(min_row=top, max_row=top + len(values) - 1, min_col=min_col, max_col=max_col)
    for row, cells in zip(values, rows, strict=False):
        for j, cell in enumerate(cells[: len(row)]):
            if getattr(cell, "data_type", None) == "e" and isinstance(row[j], str):
                row[j] = CellError(row[j])


def _rows_of(ws: Any, ref: str | None, table: str) -> tuple[list[Any], list[list[Any]], int]:
    """Header, data rows and the sheet row number of the first data row."""
    from openpyxl.utils.cell import range_boundaries

    if ref:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        cells = (max_col - min_col + 1) * (max_row - min_row + 1)
        if cells > MAX_TABLE_CELLS:
            raise InputError(f"Excel Table '{table}' spans {cells:,} cells (at most {MAX_TABLE_CELLS:,}); "
                             "export it as CSV or Parquet instead")
        values = [list(r) for r in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col,
                                                 max_col=max_col, values_only=True)]
        _mark_error_cells(ws, values, min_row, min_col, max_col)
        first_row = min_row + 1
    else:
        values, first_row, cells = [], 1, 0
        for r in ws.iter_rows(values_only=True):
            cells += len(r)
            if cells > MAX_TABLE_CELLS:
                raise InputError(f"sheet '{ws.title}' holds more than {MAX_TABLE_CELLS:,} cells; "
                                 "export it as CSV or Parquet instead")
            if not values and all(v is None or (isinstance(v, str) and not v.strip()) for v in r):
                first_row += 1
                continue
            values.append(list(r))
        _mark_error_cells(ws, values, first_row, None, None)
        first_row += 1
    values = _trim(values)
    if not values:
        return [], [], first_row
    header = values[0]
    keep = [i for i, h in enumerate(header) if h is not None and str(h).strip()]
    header = [header[i] for i in keep]
    data = [[r[i] if i < len(r) else None for i in keep] for r in values[1:]]
    return header, data, first_row


def _read_workbook(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    check_xlsx(path)
    import openpyxl  # only needed for workbooks
    from defusedxml import DefusedXmlException

    from xlprofit.core.parsing import snake_case

    if not openpyxl.DEFUSEDXML:
        raise InputError("reading workbooks needs the 'defusedxml' package (pip install defusedxml)")
    try:
        excel_tables = {snake_case(k): v for k, v in _excel_tables(path).items()}
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError, DefusedXmlException) as exc:
        raise InputError(f"'{path.name}' is not a readable xlsx workbook ({exc})") from None
    try:
        sheets = {snake_case(ws.title): ws for ws in wb.worksheets}
        titles = {ws.title: ws for ws in wb.worksheets}
        tables: dict[str, pd.DataFrame] = {}
        first_rows: dict[str, int] = {}
        for table in INPUT_TABLES:
            if table in excel_tables and excel_tables[table][0] in titles:
                title, ref = excel_tables[table]
                header, data, first = _rows_of(titles[title], ref, table)
            elif table in sheets:
                header, data, first = _rows_of(sheets[table], None, table)
            else:
                continue
            frame = pd.DataFrame(data, columns=header) if header else pd.DataFrame()
            if table == "parameters" and frame.shape[1] >= 2:
                # A name whose value cell is blank is a parameter not given (the template lists them all).
                value = frame.iloc[:, 1]
                frame = frame[~(value.isna() | value.astype(str).str.strip().eq(""))]
            tables[table] = frame
            first_rows[table] = first
    finally:
        wb.close()
    return tables, first_rows


def read_tables(path: str | os.PathLike[str]) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[Source]]:
    """Read the raw input tables from a workbook or a folder (no validation).

    Returns
    -------
    (tables, first_rows, sources)
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"input '{p}' does not exist")
    if p.is_dir():
        files = {t: f for t in INPUT_TABLES if (f := table_file(p, t)) is not None}
        if not files:
            raise InputError(f"folder '{p}' holds none of the files {', '.join(t + '.csv' for t in TABLES)} "
                             "(or .parquet)")
        tables = {t: read_table_file(f) for t, f in files.items()}
        sources = [Source(t, str(f), sha256(f)) for t, f in files.items()]
        return tables, {}, sources
    if p.suffix.lower() in _XLSX_SUFFIXES:
        tables, first_rows = _read_workbook(p)
        if not tables:
            raise InputError(f"workbook '{p.name}' has no sheet or Table named after an input table "
                             f"({', '.join(TABLES)})")
        return tables, first_rows, [Source("workbook", str(p), sha256(p))]
    if p.suffix.lower() == ".xls":
        raise InputError(f"'{p.name}' is an old .xls workbook; save it as .xlsx")
    raise InputError(f"'{p.name}' is neither an .xlsx workbook nor a folder of CSV/Parquet files")


def read(path: str | os.PathLike[str], *, engine: str = "auto") -> Dataset:
    """Read a workbook in the template's format, or a folder of CSV/Parquet files, into a Dataset.

    Parameters
    ----------
    path:
        An ``.xlsx`` workbook, or a folder of ``customers.csv``, ``transactions.parquet``, …
    engine:
        For folders: where the invoice lines are validated and summed — ``"pandas"`` (in
        memory), ``"duckdb"`` (in-process, bounded memory), ``"spark"`` or ``"auto"``
        (DuckDB when installed). Every engine gives the same analysis to the cent;
        workbooks are always read with pandas.
    """
    p = Path(path)
    if p.is_dir() and engine != "pandas":
        from xlprofit.engines import read_folder

        return read_folder(p, engine=engine)
    tables, first_rows, sources = read_tables(path)
    ds = Dataset(tables.get("customers"), tables.get("transactions"), tables.get("activities"),
                 tables.get("resources"), tables.get("usage"), tables.get("parameters"), fx=tables.get("fx"),
                 first_rows=first_rows, sources=sources)
    del tables  # the tables as read (Arrow text for Parquet) are normalised now
    release_arrow_memory()
    return ds


def load_demo() -> Dataset:
    """The embedded demo dataset: a B2B distributor over eight quarters."""
    from xlprofit.data import DEMO_DIR, DEMO_FILES, demo_tables

    sources: Iterable[Source] = [Source(t, f"(demo) {f}", sha256(DEMO_DIR / f)) for t, f in DEMO_FILES.items()]
    return Dataset(**demo_tables(), sources=list(sources))
