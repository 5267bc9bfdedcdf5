"""Benchmark: MBG/NBD fit, xlprofit vs lifetimes 0.11.3 (`ModifiedBetaGeoFitter`).

Draws a synthetic population from the MBG/NBD process (Batislam, Denizel & Filiztekin 2007)
with the CDNOW estimates (r = 0.525, alpha = 6.183 weeks, a = 0.891, b = 1.614): a customer may
drop out right after the first purchase and after every repeat purchase. First purchases are
spread over the first 12 weeks of a 39-week window and purchase times recorded to the day
(1/7 week), as an RFM summary built from daily transactions would be. Then fits the model with
xlprofit and with lifetimes on the same data in the same run, and prints both fit times (each
the fastest of ``--repeat`` fits: single runs vary several-fold on a busy machine), their ratio,
the largest relative parameter difference and both log-likelihoods.

lifetimes runs in its own interpreter (see tests/test_clv_lifetimes.py for how to create it):
``XLPROFIT_LIFETIMES_PYTHON`` or ``.venv-lifetimes/bin/python``.

Usage: ``python benchmarks/clv_mbgnbd.py [--customers N] [--seed S] [--repeat K]`` (default 100,000
customers, best of 3 fits).
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xlprofit.core.clv.mbgnbd import ModifiedBetaGeo  # noqa: E402

TRUE = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Draw (frequency, recency, T) for n customers from the MBG/NBD process."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n)
    p = np.clip(rng.beta(TRUE["a"], TRUE["b"], n), 1e-12, 1.0)
    first_day = rng.integers(0, 84, n)  # first purchase in the first 12 weeks
    T = (273 - first_day) / 7.0
    gone_at_start = rng.random(n) < p  # dropped out right after the first purchase
    # repeat purchases of an immortal customer in (0, T], and the repeat purchase right after
    # which the customer drops out: x = min(N(T), J), or 0 when gone at the start
    n_events = rng.poisson(lam * T)
    dropout_after = rng.geometric(p)
    x = np.where(gone_at_start, 0, np.minimum(n_events, dropout_after))
    # given N(T) = k events, the x-th is the x-th order statistic of k uniforms on (0, T)
    has = x > 0
    u = np.zeros(n)
    u[has] = rng.beta(x[has], n_events[has] - x[has] + 1)
    t_x = np.floor(u * T * 7.0) / 7.0  # to the day
    t_x[has] = np.maximum(t_x[has], 1.0 / 7.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T})


def lifetimes_python() -> Path | None:
    candidate = os.environ.get("XLPROFIT_LIFETIMES_PYTHON") or str(ROOT / ".venv-lifetimes" / "bin" / "python")
    return Path(candidate) if Path(candidate).is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = simulate(args.customers, args.seed)
    print(f"customers: {len(data):,}; repeaters: {(data['frequency'] > 0).sum():,}")

    seconds = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = ModifiedBetaGeo().fit(data["frequency"], data["recency"], data["T"])
        seconds.append(time.perf_counter() - start)
    t_ours = min(seconds)
    print(f"xlprofit  MBG/NBD fit {t_ours:8.3f} s (best of {args.repeat})  log-likelihood {ours.log_likelihood_:.6f}")
    print("xlprofit  parameters:", {k: round(v, 4) for k, v in ours.params_.items()}, "(planted:", TRUE, ")")

    python = lifetimes_python()
    if python is None:
        print("lifetimes interpreter not found: set XLPROFIT_LIFETIMES_PYTHON (see module docstring)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "summary.csv"
        data.to_csv(csv, index=False)
        request = {"summary": str(csv), "fit": True, "repeat": args.repeat, "params": None}
        request["out"] = str(Path(tmp) / "answer.json")
        (Path(tmp) / "request.json").write_text(json.dumps(request))
        runner = ROOT / "tests" / "data" / "lifetimes_mbg_runner.py"
        subprocess.run([str(python), str(runner), str(Path(tmp) / "request.json")], check=True)
        answer = json.loads((Path(tmp) / "answer.json").read_text())
    t_lt = answer["fit_seconds"]
    ll_lt = answer["log_likelihood_at"]["fitted"]
    print(f"lifetimes MBG/NBD fit {t_lt:8.3f} s (best of {args.repeat})  log-likelihood {ll_lt:.6f}")
    print(f"speed-up  {t_lt / t_ours:7.1f}x")
    ref = answer["fitted"]
    diffs = {k: abs(v - ref[k]) / abs(ref[k]) for k, v in ours.params_.items()}
    print(
        "max relative parameter difference:",
        f"{max(diffs.values()):.2e}",
        {k: f"{v:.1e}" for k, v in diffs.items()},
    )
    print(f"log-likelihood, xlprofit minus lifetimes: {ours.log_likelihood_ - ll_lt:.3e}")


if __name__ == "__main__":
    main()
