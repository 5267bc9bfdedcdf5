"""The customers of the synthetic distributor: the calendar, who they are and how they behave.

:func:`customer_plan` decides everything per customer, once, from the customers' own random
stream: size, acquisition, segment, channel, region and name, the groups that make the story
(demanding, declining and bad-debt customers), the buying intensity per quarter and the
ordering, discount, return, rush, payment and service behaviour that the invoice lines
(:mod:`.lines`) and the service usage (:mod:`.usage`) draw from. :func:`customers_table` is
its ``customers`` table alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from xlprofit.data.synthetic.common import (
    DEFAULT_SEED,
    STREAM_CUSTOMERS,
    check_count,
    check_start,
    last_quarters,
    stream,
)

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


# --------------------------------------------------------------------------------------
# the calendar and the customer plan: everything decided per customer, shared by all blocks


@dataclass(frozen=True)
class Calendar:
    """The business days of the analysis window and its quarters."""

    business_days: np.ndarray  # datetime64[D], every weekday of the window
    quarter_lo: np.ndarray  # index of each quarter's first business day
    quarter_hi: np.ndarray  # one past each quarter's last business day
    labels: pd.api.extensions.ExtensionArray  # "2024Q1", ...
    start: np.datetime64
    end: np.datetime64  # last calendar day of the window


def business_calendar(start: np.datetime64, quarters: int) -> Calendar:
    """The calendar of ``quarters`` quarters from ``start``: weekdays without the trade's holidays."""
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
    return Calendar(
        business_days=business_days,
        quarter_lo=np.searchsorted(business_days, bounds[:-1]),
        quarter_hi=np.searchsorted(business_days, bounds[1:]),
        labels=pd.array(labels, dtype="str"),
        start=bounds[0],
        end=bounds[-1] - np.timedelta64(1, "D"),
    )


@dataclass(frozen=True)
class CustomerPlan:
    """Customer attributes and behaviour; index = position of the customer id."""

    calendar: Calendar
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


def _company_names(rng: np.random.Generator, n_customers: int) -> np.ndarray:
    sizes = (len(_NAME_STEMS), len(_NAME_TRADES), len(_NAME_FORMS))
    space = sizes[0] * sizes[1] * sizes[2]
    code = rng.choice(space, size=n_customers, replace=n_customers > space)
    stem, rest = np.divmod(code, sizes[1] * sizes[2])
    trade, form = np.divmod(rest, sizes[2])
    names = np.strings.add(np.array(_NAME_STEMS)[stem], " ")
    names = np.strings.add(np.strings.add(names, np.array(_NAME_TRADES)[trade]), " ")
    return np.strings.add(names, np.array(_NAME_FORMS)[form])


def customer_plan(n_customers: int, seed: int, start: np.datetime64, quarters: int) -> CustomerPlan:
    """Decide everything about ``n_customers`` customers from the customers' random stream."""
    rng = stream(seed, STREAM_CUSTOMERS)
    n = n_customers
    cal = business_calendar(start, quarters)
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
    decline = np.where(declining[:, None], last_quarters(quarters, (0.75, 0.4, 0.3))[None, :], 1.0)
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
        bad_debt[:, None], last_quarters(quarters, (0.15, 0.35, 0.5))[None, :] * (q >= quarters - 3), 0.0
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
    return CustomerPlan(
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
    n_customers = check_count("n_customers", n_customers, 1)
    return customer_plan(
        n_customers, check_count("seed", seed, 0), check_start(start), check_count("quarters", quarters, 1)
    ).customers
