"""Reading input: a workbook in the template's format, or a folder of CSV/Parquet files.

Workbooks from outside are untrusted. Before openpyxl sees a file, :func:`check_xlsx`
proves it is a real xlsx package of bounded size whose XML parts declare no DOCTYPE (so no
entity can be defined, let alone expanded); openpyxl then reads it through defusedxml.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from xlprofit.core.dataset import Dataset, Source
from xlprofit.core.tables import TABLES
from xlprofit.errors import InputError

__all__ = ["read", "read_tables", "check_xlsx", "sha256", "MAX_UNCOMPRESSED_BYTES", "load_demo"]

#: The most a workbook may unpack to (bytes). Larger files should come as CSV or Parquet.
MAX_UNCOMPRESSED_BYTES = 1_500_000_000
#: The most any one XML part may expand relative to its compressed size.
MAX_COMPRESSION_RATIO = 200
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_TABLE_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".txt")


def sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_xlsx(path: str | os.PathLike[str]) -> None:
    """Refuse anything that is not a safe xlsx package.

    Raises
    ------
    InputError
        When the file is not a zip package with a workbook part, unpacks to more than
        :data:`MAX_UNCOMPRESSED_BYTES`, has a part compressed more than
        :data:`MAX_COMPRESSION_RATIO` times, or any XML part declares a DOCTYPE.
    """
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"'{p.name}' is not an xlsx workbook ({exc})") from None
    with zf:
        names = zf.namelist()
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise InputError(f"'{p.name}' is not an xlsx workbook (no xl/workbook.xml part)")
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise InputError(f"'{p.name}' unpacks to more than {MAX_UNCOMPRESSED_BYTES:,} bytes; "
                                 "export the large tables as CSV or Parquet instead")
            if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO \
                    and info.file_size > 10_000_000:
                raise InputError(f"'{p.name}': part '{info.filename}' is compressed {info.file_size // info.compress_size}"
                                 " times; refusing a possible zip bomb")
            if info.filename.endswith((".xml", ".rels", ".vml")):
                with zf.open(info) as fh:
                    head = fh.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head or b"<!doctype" in head:
                    raise InputError(f"'{p.name}': part '{info.filename}' declares a DOCTYPE/ENTITY; "
                                     "workbooks with XML entity declarations are refused")


def _find_table_files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for table in TABLES:
        for suffix in _TABLE_SUFFIXES:
            candidate = folder / f"{table}{suffix}"
            if candidate.exists():
                found[table] = candidate
                break
    return found


def _read_file(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def _rows_of(ws: Any, ref: str | None) -> tuple[list[Any], list[list[Any]], int]:
    """Header, data rows and the sheet row number of the first data row."""
    if ref:
        rows = list(ws[ref])
        values = [[c.value for c in r] for r in rows]
        first_row = rows[0][0].row + 1
    else:
        values = [list(r) for r in ws.iter_rows(values_only=True)]
        first_row = 1
        while values and all(v is None or (isinstance(v, str) and not v.strip()) for v in values[0]):
            values.pop(0)
            first_row += 1
        first_row += 1
    if not values:
        return [], [], first_row
    header = values[0]
    keep = [i for i, h in enumerate(header) if h is not None and str(h).strip()]
    header = [header[i] for i in keep]
    data = [[r[i] if i < len(r) else None for i in keep] for r in values[1:]]
    return header, data, first_row


def _read_workbook(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    check_xlsx(path)
    import openpyxl  # noqa: PLC0415 - only needed for workbooks

    from xlprofit.core.parsing import snake_case

    wb = openpyxl.load_workbook(path, data_only=True, read_only=False, keep_links=False)
    try:
        tables: dict[str, pd.DataFrame] = {}
        first_rows: dict[str, int] = {}
        excel_tables: dict[str, tuple[Any, str]] = {}
        for ws in wb.worksheets:
            for name, table in ws.tables.items():
                ref = table.ref if hasattr(table, "ref") else table
                excel_tables[snake_case(name)] = (ws, ref)
        sheets = {snake_case(ws.title): ws for ws in wb.worksheets}
        for table in TABLES:
            if table in excel_tables:
                ws, ref = excel_tables[table]
                header, data, first = _rows_of(ws, ref)
            elif table in sheets:
                header, data, first = _rows_of(sheets[table], None)
            else:
                continue
            tables[table] = pd.DataFrame(data, columns=header) if header else pd.DataFrame()
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
        files = _find_table_files(p)
        if not files:
            raise InputError(f"folder '{p}' holds none of the files {', '.join(t + '.csv' for t in TABLES)} "
                             "(or .parquet)")
        tables = {t: _read_file(f) for t, f in files.items()}
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


def read(path: str | os.PathLike[str]) -> Dataset:
    """Read a workbook in the template's format, or a folder of CSV/Parquet files, into a Dataset."""
    tables, first_rows, sources = read_tables(path)
    return Dataset(tables.get("customers"), tables.get("transactions"), tables.get("activities"),
                   tables.get("resources"), tables.get("usage"), tables.get("parameters"),
                   first_rows=first_rows, sources=sources)


def load_demo() -> Dataset:
    """The embedded demo dataset: a B2B distributor over eight quarters."""
    from xlprofit.data import DEMO_DIR, DEMO_FILES, demo_tables

    sources: Iterable[Source] = [Source(t, f"(demo) {f}", sha256(DEMO_DIR / f)) for t, f in DEMO_FILES.items()]
    return Dataset(**demo_tables(), sources=list(sources))
