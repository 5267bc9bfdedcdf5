"""Time equations of time-driven ABC: minutes per driver event, linear in the drivers.

A time equation says how long one event of an activity takes, e.g. handling an order::

    5 + 2*lines + 10*rush

takes 5 minutes per order, plus 2 minutes per order line, plus 10 minutes per rush
delivery.  Summed over a customer's events the minutes are therefore::

    minutes = 5 × (number of orders) + 2 × (lines) + 10 × (rush deliveries)

which is why the equation must be *linear* in the drivers: the constant term multiplies the
activity's own driver volume and every other term multiplies the volume of the driver it
names.  Products of two drivers (``lines * rush``) and division by a driver cannot be summed
that way and are rejected.

Equations are parsed by a small tokenizer and recursive-descent parser of their own; user
text is never evaluated as Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from xlprofit.errors import InputError, describe_value

__all__ = ["MAX_EQUATION_LENGTH", "MAX_NESTING_DEPTH", "TimeEquation", "parse_time_equation"]

#: Longest equation text accepted, in characters.
MAX_EQUATION_LENGTH = 500
#: Deepest nesting of parentheses and unary signs accepted.
MAX_NESTING_DEPTH = 40

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[-+*/()])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class TimeEquation:
    """A parsed time equation: minutes per driver event, linear in the drivers.

    Attributes
    ----------
    text:
        The equation as the user wrote it.
    intercept:
        Minutes per event of the activity's own driver (the constant term).
    coefficients:
        Minutes per unit of each named driver, in order of first appearance.  A driver
        whose terms cancel out keeps a coefficient of 0 (it is still required to exist).
    """

    text: str
    intercept: float
    coefficients: dict[str, float] = field(default_factory=dict)

    @property
    def variables(self) -> list[str]:
        """Names of the drivers the equation refers to, in order of first appearance."""
        return list(self.coefficients)

    def minutes(self, driver_volume: object, volumes: pd.DataFrame) -> pd.Series:
        """Total minutes for each row of ``volumes``.

        Parameters
        ----------
        driver_volume:
            Number of events of the activity's own driver for each row (array-like of the
            same length as ``volumes``, or a Series aligned with its index).
        volumes:
            One row per customer (or order, product, period), one column per driver; must
            hold a column for every name in :attr:`variables`.

        Returns
        -------
        pandas.Series
            ``intercept × driver_volume + Σ coefficient × volumes[driver]``, indexed like
            ``volumes``.

        Raises
        ------
        InputError
            When a driver of the equation is not a column of ``volumes``, or when
            ``driver_volume`` does not have one value per row.
        """
        missing = [name for name in self.coefficients if name not in volumes.columns]
        if missing:
            raise InputError(
                f"time equation {describe_value(self.text)} uses driver {describe_value(missing[0])}, "
                f"which has no volumes; known drivers: {', '.join(map(str, volumes.columns)) or 'none'}"
            )
        if isinstance(driver_volume, pd.Series):
            base = driver_volume.reindex(volumes.index).to_numpy(dtype=float, na_value=np.nan)
        else:
            base = np.asarray(driver_volume, dtype=float)
            if base.ndim == 0:
                base = np.full(len(volumes), float(base))
        if base.shape != (len(volumes),):
            raise InputError(
                f"time equation {describe_value(self.text)}: 'driver_volume' must have one value per "
                f"row ({len(volumes)}); got shape {base.shape}"
            )
        total = self.intercept * base
        for name, coefficient in self.coefficients.items():
            if coefficient != 0.0:
                total = total + coefficient * volumes[name].to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(total, index=volumes.index, dtype=float)

    def evaluate(self, values: Mapping[str, float], driver_volume: float = 1.0) -> float:
        """Minutes for one set of driver values (one event by default).

        Parameters
        ----------
        values:
            Volume of every driver the equation names, e.g. ``{"lines": 4, "rush": 1}``.
        driver_volume:
            Number of events of the activity's own driver; 1 gives the minutes of a single
            event.

        Returns
        -------
        float
            ``intercept × driver_volume + Σ coefficient × values[driver]``.

        Raises
        ------
        InputError
            When a driver of the equation has no value.
        """
        total = self.intercept * float(driver_volume)
        for name, coefficient in self.coefficients.items():
            if name not in values:
                raise InputError(
                    f"time equation {describe_value(self.text)} needs a value for driver "
                    f"{describe_value(name)}"
                )
            total += coefficient * float(values[name])
        return total


class _Linear:
    """A linear form ``constant + Σ coefficient × driver`` with the text span it came from."""

    __slots__ = ("constant", "terms", "start", "end")

    def __init__(self, constant: float, terms: dict[str, float], start: int, end: int) -> None:
        self.constant = constant
        self.terms = terms
        self.start = start
        self.end = end

    @property
    def is_constant(self) -> bool:
        return not self.terms


class _Parser:
    """Recursive-descent parser over the tokens of one equation.

    Grammar::

        expression := term (("+" | "-") term)*
        term       := factor (("*" | "/") factor)*
        factor     := ("+" | "-") factor | NUMBER | NAME | "(" expression ")"
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._tokenize(text)
        self.position = 0

    def _fail(self, reason: str) -> InputError:
        return InputError(f"time equation {describe_value(self.text, 80)}: {reason}")

    def _tokenize(self, text: str) -> list[tuple[str, str, int]]:
        tokens: list[tuple[str, str, int]] = []
        index = 0
        while index < len(text):
            match = _TOKEN.match(text, index)
            if match is None:
                raise self._fail(
                    f"unexpected character {text[index]!r} at position {index + 1}; use numbers, "
                    "driver names, + - * / and parentheses"
                )
            kind = match.lastgroup or ""
            if kind != "space":
                tokens.append((kind, match.group(), index))
            index = match.end()
        return tokens

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def parse(self) -> _Linear:
        if not self.tokens:
            raise self._fail("the equation is empty")
        result = self._expression(0)
        token = self._peek()
        if token is not None:
            raise self._fail(f"unexpected {token[1]!r} at position {token[2] + 1}")
        return result

    def _span(self, node: _Linear) -> str:
        return self.text[node.start : node.end].strip()

    def _expression(self, depth: int) -> _Linear:
        left = self._term(depth)
        while (token := self._peek()) is not None and token[1] in "+-":
            self.position += 1
            right = self._term(depth)
            sign = 1.0 if token[1] == "+" else -1.0
            terms = dict(left.terms)
            for name, coefficient in right.terms.items():
                terms[name] = terms.get(name, 0.0) + sign * coefficient
            left = _Linear(left.constant + sign * right.constant, terms, left.start, right.end)
        return left

    def _term(self, depth: int) -> _Linear:
        left = self._factor(depth)
        while (token := self._peek()) is not None and token[1] in "*/":
            self.position += 1
            right = self._factor(depth)
            if token[1] == "*":
                if not left.is_constant and not right.is_constant:
                    raise self._fail(
                        f"{self._span(left)!r} * {self._span(right)!r} multiplies two drivers; "
                        "a time equation must be linear in the drivers"
                    )
                if left.is_constant:
                    factor, other = left.constant, right
                else:
                    factor, other = right.constant, left
                left = _Linear(
                    factor * other.constant,
                    {name: factor * value for name, value in other.terms.items()},
                    left.start,
                    right.end,
                )
            else:
                if not right.is_constant:
                    raise self._fail(
                        f"division by {self._span(right)!r} divides by a driver; a time equation "
                        "must be linear in the drivers"
                    )
                if right.constant == 0.0:
                    raise self._fail(f"division by zero in {self.text[left.start : right.end].strip()!r}")
                divisor = right.constant
                left = _Linear(
                    left.constant / divisor,
                    {name: value / divisor for name, value in left.terms.items()},
                    left.start,
                    right.end,
                )
        return left

    def _factor(self, depth: int) -> _Linear:
        if depth >= MAX_NESTING_DEPTH:
            raise self._fail(f"nested more than {MAX_NESTING_DEPTH} levels deep")
        token = self._peek()
        if token is None:
            raise self._fail("the equation ends where a number, a driver or '(' is expected")
        kind, value, start = token
        self.position += 1
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):
                raise self._fail(f"number {value!r} is too large")
            return _Linear(number, {}, start, start + len(value))
        if kind == "name":
            return _Linear(0.0, {value: 1.0}, start, start + len(value))
        if value in "+-":
            inner = self._factor(depth + 1)
            sign = 1.0 if value == "+" else -1.0
            return _Linear(
                sign * inner.constant,
                {name: sign * coefficient for name, coefficient in inner.terms.items()},
                start,
                inner.end,
            )
        if value == "(":
            inner = self._expression(depth + 1)
            closing = self._peek()
            if closing is None or closing[1] != ")":
                where = f"at position {closing[2] + 1}" if closing else "at the end"
                raise self._fail(f"missing ')' {where} for the '(' at position {start + 1}")
            self.position += 1
            return _Linear(inner.constant, inner.terms, start, closing[2] + 1)
        raise self._fail(f"unexpected {value!r} at position {start + 1}")


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> tuple[float, tuple[tuple[str, float], ...]]:
    linear = _Parser(text).parse()
    values = [linear.constant, *linear.terms.values()]
    if not all(math.isfinite(value) for value in values):
        raise InputError(f"time equation {describe_value(text, 80)}: a coefficient is too large")
    return linear.constant, tuple(linear.terms.items())


