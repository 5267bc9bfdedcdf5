"""The Excel functions through xlwings' own Office.js call path.

Runs under Office.js (``XLWINGS_ON_SERVER=true``, for this module only: xlwings and the Excel
functions are imported afresh by :func:`tests.conftest.office_js`) and calls
``xlwings.server.custom_functions_meta`` / ``custom_functions_call`` with the payload
Office.js sends. The same worked examples are then run as plain Python, as classic COM
calls them (decorators passed through), in a subprocess without Office.js, and compared.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import xlprofit
from tests.conftest import office_js, small_tables
from xlprofit import errors
from xlprofit.core.clv import BetaGeo, GammaGamma, customer_clv, rfm
from xlprofit.core.dataset import Dataset
from xlprofit.excel import catalogue

#: xlwings, xlwings.server and the Excel functions under Office.js: bound by :func:`_office_js`
#: while this module's tests run.
xw = xs = udfs = _boundary = None


@pytest.fixture(scope="module", autouse=True)
def _office_js():
    with office_js() as runtime:
        globals().update(xw=runtime.xw, xs=runtime.xs, udfs=runtime.udfs, _boundary=runtime._boundary)
        yield
    globals().update(xw=None, xs=None, udfs=None, _boundary=None)


ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
NA_CELL = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}


def test_runs_under_office_js():
    assert xw.on_server, "xlwings was imported before XLWINGS_ON_SERVER was set; run this module on its own"


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


def scalar(result):
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def error_of(result) -> str:
    value = scalar(result)
    assert isinstance(value, dict) and value["type"] == "Error", result
    return value["errorType"]


def rng(frame: pd.DataFrame) -> list[list]:
    """A DataFrame as the cells of an Excel Table with a header row (blank cells as '')."""
    values = frame.astype(object).where(frame.notna(), "")
    return [list(map(str, frame.columns)), *values.to_numpy().tolist()]


def as_table(result) -> pd.DataFrame:
    def plain(v):
        if isinstance(v, dict) and v.get("type") == "FormattedNumber":
            return v["basicValue"]
        return None if v == "" else v
    return pd.DataFrame([[plain(v) for v in row] for row in result[1:]], columns=result[0])


# --------------------------------------------------------------------------- registration


def test_every_catalogue_function_is_registered_in_the_xlp_namespace_with_help():
    meta = xs.custom_functions_meta(udfs)
    functions = {f["id"]: f for f in meta["functions"]}
    specs = catalogue.by_name()
    assert set(functions) == set(specs)
    for name, spec in specs.items():
        registered = functions[name]
        assert registered["name"] == f"XLP.{name.removeprefix('XLP_')}"
        assert registered["description"] == spec.description
        assert 0 < len(registered["description"]) <= 255
        parameters = registered["parameters"]
        assert [p["name"] for p in parameters] == [a.name for a in spec.arguments]
        for parameter, argument in zip(parameters, spec.arguments, strict=True):
            assert parameter["description"] == argument.help
            assert 0 < len(parameter["description"]) <= 255
            assert parameter.get("optional", False) == argument.optional
        flags = [p.get("optional", False) for p in parameters]
        assert flags == sorted(flags), f"{name}: optional arguments must come last"
        assert getattr(udfs, name).__xlfunc__["cache"] == spec.cache


def test_fit_functions_and_only_they_are_cached():
    cached = {name for name, spec in catalogue.by_name().items() if spec.cache}
    assert cached == {"XLP_SBG_FIT", "XLP_BGNBD_FIT", "XLP_PNBD_FIT", "XLP_BGBB_FIT", "XLP_GG_FIT"}


def test_every_xlp_function_of_the_module_is_in_the_catalogue_and_wrapped():
    names = {n for n in dir(udfs) if n.startswith("XLP_")}
    assert names == set(catalogue.by_name()) == set(udfs.__all__)
    for name in names:
        assert getattr(udfs, name).__wrapped__.__name__ == name


# --------------------------------------------------------------------------- worked examples

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007), Table 1, "regular" cohort
SBG_BLOCK = [["model", "sBG"], ["alpha", 0.704], ["beta", 1.182]]
GG_BLOCK = [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["v", 15.44]]
BG_BLOCK = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
# Fader, Hardie & Lee (2005), section 4: the Pareto/NBD on the CDNOW sample.
PNBD_BLOCK = [["model", "Pareto/NBD"], ["r", 0.553], ["alpha", 10.578], ["s", 0.606], ["beta", 11.669]]
# Fader, Hardie & Shang (2010): the BG/BB on the donations data (1995 cohort, six opportunities).
BGBB_BLOCK = [["model", "BG/BB"], ["alpha", 1.204], ["beta", 0.750], ["gamma", 0.657], ["delta", 2.783]]


def _bgbb_new_customer(n, alpha, beta, gamma, delta):
    """E[X(n)] of the BG/BB as Fader, Hardie & Shang (2010) print it."""
    ratio = math.exp(math.lgamma(gamma + delta) - math.lgamma(1 + delta) + math.lgamma(1 + delta + n)
                     - math.lgamma(gamma + delta + n))
    return alpha / (alpha + beta) * delta / (gamma - 1) * (1 - ratio)


# (function, args, expected, absolute tolerance). Sources in the comments.
SCALAR_EXAMPLES = [
    # Kaplan & Anderson (2004), "Time-Driven Activity-Based Costing", HBR: $560,000 over
    # 700,000 practical minutes is $0.80 a minute; an 8-minute order costs $6.40. Exact maths.
    ("XLP_CAPACITY_RATE", [560_000, 700_000], 0.8, 1e-12),
    ("XLP_ACTIVITY_RATE", [560_000, 700_000, 8], 6.4, 1e-12),
    ("XLP_ACTIVITY_RATE", ["560 000", "700000", "8"], 6.4, 1e-12),  # numbers from text cells
    # The time equation's definition: 5 + 2×4 + 10×1 minutes.
    ("XLP_TIME", ["5 + 2*lines + 10*rush", [["lines", "rush"]], [[4, 1]]], 23.0, 0.0),
    ("XLP_TIME", ["7.5", None, None], 7.5, 0.0),
    # Σ rate × volume: 6.40 × 10 + 0.80 × 5 (a blank volume counts as 0).
    ("XLP_COST_TO_SERVE", [[[6.4], [0.8], [1.0]], [[10], [5], [""]]], 68.0, 1e-12),
    # net revenue × payment days / 365 × annual rate: 36,500 × 60 / 365 × 0.10 = 600.
    ("XLP_CREDIT_COST", [36_500, 60, 0.10], 600.0, 1e-9),
    # 1000 − 400 − 250.55 − (10 + 5.45), in cents.
    ("XLP_CUSTOMER_PROFIT", [1000, 400, 250.55, [[10], [""], [5.45]]], 334.0, 0.0),
    ("XLP_CUSTOMER_PROFIT", [1000, 400, 250.55, None], 349.45, 0.0),
    # Gupta & Lehmann (2003), retention formula m·r/(1+i−r): 100 × 0.8 / 0.3; start: 100 × 1.1 / 0.3.
    ("XLP_CLV", [0.10, 100, 0.8], 800 / 3, 1e-9),
    ("XLP_CLV", [0.10, 100, 0.8, "start"], 1100 / 3, 1e-9),
    ("XLP_CLV", [0.10, 100, 0.8, "", "", "", ""], 800 / 3, 1e-9),  # blanks mean defaults
    # Finite horizon of 2 margins at period end: 100·0.8/1.1 + 100·0.64/1.21.
    ("XLP_CLV", [0.10, 100, 0.8, "end", 2], 80 / 1.1 + 64 / 1.21, 1e-9),
    # DCF of two certain margins at period end: 100/1.1 + 100/1.1².
    ("XLP_CLV_CASHFLOWS", [0.10, [[100, 100]]], 100 / 1.1 + 100 / 1.21, 1e-9),
    ("XLP_CAC", [10_000, 40], 250.0, 0.0),
    # No decay (retention 1, rate 0): payback = cac / contribution = 100 / 40.
    ("XLP_PAYBACK", [0, 100, 40, 1], 2.5, 1e-12),
    ("XLP_BREAKEVEN", [0.25, 0.05, 40, 3000, 20_000, 50], 30_000.0, 1e-9),  # 3000 / (0.25 − 0.05 − 40/400)
    # A refers B (20) and C (30); half is credited: 25.
    ("XLP_REFERRAL_VALUE", ["A", [["A"], ["B"], ["C"]], [[""], ["A"], ["A"]], [[10], [20], [30]], 0.5], 25.0, 0.0),
    # (1000 × 0.3 − 100) × 0.8 / (1.1 − 0.8).
    ("XLP_PROSPECT_VALUE", [0.10, 1000, 0.3, 100, 0.8], 200 * 0.8 / 0.3, 1e-9),
    # Whale curve of 10, −5, 20: peak 30 / 25; loss share 5 / 30 (definitions in core.whale).
    ("XLP_WHALE_PEAK", [[[10], [-5], [20]]], 1.2, 1e-12),
    ("XLP_LOSS_SHARE", [[[10], [-5], [20]]], 5 / 30, 1e-12),
    # sBG retention of period 1 is beta / (alpha + beta) (Fader & Hardie 2007, eq. 5).
    ("XLP_SBG_RETENTION", [SBG_BLOCK, 1], 1.182 / (0.704 + 1.182), 1e-12),
    # Fader, Hardie & Lee (2005), section 4: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases
    # in the next 39 weeks (printed to three decimals: tolerance 5e-4, parameters to three decimals).
    ("XLP_BGNBD_EXPECTED", [BG_BLOCK, 39, 2, 30.43, 38.86], 1.226, 5e-4),
    # Gamma-Gamma population mean spend p·v/(q − 1) (Fader & Hardie 2013, eq. 2 mean).
    ("XLP_GG_SPEND", [GG_BLOCK], 6.25 * 15.44 / 2.74, 1e-9),
    # Pareto/NBD, a new customer's purchases in 39 weeks (Fader & Hardie 2005 note, eq. 27):
    # r·beta/(alpha·(s − 1))·[1 − (beta/(beta + t))^(s − 1)]. Exact maths (the two differ by 2e-16).
    ("XLP_PNBD_EXPECTED", [PNBD_BLOCK, 39],
     0.553 * 11.669 / (10.578 * (0.606 - 1)) * (1 - (11.669 / (11.669 + 39)) ** (0.606 - 1)), 1e-12),
    # BG/BB, a new supporter's gifts in 5 opportunities (FHS 2010, E[X(n)]): alpha/(alpha + beta)
    # · delta/(gamma − 1) · [1 − Γ(gamma + delta)Γ(1 + delta + n)/(Γ(1 + delta)Γ(gamma + delta + n))].
    # Four lgammas here against the core's cancellation-free form: 2e-14 apart; tolerance 1e-12.
    ("XLP_BGBB_EXPECTED", [BGBB_BLOCK, 5], _bgbb_new_customer(5, *(v for _, v in BGBB_BLOCK[1:])), 1e-12),
    # FHS (2010), Table 6: P(alive in 2002) = 0.11 for a supporter without a repeat gift in 1996-2001
    # (x = 0, t_x = 0, n = 6). Two decimals: tolerance 0.005.
    ("XLP_BGBB_ALIVE", [BGBB_BLOCK, 0, 0, 6], 0.11, 0.005),
]


@pytest.mark.parametrize(("name", "args", "expected", "tol"), SCALAR_EXAMPLES,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(SCALAR_EXAMPLES)])
def test_scalar_worked_examples(name, args, expected, tol):
    assert scalar(call(name, *args)) == pytest.approx(expected, abs=tol, rel=0)


def test_quadrant_names_like_shapiro_et_al():
    # Shapiro et al. (1987): high net price and low cost-to-serve is "passive".
    assert scalar(call("XLP_QUADRANT", 0.95, 0.10, 0.90, 0.15)) == "passive"
    assert scalar(call("XLP_QUADRANT", 0.80, 0.30, 0.90, 0.15)) == "aggressive"
    column = call("XLP_QUADRANT", [[0.95], [0.80], [0.99]], [[0.10], [0.30], [0.40]], None, None,
                  [[100], [100], [100]])
    # the report's portfolio thresholds: Σ net / Σ gross = 300 / (100/0.95 + 100/0.80 + 100/0.99) = 0.906,
    # Σ cost-to-serve / Σ net = (10 + 30 + 40) / 300 = 0.267: (≥, <) passive; (<, ≥) aggressive; (≥, ≥) carriage trade
    assert column == [["passive"], ["aggressive"], ["carriage trade"]]
    with pytest.raises(xw.XlwingsError, match="net_revenue"):  # no silent median
        call("XLP_QUADRANT", [[0.95], [0.80], [0.99]], [[0.10], [0.30], [0.40]])


def test_allocate_spills_cents_that_add_up():
    # 100.00 over three equal weights: 33.34 + 33.33 + 33.33 (largest remainder, ties by position).
    assert call("XLP_ALLOCATE", 100, [[1], [1], [1]]) == [[33.34], [33.33], [33.33]]
    assert call("XLP_ALLOCATE", 10, [[1, 2]]) == [[3.33, 6.67]]


def test_whale_curve_spills_a_header_and_ranked_rows():
    result = call("XLP_WHALE_CURVE", [[10], [-5], [20]], [["A"], ["B"], ["C"]])
    assert result[0] == ["rank", "customer", "profit", "cumulative_profit", "cumulative_pct"]
    assert result[1:] == [[1, "C", 20.0, 20.0, 0.8], [2, "A", 10.0, 30.0, 1.2], [3, "B", -5.0, 25.0, 1.0]]
    positional = call("XLP_WHALE_CURVE", [[10], [-5], [20]])
    assert [row[1] for row in positional[1:]] == [3, 1, 2]


def test_sbg_fit_reproduces_fader_hardie_2007_and_feeds_the_evaluators():
    block = call("XLP_SBG_FIT", [[v] for v in REGULAR])
    labels = [row[0] for row in block]
    assert labels == ["model", "alpha", "beta", "log_likelihood"]
    params = {row[0]: row[1] for row in block}
    # Fader & Hardie (2007), text: alpha = 0.704, beta = 1.182 (three decimals: tolerance 5e-4).
    assert params["alpha"] == pytest.approx(0.704, abs=5e-4)
    assert params["beta"] == pytest.approx(1.182, abs=5e-4)
    retention = call("XLP_SBG_RETENTION", block, [[1], [2], [3]])
    a, b = params["alpha"], params["beta"]
    assert [r[0] for r in retention] == pytest.approx([(b + t - 1) / (a + b + t - 1) for t in (1, 2, 3)], rel=1e-12)
    derl = scalar(call("XLP_SBG_DERL", block, 0.10, 3))
    from xlprofit.core.clv import ShiftedBetaGeometric
    model = ShiftedBetaGeometric()
    model.params_ = {"alpha": a, "beta": b}
    assert derl == pytest.approx(model.discounted_residual_lifetime(0.10, 3), rel=1e-12)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID")


def test_bgnbd_and_gamma_gamma_fits_reproduce_the_papers_on_cdnow(cdnow):
    col = lambda s: [[float(v)] for v in s]  # noqa: E731
    block = call("XLP_BGNBD_FIT", col(cdnow["x"]), col(cdnow["t_x"]), col(cdnow["T"]))
    params = {row[0]: row[1] for row in block}
    # Fader, Hardie & Lee (2005), section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
    # (three decimals: tolerance 5e-4).
    for key, value in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert params[key] == pytest.approx(value, abs=5e-4)
    spend = call("XLP_GG_FIT", col(cdnow["x"]), col(cdnow["zbar"]))
    spend_params = {row[0]: row[1] for row in spend}
    # Fader & Hardie (2013), note 025: p = 6.25, q = 3.74, gamma = 15.44 (two decimals: 0.01).
    for key, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert spend_params[key] == pytest.approx(value, abs=0.01)
    alive = call("XLP_BGNBD_ALIVE", block, col(cdnow["x"][:5]), col(cdnow["t_x"][:5]), col(cdnow["T"][:5]))
    model = BetaGeo()
    model.params_ = {k: params[k] for k in ("r", "alpha", "a", "b")}
    expected = model.probability_alive(cdnow["x"][:5], cdnow["t_x"][:5], cdnow["T"][:5])
    assert [r[0] for r in alive] == pytest.approx(list(expected), rel=1e-12)


# --------------------------------------------------------------------------- table functions


@pytest.fixture(scope="module")
def small() -> dict:
    tables = small_tables()
    params = pd.DataFrame({"name": list(tables["parameters"]), "value": list(tables["parameters"].values())})
    return {**{k: v for k, v in tables.items() if k != "parameters"}, "parameters": params}


def _table_args(t: dict) -> list:
    return [rng(t["transactions"]), rng(t["activities"]), rng(t["usage"]), rng(t["resources"]),
            rng(t["customers"]), rng(t["parameters"])]


def assert_frame_matches(result, expected: pd.DataFrame) -> None:
    got = as_table(result)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for column in expected.columns:
        want = expected[column]
        have = got[column]
        if pd.api.types.is_datetime64_any_dtype(want.dtype):
            serial = (want - pd.Timestamp("1899-12-30")).dt.days.astype(float)
            assert have.astype(float).fillna(-1).tolist() == serial.fillna(-1).tolist(), column
        elif pd.api.types.is_bool_dtype(want.dtype):
            assert have.tolist() == want.tolist(), column
        elif pd.api.types.is_numeric_dtype(want.dtype):
            values = want.to_numpy(dtype=float, na_value=np.nan)
            expect = np.where(np.isfinite(values), values, np.nan)
            # identical arithmetic on both sides: equal to the last bit
            np.testing.assert_array_equal(have.astype(float).to_numpy(), expect, err_msg=column)
        else:
            # an empty text and a blank are the same cell
            expect = [None if (v is None or v is pd.NA or v == "" or (isinstance(v, float) and math.isnan(v)))
                      else str(v) for v in want.astype(object)]
            assert [None if pd.isna(v) else str(v) for v in have] == expect, column


def test_customer_pnl_equals_analyze_on_the_small_tables(small):
    args = _table_args(small)
    expected = xlprofit.analyze(Dataset(**small_tables())).customers
    result = call("XLP_CUSTOMER_PNL", *args)
    assert result[0][0] == "customer_id"
    assert_frame_matches(result, expected.reset_index(names="customer_id"))


def test_customer_pnl_without_customers_uses_the_ids_of_the_transactions(small):
    args = _table_args(small)
    args[4] = None
    result = as_table(call("XLP_CUSTOMER_PNL", *args))
    assert sorted(result["customer_id"]) == ["A", "B", "C"]
    expected = xlprofit.analyze(Dataset(**small_tables())).customers
    np.testing.assert_array_equal(result["net_revenue"].astype(float), expected["net_revenue"].to_numpy())


def test_customer_pnl_equals_analyze_on_the_demo_data():
    from xlprofit.data import demo_tables
    tables = demo_tables()
    udfs.clear_cache()
    result = call("XLP_CUSTOMER_PNL", *_table_args(tables))
    expected = xlprofit.analyze(xlprofit.load_demo()).customers
    assert len(result) == 301
    assert_frame_matches(result, expected.reset_index(names="customer_id"))


def test_activity_rates_with_and_without_transactions(small):
    args = _table_args(small)
    result = call("XLP_ACTIVITY_RATES", args[1], args[3], args[0], args[2], args[4], args[5])
    expected = xlprofit.analyze(Dataset(**small_tables())).activities.reset_index(drop=True)
    assert_frame_matches(result, expected)
    light = as_table(call("XLP_ACTIVITY_RATES", args[1], args[3]))
    rates = dict(zip(light["activity"], light["driver_rate"], strict=True))
    # Picking: 2 minutes × 800 / 50 per minute; Sales visits: 60 × 3000 / 600; "5 + 2*lines": 5 × 1000 / 100.
    assert rates["Picking"] == pytest.approx(32.0, abs=1e-12)
    assert rates["Sales visits"] == pytest.approx(300.0, abs=1e-12)
    assert rates["Order handling"] == pytest.approx(50.0, abs=1e-12)
    assert pd.isna(rates["Credit control"])  # conventional ABC: no rate (a blank cell) without volumes


def test_trend_spills_contribution_per_period_and_flags(small):
    result = as_table(call("XLP_TREND", *_table_args(small)))
    analysis = xlprofit.analyze(Dataset(**small_tables()))
    periods = list(dict.fromkeys(analysis.trend.sort_values("period_start")["period"]))
    assert list(result.columns) == ["customer_id", *periods, "flagged", "reasons"]
    pivot = analysis.trend.pivot_table(index="customer_id", columns="period", values="contribution", aggfunc="sum")
    for _, row in result.iterrows():
        for period in periods:
            expected = pivot.loc[row["customer_id"], period]
            assert row[period] == pytest.approx(expected, abs=0, nan_ok=True)


def test_rfm_and_customer_clv_equal_the_core(small):
    lines = small["transactions"]
    result = as_table(call("XLP_RFM", rng(lines), "2024-12-31", "week"))
    normalised = Dataset(**small_tables()).transactions
    expected = rfm(normalised, observation_end="2024-12-31", period="week")
    assert result["customer_id"].tolist() == expected.index.tolist()
    for column in ("frequency", "recency", "T", "monetary_value"):
        assert result[column].astype(float).tolist() == expected[column].astype(float).tolist()
    table = [["customer_id", "frequency", "recency", "T", "monetary_value"],
             ["A", 2, 30.43, 38.86, 22.35], ["B", 1, 1.71, 38.86, 11.77], ["C", 0, 0, 38.86, 0]]
    clv = as_table(call("XLP_CUSTOMER_CLV", 0.01, BG_BLOCK, table, 0.3, 12, GG_BLOCK))
    bg, gg = BetaGeo(), GammaGamma()
    bg.params_ = {k: v for k, v in BG_BLOCK[1:]}
    gg.params_ = {k: v for k, v in GG_BLOCK[1:]}
    frame = pd.DataFrame([r[1:] for r in table[1:]], columns=table[0][1:],
                         index=pd.Index([r[0] for r in table[1:]], name="customer_id")).astype(float)
    core = customer_clv(frame, 0.3, purchase_model=bg, spend_model=gg, discount_rate=0.01, discount_period=1.0,
                        horizon=12)
    assert clv["clv"].astype(float).tolist() == core["clv"].tolist()


# --------------------------------------------------------------------------- errors


def test_each_error_class_arrives_as_the_right_excel_error():
    with pytest.raises(xw.XlwingsError) as bad:  # #VALUE!: the message names argument and value
        call("XLP_CLV", 0.10, 100, 1.3)
    assert "'retention' of XLP_CLV" in str(bad.value) and "1.3" in str(bad.value)
    assert error_of(call("XLP_CLV", 0.0, 100, 1.0)) == "Num"  # ModelError: diverging sum
    assert error_of(call("XLP_SBG_FIT", [[100], [100], [100]])) == "Num"  # DegenerateDataError: nobody churns
    assert error_of(call("XLP_CAPACITY_RATE", 1000, 0)) == "Div0"  # DivisionByZeroError
    assert error_of(call("XLP_REFERRAL_VALUE", "Z", [["A"]], [[""]], [[1]], 0.5)) == "NotAvailable"
    assert error_of(call("XLP_PAYBACK", 0.1, 1000, 10, 0.5)) == "Num"  # never recovered: no infinity
    assert error_of(call("XLP_CLV", NA_CELL, 100, 0.8)) == "NotAvailable"  # an error argument passes on
    assert error_of(call("XLP_WHALE_PEAK", [[1], [{"type": "Error", "basicValue": "#DIV/0!"}]])) == "Div0"


def _all_subclasses(cls):
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


CODES = {"Num": "#NUM!", "Div0": "#DIV/0!", "NotAvailable": "#N/A", "Value": "#VALUE!"}
EXPECTED_TYPES = {"#VALUE!": None, "#NUM!": "Num", "#DIV/0!": "Div0", "#N/A": "NotAvailable"}


def _instance(cls):
    if issubclass(cls, errors.ArgumentError):
        return cls("retention", 1.3, "between 0 and 1")
    if issubclass(cls, errors.ValidationError):
        return cls([errors.Problem("transactions", 5, "date", "x", "is not a date")])
    return cls("the reason")


@pytest.mark.parametrize("cls", [errors.XlprofitError, *_all_subclasses(errors.XlprofitError)],
                         ids=lambda c: c.__name__)
def test_every_exception_class_is_mapped_and_arrives_through_office_js(cls, monkeypatch):
    assert cls in _boundary.ERROR_CODES, f"{cls.__name__} has no Excel error"
    code = _boundary.ERROR_CODES[cls]
    expected = {"#VALUE!": "#VALUE!", "#NUM!": "#NUM!", "#DIV/0!": "#DIV/0!", "#N/A": "#N/A"}[code]
    if issubclass(cls, errors.ModelError):
        assert expected == "#NUM!"
    elif issubclass(cls, errors.DivisionByZeroError):
        assert expected == "#DIV/0!"
    elif issubclass(cls, errors.NotAvailableError):
        assert expected == "#N/A"
    else:
        assert expected == "#VALUE!"

    def boom(*args, **kwargs):
        raise _instance(cls)

    monkeypatch.setattr(udfs.costing, "capacity_rate", boom)
    if EXPECTED_TYPES[code] is None:
        with pytest.raises(xw.XlwingsError) as raised:
            call("XLP_CAPACITY_RATE", 1, 2)
        assert "XLP_CAPACITY_RATE" in str(raised.value)
    else:
        assert error_of(call("XLP_CAPACITY_RATE", 1, 2)) == EXPECTED_TYPES[code]


def test_every_function_is_wrapped_an_unexpected_error_is_a_short_logged_value_error(monkeypatch, caplog):
    from xlprofit.excel import _args

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail that must not reach a cell")

    for reader in ("number", "numbers_1d", "table", "text", "texts_1d", "param_block", "optional_number"):
        monkeypatch.setattr(_args, reader, broken)
    caplog.set_level(logging.ERROR, logger="xlprofit.excel")
    examples = {e[0]: e[1] for e in SCALAR_EXAMPLES} | WORKED_TABLE_ARGS
    readers = [name for name in catalogue.by_name() if name != "XLP_ISERROR"]  # ISERROR reads no argument
    assert scalar(call("XLP_ISERROR", *examples["XLP_ISERROR"])) is True
    for name in readers:
        with pytest.raises(xw.XlwingsError) as raised:
            call(name, *examples[name])
        message = str(raised.value)
        assert message.startswith(f"{name}: unexpected error (RuntimeError)"), message
        assert "internal detail" not in message and "Traceback" not in message
    assert sum("unexpected error" in r.getMessage() for r in caplog.records) == len(readers)


# --------------------------------------------------------------------------- hostile input

_cdnow = pd.read_csv(DATA / "cdnow_sample_summary.csv", index_col="ID").iloc[:400]
_donations = pd.read_csv(DATA / "donations_patterns.csv")  # FHS (2010): 22 patterns with their counts
_small = small_tables()
_small_params = pd.DataFrame({"name": list(_small["parameters"]), "value": list(_small["parameters"].values())})
_T = {k: rng(v) for k, v in _small.items() if k != "parameters"} | {"parameters": rng(_small_params)}
WORKED_TABLE_ARGS = {
    "XLP_ALLOCATE": [100, [[1], [2]]],
    "XLP_QUADRANT": [0.95, 0.10, 0.90, 0.15],
    "XLP_WHALE_CURVE": [[[10], [-5], [20]]],
    "XLP_SBG_FIT": [[[v] for v in REGULAR]],
    "XLP_SBG_DERL": [SBG_BLOCK, 0.10, 2],
    "XLP_BGNBD_FIT": [[[float(v)] for v in _cdnow[c]] for c in ("x", "t_x", "T")],
    "XLP_BGNBD_ALIVE": [BG_BLOCK, 2, 30.43, 38.86],
    "XLP_GG_FIT": [[[2], [1], [3]], [[22.4], [11.8], [30]]],
    "XLP_PNBD_FIT": [[[float(v)] for v in _cdnow[c]] for c in ("x", "t_x", "T")],
    "XLP_PNBD_ALIVE": [PNBD_BLOCK, 2, 30.43, 38.86],
    "XLP_BGBB_FIT": [[[float(v)] for v in _donations[c]] for c in ("frequency", "recency", "periods", "weights")],
    "XLP_BGBB_DERT": [BGBB_BLOCK, 0.10, 2, 4, 6],
    "XLP_RFM": [_T["transactions"], "2024-12-31", "week"],
    "XLP_CUSTOMER_CLV": [0.01, BG_BLOCK, [["customer_id", "frequency", "recency", "T", "monetary_value"],
                                           ["A", 2, 30.43, 38.86, 22.35]], 0.3, 12, GG_BLOCK],
    "XLP_CUSTOMER_PNL": [_T["transactions"], _T["activities"], _T["usage"], _T["resources"]],
    "XLP_TREND": [_T["transactions"], _T["activities"], _T["usage"], _T["resources"]],
    "XLP_ACTIVITY_RATES": [_T["activities"], _T["resources"]],
    "XLP_EXCEPTIONS": [_T["transactions"], _T["activities"], _T["usage"], _T["resources"]],
    "XLP_CHECKS": [_T["transactions"], _T["activities"], _T["usage"], _T["resources"]],
    "XLP_ISERROR": [NA_CELL],
}
ALL_EXAMPLES = {e[0]: e[1] for e in SCALAR_EXAMPLES} | WORKED_TABLE_ARGS

HOSTILE = [
    "text", "", None, float("nan"), float("inf"), True, False, -1, 0, 1e308, -1e308, 1e15,
    [[1, 2], [3]],  # ragged
    [[]],  # empty range
    [["a", "b"], [1, 2], [3, 4]],  # a table where a number or another table is wanted
    [[None, None], [None, None]],  # blank range
    NA_CELL, "#DIV/0!", {"type": "Double", "basicValue": 3.0},
    # tables with an error cell and a text amount inside: an error (or, with "skip", a stated omission)
    [row if i != 3 else [NA_CELL if c == "net_revenue" else v for c, v in zip(_T["transactions"][0], row, strict=False)]
     for i, row in enumerate(_T["transactions"])],
    [row if i != 2 else ["abc" if c == "net_revenue" else v for c, v in zip(_T["transactions"][0], row, strict=False)]
     for i, row in enumerate(_T["transactions"])],
    "skip",
]


def _sweep_cases():
    for name, args in sorted(ALL_EXAMPLES.items()):
        width = len(catalogue.by_name()[name].arguments)
        full = list(args) + [None] * (width - len(args))
        for position in range(width):
            for index in range(len(HOSTILE)):
                yield name, full, position, index


def _check_value(value):
    if isinstance(value, dict):
        assert value.get("type") in ("Error", "FormattedNumber"), value
        return
    if isinstance(value, float):
        assert math.isfinite(value)
    if isinstance(value, str):
        assert "Traceback" not in value and "File \"" not in value


def test_hostile_input_sweep_returns_values_or_excel_errors_only():
    counts = {"value": 0, "error value": 0, "#VALUE! message": 0}
    slowest = (0.0, None)
    for name, full, position, index in _sweep_cases():
        args = list(full)
        args[position] = HOSTILE[index]
        data = payload(name, [a if isinstance(a, list) and a and isinstance(a[0], list) else cell_arg(a)
                              for a in args])
        started = time.perf_counter()
        try:
            # hostile numbers (1e308, inf, …) overflow inside the models on purpose: no warning, a value or an error
            with np.errstate(all="ignore"):
                result = asyncio.run(xs.custom_functions_call(data, udfs))
        except xw.XlwingsError as exc:
            text = str(exc)
            assert text and len(text) <= 255 and "Traceback" not in text, (name, position, index, text)
            counts["#VALUE! message"] += 1
        else:
            assert isinstance(result, list) and result and all(isinstance(r, list) for r in result)
            for row in result:
                for value in row:
                    _check_value(value)
            is_error = len(result) == 1 and len(result[0]) == 1 and isinstance(result[0][0], dict)
            counts["error value" if is_error else "value"] += 1
        elapsed = time.perf_counter() - started
        slowest = max(slowest, (elapsed, (name, position, index)))
        assert elapsed < 5.0, (name, position, HOSTILE[index], elapsed)
    assert all(counts.values()), counts
    assert slowest[0] < 5.0


# --------------------------------------------------------------------------- plain Python (classic COM)

PLAIN_SCRIPT = r"""
import json, os, sys, datetime as dt
os.environ.pop("XLWINGS_ON_SERVER", None)
import xlwings
assert not xlwings.on_server
from xlprofit.excel import udfs, _boundary
assert not _boundary.officejs()
cases = json.load(sys.stdin)
def plain(v):
    if isinstance(v, dt.datetime):
        return (v - dt.datetime(1899, 12, 30)).days
    return v
