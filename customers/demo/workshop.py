"""The demo customers' watches and clocks, and what the workshop did to them.

A timepiece bought here comes from a purchase line; about 15% of customers also own one
bought elsewhere (or inherited). About a quarter of the watches older than a year come in
to the workshop: a full service, a new battery, a repair after a knock (under warranty only
when it is a defect). Jobs take weeks, some come back late and some are still open at
DEMO_TODAY. Nothing here touches the database.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from customers.demo.catalogue import (
    BRANDS_BY_NAME,
    DEMO_WATCHES_AND_CLOCKS,
    FULL_SERVICE_REFERENCE,
    PRODUCTS_BY_KEY,
    DemoProduct,
)
from customers.demo.seasons import DEMO_START, DEMO_TODAY, random_day
from customers.models import MovementType, OwnedTimepiece, ServiceJob
from customers.services.timepieces import add_months

if TYPE_CHECKING:
    from customers.demo.history import PlannedLine

M = MovementType
JobStatus = ServiceJob.Status
_SERIAL_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O
_QUARTZ = (M.QUARTZ, M.SOLAR, M.CLOCK_QUARTZ)


@dataclass
class PlannedJob:
    store: str
    received_on: date
    work_description: str
    cost: Decimal
    promised_on: date
    status: str
    returned_on: date | None
    handled_by: str
    ready_on: date | None  # when the workshop finished (for the "ready" call); None while in the workshop
    full_service: bool
    reason: str  # why it came in, for the intake: "a full service", "a scratched crystal"
    quote: Decimal  # what the workshop quoted (a cancelled job costs nothing)


@dataclass
class PlannedTimepiece:
    brand: str
    product: tuple[str, str] | None
    model_name: str
    reference: str
    serial_number: str
    movement_type: str
    source: str
    purchased_on: date | None
    warranty_expires_on: date | None = None
    last_serviced_on: date | None = None
    notes: str = ""
    status: str = OwnedTimepiece.Status.OWNED
    line: "PlannedLine | None" = None
    jobs: list[PlannedJob] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.brand} {self.model_name}".strip()


# Watches customers bring in that were bought elsewhere, often years ago.
_ELSEWHERE_MODELS = (
    ("Rolex", "Datejust 36", "16234", M.AUTOMATIC),
    ("Rolex", "Submariner", "14060M", M.AUTOMATIC),
    ("Rolex", "Explorer", "214270", M.AUTOMATIC),
    ("Omega", "Seamaster Professional 300M", "2531.80.00", M.AUTOMATIC),
    ("Omega", "Speedmaster Professional", "3570.50.00", M.MANUAL),
    ("Tudor", "Heritage Black Bay", "79220R", M.AUTOMATIC),
    ("Cartier", "Tank Française", "W51008Q3", M.QUARTZ),
    ("Cartier", "Santos 100", "W20073X8", M.AUTOMATIC),
    ("Longines", "Conquest Classic", "L2.785.4.56.3", M.AUTOMATIC),
    ("TAG Heuer", "Monaco", "CAW2111.FC6183", M.AUTOMATIC),
    ("IWC", "Big Pilot's Watch", "IW500901", M.AUTOMATIC),
    ("Grand Seiko", "Heritage Automatic", "SBGR051", M.AUTOMATIC),
    ("Seiko", "Diver's 200 m", "SKX007K", M.AUTOMATIC),
    ("Citizen", "Eco-Drive Skyhawk", "JY8078-01L", M.SOLAR),
    ("Tissot", "Visodate", "T019.430.11.041.00", M.AUTOMATIC),
    ("Hermle", "Grandfather clock", "01161-031171", M.CLOCK_MECHANICAL),
)
_ELSEWHERE_NOTES = (
    "Bought in Tokyo on holiday.",
    "Bought at the airport duty-free shop.",
    "Bought from a grey dealer in Mong Kok; papers missing.",
    "Bought in Switzerland in the year of the wedding.",
    "",
    "",
)
_GIFT_NOTES = (
    "Inherited from her father.",
    "His father's watch; sentimental value, handle with care.",
    "Long-service award from his company.",
    "Wedding gift from the family.",
    "父親留下的手錶，客人很珍惜。",
)
# (work done, why it came in, cost from, to, covered by the warranty: a defect is, a knock is not)
_REPAIRS = (
    ("Running fast (+30 s/day): demagnetised and regulated.", "running fast", 1_500, 2_200, True),
    ("Crown tube replaced after a knock; water-resistance test.", "a damaged crown", 1_800, 3_200, False),
    ("Scratched sapphire crystal replaced; water-resistance test.", "a scratched crystal", 1_900, 3_500, False),
    ("Clasp repaired, bracelet cleaned and links adjusted.", "a broken clasp", 1_500, 2_400, False),
    ("Rotor noise: rotor axle replaced, movement lubricated.", "a noisy rotor", 2_200, 3_800, True),
)
_FULL_SERVICE_WORK = (
    "Full service: movement overhaul, new gaskets, water-resistance test, case and bracelet refinished."
)
_QUARTZ_WORK = "Battery, gaskets and circuit check; water-resistance test."
_SOLAR_WORK = "Rechargeable cell replaced; gaskets and water-resistance test."
_CLOCK_WORK = "Movement cleaned and oiled, new suspension spring, chimes regulated."
_CANCELLED_WORK = "Quote for a full service declined; returned unrepaired."


def serial_unique(rng: random.Random, serials: set[str]) -> str:
    """A serial number like "7K3N2Q91", not in ``serials`` (and added to it)."""
    while True:
        serial = "".join(rng.choice(_SERIAL_ALPHABET) for _ in range(8))
        if serial not in serials:
            serials.add(serial)
            return serial


# --- owned timepieces and their service --------------------------------------------------


def timepiece_bought_here(product: DemoProduct, line: "PlannedLine", day: date) -> PlannedTimepiece:
    return PlannedTimepiece(
        brand=product.brand,
        product=product.key,
        model_name=product.model_name,
        reference=product.reference,
        serial_number=line.serial_number,
        movement_type=product.movement_type,
        source=OwnedTimepiece.Source.PURCHASED_HERE,
        purchased_on=day,
        warranty_expires_on=add_months(day, 12 * BRANDS_BY_NAME[product.brand].warranty_years),
        line=line,
    )


def timepiece_from_elsewhere(rng, *, serials: set[str], taken: set[str]) -> PlannedTimepiece:
    gift = rng.random() < 0.25
    if rng.random() < 0.3:  # a current model, bought abroad
        product = rng.choice([p for p in DEMO_WATCHES_AND_CLOCKS if p.reference not in taken])
        brand, model_name, reference, movement, key = (
            product.brand, product.model_name, product.reference, product.movement_type, product.key,
        )  # fmt: skip
        bought = random_day(rng, date(2019, 1, 1), date(2023, 6, 1))
    else:
        brand, model_name, reference, movement = rng.choice(
            [m for m in _ELSEWHERE_MODELS if m[2] not in taken] or _ELSEWHERE_MODELS
        )
        key = None
        bought = random_day(rng, date(1995, 1, 1), date(2020, 1, 1))
    # Most older watches were serviced somewhere since they were bought (the customer says when, roughly).
    last_serviced = None
    first_service = max(bought + timedelta(days=3 * 365), date(2014, 1, 1))
    if first_service < date(2023, 6, 1) and rng.random() < 0.75:
        last_serviced = random_day(rng, first_service, date(2023, 6, 1))
    return PlannedTimepiece(
        brand=brand,
        product=key,
        model_name=model_name,
        reference=reference,
        serial_number=serial_unique(rng, serials) if rng.random() < 0.7 else "",
        movement_type=movement,
        source=OwnedTimepiece.Source.GIFT if gift else OwnedTimepiece.Source.ELSEWHERE,
        purchased_on=None if gift and rng.random() < 0.5 else bought,
        last_serviced_on=last_serviced,
        notes=rng.choice(_GIFT_NOTES if gift else _ELSEWHERE_NOTES),
    )


def timepiece_service_plan(rng, timepiece: PlannedTimepiece, *, since: date, home: str, staff_at: Callable) -> None:
    """About a quarter of the watches older than a year (more of those bought elsewhere) come in for service."""
    bought = timepiece.purchased_on
    if timepiece.status != OwnedTimepiece.Status.OWNED or (bought and bought > DEMO_TODAY - timedelta(days=365)):
        return
    here = timepiece.source == OwnedTimepiece.Source.PURCHASED_HERE
    if rng.random() >= (0.25 if here else 0.45):
        return
    earliest = max(DEMO_START, since, (bought or DEMO_START) + timedelta(days=365))
    received = random_day(rng, earliest, DEMO_TODAY + timedelta(days=1))
    if received > DEMO_TODAY - timedelta(days=60) and rng.random() < 0.6:  # only a few still in the workshop
        received = max(earliest, received - timedelta(days=rng.randint(60, 180)))
    age_years = ((received - bought).days / 365) if bought else 20
    full_price = PRODUCTS_BY_KEY[(timepiece.brand, FULL_SERVICE_REFERENCE)].price
    movement = timepiece.movement_type
    full_service = covered = False
    if movement == M.CLOCK_MECHANICAL:
        work, reason, cost, days = _CLOCK_WORK, "a full service of the movement", rng.randint(1_800, 3_200), 35
        full_service = True
    elif movement in _QUARTZ:
        work, reason = (
            (_SOLAR_WORK, "a new rechargeable cell") if movement == M.SOLAR else (_QUARTZ_WORK, "a new battery")
        )
        cost, days = rng.randint(1_500, 2_000), 14
    elif age_years >= 4 or not here or rng.random() < 0.3:
        work, reason, cost, days = (
            _FULL_SERVICE_WORK,
            "a full service",
            min(8_000, full_price * rng.uniform(1, 1.25)),
            42,
        )
        full_service = True
    else:
        work, reason, low, high, covered = rng.choice(_REPAIRS)
        cost, days = rng.randint(low, high), 21
    quote = Decimal(round(cost / 10) * 10).quantize(Decimal("0.01"))
    if covered and timepiece.warranty_expires_on and received <= timepiece.warranty_expires_on:
        work, cost = f"Warranty repair. {work}", 0
    store = home
    promised = received + timedelta(days=days)
    cancelled = full_service and rng.random() < 0.05
    finished = received + timedelta(days=round(days * rng.uniform(0.6, 0.85)))
    collected = min(finished + timedelta(days=rng.choice((0, 1, 1, 2, 3, 5, 9, 14))), promised)
    if rng.random() < 0.15:  # late: parts from Switzerland, a second regulation
        finished = promised + timedelta(days=rng.randint(3, 21))
        collected = finished + timedelta(days=rng.choice((0, 1, 2)))
    if cancelled:
        work, cost, finished = _CANCELLED_WORK, 0, received + timedelta(days=rng.randint(5, 12))
        collected = finished
    ready_on = None
    if collected <= DEMO_TODAY:
        status, returned = (JobStatus.CANCELLED if cancelled else JobStatus.RETURNED), collected
        ready_on = finished
    elif finished <= DEMO_TODAY:
        status, returned, ready_on = JobStatus.READY, None, finished
    elif (DEMO_TODAY - received).days < 4:
        status, returned = JobStatus.RECEIVED, None
    elif full_service and rng.random() < 0.35:
        status, returned = JobStatus.AWAITING_PARTS, None
    else:
        status, returned = JobStatus.IN_PROGRESS, None
    cost = Decimal(round(cost / 10) * 10).quantize(Decimal("0.01"))
    job = PlannedJob(
        store, received, work, cost, promised, status, returned, staff_at(store), ready_on, full_service, reason, quote
    )
    timepiece.jobs.append(job)
    if status == JobStatus.RETURNED and (timepiece.last_serviced_on is None or returned > timepiece.last_serviced_on):
        timepiece.last_serviced_on = returned
