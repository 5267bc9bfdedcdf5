"""The synthetic tables as files: :func:`write_tables`, :func:`write_demo` and the command line.

The files are those of the embedded demo dataset (:data:`xlprofit.data.DEMO_FILES`): UTF-8
CSV, ISO dates, money with two decimals, and gzip output that is byte-reproducible, so that
``python -m xlprofit.data.synthetic --demo`` rewrites :data:`xlprofit.data.DEMO_DIR` byte for
byte.
"""

from __future__ import annotations

import argparse
import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from xlprofit.data import DEMO_DIR, DEMO_FILES
from xlprofit.data.synthetic.common import DEFAULT_SEED, DEMO_CUSTOMERS, DEMO_LINES
from xlprofit.data.synthetic.tables import generate
from xlprofit.errors import ArgumentError


def _money(values: pd.Series) -> pd.Series:
    """Money as text with two decimals; missing values stay missing."""
    out = pd.Series(pd.NA, index=values.index, dtype="str")
    present = values.notna().to_numpy()
    out[present] = np.strings.mod("%.2f", values.to_numpy(dtype=float)[present])
    return out


def _to_csv_text(table: str, frame: pd.DataFrame) -> str:
    frame = frame.copy()
    if table == "transactions":
        frame["returned"] = np.where(frame["returned"].to_numpy(dtype=bool), "TRUE", "FALSE")
        for column in ("gross_revenue", "discount", "rebate", "net_revenue", "cogs", "written_off"):
            frame[column] = _money(frame[column])
    elif table == "customers":
        frame["acquisition_cost"] = _money(frame["acquisition_cost"])
    elif table in ("activities", "resources"):
        frame["cost"] = _money(frame["cost"])
    return frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def write_tables(tables: dict[str, pd.DataFrame], directory: str | Path) -> dict[str, Path]:
    """Write tables as the demo dataset's files; gzip output is byte-reproducible.

    Parameters
    ----------
    tables : dict[str, pandas.DataFrame]
        The six tables returned by :func:`generate`.
    directory : str or pathlib.Path
        Existing directory to write into; files of the same names are replaced.

    Returns
    -------
    dict[str, pathlib.Path]
        The path written for every table (names as in ``xlprofit.data.DEMO_FILES``).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ArgumentError("directory", str(directory), "an existing directory")
    written: dict[str, Path] = {}
    for table, file_name in DEMO_FILES.items():
        data = _to_csv_text(table, tables[table]).encode("utf-8")
        path = directory / file_name
        if file_name.endswith(".gz"):
            with open(path, "wb") as raw, gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
            ) as zipped:
                zipped.write(data)
        else:
            path.write_bytes(data)
        written[table] = path
    return written


def write_demo(directory: str | Path | None = None) -> dict[str, Path]:
    """Regenerate the demo dataset (300 customers, 50,000 lines, 2024-2025) into ``directory``.

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        Target directory; by default the embedded :data:`xlprofit.data.DEMO_DIR`.

    Returns
    -------
    dict[str, pathlib.Path]
        The files written.
    """
    target = DEMO_DIR if directory is None else Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    tables = generate(DEMO_CUSTOMERS, DEMO_LINES, seed=DEFAULT_SEED, start="2024-01-01", quarters=8)
    return write_tables(tables, target)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m xlprofit.data.synthetic --demo`` or ``--customers N --lines M --out DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m xlprofit.data.synthetic", description="Write synthetic xlprofit input tables."
    )
    parser.add_argument("--demo", action="store_true", help="regenerate the embedded demo dataset")
    parser.add_argument("--out", type=Path, help="output directory (default for --demo: the package's)")
    parser.add_argument("--customers", type=int, default=DEMO_CUSTOMERS)
    parser.add_argument("--lines", type=int, default=DEMO_LINES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.demo:
        written = write_demo(args.out)
    elif args.out is None:
        parser.error("--out is required unless --demo is given")
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        written = write_tables(generate(args.customers, args.lines, seed=args.seed), args.out)
    for path in written.values():
        print(path)
    return 0
