"""``analyze(dataset, **parameters) -> Analysis``: every table of a customer-profitability analysis."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from xlprofit.core import acquisition, costing, segments
from xlprofit.core.aggregate import NO_PRODUCT, LineAggregates
from xlprofit.core.allocation import round_to_totals
from xlprofit.core.backtest import MIN_CALIBRATION_PERIODS, backtest_analysis, summary_table
from xlprofit.core.breakeven import breakeven
from xlprofit.core.dataset import Dataset
from xlprofit.core.drivers import BUILTIN_DRIVERS, DriverVolumes, UsageVolumes, spread_usage, usage_volumes, volumes
from xlprofit.core.lifetime import FIT_CUSTOMERS, LIFETIME_COLUMNS, lifetime_values, purchase_history
from xlprofit.core.lines import FrameLines, LineAccounting
from xlprofit.core.matrix import profitability_matrix, quadrant_summary
from xlprofit.core.money import round_money, to_cents
from xlprofit.core.periods import Periods, relabel_periods
from xlprofit.core.products import SPLIT_METHODS, ProductLoading, load_products, waterfall
from xlprofit.core.profit import customer_pnl, order_profitability, period_trend
from xlprofit.core.reading import Collector, read_parameters
from xlprofit.core.reconciliation import (
    BRIDGE_STEPS,
    period_bridge,
    reconcile,
    rejected_cost_pools,
    rejected_pools_error,
)
from xlprofit.core.sale import SALE_PARAMETERS, sale_comparison, sale_dependent
from xlprofit.core.schema import EXCEPTION_COLUMNS, PARAMETERS
from xlprofit.core.timeeq import parse_time_equation
from xlprofit.core.trend import TREND_PARAMETERS, trend_flags_and_totals
from xlprofit.core.whale import deciles as profit_deciles
from xlprofit.core.whale import whale_curve, whale_peak
from xlprofit.errors import (
    ArgumentError,
    DegenerateDataError,
    DivisionByZeroError,
    Problem,
    ValidationError,
    XlprofitError,
)

if TYPE_CHECKING:
    from xlprofit.core.lines import UsageLineSource

__all__ = ["Analysis", "analyze", "usage_drivers", "ANALYSIS_STAGES", "ORDER_DETAIL_LIMIT"]


@dataclass(frozen=True, repr=False)
class Analysis:
    """The result of :func:`analyze`: DataFrames only, computed once.

    Attributes
    ----------
    customers:
        The customer P&L (README, *What is computed, exactly*), indexed by ``customer_id``, with rank, decile,
        quadrant and trend flags.
    activities, resources:
        Activity rates and assignments; resource capacity used, unused and their cost.
    orders, products:
        Order and product profitability (costs traced at order/line/product level).
    segments:
        Profit by segment, channel and region (long table).
    discount_groups:
        Full-price regulars against sale-dependent buyers (:func:`~xlprofit.core.sale.sale_comparison`):
        count, sale share, contribution and profit margin, CLV per euro of revenue, retention.
    whale, deciles, matrix, quadrants:
        Whale curve, profit deciles, Shapiro profitability matrix per customer and per quadrant.
    trend, period_totals:
        Contribution per customer and period; totals per period.
    acquisition:
        CAC, payback periods and referral value per customer.
    clv:
        Customer lifetime value on contribution after cost-to-serve (BG/NBD purchases ×
        Gamma-Gamma spend × contribution margin ratio, discounted weekly at the annual
        ``discount_rate`` over ``clv_horizon_years``); ``clv_models`` holds the fitted
        parameters and any reason the values could not be computed.
    clv_backtest:
        The lifetime model fitted on the periods before the last ones (half the window, at most
        four periods) and its forecast of them against what happened (``measure, value, unit``;
        :func:`xlprofit.clv.backtest`); a note when the window is too short or no CLV is computed.
    kpis:
        Headline figures (name, value, unit).
    bridge:
        From customer profit to the period's result (``step``, ``amount``, ``note``):
        Σ customer profit − unused capacity cost − unassigned activity cost − excluded cost
        pools = the period's result, which is net revenue − COGS − every activity and resource
        cost of the input (rejected pools included) − commissions − cost of credit − bad debt −
        acquisition cost charged. Summed in integer cents; the reconciliation checks that it ties.
        An amount is NaN when it cannot be known (a rejected pool whose cost is unreadable).
    reconciliation:
        Every conservation check with expected, actual, difference and whether it holds.
    excluded_pools:
        The cost pools (resource and activity rows) rejected while reading, which an incomplete
        analysis (``analyze(..., allow_incomplete=True)``) leaves out: see
        :func:`~xlprofit.core.reconciliation.rejected_cost_pools`. Empty for a complete analysis.
    exceptions:
        Every rejected row, ignored value and excluded line, with its reason.
    assumptions:
        Parameters used, with their source (input, override or default).
    """

    customers: pd.DataFrame
    activities: pd.DataFrame
    resources: pd.DataFrame
    orders: pd.DataFrame
    products: pd.DataFrame
    segments: pd.DataFrame
    discount_groups: pd.DataFrame
    whale: pd.DataFrame
    deciles: pd.DataFrame
    matrix: pd.DataFrame
    quadrants: pd.DataFrame
    trend: pd.DataFrame
    period_totals: pd.DataFrame
    acquisition: pd.DataFrame
    clv: pd.DataFrame
    clv_models: pd.DataFrame
    clv_backtest: pd.DataFrame
    kpis: pd.DataFrame
    bridge: pd.DataFrame
    reconciliation: pd.DataFrame
    excluded_pools: pd.DataFrame
    exceptions: pd.DataFrame
    assumptions: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)
    sources: tuple = ()

    def __repr__(self) -> str:
        """The tables and their shapes, and the checks: short enough to read at a prompt."""
        shapes = ", ".join(f"{name} {len(frame):,}×{len(frame.columns)}" for name, frame in self.tables().items()
                           if name not in ("kpis", "bridge", "reconciliation", "assumptions"))
        holding = int(self.reconciliation["holds"].sum()) if len(self.reconciliation) else 0
        state = "" if self.complete else f", INCOMPLETE: {len(self.excluded_pools)} cost pool row(s) excluded"
        return (f"Analysis({len(self.customers):,} customers; {holding}/{len(self.reconciliation)} checks hold"
                f"{state}; tables: {shapes})")

    @property
    def checks_hold(self) -> bool:
        """True when every reconciliation check holds."""
        return bool(self.reconciliation["holds"].all())

    @property
    def complete(self) -> bool:
        """True when no cost pool of the input was left out (see ``excluded_pools``)."""
        return len(self.excluded_pools) == 0

    @cached_property
    def _action_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        from xlprofit.core.actions import actions_and_left_out

        return actions_and_left_out(self)

    @property
    def actions(self) -> pd.DataFrame:
        """The levers for every customer losing money or flagged, ranked (:func:`xlprofit.core.actions.actions`)."""
        return self._action_tables[0]

    @property
    def actions_left_out(self) -> pd.DataFrame:
        """The levers left out of :attr:`actions`, with the reason (:func:`xlprofit.core.actions.actions_left_out`)."""
        return self._action_tables[1]

    def tables(self) -> dict[str, pd.DataFrame]:
        """All DataFrames of the analysis by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), pd.DataFrame)}


