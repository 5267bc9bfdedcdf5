"""The input tables' schemas: every table's columns and kinds, the parameters, their bounds.

Declarations only: what a table holds and what each value may be. Reading the tables
(:mod:`xlprofit.core.tables`) and the engines' SQL readers (:mod:`xlprofit.engines`) both
follow them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlprofit.core.aggregate import RETURNS
from xlprofit.core.money import (
    AMOUNT_OUT_OF_RANGE,
    MAX_PAYMENT_DAYS,
    MAX_QUANTITY,
    QUANTITY_OUT_OF_RANGE,
    amount_out_of_range,
    quantity_out_of_range,
)
from xlprofit.core.profit import COMMISSION_BASES
from xlprofit.core.sale import SALE_PARAMETERS
from xlprofit.core.trend import TREND_PARAMETERS

__all__ = ["TABLES", "LEVELS", "EXCEPTION_COLUMNS", "Column", "SCHEMAS", "PARAMETERS", "CHOICES", "PARAMETER_BOUNDS",
           "PAID_ON_OUT_OF_RANGE", "MIN_CAPACITY", "MAX_CLV_HORIZON_YEARS", "rate_requirement"]

TABLES: tuple[str, ...] = ("customers", "transactions", "activities", "resources", "usage", "parameters")
LEVELS: tuple[str, ...] = ("customer", "order", "line", "product")
EXCEPTION_COLUMNS = ["table", "row", "column", "value", "reason", "action", "customer_id", "amount"]


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``kind`` is one of ``id``, ``text``, ``money``, ``number``, ``date``, ``flag``, ``rate``.
    ``minimum`` is a lower bound (inclusive unless ``strict``). Magnitudes (see
    :mod:`xlprofit.core.money`): a ``money`` value is out of range from
    :data:`~xlprofit.core.money.MAX_AMOUNT` on, a ``number`` beyond ``bound`` (default
    :data:`~xlprofit.core.money.MAX_QUANTITY`); a positive ``number`` below ``smallest``
    (a divisor such as a capacity) is out of range too.
    """

    name: str
    kind: str
    required: bool = False
    minimum: float | None = None
    strict: bool = False
    maximum: float | None = None
    bound: float | None = None
    smallest: float | None = None
    unit: str = ""

    def out_of_range(self, values: pd.Series) -> np.ndarray:
        """True where a parsed value's magnitude is beyond this column's range (NaN: never)."""
        x = values.to_numpy(dtype="float64")
        if self.kind == "money":
            return amount_out_of_range(x)
        if self.kind != "number":
            return np.zeros(len(x), dtype=bool)
        if self.bound is None:
            out = quantity_out_of_range(x)
        else:
            out = ~(np.abs(x) <= self.bound) & ~np.isnan(x)
        if self.smallest is not None:
            out |= (x > 0) & (x < self.smallest)
        return out

    @property
    def range_reason(self) -> str:
        """The reason of a value out of range, naming the range."""
        if self.kind == "money":
            return AMOUNT_OUT_OF_RANGE
        if self.bound is None and self.smallest is None:
            return QUANTITY_OUT_OF_RANGE
        unit = f" {self.unit}" if self.unit else ""
        high = MAX_QUANTITY if self.bound is None else self.bound
        if self.smallest is not None:
            return f"is out of range (between {self.smallest:g} and {high:,.0f}{unit})"
        return f"is out of range (at most {high:,.0f}{unit})"


#: Why a ``paid_on`` is refused: it lies more than :data:`MAX_PAYMENT_DAYS` from the line's date.
PAID_ON_OUT_OF_RANGE = f"is out of range (at most {MAX_PAYMENT_DAYS:,.0f} days from date)"
#: A capacity is a divisor (capacity cost rate = cost / capacity): below the reciprocal of the
#: largest quantity, rates and the cost of the used minutes would leave every range.
MIN_CAPACITY = 1.0 / MAX_QUANTITY
#: Largest CLV horizon, in years (the customer CLV is summed week by week).
MAX_CLV_HORIZON_YEARS = 100.0


