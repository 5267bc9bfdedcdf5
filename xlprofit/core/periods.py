"""Analysis periods: years, half-years, quarters or months, labelled as users write them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

__all__ = ["Periods", "PERIODS_PER_YEAR", "relabel_periods", "union_positions"]

PERIODS_PER_YEAR: tuple[int, ...] = (1, 2, 4, 12)


@dataclass(frozen=True)
class Periods:
    """The calendar periods covering ``[start, end]`` at ``periods_per_year`` per year.

    Periods are calendar-aligned: quarters start in January, April, July and October.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    periods_per_year: int

    def __post_init__(self) -> None:
        if self.periods_per_year not in PERIODS_PER_YEAR:
            raise ArgumentError("periods_per_year", self.periods_per_year,
                                f"one of {', '.join(map(str, PERIODS_PER_YEAR))}")
        if self.end < self.start:
            raise ArgumentError("period_end", self.end.date(), f"on or after period_start ({self.start.date()})")

    @property
    def months(self) -> int:
        """Calendar months in one period."""
        return 12 // self.periods_per_year

    def _absolute(self, year: np.ndarray, month: np.ndarray) -> np.ndarray:
        return year.astype("int64") * self.periods_per_year + (month.astype("int64") - 1) // self.months

    @property
    def first_absolute(self) -> int:
        """The first period's number counted from year 0 (``year × periods_per_year + period of the year``)."""
        return int(self._absolute(np.array([self.start.year]), np.array([self.start.month]))[0])

    @property
    def count(self) -> int:
        """Number of periods in the analysis."""
        last = int(self._absolute(np.array([self.end.year]), np.array([self.end.month]))[0])
        return last - self.first_absolute + 1

    def index_of(self, dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """0-based period number of each date (may fall outside ``0 … count-1``)."""
        d = pd.DatetimeIndex(dates)
        return self._absolute(d.year.to_numpy(), d.month.to_numpy()) - self.first_absolute

    def label(self, k: int) -> str:
        """Label of period ``k``: ``2025``, ``2025H1``, ``2025Q1`` or ``2025-01``."""
        absolute = self.first_absolute + k
        year, within = divmod(absolute, self.periods_per_year)
        if self.periods_per_year == 1:
            return f"{year}"
        if self.periods_per_year == 2:
            return f"{year}H{within + 1}"
        if self.periods_per_year == 4:
            return f"{year}Q{within + 1}"
        return f"{year}-{within + 1:02d}"

    def start_of(self, k: int) -> pd.Timestamp:
        """First calendar day of period ``k``."""
        absolute = self.first_absolute + k
        year, within = divmod(absolute, self.periods_per_year)
        return pd.Timestamp(year=year, month=within * self.months + 1, day=1)

    @property
    def labels(self) -> list[str]:
        """Labels of all periods, in order."""
        return [self.label(k) for k in range(self.count)]

    @property
    def years(self) -> float:
        """Length of the analysis in years (days / 365.25)."""
        return ((self.end - self.start).days + 1) / 365.25


def _common_level(levels: list[pd.Index]) -> pd.Index:
    first = levels[0]
    if all(level is first or level.equals(first) for level in levels) and first.is_monotonic_increasing:
        return first
    union = first
    for level in levels[1:]:
        union = union.union(level)
    return union


def union_positions(indexes: list[pd.MultiIndex]) -> tuple[pd.MultiIndex, list[np.ndarray]] | None:
    """The sorted union of two-level indexes (customer, period) and each one's rows in it.

    Works on integer codes: each distinct customer and period is looked up once, not each
    of millions of pairs. ``None`` when a level cannot be sorted into unique values (then
    use pandas' own ``union``).
    """
    first = _common_level([ix.levels[0] for ix in indexes])
    second = _common_level([ix.levels[1] for ix in indexes])
    for level in (first, second):
        if not level.is_unique or level.hasnans or not level.is_monotonic_increasing:
            return None
    width = len(second)
    if len(first) * width >= 2**62:
        return None

    def keys(index: pd.MultiIndex) -> np.ndarray:
        a = first.get_indexer(index.levels[0])[np.asarray(index.codes[0])].astype(np.int64)
        b = second.get_indexer(index.levels[1])[np.asarray(index.codes[1])].astype(np.int64)
        return a * width + b

    each = [keys(ix) for ix in indexes]
    union = np.concatenate(each)
    union.sort(kind="stable")  # sorted runs: merged, not hashed
    if len(union):
        union = union[np.concatenate([[True], union[1:] != union[:-1]])]
    index = pd.MultiIndex(levels=[first, second], codes=[union // width, union % width],
                          names=indexes[0].names, verify_integrity=False)
    return index, [np.searchsorted(union, k) for k in each]


def relabel_periods(index: pd.MultiIndex, labels: np.ndarray) -> pd.MultiIndex:
    """``(customer_id, period number)`` to ``(customer_id, period label)``, the codes untouched."""
    if len(index) == 0:
        return pd.MultiIndex.from_arrays([index.get_level_values(0), labels[index.get_level_values(1).to_numpy(
            dtype="int64")]], names=["customer_id", "period"])
    numbers = np.asarray(index.levels[1], dtype="int64")
    return pd.MultiIndex(levels=[index.levels[0], pd.Index(labels[numbers], dtype=object)], codes=index.codes,
                         names=["customer_id", "period"], verify_integrity=False)
