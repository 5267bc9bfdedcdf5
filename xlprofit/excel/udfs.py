"""The Excel functions of xlprofit: thin adapters over :mod:`xlprofit.core`.

Import this module as the UDF module of the classic xlwings add-in (``xlprofit.excel.udfs``)
or from the ``main.py`` of xlwings Lite / xlwings Server. Each function reads its cell
arguments (:mod:`xlprofit.excel._args`), calls the core once and returns a value or a table
with a header row; :func:`~xlprofit.excel._boundary.udf` maps errors and registers it under
its classic name (``XLP_CLV``) and its Office.js name (``XLP.CLV``). Names, argument help and
descriptions live in :mod:`xlprofit.excel.catalogue`.

The adapters' parameters carry no type annotations on purpose: xlwings reads annotations as
value converters, which would reject a text or blank cell before the error boundary could
report it. Every argument is a raw cell value (number, text, bool, date, ``None``) or a
nested list for a range, and is read by the helpers of ``_args``.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from xlprofit.core import acquisition, allocation, breakeven, costing, matrix, whale
from xlprofit.core.clv import (
    BetaGeo,
    GammaGamma,
    ShiftedBetaGeometric,
    clv_cashflows,
    customer_clv,
    rfm,
    simple_clv,
)
from xlprofit.core.clv.bgbb import BetaGeoBetaBinom
from xlprofit.core.clv.pnbd import ParetoNBD
from xlprofit.core.money import MAX_AMOUNT, amount_out_of_range, to_cents
from xlprofit.core.parsing import (
    EXCEL_ERRORS,
    parse_dates,
    parse_ids,
    parse_numbers,
    snake_case,
    without_cell_errors,
)
from xlprofit.core.profit import credit_cost
from xlprofit.core.schema import EXCEPTION_COLUMNS
from xlprofit.core.timeeq import parse_time_equation
from xlprofit.errors import (
    ArgumentError,
    DivisionByZeroError,
    ModelError,
    UnknownCustomerError,
    ValidationError,
)

from . import _args as a
from ._analyses import cached_analysis, lines_used, rates_without_volumes, with_note
from ._analyses import clear_cache as clear_cache
from ._boundary import frame_cells, udf

__all__ = [
    "XLP_ACTIVITY_RATE",
    "XLP_ACTIVITY_RATES",
    "XLP_ALLOCATE",
    "XLP_BGNBD_ALIVE",
    "XLP_BGNBD_EXPECTED",
    "XLP_BGNBD_FIT",
    "XLP_BGBB_ALIVE",
    "XLP_BGBB_DERT",
    "XLP_BGBB_EXPECTED",
    "XLP_BGBB_FIT",
    "XLP_BREAKEVEN",
    "XLP_CAC",
    "XLP_CAPACITY_RATE",
    "XLP_CHECKS",
    "XLP_CLV",
    "XLP_CLV_CASHFLOWS",
    "XLP_COST_TO_SERVE",
    "XLP_CREDIT_COST",
    "XLP_CUSTOMER_CLV",
    "XLP_CUSTOMER_PNL",
    "XLP_CUSTOMER_PROFIT",
    "XLP_EXCEPTIONS",
    "XLP_GG_FIT",
    "XLP_GG_SPEND",
    "XLP_ISERROR",
    "XLP_LOSS_SHARE",
    "XLP_PAYBACK",
    "XLP_PNBD_ALIVE",
    "XLP_PNBD_EXPECTED",
    "XLP_PNBD_FIT",
    "XLP_PROSPECT_VALUE",
    "XLP_QUADRANT",
    "XLP_REFERRAL_VALUE",
    "XLP_RFM",
    "XLP_SBG_DERL",
    "XLP_SBG_FIT",
    "XLP_SBG_RETENTION",
    "XLP_TIME",
    "XLP_TREND",
    "XLP_WHALE_CURVE",
    "XLP_WHALE_PEAK",
]

#: Longest horizon of XLP_CUSTOMER_CLV, in discounting periods (100 years of months).
MAX_HORIZON = 1200
#: Longest finite horizon of the closed forms, in periods.
MAX_CLOSED_FORM_HORIZON = 1_000_000_000
#: Most terms a BG/BB function may work through: its likelihood has one term per opportunity
#: between a history's last transaction and its end (Fader, Hardie & Shang 2010, eq. 5), summed
#: once per distinct history, and its log-gamma functions are tabulated over every opportunity up
#: to the longest history. Five million take about half a second and a few hundred MB; far more
#: would hold a cell (or exhaust memory) for a history no discrete-time dataset has.
MAX_BGBB_TERMS = 5_000_000

#: The fitted models a parameter block can hold, by the label of its ``model`` row: the function
#: that writes the block and the parameters read back from it.
MODEL_BLOCKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sBG": ("XLP_SBG_FIT", ("alpha", "beta")),
    "BG/NBD": ("XLP_BGNBD_FIT", ("r", "alpha", "a", "b")),
    "Pareto/NBD": ("XLP_PNBD_FIT", ("r", "alpha", "s", "beta")),
    "BG/BB": ("XLP_BGBB_FIT", ("alpha", "beta", "gamma", "delta")),
    "Gamma-Gamma": ("XLP_GG_FIT", ("p", "q", "v")),
}


# --------------------------------------------------------------------------- helpers


def _column(values: Any) -> Any:
    """One number for a single value, else a spilled column; non-finite values left blank."""
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if array.size == 1:
        return float(array[0])
    return [[float(v) if math.isfinite(v) else None] for v in array]


def _is_row(value: Any) -> bool:
    """Whether a range argument is one row of several cells (Office.js sends it as a flat list)."""
    if not isinstance(value, list) or not value:
        return False
    if isinstance(value[0], list):
        return len(value) == 1 and len(value[0]) > 1
    return len(value) > 1


def _same_length(**arrays: Any) -> int:
    """The common length of lists that go together; the first one of another length is the error."""
    sizes = {name: len(values) for name, values in arrays.items()}
    first, size = next(iter(sizes.items()))
    for name, other in sizes.items():
        if other != size:
            cells = f"{other:,} cell" + ("" if other == 1 else "s")
            raise ArgumentError(name, cells, f"as many cells as {first} ({size:,})")
    return size


def _profit_series(profit: Any, ids: Any = None) -> tuple[pd.Series, bool]:
    values = a.numbers_1d("profit", profit)
    if ids is None or a.is_blank(ids):
        width = len(str(len(values)))
        labels = [f"{i:0{width}d}" for i in range(1, len(values) + 1)]
        return pd.Series(values, index=labels), True
    names = a.texts_1d("customer_id", ids)
    _same_length(profit=values, customer_id=names)
    if any(n is None for n in names):
        raise ArgumentError("customer_id", "a blank cell", "an id in every cell")
    return pd.Series(values, index=names), False


def _block(model: str, params: dict[str, float], log_likelihood: float) -> list[list[Any]]:
    return [
        ["model", model],
        *([name, float(value)] for name, value in params.items()),
        ["log_likelihood", float(log_likelihood)],
    ]


def _known_model(label: Any) -> str | None:
    """The model of :data:`MODEL_BLOCKS` a ``model`` label names (any case), or None."""
    if not isinstance(label, str):
        return None
    return next((name for name in MODEL_BLOCKS if name.lower() == label.strip().lower()), None)


def _params(argument: str, block: Any, model: str) -> dict[str, float]:
    """The parameters of a block written by the fit function of ``model``.

    A block of another model is refused naming both fit functions (a BG/NBD block given to a
    Pareto/NBD function: their parameters share names, but not their meaning).
    """
    fit, names = MODEL_BLOCKS[model]
    try:
        return a.param_block(argument, block, model, names)
    except ArgumentError as exc:
        if exc.argument != argument:  # one parameter's value ('model.alpha' at most 0): as it is
            raise
        other = _known_model(exc.value)
        found = f"a {other} block (from {MODEL_BLOCKS[other][0]})" if other not in (None, model) else exc.value
        raise ArgumentError(argument, found, f"the parameter block returned by {fit} (model = {model})") from None


def _sbg(model: Any) -> ShiftedBetaGeometric:
    fitted = ShiftedBetaGeometric()
    fitted.params_ = _params("model", model, "sBG")
    return fitted


def _bgnbd(model: Any, argument: str = "model") -> BetaGeo:
    fitted = BetaGeo()
    fitted.params_ = _params(argument, model, "BG/NBD")
    return fitted


def _pnbd(model: Any) -> ParetoNBD:
    fitted = ParetoNBD()
    fitted.params_ = _params("model", model, "Pareto/NBD")
    return fitted


def _bgbb(model: Any) -> BetaGeoBetaBinom:
    fitted = BetaGeoBetaBinom()
    fitted.params_ = _params("model", model, "BG/BB")
    return fitted


def _gg(model: Any, argument: str = "model") -> GammaGamma:
    fitted = GammaGamma()
    fitted.params_ = _params(argument, model, "Gamma-Gamma")
    return fitted


@contextlib.contextmanager
def _excel_names(**names: str) -> Iterator[None]:
    """Name the Excel arguments in the core's argument errors: the core's ``n_periods`` is ``periods``.

    The core names its own parameters (``t``, ``n_star``, ``n_periods``); a cell's message must
    name the argument the user typed, also inside the requirement ("at most n_periods").
    """
    try:
        yield
    except ArgumentError as exc:
        if exc.argument not in names and not any(name in exc.requirement for name in names if len(name) > 1):
            raise
        requirement = exc.requirement
        for core, excel in names.items():
            if len(core) > 1:  # a one-letter name ('t') is also a word of the text
                requirement = re.sub(rf"(?<![\w.]){re.escape(core)}(?!\w)", excel, requirement)
        raise ArgumentError(names.get(exc.argument, exc.argument), exc.value, requirement) from None


def _numbers_2d(argument: str, value: Any) -> np.ndarray:
    """Read a block of numbers, blanks as NaN; a single column is read as one row."""
    if not isinstance(value, list) or not value or not isinstance(value[0], list):
        return a.numbers_1d(argument, value, blank="nan")[None, :]
    width = max(len(row) for row in value)
    rows = [a.numbers_1d(argument, [row + [None] * (width - len(row))], blank="nan") for row in value]
    block = np.vstack(rows)
    return block.T if block.shape[1] == 1 else block


# --------------------------------------------------------------------------- costing


@udf
def XLP_CAPACITY_RATE(cost, capacity):
    """Capacity cost rate: cost per minute of practical capacity."""
    return costing.capacity_rate(a.number("cost", cost), a.number("capacity", capacity))


@udf
def XLP_ACTIVITY_RATE(cost, capacity, unit_time):
    """Time-driven driver rate: unit time × cost / capacity."""
    return costing.activity_rate(
        a.number("cost", cost), a.number("capacity", capacity), a.number("unit_time", unit_time)
    )


@udf
def XLP_TIME(equation, driver_names=None, driver_values=None):
    """Minutes of one event from a time equation and its drivers' values."""
    parsed = parse_time_equation(a.text("equation", equation))
    names = [] if a.is_blank(driver_names) else a.texts_1d("driver_names", driver_names)
    values = np.zeros(0) if a.is_blank(driver_values) else a.numbers_1d("driver_values", driver_values)
    _same_length(driver_names=names, driver_values=values)
    if any(n is None for n in names):
        raise ArgumentError("driver_names", "a blank cell", "a driver name in every cell")
    if len(set(names)) != len(names):
        raise ArgumentError("driver_names", sorted(n for n in names if names.count(n) > 1)[0], "each driver named once")
    return parsed.evaluate(dict(zip(names, values.tolist(), strict=True)))


