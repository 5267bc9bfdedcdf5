"""What a user sees at the prompt: a clean ``dir(xlprofit)`` and a short ``repr`` of an analysis."""

from __future__ import annotations

import xlprofit


def test_dir_shows_the_public_api_only():
    assert dir(xlprofit) == sorted(xlprofit.__all__)
    assert not {"Any", "TYPE_CHECKING", "annotations"} & set(dir(xlprofit))


def test_an_analysis_prints_its_tables_and_checks_in_a_few_lines(tables):
    a = xlprofit.analyze(xlprofit.Dataset(**tables))
    text = repr(a)
    assert text.startswith("Analysis(3 customers; ") and len(text) < 600
    assert f"{int(a.reconciliation['holds'].sum())}/{len(a.reconciliation)} checks hold" in text
    assert f"customers 3×{len(a.customers.columns)}" in text and "INCOMPLETE" not in text