_OVERRIDE_ONLY = {"products"}

#: With ``order_detail=None``, order profitability is itemised up to this many orders.
ORDER_DETAIL_LIMIT = 1_000_000

#: The stages of :func:`analyze`, in order, as its ``progress`` callback is told them.
ANALYSIS_STAGES: tuple[str, ...] = (
    "summing the invoice lines", "checking the usage", "tracing activity costs", "customer P&L and trend",
    "segments and trend flags", "acquisition and CLV", "reconciliation",
)


def _resolve_parameters(ds: Dataset, overrides: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    unknown = sorted(set(overrides) - set(PARAMETERS) - _OVERRIDE_ONLY)
    if unknown:
        raise ArgumentError(unknown[0], overrides[unknown[0]], f"a known parameter ({', '.join(PARAMETERS)})")
    collector = Collector()
    typed = read_parameters({k: v for k, v in overrides.items() if k in PARAMETERS and v is not None}, collector)
    if collector.fatal:
        raise ValidationError(collector.problems, "bad parameter override")
    params = ds.parameters
    source = {k: "input" for k in params}
    for k, v in typed.items():
        params[k] = v
        source[k] = "override"
    if "period_start" not in params or "period_end" not in params:
        first, last = ds.lines.date_range()
        params.setdefault("period_start", first)
        params.setdefault("period_end", last)
        source.setdefault("period_start", "first transaction date")
        source.setdefault("period_end", "last transaction date")
    defaults = {
        "periods_per_year": (4, "default: quarters"),
        "acquisition_charge": ("in_period", "default: customers acquired in the period"),
        "commission_basis": ("collected", "default: collected revenue (net revenue − written off)"),
        "returns": ("credit", "default: returned lines credited (no credit notes in the ledger)"),
        "clv_horizon_years": (3.0, "default: 3 years"),
        "clv_fit_customers": (float(FIT_CUSTOMERS), f"default: {FIT_CUSTOMERS:,} customers"),
        **{n: (d, "default") for n, (_, _, d, _) in TREND_PARAMETERS.items()},
        **{n: (d, "default") for n, (_, d, _) in SALE_PARAMETERS.items()},
    }
    for k, (v, why) in defaults.items():
        if k not in params:
            params[k] = v
            source[k] = why
    if "cost_of_capital" not in params:
        if "discount_rate" in params:
            params["cost_of_capital"] = params["discount_rate"]
            source["cost_of_capital"] = "from discount_rate"
        else:
            params["cost_of_capital"] = 0.0
            source["cost_of_capital"] = "not given: cost of credit is 0"
    rows = [(k, params[k], source.get(k, ""), PARAMETERS[k][1]) for k in PARAMETERS if k in params]
    for k in ("payment_days", "commission_rate", "discount_rate", "currency"):
        if k not in params:
            rows.append((k, None, "not given", PARAMETERS[k][1]))
    table = pd.DataFrame(rows, columns=["parameter", "value", "source", "meaning"])
    return params, table


def _exceptions(collector_frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in collector_frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in EXCEPTION_COLUMNS})
    return pd.concat(frames, ignore_index=True)[EXCEPTION_COLUMNS]


