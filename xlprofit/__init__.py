"""xlprofit: which customers make money, which lose it, and why.

The public API::

    import xlprofit

    ds = xlprofit.load_demo()                 # or xlprofit.read("filled_template.xlsx")
    result = xlprofit.analyze(ds, discount_rate=0.10)
    result.customers                          # the customer P&L waterfall
    xlprofit.write_report(result, "report.xlsx")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from xlprofit._version import __version__

if TYPE_CHECKING:
    import os

    from xlprofit.core.analysis import Analysis, analyze
    from xlprofit.core.dataset import Dataset
    from xlprofit.io import load_demo, read

__all__ = ["__version__", "Analysis", "Dataset", "analyze", "load_demo", "read", "write_report"]

#: Where each name of the API is defined: imported on first use, so that ``import xlprofit`` (and
#: the command line, which must handle Ctrl-C from its first moment) does not load pandas and
#: SciPy before they are needed.
_DEFINED_IN = {"Analysis": "xlprofit.core.analysis", "analyze": "xlprofit.core.analysis",
               "Dataset": "xlprofit.core.dataset", "load_demo": "xlprofit.io", "read": "xlprofit.io"}


def __getattr__(name: str) -> Any:
    """The API's names, imported from their modules when first asked for; a subpackage (``xlprofit.io``) too."""
    if name not in _DEFINED_IN:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'xlprofit' has no attribute '{name}'") from None
    value = getattr(importlib.import_module(_DEFINED_IN[name]), name)
    globals()[name] = value
    return value


def write_report(analysis: Analysis, path: str | os.PathLike[str], **options: Any) -> None:
    """Write the report workbook of an analysis (values only; opens without the add-in)."""
    from xlprofit.report import write_report as _write

    _write(analysis, path, **options)


def __dir__() -> list[str]:
    """The public API only (not the helpers this module imports)."""
    return sorted(__all__)
