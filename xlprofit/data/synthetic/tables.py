"""The six input tables of the synthetic distributor in memory: :func:`generate`.

It runs the plan (:mod:`.lines`), every block of invoice lines, the quarterly usage and the
activities, resources and parameters (:mod:`.usage`) and puts them together as the tables of
DESIGN section 3.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, overload

import pandas as pd

from xlprofit.data.synthetic.common import BLOCK_LINES, DEFAULT_SEED
from xlprofit.data.synthetic.customers import truth_table
from xlprofit.data.synthetic.lines import (
    ORDER_DRIVERS,
    TRANSACTION_COLUMNS,
    USAGE_COLUMNS,
    concat_rows,
    iter_blocks,
    make_plan,
)
from xlprofit.data.synthetic.usage import (
    QUARTERLY_DRIVERS,
    activities_and_resources,
    parameters_table,
    quarterly_usage,
)


@overload
def generate(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = ...,
    truth: Literal[False] = ...,
    start: str | date = ...,
    quarters: int = ...,
) -> dict[str, pd.DataFrame]: ...


@overload
def generate(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = ...,
    truth: Literal[True],
    start: str | date = ...,
    quarters: int = ...,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]: ...


@overload
def generate(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = ...,
    truth: bool,
    start: str | date = ...,
    quarters: int = ...,
) -> dict[str, pd.DataFrame] | tuple[dict[str, pd.DataFrame], pd.DataFrame]: ...


def generate(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = DEFAULT_SEED,
    truth: bool = False,
    start: str | date = "2024-01-01",
    quarters: int = 8,
) -> dict[str, pd.DataFrame] | tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Generate the input tables of a synthetic B2B distributor.

    Parameters
    ----------
    n_customers : int
        Number of customers, at least 1.
    n_lines : int
        Number of invoice lines, at least ``n_customers`` (every customer buys).
    seed : int
        Non-negative seed; the same arguments give identical tables on every machine
        with the same numpy version.
    truth : bool
        Also return the truth planted in the data (:func:`.customers.truth_table`): which
        customers are new, churned (and when), turning, bad debtors, sale buyers,
        demanding, planted referrers, and how many customers each referred.
    start : str or datetime.date
        First day of the analysis window; must start a calendar quarter.
    quarters : int
        Length of the window in quarters; invoice dates are business days in it.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``customers, transactions, activities, resources, usage, parameters`` with the
        columns of DESIGN section 3. Money is in EUR with two decimals and on every
        invoice line ``gross_revenue - discount - rebate == net_revenue`` to the cent.
        ``returned`` marks lines whose goods came back (it drives returns processing;
        the amounts stay as invoiced). ``written_off`` is the bad debt of a line;
        ``paid_on`` is empty for written-off lines and for lines still open at the end
        of the window. Resource capacities (minutes) are set so that every resource is
        used at 70-97 % of its practical capacity.

        With ``truth=True``, ``(tables, truth)``: ``truth`` is a DataFrame indexed by
        ``customer_id`` in the order of ``tables["customers"]``.

    Raises
    ------
    ArgumentError
        If a count is not a whole number in range or ``start`` does not start a quarter.
    """
    plan = make_plan(n_customers, n_lines, seed, start, quarters)
    lines: list[pd.DataFrame] = []
    order_usage: list[pd.DataFrame] = []
    for transactions, usage in iter_blocks(plan, BLOCK_LINES):
        lines.append(transactions)
        order_usage.append(usage)
    transactions = concat_rows(lines, TRANSACTION_COLUMNS)
    quarterly = quarterly_usage(plan)
    usage = concat_rows([quarterly, *order_usage], USAGE_COLUMNS)

    volumes = {
        "orders": float(transactions["order_id"].nunique()),
        "lines": float(len(transactions)),
        "units": float(transactions["quantity"].sum()),
        "returns": float(transactions["returned"].sum()),
        "revenue": float(transactions["net_revenue"].sum()),
    }
    by_driver = usage.groupby("driver", sort=True)["quantity"].sum()
    for driver in (*QUARTERLY_DRIVERS, *ORDER_DRIVERS):
        volumes[driver] = float(by_driver.get(driver, 0))
    activities, resources = activities_and_resources(volumes)
    tables = {
        "customers": plan.customers.customers.copy(),
        "transactions": transactions,
        "activities": activities,
        "resources": resources,
        "usage": usage,
        "parameters": parameters_table(plan.customers.calendar),
    }
    return (tables, truth_table(plan.customers)) if truth else tables
