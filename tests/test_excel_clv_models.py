"""The Pareto/NBD and BG/BB Excel functions (and weights on the BG/NBD fit), through xlwings' call paths.

Everything runs through xlwings' own Office.js call path (``custom_functions_call`` with the
payload Office.js sends; for this module only, :func:`tests.conftest.office_js`), and the same
calls run as plain Python, as the classic add-in's VBA calls them, in a subprocess without
Office.js. The values are the Python models' own: the blocks carry the fitted floats and the
evaluators call the same methods, so they agree to the last bit; the bound checked is 1e-12
relative. The generated VBA of these functions is checked in ``test_excel_vba``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, hyp2f1

from tests.conftest import office_js
from xlprofit.core.clv import BetaGeo
from xlprofit.core.clv.bgbb import BetaGeoBetaBinom
from xlprofit.core.clv.pnbd import ParetoNBD
from xlprofit.excel import catalogue

#: xlwings, xlwings.server and the Excel functions under Office.js: bound by :func:`_office_js`
#: while this module's tests run.
xw = xs = udfs = None


@pytest.fixture(scope="module", autouse=True)
def _office_js():
    with office_js() as runtime:
        globals().update(xw=runtime.xw, xs=runtime.xs, udfs=runtime.udfs)
        yield
    globals().update(xw=None, xs=None, udfs=None)


ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
#: Agreement of the Excel functions with the Python models (see the module docstring).
RTOL = 1e-12


def payload(name: str, args: list) -> dict:
    """The request body Office.js sends for one custom-function call (runtime 1.4: real error values)."""
    return {"func_name": name, "args": args, "caller_address": "Sheet1!B2", "version": xw.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US", "date_format": "M/d/yyyy",
            "task_key": None}


def cell_arg(value):
    """An argument as Office.js sends it: every parameter has matrix dimensionality."""
    if value is None:
        return None
    if isinstance(value, list):
        return [row if isinstance(row, list) else [row] for row in value]
    return [[value]]


def call(name: str, *args):
    return asyncio.run(xs.custom_functions_call(payload(name, [cell_arg(a) for a in args]), udfs))


def column(values) -> list[list[float]]:
    return [[float(v)] for v in values]


def spilled(result) -> np.ndarray:
    """A spilled column (or a single cell) as floats."""
    return np.array([row[0] for row in result], dtype=float)


def value_error(name: str, *args) -> str:
    """The message of the #VALUE! a call gives (Office.js raises it as an XlwingsError)."""
    with pytest.raises(xw.XlwingsError) as raised:
        call(name, *args)
    message = str(raised.value)
    assert len(message) <= 255 and "Traceback" not in message
    return message


def error_type(result) -> str:
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    value = result[0][0]
    assert isinstance(value, dict) and value["type"] == "Error", result
    return value["errorType"]


def block_params(block) -> dict[str, float]:
    return {row[0]: row[1] for row in block[1:] if row[0] != "log_likelihood"}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Fader & Hardie's CDNOW sample summary: 2,357 customers, 39-week calibration (weeks)."""
    return pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    """Fader, Hardie & Shang (2010): the 1995 cohort's 22 recency/frequency patterns and their counts."""
    return pd.read_csv(DATA / "donations_patterns.csv")


@pytest.fixture(scope="module")
def pnbd_block(cdnow) -> list[list]:
    return call("XLP_PNBD_FIT", column(cdnow["x"]), column(cdnow["t_x"]), column(cdnow["T"]))


@pytest.fixture(scope="module")
def bgbb_block(donations) -> list[list]:
    d = donations
    return call("XLP_BGBB_FIT", column(d["frequency"]), column(d["recency"]), column(d["periods"]),
                column(d["weights"]))


# --------------------------------------------------------------------------- catalogue


