"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

Story: the value of each of a customer's transactions is gamma(p, nu); ``nu`` varies across
customers as gamma(q, gamma). A customer is summarised by ``x`` (repeat transactions) and
``m_x`` (the average value of those repeat transactions, *monetary value*). Spend is
assumed independent of the purchase process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from xlprofit.errors import ArgumentError, DegenerateDataError, ModelError, NotAvailableError

from ._common import compress_rows, customer_arrays, dot, maximize_log_likelihood

__all__ = ["GammaGamma"]

_NAMES = ("p", "q", "v")


def _validate(frequency: Any, monetary_value: Any) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    (x, m), index = customer_arrays(("frequency", "monetary_value"), (frequency, monetary_value))
    if (x < 0).any() or (x != np.round(x)).any():
        raise ArgumentError(
            "frequency", x[(x < 0) | (x != np.round(x))][0], "a whole number of repeat purchases ≥ 0"
        )
    bad = (x > 0) & (m <= 0)
    if bad.any():
        raise ArgumentError(
            "monetary_value", m[bad][0], "greater than 0 for a customer with repeat purchases"
        )
    return x, m, index


class GammaGamma:
    """Gamma-Gamma spend model: expected average transaction value per customer.

    ``GammaGamma().fit(frequency, monetary_value)`` estimates ``params_ = {"p", "q",
    "v"}`` (``v`` is the scale parameter written gamma in the papers) from the customers
    with at least one repeat purchase; ``log_likelihood_`` holds the maximised
    log-likelihood.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value",
    http://brucehardie.com/notes/025/.
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value
    Curves for Customer Base Analysis", Journal of Marketing Research 42(4), 415–430.
    """

    def __init__(self) -> None:
        self.params_: dict[str, float]
        self.log_likelihood_: float

    def fit(self, frequency: Any, monetary_value: Any) -> GammaGamma:
        """Estimate p, q, v by maximum likelihood on customers with ``frequency > 0``.

        Parameters
        ----------
        frequency:
            Repeat purchases ``x`` per customer; customers with ``x = 0`` are ignored.
        monetary_value:
            Average value of the repeat purchases, ``m_x > 0`` where ``x > 0``.

        Returns
        -------
        GammaGamma
            ``self``, fitted.

        Raises
        ------
        DegenerateDataError
            Nobody repeats, or every repeat customer has the same average spend.
        ConvergenceError
            The maximisation did not converge.

        Notes
        -----
        Log-likelihood per customer (Fader & Hardie 2013, eq. 3):
        ``ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln v + (px − 1) ln m_x + px ln x
        − (px + q) ln(v + x m_x)``.
        """
        x, m, _ = _validate(frequency, monetary_value)
        repeat = x > 0
        if repeat.sum() < 2:
            raise DegenerateDataError(
                "fewer than two customers repeat: the Gamma-Gamma model cannot be fitted"
            )
        xr, mr = x[repeat], m[repeat]
        if np.all(mr == mr[0]):
            raise DegenerateDataError(
                "every repeat customer spends the same: the Gamma-Gamma model cannot be fitted"
            )
        (ux, um), counts, _ = compress_rows(xr, mr)
        w = counts.astype(float)
        total = float(w.sum())
        # Work in a money unit where the mean spend is 1, for conditioning; v scales back.
        scale = 1.0 / float(dot(w, um) / total)
        um_s = um * scale
        log_m = np.log(um_s)
        xm = ux * um_s
        xs, k = np.unique(ux, return_inverse=True)
        count_x = np.bincount(k, weights=w, minlength=xs.size)
        log_xs = np.log(xs)
        wx = w * ux
        sum_w_log_m, sum_wx_log_m = dot(w, log_m), dot(wx, log_m)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            p, q, v = np.exp(theta)
            pxs = p * xs
            log_vxm = np.log(v + xm)
            per_x = gammaln(pxs + q) - gammaln(pxs) - gammaln(q) + pxs * log_xs
            value = dot(count_x, per_x) + total * q * np.log(v) + p * sum_wx_log_m - sum_w_log_m
            value -= dot(p * wx + q * w, log_vxm)
            psi = digamma(pxs + q)
            d_p = dot(count_x, xs * (psi - digamma(pxs) + log_xs)) + sum_wx_log_m - dot(wx, log_vxm)
            d_q = dot(count_x, psi - digamma(q)) + total * np.log(v) - dot(w, log_vxm)
            d_v = total * q / v - dot(p * wx + q * w, 1.0 / (v + xm))
            grad = np.array([p * d_p, q * d_q, v * d_v])
            return float(value) / total, grad / total

        theta, mean_ll = maximize_log_likelihood(objective, np.zeros(3), _NAMES, "Gamma-Gamma")
        p, q, v = np.exp(theta)
        self.params_ = {"p": float(p), "q": float(q), "v": float(v / scale)}
        # the density of m_x carries a Jacobian of the money scale: report it in the caller's unit
        self.log_likelihood_ = float(mean_ll * total + np.log(scale) * total)
        return self

    def _parameters(self) -> tuple[float, float, float]:
        params = getattr(self, "params_", None)
        if params is None:
            raise NotAvailableError("the Gamma-Gamma model is not fitted yet; call fit() first")
        return params["p"], params["q"], params["v"]

    def mean_spend(self) -> float:
        """Return the population mean spend per transaction, ``p·v / (q − 1)`` (requires q > 1)."""
        p, q, v = self._parameters()
        if q <= 1.0:
            raise ModelError(f"the mean spend does not exist when q ≤ 1; got q = {q:.4g}")
        return p * v / (q - 1.0)

    def expected_spend(self, frequency: Any, monetary_value: Any) -> np.ndarray | pd.Series:
        """Return the expected value of a customer's future transactions (Fader & Hardie 2013, eq. 5).

        ``E(M | p, q, v, m_x, x) = p·(v + x·m_x) / (p·x + q − 1)``, a weighted average of
        the population mean ``p·v/(q − 1)`` and the customer's own ``m_x``; equal to the
        population mean for customers without repeat purchases.

        Parameters
        ----------
        frequency:
            Repeat purchases ``x`` per customer.
        monetary_value:
            Average value of the repeat purchases (ignored where ``x = 0``).

        Raises
        ------
        ModelError
            ``q ≤ 1``: the expected spend does not exist.
        """
        p, q, v = self._parameters()
        x, m, index = _validate(frequency, monetary_value)
        if q <= 1.0:
            raise ModelError(f"the expected spend does not exist when q ≤ 1; got q = {q:.4g}")
        values = p * (v + x * np.where(x > 0, m, 0.0)) / (p * x + q - 1.0)
        if index is None:
            return values
        return pd.Series(values, index=index, name="expected_spend")
