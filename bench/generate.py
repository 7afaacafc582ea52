"""Generate a Hong Kong watch retailer's data set at scale, straight into PostgreSQL with COPY.

By default 1,000,000 customers and about 10,000,000 purchase lines (with their purchases, owned
timepieces, interactions and follow-up tasks), over twelve stores and ~200 staff:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench1m .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench1m .venv/bin/python bench/generate.py
    DATABASE_URL=... .venv/bin/python bench/generate.py --customers 10000      # a quick size

The data is deterministic: customer ``n`` (``external_ref`` ``BENCH-000000n``) and everything they
bought depend only on ``--seed``, ``--today`` and the block of 10,000 customers ``n`` falls in, so the
10,000-customer size is the first block of the million. Ids start after the highest id already in
each table, and each block owns a fixed range of ids per table (so there are gaps): a fresh
database gets the same ids every time.

How customers buy: a rate of purchases per year of their own (log-normal: most buy once or twice,
a few collectors buy every month), a lifetime after which they stop buying (exponential), a price
class (entry, mid, luxury) that rises with the rate, and purchase days drawn with Hong Kong's
seasons (Chinese New Year, December; quiet summer; busy weekends). A few watch sales are
returned (a line with a negative quantity). Every watch or clock sold and not returned is an owned
timepiece with its warranty and service-due date; some customers own one bought elsewhere.

Speed: a worker process writes each block's rows as COPY text while this one copies the previous
block (at most two blocks ahead: bounded memory). For a large load (``--fast-load``, on by default
from 100,000 customers) the plain indexes and foreign keys of the six tables written are dropped
first and created again at the end, which validates every foreign key in one pass; unique
constraints, primary keys and check constraints stay in force throughout. Then purchases,
timepieces and interactions are clustered by date (``--chronological``: on disk as a shop writes
them, not grouped by customer) and VACUUM ANALYZE, so that benchmarks start from a settled,
realistic database. PostgreSQL only.
"""

import argparse
import bisect
import io
import math
import multiprocessing
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

BLOCK = 10_000  # customers per block: the unit of determinism and of memory
DEFAULT_CUSTOMERS = 1_000_000
DEFAULT_SEED = 2026
DEFAULT_TODAY = date(2026, 11, 20)  # fixed, so that a load on any later day gives the same data
HISTORY_YEARS = 8
REF_PREFIX = "BENCH-"
USER_PREFIX = "bench."
FAST_LOAD_FROM = 100_000
# Calibrated so that a customer has ~10 purchase lines on average (see tests/bench).
RATE_MU = 0.46
RATE_SIGMA = 1.1
LIFETIME_YEARS = 3.0
NEVER_BOUGHT_SHARE = 0.12
RETURN_SHARE = 0.02

# The tables the generator writes, in the order of their foreign keys.
TABLES = (
    "customers_customer",
    "customers_purchase",
    "customers_purchaseline",
    "customers_ownedtimepiece",
    "customers_interaction",
    "customers_followuptask",
)
# Complaints, with their timelines and satisfaction surveys: a random stream of their own per block
# (the rows above do not change when these are added), and ``--only complaints`` adds them to a load.
COMPLAINT_TABLES = (
    "complaints_complaint",
    "complaints_complaintevent",
    "complaints_satisfactionsurvey",
)
ALL_TABLES = TABLES + COMPLAINT_TABLES

# code, name, Chinese name, district, weight (how many customers call it home)
STORES = (
    ("central", "Central", "中環", "central_western", 14),
    ("tst", "Tsim Sha Tsui", "尖沙咀", "yau_tsim_mong", 16),
    ("cwb", "Causeway Bay", "銅鑼灣", "wan_chai", 14),
    ("harbour-city", "Harbour City", "海港城", "yau_tsim_mong", 12),
    ("mong-kok", "Mong Kok", "旺角", "yau_tsim_mong", 9),
    ("sha-tin", "Sha Tin", "沙田", "sha_tin", 8),
    ("tsuen-wan", "Tsuen Wan", "荃灣", "tsuen_wan", 6),
    ("kwun-tong", "Kwun Tong", "觀塘", "kwun_tong", 5),
    ("tuen-mun", "Tuen Mun", "屯門", "tuen_mun", 4),
    ("yuen-long", "Yuen Long", "元朗", "yuen_long", 4),
    ("tung-chung", "Tung Chung", "東涌", "islands", 4),
    ("admiralty", "Admiralty", "金鐘", "central_western", 4),
)
MANAGERS_PER_STORE_AT_1M = 15  # 12 stores × (15 managers + 1 supervisor) ≈ 200 staff

_SURNAMES = (
    ("Chan", "陳", 12), ("Wong", "黃", 10), ("Lee", "李", 8), ("Cheung", "張", 6), ("Lau", "劉", 5),
    ("Leung", "梁", 5), ("Ng", "吳", 4), ("Ho", "何", 4), ("Lam", "林", 4), ("Tang", "鄧", 3),
    ("Yip", "葉", 3), ("Tsang", "曾", 3), ("Chow", "周", 3), ("Kwok", "郭", 2), ("Fung", "馮", 2),
    ("Lo", "羅", 2), ("Siu", "蕭", 1), ("Mak", "麥", 2), ("Yeung", "楊", 3), ("Choi", "蔡", 2),
    ("Chu", "朱", 2), ("Ma", "馬", 2), ("Tam", "譚", 2), ("Cheng", "鄭", 3), ("Hui", "許", 2),
    ("Kwan", "關", 1), ("Poon", "潘", 1), ("Yuen", "袁", 1), ("Tse", "謝", 2), ("Wong", "王", 2),
)  # fmt: skip
_GIVEN = {
    "m": (("Tai Man", "大文"), ("Chi Keung", "志強"), ("Ka Ming", "家明"), ("Wai Kit", "偉傑"), ("Kwok Wing", "國榮"),
          ("Chun Wai", "俊偉"), ("Siu Ming", "小明"), ("Ho Yin", "浩賢"), ("Tsz Hin", "子軒"), ("Kin Wah", "健華"),
          ("Wing Hong", "永康"), ("Man Kit", "文傑"), ("Yiu Fai", "耀輝"), ("Chun Kit", "俊傑"), ("Pak Ho", "柏豪")),
    "f": (("Ka Yan", "嘉欣"), ("Wing Sze", "詠詩"), ("Mei Ling", "美玲"), ("Siu Wai", "小慧"), ("Hoi Yan", "凱欣"),
          ("Ka Yee", "嘉怡"), ("Wai Man", "慧敏"), ("Suet Ying", "雪瑩"), ("Pui Shan", "佩珊"), ("Lai Kuen", "麗娟"),
          ("Yuen Ting", "婉婷"), ("Sze Wing", "思穎"), ("Hiu Tung", "曉彤"), ("Ching Man", "靜雯")),
}  # fmt: skip
_ENGLISH = {
    "m": ("Peter", "David", "Michael", "Raymond", "Kenneth", "Alan", "Eric", "Jason", "Kelvin", "Vincent", "Patrick"),
    "f": ("Karen", "Winnie", "Mandy", "Cecilia", "Joyce", "Grace", "Vivian", "Carmen", "Jennifer", "Queenie", "Fiona"),
}
_VISITORS = {"m": ("James", "Oliver", "Thomas", "Rahul", "Lucas"), "f": ("Sophie", "Charlotte", "Emma", "Priya")}
_VISITOR_LAST = ("Smith", "Whitfield", "Martin", "Mehta", "Fernandes", "Brown", "Taylor", "Walker", "Sharma")
_COMPANIES = (("Harbour", "海港"), ("Victoria", "維多利亞"), ("Golden Dragon", "金龍"), ("Pearl River", "珠江"),
              ("Orient", "東方"), ("Jade", "翡翠"), ("Lucky Star", "福星"), ("Lion Rock", "獅子山"))  # fmt: skip
_TRADES = (("Trading", "貿易"), ("Holdings", "控股"), ("Investment", "投資"), ("Logistics", "物流"),
           ("Properties", "置業"), ("Jewellery", "珠寶"))  # fmt: skip