def test_signatures_follow_the_bgnbd_functions():
    by_name = catalogue.by_name()
    assert {name: catalogue.signature(by_name[name]) for name in (
        "XLP_PNBD_FIT", "XLP_PNBD_EXPECTED", "XLP_PNBD_ALIVE", "XLP_BGBB_FIT", "XLP_BGBB_EXPECTED",
        "XLP_BGBB_ALIVE", "XLP_BGBB_DERT", "XLP_BGNBD_FIT")} == {
        "XLP_PNBD_FIT": "XLP_PNBD_FIT(frequency, recency, T, [weights])",
        "XLP_PNBD_EXPECTED": "XLP_PNBD_EXPECTED(model, window, [frequency], [recency], [T])",
        "XLP_PNBD_ALIVE": "XLP_PNBD_ALIVE(model, frequency, recency, T)",
        "XLP_BGBB_FIT": "XLP_BGBB_FIT(frequency, recency, periods, [weights])",
        "XLP_BGBB_EXPECTED": "XLP_BGBB_EXPECTED(model, periods_ahead, [frequency], [recency], [periods])",
        "XLP_BGBB_ALIVE": "XLP_BGBB_ALIVE(model, frequency, recency, periods)",
        "XLP_BGBB_DERT": "XLP_BGBB_DERT(model, discount_rate, frequency, recency, periods)",
        "XLP_BGNBD_FIT": "XLP_BGNBD_FIT(frequency, recency, T, [weights])",
    }
    for name in ("XLP_PNBD_FIT", "XLP_BGBB_FIT", "XLP_BGNBD_FIT"):
        assert by_name[name].cache, name  # refitted only when the data change
        assert getattr(udfs, name).__xlfunc__["cache"], name


# --------------------------------------------------------------------------- Pareto/NBD


def test_pnbd_fit_is_the_core_fit_and_reproduces_the_published_cdnow_estimates(cdnow, pnbd_block):
    assert [row[0] for row in pnbd_block] == ["model", "r", "alpha", "s", "beta", "log_likelihood"]
    assert pnbd_block[0][1] == "Pareto/NBD"
    core = ParetoNBD().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    params = block_params(pnbd_block)
    assert params == core.params_  # the same floats
    assert pnbd_block[-1][1] == core.log_likelihood_
    # Fader, Hardie & Lee (2005), section 4: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669,
    # LL = -9595.0; half a unit of the last printed place, beta 2e-3 (test_clv_pnbd says why: the
    # likelihood is nearly flat in beta and the printed point is not the maximum).
    for key, value in {"r": 0.553, "alpha": 10.578, "s": 0.606}.items():
        assert params[key] == pytest.approx(value, abs=5e-4), key
    assert params["beta"] == pytest.approx(11.669, abs=2e-3)
    assert pnbd_block[-1][1] == pytest.approx(-9595.0, abs=0.05)


def _pnbd(block) -> ParetoNBD:
    model = ParetoNBD()
    model.params_ = block_params(block)
    return model


def test_pnbd_evaluators_equal_the_model_for_every_cdnow_customer(cdnow, pnbd_block):
    model = _pnbd(pnbd_block)
    history = (column(cdnow["x"]), column(cdnow["t_x"]), column(cdnow["T"]))
    alive = spilled(call("XLP_PNBD_ALIVE", pnbd_block, *history))
    np.testing.assert_allclose(alive, model.probability_alive(cdnow["x"], cdnow["t_x"], cdnow["T"]), rtol=RTOL,
                               atol=0)
    expected = spilled(call("XLP_PNBD_EXPECTED", pnbd_block, 39, *history))
    np.testing.assert_allclose(expected, model.expected_purchases(39, cdnow["x"], cdnow["t_x"], cdnow["T"]),
                               rtol=RTOL, atol=0)
    # one customer gives one cell; blank history is a new customer
    one = call("XLP_PNBD_EXPECTED", pnbd_block, 39, 2, 30.43, 38.86)
    assert len(one) == 1 and len(one[0]) == 1
    assert one[0][0] == pytest.approx(float(model.expected_purchases(39, 2, 30.43, 38.86)[0]), rel=RTOL, abs=0)
    new = call("XLP_PNBD_EXPECTED", pnbd_block, 39, None, "", None)
    assert new[0][0] == pytest.approx(model.expected_purchases_new(39), rel=RTOL, abs=0)
    # unlike BG/NBD, a customer without repeat purchases may have left, the more so the longer ago
    assert 0 < spilled(call("XLP_PNBD_ALIVE", pnbd_block, 0, 0, 38.86))[0] < \
        spilled(call("XLP_PNBD_ALIVE", pnbd_block, 0, 0, 10))[0] < 1


