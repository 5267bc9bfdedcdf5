"""What every part of the synthetic generator shares: sizes, seeds, random streams and argument checks.

Randomness is organised in independent streams (``np.random.SeedSequence(seed,
spawn_key=...)``), one per ``STREAM_*`` key below: the customers, their line counts, the
product catalogue, the quarterly service usage and one per block of :data:`BLOCK_LINES`
invoice lines. The keys live together here so that no two parts of the generator draw from
the same stream.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

#: Seed of the embedded demo dataset and default of every generator here.
DEFAULT_SEED = 20240101
#: Size of the embedded demo dataset.
DEMO_CUSTOMERS = 300
DEMO_LINES = 50_000
#: Invoice lines per independent random block.
BLOCK_LINES = 65_536

# Stream keys of ``np.random.SeedSequence(seed, spawn_key=(key, ...))``.
STREAM_CUSTOMERS = 0
STREAM_LINE_COUNTS = 1
STREAM_USAGE = 2
STREAM_CATALOGUE = 3
STREAM_BLOCK = 4


# --------------------------------------------------------------------------------------
# argument checks


def check_count(argument: str, value: object, minimum: int) -> int:
    """``value`` as an int if it is a whole number of at least ``minimum``; else :class:`ArgumentError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ArgumentError(argument, value, f"a whole number of at least {minimum}")
    return int(value)


def check_start(start: object) -> np.datetime64:
    """``start`` as a day if it is the first day of a calendar quarter; else :class:`ArgumentError`."""
    try:
        stamp = pd.Timestamp(start)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError("start", start, "a date such as '2024-01-01'") from None
    if pd.isna(stamp) or stamp != stamp.normalize() or stamp.day != 1 or stamp.month % 3 != 1:
        raise ArgumentError("start", start, "the first day of a calendar quarter, e.g. '2024-01-01'")
    return np.datetime64(stamp.date(), "D")


# --------------------------------------------------------------------------------------
# random streams and array helpers


def stream(seed: int, *key: int) -> np.random.Generator:
    """The independent random stream ``key`` (a ``STREAM_*`` key and its sub-keys) of ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def text_column(
    labels: Sequence[str] | np.ndarray | pd.api.extensions.ExtensionArray, codes: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """Text column ``labels[codes]`` built from the distinct labels (fast for millions of rows)."""
    if not isinstance(labels, pd.api.extensions.ExtensionArray):
        labels = pd.array(np.asarray(labels), dtype="str")
    return labels.take(np.asarray(codes, dtype=np.int64))


def last_quarters(quarters: int, factors: Sequence[float]) -> np.ndarray:
    """Per-quarter multipliers: ``factors`` applied to the last quarters, 1 elsewhere."""
    out = np.ones(quarters)
    tail = np.asarray(factors, dtype=float)[-quarters:]
    out[quarters - tail.size :] = tail
    return out
