"""Benchmark: BG/BB fit, xlprofit vs lifetimes 0.11.3, on patterns and on unaggregated customers.

Draws a synthetic cohort from the BG/BB story (Fader, Hardie & Shang 2010) with the donations
estimates (alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783) and n = 6 transaction
opportunities: each customer's ``p`` and ``theta`` from their beta distributions, alive at
opportunity t with probability (1 − theta)^t, a transaction at each opportunity alive with
probability p. Then fits the model with xlprofit and with lifetimes on the same data in the
same run, twice:

* as (x, t_x, n) patterns with counts (22 rows, ``weights=``), as the paper's data come;
* as one row per customer (``weights=None``).

and prints both fit times, their ratio and the largest relative parameter difference.
lifetimes always computes standard errors in ``fit`` (an autograd Hessian); the xlprofit fit
is timed without and with ``standard_errors=True`` (median of three runs each), the ratio
uses the latter.

Both interpreters run with one BLAS thread (``OPENBLAS_NUM_THREADS`` and friends default to
1 here, and the lifetimes interpreter inherits them): the fits' linear algebra is on 4 × 4
matrices, and on a busy machine a threaded BLAS spends far longer waking its threads than
computing (scipy's L-BFGS-B calls BLAS at every iteration: 2.5 ms per donations fit with
one thread, 120 ms with threads contending on a loaded 2-core machine).

lifetimes runs in its own interpreter (see tests/test_clv_lifetimes.py for how to create it):
``XLPROFIT_LIFETIMES_PYTHON`` or ``.venv-lifetimes/bin/python``.

Usage: ``python benchmarks/clv_bgbb.py [--customers N] [--periods n] [--seed S]``
(default 1,000,000 customers, n = 6).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy is imported; see the module docstring

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlprofit.core.clv.bgbb import BetaGeoBetaBinom  # noqa: E402

TRUE = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


def simulate(customers: int, periods: int, seed: int) -> pd.DataFrame:
    """Draw (frequency, recency, periods) for a cohort from the BG/BB story."""
    rng = np.random.default_rng(seed)
    p = rng.beta(TRUE["alpha"], TRUE["beta"], customers)
    theta = rng.beta(TRUE["gamma"], TRUE["delta"], customers)
    # death at the beginning of opportunity G ~ geometric(theta): alive at opportunities 1 … G − 1
    alive_for = np.minimum(rng.geometric(theta) - 1, periods)
    opportunity = np.arange(1, periods + 1)
    frequency = np.zeros(customers, dtype=np.int64)
    recency = np.zeros(customers, dtype=np.int64)
    for t in opportunity:  # one opportunity at a time keeps memory at a few arrays of `customers`
        buys = (rng.random(customers) < p) & (t <= alive_for)
        frequency += buys
        recency = np.where(buys, t, recency)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "periods": np.full(customers, periods)})


def lifetimes_python() -> Path | None:
    candidate = os.environ.get("XLPROFIT_LIFETIMES_PYTHON") or str(ROOT / ".venv-lifetimes" / "bin" / "python")
    return Path(candidate) if Path(candidate).is_file() else None


def run_lifetimes(python: Path, table: pd.DataFrame) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "patterns.csv"
        table.to_csv(csv, index=False)
        request = {"patterns": str(csv), "fit": True, "params": None, "out": str(Path(tmp) / "answer.json")}
        (Path(tmp) / "request.json").write_text(json.dumps(request))
        runner = ROOT / "tests" / "data" / "lifetimes_bgbb_runner.py"
        subprocess.run([str(python), str(runner), str(Path(tmp) / "request.json")], check=True)
        return json.loads((Path(tmp) / "answer.json").read_text())


def time_fit(table: pd.DataFrame, weights: pd.Series | None, standard_errors: bool) -> tuple[float, BetaGeoBetaBinom]:
    """Median time of three fits, and the fitted model."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        model = BetaGeoBetaBinom().fit(
            table["frequency"], table["recency"], table["periods"], weights, standard_errors=standard_errors
        )
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20100601)
    args = parser.parse_args()

    data = simulate(args.customers, args.periods, args.seed)
    patterns = data.value_counts().rename("weights").reset_index()
    print(f"customers: {len(data):,}; opportunities: {args.periods}; patterns: {len(patterns)}")
    python = lifetimes_python()
    if python is None:
        print("lifetimes interpreter not found: set XLPROFIT_LIFETIMES_PYTHON (see module docstring)")

    for label, table, weights in (
        ("patterns", patterns, patterns["weights"]),
        ("customers", data, None),
    ):
        t_plain, _ = time_fit(table, weights, standard_errors=False)
        t_se, model = time_fit(table, weights, standard_errors=True)
        print(f"[{label}: {len(table):,} rows]")
        print(f"  xlprofit  fit {t_plain:8.3f} s   with standard errors {t_se:8.3f} s")
        print("  xlprofit  parameters:", {k: round(v, 5) for k, v in model.params_.items()},
              f"LL {model.log_likelihood_:,.3f}")
        if python is None:
            continue
        answer = run_lifetimes(python, table)
        seconds = answer["fit_seconds"]
        print(f"  lifetimes fit {seconds:8.3f} s   (standard errors included)")
        print("  lifetimes parameters:", {k: round(v, 5) for k, v in answer["params"].items()},
              f"LL {answer['log_likelihood']:,.3f}")
        diffs = {k: abs(model.params_[k] - v) / abs(v) for k, v in answer["params"].items()}
        print(f"  speed-up  {seconds / t_se:7.1f}x (vs xlprofit with standard errors), "
              f"{seconds / t_plain:7.1f}x (without)")
        print(f"  max relative parameter difference: {max(diffs.values()):.2e}",
              {k: f"{v:.1e}" for k, v in diffs.items()})


if __name__ == "__main__":
    main()
