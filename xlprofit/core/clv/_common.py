"""Shared helpers of the CLV models: argument checks and the maximum-likelihood driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from xlprofit.errors import ArgumentError, ConvergenceError, DegenerateDataError

#: Log-parameters are kept inside this box so that no parameter can overflow.
LOG_PARAM_BOUND = 25.0
#: A fitted log-parameter this close to the box means the data do not identify the model.
_BOUND_MARGIN = 1e-3
#: Largest gradient (of the mean log-likelihood, per log-parameter) accepted at a maximum.
_GRADIENT_TOLERANCE = 1e-6


def as_float_array(value: Any, argument: str) -> np.ndarray:
    """Return ``value`` as a float array, raising :class:`ArgumentError` if it is not numeric."""
    if isinstance(value, pd.DataFrame):
        raise ArgumentError(argument, "a table", "a number or a one-dimensional list of numbers")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(argument, value, "a number or a list of numbers") from None
    if np.isnan(array).any():
        raise ArgumentError(argument, value, "free of blanks and NaN")
    return array


def check_finite(array: np.ndarray, argument: str, value: Any) -> None:
    """Raise :class:`ArgumentError` unless every element is finite."""
    if not np.isfinite(array).all():
        raise ArgumentError(argument, value, "finite")


def check_range(
    array: np.ndarray,
    argument: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise :class:`ArgumentError` unless ``low <= array <= high`` (or strict where open)."""
    if low is not None:
        bad = array <= low if low_open else array < low
        if bad.any():
            text = f"greater than {low:g}" if low_open else f"at least {low:g}"
            raise ArgumentError(argument, _first(array, bad, value), text)
    if high is not None:
        bad = array >= high if high_open else array > high
        if bad.any():
            text = f"less than {high:g}" if high_open else f"at most {high:g}"
            raise ArgumentError(argument, _first(array, bad, value), text)


def _first(array: np.ndarray, bad: np.ndarray, value: Any) -> Any:
    if array.ndim == 0:
        return value
    return array[bad].flat[0]


def dot(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Inner product over the last axis of ``left`` with the vector ``right``.

    Written with ``einsum`` rather than ``@``: for long vectors ``@`` goes to a threaded
    BLAS, which is slower than a plain loop for a vector dot product and much slower on a
    busy machine.
    """
    return np.einsum("...i,i->...", left, right)


def scalar_or_array(result: np.ndarray) -> float | np.ndarray:
    """Return a Python float for a 0-d result, the array otherwise."""
    if np.ndim(result) == 0:
        return float(result)
    return result


def customer_arrays(names: Sequence[str], values: Sequence[Any]) -> tuple[list[np.ndarray], pd.Index | None]:
    """Convert same-length per-customer inputs to 1-d float arrays.

    Returns the arrays and the index of the first pandas Series among the inputs
    (so that results can be labelled by customer), or ``None``.
    """
    arrays: list[np.ndarray] = []
    index: pd.Index | None = None
    for name, value in zip(names, values, strict=True):
        if index is None and isinstance(value, pd.Series):
            index = value.index
        array = np.atleast_1d(as_float_array(value, name))
        if array.ndim != 1:
            raise ArgumentError(name, f"an array of shape {array.shape}", "one-dimensional")
        check_finite(array, name, value)
        arrays.append(array)
    sizes = {a.size for a in arrays}
    if len(sizes) > 1:
        joined = ", ".join(f"{n}={a.size}" for n, a in zip(names, arrays, strict=True))
        raise ArgumentError(names[0], joined, "of the same length as the other per-customer inputs")
    return arrays, index


def compress_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Collapse identical rows of the given columns.

    Returns the unique rows (one array per column), the count of each unique row
    and, for every original row, the position of its unique row.
    """
    n = columns[0].size
    if n == 0:
        return [c.copy() for c in columns], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort(columns[::-1])
    sorted_cols = [c[order] for c in columns]
    new = np.ones(n, dtype=bool)
    same = np.ones(n - 1, dtype=bool)
    for c in sorted_cols:
        same &= c[1:] == c[:-1]
    new[1:] = ~same
    group = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, n))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    return [c[starts] for c in sorted_cols], counts, inverse