@udf
def XLP_COST_TO_SERVE(driver_rates, driver_volumes):
    """Cost-to-serve of one customer: Σ driver rate × driver volume."""
    rates = a.numbers_1d("driver_rates", driver_rates)
    volumes = a.numbers_1d("driver_volumes", driver_volumes, blank="zero")
    _same_length(driver_rates=rates, driver_volumes=volumes)
    for name, values in (("driver_rates", rates), ("driver_volumes", volumes)):
        if (values < 0).any():
            raise ArgumentError(name, float(values[values < 0][0]), "at least 0")
    products = rates * volumes
    if not np.isfinite(products).all():
        raise ModelError("driver rate × volume overflows")
    return math.fsum(products.tolist())


@udf
def XLP_ACTIVITY_RATES(
    activities, resources=None, transactions=None, usage=None, customers=None, parameters=None, bad_lines=None
):
    """Return the activities table of the costing."""
    if not a.is_blank(transactions):
        result = cached_analysis(transactions, activities, usage, resources, customers, parameters)
        note = lines_used(result, bad_lines)
        return with_note(frame_cells(result.activities.reset_index(drop=True)), note)
    a.bad_lines("bad_lines", bad_lines)
    return frame_cells(rates_without_volumes(activities, resources))


@udf
def XLP_ALLOCATE(amount, weights):
    """Split an amount over weights, exact to the cent."""
    parts = allocation.allocate(a.number("amount", amount), a.numbers_1d("weights", weights))
    values = [float(v) for v in parts]
    return [values] if _is_row(weights) else [[v] for v in values]


