"""CLV per customer on contribution after cost-to-serve."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xlprofit.errors import ArgumentError

from ._common import as_float_array, check_finite, check_range, compress_rows
from .bgnbd import BetaGeo
from .gamma_gamma import GammaGamma
from .sbg import ShiftedBetaGeometric

__all__ = ["CLV_COLUMNS", "customer_clv"]

#: Columns of the table returned by :func:`customer_clv`, in order.
CLV_COLUMNS: tuple[str, ...] = (
    "expected_purchases",
    "discounted_purchases",
    "p_alive",
    "expected_spend",
    "margin_ratio",
    "clv",
)


def _margin_ratios(margin_ratio: Any, index: pd.Index) -> np.ndarray:
    if isinstance(margin_ratio, pd.Series):
        missing = index.difference(margin_ratio.index)
        if len(missing) > 0:
            raise ArgumentError(
                "margin_ratio",
                f"no value for customer {missing[0]!r} ({len(missing)} customer(s) missing)",
                "given for every customer of the RFM table",
            )
        if not margin_ratio.index.is_unique:
            raise ArgumentError("margin_ratio", "duplicate customer ids", "one value per customer")
        values = pd.to_numeric(margin_ratio.reindex(index), errors="coerce").to_numpy(dtype=float)
        if np.isinf(values).any():
            raise ArgumentError("margin_ratio", values[np.isinf(values)][0], "finite (or blank)")
        return values
    value = as_float_array(margin_ratio, "margin_ratio")
    if value.ndim != 0:
        raise ArgumentError(
            "margin_ratio", "a list without customer ids", "a number or a Series indexed by customer_id"
        )
    check_finite(value, "margin_ratio", margin_ratio)
    return np.full(len(index), float(value))


def _columns(table: pd.DataFrame, names: tuple[str, ...]) -> list[np.ndarray]:
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise ArgumentError(
            "rfm_table", f"columns {list(table.columns)}", f"a table with column(s) {missing}"
        )
    return [table[n].to_numpy(dtype=float) for n in names]


def customer_clv(
    rfm_table: pd.DataFrame,
    margin_ratio: pd.Series | float,
    *,
    purchase_model: BetaGeo | ShiftedBetaGeometric,
    spend_model: GammaGamma | None,
    discount_rate: float,
    discount_period: float,
    horizon: int,
) -> pd.DataFrame:
    """Compute the discounted expected contribution of every customer over a finite horizon.

    CLV here is on **contribution after cost-to-serve**: the expected revenue of each
    future period is multiplied by the customer's contribution margin ratio (contribution
    / net revenue from the customer P&L), so a customer who costs more to serve than
    they earn has a negative CLV.

    Parameters
    ----------
    rfm_table:
        One row per customer, indexed by ``customer_id``. For a :class:`BetaGeo` purchase
        model: columns ``frequency, recency, T, monetary_value`` as returned by
        :func:`~xlprofit.core.clv.rfm`. For a :class:`ShiftedBetaGeometric` model (active
        contractual customers): ``renewals`` (renewals made so far) and
        ``monetary_value`` (revenue per contract period).
    margin_ratio:
        Contribution margin ratio per customer (Series indexed by ``customer_id``; every
        customer of ``rfm_table`` must appear; NaN gives a NaN CLV), or one number for all
        customers (a segment ratio).
    purchase_model:
        A fitted :class:`BetaGeo` (non-contractual) or :class:`ShiftedBetaGeometric`
        (contractual).
    spend_model:
        A fitted :class:`GammaGamma` to predict spend per purchase (BG/NBD only; required
        there). ``None`` with an sBG model: the period revenue is ``monetary_value``.
    discount_rate:
        Discount rate per discounting period, greater than -1 (0 for no discounting).
    discount_period:
        Length of one discounting period in the time unit of ``recency`` and ``T`` (e.g.
        1 with weekly RFM and a weekly rate; with a monthly rate on weekly RFM the caller
        states the month's length in weeks). For an sBG model the unit is the contract
        period and this must be 1.
    horizon:
        Number of discounting periods counted (a whole number ≥ 1).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` with columns:

        - ``expected_purchases``: expected purchases (renewal payments) within the
          horizon, undiscounted;
        - ``discounted_purchases``: the same, each discounted to today;
        - ``p_alive``: probability that the customer is still active today (1 for the
          active contractual customers of an sBG model);
        - ``expected_spend``: expected revenue per purchase (per contract period);
        - ``margin_ratio``: the contribution margin ratio applied;
        - ``clv``: ``discounted_purchases × expected_spend × margin_ratio``.

    Notes
    -----
    BG/NBD: purchases expected in period ``k`` (the window ``((k−1)·L, k·L]`` after each
    customer's ``T``) are discounted by ``(1 + d)^k`` — cash at period end. sBG: the
    renewal payment at the next renewal is undiscounted, the ``k``-th one after it is
    discounted by ``(1 + d)^k`` (Fader & Hardie 2010's DERL convention); with an infinite
    horizon ``discounted_purchases`` is the DERL.
    """
    if not isinstance(rfm_table, pd.DataFrame):
        raise ArgumentError(
            "rfm_table", type(rfm_table).__name__, "a table (DataFrame) indexed by customer_id"
        )
    d = as_float_array(discount_rate, "discount_rate")
    check_finite(d, "discount_rate", discount_rate)
    check_range(d, "discount_rate", discount_rate, low=-1.0, low_open=True)
    length = as_float_array(discount_period, "discount_period")
    check_finite(length, "discount_period", discount_period)
    check_range(length, "discount_period", discount_period, low=0.0, low_open=True)
    if d.ndim or length.ndim:
        raise ArgumentError(
            "discount_rate", discount_rate, "a single number (and so must 'discount_period' be)"
        )
    if not isinstance(horizon, int | np.integer) or isinstance(horizon, bool) or horizon < 1:
        raise ArgumentError("horizon", horizon, "a whole number of periods, at least 1")
    ratios = _margin_ratios(margin_ratio, rfm_table.index)
    rate, step, periods = float(d), float(length), int(horizon)

    if isinstance(purchase_model, BetaGeo):
        if not isinstance(spend_model, GammaGamma):
            raise ArgumentError(
                "spend_model", spend_model, "a fitted GammaGamma model for a BG/NBD purchase model"
            )
        x, t_x, t_cal, monetary = _columns(rfm_table, ("frequency", "recency", "T", "monetary_value"))
        p_alive = np.asarray(purchase_model.probability_alive(x, t_x, t_cal), dtype=float)
        spend = np.asarray(spend_model.expected_spend(x, monetary), dtype=float)
        (ux, utx, uT), _, inverse = compress_rows(x, t_x, t_cal)
        cumulative_before = np.zeros(ux.size)
        discounted = np.zeros(ux.size)
        for k in range(1, periods + 1):
            cumulative = purchase_model.expected_purchases_checked(np.full(ux.size, k * step), ux, utx, uT)
            in_period = cumulative - cumulative_before
            discounted += in_period * np.exp(-k * np.log1p(rate))
            cumulative_before = cumulative
        expected_purchases, discounted_purchases = cumulative_before[inverse], discounted[inverse]
    elif isinstance(purchase_model, ShiftedBetaGeometric):
        if spend_model is not None:
            raise ArgumentError(
                "spend_model", spend_model, "None for an sBG purchase model (revenue per period is given)"
            )
        if step != 1.0:
            raise ArgumentError(
                "discount_period", discount_period, "1 (one contract period) for an sBG model"
            )
        renewals, monetary = _columns(rfm_table, ("renewals", "monetary_value"))
        if rate <= 0:
            raise ArgumentError("discount_rate", discount_rate, "greater than 0 for an sBG model")
        unique_renewals, inverse = np.unique(renewals, return_inverse=True)
        weights = purchase_model.residual_value_weights(rate, unique_renewals, periods)
        undiscounted = weights * np.exp(np.arange(periods) * np.log1p(rate))[:, None]
        expected_purchases = undiscounted.sum(axis=0)[inverse]
        discounted_purchases = weights.sum(axis=0)[inverse]
        p_alive = np.ones(len(rfm_table))
        spend = monetary
    else:
        raise ArgumentError(
            "purchase_model", type(purchase_model).__name__, "a fitted BetaGeo or ShiftedBetaGeometric model"
        )
    clv = discounted_purchases * spend * ratios
    return pd.DataFrame(
        {
            "expected_purchases": expected_purchases,
            "discounted_purchases": discounted_purchases,
            "p_alive": p_alive,
            "expected_spend": spend,
            "margin_ratio": ratios,
            "clv": clv,
        },
        index=rfm_table.index,
    )
