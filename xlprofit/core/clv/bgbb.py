"""BG/BB model of repeat transactions in discrete time (Fader, Hardie & Shang 2010).

Story: after the first transaction (at opportunity 0) a customer meets transaction
opportunities 1, 2, …: the yearly appeals of a charity, the issues of a catalogue, the
sailings of a cruise line. While alive, the customer transacts at each opportunity with
probability ``p``; a living customer dies (becomes inactive for good) at the beginning of an
opportunity with probability ``theta``, so that the customer is alive at opportunity ``t``
with probability ``(1 − theta)^t``. ``p`` is beta(alpha, beta) and ``theta`` is
beta(gamma, delta) across customers, independently. A customer is summarised by ``x``
(transactions in opportunities 1…n, *frequency*), ``t_x`` (the opportunity of the last of
them, 0 if none, *recency*) and ``n`` (opportunities observed). The parameters have no unit:
time is counted in opportunities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, exprel, gammaln, hyp2f1

from xlprofit.errors import ArgumentError, ConvergenceError, DegenerateDataError, NotAvailableError

from ._common import (
    as_float_array,
    check_finite,
    check_range,
    compress_rows,
    customer_arrays,
    dot,
    fit_weights,
    labelled,
    maximize_log_likelihood,
    scalar_or_array,
)
from ._common import standard_errors as _standard_errors

__all__ = ["BetaGeoBetaBinom"]

_NAMES = ("alpha", "beta", "gamma", "delta")
#: Terms of the fallback hypergeometric series summed at a time, and at most (about 37/d
#: terms are needed at a discount rate d per opportunity: enough down to d ≈ 2.3e-6).
_SERIES_BLOCK = 4096
_SERIES_LIMIT = 2**24


def _validate_patterns(
    frequency: Any, recency: Any, n_periods: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index | None]:
    (x, t_x, n), index = customer_arrays(
        ("frequency", "recency", "n_periods"), (frequency, recency, n_periods)
    )
    for name, array, unit in (("frequency", x, "transactions"), ("recency", t_x, "opportunities"),
                              ("n_periods", n, "opportunities")):
        bad = (array < 0) | (array != np.round(array))
        if bad.any():
            raise ArgumentError(name, array[bad][0], f"a whole number of {unit} ≥ 0")
    bad = t_x > n
    if bad.any():
        raise ArgumentError("recency", t_x[bad][0], "at most n_periods (the last transaction cannot follow the end)")
    bad = x > t_x
    if bad.any():
        raise ArgumentError(
            "frequency", x[bad][0], "at most recency (x transactions need x opportunities up to the last one)"
        )
    bad = (x == 0) & (t_x != 0)
    if bad.any():
        raise ArgumentError("recency", t_x[bad][0], "0 for a customer without transactions")
    return x, t_x, n, index


def _whole(value: Any, argument: str) -> np.ndarray:
    array = as_float_array(value, argument)
    check_finite(array, argument, value)
    if (array < 0).any() or (array != np.round(array)).any():
        raise ArgumentError(argument, value, "a whole number ≥ 0")
    return array


def _per_customer(array: np.ndarray, size: int, argument: str) -> np.ndarray:
    """``array`` (one value, or one per customer) broadcast to the customers."""
    if array.ndim > 1 or array.size not in (1, size):
        raise ArgumentError(argument, f"{array.size} values", f"one value or one per customer ({size})")
    return np.broadcast_to(array.reshape(-1) if array.ndim else array, (size,))


class _Patterns:
    """Distinct ``(x, t_x, n)`` rows and the cells of the sum over ``i`` in their likelihood.

    The likelihood of a row (FHS 2010, eq. 5) is a first term for "alive through n" plus
    one term per opportunity ``j = t_x + i`` (``i = 0 … n − t_x − 1``) at which the customer
    may have died after the last transaction. Every cell is one such term; the cells of a
    row are contiguous, so that a row's sum is a ``bincount`` over all cells at once.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, n: np.ndarray) -> None:
        self.x = x.astype(np.int64)
        self.n = n.astype(np.int64)
        span = self.n - t_x.astype(np.int64)
        self.size = self.x.size
        self.cell_row = np.repeat(np.arange(self.size), span)
        starts = np.cumsum(span) - span
        offset = np.arange(self.cell_row.size) - np.repeat(starts, span)
        self.cell_j = t_x.astype(np.int64)[self.cell_row] + offset
        self.cell_u = self.cell_j - self.x[self.cell_row]
        self.has_cells = span > 0
        self.first_cell = starts[self.has_cells]
        self.top = int(self.n.max()) if self.size else 0


