"""Large ledgers: invoice lines validated and summed by an engine instead of pandas.

``open_lines(files, engine)`` gives a :class:`~xlprofit.core.lines.LineSource` over CSV or
Parquet files of invoice lines; ``read_folder(folder, engine)`` reads a whole input folder
with the small tables in pandas and the lines through the engine. Every engine gives the
same analysis as pandas, to the cent (see ``docs/engines.md`` for when to use which).

Engines: ``"pandas"`` (the lines in memory), ``"duckdb"`` (in-process, bounded memory) and
``"spark"`` (a Spark cluster or ``local[*]``; needs ``pyspark``). ``"auto"`` is DuckDB when
it is installed, else pandas.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from xlprofit.core.aggregate import SALE_DEPTH
from xlprofit.core.dataset import Dataset, Source
from xlprofit.core.lines import FrameLines, LineSource
from xlprofit.core.reading import Collector, fx_rates
from xlprofit.core.schema import TABLES
from xlprofit.core.tables import normalise
from xlprofit.engines._sql import SqlLines
from xlprofit.errors import ArgumentError, InputError
from xlprofit.files import line_files, read_table, release_arrow_memory, table_file, watch_file

__all__ = ["ENGINES", "open_lines", "read_folder", "available_engines"]

#: Engine names accepted by :func:`open_lines` and :func:`read_folder`.
ENGINES: tuple[str, ...] = ("auto", "pandas", "duckdb", "spark")
_SMALL_TABLES = tuple(t for t in TABLES if t != "transactions") + ("fx",)


def available_engines() -> list[str]:
    """The engines that can run here: ``pandas`` always, ``duckdb`` and ``spark`` when installed."""
    found = ["pandas"]
    for engine, module in (("duckdb", "duckdb"), ("spark", "pyspark")):
        if importlib.util.find_spec(module) is not None:
            found.append(engine)
    return found


def _resolve(engine: str) -> str:
    if engine not in ENGINES:
        raise ArgumentError("engine", engine, f"one of {', '.join(ENGINES)}")
    if engine == "auto":
        return "duckdb" if "duckdb" in available_engines() else "pandas"
    if engine not in available_engines():
        extra = "duckdb" if engine == "duckdb" else "pyspark"
        raise InputError(f"engine '{engine}' needs the '{extra}' package (pip install {extra})")
    return engine


def _files(paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str]) -> list[Path]:
    return [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]


def open_lines(files: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], engine: str = "auto", *,
               encoding: str | None = None, delimiter: str | None = None, **options: object) -> LineSource:
    """Invoice lines of CSV/Parquet files as a line source of the chosen engine.

    Parameters
    ----------
    files:
        One file, or several files read one after the other (rows are numbered within
        each file; exceptions of several files name the file in their ``table`` column).
    engine:
        ``"duckdb"``, ``"spark"``, ``"pandas"`` or ``"auto"`` (DuckDB when installed).
    encoding, delimiter:
        Of CSV files, when they are not to be detected (pandas and DuckDB; see
        :func:`xlprofit.core.reading.read_csv_table`).
    **options:
        Passed to the engine's class: ``memory_limit``, ``temp_directory``, ``threads``
        (DuckDB) or ``spark`` (a ``SparkSession``; Spark).

    Returns
    -------
    LineSource
        Call :meth:`~xlprofit.core.lines.LineSource.attach` (``read_folder`` does) before use.
    """
    name = _resolve(engine)
    paths = _files(files)
    if name == "duckdb":
        from xlprofit.engines.duckdb import DuckDBLines

        return DuckDBLines(paths, encoding=encoding, delimiter=delimiter, **options)  # type: ignore[arg-type]
    if name == "spark":
        from xlprofit.engines.spark import SparkLines

        if encoding is not None or delimiter is not None:
            raise ArgumentError("engine", engine, "pandas or duckdb to state a CSV file's encoding or delimiter")
        return SparkLines(paths, **options)  # type: ignore[arg-type]
    return PandasFileLines(paths, encoding=encoding, delimiter=delimiter)


class PandasFileLines(LineSource):
    """Lines of one CSV/Parquet file read into pandas and validated there (the reference path).

    It reads the file as ``xlprofit.read`` does and defers to
    :class:`~xlprofit.core.lines.FrameLines` once :meth:`attach` has named the customers.
    """

    def __init__(self, files: Sequence[Path], *, encoding: str | None = None, delimiter: str | None = None) -> None:
        if len(files) != 1:
            raise ArgumentError("files", [str(f) for f in files], "one file with the pandas engine "
                                "(use engine='duckdb' for several files)")
        self.raw = read_table("transactions", files[0], encoding=encoding, delimiter=delimiter)[0]
        self._customers: pd.DataFrame | None = None
        self._lines: FrameLines | None = None
        self._normalised = None

    def attach(self, customers: pd.Index, reporting_currency: str | None, fx: dict[str, float]) -> None:
        """Validate the lines against ``customers``, the reporting currency and the fx rates."""
        params = {"currency": reporting_currency} if reporting_currency else {}
        n = normalise(pd.DataFrame({"customer_id": pd.Series(list(customers), dtype=object)}), self.raw,
                      pd.DataFrame({"activity": ["lines"], "driver": ["lines"], "cost": [0.0]}),
                      parameters=params, fx=dict(fx) or None)
        self._normalised = n
        self._lines = FrameLines(n.tables["transactions"], n.rejected_transactions, n.input_totals)

    def _frame(self) -> FrameLines:
        if self._lines is None:
            raise ArgumentError("attach", None, "called before the lines are used")
        return self._lines

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last date of the accepted lines."""
        return self._frame().date_range()

    def orders_known(self, customer_id, order_id):  # noqa: D102 - documented on LineSource
        return self._frame().orders_known(customer_id, order_id)

    def release_orders(self) -> None:  # noqa: D102 - documented on LineSource
        if self._lines is not None:
            self._lines.release_orders()

    def summarise(self, customers, periods, products, max_orders=None, returns="credit",  # noqa: D102 - see LineSource
                  sale_depth=SALE_DEPTH):
        agg, acc = self._frame().summarise(customers, periods, products, max_orders, returns=returns,
                                           sale_depth=sale_depth)
        found = self._normalised.exceptions
        reading = found[found["table"] == "transactions"]
        exceptions = pd.concat([reading, acc.exceptions], ignore_index=True) if len(reading) else acc.exceptions
        return agg, type(acc)(**{**acc.__dict__, "exceptions": exceptions})


