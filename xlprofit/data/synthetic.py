"""Deterministic synthetic data: a B2B distributor and its customers.

:func:`generate` builds the six input tables of DESIGN section 3 (``customers,
transactions, activities, resources, usage, parameters``) for a wholesale distributor
selling about 150 products through field sales, inside sales and Web/EDI. The numbers
tell the story that customer profitability analysis exists to uncover:

* customer sizes are heavily skewed (log-normal, Pareto-like: the top fifth of the
  customers buys about four fifths of the revenue);
* small customers who still receive sales visits and service calls lose money;
* a few large customers lose money too: deep discounts, many small and rushed orders,
  frequent visits, calls, complaints and returns ("demanding" customers);
* a group of customers turns unprofitable in the last quarters: falling volume with
  rising service, or growing bad debt.

Randomness is organised in independent streams (``np.random.SeedSequence(seed,
spawn_key=...)``): one for the customers, one for their line counts, one for the
product catalogue, one for the quarterly service usage and one per block of
:data:`BLOCK_LINES` invoice lines. A block
never depends on the blocks before it, so :func:`iter_transaction_chunks` can produce
any number of lines chunk by chunk with bounded memory, and the concatenated chunks
equal ``generate(...)["transactions"]`` row for row. Everything is vectorised with
numpy; nothing depends on hash randomisation or on the ordering of sets.

The invoice lines are laid out quarter by quarter; inside a block, orders are numbered
by date, so an order number grows with its date whenever the whole analysis window fits
in one block (as in the demo dataset). An order never spans two blocks.

``python -m xlprofit.data.synthetic --demo`` rewrites the embedded demo dataset in
:data:`xlprofit.data.DEMO_DIR` byte for byte.
"""

from __future__ import annotations

import argparse
import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from xlprofit.data import DEMO_DIR, DEMO_FILES
from xlprofit.errors import ArgumentError

__all__ = [
    "BLOCK_LINES",
    "DEFAULT_SEED",
    "DEMO_CUSTOMERS",
    "DEMO_LINES",
    "customers_table",
    "generate",
    "iter_chunks",
    "iter_transaction_chunks",
    "main",
    "write_demo",
    "write_tables",
]

#: Seed of the embedded demo dataset and default of every generator here.
DEFAULT_SEED = 20240101
#: Size of the embedded demo dataset.
DEMO_CUSTOMERS = 300
DEMO_LINES = 50_000
#: Invoice lines per independent random block.
BLOCK_LINES = 65_536

_MAX_ORDER_LINES = 20
_N_PRODUCTS = 150
_MEAN_LIST_PRICE_EUR = 50.0  # sales-weighted mean list price of the catalogue
_MEAN_LIST_MARGIN = 0.27  # sales-weighted mean margin on list price
_PERIODS_PER_YEAR = 4

# Stream keys of ``np.random.SeedSequence(seed, spawn_key=(key, ...))``.
_STREAM_CUSTOMERS = 0
_STREAM_LINE_COUNTS = 1
_STREAM_USAGE = 2
_STREAM_CATALOGUE = 3
_STREAM_BLOCK = 4

SEGMENTS = np.array(["Key accounts", "Wholesale", "Retail", "Online"])
CHANNELS = np.array(["Field sales", "Inside sales", "Web/EDI"])
REGIONS = np.array(["North", "South", "East", "West"])
_KEY, _WHOLESALE, _RETAIL, _ONLINE = 0, 1, 2, 3
_FIELD, _INSIDE, _WEB = 0, 1, 2

# P(channel | segment); rows: segments, columns: channels.
_CHANNEL_GIVEN_SEGMENT = np.array(
    [[1.00, 0.00, 0.00], [0.70, 0.30, 0.00], [0.35, 0.50, 0.15], [0.00, 0.15, 0.85]]
)
# Payment terms in days and P(terms | segment): large customers pay slower.
_PAYMENT_TERMS_DAYS = np.array([15, 30, 45, 60, 75, 90])
_TERMS_GIVEN_SEGMENT = np.array(
    [
        [0.00, 0.10, 0.20, 0.40, 0.10, 0.20],
        [0.00, 0.30, 0.30, 0.30, 0.00, 0.10],
        [0.20, 0.60, 0.20, 0.00, 0.00, 0.00],
        [0.60, 0.40, 0.00, 0.00, 0.00, 0.00],
    ]
)
# Christmas Eve, Christmas Day, Boxing Day and New Year's Day, as day offsets from a 1 January.
_HOLIDAY_OFFSETS_DAYS = np.array([-8, -7, -6, 0]).astype("timedelta64[D]")
# Seasonality by quarter of the year (Q1..Q4): a Nordic summer dip.
_SEASONALITY = np.array([1.00, 1.06, 0.86, 1.08])
# Sales visits per quarter; rows: channels, columns: segments.
_VISITS_PER_QUARTER = np.array(
    [[5.0, 2.5, 1.2, 0.5], [0.10, 0.10, 0.10, 0.10], [0.03, 0.03, 0.03, 0.03]]
)