def test_fits_on_patterns_with_counts_equal_fits_on_the_customers(cdnow):
    # Hardie's datasets come as patterns with counts: one row per distinct (x, t_x, T), weighted
    # by its number of customers, is the same likelihood as one row per customer.
    patterns = cdnow.groupby(["x", "t_x", "T"]).size().reset_index(name="customers")
    assert len(patterns) < len(cdnow)
    args = [column(patterns[c]) for c in ("x", "t_x", "T", "customers")]
    for fit, model in (("XLP_PNBD_FIT", ParetoNBD), ("XLP_BGNBD_FIT", BetaGeo)):
        weighted = call(fit, *args)
        core = model().fit(patterns["x"], patterns["t_x"], patterns["T"], patterns["customers"])
        assert block_params(weighted) == core.params_, fit
        # the objective is summed in another order: the maximiser stops within 1e-6 of the same point
        per_customer = model().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
        for key, value in per_customer.params_.items():
            assert block_params(weighted)[key] == pytest.approx(value, rel=1e-6), (fit, key)
        assert weighted[-1][1] == pytest.approx(per_customer.log_likelihood_, rel=1e-9), fit
    # blank weights are one customer per row
    unweighted = call("XLP_BGNBD_FIT", *args[:3], None)
    assert block_params(unweighted) == BetaGeo().fit(patterns["x"], patterns["t_x"], patterns["T"]).params_


# --------------------------------------------------------------------------- BG/BB


def test_bgbb_fit_is_the_core_fit_and_reproduces_fader_hardie_shang(donations, bgbb_block):
    assert [row[0] for row in bgbb_block] == ["model", "alpha", "beta", "gamma", "delta", "log_likelihood"]
    assert bgbb_block[0][1] == "BG/BB"
    d = donations
    core = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    assert block_params(bgbb_block) == core.params_
    assert bgbb_block[-1][1] == core.log_likelihood_
    # FHS (2010), the donations data: alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783,
    # LL = -33,225.6. Half a unit of the last printed place.
    for key, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert block_params(bgbb_block)[key] == pytest.approx(value, abs=5e-4), key
    assert bgbb_block[-1][1] == pytest.approx(-33225.6, abs=0.05)


def _bgbb(block) -> BetaGeoBetaBinom:
    model = BetaGeoBetaBinom()
    model.params_ = block_params(block)
    return model


def test_bgbb_evaluators_equal_the_model_and_the_papers(donations, bgbb_block):
    d = donations
    model = _bgbb(bgbb_block)
    history = (column(d["frequency"]), column(d["recency"]), column(d["periods"]))
    x, t_x, n = d["frequency"], d["recency"], d["periods"]
    alive = spilled(call("XLP_BGBB_ALIVE", bgbb_block, *history))
    np.testing.assert_allclose(alive, model.probability_alive(x, t_x, n), rtol=RTOL, atol=0)
    expected = spilled(call("XLP_BGBB_EXPECTED", bgbb_block, 5, *history))
    np.testing.assert_allclose(expected, model.expected_purchases(5, x, t_x, n), rtol=RTOL, atol=0)
    dert = spilled(call("XLP_BGBB_DERT", bgbb_block, 0.1, *history))
    np.testing.assert_allclose(dert, model.discounted_expected_residual_transactions(0.1, x, t_x, n), rtol=RTOL,
                               atol=0)
    new = call("XLP_BGBB_EXPECTED", bgbb_block, 5)
    assert new[0][0] == pytest.approx(model.expected_purchases_new(5), rel=RTOL, abs=0)
    # FHS (2010), Table 6 (P(alive in 2002), two decimals: 0.005): 0.11 without a repeat gift,
    # 0.59 for two gifts the last in 1999 (x = 2, t_x = 4), 0.93 for a gift every year.
    table_6 = spilled(call("XLP_BGBB_ALIVE", bgbb_block, [[0], [2], [6]], [[0], [4], [6]], [[6], [6], [6]]))
    np.testing.assert_allclose(table_6, [0.11, 0.59, 0.93], atol=0.005)
    # Fader & Hardie (2011), BGBB_2011-01-20.xlsx, "Conditional Expectations (II)": 12,884.2 gifts
    # expected from the cohort in 2002-2006 (n* = 5). One decimal: 0.05.
    assert float((expected * d["weights"]).sum()) == pytest.approx(12884.2, abs=0.05)
    # FHS (2010), eq. (14) as printed (scipy's 2F1): the DERT of a supporter who gave every year
    # (x = t_x = n = 6: the likelihood of eq. (5) is its first term alone, n − t_x = 0)
    a, b, g, dl = (block_params(bgbb_block)[k] for k in ("alpha", "beta", "gamma", "delta"))
    like = np.exp(betaln(a + 6, b) - betaln(a, b) + betaln(g, dl + 6) - betaln(g, dl))
    printed = (np.exp(betaln(a + 7, b) - betaln(a, b) + betaln(g, dl + 7) - betaln(g, dl)) / 1.1
               * hyp2f1(1, dl + 7, g + dl + 7, 1 / 1.1) / like)
    assert spilled(call("XLP_BGBB_DERT", bgbb_block, 0.1, 6, 6, 6))[0] == pytest.approx(printed, rel=1e-11)


