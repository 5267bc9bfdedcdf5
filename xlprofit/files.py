"""Input files on disk: which file holds a table, its checksum, and reading one table file.

The one place below both :mod:`xlprofit.io` (workbooks and folders read with pandas) and
:mod:`xlprofit.engines` (folders whose invoice lines an engine reads): both find a folder's
tables, fingerprint them and read the small ones the same way.

The SHA-256 shown on the report's Assumptions sheet must be that of the data analysed, even
when a file is replaced or rewritten while it is read. Two ways guarantee it:

- a file read into pandas (or openpyxl) is read once into memory (:func:`read_source`); the
  hash is of those bytes and the parser reads the same bytes, so they cannot differ;
- a file an engine reads itself, perhaps several times during the analysis, is hashed before
  (:func:`watch_file`) and checked after the work (:func:`check_unchanged`): same size,
  modification time, file identity and hash, else "the file changed while it was read".
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from xlprofit.core.dataset import Source
from xlprofit.core.reading import read_csv_table
from xlprofit.errors import InputError

__all__ = ["TABLE_SUFFIXES", "sha256", "table_file", "line_files", "read_table_file", "read_table", "read_source",
           "parse_table", "watch_file", "check_unchanged", "release_arrow_memory"]

#: The suffixes of a table file, in the order they are looked for (``customers.parquet`` first).
TABLE_SUFFIXES: tuple[str, ...] = (".parquet", ".csv", ".csv.gz", ".txt")
_CHUNK = 1 << 20


def sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    """What changes when a file is rewritten or replaced: size, modification time, identity."""
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev


def _changed(path: str | os.PathLike[str]) -> InputError:
    return InputError(f"the file '{path}' changed while it was read; run again once it is complete")


def read_source(table: str, path: str | os.PathLike[str], max_bytes: int | None = None) -> tuple[bytes, Source]:
    """The bytes of a file, read once, and its :class:`Source`, whose hash is of exactly those bytes.

    Raises
    ------
    InputError
        When the file is larger than ``max_bytes``, or grew, shrank or was rewritten while it
        was read.
    """
    with open(path, "rb") as fh:
        before = os.fstat(fh.fileno())
        if max_bytes is not None and before.st_size > max_bytes:
            raise InputError(f"'{Path(path).name}' holds {before.st_size:,} bytes (at most {max_bytes:,} are read); "
                             "export the large tables as CSV or Parquet instead")
        data = fh.read()
        after = os.fstat(fh.fileno())
    if _stamp(before) != _stamp(after) or len(data) != after.st_size:
        raise _changed(path)
    return data, Source(table, str(path), hashlib.sha256(data).hexdigest())


def parse_table(name: str, data: bytes, table: str | None = None, *, encoding: str | None = None,
                delimiter: str | None = None) -> pd.DataFrame:
    """One input table from the bytes of the file ``name``: CSV (every cell as text, as typed) or Parquet.

    CSV is read by :func:`xlprofit.core.reading.read_csv_table` (encoding and delimiter detected
    unless given; rows of the wrong width listed for the table's reader to reject).
    """
    lower = name.lower()
    if lower.endswith(".parquet"):
        frame = pd.read_parquet(io.BytesIO(data))
        release_arrow_memory()
        return frame
    if lower.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"'{name}' is not a readable gzip file ({exc})") from None
    return read_csv_table(data, name, table, encoding=encoding, delimiter=delimiter)


def read_table(table: str, path: Path, *, encoding: str | None = None, delimiter: str | None = None
               ) -> tuple[pd.DataFrame, Source]:
    """The table in the file ``path`` and its :class:`Source` (the hash of the very bytes parsed)."""
    data, source = read_source(table, path)
    return parse_table(path.name, data, table, encoding=encoding, delimiter=delimiter), source


def read_table_file(path: Path) -> pd.DataFrame:
    """One input table from a CSV file (every cell as text, as the user typed it) or a Parquet file."""
    return read_table(path.name, path)[0]


def watch_file(table: str, path: str | os.PathLike[str]) -> Source:
    """The :class:`Source` of a file an engine reads later: its hash, and the stamp :func:`check_unchanged` checks.

    Raises
    ------
    InputError
        When the file changes while it is hashed.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        before = os.fstat(fh.fileno())
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
        after = os.fstat(fh.fileno())
    if _stamp(before) != _stamp(after):
        raise _changed(path)
    return Source(table, str(path), h.hexdigest(), stamp=_stamp(after))


def check_unchanged(sources: Iterable[Source]) -> None:
    """Prove that the files an engine read (those with a stamp) are still those hashed before the reading.

    Call it once the engine has read them for the last time (after the analysis): a file that
    was rewritten or replaced in between may have given the engine other bytes than the hash
    on the report names.

    Raises
    ------
    InputError
        "the file … changed while it was read", naming the first such file.
    """
    for source in sources:
        if source.stamp is None:  # read once into memory: the hash is of the bytes parsed
            continue
        try:
            now = _stamp(os.stat(source.path))
        except OSError:
            raise _changed(source.path) from None
        if now != source.stamp or watch_file(source.table, source.path).sha256 != source.sha256:
            raise _changed(source.path)


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