out = []
for name, args in cases:
    result = getattr(udfs, name)(*args)
    if isinstance(result, list):
        result = [[plain(v) for v in row] for row in result]
    out.append(result)
json.dump(out, sys.stdout)
"""


def test_plain_python_calls_give_the_same_values_as_office_js():
    cases = [[e[0], [cell_arg(a) if isinstance(a, list) else a for a in e[1]]] for e in SCALAR_EXAMPLES]
    cases += [[name, args] for name, args in sorted(WORKED_TABLE_ARGS.items())]
    cases += [["XLP_CLV", [0.10, 100, 1.3]], ["XLP_CAPACITY_RATE", [1, 0]], ["XLP_CLV", [0.0, 100, 1.0]],
              ["XLP_CLV", ["#N/A", 100, 0.8]]]
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_ON_SERVER"}
    done = subprocess.run([sys.executable, "-c", PLAIN_SCRIPT], input=json.dumps(cases), capture_output=True,
                          text=True, check=True, cwd=ROOT, env=env, timeout=120)
    plain_results = json.loads(done.stdout)
    for (name, args), plain in zip(cases[:-4], plain_results[:-4], strict=True):
        officejs = asyncio.run(xs.custom_functions_call(payload(name, [
            a if isinstance(a, list) and a and isinstance(a[0], list) else cell_arg(a) for a in args]), udfs))
        if not isinstance(plain, list):
            plain = [[plain]]

        def norm(v):
            if isinstance(v, dict):
                return v.get("basicValue", CODES.get(v.get("errorType")))
            if isinstance(v, str) and v.split(" ")[0] in CODES.values():
                return v.split(" ")[0]
            return None if v == "" else v
        assert [[norm(v) for v in row] for row in officejs] == [[norm(v) for v in row] for row in plain], name
    # classic COM: the cell text starts with the code, then the message
    value_error, div_error, num_error, passed_on = plain_results[-4:]
    assert value_error.startswith("#VALUE! 'retention' of XLP_CLV must be")
    assert div_error.startswith("#DIV/0! XLP_CAPACITY_RATE: 'capacity' is 0 minutes")
    assert num_error.startswith("#NUM! XLP_CLV: ")
    assert passed_on.startswith("#N/A ")


def test_dates_arrive_as_serial_numbers_date_cells_or_text():
    serial = (pd.Timestamp("2024-12-31") - pd.Timestamp("1899-12-30")).days
    by_serial = call("XLP_RFM", _T["transactions"], float(serial), "week")
    by_text = call("XLP_RFM", _T["transactions"], "2024-12-31", "week")
    by_date = udfs.XLP_RFM(_T["transactions"], dt.datetime(2024, 12, 31), "week")
    assert by_serial == by_text == by_date


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, derandomize=True)
@given(amount=st.decimals(min_value=-10**6, max_value=10**6, places=2),
       weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(any))
def test_allocation_through_office_js_ties_to_the_cent(amount, weights):
    parts = [row[0] for row in call("XLP_ALLOCATE", float(amount), [[w] for w in weights])] if len(weights) > 1 \
        else [scalar(call("XLP_ALLOCATE", float(amount), [[weights[0]]]))]
    assert sum(round(p * 100) for p in parts) == round(float(amount) * 100)
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(profits=st.lists(st.integers(min_value=-10**5, max_value=10**5), min_size=2, max_size=15),
       seed=st.integers(min_value=0, max_value=10**6))
def test_whale_figures_do_not_depend_on_row_order(profits, seed):
    shuffled = list(np.random.default_rng(seed).permutation(profits))
    for name in ("XLP_WHALE_PEAK", "XLP_LOSS_SHARE"):
        first = scalar(call(name, [[float(p)] for p in profits]))
        again = scalar(call(name, [[float(p)] for p in shuffled]))
        assert first == again or (isinstance(first, dict) and first == again)
