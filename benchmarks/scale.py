"""Time the analysis of a large Parquet ledger through DuckDB next to the same grains written by hand.

    python benchmarks/scale.py                                   # 20,000,000 lines, 1,000,000 customers
    python benchmarks/scale.py --lines 2000000 --customers 100000
    python benchmarks/scale.py --folder /tmp/ledger --memory-limit 3GB   # keep the ledger, set the memory

The ledger is written chunk by chunk with ``xlprofit.data.synthetic.iter_chunks`` (no
N-line DataFrame is ever held). The yardstick is ``benchmarks/same_grains.py``: the grains the
analysis needs (finest grain, orders, customer × day, customers with the purchase-day
statistics, customer × period, products, usage), written by hand in DuckDB over the typed
Parquet columns and fetched into pandas, without the analysis' checks of every cell. The bare
``GROUP BY customer_id`` is printed for context. Both sides use the same ``memory_limit``
(default: the engine's, :func:`xlprofit.engines.duckdb.default_memory_limit`) and one thread
per core; each runs in its own child process, so that each peak RSS (``ru_maxrss``) is its
own. The analysis' time is also printed stage by stage, and its summing part (``read_folder``
and the stages that validate and sum the lines and the usage in the engine) beside the same
grains: the rest is the Python after summing (costing, P&L, trend, products, CLV, checks).
Targets (2 cores): at 20,000,000 lines at most 1.3 times the hand-written grains and a peak RSS
of at most 3 GB; at 2,000,000 lines at most 2 times.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from xlprofit.core.analysis import ANALYSIS_STAGES
from xlprofit.data import synthetic
from xlprofit.data.synthetic import BLOCK_LINES, iter_chunks
from xlprofit.data.synthetic.lines import make_plan
from xlprofit.data.synthetic.usage import activities_and_resources, parameters_table, quarterly_usage
from xlprofit.engines.duckdb import default_memory_limit

#: The stages of ``analyze`` that sum the lines and the usage in the engine (the rest is Python).
SUMMING_STAGES = ANALYSIS_STAGES[:2]


def write_ledger(folder: Path, n_customers: int, n_lines: int, seed: int) -> None:
    """The six input tables of the synthetic distributor; transactions and usage as Parquet, in chunks."""
    plan = make_plan(n_customers, n_lines, seed, "2024-01-01", 8)
    lines_writer = usage_writer = None
    volumes = dict.fromkeys(("orders", "lines", "units", "returns", "revenue", "manual_orders", "rush"), 0.0)
    quarterly = quarterly_usage(plan)
    try:
        for chunk in iter_chunks(n_customers, n_lines, seed=seed, chunk_lines=16 * BLOCK_LINES):
            t, u = chunk["transactions"], chunk["usage"]
            # Orders never span two blocks, and a chunk holds whole blocks.
            volumes["orders"] += float(t.groupby(["customer_id", "order_id"]).ngroups)
            volumes["lines"] += float(len(t))
            volumes["units"] += float(t["quantity"].sum())
            volumes["returns"] += float(t["returned"].sum())
            volumes["revenue"] += float(t["net_revenue"].sum())
            for driver in ("manual_orders", "rush"):
                volumes[driver] += float(u.loc[u["driver"] == driver, "quantity"].sum())
            table = pa.Table.from_pandas(t, preserve_index=False)
            lines_writer = lines_writer or pq.ParquetWriter(folder / "transactions.parquet", table.schema)
            lines_writer.write_table(table)
            usage = pa.Table.from_pandas(u.astype({"period": "str", "order_id": "str"}), preserve_index=False)
            usage_writer = usage_writer or pq.ParquetWriter(folder / "usage_orders.parquet", usage.schema)
            usage_writer.write_table(usage)
    finally:
        for w in (lines_writer, usage_writer):
            if w is not None:
                w.close()
    by_driver = quarterly.groupby("driver")["quantity"].sum()
    for driver in ("visits", "calls", "complaints", "reminders"):
        volumes[driver] = float(by_driver.get(driver, 0))
    import pandas as pd

    usage = pd.concat([quarterly.astype({"period": "str", "order_id": "str"}),
                       pd.read_parquet(folder / "usage_orders.parquet")], ignore_index=True)
    (folder / "usage_orders.parquet").unlink()
    usage.to_parquet(folder / "usage.parquet", index=False)
    activities, resources = activities_and_resources(volumes)
    plan.customers.customers.to_parquet(folder / "customers.parquet", index=False)
    activities.to_csv(folder / "activities.csv", index=False)
    resources.to_csv(folder / "resources.csv", index=False)
    parameters_table(plan.customers.calendar).to_csv(folder / "parameters.csv", index=False)


def _baseline(folder: str, memory_limit: str, out: mp.Queue) -> None:
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": mp.cpu_count(),
                                 "preserve_insertion_order": False})
    times = []
    for _ in range(3):  # the best of three: on a shared machine a single short run is noisy
        t0 = time.perf_counter()
        rows = con.execute(
            f"SELECT customer_id, sum(net_revenue) AS net_revenue, sum(cogs) AS cogs, "
            f"count(DISTINCT order_id) AS orders FROM read_parquet('{folder}/transactions.parquet') "
            "GROUP BY customer_id").df()
        times.append(time.perf_counter() - t0)
    out.put((min(times), len(rows), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _same_grains(folder: str, memory_limit: str, out: mp.Queue) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from same_grains import same_grains

    steps = same_grains(folder, memory_limit)
    out.put((steps["total"][0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _analysis(folder: str, memory_limit: str, out: mp.Queue) -> None:
    import xlprofit
    from xlprofit.engines import read_folder

    marks: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    ds = read_folder(folder, engine="duckdb", memory_limit=memory_limit)
    t1 = time.perf_counter()
    result = xlprofit.analyze(ds, progress=lambda stage: marks.append((stage, time.perf_counter())))
    t2 = time.perf_counter()
    ends = [t for _, t in marks[1:]] + [t2]
    stages = [(name, end - start) for (name, start), end in zip(marks, ends, strict=True)]
    out.put((t1 - t0, t2 - t1, stages, bool(result.checks_hold), len(result.customers),
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _child(target, *args):  # noqa: ANN001, ANN202 - small process helper
    """Run ``target(*args, queue)`` in a fresh process and return what it put on the queue.

    The result is read before the process is joined (a large result fills the pipe, and the
    child waits for it to be read); a child that dies without a result is an error.
    """
    import queue as queues

    ctx = mp.get_context("spawn")
    channel = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, channel))
    p.start()
    while True:
        try:
            result = channel.get(timeout=1.0)
            break
        except queues.Empty:
            if not p.is_alive():
                try:
                    result = channel.get(timeout=1.0)
                    break
                except queues.Empty:
                    raise SystemExit(f"{target.__name__} failed (exit code {p.exitcode})") from None
    p.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=20_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=synthetic.DEFAULT_SEED)
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for every side (default: the engine's default, "
                                               "an eighth of the memory available)")
    parser.add_argument("--folder", type=Path, help="write (or reuse) the ledger here instead of a temp folder")
    args = parser.parse_args()

    folder = args.folder or Path(tempfile.mkdtemp(prefix="xlprofit-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not (folder / "transactions.parquet").exists():
            t0 = time.perf_counter()
            write_ledger(folder, args.customers, args.lines, args.seed)
            size = (folder / "transactions.parquet").stat().st_size / 2**20
            print(f"wrote {args.lines:,} lines, {args.customers:,} customers ({size:,.0f} MiB Parquet) "
                  f"in {time.perf_counter() - t0:.1f} s")
        memory = args.memory_limit or default_memory_limit()
        print(f"DuckDB memory_limit {memory} on every side")
        base_s, groups, base_rss = _child(_baseline, str(folder), memory)
        grains_s, grains_rss = _child(_same_grains, str(folder), memory)
        read_s, analyze_s, stages, holds, customers, rss = _child(_analysis, str(folder), memory)
        total = read_s + analyze_s
        print(f"bare DuckDB GROUP BY customer_id (totals + distinct orders) {base_s:8.2f} s  best of 3 "
              f"({groups:,} groups; peak RSS {base_rss / 1024:,.0f} MiB)")
        print(f"same grains, hand-written DuckDB SQL into pandas           {grains_s:8.2f} s  "
              f"(peak RSS {grains_rss / 1024:,.0f} MiB)")
        print(f"xlprofit read_folder (small tables)                        {read_s:8.2f} s")
        print(f"xlprofit analyze through DuckDB                            {analyze_s:8.2f} s")
        for name, seconds in stages:
            print(f"  {name:<56} {seconds:8.2f} s")
        # The lines and the usage validated and summed: what the same grains compute, with the checks.
        summing = read_s + sum(seconds for name, seconds in stages if name in SUMMING_STAGES)
        print(f"xlprofit read_folder + summing the lines and the usage     {summing:8.2f} s  "
              f"ratio to the same grains {summing / grains_s:5.2f}x")
        print(f"xlprofit total                                             {total:8.2f} s  "
              f"ratio to the same grains {total / grains_s:5.2f}x, to the bare GROUP BY {total / base_s:5.2f}x")
        print(f"peak RSS of the analysis process {rss / 1024:,.0f} MiB; {customers:,} customers; "
              f"reconciliation {'holds' if holds else 'FAILS'}")
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
