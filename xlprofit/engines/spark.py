"""Invoice lines validated and summed on Apache Spark, with the same SQL as the DuckDB engine.

The master comes from Spark's own configuration: ``spark.master`` in
``spark-defaults.conf``, ``--master`` in ``PYSPARK_SUBMIT_ARGS``, or the ``SPARK_MASTER``
environment variable; without any, Spark runs in-process on all cores (``local[*]``).
``pyspark`` is an optional dependency (``pip install xlprofit[spark]``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from xlprofit.core.parsing import snake_case
from xlprofit.engines._cells import UNSTORABLE_PATTERN
from xlprofit.engines._cells import quote as _quote
from xlprofit.engines._sql import Dialect, SourceColumn, SqlLines
from xlprofit.engines.duckdb import csv_header
from xlprofit.errors import ArgumentError, InputError, Problem, ValidationError

__all__ = ["SparkLines", "SparkDialect", "spark_session"]

_PARQUET = (".parquet", ".pq")
_EXCLUDED_RULES = "spark.sql.optimizer.excludedRules"
_COLLAPSE_PROJECT = "org.apache.spark.sql.catalyst.optimizer.CollapseProject"


class SparkDialect(Dialect):
    """Spark SQL's spelling of the few functions that differ from DuckDB's."""

    def full_match(self, expr: str, pattern: str) -> str:  # noqa: D102 - see Dialect
        return f"({expr} RLIKE {_quote('^(' + pattern + ')$')})"

    def try_timestamp(self, expr: str) -> str:  # noqa: D102 - see Dialect
        return f"try_cast({expr} AS TIMESTAMP)"

    def unstorable(self, expr: str) -> str:  # noqa: D102 - see Dialect
        # Java reads the \x{…} escapes as RE2 does; Spark's string literals take a backslash as an escape.
        return f"({expr} RLIKE {_quote(UNSTORABLE_PATTERN.replace(chr(92), chr(92) * 2))})"

    def timestamp_from_seconds(self, expr: str) -> str:  # noqa: D102 - see Dialect
        return f"timestamp_seconds(CAST({expr} AS BIGINT))"

    def epoch_micros(self, expr: str) -> str:  # noqa: D102 - see Dialect
        return f"unix_micros({expr})"

    def day_text(self, expr: str) -> str:  # noqa: D102 - see Dialect
        return f"date_format({expr}, 'yyyy-MM-dd')"

    def explode_range(self, lo: str, hi: str) -> str:  # noqa: D102 - see Dialect
        return f"explode(sequence(CAST({lo} AS BIGINT), CAST({hi} AS BIGINT)))"

    def distinct_list(self, expr: str, condition: str) -> str:  # noqa: D102 - see Dialect
        return f"collect_set({expr}) FILTER (WHERE {condition})"

    def categories(self, columns: str, items: Sequence[tuple[str, str]], source: str,  # noqa: D102
                   where: str) -> str:
        cases = ", ".join(f"CASE WHEN {cond} THEN {_quote(name)} END" for name, cond in items)
        return f"SELECT {columns}, cat FROM {source} LATERAL VIEW explode(array({cases})) xlp_cats AS cat WHERE {where}"


def spark_session() -> Any:
    """The active SparkSession, or a new one from Spark's configuration (``local[*]`` when none is set).

    The session's SQL time zone is set to UTC so that timestamps read as written.
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None:
        builder = SparkSession.builder.appName("xlprofit")
        master = os.environ.get("SPARK_MASTER")
        if master:
            builder = builder.master(master)
        active = builder.getOrCreate()
    active.conf.set("spark.sql.session.timeZone", "UTC")
    active.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    return active


def _kind(data_type: Any) -> str:
    name = type(data_type).__name__
    if name in ("StringType", "VarcharType", "CharType"):
        return "text"
    if name in ("DoubleType", "FloatType", "DecimalType"):
        return "float"
    if name in ("IntegerType", "LongType", "ShortType", "ByteType"):
        return "int"
    if name == "BooleanType":
        return "bool"
    if name in ("TimestampType", "TimestampNTZType", "DateType"):
        return "time"
    return "text"