def _row_logsumexp(first: np.ndarray, cells: np.ndarray, patterns: _Patterns,
                   shift_from_first_cell: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``log(exp(first) + Σ_row exp(cells))`` per row, with the scaled terms and their sums.

    Returns ``(log_sum, total, scaled_first, scaled_cells)``: the scaled terms are
    ``exp(term − shift)`` and ``total`` their sum per row, where ``shift`` is each row's
    largest term (the first cell when the cells fall along the row,
    ``shift_from_first_cell``, else the row's maximum), so that no term overflows.
    """
    shift = first.copy()
    if cells.size:
        if shift_from_first_cell:
            largest = cells[patterns.first_cell]
        else:
            largest = np.maximum.reduceat(cells, patterns.first_cell)
        shift[patterns.has_cells] = np.maximum(shift[patterns.has_cells], largest)
    scaled_first = np.exp(first - shift)
    scaled_cells = np.exp(cells - shift[patterns.cell_row])
    total = scaled_first + np.bincount(patterns.cell_row, weights=scaled_cells, minlength=patterns.size)
    return shift + np.log(total), total, scaled_first, scaled_cells


def _likelihood_terms(
    params: tuple[float, float, float, float], patterns: _Patterns, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log-likelihood per row, log P(alive at n | row) per row and, given weights, the gradient.

    The gradient is of the ``weights``-weighted total log-likelihood with respect to
    ``(alpha, beta, gamma, delta)``; an empty array when ``weights`` is ``None``.

    Written with log-gamma tables over ``k = 0 … max n``: every beta function of the
    likelihood is ``B(alpha + x, beta + k − x)`` or ``B(gamma (+1), delta + k)``, so the
    special functions are evaluated once per opportunity count rather than once per term.

    ``ln L = c0 + lnΓ(alpha + x) + ln[e^A + Σ_j e^T_j]`` with
    ``c0 = ln Γ(alpha+beta) − ln Γ(alpha)Γ(beta) + ln Γ(gamma+delta) − ln Γ(delta)``,
    ``A = lnΓ(beta + n − x) − lnΓ(alpha + beta + n) + lnΓ(delta + n) − lnΓ(gamma + delta + n)``,
    ``T_j = ln gamma + lnΓ(beta + j − x) − lnΓ(alpha + beta + j) + lnΓ(delta + j) − lnΓ(gamma + delta + j + 1)``.
    The gradient is the softmax-weighted sum of the terms' derivatives, with digamma tables
    likewise.
    """
    a, b, g, d = params
    p = patterns
    k = np.arange(p.top + 1, dtype=float)
    gl_b, gl_ab, gl_d, gl_gd = gammaln(b + k), gammaln(a + b + k), gammaln(d + k), gammaln(g + d + k)
    c0 = gammaln(a + b) - gammaln(a) - gammaln(b) + gammaln(g + d) - gammaln(d)
    x, n, cj, cu = p.x, p.n, p.cell_j, p.cell_u
    first = gl_b[n - x] - gl_ab[n] + gl_d[n] - gl_gd[n]
    cells = np.log(g) + gl_b[cu] - gl_ab[cj] + gl_d[cj] - gl_gd[cj + 1]
    # the terms fall with j (both beta functions decrease in their second argument)
    log_sum, total, scaled_first, scaled_cells = _row_logsumexp(first, cells, p, shift_from_first_cell=True)
    log_l = c0 + gammaln(a + x) + log_sum
    log_alive_n = first - log_sum
    if weights is None:
        return log_l, log_alive_n, np.empty(0)
    w = weights
    weight_sum = float(w.sum())
    wa = w * scaled_first / total
    wt = w[p.cell_row] * scaled_cells / total[p.cell_row]
    dg_b, dg_ab, dg_d, dg_gd = digamma(b + k), digamma(a + b + k), digamma(d + k), digamma(g + d + k)
    psi_ab, psi_gd = digamma(a + b), digamma(g + d)
    ab_terms = dot(wa, dg_ab[n]) + dot(wt, dg_ab[cj])
    grad_a = weight_sum * (psi_ab - digamma(a)) + dot(w, digamma(a + x)) - ab_terms
    grad_b = weight_sum * (psi_ab - digamma(b)) + dot(wa, dg_b[n - x]) + dot(wt, dg_b[cu]) - ab_terms
    grad_g = weight_sum * psi_gd - dot(wa, dg_gd[n]) + float(wt.sum()) / g - dot(wt, dg_gd[cj + 1])
    grad_d = weight_sum * (psi_gd - digamma(d)) + dot(wa, dg_d[n] - dg_gd[n]) + dot(wt, dg_d[cj] - dg_gd[cj + 1])
    return log_l, log_alive_n, np.array([grad_a, grad_b, grad_g, grad_d])


class BetaGeoBetaBinom:
    """BG/BB model: transactions at discrete opportunities, with unobserved dropout.

    ``BetaGeoBetaBinom().fit(frequency, recency, n_periods)`` estimates ``params_ =
    {"alpha", "beta", "gamma", "delta"}`` by maximum likelihood; ``log_likelihood_`` holds
    the maximised total log-likelihood. Evaluation methods are closed forms and accept
    arrays or Series (per-customer results keep the Series index).

    Time is counted in transaction opportunities after the first transaction: ``n`` is the
    number observed, ``n_star`` the number forecast, a discount rate is per opportunity.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-Base Analysis in a
    Discrete-Time Noncontractual Setting", Marketing Science 29(6), 1086–1108.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float]
        self.log_likelihood_: float
        self.standard_errors_: dict[str, float]

    # ------------------------------------------------------------------ fitting
    def fit(self, frequency: Any, recency: Any, n_periods: Any, weights: Any = None, *,
            standard_errors: bool = False) -> BetaGeoBetaBinom:
        """Estimate alpha, beta, gamma, delta by maximum likelihood.

        Parameters
        ----------
        frequency:
            Transactions ``x`` in the ``n`` opportunities after the first transaction
            (whole numbers ≥ 0).
        recency:
            The opportunity ``t_x`` of the last of them, ``x ≤ t_x ≤ n`` (0 when ``x = 0``).
        n_periods:
            Transaction opportunities observed, ``n`` (whole numbers ≥ 0; they may differ
            between customers, e.g. between cohorts).
        weights:
            Customers each row stands for (a pattern's count, as in Fader, Hardie & Shang's
            recency/frequency tables), or sample weights; ``None`` weighs every row 1.
        standard_errors:
            Also compute ``standard_errors_`` (same keys as ``params_``) from the observed
            information matrix; NaN where the likelihood is flat.

        Returns
        -------
        BetaGeoBetaBinom
            ``self``, fitted.

        Raises
        ------
        ArgumentError
            Malformed inputs.
        DegenerateDataError
            Nobody transacted, everybody transacted at every opportunity, or a parameter
            runs off to 0 or infinity.
        ConvergenceError
            The maximisation did not converge.

        Notes
        -----
        Identical ``(x, t_x, n)`` rows are collapsed with their weights first; the
        log-likelihood (FHS 2010, eq. 5) and its analytic gradient are evaluated on the
        distinct patterns only, its sum over ``i`` as one vectorised sum over all patterns.
        Time and memory grow with the number of terms, ``Σ (n − t_x)`` over the distinct
        patterns: 41 for the paper's 22 patterns, whatever the number of customers.
        """
        x, t_x, n, _ = _validate_patterns(frequency, recency, n_periods)
        if x.size == 0:
            raise DegenerateDataError("no customers: the BG/BB model cannot be fitted")
        row_weights = fit_weights(weights, x.size)
        used = row_weights > 0
        if not (used & (n > 0)).any():
            raise DegenerateDataError("no transaction opportunities observed: the BG/BB model cannot be fitted")
        if not (used & (x > 0)).any():
            raise DegenerateDataError("nobody made a repeat transaction: the BG/BB model cannot be fitted")
        if not (used & (x < n)).any():
            raise DegenerateDataError(
                "every customer transacted at every opportunity: the BG/BB model cannot be fitted"
            )
        (ux, utx, un), _, inverse = compress_rows(x[used], t_x[used], n[used])
        w = np.bincount(inverse, weights=row_weights[used], minlength=ux.size)
        total = float(w.sum())
        patterns = _Patterns(ux, utx, un)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, b, g, d = np.exp(theta)
            log_l, _, gradient = _likelihood_terms((float(a), float(b), float(g), float(d)), patterns, w)
            return float(dot(w, log_l)) / total, np.exp(theta) * gradient / total

        theta, mean_ll = maximize_log_likelihood(objective, np.zeros(4), _NAMES, "BG/BB")
        self.params_ = dict(zip(_NAMES, map(float, np.exp(theta)), strict=True))
        if standard_errors:
            errors = _standard_errors(objective, theta, total)
            self.standard_errors_ = dict(zip(_NAMES, map(float, errors), strict=True))
        self.log_likelihood_ = float(mean_ll * total)
        return self

    # --------------------------------------------------------------- evaluation
    def _parameters(self) -> tuple[float, float, float, float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise NotAvailableError("the BG/BB model is not fitted yet; call fit() first")
        return params["alpha"], params["beta"], params["gamma"], params["delta"]

    def _history(self, x: np.ndarray, t_x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log-likelihood and log P(alive at n) per customer, computed once per distinct pattern."""
        params = self._parameters()
        (ux, utx, un), _, inverse = compress_rows(x, t_x, n)
        log_l, log_alive_n, _ = _likelihood_terms(params, _Patterns(ux, utx, un))
        return log_l[inverse], log_alive_n[inverse]

    def log_likelihood(self, frequency: Any, recency: Any, n_periods: Any) -> np.ndarray | pd.Series:
        """Log-likelihood of each customer's ``(x, t_x, n)`` under the fitted parameters.

        FHS (2010), eq. (5)::

            L = B(alpha + x, beta + n − x)/B(alpha, beta) · B(gamma, delta + n)/B(gamma, delta)
              + Σ_{i=0}^{n−t_x−1} B(alpha + x, beta + t_x − x + i)/B(alpha, beta)
                                  · B(gamma + 1, delta + t_x + i)/B(gamma, delta)

        the probability of the customer's observed sequence of transactions and
        non-transactions. The other orders with the same ``(x, t_x)`` have the same
        probability; as in the paper, ``L`` is not multiplied by their number
        ``C(t_x − 1, x − 1)`` (a constant that does not move the estimates).
        """
        x, t_x, n, index = _validate_patterns(frequency, recency, n_periods)
        log_l, _ = self._history(x, t_x, n)
        return labelled(log_l, index, "log_likelihood")

    def probability_alive(self, frequency: Any, recency: Any, n_periods: Any) -> np.ndarray | pd.Series:
        """Probability that the customer is alive at the next opportunity, ``n + 1``.

        The paper's definition (FHS 2010: the customer is alive in period ``n + 1``; their
        Table 6 reports it as "P(alive in 2002)" after the six opportunities 1996–2001)::

            P(alive at n + 1 | x, t_x, n) = B(alpha + x, beta + n − x)/B(alpha, beta)
                                            · B(gamma, delta + n + 1)/B(gamma, delta) / L

        The probability of being alive *at* opportunity ``n`` is larger by the factor
        ``(gamma + delta + n)/(delta + n)``: a living customer may die at the beginning of
        ``n + 1``.
        """
        _, _, g, d = self._parameters()
        x, t_x, n, index = _validate_patterns(frequency, recency, n_periods)
        _, log_alive_n = self._history(x, t_x, n)
        return labelled(np.exp(log_alive_n) * (d + n) / (g + d + n), index, "p_alive")

    def expected_purchases_new(self, n: Any) -> float | np.ndarray:
        """Expected transactions of a new customer in the first ``n`` opportunities, ``E[X(n)]``.

        FHS (2010)::

            E[X(n)] = alpha/(alpha + beta) · delta/(gamma − 1)
                      · [1 − Γ(gamma + delta)/Γ(1 + delta) · Γ(1 + delta + n)/Γ(gamma + delta + n)]

        (at ``gamma = 1`` the limit, a difference of digammas).

        Parameters
        ----------
        n:
            Opportunities, a whole number ≥ 0 (or an array of them).
        """
        a, b, g, d = self._parameters()
        nn = _whole(n, "n")
        return scalar_or_array(a / (a + b) * _alive_opportunities(g, d, np.zeros_like(nn), nn))

    def expected_purchases(self, n_star: Any, frequency: Any, recency: Any, n_periods: Any
                           ) -> np.ndarray | pd.Series:
        """Expected transactions in the next ``n_star`` opportunities, ``n + 1 … n + n_star``.

        FHS (2010), eq. (13)::

            E[X(n, n + n*) | x, t_x, n] = 1/L · B(alpha + x + 1, beta + n − x)/B(alpha, beta)
                · delta/(gamma − 1) · Γ(gamma + delta)/Γ(1 + delta)
                · [Γ(1 + delta + n)/Γ(gamma + delta + n) − Γ(1 + delta + n + n*)/Γ(gamma + delta + n + n*)]

        evaluated as P(alive at n | history) × posterior mean of ``p`` ×
        expected number of the next ``n*`` opportunities the customer is alive for.

        Parameters
        ----------
        n_star:
            Opportunities forecast, a whole number ≥ 0 (or one per customer).
        frequency, recency, n_periods:
            The customer's history, as in :meth:`fit`.
        """
        a, b, g, d = self._parameters()
        x, t_x, n, index = _validate_patterns(frequency, recency, n_periods)
        m = _per_customer(_whole(n_star, "n_star"), x.size, "n_star")
        _, log_alive_n = self._history(x, t_x, n)
        values = np.exp(log_alive_n) * (a + x) / (a + b + n) * _alive_opportunities(g, d, n, m)
        return labelled(values, index, "expected_purchases")

    def purchase_probability(self, x: Any, n: Any) -> float | np.ndarray:
        """Probability that a new customer makes ``x`` transactions in ``n`` opportunities.

        FHS (2010), eq. (7)::

            P(X(n) = x) = C(n, x) · B(alpha + x, beta + n − x)/B(alpha, beta) · B(gamma, delta + n)/B(gamma, delta)
                + Σ_{i=x}^{n−1} C(i, x) · B(alpha + x, beta + i − x)/B(alpha, beta)
                                         · B(gamma + 1, delta + i)/B(gamma, delta)

        0 for ``x > n``. ``x`` and ``n`` broadcast against each other.
        """
        params = self._parameters()
        try:
            xx, nn = np.broadcast_arrays(_whole(x, "x"), _whole(n, "n"))
        except ValueError:
            raise ArgumentError("n", f"shape {np.shape(n)}", f"broadcastable against x (shape {np.shape(x)})") from None
        flat_x, flat_n = xx.ravel(), nn.ravel()
        out = np.zeros(flat_x.shape)
        possible = flat_x <= flat_n
        (ux, un), _, inverse = compress_rows(flat_x[possible], flat_n[possible])
        out[possible] = np.exp(_log_pmf(params, ux, un))[inverse]
        return scalar_or_array(out.reshape(xx.shape))

    def discounted_expected_residual_transactions(
        self, discount_rate: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> np.ndarray | pd.Series:
        """Discounted expected residual transactions (DERT) of each customer.

        FHS (2010), eq. (14): the present value, at the end of opportunity ``n``, of the
        customer's expected transactions at ``n + 1, n + 2, …``, a transaction at ``n + t``
        discounted by ``(1 + d)^−t``::

            DERT(d | x, t_x, n) = B(alpha + x + 1, beta + n − x)/B(alpha, beta)
                · B(gamma, delta + n + 1)/(B(gamma, delta) · (1 + d))
                · 2F1(1, delta + n + 1; gamma + delta + n + 1; 1/(1 + d)) / L

        Multiply by the margin per transaction for the residual lifetime value.

        Parameters
        ----------
        discount_rate:
            Discount rate per opportunity, greater than 0 (a number, or one per customer).
        frequency, recency, n_periods:
            The customer's history, as in :meth:`fit`.

        Raises
        ------
        ConvergenceError
            Where scipy's ``2F1`` fails (hundreds of opportunities and a rate below 0.3 %)
            and the rate is so small (below about 2e-6) that its series cannot be summed.
        """
        a, b, g, d = self._parameters()
        x, t_x, n, index = _validate_patterns(frequency, recency, n_periods)
        rate = as_float_array(discount_rate, "discount_rate")
        check_finite(rate, "discount_rate", discount_rate)
        check_range(rate, "discount_rate", discount_rate, low=0.0, low_open=True)
        z = _per_customer(1.0 / (1.0 + rate), x.size, "discount_rate")
        _, log_alive_n = self._history(x, t_x, n)
        series = _hyp2f1_unit_first(g, d + n + 1.0, z)
        values = np.exp(log_alive_n) * (a + x) / (a + b + n) * (d + n) / (g + d + n) * z * series
        return labelled(values, index, "dert")


def _alive_opportunities(gamma: float, delta: float, start: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Expected number of the opportunities ``start + 1 … start + m`` a customer alive at ``start`` lives to.

    ``Σ_{t=1}^{m} B(gamma, delta + s + t)/B(gamma, delta + s) = (delta + s)/(gamma − 1) · [1 − R]``
    (``s = start``) with ``R = Γ(gamma + delta + s)Γ(1 + delta + s + m) / (Γ(1 + delta + s)Γ(gamma + delta + s + m))``.
    With ``a0 = 1 + delta + start``, ``am = a0 + m`` and ``e = gamma − 1``,
    ``ln R = e · [q(a0) − q(am)]`` where ``q(a) = [ln Γ(a + e) − ln Γ(a)]/e`` (see
    :func:`_log_gamma_slope`), and ``(1 − R)/e = −(ln R/e) · exprel(ln R)``: no division by
    ``gamma − 1``, so the value is continuous through ``gamma = 1`` (where it is
    ``(delta + start) · [ψ(am) − ψ(a0)]``).
    """
    a0 = 1.0 + delta + np.asarray(start, dtype=float)
    am = a0 + np.asarray(m, dtype=float)
    e = gamma - 1.0
    slope = _log_gamma_slope(a0, e) - _log_gamma_slope(am, e)
    return np.asarray((a0 - 1.0) * -slope * exprel(e * slope), dtype=float)


#: ``B_2k / (2k (2k − 1))``, k = 1 … 8: the coefficients of Stirling's series for ln Γ.
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)
#: Arguments are shifted up by this many units before Stirling's series is used.
_STIRLING_SHIFT = 10


def _log1p_ratio(u: np.ndarray) -> np.ndarray:
    """``ln(1 + u)/u``, 1 at ``u = 0``."""
    safe = np.where(u == 0.0, 1.0, u)
    return np.where(u == 0.0, 1.0, np.log1p(safe) / safe)


def _log_gamma_slope(a: np.ndarray, e: float) -> np.ndarray:
    """``q(a) = [ln Γ(a + e) − ln Γ(a)] / e`` for ``a > 1``, ``e > −1``; ``ψ(a)`` at ``e = 0``.

    Differences of ``gammaln`` (or scipy's ``betaln``, which loses digits for a large first
    argument) cancel when ``e`` is small or ``a`` large. Here the argument is shifted to
    ``a + 10`` by ``q(a) = q(a + 10) − Σ_{i<10} ln(1 + e/(a + i))/e`` and Stirling's series
    is differenced term by term in closed form::

        q(z) = (z − 1/2) · ln(1 + e/z)/e + ln(z + e) − 1 + Σ_k c_k · [(z + e)^(1−2k) − z^(1−2k)]/e

    every piece written with ``log1p``/``expm1`` so that nothing is divided by a small ``e``.
    Accurate to about 1e-15 relative.
    """
    a = np.asarray(a, dtype=float)
    z = a + _STIRLING_SHIFT
    lead = 0.0 if e == 0 else e
    ratio = _log1p_ratio(lead / z)  # ln(1 + e/z)/(e/z)
    value = (z - 0.5) * ratio / z + np.log(z + e) - 1.0
    log1p_u = ratio * (e / z)  # ln(1 + e/z)
    for k, coefficient in enumerate(_STIRLING, start=1):
        power = 1 - 2 * k
        # [(z + e)^p − z^p]/e = z^p · expm1(p·ln(1 + e/z))/e = z^(p−1) · p · ratio · exprel(p·ln(1 + e/z))
        value = value + coefficient * z ** (power - 1) * power * ratio * exprel(power * log1p_u)
    for i in range(_STIRLING_SHIFT):
        value = value - _log1p_ratio(e / (a + i)) / (a + i)
    return value


def _log_pmf(params: tuple[float, float, float, float], x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``ln P(X(n) = x)`` (FHS 2010, eq. 7) for pairs with ``x ≤ n``, its sum over ``i`` vectorised."""
    a, b, g, d = params
    base = betaln(a, b) + betaln(g, d)

    def log_choose(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        return np.asarray(gammaln(top + 1.0) - gammaln(bottom + 1.0) - gammaln(top - bottom + 1.0))

    first = log_choose(n, x) + betaln(a + x, b + n - x) + betaln(g, d + n) - base
    # cells: i = x … n − 1 for each pair; as _Patterns with t_x = x
    patterns = _Patterns(x, x, n)
    i = patterns.cell_j.astype(float)
    cx = x[patterns.cell_row]
    cells = log_choose(i, cx) + betaln(a + cx, b + i - cx) + betaln(g + 1.0, d + i) - base
    log_sum, _, _, _ = _row_logsumexp(first, cells, patterns, shift_from_first_cell=False)
    return log_sum


def _hyp2f1_unit_first(gamma: float, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``2F1(1, b; b + gamma; z)`` for ``b > 1``, ``gamma > 0`` and ``0 < z < 1``, guarded.

    The series is ``Σ_k (b)_k/(b + gamma)_k · z^k``, each term in ``(0, z^k]``, so the value
    lies in ``[1, 1/(1 − z)]``. scipy's ``hyp2f1`` returns NaN for large ``b`` with ``z`` near
    1 (e.g. ``b = 603.8``, ``gamma = 0.657``, ``z = 1/1.0015``: a customer with 600
    opportunities discounted at 0.15 % per opportunity). Where its value is not finite or falls
    outside those bounds, the series is summed directly for each distinct ``(b, z)``, in
    blocks of terms ``exp(gamma · [q(b) − q(b + k)] + k ln z)`` with
    ``q(a) = [ln Γ(a + gamma) − ln Γ(a)]/gamma`` (:func:`_log_gamma_slope`), until the
    geometric bound on the remainder, ``term · z/(1 − z)``, is below 1e-16 of the sum.
    """
    b, z = np.broadcast_arrays(np.asarray(b, dtype=float), np.asarray(z, dtype=float))
    value = np.array(hyp2f1(1.0, b, b + gamma, z), dtype=float, ndmin=1).reshape(b.shape)
    bad = ~np.isfinite(value) | (value < 1.0 - 1e-12) | (value > (1.0 + 1e-12) / (1.0 - z))
    if bad.any():
        (ub, uz), _, inverse = compress_rows(b[bad], z[bad])
        value = value.copy()
        value[bad] = _hyp2f1_unit_first_series(gamma, ub, uz)[inverse]
    return value


def _hyp2f1_unit_first_series(gamma: float, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    log_z = np.log(z)
    # terms fall at least as fast as z^k: this many make the remainder bound small enough
    needed = (np.log(1e-16) + np.log1p(-z) - log_z) / log_z
    if (needed > _SERIES_LIMIT).any():
        rate = 1.0 / float(z[needed > _SERIES_LIMIT][0]) - 1.0
        raise ConvergenceError(
            f"the discounted sum would need over {_SERIES_LIMIT:,} terms: the discount rate per "
            f"opportunity ({rate:.3g}) is too small"
        )
    base = _log_gamma_slope(b, gamma)
    total = np.zeros(b.shape)
    todo = np.arange(b.size)
    k0 = 0
    while todo.size:
        k = np.arange(k0, k0 + _SERIES_BLOCK, dtype=float)
        log_terms = gamma * (base[todo, None] - _log_gamma_slope(b[todo, None] + k, gamma)) + k * log_z[todo, None]
        terms = np.exp(log_terms)
        total[todo] += terms.sum(axis=1)
        zz = z[todo]
        done = terms[:, -1] * zz / (1.0 - zz) <= 1e-16 * total[todo]
        todo = todo[~done]
        k0 += _SERIES_BLOCK
    return total
