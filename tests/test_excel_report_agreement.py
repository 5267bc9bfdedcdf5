"""One definition per number: the Excel functions give the report's own figures on the demo.

Called as plain Python (the classic add-in's call; the Office.js path is covered elsewhere), on
the demo analysis the report is written from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xlprofit
from xlprofit.core import acquisition
from xlprofit.core.matrix import matrix_thresholds
from xlprofit.core.trend import headline_flag
from xlprofit.data import demo_tables
from xlprofit.excel import udfs


def error_text(call) -> str:
    """The cell text of an XLP error in either runtime this process may be in.

    Classic COM (as this module runs: the Office.js test modules set XLWINGS_ON_SERVER for
    themselves only, :func:`tests.conftest.office_js`) returns "#VALUE! message"; under Office.js
    #VALUE! is raised with the same message.
    """
    try:
        return call()
    except Exception as exc:  # xlwings.XlwingsError under Office.js
        return f"#VALUE! {exc}"


@pytest.fixture(scope="module")
def demo():
    return xlprofit.analyze(xlprofit.load_demo(), discount_rate=0.10)


def test_quadrant_defaults_are_the_reports_portfolio_thresholds(demo):
    matrix = demo.matrix
    column = lambda s: [[None if pd.isna(v) else float(v)] for v in s]  # noqa: E731
    labels = udfs.XLP_QUADRANT(column(matrix["net_price_pct"]), column(matrix["cost_to_serve_pct"]), None, None,
                               column(matrix["net_revenue"]))
    assert [row[0] for row in labels] == matrix["quadrant"].tolist()
    assert (demo.customers["quadrant"].reindex(matrix.index) == matrix["quadrant"]).all()
    # the thresholds in use are the report's, not medians
    price, cost = matrix_thresholds(demo.customers)
    assert (price, cost) == (matrix.attrs["price_threshold"], matrix.attrs["cost_threshold"])
    assert price != pytest.approx(float(np.nanmedian(matrix["net_price_pct"])), abs=1e-6)


def test_quadrant_without_thresholds_or_net_revenue_is_refused_not_guessed():
    result = error_text(lambda: udfs.XLP_QUADRANT([[0.9], [0.95]], [[0.1], [0.2]]))
    assert result.startswith("#VALUE! 'price_threshold' of XLP_QUADRANT must be a number, or net_revenue given")
    assert udfs.XLP_QUADRANT(0.95, 0.10, 0.90, 0.15) == "passive"


def test_the_trend_function_flags_exactly_the_customers_the_report_flags(demo):
    flagged = demo.customers["flagged"]
    assert flagged.dtype == bool
    recomputed = headline_flag(demo.customers)
    assert recomputed.equals(flagged)
    assert 0 < flagged.sum() < len(flagged)
    # a single warning sign does not raise the flag, and every flagged customer has its reasons
    single = demo.customers["falling_volume"] & ~demo.customers["rising_cost_to_serve"] & \
        ~demo.customers["turned_unprofitable"] & ~demo.customers["growing_bad_debt"] & \
        ~demo.customers["falling_contribution"]
    assert not flagged[single].any()
    assert (demo.customers.loc[flagged, "reasons"] != "").all()


def test_payback_is_not_discounted_at_a_silent_zero_rate(demo):
    with pytest.raises(TypeError):
        acquisition.payback_periods(100.0, 10.0, timing="end")  # type: ignore[call-arg]
    assert error_text(lambda: udfs.XLP_PAYBACK(None, 100, 10, 0.9)).startswith("#VALUE! 'discount_rate' of XLP_PAYBACK")
    tables = demo_tables()
    tables["parameters"] = tables["parameters"][tables["parameters"]["name"] != "discount_rate"]
    without = xlprofit.analyze(xlprofit.Dataset(**tables))
    assert without.acquisition["payback_periods"].isna().all()
    assert demo.acquisition["payback_periods"].notna().any()