def test_bgbb_histories_of_several_cohorts(bgbb_block):
    # periods may differ by customer (cohorts observed for 6 and for 3 opportunities)
    model = _bgbb(bgbb_block)
    x, t_x, n = [2, 1, 0], [4, 3, 0], [6, 3, 3]
    alive = spilled(call("XLP_BGBB_ALIVE", bgbb_block, column(x), column(t_x), column(n)))
    np.testing.assert_allclose(alive, model.probability_alive(x, t_x, n), rtol=RTOL, atol=0)


# --------------------------------------------------------------------------- blocks of the wrong model

BLOCKS = {
    "BG/NBD": [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]],
    "Pareto/NBD": [["model", "Pareto/NBD"], ["r", 0.553], ["alpha", 10.578], ["s", 0.606], ["beta", 11.669]],
    "BG/BB": [["model", "BG/BB"], ["alpha", 1.204], ["beta", 0.750], ["gamma", 0.657], ["delta", 2.783]],
    "sBG": [["model", "sBG"], ["alpha", 0.704], ["beta", 1.182]],
    "Gamma-Gamma": [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["v", 15.44]],
}
FIT_OF = {"BG/NBD": "XLP_BGNBD_FIT", "Pareto/NBD": "XLP_PNBD_FIT", "BG/BB": "XLP_BGBB_FIT", "sBG": "XLP_SBG_FIT",
          "Gamma-Gamma": "XLP_GG_FIT"}
#: Each evaluator, the model its block must hold, and the rest of a valid call.
EVALUATORS = [
    ("XLP_PNBD_EXPECTED", "Pareto/NBD", [39, 2, 30.43, 38.86]),
    ("XLP_PNBD_ALIVE", "Pareto/NBD", [2, 30.43, 38.86]),
    ("XLP_BGBB_EXPECTED", "BG/BB", [5, 2, 4, 6]),
    ("XLP_BGBB_ALIVE", "BG/BB", [2, 4, 6]),
    ("XLP_BGBB_DERT", "BG/BB", [0.1, 2, 4, 6]),
    ("XLP_BGNBD_EXPECTED", "BG/NBD", [39, 2, 30.43, 38.86]),
    ("XLP_BGNBD_ALIVE", "BG/NBD", [2, 30.43, 38.86]),
    ("XLP_SBG_RETENTION", "sBG", [1]),
    ("XLP_GG_SPEND", "Gamma-Gamma", []),
]


@pytest.mark.parametrize(("name", "model", "rest"), EVALUATORS, ids=[e[0] for e in EVALUATORS])
def test_a_block_of_another_model_is_refused_naming_the_block_expected(name, model, rest):
    assert isinstance(call(name, BLOCKS[model], *rest)[0][0], float)
    for other, block in BLOCKS.items():
        if other == model:
            continue
        message = value_error(name, block, *rest)
        assert message == (f"'model' of {name} must be the parameter block returned by {FIT_OF[model]} "
                           f"(model = {model}); got 'a {other} block (from {FIT_OF[other]})'")