def read_folder(folder: str | os.PathLike[str], engine: str = "auto", *, encoding: str | None = None,
                delimiter: str | None = None, **options: object) -> Dataset:
    """Read a folder of CSV/Parquet input tables, the invoice lines through ``engine``.

    Parameters
    ----------
    folder:
        Holds ``customers``, ``activities`` and the optional ``resources``, ``usage``,
        ``parameters`` and ``fx`` as ``.csv`` or ``.parquet``, and the invoice lines as
        ``transactions.csv`` / ``transactions.parquet`` or as a ``transactions`` folder of
        such files. The lines and the usage table are read by the engine; the other
        (small) tables with pandas.
    engine:
        ``"auto"`` (DuckDB when installed, else pandas), ``"duckdb"``, ``"spark"`` or
        ``"pandas"``. All give the same analysis.
    encoding, delimiter:
        Of the CSV files, when they are not to be detected: a Python codec name (``"cp1252"``)
        and one character (``";"``).
    **options:
        Passed to :func:`open_lines`.

    Returns
    -------
    Dataset
        With ``dataset.lines`` the engine's line source.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"input folder '{root}' does not exist")
    name = _resolve(engine)
    tables: dict[str, pd.DataFrame] = {}
    sources: list[Source] = []
    usage_file: Path | None = None
    for table in _SMALL_TABLES:
        path = table_file(root, table)
        if path is None:
            continue
        if table == "usage" and name != "pandas":  # millions of rows: checked and summed by the engine
            usage_file = path
            sources.append(watch_file(table, path))  # hashed now, checked by xlprofit.files.check_unchanged
        else:
            # the hash is of the bytes parsed
            tables[table], source = read_table(table, path, encoding=encoding, delimiter=delimiter)
            sources.append(source)
    files = line_files(root)
    lines: object
    if name == "pandas" and len(files) == 1:
        lines, source = read_table("transactions", files[0], encoding=encoding, delimiter=delimiter)
        sources.append(source)
    else:
        sources += [watch_file("transactions", p) for p in files]
        lines = open_lines(files, name, encoding=encoding, delimiter=delimiter,
                           **({"usage": usage_file} if usage_file else {}), **options)
    ds = Dataset(tables.get("customers"), lines, tables.get("activities"), tables.get("resources"),
                 tables.get("usage"), tables.get("parameters"), fx=tables.get("fx"), sources=sources)
    if isinstance(lines, LineSource):
        fx = fx_rates(tables["fx"], Collector()) if "fx" in tables else {}
        lines.attach(ds.customers["customer_id"], ds.parameters.get("currency"), fx)
        if isinstance(lines, SqlLines) and lines.refuse_at_read:  # no usable line: refused as pandas refuses it
            lines.check_usable(ds.problems)
    del tables  # the tables as read (Arrow text for Parquet) are normalised now
    release_arrow_memory()
    return ds
