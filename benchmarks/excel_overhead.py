"""Overhead of the Excel adapter layer over calling the core directly, through the Office.js path.

Run: ``XLWINGS_LICENSE_KEY=… python benchmarks/excel_overhead.py`` (it sets
``XLWINGS_ON_SERVER=true`` itself). The Office.js path is part of xlwings PRO and needs a
licence key: a commercial key, or ``noncommercial`` for noncommercial use.

For a scalar function (``XLP_CLV``) and a table function (``XLP_CUSTOMER_PNL`` on the demo
tables) it times, in the same run:

* ``core``: the core call on Python values (``simple_clv``; ``analyze(Dataset(DataFrames))``);
* ``adapter``: the ``XLP_*`` function called with cell values as Office.js sends them (reading
  the arguments, the error boundary, writing the cells);
* ``call path``: the whole ``xlwings.server.custom_functions_call`` (xlwings' dispatch and
  result conversion included).

The adapter overhead is ``adapter − core``, shown as a share of the whole Office.js call. The P&L is timed
cold (the analysis kept for recalculation is dropped before each call) and warm.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_ON_SERVER", "true")
if not os.environ.get("XLWINGS_LICENSE_KEY"):
    raise SystemExit("set XLWINGS_LICENSE_KEY: the Office.js call path of xlwings needs a licence key")

import asyncio  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import pandas as pd  # noqa: E402
import xlwings as xw  # noqa: E402
import xlwings.server as xs  # noqa: E402

from xlprofit.core.analysis import analyze  # noqa: E402
from xlprofit.core.clv import simple_clv  # noqa: E402
from xlprofit.core.dataset import Dataset  # noqa: E402
from xlprofit.data import demo_tables  # noqa: E402
from xlprofit.excel import udfs  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 5 else statistics.median(times)


def payload(name: str, args: list) -> dict:
    return {"func_name": name, "args": args, "caller_address": "Sheet1!B2", "version": xw.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US", "date_format": "M/d/yyyy"}


def cells(frame: pd.DataFrame) -> list[list]:
    values = frame.astype(object).where(frame.notna(), "")
    return [list(map(str, frame.columns)), *values.to_numpy().tolist()]


def report(label: str, core: float, adapter: float, path: float) -> None:
    overhead = adapter - core
    print(f"{label:<32} core {core * 1e3:9.3f} ms | adapter {adapter * 1e3:9.3f} ms | Office.js call "
          f"{path * 1e3:9.3f} ms | adapter overhead {overhead * 1e3:8.3f} ms = {overhead / path:5.1%} of the "
          f"call ({adapter / core:.2f}x the core alone)")


def main() -> None:
    # Scalar: XLP_CLV(0.10, 100, 0.8).
    n = 2000
    core = best(lambda: [simple_clv(100.0, 0.8, 0.10, timing="end") for _ in range(n)], 5) / n
    adapter = best(lambda: [udfs.XLP_CLV([[0.10]], [[100]], [[0.8]]) for _ in range(n)], 5) / n
    data = payload("XLP_CLV", [[[0.10]], [[100]], [[0.8]]])

    async def many() -> None:
        for _ in range(n):
            await xs.custom_functions_call(data, udfs)

    path = best(lambda: asyncio.run(many()), 5) / n
    report("XLP_CLV (per call)", core, adapter, path)

    # Table: XLP_CUSTOMER_PNL on the demo tables (50,000 invoice lines, 300 customers).
    tables = demo_tables()
    order = ("transactions", "activities", "usage", "resources", "customers", "parameters")
    args = [cells(tables[name]) for name in order]

    def core_pnl() -> None:
        analyze(Dataset(tables["customers"], tables["transactions"], tables["activities"], tables["resources"],
                        tables["usage"], tables["parameters"]))

    def adapter_pnl() -> None:
        udfs.clear_cache()
        udfs.XLP_CUSTOMER_PNL(*args)

    pnl_data = payload("XLP_CUSTOMER_PNL", args)

    def path_pnl() -> None:
        udfs.clear_cache()
        asyncio.run(xs.custom_functions_call(pnl_data, udfs))

    core_t = best(core_pnl, 5)
    adapter_t = best(adapter_pnl, 5)
    path_t = best(path_pnl, 5)
    report("XLP_CUSTOMER_PNL, demo (cold)", core_t, adapter_t, path_t)
    udfs.XLP_CUSTOMER_PNL(*args)
    warm = best(lambda: asyncio.run(xs.custom_functions_call(pnl_data, udfs)), 3)
    print(f"{'XLP_CUSTOMER_PNL, demo (recalc)':<34} call path {warm * 1e3:9.1f} ms with the analysis kept "
          f"({core_t / warm:.1f}x faster than the core alone)")


if __name__ == "__main__":
    main()