def test_customer_clv_refuses_pareto_nbd_and_bgbb_blocks_by_name():
    table = [["customer_id", "frequency", "recency", "T", "monetary_value"], ["A", 2, 30.43, 38.86, 22.35]]
    for model in ("Pareto/NBD", "BG/BB"):
        message = value_error("XLP_CUSTOMER_CLV", 0.01, BLOCKS[model], table, 0.3, 12, BLOCKS["Gamma-Gamma"])
        assert message == ("'purchase_model' of XLP_CUSTOMER_CLV must be a parameter block from XLP_BGNBD_FIT or "
                           f"XLP_SBG_FIT; got 'a {model} block (from {FIT_OF[model]})'")


# --------------------------------------------------------------------------- bad arguments

PNBD = BLOCKS["Pareto/NBD"]
BGBB = BLOCKS["BG/BB"]
#: (function, arguments, the message of its #VALUE!): every message names the argument and the value.
VALUE_ERRORS = [
    ("XLP_PNBD_EXPECTED", [PNBD, -1], "'window' of XLP_PNBD_EXPECTED must be at least 0; got -1.0"),
    ("XLP_PNBD_EXPECTED", [PNBD, 39, 2, 30.43, None],
     "'T' of XLP_PNBD_EXPECTED must be given together with the other history arguments; got 'a blank cell'"),
    ("XLP_PNBD_EXPECTED", [PNBD, 39, [[2], [1]], [[30.43]], [[38.86], [38.86]]],
     "'recency' of XLP_PNBD_EXPECTED must be as many cells as frequency (2); got '1 cell'"),
    ("XLP_PNBD_ALIVE", [PNBD, 2, 40, 38.86],
     "'recency' of XLP_PNBD_ALIVE must be at most T (the last purchase cannot follow the end); got 40.0"),
    ("XLP_PNBD_ALIVE", [PNBD, 1.5, 30, 38.86],
     "'frequency' of XLP_PNBD_ALIVE must be a whole number of repeat purchases ≥ 0; got 1.5"),
    ("XLP_PNBD_ALIVE", [PNBD, None, None, None],
     "'frequency' of XLP_PNBD_ALIVE must be the customer's repeat purchases; got 'a blank cell'"),
    ("XLP_PNBD_ALIVE", [PNBD, "two", 30, 38.86],
     "'frequency' of XLP_PNBD_ALIVE must be a number (the text is not a number); got 'two'"),
    ("XLP_PNBD_ALIVE", [PNBD[:4], 2, 30.43, 38.86],
     "'model' of XLP_PNBD_ALIVE must be the parameter block returned by XLP_PNBD_FIT (model = Pareto/NBD); "
     "got \"no 'beta' row\""),
    ("XLP_PNBD_ALIVE", [[*PNBD[:4], ["beta", -1]], 2, 30.43, 38.86],
     "'model.beta' of XLP_PNBD_ALIVE must be above 0; got -1.0"),
    ("XLP_PNBD_ALIVE", [42, 2, 30.43, 38.86],
     "'model' of XLP_PNBD_ALIVE must be the parameter block returned by XLP_PNBD_FIT (model = Pareto/NBD); "
     "got '42'"),
    ("XLP_PNBD_FIT", [[[2], [1], [0]], [[30], [2], [0]], [[38], [38], [38]], [[5], [1]]],
     "'weights' of XLP_PNBD_FIT must be as many cells as frequency (3); got '2 cells'"),
    ("XLP_PNBD_FIT", [[[2], [1], [0]], [[30], [2], [0]], [[38], [38], [38]], [[5], [-1], [3]]],
     "'weights' of XLP_PNBD_FIT must be at least 0; got -1.0"),
    ("XLP_PNBD_FIT", [[[2], [1], [0]], [[30], [2], [0]], [[38], [38], [38]], [[5], [None], [3]]],
     "'weights' of XLP_PNBD_FIT must be a number in every cell; got 'a blank cell at position 2'"),
    ("XLP_BGNBD_FIT", [[[2], [1], [0]], [[30], [2], [0]], [[38], [38], [38]], [[0], [0], [0]]],
     "'weights' of XLP_BGNBD_FIT must be positive for at least one row; got 'all 0'"),
    ("XLP_BGBB_FIT", [[[2], [1], [0]], [[4], [1], [0]], [[6], [6]]],
     "'periods' of XLP_BGBB_FIT must be as many cells as frequency (3); got '2 cells'"),
    ("XLP_BGBB_FIT", [[[2], [1], [0]], [[4], [1], [0]], [[6], [6], [6.5]]],
     "'periods' of XLP_BGBB_FIT must be a whole number of opportunities ≥ 0; got 6.5"),
    ("XLP_BGBB_ALIVE", [BGBB, 2, 7, 6],
     "'recency' of XLP_BGBB_ALIVE must be at most periods (the last transaction cannot follow the end); got 7.0"),
    ("XLP_BGBB_ALIVE", [BGBB, 3, 2, 6],
     "'frequency' of XLP_BGBB_ALIVE must be at most recency (x transactions need x opportunities up to the last "
     "one); got 3.0"),
    ("XLP_BGBB_ALIVE", [BGBB, 2, 4, None],
     "'periods' of XLP_BGBB_ALIVE must be given together with the other history arguments; got 'a blank cell'"),
    ("XLP_BGBB_EXPECTED", [BGBB, 2.5],
     "'periods_ahead' of XLP_BGBB_EXPECTED must be a whole number of at least 0 and at most 1,000,000,000; got 2.5"),
    ("XLP_BGBB_EXPECTED", [BGBB, -1, 2, 4, 6],
     "'periods_ahead' of XLP_BGBB_EXPECTED must be a whole number of at least 0 and at most 1,000,000,000; "
     "got -1.0"),
    ("XLP_BGBB_DERT", [BGBB, 0, 2, 4, 6], "'discount_rate' of XLP_BGBB_DERT must be greater than 0; got 0.0"),
    ("XLP_BGBB_DERT", [BGBB, 10, 2, 4, 6],
     "'discount_rate' of XLP_BGBB_DERT must be between 0 and 1 (10 % is 0.1: write 0.1 or 10%); got 10.0"),
    ("XLP_BGBB_DERT", [BGBB, 0.1, None, None, None],
     "'frequency' of XLP_BGBB_DERT must be the customer's transactions; got 'a blank cell'"),
    # a history no discrete-time dataset has would hold the cell (or exhaust memory): the BG/BB
    # tabulates every opportunity up to the longest history and sums one term per opportunity after
    # the last transaction of each distinct history, at most udfs.MAX_BGBB_TERMS of either
    ("XLP_BGBB_DERT", [BGBB, 0.1, 1e12, 1e12, 1e12],
     "'periods' of XLP_BGBB_DERT must be at most 5,000,000 opportunities; got 1000000000000.0"),
    ("XLP_BGBB_ALIVE", [BGBB, [[2], [3], [2]], [[4], [5], [4]], [[3_000_004], [3_000_005], [3_000_004]]],
     "'periods' of XLP_BGBB_ALIVE must be at most 5,000,000 opportunities after the last transaction, summed "
     "over the distinct histories (the BG/BB sums one term for each); got '6,000,000 opportunities after the "
     "last transactions'"),
    ("XLP_BGBB_FIT", [[[2], [0]], [[4], [0]], [[6], [5_000_001]]],
     "'periods' of XLP_BGBB_FIT must be at most 5,000,000 opportunities; got 5000001.0"),
]