def _drivers_named(activities: pd.DataFrame) -> list[str]:
    """Every driver an activity names, as its driver or in its time equation."""
    names = list(activities["driver"])
    for text in activities["time_equation"].dropna():
        names.extend(parse_time_equation(text).variables)
    return list(dict.fromkeys(names))


def usage_drivers(activities: pd.DataFrame) -> list[str]:
    """The drivers the activities name that a usage table must supply (not built in)."""
    return [d for d in _drivers_named(activities) if d not in BUILTIN_DRIVERS]


def analyze(dataset: Dataset, *, products: Iterable[str] | None = None, order_detail: bool | None = None,
            allow_incomplete: bool = False, progress: Callable[[str], Any] | None = None,
            **parameter_overrides: Any) -> Analysis:
    """Analyse customer profitability.

    Parameters
    ----------
    dataset:
        The input tables (:class:`~xlprofit.Dataset`).
    products:
        Analyse only the lines of these products (the "one product line first" pilot);
        all other lines are listed as excluded. Activity costs are taken as given, so give
        the costs of the activities that serve these products. Every id must be a product of
        the invoice lines in the analysis period.
    order_detail:
        Itemise order profitability (``orders``: one row per order with its traced costs).
        ``None`` (default): when the analysed lines hold at most :data:`ORDER_DETAIL_LIMIT`
        orders; ``True``: always; ``False``: never. Customer, product and period results are
        the same either way; without detail ``orders`` is empty and the assumptions say why.
    allow_incomplete:
        Analyse even when cost pools (resource or activity rows) were rejected while reading
        (:func:`~xlprofit.core.reconciliation.rejected_cost_pools`). Their cost is then in no
        figure: the analysis lists them in ``excluded_pools``, its reconciliation compares the
        traced cost with the input's cost including them (a check that does not hold) and its
        bridge deducts them. Default: such input is an error.
    progress:
        Called with the name of each stage as it starts (:data:`ANALYSIS_STAGES`): a large
        ledger takes minutes.
    **parameter_overrides:
        Parameters that replace those of the dataset (``discount_rate=0.12``,
        ``period_start="2025-01-01"``, …).

    Returns
    -------
    Analysis

    Raises
    ------
    ValidationError
        When a cost pool was rejected while reading (unless ``allow_incomplete``): each
        rejected row with its reason and its cost; when a product of ``products`` has no
        invoice line in the analysis period (with the nearest product ids); when a parameter
        override is not valid.
    """
    params, assumptions = _resolve_parameters(dataset, parameter_overrides)
    wanted = None if products is None else _product_ids(products)
    pools = rejected_cost_pools(dataset)
    if len(pools) and not allow_incomplete:
        raise rejected_pools_error(dataset, pools)
    periods = Periods(pd.Timestamp(params["period_start"]), pd.Timestamp(params["period_end"]),
                      int(params["periods_per_year"]))
    collector = Collector()
    customers = dataset.customers.reset_index().set_index("customer_id")
    max_orders = ORDER_DETAIL_LIMIT if order_detail is None else (None if order_detail else 0)
    stage = progress or _quiet
    stage(ANALYSIS_STAGES[0])
    # Every line of the period, also for a pilot: its customers' costs are split over all they bought.
    agg, accounting = dataset.lines.summarise(customers.index, periods, None, max_orders,
                                              returns=str(params["returns"]), sale_depth=float(params["sale_depth"]))
    if wanted is not None:
        _check_products(periods, wanted, agg)
    if not agg.order_itemised:
        why = (f"not itemised: {agg.order_count:,} orders, more than {ORDER_DETAIL_LIMIT:,} "
               "(analyze(order_detail=True) itemises them)") if order_detail is None else "not itemised (asked)"
        assumptions = pd.concat([assumptions, pd.DataFrame(
            [("order_detail", False, why, "order profitability, one row per order")],
            columns=assumptions.columns)], ignore_index=True)
    collector.records.append(accounting.exceptions)

    stage(ANALYSIS_STAGES[1])
    named = _drivers_named(dataset.activities)
    drivers = [d for d in named if d not in BUILTIN_DRIVERS]
    if dataset.lines.holds_usage:  # validated and summed by the engine, like the lines
        usage_source = cast("UsageLineSource", dataset.lines)
        usage, usage_exceptions, listed_of = usage_source.usage_volumes(periods, drivers, agg.order_itemised)
        collector.records.append(usage_exceptions)
        if listed_of > len(usage_exceptions):
            assumptions = pd.concat([assumptions, pd.DataFrame(
                [("usage_exceptions", listed_of, f"the first {len(usage_exceptions):,} of {listed_of:,} listed",
                  "usage rows rejected, excluded or with a value ignored")],
                columns=assumptions.columns)], ignore_index=True)
    else:
        usage = _usage_in_periods(dataset, periods, drivers, agg.order_itemised, collector)
    dataset.lines.release_orders()  # the usage rows' orders are checked; nothing else asks
    pilot = None
    if wanted is not None:  # the pilot's own lines: its counts, periods, orders and purchases
        pilot, _ = dataset.lines.summarise(customers.index, periods, wanted,
                                           max_orders if agg.order_itemised else 0,
                                           returns=str(params["returns"]), sale_depth=float(params["sale_depth"]))
        dataset.lines.release_orders()
        pilot = replace(pilot, period=pilot.period[["net_revenue", "cogs", "written_off", "orders", "lines",
                                                    "units"]])
    vol = volumes(agg, usage, customers.index, periods.labels, drivers)
    del usage
    # From here on only these customer × period columns are read: the activities' drivers (to
    # trace costs to periods) and the trend's sums.
    agg = replace(agg, period=agg.period[["net_revenue", "cogs", "written_off"]])
    read = {*named, "orders", "lines", "units"}
    vol = replace(vol, period=vol.period[[c for c in vol.period.columns if c in read]])
    # Handed over, not kept here: the customer × period grains can then be freed once in the trend.
    owned: list[LineAggregates | DriverVolumes] = [agg, vol]
    del agg, vol
    assumptions = pd.concat([assumptions, pd.DataFrame(
        [("product_split", what, how, "how fully loaded product figures split each customer's P&L")
         for what, how in SPLIT_METHODS], columns=assumptions.columns)], ignore_index=True)
    if wanted is not None:  # a pilot: said on every page that shows the period
        params = {**params, "products": sorted(wanted)}
        assumptions = pd.concat([assumptions, pd.DataFrame(
            [("products", ", ".join(sorted(wanted)), "analyze(products=…)",
              "the products analysed: their buyers, each with its fully loaded rows of them")],
            columns=assumptions.columns)], ignore_index=True)
    return _analyze_aggregates(dataset, params, assumptions, periods, customers, owned, collector, accounting, stage,
                               pilot, wanted)


