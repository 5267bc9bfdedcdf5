"""Calibration and holdout: fit purchase models on a ledger's early part, compare on the rest.

This is how the purchase models are judged in the literature (Fader, Hardie & Lee 2005 fit
CDNOW on 39 weeks and track the next 39): a model that fits the calibration purchases well
can still forecast badly, and a forecast is what a lifetime value is made of.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from xlprofit.errors import ArgumentError, XlprofitError

from .rfm import observation_day, period_length, rfm

__all__ = ["HOLDOUT_COLUMNS", "calibration_holdout", "compare_models"]

#: Columns of :func:`calibration_holdout` besides the calibration RFM summary's.
HOLDOUT_COLUMNS = ["holdout_purchases", "holdout_length"]


class _PurchaseModel(Protocol):
    params_: dict[str, float]
    log_likelihood_: float

    def fit(self, frequency: Any, recency: Any, T: Any) -> Any: ...

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any: ...


def calibration_holdout(transactions: pd.DataFrame, *, calibration_end: Any, observation_end: Any,
                        period: Any = "week", value_column: str = "net_revenue") -> pd.DataFrame:
    """Split invoice lines at ``calibration_end`` into an RFM summary and the holdout's purchases.

    Parameters
    ----------
    transactions:
        Invoice lines with ``customer_id``, ``date`` and the value column.
    calibration_end, observation_end:
        Last day of the calibration and of the holdout, inclusive
        (``calibration_end < observation_end``).
    period:
        Time unit of recency, T and the holdout's length (``"day"``, ``"week"`` or a
        ``pd.Timedelta``), as in :func:`~xlprofit.core.clv.rfm.rfm`.
    value_column:
        Column summed into the value of a purchase.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase in the calibration: its RFM summary
        (``frequency``, ``recency``, ``T``, ``monetary_value``), ``holdout_purchases`` (purchase
        days in the holdout) and ``holdout_length`` (in periods). Customers whose first
        purchase falls in the holdout are not in it: nothing was known of them at the split;
        ``attrs["new_in_holdout"]`` counts them.
    """
    cal_end = observation_day(calibration_end, "calibration_end")
    end = observation_day(observation_end)
    if end <= cal_end:
        raise ArgumentError("observation_end", end.date(), f"after calibration_end ({cal_end.date()})")
    summary = rfm(transactions, observation_end=cal_end, period=period, value_column=value_column)
    days = pd.to_datetime(transactions["date"], errors="coerce").dt.normalize()
    late = (days > cal_end) & (days <= end)
    pairs = pd.DataFrame({"customer_id": transactions["customer_id"][late], "day": days[late]}).drop_duplicates()
    counts = pairs.groupby("customer_id").size()
    summary["holdout_purchases"] = counts.reindex(summary.index, fill_value=0).astype("int64")
    summary["holdout_length"] = (end - cal_end) / period_length(period)
    summary.attrs["new_in_holdout"] = int((~counts.index.isin(summary.index)).sum())
    return summary


def compare_models(split: pd.DataFrame, models: Mapping[str, _PurchaseModel] | None = None) -> pd.DataFrame:
    """Fit each model on the calibration and compare forecasts of the holdout's purchases.

    Parameters
    ----------
    split:
        :func:`calibration_holdout`'s table (or any table with ``frequency``, ``recency``,
        ``T``, ``holdout_purchases`` and ``holdout_length``).
    models:
        Unfitted models by name; BG/NBD, MBG/NBD and Pareto/NBD by default.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``parameters`` (count), ``log_likelihood``, ``aic``,
        ``predicted`` and ``actual`` holdout purchases in total, ``error_pct``
        (predicted ÷ actual − 1), ``mae`` (mean absolute error per customer),
        ``rank_correlation`` (Spearman, per customer), ``chosen`` (the lowest ``mae``: the
        model whose customer-by-customer forecast was best) and ``note`` (why a model
        could not be fitted). Sorted best first.
    """
    required = ["frequency", "recency", "T", "holdout_purchases", "holdout_length"]
    missing = [c for c in required if c not in split.columns]
    if missing:
        raise ArgumentError("split", ", ".join(missing), "the columns of calibration_holdout()")
    if models is None:
        models = _default_models()
    x, t_x, T = (split[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    actual = split["holdout_purchases"].to_numpy(dtype=float)
    length = split["holdout_length"].to_numpy(dtype=float)
    rows: list[dict[str, Any]] = []
    for name, model in models.items():
        try:
            model.fit(x, t_x, T)
            predicted = np.asarray(model.expected_purchases(length, x, t_x, T), dtype=float)
        except XlprofitError as exc:
            rows.append({"model": name, "note": str(exc)})
            continue
        k = len(model.params_)
        rho = spearmanr(predicted, actual).statistic if np.ptp(actual) > 0 and np.ptp(predicted) > 0 else np.nan
        rows.append({
            "model": name, "parameters": k, "log_likelihood": model.log_likelihood_,
            "aic": 2.0 * k - 2.0 * model.log_likelihood_, "predicted": float(predicted.sum()),
            "actual": float(actual.sum()),
            "error_pct": float(predicted.sum() / actual.sum() - 1.0) if actual.sum() else np.nan,
            "mae": float(np.mean(np.abs(predicted - actual))), "rank_correlation": float(rho), "note": "",
        })
    table = pd.DataFrame(rows, columns=["model", "parameters", "log_likelihood", "aic", "predicted", "actual",
                                        "error_pct", "mae", "rank_correlation", "note"])
    table = table.sort_values("mae", na_position="last", kind="stable").reset_index(drop=True)
    table.insert(len(table.columns) - 1, "chosen", table.index == 0)
    table.loc[table["mae"].isna(), "chosen"] = False
    return table.set_index("model")


def _default_models() -> dict[str, _PurchaseModel]:
    from .bgnbd import BetaGeo
    from .mbgnbd import ModifiedBetaGeo
    from .pnbd import ParetoNBD

    return {"BG/NBD": BetaGeo(), "MBG/NBD": ModifiedBetaGeo(), "Pareto/NBD": ParetoNBD()}