# district, weight, a street
_DISTRICTS = (
    ("central_western", 4, "Conduit Road"), ("wan_chai", 3, "Hennessy Road"), ("eastern", 7, "King's Road"),
    ("southern", 4, "Repulse Bay Road"), ("yau_tsim_mong", 5, "Nathan Road"), ("sham_shui_po", 5, "Lai Chi Kok Road"),
    ("kowloon_city", 5, "Waterloo Road"), ("wong_tai_sin", 5, "Lung Cheung Road"), ("kwun_tong", 8, "Hip Wo Street"),
    ("kwai_tsing", 6, "Tsing Yi Road"), ("tsuen_wan", 4, "Sha Tsui Road"), ("tuen_mun", 6, "Tuen Hing Road"),
    ("yuen_long", 7, "Castle Peak Road"), ("north", 4, "San Wan Road"), ("tai_po", 4, "Ting Kok Road"),
    ("sha_tin", 9, "Sha Kok Street"), ("sai_kung", 6, "Hiram's Highway"), ("islands", 2, "Mei Tung Street"),
)  # fmt: skip
_EMAIL_DOMAINS = ("gmail.com", "yahoo.com.hk", "netvigator.com", "outlook.com", "hotmail.com", "icloud.com")
# Mobile prefixes that Hong Kong allocates in full (3 digits, then 5), so every number passes phonenumbers'
# validation; the ones with unallocated blocks are left out.
_PARTLY_ALLOCATED = {"515", "525", "535", "545", "600", "626", "666", "911", "929", "939", "959", "989"}
_MOBILE_PREFIXES = tuple(
    prefix
    for prefix in [f"9{a}{b}" for a in "12345678" for b in "0123456789"]
    + [f"6{a}{b}" for a in "0123456" for b in "0123456789"]
    + [f"5{a}{b}" for a in "1234" for b in "0123456789"]
    if prefix not in _PARTLY_ALLOCATED
)
_PHONE_SPACE = len(_MOBILE_PREFIXES) * 100_000
_PHONE_STEP = 7_919_111  # coprime with _PHONE_SPACE: customer n's number is unique
_INTERACTION_SUMMARIES = {
    "visit": ("Came in to try on new arrivals.", "Collected a strap change.", "Browsed dive watches with spouse."),
    "call": ("Called about the service status.", "Birthday greeting call.", "Asked about a limited edition."),
    "email": ("Sent the autumn catalogue.", "Replied about warranty terms."),
    "message": ("WhatsApp: new arrival photos sent.", "WhatsApp: confirmed appointment."),
    "event": ("Attended the brand evening.", "Joined the watchmaking workshop."),
}
_TASK_TITLES = ("Call back about the waiting list", "Send service reminder", "Invite to the brand evening")


@dataclass(frozen=True)
class ProductRef:
    id: int
    brand_id: int
    brand: str
    category: str
    movement: str
    price: Decimal
    model_name: str
    reference: str
    tier: str
    warranty_years: int
    service_months: int | None


@dataclass
class Context:
    """Everything the rows refer to, looked up once: stores, staff, products, id bases."""

    seed: int
    today: date
    store_ids: list[int]
    store_weights: list[int]
    managers: dict[int, list[int]]  # store id -> account manager ids
    watches: dict[str, list[ProductRef]]  # tier -> watches and clocks
    straps: list[ProductRef]
    accessories: list[ProductRef]
    services: dict[int, ProductRef]  # brand id -> full service product
    base: dict[str, int]  # table -> first id this load writes
    complaints: "ComplaintRefs | None" = None  # what complaints refer to (None: write no complaints)
    days: list[date] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)

    def __post_init__(self):
        start = self.today - timedelta(days=365 * HISTORY_YEARS)
        total = 0.0
        for offset in range((self.today - start).days + 1):
            day = start + timedelta(days=offset)
            total += sales_weight(day)
            self.days.append(day)
            self.cumulative.append(total)

    @property
    def start(self) -> date:
        return self.days[0]

    def sale_day(self, rng: random.Random, first: date, last: date) -> date:
        """A day from first to last (inclusive), busier seasons more likely."""
        low = self.cumulative[(first - self.start).days - 1] if first > self.start else 0.0
        high = self.cumulative[(last - self.start).days]
        return self.days[bisect.bisect_left(self.cumulative, low + (1 - rng.random()) * (high - low))]


_CNY = {
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12),
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
}  # fmt: skip
_WEEKDAY_WEIGHTS = (0.9, 0.9, 0.9, 0.95, 1.05, 1.35, 1.25)


def sales_weight(day: date) -> float:
    """How busy a day is: the three weeks before Chinese New Year and December sell most, summer least."""
    cny = _CNY.get(day.year)
    if cny and -21 <= (day - cny).days < 7:
        season = 1.8
    elif day.month == 12:
        season = 1.7 if day.day <= 24 else 1.2
    elif day.month in (6, 7, 8):
        season = 0.7
    else:
        season = 1.0
    return season * _WEEKDAY_WEIGHTS[day.weekday()]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def weighted(rng: random.Random, items: tuple, weights: list[float]):
    return rng.choices(items, weights)[0]


# ----------------------------------------------------------------------------------------------
# Rows. Each block is a pure function of (context, block number): the same seed gives the same text.


@dataclass
class Person:
    """What a customer's complaints need to know of them (recorded while their rows are made)."""

    id: int
    store_id: int
    manager_id: int | None
    joined: date
    name: str
    phone: str
    email: str
    purchases: int = 0
    timepieces: list[tuple[int, int, date]] = field(default_factory=list)  # (id, product id, bought)


class Block:
    """The COPY text of one block of customers, one buffer per table."""

    def __init__(self):
        self.buffers = {table: io.StringIO() for table in ALL_TABLES}
        self.counts = dict.fromkeys(ALL_TABLES, 0)
        self.people: list[Person] = []

    def add(self, table: str, values: Iterable) -> None:
        """One row; None is NULL. The values never hold a tab, a newline or a backslash."""
        self.buffers[table].write("\t".join("\\N" if value is None else str(value) for value in values) + "\n")
        self.counts[table] += 1

    def texts(self) -> tuple[dict[str, str], dict[str, int]]:
        return {table: buffer.getvalue() for table, buffer in self.buffers.items()}, self.counts


COLUMNS = {
    "customers_customer": (
        "id", "created_at", "updated_at", "kind", "salutation", "name_en", "name_zh", "mobile_phone", "email",
        "address", "district", "birth_month", "birth_day", "birth_year", "preferred_language", "preferred_channel",
        "acquisition_source", "notes", "external_ref", "account_manager_id", "home_store_id", "merged_into_id",
    ),
    "customers_purchase": (
        "id", "created_at", "updated_at", "purchased_on", "channel", "status", "total", "external_ref", "notes",
        "customer_id", "staff_id", "store_id",
    ),
    "customers_purchaseline": (
        "id", "description", "quantity", "unit_price", "discount", "serial_number", "line_total", "product_id",
        "purchase_id",
    ),
    "customers_ownedtimepiece": (
        "id", "created_at", "updated_at", "model_name", "reference", "serial_number", "movement_type", "source",
        "status", "purchased_on", "warranty_expires_on", "last_serviced_on", "service_due_on", "notes", "brand_id",
        "customer_id", "product_id", "purchase_line_id",
    ),
    "customers_interaction": (
        "id", "created_at", "updated_at", "kind", "occurred_at", "summary", "outcome", "customer_id", "lead_id",
        "staff_id",
    ),
    "customers_followuptask": (
        "id", "created_at", "updated_at", "title", "due_on", "status", "completed_at", "assignee_id", "created_by_id",
        "customer_id", "interaction_id", "lead_id",
    ),
    "complaints_complaint": (
        "id", "created_at", "updated_at", "customer_id", "lead_id", "contact_name", "contact_phone", "contact_email",
        "collection_notice_id", "channel", "category_id", "severity", "store_id", "timepiece_id", "product_id",
        "subject", "description", "status", "version", "assignee_id", "escalation_level", "received_at",
        "acknowledged_at", "resolved_at", "closed_at", "acknowledge_due_at", "resolve_due_at", "paused_at",
        "paused_seconds", "acknowledge_breached_at", "resolve_breached_at", "root_cause_id", "corrective_action",
        "resolution_summary", "goodwill_amount", "goodwill_status", "goodwill_decided_by_id", "reopened_count",
        "created_by_id",
    ),
    "complaints_complaintevent": ("id", "complaint_id", "kind", "actor_id", "at", "from_status", "to_status", "note"),
    "complaints_satisfactionsurvey": (
        "id", "complaint_id", "nonce", "created_at", "expires_at", "answered_at", "score", "comment",
    ),
}  # fmt: skip


