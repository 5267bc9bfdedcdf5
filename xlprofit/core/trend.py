"""The trend flags: which customers are turning unprofitable, and why, in words.

The functions take the long ``trend`` table described in ``docs/architecture.md`` (one row
per customer and period) and return new tables: the warning flags of every customer with
their reasons as text (:func:`trend_flags`, the headline flag :func:`headline_flag`), and the
portfolio totals per period (:func:`profit_trend`). Results never depend on the order of the
input rows: customers are sorted by ``customer_id``, periods are in calendar order, and every
sum is taken in a fixed order.

Percentages are fractions (``0.05`` is 5 %).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from xlprofit.core.arguments import bounded_number
from xlprofit.core.customer_frames import divide_where
from xlprofit.core.money import to_cents
from xlprofit.core.parsing import as_text
from xlprofit.errors import ArgumentError

__all__ = [
    "BAD_DEBT_RISE",
    "COST_TO_SERVE_RISE",
    "MIN_PERIODS",
    "RECENT_PERIODS",
    "SIGNIFICANCE",
    "VOLUME_DROP",
    "headline_flag",
    "profit_trend",
    "trend_flags",
    "trend_flags_and_totals",
]

# The defaults of the options of :func:`trend_flags` (and of :func:`trend_flags_and_totals`).
#: Fewest periods with activity for a customer to be assessed.
MIN_PERIODS = 4
#: Latest periods compared with the earlier ones for ``turned_unprofitable``.
RECENT_PERIODS = 2
#: Fall of lines or net revenue, last half against first half, that flags falling volume.
VOLUME_DROP = 0.20
#: One-sided p-value of a negative slope of lines or net revenue that flags falling volume.
SIGNIFICANCE = 0.05
#: Rise of cost-to-serve as a share of net revenue (in points as a fraction) that flags it.
COST_TO_SERVE_RISE = 0.05
#: Rise of bad debt as a share of net revenue (in points as a fraction) that flags it.
BAD_DEBT_RISE = 0.02

_FLAG_DEFAULTS: dict[str, Any] = {
    "min_periods": MIN_PERIODS, "recent_periods": RECENT_PERIODS, "volume_drop": VOLUME_DROP,
    "significance": SIGNIFICANCE, "cost_to_serve_rise": COST_TO_SERVE_RISE, "bad_debt_rise": BAD_DEBT_RISE,
}

_TREND_NUMBERS = ("net_revenue", "gross_margin", "cost_to_serve", "bad_debt", "contribution", "lines")
_MINUS = "\u2212"


def _check_int(value: int, argument: str, *, low: int) -> int:
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
    """``0.19`` -> ``"19 %"``, ``-0.35`` -> ``"−35 %"``; NA where the value is NaN."""
    rounded = (values * 100).round()
    digits = rounded.abs().astype("Int64").astype("string")
    sign = pd.Series(np.where(rounded < 0, _MINUS, ""), index=values.index, dtype="string")
    return sign + digits + " %"


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


#: Customers whose trend grids are made at once in :func:`trend_flags`.
_FLAG_BLOCK = 1 << 17
_FLAG_FIGURES = ("periods", "periods_active", "lines_change", "lines_slope_p", "net_revenue_change",
                 "net_revenue_slope_p", "cost_to_serve_pct_first", "cost_to_serve_pct_last", "bad_debt_pct_first",
                 "bad_debt_pct_last", "contribution_recent", "contribution_earlier")


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
    step = np.arange(n_periods)[None, :] - first[:, None]  # 0 at the first active period
    in_window = step >= 0
    length = (n_periods - first).astype(float)
    half = np.floor(length / 2)[:, None]
    in_first = in_window & (step < half)
    in_last = step >= length[:, None] - half
    in_recent = step >= length[:, None] - recent_periods
    for column in _TREND_NUMBERS:
        grids[column][~in_window] = 0.0

    def total(grid: np.ndarray) -> np.ndarray:
        return grid.sum(axis=1)

    out = {"periods": length, "periods_active": (active & in_window).sum(axis=1)}
    window = length
    for column in ("lines", "net_revenue"):
        grid = grids[column]
        first_half = total(grid * in_first)
        last_half = total(grid * in_last)
        out[f"{column}_change"] = divide_where(last_half - first_half, first_half, first_half > 0)
        # least-squares slope of values on the period step, per customer
        mean = total(grid) / window
        centred_step = np.where(in_window, step - (length[:, None] - 1) / 2, 0.0)
        centred = np.where(in_window, grid - mean[:, None], 0.0)
        s_ty = total(centred_step * centred)
        s_yy = total(centred * centred)
        s_tt = window * (window * window - 1) / 12  # Σ(t − t̄)², zero for a single period
        freedom = np.maximum(window - 2, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = divide_where(s_ty, s_tt, s_tt > 0)
            residual = np.maximum(s_yy - slope * s_ty, 0.0)
            standard_error = np.sqrt(residual / freedom / s_tt)
            t_stat = np.where(standard_error > 0, slope / standard_error,
                              np.where(slope < 0, -np.inf, np.where(slope > 0, np.inf, 0.0)))
        out[f"{column}_slope_p"] = np.where(window > 2, stats.t.cdf(t_stat, freedom), np.nan)

    net_first = total(grids["net_revenue"] * in_first)
    net_last = total(grids["net_revenue"] * in_last)
    for column in ("cost_to_serve", "bad_debt"):
        grid = grids[column]
        out[f"{column}_pct_first"] = divide_where(total(grid * in_first), net_first, net_first > 0)
        out[f"{column}_pct_last"] = divide_where(total(grid * in_last), net_last, net_last > 0)
    contribution = grids["contribution"]
    out["contribution_recent"] = total(contribution * in_recent)
    out["contribution_earlier"] = total(contribution * ~in_recent)
    return out


def headline_flag(flags: pd.DataFrame) -> pd.Series:
    """The one definition of a customer *flagged* as turning unprofitable.

    A customer is flagged when it has turned loss-making, is building bad debt, or shows the
    classic pattern of falling volume together with rising cost-to-serve. A single warning
    sign (falling volume alone, rising cost-to-serve alone) stays visible in its own column
    without raising the flag: on noisy data each alone fires too often. The report, the
    Analysis and ``XLP_TREND`` all read this column.

    Parameters
    ----------
    flags : pandas.DataFrame
        The warning columns ``falling_volume, rising_cost_to_serve, growing_bad_debt,
        turned_unprofitable`` (booleans).

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``flags``.
    """
    return flags["turned_unprofitable"] | flags["growing_bad_debt"] | (
        flags["falling_volume"] & flags["rising_cost_to_serve"]
    )


def trend_flags(
    trend: pd.DataFrame,
    *,
    min_periods: int = MIN_PERIODS,
    recent_periods: int = RECENT_PERIODS,
    volume_drop: float = VOLUME_DROP,
    significance: float = SIGNIFICANCE,
    cost_to_serve_rise: float = COST_TO_SERVE_RISE,
    bad_debt_rise: float = BAD_DEBT_RISE,
) -> pd.DataFrame:
    """Flag customers whose profitability is deteriorating.

    Each customer is followed from its first period with activity (lines or net revenue)
    to the last period of the whole table; periods without a row count as zero, so a
    customer who stopped buying shows falling volume. The window is cut into a first and
    a last half of ``n // 2`` periods each (the middle period of an odd window belongs to
    neither).

    Parameters
    ----------
    trend : pandas.DataFrame
        Long trend table: ``customer_id, period, net_revenue, gross_margin, cost_to_serve,
        bad_debt, contribution, lines`` and optionally ``period_start`` (periods are
        ordered by it, then by label). Missing numbers count as 0.
    min_periods : int, default 4
        Customers with fewer periods with activity are not assessed: every flag is False
        and ``assessed`` is False. At least 3 (the slope test needs 1 degree of freedom).
    recent_periods : int, default 2
        Number of latest periods compared with the earlier ones for
        ``turned_unprofitable``; between 1 and ``min_periods - 1``.
    volume_drop : float, default 0.20
        Fall of lines or net revenue, last half against first half, that flags falling
        volume.
    significance : float, default 0.05
        One-sided p-value below which a negative least-squares slope of lines or net
        revenue over the periods flags falling volume on its own; 0 turns the test off.
    cost_to_serve_rise : float, default 0.05
        Rise of cost-to-serve as a share of net revenue (last half against first half, in
        percentage points as a fraction: 0.05 = 5 points) that flags
        ``rising_cost_to_serve``.
    bad_debt_rise : float, default 0.02
        Rise of bad debt as a share of net revenue, likewise, that flags
        ``growing_bad_debt``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), one row per customer of ``trend``:
        ``periods`` (length of the window), ``periods_active``, ``assessed``, the flags
        ``falling_volume, rising_cost_to_serve, growing_bad_debt, turned_unprofitable``,
        ``flagged`` (the headline flag, :func:`headline_flag`), ``reasons`` (the warning
        signs of every customer showing one, text such as "falling volume (−35 % lines);
        cost-to-serve 8 % → 19 % of revenue") and the figures behind them:
        ``lines_change, net_revenue_change`` (last half / first half − 1; NaN when the
        first half is not positive), ``lines_slope_p, net_revenue_slope_p`` (one-sided
        p-values of a negative slope), ``cost_to_serve_pct_first, cost_to_serve_pct_last,
        bad_debt_pct_first, bad_debt_pct_last`` (NaN when that half has no positive
        revenue, which never raises a flag), ``contribution_earlier,
        contribution_recent``.

    Notes
    -----
    ``turned_unprofitable`` means the summed contribution of the last ``recent_periods``
    periods is negative while the sum over the earlier periods of the window is zero or
    positive.
    """
    options = _flag_options(min_periods, recent_periods, volume_drop, significance, cost_to_serve_rise,
                            bad_debt_rise)
    return _flags(_trend_arrays(trend), **options)


def _flag_options(min_periods: int, recent_periods: int, volume_drop: float, significance: float,
                  cost_to_serve_rise: float, bad_debt_rise: float) -> dict[str, Any]:
    """The options of :func:`trend_flags`, checked."""
    min_periods = _check_int(min_periods, "min_periods", low=3)
    recent_periods = _check_int(recent_periods, "recent_periods", low=1)
    if recent_periods >= min_periods:
        raise ArgumentError("recent_periods", recent_periods, f"below min_periods ({min_periods})")
    volume_drop = bounded_number("volume_drop", volume_drop, low=0.0, high=1.0)
    significance = bounded_number("significance", significance, low=0.0, high=1.0, closed_high=False)
    cost_to_serve_rise = bounded_number("cost_to_serve_rise", cost_to_serve_rise, low=0.0, high=np.inf)
    bad_debt_rise = bounded_number("bad_debt_rise", bad_debt_rise, low=0.0, high=np.inf)
    return {"min_periods": min_periods, "recent_periods": recent_periods, "volume_drop": volume_drop,
            "significance": significance, "cost_to_serve_rise": cost_to_serve_rise, "bad_debt_rise": bad_debt_rise}


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
           significance: float, cost_to_serve_rise: float, bad_debt_rise: float) -> pd.DataFrame:
    """:func:`trend_flags` of the arrays of :func:`_trend_arrays`.

    It empties ``arrays``: a large trend's arrays are freed as soon as the figures are made.
    """
    customers, periods = arrays.pop("customers"), arrays.pop("periods")
    rows, position, values = arrays.pop("rows"), arrays.pop("position"), arrays.pop("values")
    # Customers are independent of each other: the grids are made a block of customers at a time,
    # so that a million customers never need a million-row grid per figure.
    starts = np.arange(0, len(customers), _FLAG_BLOCK)
    bounds = np.searchsorted(rows, np.append(starts, len(customers)))
    parts = []
    for first_customer, lo, hi in zip(starts, bounds[:-1], bounds[1:], strict=True):
        size = min(_FLAG_BLOCK, len(customers) - int(first_customer))
        parts.append(_flag_figures(rows[lo:hi] - first_customer, position[lo:hi],
                                   {c: v[lo:hi] for c, v in values.items()}, size, len(periods),
                                   recent_periods))
    figures = {name: np.concatenate([part[name] for part in parts]) if parts else np.zeros(0)
               for name in _FLAG_FIGURES}
    del rows, position, values

    result = pd.DataFrame(index=customers)
    result["periods"] = figures["periods"].astype(np.int64)
    result["periods_active"] = figures["periods_active"].astype(np.int64)
    result["assessed"] = result["periods_active"] >= min_periods
    change = {column: figures[f"{column}_change"] for column in ("lines", "net_revenue")}
    slope_p = {column: figures[f"{column}_slope_p"] for column in ("lines", "net_revenue")}
    for column in ("lines", "net_revenue"):
        result[f"{column}_change"] = change[column]
        result[f"{column}_slope_p"] = slope_p[column]

    falls = {
        column: ((slope_p[column] < significance) | (change[column] <= -volume_drop))
        for column in ("lines", "net_revenue")
    }
    result["falling_volume"] = result["assessed"] & (falls["lines"] | falls["net_revenue"])
    for column in ("cost_to_serve", "bad_debt"):
        result[f"{column}_pct_first"] = figures[f"{column}_pct_first"]
        result[f"{column}_pct_last"] = figures[f"{column}_pct_last"]
    cts_first, cts_last = figures["cost_to_serve_pct_first"], figures["cost_to_serve_pct_last"]
    debt_first, debt_last = figures["bad_debt_pct_first"], figures["bad_debt_pct_last"]
    with np.errstate(invalid="ignore"):
        result["rising_cost_to_serve"] = result["assessed"] & (cts_last - cts_first >= cost_to_serve_rise)
        result["growing_bad_debt"] = result["assessed"] & (debt_last > debt_first) & (
            debt_last - debt_first >= bad_debt_rise
        )

    result["contribution_recent"] = figures["contribution_recent"]
    result["contribution_earlier"] = figures["contribution_earlier"]
    result["turned_unprofitable"] = (
        result["assessed"] & (result["contribution_recent"] < 0) & (result["contribution_earlier"] >= 0)
    )
    flags = ["falling_volume", "rising_cost_to_serve", "growing_bad_debt", "turned_unprofitable"]
    result["flagged"] = headline_flag(result)

    # The reasons are written for the customers with a warning sign only (a few of a million).
    some = result[flags].any(axis=1).to_numpy()
    picked = result.loc[some]
    empty = pd.Series(pd.NA, index=picked.index, dtype="string")
    volume_parts = []
    for column, label in (("lines", "lines"), ("net_revenue", "net revenue")):
        moved = pd.Series(change[column][some], index=picked.index)
        text = (_percent_text(moved) + " " + label).fillna(label + " trending down")
        volume_parts.append(text.where(pd.Series(falls[column][some], index=picked.index), empty))
    volume = _join_reasons(volume_parts).str.replace("; ", ", ", regex=False)
    arrow = " \u2192 "
    cost_text = ("cost-to-serve " + _percent_text(picked["cost_to_serve_pct_first"]) + arrow
                 + _percent_text(picked["cost_to_serve_pct_last"]) + " of revenue")
    debt_text = ("bad debt " + _percent_text(picked["bad_debt_pct_first"]) + arrow
                 + _percent_text(picked["bad_debt_pct_last"]) + " of revenue")
    plural = "s" if recent_periods > 1 else ""
    loss_text = ("turned unprofitable (contribution " + _money_text(picked["contribution_recent"])
                 + f" in the last {recent_periods} period{plural})")
    reasons = [
        ("falling volume (" + volume + ")").where(picked["falling_volume"], empty),
        cost_text.where(picked["rising_cost_to_serve"], empty),
        debt_text.where(picked["growing_bad_debt"], empty),
        loss_text.where(picked["turned_unprofitable"], empty),
    ]
    text = np.full(len(result), "", dtype=object)
    text[some] = _join_reasons(reasons).to_numpy(dtype=object)
    result["reasons"] = pd.Series(text, index=customers, dtype=str)
    columns = [
        "periods", "periods_active", "assessed", *flags, "flagged", "reasons",
        "lines_change", "net_revenue_change", "lines_slope_p", "net_revenue_slope_p",
        "cost_to_serve_pct_first", "cost_to_serve_pct_last", "bad_debt_pct_first", "bad_debt_pct_last",
        "contribution_earlier", "contribution_recent",
    ]
    return result[columns]


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
    checked = _flag_options(**{**_FLAG_DEFAULTS, **options})
    arrays = _trend_arrays(trend)
    totals = _totals(arrays)
    return _flags(arrays, **checked), totals
