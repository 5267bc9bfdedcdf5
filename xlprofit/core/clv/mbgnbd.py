"""MBG/NBD model of repeat purchasing (Batislam, Denizel & Filiztekin 2007).

Story: as in the BG/NBD model (Fader, Hardie & Lee 2005), an active customer purchases as a
Poisson process with rate ``lambda`` and drops out for good with probability ``p`` after
every repeat purchase, with ``lambda`` gamma(r, alpha) and ``p`` beta(a, b) across
customers. The modification: the customer may also drop out right after the *first*
purchase (time 0), so a customer without repeat purchases may be dead, and ``P(alive)`` for
``x = 0`` is below 1. A customer is summarised by ``x`` (repeat purchases, *frequency*),
``t_x`` (time of the last purchase since the first one, *recency*) and ``T`` (time since
the first purchase), in one time unit of the caller's choice; ``alpha`` is in that unit.

Individual level: a customer still active at ``T`` has passed ``x + 1`` dropout chances (at
time 0 and after each of the ``x`` repeat purchases); one who dropped out right after the last
purchase passed ``x`` of them and took the next::

    L(lambda, p | x, t_x, T) = (1 − p)^(x+1) · lambda^x e^(−lambda T) + p (1 − p)^x · lambda^x e^(−lambda t_x)

Integrating over the gamma and beta mixing distributions gives the MBG/NBD likelihood
(Batislam et al. 2007)::

    L(r, alpha, a, b | x, t_x, T) = Γ(r + x) alpha^r / Γ(r)
        · [B(a, b + x + 1)/B(a, b) · (alpha + T)^−(r+x) + B(a + 1, b + x)/B(a, b) · (alpha + t_x)^−(r+x)]

Given ``(x, t_x, T)`` and alive, ``lambda`` is gamma(r + x, alpha + T) and ``p`` is
beta(a, b + x + 1): the BG/NBD posterior with ``b`` shifted by one. The conditional
expectation (Wagner & Hoppe 2008) is therefore the BG/NBD one with ``b + 1`` in its
numerator and the MBG/NBD ``P(alive)`` as its weight.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, digamma, expit, gammaln, xlogy

from xlprofit.errors import ArgumentError, DegenerateDataError, NotAvailableError

from ._common import (
    as_float_array,
    check_finite,
    compress_rows,
    dot,
    fit_weights,
    labelled,
    maximize_log_likelihood,
    scalar_or_array,
    validate_rfm,
)
from ._common import (
    standard_errors as _standard_errors,
)
from .bgnbd import growth_term

__all__ = ["ModifiedBetaGeo"]

_NAMES = ("r", "alpha", "a", "b")


class ModifiedBetaGeo:
    """MBG/NBD model: expected repeat purchases and probability of being alive.

    ``ModifiedBetaGeo().fit(frequency, recency, T)`` estimates ``params_ = {"r", "alpha",
    "a", "b"}`` by maximum likelihood; ``log_likelihood_`` holds the maximised total
    log-likelihood. Evaluation methods are closed forms and accept arrays or Series
    (results keep the Series index). The interface is that of
    :class:`~xlprofit.core.clv.bgnbd.BetaGeo`; the difference is the extra chance of
    dropping out at time 0, which makes ``P(alive) < 1`` for customers without repeat
    purchases.

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and
    comparison of models for customer base analysis", International Journal of Research in
    Marketing 24(3), 201–209.
    Wagner, U. & Hoppe, D. (2008), "Erratum on the MBG/NBD model", International Journal of
    Research in Marketing 25(3), 225–226.
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the
    Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275–284.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float]
        self.log_likelihood_: float
        self.standard_errors_: dict[str, float]

    # ------------------------------------------------------------------ fitting
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, *,
            standard_errors: bool = False) -> ModifiedBetaGeo:
        """Estimate r, alpha, a, b by maximum likelihood.

        Parameters
        ----------
        frequency:
            Repeat purchases ``x`` per customer (whole numbers ≥ 0).
        recency:
            Time of the last repeat purchase since the first purchase, ``t_x`` (0 when
            ``x = 0``).
        T:
            Time since the first purchase to the end of the observation period, ``≥ 0``
            (0 only for a customer without repeat purchases: first seen at the end, who
            adds nothing to the likelihood).
        weights:
            Customers each row stands for (a pattern's count in aggregated data), or sample
            weights; ``None`` weighs every row 1.
        standard_errors:
            Also compute ``standard_errors_`` (same keys as ``params_``) from the observed
            information matrix; NaN where the likelihood is flat.

        Returns
        -------
        ModifiedBetaGeo
            ``self``, fitted.

        Raises
        ------
        ArgumentError
            Malformed inputs.
        DegenerateDataError
            Nobody made a repeat purchase, or a parameter runs off to 0 or infinity.
        ConvergenceError
            The maximisation did not converge.

        Notes
        -----
        Identical ``(x, t_x, T)`` rows are collapsed with counts first; the objective and
        its analytic gradient are evaluated on the unique rows only. Written with
        ``u1 = ln(b + x) − (r + x) ln(alpha + T)`` and ``u2 = ln a − (r + x) ln(alpha + t_x)``,
        a customer's log-likelihood is ``ln Γ(r + x) − ln Γ(r) + ln Γ(b + x) − ln Γ(b)
        + ln Γ(a + b) − ln Γ(a + b + x + 1) + r ln alpha + ln(e^u1 + e^u2)``, whose last term
        is taken around its larger exponent so that nothing overflows.
        """
        x, t_x, t_cal, _ = validate_rfm(frequency, recency, T)
        if x.size == 0:
            raise DegenerateDataError("no customers: the MBG/NBD model cannot be fitted")
        row_weights = fit_weights(weights, x.size)
        if not ((x > 0) & (row_weights > 0)).any():
            raise DegenerateDataError("nobody made a repeat purchase: the MBG/NBD model cannot be fitted")
        (ux, utx, uT), _, inverse = compress_rows(x, t_x, t_cal)
        w_all = np.bincount(inverse, weights=row_weights, minlength=ux.size)
        total = float(w_all.sum())
        # Work in a time unit where the longest T is 10, for conditioning; alpha scales back.
        scale = 10.0 / float(uT.max())
        # T = 0 (x = 0, first seen at the end): the likelihood is exactly 1 (e^u1 + e^u2 = (a + b)
        # alpha^−r cancels the rest), so those rows are left out of the sums but stay in `total`.
        seen = uT > 0
        w, xx, txs, Ts = w_all[seen], ux[seen], utx[seen] * scale, uT[seen] * scale
        # special functions of x are evaluated once per distinct x and gathered
        xs, k = np.unique(xx, return_inverse=True)
        count_x = np.bincount(k, weights=w, minlength=xs.size)
        w_sum = float(w.sum())

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = np.exp(theta)
            log_alpha = np.log(alpha)
            log_aT = np.log(alpha + Ts)
            log_atx = np.log(alpha + txs)
            rx = r + xx
            u1 = np.log(b + xs)[k] - rx * log_aT  # alive at T
            u2 = np.log(a) - rx * log_atx  # dropped out after the last purchase
            top = np.maximum(u1, u2)
            e1, e2 = np.exp(u1 - top), np.exp(u2 - top)
            both = e1 + e2
            w1, w2 = e1 / both, e2 / both
            g_abx = gammaln(a + b + xs + 1.0)
            per_x = gammaln(r + xs) - gammaln(r) + gammaln(b + xs) - gammaln(b) + gammaln(a + b) - g_abx
            value = dot(count_x, per_x) + r * log_alpha * w_sum + dot(w, top + np.log(both))
            psi_ab, psi_abx = digamma(a + b), digamma(a + b + xs + 1.0)
            d_r = dot(count_x, digamma(r + xs) - digamma(r)) + dot(w, log_alpha - w1 * log_aT - w2 * log_atx)
            d_alpha = dot(w, r / alpha - rx * (w1 / (alpha + Ts) + w2 / (alpha + txs)))
            m1 = np.bincount(k, weights=w * w1, minlength=xs.size)  # weight of "alive" per x
            m2 = count_x - m1
            d_a = dot(count_x, psi_ab - psi_abx) + m2.sum() / a
            d_b = dot(count_x, digamma(b + xs) - digamma(b) + psi_ab - psi_abx) + dot(m1, 1.0 / (b + xs))
            grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
            return float(value) / total, grad / total

        theta, mean_ll = maximize_log_likelihood(objective, np.zeros(4), _NAMES, "MBG/NBD")
        r, alpha, a, b = np.exp(theta)
        self.params_ = {"r": float(r), "alpha": float(alpha / scale), "a": float(a), "b": float(b)}
        if standard_errors:
            errors = _standard_errors(objective, theta, total, np.array([1.0, scale, 1.0, 1.0]))
            self.standard_errors_ = dict(zip(_NAMES, map(float, errors), strict=True))
        # the likelihood of the times carries a Jacobian of the time scale: report it in the caller's unit
        self.log_likelihood_ = float(mean_ll * total + np.log(scale) * float(dot(w_all, ux)))
        return self

    # --------------------------------------------------------------- evaluation
    def _parameters(self) -> tuple[float, float, float, float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise NotAvailableError("the MBG/NBD model is not fitted yet; call fit() first")
        return params["r"], params["alpha"], params["a"], params["b"]

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Log-likelihood of each customer's ``(x, t_x, T)`` under the fitted parameters.

        The MBG/NBD likelihood of Batislam et al. (2007) (see the module docstring); exactly
        0 for a customer with ``T = 0``.
        """
        r, alpha, a, b = self._parameters()
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        rx = r + x
        u1 = np.log(b + x) - rx * np.log(alpha + t_cal)
        u2 = np.log(a) - rx * np.log(alpha + t_x)
        ll = (
            gammaln(r + x) - gammaln(r) + gammaln(b + x) - gammaln(b) + gammaln(a + b) - gammaln(a + b + x + 1.0)
            + r * np.log(alpha) + np.logaddexp(u1, u2)
        )
        ll[t_cal == 0] = 0.0
        return labelled(ll, index, "log_likelihood")

    def _log_odds_dead(self, x: np.ndarray, t_x: np.ndarray, t_cal: np.ndarray) -> np.ndarray:
        """``log[a / (b + x) · ((alpha + T)/(alpha + t_x))^(r + x)]``, for every ``x ≥ 0``."""
        r, alpha, a, b = self._parameters()
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + t_cal) - np.log(alpha + t_x))

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Return the probability that a customer is still active at ``T``.

        ``P(alive | x, t_x, T) = 1 / (1 + a/(b + x) · ((alpha + T)/(alpha + t_x))^(r + x))``
        (Batislam et al. 2007), also for ``x = 0``: a customer without repeat
        purchases may have dropped out at time 0. At ``T = 0`` it is ``b / (a + b)``, the
        chance of not dropping out at the first purchase.
        """
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        return labelled(expit(-self._log_odds_dead(x, t_x, t_cal)), index, "p_alive")

    def expected_purchases_new(self, t: Any) -> float | np.ndarray:
        """Return the expected repeat purchases of a new customer in ``(0, t]``.

        ``E[X(t)] = b/(a − 1) · [1 − (alpha/(alpha + t))^r · 2F1(r, b + 1; a + b; t/(alpha + t))]``
        (Batislam et al. 2007). An individual who survives time 0 (probability
        ``1 − p``) buys ``(1 − e^(−lambda p t))/p`` times on average; mixing over
        ``lambda`` and ``p`` gives the formula. It is evaluated as ``b/(a + b)`` (not
        dropping out at time 0) times the BG/NBD growth term with ``b + 1``.
        """
        r, alpha, a, b = self._parameters()
        tt = as_float_array(t, "t")
        check_finite(tt, "t", t)
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        z = tt / (alpha + tt)
        value = b / (a + b) * growth_term(a, b + 1.0, r, 0.0, z)
        return scalar_or_array(np.asarray(value, dtype=float))

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Return the expected repeat purchases in ``(T, T + t]`` given ``(x, t_x, T)``.

        ``E[Y(t) | x, t_x, T] = (a + b + x)/(a − 1)
        · [1 − ((alpha + T)/(alpha + T + t))^(r + x) · 2F1(r + x, b + x + 1; a + b + x; t/(alpha + T + t))]
        / [1 + a/(b + x) · ((alpha + T)/(alpha + t_x))^(r + x)]``

        (Batislam et al. 2007 as corrected by Wagner & Hoppe 2008). The hypergeometric
        function is evaluated after Euler's transformation, whose parameters do not grow
        with ``x``, so that large ``x`` and ``T`` do not overflow.

        Parameters
        ----------
        t:
            Length of the forecast window, in the model's time unit (a number ≥ 0, or one
            per customer).
        frequency, recency, T:
            The customer's history, as in :meth:`fit`.
        """
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        tt = as_float_array(t, "t")
        check_finite(tt, "t", t)
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        values = self.expected_purchases_checked(np.broadcast_to(tt, x.shape), x, t_x, t_cal)
        return labelled(values, index, "expected_purchases")

    def expected_purchases_checked(self, t: np.ndarray, x: np.ndarray, t_x: np.ndarray, t_cal: np.ndarray
                                   ) -> np.ndarray:
        """:meth:`expected_purchases` of float arrays already checked (no validation, no labels).

        For callers that evaluate many horizons of the same customers (the CLV's weekly sums).
        """
        r, alpha, a, b = self._parameters()
        z = t / (alpha + t_cal + t)
        numerator = growth_term(a, b + 1.0, r, x, z)
        return numerator * expit(-self._log_odds_dead(x, t_x, t_cal))

    def purchase_probability(self, n: Any, t: Any) -> float | np.ndarray:
        """Return ``P(X(t) = n)``: the probability that a new customer makes ``n`` repeat purchases in ``(0, t]``.

        ``P(X(t) = n) = B(a, b + n + 1)/B(a, b) · NBD(n; r, alpha, t)
        + B(a + 1, b + n)/B(a, b) · P(NBD(r, alpha, t) ≥ n)``

        (Batislam et al. 2007), where ``NBD(j; r, alpha, t) = Γ(r + j)/(Γ(r) j!)
        · (alpha/(alpha + t))^r · (t/(alpha + t))^j``. The first term is a customer still
        active at ``t`` after ``n`` purchases; the second one who dropped out right after the
        ``n``-th (at time 0 for ``n = 0``). The tail ``P(NBD ≥ n)`` is the regularised
        incomplete beta function ``I_{t/(alpha+t)}(n, r)``, which keeps full relative
        precision where ``1 − Σ_{j<n} NBD(j)`` would cancel.

        Parameters
        ----------
        n:
            Number of repeat purchases (whole numbers ≥ 0); broadcasts against ``t``.
        t:
            Length of the period from the first purchase, in the model's time unit (≥ 0).
        """
        r, alpha, a, b = self._parameters()
        nn = as_float_array(n, "n")
        check_finite(nn, "n", n)
        if (nn < 0).any() or (nn != np.round(nn)).any():
            raise ArgumentError("n", n, "a whole number of repeat purchases ≥ 0")
        tt = as_float_array(t, "t")
        check_finite(tt, "t", t)
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        nn, tt = np.broadcast_arrays(nn, tt)
        log_stay = np.log(alpha) - np.log(alpha + tt)  # ln(alpha/(alpha + t))
        z = tt / (alpha + tt)
        log_nbd = gammaln(r + nn) - gammaln(r) - gammaln(nn + 1.0) + r * log_stay + xlogy(nn, z)
        log_beta = betaln(a, b)
        alive = np.exp(betaln(a, b + nn + 1.0) - log_beta + log_nbd)
        tail = np.ones(nn.shape)
        some = nn > 0
        tail[some] = betainc(nn[some], r, z[some])
        dead = np.exp(betaln(a + 1.0, b + nn) - log_beta) * tail
        # the two beta ratios of n = 0 add up to 1 only up to rounding: keep the sum a probability
        return scalar_or_array(np.minimum(alive + dead, 1.0))
