"""Benchmark: BG/NBD + Gamma-Gamma fit and per-customer CLV, xlprofit vs lifetimes 0.11.3.

Draws a synthetic population from the BG/NBD process (Fader, Hardie & Lee 2005) with the
CDNOW parameters (r = 0.243, alpha = 4.414 weeks, a = 0.793, b = 2.426) and Gamma-Gamma spend
(p = 6.25, q = 3.74, v = 15.44): first purchases spread over the first 12 weeks of a 39-week
window, purchase times recorded to the day (1/7 week), as an RFM summary built from daily
transactions would be. Then fits both models and computes 12-month CLV (month = 4.345 weeks,
1 % a month, discounted at period end) with xlprofit and with lifetimes on the same data in
the same run, and prints the timings, their ratios and the largest parameter differences.

lifetimes runs in its own interpreter (see tests/test_clv_lifetimes.py for how to create it):
``XLPROFIT_LIFETIMES_PYTHON`` or ``.venv-lifetimes/bin/python``.

Then runs the benchmarks of the other purchase models against lifetimes, each on its own
simulated data (``benchmarks/clv_pnbd.py``, ``clv_mbgnbd.py``, ``clv_bgbb.py``, at their
default sizes), so that one command prints every model's fit time against lifetimes.

Usage: ``python benchmarks/clv.py [--customers N] [--seed S] [--bgnbd-only]`` (default
1,000,000 customers for BG/NBD).
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

from xlprofit.core.clv import BetaGeo, GammaGamma, customer_clv  # noqa: E402

TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Draw (frequency, recency, T, monetary_value) for n customers from BG/NBD + Gamma-Gamma."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n)
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    first_day = rng.integers(0, 84, n)  # first purchase in the first 12 weeks
    T = (273 - first_day) / 7.0
    # repeat purchases of an immortal customer in (0, T], and the repeat purchase after which
    # the customer drops out: x = min(N(T), J)
    n_events = rng.poisson(lam * T)
    dropout_after = rng.geometric(p)
    x = np.minimum(n_events, dropout_after)
    # given N(T) = k events, the x-th is the x-th order statistic of k uniforms on (0, T)
    has = x > 0
    u = np.zeros(n)
    u[has] = rng.beta(x[has], n_events[has] - x[has] + 1)
    t_x = np.floor(u * T * 7.0) / 7.0  # to the day
    t_x[has] = np.maximum(t_x[has], 1.0 / 7.0)
    nu = rng.gamma(TRUE["q"], 1.0 / TRUE["v"], n)
    total = np.zeros(n)
    total[has] = rng.gamma(TRUE["p"] * x[has], 1.0 / nu[has])
    monetary = np.where(has, total / np.maximum(x, 1), 0.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T, "monetary_value": monetary})


def lifetimes_python() -> Path | None:
    candidate = os.environ.get("XLPROFIT_LIFETIMES_PYTHON") or str(
        ROOT / ".venv-lifetimes" / "bin" / "python"
    )
    return Path(candidate) if Path(candidate).is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--bgnbd-only", action="store_true", help="skip Pareto/NBD, MBG/NBD and BG/BB")
    args = parser.parse_args()
    bgnbd(args)
    if not args.bgnbd_only:
        for script, model in (("clv_pnbd.py", "Pareto/NBD"), ("clv_mbgnbd.py", "MBG/NBD"), ("clv_bgbb.py", "BG/BB")):
            print(f"\n=== {model} ({script})", flush=True)
            subprocess.run([sys.executable, str(Path(__file__).with_name(script))], check=True)


def bgnbd(args: argparse.Namespace) -> None:
    """BG/NBD + Gamma-Gamma fit and CLV against lifetimes."""

    data = simulate(args.customers, args.seed)
    print(f"customers: {len(data):,}; repeaters: {(data['frequency'] > 0).sum():,}")

    start = time.perf_counter()
    bg = BetaGeo().fit(data["frequency"], data["recency"], data["T"])
    t_bg = time.perf_counter() - start
    start = time.perf_counter()
    gg = GammaGamma().fit(data["frequency"], data["monetary_value"])
    t_gg = time.perf_counter() - start
    start = time.perf_counter()
    clv = customer_clv(
        data, 1.0, purchase_model=bg, spend_model=gg, discount_rate=0.01, discount_period=4.345, horizon=12
    )
    t_clv = time.perf_counter() - start
    print(f"xlprofit  BG/NBD fit {t_bg:8.3f} s  Gamma-Gamma fit {t_gg:8.3f} s  CLV {t_clv:8.3f} s")
    print("xlprofit  parameters:", {k: round(v, 4) for k, v in (bg.params_ | gg.params_).items()})

    python = lifetimes_python()
    if python is None:
        print("lifetimes interpreter not found: set XLPROFIT_LIFETIMES_PYTHON (see module docstring)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "summary.csv"
        data.to_csv(csv, index=False)
        request = {"summary": str(csv), "t": None, "params": None, "clv": {"months": 12, "rate": 0.01}}
        request["out"] = str(Path(tmp) / "answer.json")
        (Path(tmp) / "request.json").write_text(json.dumps(request))
        runner = ROOT / "tests" / "data" / "lifetimes_runner.py"
        subprocess.run([str(python), str(runner), str(Path(tmp) / "request.json")], check=True)
        answer = json.loads((Path(tmp) / "answer.json").read_text())
    lt_bg, lt_gg, lt_clv = answer["bgnbd_fit_seconds"], answer["gg_fit_seconds"], answer["clv_seconds"]
    print(f"lifetimes BG/NBD fit {lt_bg:8.3f} s  Gamma-Gamma fit {lt_gg:8.3f} s  CLV {lt_clv:8.3f} s")
    print(
        f"speed-up  BG/NBD fit {lt_bg / t_bg:7.1f}x  Gamma-Gamma fit {lt_gg / t_gg:7.1f}x"
        f"  CLV {lt_clv / t_clv:7.1f}x  fit total {(lt_bg + lt_gg) / (t_bg + t_gg):7.1f}x"
    )
    ref = answer["bgnbd"] | answer["gg"]
    diffs = {k: abs(bg_gg - ref[k]) / abs(ref[k]) for k, bg_gg in (bg.params_ | gg.params_).items()}
    print(
        "max relative parameter difference:",
        f"{max(diffs.values()):.2e}",
        {k: f"{v:.1e}" for k, v in diffs.items()},
    )
    rel = np.abs(clv["clv"].to_numpy() - np.asarray(answer["clv"])) / np.maximum(np.abs(answer["clv"]), 1e-12)
    print(f"max relative CLV difference (each with its own fit): {rel.max():.2e}")


if __name__ == "__main__":
    main()
