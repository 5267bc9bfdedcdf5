"""Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

Story: while active, a customer purchases as a Poisson process with rate ``lambda``; the
customer stays active for an exponentially distributed time with rate ``mu``, whatever the
purchases. ``lambda`` is gamma(r, alpha) and ``mu`` gamma(s, beta) across customers,
independently. A customer is summarised by ``x`` (repeat purchases, *frequency*), ``t_x``
(time of the last purchase since the first one, *recency*) and ``T`` (time since the first
purchase), in one time unit of the caller's choice; ``alpha`` and ``beta`` are in that unit.

Individual level (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model and Related
Expressions", section 3)::

    L(lambda, mu | x, t_x, T) = lambda^x · [lambda·e^(−(lambda+mu)T) + mu·e^(−(lambda+mu)t_x)] / (lambda + mu)

Since ``e^(−(lambda+mu)y)/(lambda + mu) = ∫_y^∞ e^(−(lambda+mu)w) dw`` and the gamma mixtures of
``lambda^k e^(−lambda w)`` and ``mu^j e^(−mu w)`` are closed, the Pareto/NBD likelihood (their
section 3) is a sum of two positive terms::

    L(r, alpha, s, beta | x, t_x, T) = Γ(r + x) / (Γ(r) alpha^x)
        · [(r + x)/alpha · I(r + x + 1, s; T) + s/beta · I(r + x, s + 1; t_x)]

    I(p, q; y) = ∫_y^∞ (1 + w/alpha)^(−p) (1 + w/beta)^(−q) dw

``I`` is where Fader & Hardie's likelihood has its Gauss hypergeometric functions. With ``m`` and ``M``
the smaller and the larger of alpha and beta, ``q_m`` and ``q_M`` the exponents of their
factors, ``c = p + q − 1`` and ``z = (M − m)/(M + y)`` in [0, 1)::

    I = m · (1 + y/m)^(1 − q_m) (1 + y/M)^(−q_M) · 2F1(1, q_M; q_m + q_M; z) / c

which is their ``2F1(r + s + x, ·; r + s + x + 1; ·)`` after Euler's transformation; their
branches alpha ≥ beta and alpha < beta are the two choices of ``m``. The series of this
``2F1`` has positive terms falling at least as fast as ``z^n``; it is summed for ``z ≤ 0.8``.
Nearer 1 (alpha and beta far apart, or a history short against the larger of them) the
integral is taken as it stands, by composite Gauss-Legendre quadrature in ``u = ln(1 + w/m)``,
where the integrand is log-concave and smooth. Either way the derivatives in the four
parameters come with the value (the series differentiated term by term, or the integrals of
the differentiated integrand), and every power of a rate is written relative to the rate
(``(1 + w/beta)^(−q)``, not ``(beta + w)^(−q)``), so that nothing cancels when a shape
parameter is large.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, logit

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

__all__ = ["ParetoNBD", "log_likelihood_terms"]

_NAMES = ("r", "alpha", "s", "beta")

#: Largest ``z`` for which ``2F1(1, q_M; q_m + q_M; z)`` is summed as a series (terms fall like z^n).
_SERIES_LIMIT = 0.8
#: Enough series terms for z ≤ 0.8 (0.8^220 · 220 / 0.2 < 1e-17).
_SERIES_TERMS = 400
#: Gauss-Legendre rule of each quadrature panel.
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)
#: Widest panel: the log-integrands' singularities lie π off the real axis.
_PANEL_WIDTH = 3.0
#: Largest slope of the log-integrand times the panel width.
_PANEL_SLOPE = 6.0
#: A side of an integral ends where the integrand is e^-45 below its peak.
_DROP = 45.0
#: Beyond ln(shift) + 45 a factor ln(shift + e^u) is u to within e^-45: the rest is exponential.
_SATURATED = 45.0
_MAX_PANELS = 200
#: A gamma shape (r or s) above this has a coefficient of variation below 0.1 %: the rates show no
#: heterogeneity the data can measure, and the maximum lies at the boundary r or s = infinity.
_NO_HETEROGENEITY = 1e6


# ---------------------------------------------------------------------------------- numerics


def _log_phi_series(
    qm: np.ndarray, qM: np.ndarray, z: np.ndarray, gradient: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ln 2F1(1, qM; qm + qM; z)`` and its derivatives in ``qm``, ``qM`` and ``z``, for 0 ≤ z ≤ 0.8.

    The ``n``-th term is ``(qM)_n / (qm + qM)_n · z^n``: positive, and each at most ``z`` times
    the one before. Its logarithmic derivatives are running sums, accumulated with the terms.
    """
    size = z.size
    log_phi = np.empty(size)
    d_qm, d_qM, d_z = np.zeros(size), np.zeros(size), np.zeros(size)
    rows = np.arange(size)
    a, b, zz = qm, qM, z
    term = np.ones(size)  # t_n
    total = np.ones(size)
    run_M, run_m = np.zeros(size), np.zeros(size)  # d ln t_n / d qM, d ln t_n / d qm
    sum_M, sum_m, sum_z = np.zeros(size), np.zeros(size), np.zeros(size)
    for n in range(_SERIES_TERMS):
        inv_c = 1.0 / (a + b + n)
        over_z = term * (b + n) * inv_c  # t_(n+1) / z
        term = over_z * zz
        total = total + term
        done = term * (n + 2) <= 1e-17 * (1.0 - zz) * total
        if gradient:
            run_M = run_M + 1.0 / (b + n) - inv_c
            run_m = run_m - inv_c
            sum_M = sum_M + term * run_M
            sum_m = sum_m + term * run_m
            sum_z = sum_z + (n + 1) * over_z
            done &= over_z * (n + 2) <= 1e-17 * (1.0 - zz) * sum_z
        if done.any():
            where = rows[done]
            log_phi[where] = np.log(total[done])
            if gradient:
                d_qm[where] = sum_m[done] / total[done]
                d_qM[where] = sum_M[done] / total[done]
                d_z[where] = sum_z[done] / total[done]
            keep = ~done
            if not keep.any():
                return log_phi, d_qm, d_qM, d_z
            rows, a, b, zz, term, total = rows[keep], a[keep], b[keep], zz[keep], term[keep], total[keep]
            run_M, run_m, sum_M, sum_m, sum_z = run_M[keep], run_m[keep], sum_M[keep], sum_m[keep], sum_z[keep]
    raise AssertionError("the 2F1 series did not converge for z ≤ 0.8")  # pragma: no cover


