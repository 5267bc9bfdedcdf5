"""Backtest of the lifetime model: fit on the early periods, predict the last ones, compare.

The analysis is run once on the whole window (its trend gives every customer's contribution
and orders per period, costed as the report costs them). The purchase history is then cut at
the holdout: the model of :mod:`xlprofit.core.lifetime` sees only the purchases and the
contribution of the calibration periods and forecasts each customer's holdout contribution
and orders, undiscounted. Customers whose first purchase falls in the holdout are not
predicted (nothing was known of them) and are left out of both sides; the summary counts them.

A purchase model forecasts from the calibration's behaviour: a customer who starts to
deteriorate inside the holdout (volume falling, service and unpaid invoices rising) is beyond
its sight. The summary therefore also shows the customers the trend flags of the whole window
mark as turning unprofitable, what was predicted and what happened for them, and the error
and rank correlation on the others: where the forecast failed, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from xlprofit.core.aggregate import SALE_DEPTH
from xlprofit.core.dataset import Dataset
from xlprofit.core.lifetime import FIT_CUSTOMERS, lifetime_values, purchase_history
from xlprofit.core.periods import Periods
from xlprofit.errors import InsufficientHistoryError

__all__ = ["MIN_CALIBRATION_PERIODS", "Backtest", "backtest_analysis", "summary_table"]

#: Periods the model needs before the holdout.
MIN_CALIBRATION_PERIODS = 2
_PARTS = ("net_revenue", "gross_margin", "cost_to_serve", "commissions", "cost_of_credit", "bad_debt",
          "contribution", "orders")


@dataclass(frozen=True)
class Backtest:
    """Predicted and actual holdout figures.

    ``customers``: per customer ``predicted_contribution``, ``actual_contribution``,
    ``predicted_orders``, ``actual_orders``. ``summary``: ``predicted`` and ``actual`` (total
    holdout contribution), ``error_pct`` (predicted ÷ actual − 1, a fraction),
    ``rank_correlation`` (Spearman, per customer contribution), the same for orders, the
    periods and the customers counted and left out, and ``flagged``, ``flagged_predicted``,
    ``flagged_actual``, ``error_pct_unflagged`` and ``rank_correlation_unflagged`` for the
    customers the trend flags mark as turning unprofitable and the others.
    """

    customers: pd.DataFrame
    summary: dict[str, Any]


def backtest_analysis(dataset: Dataset, full: Any, holdout_periods: int) -> Backtest:
    """Backtest the lifetime model on an analysis of ``dataset`` (``xlprofit.clv.backtest``).

    ``full`` is the analysis of the whole window (anything with its ``customers``, ``trend``,
    ``activities`` and ``assumptions``).

    Raises
    ------
    InsufficientHistoryError
        When fewer than :data:`MIN_CALIBRATION_PERIODS` periods remain before the holdout.
    """
    params = full.parameters
    per_year = int(params["periods_per_year"])
    whole = Periods(pd.Timestamp(params["period_start"]), pd.Timestamp(params["period_end"]), per_year)
    starts = sorted(pd.to_datetime(full.trend["period_start"]).unique())
    if len(starts) - holdout_periods < MIN_CALIBRATION_PERIODS:
        raise InsufficientHistoryError(
            f"a backtest holding out {holdout_periods} period(s) needs at least "
            f"{holdout_periods + MIN_CALIBRATION_PERIODS} periods; the analysis has {len(starts)}")
    cutoff = pd.Timestamp(starts[len(starts) - holdout_periods])
    calibration = Periods(whole.start, cutoff - pd.Timedelta(days=1), per_year)
    pnl = full.customers
    agg, _ = dataset.lines.summarise(pnl.index, calibration, None, 0, returns=str(params.get("returns", "credit")),
                                     sale_depth=float(params.get("sale_depth", SALE_DEPTH)))
    dataset.lines.release_orders()  # the calibration's orders are not the analysis' orders
    bought = agg.customer.reindex(pnl.index)
    known = bought["purchase_days"].fillna(0).to_numpy() > 0
    known |= (pd.to_datetime(pnl["acquired_on"]) < cutoff).to_numpy()
    trend = full.trend.assign(period_start=pd.to_datetime(full.trend["period_start"]))
    early = trend[trend["period_start"] < cutoff].groupby("customer_id")[list(_PARTS)].sum()
    late = trend[trend["period_start"] >= cutoff].groupby("customer_id")[["contribution", "orders"]].sum()
    early = early.reindex(pnl.index, fill_value=0.0)
    late = late.reindex(pnl.index, fill_value=0.0)

    # the calibration P&L: its cost-to-serve split by level as the whole window's
    cts = [c for c in pnl.columns if c.startswith("cts_")]
    levels = full.activities.set_index("activity")["level"]
    customer_cols = [c for c in cts if levels.get(c[4:]) == "customer"]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (pnl[customer_cols].sum(axis=1) / pnl["cost_to_serve"]).where(pnl["cost_to_serve"] != 0, 0.0)
    cal = pd.DataFrame({
        "segment": pnl["segment"], "acquired_on": pnl["acquired_on"],
        "net_revenue": early["net_revenue"], "gross_margin": early["gross_margin"],
        "commissions": early["commissions"], "cost_of_credit": early["cost_of_credit"],
        "bad_debt": early["bad_debt"], "profit": early["contribution"],
        "cts_order": early["cost_to_serve"] * (1.0 - share), "cts_customer": early["cost_to_serve"] * share,
    }, index=pnl.index)[known]
    end = cutoff
    history = purchase_history(bought["first_purchase"][known], bought["last_purchase"][known],
                               bought["purchase_days"][known].fillna(0), cal["acquired_on"], whole.start, end)
    holdout_weeks = (pd.Timestamp(whole.end) + pd.Timedelta(days=1) - cutoff) / pd.Timedelta(days=7)
    result = lifetime_values(cal, history, pd.Series({"order": "order", "customer": "customer"}),
                             weekly_rate=0.0, horizon_weeks=float(holdout_weeks),
                             first=bought["first_purchase"][known], last=bought["last_purchase"][known],
                             start=whole.start, periods=len(starts) - holdout_periods,
                             period_weeks=52.0 / per_year,
                             fit_customers=int(params.get("clv_fit_customers", FIT_CUSTOMERS)))
    predicted = result.forecast_contribution.sum(axis=1)
    purchases = result.forecast_purchases.sum(axis=1)
    days = history["purchases"]
    orders_per_purchase = (early["orders"][known] / days.where(days > 0)).fillna(1.0)
    table = pd.DataFrame({
        "predicted_contribution": predicted, "actual_contribution": late["contribution"][known],
        "predicted_orders": purchases * orders_per_purchase, "actual_orders": late["orders"][known],
    })
    table.index.name = "customer_id"
    actual = float(table["actual_contribution"].sum())
    total = float(table["predicted_contribution"].sum())
    rho = _rank_correlation(table["predicted_contribution"], table["actual_contribution"])
    rho_orders = _rank_correlation(table["predicted_orders"], table["actual_orders"])
    flagged = (pnl["flagged"].reindex(table.index).fillna(False).astype(bool) if "flagged" in pnl.columns
               else pd.Series(False, index=table.index))
    rest = table[~flagged]
    rest_actual = float(rest["actual_contribution"].sum())
    summary = {
        "predicted": total, "actual": actual, "error_pct": total / actual - 1.0 if actual else float("nan"),
        "rank_correlation": float(rho),
        "predicted_orders": float(table["predicted_orders"].sum()),
        "actual_orders": float(table["actual_orders"].sum()),
        "orders_error_pct": float(table["predicted_orders"].sum() / table["actual_orders"].sum() - 1.0)
        if table["actual_orders"].sum() else float("nan"),
        "orders_rank_correlation": float(rho_orders),
        "calibration": f"{whole.start.date()} … {calibration.end.date()}",
        "holdout": f"{cutoff.date()} … {pd.Timestamp(whole.end).date()}",
        "holdout_periods": holdout_periods, "customers": int(known.sum()),
        "left_out": int((~known).sum()),
        "left_out_contribution": float(late["contribution"][~known].sum()),
        "flagged": int(flagged.sum()),
        "flagged_predicted": float(table["predicted_contribution"][flagged].sum()),
        "flagged_actual": float(table["actual_contribution"][flagged].sum()),
        "error_pct_unflagged": float(rest["predicted_contribution"].sum() / rest_actual - 1.0)
        if rest_actual else float("nan"),
        "rank_correlation_unflagged": _rank_correlation(rest["predicted_contribution"], rest["actual_contribution"]),
    }
    return Backtest(table, summary)


def _rank_correlation(predicted: pd.Series, actual: pd.Series) -> float:
    """Spearman's rho; NaN when either side has no spread (every customer alike)."""
    if len(predicted) < 3 or np.ptp(predicted.to_numpy()) == 0 or np.ptp(actual.to_numpy()) == 0:
        return float("nan")
    return float(spearmanr(predicted, actual).statistic)


