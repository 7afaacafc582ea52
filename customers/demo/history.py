"""What each demo customer bought over the three years before DEMO_TODAY (and, through ``workshop``, owns).

A customer buys by a simple buy-and-drop-out process: a rate of purchases per year of
their own (many buy once, a few collectors often) and a lifetime after which they stop
buying. Purchase days follow the seasons (``seasons.sales_weight``). Nothing here touches
the database: the plans are plain values, and customer ``n``'s plan depends only on ``n``
(its own ``random.Random``) and on the serial numbers used before it, so a larger count
never changes a smaller one's data.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from customers.demo.catalogue import (
    DEMO_ACCESSORIES,
    DEMO_BRANDS,
    DEMO_STRAPS,
    FULL_SERVICE_REFERENCE,
    PRODUCTS_BY_KEY,
    TIMEPIECES_BY_BRAND,
    DemoProduct,
)
from customers.demo.people import DEMO_SEED, DEMO_STORES
from customers.demo.seasons import (
    DEMO_START,
    DEMO_TODAY,
    SALES_WEIGHT_MAX,
    at,
    is_christmas_season,
    is_cny_season,
    random_day,
    sales_weight,
)
from customers.demo.workshop import (
    PlannedJob,
    PlannedTimepiece,
    serial_unique,
    timepiece_bought_here,
    timepiece_from_elsewhere,
    timepiece_service_plan,
)
from customers.models import Customer, OwnedTimepiece, Purchase, PurchaseLine, ServiceJob

JobStatus = ServiceJob.Status
PURCHASE_REF_PREFIX = "DEMO-P-"
RETURN_SHARE = 0.03  # of watch purchases
_FEMALE = (Customer.Salutation.MS, Customer.Salutation.MRS, Customer.Salutation.MISS)


@dataclass
class PlannedLine:
    product: tuple[str, str] | None  # (brand, reference)
    unit_price: Decimal
    quantity: int = 1
    discount: Decimal = Decimal("0.00")
    serial_number: str = ""
    description: str = ""

    @property
    def line_total(self) -> Decimal:
        return PurchaseLine.compute_total(quantity=self.quantity, unit_price=self.unit_price, discount=self.discount)


@dataclass
class PlannedPurchase:
    store: str
    purchased_on: date
    staff: str  # username
    lines: list[PlannedLine]
    channel: str = Purchase.Channel.IN_STORE
    status: str = Purchase.Status.COMPLETED
    kind: str = "sale"  # "sale" or "service" (paid when a watch is collected from the workshop)
    notes: str = ""
    returned_on: date | None = None  # when it all came back (as negative lines on this purchase)
    return_reason: str = ""
    ref: str = ""  # given once the customer's purchases are in date order

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


@dataclass
class CustomerHistory:
    n: int
    since: date  # first seen: the customer record's creation date
    active_until: date  # stops buying after this day
    collector: bool
    favourite_brands: tuple[str, ...]
    purchases: list[PlannedPurchase]
    timepieces: list[PlannedTimepiece]

    @property
    def created_at(self) -> datetime:
        """When the customer's record was made: the day they were first seen, in shop hours."""
        return at(self.since, 10 + self.n % 9, self.n * 7 % 60)


_TIER_WEIGHTS = {"entry": (42, 5, 20), "mid": (35, 25, 45), "luxury": (23, 70, 35)}  # person, collector, company


