"""Run `lifetimes` 0.11.3's MBG/NBD model on an RFM summary; used by tests/test_clv_mbgnbd.py and the benchmark.

Executed by a separate interpreter that has lifetimes installed (lifetimes does not import
with pandas 3 / numpy 2). Reads a JSON request, writes a JSON answer:

request: {"summary": csv path (frequency, recency, T),
          "fit": whether to fit lifetimes' ModifiedBetaGeoFitter (default true),
          "repeat": fits to time, the fastest reported (default 1),
          "params": {"r", "alpha", "a", "b"} or null — the parameters at which the formulas
                    are evaluated (the fitted ones when null),
          "t": window of the conditional expectation or null,
          "times": times of the new-customer expectation, or null,
          "pmf": {"t": [...], "n": [...]} grid of P(X(t) = n), or null,
          "out": path}

answer: {"fit_seconds", "fitted": {...}, "log_likelihood_at": {"fitted", "given"},
         "expected", "p_alive", "expected_new", "pmf"} (what was asked for).
The log-likelihoods are lifetimes' own objective, evaluated in the data's time unit.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from lifetimes import ModifiedBetaGeoFitter


def total_log_likelihood(params, f, r, T):
    """lifetimes' MBG/NBD log-likelihood summed over the customers (its objective is the negative mean)."""
    log_params = np.log([params[k] for k in ("r", "alpha", "a", "b")])
    weights = np.ones(len(f))
    mean = -ModifiedBetaGeoFitter._negative_log_likelihood(log_params, f.values, r.values, T.values, weights, 0.0)
    return float(mean) * len(f)


def main() -> None:
    with open(sys.argv[1]) as fh:
        request = json.load(fh)
    data = pd.read_csv(request["summary"])
    f, r, T = data["frequency"], data["recency"], data["T"]
    answer = {}
    mbg = ModifiedBetaGeoFitter(penalizer_coef=0.0)
    if request.get("fit", True):
        seconds = []
        for _ in range(int(request.get("repeat", 1))):  # the benchmark takes the best of a few runs
            start = time.perf_counter()
            mbg.fit(f, r, T)
            seconds.append(time.perf_counter() - start)
        answer["fit_seconds"] = min(seconds)
        answer["fitted"] = {k: float(v) for k, v in mbg.params_.items()}
        answer["log_likelihood_at"] = {"fitted": total_log_likelihood(answer["fitted"], f, r, T)}
    if request.get("params"):
        # evaluate the formulas at the caller's parameters, to compare formulas and not optimisers
        given = request["params"]
        mbg.params_ = pd.Series(given)[["r", "alpha", "a", "b"]]
        answer.setdefault("log_likelihood_at", {})["given"] = total_log_likelihood(given, f, r, T)
    if request.get("t") is not None:
        answer["expected"] = np.asarray(
            mbg.conditional_expected_number_of_purchases_up_to_time(request["t"], f, r, T), dtype=float
        ).tolist()
        answer["p_alive"] = np.asarray(mbg.conditional_probability_alive(f, r, T), dtype=float).tolist()
    if request.get("times"):
        times = np.asarray(request["times"], dtype=float)
        answer["expected_new"] = np.asarray(mbg.expected_number_of_purchases_up_to_time(times), dtype=float).tolist()
    if request.get("pmf"):
        answer["pmf"] = [
            [float(mbg.probability_of_n_purchases_up_to_time(t, int(n))) for n in request["pmf"]["n"]]
            for t in request["pmf"]["t"]
        ]
    with open(request["out"], "w") as fh:
        json.dump(answer, fh)


if __name__ == "__main__":
    main()
