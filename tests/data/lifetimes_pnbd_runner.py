"""Run `lifetimes` 0.11.3's Pareto/NBD on an RFM summary; used by tests/test_clv_pnbd.py and benchmarks/clv_pnbd.py.

Executed by a separate interpreter that has lifetimes installed (lifetimes does not import
with pandas 3 / numpy 2). Reads a JSON request, writes a JSON answer:

request: {"summary": csv path (frequency, recency, T), "fit": true to fit ParetoNBDFitter
          (default settings, numpy's global generator seeded with "seed", default 0) and time it,
          "params": {"r", "alpha", "s", "beta"} or null (the
          parameters to evaluate the formulas at; the fitted ones when null), "t": forecast
          window or null, "pmf": {"t": [...], "n_max": N} or null, "bgnbd_pmf": {"params":
          {"r", "alpha", "a", "b"}, "t": [...], "n_max": N} or null, "out": path}

answer:  {"fit_seconds", "params"} when fitted; "expected", "p_alive", "log_likelihood" per
         customer when "t" is given; "pmf" and "bgnbd_pmf" as lists (one per t) of
         P(X(t) = n) for n = 0..N.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, ParetoNBDFitter

NAMES = ["r", "alpha", "s", "beta"]


def main() -> None:
    with open(sys.argv[1]) as fh:
        request = json.load(fh)
    data = pd.read_csv(request["summary"])
    f, r, T = data["frequency"], data["recency"], data["T"]
    answer = {}
    fitter = ParetoNBDFitter(penalizer_coef=0.0)
    if request.get("fit"):
        # lifetimes starts Nelder-Mead from random parameters drawn from numpy's legacy global
        # generator: only seeding that generator makes its fit repeatable
        np.random.seed(request.get("seed", 0))  # noqa: NPY002
        start = time.perf_counter()
        fitter.fit(f, r, T)
        answer["fit_seconds"] = time.perf_counter() - start
        answer["params"] = {k: float(v) for k, v in fitter.params_.items()}
    if request.get("params"):
        # evaluate the formulas at the caller's parameters, to compare formulas and not optimisers
        fitter.params_ = pd.Series(request["params"])[NAMES]
    if request.get("t") is not None:
        answer["expected"] = fitter.conditional_expected_number_of_purchases_up_to_time(request["t"], f, r, T).tolist()
        answer["p_alive"] = fitter.conditional_probability_alive(f, r, T).tolist()
        # lifetimes has no public per-customer log-likelihood; its static helper is the likelihood itself
        params = [float(fitter.params_[k]) for k in NAMES]
        answer["log_likelihood"] = ParetoNBDFitter._conditional_log_likelihood(params, f, r, T).tolist()
    if request.get("pmf"):
        # P(X(t) = n) for a new customer: lifetimes' conditional PMF given no history (x = t_x = T = 0)
        answer["pmf"] = [
            [float(fitter.conditional_probability_of_n_purchases_up_to_time(n, t, 0, 0, 0))
             for n in range(request["pmf"]["n_max"] + 1)]
            for t in request["pmf"]["t"]
        ]
    if request.get("bgnbd_pmf"):
        bgf = BetaGeoFitter()
        bgf.params_ = pd.Series(request["bgnbd_pmf"]["params"])[["r", "alpha", "a", "b"]]
        answer["bgnbd_pmf"] = [
            [float(bgf.probability_of_n_purchases_up_to_time(t, n)) for n in range(request["bgnbd_pmf"]["n_max"] + 1)]
            for t in request["bgnbd_pmf"]["t"]
        ]
    with open(request["out"], "w") as fh:
        json.dump(answer, fh)


if __name__ == "__main__":
    main()