def _quiet(stage: str) -> None:
    return None


def _usage_in_periods(dataset: Dataset, periods: Periods, drivers: list[str], itemised: bool,
                      collector: Collector) -> UsageVolumes:
    """The usage table's volumes per customer, period and order (pandas)."""
    usage = dataset.usage
    n = periods.count
    has_period = usage["period_start"].notna()
    k_lo = np.where(has_period, periods.index_of(usage["period_start"].fillna(periods.start)), 0)
    k_hi = np.where(has_period, periods.index_of(usage["period_end"].fillna(periods.start)), n - 1)
    off = (k_hi < 0) | (k_lo > n - 1)
    if off.any():
        rows = usage.index[off]
        collector.cells("usage", rows, "period", usage["period_start"].loc[rows].dt.date,
                        "is outside the analysis period", "excluded", customer_id=usage["customer_id"])
    usage_in = usage.loc[~off]
    k_lo, k_hi = k_lo[~off], k_hi[~off]
    tied = usage_in["order_id"].notna()
    if tied.any():
        missing = ~dataset.lines.orders_known(usage_in["customer_id"][tied].to_numpy(dtype=object),
                                              usage_in["order_id"][tied].to_numpy(dtype=object))
        if missing.any():
            rows = usage_in.index[tied.to_numpy()][missing]
            collector.cells("usage", rows, "order_id", usage_in["order_id"].loc[rows],
                            "is not an order of this customer in the analysed lines; counted for the customer",
                            "value ignored", customer_id=usage_in["customer_id"])
            usage_in = usage_in.copy()
            usage_in.loc[rows, "order_id"] = None
    return usage_volumes(spread_usage(usage_in, k_lo, k_hi, n), drivers, itemised)


