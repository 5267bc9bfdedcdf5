"""Benchmark: Pareto/NBD fit, xlprofit vs lifetimes 0.11.3, on a simulated population.

Draws customers from the Pareto/NBD process (Schmittlein, Morrison & Colombo 1987) with the
CDNOW estimates of Fader, Hardie & Lee (2005) (r = 0.553, alpha = 10.578 weeks, s = 0.606,
beta = 11.669 weeks): first purchases spread over the first 12 weeks of a 39-week window,
purchase times recorded to the day (1/7 week), as an RFM summary built from daily
transactions would be. Fits the model with xlprofit and with lifetimes on the same data in the
same run, and prints both fit times, their ratio, the largest relative difference between the
two sets of parameters and the two log-likelihoods (each evaluated by xlprofit).

lifetimes runs in its own interpreter (see tests/test_clv_lifetimes.py for how to create it):
``XLPROFIT_LIFETIMES_PYTHON`` or ``.venv-lifetimes/bin/python``.

Usage: ``python benchmarks/clv_pnbd.py [--customers N] [--seed S]`` (default 100,000 customers).
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

from xlprofit.core.clv.pnbd import ParetoNBD, log_likelihood_terms  # noqa: E402

TRUE = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
NAMES = ("r", "alpha", "s", "beta")


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Draw (frequency, recency, T) for n customers from the Pareto/NBD process."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n)
    mu = rng.gamma(TRUE["s"], 1.0 / TRUE["beta"], n)
    first_day = rng.integers(0, 84, n)  # first purchase in the first 12 weeks
    T = (273 - first_day) / 7.0
    active = np.minimum(rng.exponential(1.0 / mu), T)  # alive until the dropout or the end
    x = rng.poisson(lam * active)
    # given x purchases in (0, active], the last is the largest of x uniforms: active·U^(1/x)
    has = x > 0
    t_x = np.zeros(n)
    t_x[has] = active[has] * rng.random(int(has.sum())) ** (1.0 / x[has])
    t_x = np.floor(t_x * 7.0) / 7.0  # to the day
    t_x[has] = np.maximum(t_x[has], 1.0 / 7.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T})


def lifetimes_python() -> Path | None:
    candidate = os.environ.get("XLPROFIT_LIFETIMES_PYTHON") or str(ROOT / ".venv-lifetimes" / "bin" / "python")
    return Path(candidate) if Path(candidate).is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240917)
    args = parser.parse_args()

    data = simulate(args.customers, args.seed)
    unique = len(data.drop_duplicates())
    print(f"customers: {len(data):,}; repeaters: {(data['frequency'] > 0).sum():,}; distinct (x, t_x, T): {unique:,}")
    print("true      parameters:", TRUE)

    start = time.perf_counter()
    model = ParetoNBD().fit(data["frequency"], data["recency"], data["T"])
    t_ours = time.perf_counter() - start
    print(f"xlprofit  Pareto/NBD fit {t_ours:8.3f} s  parameters:", {k: round(v, 4) for k, v in model.params_.items()})

    python = lifetimes_python()
    if python is None:
        print("lifetimes interpreter not found: set XLPROFIT_LIFETIMES_PYTHON (see module docstring)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "summary.csv"
        data.to_csv(csv, index=False)
        request = {"summary": str(csv), "fit": True, "params": None, "t": None, "out": str(Path(tmp) / "answer.json")}
        (Path(tmp) / "request.json").write_text(json.dumps(request))
        runner = ROOT / "tests" / "data" / "lifetimes_pnbd_runner.py"
        subprocess.run([str(python), str(runner), str(Path(tmp) / "request.json")], check=True)
        answer = json.loads((Path(tmp) / "answer.json").read_text())
    t_theirs, theirs = answer["fit_seconds"], answer["params"]
    print(f"lifetimes Pareto/NBD fit {t_theirs:8.3f} s  parameters:", {k: round(v, 4) for k, v in theirs.items()})
    print(f"speed-up  {t_theirs / t_ours:7.1f}x")
    diffs = {k: abs(model.params_[k] - theirs[k]) / abs(theirs[k]) for k in NAMES}
    print(f"max relative parameter difference: {max(diffs.values()):.2e}", {k: f"{v:.1e}" for k, v in diffs.items()})
    x, t_x, T = (data[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    ll_theirs = float(np.sum(log_likelihood_terms(*(theirs[k] for k in NAMES), x, t_x, T)))
    print(f"log-likelihood: xlprofit {model.log_likelihood_:.6f}, lifetimes' parameters {ll_theirs:.6f} "
          f"(difference {model.log_likelihood_ - ll_theirs:.2e})")


if __name__ == "__main__":
    main()
