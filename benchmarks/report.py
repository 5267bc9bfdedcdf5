"""Time ``write_report`` for a large analysis next to writing the same cells with bare openpyxl.

    python benchmarks/report.py                        # 100,000 customers, 600,000 invoice lines
    python benchmarks/report.py --customers 20000 --lines 200000

The baseline is what the report costs at the least with openpyxl: the same sheets with the
same rows of values, appended to a write-only workbook as plain Python values, with no
styles, number formats, Tables, charts, column widths or print setup. Both write the very
same values of the same analysis in this process; the ratio is the price of the formatting
(target: at most 1.3). The report writes its rows of values into the sheet XML in one piece
each (a table a column at a time) rather than through openpyxl's cell serialiser, so it
comes out below 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

import xlprofit
from xlprofit.data.synthetic import generate
from xlprofit.report._rows import column_values
from xlprofit.report.workbook import sheet_layouts


def _plain(series: pd.Series) -> list:
    """Python values openpyxl accepts (missing text as None): the least any writer must do."""
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        return series.astype(object).where(series.notna(), None).tolist()
    return column_values(series)[0]


def bare_openpyxl(analysis: xlprofit.Analysis, path: Path) -> int:
    """Write every row of every report sheet as plain values in write-only mode; return the cell count."""
    wb = Workbook(write_only=True)
    cells = 0
    for name, build in sheet_layouts(analysis, set(), dt.datetime(2025, 1, 1), xlprofit.__version__).items():
        ws = wb.create_sheet(name)
        for block in build().blocks:
            if block.kind == "blank":
                for _ in range(block.height):
                    ws.append([])
            elif block.kind == "line":
                ws.append(block.payload["values"])
                cells += len(block.payload["values"])
            else:
                frame = block.payload["frame"]
                ws.append(block.payload["headers"])
                columns = [_plain(frame.iloc[:, j]) for j in range(frame.shape[1])]
                for row in zip(*columns, strict=True):
                    ws.append(row)
                cells += frame.size + frame.shape[1]
    wb.save(path)
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=600_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    t0 = time.perf_counter()
    analysis = xlprofit.analyze(xlprofit.Dataset(**generate(args.customers, args.lines)))
    print(f"analysis of {len(analysis.customers):,} customers, {args.lines:,} lines: "
          f"{time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        report, bare = Path(tmp) / "report.xlsx", Path(tmp) / "bare.xlsx"
        for _ in range(args.repeat):
            t = time.perf_counter()
            cells = bare_openpyxl(analysis, bare)
            t_bare = time.perf_counter() - t
            t = time.perf_counter()
            xlprofit.write_report(analysis, report)
            t_report = time.perf_counter() - t
            print(f"bare openpyxl write-only : {t_bare:7.1f} s  {cells:,} cells  {os.path.getsize(bare) / 1e6:.1f} MB")
            print(f"xlprofit.write_report    : {t_report:7.1f} s  {os.path.getsize(report) / 1e6:.1f} MB"
                  f"  (styles, Tables, charts, widths, print setup)")
            print(f"ratio                    : {t_report / t_bare:7.2f}x  (target <= 1.3x)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the whole run: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
