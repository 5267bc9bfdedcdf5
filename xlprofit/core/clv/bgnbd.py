"""BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").

Story: while active, a customer makes purchases as a Poisson process with rate ``lambda``;
after every repeat purchase the customer drops out for good with probability ``p``.
``lambda`` is gamma(r, alpha) and ``p`` is beta(a, b) across customers. A customer is
summarised by ``x`` (repeat purchases, *frequency*), ``t_x`` (time of the last purchase
since the first one, *recency*) and ``T`` (time since the first purchase), all in one
time unit of the caller's choice (weeks for the CDNOW data); ``alpha`` is in that unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1

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

__all__ = ["BetaGeo"]

_NAMES = ("r", "alpha", "a", "b")


class BetaGeo:
    """BG/NBD model: expected repeat purchases and probability of being alive.

    ``BetaGeo().fit(frequency, recency, T)`` estimates ``params_ = {"r", "alpha", "a",
    "b"}`` by maximum likelihood; ``log_likelihood_`` holds the maximised total
    log-likelihood. Evaluation methods are closed forms and accept arrays or Series
    (results keep the Series index).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the
    Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275–284.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float]
        self.log_likelihood_: float
        self.standard_errors_: dict[str, float]

    # ------------------------------------------------------------------ fitting
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, *,
            standard_errors: bool = False) -> BetaGeo:
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
            Customers each row stands for (a pattern's count in aggregated data such as
            Hardie's), or sample weights; ``None`` weighs every row 1.
        standard_errors:
            Also compute ``standard_errors_`` (same keys as ``params_``) from the observed
            information matrix; NaN where the likelihood is flat.

        Returns
        -------
        BetaGeo
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
        its analytic gradient are evaluated on the unique rows only.
        """
        x, t_x, t_cal, _ = validate_rfm(frequency, recency, T)
        if x.size == 0:
            raise DegenerateDataError("no customers: the BG/NBD model cannot be fitted")
        row_weights = fit_weights(weights, x.size)
        if not ((x > 0) & (row_weights > 0)).any():
            raise DegenerateDataError("nobody made a repeat purchase: the BG/NBD model cannot be fitted")
        (ux, utx, uT), _, inverse = compress_rows(x, t_x, t_cal)
        w = np.bincount(inverse, weights=row_weights, minlength=ux.size)
        total = float(w.sum())
        # Work in a time unit where the longest T is 10, for conditioning; alpha scales back.
        scale = 10.0 / float(uT.max())
        utx_s, uT_s = utx * scale, uT * scale
        zero = ux == 0
        w0, T0 = w[zero], uT_s[zero]
        rep = ~zero
        wr, xr, txr, Tr = w[rep], ux[rep], utx_s[rep], uT_s[rep]
        # special functions of x are evaluated once per distinct x and gathered
        xs, kr = np.unique(xr, return_inverse=True)
        count_x = np.bincount(kr, weights=wr, minlength=xs.size)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = np.exp(theta)
            log_alpha = np.log(alpha)
            # customers without repeat purchases: ll = r·ln(alpha/(alpha + T))  (x = 0 in FHL eq. 6)
            log_aT0 = np.log(alpha + T0)
            value = r * dot(w0, log_alpha - log_aT0)
            d_r = dot(w0, log_alpha - log_aT0)
            d_alpha = dot(w0, r / alpha - r / (alpha + T0))
            # repeaters: ll = ln Γ(r+x) − ln Γ(r) + r ln alpha + ln(e^l1 + e^l2)
            common = gammaln(a + b) - gammaln(b)
            g_abx = gammaln(a + b + xs)
            a1 = gammaln(b + xs) - g_abx + common  # ln B(a, b+x) − ln B(a, b)
            a2 = np.log(a) + gammaln(b + xs - 1.0) - g_abx + common  # ln B(a+1, b+x−1) − ln B(a, b)
            psi_ab, psi_abx = digamma(a + b), digamma(a + b + xs)
            log_aT = np.log(alpha + Tr)
            log_atx = np.log(alpha + txr)
            rx = r + xr
            l1 = a1[kr] - rx * log_aT
            l2 = a2[kr] - rx * log_atx
            top = np.maximum(l1, l2)
            e1, e2 = np.exp(l1 - top), np.exp(l2 - top)
            total_e = e1 + e2
            w1, w2 = e1 / total_e, e2 / total_e
            value += dot(count_x, gammaln(r + xs) - gammaln(r)) + r * log_alpha * wr.sum()
            value += dot(wr, top + np.log(total_e))
            d_r += dot(count_x, digamma(r + xs) - digamma(r)) + dot(
                wr, log_alpha - w1 * log_aT - w2 * log_atx
            )
            d_alpha += dot(wr, r / alpha - rx * (w1 / (alpha + Tr) + w2 / (alpha + txr)))
            m1 = np.bincount(kr, weights=wr * w1, minlength=xs.size)
            m2 = count_x - m1
            d_a = dot(m1, psi_ab - psi_abx) + dot(m2, 1.0 / a + psi_ab - psi_abx)
            d_b = dot(m1, digamma(b + xs) - psi_abx - digamma(b) + psi_ab)
            d_b += dot(m2, digamma(b + xs - 1.0) - psi_abx - digamma(b) + psi_ab)
            grad = np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])
            return float(value) / total, grad / total

        theta, mean_ll = maximize_log_likelihood(objective, np.zeros(4), _NAMES, "BG/NBD")
        r, alpha, a, b = np.exp(theta)
        self.params_ = {"r": float(r), "alpha": float(alpha / scale), "a": float(a), "b": float(b)}
        if standard_errors:
            errors = _standard_errors(objective, theta, total, np.array([1.0, scale, 1.0, 1.0]))
            self.standard_errors_ = dict(zip(_NAMES, map(float, errors), strict=True))
        # the likelihood of the times carries a Jacobian of the time scale: report it in the caller's unit
        self.log_likelihood_ = float(mean_ll * total + np.log(scale) * float(dot(w, ux)))
        return self

    # --------------------------------------------------------------- evaluation
    def _parameters(self) -> tuple[float, float, float, float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise NotAvailableError("the BG/NBD model is not fitted yet; call fit() first")
        return params["r"], params["alpha"], params["a"], params["b"]

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Log-likelihood of each customer's ``(x, t_x, T)`` under the fitted parameters (FHL eq. 6)."""
        r, alpha, a, b = self._parameters()
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        l1 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + t_cal)
        repeat = x > 0
        l2 = np.full_like(l1, -np.inf)
        l2[repeat] = (
            betaln(a + 1.0, b + x[repeat] - 1.0)
            - betaln(a, b)
            - (r + x[repeat]) * np.log(alpha + t_x[repeat])
        )
        ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + np.logaddexp(l1, l2)
        return labelled(ll, index, "log_likelihood")

    def _log_odds_dead(self, x: np.ndarray, t_x: np.ndarray, t_cal: np.ndarray) -> np.ndarray:
        """``log[a / (b + x − 1) · ((alpha + T)/(alpha + t_x))^(r + x)]`` for x > 0, −inf for x = 0."""
        r, alpha, a, b = self._parameters()
        out = np.full(x.shape, -np.inf)
        rep = x > 0
        xr = x[rep]
        out[rep] = np.log(a / (b + xr - 1.0)) + (r + xr) * (
            np.log(alpha + t_cal[rep]) - np.log(alpha + t_x[rep])
        )
        return out

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Return the probability that a customer is still active at ``T``.

        ``P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b + x − 1) · ((alpha + T)/(alpha + t_x))^(r + x))``;
        1 for customers without repeat purchases (dropout happens only after a repeat purchase).
        """
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        return labelled(expit(-self._log_odds_dead(x, t_x, t_cal)), index, "p_alive")

    def expected_purchases_new(self, t: Any) -> float | np.ndarray:
        """Return the expected repeat purchases of a new customer in ``(0, t]`` (FHL eq. 7).

        ``E[X(t)] = (a + b − 1)/(a − 1) · [1 − (alpha/(alpha + t))^r · 2F1(r, b; a + b − 1; t/(alpha + t))]``
        """
        r, alpha, a, b = self._parameters()
        tt = as_float_array(t, "t")
        check_finite(tt, "t", t)
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        z = tt / (alpha + tt)
        value = growth_term(a, b, r, 0.0, z)
        result = np.asarray(value, dtype=float)
        return float(result) if result.ndim == 0 else result

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Return the expected repeat purchases in ``(T, T + t]`` given ``(x, t_x, T)`` (FHL eq. 10).

        ``E[Y(t) | x, t_x, T] = (a + b + x − 1)/(a − 1)
        · [1 − ((alpha + T)/(alpha + T + t))^(r + x) · 2F1(r + x, b + x; a + b + x − 1; t/(alpha + T + t))]
        / [1 + δ(x>0) · a/(b + x − 1) · ((alpha + T)/(alpha + t_x))^(r + x)]``

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
        numerator = growth_term(a, b, r, x, z)
        return numerator * expit(-self._log_odds_dead(x, t_x, t_cal))

    def purchase_probability(self, n: Any, t: Any) -> float | np.ndarray:
        """Return ``P(X(t) = n)``: the probability that a new customer makes ``n`` repeat purchases in ``(0, t]``.

        FHL (2005) eq. (8)::

            P(X(t) = n) = B(a, b + n)/B(a, b) · NB(n; t)
                          + δ(n>0) · B(a + 1, b + n − 1)/B(a, b) · [1 − Σ_{j<n} NB(j; t)]
            NB(j; t) = Γ(r + j)/(Γ(r) j!) · (alpha/(alpha + t))^r (t/(alpha + t))^j

        The bracket, the chance that an NBD count reaches ``n``, is the regularised incomplete
        beta function ``I_{t/(alpha+t)}(n, r)``: no sum of terms that nearly cancel.

        Parameters
        ----------
        n:
            Number of repeat purchases: a whole number ≥ 0, or an array of them.
        t:
            Length of the period since the first purchase, ≥ 0 (a number or an array,
            broadcast against ``n``).
        """
        r, alpha, a, b = self._parameters()
        nn, tt = as_float_array(n, "n"), as_float_array(t, "t")
        check_finite(nn, "n", n)
        check_finite(tt, "t", t)
        if (nn < 0).any() or (nn != np.round(nn)).any():
            raise ArgumentError("n", n, "a whole number of repeat purchases ≥ 0")
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        nb, tb = np.broadcast_arrays(nn, tt)
        out = np.where(nb == 0, 1.0, 0.0)  # t = 0: nothing bought yet
        pos = tb > 0
        if pos.any():
            k, time = nb[pos], tb[pos]
            log_nb = (gammaln(r + k) - gammaln(r) - gammaln(k + 1.0) - r * np.log1p(time / alpha)
                      + k * (np.log(time) - np.log(alpha + time)))
            value = np.exp(betaln(a, b + k) - betaln(a, b) + log_nb)
            repeat = k > 0
            value[repeat] += np.exp(betaln(a + 1.0, b + k[repeat] - 1.0) - betaln(a, b)) * betainc(
                k[repeat], r, time[repeat] / (alpha + time[repeat])
            )
            out[pos] = value
        return scalar_or_array(out)


def growth_term(
    a: float, b: float | np.ndarray, r: float, x: np.ndarray | float, z: np.ndarray
) -> np.ndarray:
    """``c/(a − 1) · [1 − (1 − z)^(a−1) · 2F1(a + b − 1 − r, a − 1; c; z)]`` with ``c = a + b + x − 1``.

    This is the numerator of FHL eq. (10) after Euler's transformation
    ``((alpha+T)/(alpha+T+t))^(r+x) · 2F1(r+x, b+x; c; z) = (1−z)^(a−1) · 2F1(c−r−x, c−b−x; c; z)``:
    the hypergeometric parameters no longer grow with ``x``. ``x = 0`` gives eq. (7).
    At ``a = 1`` the factor and the bracket both vanish; the value there is the limit, taken
    as the mean of the values at ``a = 1 ± 1e-5`` (smooth in ``a``: error of order 1e-10);
    likewise at ``c = 0``.
    """
    if abs(a - 1.0) < 1e-6:
        return 0.5 * (growth_term(1.0 - 1e-5, b, r, x, z) + growth_term(1.0 + 1e-5, b, r, x, z))
    c = a + b + x - 1.0
    near = np.abs(c) < 1e-6
    if np.any(near):
        # c = 0 (x = 0 and a + b = 1) is likewise a removable singularity: average over b ± 1e-5
        shift = np.where(near, 1e-5, 0.0)
        return 0.5 * (growth_term(a, b - shift, r, x, z) + growth_term(a, b + shift, r, x, z))
    f = (1.0 - z) ** (a - 1.0) * _hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
    return c / (a - 1.0) * (1.0 - f)


def _hyp2f1(first: Any, second: Any, third: Any, z: Any) -> np.ndarray:
    """Gauss's hypergeometric function, with a power-series fallback where scipy gives up.

    scipy's ``hyp2f1`` returns ``inf`` for some negative first/second parameters with a
    large third one (e.g. ``2F1(−0.5, −0.5; 99; 0.91)``, whose true value is 1.0023). On
    those elements the defining series is summed directly; it converges fast there
    because the third parameter is large.
    """
    first, second, third, z = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (first, second, third, z))
    )
    value = np.asarray(hyp2f1(first, second, third, z), dtype=float)
    # The series converges only inside the unit circle: at z = 1 (a forecast window so long that
    # t/(alpha + T + t) rounds to 1) it would run its 20,000 terms for nothing.
    bad = ~np.isfinite(value) & (np.abs(z) < 1.0)
    if bad.any():
        f1, f2, f3, zz = first[bad], second[bad], third[bad], z[bad]
        term = np.ones(zz.shape)
        total = np.ones(zz.shape)
        for n in range(20000):
            term = term * (f1 + n) * (f2 + n) / ((f3 + n) * (n + 1.0)) * zz
            total += term
            if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
                break
        value = value.copy()
        value[bad] = total
    return value