def _analyze_aggregates(dataset: Dataset, params: dict[str, Any], assumptions: pd.DataFrame, periods: Periods,
                        customers: pd.DataFrame, owned: list[LineAggregates | DriverVolumes], collector: Collector,
                        accounting: LineAccounting, stage: Callable[[str], Any], pilot: LineAggregates | None = None,
                        wanted: set[str] | None = None) -> Analysis:
    """Everything after the lines are summed: costing, P&L, trend, segments, CLV, checks.

    With ``pilot`` (the lines of the ``wanted`` products only), the customers are the products'
    buyers, each carrying its fully loaded product rows (:mod:`xlprofit.core.products`).
    """
    n = periods.count
    labels = periods.labels
    agg, vol = cast("tuple[LineAggregates, DriverVolumes]", owned)  # handed over by analyze()
    owned.clear()
    stage(ANALYSIS_STAGES[2])
    # The trend needs each customer-period's total cost-to-serve, not one column per activity.
    result = costing.compute(dataset.activities, dataset.resources, vol, period_detail=False)

    stage(ANALYSIS_STAGES[3])
    pnl = customer_pnl(
        customers, agg.customer, vol.customer, result.customer,
        cost_of_capital=float(params["cost_of_capital"]),
        default_payment_days=params.get("payment_days"),
        default_commission_rate=params.get("commission_rate"),
        period_start=periods.start, period_end=periods.end,
        acquisition_charge=str(params["acquisition_charge"]),
        commission_basis=str(params["commission_basis"]),
    )
    levels = {f"cts_{a.activity}": a.level for a in result.activities.itertuples(index=False)}
    loading = load_products(pnl, agg.product, result.product, levels, cost_of_capital=float(params["cost_of_capital"]),
                            commission_basis=str(params["commission_basis"]))
    starts = [periods.start_of(k) for k in range(n)]
    others = None
    if pilot is None:
        trend = period_trend(pnl, agg.period, labels, starts, result.period, vol.period,
                             cost_of_capital=float(params["cost_of_capital"]),
                             commission_basis=str(params["commission_basis"]))
        orders = order_profitability(agg.order, result.order)
        bought = agg.customer
    else:
        assert wanted is not None
        full_cts = pnl["cost_to_serve"]
        pnl = _pilot_pnl(pnl, loading, wanted, pilot.customer)
        pilot_volumes = pilot.period[["orders", "lines", "units"]].astype("float64")
        pilot_volumes.index = relabel_periods(pilot_volumes.index, np.asarray(labels, dtype=object))
        trend = period_trend(pnl, pilot.period, labels, starts, _pilot_period_costs(result.period, pnl, full_cts),
                             pilot_volumes, cost_of_capital=float(params["cost_of_capital"]),
                             commission_basis=str(params["commission_basis"]))
        orders = order_profitability(pilot.order, _pilot_order_costs(result.order, agg.order, pilot.order))
        others = loading.others(wanted)
        other_counts = loading.other_counts(wanted)
        accounting = replace(accounting, filtered_rows=int(other_counts["lines"]),
                             filtered_cents=int(others["net_revenue"]))
        bought = pilot.customer
    prods = loading.table(wanted)
    # The customer × period grains (millions of rows for a large ledger) are in the trend now, and the
    # customer × product grains in the product table: neither is held through the stages below.
    agg, vol, result = (replace(agg, period=agg.period.iloc[:0], product=agg.product.iloc[:0]),
                        replace(vol, period=vol.period.iloc[:0]),
                        replace(result, period=result.period.iloc[:0], product=result.product.iloc[:0]))
    del loading

    # Segments.
    stage(ANALYSIS_STAGES[4])
    whale = whale_curve(pnl["profit"], pnl["net_revenue"])
    deciles = profit_deciles(pnl)
    matrix = profitability_matrix(pnl)
    quadrants = quadrant_summary(matrix, pnl)
    by_dim = segments.by_dimension(pnl)
    flags, totals = trend_flags_and_totals(  # "flagged" as trend.headline_flag defines it
        trend, periods_per_year=int(params["periods_per_year"]),
        **{option: params[name] for name, (option, *_) in TREND_PARAMETERS.items()})
    pnl = pnl.join(whale.set_index("customer_id")[["rank"]])
    pnl["quadrant"] = matrix["quadrant"].reindex(pnl.index)
    pnl["discount_dependency"] = segments.discount_dependency(pnl).reindex(pnl.index)
    flag_cols = [c for c in ("lapsed", "falling_volume", "rising_cost_to_serve", "growing_bad_debt",
                             "falling_contribution", "turned_unprofitable",
                             "flagged", "reasons") if c in flags.columns]
    pnl = pnl.join(flags[flag_cols], how="left")
    for c in flag_cols:
        if flags[c].dtype == bool:
            pnl[c] = pnl[c].fillna(False).astype(bool)

    stage(ANALYSIS_STAGES[5])
    clv, clv_models = _clv_table(pnl, bought, result.activities, params, periods)
    pnl["clv"] = clv["clv"].reindex(pnl.index)
    pnl["sale_dependent"] = sale_dependent(pnl, float(params["sale_dependent_share"])).reindex(pnl.index)
    discount_groups = sale_comparison(pnl, clv, trend, dependent_share=float(params["sale_dependent_share"]),
                                      sale_depth=float(params["sale_depth"]))
    acq = _acquisition_table(pnl, clv, result.activities, params, periods)

    stage(ANALYSIS_STAGES[6])
    exceptions = _exceptions([dataset.exceptions, collector.frame()])
    pools = rejected_cost_pools(dataset)  # none unless analyze(allow_incomplete=True)
    bridge = period_bridge(pnl, result, pools, others)
    reconciliation = reconcile(dataset, pnl, result, accounting, pools, bridge, others)
    kpis = _kpis(pnl, result, whale, flags, reconciliation, exceptions, accounting, bridge)
    analysis = Analysis(
        customers=pnl, activities=result.activities, resources=result.resources, orders=orders, products=prods,
        segments=by_dim, discount_groups=discount_groups,
        whale=whale, deciles=deciles, matrix=matrix, quadrants=quadrants, trend=trend,
        period_totals=totals, acquisition=acq, clv=clv, clv_models=clv_models,
        clv_backtest=_backtest_note("not run"), kpis=kpis,
        bridge=bridge, reconciliation=reconciliation, excluded_pools=pools, exceptions=exceptions,
        assumptions=assumptions, parameters=params, sources=dataset.sources,
    )
    return replace(analysis, clv_backtest=_clv_backtest(dataset, analysis, wanted, periods, agg.order_count))