@udf
def XLP_CREDIT_COST(net_revenue, payment_days, cost_of_capital):
    """Cost of credit: net revenue × payment days / 365 × annual cost of capital (core.profit.credit_cost)."""
    return credit_cost(
        a.number("net_revenue", net_revenue),
        a.number("payment_days", payment_days),
        a.rate("cost_of_capital", cost_of_capital),
    )


# --------------------------------------------------------------------------- profit


@udf
def XLP_CUSTOMER_PROFIT(net_revenue, cogs, cost_to_serve, other_costs=None):
    """Return customer profit, summed in cents."""
    amounts = [
        a.number("net_revenue", net_revenue),
        a.number("cogs", cogs),
        a.number("cost_to_serve", cost_to_serve),
    ]
    others = np.zeros(0) if a.is_blank(other_costs) else a.numbers_1d("other_costs", other_costs, blank="zero")
    limit = f"at most ±{MAX_AMOUNT - 0.01:,.2f} (amounts beyond cannot be added to the cent)"
    for name, value in zip(("net_revenue", "cogs", "cost_to_serve"), amounts, strict=True):
        if amount_out_of_range(value):
            raise ArgumentError(name, value, limit)
    if amount_out_of_range(others).any():
        raise ArgumentError("other_costs", float(others[amount_out_of_range(others)][0]), limit)
    parts = to_cents(np.array(amounts))
    return float(int(parts[0]) - int(parts[1]) - int(parts[2]) - int(to_cents(others).sum())) / 100.0


@udf
def XLP_CUSTOMER_PNL(
    transactions, activities, usage=None, resources=None, customers=None, parameters=None, bad_lines=None
):
    """Return the customer P&L."""
    result = cached_analysis(transactions, activities, usage, resources, customers, parameters)
    note = lines_used(result, bad_lines)
    return with_note(frame_cells(result.customers, index="customer_id"), note)


@udf
def XLP_EXCEPTIONS(transactions, activities, usage=None, resources=None, customers=None, parameters=None):
    """Return every rejected, excluded or corrected input row with the reason, as the report lists them."""
    try:
        result = cached_analysis(transactions, activities, usage, resources, customers, parameters)
    except ValidationError as exc:  # the input cannot be analysed at all: list what stops it
        rows = [
            {"table": p.table, "row": p.row, "column": p.column, "value": p.value, "reason": p.reason,
             "action": "stops the analysis", "customer_id": None, "amount": None}
            for p in exc.problems
        ]
        return frame_cells(pd.DataFrame(rows, columns=EXCEPTION_COLUMNS))
    return frame_cells(result.exceptions)


@udf
def XLP_CHECKS(transactions, activities, usage=None, resources=None, customers=None, parameters=None):
    """Return the reconciliation: every conservation check with whether it holds."""
    result = cached_analysis(transactions, activities, usage, resources, customers, parameters)
    return frame_cells(result.reconciliation)


