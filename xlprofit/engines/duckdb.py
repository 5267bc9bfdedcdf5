"""Invoice lines in CSV or Parquet files, validated and summed inside DuckDB (in-process).

The lines never enter pandas: DuckDB reads the files, types and checks every cell, and sums
the accepted lines to the grains of :class:`~xlprofit.core.aggregate.LineAggregates`.
Memory is bounded by the aggregates, not by the number of lines: DuckDB works within
``memory_limit`` and spills to ``temp_directory`` beyond it.

CSV files are read as the pandas path reads them (:func:`xlprofit.core.reading.read_csv_table`):
the encoding and delimiter detected (:func:`csv_dialect`; a file not in UTF-8 is written as
UTF-8 into the temporary directory first), RFC 4180 quoting with line breaks inside quoted
fields (DuckDB's single-threaded scanner: its parallel one cannot pad short rows beside
quoted line breaks), and rows with more or fewer fields than the header rejected one by one:
the scan has one column more than the header, pads short rows with NULL, and reads an empty
field as ``''`` (its NULL text is a line break, which no unquoted field holds).
"""

from __future__ import annotations

import codecs
import gzip
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import pandas as pd

from xlprofit.core.parsing import snake_case
from xlprofit.core.reading import CsvDialect, csv_delimiter, csv_records, decode_chunks, detect_encoding
from xlprofit.engines._cells import quote
from xlprofit.engines._sql import SourceColumn, SqlLines
from xlprofit.errors import ArgumentError, InputError, Problem, ValidationError
from xlprofit.files import release_arrow_memory

__all__ = ["DuckDBLines", "default_memory_limit", "MEMORY_SHARE", "MEMORY_LIMIT_VARIABLE"]

#: DuckDB's working memory unless told otherwise: this share of the memory the process may use
#: (the machine's, or its container's limit), at least 1 GB; beyond it, DuckDB spills to disk.
#: The pandas side of the analysis needs about as much again at 20 million lines.
MEMORY_SHARE = 0.125
#: The environment variable that sets the default instead (``"3GB"``, ``"500MB"``).
MEMORY_LIMIT_VARIABLE = "XLPROFIT_DUCKDB_MEMORY"


