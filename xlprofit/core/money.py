"""Rounding money to the cent, and the magnitudes money and quantities may have.

Amounts are rounded half away from zero, as accountants and Excel's ``ROUND`` do. A product
such as ``25 × 0.087`` is ``2.1749999999999998`` in binary floating point although its
decimal value is 2.175; a guard of a billionth of a cent makes it round to 2.18 as written,
while no amount that really lies below the half cent is moved.

Magnitudes. Every total of the analysis is a sum of integer cents (``int64``), and the input
tables hold float64. Three bounds keep both exact and keep every sum from overflowing; the
input validation (``tables.normalise`` and the engines' readers) applies them, so that the
later stages never see a value beyond them:

* :data:`MAX_AMOUNT` — one amount (a cell of a money column): rounded to the cent, its
  magnitude must be below 10,000,000,000,000 (1e13), i.e. at most ±9,999,999,999,999.99.
  In cents that is below 1e15 < 2**53 ≈ 9.007e15, so every amount is an exact integer of
  cents in float64, even the sum of the three parts of the revenue waterfall (gross = net +
  discount + rebate < 3e15); and it has at most 15 significant digits, so Excel shows it to
  the cent.
* :data:`MAX_TOTAL_CENTS` — all the amounts of one money column of one table (a ledger of
  20 million lines is what the engines are built for; 20 M × 1e15 cents would overflow
  int64 2,000 times over, so no per-amount bound can protect the sums): their magnitudes
  must add up to less than 2**53 cents (about 90 trillion). Then every sum of the column,
  whatever the grouping and order, is below 2**53 — exact in float64 as well as in int64 —
  and the P&L, which adds and subtracts a handful of such totals (net revenue, COGS,
  cost-to-serve, commissions, bad debt, acquisition cost) and the cost of credit (net
  revenue × at most 100: payment days, given or from ``paid_on``, are at most a century,
  :data:`MAX_PAYMENT_DAYS`), stays below (100 + 8) × 2**53 ≈ 9.7e17 < 2**63 ≈ 9.2e18
  cents. A ledger beyond it is refused as a whole (a
  :class:`~xlprofit.errors.ValidationError`): no single line is to blame. Sums are checked
  in float64: the partial sums of non-negative whole numbers are exact until they pass
  2**53 and never fall back below it, so the check gives the same answer in any order, on
  every engine.
* :data:`MAX_QUANTITY` — one quantity or driver volume (units of a line, a usage quantity,
  minutes of unit time, a time equation's coefficient or a capacity): magnitude at most
  1e12 (whole counts stay exact, far below 2**53). A unit time times a volume is then below
  1e24 minutes per line or usage row, and summed over any ledger far below the float64
  range (1.8e308): the time-driven costing never meets an infinity (a quantity of 1e308
  made the minutes infinite and the costing end in an ``OverflowError``). A capacity, a
  divisor, must also be at least 1e-12 minutes (``tables.MIN_CAPACITY``).

The engines' readers write these tests as SQL from the same constants
(``xlprofit.engines._cells``), with the same floating-point operations, so that pandas,
DuckDB and Spark reject the same cells with the same reasons.

:func:`to_cents` itself never wraps: a value whose cents do not fit in ``int64`` (or is not
finite) raises :class:`~xlprofit.errors.ArgumentError` instead of becoming
−92,233,720,368,547,758.08.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

__all__ = [
    "MAX_AMOUNT",
    "MAX_QUANTITY",
    "MAX_PAYMENT_DAYS",
    "MAX_TOTAL_CENTS",
    "AMOUNT_OUT_OF_RANGE",
    "QUANTITY_OUT_OF_RANGE",
    "TOTAL_OUT_OF_RANGE",
    "amount_out_of_range_reason",
    "amount_out_of_range",
    "quantity_out_of_range",
    "amount_in_range",
    "total_out_of_range",
    "ROUNDING_GUARD",
    "round_half_away",
    "to_cents",
    "round_money",
]

#: An amount of money whose magnitude, rounded to the cent, reaches this is out of range.
MAX_AMOUNT = 1e13
#: A quantity or driver volume whose magnitude exceeds this is out of range.
MAX_QUANTITY = 1e12
#: Payment days beyond a century are out of range, whether given (``payment_days``) or taken
#: from the lines (``paid_on − date``): the cost of credit (net revenue × days / 365) then stays
#: below 100 × net revenue (see :data:`MAX_TOTAL_CENTS`), and no span of
#: dates overflows pandas' nanosecond time deltas (about 292 years).
MAX_PAYMENT_DAYS = 36_525.0
#: The magnitudes of one money column of one table must add up to less than this, in cents.
MAX_TOTAL_CENTS = 2**53
#: The reason of an amount out of range (the largest amount is 9,999,999,999,999.99).
AMOUNT_OUT_OF_RANGE = f"is out of range (at most ±{MAX_AMOUNT - 0.01:,.2f})"
#: The reason of a quantity out of range.
QUANTITY_OUT_OF_RANGE = f"is out of range (at most ±{MAX_QUANTITY:,.0f})"
#: The reason of a money column whose amounts add up beyond :data:`MAX_TOTAL_CENTS`.
TOTAL_OUT_OF_RANGE = (f"is out of range: its amounts add up to ±{MAX_TOTAL_CENTS / 100:,.2f} or more in absolute "
                      "value, beyond what sums of cents hold exactly; analyse a part of the input (e.g. a period)")


def amount_out_of_range_reason(currency: str | None = None) -> str:
    """The reason of an amount out of range, as read or (``currency``) once converted into it."""
    if currency is None:
        return AMOUNT_OUT_OF_RANGE
    return AMOUNT_OUT_OF_RANGE.replace(" (", f" once converted to {currency} (", 1)

#: The rounding guard: a billionth of the unit rounded to (see the module docstring).
ROUNDING_GUARD = 1e-9
_EXACT = 2.0**52  # from here on every float64 is a whole number: rounding leaves it as it is
_INT64_END = 2.0**63  # the first magnitude int64 cannot hold


def round_half_away(values: np.ndarray | float) -> np.ndarray:
    """Round to whole numbers, halves away from zero, ignoring binary noise below a billionth."""
    x = np.asarray(values, dtype="float64")
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(x)
        # Adding 0.5 to a whole float beyond 2**52 would round it to an even neighbour.
        return np.sign(x) * np.where(magnitude < _EXACT, np.floor(magnitude + 0.5 + ROUNDING_GUARD), magnitude)


def amount_out_of_range(values: pd.Series | np.ndarray | float) -> np.ndarray:
    """True where an amount, rounded to the cent, is at least :data:`MAX_AMOUNT` in magnitude.

    NaN (a blank) is not out of range; an infinity is. The test needs no rounding:
    ``floor(y) < N`` exactly when ``y < N`` for a whole ``N``, so that SQL engines can write
    it without converting an unbounded value to an integer (``xlprofit.engines`` writes this
    very test as SQL from these constants).
    """
    x = np.asarray(values, dtype="float64")
    with np.errstate(over="ignore", invalid="ignore"):
        return ~(np.abs(x) * 100.0 + 0.5 + ROUNDING_GUARD < MAX_AMOUNT * 100.0) & ~np.isnan(x)


def quantity_out_of_range(values: pd.Series | np.ndarray | float) -> np.ndarray:
    """True where a quantity's magnitude exceeds :data:`MAX_QUANTITY` (NaN is not out of range)."""
    x = np.asarray(values, dtype="float64")
    return ~(np.abs(x) <= MAX_QUANTITY) & ~np.isnan(x)