@pytest.mark.parametrize(("name", "args", "message"), VALUE_ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(VALUE_ERRORS)])
def test_bad_arguments_are_value_errors_naming_the_argument_and_the_value(name, args, message):
    assert value_error(name, *args) == message


def test_the_terms_limit_is_the_module_constant():
    assert udfs.MAX_BGBB_TERMS == 5_000_000
    # at the limit itself the function still answers
    assert isinstance(call("XLP_BGBB_ALIVE", BGBB, 2, 4, udfs.MAX_BGBB_TERMS)[0][0], float)


def test_fits_that_cannot_be_made_are_num_errors():
    # nobody made a repeat purchase: no model can be fitted (DegenerateDataError, #NUM!)
    nobody = [[0], [0], [0]]
    assert error_type(call("XLP_PNBD_FIT", nobody, nobody, [[10], [20], [30]])) == "Num"
    assert error_type(call("XLP_BGBB_FIT", nobody, nobody, [[6], [6], [6]])) == "Num"
    # a repeat purchase only in rows of weight 0 is none
    assert error_type(call("XLP_PNBD_FIT", [[0], [2]], [[0], [5]], [[10], [10]], [[3], [0]])) == "Num"


def test_an_error_cell_in_an_argument_passes_on():
    na = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    assert error_type(call("XLP_PNBD_ALIVE", PNBD, na, 30, 38.86)) == "NotAvailable"
    assert error_type(call("XLP_BGBB_DERT", BGBB, 0.1, 2, 4, [[6], [na]])) == "NotAvailable"
    assert error_type(call("XLP_BGBB_FIT", [[1], [0]], [[1], [0]], [[6], [6]], [[1], [na]])) == "NotAvailable"


