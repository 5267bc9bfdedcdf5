"""The trend flags: which customers are turning unprofitable, and why, in numbers.

The functions take the long ``trend`` table described in ``docs/architecture.md`` (one row
per customer and period) and return new tables: the warning flags of every customer with
their evidence as text (:func:`trend_flags`, the headline flag :func:`headline_flag`), and the
portfolio totals per period (:func:`profit_trend`). Results never depend on the order of the
input rows: customers are sorted by ``customer_id``, periods are in calendar order, and every
sum is taken in a fixed order.

How a flag is decided (:func:`trend_flags`). Customer-level costs are lumpy: one sales visit
more in a quarter moves a small customer's cost-to-serve by half, and a single large order
moves its revenue. So no flag rests on one period or on a least-squares line through such
numbers. Each customer's *levels* are compared: the median per period of its earlier periods
against the median per period of its recent ones (the last ``recent_periods`` of the table),
and a change raises a flag only when it is material twice over: relative to the earlier level
(a share such as 30 %) and absolute (``materiality``, an amount of money per year). A
customer is assessed only with enough history (``min_periods`` periods with activity); one
who bought nothing in the last period has *lapsed* and is reported as such, never flagged.

Percentages are fractions (``0.05`` is 5 %).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core.arguments import bounded_number
from xlprofit.core.customer_frames import divide_where
from xlprofit.core.money import to_cents
from xlprofit.core.parsing import as_text
from xlprofit.errors import ArgumentError

__all__ = [
    "BAD_DEBT_RISE",
    "CONTRIBUTION_DROP",
    "COST_TO_SERVE_RISE",
    "MATERIALITY",
    "MIN_PERIODS",
    "PERIODS_PER_YEAR",
    "RECENT_PERIODS",
    "TREND_PARAMETERS",
    "VOLUME_DROP",
    "WARNINGS",
    "headline_flag",
    "profit_trend",
    "trend_flags",
    "trend_flags_and_totals",
]

# The defaults of the options of :func:`trend_flags` (and of :func:`trend_flags_and_totals`);
# the reasons for each value are in the docstring of :func:`trend_flags`.
#: Fewest periods with activity (lines or net revenue) for a customer to be assessed.
MIN_PERIODS = 4
#: The latest periods of the table (the recent level) compared with the customer's earlier ones.
RECENT_PERIODS = 2
#: Relative fall of net revenue and of lines per period that makes ``falling_volume``.
VOLUME_DROP = 0.30
#: Relative rise of cost-to-serve per period that makes ``rising_cost_to_serve``.
COST_TO_SERVE_RISE = 0.50
#: Recent bad debt, as a share of recent net revenue, that makes ``growing_bad_debt``.
BAD_DEBT_RISE = 0.02
#: Fall of contribution per period, as a share of the earlier net revenue per period, that
#: makes ``falling_contribution``.
CONTRIBUTION_DROP = 0.10
#: Smallest change that counts, in the reporting currency per year (divided by
#: ``periods_per_year`` for the per-period levels: 300 a quarter).
MATERIALITY = 1_200.0
#: Periods per year of the trend (quarters), for ``materiality`` and the wording of the reasons.
PERIODS_PER_YEAR = 4

#: The warning columns of :func:`trend_flags`, in the order they appear (and are explained).
WARNINGS: tuple[str, ...] = ("falling_volume", "rising_cost_to_serve", "growing_bad_debt", "falling_contribution",
                             "turned_unprofitable")

_FLAG_DEFAULTS: dict[str, Any] = {
    "min_periods": MIN_PERIODS, "recent_periods": RECENT_PERIODS, "volume_drop": VOLUME_DROP,
    "cost_to_serve_rise": COST_TO_SERVE_RISE, "bad_debt_rise": BAD_DEBT_RISE,
    "contribution_drop": CONTRIBUTION_DROP, "materiality": MATERIALITY, "periods_per_year": PERIODS_PER_YEAR,
}

#: The options of :func:`trend_flags` as parameters of an analysis: parameter name ->
#: (option, kind as in ``schema.PARAMETERS``, default, meaning). ``periods_per_year`` is the
#: analysis's own parameter of that name.
TREND_PARAMETERS: dict[str, tuple[str, str, Any, str]] = {
    "trend_materiality": ("materiality", "number", MATERIALITY,
                          "smallest change per year a trend flag reports, in the reporting currency"),
    "trend_min_periods": ("min_periods", "number", MIN_PERIODS,
                          "fewest periods with purchases for a customer's trend to be assessed"),
    "trend_recent_periods": ("recent_periods", "number", RECENT_PERIODS,
                             "latest periods whose median is compared with the customer's earlier periods"),
    "trend_volume_drop": ("volume_drop", "rate", VOLUME_DROP,
                          "fall of net revenue and lines per period that flags falling volume"),
    "trend_cost_to_serve_rise": ("cost_to_serve_rise", "number", COST_TO_SERVE_RISE,
                                 "rise of cost-to-serve per period that flags it (0.5 = +50 %)"),
    "trend_bad_debt_rise": ("bad_debt_rise", "rate", BAD_DEBT_RISE,
                            "recent bad debt as a share of recent net revenue that flags it"),
    "trend_contribution_drop": ("contribution_drop", "rate", CONTRIBUTION_DROP,
                                "fall of contribution per period, as a share of earlier net revenue, that flags it"),
}

_TREND_NUMBERS = ("net_revenue", "gross_margin", "cost_to_serve", "bad_debt", "contribution", "lines")
#: The numbers whose earlier and recent levels the flags compare.
_LEVELS = ("net_revenue", "lines", "cost_to_serve", "bad_debt", "contribution")
_MINUS = "\u2212"
_ARROW = " \u2192 "
_PERIOD_WORDS = {1: "year", 2: "half-year", 3: "third of a year", 4: "quarter", 6: "two months", 12: "month"}


def _check_int(value: Any, argument: str, *, low: int) -> int:
    """A whole number of at least ``low``; a float with a whole value (a parameters cell) is one."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ArgumentError(argument, value, f"a whole number of at least {low}")
    return int(value)


