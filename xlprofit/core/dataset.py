"""The :class:`Dataset`: the six input tables, normalised and validated once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xlprofit.core.lines import FrameLines, LineSource
from xlprofit.core.tables import Normalised, normalise
from xlprofit.errors import ArgumentError, Problem

__all__ = ["Dataset", "Source"]


@dataclass(frozen=True)
class Source:
    """A file the data was read from, for the report's Assumptions sheet.

    ``sha256`` is the hash of the bytes the data came from. ``stamp`` (size, modification
    time in ns, inode, device) is set for a file an engine reads after it was hashed, so that
    :func:`xlprofit.files.check_unchanged` can prove the engine read the same file; it is
    ``None`` for a file read once into memory and parsed from the hashed bytes.
    """

    table: str
    path: str
    sha256: str
    stamp: tuple[int, int, int, int] | None = field(default=None, compare=False, repr=False)


class Dataset:
    """The input tables of an analysis, normalised and validated.

    Parameters
    ----------
    customers, transactions, activities:
        Required tables (DataFrames or anything :class:`pandas.DataFrame` accepts).
        ``transactions`` may also be a :class:`~xlprofit.core.lines.LineSource` (an engine
        reading a large file): its lines are then validated and summed by the engine, and
        the ``transactions`` attribute stays empty.
    resources, usage:
        Optional tables: resources for time-driven ABC, usage for driver volumes that the
        transactions do not carry (visits, calls, complaints, …). When ``transactions`` is a
        line source that reads a usage file too (``holds_usage``), ``usage`` stays ``None``
        and the usage rows are checked and summed by the engine.
    parameters:
        A ``name, value`` table or a ``{name: value}`` mapping.
    fx:
        Exchange rates into the reporting currency (``currency, rate`` table or mapping);
        needed when ``currency`` columns hold other currencies than the ``currency`` parameter.
    first_rows:
        Row number the user sees for each table's first data row (default 2).
    sources:
        Files the tables came from (name and SHA-256), shown in reports.

    Attributes
    ----------
    customers, transactions, activities, resources, usage : pandas.DataFrame
        The normalised tables, indexed by ``row`` (the row number the user sees).
    parameters : dict
        Typed parameter values.
    exceptions : pandas.DataFrame
        Every rejected row and ignored value with table, row, column, value and reason.
    problems : list of Problem
        The same findings as :class:`~xlprofit.errors.Problem` records.

    Raises
    ------
    ValidationError
        When the input cannot be analysed at all (missing table or column, bad parameter,
        no usable transaction); its ``problems`` list every reason.
    """

    def __init__(self, customers: Any, transactions: Any, activities: Any, resources: Any = None,
                 usage: Any = None, parameters: Any = None, *, fx: Any = None,
                 first_rows: Mapping[str, int] | None = None, sources: Sequence[Source] = ()) -> None:
        external = isinstance(transactions, LineSource)
        engine_usage = external and transactions.holds_usage
        if engine_usage and usage is not None:
            raise ArgumentError("usage", "a table", "no usage table: the line source reads the usage file")
        self._normalised: Normalised = normalise(customers, None if external else transactions, activities,
                                                 resources, usage, parameters, fx=fx, first_rows=first_rows,
                                                 external_lines=external,
                                                 external_usage=transactions.usage_drivers if engine_usage else None)
        self.sources: tuple[Source, ...] = tuple(sources)
        n = self._normalised
        self._lines: LineSource = (transactions if external else
                                   FrameLines(n.tables["transactions"], n.rejected_transactions, n.input_totals))
        if external:
            self._lines.attach(pd.Index(n.tables["customers"]["customer_id"], name="customer_id"),
                               n.parameters.get("currency"), n.fx_rates)

    @property
    def lines(self) -> LineSource:
        """The invoice lines as a :class:`~xlprofit.core.lines.LineSource` (what ``analyze`` sums)."""
        return self._lines

    @property
    def customers(self) -> pd.DataFrame:
        """Normalised customers."""
        return self._normalised.tables["customers"]

    @property
    def transactions(self) -> pd.DataFrame:
        """Normalised invoice lines (rejected lines are in :attr:`exceptions`)."""
        return self._normalised.tables["transactions"]

    @property
    def activities(self) -> pd.DataFrame:
        """Normalised activities with their costing ``method`` and ``level``."""
        return self._normalised.tables["activities"]

    @property
    def resources(self) -> pd.DataFrame:
        """Normalised resources (time-driven cost pools)."""
        return self._normalised.tables["resources"]

    @property
    def usage(self) -> pd.DataFrame:
        """Normalised usage rows with the span (``period_start``, ``period_end``) of their period."""
        return self._normalised.tables["usage"]

    @property
    def parameters(self) -> dict[str, Any]:
        """Typed parameters."""
        return dict(self._normalised.parameters)

    @property
    def exceptions(self) -> pd.DataFrame:
        """Rejected rows and ignored values found while reading."""
        return self._normalised.exceptions

    @property
    def problems(self) -> list[Problem]:
        """Problems found while reading, as records."""
        return list(self._normalised.problems)

    @property
    def unlisted_problems(self) -> int:
        """Problems found while reading beyond those in :attr:`problems` (counted; each is in :attr:`exceptions`)."""
        return self._normalised.unlisted_problems

    @property
    def pool_names(self) -> dict[tuple[str, int], str]:
        """The resource or activity named by every rejected cost pool row: ``(table, row) -> name``."""
        return dict(self._normalised.pool_names)

    @property
    def rejected_transactions(self) -> pd.DataFrame:
        """Rejected invoice lines with their ``net_revenue`` (where readable) and reason."""
        return self._normalised.rejected_transactions

    def __repr__(self) -> str:
        t = self._normalised.tables
        if isinstance(self._lines, FrameLines):
            lines = f"{len(t['transactions'])} transactions"
            usage = f"{len(t['usage'])} usage rows"
        else:  # the lines (and a usage file) stay where the engine reads them: not counted here
            engine = type(self._lines).__name__.removesuffix("Lines").lower()
            lines = f"transactions read by {engine}"
            usage = (f"usage read by {engine}" if getattr(self._lines, "holds_usage", False)
                     else f"{len(t['usage'])} usage rows")
        return (f"Dataset({len(t['customers'])} customers, {lines}, {len(t['activities'])} activities, "
                f"{len(t['resources'])} resources, {usage}, {len(self.exceptions)} exceptions)")
