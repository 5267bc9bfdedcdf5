"""The catalogue of Excel functions, its generated reference page and its text listing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from xlprofit.excel import catalogue

ROOT = Path(__file__).resolve().parents[1]


def test_docs_functions_md_is_current():
    page = (ROOT / "docs" / "functions.md").read_text(encoding="utf-8")
    assert page == catalogue.render_markdown(), "run: python -m xlprofit.excel.catalogue"


def test_catalogue_lists_every_function_of_the_design_once():
    # The catalogue (docs/functions.md) may grow, not shrink.
    design = {
        "XLP_CAPACITY_RATE", "XLP_ACTIVITY_RATE", "XLP_TIME", "XLP_COST_TO_SERVE", "XLP_ACTIVITY_RATES",
        "XLP_ALLOCATE", "XLP_CREDIT_COST", "XLP_CUSTOMER_PROFIT", "XLP_CUSTOMER_PNL", "XLP_WHALE_CURVE",
        "XLP_WHALE_PEAK", "XLP_LOSS_SHARE", "XLP_QUADRANT", "XLP_TREND", "XLP_CAC", "XLP_PAYBACK",
        "XLP_REFERRAL_VALUE", "XLP_PROSPECT_VALUE", "XLP_CLV", "XLP_CLV_CASHFLOWS", "XLP_RFM", "XLP_SBG_FIT",
        "XLP_SBG_RETENTION", "XLP_SBG_DERL", "XLP_BGNBD_FIT", "XLP_BGNBD_EXPECTED", "XLP_BGNBD_ALIVE",
        "XLP_GG_FIT", "XLP_GG_SPEND", "XLP_CUSTOMER_CLV",
    }
    names = [f.name for f in catalogue.FUNCTIONS]
    assert len(names) == len(set(names))
    assert design <= set(names)


def test_help_texts_fit_excel_and_optional_arguments_come_last():
    for function in catalogue.FUNCTIONS:
        assert function.category in catalogue.CATEGORIES
        assert 0 < len(function.description) <= catalogue.MAX_HELP_LENGTH, function.name
        flags = [a.optional for a in function.arguments]
        assert flags == sorted(flags), function.name
        for argument in function.arguments:
            assert 0 < len(argument.help) <= catalogue.MAX_HELP_LENGTH, (function.name, argument.name)
            assert argument.shape in ("scalar", "vector", "table")
            if argument.optional:
                assert "blank" in argument.help.lower(), (function.name, argument.name)


def test_fixed_signatures_used_by_the_template_workbook():
    by_name = catalogue.by_name()
    assert catalogue.signature(by_name["XLP_CLV"]) == (
        "XLP_CLV(discount_rate, margin, retention, [timing], [horizon], [margin_growth], [acquisition_cost])")
    assert catalogue.signature(by_name["XLP_TIME"]) == "XLP_TIME(equation, [driver_names], [driver_values])"
    assert catalogue.signature(by_name["XLP_CUSTOMER_PNL"]) == (
        "XLP_CUSTOMER_PNL(transactions, activities, [usage], [resources], [customers], [parameters], [bad_lines])")
    assert catalogue.signature(by_name["XLP_ACTIVITY_RATES"]) == (
        "XLP_ACTIVITY_RATES(activities, [resources], [transactions], [usage], [customers], [parameters], "
        "[bad_lines])")
    assert catalogue.signature(by_name["XLP_QUADRANT"]) == (
        "XLP_QUADRANT(net_price_pct, cost_to_serve_pct, [price_threshold], [cost_threshold], [net_revenue])")
    assert catalogue.signature(by_name["XLP_CREDIT_COST"]) == (
        "XLP_CREDIT_COST(net_revenue, payment_days, cost_of_capital)")
    assert by_name["XLP_CLV"].officejs_name == "XLP.CLV"


def test_render_text_lists_name_signature_and_description_without_loading_xlwings():
    code = ("import sys\nfrom xlprofit.excel.catalogue import render_text\ntext = render_text()\n"
            "print('xlwings' in sys.modules)\nprint(text)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    first, text = out.split("\n", 1)
    assert first == "False"
    for function in catalogue.FUNCTIONS:
        assert catalogue.signature(function) in text
        assert function.description in text


def test_the_generator_writes_the_page(tmp_path):
    target = tmp_path / "functions.md"
    assert catalogue.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == catalogue.render_markdown()