class SparkLines(SqlLines):
    """Invoice lines of CSV or Parquet files, summed on Spark.

    Parameters
    ----------
    files:
        CSV (``.csv``, ``.csv.gz``, ``.txt``) or Parquet files, local or on any file system
        Spark reads; rows are numbered within each file (header = row 1).
    spark:
        A ``SparkSession``; by default :func:`spark_session`.
    usage:
        A ``usage`` table as a CSV or Parquet file, validated and summed on Spark too
        (give the dataset no other ``usage``).
    """

    dialect = SparkDialect()
    refuse_at_read = False  # every pass over the lines costs Spark a minute of planning: summarise refuses them

    def __init__(self, files: Sequence[str | os.PathLike[str]] | str | os.PathLike[str], *,
                 spark: Any = None, usage: str | os.PathLike[str] | None = None) -> None:
        paths = [str(files)] if isinstance(files, (str, os.PathLike)) else [str(f) for f in files]
        if not paths:
            raise ArgumentError("files", [], "at least one CSV or Parquet file")
        for p in paths:
            if "://" not in p and not Path(p).is_file():
                raise InputError(f"line file '{p}' does not exist")
        super().__init__(paths)
        self.spark = spark if spark is not None else spark_session()
        self._columns = self._define_source(self.files)
        self._views: list[str] = []
        if usage is not None:
            self._use_usage(usage)

    def _file_frame(self, index: int, path: str, table: str) -> Any:
        """One file as a DataFrame with ``_file``, ``_row`` and snake_case column names."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import LongType, StructField, StructType

        if path.lower().endswith(_PARQUET):
            df = self.spark.read.parquet(path)
            raw_names = list(df.columns)
            df = df.select("*", F.col("_metadata.row_index").alias("_index"))
        else:
            raw_names = csv_header(path)
            df = (self.spark.read.option("header", True).option("inferSchema", False)
                  .option("multiLine", True).option("escape", '"').option("encoding", "UTF-8").csv(path))
            df = df.toDF(*[f"c{i}" for i in range(len(df.columns))])
            schema = StructType([StructField("_index", LongType(), False), *df.schema.fields])
            df = self.spark.createDataFrame(df.rdd.zipWithIndex().map(lambda r: (r[1], *r[0])), schema)
            raw_names = raw_names[:len(df.columns) - 1]
        names = [snake_case(n) for n in raw_names]
        seen: dict[str, str] = {}
        for raw, name in zip(raw_names, names, strict=True):
            if name and name in seen:
                raise ValidationError([Problem(table, None, name, None,
                                               f"two columns are both read as '{name}' (headers {raw!r} and "
                                               f"{seen[name]!r})")], "the input cannot be analysed")
            seen[name] = raw
        current = [c for c in df.columns if c != "_index"]
        cols = [F.lit(index).alias("_file"), (F.col("_index") + 2).alias("_row")]
        cols += [F.col(f"`{c}`").alias(n) for c, n in zip(current, names, strict=True) if n]
        return df.select(*cols)

    def _define_source(self, files: Sequence[str], view: str = "xlp_src", table: str = "transactions"
                       ) -> list[SourceColumn]:
        """Create the view ``view`` over ``files`` (the rows of table ``table``) and return its columns."""
        from pyspark.sql import functions as F

        frames = [self._file_frame(i, f, table) for i, f in enumerate(files)]
        names: list[str] = []
        kinds: dict[str, set[str]] = {}
        for df in frames:
            for field in df.schema.fields[2:]:
                if field.name not in kinds:
                    names.append(field.name)
                kinds.setdefault(field.name, set()).add(_kind(field.dataType))
        kind = {n: (next(iter(kinds[n])) if len(kinds[n]) == 1 else "text") for n in names}
        aliases = {n: f"c_{n}" if n.isidentifier() and n.isascii() else f"x_{i}" for i, n in enumerate(names)}
        types = {"text": "string", "float": "double", "int": "bigint", "bool": "boolean", "time": "timestamp"}
        union = None
        for df in frames:
            present = {f.name: f for f in df.schema.fields}
            # Spark reads CSV rows of another width than the header as its own CSV reader does (no
            # ``_fields``): the rows are not checked for their number of fields on this engine.
            cols = [F.col("_file"), F.col("_row"), F.lit(None).cast("bigint").alias("_fields")]
            for n in names:
                if n not in present:
                    cols.append(F.lit(None).cast(types[kind[n]]).alias(aliases[n]))
                elif kind[n] == "text" or _kind(present[n].dataType) == "float":
                    cols.append(F.col(f"`{n}`").cast(types[kind[n]]).alias(aliases[n]))
                else:
                    cols.append(F.col(f"`{n}`").alias(aliases[n]))
            part = df.select(*cols)
            union = part if union is None else union.unionByName(part)
        union.createOrReplaceTempView(view)
        return [SourceColumn(n, aliases[n], kind[n]) for n in names]

    @property
    def columns(self) -> list[SourceColumn]:
        """The columns of the line files (snake_case names; SQL aliases; source kinds)."""
        return self._columns

    def _run(self, action: Any) -> Any:
        """Run with Catalyst's CollapseProject off: the line steps stay separate projections.

        Collapsing them would copy every typed cell expression into each later step that
        uses it, and the plan of the line query would grow exponentially.
        """
        conf = self.spark.conf
        previous = conf.get(_EXCLUDED_RULES, "")
        conf.set(_EXCLUDED_RULES, ",".join(r for r in (previous, _COLLAPSE_PROJECT) if r))
        try:
            return action()
        finally:
            conf.set(_EXCLUDED_RULES, previous) if previous else conf.unset(_EXCLUDED_RULES)

    def _query(self, sql: str) -> pd.DataFrame:
        return self._run(lambda: self.spark.sql(sql).toPandas())

    def _register(self, name: str, frame: pd.DataFrame) -> None:
        from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType, TimestampType

        fields = []
        rows = frame.copy()
        for c in frame.columns:
            dtype = frame[c].dtype
            if pd.api.types.is_bool_dtype(dtype):
                t: Any = BooleanType()
            elif pd.api.types.is_datetime64_any_dtype(dtype):
                t = TimestampType()
            elif pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
                t = DoubleType()
                rows[c] = frame[c].astype("float64")
            else:
                t = StringType()
            fields.append(StructField(c, t, True))
        rows = rows.astype(object).where(rows.notna(), None)
        records = [tuple(None if v is None else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
                         for v in r) for r in rows.itertuples(index=False, name=None)]
        self.spark.createDataFrame(records, StructType(fields)).createOrReplaceTempView(name)

    def _keep(self, name: str, sql: str) -> None:
        # A local checkpoint, not CACHE TABLE: the kept table carries no lineage, so that queries
        # joining two kept tables are not planned over the whole line query twice.
        def keep() -> None:
            self.spark.sql(sql).localCheckpoint(eager=True).createOrReplaceTempView(name)

        self._run(keep)

    def _drop(self, name: str) -> None:
        self.spark.sql(f"UNCACHE TABLE IF EXISTS {name}")
        self.spark.catalog.dropTempView(name)