def _stamp(day: date, hour: int = 12, minute: int = 0) -> str:
    """A Hong Kong local time of ``day`` as a timestamptz literal."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}:00+08"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31))


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class Ids:
    def __init__(self, ctx: Context, block: int, per_block: dict[str, int]):
        # Each block owns a fixed range of ids per table, so blocks are independent of each other.
        self.next = {table: ctx.base[table] + block * per_block[table] for table in ALL_TABLES}
        self.limit = {table: self.next[table] + per_block[table] for table in ALL_TABLES}

    def take(self, table: str) -> int:
        value = self.next[table]
        if value >= self.limit[table]:
            raise OverflowError(f"{table}: more rows than its id range per block")
        self.next[table] = value + 1
        return value


# How many ids each table may use per block of BLOCK customers (generous upper bounds; gaps are harmless).
PER_BLOCK = {
    "customers_customer": BLOCK,
    "customers_purchase": BLOCK * 40,
    "customers_purchaseline": BLOCK * 80,
    "customers_ownedtimepiece": BLOCK * 40,
    "customers_interaction": BLOCK * 30,
    "customers_followuptask": BLOCK * 2,
    "complaints_complaint": BLOCK,
    "complaints_complaintevent": BLOCK * 20,
    "complaints_satisfactionsurvey": BLOCK,
}


def block_rows(ctx: Context, block: int, customers: int) -> Block:
    """The rows of customers block*BLOCK+1 … (at most ``customers`` of them), then their complaints
    (from a random stream of their own: the customers' rows are the same with or without them)."""
    rng = random.Random(f"{ctx.seed}:{block}")
    out = Block()
    ids = Ids(ctx, block, PER_BLOCK)
    for offset in range(customers):
        _customer(ctx, rng, ids, out, block * BLOCK + offset + 1)
    if ctx.complaints is not None:
        _complaints(ctx, random.Random(f"{ctx.seed}-{block}-complaints"), ids, out)
    return out


def _customer(ctx: Context, rng: random.Random, ids: Ids, out: Block, number: int) -> None:
    today = ctx.today
    customer_id = ids.take("customers_customer")
    # Joined over the history, more of them recently (the chain grew).
    joined = today - timedelta(days=int((1 - rng.random() ** 0.7) * (today - ctx.start).days))
    store_id = rng.choices(ctx.store_ids, ctx.store_weights)[0]
    managers = ctx.managers[store_id]
    manager_id = rng.choice(managers) if managers and rng.random() < 0.7 else None

    roll = rng.random()
    gender = "m" if rng.random() < 0.55 else "f"
    if roll < 0.03:
        kind, salutation = "company", ""
        (en, zh), (trade_en, trade_zh) = rng.choice(_COMPANIES), rng.choice(_TRADES)
        name_en, name_zh = f"{en} {trade_en} Limited", f"{zh}{trade_zh}有限公司"
    elif roll < 0.08:
        kind = "person"
        salutation = "mr" if gender == "m" else rng.choice(("ms", "mrs", "miss"))
        name_en, name_zh = f"{rng.choice(_VISITORS[gender])} {rng.choice(_VISITOR_LAST)}", ""
    else:
        kind = "person"
        salutation = ("mr" if gender == "m" else rng.choice(("ms", "mrs", "miss"))) if rng.random() < 0.8 else ""
        surname, surname_zh, _ = rng.choices(_SURNAMES, [s[2] for s in _SURNAMES])[0]
        given, given_zh = rng.choice(_GIVEN[gender])
        english = rng.choice(_ENGLISH[gender]) if rng.random() < 0.6 else ""
        name_en = f"{english} {surname} {given}".strip() if rng.random() < 0.97 else ""
        name_zh = f"{surname_zh}{given_zh}" if rng.random() < 0.9 or not name_en else ""
    # Unique by construction: the customer number scrambled over the allocated mobile ranges.
    slot = (number * _PHONE_STEP + ctx.seed) % _PHONE_SPACE
    phone = f"+852{_MOBILE_PREFIXES[slot // 100_000]}{slot % 100_000:05d}" if rng.random() < 0.95 else ""
    login = (name_en.split(" ")[0] or "client").lower().replace("'", "")
    email = f"{login}.{number}@{rng.choice(_EMAIL_DOMAINS)}" if rng.random() < 0.55 else ""
    district, _weight, street = rng.choices(_DISTRICTS, [d[1] for d in _DISTRICTS])[0]
    address = f"Flat {rng.randint(1, 40)}{rng.choice('ABCDEFGH')}, {rng.randint(1, 300)} {street}"
    if rng.random() < 0.5:
        address = ""
    birth_month = birth_day = birth_year = None
    if kind == "person" and rng.random() < 0.7:
        birth_month, birth_day = rng.randint(1, 12), rng.randint(1, 28)
        birth_year = rng.randint(1945, 2004) if rng.random() < 0.5 else None
    language = "zh-hant" if name_zh and rng.random() < 0.6 else "en"
    channel = weighted(rng, ("whatsapp", "phone", "sms", "email", "post"), [45, 25, 10, 15, 5])
    source = weighted(rng, ("walk_in", "referral", "event", "online", "focus_group", "other"), [55, 18, 10, 12, 2, 3])
    created = _stamp(joined, rng.randint(10, 21), rng.randint(0, 59))
    out.add(
        "customers_customer",
        (
            customer_id, created, created, kind, salutation, name_en, name_zh, phone, email, address, district,
            birth_month, birth_day, birth_year, language, channel, source, "", f"{REF_PREFIX}{number:07d}",
            manager_id, store_id, None,
        ),
    )  # fmt: skip
    display = f"{name_en} ({name_zh})" if name_en and name_zh else name_en or name_zh  # Customer.display_name
    out.people.append(Person(customer_id, store_id, manager_id, joined, display[:200], phone, email))
    _history(ctx, rng, ids, out, customer_id, store_id, manager_id, joined, kind)


def _history(ctx, rng, ids, out, customer_id, store_id, manager_id, joined, kind) -> None:
    today = ctx.today
    rate = rng.lognormvariate(RATE_MU, RATE_SIGMA)  # purchases a year while active
    if kind == "company":
        rate *= 2
    lifetime = rng.expovariate(1 / LIFETIME_YEARS)
    stops = min(today, joined + timedelta(days=int(lifetime * 365)))
    years = max((stops - joined).days, 1) / 365
    count = 0 if rng.random() < NEVER_BOUGHT_SHARE else 1 + poisson(rng, rate * years)
    count = min(count, 60)
    out.people[-1].purchases = count
    # Price class rises with the rate: collectors buy luxury.
    luxury = min(0.6, 0.08 + 0.1 * rate)
    tier = weighted(rng, ("luxury", "mid", "entry"), [luxury, 0.35, 1 - luxury - 0.35 + 0.1])
    owned_brands: list[int] = []
    days = sorted(ctx.sale_day(rng, joined, stops) for _ in range(count))
    for day in days:
        _purchase(ctx, rng, ids, out, customer_id, store_id, manager_id, day, tier, owned_brands)
    # Some clients own a watch bought elsewhere, recorded when they first brought it in.
    if rng.random() < 0.08:
        product = rng.choice(ctx.watches[rng.choice(("luxury", "mid"))])
        bought = joined - timedelta(days=rng.randint(100, 3000))
        _timepiece(ctx, rng, ids, out, customer_id, product, None, "", bought, joined, source="elsewhere")
    # Interactions and the odd open follow-up task.
    for _ in range(poisson(rng, 0.8 + 0.4 * min(count, 10))):
        what = weighted(rng, ("visit", "call", "email", "message", "event"), [30, 25, 10, 30, 5])
        day = joined + timedelta(days=rng.randint(0, max((today - joined).days, 0)))
        when = _stamp(day, rng.randint(10, 20), rng.randint(0, 59))
        outcome = weighted(rng, ("", "positive", "neutral", "negative", "no_answer", "sale"), [30, 30, 20, 3, 10, 7])
        staff = manager_id or rng.choice(ctx.managers[store_id])
        interaction_id = ids.take("customers_interaction")
        out.add(
            "customers_interaction",
            (interaction_id, when, when, what, when, rng.choice(_INTERACTION_SUMMARIES[what]), outcome, customer_id,
             None, staff),
        )  # fmt: skip
    if manager_id and rng.random() < 0.05:
        due = today + timedelta(days=rng.randint(-20, 40))
        stamp = _stamp(due - timedelta(days=14))
        out.add(
            "customers_followuptask",
            (ids.take("customers_followuptask"), stamp, stamp, rng.choice(_TASK_TITLES), due.isoformat(), "open",
             None, manager_id, manager_id, customer_id, None, None),
        )  # fmt: skip


def _price(product: ProductRef, day: date, today: date) -> Decimal:
    """List prices rise ~3% a year: an older sale was cheaper."""
    factor = max(0.75, 1 - 0.03 * (today - day).days / 365)
    return Decimal(round(float(product.price) * factor / 10) * 10)


def _purchase(ctx, rng, ids, out, customer_id, home_store_id, manager_id, day, tier, owned_brands) -> None:
    purchase_id = ids.take("customers_purchase")
    store_id = home_store_id if rng.random() < 0.8 else rng.choice(ctx.store_ids)
    staff_id = manager_id if store_id == home_store_id and manager_id and rng.random() < 0.6 else None
    if staff_id is None and rng.random() < 0.95:
        staff_id = rng.choice(ctx.managers[store_id])
    channel = weighted(rng, ("in_store", "online", "phone"), [88, 8, 4])
    # What the purchase is: a watch (with extras), a service of a watch they own, or extras alone.
    roll = rng.random()
    if roll < 0.45 or not owned_brands:
        lead = "watch"
    elif roll < 0.75:
        lead = "service"
    else:
        lead = "extra"
    size = weighted(rng, (1, 2, 3, 4, 5, 6), [52, 24, 13, 6, 3, 2])
    lines: list[tuple[ProductRef, int]] = []
    for position in range(size):
        kind = lead if position == 0 else weighted(rng, ("watch", "strap", "accessory", "service"), [15, 45, 25, 15])
        if kind == "service" and not owned_brands:
            kind = "strap"
        if kind == "watch":
            own = tier if rng.random() < 0.75 else rng.choice(("luxury", "mid", "entry"))
            product = rng.choice(ctx.watches[own])
        elif kind == "service":
            product = ctx.services.get(rng.choice(owned_brands)) or rng.choice(ctx.straps)
        elif kind == "strap" or (kind == "extra" and rng.random() < 0.6):
            product = rng.choice(ctx.straps)
        else:
            product = rng.choice(ctx.accessories)
        lines.append((product, 2 if product.category == "strap" and rng.random() < 0.1 else 1))
    returned = rng.random() < RETURN_SHARE and lines[0][0].category in ("watch", "clock")
    status = "completed"
    if returned:
        status = "returned" if len(lines) == 1 else "partly_returned"
    total = Decimal(0)
    rows = []
    for index, (product, quantity) in enumerate(lines):
        unit_price = _price(product, day, ctx.today)
        discount = Decimal(0)
        if rng.random() < 0.3:
            percent = Decimal(rng.choice((5, 8, 10, 15)))
            discount = (unit_price * quantity * percent / 10_000).quantize(Decimal(1)) * 100  # whole hundreds
        line_id = ids.take("customers_purchaseline")
        is_timepiece = product.category in ("watch", "clock")
        serial = f"{product.brand[:2].upper()}{line_id:09d}" if is_timepiece else ""
        line_total = quantity * unit_price - discount
        total += line_total
        rows.append((line_id, "", quantity, unit_price, discount, serial, line_total, product.id, purchase_id))
        back = returned and index == 0
        if back:
            # The return: the same watch comes back, the discount is refunded with it.
            rows.append(
                (ids.take("customers_purchaseline"), "Returned", -quantity, unit_price, discount, serial,
                 -line_total, product.id, purchase_id)
            )  # fmt: skip
            total -= line_total
        elif is_timepiece:
            if product.brand_id not in owned_brands:
                owned_brands.append(product.brand_id)
            _timepiece(ctx, rng, ids, out, customer_id, product, line_id, serial, day, day, source="here")
    stamp = _stamp(day, rng.randint(11, 21), rng.randint(0, 59))
    out.add(
        "customers_purchase",
        (purchase_id, stamp, stamp, day.isoformat(), channel, status, _money(total), f"{REF_PREFIX}P{purchase_id:09d}",
         "", customer_id, staff_id, store_id),
    )  # fmt: skip
    for line_id, description, quantity, unit_price, discount, serial, line_total, product_id, pid in rows:
        out.add(
            "customers_purchaseline",
            (line_id, description, quantity, _money(unit_price), _money(discount), serial, _money(line_total),
             product_id, pid),
        )  # fmt: skip


def _timepiece(ctx, rng, ids, out, customer_id, product, line_id, serial, bought, recorded, *, source) -> None:
    today = ctx.today
    warranty = _add_months(bought, 12 * product.warranty_years) if source == "here" else None
    last_serviced = None
    age_days = (today - bought).days
    if age_days > 3 * 365 and rng.random() < 0.35:
        last_serviced = bought + timedelta(days=rng.randint(2 * 365, age_days))
    due = _add_months(last_serviced or bought, product.service_months) if product.service_months else None
    status = "owned"
    if age_days > 2 * 365 and rng.random() < 0.06:
        status = "sold" if rng.random() < 0.8 else "lost"
    stamp = _stamp(recorded)
    timepiece_id = ids.take("customers_ownedtimepiece")
    out.people[-1].timepieces.append((timepiece_id, product.id, bought))
    out.add(
        "customers_ownedtimepiece",
        (timepiece_id, stamp, stamp, product.model_name, product.reference,
         serial, product.movement, source, status, bought.isoformat(), warranty and warranty.isoformat(),
         last_serviced and last_serviced.isoformat(), due and due.isoformat(), "", product.brand_id, customer_id,
         product.id, line_id),
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Complaints: each one lived through the workflow of complaints/services (logged, acknowledged,
# investigated, perhaps waiting for the customer, resolved, closed; SLA breaches flagged by the
# check a few minutes after a due time, escalations, goodwill above the limit approved by the
# store's supervisor, a satisfaction survey on resolution), cut at the generator's "now": what
# happened by then is in its timeline and its row, the rest has not happened yet.


@dataclass(frozen=True)
class ComplaintRefs:
    categories: dict[str, tuple[int, bool]]  # code -> (id, is personal data)
    causes: dict[str, int]  # code -> id
    policies: dict[tuple[str, int | None], tuple[float, float]]  # (severity, category id) -> (ack h, resolve h)
    hours: dict[int, dict]  # store id -> {weekday: (opens, closes)} ({}: the default hours)
    supervisors: dict[int, tuple[int, str]]  # store id -> (user id, name)
    privacy_officer: int | None
    pics_notice: int | None
    subjects: dict[str, list[tuple[str, str]]]  # category code -> (subject, description)
    goodwill_limit: Decimal


COMPLAINT_NOW_HOUR = 18  # "now" is the generator's today at 18:00 Hong Kong time
SLA_CHECK_LAG = timedelta(minutes=5)  # the SLA check runs every few minutes after a due time
_CATEGORY_WEIGHTS = {
    "repair_delay": 26, "product_defect": 22, "warranty": 12, "pricing": 10, "staff_conduct": 10,
    "delivery": 6, "authenticity": 5, "personal_data": 3,
}  # fmt: skip
_ABOUT_A_TIMEPIECE = {"repair_delay", "product_defect", "warranty", "authenticity"}
_CAUSES = {
    "repair_delay": {"workshop_capacity": 40, "supplier": 35, "communication": 25},
    "product_defect": {"manufacturing": 50, "no_fault": 25, "customer_expectation": 25},
    "warranty": {"policy": 45, "communication": 30, "customer_expectation": 25},
    "authenticity": {"no_fault": 70, "supplier": 30},
    "pricing": {"staff_error": 50, "policy": 30, "communication": 20},
    "staff_conduct": {"staff_error": 60, "communication": 40},
    "delivery": {"logistics": 70, "supplier": 30},
    "personal_data": {"staff_error": 40, "policy": 30, "communication": 30},
}
_CHANNELS = (("in_store", 45), ("phone", 24), ("email", 15), ("web", 8), ("social", 5), ("consumer_council", 3))
_SEVERITIES = (("low", 25), ("medium", 50), ("high", 20), ("critical", 5))
_RESOLUTIONS = (
    ("We explained the cause, fixed the watch and checked it with the customer.",
     "Promised dates now include the brand centre's queue."),
    ("Replaced the part under warranty and regulated the movement; the customer collected it.",
     "Quality check of incoming watches before handover."),
    ("Apologised, refunded the difference and confirmed it in writing.", "Price checks at the till retrained."),
    ("Explained the warranty terms and offered a paid service at a discount.", "Warranty terms shown at the sale."),
    ("Called the customer, apologised and agreed a new collection date.", "Weekly repair status calls."),
)  # fmt: skip
_ACK_NOTES = ("Called the customer.", "Replied by e-mail.", "Spoke to the customer in the store.", "")
_AWAIT_NOTES = ("Asked for the purchase receipt and photos.", "Asked the customer to bring the watch in.",
                "Waiting for the customer to confirm the collection date.")  # fmt: skip
_SURVEY_COMMENTS = {1: "Nobody kept me informed.", 2: "Took far too long.", 3: "Fixed in the end.",
                    4: "Good, a bit slow.", 5: "Very well handled, thank you."}  # fmt: skip
_GOODWILL_AMOUNTS = (200, 300, 500, 500, 800, 1000, 1500, 2000, 3000, 5000)


def _calendars(ctx: Context) -> dict:
    from complaints.business_time import calendar_for

    return {store_id: calendar_for(hours) for store_id, hours in ctx.complaints.hours.items()}


def _complaints(ctx: Context, rng: random.Random, ids: Ids, out: Block) -> None:
    """The block's complaints: about 3 per 100 customers, more for those who buy more, recent ones
    more likely (the open queue is the last weeks' complaints, plus some waiting for the customer)."""
    from zoneinfo import ZoneInfo

    refs = ctx.complaints
    tz = ZoneInfo("Asia/Hong_Kong")
    now = datetime.combine(ctx.today, datetime.min.time(), tzinfo=tz).replace(hour=COMPLAINT_NOW_HOUR)
    calendars = _calendars(ctx)
    codes = [code for code in _CATEGORY_WEIGHTS if code in refs.categories]
    for person in out.people:
        chance = min(0.2, 0.005 + 0.005 * min(person.purchases, 30))
        count = 0
        while rng.random() < (chance if count == 0 else 0.12) and count < 3:
            count += 1
            _complaint(ctx, rng, ids, out, person, now, calendars, codes, tz)


def _complaint(ctx, rng, ids, out, person, now, calendars, codes, tz) -> None:
    refs = ctx.complaints
    today = ctx.today
    store_id = person.store_id if rng.random() < 0.9 else rng.choice(ctx.store_ids)
    calendar = calendars[store_id]
    code = weighted(rng, tuple(codes), [_CATEGORY_WEIGHTS[c] for c in codes])
    category_id, personal = refs.categories[code]
    severity = weighted(rng, tuple(s for s, _ in _SEVERITIES), [w for _, w in _SEVERITIES])
    channel = weighted(rng, tuple(c for c, _ in _CHANNELS), [w for _, w in _CHANNELS])
    # Received: recent months far more likely (and never before the customer joined).
    span = max((today - person.joined).days, 1)
    day = today - timedelta(days=int(span * rng.random() ** 1.7))
    if channel in ("in_store", "phone", "consumer_council"):
        received = calendar.add(datetime.combine(day, datetime.min.time(), tzinfo=tz), rng.randint(0, 8 * 3600))
    else:  # e-mail, web form, social media: any time of day
        received = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(minutes=rng.randint(420, 1430))
    if received > now - timedelta(minutes=30):
        received = now - timedelta(minutes=rng.randint(30, 480))
    timepiece = None
    if code in _ABOUT_A_TIMEPIECE:
        owned = [t for t in person.timepieces if t[2] <= received.date()]
        if owned:
            timepiece = rng.choice(owned[-3:])
    supervisor_id, supervisor_name = refs.supervisors[store_id]
    managers = ctx.managers[store_id]
    # Who handles it, as intake assigns: the privacy officer, else the account manager working at the store.
    if personal:
        handler = refs.privacy_officer or supervisor_id
    else:
        handler = person.manager_id if person.manager_id in managers else None
    web = channel == "web"
    logged_by = None if web else handler or rng.choice(managers)
    ack_hours, resolve_hours = refs.policies.get((severity, category_id)) or refs.policies[(severity, None)]
    ack_due = calendar.add(received, ack_hours * 3600)
    resolve_due = calendar.add(received, resolve_hours * 3600)

    # The plan: every step with its moment, whether it happened by now or not.
    steps: list[tuple] = []  # (at, kind, actor, from, to, note, bumps the version)
    ack_at = calendar.add(received, rng.lognormvariate(math.log(0.3), 0.7) * ack_hours * 3600)
    intake_handler = handler
    handler = handler or rng.choice(managers)  # an account manager acting on a queued complaint takes it
    steps.append((ack_at, "transition", handler, "new", "acknowledged", rng.choice(_ACK_NOTES), True))
    last, status_before = ack_at, "acknowledged"
    pause = None
    if rng.random() < 0.75:
        last = calendar.add(ack_at, rng.uniform(0.3, 5) * 3600)
        steps.append((last, "transition", handler, "acknowledged", "investigating", "", True))
        status_before = "investigating"
        if rng.random() < 0.3:
            paused_at = calendar.add(last, rng.uniform(2, 20) * 3600)
            waited = rng.expovariate(1 / 5) + (rng.uniform(30, 90) if rng.random() < 0.05 else 0)
            resumed_at = calendar.add(paused_at + timedelta(days=max(waited, 0.2)), 0)
            paused_seconds = int(calendar.seconds_between(paused_at, resumed_at))
            pause = (paused_at, resumed_at, paused_seconds)
            steps.append((paused_at, "transition", handler, "investigating", "awaiting_customer",
                          rng.choice(_AWAIT_NOTES), True))  # fmt: skip
            steps.append((resumed_at, "transition", handler, "awaiting_customer", "investigating",
                          "The customer replied.", True))  # fmt: skip
            last = resumed_at
    slow = 0.5 if code == "repair_delay" else 0.4
    work = rng.lognormvariate(math.log(slow), 0.55) * resolve_hours * 3600
    resolved_at = calendar.add(received, work + (pause[2] if pause else 0))
    if resolved_at <= last:
        resolved_at = calendar.add(last, rng.uniform(1, 8) * 3600)
    goodwill = Decimal(rng.choice(_GOODWILL_AMOUNTS)) if rng.random() < 0.12 else Decimal(0)
    resolver = handler
    asked_at = None
    if goodwill > refs.goodwill_limit:  # asked for, then approved by the store's supervisor (who resolves it)
        asked_at = resolved_at
        resolved_at = calendar.add(asked_at, rng.uniform(1, 12) * 3600)
        resolver = supervisor_id
        steps.append((asked_at, "goodwill", handler, "", "", f"Goodwill of HKD {goodwill:,.2f} asked for; "
                      "awaiting a supervisor's approval.", True))  # fmt: skip
        steps.append((resolved_at, "goodwill", supervisor_id, "", "", f"Goodwill of HKD {goodwill:,.2f} approved.",
                      False))  # fmt: skip
    steps.append((resolved_at, "transition", resolver, status_before, "resolved", "", True))
    closed_at = None
    if rng.random() < 0.85:
        closed_at = calendar.add(resolved_at + timedelta(days=rng.uniform(2, 14)), 0)
        steps.append((closed_at, "transition", handler, "resolved", "closed", "", True))
    # SLA breaches, flagged by the check a few minutes after the due time while the clock runs.
    if ack_due + SLA_CHECK_LAG < ack_at:
        steps.append((ack_due + SLA_CHECK_LAG, "breached", None, "", "", ("acknowledge", ack_due), True))
    running = [(received, pause[0], resolve_due)] if pause else [(received, resolved_at, resolve_due)]
    resolve_due_after = resolve_due
    if pause:
        resolve_due_after = calendar.add(received, resolve_hours * 3600 + pause[2])
        running.append((pause[1], resolved_at, resolve_due_after))
    for start, end, due in running:
        flagged = max(start, due) + SLA_CHECK_LAG
        if flagged < end:
            steps.append((flagged, "breached", None, "", "", ("resolve", due), True))
            break
    escalated_at = None
    if rng.random() < 0.04:  # escalated by hand: the customer asked for the manager
        escalated_at = ack_at + (resolved_at - ack_at) * rng.random()
        steps.append((escalated_at, "escalated", supervisor_id, "", "", "The customer asked for the store manager.",
                      True))  # fmt: skip

    # What happened by now.
    happened = sorted((s for s in steps if s[0] <= now), key=lambda s: s[0])
    status = "new"
    level, version = 0, 1
    breached = {"acknowledge": None, "resolve": None}
    events = [(received, "created", logged_by, "", "new",
               "Matched to the customer record by phone or e-mail." if web else "")]  # fmt: skip
    updated = received
    for at, kind, actor, from_status, to_status, note, bumps in happened:
        if kind == "transition":
            status = to_status
        elif kind == "breached":
            what, due = note
            breached[what] = at
            level += 1
            note = (
                f"Not {'acknowledged' if what == 'acknowledge' else 'resolved'} in time (due "
                f"{due.astimezone(tz):%Y-%m-%d %H:%M}); escalated to level {level}: {supervisor_name}"
            )
        elif kind == "escalated":
            level += 1
            note = f"Level {level}. {note}"
        if bumps:
            version += 1
            updated = at
        events.append((at, kind, actor, from_status, to_status, note))
    is_resolved = status in ("resolved", "closed")
    pending = asked_at is not None and asked_at <= now and not is_resolved
    resumed = pause is not None and pause[1] <= now
    assignee = handler if ack_at <= now else intake_handler
    cause = None
    if is_resolved or pending:
        weights = {c: w for c, w in _CAUSES[code].items() if c in refs.causes} or dict.fromkeys(refs.causes, 1)
        cause = refs.causes[weighted(rng, tuple(weights), list(weights.values()))]
        summary, action = rng.choice(_RESOLUTIONS)
    else:
        summary = action = ""
    goodwill_status, decided_by = "", None
    if goodwill and is_resolved:
        goodwill_status, decided_by = "approved", (supervisor_id if asked_at else handler)
    elif pending:
        goodwill_status = "pending"
    subject, description = rng.choice(refs.subjects.get(code) or [("Complaint", "As told by the customer.")])
    complaint_id = ids.take("complaints_complaint")

    # The satisfaction survey sent on resolution, answered by some.
    surveys = []
    if is_resolved:
        sent = resolved_at
        events.append((sent, "survey", None, "", "", f"Satisfaction survey sent to {person.email}." if person.email
                       else "Satisfaction survey ready (no e-mail address: give the customer the link)."))  # fmt: skip
        answered_at = score = None
        if rng.random() < (0.45 if person.email else 0.15):
            answered = sent + timedelta(hours=rng.uniform(2, 24 * 6))
            if answered <= now:
                unhappy = level > 0
                scores = [15, 20, 30, 20, 15] if unhappy else [3, 5, 15, 37, 40]
                answered_at, score = answered, weighted(rng, (1, 2, 3, 4, 5), scores)
                events.append((answered, "survey", None, "", "",
                               f"Customer satisfaction {score}/5. {_SURVEY_COMMENTS[score]}"))  # fmt: skip
        survey_id = ids.take("complaints_satisfactionsurvey")
        surveys.append((survey_id, complaint_id, f"{survey_id:012x}{rng.getrandbits(80):020x}", sent.isoformat(),
                        (sent + timedelta(days=14)).isoformat(), answered_at and answered_at.isoformat(), score,
                        _SURVEY_COMMENTS[score] if score else ""))  # fmt: skip

    def iso(moment):
        return moment.isoformat() if moment is not None else None

    out.add(
        "complaints_complaint",
        (complaint_id, iso(received), iso(updated), person.id, None, person.name, person.phone, person.email,
         refs.pics_notice if web else None, channel, category_id, severity, store_id,
         timepiece and timepiece[0], timepiece and timepiece[1], subject, description, status, version, assignee,
         level, iso(received), iso(ack_at if ack_at <= now else None), iso(resolved_at if is_resolved else None),
         iso(closed_at if status == "closed" else None), iso(ack_due),
         iso(resolve_due_after if resumed else resolve_due),
         iso(pause[0] if status == "awaiting_customer" else None), pause[2] if resumed else 0,
         iso(breached["acknowledge"]), iso(breached["resolve"]), cause, action if cause else "",
         summary, _money(goodwill if (is_resolved or pending) else Decimal(0)), goodwill_status, decided_by, 0,
         logged_by),
    )  # fmt: skip
    for at, kind, actor, from_status, to_status, note in sorted(events, key=lambda e: e[0]):
        out.add(
            "complaints_complaintevent",
            (ids.take("complaints_complaintevent"), complaint_id, kind, actor, iso(at), from_status, to_status, note),
        )
    for row in surveys:
        out.add("complaints_satisfactionsurvey", row)


# ----------------------------------------------------------------------------------------------
# The database side.


def reference_data(*, customers: int) -> tuple[list, dict, dict]:
    """Stores, staff (account managers and a supervisor per store) and the catalogue, made if missing."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from crm_site import roles
    from crm_site.models import User
    from customers.demo.catalogue import catalogue_ensure
    from customers.models import Store

    stores = []
    for code, name, name_zh, district, weight in STORES:
        store, _ = Store.objects.get_or_create(
            code=code, defaults={"name": name, "name_zh": name_zh, "district": district}
        )
        stores.append((store, weight))
    per_store = max(2, min(MANAGERS_PER_STORE_AT_1M, round(MANAGERS_PER_STORE_AT_1M * customers / DEFAULT_CUSTOMERS)))
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in (roles.ACCOUNT_MANAGER, roles.SUPERVISOR)}
    password = make_password(None)  # unusable: bench users never log in
    managers: dict[int, list[int]] = {}
    for store, _weight in stores:
        wanted = [(f"{USER_PREFIX}am.{store.code}.{k:02d}", roles.ACCOUNT_MANAGER) for k in range(1, per_store + 1)]
        wanted.append((f"{USER_PREFIX}sup.{store.code}", roles.SUPERVISOR))
        existing = User.objects.in_bulk([u for u, _ in wanted], field_name="username")
        for username, role in wanted:
            user = existing.get(username)
            if user is None:
                user = User.objects.create(username=username, password=password, first_name=username.split(".")[1])
                user.groups.add(groups[role])
                store.staff.add(user)
                existing[username] = user
        managers[store.pk] = [existing[u].pk for u, role in wanted if role == roles.ACCOUNT_MANAGER]
    # A privacy officer (all stores), who handles personal-data complaints and data requests.
    officer, created = User.objects.get_or_create(
        username=f"{USER_PREFIX}dpo", defaults={"password": password, "first_name": "dpo"}
    )
    if created:
        officer.groups.add(Group.objects.get_or_create(name=roles.PRIVACY_OFFICER)[0])
    _brands, products, _counts = catalogue_ensure()
    return stores, managers, products


def complaint_refs(stores) -> ComplaintRefs:
    """Categories, root causes, SLA policies, opening hours and who handles what, for the complaints."""
    from django.conf import settings

    from complaints.demo import SUBJECTS
    from complaints.models import Category, OpeningHours, RootCause, SlaPolicy
    from crm_site import roles
    from crm_site.models import User
    from privacy.models import Notice
    from privacy.selectors import notice_current

    supervisors = {}
    for store, _weight in stores:
        user = User.objects.get(username=f"{USER_PREFIX}sup.{store.code}")
        supervisors[store.pk] = (user.pk, str(user))
    hours: dict[int, dict] = {store.pk: {} for store, _weight in stores}
    for row in OpeningHours.objects.filter(store__in=hours):
        hours[row.store_id][row.weekday] = (row.opens_at, row.closes_at)
    officer = User.objects.filter(username=f"{USER_PREFIX}dpo", groups__name=roles.PRIVACY_OFFICER).first()
    notice = notice_current(kind=Notice.Kind.PICS)
    return ComplaintRefs(
        categories={c.code: (c.pk, c.is_personal_data) for c in Category.objects.filter(is_active=True)},
        causes={c.code: c.pk for c in RootCause.objects.filter(is_active=True)},
        policies={
            (p.severity, p.category_id): (float(p.acknowledge_within_hours), float(p.resolve_within_hours))
            for p in SlaPolicy.objects.all()
        },
        hours=hours,
        supervisors=supervisors,
        privacy_officer=officer.pk if officer else None,
        pics_notice=notice.pk if notice else None,
        subjects={code: list(items) for code, items in SUBJECTS.items()},
        goodwill_limit=Decimal(settings.COMPLAINTS_GOODWILL_APPROVAL_ABOVE),
    )


def build_context(
    *, seed: int, today: date, customers: int, base: dict[str, int] | None = None, complaints: bool = True
) -> Context:
    from customers.demo.catalogue import BRANDS_BY_NAME, PRODUCTS_BY_KEY
    from customers.models import ServiceInterval

    stores, managers, products = reference_data(customers=customers)
    intervals = {
        (brand_id, movement): months
        for brand_id, movement, months in ServiceInterval.objects.values_list("brand_id", "movement_type", "months")
    }
    refs = []
    for key, product in sorted(products.items()):
        spec = PRODUCTS_BY_KEY.get(key)
        brand_spec = BRANDS_BY_NAME.get(product.brand.name)
        months = intervals.get((product.brand_id, product.movement_type)) or intervals.get(
            (None, product.movement_type)
        )
        refs.append(
            ProductRef(
                id=product.pk,
                brand_id=product.brand_id,
                brand=product.brand.name,
                category=product.category,
                movement=product.movement_type,
                price=product.list_price,
                model_name=product.model_name,
                reference=product.reference,
                tier=(brand_spec.tier if brand_spec else "") or ("mid" if spec and spec.is_timepiece else ""),
                warranty_years=brand_spec.warranty_years if brand_spec else 2,
                service_months=months if product.category in ("watch", "clock") else None,
            )
        )
    watches = {
        tier: [p for p in refs if p.category in ("watch", "clock") and p.tier == tier]
        for tier in ("entry", "mid", "luxury")
    }
    return Context(
        seed=seed,
        today=today,
        store_ids=[store.pk for store, _ in stores],
        store_weights=[weight for _, weight in stores],
        managers=managers,
        watches=watches,
        straps=[p for p in refs if p.category == "strap"],
        accessories=[p for p in refs if p.category == "accessory"],
        services={p.brand_id: p for p in refs if p.category == "service"},
        base={**dict.fromkeys(ALL_TABLES, 1), **(base or next_ids())},
        complaints=complaint_refs(stores) if complaints else None,
    )


def next_ids(tables: Iterable[str] = ALL_TABLES) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        base = {}
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our table names)
            base[table] = cursor.fetchone()[0]
    return base


def block_texts(ctx: Context, block: int, customers: int) -> tuple[dict[str, str], dict[str, int]]:
    return block_rows(ctx, block, customers).texts()


def blocks_texts(ctx: Context, customers: int, *, workers: int) -> Iterator[tuple[dict[str, str], dict[str, int]]]:
    """Every block's COPY text, in order. With workers, made in other processes while this one copies,
    at most two blocks ahead (bounded memory)."""
    sizes = [(block, min(BLOCK, customers - block * BLOCK)) for block in range(math.ceil(customers / BLOCK))]
    if not workers:
        for block, size in sizes:
            yield block_texts(ctx, block, size)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pending: deque = deque()
        for block, size in sizes:
            pending.append(pool.submit(block_texts, ctx, block, size))
            if len(pending) > workers + 1:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def copy_block(texts: dict[str, str], tables: Iterable[str] = ALL_TABLES) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor
        for table in tables:
            raw.copy_expert(
                f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN", io.StringIO(texts[table]), size=1 << 20
            )


def deferred_schema(tables: Iterable[str] = ALL_TABLES) -> tuple[list[str], list[str]]:
    """(drop statements, create statements) for the plain indexes and foreign keys of ``tables``."""
    from django.db import connection

    drops, creates = [], []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2
            """,
            [list(tables)],
        )
        for table, name, definition in cursor.fetchall():
            drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [list(tables)],
        )
        for name, definition in cursor.fetchall():
            drops.append(f'DROP INDEX "{name}"')
            creates.insert(0, definition)  # indexes first: the foreign keys' checks use them
    return drops, creates


def run_sql(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# Rows as a shop writes them, by date: clustering purges the generator's grouping by customer, which
# would otherwise flatter every per-customer scan (a customer's purchases side by side on disk).
CHRONOLOGICAL = (
    ("customers_purchase", "purchased_on"),
    ("customers_ownedtimepiece", "created_at"),
    ("customers_interaction", "occurred_at"),
)


def chronological_order() -> None:
    """CLUSTER the tables in CHRONOLOGICAL on their date index (PostgreSQL rewrites each table once)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, column in CHRONOLOGICAL:
            cursor.execute(
                """SELECT i.indexrelid::regclass::text FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = %s::regclass AND a.attname = %s AND i.indnatts = 1 LIMIT 1""",
                [table, column],
            )
            cursor.execute(f'CLUSTER {table} USING "{cursor.fetchone()[0]}"')


def settle(*, analyze_only: bool = False, tables: Iterable[str] = ALL_TABLES) -> None:
    """Sequences after the highest ids, then VACUUM ANALYZE (or ANALYZE inside a transaction)."""
    from django.db import connection

    tables = list(tables)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(COALESCE(MAX(id), 0), 1)) FROM {table}",  # noqa: S608
                [table],
            )
        for table in tables:
            cursor.execute(f"{'ANALYZE' if analyze_only else 'VACUUM (ANALYZE)'} {table}")


def generate(
    *,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
    fast_load: bool | None = None,
    in_transaction: bool = False,
    workers: int = 0,
    chronological: bool | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, int]:
    """Load ``customers`` customers and their history; returns the rows written per table.

    ``in_transaction``: the caller holds a transaction (tests): ANALYZE instead of VACUUM ANALYZE.
    ``chronological``: CLUSTER the dated tables by date (default: with a fast load).
    ``workers``: processes that make the rows while this one copies them (0: this process does both).
    """
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("The generator writes with PostgreSQL's COPY: point DATABASE_URL at PostgreSQL.")
    fast_load = customers >= FAST_LOAD_FROM if fast_load is None else fast_load
    started = time.perf_counter()
    with transaction.atomic():
        ctx = build_context(seed=seed, today=today, customers=customers)
    say(f"{customers:,} customers from id {ctx.base['customers_customer']:,}, seed {seed}, today {today}")
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
    drops, creates = deferred_schema() if fast_load else ([], [])
    if drops:
        say(f"  dropping {len(drops)} plain indexes and foreign keys for the load")
        with transaction.atomic():
            run_sql(drops)
    totals = dict.fromkeys(ALL_TABLES, 0)
    try:
        blocks = math.ceil(customers / BLOCK)
        for block, (texts, counts) in enumerate(blocks_texts(ctx, customers, workers=workers)):
            with transaction.atomic():
                copy_block(texts)
            for table, count in counts.items():
                totals[table] += count
            if block % 10 == 9 or block == blocks - 1:
                say(
                    f"  {min((block + 1) * BLOCK, customers):>9,} customers, {totals['customers_purchaseline']:>11,}"
                    f" purchase lines  {time.perf_counter() - started:6.0f} s"
                )
    finally:
        if creates:
            say(f"  creating {len(creates)} indexes and foreign keys again (the keys are checked)")
            with transaction.atomic():
                run_sql(creates)
    loaded = time.perf_counter()
    if chronological if chronological is not None else fast_load:
        say("  ordering purchases, timepieces and interactions by date on disk (CLUSTER)")
        chronological_order()
    if in_transaction:
        settle(analyze_only=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")
        settle()
    say(f"  settled (order, sequences, vacuum and statistics) in {time.perf_counter() - loaded:.0f} s")
    say(f"Done in {time.perf_counter() - started:.0f} s: " + ", ".join(f"{t[10:]} {n:,}" for t, n in totals.items()))
    return totals


def loaded_bases() -> tuple[int, dict[str, int]]:
    """(bench customers, the first id of each of TABLES) of a load already in the database.

    Block 0 takes the first id of each table's range (its first customer, that customer's first
    purchase and line...), so the smallest id of the bench rows in each table is the load's base.
    """
    from django.db import connection

    bench = "(SELECT id FROM customers_customer WHERE external_ref LIKE %(prefix)s)"
    queries = {
        "customers_customer": "SELECT MIN(id) FROM customers_customer WHERE external_ref LIKE %(prefix)s",
        "customers_purchase": "SELECT MIN(id) FROM customers_purchase WHERE customer_id IN " + bench,  # noqa: S608 (constants)
        "customers_purchaseline": "SELECT MIN(id) FROM customers_purchaseline WHERE purchase_id = %(purchase)s",
        "customers_ownedtimepiece": "SELECT MIN(id) FROM customers_ownedtimepiece WHERE customer_id IN " + bench,  # noqa: S608 (constants)
        "customers_interaction": "SELECT MIN(id) FROM customers_interaction WHERE customer_id IN " + bench,  # noqa: S608 (constants)
        "customers_followuptask": "SELECT MIN(id) FROM customers_followuptask WHERE customer_id IN " + bench,  # noqa: S608 (constants)
    }
    params = {"prefix": f"{REF_PREFIX}%"}
    base: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer WHERE external_ref LIKE %(prefix)s", params)
        customers = cursor.fetchone()[0]
        for table, sql in queries.items():
            cursor.execute(sql, {**params, "purchase": base.get("customers_purchase")})
            base[table] = cursor.fetchone()[0]
    return customers, base


def _check_block(ctx: Context, block: int, texts: dict[str, str], counts: dict[str, int]) -> None:
    """The block made again is the one in the database: same rows per table in its id ranges, same first customer."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in TABLES:
            first = ctx.base[table] + block * PER_BLOCK[table]
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE id >= %s AND id < %s",  # noqa: S608 (our table names)
                [first, first + PER_BLOCK[table]],
            )
            if cursor.fetchone()[0] != counts[table]:
                raise SystemExit(
                    f"Block {block}: {table} holds other rows than this generator makes: load with the same "
                    "--seed and --today (or regenerate the load)."
                )
        row = texts["customers_customer"].split("\n", 1)[0].split("\t")
        cursor.execute("SELECT external_ref, name_en FROM customers_customer WHERE id = %s", [int(row[0])])
        found = cursor.fetchone()
        wanted = (
            row[COLUMNS["customers_customer"].index("external_ref")],
            row[COLUMNS["customers_customer"].index("name_en")],
        )
        if found != wanted:
            raise SystemExit(f"Block {block}: customer {row[0]} is {found}, this generator makes {wanted}.")