def customer_history(n: int, row: dict, *, serials: set[str]) -> CustomerHistory:
    """Customer ``n``'s purchases, timepieces and service jobs; ``serials`` holds the serial numbers already used."""
    rng = random.Random(f"{DEMO_SEED}/history/{n}")  # noqa: S311 - demo data, not security
    company = row["kind"] == Customer.Kind.COMPANY
    female = row["salutation"] in _FEMALE
    collector = not company and rng.random() < 0.08
    joined_before = rng.random() < 0.42
    since = random_day(rng, date(2012, 1, 1), DEMO_START) if joined_before else _seasonal_day(rng, DEMO_START)
    if collector:
        rate, lifetime = 2.5 + rng.gammavariate(2.0, 1.2), rng.expovariate(1 / 10)
    elif company:
        rate, lifetime = 1.0 + rng.gammavariate(1.5, 0.7), rng.expovariate(1 / 6)
    else:
        rate, lifetime = rng.gammavariate(0.8, 1.9), rng.expovariate(1 / 5)
    # A customer from before the window was still buying at some point in the year before it.
    lifetime_start = since if not joined_before else DEMO_START - timedelta(days=rng.randrange(365))
    active_until = min(lifetime_start + timedelta(days=round(365 * lifetime)), DEMO_TODAY)
    column = 1 if collector else 2 if company else 0
    tier = rng.choices(list(_TIER_WEIGHTS), weights=[weights[column] for weights in _TIER_WEIGHTS.values()])[0]
    tier_brands = [brand.name for brand in DEMO_BRANDS if brand.tier == tier]
    favourites = tuple(rng.sample(tier_brands, 2))
    if company:
        favourites += ("Hermle",)

    days = []
    if not joined_before and rng.random() < 0.9:
        days.append(since)  # most new customers are met at their first purchase
    start = max(since + timedelta(days=1), DEMO_START)
    days += _purchase_days(rng, start=start, end=active_until, rate=rate)

    store_codes = [store.code for store in DEMO_STORES]
    home, manager = row["store_code"], row["manager_prefix"]

    def staff_at(store: str) -> str:
        if store == home and manager and rng.random() < 0.85:
            return f"{manager}.{store}"
        return rng.choice((f"am.{store}", f"am2.{store}"))

    purchases, timepieces = [], []
    for day in days:
        store = home if rng.random() < 0.88 else rng.choice([code for code in store_codes if code != home])
        channel = rng.choices(list(Purchase.Channel), weights=(86, 8, 6))[0]
        if channel != Purchase.Channel.IN_STORE:
            store = home
        purchase = PlannedPurchase(store=store, purchased_on=day, staff=staff_at(store), lines=[], channel=channel)
        purchase.lines = _basket(rng, day=day, company=company, female=female, tier=tier, favourites=favourites,
                                 first=day == since, serials=serials)  # fmt: skip
        purchase.notes = _purchase_note(rng, day=day, company=company, lines=purchase.lines)
        purchases.append(purchase)
        bought = [line for line in purchase.lines if line.product and PRODUCTS_BY_KEY[line.product].is_timepiece]
        for line in bought:
            timepieces.append(timepiece_bought_here(PRODUCTS_BY_KEY[line.product], line, day))
        if bought and rng.random() < RETURN_SHARE:
            _return(rng, purchase, timepieces=timepieces[-len(bought) :])

    if not company and rng.random() < 0.15:
        for _ in range(2 if rng.random() < 0.12 else 1):
            timepieces.append(timepiece_from_elsewhere(rng, serials=serials, taken={t.reference for t in timepieces}))

    for timepiece in timepieces:
        timepiece_service_plan(rng, timepiece, since=since, home=home, staff_at=staff_at)
        for job in timepiece.jobs:
            if job.status == JobStatus.RETURNED and job.cost:
                purchases.append(_service_purchase(timepiece, job))

    purchases.sort(key=lambda p: p.purchased_on)
    first_day = min([since, *(p.purchased_on for p in purchases)])
    return CustomerHistory(n, first_day, active_until, collector, favourites, purchases, timepieces)


def purchase_refs_assign(histories: list[CustomerHistory]) -> None:
    """Number the purchases "DEMO-P-000001"… in customer order, then date order."""
    number = 0
    for history in histories:
        for purchase in history.purchases:
            number += 1
            purchase.ref = f"{PURCHASE_REF_PREFIX}{number:06d}"


# --- when ------------------------------------------------------------------------------


def _seasonal_day(rng: random.Random, start: date) -> date:
    """A day from ``start`` to shortly before DEMO_TODAY, as likely as a sale on it."""
    while True:
        day = random_day(rng, start, DEMO_TODAY - timedelta(days=2))
        if rng.random() * SALES_WEIGHT_MAX < sales_weight(day):
            return day


def _purchase_days(rng: random.Random, *, start: date, end: date, rate: float) -> list[date]:
    """A Poisson process of ``rate`` purchases a year, thinned by the seasons, from ``start`` to ``end``."""
    days = []
    if rate <= 0 or start > end:
        return days
    day_rate = rate * SALES_WEIGHT_MAX / 365
    offset = 0.0
    while True:
        offset += rng.expovariate(day_rate)
        day = start + timedelta(days=int(offset))
        if day > end:
            return days
        if rng.random() * SALES_WEIGHT_MAX < sales_weight(day) and day not in days:
            days.append(day)


# --- what ------------------------------------------------------------------------------


def _price_on(product: DemoProduct, day: date) -> Decimal:
    """List prices go up about 4% a year: an older sale was cheaper."""
    years = (DEMO_TODAY - day).days / 365
    price = product.price * 0.96**years
    step = 100 if price >= 10_000 else 10
    return Decimal(round(price / step) * step).quantize(Decimal("0.01"))


def _pick_watch(rng, *, day, company, female, tier, favourites) -> DemoProduct:
    if company:
        brand = rng.choice(favourites) if rng.random() < 0.7 else rng.choice(("Tissot", "Longines", "Seiko", "Hermle"))
    elif rng.random() < 0.65:
        brand = rng.choice(favourites)
    else:
        brand = rng.choice([b.name for b in DEMO_BRANDS if b.tier in _NEAR_TIERS[tier]])
    gift_season = is_christmas_season(day) or is_cny_season(day)
    choices = TIMEPIECES_BY_BRAND[brand]
    weights = [
        (3.0 if female else 1.0 if gift_season else 0.3) if p.ladies else (0.6 if female else 1.0) for p in choices
    ]
    return rng.choices(choices, weights=weights)[0]