def _memory_available() -> int | None:
    """Bytes of memory this process may use: the machine's, or less under a cgroup limit; None if unknown."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX
        return None
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def default_memory_limit() -> str:
    """DuckDB's ``memory_limit`` unless one is given.

    :data:`MEMORY_LIMIT_VARIABLE` where set, else :data:`MEMORY_SHARE` of the memory available,
    at least 1 GB (1 GB where it cannot be told).
    """
    stated = os.environ.get(MEMORY_LIMIT_VARIABLE, "").strip()
    if stated:
        return stated
    available = _memory_available()
    if available is None:
        return "1GB"
    return f"{max(1024, int(available * MEMORY_SHARE) // 2**20)}MB"


_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".csv.gz", ".txt", ".tsv")


def _kind(sql_type: str) -> str:
    t = sql_type.upper()
    if t in ("VARCHAR", "BLOB") or t.startswith("VARCHAR"):
        return "text"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        return "float"
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT"):
        return "int"
    if t == "BOOLEAN":
        return "bool"
    if t.startswith(("TIMESTAMP", "DATE")):
        return "time"
    return "text"


_CHUNK = 1 << 20


def _open(path: str | os.PathLike[str]) -> IO[bytes]:
    return gzip.open(path, "rb") if str(path).lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _chunks(path: str | os.PathLike[str]) -> Iterator[bytes]:
    with _open(path) as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


def csv_dialect(path: str | os.PathLike[str], table: str = "transactions", *, encoding: str | None = None,
                delimiter: str | None = None) -> CsvDialect:
    """The encoding and the delimiter of a CSV file, as the pandas path tells them (or as stated)."""
    name = Path(path).name
    codec = detect_encoding(_chunks(path), name, encoding)
    with _open(path) as fh:
        head = codecs.getincrementaldecoder(codec)(errors="replace").decode(fh.read(65536))
    return CsvDialect(codec, csv_delimiter(head.lstrip("\ufeff"), name, table, delimiter))


def csv_header(path: str | os.PathLike[str], delimiter: str = ",") -> list[str]:
    """Column names of a UTF-8 CSV file as pandas reads them (``Unnamed: i`` for an empty header cell)."""
    with _open(path) as fh:
        head = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode(fh.read(1 << 22))
    row = next(csv_records(head, delimiter), [])
    return [h if h.strip() else f"Unnamed: {i}" for i, h in enumerate(row)]


def _as_utf8(path: str, dialect: CsvDialect, folder: Path, index: int, stated: bool) -> str:
    """The CSV file in UTF-8: itself, or a copy written into ``folder`` (DuckDB reads UTF-8 only)."""
    if dialect.encoding in ("utf-8", "utf-8-sig"):
        return path
    target = folder / f"utf8-{index}-{Path(path).name.removesuffix('.gz')}"
    with open(target, "w", encoding="utf-8", newline="") as out:
        for text in decode_chunks(_chunks(path), dialect.encoding, lenient=not stated):
            out.write(text)
    return str(target)


class DuckDBLines(SqlLines):
    """Invoice lines of CSV or Parquet files, summed in DuckDB.

    Parameters
    ----------
    files:
        One or more ``.csv`` (also ``.csv.gz``, ``.txt``) or ``.parquet`` files with the
        columns of the ``transactions`` table (headers are read as snake_case). Rows are
        numbered as the user sees them in each file (header = row 1); with several files
        the exceptions name the file in their ``table`` column: ``transactions (jan.csv)``.
    memory_limit:
        DuckDB's working memory (``"1GB"``, ``"500MB"``); beyond it DuckDB spills to disk.
        By default :func:`default_memory_limit`: an eighth of the memory available, at least 1 GB.
    temp_directory:
        Where DuckDB spills; by default a new temporary directory, removed by :meth:`close`.
    threads:
        Worker threads (default: the number of cores).
    usage:
        A ``usage`` table as a CSV or Parquet file, validated and summed in DuckDB too
        (give the dataset no other ``usage``).
    encoding, delimiter:
        Of the CSV files, when they are not to be detected (see :func:`csv_dialect`).
    """

    def __init__(self, files: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], *,
                 memory_limit: str | None = None, temp_directory: str | os.PathLike[str] | None = None,
                 threads: int | None = None, usage: str | os.PathLike[str] | None = None,
                 encoding: str | None = None, delimiter: str | None = None) -> None:
        import duckdb

        paths = [Path(files)] if isinstance(files, (str, os.PathLike)) else [Path(f) for f in files]
        if not paths:
            raise ArgumentError("files", [], "at least one CSV or Parquet file")
        for p in paths:
            if not p.is_file():
                raise InputError(f"line file '{p}' does not exist")
            if not p.name.lower().endswith(_PARQUET + _CSV):
                raise ArgumentError("files", str(p), "CSV (.csv, .csv.gz, .txt) or Parquet (.parquet) files")
        super().__init__([str(p) for p in paths])
        self.encoding, self.delimiter = encoding, delimiter
        self._own_temp = temp_directory is None
        self._temp = Path(tempfile.mkdtemp(prefix="xlprofit-duckdb-")) if temp_directory is None \
            else Path(temp_directory)
        # A temporary directory made here is removed by close(), or when the source is garbage
        # collected or the interpreter exits without close() having been called.
        self._cleanup = (weakref.finalize(self, shutil.rmtree, str(self._temp), True) if self._own_temp
                         else None)
        self.con = duckdb.connect(config={
            "memory_limit": memory_limit or default_memory_limit(),
            "temp_directory": str(self._temp),
            "preserve_insertion_order": False,
            "threads": int(threads or os.cpu_count() or 1),
            # Memory DuckDB has freed goes back to the system in the background (its allocator
            # otherwise keeps it: hundreds of MB once large grains were summed and dropped).
            "allocator_background_threads": True,
        })
        self.con.execute("SET enable_progress_bar = false")
        self.width_checked = any(not f.lower().endswith(_PARQUET) for f in self.files)
        self._columns = self._define_source(self.files)
        if usage is not None:
            self._use_usage(usage)

    # ----------------------------------------------------------------------------- source
    def _file_columns(self, path: str, index: int, table: str) -> tuple[str, list[tuple[str, str, str]], str, int,
                                                                      bool]:
        """The scan of one file and what it holds.

        Returns the scan; the columns as ``(raw name, snake name, kind)``; SQL of a row's number
        of fields where it is not the header's (``-1``: more); the header's number of fields;
        and whether the file's numbers use a decimal comma.
        """
        if path.lower().endswith(_PARQUET):
            scan = f"read_parquet({quote(path)}, file_row_number=true)"
            described = self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
            cols = [(r[0], snake_case(r[0]), _kind(r[1])) for r in described if r[0] != "file_row_number"]
            return scan, [c for c in cols if c[1]], "CAST(NULL AS BIGINT)", len(cols), False
        dialect = csv_dialect(path, table, encoding=self.encoding, delimiter=self.delimiter)
        path = _as_utf8(path, dialect, self._temp, index, self.encoding is not None)
        header = csv_header(path, dialect.delimiter)
        n = len(header)
        if n == 0:  # a file of 0 bytes: no column, no row
            return "(SELECT 1 AS xlp_none WHERE FALSE)", [], "CAST(NULL AS BIGINT)", 0, False
        # One column more than the header: a longer row fills it; a shorter one is padded with NULL
        # (an empty field is '', as the NULL text is a line break).
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n + 1)) + "}"
        scan = (f"read_csv({quote(path)}, header=true, auto_detect=false, columns={spec}, "
                f"delim={quote(dialect.delimiter)}, quote='\"', escape='\"', null_padding=true, parallel=false, "
                f"strict_mode=false, nullstr={quote(chr(10))}, allow_quoted_nulls=false, encoding='utf-8')")
        present = " + ".join(f"CASE WHEN c{i} IS NULL THEN 0 ELSE 1 END" for i in range(n))
        fields = f"CASE WHEN c{n} IS NOT NULL THEN -1 WHEN c{n - 1} IS NULL THEN {present} END"
        cols = [(f"c{i}", snake_case(h), "text") for i, h in enumerate(header)]
        return scan, [c for c in cols if c[1]], fields, n, dialect.decimal_comma

    def _define_source(self, files: Sequence[str], view: str = "xlp_src", table: str = "transactions"
                       ) -> list[SourceColumn]:
        """Create the view ``view`` over ``files`` (the rows of table ``table``) and return its columns."""
        scans = [self._file_columns(f, i, table) for i, f in enumerate(files)]
        widths = [width for _, _, _, width, _ in scans]
        if view == "xlp_src":
            self.widths = widths
        else:
            self.usage_widths = widths
        decimal_comma = all(comma for _, _, _, _, comma in scans)
        names: list[str] = []
        kinds: dict[str, set[str]] = {}
        for _, cols, _, _, _ in scans:
            for _, name, kind in cols:
                if name not in kinds:
                    names.append(name)
                kinds.setdefault(name, set()).add(kind)
        for _, cols, _, _, _ in scans:
            seen: dict[str, str] = {}
            for raw, name, _ in cols:
                if name in seen:
                    raise ValidationError([Problem(table, None, name, None,
                                                   f"two columns are both read as '{name}' (headers "
                                                   f"{raw!r} and {seen[name]!r})")], "the input cannot be analysed")
                seen[name] = raw
        aliases = {n: f"c_{n}" if n.isidentifier() and n.isascii() else f"x_{i}" for i, n in enumerate(names)}
        kind = {n: (kinds[n].pop() if len(kinds[n]) == 1 else "text") for n in names}
        selects = []
        for i, (scan, cols, fields, _, _) in enumerate(scans):
            by_name = {name: raw for raw, name, _ in cols}
            row = "file_row_number + 2" if scan.startswith("read_parquet") else "row_number() OVER () + 1"
            parts = [f"{i} AS _file", f"{row} AS _row", f"{fields} AS _fields"]
            for n in names:
                if n not in by_name:
                    parts.append(f"CAST(NULL AS {_sql_type(kind[n])}) AS {aliases[n]}")
                elif kind[n] == "text":
                    parts.append(f"CAST(\"{by_name[n]}\" AS VARCHAR) AS {aliases[n]}")
                else:
                    parts.append(f"\"{by_name[n]}\" AS {aliases[n]}")
            selects.append(f"SELECT {', '.join(parts)} FROM {scan}")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS " + " UNION ALL ".join(selects))
        return [SourceColumn(n, aliases[n], kind[n], decimal_comma) for n in names]

    @property
    def columns(self) -> list[SourceColumn]:
        """The columns of the line files (snake_case names; SQL aliases; source kinds)."""
        return self._columns

    # ----------------------------------------------------------------------------- engine
    def _query(self, sql: str) -> pd.DataFrame:
        # Through Arrow: for text columns about ten times faster than DuckDB's own DataFrame output.
        frame = self.con.sql(sql).to_arrow_table().to_pandas()
        release_arrow_memory()
        return frame

    def _register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(f"{name}_df", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        self.con.unregister(f"{name}_df")

    def _keep(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def _drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self) -> None:
        """Close the DuckDB connection and remove its temporary directory (when it made one)."""
        self.con.close()
        if self._cleanup is not None:
            self._cleanup()

    def __enter__(self) -> DuckDBLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sql_type(kind: str) -> str:
    return {"text": "VARCHAR", "float": "DOUBLE", "int": "BIGINT", "bool": "BOOLEAN", "time": "TIMESTAMP"}[kind]
