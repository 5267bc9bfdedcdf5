"""Run `lifetimes` 0.11.3 on an RFM summary; used by the differential test and the benchmark.

Executed by a separate interpreter that has lifetimes installed (lifetimes does not import
with pandas 3 / numpy 2). Reads a JSON request, writes a JSON answer:

request: {"summary": csv path (frequency, recency, T, monetary_value), "t": window,
          "params": {"bgnbd": {...}, "gg": {...}} or null, "clv": {"months", "rate"} or null,
          "out": path}
"""

import json
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter


def main() -> None:
    with open(sys.argv[1]) as fh:
        request = json.load(fh)
    data = pd.read_csv(request["summary"])
    f, r, T, m = data["frequency"], data["recency"], data["T"], data["monetary_value"]
    answer = {}
    start = time.perf_counter()
    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(f, r, T)
    answer["bgnbd_fit_seconds"] = time.perf_counter() - start
    repeat = f > 0
    start = time.perf_counter()
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(f[repeat], m[repeat])
    answer["gg_fit_seconds"] = time.perf_counter() - start
    answer["bgnbd"] = {k: float(v) for k, v in bgf.params_.items()}
    answer["gg"] = {k: float(v) for k, v in ggf.params_.items()}
    if request.get("params"):
        # evaluate the formulas at the caller's parameters, to compare formulas and not optimisers
        bgf.params_ = pd.Series(request["params"]["bgnbd"])[["r", "alpha", "a", "b"]]
        ggf.params_ = pd.Series(request["params"]["gg"])[["p", "q", "v"]]
    if request.get("t") is not None:
        answer["expected"] = bgf.conditional_expected_number_of_purchases_up_to_time(
            request["t"], f, r, T
        ).tolist()
        answer["p_alive"] = bgf.conditional_probability_alive(f, r, T).tolist()
        answer["spend"] = ggf.conditional_expected_average_profit(f, m).tolist()
    if request.get("clv"):
        start = time.perf_counter()
        clv = ggf.customer_lifetime_value(
            bgf, f, r, T, m, time=request["clv"]["months"], discount_rate=request["clv"]["rate"], freq="W"
        )
        answer["clv_seconds"] = time.perf_counter() - start
        answer["clv"] = clv.tolist()
    with open(request["out"], "w") as fh:
        json.dump(answer, fh)


if __name__ == "__main__":
    main()