def _backtest_note(why: str) -> pd.DataFrame:
    return pd.DataFrame([("Backtest", why, "text")], columns=["measure", "value", "unit"])


def _clv_backtest(dataset: Dataset, analysis: Analysis, wanted: set[str] | None, periods: Periods,
                  orders: int) -> pd.DataFrame:
    """The lifetime model's backtest on the last half of the window (at most four periods).

    It sums the lines of the early periods once more, so a ledger read by an engine (DuckDB,
    Spark) or of more than :data:`ORDER_DETAIL_LIMIT` orders leaves it to ``xlprofit.clv.backtest``
    (and says so).
    """
    if not isinstance(dataset.lines, FrameLines):
        return _backtest_note("not run with the report for a ledger read by an engine "
                              "(xlprofit.clv.backtest(dataset) runs it)")
    if orders > ORDER_DETAIL_LIMIT:
        return _backtest_note(f"not run with the report: {orders:,} orders, more than {ORDER_DETAIL_LIMIT:,} "
                              "(xlprofit.clv.backtest(dataset) runs it)")
    if analysis.clv["clv"].isna().all():
        return _backtest_note("not run: no lifetime values were computed")
    if wanted is not None:
        return _backtest_note("not run for a product pilot (lifetime values are the customers' whole business)")
    holdout = min(4, periods.count // 2)
    if holdout < 1 or periods.count - holdout < MIN_CALIBRATION_PERIODS:
        return _backtest_note(f"not run: {periods.count} period(s) are too few to hold some out")
    try:
        return summary_table(backtest_analysis(dataset, analysis, holdout))
    except XlprofitError as exc:
        return _backtest_note(f"not run: {exc}")


def _pilot_pnl(full: pd.DataFrame, loading: ProductLoading, wanted: set[str], bought: pd.DataFrame
               ) -> pd.DataFrame:
    """The customer P&L of a pilot: the buyers of ``wanted``, each with the sum of its product rows."""
    cents = loading.customers(wanted)
    buyers = full.index[full.index.isin(cents.index)]
    out = full.loc[buyers].copy()
    money = waterfall(cents.reindex(buyers), loading.levels)
    for column in money.columns:
        if column in out.columns:
            out[column] = money[column]
    for column in ("orders", "lines", "units", "returns"):
        out[column] = bought[column].reindex(buyers, fill_value=0).to_numpy(dtype="float64")
    return out


def _pilot_period_costs(period_costs: pd.DataFrame, pnl: pd.DataFrame, full_cts: pd.Series) -> pd.DataFrame:
    """Each buyer's cost-to-serve per period, scaled to its pilot share and tied to its P&L cents."""
    cts = period_costs["cost_to_serve"]
    customer = cts.index.get_level_values(0)
    rows = customer.isin(pnl.index)
    cts = cts[rows]
    codes = pnl.index.get_indexer(customer[rows])
    full = to_cents(full_cts.reindex(pnl.index).fillna(0.0)).astype("float64")
    part = to_cents(pnl["cost_to_serve"]).astype("float64")
    scale = np.divide(part, full, out=np.zeros(len(part)), where=full != 0)
    amounts = to_cents(cts.to_numpy(dtype="float64")).astype("float64") * scale[codes]
    keys = np.asarray(cts.index.codes[1], dtype=np.int64)
    tied = round_to_totals(amounts, codes, to_cents(pnl["cost_to_serve"]), keys)
    return pd.DataFrame({"cost_to_serve": tied / 100.0}, index=cts.index)


def _pilot_order_costs(order_costs: pd.DataFrame, full: pd.DataFrame, pilot: pd.DataFrame) -> pd.DataFrame:
    """Each pilot order's costs: the order's costs × the analysed products' share of its net revenue.

    The share is the products' net revenue over the order's (clipped to 0 … 1), by lines when the
    order has no positive net revenue; amounts are rounded to the cent per order.
    """
    if not len(pilot) or not len(order_costs.columns):
        return order_costs.reindex(pilot.index, fill_value=0.0)
    whole = full.reindex(pilot.index)
    net, total = pilot["net_revenue"].to_numpy(dtype="float64"), whole["net_revenue"].to_numpy(dtype="float64")
    lines, all_lines = pilot["lines"].to_numpy(dtype="float64"), whole["lines"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, np.clip(net / total, 0.0, 1.0), np.where(all_lines > 0, lines / all_lines, 0.0))
    costs = order_costs.reindex(pilot.index, fill_value=0.0)
    return costs.mul(share, axis=0).apply(round_money)


def _acquisition_table(pnl: pd.DataFrame, clv: pd.DataFrame, activities: pd.DataFrame, params: dict[str, Any],
                       periods: Periods) -> pd.DataFrame:
    """CAC, payback over active periods with the model's retention, break-even, referral and total value."""
    acq_cost = pnl["acquisition_cost"]
    active = acquisition.active_periods(pnl["acquired_on"], periods).reindex(pnl.index)
    table = pd.DataFrame(index=pnl.index)
    table["acquired_on"] = pnl["acquired_on"]
    table["acquisition_cost"] = acq_cost
    table["periods_active"] = active
    rate = params.get("discount_rate")
    retention = clv["retention_per_year"].reindex(pnl.index) ** (1.0 / periods.periods_per_year)
    if rate is not None:  # no discount rate given: no payback, as no CLV (never a silent 0 %)
        per_period_rate = (1.0 + float(rate)) ** (1.0 / periods.periods_per_year) - 1.0
        payback = acquisition.customer_payback(pnl, periods_active=active, retention=retention.fillna(1.0),
                                               discount_rate_per_period=per_period_rate, timing="end")
        payback = payback.reindex(pnl.index)
        table["contribution_per_period"] = round_money(payback["contribution_per_period"])
        table["retention_per_period"] = retention
        table["payback_periods"] = payback["payback_periods"]
        table["payback_reason"] = payback["payback_reason"]
    else:
        table["contribution_per_period"] = round_money(pnl["contribution"] / active.where(active > 0))
        table["payback_periods"] = np.nan
    even = breakeven(pnl, activities).reindex(pnl.index)
    for column in ("breakeven_revenue", "breakeven_order_size"):
        table[column] = even[column]
    basis = "clv" if pnl["clv"].notna().any() else "contribution"
    referral = acquisition.referral_value(pnl, basis).reindex(pnl.index).fillna(0.0)
    table["referral_value"] = referral
    table["total_value"] = acquisition.total_value(pnl["clv"], referral).reindex(pnl.index)
    table.index.name = "customer_id"
    return table


def _clv_table(pnl: pd.DataFrame, bought: pd.DataFrame, activities: pd.DataFrame, params: dict[str, Any],
               periods: Periods) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CLV per customer on contribution (:mod:`xlprofit.core.lifetime`), with its models' notes."""
    empty = pd.DataFrame(np.nan, index=pnl.index, columns=LIFETIME_COLUMNS)
    rate = params.get("discount_rate")
    horizon_years = float(params["clv_horizon_years"])
    if rate is None:
        return empty, pd.DataFrame([("CLV", "not computed", np.nan, "no discount_rate parameter was given")],
                                   columns=["model", "parameter", "value", "note"])
    weekly_rate = (1.0 + float(rate)) ** (7.0 / 365.25) - 1.0
    horizon_weeks = horizon_years * 365.25 / 7.0
    end = periods.end + pd.Timedelta(days=1)
    try:
        history = purchase_history(bought["first_purchase"], bought["last_purchase"], bought["purchase_days"],
                                   pnl["acquired_on"], periods.start, end)
        levels = pd.Series({a.activity: a.level for a in activities.itertuples(index=False)}, dtype=object)
        result = lifetime_values(pnl, history, levels, weekly_rate=weekly_rate, horizon_weeks=horizon_weeks,
                                 first=bought["first_purchase"].reindex(pnl.index),
                                 last=bought["last_purchase"].reindex(pnl.index), start=periods.start,
                                 periods=periods.count, period_weeks=52.0 / periods.periods_per_year,
                                 fit_customers=int(params["clv_fit_customers"]))
    except XlprofitError as exc:
        return empty, pd.DataFrame([("CLV", "not computed", np.nan, str(exc))],
                                   columns=["model", "parameter", "value", "note"])
    rows = pd.DataFrame([("CLV", "weekly discount rate", weekly_rate, f"from annual discount_rate {float(rate):.2%}"),
                         ("CLV", "horizon (weeks)", float(round(horizon_weeks / 4.0) * 4.0),
                          f"{horizon_years:g} years in steps of 4 weeks")],
                        columns=["model", "parameter", "value", "note"])
    return result.customers, pd.concat([result.models, rows], ignore_index=True)


def _kpis(pnl: pd.DataFrame, result: costing.CostingResult, whale: pd.DataFrame, flags: pd.DataFrame,
          reconciliation: pd.DataFrame, exceptions: pd.DataFrame, acc: LineAccounting,
          bridge: pd.DataFrame) -> pd.DataFrame:
    try:
        peak = whale_peak(pnl["profit"])
    except (DegenerateDataError, DivisionByZeroError):  # total profit ≤ 0: no peak share exists
        peak = {"peak_pct": np.nan, "customers_at_peak": np.nan}
    profit = pnl["profit"]
    rows = [
        ("Customers", float(len(pnl)), "count"),
        ("Net revenue", float(pnl["net_revenue"].sum()), "money"),
        ("Gross margin", float(pnl["gross_margin"].sum()), "money"),
        ("Cost-to-serve", float(pnl["cost_to_serve"].sum()), "money"),
        ("Contribution", float(pnl["contribution"].sum()), "money"),
        ("Customer profit", float(profit.sum()), "money"),
        ("Profit margin", float(profit.sum() / pnl["net_revenue"].sum()) if pnl["net_revenue"].sum() else np.nan,
         "percent"),
        ("Unprofitable customers", float((profit < 0).sum()), "count"),
        ("Losses on unprofitable customers", float(profit[profit < 0].sum()), "money"),
        ("Whale curve peak", float(peak["peak_pct"]), "percent"),
        ("Customers at the peak", float(peak["customers_at_peak"]), "count"),
        ("Unused capacity cost", float(result.resources["unused_cost"].clip(lower=0).sum())
         if len(result.resources) else 0.0, "money"),
        ("Period result", float(bridge.set_index("step").at[BRIDGE_STEPS[-1], "amount"]), "money"),
        ("Customers flagged as turning unprofitable", float(flags["flagged"].sum()) if "flagged" in flags else 0.0,
         "count"),
        ("Reconciliation checks holding", float(reconciliation["holds"].sum()), "count"),
        ("Reconciliation checks", float(len(reconciliation)), "count"),
        ("Exceptions listed", float(len(exceptions)), "count"),
        ("Rejected invoice lines", float(acc.rejected_rows), "count"),
        ("Net revenue of rejected invoice lines", acc.rejected_cents / 100.0, "money"),
        ("Rejected usage rows", float(_rejected_rows(exceptions, "usage")), "count"),
    ]
    return pd.DataFrame(rows, columns=["kpi", "value", "unit"])


def _rejected_rows(exceptions: pd.DataFrame, table: str) -> int:
    """Rows of ``table`` (or of its files: ``usage (a.csv)``) rejected, as listed in ``exceptions``."""
    ex = exceptions[(exceptions["action"] == "rejected")
                    & exceptions["table"].astype(str).str.match(rf"{table}(?: \(|$)")]
    return len(ex[["table", "row"]].drop_duplicates())


def _product_ids(products: Iterable[str]) -> set[str]:
    if isinstance(products, str):  # one id, not its characters
        products = [products]
    wanted = {str(p) for p in products}
    if not wanted:
        raise ArgumentError("products", [], "at least one product id (or None for all products)")
    return wanted


def _check_products(periods: Periods, wanted: set[str], agg: LineAggregates) -> None:
    """Refuse product ids that have no analysed invoice line, naming the nearest known ones."""
    known = sorted({str(p) for p in agg.product.index.get_level_values("product_id")} - {NO_PRODUCT})
    missing = sorted(wanted - set(known))
    if not missing:
        return
    span = f"{periods.start.date()} … {periods.end.date()}"
    problems = []
    for p in missing:
        near = _near_matches(p, known)
        if near:
            hint = ("did you mean " + (repr(near[0]) if len(near) == 1 else
                                       "one of " + ", ".join(repr(k) for k in near)) + "?")
        elif known:
            hint = (f"the lines hold {len(known):,} product id(s): " + ", ".join(known[:5])
                    + (", …" if len(known) > 5 else ""))
        else:
            hint = "the analysed lines carry no product_id"
        problems.append(Problem("transactions", None, "product_id", p,
                                f"is not a product of the invoice lines in the analysis period {span}; {hint}"))
    raise ValidationError(problems, headline=f"{len(missing)} unknown product id(s)")


def _near_matches(word: str, known: list[str], n: int = 3) -> list[str]:
    """The ``n`` ids of ``known`` most like ``word`` (difflib's ratio ≥ 0.6, ignoring case).

    A match but for case comes alone; ties go to the longer shared beginning, then the id.
    """
    folded = word.casefold()
    same = [k for k in known if k.casefold() == folded]
    if same:
        return same
    scored = []
    for k in known:
        matcher = difflib.SequenceMatcher(None, folded, k.casefold())
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            other = k.casefold()
            prefix = next((i for i, (a, b) in enumerate(zip(folded, other, strict=False)) if a != b),
                          min(len(folded), len(other)))
            scored.append((-matcher.ratio(), -prefix, k))
    return [k for _, _, k in sorted(scored)[:n]]


