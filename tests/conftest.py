from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest


def small_tables() -> dict[str, pd.DataFrame | dict]:
    """A small, valid dataset: three customers, two resources, four activities."""
    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C"],
        "name": ["Alpha AS", "Beta AB", "Gamma Sp. z o.o."],
        "segment": ["Key accounts", "Retail", "Retail"],
        "channel": ["Field sales", "Web/EDI", "Inside sales"],
        "region": ["North", "South", "North"],
        "acquired_on": ["2024-03-01", "2019-05-01", None],
        "acquisition_cost": [1000.0, None, None],
        "referred_by": [None, "A", "A"],
        "payment_days": [30, 60, None],
    })
    transactions = pd.DataFrame({
        "date": ["2024-01-05", "2024-01-05", "2024-02-10", "2024-04-01", "2024-05-01", "2024-06-30",
                 "2024-07-01", "2024-10-15"],
        "customer_id": ["A", "A", "B", "B", "C", "C", "C", "A"],
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o6", "o7"],
        "product_id": ["P1", "P2", "P1", "P1", "P2", "P2", "P1", "P1"],
        "quantity": [1, 2, 3, 4, 5, 6, 7, 1],
        "gross_revenue": [100, 200, 300, 400, 500, 600, 700, 50],
        "discount": [10, 0, 0, 40, 0, 0, 0, 0],
        "net_revenue": [90, 200, 300, 360, 500, 600, 700, 50],
        "cogs": [50, 100, 150, 200, 250, 300, 350, 25],
        "returned": [False, False, True, False, False, False, False, False],
        "written_off": [0, 0, 0, 0, 0, 100, 0, 0],
    })
    activities = pd.DataFrame({
        "activity": ["Order handling", "Picking", "Sales visits", "Credit control"],
        "driver": ["orders", "lines", "visits", "orders"],
        "cost": [None, None, None, 500],
        "resource": ["Customer service", "Warehouse", "Field sales", None],
        "unit_time": [None, 2, 60, None],
        "time_equation": ["5 + 2*lines", None, None, None],
    })
    resources = pd.DataFrame({"resource": ["Customer service", "Warehouse", "Field sales"],
                              "cost": [1000.0, 800.0, 3000.0], "capacity": [100, 50, 600]})
    usage = pd.DataFrame({"customer_id": ["A", "B", "B"], "driver": ["visits", "visits", "visits"],
                          "quantity": [2, 3, 1], "period": ["2024Q1", None, "2024-05"]})
    parameters = {"discount_rate": 0.1, "payment_days": 30, "period_start": "2024-01-01",
                  "period_end": "2024-12-31", "currency": "EUR"}
    return {"customers": customers, "transactions": transactions, "activities": activities,
            "resources": resources, "usage": usage, "parameters": parameters}


@pytest.fixture
def tables() -> dict:
    return small_tables()


def soffice_or_skip() -> str:
    """Path of LibreOffice's soffice; skip when absent, except under CI where it must exist."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required under CI but is not installed")
    pytest.skip("LibreOffice (soffice) is not installed")
