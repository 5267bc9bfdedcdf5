"""Run `lifetimes` 0.11.3's BG/BB fitter on (x, t_x, n) patterns; used by the differential test and the benchmark.

Executed by a separate interpreter that has lifetimes installed (lifetimes does not import
with pandas 3 / numpy 2). Reads a JSON request, writes a JSON answer:

request: {"patterns": csv path (frequency, recency, periods[, weights]),
          "fit": true to fit (and time the fit),
          "params": {"alpha", "beta", "gamma", "delta"} to evaluate the formulas at, or null,
          "n_star": forecast opportunities or null, "pmf_n": list of n for P(X(n) = x),
          "out": path}
answer:  {"params", "standard_errors", "fit_seconds", "log_likelihood" (total, at lifetimes' own optimum),
          then at the requested parameters: "ll_rows", "p_alive", "expected", "pmf"}
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from lifetimes import BetaGeoBetaBinomFitter

NAMES = ["alpha", "beta", "gamma", "delta"]


def main() -> None:
    with open(sys.argv[1]) as fh:
        request = json.load(fh)
    data = pd.read_csv(request["patterns"])
    f, r, n = data["frequency"], data["recency"], data["periods"]
    w = data["weights"] if "weights" in data else None
    answer = {}
    fitter = BetaGeoBetaBinomFitter(penalizer_coef=0.0)
    if request.get("fit"):
        start = time.perf_counter()
        fitter.fit(f, r, n, weights=w)
        answer["fit_seconds"] = time.perf_counter() - start
        answer["params"] = {k: float(v) for k, v in fitter.params_.items()}
        answer["standard_errors"] = {k: float(v) for k, v in fitter.standard_errors_.items()}
        total = float(np.sum(w)) if w is not None else float(len(data))
        # lifetimes minimises the weighted mean negative log-likelihood
        answer["log_likelihood"] = -float(fitter._negative_log_likelihood_) * total
    if request.get("params"):
        # evaluate the formulas at the caller's parameters, to compare formulas and not optimisers
        fitter.params_ = pd.Series(request["params"])[NAMES]
        params = fitter.params_.to_numpy()
        x, tx, nn = (np.asarray(v, dtype=int) for v in (f, r, n))
        answer["ll_rows"] = np.asarray(BetaGeoBetaBinomFitter._loglikelihood(params, x, tx, nn)).tolist()
        # lifetimes' m_periods_in_future = 1 is the paper's "alive at opportunity n + 1"
        answer["p_alive"] = fitter.conditional_probability_alive(1, f, r, n).tolist()
        if request.get("n_star") is not None:
            answer["expected"] = fitter.conditional_expected_number_of_purchases_up_to_time(
                request["n_star"], f, r, n
            ).tolist()
        pmf = {}
        for periods in request.get("pmf_n", []):
            # lifetimes returns P(X(n) = x) times the number of customers, for the x in its data
            fitter.data = pd.DataFrame({"frequency": f, "weights": w if w is not None else 1})
            table = fitter.expected_number_of_transactions_in_first_n_periods(periods)
            customers = float(fitter.data["weights"].sum())
            pmf[str(periods)] = {str(int(k)): float(v) / customers for k, v in table["model"].items()}
        answer["pmf"] = pmf
    with open(request["out"], "w") as fh:
        json.dump(answer, fh)


if __name__ == "__main__":
    main()
