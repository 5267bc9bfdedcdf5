"""The customers of the synthetic distributor: the calendar, who they are and how they behave.

:func:`customer_plan` decides everything per customer, once, from the customers' own random
stream: size, acquisition, segment, channel, region and name, the groups that make the story
(demanding customers, the planted truth: new, churned, turning and bad-debt customers, sale
buyers and referrers), the buying intensity per quarter and the ordering, discount, return,
rush, payment and service behaviour that the invoice lines (:mod:`.lines`) and the service
usage (:mod:`.usage`) draw from. :func:`customers_table` is its ``customers`` table alone and
:func:`truth_table` the truth it planted.
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

# The planted groups, as shares of the customers (a count is rounded; a group takes fewer
# when it has too few candidates).
NEW_SHARE = 0.12  # acquired inside the window
CHURN_SHARE = 0.20  # lost inside the window (from the customers acquired before it)
TURNING_SHARE = 0.10  # deteriorating in the last quarters
BAD_DEBT_SHARE_OF_TURNING = 1 / 3  # of the turning customers, those who also stop paying
SALE_BUYER_SHARE = 0.15
DEMANDING_SHARE = 0.02
REFERRED_SHARE = 0.08  # customers with a ``referred_by``
REFERRER_SHARE = 0.015  # planted referrers, each bringing in several customers
#: A sale purchase: a line whose discount is at least this share of its gross revenue.
#: Sale buyers buy most of their lines this way; nobody else ever does.
SALE_DEPTH = 0.20
# Acquisition cost of a typical new customer by channel (field, inside sales, Web/EDI).
_ACQUISITION_EUR = np.array([3_000.0, 1_000.0, 150.0])
# Mean yearly churn hazard of the customers (about a fifth lost in two years) and the
# longest relationship (the distributor's age).
_CHURN_HAZARD_PER_YEAR = 0.11
_MAX_AGE_YEARS = 30.0
# Churned customers stop between these fractions of the window's business days.
_CHURN_WINDOW = (0.08, 0.90)
# Relative intensity of the turning customers in the last quarters.
_TURNING_VOLUME = (0.7, 0.4, 0.25)
# Mean delay (days after the terms) of a late payer; of a turning customer in the last quarters.
_LATE_DELAY_DAYS = 20.0
_TURNING_DELAY_DAYS = (45.0, 75.0, 110.0)
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
    activity: np.ndarray  # (customer, quarter) relative buying intensity, 0 outside the life
    eligible: np.ndarray  # (customer, quarter) share of the quarter's business days in the life
    first_day: np.ndarray  # first business-day index on which the customer may order
    last_day: np.ndarray  # one past the last business-day index on which it may order
    lines_per_order: np.ndarray
    quantity_mean: np.ndarray
    discount_share: np.ndarray  # share of the lines sold with a discount
    discount_depth: np.ndarray  # mean discount of such a line, as a share of gross revenue
    discount_spread: np.ndarray  # a line's discount is the mean +- up to this
    rebate_rate: np.ndarray
    return_rate: np.ndarray  # (customer, quarter)
    rush_rate: np.ndarray  # (customer, quarter)
    manual_rate: np.ndarray
    write_off_rate: np.ndarray  # (customer, quarter), per order
    payment_days: np.ndarray
    late_payer: np.ndarray
    late_delay: np.ndarray  # (customer, quarter) mean days a late payer pays after the terms
    service_intensity: np.ndarray
    demanding: np.ndarray
    new: np.ndarray
    churned: np.ndarray
    turning: np.ndarray
    bad_debt: np.ndarray
    sale_buyer: np.ndarray
    referrer: np.ndarray


def _pick(rng: np.random.Generator, candidates: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask of ``count`` customers drawn without replacement from a mask."""
    positions = np.flatnonzero(candidates)
    chosen = np.zeros(candidates.shape, dtype=bool)
    chosen[positions[rng.permutation(positions.size)[: min(count, positions.size)]]] = True
    return chosen


def _weighted_pick(rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, count: int) -> np.ndarray:
    """Boolean mask of ``count`` candidates drawn without replacement with probability ~ ``weights``.

    Exponential keys (Efraimidis-Spirakis): the ``count`` smallest ``E / weight`` win.
    """
    draws = rng.exponential(size=candidates.size)
    keys = np.full(candidates.size, np.inf)
    keys[candidates] = draws[candidates] / weights[candidates]
    chosen = np.zeros(candidates.shape, dtype=bool)
    chosen[np.argsort(keys, kind="stable")[: min(count, int(np.count_nonzero(candidates)))]] = True
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


