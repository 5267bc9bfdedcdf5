"""Excel functions (``XLP_*``) through xlwings: the only package of xlprofit that imports xlwings.

``xlprofit.excel.udfs`` is the UDF module; ``xlprofit.excel.catalogue`` lists every function
and renders ``docs/functions.md`` and the output of ``xlprofit functions`` without importing
xlwings.
"""

from ._culture import culture

__all__ = ["culture"]