#: The right tail of an integral once its log-integrand is linear: given the rows, the panel
#: end and the log-integrand there (relative to the peak), the rows it applies to and their
#: tail integral and tail moments.
_Tail = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def _log_concave_integral(
    g: Callable[[np.ndarray, np.ndarray, bool], tuple[np.ndarray, np.ndarray | None]],
    slope: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    mode: np.ndarray,
    moments: bool = False,
    tail: _Tail | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``ln ∫_lo^hi e^g(u) du`` for a concave ``g`` analytic in a strip about the real axis, and moments.

    ``g(u, rows, moments)`` evaluates the log-integrand for the given rows (``u`` of shape
    (rows,) or (rows, nodes)) and, when asked, functions of shape (k, rows, nodes) whose means
    under the density ∝ e^g are returned (shape (k, n)); ``slope(u, rows)`` is its derivative.
    ``mode`` is the maximum of ``g`` on ``[lo, hi]`` (``lo`` finite or −inf, ``hi`` finite or
    +inf). Panels of 12-point Gauss-Legendre go out from the mode on each side, each as wide as
    the slope allows (|slope| × width ≤ 6, width ≤ 3), until the bound or until the integrand
    has fallen e^-45 below its peak; ``tail`` may end the right side exactly.
    """
    n = lo.size
    everything = np.arange(n)
    peak = g(mode, everything, False)[0]
    total = np.zeros(n)
    sums: np.ndarray | None = None
    for side, bound in ((1.0, hi), (-1.0, lo)):
        start = mode.copy()
        active = side * (bound - start) > 0
        for _ in range(_MAX_PANELS):
            if not active.any():
                break
            rows = np.flatnonzero(active)
            a = start[rows]
            room = side * (bound[rows] - a)
            steep = np.abs(slope(a, rows))
            width = np.minimum(np.minimum(_PANEL_WIDTH, room), _PANEL_SLOPE / np.maximum(steep, 1e-300))
            # the slope's size grows away from the mode: check it at the far end
            far = np.abs(slope(a + side * width, rows))
            width = np.minimum(width, _PANEL_SLOPE / np.maximum(far, 1e-300))
            nodes = a[:, None] + side * width[:, None] * (_NODES + 1.0) / 2.0
            log_values, functions = g(nodes, rows, moments)
            values = np.exp(log_values - peak[rows, None]) * (_WEIGHTS * width[:, None] / 2.0)
            total[rows] += values.sum(axis=1)
            if functions is not None:
                parts = (functions * values).sum(axis=2)
                if sums is None:
                    sums = np.zeros((parts.shape[0], n))
                sums[:, rows] += parts
            end = a + side * width
            start[rows] = end
            level = g(end, rows, False)[0] - peak[rows]
            finished = (side * (bound[rows] - end) <= 0) | (level < -_DROP)
            if side > 0 and tail is not None:
                applies, extra, extra_moments = tail(rows, end, level)
                applies &= ~finished
                total[rows[applies]] += extra[applies]
                if sums is not None:
                    sums[:, rows[applies]] += extra_moments[:, applies]
                finished |= applies
            active[rows] = ~finished
        if active.any():  # pragma: no cover - the panel count bounds every admissible case
            raise AssertionError("the Pareto/NBD quadrature did not reach its end")
    means = np.zeros((0, n)) if sums is None else sums / total
    return peak + np.log(total), means


def _log_tail_quadrature(
    qm: np.ndarray, qM: np.ndarray, m: np.ndarray, M: np.ndarray, y: np.ndarray, gradient: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``ln I`` and its gradient in (qm, qM, m, M) by quadrature, ``I = ∫_y^∞ (1 + w/m)^−qm (1 + w/M)^−qM dw``.

    With ``u = ln(1 + w/m)`` and ``rho = m/M``: ``I = m ∫ e^((1 − qm)u) (1 + rho·(e^u − 1))^−qM du``
    from ``ln(1 + y/m)``; the log-integrand is concave, its slope ``1 − qm − qM·σ(u − ell)``
    with ``ell = ln((M − m)/m)``.
    """
    rho = m / M
    ell = np.log((M - m) / m)
    a1 = 1.0 - qm
    lo = np.log1p(y / m)

    def g(u: np.ndarray, rows: np.ndarray, with_moments: bool) -> tuple[np.ndarray, np.ndarray | None]:
        shape = (-1,) + (1,) * (u.ndim - 1)
        grow = np.expm1(u)
        scaled = rho[rows].reshape(shape) * grow
        h = np.log1p(scaled)
        value = a1[rows].reshape(shape) * u - qM[rows].reshape(shape) * h
        if not with_moments:
            return value, None
        # u, ln(1 + w/M), w/(m + w) = 1 − e^−u and w/(M + w) = 1 − e^−h
        return value, np.stack([np.broadcast_to(u, h.shape), h, grow / (1.0 + grow), scaled / (1.0 + scaled)])

    def slope(u: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return a1[rows] - qM[rows] * expit(u - ell[rows])

    def tail(rows: np.ndarray, end: np.ndarray, level: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # beyond ell + 45, ln(1 + rho·(e^u − 1)) = u + ln(rho) and the integrand falls like e^(−c u)
        applies = end >= ell[rows] + _SATURATED
        rate = qm[rows] + qM[rows] - 1.0
        base = np.exp(level) / rate
        beyond = np.exp(level - end) / (rate + 1.0)  # ∫ e^−u · integrand
        extra = np.stack([
            base * (end + 1.0 / rate),
            base * (end + 1.0 / rate + np.log(rho[rows])),
            base - beyond,
            base - beyond / rho[rows],
        ])
        return applies, base, extra

    with np.errstate(divide="ignore"):
        turn = ell + logit(np.clip(a1 / qM, 0.0, 1.0))  # where the slope is 0
    mode = np.where(a1 > 0, np.maximum(turn, lo), lo)
    log_int, means = _log_concave_integral(
        g, slope, lo, np.full(lo.size, np.inf), mode, gradient, tail
    )
    grad = np.zeros((4, lo.size))
    if gradient:
        grad[0] = -means[0]
        grad[1] = -means[1]
        grad[2] = qm * means[2] / m
        grad[3] = qM * means[3] / M
    return np.log(m) + log_int, grad


def _log_tail(
    p: np.ndarray, q: np.ndarray, alpha: Any, beta: Any, y: np.ndarray, gradient: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``ln I`` with ``I = ∫_y^∞ (1 + w/alpha)^(−p) (1 + w/beta)^(−q) dw``, and its gradient.

    Returns ``ln I`` and (when ``gradient``) its derivatives in ``p, q, alpha, beta``, shape
    (4, n); ``p, q, alpha, beta > 0``, ``p + q > 1``, ``y ≥ 0``.
    """
    p, q, alpha, beta, y = np.broadcast_arrays(p, q, alpha, beta, y)
    alpha_small = alpha <= beta
    m, M = np.where(alpha_small, alpha, beta), np.where(alpha_small, beta, alpha)
    qm, qM = np.where(alpha_small, p, q), np.where(alpha_small, q, p)
    z = (M - m) / (M + y)
    log_i = np.empty(z.size)
    grad = np.zeros((4, z.size))  # in qm, qM, m, M
    series = z <= _SERIES_LIMIT
    if series.all():
        sm, sM, sy, sq, sQ, sz = m, M, y, qm, qM, z
    else:
        sm, sM, sy, sq, sQ, sz = m[series], M[series], y[series], qm[series], qM[series], z[series]
    if sz.size:
        c = sq + sQ - 1.0
        log_phi, d_qm, d_qM, d_z = _log_phi_series(sq, sQ, sz, gradient)
        lm, lM = np.log1p(sy / sm), np.log1p(sy / sM)
        log_i[series] = np.log(sm) + (1.0 - sq) * lm - sQ * lM + log_phi - np.log(c)
        if gradient:
            grad[0, series] = -lm + d_qm - 1.0 / c
            grad[1, series] = -lM + d_qM - 1.0 / c
            grad[2, series] = (sm + sq * sy) / (sm * (sm + sy)) - d_z / (sM + sy)
            grad[3, series] = sQ * sy / (sM * (sM + sy)) + d_z * (sm + sy) / (sM + sy) ** 2
    hard = ~series
    if hard.any():
        log_i[hard], grad[:, hard] = _log_tail_quadrature(qm[hard], qM[hard], m[hard], M[hard], y[hard], gradient)
    if not gradient:
        return log_i, grad
    out = np.empty_like(grad)
    out[0] = np.where(alpha_small, grad[0], grad[1])  # p
    out[1] = np.where(alpha_small, grad[1], grad[0])  # q
    out[2] = np.where(alpha_small, grad[2], grad[3])  # alpha
    out[3] = np.where(alpha_small, grad[3], grad[2])  # beta
    return log_i, out


@dataclass(frozen=True)
class _Layout:
    """Customers grouped by what each piece of the likelihood depends on.

    With the parameters the same for everyone, the first integral depends on ``(x, T)``, the
    second on ``(x, t_x)`` and the gamma functions on ``x``: each is evaluated once per
    distinct value and gathered. ``used`` marks the customers with ``T > 0`` (the others have
    likelihood 1).
    """

    used: np.ndarray
    x: np.ndarray
    first: tuple[np.ndarray, np.ndarray, np.ndarray]  # x and T of each distinct pair; each customer's pair
    second: tuple[np.ndarray, np.ndarray, np.ndarray]  # x and t_x of each distinct pair; each customer's pair
    counts: tuple[np.ndarray, np.ndarray]  # the distinct x; each customer's

    @classmethod
    def of(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> _Layout:
        used = T > 0
        xu, txu, Tu = x[used], t_x[used], T[used]
        (x1, T1), _, inverse1 = compress_rows(xu, Tu)
        (x2, t2), _, inverse2 = compress_rows(xu, txu)
        xs, inverse_x = np.unique(xu, return_inverse=True)
        return cls(used, xu, (x1, T1, inverse1), (x2, t2, inverse2), (xs, inverse_x))


def _terms(
    r: Any, alpha: Any, s: Any, beta: Any, x1: np.ndarray, T: np.ndarray, x2: np.ndarray, t_x: np.ndarray,
    gradient: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The likelihood's two terms, ``ln((r + x)/alpha · I(r + x + 1, s; T))`` and ``ln(s/beta · I(r + x, s + 1; t_x))``.

    Each with its gradient in (r, alpha, s, beta), shape (4, n) (zeros without ``gradient``).
    """
    log_i1, g1 = _log_tail(r + x1 + 1.0, s, alpha, beta, T, gradient)
    log_i2, g2 = _log_tail(r + x2, s + 1.0, alpha, beta, t_x, gradient)
    a1 = np.log(r + x1) - np.log(alpha) + log_i1
    a2 = np.log(s) - np.log(beta) + log_i2
    if not gradient:
        return a1, a2, g1, g2
    grad1 = np.stack([1.0 / (r + x1) + g1[0], g1[2] - 1.0 / alpha, g1[1], g1[3]])
    grad2 = np.stack([g2[0], g2[2], 1.0 / s + g2[1], g2[3] - 1.0 / beta])
    return a1, a2, grad1, grad2


def _parts(
    r: np.ndarray,
    alpha: np.ndarray,
    s: np.ndarray,
    beta: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    gradient: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood, ``ln P(alive)`` and (when asked) the gradient in (r, alpha, s, beta), per row.

    All inputs are 1-d arrays of one length (parameters may differ by row). Rows with
    ``T = 0`` (first seen at the very end) have likelihood 1 whatever the parameters.
    """
    size = x.size
    ll, log_alive, grad = np.zeros(size), np.zeros(size), np.zeros((4, size))
    rows = T > 0
    if not rows.any():
        return ll, log_alive, grad
    r, alpha, s, beta = r[rows], alpha[rows], s[rows], beta[rows]
    x, t_x, T = x[rows], t_x[rows], T[rows]
    a1, a2, grad1, grad2 = _terms(r, alpha, s, beta, x, T, x, t_x, gradient)
    log_b = np.logaddexp(a1, a2)
    ll[rows] = gammaln(r + x) - gammaln(r) - x * np.log(alpha) + log_b
    log_alive[rows] = np.minimum(-(r + x) * np.log1p(T / alpha) - s * np.log1p(T / beta) - log_b, 0.0)
    if gradient:
        share1 = expit(a1 - a2)
        g = share1 * grad1 + (1.0 - share1) * grad2
        g[0] += digamma(r + x) - digamma(r)
        g[1] -= x / alpha
        grad[:, rows] = g
    return ll, log_alive, grad


def _shared_values(params: tuple[float, float, float, float], layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihood and ``ln P(alive)`` per customer, the same parameters for everyone."""
    r, alpha, s, beta = params
    size = layout.used.size
    ll, log_alive = np.zeros(size), np.zeros(size)
    if layout.x.size == 0:
        return ll, log_alive
    (x1, T1, inverse1), (x2, t2, inverse2), (xs, inverse_x) = layout.first, layout.second, layout.counts
    a1, a2, _, _ = _terms(r, alpha, s, beta, x1, T1, x2, t2, gradient=False)
    log_b = np.logaddexp(a1[inverse1], a2[inverse2])
    alive = -(r + x1) * np.log1p(T1 / alpha) - s * np.log1p(T1 / beta)
    ll[layout.used] = (gammaln(r + xs) - gammaln(r) - xs * np.log(alpha))[inverse_x] + log_b
    log_alive[layout.used] = np.minimum(alive[inverse1] - log_b, 0.0)
    return ll, log_alive


def _shared_total(
    params: tuple[float, float, float, float], layout: _Layout, weights: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted total log-likelihood over a :class:`_Layout` and its gradient in (r, alpha, s, beta).

    Each customer's gradient is ``w1·grad ln(first term) + w2·grad ln(second term)`` plus the
    part outside the bracket, with ``w1 + w2 = 1`` the two terms' shares of the likelihood;
    the shares are summed per distinct pair before they meet the pairs' gradients.
    """
    r, alpha, s, beta = params
    (x1, T1, inverse1), (x2, t2, inverse2), (xs, inverse_x) = layout.first, layout.second, layout.counts
    a1, a2, grad1, grad2 = _terms(r, alpha, s, beta, x1, T1, x2, t2, gradient=True)
    e1, e2 = a1[inverse1], a2[inverse2]
    share1 = expit(e1 - e2)
    m1 = np.bincount(inverse1, weights=weights * share1, minlength=a1.size)
    m2 = np.bincount(inverse2, weights=weights * (1.0 - share1), minlength=a2.size)
    per_x = np.bincount(inverse_x, weights=weights, minlength=xs.size)
    value = float(dot(per_x, gammaln(r + xs) - gammaln(r) - xs * np.log(alpha)) + dot(weights, np.logaddexp(e1, e2)))
    grad = dot(grad1, m1) + dot(grad2, m2)
    grad[0] += float(dot(per_x, digamma(r + xs) - digamma(r)))
    grad[1] -= float(dot(per_x, xs)) / alpha
    return value, grad


def log_likelihood_terms(
    r: Any, alpha: Any, s: Any, beta: Any, x: Any, t_x: Any, T: Any, *, gradient: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Pareto/NBD log-likelihood of each customer (Fader & Hardie 2005 note, section 3).

    Every argument may be a number or an array; they are broadcast against each other, so a
    parameter may differ by customer (a left-truncated model uses ``beta + age`` per customer).
    No argument is checked: the parameters must be positive and finite, ``x`` a whole number
    ≥ 0, ``0 ≤ t_x ≤ T`` and ``t_x = 0`` when ``x = 0``. A row with ``T = 0`` (first seen at the
    end of the observation) has log-likelihood 0.

    Parameters
    ----------
    r, alpha, s, beta:
        Gamma(r, alpha) purchase rates and gamma(s, beta) dropout rates; ``alpha`` and ``beta``
        in the time unit of ``t_x`` and ``T``.
    x, t_x, T:
        Repeat purchases, time of the last one and length of the observation, each since the
        customer's first purchase.
    gradient:
        Also return the derivatives of each row's log-likelihood in ``r, alpha, s, beta``.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        The log-likelihoods, of the broadcast shape; with ``gradient``, also the derivatives,
        of shape ``(4,) + shape`` in the order r, alpha, s, beta.

    Notes
    -----
    Overflow-free for any size of ``x`` and ``T``: everything is computed in logarithms, the
    likelihood's two terms are positive (no difference of hypergeometric functions is taken),
    and the hypergeometric function is either a positive series with ``z ≤ 0.8`` or an
    integral by quadrature (see the module's description). Accurate to about 1e-12 relative
    in the likelihood and 1e-10 in the gradient.
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r, alpha, s, beta, x, t_x, T)))
    shape = arrays[0].shape
    r_, alpha_, s_, beta_, x_, t_x_, T_ = (np.ascontiguousarray(a).reshape(-1) for a in arrays)
    ll, _, grad = _parts(r_, alpha_, s_, beta_, x_, t_x_, T_, gradient)
    if gradient:
        return ll.reshape(shape), grad.reshape((4,) + shape)
    return ll.reshape(shape)


def _expected_active_time(b: Any, s: float | np.ndarray, t: np.ndarray) -> np.ndarray:
    """``∫_0^t (b/(b + u))^s du = b/(s − 1)·[1 − (b/(b + t))^(s − 1)]``; ``b·ln(1 + t/b)`` at s = 1.

    The expected time alive in the next ``t`` of a customer whose dropout rate is gamma(s, b).
    """
    log_ratio = np.log1p(t / b)
    u = (s - 1.0) * log_ratio
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(u == 0.0, 1.0, -np.expm1(-u) / u)
    return b * log_ratio * factor


# ------------------------------------------------------------------------------------ model


class ParetoNBD:
    """Pareto/NBD model: expected repeat purchases and probability of being alive.

    ``ParetoNBD().fit(frequency, recency, T)`` estimates ``params_ = {"r", "alpha", "s",
    "beta"}`` by maximum likelihood; ``log_likelihood_`` holds the maximised total
    log-likelihood. Evaluation methods are closed forms (``P(X(t) = n)`` a one-dimensional
    integral) and accept arrays or Series (results keep the Series index). Dropout follows
    time, not purchases (unlike BG/NBD,
    :class:`~xlprofit.core.clv.bgnbd.BetaGeo`): a customer without repeat purchases may
    have left.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who
    Are They and What Will They Do Next?", Management Science 33(1), 1–24.
    Fader, P. S. & Hardie, B. G. S. (2005), "A Note on Deriving the Pareto/NBD Model and
    Related Expressions", http://brucehardie.com/notes/009/.
    Fader, P. S. & Hardie, B. G. S. (2006), "Deriving an Expression for P(X(t) = x) Under
    the Pareto/NBD Model", http://brucehardie.com/notes/012/.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float]
        self.log_likelihood_: float
        self.standard_errors_: dict[str, float]

    # ------------------------------------------------------------------ fitting
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, *,
            standard_errors: bool = False) -> ParetoNBD:
        """Estimate r, alpha, s, beta by maximum likelihood.

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
        ParetoNBD
            ``self``, fitted.

        Raises
        ------
        ArgumentError
            Malformed inputs.
        DegenerateDataError
            Nobody made a repeat purchase, or a parameter runs off to 0 or infinity -- among
            them ``r`` or ``s`` beyond 1e6 (with its rate): rates without measurable
            heterogeneity, a maximum at the boundary of the model.
        ConvergenceError
            The maximisation did not converge.

        Notes
        -----
        Identical ``(x, t_x, T)`` rows are collapsed with counts first; the objective and
        its analytic gradient (:func:`log_likelihood_terms`) are evaluated on the unique rows
        only, in a time unit where the longest ``T`` is 10 (alpha and beta scale back).
        """
        x, t_x, t_cal, _ = validate_rfm(frequency, recency, T)
        if x.size == 0:
            raise DegenerateDataError("no customers: the Pareto/NBD model cannot be fitted")
        row_weights = fit_weights(weights, x.size)
        if not ((x > 0) & (row_weights > 0)).any():
            raise DegenerateDataError("nobody made a repeat purchase: the Pareto/NBD model cannot be fitted")
        (ux, utx, uT), _, inverse = compress_rows(x, t_x, t_cal)
        w = np.bincount(inverse, weights=row_weights, minlength=ux.size)
        total = float(w.sum())
        scale = 10.0 / float(uT.max())
        # customers first seen at the end (T = 0) have likelihood 1; zero weights count for nothing
        used = (w > 0) & (uT > 0)
        wu = w[used]
        layout = _Layout.of(ux[used], utx[used] * scale, uT[used] * scale)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            params = np.exp(theta)
            r, alpha, s, beta = map(float, params)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                value, grad = _shared_total((r, alpha, s, beta), layout, wu)
            return value / total, params * grad / total

        theta, mean_ll = maximize_log_likelihood(objective, np.zeros(4), _NAMES, "Pareto/NBD")
        r, alpha, s, beta = np.exp(theta)
        for name, shape, what in (("r", r, "purchase"), ("s", s, "dropout")):
            if shape > _NO_HETEROGENEITY:
                # along this ridge the shape and its rate grow together (gamma → a point mass)
                raise DegenerateDataError(
                    f"the Pareto/NBD fit drove parameter '{name}' towards infinity: the data cannot identify "
                    f"the model (they show no heterogeneity in the {what} rates)"
                )
        self.params_ = {"r": float(r), "alpha": float(alpha / scale), "s": float(s), "beta": float(beta / scale)}
        if standard_errors:
            errors = _standard_errors(objective, theta, total, np.array([1.0, scale, 1.0, scale]))
            self.standard_errors_ = dict(zip(_NAMES, map(float, errors), strict=True))
        # the likelihood of the purchase times carries a Jacobian of the time scale: report it in
        # the caller's unit
        self.log_likelihood_ = float(mean_ll * total + np.log(scale) * float(dot(w, ux)))
        return self

    # --------------------------------------------------------------- evaluation
    def _parameters(self) -> tuple[float, float, float, float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise NotAvailableError("the Pareto/NBD model is not fitted yet; call fit() first")
        return params["r"], params["alpha"], params["s"], params["beta"]

    def _log_parts(self, x: np.ndarray, t_x: np.ndarray, t_cal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _shared_values(self._parameters(), _Layout.of(x, t_x, t_cal))

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Log-likelihood of each customer's ``(x, t_x, T)`` under the fitted parameters (FH 2005 note, section 3)."""
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        ll, _ = self._log_parts(x, t_x, t_cal)
        return labelled(ll, index, "log_likelihood")

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Return the probability that a customer is still active at ``T`` (FH 2005 note, section 5).

        ``P(alive | x, t_x, T) = Γ(r + x) alpha^r beta^s / Γ(r) · (alpha + T)^−(r+x) (beta + T)^−s / L``
        with ``L`` the likelihood: the share of the likelihood from customers still
        active at ``T``.
        """
        x, t_x, t_cal, index = validate_rfm(frequency, recency, T)
        _, log_alive = self._log_parts(x, t_x, t_cal)
        return labelled(np.exp(log_alive), index, "p_alive")

    def expected_purchases_new(self, t: Any) -> float | np.ndarray:
        """Return the expected repeat purchases of a new customer in ``(0, t]`` (FH 2005 note, section 4).

        ``E[X(t)] = r·beta / (alpha·(s − 1)) · [1 − (beta/(beta + t))^(s − 1)]``, and its limit
        ``r·beta/alpha · ln(1 + t/beta)`` at ``s = 1``.
        """
        r, alpha, s, beta = self._parameters()
        tt = as_float_array(t, "t")
        check_finite(tt, "t", t)
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        return scalar_or_array(r / alpha * _expected_active_time(np.asarray(beta), s, tt))

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray | pd.Series:
        """Return the expected repeat purchases in ``(T, T + t]`` given ``(x, t_x, T)`` (FH 2005 note, section 6).

        ``E[Y(t) | x, t_x, T] = (r + x)(beta + T) / ((alpha + T)(s − 1))
        · [1 − ((beta + T)/(beta + T + t))^(s − 1)] · P(alive | x, t_x, T)``

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

        Given alive at ``T``, ``lambda`` is gamma(r + x, alpha + T) and ``mu`` gamma(s, beta + T),
        independently; the expected purchases are ``E[lambda]`` times the expected time alive.
        """
        r, alpha, s, beta = self._parameters()
        _, log_alive = self._log_parts(x, t_x, t_cal)
        rate = (r + x) / (alpha + t_cal)
        return np.exp(log_alive) * rate * _expected_active_time(beta + t_cal, s, t)

    def purchase_probability(self, n: Any, t: Any) -> float | np.ndarray:
        """Return ``P(X(t) = n)``: the probability that a new customer makes ``n`` repeat purchases in ``(0, t]``.

        Fader & Hardie (2006), "Deriving an Expression for P(X(t) = x) Under the Pareto/NBD
        Model": a customer alive throughout ``(0, t]`` (probability ``(beta/(beta + t))^s``)
        buys NBD(r, alpha) with exposure ``t``; one who leaves at ``tau < t`` buys with exposure
        ``tau``::

            P(X(t) = n) = NB(n; t)·(beta/(beta + t))^s + ∫_0^t NB(n; tau) · s beta^s (beta + tau)^−(s+1) dtau
            NB(n; tau) = Γ(r + n)/(Γ(r) n!) · (alpha/(alpha + tau))^r (tau/(alpha + tau))^n

        The note writes the integral with Gauss hypergeometric functions and a finite sum of
        ``n + 1`` of them, whose terms nearly cancel for small ``t``; here it is taken as it
        stands, by Gauss-Legendre quadrature in ``ln tau`` (a log-concave, smooth integrand),
        which is accurate to about 1e-12 relative for any ``n`` and ``t``.

        Parameters
        ----------
        n:
            Number of repeat purchases: a whole number ≥ 0, or an array of them.
        t:
            Length of the period since the first purchase, ≥ 0 (a number or an array,
            broadcast against ``n``).
        """
        r, alpha, s, beta = self._parameters()
        nn, tt = as_float_array(n, "n"), as_float_array(t, "t")
        check_finite(nn, "n", n)
        check_finite(tt, "t", t)
        if (nn < 0).any() or (nn != np.round(nn)).any():
            raise ArgumentError("n", n, "a whole number of repeat purchases ≥ 0")
        if (tt < 0).any():
            raise ArgumentError("t", t, "at least 0")
        nb, tb = np.broadcast_arrays(nn, tt)
        shape = nb.shape
        nf, tf = nb.reshape(-1).astype(float), tb.reshape(-1).astype(float)
        out = np.where(nf == 0, 1.0, 0.0)  # t = 0: nothing bought yet
        pos = tf > 0
        if pos.any():
            out[pos] = np.exp(_log_purchase_probability(r, alpha, s, beta, nf[pos], tf[pos]))
        return scalar_or_array(out.reshape(shape))


def _log_purchase_probability(r: float, alpha: float, s: float, beta: float, n: np.ndarray, t: np.ndarray
                              ) -> np.ndarray:
    """``ln P(X(t) = n)`` for ``t > 0`` (see :meth:`ParetoNBD.purchase_probability`)."""
    log_alpha, log_beta = np.log(alpha), np.log(beta)
    log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0)
    log_t = np.log(t)
    # alive throughout: NB(n; t)·(beta/(beta + t))^s
    alive = log_nb + n * (log_t - log_alpha) - (r + n) * np.log1p(t / alpha) - s * np.log1p(t / beta)
    # left at tau < t: in v = ln tau, NB(n; tau)·s/beta·(1 + tau/beta)^−(s+1)·tau is
    # exp(const + (n + 1)v − (r + n)·ln(1 + e^v/alpha) − (s + 1)·ln(1 + e^v/beta)): log-concave
    k1, k2 = r + n, s + 1.0
    a1 = n + 1.0

    def g(v: np.ndarray, rows: np.ndarray, with_moments: bool) -> tuple[np.ndarray, None]:
        shape = (-1,) + (1,) * (v.ndim - 1)
        return (a1[rows].reshape(shape) * v - k1[rows].reshape(shape) * np.logaddexp(0.0, v - log_alpha)
                - k2 * np.logaddexp(0.0, v - log_beta)), None

    def slope(v: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return a1[rows] - k1[rows] * expit(v - log_alpha) - k2 * expit(v - log_beta)

    # the slope falls from n + 1 to −(r + s): bisect for its zero, then clip to the range
    spread = np.log((k1 + k2) / np.minimum(a1, r + s)) + 1.0
    low, high = min(log_alpha, log_beta) - spread, max(log_alpha, log_beta) + spread
    everything = np.arange(n.size)
    for _ in range(200):
        mid = 0.5 * (low + high)
        rising = slope(mid, everything) > 0
        low, high = np.where(rising, mid, low), np.where(rising, high, mid)
        if np.all(high - low <= 1e-9):
            break
    mode = np.minimum(0.5 * (low + high), log_t)
    log_integral, _ = _log_concave_integral(g, slope, np.full(n.size, -np.inf), log_t, mode)
    left = log_nb - n * log_alpha + np.log(s) - log_beta + log_integral
    return np.logaddexp(alive, left)