_NEAR_TIERS = {"entry": ("entry", "mid"), "mid": ("entry", "mid", "luxury"), "luxury": ("mid", "luxury")}


def _watch_line(rng, product: DemoProduct, day: date, serials: set[str]) -> PlannedLine:
    price = _price_on(product, day)
    discount_chance = {"Rolex": 0, "Tudor": 0.03, "Omega": 0.12, "Cartier": 0.1, "IWC": 0.15, "Grand Seiko": 0.1}
    discount = Decimal("0.00")
    if rng.random() < discount_chance.get(product.brand, 0.3):
        step = 100 if price >= 10_000 else 10
        discount = Decimal(round(float(price) * rng.uniform(0.05, 0.12) / step) * step).quantize(Decimal("0.01"))
    return PlannedLine(product.key, price, discount=discount, serial_number=serial_unique(rng, serials))


def _basket(rng, *, day, company, female, tier, favourites, first, serials) -> list[PlannedLine]:
    """1–3 lines: mostly a watch, sometimes with a strap or an accessory; sometimes just a strap or an accessory."""
    kind = "watch" if first else rng.choices(("watch", "strap", "accessory"), weights=(82, 10, 8))[0]
    if kind == "strap":
        strap = rng.choice(DEMO_STRAPS)
        return [PlannedLine(strap.key, _price_on(strap, day))]
    if kind == "accessory":
        accessory = rng.choice(DEMO_ACCESSORIES)
        return [PlannedLine(accessory.key, _price_on(accessory, day))]
    watches = 2 if company and rng.random() < 0.35 else 2 if rng.random() < 0.04 else 1
    lines = []
    for _ in range(watches):
        product = _pick_watch(rng, day=day, company=company, female=female, tier=tier, favourites=favourites)
        lines.append(_watch_line(rng, product, day, serials))
    if len(lines) < 3 and rng.random() < 0.12:
        brand = PRODUCTS_BY_KEY[lines[0].product].brand
        straps = [s for s in DEMO_STRAPS if s.brand == brand] or [s for s in DEMO_STRAPS if s.brand == "Hirsch"]
        strap = rng.choice(straps)
        price = _price_on(strap, day)
        lines.append(PlannedLine(strap.key, price, discount=price if rng.random() < 0.25 else Decimal("0.00")))
    if len(lines) < 3 and rng.random() < 0.08:
        accessory = rng.choice(DEMO_ACCESSORIES)
        lines.append(PlannedLine(accessory.key, _price_on(accessory, day)))
    return lines


def _purchase_note(rng, *, day, company, lines) -> str:
    if company:
        return rng.choice(("Corporate order: long-service awards.", "Client gifts; invoice to the finance department.",
                           "Office opening gift.", ""))  # fmt: skip
    if is_cny_season(day) and rng.random() < 0.3:
        return rng.choice(("New Year gift for his father.", "新年禮物，已包裝。", "Year-end bonus treat."))
    if is_christmas_season(day) and rng.random() < 0.3:
        return rng.choice(("Christmas gift, gift-wrapped.", "Christmas present for her husband.", "聖誕禮物。"))
    if any(line.discount for line in lines) and rng.random() < 0.4:
        return "VIP discount approved by the supervisor."
    return (
        rng.choice(("Birthday gift.", "Anniversary gift for his wife.", "Graduation present."))
        if rng.random() < 0.08
        else ""
    )


def _return(rng, purchase: PlannedPurchase, *, timepieces: list[PlannedTimepiece]) -> None:
    """Everything comes back a few days later (if that is before DEMO_TODAY), the way ``purchase_return`` records it:
    negative lines on the purchase itself, status "returned", the date and reason in the notes, and the watches
    no longer owned."""
    day = purchase.purchased_on + timedelta(days=rng.randint(2, 14))
    if day > DEMO_TODAY:
        return
    reason = rng.choice(("Changed mind.", "Bracelet too heavy.", "Preferred another dial colour.", "Gift not wanted."))
    purchase.lines += [
        PlannedLine(line.product, line.unit_price, -line.quantity, line.discount, line.serial_number, line.description)
        for line in purchase.lines
    ]
    purchase.status, purchase.returned_on, purchase.return_reason = Purchase.Status.RETURNED, day, reason
    note = f"Returned to store on {day.isoformat()}: {reason}"
    purchase.notes = f"{purchase.notes}\n{note}" if purchase.notes else note
    for timepiece in timepieces:
        timepiece.status, timepiece.notes = OwnedTimepiece.Status.SOLD, note


def _service_purchase(timepiece: PlannedTimepiece, job: PlannedJob) -> PlannedPurchase:
    """The customer pays for the work when collecting the watch."""
    if job.full_service:
        line = PlannedLine((timepiece.brand, FULL_SERVICE_REFERENCE), job.cost, description=timepiece.label)
    else:
        line = PlannedLine(None, job.cost, description=f"{timepiece.label}: {job.work_description}"[:200])
    return PlannedPurchase(job.store, job.returned_on, job.handled_by, [line], kind="service")
