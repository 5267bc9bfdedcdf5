"""Customer lifetime value: the purchase, retention and spend models, RFM, and CLV per customer.

The models: closed forms, sBG, BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma; with them
the calibration/holdout comparison of purchase models on a ledger.

Every function names its period unit and its cash-flow timing; nothing assumes a
30-day month. Models follow the scikit-learn contract (``fit`` returns the model,
fitted values in ``params_``) and evaluate as closed forms once fitted.
"""

from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .closed_form import Timing, clv_cashflows, periodic_rate, simple_clv
from .customer import CLV_COLUMNS, customer_clv
from .gamma_gamma import GammaGamma
from .holdout import calibration_holdout, compare_models
from .mbgnbd import ModifiedBetaGeo
from .pnbd import ParetoNBD
from .rfm import PERIOD_UNITS, period_length, rfm
from .sbg import ShiftedBetaGeometric

__all__ = [
    "CLV_COLUMNS",
    "PERIOD_UNITS",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "Timing",
    "calibration_holdout",
    "clv_cashflows",
    "compare_models",
    "customer_clv",
    "period_length",
    "periodic_rate",
    "rfm",
    "simple_clv",
]
