"""The embedded demo dataset: a B2B distributor over eight quarters (2024-2025).

The files in :data:`DEMO_DIR` are written by ``python -m xlprofit.data.synthetic --demo``
and are the input tables of the README's *Input tables*, as a user would export them: UTF-8 CSV,
ISO dates, ``.`` as the decimal separator and money with two decimals.
:func:`demo_tables` reads them raw; normalising and validating them is the job of
``xlprofit.core.tables``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["DEMO_DIR", "DEMO_FILES", "DEMO_SCENARIOS", "demo_tables", "demo_scenarios"]

#: Directory holding the demo dataset files.
DEMO_DIR: Path = Path(str(resources.files(__name__).joinpath("demo")))

#: File name of every demo table, in the order the tables are documented.
DEMO_FILES: dict[str, str] = {
    "customers": "customers.csv",
    "transactions": "transactions.csv.gz",
    "activities": "activities.csv",
    "resources": "resources.csv",
    "usage": "usage.csv.gz",
    "parameters": "parameters.csv",
}
#: File name of the demo's scenarios table (see :mod:`xlprofit.core.scenarios`): not an input of
#: the analysis itself, so not among :data:`DEMO_FILES`.
DEMO_SCENARIOS = "scenarios.csv"


def demo_tables() -> dict[str, pd.DataFrame]:
    """Read the embedded demo dataset.

    Returns
    -------
    dict[str, pandas.DataFrame]
        The raw tables ``customers, transactions, activities, resources, usage,
        parameters`` as pandas parses the CSV files: text stays text (dates are ISO
        strings, ids such as ``C0001`` are strings), numbers are numbers, ``returned``
        is boolean and empty cells are missing values. ``parameters`` has the two
        columns ``name, value`` with every value as text.
    """
    tables: dict[str, pd.DataFrame] = {}
    for table, file_name in DEMO_FILES.items():
        path = DEMO_DIR / file_name
        if table == "parameters":
            tables[table] = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        else:
            tables[table] = pd.read_csv(path, encoding="utf-8")
    return tables


def demo_scenarios() -> pd.DataFrame:
    """The demo's scenarios table (three what-ifs), as read from its CSV file, row numbers as in the file."""
    frame = pd.read_csv(DEMO_DIR / DEMO_SCENARIOS, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame
