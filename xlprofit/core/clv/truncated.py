"""BG/NBD with customers older than the observation window (left truncation).

Story (Fader, Hardie & Lee 2005): while active, a customer buys as a Poisson process with
rate ``lambda``; after every repeat purchase it drops out for good with probability ``p``;
``lambda`` is gamma(r, alpha) and ``p`` is beta(a, b) across customers.

A ledger seldom starts with the customers' first purchases. A customer acquired ``u`` time
units before the window opens has made purchases nobody observes, and it is in the book
because it was still a customer when the window opened: it had survived each of a
Poisson(``lambda·u``) number of purchases, which happens with probability
``S(u | lambda, p) = exp(-lambda·p·u)``. Being memoryless, it starts afresh then. So for such a
customer, with ``x`` purchases in the window (every one of them a chance to drop out), ``t_x``
the last one and ``T`` the window's length, both counted from the window's start, the
likelihood is left-truncated, conditional on being active at the start::

    L = E[S(u) · ((1-p)^x lambda^x e^(-lambda·T) + δ(x>0) p (1-p)^(x-1) lambda^x e^(-lambda·t_x))] / E[S(u)]

over the gamma and beta mixtures. Survival to the window's start is how the customer was
selected into the data, not evidence of a low dropout: without the division by ``E[S(u)]``
a book of long-standing customers would drive the estimated dropout towards zero whatever
happens in the window. With ``u = 0`` this is the BG/NBD likelihood of FHL's equation 3 for
a customer whose first purchase starts its clock, and the model is BG/NBD exactly.

The gamma integral over ``lambda`` is closed; the beta integral over
``p`` is taken by Gauss-Jacobi quadrature whose weight carries ``p^(a-1) (1-p)^(b+x-1)``, so
the remaining integrand is smooth and, with ``u = 0``, constant: the quadrature is exact there.
The same integrals give ``P(alive)`` at the end of the window and at any time after it, and
the expected purchases in any period after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln

from xlprofit.errors import ArgumentError, ConvergenceError, DegenerateDataError, NotAvailableError

from ._common import maximize_log_likelihood
from .pnbd import log_likelihood_terms as pnbd_log_likelihood

__all__ = ["NODES", "Forecast", "TruncatedBetaGeo", "TruncatedParetoNBD"]

#: Gauss-Jacobi nodes per customer; the integrands left are smooth in ``p``.
NODES = 24
_NAMES = ("r", "alpha", "a", "b")
_PNBD_NAMES = ("r", "alpha", "s", "beta")
_LOG_BOUND = 25.0
#: Step of the forward differences in log a and log b (relative beyond 1): the square root of
#: the objective's rounding, as scipy's own differences take.
_STEP = 1.49e-8


def _nodes(shift: np.ndarray, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes in ``p`` and log-weights (summing to 1) of the density ∝ p^(a-1) (1-p)^(b+shift-1).

    Gauss-Jacobi by Golub-Welsch, for every distinct ``shift`` at once: the nodes are the
    eigenvalues of the Jacobi polynomials' tridiagonal recurrence matrix, the weights the
    squared first components of its eigenvectors.
    """
    values, inverse = np.unique(shift, return_inverse=True)
    alpha = (b + values - 1.0)[:, None]  # weight (1 - y)^alpha (1 + y)^beta on [-1, 1]
    beta = a - 1.0
    k = np.arange(NODES, dtype=float)[None, :]
    s = 2.0 * k + alpha + beta
    with np.errstate(divide="ignore", invalid="ignore"):
        diagonal = (beta**2 - alpha**2) / (s * (s + 2.0))
    diagonal[:, 0] = (beta - alpha[:, 0]) / (alpha[:, 0] + beta + 2.0)
    j = k[:, 1:]
    s1 = s[:, 1:]
    off = np.sqrt(4.0 * j * (j + alpha) * (j + beta) * (j + alpha + beta) / (s1**2 * (s1 + 1.0) * (s1 - 1.0)))
    matrix = np.zeros((values.size, NODES, NODES))
    rows = np.arange(NODES)
    matrix[:, rows, rows] = diagonal
    matrix[:, rows[1:], rows[:-1]] = off
    matrix[:, rows[:-1], rows[1:]] = off
    eigenvalues, vectors = np.linalg.eigh(matrix)
    nodes = np.clip((1.0 + eigenvalues) / 2.0, 0.0, 1.0)
    weights = vectors[:, 0, :] ** 2
    log_weights = np.log(np.maximum(weights, 1e-300)) - np.log(weights.sum(axis=1, keepdims=True))
    return nodes[inverse], log_weights[inverse]