#: Rows of :func:`summary_table`: key of ``Backtest.summary``, label, unit.
_SUMMARY_ROWS = (
    ("calibration", "Fitted on", "text"), ("holdout", "Predicted", "text"),
    ("customers", "Customers predicted", "count"),
    ("predicted", "Predicted contribution", "money"), ("actual", "Actual contribution", "money"),
    ("error_pct", "Error (predicted ÷ actual − 1)", "percent"),
    ("rank_correlation", "Rank correlation per customer (Spearman)", "number"),
    ("predicted_orders", "Predicted orders", "number"), ("actual_orders", "Actual orders", "number"),
    ("orders_error_pct", "Orders error", "percent"),
    ("left_out", "Customers new in the holdout (not predicted)", "count"),
    ("left_out_contribution", "Their contribution", "money"),
    ("flagged", "Customers the trend flags mark as turning unprofitable", "count"),
    ("flagged_predicted", "Their predicted contribution", "money"),
    ("flagged_actual", "Their actual contribution", "money"),
    ("error_pct_unflagged", "Error without them", "percent"),
    ("rank_correlation_unflagged", "Rank correlation without them", "number"),
)


def summary_table(result: Backtest) -> pd.DataFrame:
    """The summary as rows ``measure, value, unit`` (the CLV sheet's backtest table)."""
    rows = [(label, result.summary[key], unit) for key, label, unit in _SUMMARY_ROWS]
    return pd.DataFrame(rows, columns=["measure", "value", "unit"])
