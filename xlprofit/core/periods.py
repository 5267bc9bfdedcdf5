"""Analysis periods: years, half-years, quarters or months, labelled as users write them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

__all__ = ["Periods", "PERIODS_PER_YEAR"]

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
    def _first(self) -> int:
        return int(self._absolute(np.array([self.start.year]), np.array([self.start.month]))[0])

    @property
    def count(self) -> int:
        """Number of periods in the analysis."""
        last = int(self._absolute(np.array([self.end.year]), np.array([self.end.month]))[0])
        return last - self._first + 1

    def index_of(self, dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """0-based period number of each date (may fall outside ``0 … count-1``)."""
        d = pd.DatetimeIndex(dates)
        return self._absolute(d.year.to_numpy(), d.month.to_numpy()) - self._first

    def label(self, k: int) -> str:
        """Label of period ``k``: ``2025``, ``2025H1``, ``2025Q1`` or ``2025-01``."""
        absolute = self._first + k
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
        absolute = self._first + k
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
