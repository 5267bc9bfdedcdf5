"""The yardstick of ``benchmarks/scale.py``: the grains the analysis needs, written by hand in DuckDB.

    python benchmarks/same_grains.py FOLDER [--memory-limit 3GB]

An expert who needed xlprofit's sums of a large ledger, without its checks, would write these
queries over the typed Parquet columns and fetch the results into pandas:

- the finest grain: customer × order × product × period × day, with lines, units, returns and
  every money column in integer cents (gross revenue, discount, rebate, net revenue, COGS,
  written off);
- from it, the orders (customer × order: first day, lines, net revenue) and customer × day;
- customer totals: distinct orders, lines, units, returns, money; the purchase-day statistics
  of the RFM summary (purchase days, first and last day, net revenue after the first day);
- customer × period;
- products with their distinct orders and customers;
- the usage sums per customer, driver and period.

Every result is fetched into a pandas DataFrame, as the analysis needs them. The script prints
the time of each step and of the whole (the best of ``--repeat`` runs) and the rows of each grain;
``scale.py`` imports :func:`same_grains` and runs it in its own process beside the analysis.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path

#: Money columns of the invoice lines, summed in integer cents.
MONEY = ("gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off")


def _cents(column: str) -> str:
    return f"sum(CAST(round(COALESCE({column}, 0) * 100) AS BIGINT)) AS {column}"


def queries(folder: str, periods_per_year: int = 4) -> list[tuple[str, str]]:
    """``(name, SQL)`` of every step, in order; the ``fine`` table is made by the first."""
    lines = f"read_parquet('{folder}/transactions.parquet')"
    usage = f"read_parquet('{folder}/usage.parquet')"
    months = 12 // periods_per_year
    period = f"(year(date) * {periods_per_year} + (month(date) - 1) // {months})"
    money = ", ".join(_cents(c) for c in MONEY)
    totals = ", ".join(f"sum({c}) AS {c}" for c in MONEY)
    return [
        ("finest grain", f"CREATE OR REPLACE TEMP TABLE fine AS SELECT customer_id, order_id, product_id, "
                         f"{period} AS period, CAST(date AS DATE) AS day, count(*) AS lines, "
                         f"sum(quantity) AS units, sum(CAST(returned AS INTEGER)) AS returns, {money} "
                         f"FROM {lines} GROUP BY ALL"),
        ("orders", "SELECT customer_id, order_id, min(day) AS day, sum(lines) AS lines, "
                   "sum(net_revenue) AS net_revenue FROM fine GROUP BY customer_id, order_id"),
        ("customer x day", "CREATE OR REPLACE TEMP TABLE cday AS SELECT customer_id, day, "
                           "sum(net_revenue) AS net_revenue FROM fine GROUP BY customer_id, day"),
        ("purchase days", "SELECT customer_id, count(*) AS purchase_days, min(day) AS first_day, "
                          "max(day) AS last_day, sum(net_revenue) - arg_min(net_revenue, day) AS repeat_revenue "
                          "FROM cday GROUP BY customer_id"),
        ("customers", f"SELECT customer_id, count(DISTINCT order_id) AS orders, sum(lines) AS lines, "
                      f"sum(units) AS units, sum(returns) AS returns, {totals} FROM fine GROUP BY customer_id"),
        ("customer x period", f"SELECT customer_id, period, count(DISTINCT order_id) AS orders, "
                              f"sum(lines) AS lines, sum(units) AS units, {totals} "
                              f"FROM fine GROUP BY customer_id, period"),
        ("products", f"SELECT product_id, count(DISTINCT order_id) AS orders, "
                     f"count(DISTINCT customer_id) AS customers, sum(lines) AS lines, sum(units) AS units, "
                     f"{totals} FROM fine GROUP BY product_id"),
        ("usage", f"SELECT customer_id, driver, period, sum(quantity) AS quantity FROM {usage} "
                  f"GROUP BY customer_id, driver, period"),
    ]


def same_grains(folder: str, memory_limit: str, threads: int | None = None) -> dict[str, tuple[float, int]]:
    """Run every step once in a new connection; ``{step: (seconds, rows fetched)}`` and ``total``."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": int(threads or mp.cpu_count()),
                                 "preserve_insertion_order": False})
    con.execute("SET enable_progress_bar = false")
    out: dict[str, tuple[float, int]] = {}
    start = time.perf_counter()
    for name, sql in queries(folder):
        t0 = time.perf_counter()
        if sql.startswith("CREATE"):
            con.execute(sql)
            rows = 0
        else:
            rows = len(con.execute(sql).df())  # into pandas, as the analysis needs it
        out[name] = (time.perf_counter() - t0, rows)
    out["total"] = (time.perf_counter() - start, 0)
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a ledger written by benchmarks/scale.py (--folder)")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best is printed")
    args = parser.parse_args()
    runs = [same_grains(str(args.folder), args.memory_limit) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["total"][0])
    for name, (seconds, rows) in best.items():
        print(f"{name:20s} {seconds:8.2f} s" + (f"  {rows:,} rows" if rows else ""))


if __name__ == "__main__":
    main()