def amount_in_range(values: pd.Series) -> pd.Series:
    """Amounts rounded to the cent; NaN where blank or out of range (never a wrapped number)."""
    out = values.astype("float64")
    return round_money(out.where(~amount_out_of_range(out.to_numpy())))


def total_out_of_range(values: pd.Series | np.ndarray) -> bool:
    """Whether the magnitudes of amounts (in range, NaN ignored) add up to :data:`MAX_TOTAL_CENTS` or more."""
    cents = np.abs(round_half_away(np.asarray(values, dtype="float64") * 100.0))
    return bool(np.nansum(cents) >= MAX_TOTAL_CENTS)


def to_cents(values: pd.Series | np.ndarray | float) -> np.ndarray:
    """Money to integer cents, half away from zero.

    Raises
    ------
    ArgumentError
        When a value is not finite or its cents do not fit in ``int64`` (beyond about
        ±92,233,720,368,547,758): never a silently wrapped number.
    """
    cents = round_half_away(np.asarray(values, dtype="float64") * 100.0)
    bad = ~(np.abs(cents) < _INT64_END)
    if bad.any():
        value = float(np.asarray(values, dtype="float64").flat[int(np.flatnonzero(bad.ravel())[0])])
        raise ArgumentError("amount", value, f"a finite amount smaller than {_INT64_END / 100:,.0f} in "
                            "absolute value (whole cents must fit in 64 bits)")
    return cents.astype("int64")


def round_money(values: pd.Series) -> pd.Series:
    """Round a Series of money to the cent (half away from zero); NaN stays NaN."""
    out = values.astype("float64")
    present = out.notna().to_numpy()
    rounded = out.to_numpy(copy=True)
    rounded[present] = to_cents(rounded[present]) / 100.0
    return pd.Series(rounded, index=values.index, name=values.name)