SCHEMAS: dict[str, tuple[Column, ...]] = {
    "customers": (
        Column("customer_id", "id", required=True),
        Column("name", "text"),
        Column("segment", "text"),
        Column("channel", "text"),
        Column("region", "text"),
        Column("acquired_on", "date"),
        Column("acquisition_cost", "money", minimum=0.0),
        Column("referred_by", "id"),
        Column("payment_days", "number", minimum=0.0, bound=MAX_PAYMENT_DAYS, unit="days"),
        Column("commission_rate", "rate", minimum=0.0, maximum=1.0),
        Column("currency", "text"),
    ),
    "transactions": (
        Column("date", "date", required=True),
        Column("customer_id", "id", required=True),
        Column("net_revenue", "money", required=True),
        Column("order_id", "id"),
        Column("product_id", "id"),
        Column("quantity", "number"),
        Column("gross_revenue", "money"),
        Column("discount", "money"),
        Column("rebate", "money"),
        Column("cogs", "money"),
        Column("returned", "flag"),
        Column("written_off", "money", minimum=0.0),
        Column("paid_on", "date"),
        Column("currency", "text"),
    ),
    "activities": (
        Column("activity", "text", required=True),
        Column("driver", "text", required=True),
        Column("cost", "money", minimum=0.0),
        Column("resource", "text"),
        Column("unit_time", "number", minimum=0.0),
        Column("time_equation", "text"),
        Column("level", "text"),
    ),
    "resources": (
        Column("resource", "text", required=True),
        Column("cost", "money", required=True, minimum=0.0),
        Column("capacity", "number", required=True, minimum=0.0, strict=True, smallest=MIN_CAPACITY,
               unit="minutes"),
    ),
    "usage": (
        Column("customer_id", "id", required=True),
        Column("driver", "text", required=True),
        Column("quantity", "number", required=True, minimum=0.0),
        Column("period", "period"),
        Column("order_id", "id"),
    ),
}

#: Known parameters: name -> (kind, description).
PARAMETERS: dict[str, tuple[str, str]] = {
    "period_start": ("date", "first day of the analysis period"),
    "period_end": ("date", "last day of the analysis period"),
    "discount_rate": ("rate", "annual discount rate for lifetime values"),
    "cost_of_capital": ("rate", "annual cost of capital for the cost of credit (default: discount_rate)"),
    "payment_days": ("number", "default days from invoice to payment"),
    "commission_rate": ("rate", "default sales commission as a share of the commission basis"),
    "currency": ("text", "reporting currency"),
    "periods_per_year": ("periods", "periods per year for the trend: 1, 2, 4 or 12"),
    "acquisition_charge": ("choice", "which acquisition costs the period carries: in_period, all or none"),
    "commission_basis": ("choice", "what commissions are paid on: collected (net revenue − written off) "
                                   "or net_revenue"),
    "returns": ("choice", "returned lines: credit (reversed as by a credit note) or as_booked (the ledger "
                          "holds its credit notes)"),
    "clv_horizon_years": ("number", "horizon of customer lifetime values, in years"),
    "clv_fit_customers": ("number", "customers the purchase models of lifetime values are fitted on, drawn at "
                                    "random from a larger book (0: all)"),
    **{n: (k, m) for n, (_, k, _, m) in TREND_PARAMETERS.items()},
    **{n: (k, m) for n, (k, _, m) in SALE_PARAMETERS.items()},
}
CHOICES = {"acquisition_charge": ("in_period", "all", "none"), "commission_basis": COMMISSION_BASES,
            "returns": RETURNS}


def rate_requirement(value: float, *, signed: bool = False) -> str | None:
    """The one rule for rates and shares, or ``None`` when ``value`` keeps it.

    A rate (a discount rate, a cost of capital, a commission or retention rate, an
    attribution share) is a fraction between 0 and 1; a margin or a growth rate
    (``signed``) may fall to -1. A value beyond 1 is almost always a percentage written as
    a whole number, so the requirement says how to write it. The parameters table, the
    input columns and the Excel functions all apply this rule.

    Returns
    -------
    str or None
        What the value must be, completing "must be …", when it breaks the rule.
    """
    low = -1.0 if signed else 0.0
    if low <= value <= 1.0:
        return None
    requirement = f"between {low:g} and 1"
    if abs(value) > 1.0 and abs(value) <= 100.0:
        requirement += f" ({value:g} % is {value / 100:g}: write {value / 100:g} or {value:g}%)"
    else:
        requirement += " (write 10 % as 0.1 or 10%)"
    return requirement
#: Largest value of each ``number`` parameter, and its unit.
PARAMETER_BOUNDS: dict[str, tuple[float, str]] = {"payment_days": (MAX_PAYMENT_DAYS, "days"),
                                                   "clv_horizon_years": (MAX_CLV_HORIZON_YEARS, "years")}