@udf
def XLP_WHALE_CURVE(profit, customer_id=None):
    """Return the whale curve."""
    series, positional = _profit_series(profit, customer_id)
    curve = whale.whale_curve(series)
    customer = curve["customer_id"].astype(int) if positional else curve["customer_id"]
    table = pd.DataFrame(
        {
            "rank": curve["rank"],
            "customer": customer,
            "profit": curve["profit"],
            "cumulative_profit": curve["cumulative_profit"],
            "cumulative_pct": curve["cumulative_profit_pct"],
        }
    )
    return frame_cells(table)


@udf
def XLP_WHALE_PEAK(profit):
    """Peak of the whale curve."""
    return whale.whale_peak(_profit_series(profit)[0])["peak_pct"]


@udf
def XLP_LOSS_SHARE(profit):
    """Losses as a share of gains."""
    return whale.loss_share(_profit_series(profit)[0])


@udf
def XLP_QUADRANT(net_price_pct, cost_to_serve_pct, price_threshold=None, cost_threshold=None, net_revenue=None):
    """Profitability-matrix quadrant."""
    price = a.numbers_1d("net_price_pct", net_price_pct, blank="nan")
    cost = a.numbers_1d("cost_to_serve_pct", cost_to_serve_pct, blank="nan")
    count = _same_length(net_price_pct=price, cost_to_serve_pct=cost)
    thresholds = [a.optional_number("price_threshold", price_threshold),
                  a.optional_number("cost_threshold", cost_threshold)]
    if None in thresholds:
        missing = ("price_threshold", "cost_threshold")[thresholds.index(None)]
        if a.is_blank(net_revenue):
            raise ArgumentError(
                missing, "a blank cell", "a number, or net_revenue given so that the portfolio ratio can be used"
            )
        net = a.numbers_1d("net_revenue", net_revenue, blank="nan")
        _same_length(net_price_pct=price, net_revenue=net)
        # The customers' money, from their ratios: the report's own thresholds (matrix.matrix_thresholds).
        with np.errstate(divide="ignore", invalid="ignore"):
            money = pd.DataFrame({"customer_id": [str(i) for i in range(count)], "net_revenue": net,
                                  "gross_revenue": np.where(price > 0, net / price, np.nan),
                                  "cost_to_serve": cost * net})
        portfolio = matrix.matrix_thresholds(money.fillna(0.0))
        thresholds = [portfolio[k] if thresholds[k] is None else thresholds[k] for k in (0, 1)]
        if any(math.isnan(t) for t in thresholds):
            raise ArgumentError("net_revenue", "no customer with positive net and gross revenue",
                                "at least one customer that can be placed on the matrix")
    labels = [
        matrix.quadrant(p, c, thresholds[0], thresholds[1]) if math.isfinite(p) and math.isfinite(c)
        else matrix.NOT_CLASSIFIED
        for p, c in zip(price, cost, strict=True)
    ]
    return labels[0] if count == 1 else [[label] for label in labels]


@udf
def XLP_TREND(transactions, activities, usage=None, resources=None, customers=None, parameters=None, bad_lines=None):
    """Contribution per customer and period, with flags."""
    result = cached_analysis(transactions, activities, usage, resources, customers, parameters)
    note = lines_used(result, bad_lines)
    trend = result.trend
    order = trend.drop_duplicates("period").sort_values(["period_start", "period"])["period"].tolist()
    wide = trend.pivot_table(
        index="customer_id", columns="period", values="contribution", aggfunc="sum", sort=True
    ).reindex(columns=order)
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reindex(result.customers.index)
    flags = result.customers[["flagged", "reasons"]]
    table = wide.join(flags)
    table["flagged"] = table["flagged"].fillna(False).astype(bool)
    return with_note(frame_cells(table, index="customer_id"), note)


# --------------------------------------------------------------------------- acquisition


@udf
def XLP_CAC(acquisition_spend, customers_acquired):
    """Acquisition cost per customer."""
    return acquisition.cac(
        a.number("acquisition_spend", acquisition_spend), a.number("customers_acquired", customers_acquired)
    )


@udf
def XLP_PAYBACK(discount_rate, cac, contribution_per_period, retention, timing=None):
    """Payback period in periods."""
    periods = acquisition.payback_periods(
        a.number("cac", cac),
        a.number("contribution_per_period", contribution_per_period),
        retention=a.rate("retention", retention),
        discount_rate=a.rate("discount_rate", discount_rate),
        timing=a.timing("timing", timing),
    )
    if not math.isfinite(periods):
        raise ModelError(
            "the acquisition cost is never recovered: the retained, discounted contribution "
            "over an infinite horizon does not reach it"
        )
    return periods


