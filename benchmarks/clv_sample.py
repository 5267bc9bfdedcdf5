"""What fitting the lifetime models on a sample costs in accuracy, and saves in time.

    python benchmarks/clv_sample.py --folder /tmp/ledger2m            # a ledger written by scale.py
    python benchmarks/clv_sample.py --folder /tmp/ledger2m --sizes 10000 25000 50000

The analysis fits its purchase models (BG/NBD and Pareto/NBD, left-truncated) on at most
``clv_fit_customers`` customers drawn by a hash of their ids, and forecasts every customer.
This script analyses the ledger once with the fit on every customer (``clv_fit_customers`` 0)
and once per sample size, each in its own process, and prints for each: the time of the
analysis, the fitted parameters against the full fit's, and how the book's lifetime value
moved (its total, and the median and 99th percentile of the change per customer, relative to
the customer's own CLV where that is at least 1 % of the mean absolute CLV).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import _child  # noqa: E402 - beside this script: each analysis in its own process


def _analysis(folder: str, fit_customers: int, out: mp.Queue) -> None:
    import xlprofit
    from xlprofit.engines import read_folder

    ds = read_folder(folder, engine="duckdb")
    t0 = time.perf_counter()
    result = xlprofit.analyze(ds, clv_fit_customers=fit_customers)
    seconds = time.perf_counter() - t0
    models = result.clv_models
    params = {f"{m} {p}": float(v) for m, p, v in zip(models["model"], models["parameter"], models["value"],
                                                        strict=True) if p in ("r", "alpha", "a", "b", "s", "beta")}
    out.put((seconds, params, result.customers["clv"].to_numpy()))


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, required=True, help="a ledger folder (benchmarks/scale.py --folder)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 25_000, 50_000])
    args = parser.parse_args()
    folder = str(args.folder)
    full_s, full_params, full_clv = _child(_analysis, folder, 0)
    print(f"all customers: analysis {full_s:6.1f} s; {', '.join(f'{k} {v:.4g}' for k, v in full_params.items())}")
    full_clv = np.asarray(full_clv, dtype=float)
    scale = np.nanmean(np.abs(full_clv))
    for size in args.sizes:
        seconds, params, clv = _child(_analysis, folder, size)
        clv = np.asarray(clv, dtype=float)
        shared = [k for k in params if k in full_params]
        moved = ", ".join(f"{k} {params[k] / full_params[k] - 1:+.1%}" for k in shared) or \
            f"another model chosen: {', '.join(f'{k} {v:.4g}' for k, v in params.items())}"
        large = np.abs(full_clv) >= 0.01 * scale
        change = np.abs(clv[large] / full_clv[large] - 1.0)
        print(f"{size:>7,} customers: analysis {seconds:6.1f} s ({seconds / full_s:4.0%} of the full fit's); "
              f"{moved}; book CLV {np.nansum(clv) / np.nansum(full_clv) - 1:+.2%}; per customer median "
              f"{np.nanmedian(change):.2%}, 99th percentile {np.nanpercentile(change, 99):.2%}")


if __name__ == "__main__":
    main()