def generate_complaints(
    *,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
    fast_load: bool | None = None,
    in_transaction: bool = False,
    workers: int = 0,
    say: Callable[[str], None] = print,
) -> dict[str, int]:
    """Add the complaints of a full run to a load made without them (``--only complaints``).

    Each block is made again (the same rows, checked against the database: counts per id range and
    the first customer) and only its complaints are copied, in one transaction. Refuses when bench
    customers have complaints already.
    """
    from django.db import transaction

    from complaints.models import Complaint

    started = time.perf_counter()
    if Complaint.objects.filter(customer__external_ref__startswith=REF_PREFIX).exists():
        raise SystemExit("The bench customers have complaints already: nothing added.")
    customers, base = loaded_bases()
    if not customers:
        raise SystemExit("No bench customers in this database: run bench/generate.py first.")
    fast_load = customers >= FAST_LOAD_FROM if fast_load is None else fast_load
    with transaction.atomic():
        ctx = build_context(seed=seed, today=today, customers=customers, base={**base, **next_ids(COMPLAINT_TABLES)})
    say(f"complaints of {customers:,} customers (from id {base['customers_customer']:,}), seed {seed}, today {today}")
    totals = dict.fromkeys(COMPLAINT_TABLES, 0)
    with transaction.atomic():
        drops, creates = deferred_schema(COMPLAINT_TABLES) if fast_load else ([], [])
        run_sql(drops)
        blocks = math.ceil(customers / BLOCK)
        for block, (texts, counts) in enumerate(blocks_texts(ctx, customers, workers=workers)):
            _check_block(ctx, block, texts, counts)
            copy_block(texts, COMPLAINT_TABLES)
            for table in COMPLAINT_TABLES:
                totals[table] += counts[table]
            if block % 10 == 9 or block == blocks - 1:
                say(
                    f"  {min((block + 1) * BLOCK, customers):>9,} customers, {totals['complaints_complaint']:>7,}"
                    f" complaints  {time.perf_counter() - started:6.0f} s"
                )
        if creates:
            say(f"  creating {len(creates)} indexes and foreign keys again (the keys are checked)")
            run_sql(creates)
    settle(analyze_only=in_transaction, tables=COMPLAINT_TABLES)
    say(f"Done in {time.perf_counter() - started:.0f} s: " + ", ".join(f"{t[11:]} {n:,}" for t, n in totals.items()))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--fast-load", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--chronological", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--workers", type=int, default=1, help="processes making rows while one copies (0: none)")
    parser.add_argument(
        "--only",
        choices=["complaints"],
        help="add only the complaints a full run writes, to a load made without them (same --seed and --today)",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from customers.models import Customer

    if args.only == "complaints":
        print(f"bench/generate.py --only complaints at {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC")
        generate_complaints(seed=args.seed, today=args.today, fast_load=args.fast_load, workers=args.workers)
        return
    if Customer.objects.filter(external_ref__startswith=REF_PREFIX).exists():
        raise SystemExit("This database already holds bench customers: load into a fresh (migrated) database.")
    print(f"bench/generate.py at {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC")
    generate(
        customers=args.customers,
        seed=args.seed,
        today=args.today,
        fast_load=args.fast_load,
        workers=args.workers,
        chronological=args.chronological,
    )


if __name__ == "__main__":
    main()
