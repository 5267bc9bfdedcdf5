from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

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


@pytest.fixture(scope="session")
def lifetimes() -> Callable[[Path, dict, Path], dict]:
    """Run a runner script of ``tests/data`` in the interpreter that has lifetimes 0.11.3.

    lifetimes needs pandas < 2 / numpy < 1.25 / scipy < 1.12, so it lives in its own
    interpreter: ``XLPROFIT_LIFETIMES_PYTHON``, else ``<repository>/.venv-lifetimes/bin/python``
    (``.ci/run`` creates it). Without it the differential tests skip, except under CI, where
    they fail. The fixture is a function ``(runner, request, folder) -> answer``: it writes the
    request as JSON in ``folder``, runs the runner on it and returns the JSON written at
    ``request["out"]``.
    """
    candidate = Path(os.environ.get("XLPROFIT_LIFETIMES_PYTHON")
                     or Path(__file__).parent.parent / ".venv-lifetimes" / "bin" / "python")
    if not candidate.is_file():
        message = "no interpreter with lifetimes 0.11.3 (set XLPROFIT_LIFETIMES_PYTHON or create .venv-lifetimes)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    def run(runner: Path, request: dict, folder: Path) -> dict:
        (folder / "request.json").write_text(json.dumps(request))
        subprocess.run([str(candidate), str(runner), str(folder / "request.json")], check=True, timeout=300)
        return json.loads(Path(request["out"]).read_text())

    return run


def soffice_or_skip() -> str:
    """Path of LibreOffice's soffice; skip when absent, except under CI where it must exist."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required under CI but is not installed")
    pytest.skip("LibreOffice (soffice) is not installed")


def _decides_the_runtime(name: str, module: ModuleType | None) -> bool:
    """Whether a module is one that fixes at import whether it runs under Office.js.

    xlwings reads ``XLWINGS_ON_SERVER`` once, when it is imported, and the Excel functions are
    decorated by the xlwings they import. A native extension (xlwings' own) initialises once per
    process and has no part in the choice: it is kept.
    """
    if name == "xlwings" or name.startswith("xlwings."):
        return not str(getattr(module, "__file__", "") or "").endswith((".so", ".pyd"))
    return name in ("xlprofit.excel._boundary", "xlprofit.excel.udfs")


@contextlib.contextmanager
def office_js() -> Iterator[SimpleNamespace]:
    """xlwings and the Excel functions as under Office.js, for the ``with`` block only.

    Sets ``XLWINGS_ON_SERVER`` (and xlwings' licence key for noncommercial use, which
    ``xlwings.server`` asks for; tests only), imports xlwings, ``xlwings.server`` and
    :mod:`xlprofit.excel.udfs` afresh and yields them (``xw``, ``xs``, ``udfs``, ``_boundary``).
    Afterwards the environment and the modules the process had are restored, so that no other
    test module runs under Office.js, whatever the order the modules run in.
    """
    saved = {name: module for name, module in sys.modules.items() if _decides_the_runtime(name, module)}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XLWINGS_ON_SERVER", "true")
        env.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings' key for noncommercial use; tests only
        for name in saved:
            del sys.modules[name]
        try:
            runtime = SimpleNamespace(xw=importlib.import_module("xlwings"),
                                      xs=importlib.import_module("xlwings.server"),
                                      udfs=importlib.import_module("xlprofit.excel.udfs"),
                                      _boundary=importlib.import_module("xlprofit.excel._boundary"))
            yield runtime
        finally:
            fresh = {name for name, module in sys.modules.items() if _decides_the_runtime(name, module)}
            for name in fresh:
                del sys.modules[name]
            sys.modules.update(saved)
            # an import also binds a submodule on its package: bind the process's own again
            for name in sorted(fresh | set(saved)):
                package, _, child = name.rpartition(".")
                if package in sys.modules:
                    if name in saved:
                        setattr(sys.modules[package], child, saved[name])
                    elif hasattr(sys.modules[package], child):
                        delattr(sys.modules[package], child)
