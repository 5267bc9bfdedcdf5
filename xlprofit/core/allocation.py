"""Largest-remainder (Hamilton) allocation in whole cents: every split adds up to its total.

Costs are split over customers, customers' amounts over periods, orders and products, and a
customer's P&L over its products, always in integer cents: each part gets the whole cents of
its quota and the cents left over go one each to the largest remainders, ties broken by
larger weight, then by key, then by position, so that results never depend on row order.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from xlprofit.core.arguments import argument_cents, as_numbers, check_at_least
from xlprofit.core.money import round_half_away
from xlprofit.errors import ArgumentError, DivisionByZeroError

__all__ = ["allocate", "allocate_cents", "allocate_within", "round_to_totals", "hamilton", "largest_first",
           "stable_sum", "key_ranks"]

#: Whole numbers below this are exact in float64.
_EXACT_INT = 2**53


def stable_sum(values: np.ndarray) -> float:
    """Sum that does not depend on the order of ``values`` (sums the sorted values)."""
    return float(np.sum(np.sort(np.asarray(values, dtype=float))))


def key_ranks(argument: str, keys: Any, size: int) -> np.ndarray:
    """Ranks (0 = smallest) of ``keys`` in sorted order; equal keys get equal ranks."""
    array = np.asarray(keys)
    if array.ndim != 1 or array.shape[0] != size:
        raise ArgumentError(argument, keys, f"a one-dimensional array with one key per weight ({size})")
    try:
        return np.unique(array, return_inverse=True)[1].astype(np.int64)
    except TypeError:
        return np.unique(array.astype(str), return_inverse=True)[1].astype(np.int64)


# --------------------------------------------------------------------------------------------
# Largest-remainder allocation


def hamilton(
    totals_cents: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    keys: np.ndarray | None = None,
) -> np.ndarray:
    """Split ``totals_cents[g]`` over the weights of group ``g``, largest remainder first.

    Each element ``i`` belongs to group ``groups[i]``; weights are finite and non-negative.
    Within a group, the quota of element ``i`` is ``|total| × w_i / Σ w``; every element gets
    the whole cents of its quota, and the cents left over go one each to the largest
    fractional remainders.  Equal remainders are ordered by larger weight, then by smaller
    key, then by position.  A negative total is split like its absolute value and negated.
    Elements with zero weight always get 0.  A group with weight 0 must have total 0.
    """
    totals_cents = np.asarray(totals_cents, dtype=np.int64)
    weights = np.asarray(weights, dtype=float)
    groups = np.asarray(groups, dtype=np.intp)
    out = np.zeros(weights.shape[0], dtype=np.int64)
    n_groups = totals_cents.shape[0]
    magnitude = np.abs(totals_cents)
    sign = np.sign(totals_cents)

    index = np.flatnonzero(weights > 0)
    w = weights[index]
    g = groups[index]
    k = np.zeros(index.shape[0], dtype=np.int64) if keys is None else np.asarray(keys, dtype=np.int64)[index]
    count = np.bincount(g, minlength=n_groups).astype(np.int64)
    if np.any((count == 0) & (magnitude != 0)):
        raise DivisionByZeroError("an amount cannot be allocated over weights that sum to zero")
    if index.size == 0:
        return out

    integral = bool(np.all(w == np.floor(w))) and float(w.max()) * index.size < _EXACT_INT
    if integral:
        w_int = w.astype(np.int64)
        # Whole weights below 2**53 in total: bincount's float64 sums are exact.
        total_weight = np.bincount(g, weights=w, minlength=n_groups).astype(np.int64)
        integral = float(np.max(magnitude.astype(float) * total_weight.astype(float))) < 2.0**62
    if integral:
        # Exact rational arithmetic: quota = magnitude × w / W as integer quotient and remainder.
        numerator = magnitude[g] * w_int
        base = numerator // total_weight[g]
        remainder: np.ndarray = numerator % total_weight[g]
    else:
        # Group totals summed in sorted order, so that they do not depend on the row order.
        order = np.lexsort((w, g))
        starts = np.flatnonzero(np.r_[True, g[order][1:] != g[order][:-1]])
        total_weight_f = np.zeros(n_groups, dtype=float)
        total_weight_f[g[order][starts]] = np.add.reduceat(w[order], starts)
        quota = magnitude[g].astype(float) * w / total_weight_f[g]
        floor = np.floor(quota)
        base = floor.astype(np.int64)
        remainder = quota - floor

    # Whole cents below 2**53 per group: bincount's float64 sums are exact.
    given = np.bincount(g, weights=base, minlength=n_groups).astype(np.int64)
    # Whole rounds for every member, then one more cent to the first `extra` of each group.
    # (Float quotas may overshoot by a cent in pathological cases; floor division handles a
    # negative leftover by taking the cent from the smallest remainders.)
    rounds, extra = np.divmod(magnitude - given, np.maximum(count, 1))
    order = largest_first(g, remainder, w, k, cut=extra)
    sorted_groups = g[order]
    rank = np.arange(order.shape[0]) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    bonus = np.empty(order.shape[0], dtype=np.int64)
    bonus[order] = rounds[sorted_groups] + (rank < extra[sorted_groups])
    out[index] = (base + bonus) * sign[g]
    return out


def largest_first(groups: np.ndarray, remainder: np.ndarray, weights: np.ndarray, keys: np.ndarray,
                  cut: np.ndarray | None = None) -> np.ndarray:
    """Order of the elements by group, then larger remainder, larger weight, smaller key, position.

    The same order as ``np.lexsort((positions, keys, -weights, -remainder, groups))``, a few
    times faster on millions of elements: one sort by group and remainder (packed into one
    integer when the remainders are whole numbers), and the full comparison, position last,
    only within the runs of equal group and remainder (so the first sort need not be stable).

    With ``cut`` (per group: how many of its first elements are taken), only which elements
    come first matters: a run of equal group and remainder is put in full order only where the
    cut falls inside it; elsewhere its members keep the first sort's order, which takes the same
    elements. Tied remainders are common (equal weights in a group), and those runs are most
    of the sorting.
    """
    n = groups.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    g = groups.astype(np.int64)
    primary = None
    if remainder.dtype.kind in "iu":
        r_max = int(remainder.max())
        r_bits = max(r_max.bit_length(), 1)
        if int(g.max()).bit_length() + r_bits <= 62:
            primary = (g << r_bits) | (r_max - remainder.astype(np.int64))
    if primary is not None:
        order = np.argsort(primary)
        ranked = primary[order]
        same = ranked[1:] == ranked[:-1]
    else:
        order = np.lexsort((-remainder, g))
        rg, rr = g[order], remainder[order]
        same = (rg[1:] == rg[:-1]) & (rr[1:] == rr[:-1])
    if same.any():
        tied = np.zeros(n, dtype=bool)
        tied[1:] |= same
        tied[:-1] |= same
        run = np.cumsum(np.concatenate([[True], ~same]))  # run number of each sorted position
        if cut is not None:
            sorted_groups = g[order]
            rank = np.arange(n) - np.searchsorted(sorted_groups, sorted_groups, side="left")
            taken = rank < np.asarray(cut, dtype=np.int64)[sorted_groups]
            # a run the cut splits has a taken member followed by one not taken
            split = np.zeros(int(run[-1]) + 1, dtype=bool)
            split[run[1:][same & taken[:-1] & ~taken[1:]]] = True
            tied &= split[run]
        at = np.flatnonzero(tied)
        members = order[at]
        order[at] = members[np.lexsort((members, keys[members], -weights[members], run[at]))]
    return order


def allocate_within(totals_cents: Any, weights: Any, groups: Any, keys: Any = None) -> np.ndarray:
    """Split each group's whole cents over its members' weights, by largest remainder.

    :func:`allocate_cents` for many groups at once: member ``i`` of group ``groups[i]`` gets
    its share of ``totals_cents[groups[i]]`` in proportion to ``weights[i]``; each group's
    shares add up to its total exactly. A negative total is split like its absolute value
    and negated; members with zero weight get 0.

    Parameters
    ----------
    totals_cents:
        Whole cents per group (``int64``).
    weights:
        Non-negative finite weights, one per member.
    groups:
        The group number of each member, ``0 … len(totals_cents) - 1``.
    keys:
        Optional whole numbers breaking exact ties (smaller first), one per member.

    Raises
    ------
    ArgumentError
        When a weight is negative or not finite, or the lengths differ.
    DivisionByZeroError
        When a group with a non-zero total has no member of positive weight.
    """
    totals = np.asarray(totals_cents, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    g = np.asarray(groups, dtype=np.intp)
    if w.shape != g.shape or (keys is not None and np.shape(keys) != w.shape):
        raise ArgumentError("weights", w.shape, f"one weight, group and key per member ({g.shape[0]})")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ArgumentError("weights", w[~np.isfinite(w) | (w < 0)][0], "finite, non-negative weights")
    if len(g) and (g.min() < 0 or g.max() >= totals.shape[0]):
        raise ArgumentError("groups", int(g.max()), f"group numbers 0 … {totals.shape[0] - 1}")
    return hamilton(totals, w, g, None if keys is None else np.asarray(keys, dtype=np.int64))


def allocate_cents(total_cents: int, weights: Any, keys: Any = None) -> np.ndarray:
    """Split a whole number of cents in proportion to weights, parts summing exactly to it.

    Uses the largest-remainder (Hamilton) method: every part gets the whole cents of its
    exact share ``total_cents × w_i / Σ w``, and the cents left over go, one each, to the
    parts with the largest fractional remainders.  Each part is therefore within one cent
    of its exact share, and the parts sum to ``total_cents``.

    Parameters
    ----------
    total_cents:
        The amount to split, in cents (an integer; negative for a credit, which is split
        like its absolute value and negated).
    weights:
        One non-negative, finite weight per part (e.g. each customer's driver volume).
    keys:
        Optional ids, one per weight (e.g. customer ids), used to break exact ties.

    Returns
    -------
    numpy.ndarray of int64
        The parts, in cents, in the order of ``weights``.

    Raises
    ------
    ArgumentError
        When ``total_cents`` is not a whole number, a weight is negative or not finite, or
        ``keys`` does not hold one key per weight.
    DivisionByZeroError
        When the weights sum to zero (nothing to allocate over).

    Notes
    -----
    Ties between equal remainders are broken by the larger weight, then by the smaller key
    (when ``keys`` are given), then by position.  With ``keys``, permuting the inputs
    permutes the result exactly; without them, only parts with exactly equal weights (and
    remainders) can trade the odd cent when the order changes.  Weights that are whole
    numbers are handled in exact integer arithmetic; other weights in double precision.

    Examples
    --------
    >>> allocate_cents(100, [1, 1, 1]).tolist()
    [34, 33, 33]
    """
    if isinstance(total_cents, bool | np.bool_) or not isinstance(total_cents, numbers.Real):
        raise ArgumentError("total_cents", total_cents, "a whole number of cents")
    if not np.isfinite(float(total_cents)) or float(total_cents) != int(total_cents):
        raise ArgumentError("total_cents", total_cents, "a whole number of cents")
    if abs(int(total_cents)) >= _EXACT_INT:
        raise ArgumentError("total_cents", total_cents, f"smaller than {_EXACT_INT:,} in absolute value")
    weights_array, _ = as_numbers("weights", weights)
    if weights_array.ndim != 1:
        raise ArgumentError("weights", weights, "a one-dimensional list of numbers")
    check_at_least("weights", weights_array, 0.0, "non-negative")
    ranks = None if keys is None else key_ranks("keys", keys, weights_array.shape[0])
    if not np.any(weights_array > 0):
        raise DivisionByZeroError(
            f"'weights' sum to zero; {int(total_cents)} cents cannot be allocated over them"
        )
    return hamilton(
        np.array([int(total_cents)], dtype=np.int64),
        weights_array,
        np.zeros(weights_array.shape[0], dtype=np.intp),
        ranks,
    )


def allocate(amount: float, weights: Any, keys: Any = None) -> np.ndarray:
    """Split an amount of money in proportion to weights, exact to the cent.

    ``amount`` is first rounded to the cent (halves away from zero), then split with
    :func:`allocate_cents`.

    Parameters
    ----------
    amount:
        Money in the reporting currency; negative for a credit.
    weights:
        One non-negative, finite weight per part.
    keys:
        Optional ids, one per weight, used to break exact ties (see :func:`allocate_cents`).

    Returns
    -------
    numpy.ndarray of float
        The parts in currency units, each a whole number of cents; they sum to the rounded
        amount.

    Raises
    ------
    ArgumentError
        When ``amount`` is not a finite number, or the weights or keys are invalid.
    DivisionByZeroError
        When the weights sum to zero.

    Examples
    --------
    >>> allocate(10.0, [1, 2]).tolist()
    [3.33, 6.67]
    """
    cents = argument_cents("amount", amount)
    if cents.ndim != 0:
        raise ArgumentError("amount", amount, "a single number")
    return allocate_cents(int(cents), weights, keys) / 100.0


def round_to_totals(amounts_cents: Any, groups: Any, totals_cents: Any, keys: Any = None, *,
                    weights: Any = None) -> np.ndarray:
    """Round exact amounts to whole cents so that each group's amounts add up to its total.

    The largest-remainder method of :func:`allocate_cents` for many groups at once (one
    vectorised pass, no loop over the groups), for amounts of either sign. Within a group,
    the positive amounts share the whole cents of their sum (rounded half away from zero)
    and the negative amounts the rest of the group's total, each side in proportion to the
    amounts, by largest remainder. When each total is the rounded sum of its group's
    amounts, every part is within two cents of its amount (within one and a half when the
    group's amounts share a sign).

    Parameters
    ----------
    amounts_cents:
        The exact amounts, in cents (floats, finite, either sign), e.g. a customer's
        commission in each period before rounding.
    groups:
        One group number per amount, ``0 … len(totals_cents) - 1`` (e.g. the customer).
    totals_cents:
        Whole cents that each group's rounded amounts must add up to (e.g. the customer's
        commission in the customer P&L).
    keys:
        Optional whole numbers, one per amount (e.g. the period's number), used to break
        exact ties as in :func:`allocate_cents`.
    weights:
        Optional whole numbers proportional to the amounts within each group, with their
        signs (e.g. the period's net revenue in cents when the amounts are a customer's rate
        of it). The split is then made on them in exact integer arithmetic (and a few times
        faster); the amounts only set how the total is shared between the two signs.

    Returns
    -------
    numpy.ndarray of int64
        The rounded amounts, in cents, in the order of ``amounts_cents``; summed by group
        they equal ``totals_cents`` exactly.

    Raises
    ------
    ArgumentError
        When an amount is not finite, a group number is out of range, the lengths differ,
        or a weight has the other sign than its amount.
    DivisionByZeroError
        When a group whose amounts are all 0 has a total other than 0.

    Examples
    --------
    >>> round_to_totals([33.4, 33.4, 33.4, 50.4, -20.2], [0, 0, 0, 1, 1], [100, 30]).tolist()
    [34, 33, 33, 50, -20]
    """
    amounts, _ = as_numbers("amounts_cents", amounts_cents)
    totals = np.asarray(totals_cents)
    if totals.ndim != 1 or (totals.size and not np.issubdtype(totals.dtype, np.integer)):
        raise ArgumentError("totals_cents", totals_cents, "a one-dimensional array of whole cents")
    group = np.asarray(groups)
    if amounts.ndim != 1 or group.shape != amounts.shape:
        raise ArgumentError("groups", groups, f"one group number per amount ({amounts.size})")
    if group.size and (not np.issubdtype(group.dtype, np.integer) or group.min() < 0
                       or group.max() >= totals.shape[0]):
        raise ArgumentError("groups", groups, f"whole numbers from 0 to {totals.shape[0] - 1}")
    ranks = None if keys is None else np.asarray(keys, dtype=np.int64)
    if ranks is not None and ranks.shape != amounts.shape:
        raise ArgumentError("keys", keys, f"one key per amount ({amounts.size})")
    if weights is not None:
        split, _ = as_numbers("weights", weights)
        if split.shape != amounts.shape:
            raise ArgumentError("weights", weights, f"one weight per amount ({amounts.size})")
        other_sign = np.sign(split) * np.sign(amounts) < 0
        if other_sign.any():
            raise ArgumentError("weights", split[other_sign].flat[0], "of the same sign as its amount")
    n_groups = totals.shape[0]
    totals = totals.astype(np.int64)
    group = group.astype(np.intp, copy=False)
    negative = amounts < 0
    positive_sum = np.bincount(group, weights=np.where(negative, 0.0, amounts), minlength=n_groups)
    has_positive = np.bincount(group, weights=amounts > 0, minlength=n_groups) > 0
    has_negative = np.bincount(group, weights=negative, minlength=n_groups) > 0
    # Each group becomes two: its positive amounts (2g) and its negative amounts (2g + 1).
    positive_total = np.where(has_negative, round_half_away(positive_sum).astype(np.int64), totals)
    positive_total[~has_positive] = 0
    halves = np.empty(2 * n_groups, dtype=np.int64)
    halves[0::2] = positive_total
    halves[1::2] = totals - positive_total
    return hamilton(halves, np.abs(amounts if weights is None else split), 2 * group + negative, ranks)
