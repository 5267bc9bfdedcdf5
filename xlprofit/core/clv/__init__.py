"""Customer lifetime value: closed forms, sBG, BG/NBD, Gamma-Gamma, RFM and CLV per customer.

Every function names its period unit and its cash-flow timing; nothing assumes a
30-day month. Models follow the scikit-learn contract (``fit`` returns the model,
fitted values in ``params_``) and evaluate as closed forms once fitted.
"""

from .bgnbd import BetaGeo
from .closed_form import Timing, clv_cashflows, periodic_rate, simple_clv
from .customer import CLV_COLUMNS, customer_clv
from .gamma_gamma import GammaGamma
from .rfm import PERIOD_UNITS, period_length, rfm
from .sbg import ShiftedBetaGeometric

__all__ = [
    "CLV_COLUMNS",
    "PERIOD_UNITS",
    "BetaGeo",
    "GammaGamma",
    "ShiftedBetaGeometric",
    "Timing",
    "clv_cashflows",
    "customer_clv",
    "period_length",
    "periodic_rate",
    "rfm",
    "simple_clv",
]