def _trend_table(trend: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the trend: text ids, numbers (NA as 0), and the periods in calendar order.

    Returns the per-(customer, period) table with a ``position`` column and the period
    table (``period``, ``period_start``, ``position``).
    """
    if not isinstance(trend, pd.DataFrame):
        raise ArgumentError("trend", type(trend).__name__, "a pandas DataFrame")
    frame = trend.reset_index() if "customer_id" not in trend.columns else trend
    required = ("customer_id", "period", *_TREND_NUMBERS)
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ArgumentError("trend", ", ".join(missing), "a table with the column(s) " + ", ".join(missing))
    if frame["customer_id"].isna().any() or frame["period"].isna().any():
        raise ArgumentError("trend", "a blank customer_id or period", "a table with both on every row")
    # Customers and periods as codes of their sorted text (hashed once, never compared as text again).
    customer_code, customers = _text_codes(frame["customer_id"])
    period_code, labels = _text_codes(frame["period"])
    columns = {"customer": customer_code.astype(np.int64, copy=False),
               "period_code": period_code.astype(np.int64, copy=False)}
    for column in _TREND_NUMBERS:
        columns[column] = _trend_numbers(frame[column], column)
    # Millions of rows for a large ledger: the columns are used as they are, not copied.
    table = pd.DataFrame(columns, copy=False)
    if "period_start" in frame.columns:
        starts = pd.Series(pd.to_datetime(frame["period_start"].to_numpy(), errors="coerce"))
    else:
        starts = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    first_start = starts.groupby(period_code).min().reindex(range(len(labels)))
    periods = pd.DataFrame({"period": np.asarray(labels, dtype=object), "period_start": first_start.to_numpy()})
    periods = periods.sort_values(["period_start", "period"], kind="mergesort", na_position="last")
    periods["position"] = np.arange(len(periods))
    # one row per customer and period; a repeated pair is summed, in a fixed order
    c, k = table["customer"].to_numpy(), table["period_code"].to_numpy()
    if len(c) < 2 or bool(np.all((c[:-1] < c[1:]) | ((c[:-1] == c[1:]) & (k[:-1] < k[1:])))):
        # Already one row per pair in order (the analysis's own trend): adding 0.0 does what the
        # sum of one row does (−0.0 becomes 0.0), without sorting and grouping.
        for column in _TREND_NUMBERS:
            numbers = table[column].to_numpy()
            if bool(np.any(np.signbit(numbers) & (numbers == 0))):
                table[column] = numbers + 0.0
    else:
        table = table.sort_values(["customer", "period_code", *_TREND_NUMBERS], kind="mergesort")
        table = table.groupby(["customer", "period_code"], sort=True)[list(_TREND_NUMBERS)].sum().reset_index()
    rank = np.empty(len(labels), dtype=np.int64)
    rank[periods.index.to_numpy()] = periods["position"].to_numpy()
    table["position"] = rank[table["period_code"].to_numpy()]
    table.attrs["customers"] = pd.Index(np.asarray(customers, dtype=object), name="customer_id")
    return table, periods.reset_index(drop=True)


def _trend_numbers(values: pd.Series, column: str) -> np.ndarray:
    """A number column of the trend as floats, missing as 0 (no copy when it is floats already)."""
    if values.dtype == np.float64 and not values.hasnans:
        numbers = values.to_numpy()
    else:
        parsed = pd.to_numeric(values, errors="coerce")
        unreadable = parsed.isna() & values.notna()
        if unreadable.any():
            raise ArgumentError(f"trend.{column}", values[unreadable].iloc[0], "numeric")
        numbers = parsed.fillna(0.0).to_numpy(dtype=float)
    if not np.isfinite(numbers).all():
        raise ArgumentError(f"trend.{column}", "an infinite value", "finite")
    return numbers


def _text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column's values as text and the sorted distinct texts (``factorize(sort=True)``).

    Arrow-backed text is encoded by Arrow (no Python string per row); Python strings in order
    are numbered without hashing; anything else is read with ``str`` first.
    """
    if isinstance(values.dtype, pd.StringDtype) and not values.hasnans:
        codes, uniques = pd.factorize(values, sort=True)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)
    return _sorted_codes(as_text(values))


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)``; for values already in order, without hashing them."""
    if len(values) > 1:
        change = values[1:] != values[:-1]
        if bool(np.all(values[1:][change] > values[:-1][change])):
            starts = np.concatenate([[True], change])
            return np.cumsum(starts) - 1, values[starts]
    return pd.factorize(values, sort=True)


def _percent_text(values: pd.Series) -> pd.Series:
    """``0.19`` -> ``"19%"``, ``-0.35`` -> ``"−35%"`` (as every percentage of the report); NA where NaN."""
    rounded = (values * 100).round()
    digits = rounded.abs().astype("Int64").astype("string")
    sign = pd.Series(np.where(rounded < 0, _MINUS, ""), index=values.index, dtype="string")
    return sign + digits + "%"


def _money_text(values: pd.Series) -> pd.Series:
    """``-1234.4`` -> ``"−1,234"``."""
    rounded = values.round()
    digits = rounded.abs().astype("Int64").astype("string")
    digits = digits.str.replace(r"(\d)(?=(\d{3})+$)", r"\1,", regex=True)
    sign = pd.Series(np.where(rounded < 0, _MINUS, ""), index=values.index, dtype="string")
    return sign + digits


def _join_reasons(parts: list[pd.Series]) -> pd.Series:
    joined = parts[0].fillna("")
    for part in parts[1:]:
        part = part.fillna("")
        separator = np.where((joined != "") & (part != ""), "; ", "")
        joined = joined + separator + part
    return joined.astype(str)



def _figure_text(values: pd.Series) -> pd.Series:
    """A level for the reasons: ``1234.4`` -> ``"1,234"``; below 10 with one decimal (``"2.5"``)."""
    small = values.abs().round(1) < 10
    whole = _money_text(values)
    tenths = values.round(1)
    sign = pd.Series(np.where(tenths < 0, _MINUS, ""), index=values.index, dtype="string")
    short = sign + tenths.abs().map(lambda v: f"{v:.1f}".removesuffix(".0"), na_action="ignore").astype("string")
    return short.where(small, whole)


#: Customers whose trend grids are made at once in :func:`trend_flags`.
_FLAG_BLOCK = 1 << 17


def _window_median(grid: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The median of each row's values ``inside`` its window; NaN for an empty window."""
    count = inside.sum(axis=1)
    ordered = np.sort(np.where(inside, grid, np.inf), axis=1)
    rows = np.arange(len(grid))
    low = ordered[rows, np.maximum(count - 1, 0) // 2]
    high = ordered[rows, np.minimum(count // 2, grid.shape[1] - 1)]
    with np.errstate(invalid="ignore"):
        middle = np.where(count % 2 == 1, low, (low + high) / 2)
    return np.where(count > 0, middle, np.nan)


def _flag_figures(rows: np.ndarray, position: np.ndarray, values: dict[str, np.ndarray], n_customers: int,
                  n_periods: int, recent_periods: int) -> dict[str, np.ndarray]:
    """The figures behind the trend flags for a block of customers (rows numbered from 0 in the block)."""
    shape = (n_customers, n_periods)
    # one row per customer, one column per period; a period without a row counts as zero
    grids = {}
    for column in _TREND_NUMBERS:
        grids[column] = np.zeros(shape)
        grids[column][rows, position] = values[column]
    active = (grids["lines"] > 0) | (grids["net_revenue"] != 0)
    first_row = np.full(n_customers, n_periods)
    np.minimum.at(first_row, rows, position)
    first = np.where(active.any(axis=1), active.argmax(axis=1), first_row)
    last_active = np.where(active.any(axis=1), n_periods - 1 - active[:, ::-1].argmax(axis=1), -1)
    period = np.arange(n_periods)[None, :]
    in_window = period >= first[:, None]
    recent_start = n_periods - recent_periods
    in_recent = in_window & (period >= recent_start)
    in_earlier = in_window & (period < recent_start)
    out = {
        "periods": (n_periods - first).astype(np.int64),
        "periods_active": (active & in_window).sum(axis=1).astype(np.int64),
        "last_active": last_active.astype(np.int64),
    }
    # what a lapsed customer bought: the median of its periods with activity
    out["net_revenue_active"] = _window_median(grids["net_revenue"], active)
    for column in _LEVELS:
        out[f"{column}_earlier"] = _window_median(grids[column], in_earlier)
        out[f"{column}_recent"] = _window_median(grids[column], in_recent)
    return out


def headline_flag(flags: pd.DataFrame) -> pd.Series:
    """The one definition of a customer *flagged* as turning unprofitable.

    A customer is flagged when it has turned loss-making, is building bad debt, or its volume
    is falling while its cost-to-serve rises or its contribution falls. A single warning sign
    (falling volume alone — a customer buying less but still paying its way —, rising
    cost-to-serve alone, contribution falling alone) stays visible in its own column without
    raising the flag. Every warning is already material and False for a customer without
    enough history or who has lapsed (see :func:`trend_flags`). The report, the Analysis and
    ``XLP_TREND`` all read this column.

    Parameters
    ----------
    flags : pandas.DataFrame
        The warning columns ``falling_volume, rising_cost_to_serve, growing_bad_debt,
        falling_contribution, turned_unprofitable`` (booleans).

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``flags``.
    """
    return flags["turned_unprofitable"] | flags["growing_bad_debt"] | (
        flags["falling_volume"] & (flags["rising_cost_to_serve"] | flags["falling_contribution"])
    )


def trend_flags(
    trend: pd.DataFrame,
    *,
    min_periods: int = MIN_PERIODS,
    recent_periods: int = RECENT_PERIODS,
    volume_drop: float = VOLUME_DROP,
    cost_to_serve_rise: float = COST_TO_SERVE_RISE,
    bad_debt_rise: float = BAD_DEBT_RISE,
    contribution_drop: float = CONTRIBUTION_DROP,
    materiality: float = MATERIALITY,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> pd.DataFrame:
    """Flag customers whose profitability is deteriorating, each with its evidence in numbers.

    Each customer is followed from its first period with activity (lines or net revenue) to
    the last period of the whole table; periods without a row count as zero. The *recent*
    periods are the last ``recent_periods`` of the table, the *earlier* ones those of the
    customer's window before them. A customer's *level* of a number in either part is the
    median of its values per period: robust to one lumpy period (a quarter with four sales
    visits instead of one, one large order), unlike a mean or a least-squares slope. With
    ``m = materiality / periods_per_year`` (300 a quarter by default), an assessed customer
    that has not lapsed shows

    * ``falling_volume`` when its net revenue and its lines per period both fell by at least
      ``volume_drop`` and net revenue by at least ``m``;
    * ``rising_cost_to_serve`` when its cost-to-serve per period rose by at least
      ``cost_to_serve_rise`` and by at least ``m``;
    * ``growing_bad_debt`` when its bad debt per period rose by at least ``m`` and is at least
      ``bad_debt_rise`` of its recent net revenue;
    * ``falling_contribution`` when its contribution per period fell by at least ``m`` and by
      at least ``contribution_drop`` of its earlier net revenue per period;
    * ``turned_unprofitable`` when its contribution per period was at least ``+m`` earlier
      and is at most ``−m`` recently: clearly positive, then clearly negative — not a sign
      change of a few euros.

    ``flagged`` is :func:`headline_flag` of these. A customer is *assessed* when it has at
    least ``min_periods`` periods with activity (so at least ``min_periods −
    recent_periods`` earlier periods to take a median of). A customer who bought in the
    table's periods but nothing in the last one has *lapsed*, whatever its history: it is
    lost or pausing, not turning unprofitable, and needs another action (win it back, or
    collect what it owes). Its warnings are all False, so it is never flagged, and its
    reasons say when it last bought and for how much. Counting it as turning would fill the
    flagged list with customers who are already gone (the synthetic generator's churned
    customers are such customers; they are a fifth of its customers, against a tenth
    turning), and its "falling volume" would say nothing a lapse does not.

    Parameters
    ----------
    trend : pandas.DataFrame
        Long trend table: ``customer_id, period, net_revenue, gross_margin, cost_to_serve,
        bad_debt, contribution, lines`` and optionally ``period_start`` (periods are
        ordered by it, then by label). Missing numbers count as 0.
    min_periods : int, default 4
        Fewest periods with activity for a customer to be assessed: a trend needs a year of
        quarters; fewer, and two medians of one or two values each would be compared. At
        least 2.
    recent_periods : int, default 2
        Latest periods whose median is the recent level: half a year of quarters, long
        enough that one lumpy quarter is not a trend, short enough to warn while there is
        time to act. Between 1 and ``min_periods − 1``.
    volume_drop : float, default 0.30
        Relative fall of net revenue and of lines per period for ``falling_volume``: a
        customer's quarters vary by ±15-25 % around their level from one order more or less;
        a fall of 30 % in both money and lines is beyond that.
    cost_to_serve_rise : float, default 0.50
        Relative rise of cost-to-serve per period for ``rising_cost_to_serve``. Half as
        much again: one service call or delivery more is not a trend; cost-to-serve is the
        lumpiest of the numbers (customer-level activities come in whole visits and calls).
    bad_debt_rise : float, default 0.02
        Recent bad debt per period, as a share of recent net revenue, for
        ``growing_bad_debt``: above the 1-2 % of revenue a distributor usually writes off.
    contribution_drop : float, default 0.10
        Fall of contribution per period, as a share of the earlier net revenue per period,
        for ``falling_contribution``: ten points of margin lost is more than a typical
        customer's whole contribution margin.
    materiality : float, default 1200
        Smallest change that counts, in the reporting currency per year: every change above
        (revenue, cost-to-serve, bad debt, contribution) and both contribution levels of
        ``turned_unprofitable`` must reach ``materiality / periods_per_year`` per period.
        1,200 a year (300 a quarter) is about one sales visit plus one service call a
        quarter in the demo's costs; set it to what the business calls material.
    periods_per_year : int, default 4
        Periods per year of ``trend`` (the analysis's ``periods_per_year``): scales
        ``materiality`` and names the period in the reasons ("per quarter").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), one row per customer of ``trend``: ``periods``
        (length of the window), ``periods_active``, ``assessed``, ``lapsed``, the warnings
        ``falling_volume, rising_cost_to_serve, growing_bad_debt, falling_contribution,
        turned_unprofitable``, ``flagged``, ``reasons`` (text for every customer with a
        warning or lapsed, e.g. "net revenue fell 38% (12,400 → 7,690 per quarter), lines
        fell 40% (31 → 19); cost-to-serve rose 45% (1,020 → 1,480 per quarter)"),
        ``last_active_period`` (label of the last period with activity; NA without any) and
        the figures behind the flags: ``net_revenue_earlier, net_revenue_recent,
        lines_earlier, lines_recent, cost_to_serve_earlier, cost_to_serve_recent,
        bad_debt_earlier, bad_debt_recent, contribution_earlier, contribution_recent``
        (levels per period; NaN for a customer with no earlier or recent period in its
        window) and ``net_revenue_change, lines_change, cost_to_serve_change`` (recent /
        earlier − 1; NaN when the earlier level is not positive).
    """
    options = _flag_options(min_periods, recent_periods, volume_drop, cost_to_serve_rise, bad_debt_rise,
                            contribution_drop, materiality, periods_per_year)
    return _flags(_trend_arrays(trend), **options)


def _flag_options(min_periods: Any, recent_periods: Any, volume_drop: Any, cost_to_serve_rise: Any,
                  bad_debt_rise: Any, contribution_drop: Any, materiality: Any, periods_per_year: Any
                  ) -> dict[str, Any]:
    """The options of :func:`trend_flags`, checked."""
    min_periods = _check_int(min_periods, "min_periods", low=2)
    recent_periods = _check_int(recent_periods, "recent_periods", low=1)
    if recent_periods >= min_periods:
        raise ArgumentError("recent_periods", recent_periods, f"below min_periods ({min_periods})")
    return {
        "min_periods": min_periods, "recent_periods": recent_periods,
        "volume_drop": bounded_number("volume_drop", volume_drop, low=0.0, high=1.0),
        "cost_to_serve_rise": bounded_number("cost_to_serve_rise", cost_to_serve_rise, low=0.0),
        "bad_debt_rise": bounded_number("bad_debt_rise", bad_debt_rise, low=0.0),
        "contribution_drop": bounded_number("contribution_drop", contribution_drop, low=0.0),
        "materiality": bounded_number("materiality", materiality, low=0.0),
        "periods_per_year": _check_int(periods_per_year, "periods_per_year", low=1),
    }


def _trend_arrays(trend: pd.DataFrame) -> dict[str, Any]:
    """The trend read by :func:`_trend_table`, as arrays.

    ``customers`` and ``periods`` (the tables of :func:`_trend_table`), ``rows`` (customer
    numbers, sorted), ``position`` (period positions) and ``values`` (an array per number column).
    """
    table, periods = _trend_table(trend)
    return {"customers": table.attrs["customers"], "periods": periods, "rows": table["customer"].to_numpy(),
            "position": table["position"].to_numpy(),
            "values": {column: table[column].to_numpy() for column in _TREND_NUMBERS}}



def _flags(arrays: dict[str, Any], *, min_periods: int, recent_periods: int, volume_drop: float,
           cost_to_serve_rise: float, bad_debt_rise: float, contribution_drop: float, materiality: float,
           periods_per_year: int) -> pd.DataFrame:
    """:func:`trend_flags` of the arrays of :func:`_trend_arrays`.

    It empties ``arrays``: a large trend's arrays are freed as soon as the figures are made.
    """
    customers, periods = arrays.pop("customers"), arrays.pop("periods")
    rows, position, values = arrays.pop("rows"), arrays.pop("position"), arrays.pop("values")
    n_periods = len(periods)
    recent = min(recent_periods, n_periods)
    # Customers are independent of each other: the grids are made a block of customers at a time,
    # so that a million customers never need a million-row grid per figure.
    starts = np.arange(0, len(customers), _FLAG_BLOCK)
    bounds = np.searchsorted(rows, np.append(starts, len(customers)))
    parts = []
    for first_customer, lo, hi in zip(starts, bounds[:-1], bounds[1:], strict=True):
        size = min(_FLAG_BLOCK, len(customers) - int(first_customer))
        parts.append(_flag_figures(rows[lo:hi] - first_customer, position[lo:hi],
                                   {c: v[lo:hi] for c, v in values.items()}, size, n_periods, recent))
    names = ["periods", "periods_active", "last_active", "net_revenue_active",
             *(f"{c}_{part}" for c in _LEVELS for part in ("earlier", "recent"))]
    figures = {name: np.concatenate([part[name] for part in parts]) if parts else np.zeros(0) for name in names}
    del rows, position, values

    result = pd.DataFrame(index=customers)
    result["periods"] = figures["periods"].astype(np.int64)
    result["periods_active"] = figures["periods_active"].astype(np.int64)
    # enough history, and at least one earlier period (a table of fewer periods has none)
    result["assessed"] = (result["periods_active"] >= min_periods) & (result["periods"] > recent)
    last = figures["last_active"]
    result["lapsed"] = (last >= 0) & (last < n_periods - 1)
    level = {name: figures[name] for name in names[4:]}
    m = materiality / periods_per_year
    judged = (result["assessed"] & ~result["lapsed"]).to_numpy()
    revenue_e, revenue_r = level["net_revenue_earlier"], level["net_revenue_recent"]
    lines_e, lines_r = level["lines_earlier"], level["lines_recent"]
    cts_e, cts_r = level["cost_to_serve_earlier"], level["cost_to_serve_recent"]
    debt_e, debt_r = level["bad_debt_earlier"], level["bad_debt_recent"]
    con_e, con_r = level["contribution_earlier"], level["contribution_recent"]
    with np.errstate(invalid="ignore"):
        warnings = {
            "falling_volume": (revenue_r <= (1 - volume_drop) * revenue_e) & (lines_r <= (1 - volume_drop) * lines_e)
            & (revenue_e - revenue_r >= m),
            "rising_cost_to_serve": (cts_r >= (1 + cost_to_serve_rise) * cts_e) & (cts_r - cts_e >= m),
            "growing_bad_debt": (debt_r - debt_e >= m) & (debt_r >= bad_debt_rise * np.maximum(revenue_r, 0.0)),
            "falling_contribution": (con_e - con_r >= m)
            & (con_e - con_r >= contribution_drop * np.maximum(revenue_e, 0.0)),
            "turned_unprofitable": (con_e >= m) & (con_r <= -m),
        }
    for name, warned in warnings.items():
        result[name] = judged & warned
    result["flagged"] = headline_flag(result)
    labels = periods["period"].astype(str).to_numpy(dtype=object)
    last_label = np.full(len(result), None, dtype=object)
    last_label[last >= 0] = labels[last[last >= 0]]
    result["last_active_period"] = pd.Series(last_label, index=customers, dtype="string")
    for name in names[4:]:
        result[name] = level[name]
    for column in ("net_revenue", "lines", "cost_to_serve"):
        earlier = level[f"{column}_earlier"]
        result[f"{column}_change"] = divide_where(level[f"{column}_recent"] - earlier, earlier, earlier > 0)
    result["net_revenue_active"] = figures["net_revenue_active"]  # for the reasons of the lapsed only
    result["reasons"] = _reasons(result, periods_per_year)
    columns = [
        "periods", "periods_active", "assessed", "lapsed", *WARNINGS, "flagged", "reasons", "last_active_period",
        *names[4:], "net_revenue_change", "lines_change", "cost_to_serve_change",
    ]
    return result[columns]


def _reasons(result: pd.DataFrame, periods_per_year: int) -> pd.Series:
    """The evidence of every warning (and of a lapse) in words and numbers; "" without any."""
    some = (result[list(WARNINGS)].any(axis=1) | result["lapsed"]).to_numpy()
    text = np.full(len(result), "", dtype=object)
    if some.any():
        picked = result.loc[some]
        unit = _PERIOD_WORDS.get(periods_per_year, "period")
        per = f" per {unit}"
        empty = pd.Series(pd.NA, index=picked.index, dtype="string")

        def level(column: str) -> pd.Series:
            return _figure_text(picked[column])

        def moved(column: str, verb: str) -> pd.Series:
            change = picked[f"{column}_change"].abs()
            percent = (" " + _percent_text(change)).fillna("")
            return verb + percent

        revenue = ("net revenue " + moved("net_revenue", "fell") + " (" + level("net_revenue_earlier") + _ARROW
                   + level("net_revenue_recent") + per + "), lines " + moved("lines", "fell") + " ("
                   + level("lines_earlier") + _ARROW + level("lines_recent") + ")")
        cost = ("cost-to-serve " + moved("cost_to_serve", "rose") + " (" + level("cost_to_serve_earlier") + _ARROW
                + level("cost_to_serve_recent") + per + ")")
        share = divide_where(picked["bad_debt_recent"].to_numpy(), picked["net_revenue_recent"].to_numpy(),
                             picked["net_revenue_recent"].to_numpy() > 0)
        share_text = (", " + _percent_text(pd.Series(share, index=picked.index)) + " of net revenue").fillna("")
        debt = ("bad debt rose (" + level("bad_debt_earlier") + _ARROW + level("bad_debt_recent") + per
                + share_text + ")")
        fall = picked["contribution_earlier"] - picked["contribution_recent"]
        contribution = ("contribution fell " + _figure_text(fall) + per + " (" + level("contribution_earlier")
                        + _ARROW + level("contribution_recent") + ")")
        loss = ("turned unprofitable (contribution " + level("contribution_earlier") + _ARROW
                + level("contribution_recent") + per + ")")
        lapsed = ("lapsed: no purchase since " + picked["last_active_period"].fillna("") + " (net revenue "
                  + level("net_revenue_active") + per + " while buying)")
        parts = [
            revenue.where(picked["falling_volume"], empty),
            cost.where(picked["rising_cost_to_serve"], empty),
            debt.where(picked["growing_bad_debt"], empty),
            # turning unprofitable says more than the fall of contribution it implies
            contribution.where(picked["falling_contribution"] & ~picked["turned_unprofitable"], empty),
            loss.where(picked["turned_unprofitable"], empty),
            lapsed.where(picked["lapsed"], empty),
        ]
        text[some] = _join_reasons(parts).to_numpy(dtype=object)
    return pd.Series(text, index=result.index, dtype=str)


def profit_trend(trend: pd.DataFrame) -> pd.DataFrame:
    """Portfolio totals per period.

    Parameters
    ----------
    trend : pandas.DataFrame
        Long trend table as for :func:`trend_flags`.

    Returns
    -------
    pandas.DataFrame
        One row per period in calendar order: ``period, period_start, customers_active``
        (customers with lines or net revenue in the period), ``net_revenue, gross_margin,
        cost_to_serve, bad_debt, contribution`` and ``loss_makers`` (customers with a
        negative contribution in the period).
    """
    return _totals(_trend_arrays(trend))


def _totals(arrays: dict[str, Any]) -> pd.DataFrame:
    """:func:`profit_trend` of the arrays of :func:`_trend_arrays` (left as they are)."""
    values = arrays["values"]
    active = (values["lines"] > 0) | (values["net_revenue"] != 0)
    money = ["net_revenue", "gross_margin", "cost_to_serve", "bad_debt", "contribution"]
    sums = pd.DataFrame({
        "active": active.astype(np.int64),
        **{column: to_cents(values[column]) for column in money},  # summed in cents: the totals tie to the P&L
        "loss_maker": (values["contribution"] < 0).astype(np.int64),
    }, copy=False).groupby(arrays["position"], sort=True).sum()
    sums[money] = sums[money] / 100.0
    result = arrays["periods"].set_index("position").join(sums, how="left")
    result = result.rename(columns={"active": "customers_active", "loss_maker": "loss_makers"})
    columns = ["period", "period_start", "customers_active", "net_revenue", "gross_margin", "cost_to_serve",
               "bad_debt", "contribution", "loss_makers"]
    return result[columns].reset_index(drop=True)



def trend_flags_and_totals(trend: pd.DataFrame, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(trend_flags(trend, **options), profit_trend(trend))`` with the trend read once.

    The analysis of a large ledger has millions of customer-periods: one reading of them less.
    """
    unknown = sorted(set(options) - set(_FLAG_DEFAULTS))
    if unknown:
        raise ArgumentError(unknown[0], options[unknown[0]], f"an option of trend_flags ({', '.join(_FLAG_DEFAULTS)})")
    checked = _flag_options(**{**_FLAG_DEFAULTS, **options})
    arrays = _trend_arrays(trend)
    totals = _totals(arrays)
    return _flags(arrays, **checked), totals
