"""The catalogue of Excel functions: names, arguments and help text, in one place.

Every ``XLP_*`` function of :mod:`xlprofit.excel.udfs` is described here once. The
descriptions become the function wizard's help in classic Excel and the formula help in
Office.js (both limited to 255 characters), the output of ``xlprofit functions`` and the
reference page ``docs/functions.md``; a test proves that the page is current.

This module does not import xlwings, so that the command line can print the catalogue
without it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CATEGORIES",
    "FUNCTIONS",
    "MAX_HELP_LENGTH",
    "NAMESPACE",
    "Argument",
    "Function",
    "by_name",
    "render_markdown",
    "render_text",
    "signature",
]

#: Office.js namespace: ``XLP_CLV`` appears as ``XLP.CLV`` there.
NAMESPACE = "XLP"
#: Longest help text Excel shows for a function or an argument.
MAX_HELP_LENGTH = 255
#: Categories in the order the reference lists them.
CATEGORIES: tuple[str, ...] = ("Costing", "Profit", "Acquisition", "Lifetime value", "Checks")


@dataclass(frozen=True)
class Argument:
    """One argument of an Excel function.

    Attributes
    ----------
    name:
        The Python and Excel name of the argument.
    help:
        What the argument is, its unit and, for an optional one, what a blank means.
    optional:
        Whether the argument may be left out or blank.
    shape:
        ``"scalar"`` (one cell), ``"vector"`` (a row or column of cells) or ``"table"``
        (a range or Excel Table with a header row).
    """

    name: str
    help: str
    optional: bool = False
    shape: str = "scalar"


@dataclass(frozen=True)
class Function:
    """One ``XLP_*`` function.

    Attributes
    ----------
    name:
        Classic Excel name (``XLP_CLV``); the Office.js name is ``XLP.`` + the rest.
    category:
        One of :data:`CATEGORIES`.
    description:
        One line, at most :data:`MAX_HELP_LENGTH` characters.
    arguments:
        The arguments in order; optional ones last.
    returns:
        What the cell (or the spilled range) holds.
    cache:
        Whether Office.js may cache the result (fit functions).
    """

    name: str
    category: str
    description: str
    arguments: tuple[Argument, ...]
    returns: str
    cache: bool = False

    @property
    def officejs_name(self) -> str:
        """Name under Office.js: ``XLP.CLV`` for ``XLP_CLV``."""
        return f"{NAMESPACE}.{self.short_name}"

    @property
    def short_name(self) -> str:
        """Name inside the namespace: ``CLV`` for ``XLP_CLV``."""
        return self.name.removeprefix(NAMESPACE + "_")


def _a(name: str, text: str, *, optional: bool = False, shape: str = "scalar") -> Argument:
    return Argument(name, text, optional, shape)


_TABLES = "A range or Excel Table with a header row (e.g. {0}[#All])"
_RATE = "as a fraction between 0 and 1 (0.1 or 10%; 10 is refused)"
_ANALYSIS_TABLES = (
    _a("transactions", _TABLES.format("Transactions") + ".", shape="table"),
    _a("activities", _TABLES.format("Activities") + ".", shape="table"),
    _a("usage", _TABLES.format("Usage") + ". Blank: no usage drivers.", optional=True, shape="table"),
    _a("resources", _TABLES.format("Resources") + ". Blank: none.", optional=True, shape="table"),
    _a(
        "customers",
        _TABLES.format("Customers") + ". Blank: the customer ids found in the transactions.",
        optional=True,
        shape="table",
    ),
    _a(
        "parameters",
        "A name/value table of parameters with a header row. Blank: defaults.",
        optional=True,
        shape="table",
    ),
)
_WEIGHTS = _a(
    "weights",
    "Customers each row stands for (the count of a recency/frequency pattern, as in Hardie's datasets), at "
    "least 0. Blank: 1 per row.",
    optional=True,
    shape="vector",
)
_BAD_LINES = _a(
    "bad_lines",
    'An input row that cannot be used: "error" (blank; the function returns an error naming its table, row, '
    'column and value) or "skip" (left out; the last row says how many and how much net revenue).',
    optional=True,
)

FUNCTIONS: tuple[Function, ...] = (
    # ------------------------------------------------------------------ costing
    Function(
        "XLP_CAPACITY_RATE",
        "Costing",
        "Capacity cost rate of a resource (time-driven ABC): cost per minute of practical capacity.",
        (
            _a("cost", "Cost of the resource (a department) for the period, in money; at least 0."),
            _a("capacity", "Practical capacity of the resource in the same period, in minutes; above 0."),
        ),
        "Money per minute: cost / capacity.",
    ),
    Function(
        "XLP_ACTIVITY_RATE",
        "Costing",
        "Time-driven ABC driver rate: cost of one event of an activity, unit time × cost / capacity.",
        (
            _a("cost", "Cost of the resource for the period, in money; at least 0."),
            _a("capacity", "Practical capacity of the resource in minutes; above 0."),
            _a("unit_time", "Minutes of the resource one event of the activity takes; at least 0."),
        ),
        "Money per driver event.",
    ),
    Function(
        "XLP_TIME",
        "Costing",
        'Minutes of one event of an activity from a time equation such as "5 + 2*lines + 10*rush", '
        "given the values of the drivers it names.",
        (
            _a("equation", 'Time equation: minutes per event, linear in the drivers, e.g. "5 + 2*lines".'),
            _a(
                "driver_names",
                "Names of the drivers the equation uses (a row or column of text). "
                "Blank for an equation without drivers.",
                optional=True,
                shape="vector",
            ),
            _a(
                "driver_values",
                "Value of each driver for this event, in the order of driver_names. "
                "Blank for an equation without drivers.",
                optional=True,
                shape="vector",
            ),
        ),
        "Minutes.",
    ),
    Function(
        "XLP_COST_TO_SERVE",
        "Costing",
        "Cost-to-serve of one customer: the sum over activities of driver rate × the customer's "
        "driver volume (like SUMPRODUCT, with checks).",
        (
            _a(
                "driver_rates",
                "Cost of one driver event per activity, e.g. from XLP_ACTIVITY_RATE (a row or column of numbers).",
                shape="vector",
            ),
            _a(
                "driver_volumes",
                "The customer's volume of each activity's driver, in the same order; "
                "at least 0. Blank cells count as 0.",
                shape="vector",
            ),
        ),
        "Money.",
    ),
    Function(
        "XLP_ACTIVITY_RATES",
        "Costing",
        "Spills the activities table: method, driver rate, driver volume, minutes, cost, assigned and "
        "unassigned cost of every activity.",
        (
            _a(
                "activities",
                _TABLES.format("Activities") + ": activity, driver, and cost or resource with "
                "unit_time / time_equation.",
                shape="table",
            ),
            _a(
                "resources",
                _TABLES.format("Resources") + ": resource, cost, capacity (minutes). "
                "Blank when every activity has its own cost.",
                optional=True,
                shape="table",
            ),
            _a(
                "transactions",
                _TABLES.format("Transactions") + ". Blank: only the rates of time-driven activities, without volumes.",
                optional=True,
                shape="table",
            ),
            _a(
                "usage",
                _TABLES.format("Usage") + ": customer_id, driver, quantity. Blank: no usage drivers.",
                optional=True,
                shape="table",
            ),
            *_ANALYSIS_TABLES[4:],  # customers, parameters
            _BAD_LINES,
        ),
        'A table with a header row, one row per activity; with "skip", a last row stating what was left out.',
    ),
    Function(
        "XLP_ALLOCATE",
        "Costing",
        "Splits an amount over weights, exact to the cent: largest-remainder rounding, so the parts "
        "always add up to the amount.",
        (
            _a("amount", "Money to split (rounded to the cent first); negative for a credit."),
            _a("weights", "One weight per part, at least 0, not all 0 (a row or column).", shape="vector"),
        ),
        "The parts, in the orientation of weights (a column for a column).",
    ),
    Function(
        "XLP_CREDIT_COST",
        "Costing",
        "Cost of the credit given to a customer, as in the customer P&L: net revenue × payment days / 365 × "
        "annual cost of capital (a 365-day year, leap years too).",
        (
            _a("net_revenue", "Net revenue of the customer, in money."),
            _a("payment_days", "Days the customer takes to pay; at least 0."),
            _a("cost_of_capital", f"Annual cost of capital {_RATE}."),
        ),
        "Money.",
    ),
    # ------------------------------------------------------------------ profit
    Function(
        "XLP_CUSTOMER_PROFIT",
        "Profit",
        "Customer profit: net revenue − COGS − cost-to-serve − other costs, summed in cents.",
        (
            _a("net_revenue", "Net revenue of the customer, in money."),
            _a("cogs", "Cost of goods sold to the customer, in money."),
            _a("cost_to_serve", "Cost-to-serve of the customer, in money."),
            _a(
                "other_costs",
                "Further costs to deduct (commissions, cost of credit, bad debt…): a number or "
                "a range, blanks count as 0. Blank: none.",
                optional=True,
                shape="vector",
            ),
        ),
        "Money.",
    ),
    Function(
        "XLP_CUSTOMER_PNL",
        "Profit",
        "Spills the customer P&L: revenue waterfall, cost-to-serve per activity, contribution and profit "
        "for every customer, from the input tables.",
        (
            _a(
                "transactions",
                _TABLES.format("Transactions") + ": date, customer_id, net_revenue, …",
                shape="table",
            ),
            _a(
                "activities",
                _TABLES.format("Activities") + ": activity, driver, cost or resource.",
                shape="table",
            ),
            _a(
                "usage",
                _TABLES.format("Usage") + ": customer_id, driver, quantity. Blank: no usage drivers.",
                optional=True,
                shape="table",
            ),
            _a(
                "resources",
                _TABLES.format("Resources") + ": resource, cost, capacity. Blank: none.",
                optional=True,
                shape="table",
            ),
            *_ANALYSIS_TABLES[4:],  # customers, parameters
            _BAD_LINES,
        ),
        "A table with a header row, one row per customer (the columns of Analysis.customers); with "
        '"skip", a last row stating what was left out.',
    ),
    Function(
        "XLP_WHALE_CURVE",
        "Profit",
        "Spills the whale curve: customers ranked by profit with cumulative profit and its share of total profit.",
        (
            _a("profit", "Profit per customer (a row or column of numbers).", shape="vector"),
            _a(
                "customer_id",
                "Customer ids in the order of profit. Blank: the position in the list.",
                optional=True,
                shape="vector",
            ),
        ),
        "A table: rank, customer, profit, cumulative_profit, cumulative_pct (blank when total profit is not positive).",
    ),
    Function(
        "XLP_WHALE_PEAK",
        "Profit",
        "Peak of the whale curve: the profit of the profitable customers as a share of total profit (1.85 = 185 %).",
        (_a("profit", "Profit per customer (a row or column of numbers); total above 0.", shape="vector"),),
        "A fraction.",
    ),
    Function(
        "XLP_LOSS_SHARE",
        "Profit",
        "Losses of unprofitable customers as a share of the profits of the profitable ones.",
        (_a("profit", "Profit per customer (a row or column of numbers).", shape="vector"),),
        "A fraction (0.4 = losses give back 40 % of the gains).",
    ),
    Function(
        "XLP_QUADRANT",
        "Profit",
        "Profitability-matrix quadrant (Shapiro et al. 1987): carriage trade, passive, bargain basement or aggressive.",
        (
            _a(
                "net_price_pct",
                "Net revenue / gross revenue of the customer (a number, or a column for many customers).",
                shape="vector",
            ),
            _a("cost_to_serve_pct", "Cost-to-serve / net revenue, in the same shape.", shape="vector"),
            _a(
                "price_threshold",
                "Net price at or above which a customer is high price. Blank: the portfolio's, "
                "Σ net revenue / Σ gross revenue, as the report uses (needs net_revenue).",
                optional=True,
            ),
            _a(
                "cost_threshold",
                "Cost ratio at or above which a customer is high cost. Blank: the portfolio's, "
                "Σ cost-to-serve / Σ net revenue, as the report uses (needs net_revenue).",
                optional=True,
            ),
            _a(
                "net_revenue",
                "Net revenue of each customer, in the shape of net_price_pct: weights the portfolio "
                "thresholds. Only needed when a threshold is blank.",
                optional=True,
                shape="vector",
            ),
        ),
        'Text, or a column of text ("n/a" for a customer without positive net and gross revenue).',
    ),
    Function(
        "XLP_TREND",
        "Profit",
        "Spills contribution per customer and period, with a flag and the reasons for customers turning unprofitable.",
        (
            *_ANALYSIS_TABLES[:5],
            _a(
                "parameters",
                "A name/value table of parameters (periods_per_year sets the period). Blank: quarters.",
                optional=True,
                shape="table",
            ),
            _BAD_LINES,
        ),
        'A table: customer_id, one column per period, flagged, reasons; with "skip", a last row stating '
        "what was left out.",
    ),
    # ------------------------------------------------------------------ acquisition
    Function(
        "XLP_CAC",
        "Acquisition",
        "Customer acquisition cost: acquisition spend per customer acquired.",
        (
            _a(
                "acquisition_spend",
                "Marketing and sales spend on winning customers in the period; at least 0.",
            ),
            _a("customers_acquired", "Customers won with that spend; above 0."),
        ),
        "Money per customer.",
    ),
    Function(
        "XLP_PAYBACK",
        "Acquisition",
        "Payback period: periods of (retained, discounted) contribution needed to recover the acquisition cost.",
        (
            _a("discount_rate", f"Discount rate per period (the period of the contribution), {_RATE}."),
            _a("cac", "Acquisition cost to recover; at least 0."),
            _a(
                "contribution_per_period",
                "Contribution of the customer per period since it was acquired: its contribution divided by its "
                "active periods (from acquisition, or the window start, to its last period), not the whole window.",
            ),
            _a("retention", f"Share of customers kept from one period to the next, {_RATE}."),
            _a(
                "timing",
                '"end" (contribution at the end of each period) or "start". Blank: "end".',
                optional=True,
            ),
        ),
        "Periods from acquisition (fractional). #NUM! when the cost is never recovered.",
    ),
    Function(
        "XLP_BREAKEVEN",
        "Acquisition",
        "Break-even of a customer: the net revenue (at its order size), the orders, or the order size (at its "
        "number of orders) at which its contribution is 0, from its margin and cost structure.",
        (
            _a(
                "gross_margin_pct",
                "Gross margin / net revenue, between -1 and 1 (0.25 or 25%).",
            ),
            _a(
                "variable_cost_pct",
                "Costs that move with revenue, per unit of net revenue: commission + cost of credit + bad debt, "
                f"{_RATE}.",
            ),
            _a(
                "cost_per_order",
                "Cost-to-serve per order: the order- and line-level activities (handling, picking, delivery) / orders; "
                "at least 0.",
            ),
            _a(
                "fixed_cost",
                "Cost-to-serve fixed per customer for the period: customer- and product-level activities "
                "(sales visits, service calls); at least 0.",
            ),
            _a("net_revenue", "The customer's net revenue in the period (with orders: its average order size)."),
            _a("orders", "The customer's orders in the period; at least 0."),
            _a(
                "result",
                '"revenue" (net revenue for the period, orders growing with it), "orders" (orders of the present '
                'size) or "order_size" (net revenue per order at the present orders). Blank: "revenue".',
                optional=True,
            ),
        ),
        "Money for the period of fixed_cost, or orders. #NUM! when nothing breaks even (each order loses money, "
        "or the margin does not cover the variable costs); #DIV/0! without an order size.",
    ),
    Function(
        "XLP_REFERRAL_VALUE",
        "Acquisition",
        "Referral value of a customer: a share of the value of the customers it referred (after Kumar et al.).",
        (
            _a("customer", "The customer id to value."),
            _a("customer_ids", "Every customer id (a column).", shape="vector"),
            _a(
                "referred_by",
                "Who referred each customer, in the order of customer_ids; blank for none.",
                shape="vector",
            ),
            _a(
                "values",
                "Value of each customer in the same order: its CLV (what a referral will bring) or, without one, "
                "its contribution (what it brought).",
                shape="vector",
            ),
            _a(
                "attribution_share",
                f"Share of a referred customer's value credited to the referrer, {_RATE}. Blank: 0.5 (neutral when "
                "it is unknown how many would have come anyway).",
                optional=True,
            ),
        ),
        "Money (add the customer's own CLV for its total value). #N/A for a customer that is not in customer_ids.",
    ),
    Function(
        "XLP_PROSPECT_VALUE",
        "Acquisition",
        "Value of a prospect on contribution: expected revenue × (gross margin − commission, credit, bad debt) − "
        "cost-to-serve, over its retained lifetime, minus acquisition cost. Blanks from look-alike customers.",
        (
            _a("discount_rate", f"Discount rate per period, {_RATE}."),
            _a("expected_revenue", "Expected net revenue per period; at least 0."),
            _a(
                "gross_margin_pct",
                "Gross margin as a share of net revenue, between -1 and 1 (0.3 or 30%; 30 is refused). "
                "Blank: the look-alikes' median (needs customer_pnl).",
                optional=True,
            ),
            _a(
                "expected_cost_to_serve",
                "Expected cost-to-serve per period; at least 0. Blank: expected_revenue × the look-alikes' median "
                "cost-to-serve / net revenue (needs customer_pnl).",
                optional=True,
            ),
            _a(
                "retention",
                f"Retention per period, {_RATE}. Blank: the look-alikes' median of a retention_per_year column of "
                "customer_pnl, per period.",
                optional=True,
            ),
            _a("acquisition_cost", "Cost to acquire the prospect, paid now. Blank: 0.", optional=True),
            _a("horizon", "Number of periods to value. Blank: no end.", optional=True),
            _a("timing", '"end" (margin at period end) or "start". Blank: "end".', optional=True),
            _a(
                "variable_cost_pct",
                f"Commission + cost of credit + bad debt per unit of revenue, {_RATE}. Blank: the look-alikes' "
                "(their median commission and credit rates, their pooled bad debt rate); 0 without customer_pnl.",
                optional=True,
            ),
            _a(
                "customer_pnl",
                "The customer P&L as XLP_CUSTOMER_PNL spills it, with its header row: the look-alikes for blank "
                "arguments are its customers of the segment (and channel) with positive net revenue. Blank: none.",
                optional=True,
                shape="table",
            ),
            _a(
                "segment",
                "The prospect's segment, as in customer_pnl (case ignored). Blank: none; required with customer_pnl.",
                optional=True,
            ),
            _a("channel", "The prospect's channel. Blank: look-alikes from the whole segment.", optional=True),
            _a(
                "periods_per_year",
                "Periods per year of expected_revenue, retention and discount_rate: 1, 2, 4 or 12, to turn the "
                "look-alikes' retention per year into one per period. Blank: 1 (a year).",
                optional=True,
            ),
        ),
        "Money. #N/A (naming it) when no look-alike has the segment or channel, or the look-alikes lack a value.",
    ),
    # ------------------------------------------------------------------ lifetime value
    Function(
        "XLP_CLV",
        "Lifetime value",
        "Customer lifetime value with the retention formula (Gupta & Lehmann): m·r/(1+i−r) with margin at period end.",
        (
            _a("discount_rate", f"Discount rate per period (the period of margin and retention), {_RATE}."),
            _a("margin", "Contribution margin per period of a retained customer (after cost-to-serve)."),
            _a("retention", f"Probability that a customer active in one period is active in the next, {_RATE}."),
            _a(
                "timing",
                '"end" (margins at period ends) or "start" (first margin now). Blank: "end".',
                optional=True,
            ),
            _a(
                "horizon",
                "Number of margins counted, a whole number of periods. Blank: no end.",
                optional=True,
            ),
            _a(
                "margin_growth",
                "Growth of the margin per period, between -1 and 1 (0.02 or 2% for +2 %). Blank: 0.",
                optional=True,
            ),
            _a(
                "acquisition_cost",
                "Subtracted from the value (spent now to acquire). Blank: 0.",
                optional=True,
            ),
        ),
        "Money.",
    ),
    Function(
        "XLP_CLV_CASHFLOWS",
        "Lifetime value",
        "Present value of an explicit stream of margins, one per period, optionally weighted by retention.",
        (
            _a("discount_rate", f"Discount rate per period, {_RATE}."),
            _a("margins", "Margin of periods 1, 2, … (a row or column of numbers).", shape="vector"),
            _a(
                "retention",
                f"A number (constant retention) or one rate per period, {_RATE}. Blank: the margins are certain.",
                optional=True,
                shape="vector",
            ),
            _a(
                "timing",
                '"end" (margin of period t at time t) or "start" (at t − 1). Blank: "end".',
                optional=True,
            ),
        ),
        "Money.",
    ),
    Function(
        "XLP_RFM",
        "Lifetime value",
        "Spills frequency, recency, T and monetary value per customer from invoice lines, in a stated period unit.",
        (
            _a(
                "transactions",
                _TABLES.format("Transactions") + ": customer_id, date, net_revenue.",
                shape="table",
            ),
            _a("observation_end", "Last day of the observation period (a date); later lines are left out."),
            _a(
                "period",
                'Unit of recency and T: "day", "week", or a number of days (30.4375 for an average month).',
            ),
            _a(
                "bad_lines",
                'A line without a readable customer_id, date or net_revenue: "error" (blank; an error naming '
                'the row) or "skip" (left out; the last row says how many and how much net revenue).',
                optional=True,
            ),
        ),
        'A table: customer_id, frequency, recency, T, monetary_value; with "skip", a last row stating what '
        "was left out.",
    ),
    Function(
        "XLP_SBG_FIT",
        "Lifetime value",
        "Fits the shifted-beta-geometric retention model (Fader & Hardie) to cohort survivor counts.",
        (
            _a(
                "survivors",
                "Customers still active at t = 0, 1, 2, …: one row per cohort (a single column is one "
                "cohort); younger cohorts leave later periods blank.",
                shape="table",
            ),
        ),
        "A parameter block (model, alpha, beta, log_likelihood) for XLP_SBG_RETENTION and XLP_SBG_DERL.",
        cache=True,
    ),
    Function(
        "XLP_SBG_RETENTION",
        "Lifetime value",
        "Retention rate of period t under a fitted sBG model: (beta + t − 1) / (alpha + beta + t − 1).",
        (
            _a("model", "The parameter block returned by XLP_SBG_FIT.", shape="table"),
            _a("t", "Period, a whole number of at least 1 (or a column of them).", shape="vector"),
        ),
        "A fraction, or a column of fractions.",
    ),
    Function(
        "XLP_SBG_DERL",
        "Lifetime value",
        "Discounted expected residual lifetime under a fitted sBG model: multiply by the margin per period "
        "for the residual value.",
        (
            _a("model", "The parameter block returned by XLP_SBG_FIT.", shape="table"),
            _a("discount_rate", "Discount rate per contract period, above 0 and at most 1 (0.1 or 10%)."),
            _a(
                "renewals",
                "Renewals the customer has made so far. Blank: 0 (a customer in its first period).",
                optional=True,
            ),
        ),
        "Contract periods (present value of 1 per period).",
    ),
    Function(
        "XLP_BGNBD_FIT",
        "Lifetime value",
        "Fits the BG/NBD purchase model (Fader, Hardie & Lee 2005) to frequency, recency and T per customer, "
        "or per pattern with its count of customers.",
        (
            _a("frequency", "Repeat purchases per customer (a column of whole numbers).", shape="vector"),
            _a(
                "recency",
                "Time from the first to the last purchase, per customer (0 without repeats).",
                shape="vector",
            ),
            _a(
                "T",
                "Time from the first purchase to the end of observation, per customer; above 0.",
                shape="vector",
            ),
            _WEIGHTS,
        ),
        "A parameter block (model, r, alpha, a, b, log_likelihood) for XLP_BGNBD_EXPECTED and XLP_BGNBD_ALIVE.",
        cache=True,
    ),
    Function(
        "XLP_BGNBD_EXPECTED",
        "Lifetime value",
        "Expected repeat purchases in the next window (a number of periods) under a fitted BG/NBD model, "
        "for a customer "
        "with the given history.",
        (
            _a("model", "The parameter block returned by XLP_BGNBD_FIT.", shape="table"),
            _a("window", "Length of the forecast window, in the time unit of recency and T; at least 0."),
            _a(
                "frequency",
                "The customer's repeat purchases (a number or a column). Blank: a new customer.",
                optional=True,
                shape="vector",
            ),
            _a("recency", "The customer's recency. Blank: a new customer.", optional=True, shape="vector"),
            _a("T", "The customer's T. Blank: a new customer.", optional=True, shape="vector"),
        ),
        "Expected purchases, or a column of them.",
    ),
    Function(
        "XLP_BGNBD_ALIVE",
        "Lifetime value",
        "Probability that a customer is still active, under a fitted BG/NBD model.",
        (
            _a("model", "The parameter block returned by XLP_BGNBD_FIT.", shape="table"),
            _a("frequency", "Repeat purchases (a number or a column).", shape="vector"),
            _a("recency", "Recency, in the same shape.", shape="vector"),
            _a("T", "T, in the same shape.", shape="vector"),
        ),
        "A probability, or a column of them.",
    ),
    Function(
        "XLP_PNBD_FIT",
        "Lifetime value",
        "Fits the Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987) to frequency, recency and T "
        "per customer, or per pattern with its count of customers.",
        (
            _a("frequency", "Repeat purchases per customer (a column of whole numbers).", shape="vector"),
            _a(
                "recency",
                "Time from the first to the last purchase, per customer (0 without repeats).",
                shape="vector",
            ),
            _a(
                "T",
                "Time from the first purchase to the end of observation, per customer; above 0 (0 only "
                "without repeats).",
                shape="vector",
            ),
            _WEIGHTS,
        ),
        "A parameter block (model, r, alpha, s, beta, log_likelihood) for XLP_PNBD_EXPECTED and XLP_PNBD_ALIVE; "
        "alpha and beta are in the time unit of recency and T.",
        cache=True,
    ),
    Function(
        "XLP_PNBD_EXPECTED",
        "Lifetime value",
        "Expected repeat purchases in the next window (a number of periods) under a fitted Pareto/NBD model, "
        "for a customer with the given history.",
        (
            _a("model", "The parameter block returned by XLP_PNBD_FIT.", shape="table"),
            _a("window", "Length of the forecast window, in the time unit of recency and T; at least 0."),
            _a(
                "frequency",
                "The customer's repeat purchases (a number or a column). Blank: a new customer.",
                optional=True,
                shape="vector",
            ),
            _a("recency", "The customer's recency. Blank: a new customer.", optional=True, shape="vector"),
            _a("T", "The customer's T. Blank: a new customer.", optional=True, shape="vector"),
        ),
        "Expected purchases, or a column of them.",
    ),
    Function(
        "XLP_PNBD_ALIVE",
        "Lifetime value",
        "Probability that a customer is still active at T, under a fitted Pareto/NBD model (unlike BG/NBD, a "
        "customer without repeat purchases may have left).",
        (
            _a("model", "The parameter block returned by XLP_PNBD_FIT.", shape="table"),
            _a("frequency", "Repeat purchases (a number or a column).", shape="vector"),
            _a("recency", "Recency, in the same shape.", shape="vector"),
            _a("T", "T, in the same shape.", shape="vector"),
        ),
        "A probability, or a column of them.",
    ),
    Function(
        "XLP_BGBB_FIT",
        "Lifetime value",
        "Fits the BG/BB model (Fader, Hardie & Shang 2010) of transactions at discrete opportunities (yearly "
        "appeals, issues, sailings) to frequency, recency and periods per customer, or per pattern with its count.",
        (
            _a(
                "frequency",
                "Transactions per customer in the opportunities after the first transaction (a column of whole "
                "numbers).",
                shape="vector",
            ),
            _a(
                "recency",
                "The opportunity of the last of them, from frequency up to periods (0 without transactions).",
                shape="vector",
            ),
            _a(
                "periods",
                "Opportunities observed after the first transaction, per customer (whole numbers; they may differ "
                "between cohorts).",
                shape="vector",
            ),
            _WEIGHTS,
        ),
        "A parameter block (model, alpha, beta, gamma, delta, log_likelihood) for XLP_BGBB_EXPECTED, "
        "XLP_BGBB_ALIVE and XLP_BGBB_DERT.",
        cache=True,
    ),
    Function(
        "XLP_BGBB_EXPECTED",
        "Lifetime value",
        "Expected transactions in the next periods_ahead opportunities under a fitted BG/BB model, for a customer "
        "with the given history.",
        (
            _a("model", "The parameter block returned by XLP_BGBB_FIT.", shape="table"),
            _a("periods_ahead", "Opportunities forecast, a whole number of at least 0."),
            _a(
                "frequency",
                "The customer's transactions (a number or a column). Blank: a new customer, in its first "
                "periods_ahead opportunities.",
                optional=True,
                shape="vector",
            ),
            _a(
                "recency",
                "The opportunity of the customer's last transaction. Blank: a new customer.",
                optional=True,
                shape="vector",
            ),
            _a("periods", "Opportunities observed. Blank: a new customer.", optional=True, shape="vector"),
        ),
        "Expected transactions, or a column of them.",
    ),
    Function(
        "XLP_BGBB_ALIVE",
        "Lifetime value",
        "Probability that a customer is alive at the next opportunity (periods + 1, as Fader, Hardie & Shang's "
        "P(alive in 2002) after 1996-2001), under a fitted BG/BB model.",
        (
            _a("model", "The parameter block returned by XLP_BGBB_FIT.", shape="table"),
            _a("frequency", "Transactions (a number or a column).", shape="vector"),
            _a("recency", "Opportunity of the last transaction, in the same shape.", shape="vector"),
            _a("periods", "Opportunities observed, in the same shape.", shape="vector"),
        ),
        "A probability, or a column of them.",
    ),
    Function(
        "XLP_BGBB_DERT",
        "Lifetime value",
        "Discounted expected residual transactions under a fitted BG/BB model: the present value at the end of "
        "periods of the customer's future transactions; multiply by the margin per transaction.",
        (
            _a("model", "The parameter block returned by XLP_BGBB_FIT.", shape="table"),
            _a(
                "discount_rate",
                "Discount rate per opportunity, above 0 and at most 1 (0.1 or 10%); a transaction at "
                "periods + k is discounted by (1 + rate)^k.",
            ),
            _a("frequency", "Transactions (a number or a column).", shape="vector"),
            _a("recency", "Opportunity of the last transaction, in the same shape.", shape="vector"),
            _a("periods", "Opportunities observed, in the same shape.", shape="vector"),
        ),
        "Transactions (present value of 1 per transaction), or a column of them.",
    ),
    Function(
        "XLP_GG_FIT",
        "Lifetime value",
        "Fits the Gamma-Gamma spend model (Fader & Hardie) to repeat purchases and average repeat spend per customer.",
        (
            _a("frequency", "Repeat purchases per customer (a column of whole numbers).", shape="vector"),
            _a(
                "monetary_value",
                "Average value of the repeat purchases, per customer; above 0 where frequency > 0.",
                shape="vector",
            ),
        ),
        "A parameter block (model, p, q, v, log_likelihood) for XLP_GG_SPEND.",
        cache=True,
    ),
    Function(
        "XLP_GG_SPEND",
        "Lifetime value",
        "Expected value of a customer's future purchases under a fitted Gamma-Gamma model.",
        (
            _a("model", "The parameter block returned by XLP_GG_FIT.", shape="table"),
            _a(
                "frequency",
                "Repeat purchases (a number or a column). Blank: the population mean spend.",
                optional=True,
                shape="vector",
            ),
            _a(
                "monetary_value",
                "Average repeat spend, in the same shape. Blank: the population mean spend.",
                optional=True,
                shape="vector",
            ),
        ),
        "Money per purchase, or a column of it.",
    ),
    Function(
        "XLP_CUSTOMER_CLV",
        "Lifetime value",
        "Spills the lifetime value of every customer on contribution after cost-to-serve, from fitted "
        "BG/NBD + Gamma-Gamma (or sBG) models.",
        (
            _a("discount_rate", f"Discount rate per discounting period, {_RATE} (above 0 for sBG)."),
            _a("purchase_model", "A block from XLP_BGNBD_FIT or XLP_SBG_FIT.", shape="table"),
            _a(
                "rfm",
                "A table with a header row: customer_id and frequency, recency, T, monetary_value "
                "(BG/NBD) or renewals, monetary_value (sBG), e.g. from XLP_RFM.",
                shape="table",
            ),
            _a(
                "margin_ratio",
                "Contribution / net revenue, between -1 and 1 (0.3 or 30%): one number, or a column with one value "
                "per row of rfm.",
                shape="vector",
            ),
            _a("horizon", "Number of discounting periods counted, 1 to 1200."),
            _a(
                "spend_model",
                "A block from XLP_GG_FIT (required with BG/NBD; blank with sBG).",
                optional=True,
                shape="table",
            ),
            _a(
                "discount_period",
                "Length of one discounting period in the time unit of recency and T. Blank: 1.",
                optional=True,
            ),
        ),
        "A table: customer_id, expected_purchases, discounted_purchases, p_alive, expected_spend, margin_ratio, clv.",
    ),
    # ------------------------------------------------------------------ checks
    Function(
        "XLP_EXCEPTIONS",
        "Checks",
        "Spills every rejected, excluded or corrected input row with its table, row, column, value and reason, "
        "as the report's Exceptions sheet lists them.",
        _ANALYSIS_TABLES,
        "A table: table, row, column, value, reason, action, customer_id, amount (only the header when "
        "nothing was rejected); rows that stop the analysis are listed with the action 'stops the analysis'.",
    ),
    Function(
        "XLP_CHECKS",
        "Checks",
        "Spills the reconciliation of the same tables: every conservation check (revenue, lines, resources, "
        "activities, profit), its expected and actual amounts and whether it holds.",
        _ANALYSIS_TABLES,
        "A table: check, expected, actual, difference, holds, detail (as the report's Reconciliation sheet).",
    ),
    Function(
        "XLP_ISERROR",
        "Checks",
        "TRUE where a value is an Excel error or an error returned by an XLP function, in every runtime "
        "(classic Excel returns XLP errors as text that ISERROR does not catch).",
        (_a("value", "A cell, a formula or a range to test.", shape="table"),),
        "TRUE or FALSE, or a range of them in the shape of value.",
    ),
)


def by_name() -> dict[str, Function]:
    """Every function of the catalogue by its classic name."""
    return {function.name: function for function in FUNCTIONS}


def signature(function: Function) -> str:
    """Excel-style signature, optional arguments in brackets: ``XLP_CAC(acquisition_spend, …)``."""
    parts = [f"[{a.name}]" if a.optional else a.name for a in function.arguments]
    return f"{function.name}({', '.join(parts)})"


def render_text() -> str:
    """Render the catalogue as plain text, for ``xlprofit functions``.

    Returns
    -------
    str
        One block per function: signature, Office.js name and description, grouped by category.
    """
    lines: list[str] = []
    for category in CATEGORIES:
        lines.append(category.upper())
        for function in FUNCTIONS:
            if function.category != category:
                continue
            lines.append(f"  {signature(function)}")
            lines.append(f"      {function.description}")
            lines.append(f"      Office.js: ={function.officejs_name}(…)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_markdown() -> str:
    """Render the reference page ``docs/functions.md`` from the catalogue.

    Returns
    -------
    str
        Markdown: an index, then every function with its arguments and result.
    """
    out = [
        "# Excel functions",
        "",
        "<!-- Generated by `python -m xlprofit.excel.catalogue`; do not edit by hand. -->",
        "",
        "Classic Excel (the xlwings add-in) names the functions `XLP_*`; Office.js (xlwings Server and "
        "xlwings Lite) shows the same functions in the `XLP` namespace (`XLP_CLV` is `XLP.CLV`; xlwings Server "
        "puts its own namespace in front, `XLWINGS.XLP.CLV` by default). "
        'Rates come first, optional arguments last; a blank argument means "use the default". '
        "Ranges and Excel Tables are read with their header row, and tables are returned as spilled "
        "arrays with a header row.",
        "",
        "Errors: bad input gives `#VALUE!` with a message naming the argument and the value; impossible "
        "maths or a fit that does not converge gives `#NUM!`; a zero denominator `#DIV/0!`; an unknown "
        "customer or missing history `#N/A`. An Excel error in an argument is passed on unchanged. The "
        "classic add-in returns an error as text that starts with the code (test it with `XLP_ISERROR`). "
        "Table functions never drop a row silently: see `bad_lines`, `XLP_EXCEPTIONS` and `XLP_CHECKS`; "
        "rates are fractions (`0.1` or `10%`), and under Office.js text numbers follow the workbook's "
        "culture ([excel.md](excel.md)).",
        "",
    ]
    for category in CATEGORIES:
        out.append(f"## {category}")
        out.append("")
        for function in FUNCTIONS:
            if function.category != category:
                continue
            out.append(f"### `{function.name}`")
            out.append("")
            out.append(function.description)
            out.append("")
            out.append("```")
            out.append(f"={signature(function)}")
            out.append("```")
            out.append("")
            out.append(
                f"Office.js: `={function.officejs_name}(…)`"
                + (" — cached by Office.js (a fit function)." if function.cache else "")
            )
            out.append("")
            out.append("| argument | description |")
            out.append("|---|---|")
            for argument in function.arguments:
                name = f"`{argument.name}`" + (" (optional)" if argument.optional else "")
                out.append(f"| {name} | {argument.help.replace('|', '/')} |")
            out.append("")
            out.append(f"**Returns:** {function.returns}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/functions.md`` (or the path given) from the catalogue."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "docs" / "functions.md"
    target.write_text(render_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