def maximize_log_likelihood(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    names: Sequence[str],
    model: str,
) -> tuple[np.ndarray, float]:
    """Maximise a log-likelihood over log-parameters.

    Parameters
    ----------
    objective:
        Maps log-parameters to ``(mean log-likelihood, gradient w.r.t. log-parameters)``;
        the mean (not the sum) keeps the scale independent of the number of customers.
    start:
        Starting log-parameters.
    names:
        Parameter names, for error messages.
    model:
        Model name, for error messages.

    Returns
    -------
    (log_params, mean_log_likelihood)

    Notes
    -----
    L-BFGS-B (quasi-Newton with the analytic gradient) does the bulk of the work; a few
    Newton steps with a Hessian differenced from the analytic gradient then polish the
    optimum to close to machine precision, so results do not depend on the optimiser's
    stopping rule. Raises :class:`ConvergenceError` when no maximum is found and
    :class:`DegenerateDataError` when a parameter runs off to zero or infinity.
    """

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = objective(theta)
        if not np.isfinite(value) or not np.isfinite(gradient).all():
            return 1e300, np.zeros_like(theta)
        return -value, -gradient

    bounds = [(-LOG_PARAM_BOUND, LOG_PARAM_BOUND)] * len(start)
    result = minimize(
        negative,
        np.asarray(start, dtype=float),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
    )
    theta = np.asarray(result.x, dtype=float)
    value, gradient = objective(theta)
    if not np.isfinite(value):
        raise ConvergenceError(f"the {model} fit found no finite likelihood; check the data")
    _check_bounds(theta, names, model)
    theta, value, gradient = _newton_polish(objective, theta, value, gradient)
    _check_bounds(theta, names, model)
    if np.max(np.abs(gradient)) > _GRADIENT_TOLERANCE:
        raise ConvergenceError(
            f"the {model} fit did not converge (largest gradient {np.max(np.abs(gradient)):.2g}); "
            "the data may not identify the model"
        )
    return theta, value


def _check_bounds(theta: np.ndarray, names: Sequence[str], model: str) -> None:
    at_bound = np.abs(theta) > LOG_PARAM_BOUND - _BOUND_MARGIN
    if at_bound.any():
        name = names[int(np.flatnonzero(at_bound)[0])]
        direction = "infinity" if theta[at_bound][0] > 0 else "zero"
        raise DegenerateDataError(
            f"the {model} fit drove parameter '{name}' towards {direction}: "
            "the data cannot identify the model"
        )


def _newton_polish(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta: np.ndarray,
    value: float,
    gradient: np.ndarray,
    iterations: int = 8,
) -> tuple[np.ndarray, float, np.ndarray]:
    k = theta.size
    for _ in range(iterations):
        if np.max(np.abs(gradient)) < 1e-13:
            break
        step = 1e-5
        hessian = np.empty((k, k))
        for j in range(k):
            e = np.zeros(k)
            e[j] = step
            hessian[:, j] = (objective(theta + e)[1] - objective(theta - e)[1]) / (2 * step)
        hessian = 0.5 * (hessian + hessian.T)
        try:
            direction = np.linalg.solve(hessian, -gradient)
        except np.linalg.LinAlgError:
            break
        if not np.isfinite(direction).all() or dot(gradient, direction) <= 0:
            # not an ascent direction: the Hessian is not negative definite here
            break
        accepted = False
        scale = 1.0
        for _ in range(20):
            trial = np.clip(theta + scale * direction, -LOG_PARAM_BOUND, LOG_PARAM_BOUND)
            trial_value, trial_gradient = objective(trial)
            if np.isfinite(trial_value) and trial_value >= value - 1e-15 * abs(value):
                accepted = True
                break
            scale /= 2
        if not accepted:
            break
        if np.max(np.abs(trial - theta)) < 1e-15:
            theta, value, gradient = trial, trial_value, trial_gradient
            break
        theta, value, gradient = trial, trial_value, trial_gradient
    return theta, value, gradient