@udf
def XLP_BREAKEVEN(gross_margin_pct, variable_cost_pct, cost_per_order, fixed_cost, net_revenue, orders, result=None):
    """Break-even revenue, orders or average order size of a customer (core.breakeven)."""
    choice = a.text("result", result, "revenue").lower()
    if choice not in ("revenue", "orders", "order_size"):
        raise ArgumentError("result", choice, '"revenue" (blank), "orders" or "order_size"')
    costs = (
        a.rate("gross_margin_pct", gross_margin_pct, signed=True),
        a.rate("variable_cost_pct", variable_cost_pct),
        a.number("cost_per_order", cost_per_order),
        a.number("fixed_cost", fixed_cost),
    )
    revenue, count = a.number("net_revenue", net_revenue), a.number("orders", orders)
    if choice == "order_size":
        value = breakeven.breakeven_order_size(*costs, orders=count)
        if math.isnan(value):
            raise DivisionByZeroError("'orders' is 0: there is no order size to break even with")
        if math.isinf(value):
            raise ModelError("no order size breaks even: the gross margin does not cover the variable costs")
        return value
    function = breakeven.breakeven_revenue if choice == "revenue" else breakeven.breakeven_orders
    value = function(*costs, net_revenue=revenue, orders=count)
    if math.isnan(value):
        raise DivisionByZeroError("there is no average order size: 'orders' is 0 or 'net_revenue' is not positive")
    if math.isinf(value):
        raise ModelError("no revenue breaks even: the margin after variable and per-order costs is not positive")
    return value


@udf
def XLP_REFERRAL_VALUE(customer, customer_ids, referred_by, values, attribution_share=None):
    """Referral value of one customer."""
    who = a.text("customer", customer)
    ids = a.texts_1d("customer_ids", customer_ids)
    referrers = a.texts_1d("referred_by", referred_by)
    worth = a.numbers_1d("values", values, blank="nan")
    _same_length(customer_ids=ids, referred_by=referrers, values=worth)
    if any(i is None for i in ids):
        raise ArgumentError("customer_ids", "a blank cell", "an id in every cell")
    share = a.rate("attribution_share", attribution_share, acquisition.DEFAULT_ATTRIBUTION_SHARE)
    frame = pd.DataFrame(
        {"referred_by": np.array(referrers, dtype=object), "value": worth}, index=pd.Index(ids, name="customer_id")
    )
    credited = acquisition.referral_value(frame, "value", attribution_share=share)
    if who not in credited.index:
        raise UnknownCustomerError(f"customer {who!r} is not in 'customer_ids'")
    return float(credited[who])


@udf
def XLP_PROSPECT_VALUE(
    discount_rate,
    expected_revenue,
    gross_margin_pct=None,
    expected_cost_to_serve=None,
    retention=None,
    acquisition_cost=None,
    horizon=None,
    timing=None,
    variable_cost_pct=None,
    customer_pnl=None,
    segment=None,
    channel=None,
    periods_per_year=None,
):
    """Value of a prospect on contribution; blank margin, cost-to-serve and retention from look-alikes."""
    given = {
        "gross_margin_pct": a.rate("gross_margin_pct", gross_margin_pct, None, signed=True),
        "expected_cost_to_serve": a.number("expected_cost_to_serve", expected_cost_to_serve, None),
        "retention": a.rate("retention", retention, None),
        "variable_cost_pct": a.rate("variable_cost_pct", variable_cost_pct, None),
    }
    lookalike = None
    if not a.is_blank(customer_pnl) and any(value is None for value in given.values()):
        keys = ("segment",) if a.is_blank(channel) else ("segment", "channel")
        wanted = [a.text("segment", segment)] + ([] if a.is_blank(channel) else [a.text("channel", channel)])
        table = a.table("customer_pnl", customer_pnl)
        assert table is not None
        table.columns = [snake_case(c) for c in table.columns]
        needed = ("customer_id", *keys, "net_revenue", "gross_margin", "cost_to_serve", "commissions",
                  "cost_of_credit", "bad_debt")
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ArgumentError("customer_pnl", f"no column {', '.join(missing)}",
                                "the table XLP_CUSTOMER_PNL spills, with its header row")
        rest = table.drop(columns="customer_id")
        table = table[rest.notna().any(axis=1).to_numpy()]  # the last row of a spill that states what was left out
        try:
            lookalike = acquisition.lookalike_of(acquisition.lookalikes(table, keys), *wanted)
        except ArgumentError as exc:  # name the Excel argument, not the Python one
            name = exc.argument
            name = "customer_pnl" + name.removeprefix("customers") if name.startswith("customers") else \
                f"customer_pnl.{name}"
            raise ArgumentError(name, exc.value, exc.requirement) from None
    elif a.is_blank(customer_pnl):
        for name in ("segment", "channel"):
            if not a.is_blank(segment if name == "segment" else channel):
                raise ArgumentError("customer_pnl", "a blank cell", f"the customer P&L to find the look-alikes when "
                                    f"{name} is given")
        for name in ("gross_margin_pct", "expected_cost_to_serve", "retention"):
            if given[name] is None:
                raise ArgumentError(name, "a blank cell", "a number, or blank with customer_pnl and segment given "
                                    "(look-alike customers)")
    return acquisition.prospect_value(
        a.number("expected_revenue", expected_revenue),
        given["gross_margin_pct"],
        given["expected_cost_to_serve"],
        given["retention"],
        a.rate("discount_rate", discount_rate),
        timing=a.timing("timing", timing),
        variable_cost_pct=given["variable_cost_pct"],
        acquisition_cost=a.number("acquisition_cost", acquisition_cost, 0.0),
        horizon=a.whole_number("horizon", horizon, None, low=1, high=MAX_CLOSED_FORM_HORIZON),
        lookalike=lookalike,
        periods_per_year=a.whole_number("periods_per_year", periods_per_year, 1, low=1, high=12),
    )


# --------------------------------------------------------------------------- lifetime value


