"""Shifted-beta-geometric (sBG) model of contract renewals (Fader & Hardie 2007, 2010).

Story: at the end of every contract period an active customer cancels with a probability
``theta`` that is constant for that customer; ``theta`` varies across customers as a
beta(alpha, beta) distribution. With ``t`` counting contract periods from acquisition:

* ``P(T = t) = B(alpha + 1, beta + t − 1) / B(alpha, beta)`` — the customer's last period
  is period ``t`` (cancels at the ``t``-th renewal opportunity), ``t = 1, 2, …``;
* ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` — still a customer after ``t`` renewal
  opportunities;
* ``r(t) = S(t) / S(t − 1) = (beta + t − 1) / (alpha + beta + t − 1)`` — the retention
  rate of period ``t``, which rises with ``t`` because of sorting in a heterogeneous
  cohort.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, hyp2f1

from xlprofit.errors import ArgumentError, DegenerateDataError, NotAvailableError

from ._common import as_float_array, check_finite, check_range, dot, maximize_log_likelihood, scalar_or_array

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric:
    """Shifted-beta-geometric model of customer retention in a contractual setting.

    Follows the scikit-learn contract: ``fit`` returns the model, the fitted parameters
    are in ``params_ = {"alpha": …, "beta": …}`` and ``log_likelihood_`` holds the
    maximised log-likelihood. Every other method is a closed form of the parameters.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention",
    Journal of Interactive Marketing 21(1), 76–90.
    Fader, P. S. & Hardie, B. G. S. (2010), "Customer-Base Valuation in a Contractual
    Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29(1), 85–93.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float]
        self.log_likelihood_: float

    # ------------------------------------------------------------------ fitting
    def fit(self, survivors: Any) -> ShiftedBetaGeometric:
        """Fit alpha and beta by maximum likelihood to cohort survivor counts.

        Parameters
        ----------
        survivors:
            Customers still active at t = 0, 1, …, n contract periods after acquisition.
            One cohort: a list (``[1000, 631, 468, …]``). Several cohorts: a 2-d array or
            DataFrame with one row per cohort and one column per t; a younger cohort leaves
            its unobserved later periods blank (NaN). Counts weigh each cohort by its size;
            shares or percentages (``[100, 63.1, …]``) give the same estimates for a
            single cohort and weigh several cohorts equally.

        Returns
        -------
        ShiftedBetaGeometric
            ``self``, fitted.

        Raises
        ------
        ArgumentError
            Negative, increasing or malformed survivor counts.
        DegenerateDataError
            Nobody cancelled, or everybody cancelled at the first opportunity: the
            heterogeneity of ``theta`` cannot be estimated.
        ConvergenceError
            The maximisation did not converge.
        """
        table = _survivor_table(survivors)
        lost, lost_t, alive, alive_t = _sufficient_statistics(table)
        if lost.sum() <= 0:
            raise DegenerateDataError("no customer cancelled: the sBG model cannot be fitted")
        if alive.sum() <= 0 and np.all(lost_t[lost > 0] == 1):
            raise DegenerateDataError(
                "every customer cancelled at the first renewal: the sBG model cannot be fitted"
            )
        total = float(table[:, 0].sum())

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, b = np.exp(theta)
            base = betaln(a, b)
            d_base_a = digamma(a) - digamma(a + b)
            d_base_b = digamma(b) - digamma(a + b)
            ll_lost = betaln(a + 1.0, b + lost_t - 1.0) - base
            ll_alive = betaln(a, b + alive_t) - base
            value = dot(lost, ll_lost) + dot(alive, ll_alive)
            ga = dot(lost, digamma(a + 1.0) - digamma(a + b + lost_t) - d_base_a)
            ga += dot(alive, digamma(a) - digamma(a + b + alive_t) - d_base_a)
            gb = dot(lost, digamma(b + lost_t - 1.0) - digamma(a + b + lost_t) - d_base_b)
            gb += dot(alive, digamma(b + alive_t) - digamma(a + b + alive_t) - d_base_b)
            return value / total, np.array([a * ga, b * gb]) / total

        theta, mean_ll = maximize_log_likelihood(objective, np.zeros(2), ("alpha", "beta"), "sBG")
        self.params_ = {"alpha": float(np.exp(theta[0])), "beta": float(np.exp(theta[1]))}
        self.log_likelihood_ = float(mean_ll * total)
        return self

    # --------------------------------------------------------------- evaluation
    def _parameters(self) -> tuple[float, float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise NotAvailableError("the sBG model is not fitted yet; call fit() first")
        return params["alpha"], params["beta"]

    def survival(self, t: Any) -> float | np.ndarray:
        """Share of a cohort still active after ``t`` renewal opportunities, ``S(t)``.

        Parameters
        ----------
        t:
            Whole number of contract periods since acquisition, ``t >= 0`` (``S(0) = 1``).
        """
        a, b = self._parameters()
        tt = _periods(t, "t", low=0)
        return scalar_or_array(np.exp(betaln(a, b + tt) - betaln(a, b)))

    def retention(self, t: Any) -> float | np.ndarray:
        """Retention rate of period ``t``: ``r(t) = (beta + t − 1) / (alpha + beta + t − 1)``.

        Parameters
        ----------
        t:
            Whole number ``t >= 1``: the share of customers active at ``t − 1`` who renew
            at ``t``.
        """
        a, b = self._parameters()
        tt = _periods(t, "t", low=1)
        return scalar_or_array((b + tt - 1.0) / (a + b + tt - 1.0))

    def churn_probability(self, t: Any) -> float | np.ndarray:
        """Probability that a newly acquired customer's lifetime ends at period ``t``, ``P(T = t)``."""
        a, b = self._parameters()
        tt = _periods(t, "t", low=1)
        return scalar_or_array(np.exp(betaln(a + 1.0, b + tt - 1.0) - betaln(a, b)))

    def discounted_lifetime(self, discount_rate: Any) -> float | np.ndarray:
        """Discounted expected lifetime (DEL) of a newly acquired customer.

        ``DEL = sum_{t>=0} S(t) / (1 + d)^t = 2F1(1, beta; alpha + beta; 1 / (1 + d))``
        (Fader & Hardie 2010, eq. 4): the present value, in contract periods, of one unit
        of margin paid at the start of every period the customer is active, the first
        one now. ``E(CLV) = margin per period × DEL``.

        Parameters
        ----------
        discount_rate:
            Discount rate per contract period, greater than 0.
        """
        a, b = self._parameters()
        d = _discount(discount_rate)
        return scalar_or_array(hyp2f1(1.0, b, a + b, 1.0 / (1.0 + d)))

    def discounted_residual_lifetime(self, discount_rate: Any, renewals: Any) -> float | np.ndarray:
        """Discounted expected residual lifetime (DERL) of an existing customer.

        For a customer who has made ``renewals`` (= n − 1) contract renewals and stands at
        the end of period n, just before the next renewal decision (Fader & Hardie 2010,
        eq. 6)::

            DERL = (beta + n − 1) / (alpha + beta + n − 1)
                   · 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))

        the present value, in contract periods, of one unit of margin received at every
        future renewal, the next one (if the customer renews) undiscounted.
        ``E(RLV) = margin per period × DERL``.

        Parameters
        ----------
        discount_rate:
            Discount rate per contract period, greater than 0.
        renewals:
            Renewals made so far (0 for a customer in the first period), a whole number
            ``>= 0``; arrays broadcast.
        """
        a, b = self._parameters()
        d = _discount(discount_rate)
        n = _periods(renewals, "renewals", low=0) + 1.0
        return scalar_or_array(
            (b + n - 1.0) / (a + b + n - 1.0) * hyp2f1(1.0, b + n, a + b + n, 1.0 / (1.0 + d))
        )

    def residual_value_weights(self, discount_rate: Any, renewals: Any, horizon: int) -> np.ndarray:
        """Discounted probability of each of the next ``horizon`` renewal payments.

        Row ``k`` (0-based) of the result holds, per customer, the probability that the
        customer makes the ``(k + 1)``-th future renewal times ``1 / (1 + d)^k``; the sum
        over all ``k`` (an infinite horizon) is the DERL.

        Parameters
        ----------
        discount_rate:
            Discount rate per contract period, greater than 0.
        renewals:
            Renewals made so far per customer.
        horizon:
            Number of future renewals counted, at least 1.
        """
        a, b = self._parameters()
        d = _discount(discount_rate)
        n = np.atleast_1d(_periods(renewals, "renewals", low=0)) + 1.0
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ArgumentError("horizon", horizon, "a whole number of periods, at least 1")
        k = np.arange(int(horizon), dtype=float)[:, None]
        # E[(1 − theta)^(k+1)] under the posterior beta(alpha, beta + n − 1)
        log_p = betaln(a, b + n - 1.0 + k + 1.0) - betaln(a, b + n - 1.0)
        return np.exp(log_p - k * np.log1p(d))


def _discount(discount_rate: Any) -> np.ndarray:
    d = as_float_array(discount_rate, "discount_rate")
    check_finite(d, "discount_rate", discount_rate)
    check_range(d, "discount_rate", discount_rate, low=0.0, low_open=True)
    return d


def _periods(value: Any, argument: str, *, low: int) -> np.ndarray:
    t = as_float_array(value, argument)
    check_finite(t, argument, value)
    if (t < low).any() or (t != np.round(t)).any():
        raise ArgumentError(argument, value, f"a whole number of periods, at least {low}")
    return t


def _survivor_table(survivors: Any) -> np.ndarray:
    if isinstance(survivors, pd.DataFrame):
        values = survivors.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            values = np.asarray(survivors, dtype=float)
        except (TypeError, ValueError):
            raise ArgumentError("survivors", survivors, "numbers of customers alive at t = 0, 1, …") from None
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2 or values.shape[1] < 2:
        raise ArgumentError(
            "survivors",
            f"an array of shape {values.shape}",
            "at least two values (t = 0 and t = 1) per cohort",
        )
    observed = ~np.isnan(values)
    # NaN may only trail: once a cohort stops being observed it stays unobserved
    if (observed[:, 1:] & ~observed[:, :-1]).any():
        raise ArgumentError("survivors", "a blank before a value", "blank only after a cohort's last period")
    if not observed[:, 0].all():
        raise ArgumentError("survivors", "a blank at t = 0", "the cohort size at t = 0")
    filled = np.where(observed, values, 0.0)
    check_finite(filled, "survivors", "an infinite value")
    if (filled < 0).any():
        raise ArgumentError("survivors", filled[filled < 0][0], "at least 0")
    if (filled[:, 0] <= 0).any():
        raise ArgumentError(
            "survivors", filled[:, 0][filled[:, 0] <= 0][0], "a positive cohort size at t = 0"
        )
    steps = np.diff(values, axis=1)
    if (steps[~np.isnan(steps)] > 1e-9 * filled.max()).any():
        raise ArgumentError("survivors", "an increase", "non-increasing over time within a cohort")
    return np.where(observed, values, np.nan)


def _sufficient_statistics(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Churners per period (weights, t) and survivors at each cohort's last period (weights, t)."""
    observed = ~np.isnan(table)
    filled = np.where(observed, table, 0.0)
    lost = np.where(observed[:, 1:], filled[:, :-1] - filled[:, 1:], 0.0)
    t = np.arange(1, table.shape[1], dtype=float)
    last = observed.sum(axis=1) - 1
    alive = filled[np.arange(table.shape[0]), last]
    lost_w = lost.sum(axis=0)
    return lost_w, t, alive, last.astype(float)