_NAME_STEMS = (
    "Aalto", "Åberg", "Alder", "Atlas", "Baltic", "Berg", "Birch", "Bjørk", "Crown", "Dahl",
    "Ekholm", "Evergreen", "Falcon", "Fjeld", "Granite", "Hansen", "Harbour", "Holm", "Iceberg",
    "Karlsson", "Keystone", "Lindqvist", "Lund", "Mäkinen", "Meridian", "Nordby", "Northwind",
    "Nyström", "Pioneer", "Polar", "Sandvik", "Skog", "Strand", "Summit", "Tidewater", "Vik",
    "Westerberg", "Wiklund", "Øster", "Aurora",
)
_NAME_TRADES = (
    "Hardware", "Building Supplies", "Tools", "Electrics", "Plumbing", "Industrial", "Trading",
    "Marine", "Agro", "Office Supplies", "Packaging", "Fasteners", "Safety", "Workwear", "Timber",
    "HVAC", "Automotive", "Cleaning", "Lighting", "Paints", "Facility Services", "Components",
    "Hydraulics", "Garden", "Logistics", "Kitchen Equipment", "Machinery", "Instruments",
    "Interiors", "Wholesale",
)
_NAME_FORMS = ("AB", "AS", "Oy", "ApS", "Ltd", "GmbH", "& Co", "Group")


@dataclass(frozen=True)
class _ActivitySpec:
    """One activity of the synthetic distributor.

    ``minutes`` lists ``(driver, minutes per unit)``; its first entry is the activity's
    own driver. More than one entry is written as a time equation.
    """

    activity: str
    driver: str
    level: str
    resource: str | None
    minutes: tuple[tuple[str, float], ...] = ()
    cost_per_unit_eur: float | None = None


_ACTIVITIES: tuple[_ActivitySpec, ...] = (
    _ActivitySpec("Order handling", "orders", "order", "Customer service",
                  (("orders", 4.0), ("lines", 1.5), ("rush", 10.0))),
    _ActivitySpec("Manual order entry", "manual_orders", "order", "Customer service",
                  (("manual_orders", 12.0),)),
    _ActivitySpec("Picking", "lines", "line", "Warehouse", (("lines", 3.0),)),
    _ActivitySpec("Delivery", "orders", "order", "Transport", (("orders", 30.0), ("units", 0.05))),
    _ActivitySpec("Rush orders", "rush", "order", "Transport", (("rush", 75.0),)),
    _ActivitySpec("Returns processing", "returns", "line", "Warehouse", (("returns", 30.0),)),
    _ActivitySpec("Sales visits", "visits", "customer", "Field sales", (("visits", 150.0),)),
    _ActivitySpec("Service calls", "calls", "customer", "Customer service", (("calls", 12.0),)),
    _ActivitySpec("Complaints", "complaints", "customer", None, cost_per_unit_eur=180.0),
    _ActivitySpec("Credit & collection", "reminders", "customer", "Credit control",
                  (("reminders", 25.0),)),
)

# (resource, fully loaded cost per minute in EUR, target utilisation of practical capacity)
_RESOURCES: tuple[tuple[str, float, float], ...] = (
    ("Customer service", 0.80, 0.87),
    ("Warehouse", 0.60, 0.92),
    ("Transport", 1.10, 0.97),
    ("Field sales", 1.70, 0.80),
    ("Credit control", 0.90, 0.74),
)
_CAPACITY_STEP_MINUTES = 1_000

_QUARTERLY_DRIVERS = ("visits", "calls", "complaints", "reminders")
_ORDER_DRIVERS = ("manual_orders", "rush")
_ORDER_DRIVERS_TEXT = pd.array(list(_ORDER_DRIVERS), dtype="str")

_TRANSACTION_COLUMNS = [
    "date", "customer_id", "order_id", "product_id", "quantity", "gross_revenue", "discount",
    "rebate", "net_revenue", "cogs", "returned", "written_off", "paid_on",
]
_USAGE_COLUMNS = ["customer_id", "driver", "quantity", "period", "order_id"]


# --------------------------------------------------------------------------------------
# argument checks


