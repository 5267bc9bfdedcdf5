"""Time ``xlprofit.analyze`` on a synthetic ledger next to a bare pandas groupby of the same lines.

    python benchmarks/analyze.py                  # 2,000,000 lines, 100,000 customers
    python benchmarks/analyze.py --lines 200000 --customers 10000

The baseline is what a user would write by hand for the customer totals alone: one
``groupby(customer_id)`` with sums of revenue and COGS and the count of distinct orders over
the already-typed lines. ``analyze`` does much more (validation of every cell, cost-to-serve,
the waterfall, trend, segments, reconciliation), so the ratio says what the whole analysis
costs in units of that one groupby. Both run in this process on the same data.
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd

import xlprofit
from xlprofit.data.synthetic import generate


def _baseline(transactions: pd.DataFrame) -> pd.DataFrame:
    g = transactions.groupby("customer_id", sort=False)
    return pd.DataFrame({"net_revenue": g["net_revenue"].sum(), "cogs": g["cogs"].sum(),
                         "orders": g["order_id"].nunique()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    tables = generate(args.customers, args.lines)
    t_gen = time.perf_counter() - t0
    print(f"generated {len(tables['transactions']):,} lines, {len(tables['customers']):,} customers "
          f"in {t_gen:.1f} s")
    typed = tables["transactions"].assign(date=pd.to_datetime(tables["transactions"]["date"]))

    best_base = best_read = best_analyze = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        _baseline(typed)
        best_base = min(best_base, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ds = xlprofit.Dataset(**tables)
        t1 = time.perf_counter()
        result = xlprofit.analyze(ds)
        t2 = time.perf_counter()
        best_read, best_analyze = min(best_read, t1 - t0), min(best_analyze, t2 - t1)
    assert result.checks_hold
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = best_read + best_analyze
    print(f"bare pandas groupby (customer totals)   {best_base:8.2f} s")
    print(f"xlprofit Dataset (normalise + validate) {best_read:8.2f} s")
    print(f"xlprofit analyze                        {best_analyze:8.2f} s")
    print(f"xlprofit total                          {total:8.2f} s   ratio to groupby {total / best_base:6.1f}x")
    print(f"peak RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
