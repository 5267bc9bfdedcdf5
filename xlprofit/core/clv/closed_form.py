"""Closed-form CLV: the retention formula and the DCF of an explicit margin stream.

Every function works in *periods*: margin per period, retention per period, discount
rate per period. Cash-flow timing is always stated by the caller (``timing``):

* ``"end"`` — the margin of a period is received at the end of that period, and only
  if the customer was retained through it (Gupta & Lehmann 2003:
  ``CLV = m·r / (1 + i − r)``). The customer's current, already-booked period is not
  counted.
* ``"start"`` — the margin of a period is received at its start; the first margin is
  received now, undiscounted and for sure (``CLV = m·(1 + i) / (1 + i − r)``).

See Fader & Hardie (2012), "Reconciling and Clarifying CLV Formulas", for how the two
conventions relate.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from xlprofit.errors import ArgumentError, ModelError

from ._common import as_float_array, check_finite, check_range, dot, scalar_or_array

__all__ = ["Timing", "clv_cashflows", "periodic_rate", "simple_clv"]

Timing = Literal["end", "start"]
_TIMINGS = ("end", "start")


def _check_timing(timing: Any) -> str:
    if timing not in _TIMINGS:
        raise ArgumentError(
            "timing", timing, "'end' (margin at period end) or 'start' (margin at period start)"
        )
    return str(timing)


def periodic_rate(annual_rate: Any, *, periods_per_year: Any) -> float | np.ndarray:
    """Convert an annual effective discount rate to the equivalent rate per period.

    Parameters
    ----------
    annual_rate:
        Annual effective rate (0.1 for 10 % a year); greater than -1.
    periods_per_year:
        Number of periods in a year (12 for months, 52 for weeks, 365 for days), > 0.

    Returns
    -------
    float or ndarray
        ``(1 + annual_rate) ** (1 / periods_per_year) - 1``: compounding the periodic rate
        over a year gives back the annual rate.
    """
    rate = as_float_array(annual_rate, "annual_rate")
    check_finite(rate, "annual_rate", annual_rate)
    check_range(rate, "annual_rate", annual_rate, low=-1.0, low_open=True)
    ppy = as_float_array(periods_per_year, "periods_per_year")
    check_finite(ppy, "periods_per_year", periods_per_year)
    check_range(ppy, "periods_per_year", periods_per_year, low=0.0, low_open=True)
    return scalar_or_array(np.expm1(np.log1p(rate) / ppy))


def _geometric_sum(q: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``sum(q**k for k in range(n))`` elementwise, exact at ``q == 1``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -np.expm1(n * np.log(q)) / (1.0 - q)
    near_one = np.abs(1.0 - q) < 1e-12
    return np.where(near_one, n, np.where(q == 0.0, np.minimum(n, 1.0), ratio))


def simple_clv(
    margin: Any,
    retention: Any,
    discount_rate: Any,
    *,
    timing: Timing,
    horizon: Any = None,
    margin_growth: Any = 0.0,
    acquisition_cost: Any = 0.0,
) -> float | np.ndarray:
    """Compute customer lifetime value with the retention formula (Gupta & Lehmann).

    Parameters
    ----------
    margin:
        Contribution margin per period of a retained customer (money; may be negative).
        For CLV on contribution, pass contribution after cost-to-serve, not revenue.
    retention:
        Probability that a customer active in one period is active in the next, in [0, 1].
    discount_rate:
        Discount rate per period (the same period as ``retention``), greater than -1. Use
        :func:`periodic_rate` to convert an annual rate.
    timing:
        ``"end"``: margins at period ends, first margin after one period and only if
        retained: infinite horizon ``m·r / (1 + i − r)``. ``"start"``: margins at period
        starts, the first one now: ``m·(1 + i) / (1 + i − r)``. Required.
    horizon:
        Number of margins counted (a positive whole number of periods), or ``None`` for
        an infinite horizon.
    margin_growth:
        Growth of the margin per period (0.02 = +2 % a period), greater than -1.
    acquisition_cost:
        Subtracted from the result (money spent now to acquire the customer).

    Returns
    -------
    float or ndarray
        Present value; arrays broadcast elementwise.

    Raises
    ------
    ArgumentError
        An argument out of its domain.
    ModelError
        Infinite horizon with ``retention·(1 + margin_growth) >= 1 + discount_rate``:
        the sum diverges.

    Notes
    -----
    With ``q = r·(1 + g) / (1 + i)`` and ``H`` margins:
    ``"end"``: ``m·r/(1+i) · (1 − q^H)/(1 − q)``; ``"start"``: ``m · (1 − q^H)/(1 − q)``.
    """
    timing_ = _check_timing(timing)
    m = as_float_array(margin, "margin")
    check_finite(m, "margin", margin)
    r = as_float_array(retention, "retention")
    check_range(r, "retention", retention, low=0.0, high=1.0)
    i = as_float_array(discount_rate, "discount_rate")
    check_finite(i, "discount_rate", discount_rate)
    check_range(i, "discount_rate", discount_rate, low=-1.0, low_open=True)
    g = as_float_array(margin_growth, "margin_growth")
    check_finite(g, "margin_growth", margin_growth)
    check_range(g, "margin_growth", margin_growth, low=-1.0, low_open=True)
    ac = as_float_array(acquisition_cost, "acquisition_cost")
    check_finite(ac, "acquisition_cost", acquisition_cost)

    q = r * (1.0 + g) / (1.0 + i)
    if horizon is None:
        if (q >= 1.0).any():
            raise ModelError(
                "the retention formula diverges over an infinite horizon when "
                "retention × (1 + margin_growth) ≥ 1 + discount_rate; give a finite 'horizon'"
            )
        total = 1.0 / (1.0 - q)
    else:
        h = as_float_array(horizon, "horizon")
        check_finite(h, "horizon", horizon)
        if (h < 1).any() or (h != np.round(h)).any():
            raise ArgumentError("horizon", horizon, "a whole number of periods, at least 1 (or blank)")
        total = _geometric_sum(q, h)
    first = m * r / (1.0 + i) if timing_ == "end" else m
    return scalar_or_array(first * total - ac)


def clv_cashflows(
    margins: Any,
    discount_rate: Any,
    *,
    retention: Any = None,
    timing: Timing,
) -> float | np.ndarray:
    """Present value of an explicit margin stream, optionally weighted by a retention curve.

    Parameters
    ----------
    margins:
        Margin of periods 1..n (money), one value per period; a 2-d array holds one stream
        per row (per customer) and gives one value per row.
    discount_rate:
        Discount rate per period, greater than -1 (see :func:`periodic_rate`).
    retention:
        ``None``: the margins are received for sure (or are already expected values).
        A number ``r``: constant retention per period. A sequence of n numbers: the
        retention rate of each period, ``r_t`` = P(active in period t | active in t − 1).
        All in [0, 1].
    timing:
        ``"end"``: margin of period t is received at time t if the customer is retained
        through period t: weight ``S(t) / (1 + i)^t`` with ``S(t) = r_1···r_t``.
        ``"start"``: received at time t − 1 if active then: weight
        ``S(t − 1) / (1 + i)^(t − 1)``, so the first margin is undiscounted and certain.
        Required.

    Returns
    -------
    float or ndarray
        Present value (one per row for 2-d ``margins``).

    Notes
    -----
    A constant stream with constant retention gives the same value as
    :func:`simple_clv` with ``horizon = n``.
    """
    timing_ = _check_timing(timing)
    m = np.atleast_1d(as_float_array(margins, "margins"))
    check_finite(m, "margins", margins)
    if m.ndim > 2 or m.shape[-1] == 0:
        raise ArgumentError(
            "margins", f"an array of shape {m.shape}", "a non-empty list (or one row per customer)"
        )
    i = as_float_array(discount_rate, "discount_rate")
    check_finite(i, "discount_rate", discount_rate)
    check_range(i, "discount_rate", discount_rate, low=-1.0, low_open=True)
    if i.ndim != 0:
        raise ArgumentError("discount_rate", discount_rate, "a single number")
    n = m.shape[-1]
    if retention is None:
        rates = np.ones(n)
    else:
        rates = as_float_array(retention, "retention")
        check_range(rates, "retention", retention, low=0.0, high=1.0)
        if rates.ndim == 0:
            rates = np.full(n, float(rates))
        elif rates.shape != (n,):
            raise ArgumentError(
                "retention", f"{rates.size} values", f"one number or {n} values (one per period)"
            )
    survival = np.cumprod(rates)  # S(1)..S(n)
    t = np.arange(1, n + 1, dtype=float)
    if timing_ == "end":
        weights = survival * np.exp(-t * np.log1p(i))
    else:
        weights = np.concatenate(([1.0], survival[:-1])) * np.exp(-(t - 1.0) * np.log1p(i))
    return scalar_or_array(dot(m, weights))
