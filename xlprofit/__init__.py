"""xlprofit: which customers make money, which lose it, and why.

The public API::

    import xlprofit

    ds = xlprofit.load_demo()                 # or xlprofit.read("filled_template.xlsx")
    result = xlprofit.analyze(ds, discount_rate=0.10)
    result.customers                          # the customer P&L waterfall
    xlprofit.write_report(result, "report.xlsx")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xlprofit._version import __version__
from xlprofit.core.analysis import Analysis, analyze
from xlprofit.core.dataset import Dataset
from xlprofit.io import load_demo, read

if TYPE_CHECKING:
    import os

__all__ = ["__version__", "Analysis", "Dataset", "analyze", "load_demo", "read", "write_report"]


def write_report(analysis: Analysis, path: str | os.PathLike[str], **options: Any) -> None:
    """Write the report workbook of an analysis (values only; opens without the add-in)."""
    from xlprofit.report import write_report as _write

    _write(analysis, path, **options)


def __dir__() -> list[str]:
    """The public API only (not the helpers this module imports)."""
    return sorted(__all__)