def fit_weights(weights: Any, size: int) -> np.ndarray:
    """Per-row weights of a fit: ones when ``None``, else finite, ≥ 0 and one per row.

    A weight is how many customers a row stands for (the count of a pattern in an aggregated
    dataset such as Hardie's); a fractional weight is allowed (a sample weight).
    """
    if weights is None:
        return np.ones(size)
    array = np.atleast_1d(as_float_array(weights, "weights"))
    if array.ndim != 1 or array.size != size:
        raise ArgumentError("weights", f"{array.size} values", f"one per row ({size})")
    check_finite(array, "weights", weights)
    if (array < 0).any():
        raise ArgumentError("weights", array[array < 0][0], "at least 0")
    if not (array > 0).any():
        raise ArgumentError("weights", "all 0", "positive for at least one row")
    return array


def standard_errors(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta: np.ndarray,
    total: float,
    scale: np.ndarray | None = None,
) -> np.ndarray:
    """Asymptotic standard errors of ``exp(theta)`` from the observed information.

    ``objective`` is the one given to :func:`maximize_log_likelihood` (mean log-likelihood
    over ``total`` customers and its gradient in log-parameters). The Hessian of the total
    log-likelihood is differenced from the analytic gradient; the covariance of ``theta`` is
    its negative inverse, and the delta method gives ``se(exp θ) = exp(θ)·se(θ)``. ``scale``
    divides each parameter as the fit does when it reports it (a rate in the caller's time
    unit). NaN where the information matrix is not negative definite (a flat likelihood).
    """
    k = theta.size
    step = 1e-5
    hessian = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        hessian[:, j] = (objective(theta + e)[1] - objective(theta - e)[1]) / (2 * step)
    hessian = 0.5 * (hessian + hessian.T) * total
    try:
        covariance = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    variance = np.diag(covariance)
    if not np.isfinite(variance).all() or (variance <= 0).any():
        return np.full(k, np.nan)
    values = np.exp(theta) / (1.0 if scale is None else scale)
    return values * np.sqrt(variance)


def validate_rfm(
    frequency: Any, recency: Any, T: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index | None]:
    """Check frequency, recency and T of the continuous-time models; return them as float arrays.

    Also returns the index of the first pandas Series among them (or ``None``).
    """
    (x, t_x, t_cal), index = customer_arrays(("frequency", "recency", "T"), (frequency, recency, T))
    if (x < 0).any() or (x != np.round(x)).any():
        raise ArgumentError(
            "frequency", x[(x < 0) | (x != np.round(x))][0], "a whole number of repeat purchases ≥ 0"
        )
    if (t_x < 0).any():
        raise ArgumentError("recency", t_x[t_x < 0][0], "at least 0")
    if (t_cal < 0).any():
        raise ArgumentError("T", t_cal[t_cal < 0][0], "at least 0")
    # T = 0: first seen at the very end of the observation. Such a customer adds nothing to the
    # likelihood (ln(alpha/(alpha + 0)) = 0) and is forecast as a new customer; a repeat
    # purchase needs time after the first one.
    bad = (t_cal == 0) & (x > 0)
    if bad.any():
        raise ArgumentError("T", t_cal[bad][0], "greater than 0 for a customer with repeat purchases")
    bad = t_x > t_cal * (1 + 1e-12)
    if bad.any():
        raise ArgumentError("recency", t_x[bad][0], "at most T (the last purchase cannot follow the end)")
    bad = (x == 0) & (t_x != 0)
    if bad.any():
        raise ArgumentError("recency", t_x[bad][0], "0 for a customer without repeat purchases")
    return x, t_x, t_cal, index


def labelled(values: np.ndarray, index: pd.Index | None, name: str) -> np.ndarray | pd.Series:
    """``values`` as a Series named ``name`` on ``index``, or as they are without an index."""
    if index is None:
        return values
    return pd.Series(values, index=index, name=name)