def _referrals(
    rng: np.random.Generator, acquired: np.ndarray, is_new: np.ndarray, referrer_pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Who referred whom: ``(referred_by position or -1, planted referrer mask)``.

    A few planted referrers (:data:`REFERRER_SHARE`) each bring in 3-6 customers acquired
    after all of them; the other referred customers (up to :data:`REFERRED_SHARE` in all)
    name any customer acquired before them. Customers won inside the window are the likelier
    to have been referred.
    """
    n = acquired.size
    earlier = np.searchsorted(acquired, acquired, side="left")  # customers acquired strictly before
    weight = np.where(is_new, 5.0, 1.0)
    referrer = _pick(rng, referrer_pool, round(REFERRER_SHARE * n))
    slots = np.repeat(np.flatnonzero(referrer), rng.integers(3, 7, n)[referrer])
    latest = acquired[referrer].max() if referrer.any() else acquired[0]
    planted = np.flatnonzero(_weighted_pick(rng, acquired > latest, weight, slots.size))
    slots = slots[rng.permutation(slots.size)][: planted.size]
    others = round(REFERRED_SHARE * n) - planted.size
    candidates = (earlier > 0) & ~np.isin(np.arange(n), planted)
    single = np.flatnonzero(_weighted_pick(rng, candidates, weight, max(0, others)))
    referred_by = np.full(n, -1, dtype=np.int64)
    referred_by[planted] = slots
    referred_by[single] = np.floor(rng.random(single.size) * earlier[single]).astype(np.int64)
    return referred_by, referrer


def customer_plan(n_customers: int, seed: int, start: np.datetime64, quarters: int) -> CustomerPlan:
    """Decide everything about ``n_customers`` customers from the customers' random stream."""
    rng = stream(seed, STREAM_CUSTOMERS)
    n = n_customers
    cal = business_calendar(start, quarters)
    n_days = cal.business_days.size

    # Size, acquisition and the chronological customer numbering.
    # Log-normal sizes without the far lower tail: a customer buys a few lines at least.
    log_size = np.maximum(rng.normal(0.0, 1.6, n), -3.2)
    is_new = _pick(rng, np.ones(n, dtype=bool), round(NEW_SHARE * n))
    log_size = np.where(is_new, log_size + np.log(0.3), log_size)
    # Every customer has a churn hazard (smaller customers leave sooner); those acquired
    # before the window are its survivors, so their ages are exponential at that hazard
    # (steady acquisition), and the window's churn is drawn at the same hazard.
    hazard = _CHURN_HAZARD_PER_YEAR * np.exp(-0.35 * log_size) / np.exp(0.5 * (0.35 * 1.6) ** 2)
    age_years = np.minimum(rng.exponential(1.0, n) / hazard, _MAX_AGE_YEARS)
    days_back = 1 + np.floor(365.25 * age_years).astype(np.int64)
    acquired_before = np.busday_offset(cal.start - days_back, 0, roll="backward")
    new_day = rng.integers(0, max(1, n_days - 60), n)
    acquired = np.where(is_new, cal.business_days[np.minimum(new_day, n_days - 1)], acquired_before)
    chronological = np.argsort(acquired, kind="stable")
    log_size, is_new, acquired, new_day, hazard = (
        log_size[chronological], is_new[chronological], acquired[chronological], new_day[chronological],
        hazard[chronological],
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

    # The groups that make the story, and the truth planted in the data.
    old = ~is_new
    demanding = _pick(
        rng, old & (size_rank >= 1) & (size_rank < max(2, int(np.ceil(0.05 * n)))), round(DEMANDING_SHARE * n)
    )
    turning = _pick(
        rng, old & ~demanding & (size_quantile >= 0.03) & (size_quantile < 0.40), round(TURNING_SHARE * n)
    )
    bad_debt = _pick(rng, turning, round(BAD_DEBT_SHARE_OF_TURNING * np.count_nonzero(turning)))
    sale_buyer = _pick(rng, ~demanding, round(SALE_BUYER_SHARE * n))
    # Lost inside the window at each customer's hazard, sale buyers more often; demanding and
    # turning customers stay (theirs is another story).
    window_years = n_days / 261.0
    churn_weight = -np.expm1(-hazard * window_years) * np.where(sale_buyer, 1.8, 1.0)
    churned = _weighted_pick(rng, old & ~demanding & ~turning, churn_weight, round(CHURN_SHARE * n))
    churn_day = np.floor(rng.uniform(*_CHURN_WINDOW, n) * n_days).astype(np.int64)
    last_day = np.where(churned, np.clip(churn_day, 1, n_days - 1), n_days)  # the churned are old
    channel = np.where(demanding, _FIELD, channel)

    # Buying intensity per quarter: a Poisson-like flow of lines while the customer is alive.
    q = np.arange(quarters)
    month0 = cal.start.astype("datetime64[M]").astype(int)
    seasonality = _SEASONALITY[(month0 % 12 // 3 + q) % 4]
    growth = rng.normal(0.0, 0.04, n)
    growth = np.where(turning, -np.abs(growth), growth)  # a turning customer was not growing either
    lo = np.maximum(cal.quarter_lo[None, :], first_day[:, None])
    hi = np.minimum(cal.quarter_hi[None, :], last_day[:, None])
    eligible = np.clip((hi - lo) / (cal.quarter_hi - cal.quarter_lo), 0.0, 1.0)
    late = q >= quarters - 2
    decline = np.where(turning[:, None], last_quarters(quarters, _TURNING_VOLUME)[None, :], 1.0)
    activity = seasonality[None, :] * np.exp(growth[:, None] * q[None, :]) * eligible * decline

    # Ordering behaviour.
    size_relative = np.exp(log_size - np.median(log_size))
    lines_per_order = np.array([9.0, 7.0, 4.0, 2.5])[segment] * np.exp(rng.normal(0.0, 0.3, n))
    lines_per_order = np.clip(np.where(demanding, 1.8, lines_per_order), 1.0, 12.0)
    quantity_mean = np.clip(3.0 * size_relative**0.25, 0.5, 30.0)

    # Discounts: regulars get small ones (2-5 % on average, never 10 %) on some lines;
    # demanding customers negotiated 12-15 % on nearly everything; sale buyers take most of
    # their lines on sale, at least SALE_DEPTH off (21-29 %), and the rest at full price.
    discount_share = np.clip(np.array([0.6, 0.4, 0.2, 0.1])[segment] * rng.uniform(0.5, 1.5, n), 0, 1)
    discount_depth = rng.uniform(0.02, 0.05, n)
    demanding_depth = rng.uniform(0.12, 0.15, n)
    sale_share = rng.uniform(0.80, 0.95, n)
    sale_depth = rng.uniform(0.23, 0.25, n)
    discount_share = np.select([demanding, sale_buyer], [0.97, sale_share], discount_share)
    discount_depth = np.select([demanding, sale_buyer], [demanding_depth, sale_depth], discount_depth)
    # 0.21 of at least 50 cents, rounded to the cent, is still at least SALE_DEPTH.
    discount_spread = np.where(sale_buyer, discount_depth - (SALE_DEPTH + 0.01), 0.2 * discount_depth)

    rebate_draw = rng.random(n)
    rebate_rate = np.select(
        [demanding, sale_buyer, segment == _KEY, (segment == _WHOLESALE) & (rebate_draw < 0.5)],
        [0.03, 0.0, 0.02 + 0.005 * np.floor(rebate_draw * 3), 0.01 + 0.005 * np.floor(rebate_draw * 6)],
        0.0,
    )
    rebate_rate = np.round(rebate_rate, 3)

    base_returns = np.clip(0.012 * np.exp(rng.normal(0.0, 0.5, n)), 0.002, 0.05)
    return_rate = np.where(demanding, 0.07, base_returns)[:, None] * np.ones(quarters)
    return_rate = np.where(turning[:, None] & late[None, :], 0.06, return_rate)
    base_rush = np.clip(0.04 * np.exp(rng.normal(0.0, 0.6, n)), 0.0, 0.25)
    rush_rate = np.where(demanding, 0.30, base_rush)[:, None] * np.ones(quarters)
    rush_rate = np.where(turning[:, None] & late[None, :], 0.35, rush_rate)
    manual_rate = np.where(demanding, 0.85, np.array([0.35, 0.75, 0.03])[channel])
    write_off_rate = np.where(
        bad_debt[:, None], last_quarters(quarters, (0.15, 0.35, 0.5))[None, :] * (q >= quarters - 3), 0.0
    )

    terms = _categorical(_TERMS_GIVEN_SEGMENT[segment], rng.random(n))
    payment_days = np.where(demanding, 90, _PAYMENT_TERMS_DAYS[terms])
    # Turning customers pay later and later: their last quarters' invoices are still open.
    late_payer = turning | (rng.random(n) < 0.15)
    turning_delay = np.where(q >= quarters - 3, last_quarters(quarters, _TURNING_DELAY_DAYS), _LATE_DELAY_DAYS)
    late_delay = np.where(turning[:, None], turning_delay[None, :], _LATE_DELAY_DAYS)
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

    # Acquisition cost of the customers won inside the window: what the channel spends on
    # winning an account, more for a larger one. Referrals: a few referrers (loyal early
    # customers) each brought in several customers.
    acquisition_draw = _ACQUISITION_EUR[channel] * np.exp(0.25 * (log_size - np.log(0.3))) * rng.uniform(0.7, 1.3, n)
    acquisition_cost = np.where(is_new, 10.0 * np.round(np.clip(acquisition_draw, 50.0, 8_000.0) / 10.0), np.nan)
    referrer_pool = old & ~churned & ~turning & ~sale_buyer & (np.arange(n) < n // 4)
    referred_by_position, referrer = _referrals(rng, acquired, is_new, referrer_pool)
    referred = referred_by_position >= 0
    referred_by = pd.array(np.where(referred, ids[np.maximum(referred_by_position, 0)], ""), dtype="str")
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
        last_day=last_day,
        lines_per_order=lines_per_order,
        quantity_mean=quantity_mean,
        discount_share=discount_share,
        discount_depth=discount_depth,
        discount_spread=discount_spread,
        rebate_rate=rebate_rate,
        return_rate=return_rate,
        rush_rate=rush_rate,
        manual_rate=manual_rate,
        write_off_rate=write_off_rate,
        payment_days=payment_days,
        late_payer=late_payer,
        late_delay=late_delay,
        service_intensity=service_intensity,
        demanding=demanding,
        new=is_new,
        churned=churned,
        turning=turning,
        bad_debt=bad_debt,
        sale_buyer=sale_buyer,
        referrer=referrer,
    )


def truth_table(plan: CustomerPlan) -> pd.DataFrame:
    """The truth planted in the customers of ``plan``, one row per customer.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` in the order of the ``customers`` table, with the
        boolean columns ``new`` (acquired inside the window: no line before ``acquired_on``),
        ``churned`` (lost inside the window: no line on or after ``churned_on``, no service
        usage after that quarter), ``turning`` (volume falling, service, returns and rush
        orders rising and invoices left unpaid from ``turning_from``), ``bad_debt`` (turning
        customers whose invoices are also written off), ``sale_buyer`` (most lines at least
        :data:`SALE_DEPTH` off; nobody else buys that deep), ``demanding`` (large customers
        with deep negotiated discounts and heavy service), ``referrer`` (planted referrers who
        brought in several customers); the dates ``churned_on`` and ``turning_from`` (NaT
        where they do not apply); and ``referrals``, the customers naming it in ``referred_by``.
    """
    cal = plan.calendar
    quarters = plan.activity.shape[1]
    n_days = cal.business_days.size
    # The first business day without purchases.
    churned_on = np.where(
        plan.churned, cal.business_days[np.minimum(plan.last_day, n_days - 1)], np.datetime64("NaT")
    )
    falling = last_quarters(quarters, _TURNING_VOLUME) < 1.0
    first_turning_quarter = int(np.argmax(falling)) if falling.any() else quarters - 1
    turning_from = np.where(
        plan.turning, cal.business_days[cal.quarter_lo[first_turning_quarter]], np.datetime64("NaT")
    )
    referred_by = plan.customers["referred_by"]
    referrals = referred_by.value_counts().reindex(plan.customers["customer_id"], fill_value=0)
    index = pd.Index(plan.customers["customer_id"], name="customer_id")
    return pd.DataFrame(
        {
            "new": plan.new,
            "churned": plan.churned,
            "churned_on": pd.to_datetime(churned_on.astype("datetime64[s]")),
            "turning": plan.turning,
            "turning_from": pd.to_datetime(turning_from.astype("datetime64[s]")),
            "bad_debt": plan.bad_debt,
            "sale_buyer": plan.sale_buyer,
            "demanding": plan.demanding,
            "referrer": plan.referrer,
            "referrals": referrals.to_numpy(dtype=np.int64),
        },
        index=index,
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
