"""Reading input: a workbook in the template's format, or a folder of CSV/Parquet files.

Workbooks from outside are untrusted. Before openpyxl sees a file, :func:`check_xlsx`
proves it is a real xlsx package of bounded size whose XML parts declare no DOCTYPE (so no
entity can be defined, let alone expanded); openpyxl then reads it through defusedxml.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import pandas as pd

from xlprofit.core.dataset import Dataset, Source
from xlprofit.core.reading import SHEET_ROWS
from xlprofit.core.schema import TABLES
from xlprofit.errors import InputError
from xlprofit.files import read_source, read_table, release_arrow_memory, sha256, table_file

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


def check_xlsx(path: str | os.PathLike[str], book: IO[bytes] | None = None) -> None:
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

    ``book``, when given, holds the bytes of ``path`` (already read) and is checked instead.
    """
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p if book is None else book)
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


def _excel_tables(path: Path | IO[bytes]) -> dict[str, tuple[str, str]]:
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


def _blank(row: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


#: What openpyxl raises on a sheet whose XML is malformed or holds values it cannot read.
_SHEET_ERRORS = (ElementTree.ParseError, ValueError, KeyError, IndexError, TypeError, AttributeError,
                 OverflowError, zipfile.BadZipFile, EOFError, zlib.error, OSError)


def _sheet_rows(ws: Any, book: str, min_row: int, max_row: int | None, min_col: int, max_col: int | None,
                values_only: bool = True) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(sheet row number, values)`` of the rows from ``min_row``, as the sheet's XML holds them.

    The sheet's ``<dimension>`` element is not trusted (a workbook may declare A1:XFD1048576
    over a few rows): without ``max_col`` a row is as wide as its last cell. A sheet whose XML
    cannot be read is an :class:`InputError` naming it, wherever the fault is.
    """
    from defusedxml import DefusedXmlException

    ws.reset_dimensions()
    try:
        rows = ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                            values_only=values_only)
        yield from enumerate(rows, start=min_row)
    except (*_SHEET_ERRORS, DefusedXmlException) as exc:
        raise InputError(f"'{book}': sheet '{ws.title}' cannot be read ({type(exc).__name__}: {exc})") from None


def _mark_error_cells(ws: Any, book: str, data: list[list[Any]], rows: list[int], keep: list[int], min_col: int,
                      max_col: int | None) -> None:
    """Replace the values of Excel error cells by :class:`~xlprofit.core.parsing.CellError`.

    Read as values, an error cell (``#N/A``, ``#DIV/0!`` …) is the same text as a cell that
    holds those characters as text. Only when such text occurs are the rows read again as
    cells, whose type tells them apart; the core then rejects an error cell's row with the
    reason instead of reading the error as a blank or as an id.
    """
    from xlprofit.core.parsing import EXCEL_ERRORS, CellError

    suspects = {n: i for i, (n, row) in enumerate(zip(rows, data, strict=True))
                if any(isinstance(v, str) and v in EXCEL_ERRORS for v in row)}
    if not suspects:
        return
    for number, cells in _sheet_rows(ws, book, min(suspects), max(suspects), min_col, max_col, values_only=False):
        i = suspects.get(number)
        if i is None:
            continue
        row = data[i]
        for j, k in enumerate(keep):
            if k < len(cells) and getattr(cells[k], "data_type", None) == "e" and isinstance(row[j], str):
                row[j] = CellError(row[j])


def _rows_of(ws: Any, ref: str | None, table: str, book: str) -> tuple[list[Any], list[list[Any]], list[int]]:
    """Header, data rows (wholly blank rows left out) and each data row's sheet row number.

    Memory and time follow the cells the sheet's XML holds, never its declared size; at most
    :data:`MAX_TABLE_CELLS` cells are read from one table.
    """
    from openpyxl.utils.cell import range_boundaries

    header: Sequence[Any] | None = None
    if ref:  # an Excel Table: its header row, and as many columns as the header holds
        min_col, min_row, max_col, last = range_boundaries(ref)
        header = next((r for _, r in _sheet_rows(ws, book, min_row, min_row, min_col, max_col)), ())
        width = max((i + 1 for i, h in enumerate(header) if h is not None and str(h).strip()), default=0)
        if width == 0:
            return [], [], []
        header, max_col, start, max_row = header[:width], min_col + width - 1, min_row + 1, last
    else:
        min_col, max_col, start, max_row = 1, None, 1, None
    keep = [] if header is None else [i for i, h in enumerate(header) if h is not None and str(h).strip()]
    data: list[list[Any]] = []
    rows: list[int] = []
    cells = 0
    for number, r in _sheet_rows(ws, book, start, max_row, min_col, max_col):
        cells += max(len(r), 1)
        if cells > MAX_TABLE_CELLS:
            what = f"Excel Table '{table}'" if ref else f"sheet '{ws.title}'"
            raise InputError(f"{what} holds more than {MAX_TABLE_CELLS:,} cells; export it as CSV or Parquet instead")
        if _blank(r):
            continue
        if header is None:  # a sheet: the first row that is not blank is the header
            header = r
            keep = [i for i, h in enumerate(header) if h is not None and str(h).strip()]
            continue
        data.append([r[i] if i < len(r) else None for i in keep])
        rows.append(number)
    if header is None:
        return [], [], []
    _mark_error_cells(ws, book, data, rows, keep, min_col, max_col)
    return [header[i] for i in keep], data, rows


def _read_workbook(path: Path, book: IO[bytes], names: Sequence[str] = INPUT_TABLES
                   ) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The tables ``names`` of the workbook ``path``, parsed from ``book``: the bytes read once and hashed."""
    check_xlsx(path, book)
    import openpyxl  # only needed for workbooks
    from defusedxml import DefusedXmlException

    from xlprofit.core.parsing import snake_case

    if not openpyxl.DEFUSEDXML:
        raise InputError("reading workbooks needs the 'defusedxml' package (pip install defusedxml)")
    try:
        excel_tables = {snake_case(k): v for k, v in _excel_tables(book).items()}
        wb = openpyxl.load_workbook(book, read_only=True, data_only=True, keep_links=False)
    except (*_SHEET_ERRORS, DefusedXmlException) as exc:
        raise InputError(f"'{path.name}' is not a readable xlsx workbook ({exc})") from None
    try:
        sheets = {snake_case(ws.title): ws for ws in wb.worksheets}
        titles = {ws.title: ws for ws in wb.worksheets}
        tables: dict[str, pd.DataFrame] = {}
        first_rows: dict[str, int] = {}
        for table in names:
            if table in excel_tables and excel_tables[table][0] in titles:
                title, ref = excel_tables[table]
                header, data, rows = _rows_of(titles[title], ref, table, path.name)
            elif table in sheets:
                header, data, rows = _rows_of(sheets[table], None, table, path.name)
            else:
                continue
            # The rows keep their sheet row numbers (blank rows were skipped while reading).
            index = pd.Index(rows, dtype="int64", name=SHEET_ROWS)
            frame = pd.DataFrame(data, columns=header, index=index) if header else pd.DataFrame()
            first = rows[0] if rows else 2
            if table == "parameters" and frame.shape[1] >= 2:
                # A name whose value cell is blank is a parameter not given (the template lists them all).
                value = frame.iloc[:, 1]
                frame = frame[~(value.isna() | value.astype(str).str.strip().eq(""))]
            tables[table] = frame
            first_rows[table] = first
    finally:
        wb.close()
    return tables, first_rows


def read_tables(path: str | os.PathLike[str], *, encoding: str | None = None, delimiter: str | None = None
                ) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[Source]]:
    """Read the raw input tables from a workbook or a folder (no validation).

    ``encoding`` and ``delimiter`` are those of a folder's CSV files, when they are not to be
    detected (see :func:`xlprofit.core.reading.read_csv_table`).

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
        # the hash is of the bytes parsed
        read = {t: read_table(t, f, encoding=encoding, delimiter=delimiter) for t, f in files.items()}
        return {t: frame for t, (frame, _) in read.items()}, {}, [source for _, source in read.values()]
    if p.suffix.lower() in _XLSX_SUFFIXES:
        data, source = read_source("workbook", p, MAX_UNCOMPRESSED_BYTES)  # read once: the hash is of the bytes parsed
        tables, first_rows = _read_workbook(p, BytesIO(data))
        if not tables:
            raise InputError(f"workbook '{p.name}' has no sheet or Table named after an input table "
                             f"({', '.join(TABLES)})")
        return tables, first_rows, [source]
    if p.suffix.lower() == ".xls":
        raise InputError(f"'{p.name}' is an old .xls workbook; save it as .xlsx")
    raise InputError(f"'{p.name}' is neither an .xlsx workbook nor a folder of CSV/Parquet files")


def read_scenarios(path: str | os.PathLike[str], *, encoding: str | None = None, delimiter: str | None = None
                   ) -> pd.DataFrame | None:
    """The ``scenarios`` table of a workbook (a sheet or Excel Table) or a folder (``scenarios.csv``), or None.

    The rows keep the numbers the user sees (header = row 1); the table is checked by
    :func:`xlprofit.core.scenarios.parse_scenarios`.
    """
    p = Path(path)
    if p.is_dir():
        found = table_file(p, "scenarios")
        if found is None:
            return None
        frame = read_table("scenarios", found, encoding=encoding, delimiter=delimiter)[0]
        frame.index = pd.RangeIndex(2, 2 + len(frame))
        return frame
    if p.suffix.lower() in _XLSX_SUFFIXES:
        data, _ = read_source("workbook", p, MAX_UNCOMPRESSED_BYTES)
        tables, _ = _read_workbook(p, BytesIO(data), ("scenarios",))
        return tables.get("scenarios")
    return None


def read(path: str | os.PathLike[str], *, engine: str = "auto", encoding: str | None = None,
         delimiter: str | None = None) -> Dataset:
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
    encoding, delimiter:
        Of a folder's CSV files, when they are not to be detected: a Python codec name
        (``"utf-8"``, ``"cp1252"``, ``"cp1250"``) and one character (``","``, ``";"``, or ``"tab"``).
        Detected, a file is UTF-8 (with or without a byte-order mark, or UTF-16 with one), else
        Windows-1252 or Windows-1250 by its letters; the delimiter is the one that splits the
        header into the table's columns, and a ``;`` file's numbers have a decimal comma.
    """
    p = Path(path)
    if p.is_dir() and engine != "pandas":
        from xlprofit.engines import read_folder

        return read_folder(p, engine=engine, encoding=encoding, delimiter=delimiter)
    tables, first_rows, sources = read_tables(path, encoding=encoding, delimiter=delimiter)
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
