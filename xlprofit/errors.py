"""Exceptions raised by xlprofit.

The hierarchy knows nothing of Excel.  Each class says *what kind* of failure
happened; the Excel layer (``xlprofit.excel``) maps the kinds to ``#VALUE!``,
``#NUM!``, ``#DIV/0!`` and ``#N/A`` in one place.

Messages follow one template so that a user can act on them::

    'retention' must be between 0 and 1; got 1.3

Row-level input problems carry :class:`Problem` records naming the table, the
row as the user sees it (1-based, header included), the column and the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "XlprofitError",
    "InputError",
    "ArgumentError",
    "ValidationError",
    "Problem",
    "ModelError",
    "ConvergenceError",
    "DegenerateDataError",
    "DivisionByZeroError",
    "NotAvailableError",
    "UnknownCustomerError",
    "InsufficientHistoryError",
    "OutputError",
    "describe_value",
]


def describe_value(value: Any, limit: int = 60) -> str:
    """Return a short, printable rendering of ``value`` for error messages."""
    if isinstance(value, str):
        text = repr(value)
    else:
        text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class XlprofitError(Exception):
    """Base class of every error xlprofit raises on purpose."""


class InputError(XlprofitError, ValueError):
    """The caller gave a value that cannot be used (Excel: ``#VALUE!``)."""


class ArgumentError(InputError):
    """One named argument is out of its domain.

    Parameters
    ----------
    argument:
        The argument's name as the user wrote it (``"retention"``).
    value:
        The offending value.
    requirement:
        What the value must be, completing "must be …" (``"between 0 and 1"``).
    """

    def __init__(self, argument: str, value: Any, requirement: str) -> None:
        self.argument = argument
        self.value = value
        self.requirement = requirement
        super().__init__(f"'{argument}' must be {requirement}; got {describe_value(value)}")


@dataclass(frozen=True)
class Problem:
    """One problem found in the input data.

    ``row`` is the row number the user sees (1-based, the header row being
    row 1 of a table that starts at the top of its sheet or file); ``None``
    for problems that concern a whole table or column.
    """

    table: str
    row: int | None
    column: str | None
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"table '{self.table}'"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        if self.value is not None and not (isinstance(self.value, float) and self.value != self.value):
            where += f", value {describe_value(self.value)}"
        return f"{where}: {self.reason}"


class ValidationError(InputError):
    """Input tables cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[Problem], headline: str | None = None) -> None:
        self.problems = list(problems)
        head = headline or f"{len(self.problems)} problem(s) in the input"
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        if more > 0:
            shown += f"\n  … and {more} more"
        super().__init__(f"{head}:\n{shown}" if shown else head)


class ModelError(XlprofitError, ArithmeticError):
    """The maths has no answer for these inputs (Excel: ``#NUM!``)."""


class ConvergenceError(ModelError):
    """A fit or an iterative solution did not converge (Excel: ``#NUM!``)."""


class DegenerateDataError(ModelError):
    """The data cannot identify the model, e.g. nobody repeats (Excel: ``#NUM!``)."""


class DivisionByZeroError(XlprofitError, ZeroDivisionError):
    """A denominator is zero, e.g. a capacity of 0 minutes (Excel: ``#DIV/0!``)."""


class NotAvailableError(XlprofitError, LookupError):
    """The answer does not exist for this key (Excel: ``#N/A``)."""


class UnknownCustomerError(NotAvailableError):
    """A customer id that the data does not contain (Excel: ``#N/A``)."""


class InsufficientHistoryError(NotAvailableError):
    """Not enough history to compute the figure (Excel: ``#N/A``)."""


class OutputError(XlprofitError, OSError):
    """A result could not be written (file locked, not writable, same as input)."""
