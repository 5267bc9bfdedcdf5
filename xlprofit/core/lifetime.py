"""Customer lifetime value on contribution, as the report's CLV sheet shows it.

A customer's future is forecast from its purchases and its cost structure, each part checked:

* **When** it buys, and whether it is still a customer: BG/NBD and Pareto/NBD, both with left
  truncation (:mod:`xlprofit.core.clv.truncated`), the one with the higher likelihood chosen
  and the choice stated. A customer acquired before the window (``acquired_on``) is timed from
  the window's start, conditional on having been a customer then, with its age; one acquired
  in the window (or without ``acquired_on``) from its first purchase. A fit that identifies no
  dropout (fewer than :data:`MIN_YEARLY_DROPOUT` of today's active customers expected to be
  lost within a year, or a parameter at a bound) is reported as degenerate and retention comes
  from the customers' survival quarter by quarter instead (shifted-beta-geometric on the
  cohort active in the first period); when nobody was lost at all, the CLV is limited to the
  horizon with retention 100 % and says so.
* **What** a purchase earns: spend per purchase × (gross-margin ratio − commission, credit
  and bad-debt rate) − order-level cost-to-serve per purchase, each the customer's own value
  shrunk toward its segment's with the credibility weight ``n / (n + k)`` (``n`` purchases).
  ``k`` is Gamma-Gamma's own weight ``(q − 1) / p`` when spend and frequency are independent
  (Spearman test, :data:`INDEPENDENCE_RHO`), else :data:`FALLBACK_K` purchases, and the note
  says which.
* **What** being a customer costs: customer-level cost-to-serve per week observed, for as
  long as the customer is expected to stay.

CLV is the discounted sum over the horizon of expected purchases × contribution per purchase
− P(alive) × customer-level cost per period; past profit plus CLV is the lifetime profit.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaln
from scipy.stats import spearmanr

from xlprofit.core.clv import GammaGamma, ShiftedBetaGeometric
from xlprofit.core.clv.truncated import TruncatedBetaGeo, TruncatedParetoNBD
from xlprofit.errors import XlprofitError

__all__ = ["FALLBACK_K", "FIT_CUSTOMERS", "INDEPENDENCE_RHO", "LIFETIME_COLUMNS", "MIN_FIT_CUSTOMERS",
           "MIN_MODEL_CUSTOMERS", "MIN_YEARLY_DROPOUT", "STEP_WEEKS",
           "Lifetime", "fit_sample", "lifetime_values", "purchase_history"]

#: Below this share of today's active customers expected to be lost within a year the purchase
#: model identified no churn. A yearly share, not a dropout per purchase: a customer buying every
#: other week with 10 % yearly churn drops out with probability 0.4 % per purchase.
MIN_YEARLY_DROPOUT = 0.005
#: Fewer customers with a purchase than this do not identify a purchase model's four parameters
#: (two mixtures across customers): the fit is not tried and retention comes from the cohort.
MIN_MODEL_CUSTOMERS = 30
#: |Spearman ρ| between purchases and spend per purchase above which (significant at 1 %)
#: Gamma-Gamma's independence assumption is rejected.
INDEPENDENCE_RHO = 0.3
#: Credibility constant (purchases) when Gamma-Gamma cannot supply one.
FALLBACK_K = 5.0
#: Customers the purchase models are fitted on by default (parameter ``clv_fit_customers``); a
#: larger book is fitted on that many drawn at random and forecast whole. Four parameters are
#: estimated to within a few per cent from 25,000 customers: on the synthetic book of 100,000
#: (``benchmarks/clv_sample.py``) the sample moved the parameters by 2-5 %, the book's CLV by
#: 1.6 % and a customer's by 0.65 % at the median (5.6 % at the 99th percentile), and took the
#: analysis from 39 s to 25 s.
FIT_CUSTOMERS = 25_000
#: Fewest customers a sample may hold (a smaller ``clv_fit_customers`` is raised to it).
MIN_FIT_CUSTOMERS = 1_000
#: Length of a forecast step in weeks (cash at its end).
STEP_WEEKS = 4.0
_WEEKS_PER_YEAR = 365.25 / 7.0
#: Cost-to-serve levels that follow purchases; ``customer`` costs follow time.
_PER_PURCHASE_LEVELS = ("order", "line", "product")

LIFETIME_COLUMNS = ["frequency", "recency", "T", "age", "purchases", "p_alive", "expected_purchases",
                    "discounted_purchases", "expected_spend", "margin_ratio", "cost_per_purchase",
                    "customer_cost_per_year", "expected_lifetime_years", "retention_per_year", "clv", "past_profit",
                    "lifetime_profit"]


@dataclass(frozen=True)
class Lifetime:
    """Per customer values (:data:`LIFETIME_COLUMNS`) and the model notes for ``clv_models``."""

    customers: pd.DataFrame
    models: pd.DataFrame
    forecast_purchases: pd.DataFrame  # expected purchases per step, customers × steps
    forecast_contribution: pd.DataFrame  # expected contribution per step (undiscounted)


def purchase_history(first: pd.Series, last: pd.Series, purchase_days: pd.Series, acquired_on: pd.Series,
                     start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Frequency, recency, T and age in weeks, and the purchase days, for every customer.

    Customers acquired before ``start`` are timed from ``start``: every purchase in the window
    counts (none of them is the first one), and ``age`` is their time as a customer by then.
    Others are timed from their first purchase (``age`` 0), as BG/NBD does; a customer acquired
    in the window without a purchase is timed from ``acquired_on`` with no purchase.
    """
    index = acquired_on.index
    days = purchase_days.reindex(index).fillna(0).to_numpy(dtype=float)
    first_t = pd.to_datetime(first.reindex(index))
    last_t = pd.to_datetime(last.reindex(index))
    acquired = pd.to_datetime(acquired_on)
    old = (acquired < start).to_numpy() & ~acquired.isna().to_numpy()
    week = pd.Timedelta(days=7)
    born = first_t.where(~pd.Series(old, index=index), start)
    born = born.fillna(acquired.where(acquired >= start)).fillna(start)
    T = ((end - born) / week).to_numpy(dtype=float)
    recency = ((last_t - born) / week).fillna(0.0).to_numpy(dtype=float)
    frequency = np.where(old, days, np.maximum(days - 1.0, 0.0))
    age = np.where(old, ((start - acquired) / week).fillna(0.0).to_numpy(dtype=float), 0.0)
    return pd.DataFrame({"frequency": frequency, "recency": np.clip(recency, 0.0, T), "T": np.maximum(T, 1.0 / 7),
                         "age": age, "purchases": days}, index=index)