def parse_time_equation(text: str) -> TimeEquation:
    """Parse a time equation such as ``"5 + 2*lines + 10*rush"``.

    Parameters
    ----------
    text:
        Minutes per driver event, written with numbers, driver names (letters, digits and
        ``_``, not starting with a digit), ``+ - * /``, parentheses and unary minus.  At most
        :data:`MAX_EQUATION_LENGTH` characters.

    Returns
    -------
    TimeEquation
        The constant term and the minutes per unit of every named driver.

    Raises
    ------
    InputError
        When the text is empty, too long, too deeply nested, holds a character outside the
        grammar, is malformed, divides by zero, or is not linear in the drivers (a driver
        times a driver, or a division by a driver); the message names the equation and the
        offending part.

    Examples
    --------
    >>> eq = parse_time_equation("0.5*(lines - 1) + 3")
    >>> eq.intercept, eq.coefficients
    (2.5, {'lines': 0.5})
    """
    if not isinstance(text, str):
        raise InputError(f"a time equation must be text; got {describe_value(text)}")
    if len(text) > MAX_EQUATION_LENGTH:
        raise InputError(
            f"time equation {describe_value(text, 40)} is {len(text)} characters long; "
            f"the limit is {MAX_EQUATION_LENGTH}"
        )
    if not text.strip():
        raise InputError("time equation is empty; write minutes per event, e.g. '5 + 2*lines'")
    intercept, terms = _parse_cached(text)
    return TimeEquation(text=text, intercept=intercept, coefficients=dict(terms))