@udf
def XLP_CLV(discount_rate, margin, retention, timing=None, horizon=None, margin_growth=None, acquisition_cost=None):
    """Return customer lifetime value with the retention formula."""
    return simple_clv(
        a.number("margin", margin),
        a.rate("retention", retention),
        a.rate("discount_rate", discount_rate),
        timing=a.timing("timing", timing),
        horizon=a.whole_number("horizon", horizon, None, low=1, high=MAX_CLOSED_FORM_HORIZON),
        margin_growth=a.rate("margin_growth", margin_growth, 0.0, signed=True),
        acquisition_cost=a.number("acquisition_cost", acquisition_cost, 0.0),
    )


@udf
def XLP_CLV_CASHFLOWS(discount_rate, margins, retention=None, timing=None):
    """Present value of a margin stream."""
    stream = a.numbers_1d("margins", margins)
    rates: Any = None
    if not a.is_blank(retention):
        read = a.rates("retention", a.numbers_1d("retention", retention))
        rates = float(read[0]) if read.size == 1 else read
    return clv_cashflows(
        stream, a.rate("discount_rate", discount_rate), retention=rates, timing=a.timing("timing", timing)
    )


@udf
def XLP_ISERROR(value):
    """TRUE where a value is an Excel error or an error an XLP function returned, in every runtime."""
    if isinstance(value, list) and value and isinstance(value[0], list) and (len(value) > 1 or len(value[0]) > 1):
        width = max(len(row) if isinstance(row, list) else 1 for row in value)
        rows = [row if isinstance(row, list) else [row] for row in value]
        return [[_is_error(cell) for cell in row] + [False] * (width - len(row)) for row in rows]
    if isinstance(value, list):
        while isinstance(value, list) and len(value) == 1:
            value = value[0]
    return _is_error(value)


def _is_error(cell: Any) -> bool:
    """An error cell (an Office.js error object or its code) or the text of an XLP error (classic COM)."""
    if isinstance(cell, dict):
        return cell.get("type") == "Error"
    if not isinstance(cell, str):
        return False
    head = cell.lstrip()[:16].split(" ", 1)[0].upper()
    return head in EXCEL_ERRORS


def _period(value: Any) -> Any:
    read = a.unwrap("period", value)
    if isinstance(read, str) and not a.is_blank(read) and read.strip().lower() in ("day", "week"):
        return read.strip().lower()
    days = a.number("period", read)
    if days <= 0 or days > 36_600:
        raise ArgumentError("period", days, '"day", "week" or a number of days between 0 and 36,600')
    return pd.Timedelta(days=days)


@udf
def XLP_RFM(transactions, observation_end, period, bad_lines=None):
    """RFM summary per customer."""
    choice = a.bad_lines("bad_lines", bad_lines)
    lines = a.table("transactions", transactions, errors="raise" if choice == "error" else "keep")
    assert lines is not None
    columns = {snake_case(c): c for c in lines.columns}
    for column in ("customer_id", "date", "net_revenue"):
        if column not in columns:
            raise ArgumentError("transactions", f"columns {list(lines.columns)}", f"a table with a '{column}' column")
    raw = {name: lines[columns[name]] for name in ("customer_id", "date", "net_revenue")}
    ids = parse_ids(without_cell_errors(raw["customer_id"]))
    dates, _ = parse_dates(without_cell_errors(raw["date"]))
    values, _ = parse_numbers(without_cell_errors(raw["net_revenue"]))
    unusable = np.zeros(len(lines), dtype=bool)
    for name, parsed in (("customer_id", ids), ("date", dates), ("net_revenue", values)):
        bad = parsed.isna().to_numpy()
        if bad.any() and choice == "error":
            row = int(np.flatnonzero(bad)[0])
            raise ArgumentError(
                "transactions",
                f"row {row + 2}, {name} {a.describe_cells(raw[name].iloc[row])}",
                f'a readable {name} on every line (bad_lines "skip" leaves such lines out)',
            )
        unusable |= bad
    frame = pd.DataFrame({"customer_id": ids.to_numpy(), "date": dates.to_numpy(), "net_revenue": values.to_numpy()})
    result = rfm(
        frame[~unusable], observation_end=a.date("observation_end", observation_end), period=_period(period)
    )
    note = None
    if unusable.any():
        amount = float(np.nansum(values.to_numpy()[unusable]))
        unreadable = int(np.isnan(values.to_numpy()[unusable]).sum())
        note = f"Left out: {int(unusable.sum()):,} line(s) without a readable customer_id, date or net_revenue, "
        note += f"net revenue {amount:,.2f}"
        note += f" ({unreadable:,} of them without a readable amount)." if unreadable else "."
    return with_note(frame_cells(result, index="customer_id"), note)


@udf
def XLP_SBG_FIT(survivors):
    """Fit the sBG model."""
    model = ShiftedBetaGeometric().fit(_numbers_2d("survivors", survivors))
    return _block("sBG", model.params_, model.log_likelihood_)


@udf
def XLP_SBG_RETENTION(model, t):
    """Retention rate of period t."""
    return _column(_sbg(model).retention(a.numbers_1d("t", t)))


@udf
def XLP_SBG_DERL(model, discount_rate, renewals=None):
    """Discounted expected residual lifetime."""
    fitted = _sbg(model)
    return fitted.discounted_residual_lifetime(
        a.rate("discount_rate", discount_rate), a.whole_number("renewals", renewals, 0, low=0)
    )