def _shrunk(own: np.ndarray, group: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Credibility-weighted value: the customer's own where it has one, else the group's."""
    value = weight * np.nan_to_num(own) + (1.0 - weight) * group
    return np.where(np.isfinite(own), value, group)


def _segment_ratio(numerator: pd.Series, denominator: pd.Series, segment: pd.Series) -> np.ndarray:
    """Σ numerator / Σ denominator per segment (the whole book's where a segment has none)."""
    frame = pd.DataFrame({"n": numerator.to_numpy(), "d": denominator.to_numpy(), "s": segment.to_numpy()})
    sums = frame.groupby("s", dropna=False)[["n", "d"]].sum()
    whole = frame["n"].sum() / frame["d"].sum() if frame["d"].sum() > 0 else 0.0
    ratio = (sums["n"] / sums["d"].where(sums["d"] > 0)).fillna(whole)
    return ratio.reindex(frame["s"]).fillna(whole).to_numpy(dtype=float)


_PurchaseModel = TruncatedBetaGeo | TruncatedParetoNBD


def fit_sample(customers: pd.Index, limit: int) -> np.ndarray | None:
    """Positions of the customers the purchase models are fitted on; ``None`` for all of them.

    With ``limit`` 0, or no more customers than ``limit``, every customer. Else the ``limit``
    customers whose ids hash lowest (pandas' stable 64-bit hash of the id's text): a uniform
    random sample that depends on the ids alone, so the same whatever the engine, the row order
    or the run. A ``limit`` below :data:`MIN_FIT_CUSTOMERS` is raised to it.
    """
    if limit <= 0 or len(customers) <= max(limit, MIN_FIT_CUSTOMERS):
        return None
    keys = pd.util.hash_array(np.asarray(customers.astype(str), dtype=object))
    return np.sort(np.argsort(keys, kind="stable")[:max(limit, MIN_FIT_CUSTOMERS)])


def _purchase_models(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, u: np.ndarray
                     ) -> tuple[dict[str, _PurchaseModel], dict[str, str]]:
    """Fit BG/NBD and Pareto/NBD (both left-truncated); the fitted ones and why others failed.

    The two fits are independent and spend their time in NumPy, which releases the GIL: they run
    side by side in two threads (on a book of 100,000 customers the slower fit alone takes most
    of the analysis' time).
    """
    fits: dict[str, _PurchaseModel] = {}
    failures: dict[str, str] = {}
    candidates: tuple[tuple[str, type[_PurchaseModel]], ...] = (
        ("BG/NBD (left-truncated)", TruncatedBetaGeo), ("Pareto/NBD (left-truncated)", TruncatedParetoNBD))

    def fit(kind: type[_PurchaseModel]) -> _PurchaseModel:
        return kind().fit(x, t_x, T, u)

    with ThreadPoolExecutor(max_workers=len(candidates)) as pool:
        running = [(name, pool.submit(fit, kind)) for name, kind in candidates]
        for name, future in running:  # in the candidates' order, whichever finishes first
            try:
                fits[name] = future.result()
            except XlprofitError as exc:
                failures[name] = str(exc)
    return fits, failures


def _choice(name: str, fits: dict[str, _PurchaseModel]) -> str:
    """Why ``name`` was chosen: the log-likelihoods (both models have four parameters)."""
    if len(fits) == 1:
        return f"{name}, the only purchase model that could be fitted"
    values = ", ".join(f"{m} {float(f.log_likelihood_ or np.nan):,.1f}" for m, f in fits.items())
    return (f"{name}: the higher log-likelihood on the same purchases ({values}); "
            "both have four parameters, so this is also the lower AIC")


def _cohort_survival(last: pd.Series, first: pd.Series, start: pd.Timestamp, periods: int,
                     period_weeks: float) -> tuple[ShiftedBetaGeometric | None, str]:
    """Fit the shifted-beta-geometric model to the first period's buyers still buying in each later one."""
    week = pd.Timedelta(days=7)
    bought_first = ((pd.to_datetime(first) - start) / week) < period_weeks
    last_period = np.floor(((pd.to_datetime(last) - start) / week).to_numpy(dtype=float) / period_weeks)
    last_period = last_period[bought_first.to_numpy() & np.isfinite(last_period)]
    if last_period.size < 10:
        return None, "fewer than 10 customers bought in the first period: no cohort to follow"
    survivors = [int((last_period >= k).sum()) for k in range(periods)]
    if survivors[-1] == survivors[0]:
        return None, "every customer of the first period bought in the last one: nobody was lost"
    try:
        return ShiftedBetaGeometric().fit(survivors), f"survivors by period {survivors}"
    except XlprofitError as exc:
        return None, f"the cohort's survival could not be fitted ({exc})"


def lifetime_values(pnl: pd.DataFrame, history: pd.DataFrame, levels: pd.Series, *, weekly_rate: float,
                    horizon_weeks: float, first: pd.Series, last: pd.Series, start: pd.Timestamp,
                    periods: int, period_weeks: float, fit_customers: int = 0) -> Lifetime:
    """Forecast every customer's purchases and contribution and discount them (see the module).

    Parameters
    ----------
    pnl:
        The customer P&L of the window (``segment``, ``net_revenue``, ``gross_margin``,
        ``commissions``, ``cost_of_credit``, ``bad_debt``, ``profit`` and ``cts_<activity>``).
    history:
        :func:`purchase_history` of the same customers.
    levels:
        Each activity's level (``order``, ``line``, ``product``, ``customer``) by name.
    weekly_rate, horizon_weeks:
        Discount rate per week; the horizon in weeks.
    first, last, start, periods, period_weeks:
        First and last purchase days, the window's start, its number of periods and their
        length in weeks (for the cohort survival of a degenerate fit).
    fit_customers:
        Fit the purchase models on this many customers drawn at random (:func:`fit_sample`)
        when the book holds more; 0 (default) fits on all. Every customer is forecast.
    """
    index = pnl.index
    notes: list[tuple[str, str, float, str]] = []
    steps = max(1, round(horizon_weeks / STEP_WEEKS))
    step_ends = np.arange(1, steps + 1) * STEP_WEEKS
    widths = np.full(steps, STEP_WEEKS)
    x, t_x, T, u = (history[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "age"))
    old = int((u > 0).sum())
    window = f"{len(index):,} customers; weeks; {old:,} acquired before the window, timed from its start with their age"

    # --- when: purchases and survival, by the better of two purchase models
    buyers = int((history["purchases"].to_numpy(dtype=float) > 0).sum())
    fits: dict[str, _PurchaseModel]
    failures: dict[str, str]
    sampled: list[tuple[str, str, float, str]] = []  # the note of a fit on a sample
    if buyers < MIN_MODEL_CUSTOMERS:
        fits, failures = {}, {"BG/NBD and Pareto/NBD (left-truncated)":
                              f"{buyers:,} customers with a purchase, fewer than the {MIN_MODEL_CUSTOMERS} "
                              "a purchase model needs"}
    else:
        chosen = fit_sample(index, int(fit_customers))
        if chosen is None:
            fits, failures = _purchase_models(x, t_x, T, u)
        else:
            fits, failures = _purchase_models(x[chosen], t_x[chosen], T[chosen], u[chosen])
            sampled.append(("Model choice", "customers fitted", float(chosen.size),
                            f"a random {chosen.size:,} of the {len(index):,} customers, chosen by a hash of the "
                            "customer id (the same on every engine and run); clv_fit_customers 0 fits on all"))
    degenerate: str | None = None
    lost = np.nan
    if fits:
        name, model = max(fits.items(), key=lambda item: float(item[1].log_likelihood_ or -np.inf))
        year = model.forecast(x, t_x, T, u, step=_WEEKS_PER_YEAR, periods=1)
        lost = 1.0 - float(year.alive[:, 0].sum() / max(year.p_alive.sum(), 1e-300))
        if lost < MIN_YEARLY_DROPOUT:
            degenerate = (f"no dropout identified ({lost:.2%} of today's active customers expected to be "
                          f"lost within a year, below {MIN_YEARLY_DROPOUT:.1%})")
    else:
        name, model = "BG/NBD and Pareto/NBD (left-truncated)", None
        degenerate = "; ".join(f"{m}: {why}" for m, why in failures.items())
    for other, why in failures.items():
        if fits:
            notes.append((other, "not used", np.nan, why))
    purchases_rate = history["purchases"].to_numpy(dtype=float) / np.maximum(T + 0.0, 1.0)
    if degenerate is None:
        assert model is not None and model.params_ is not None
        for parameter, value in model.params_.items():
            notes.append((name, parameter, value, window))
        if isinstance(model, TruncatedBetaGeo):
            notes.append((name, "dropout per purchase", model.dropout_probability(), "mean of beta(a, b)"))
        else:
            notes.append((name, "dropout per year", model.dropout_rate() * _WEEKS_PER_YEAR,
                          "mean of gamma(s, beta) for a newly acquired customer, per year"))
        notes.append((name, "active customers lost per year", lost,
                      "expected share of today's active customers lost within a year"))
        notes.append(("Model choice", "chosen", np.nan, _choice(name, fits)))
        for candidate, fit in fits.items():
            notes.append(("Model choice", f"log-likelihood {candidate}", float(fit.log_likelihood_ or np.nan),
                          "on the same purchases, in weeks"))
        notes += sampled
        forecast = model.forecast(x, t_x, T, u, step=STEP_WEEKS, periods=steps)
        purchases, alive_end, p_alive = forecast.purchases, forecast.alive, forecast.p_alive
    else:
        notes.append((name, "degenerate", np.nan, f"{degenerate}; {window}"))
        notes += sampled
        cohort, why = _cohort_survival(last, first, start, periods, period_weeks)
        segment_rate = _segment_ratio(history["purchases"], pd.Series(np.maximum(T, 1.0), index=index),
                                      pnl["segment"])
        weight = T / (T + 26.0)  # half a year of observation weighs as much as the segment
        rate = _shrunk(purchases_rate, segment_rate, weight)
        if cohort is not None:
            alpha, beta = cohort.params_["alpha"], cohort.params_["beta"]
            now = float(periods)

            def survival(t: np.ndarray) -> np.ndarray:
                return np.exp(betaln(alpha, beta + now + t / period_weeks) - betaln(alpha, beta + now))

            alive_end = np.tile(survival(step_ends), (len(index), 1))
            notes.append(("sBG (cohort retention)", "alpha", alpha, why))
            notes.append(("sBG (cohort retention)", "beta", beta, "retention instead of the degenerate fit"))
        else:
            alive_end = np.ones((len(index), steps))
            notes.append(("Retention", "assumed", 1.0, f"{why}: retention 100 % within the horizon, "
                          "so the CLV is a ceiling"))
        mid = (np.hstack([np.ones((len(index), 1)), alive_end[:, :-1]]) + alive_end) / 2.0
        purchases = rate[:, None] * widths[None, :] * mid
        p_alive = np.full(len(index), np.nan)

    # --- what a purchase earns, shrunk toward the segment
    n = history["purchases"].to_numpy(dtype=float)
    net = pnl["net_revenue"].to_numpy(dtype=float)
    variable = (pnl["commissions"] + pnl["cost_of_credit"] + pnl["bad_debt"]).to_numpy(dtype=float)
    cts_columns = [c for c in pnl.columns if c.startswith("cts_")]
    level_of = {f"cts_{name}": str(level) for name, level in levels.items()}
    per_purchase_cols = [c for c in cts_columns if level_of.get(c) in _PER_PURCHASE_LEVELS]
    customer_cols = [c for c in cts_columns if c not in per_purchase_cols]
    order_cost = pnl[per_purchase_cols].sum(axis=1).to_numpy(dtype=float)
    customer_cost = pnl[customer_cols].sum(axis=1).to_numpy(dtype=float)
    segment = pnl["segment"]
    with np.errstate(divide="ignore", invalid="ignore"):
        spend_own = np.where(n > 0, net / n, np.nan)
        gm_own = np.where(net > 0, pnl["gross_margin"].to_numpy(dtype=float) / net, np.nan)
        var_own = np.where(net > 0, variable / net, np.nan)
        cost_own = np.where(n > 0, order_cost / n, np.nan)
    positive = pd.Series(np.where(net > 0, net, 0.0), index=index)
    spend_seg = _segment_ratio(positive, pd.Series(np.where(net > 0, n, 0.0), index=index), segment)
    gm_seg = _segment_ratio(pnl["gross_margin"].where(net > 0, 0.0), positive, segment)
    var_seg = _segment_ratio(pd.Series(np.where(net > 0, variable, 0.0), index=index), positive, segment)
    cost_seg = _segment_ratio(pd.Series(order_cost, index=index), pd.Series(n, index=index), segment)

    k, k_note = FALLBACK_K, ""
    repeat = (x > 0) & np.isfinite(spend_own) & (spend_own > 0)
    varied = repeat.sum() >= 10 and np.ptp(n[repeat]) > 0 and np.ptp(spend_own[repeat]) > 0
    if varied:
        rho, p_value = spearmanr(n[repeat], spend_own[repeat])
        independent = not (abs(rho) > INDEPENDENCE_RHO and p_value < 0.01)
        verdict = "holds" if independent else "does not hold"
        notes.append(("Gamma-Gamma", "Spearman rho (purchases, spend)", float(rho),
                      f"independence {verdict} (p = {p_value:.2g}; rejected when |rho| > {INDEPENDENCE_RHO:g} "
                      "and p < 0.01)"))
        if independent:
            try:
                gg = GammaGamma().fit(n[repeat], spend_own[repeat])
                k = (gg.params_["q"] - 1.0) / gg.params_["p"]
                k_note = f"k = (q − 1)/p = {k:.2f} purchases from Gamma-Gamma"
                for name, value in gg.params_.items():
                    notes.append(("Gamma-Gamma", name, value, f"{int(repeat.sum()):,} customers with repeat purchases"))
            except XlprofitError as exc:
                k_note = f"Gamma-Gamma could not be fitted ({exc}); k = {FALLBACK_K:g} purchases"
        if not k_note:
            k_note = (f"Gamma-Gamma not used (spend depends on frequency); k = {FALLBACK_K:g} purchases: "
                      "each customer's mean spend shrunk toward its segment's")
    else:
        k_note = (f"fewer than 10 repeat buyers, or all alike in purchases or spend: no test of independence; "
                  f"k = {FALLBACK_K:g} purchases")
    if not np.isfinite(k) or k <= 0:
        k, k_note = FALLBACK_K, f"Gamma-Gamma gave no usable weight; k = {FALLBACK_K:g} purchases"
    weight = n / (n + k)
    notes.append(("Credibility", "k (purchases)", float(k), k_note + "; weight of a customer's own values n/(n + k)"))
    spend = _shrunk(spend_own, spend_seg, weight)
    margin = _shrunk(gm_own, gm_seg, weight) - _shrunk(var_own, var_seg, weight)
    cost_per_purchase = _shrunk(cost_own, cost_seg, weight)
    per_purchase = spend * margin - cost_per_purchase

    # --- what being a customer costs, per week observed
    fixed_week = customer_cost / np.maximum(T, 1.0)

    alive_start = np.hstack([p_alive[:, None] if degenerate is None else np.ones((len(index), 1)),
                             alive_end[:, :-1]])
    alive_mid = (alive_start + alive_end) / 2.0
    contribution = purchases * per_purchase[:, None] - alive_mid * fixed_week[:, None] * widths[None, :]
    discount = np.exp(-step_ends * np.log1p(weekly_rate))
    clv = contribution @ discount
    lifetime_years = (alive_mid * widths[None, :]).sum(axis=1) / _WEEKS_PER_YEAR
    with np.errstate(divide="ignore", invalid="ignore"):  # the forecast's mean survival per year
        retention_year = np.clip(alive_end[:, -1] / alive_start[:, 0], 0.0, 1.0) ** (
            _WEEKS_PER_YEAR / (steps * STEP_WEEKS))
    past = pnl["profit"].to_numpy(dtype=float)
    table = pd.DataFrame({
        "frequency": x, "recency": t_x, "T": T, "age": u, "purchases": n, "p_alive": p_alive,
        "expected_purchases": purchases.sum(axis=1), "discounted_purchases": purchases @ discount,
        "expected_spend": spend, "margin_ratio": margin, "cost_per_purchase": cost_per_purchase,
        "customer_cost_per_year": fixed_week * _WEEKS_PER_YEAR, "expected_lifetime_years": lifetime_years,
        "retention_per_year": retention_year, "clv": clv, "past_profit": past, "lifetime_profit": past + clv,
    }, index=index)
    table.index.name = "customer_id"
    labels = [f"step {i + 1}" for i in range(steps)]
    models = pd.DataFrame(notes, columns=["model", "parameter", "value", "note"])
    return Lifetime(table, models, pd.DataFrame(purchases, index=index, columns=labels),
                    pd.DataFrame(contribution, index=index, columns=labels))


def describe(models: pd.DataFrame) -> dict[str, Any]:
    """The notes as ``{model: {parameter: value}}`` (for tests and the report)."""
    return {m: dict(zip(g["parameter"], g["value"], strict=True)) for m, g in models.groupby("model", sort=False)}
