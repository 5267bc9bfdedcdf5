"""Customer lifetime value: the models, the lifetime pipeline of the report, and its backtest.

``xlprofit.clv.backtest(dataset, holdout_periods=4)`` fits the lifetime model on the periods
before the holdout and compares its forecast of each customer's holdout contribution and
orders with what happened. The models themselves (BG/NBD, MBG/NBD, Pareto/NBD and the
left-truncated forms of BG/NBD and Pareto/NBD, BG/BB, Gamma-Gamma, sBG, the closed forms) and
the calibration/holdout comparison of purchase models on a ledger are those of
:mod:`xlprofit.core.clv`.
"""

from __future__ import annotations

from typing import Any

from xlprofit.core.analysis import analyze
from xlprofit.core.backtest import Backtest, backtest_analysis
from xlprofit.core.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
    calibration_holdout,
    clv_cashflows,
    compare_models,
    customer_clv,
    rfm,
    simple_clv,
)
from xlprofit.core.clv.truncated import TruncatedBetaGeo, TruncatedParetoNBD
from xlprofit.core.dataset import Dataset
from xlprofit.core.lifetime import Lifetime, lifetime_values, purchase_history
from xlprofit.errors import ArgumentError

__all__ = [
    "Backtest",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "GammaGamma",
    "Lifetime",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "TruncatedBetaGeo",
    "TruncatedParetoNBD",
    "backtest",
    "calibration_holdout",
    "clv_cashflows",
    "compare_models",
    "customer_clv",
    "lifetime_values",
    "purchase_history",
    "rfm",
    "simple_clv",
]


def backtest(dataset: Dataset, holdout_periods: int = 4, **overrides: Any) -> Backtest:
    """Fit on the periods before the last ``holdout_periods``, predict those, and compare.

    Parameters
    ----------
    dataset:
        The input tables.
    holdout_periods:
        Periods held out at the end of the analysis window (at least 1).
    **overrides:
        Parameters of :func:`xlprofit.analyze` (``period_start=…``, ``periods_per_year=…``).

    Returns
    -------
    Backtest
        ``customers``: predicted and actual holdout contribution and orders per customer;
        ``summary``: ``predicted``, ``actual``, ``error_pct`` (predicted ÷ actual − 1, a
        fraction), ``rank_correlation`` (Spearman) and the same for orders.

    Raises
    ------
    InsufficientHistoryError
        When fewer than two periods remain before the holdout.
    """
    if isinstance(holdout_periods, bool) or not isinstance(holdout_periods, int) or holdout_periods < 1:
        raise ArgumentError("holdout_periods", holdout_periods, "a whole number of periods, at least 1")
    return backtest_analysis(dataset, analyze(dataset, **overrides), holdout_periods)
