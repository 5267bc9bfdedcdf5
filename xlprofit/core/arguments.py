"""Arguments of the public functions: numbers, arrays of numbers, bounds and money in cents.

Every public function that takes numbers (the costing rates, the cost of credit, the Excel
functions through them) checks them here, so that one wrong argument gets one kind of message:
:class:`~xlprofit.errors.ArgumentError` naming the argument, the value and what it must be.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from xlprofit.core.money import MAX_AMOUNT, amount_out_of_range, round_half_away
from xlprofit.errors import ArgumentError

__all__ = ["as_numbers", "bounded_number", "bounded_numbers", "check_at_least", "shape_result", "argument_cents"]


def as_numbers(argument: str, value: Any) -> tuple[np.ndarray, bool]:
    """Return ``value`` as a float array (and whether it was a scalar); reject non-numbers."""
    scalar = np.ndim(value) == 0
    if isinstance(value, bool | np.bool_) or (scalar and not isinstance(value, numbers.Real)):
        raise ArgumentError(argument, value, "a number")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(argument, value, "a number or an array of numbers") from None
    bad = ~np.isfinite(array)
    if bad.any():
        raise ArgumentError(argument, array[bad].flat[0], "a finite number")
    return array, scalar


def _requirement(low: float, high: float, closed_high: bool) -> str:
    """The one wording of a range requirement, from its bounds."""
    if np.isinf(low) and np.isinf(high):
        return "a finite number"
    if np.isinf(high):
        return f"a finite number of at least {low:g}"
    if np.isinf(low):
        return f"a finite number of at most {high:g}" if closed_high else f"a finite number below {high:g}"
    if closed_high:
        return f"between {low:g} and {high:g}"
    return f"at least {low:g} and below {high:g}"


def bounded_numbers(
    argument: str, value: Any, *, low: float = -np.inf, high: float = np.inf, closed_high: bool = True
) -> np.ndarray:
    """Return ``value`` as a float array, every element finite and within its bounds.

    The bounds are ``[low, high]`` (``[low, high)`` unless ``closed_high``); the first bad
    element raises :class:`~xlprofit.errors.ArgumentError` with the one wording of a range.
    """
    if isinstance(value, bool | np.bool_):
        raise ArgumentError(argument, value, "a number")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(argument, value, "a number or an array of numbers") from None
    above = array > high if closed_high else array >= high
    bad = ~np.isfinite(array) | (array < low) | above
    if bad.any():
        raise ArgumentError(argument, array[bad].flat[0], _requirement(low, high, closed_high))
    return array


def bounded_number(
    argument: str, value: Any, *, low: float = -np.inf, high: float = np.inf, closed_high: bool = True
) -> float:
    """One number in range, as :func:`bounded_numbers` checks it; an array is refused."""
    if np.ndim(value) != 0:
        raise ArgumentError(argument, value, "a single number")
    return float(bounded_numbers(argument, value, low=low, high=high, closed_high=closed_high))


def check_at_least(argument: str, array: np.ndarray, bound: float, requirement: str) -> None:
    """Refuse the first value of ``array`` below ``bound``, saying it must be ``requirement``."""
    bad = array < bound
    if bad.any():
        raise ArgumentError(argument, array[bad].flat[0], requirement)


def shape_result(array: np.ndarray, scalar: bool) -> float | np.ndarray:
    """A float when the arguments were scalars (:func:`as_numbers`), else the array."""
    return float(array) if scalar else array


def argument_cents(argument: str, amount: Any) -> np.ndarray:
    """Money (currency units) to integer cents, rounded half away from zero."""
    array, _ = as_numbers(argument, amount)
    too_large = amount_out_of_range(array)
    if too_large.any():
        raise ArgumentError(argument, array[too_large].flat[0], f"at most ±{MAX_AMOUNT - 0.01:,.2f}")
    return round_half_away(array * 100.0).astype(np.int64)