def _check_count(argument: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ArgumentError(argument, value, f"a whole number of at least {minimum}")
    return int(value)


def _check_start(start: object) -> np.datetime64:
    try:
        stamp = pd.Timestamp(start)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ArgumentError("start", start, "a date such as '2024-01-01'") from None
    if pd.isna(stamp) or stamp != stamp.normalize() or stamp.day != 1 or stamp.month % 3 != 1:
        raise ArgumentError("start", start, "the first day of a calendar quarter, e.g. '2024-01-01'")
    return np.datetime64(stamp.date(), "D")


# --------------------------------------------------------------------------------------
# the plan: everything decided per customer, shared by all blocks


@dataclass(frozen=True)
class _Calendar:
    business_days: np.ndarray  # datetime64[D], every weekday of the window
    quarter_lo: np.ndarray  # index of each quarter's first business day
    quarter_hi: np.ndarray  # one past each quarter's last business day
    labels: pd.api.extensions.ExtensionArray  # "2024Q1", ...
    start: np.datetime64
    end: np.datetime64  # last calendar day of the window


def _calendar(start: np.datetime64, quarters: int) -> _Calendar:
    month0 = start.astype("datetime64[M]")
    bounds = (month0 + 3 * np.arange(quarters + 1)).astype("datetime64[D]")
    days = np.arange(bounds[0], bounds[-1], dtype="datetime64[D]")
    # Weekdays, without the holidays on which the whole of the region's trade stops.
    first_year, last_year = days[[0, -1]].astype("datetime64[Y]").astype(np.int64)
    new_years_days = np.arange(first_year, last_year + 2).astype("datetime64[Y]").astype("datetime64[D]")
    holidays = (new_years_days[:, None] + _HOLIDAY_OFFSETS_DAYS[None, :]).ravel()
    business_days = days[np.is_busday(days, holidays=holidays)]
    years = month0.astype(int) // 12 + 1970 + (month0.astype(int) % 12 + 3 * np.arange(quarters)) // 12
    quarter_of_year = (month0.astype(int) % 12 // 3 + np.arange(quarters)) % 4 + 1
    labels = np.strings.add(np.strings.add(years.astype(str), "Q"), quarter_of_year.astype(str))
    return _Calendar(
        business_days=business_days,
        quarter_lo=np.searchsorted(business_days, bounds[:-1]),
        quarter_hi=np.searchsorted(business_days, bounds[1:]),
        labels=pd.array(labels, dtype="str"),
        start=bounds[0],
        end=bounds[-1] - np.timedelta64(1, "D"),
    )


@dataclass(frozen=True)
class _CustomerPlan:
    """Customer attributes and behaviour; index = position of the customer id."""

    calendar: _Calendar
    customers: pd.DataFrame
    ids: pd.api.extensions.ExtensionArray
    log_size: np.ndarray
    segment: np.ndarray
    channel: np.ndarray
    activity: np.ndarray  # (customer, quarter) relative buying intensity, 0 before acquisition
    eligible: np.ndarray  # (customer, quarter) share of the quarter after acquisition
    first_day: np.ndarray  # first business-day index on which the customer may order
    lines_per_order: np.ndarray
    quantity_mean: np.ndarray
    discount_share: np.ndarray
    discount_depth: np.ndarray
    rebate_rate: np.ndarray
    return_rate: np.ndarray  # (customer, quarter)
    rush_rate: np.ndarray  # (customer, quarter)
    manual_rate: np.ndarray
    write_off_rate: np.ndarray  # (customer, quarter), per order
    payment_days: np.ndarray
    late_payer: np.ndarray
    service_intensity: np.ndarray
    demanding: np.ndarray
    declining: np.ndarray
    bad_debt: np.ndarray


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _text(
    labels: Sequence[str] | np.ndarray | pd.api.extensions.ExtensionArray, codes: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """Text column ``labels[codes]`` built from the distinct labels (fast for millions of rows)."""
    if not isinstance(labels, pd.api.extensions.ExtensionArray):
        labels = pd.array(np.asarray(labels), dtype="str")
    return labels.take(np.asarray(codes, dtype=np.int64))


def _pick(rng: np.random.Generator, candidates: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask of ``count`` customers drawn without replacement from a mask."""
    positions = np.flatnonzero(candidates)
    chosen = np.zeros(candidates.shape, dtype=bool)
    chosen[positions[rng.permutation(positions.size)[: min(count, positions.size)]]] = True
    return chosen


def _categorical(probabilities: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Row-wise inverse-CDF draw: the category of each row's uniform."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    return (uniforms[:, None] >= cumulative).sum(axis=1)


def _last_quarters(quarters: int, factors: Sequence[float]) -> np.ndarray:
    """Per-quarter multipliers: ``factors`` applied to the last quarters, 1 elsewhere."""
    out = np.ones(quarters)
    tail = np.asarray(factors, dtype=float)[-quarters:]
    out[quarters - tail.size :] = tail
    return out


def _company_names(rng: np.random.Generator, n_customers: int) -> np.ndarray:
    sizes = (len(_NAME_STEMS), len(_NAME_TRADES), len(_NAME_FORMS))
    space = sizes[0] * sizes[1] * sizes[2]
    code = rng.choice(space, size=n_customers, replace=n_customers > space)
    stem, rest = np.divmod(code, sizes[1] * sizes[2])
    trade, form = np.divmod(rest, sizes[2])
    names = np.strings.add(np.array(_NAME_STEMS)[stem], " ")
    names = np.strings.add(np.strings.add(names, np.array(_NAME_TRADES)[trade]), " ")
    return np.strings.add(names, np.array(_NAME_FORMS)[form])


def _customer_plan(n_customers: int, seed: int, start: np.datetime64, quarters: int) -> _CustomerPlan:
    rng = _rng(seed, _STREAM_CUSTOMERS)
    n = n_customers
    cal = _calendar(start, quarters)
    n_days = cal.business_days.size

    # Size, acquisition and the chronological customer numbering.
    log_size = rng.normal(0.0, 1.6, n)
    is_new = _pick(rng, np.ones(n, dtype=bool), round(0.10 * n))
    log_size = np.where(is_new, log_size + np.log(0.3), log_size)
    days_back = 1 + np.floor(18 * 365 * rng.random(n) ** 1.5).astype(np.int64)
    acquired_before = np.busday_offset(cal.start - days_back, 0, roll="backward")
    new_day = rng.integers(0, max(1, n_days - 60), n)
    acquired = np.where(is_new, cal.business_days[np.minimum(new_day, n_days - 1)], acquired_before)
    chronological = np.argsort(acquired, kind="stable")
    log_size, is_new, acquired, new_day = (
        log_size[chronological], is_new[chronological], acquired[chronological], new_day[chronological]
    )
    first_day = np.where(is_new, new_day, 0)
    width = max(4, len(str(n)))
    ids = np.strings.add("C", np.strings.zfill(np.arange(1, n + 1).astype(str), width))

    size_rank = np.empty(n, dtype=np.int64)
    size_rank[np.argsort(-log_size, kind="stable")] = np.arange(n)
    size_quantile = size_rank / n

    # Segment from a noisy size ranking, channel from the segment.
    noisy = log_size + rng.normal(0.0, 0.6, n)
    noisy_rank = np.empty(n, dtype=np.int64)
    noisy_rank[np.argsort(-noisy, kind="stable")] = np.arange(n)
    segment = np.searchsorted(np.array([0.05, 0.30, 0.70]), noisy_rank / n, side="right")
    channel = _categorical(_CHANNEL_GIVEN_SEGMENT[segment], rng.random(n))
    region = rng.integers(0, REGIONS.size, n)
    names = _company_names(rng, n)

    # The groups that make the story.
    old = ~is_new
    demanding = _pick(
        rng, old & (size_rank >= 1) & (size_rank < max(2, int(np.ceil(0.05 * n)))), round(0.02 * n)
    )
    declining = _pick(
        rng, old & ~demanding & (size_quantile >= 0.05) & (size_quantile < 0.5), round(0.05 * n)
    )
    bad_debt = _pick(
        rng,
        old & ~demanding & ~declining & (size_quantile >= 0.10) & (size_quantile < 0.70),
        round(0.02 * n),
    )
    discount_dependent = ~demanding & (rng.random(n) < 0.15)
    channel = np.where(demanding, _FIELD, channel)

    # Buying intensity per quarter.
    q = np.arange(quarters)
    month0 = cal.start.astype("datetime64[M]").astype(int)
    seasonality = _SEASONALITY[(month0 % 12 // 3 + q) % 4]
    growth = rng.normal(0.0, 0.04, n)
    lo = np.maximum(cal.quarter_lo[None, :], first_day[:, None])
    eligible = np.clip((cal.quarter_hi - lo) / (cal.quarter_hi - cal.quarter_lo), 0.0, 1.0)
    late = q >= quarters - 2
    decline = np.where(declining[:, None], _last_quarters(quarters, (0.75, 0.4, 0.3))[None, :], 1.0)
    activity = seasonality[None, :] * np.exp(growth[:, None] * q[None, :]) * eligible * decline

    # Ordering behaviour.
    size_relative = np.exp(log_size - np.median(log_size))
    lines_per_order = np.array([9.0, 7.0, 4.0, 2.5])[segment] * np.exp(rng.normal(0.0, 0.3, n))
    lines_per_order = np.clip(np.where(demanding, 1.8, lines_per_order), 1.0, 12.0)
    quantity_mean = np.clip(3.0 * size_relative**0.25, 0.5, 30.0)

    discount_share = np.clip(np.array([0.6, 0.4, 0.2, 0.1])[segment] * rng.uniform(0.5, 1.5, n), 0, 1)
    discount_depth = rng.uniform(0.02, 0.08, n)
    dependent_depth = rng.uniform(0.10, 0.18, n)
    demanding_depth = rng.uniform(0.12, 0.18, n)
    discount_share = np.select([demanding, discount_dependent], [0.97, 0.90], discount_share)
    discount_depth = np.select(
        [demanding, discount_dependent], [demanding_depth, dependent_depth], discount_depth
    )

    rebate_draw = rng.random(n)
    rebate_rate = np.select(
        [demanding, segment == _KEY, (segment == _WHOLESALE) & (rebate_draw < 0.5)],
        [0.03, 0.02 + 0.005 * np.floor(rebate_draw * 3), 0.01 + 0.005 * np.floor(rebate_draw * 6)],
        0.0,
    )
    rebate_rate = np.round(rebate_rate, 3)

    base_returns = np.clip(0.012 * np.exp(rng.normal(0.0, 0.5, n)), 0.002, 0.05)
    return_rate = np.where(demanding, 0.07, base_returns)[:, None] * np.ones(quarters)
    return_rate = np.where(declining[:, None] & late[None, :], 0.06, return_rate)
    base_rush = np.clip(0.04 * np.exp(rng.normal(0.0, 0.6, n)), 0.0, 0.25)
    rush_rate = np.where(demanding, 0.30, base_rush)[:, None] * np.ones(quarters)
    rush_rate = np.where(declining[:, None] & late[None, :], 0.35, rush_rate)
    manual_rate = np.where(demanding, 0.85, np.array([0.35, 0.75, 0.03])[channel])
    write_off_rate = np.where(
        bad_debt[:, None], _last_quarters(quarters, (0.15, 0.35, 0.5))[None, :] * (q >= quarters - 3), 0.0
    )

    terms = _categorical(_TERMS_GIVEN_SEGMENT[segment], rng.random(n))
    payment_days = np.where(demanding, 90, _PAYMENT_TERMS_DAYS[terms])
    late_payer = bad_debt | (rng.random(n) < 0.15)
    commission_steps = rng.integers(0, 5, n)
    commission_rate = np.round(
        np.select(
            [channel == _FIELD, channel == _INSIDE],
            [0.03 + 0.005 * commission_steps, 0.01 + 0.005 * (commission_steps % 3)],
            0.005 * (commission_steps % 2),
        ),
        3,
    )
    service_intensity = np.exp(rng.normal(0.0, 0.4, n))

    # Acquisition cost of the customers won inside the window; referrals.
    acquisition_cost = np.where(is_new, 500.0 + 10.0 * rng.integers(0, 751, n), np.nan)
    earlier = np.searchsorted(acquired, acquired, side="left")  # customers acquired strictly before
    referral_weight = np.where(earlier > 0, np.where(is_new, 5.0, 1.0), 0.0)
    n_referred = min(round(0.08 * n), int(np.count_nonzero(earlier)))
    referred = np.zeros(n, dtype=bool)
    if n_referred:
        chosen = rng.choice(n, size=n_referred, replace=False, p=referral_weight / referral_weight.sum())
        referred[chosen] = True
    referrer = np.floor(rng.random(n) * earlier).astype(np.int64)
    referred_by = pd.array(np.where(referred, ids[referrer], ""), dtype="str")
    referred_by[~referred] = pd.NA

    customers = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="str"),
            "name": pd.array(names, dtype="str"),
            "segment": pd.array(SEGMENTS[segment], dtype="str"),
            "channel": pd.array(CHANNELS[channel], dtype="str"),
            "region": pd.array(REGIONS[region], dtype="str"),
            "acquired_on": pd.to_datetime(acquired.astype("datetime64[s]")),
            "acquisition_cost": acquisition_cost,
            "referred_by": referred_by,
            "payment_days": payment_days.astype(np.int64),
            "commission_rate": commission_rate,
        }
    )
    return _CustomerPlan(
        calendar=cal,
        customers=customers,
        ids=customers["customer_id"].array,
        log_size=log_size,
        segment=segment,
        channel=channel,
        activity=activity,
        eligible=eligible,
        first_day=first_day,
        lines_per_order=lines_per_order,
        quantity_mean=quantity_mean,
        discount_share=discount_share,
        discount_depth=discount_depth,
        rebate_rate=rebate_rate,
        return_rate=return_rate,
        rush_rate=rush_rate,
        manual_rate=manual_rate,
        write_off_rate=write_off_rate,
        payment_days=payment_days,
        late_payer=late_payer,
        service_intensity=service_intensity,
        demanding=demanding,
        declining=declining,
        bad_debt=bad_debt,
    )


@dataclass(frozen=True)
class _Catalogue:
    ids: pd.api.extensions.ExtensionArray
    price_cents: np.ndarray
    cost_cents: np.ndarray
    cumulative_popularity: np.ndarray


def _catalogue(seed: int) -> _Catalogue:
    rng = _rng(seed, _STREAM_CATALOGUE)
    price = np.exp(rng.normal(0.0, 0.9, _N_PRODUCTS))
    margin = 0.08 + 0.42 * rng.beta(2.0, 3.0, _N_PRODUCTS)
    popularity = 1.0 / (1.0 + rng.permutation(_N_PRODUCTS)) ** 0.9
    # A few products dominate the sales: pin the sales-weighted list price and margin so
    # that the distributor's economics do not swing with the seed.
    price = _MEAN_LIST_PRICE_EUR * price * popularity.sum() / (popularity * price).sum()
    revenue_weight = popularity * price
    margin = np.clip(margin + _MEAN_LIST_MARGIN - (revenue_weight * margin).sum() / revenue_weight.sum(),
                     0.04, 0.60)
    price = np.maximum(50, np.rint(100 * price))
    cost = np.rint(price * (1.0 - margin))
    ids = np.strings.add("P", np.strings.zfill(np.arange(1, _N_PRODUCTS + 1).astype(str), 3))
    cumulative = np.cumsum(popularity)
    return _Catalogue(
        pd.array(ids, dtype="str"), price.astype(np.int64), cost.astype(np.int64), cumulative / cumulative[-1]
    )


@dataclass(frozen=True)
class _Plan:
    seed: int
    n_lines: int
    customers: _CustomerPlan
    catalogue: _Catalogue
    line_counts: np.ndarray  # (customer, quarter)
    segment_end: np.ndarray  # cumulative line counts, quarter-major
    order_number_width: int

    @property
    def n_blocks(self) -> int:
        return -(-self.n_lines // BLOCK_LINES)


def _plan(n_customers: object, n_lines: object, seed: object, start: object, quarters: object) -> _Plan:
    n_customers = _check_count("n_customers", n_customers, 1)
    n_lines = _check_count("n_lines", n_lines, 1)
    if n_lines < n_customers:
        raise ArgumentError("n_lines", n_lines, f"at least n_customers ({n_customers})")
    seed = _check_count("seed", seed, 0)
    quarters = _check_count("quarters", quarters, 1)
    first = _check_start(start)
    customers = _customer_plan(n_customers, seed, first, quarters)

    rng = _rng(seed, _STREAM_LINE_COUNTS)
    weight = np.exp(0.85 * customers.log_size)[:, None] * customers.activity
    probabilities = (weight / weight.sum()).ravel()
    counts = rng.multinomial(n_lines - n_customers, probabilities).reshape(weight.shape)
    counts[np.arange(n_customers), np.argmax(customers.activity, axis=1)] += 1
    segment_end = np.cumsum(counts.T.ravel())
    n_blocks = -(-n_lines // BLOCK_LINES)
    width = max(6, len(str(n_blocks * BLOCK_LINES)))
    return _Plan(seed, n_lines, customers, _catalogue(seed), counts, segment_end, width)


# --------------------------------------------------------------------------------------
# blocks of invoice lines


@dataclass(frozen=True)
class _Block:
    transactions: pd.DataFrame
    order_usage: pd.DataFrame
    order_usage_line: np.ndarray  # position (within the block) of each usage row's order's first line
    n_orders: int


def _block(plan: _Plan, block: int) -> _Block:
    cp, cal, cat = plan.customers, plan.customers.calendar, plan.catalogue
    n_customers = cp.ids.size
    lo = block * BLOCK_LINES
    hi = min(lo + BLOCK_LINES, plan.n_lines)
    m = hi - lo
    rng = _rng(plan.seed, _STREAM_BLOCK, block)

    seg = np.searchsorted(plan.segment_end, np.arange(lo, hi), side="right")
    quarter, cust = np.divmod(seg, n_customers)
    u = rng.random((5, m))
    quantity = 1 + rng.poisson(cp.quantity_mean[cust])

    # Orders: a new order starts at a segment change, at random, and after 20 lines.
    new = u[0] < 1.0 / cp.lines_per_order[cust]
    new[0] = True
    new[1:] |= seg[1:] != seg[:-1]
    order_of_line = np.cumsum(new) - 1
    position = np.arange(m) - np.flatnonzero(new)[order_of_line]
    new |= position % _MAX_ORDER_LINES == 0
    order_of_line = np.cumsum(new) - 1
    first_line = np.flatnonzero(new)
    n_orders = first_line.size
    o_cust, o_quarter = cust[first_line], quarter[first_line]

    v = rng.random((5, n_orders))
    day_lo = np.maximum(cal.quarter_lo[o_quarter], cp.first_day[o_cust])
    day_hi = cal.quarter_hi[o_quarter]
    day = day_lo + np.floor(v[0] * (day_hi - day_lo)).astype(np.int64)
    o_date = cal.business_days[day]
    rush = v[1] < cp.rush_rate[o_cust, o_quarter]
    manual = v[2] < cp.manual_rate[o_cust]
    written_off_order = v[3] < cp.write_off_rate[o_cust, o_quarter]
    delay = np.where(
        cp.late_payer[o_cust],
        np.floor(-20.0 * np.log1p(-v[4])),
        np.floor(9.0 * v[4]) - 3.0,
    ).astype(np.int64)
    paid = o_date + np.maximum(cp.payment_days[o_cust] + delay, 1).astype("timedelta64[D]")
    unpaid = written_off_order | (paid > cal.end)
    paid = np.where(unpaid, np.datetime64("NaT"), paid)

    # Order numbers follow the date inside the block.
    date_order = np.lexsort((np.arange(n_orders), o_cust, day))
    order_rank = np.empty(n_orders, dtype=np.int64)
    order_rank[date_order] = np.arange(n_orders)
    number = block * BLOCK_LINES + order_rank + 1
    order_ids = np.strings.add("SO", np.strings.zfill(number.astype(str), plan.order_number_width))

    # Lines.
    product = np.minimum(np.searchsorted(cat.cumulative_popularity, u[1], side="right"), _N_PRODUCTS - 1)
    gross = quantity * cat.price_cents[product]
    cogs = quantity * cat.cost_cents[product]
    discount = np.where(
        u[2] < cp.discount_share[cust],
        np.rint(gross * cp.discount_depth[cust] * (0.8 + 0.4 * u[3])).astype(np.int64),
        0,
    )
    rebate = np.rint(gross * cp.rebate_rate[cust]).astype(np.int64)
    net = gross - discount - rebate
    returned = u[4] < cp.return_rate[cust, quarter]
    written_off = np.where(written_off_order[order_of_line], net, 0)

    line_sort = np.argsort(order_rank[order_of_line], kind="stable")
    lo_ = order_of_line[line_sort]
    transactions = pd.DataFrame(
        {
            "date": pd.to_datetime(o_date[lo_].astype("datetime64[s]")),
            "customer_id": _text(cp.ids, cust[line_sort]),
            "order_id": _text(order_ids, lo_),
            "product_id": _text(cat.ids, product[line_sort]),
            "quantity": quantity[line_sort].astype(np.int64),
            "gross_revenue": gross[line_sort] / 100.0,
            "discount": discount[line_sort] / 100.0,
            "rebate": rebate[line_sort] / 100.0,
            "net_revenue": net[line_sort] / 100.0,
            "cogs": cogs[line_sort] / 100.0,
            "returned": returned[line_sort],
            "written_off": written_off[line_sort] / 100.0,
            "paid_on": pd.to_datetime(paid[lo_].astype("datetime64[s]")),
        }
    )

    # Per-order usage rows: rush orders and manually entered orders.
    first_sorted = np.empty(n_orders, dtype=np.int64)
    first_sorted[order_of_line[line_sort][::-1]] = np.arange(m)[::-1]  # first position of each order
    flags = np.stack([manual, rush])  # in the order of _ORDER_DRIVERS
    driver_index, orders = np.nonzero(flags)
    row_order = np.lexsort((driver_index, order_rank[orders]))
    driver_index, orders = driver_index[row_order], orders[row_order]
    order_usage = pd.DataFrame(
        {
            "customer_id": _text(cp.ids, o_cust[orders]),
            "driver": _text(_ORDER_DRIVERS_TEXT, driver_index),
            "quantity": np.ones(orders.size, dtype=np.int64),
            "period": _text(cal.labels, o_quarter[orders]),
            "order_id": _text(order_ids, orders),
        }
    )
    return _Block(transactions, order_usage, first_sorted[orders], n_orders)


def _iter_blocks(plan: _Plan, chunk_lines: int) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Yield ``(transactions, order usage)`` chunks of ``chunk_lines`` lines (the last may be shorter)."""
    pending: list[pd.DataFrame] = []
    pending_usage: list[pd.DataFrame] = []
    pending_lines = 0
    for b in range(plan.n_blocks):
        blk = _block(plan, b)
        lines, usage, usage_line = blk.transactions, blk.order_usage, blk.order_usage_line
        offset = 0
        while offset < len(lines):
            take = min(chunk_lines - pending_lines, len(lines) - offset)
            pending.append(lines.iloc[offset : offset + take])
            in_range = (usage_line >= offset) & (usage_line < offset + take)
            pending_usage.append(usage[in_range])
            pending_lines += take
            offset += take
            if pending_lines == chunk_lines:
                yield _concat(pending, _TRANSACTION_COLUMNS), _concat(pending_usage, _USAGE_COLUMNS)
                pending, pending_usage, pending_lines = [], [], 0
    if pending_lines:
        yield _concat(pending, _TRANSACTION_COLUMNS), _concat(pending_usage, _USAGE_COLUMNS)


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    return out[columns]


# --------------------------------------------------------------------------------------
# customer-level usage, activities, resources, parameters


def _quarterly_usage(plan: _Plan) -> pd.DataFrame:
    cp = plan.customers
    n, quarters = cp.activity.shape
    rng = _rng(plan.seed, _STREAM_USAGE)
    late = (np.arange(quarters) >= quarters - 2)[None, :]
    declining = cp.declining[:, None] & late
    svc = cp.service_intensity[:, None]
    orders = plan.line_counts / cp.lines_per_order[:, None]
    # Sparser data (fewer lines per customer than the demo) means smaller customers, who
    # get proportionally fewer visits and calls.
    density = min(1.0, plan.n_lines / n / (DEMO_LINES / DEMO_CUSTOMERS))
    eligible = cp.eligible * density

    visits = _VISITS_PER_QUARTER[cp.channel, cp.segment][:, None] * svc * eligible
    visits = np.where(cp.demanding[:, None], 10.0 * eligible, visits)
    visits = np.where(declining, 1.8 * visits, visits)
    calls = svc * (0.5 * np.array([3.0, 5.0, 1.0])[cp.channel][:, None] * eligible + 0.25 * orders)
    calls = np.where(cp.demanding[:, None] | declining, 3.0 * calls, calls)
    complaints = svc * (0.05 * eligible + 0.02 * orders)
    complaints = complaints + 2.0 * cp.demanding[:, None] * eligible + 1.5 * declining * density
    reminders = np.where(cp.late_payer[:, None], 1.0 * eligible + 0.05 * orders, 0.15 * eligible)
    bad_debt_ramp = _last_quarters(quarters, (1.0, 2.5, 4.0))[None, :] * (np.arange(quarters) >= quarters - 3)
    reminders = reminders + np.where(cp.bad_debt[:, None], bad_debt_ramp, 0.0)

    means = np.stack([visits, calls, complaints, reminders])  # (driver, customer, quarter)
    counts = rng.poisson(means)
    # Rows by period, then customer, then driver.
    quarter, customer, driver = np.nonzero(counts.transpose(2, 1, 0) > 0)
    quantity = counts[driver, customer, quarter]
    return pd.DataFrame(
        {
            "customer_id": _text(cp.ids, customer),
            "driver": _text(_QUARTERLY_DRIVERS, driver),
            "quantity": quantity.astype(np.int64),
            "period": _text(cp.calendar.labels, quarter),
            "order_id": pd.Series(pd.NA, index=range(quantity.size), dtype="str").array,
        }
    )


def _time_equation(spec: _ActivitySpec) -> str:
    (_, constant), *terms = spec.minutes
    return " + ".join([f"{constant:g}", *(f"{minutes:g}*{driver}" for driver, minutes in terms)])


def _activities_and_resources(volumes: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    used = dict.fromkeys((name for name, _, _ in _RESOURCES), 0.0)
    for spec in _ACTIVITIES:
        if spec.resource is None:
            cost = max(100.0, 100.0 * np.rint(volumes[spec.driver] * (spec.cost_per_unit_eur or 0.0) / 100))
            rows.append((spec.activity, spec.driver, cost, None, np.nan, None, spec.level))
            continue
        used[spec.resource] += sum(minutes * volumes[driver] for driver, minutes in spec.minutes)
        if len(spec.minutes) > 1:
            rows.append((spec.activity, spec.driver, np.nan, spec.resource, np.nan, _time_equation(spec),
                         spec.level))
        else:
            rows.append((spec.activity, spec.driver, np.nan, spec.resource, spec.minutes[0][1], None,
                         spec.level))
    activities = pd.DataFrame(
        rows, columns=["activity", "driver", "cost", "resource", "unit_time", "time_equation", "level"]
    )
    for column in ("activity", "driver", "resource", "time_equation", "level"):
        activities[column] = activities[column].astype("str")

    names = [name for name, _, _ in _RESOURCES]
    rate = np.array([r for _, r, _ in _RESOURCES])
    target = np.array([t for _, _, t in _RESOURCES])
    minutes = np.array([used[name] for name in names])
    capacity = _CAPACITY_STEP_MINUTES * np.maximum(1, np.ceil(minutes / target / _CAPACITY_STEP_MINUTES))
    resources = pd.DataFrame(
        {
            "resource": pd.array(names, dtype="str"),
            "cost": np.rint(capacity * rate / 100.0) * 100.0,
            "capacity": capacity.astype(np.int64),
        }
    )
    return activities, resources


def _parameters(calendar: _Calendar) -> pd.DataFrame:
    rows = [
        ("period_start", str(calendar.start)),
        ("period_end", str(calendar.end)),
        ("periods_per_year", str(_PERIODS_PER_YEAR)),
        ("discount_rate", "0.10"),
        ("cost_of_capital", "0.08"),
        ("commission_rate", "0.02"),
        ("payment_days", "30"),
        ("currency", "EUR"),
    ]
    return pd.DataFrame(rows, columns=["name", "value"]).astype("str")


# --------------------------------------------------------------------------------------
# public API


def customers_table(
    n_customers: int, *, seed: int = DEFAULT_SEED, start: str | date = "2024-01-01", quarters: int = 8
) -> pd.DataFrame:
    """Return the ``customers`` table alone.

    It is the same table as ``generate(n_customers, n_lines, ...)["customers"]`` for any
    ``n_lines``: the customers do not depend on the number of invoice lines.

    Parameters
    ----------
    n_customers : int
        Number of customers, at least 1.
    seed : int
        Non-negative seed; the same seed gives the same table on every machine.
    start : str or datetime.date
        First day of the analysis window; must start a calendar quarter.
    quarters : int
        Length of the analysis window in quarters.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, name, segment, channel, region, acquired_on, acquisition_cost,
        referred_by, payment_days, commission_rate``; customers are numbered in the
        order they were acquired.
    """
    n_customers = _check_count("n_customers", n_customers, 1)
    return _customer_plan(
        n_customers, _check_count("seed", seed, 0), _check_start(start), _check_count("quarters", quarters, 1)
    ).customers


def iter_chunks(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = DEFAULT_SEED,
    chunk_lines: int = 1_000_000,
    start: str | date = "2024-01-01",
    quarters: int = 8,
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the invoice lines and their per-order usage rows chunk by chunk.

    Parameters
    ----------
    n_customers, n_lines, seed, start, quarters
        As for :func:`generate`.
    chunk_lines : int
        Invoice lines per chunk; the last chunk holds the remainder.

    Yields
    ------
    dict[str, pandas.DataFrame]
        ``{"transactions": ..., "usage": ...}``: ``chunk_lines`` consecutive rows of
        ``generate(...)["transactions"]`` and the ``rush`` / ``manual_orders`` usage rows
        of the orders whose first line lies in the chunk. Memory stays bounded by the
        chunk size, whatever ``n_lines``.
    """
    chunk_lines = _check_count("chunk_lines", chunk_lines, 1)
    plan = _plan(n_customers, n_lines, seed, start, quarters)
    for transactions, usage in _iter_blocks(plan, chunk_lines):
        yield {"transactions": transactions, "usage": usage}


def iter_transaction_chunks(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = DEFAULT_SEED,
    chunk_lines: int = 1_000_000,
    start: str | date = "2024-01-01",
    quarters: int = 8,
) -> Iterator[pd.DataFrame]:
    """Yield the ``transactions`` table chunk by chunk.

    Parameters
    ----------
    n_customers, n_lines, seed, start, quarters
        As for :func:`generate`; the customers are those of :func:`customers_table`.
    chunk_lines : int
        Invoice lines per chunk; the last chunk holds the remainder.

    Yields
    ------
    pandas.DataFrame
        Consecutive slices of ``generate(...)["transactions"]``; their concatenation
        equals it exactly. Each underlying block of :data:`BLOCK_LINES` lines has its own
        random stream, so no chunk depends on the random numbers of another.
    """
    for chunk in iter_chunks(
        n_customers, n_lines, seed=seed, chunk_lines=chunk_lines, start=start, quarters=quarters
    ):
        yield chunk["transactions"]


def generate(
    n_customers: int,
    n_lines: int,
    *,
    seed: int = DEFAULT_SEED,
    start: str | date = "2024-01-01",
    quarters: int = 8,
) -> dict[str, pd.DataFrame]:
    """Generate the input tables of a synthetic B2B distributor.

    Parameters
    ----------
    n_customers : int
        Number of customers, at least 1.
    n_lines : int
        Number of invoice lines, at least ``n_customers`` (every customer buys).
    seed : int
        Non-negative seed; the same arguments give identical tables on every machine
        with the same numpy version.
    start : str or datetime.date
        First day of the analysis window; must start a calendar quarter.
    quarters : int
        Length of the window in quarters; invoice dates are business days in it.

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``customers, transactions, activities, resources, usage, parameters`` with the
        columns of DESIGN section 3. Money is in EUR with two decimals and on every
        invoice line ``gross_revenue - discount - rebate == net_revenue`` to the cent.
        ``returned`` marks lines whose goods came back (it drives returns processing;
        the amounts stay as invoiced). ``written_off`` is the bad debt of a line;
        ``paid_on`` is empty for written-off lines and for lines still open at the end
        of the window. Resource capacities (minutes) are set so that every resource is
        used at 70-97 % of its practical capacity.

    Raises
    ------
    ArgumentError
        If a count is not a whole number in range or ``start`` does not start a quarter.
    """
    plan = _plan(n_customers, n_lines, seed, start, quarters)
    lines: list[pd.DataFrame] = []
    order_usage: list[pd.DataFrame] = []
    for transactions, usage in _iter_blocks(plan, BLOCK_LINES):
        lines.append(transactions)
        order_usage.append(usage)
    transactions = _concat(lines, _TRANSACTION_COLUMNS)
    quarterly = _quarterly_usage(plan)
    usage = _concat([quarterly, *order_usage], _USAGE_COLUMNS)

    volumes = {
        "orders": float(transactions["order_id"].nunique()),
        "lines": float(len(transactions)),
        "units": float(transactions["quantity"].sum()),
        "returns": float(transactions["returned"].sum()),
        "revenue": float(transactions["net_revenue"].sum()),
    }
    by_driver = usage.groupby("driver", sort=True)["quantity"].sum()
    for driver in (*_QUARTERLY_DRIVERS, *_ORDER_DRIVERS):
        volumes[driver] = float(by_driver.get(driver, 0))
    activities, resources = _activities_and_resources(volumes)
    return {
        "customers": plan.customers.customers.copy(),
        "transactions": transactions,
        "activities": activities,
        "resources": resources,
        "usage": usage,
        "parameters": _parameters(plan.customers.calendar),
    }


# --------------------------------------------------------------------------------------
# files


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


if __name__ == "__main__":
    raise SystemExit(main())