def _log_sum_exp(values: np.ndarray, axis: int) -> np.ndarray:
    """``log Σ exp(values)`` along ``axis``, shifted by the largest term.

    One ``exp`` per element, where ``np.logaddexp.reduce`` takes a ``log1p`` and an ``exp`` per
    pair: several times slower on the fits' (customers × nodes) arrays.
    """
    top = np.max(values, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):  # a row of −inf: log 0
        return np.log(np.sum(np.exp(values - shift), axis=axis)) + np.squeeze(shift, axis=axis)


def _log_gamma_part(r: float, alpha: float, x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``log ∫ lambda^x e^(-lambda·c) dGamma(r, alpha)`` = ln Γ(r+x) − ln Γ(r) + r ln α − (r+x) ln(α+c)."""
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha))[:, None] - (r + x)[:, None] * np.log(alpha + c)


@dataclass(frozen=True)
class _Terms:
    """Per customer: the likelihood's terms, each joint with surviving to the window's start.

    ``log_alive``: log P(data, alive at the end); ``log_total``: log P(data); ``log_start``:
    log P(active at the window's start); and the nodes used.
    """

    log_alive: np.ndarray
    log_total: np.ndarray
    log_start: np.ndarray
    p: np.ndarray  # nodes of the alive term, shape (n, NODES)
    log_w: np.ndarray  # their log-weights including the beta factor, shape (n, NODES)
    #: With ``gradient``: d log_total and d log_start by (r, alpha), shape (n, 2) each.
    d_total: np.ndarray | None = None
    d_start: np.ndarray | None = None


def _gamma_slopes(r: float, alpha: float, x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d/dr and d/dalpha of :func:`_log_gamma_part` (``x`` per row, ``c`` per row or per row and node)."""
    xx = x if c.ndim == 1 else x[:, None]
    d_r = digamma(r + xx) - digamma(r) + np.log(alpha) - np.log(alpha + c)
    d_alpha = r / alpha - (r + xx) / (alpha + c)
    return d_r, d_alpha


def _weighted(values: np.ndarray, total: np.ndarray, *slopes: np.ndarray) -> list[np.ndarray]:
    """The slopes of ``log Σ_j exp(values_j)`` (= ``total``): each slope averaged with weights exp(values − total)."""
    share = np.exp(values - total[:, None])
    return [np.sum(share * d, axis=1) for d in slopes]


def _terms(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
           u: np.ndarray, *, nodes: bool = False, gradient: bool = False) -> _Terms:
    """Return the likelihood's terms of every customer.

    The quadrature runs only where ``u > 0`` (closed form elsewhere) unless ``nodes`` asks for
    the alive term's nodes of every customer (for forecasts). With ``gradient``, the slopes of
    ``log_total`` and ``log_start`` in ``r`` and ``alpha`` too, exactly: the nodes depend on
    ``a`` and ``b`` only, so each term's slope is its integrand's averaged over the nodes.
    """
    r, alpha, a, b = params
    log_b = betaln(a, b)
    gamma_const = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    old = u > 0
    # alive at the end: weight p^(a-1) (1-p)^(b+x-1), integrand exp(gamma part at T + p·u)
    log_alive = betaln(a, b + x) - log_b + gamma_const - (r + x) * np.log(alpha + T)
    if gradient:
        alive_r, alive_alpha = _gamma_slopes(r, alpha, x, T)
    p = np.zeros((x.size, NODES))
    log_w = np.full((x.size, NODES), -np.inf)
    quad = np.ones(x.size, dtype=bool) if nodes else old
    if quad.any():
        pq, wq = _nodes(x[quad], a, b)
        wq = wq + (betaln(a, b + x[quad]) - log_b)[:, None]
        p[quad], log_w[quad] = pq, wq
        c = T[quad][:, None] + pq * u[quad][:, None]
        values = wq + _log_gamma_part(r, alpha, x[quad], c)
        log_alive[quad] = _log_sum_exp(values, axis=1)
        if gradient:
            alive_r[quad], alive_alpha[quad] = _weighted(values, log_alive[quad], *_gamma_slopes(r, alpha, x[quad], c))
    parts = [log_alive]
    slopes = [(alive_r, alive_alpha)] if gradient else []
    repeat = x > 0
    if repeat.any():  # dropped out after the last purchase: weight p^a (1-p)^(b+x-2)
        dead = np.full(x.size, -np.inf)
        xr = np.maximum(x, 1.0)
        closed = betaln(a + 1.0, b + xr - 1.0) - log_b + gamma_const - (r + x) * np.log(alpha + t_x)
        dead[repeat] = closed[repeat]
        if gradient:
            dead_r, dead_alpha = _gamma_slopes(r, alpha, x, t_x)
        both = repeat & old
        if both.any():
            p2, w2 = _nodes(x[both] - 1.0, a + 1.0, b)
            w2 = w2 + (betaln(a + 1.0, b + x[both] - 1.0) - log_b)[:, None]
            c = t_x[both][:, None] + p2 * u[both][:, None]
            values = w2 + _log_gamma_part(r, alpha, x[both], c)
            dead[both] = _log_sum_exp(values, axis=1)
            if gradient:
                dead_r[both], dead_alpha[both] = _weighted(values, dead[both],
                                                           *_gamma_slopes(r, alpha, x[both], c))
        parts.append(dead)
        if gradient:
            slopes.append((np.where(repeat, dead_r, 0.0), np.where(repeat, dead_alpha, 0.0)))
    stacked = np.vstack(parts)
    log_total = _log_sum_exp(stacked, axis=0)
    log_start = np.zeros(x.size)
    d_total = d_start = None
    if gradient:
        share = np.exp(stacked - log_total[None, :])  # each part's share of the total
        d_total = np.column_stack([sum(share[k] * slopes[k][j] for k in range(len(parts))) for j in (0, 1)])
        d_start = np.zeros((x.size, 2))
    if old.any():  # active when the window opened: log E[exp(−lambda·p·u)]
        p0, w0 = _nodes(np.zeros(int(old.sum())), a, b)
        ratio = p0 * u[old][:, None] / alpha
        values = w0 - r * np.log1p(ratio)
        log_start[old] = _log_sum_exp(values, axis=1)
        if gradient and d_start is not None:
            d_r, d_alpha = _weighted(values, log_start[old], -np.log1p(ratio), r * ratio / (alpha * (1.0 + ratio)))
            d_start[old, 0], d_start[old, 1] = d_r, d_alpha
    return _Terms(log_alive, log_total, log_start, p, log_w, d_total, d_start)


def _history(frequency: object, recency: object, T: object, age: object
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four per-customer inputs of the truncated models as float arrays, checked."""
    arrays = []
    for name, value in (("frequency", frequency), ("recency", recency), ("T", T), ("age", age)):
        array = np.asarray(value, dtype=float).ravel()
        if not np.isfinite(array).all() or (array < 0).any():
            raise ArgumentError(name, value, "finite numbers of at least 0")
        arrays.append(array)
    x, t_x, t_cal, u = arrays
    if len({x.size, t_x.size, t_cal.size, u.size}) != 1:
        raise ArgumentError("frequency", f"{x.size} values", "as many values as recency, T and age")
    if (t_x > t_cal).any() or ((x == 0) & (t_x > 0)).any():
        raise ArgumentError("recency", "a recency after T, or one without purchases", "0 ≤ recency ≤ T")
    return x, t_x, t_cal, u


@dataclass(frozen=True)
class Forecast:
    """What a fitted model expects of each customer after the window, period by period.

    Arrays of shape ``(customers, periods)``: ``purchases[:, k]`` the expected purchases in
    period ``k + 1``; ``alive[:, k]`` the probability of being active at its end.
    """

    p_alive: np.ndarray
    purchases: np.ndarray
    alive: np.ndarray


class TruncatedBetaGeo:
    """BG/NBD with each customer's age at the window's start (0 for customers born in it).

    ``params_`` holds ``r, alpha, a, b`` after :meth:`fit`; with every age 0 the estimates are
    BG/NBD's (FHL 2005 on CDNOW: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426).
    """

    def __init__(self) -> None:
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None

    _arrays = staticmethod(_history)

    def _parameters(self) -> tuple[float, float, float, float]:
        if self.params_ is None:
            raise NotAvailableError("the model is not fitted yet; call fit() first")
        return self.params_["r"], self.params_["alpha"], self.params_["a"], self.params_["b"]

    def log_likelihood(self, frequency: object, recency: object, T: object, age: object) -> np.ndarray:
        """Log-likelihood of each customer under the fitted parameters, given active at the start."""
        x, t_x, t_cal, u = self._arrays(frequency, recency, T, age)
        terms = _terms(self._parameters(), x, t_x, t_cal, u)
        return terms.log_total - terms.log_start

    def fit(self, frequency: object, recency: object, T: object, age: object) -> TruncatedBetaGeo:
        """Fit ``r, alpha, a, b`` by maximum likelihood.

        Raises
        ------
        DegenerateDataError
            When nobody made a repeat purchase, or a parameter runs off to zero or infinity
            (the data cannot identify the model; for example no dropout at all).
        ConvergenceError
            When no maximum is found.
        """
        x, t_x, t_cal, u = self._arrays(frequency, recency, T, age)
        if not (x > 0).any():
            raise DegenerateDataError("nobody bought in the window: the purchase model cannot be fitted")
        rows = np.column_stack([x, t_x, t_cal, u])
        unique, counts = np.unique(rows, axis=0, return_counts=True)
        scale = 10.0 / float(unique[:, 2].max())
        ux, utx, uT, uu = unique[:, 0], unique[:, 1] * scale, unique[:, 2] * scale, unique[:, 3] * scale
        weights = counts.astype(float)
        total = float(weights.sum())

        def negative(theta: np.ndarray) -> float:
            r, alpha, a, b = np.exp(np.clip(theta, -_LOG_BOUND, _LOG_BOUND))
            terms = _terms((r, alpha, a, b), ux, utx, uT, uu)
            value = float(weights @ (terms.log_total - terms.log_start)) / total
            return -value if np.isfinite(value) else 1e300

        def negative_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
            """The objective and its gradient.

            Exact in log r and log alpha; forward differences in log a and log b, whose quadrature
            nodes move with them: three evaluations per gradient, where differences alone take five.
            """
            clipped = np.clip(theta, -_LOG_BOUND, _LOG_BOUND)
            r, alpha, a, b = np.exp(clipped)
            terms = _terms((r, alpha, a, b), ux, utx, uT, uu, gradient=True)
            value = float(weights @ (terms.log_total - terms.log_start)) / total
            if not np.isfinite(value):
                return 1e300, np.zeros(4)
            assert terms.d_total is not None and terms.d_start is not None
            slope = weights @ (terms.d_total - terms.d_start) / total  # by r and alpha
            gradient = np.empty(4)
            gradient[:2] = -slope * np.array([r, alpha])  # by log r and log alpha
            for k in (2, 3):
                step = _STEP * max(1.0, abs(float(theta[k])))
                moved = theta.copy()
                moved[k] += step
                gradient[k] = (negative(moved) + value) / step
            inside = (theta > -_LOG_BOUND) & (theta < _LOG_BOUND)
            return -value, np.where(inside, gradient, 0.0)

        rate = float(ux.sum() / max(uT.sum(), 1e-9))
        start = np.array([0.0, np.log(1.0 / max(rate, 1e-6)), 0.0, np.log(2.0)])
        result = minimize(negative_and_gradient, start, jac=True, method="L-BFGS-B",
                          bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 4,
                          options={"maxiter": 3000, "ftol": 1e-14, "gtol": 1e-9})
        if not result.success:  # a line search stalled on the differenced gradient: restart with a coarser one
            result = minimize(negative, result.x, method="L-BFGS-B", bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 4,
                              options={"maxiter": 3000, "ftol": 1e-12, "gtol": 1e-7, "eps": 1e-6})
        if not np.isfinite(result.fun) or result.fun >= 1e299:
            raise ConvergenceError("the purchase model found no finite likelihood; check the data")
        theta = np.asarray(result.x, dtype=float)
        at_bound = np.abs(theta) > _LOG_BOUND - 2.0
        if at_bound.any():
            name = _NAMES[int(np.flatnonzero(at_bound)[0])]
            direction = "infinity" if theta[at_bound][0] > 0 else "zero"
            raise DegenerateDataError(f"the purchase model drove '{name}' towards {direction}: "
                                      "the data cannot identify it")
        r, alpha, a, b = np.exp(theta)
        self.params_ = {"r": float(r), "alpha": float(alpha / scale), "a": float(a), "b": float(b)}
        # the times' density carries the Jacobian of the time scale: reported in the caller's unit
        self.log_likelihood_ = float(-result.fun * total + np.log(scale) * float(weights @ ux))
        return self

    def survival(self, t: float) -> float:
        """Share of the customers active now still active after ``t`` time units.

        ``E[exp(−lambda·p·t)]`` over the gamma and beta mixtures (the model's own churn per
        unit of time, whatever the purchase rate): ``∫ (alpha/(alpha + p·t))^r dBeta(p; a, b)``.
        """
        r, alpha, a, b = self._parameters()
        p, log_w = _nodes(np.zeros(1), a, b)
        return float(np.sum(np.exp(log_w[0] - r * np.log1p(p[0] * t / alpha))))

    def dropout_probability(self) -> float:
        """Mean probability of dropping out after a purchase, ``a / (a + b)``."""
        _, _, a, b = self._parameters()
        return a / (a + b)

    def forecast(self, frequency: object, recency: object, T: object, age: object, *, step: float,
                 periods: int) -> Forecast:
        """P(alive) at the window's end, and per later period the expected purchases and P(alive).

        Periods are ``step`` long (in the model's time unit) and follow the window's end.
        """
        x, t_x, t_cal, u = self._arrays(frequency, recency, T, age)
        if periods < 1 or not np.isfinite(step) or step <= 0:
            raise ArgumentError("periods", periods, "at least 1 period of positive length")
        r, alpha, a, b = self._parameters()
        rows = np.column_stack([x, t_x, t_cal, u])
        unique, inverse = np.unique(rows, axis=0, return_inverse=True)
        ux, utx, uT, uu = unique.T
        terms = _terms((r, alpha, a, b), ux, utx, uT, uu, nodes=True)
        p, log_w = terms.p, terms.log_w
        base = uT[:, None] + p * uu[:, None]
        k = (r + ux)[:, None]
        lead = log_w + (gammaln(r + ux) - gammaln(r) + r * np.log(alpha))[:, None] - terms.log_total[:, None]
        alive = np.empty((ux.size, periods))
        cumulative = np.empty((ux.size, periods))
        # Per period one log1p over the nodes serves both terms: ln(alpha + base + p·t) is
        # ln(alpha + base) + ln(1 + p·t/(alpha + base)). (p → 0 where a node may sit: kept off 0.)
        safe = np.maximum(p, 1e-300)
        reach = alpha + base
        log_reach = np.log(reach)
        at_end = lead - k * log_reach
        weight_end = np.exp(at_end)
        for j in range(periods):
            t = (j + 1) * step
            grow = np.log1p(safe * t / reach)
            alive[:, j] = np.exp(_log_sum_exp(at_end - k * grow, axis=1))
            # (1 − exp(−lambda·p·t)) / p integrated over lambda: smooth as p → 0
            cumulative[:, j] = np.sum(weight_end * (-np.expm1(-k * grow) / safe), axis=1)
        purchases = np.diff(cumulative, axis=1, prepend=0.0)
        p_alive = np.exp(terms.log_alive - terms.log_total)
        return Forecast(p_alive[inverse], purchases[inverse], alive[inverse])


class TruncatedParetoNBD:
    """Pareto/NBD with each customer's age at the window's start (0 for customers born in it).

    Story (Schmittlein, Morrison & Colombo 1987): while active, a customer buys as a Poisson
    process with rate ``lambda`` and stays active for an exponential time with rate ``mu``;
    ``lambda`` is gamma(r, alpha) and ``mu`` gamma(s, beta) across customers, independently.
    Dropout follows time, not purchases: a customer who buys rarely can still leave soon.

    Left truncation: a customer acquired ``u`` before the window is in the book because it was
    still active then (probability ``exp(-mu·u)``); given that, its ``mu`` is
    gamma(s, beta + u) and, being memoryless, it starts afresh. The window's likelihood is
    therefore Pareto/NBD's with ``beta + u`` in place of ``beta``, all purchases of the window
    counted from its start; with every age 0 it is Pareto/NBD exactly. Everything is in closed
    form: P(alive), survival and expected purchases after the window.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None

    _arrays = staticmethod(_history)

    def _parameters(self) -> tuple[float, float, float, float]:
        if self.params_ is None:
            raise NotAvailableError("the model is not fitted yet; call fit() first")
        return self.params_["r"], self.params_["alpha"], self.params_["s"], self.params_["beta"]

    @staticmethod
    def _log_alive(params: tuple[float, float, float, float], x: np.ndarray, T: np.ndarray,
                   u: np.ndarray) -> np.ndarray:
        """Log P(data, alive at the end | active at the start)."""
        r, alpha, s, beta = params
        b = beta + u
        return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)
                + s * (np.log(b) - np.log(b + T)))

    def log_likelihood(self, frequency: object, recency: object, T: object, age: object) -> np.ndarray:
        """Log-likelihood of each customer under the fitted parameters, given active at the start."""
        x, t_x, t_cal, u = self._arrays(frequency, recency, T, age)
        r, alpha, s, beta = self._parameters()
        return np.asarray(pnbd_log_likelihood(r, alpha, s, beta + u, x, t_x, t_cal))

    def fit(self, frequency: object, recency: object, T: object, age: object) -> TruncatedParetoNBD:
        """Fit ``r, alpha, s, beta`` by maximum likelihood.

        Raises
        ------
        DegenerateDataError
            When nobody bought in the window, or a parameter runs off to zero or infinity.
        ConvergenceError
            When no maximum is found.
        """
        x, t_x, t_cal, u = self._arrays(frequency, recency, T, age)
        if not (x > 0).any():
            raise DegenerateDataError("nobody bought in the window: the purchase model cannot be fitted")
        rows = np.column_stack([x, t_x, t_cal, u])
        unique, counts = np.unique(rows, axis=0, return_counts=True)
        scale = 10.0 / float(unique[:, 2].max())
        ux, utx, uT, uu = unique[:, 0], unique[:, 1] * scale, unique[:, 2] * scale, unique[:, 3] * scale
        weights = counts.astype(float)
        total = float(weights.sum())

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            params = np.exp(theta)
            r, alpha, s, beta = params
            with np.errstate(all="ignore"):
                ll, grad = pnbd_log_likelihood(r, alpha, s, beta + uu, ux, utx, uT, gradient=True)
            # beta enters every customer's likelihood as beta + age: its derivative is the same
            return float(weights @ ll) / total, params * (grad @ weights) / total

        rate = float(ux.sum() / max(uT.sum(), 1e-9))
        start = np.array([0.0, np.log(1.0 / max(rate, 1e-6)), 0.0, np.log(10.0)])
        theta, mean_ll = maximize_log_likelihood(objective, start, _PNBD_NAMES, "Pareto/NBD")
        r, alpha, s, beta = np.exp(theta)
        self.params_ = {"r": float(r), "alpha": float(alpha / scale), "s": float(s), "beta": float(beta / scale)}
        self.log_likelihood_ = float(mean_ll * total + np.log(scale) * float(weights @ ux))
        return self

    def survival(self, t: float) -> float:
        """Share of newly acquired customers still active after ``t``: ``(beta/(beta + t))^s``."""
        _, _, s, beta = self._parameters()
        return float(np.exp(-s * np.log1p(t / beta)))

    def dropout_rate(self) -> float:
        """Mean dropout rate of a newly acquired customer per time unit, ``s / beta``."""
        _, _, s, beta = self._parameters()
        return s / beta

    def forecast(self, frequency: object, recency: object, T: object, age: object, *, step: float,
                 periods: int) -> Forecast:
        """P(alive) at the window's end, and per later period the expected purchases and P(alive).

        Given active at the end, ``lambda`` is gamma(r + x, alpha + T) and ``mu`` gamma(s,
        beta + u + T), independently; so P(alive at T + t) = P(alive)·(b/(b + t))^s and the
        expected purchases by then P(alive)·(r + x)/(alpha + T)·b/(s − 1)·[1 − (b/(b + t))^(s−1)]
        with ``b = beta + u + T`` (``b·ln(1 + t/b)`` at ``s = 1``).
        """
        x, t_x, t_cal, u = self._arrays(frequency, recency, T, age)
        if periods < 1 or not np.isfinite(step) or step <= 0:
            raise ArgumentError("periods", periods, "at least 1 period of positive length")
        params = self._parameters()
        r, alpha, s, beta = params
        p_alive = np.exp(self._log_alive(params, x, t_cal, u)
                         - np.asarray(pnbd_log_likelihood(r, alpha, s, beta + u, x, t_x, t_cal)))
        p_alive = np.clip(p_alive, 0.0, 1.0)
        b = (beta + u + t_cal)[:, None]
        t = np.arange(1, periods + 1, dtype=float)[None, :] * step
        log_ratio = np.log1p(t / b)  # −ln(b/(b + t))
        alive = p_alive[:, None] * np.exp(-s * log_ratio)
        if abs(s - 1.0) < 1e-8:
            staying = b * log_ratio
        else:
            staying = b * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
        cumulative = p_alive[:, None] * ((r + x) / (alpha + t_cal))[:, None] * staying
        return Forecast(p_alive, np.diff(cumulative, axis=1, prepend=0.0), alive)
