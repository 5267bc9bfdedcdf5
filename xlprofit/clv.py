"""Customer lifetime value models: ``xlprofit.clv`` is :mod:`xlprofit.core.clv`.

Closed forms (``simple_clv``, ``clv_cashflows``), the shifted-beta-geometric model for
contractual customers, BG/NBD and Gamma-Gamma for non-contractual customers, the RFM summary
and CLV per customer on contribution after cost-to-serve.
"""

from xlprofit.core.clv import *  # noqa: F403 - this module is the public name of the package
from xlprofit.core.clv import __all__  # noqa: F401
