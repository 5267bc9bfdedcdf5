"""Input files on disk: which file holds a table, its checksum, and reading one table file.

The one place below both :mod:`xlprofit.io` (workbooks and folders read with pandas) and
:mod:`xlprofit.engines` (folders whose invoice lines an engine reads): both find a folder's
tables, fingerprint them and read the small ones the same way.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from xlprofit.errors import InputError

__all__ = ["TABLE_SUFFIXES", "sha256", "table_file", "line_files", "read_table_file", "release_arrow_memory"]

#: The suffixes of a table file, in the order they are looked for (``customers.parquet`` first).
TABLE_SUFFIXES: tuple[str, ...] = (".parquet", ".csv", ".csv.gz", ".txt")


def sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def table_file(folder: Path, table: str) -> Path | None:
    """The file of ``table`` in ``folder`` (the first of :data:`TABLE_SUFFIXES` present), or ``None``."""
    for suffix in TABLE_SUFFIXES:
        candidate = folder / f"{table}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def line_files(folder: Path) -> list[Path]:
    """``transactions.csv`` / ``.parquet`` …, or every CSV/Parquet file of a ``transactions`` folder."""
    sub = folder / "transactions"
    if sub.is_dir():
        files = sorted(p for p in sub.iterdir() if p.is_file() and p.name.lower().endswith(TABLE_SUFFIXES))
        if not files:
            raise InputError(f"folder '{sub}' holds no CSV or Parquet file")
        return files
    found = table_file(folder, "transactions")
    if found is None:
        raise InputError(f"folder '{folder}' has no transactions file (transactions.csv or .parquet, "
                         "or a 'transactions' folder of such files)")
    return [found]


def read_table_file(path: Path) -> pd.DataFrame:
    """One input table from a CSV file (every cell as text, as the user typed it) or a Parquet file."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        frame = pd.read_parquet(path)
        release_arrow_memory()
        return frame
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")


def release_arrow_memory() -> None:
    """Give the memory Arrow has freed back to the system (its allocator keeps it otherwise).

    Every Parquet file and engine result passes through Arrow; without this, a million-customer
    table leaves a few hundred MB held after it was converted.
    """
    try:
        import pyarrow as pa
    except ImportError:  # no Arrow, nothing held
        return
    pa.default_memory_pool().release_unused()