def _fit_inputs(
    frequency: Any, recency: Any, age: Any, weights: Any, age_name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The columns of a fit: frequency, recency, T (or periods) and optional weights, of one length."""
    columns = {"frequency": a.numbers_1d("frequency", frequency), "recency": a.numbers_1d("recency", recency),
               age_name: a.numbers_1d(age_name, age)}
    if not a.is_blank(weights):
        columns["weights"] = a.numbers_1d("weights", weights)
    _same_length(**columns)
    return columns["frequency"], columns["recency"], columns[age_name], columns.get("weights")


def _history(
    frequency: Any, recency: Any, T: Any, names: tuple[str, str, str] = ("frequency", "recency", "T")
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A customer's history (or a column of them); None when all three arguments are blank."""
    blanks = [a.is_blank(v) for v in (frequency, recency, T)]
    if all(blanks):
        return None
    if any(blanks):
        missing = names[blanks.index(True)]
        raise ArgumentError(missing, "a blank cell", "given together with the other history arguments")
    history = tuple(a.numbers_1d(name, value) for name, value in zip(names, (frequency, recency, T), strict=True))
    _same_length(**dict(zip(names, history, strict=True)))
    return history[0], history[1], history[2]


@udf
def XLP_BGNBD_FIT(frequency, recency, T, weights=None):
    """Fit the BG/NBD model."""
    x, t_x, t_cal, w = _fit_inputs(frequency, recency, T, weights, "T")
    model = BetaGeo().fit(x, t_x, t_cal, w)
    return _block("BG/NBD", model.params_, model.log_likelihood_)


@udf
def XLP_BGNBD_EXPECTED(model, window, frequency=None, recency=None, T=None):
    """Return the expected repeat purchases in the next window of periods."""
    fitted = _bgnbd(model)
    window = a.number("window", window)
    history = _history(frequency, recency, T)
    with _excel_names(t="window"):
        if history is None:
            return fitted.expected_purchases_new(window)
        return _column(fitted.expected_purchases(window, *history))


@udf
def XLP_BGNBD_ALIVE(model, frequency, recency, T):
    """Probability of being alive."""
    history = _history(frequency, recency, T)
    if history is None:
        raise ArgumentError("frequency", "a blank cell", "the customer's repeat purchases")
    return _column(_bgnbd(model).probability_alive(*history))


@udf
def XLP_PNBD_FIT(frequency, recency, T, weights=None):
    """Fit the Pareto/NBD model."""
    x, t_x, t_cal, w = _fit_inputs(frequency, recency, T, weights, "T")
    model = ParetoNBD().fit(x, t_x, t_cal, w)
    return _block("Pareto/NBD", model.params_, model.log_likelihood_)


@udf
def XLP_PNBD_EXPECTED(model, window, frequency=None, recency=None, T=None):
    """Return the expected repeat purchases in the next window of periods under a Pareto/NBD model."""
    fitted = _pnbd(model)
    window = a.number("window", window)
    history = _history(frequency, recency, T)
    with _excel_names(t="window"):
        if history is None:
            return fitted.expected_purchases_new(window)
        return _column(fitted.expected_purchases(window, *history))


@udf
def XLP_PNBD_ALIVE(model, frequency, recency, T):
    """Probability of being alive under a Pareto/NBD model."""
    history = _history(frequency, recency, T)
    if history is None:
        raise ArgumentError("frequency", "a blank cell", "the customer's repeat purchases")
    return _column(_pnbd(model).probability_alive(*history))


#: The Excel names of the BG/BB core's arguments.
_BGBB_NAMES = {"n_periods": "periods", "n_star": "periods_ahead"}
_BGBB_HISTORY = ("frequency", "recency", "periods")


def _bgbb_terms(recency: np.ndarray, periods: np.ndarray) -> None:
    """Refuse histories whose BG/BB sums or tables would exceed :data:`MAX_BGBB_TERMS` terms."""
    longest = float(periods.max()) if periods.size else 0.0
    if longest > MAX_BGBB_TERMS:
        raise ArgumentError("periods", longest, f"at most {MAX_BGBB_TERMS:,} opportunities")
    gaps = np.unique(np.column_stack([recency, periods]), axis=0)
    terms = float(np.clip(gaps[:, 1] - gaps[:, 0], 0.0, None).sum()) if gaps.size else 0.0
    if terms > MAX_BGBB_TERMS:
        raise ArgumentError(
            "periods",
            f"{terms:,.0f} opportunities after the last transactions",
            f"at most {MAX_BGBB_TERMS:,} opportunities after the last transaction, summed over the distinct "
            "histories (the BG/BB sums one term for each)",
        )


def _bgbb_history(frequency: Any, recency: Any, periods: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    history = _history(frequency, recency, periods, _BGBB_HISTORY)
    if history is not None:
        _bgbb_terms(history[1], history[2])
    return history


def _required_bgbb_history(frequency: Any, recency: Any, periods: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    history = _bgbb_history(frequency, recency, periods)
    if history is None:
        raise ArgumentError("frequency", "a blank cell", "the customer's transactions")
    return history


@udf
def XLP_BGBB_FIT(frequency, recency, periods, weights=None):
    """Fit the BG/BB model."""
    x, t_x, n, w = _fit_inputs(frequency, recency, periods, weights, "periods")
    _bgbb_terms(t_x, n)
    with _excel_names(**_BGBB_NAMES):
        model = BetaGeoBetaBinom().fit(x, t_x, n, w)
    return _block("BG/BB", model.params_, model.log_likelihood_)


@udf
def XLP_BGBB_EXPECTED(model, periods_ahead, frequency=None, recency=None, periods=None):
    """Return the expected transactions in the next opportunities under a BG/BB model."""
    fitted = _bgbb(model)
    ahead = a.whole_number("periods_ahead", periods_ahead, low=0, high=MAX_CLOSED_FORM_HORIZON)
    history = _bgbb_history(frequency, recency, periods)
    with _excel_names(**_BGBB_NAMES, n="periods_ahead"):
        if history is None:
            return fitted.expected_purchases_new(ahead)
        return _column(fitted.expected_purchases(ahead, *history))


@udf
def XLP_BGBB_ALIVE(model, frequency, recency, periods):
    """Probability of being alive at the next opportunity under a BG/BB model."""
    fitted = _bgbb(model)
    history = _required_bgbb_history(frequency, recency, periods)
    with _excel_names(**_BGBB_NAMES):
        return _column(fitted.probability_alive(*history))


@udf
def XLP_BGBB_DERT(model, discount_rate, frequency, recency, periods):
    """Discounted expected residual transactions under a BG/BB model."""
    fitted = _bgbb(model)
    rate = a.rate("discount_rate", discount_rate)
    history = _required_bgbb_history(frequency, recency, periods)
    with _excel_names(**_BGBB_NAMES):
        return _column(fitted.discounted_expected_residual_transactions(rate, *history))


@udf
def XLP_GG_FIT(frequency, monetary_value):
    """Fit the Gamma-Gamma model."""
    model = GammaGamma().fit(a.numbers_1d("frequency", frequency), a.numbers_1d("monetary_value", monetary_value))
    return _block("Gamma-Gamma", model.params_, model.log_likelihood_)


@udf
def XLP_GG_SPEND(model, frequency=None, monetary_value=None):
    """Return the expected spend per purchase."""
    fitted = _gg(model)
    if a.is_blank(frequency) and a.is_blank(monetary_value):
        return fitted.mean_spend()
    count = a.numbers_1d("frequency", frequency)
    spend = a.numbers_1d("monetary_value", monetary_value)
    _same_length(frequency=count, monetary_value=spend)
    return _column(fitted.expected_spend(count, spend))


def _model_name(argument: str, block: Any) -> str:
    if isinstance(block, list):
        for row in block:
            if (
                isinstance(row, list)
                and len(row) >= 2
                and isinstance(row[0], str)
                and row[0].strip().lower() == "model"
                and isinstance(row[1], str)
            ):
                return row[1].strip()
    raise ArgumentError(argument, a.describe_cells(block), "a parameter block from XLP_BGNBD_FIT or XLP_SBG_FIT")


@udf
def XLP_CUSTOMER_CLV(discount_rate, purchase_model, rfm, margin_ratio, horizon, spend_model=None, discount_period=None):
    """Lifetime value of every customer on contribution."""
    kind = _known_model(_model_name("purchase_model", purchase_model))
    if kind not in (None, "sBG", "BG/NBD"):
        raise ArgumentError("purchase_model", f"a {kind} block (from {MODEL_BLOCKS[kind][0]})",
                            "a parameter block from XLP_BGNBD_FIT or XLP_SBG_FIT")
    purchases: BetaGeo | ShiftedBetaGeometric
    if kind == "sBG":
        purchases = ShiftedBetaGeometric()
        purchases.params_ = _params("purchase_model", purchase_model, "sBG")
        spend = None
        if not a.is_blank(spend_model):
            raise ArgumentError("spend_model", "a parameter block", "blank with an sBG purchase model")
    else:
        purchases = _bgnbd(purchase_model, "purchase_model")
        if a.is_blank(spend_model):
            raise ArgumentError("spend_model", "a blank cell", "a block from XLP_GG_FIT with a BG/NBD model")
        spend = _gg(spend_model, "spend_model")
    table = a.table("rfm", rfm)
    assert table is not None
    table.columns = [c if c == "T" else snake_case(c) for c in table.columns]
    if "customer_id" not in table.columns:
        raise ArgumentError("rfm", f"columns {list(table.columns)}", "a table with a 'customer_id' column")
    ids = parse_ids(table["customer_id"])
    if ids.isna().any():
        raise ArgumentError("rfm", "a blank customer_id", "an id on every row")
    numeric = pd.DataFrame(index=pd.Index(ids.to_numpy(), name="customer_id"))
    for column in table.columns:
        if column != "customer_id":
            numeric[column] = a.numbers_1d(f"rfm.{column}", [[v] for v in table[column]])
    ratios = a.rates("margin_ratio", a.numbers_1d("margin_ratio", margin_ratio, blank="nan"), signed=True)
    if ratios.size == 1:
        ratio: Any = float(ratios[0])
    elif ratios.size == len(numeric):
        ratio = pd.Series(ratios, index=numeric.index)
    else:
        raise ArgumentError(
            "margin_ratio", f"{ratios.size} cells", f"one number or one per row of rfm ({len(numeric)})"
        )
    result = customer_clv(
        numeric,
        ratio,
        purchase_model=purchases,
        spend_model=spend,
        discount_rate=a.rate("discount_rate", discount_rate),
        discount_period=a.number("discount_period", discount_period, 1.0),
        horizon=a.whole_number("horizon", horizon, low=1, high=MAX_HORIZON),
    )
    return frame_cells(result, index="customer_id")
