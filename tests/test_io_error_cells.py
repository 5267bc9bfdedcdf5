"""Excel error cells in an input workbook are rejected with their reason, never read as text or blanks."""

from __future__ import annotations

import openpyxl

import xlprofit
from xlprofit.report.template import write_demo

FIRST_DATA_ROW = 6  # the demo template's Transactions sheet: title, help, blank, captions, headers


def test_error_cells_of_a_workbook_reject_their_rows_text_that_looks_like_one_stays_text(tmp_path):
    path = tmp_path / "demo.xlsx"
    write_demo(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Transactions"]
    header = [c.value for c in ws[FIRST_DATA_ROW - 1]]
    customer, net = header.index("customer_id") + 1, header.index("net_revenue") + 1
    amount = ws.cell(FIRST_DATA_ROW + 1, net).value
    ws.cell(FIRST_DATA_ROW + 1, customer).value = "#DIV/0!"  # openpyxl writes a known error code as an error cell
    ws.cell(FIRST_DATA_ROW + 2, net).value = "#N/A"
    text = ws.cell(FIRST_DATA_ROW + 3, customer)
    text.value, text.data_type = "#REF!", "s"  # the same characters, typed as text
    assert ws.cell(FIRST_DATA_ROW + 1, customer).data_type == "e"
    wb.save(path)

    data = xlprofit.read(path)
    ex = data.exceptions.set_index("row")
    assert ex.loc[FIRST_DATA_ROW + 1, "reason"] == "holds the Excel error #DIV/0!"
    assert ex.loc[FIRST_DATA_ROW + 1, "amount"] == amount
    assert ex.loc[FIRST_DATA_ROW + 2, "reason"] == "holds the Excel error #N/A"
    assert ex.loc[FIRST_DATA_ROW + 3, "value"] == "#REF!"
    assert ex.loc[FIRST_DATA_ROW + 3, "reason"] != "holds the Excel error #REF!"  # text: an unknown customer
    result = xlprofit.analyze(data)
    assert result.checks_hold, result.reconciliation  # the rejected lines are reconciled