# --------------------------------------------------------------------------- the classic add-in

PLAIN_SCRIPT = r"""
import json, os, sys
os.environ.pop("XLWINGS_ON_SERVER", None)
import xlwings
assert not xlwings.on_server
from xlprofit.excel import udfs, _boundary
assert not _boundary.officejs()
json.dump([getattr(udfs, name)(*args) for name, args in json.load(sys.stdin)], sys.stdout)
"""


def test_classic_calls_give_the_office_js_values_and_error_texts(donations, cdnow):
    # As the classic add-in's VBA passes them (xlwings' classic decorators, ndim=2 ranges): the
    # functions called as plain Python in a process without Office.js.
    d = donations
    bgbb_fit = [column(d[c]) for c in ("frequency", "recency", "periods", "weights")]
    pnbd_fit = [column(cdnow[c].iloc[:300]) for c in ("x", "t_x", "T")]
    cases = [
        ["XLP_PNBD_FIT", pnbd_fit],
        ["XLP_PNBD_EXPECTED", [PNBD, [[39]], [[2], [0]], [[30.43], [0]], [[38.86], [38.86]]]],
        ["XLP_PNBD_EXPECTED", [PNBD, 39, None, None, None]],
        ["XLP_PNBD_ALIVE", [PNBD, 2, 30.43, 38.86]],
        ["XLP_BGBB_FIT", bgbb_fit],
        ["XLP_BGBB_EXPECTED", [BGBB, 5, [[2], [6]], [[4], [6]], [[6], [6]]]],
        ["XLP_BGBB_ALIVE", [BGBB, 0, 0, 6]],
        ["XLP_BGBB_DERT", [BGBB, 0.1, 6, 6, 6]],
        ["XLP_BGNBD_FIT", pnbd_fit + [column(np.ones(300))]],
    ]
    errors = [
        ["XLP_PNBD_ALIVE", [BLOCKS["BG/NBD"], 2, 30.43, 38.86]],
        ["XLP_BGBB_DERT", [BGBB, 0, 2, 4, 6]],
        ["XLP_BGBB_FIT", [[[0], [0]], [[0], [0]], [[6], [6]]]],
    ]
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_ON_SERVER"}
    done = subprocess.run([sys.executable, "-c", PLAIN_SCRIPT], input=json.dumps(cases + errors), capture_output=True,
                          text=True, check=True, cwd=ROOT, env=env, timeout=120)
    results = json.loads(done.stdout)
    for (name, args), classic in zip(cases, results, strict=False):
        officejs = call(name, *args)
        classic = classic if isinstance(classic, list) else [[classic]]
        assert classic == officejs, name  # the same floats, the same layout
    wrong_block, zero_rate, degenerate = results[len(cases):]
    assert wrong_block == ("#VALUE! 'model' of XLP_PNBD_ALIVE must be the parameter block returned by XLP_PNBD_FIT "
                           "(model = Pareto/NBD); got 'a BG/NBD block (from XLP_BGNBD_FIT)'")
    assert zero_rate == "#VALUE! 'discount_rate' of XLP_BGBB_DERT must be greater than 0; got 0.0"
    assert degenerate.startswith("#NUM! XLP_BGBB_FIT: nobody made a repeat transaction")
