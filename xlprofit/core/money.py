"""Rounding money to the cent: the one definition used everywhere.

Amounts are rounded half away from zero, as accountants and Excel's ``ROUND`` do. A product
such as ``25 × 0.087`` is ``2.1749999999999998`` in binary floating point although its
decimal value is 2.175; a guard of a billionth of a cent makes it round to 2.18 as written,
while no amount that really lies below the half cent is moved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["round_half_away", "to_cents", "round_money"]

_GUARD = 1e-9  # in the unit being rounded to


def round_half_away(values: np.ndarray | float) -> np.ndarray:
    """Round to whole numbers, halves away from zero, ignoring binary noise below a billionth."""
    x = np.asarray(values, dtype="float64")
    return np.sign(x) * np.floor(np.abs(x) + 0.5 + _GUARD)


def to_cents(values: pd.Series | np.ndarray | float) -> np.ndarray:
    """Money to integer cents, half away from zero."""
    return round_half_away(np.asarray(values, dtype="float64") * 100.0).astype("int64")


def round_money(values: pd.Series) -> pd.Series:
    """Round a Series of money to the cent (half away from zero); NaN stays NaN."""
    out = values.astype("float64")
    present = out.notna().to_numpy()
    rounded = out.to_numpy(copy=True)
    rounded[present] = to_cents(rounded[present]) / 100.0
    return pd.Series(rounded, index=values.index, name=values.name)
