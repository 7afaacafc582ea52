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


class Block:
    """The COPY text of one block of customers, one buffer per table."""

    def __init__(self):
        self.buffers = {table: io.StringIO() for table in TABLES}
        self.counts = dict.fromkeys(TABLES, 0)

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
        self.next = {table: ctx.base[table] + block * per_block[table] for table in TABLES}
        self.limit = {table: self.next[table] + per_block[table] for table in TABLES}

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
}


def block_rows(ctx: Context, block: int, customers: int) -> Block:
    """The rows of customers block*BLOCK+1 … (at most ``customers`` of them)."""
    rng = random.Random(f"{ctx.seed}:{block}")
    out = Block()
    ids = Ids(ctx, block, PER_BLOCK)
    for offset in range(customers):
        _customer(ctx, rng, ids, out, block * BLOCK + offset + 1)
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
    out.add(
        "customers_ownedtimepiece",
        (ids.take("customers_ownedtimepiece"), stamp, stamp, product.model_name, product.reference,
         serial, product.movement, source, status, bought.isoformat(), warranty and warranty.isoformat(),
         last_serviced and last_serviced.isoformat(), due and due.isoformat(), "", product.brand_id, customer_id,
         product.id, line_id),
    )  # fmt: skip


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
    _brands, products, _counts = catalogue_ensure()
    return stores, managers, products


def build_context(*, seed: int, today: date, customers: int, base: dict[str, int] | None = None) -> Context:
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
        base=base or next_ids(),
    )


def next_ids() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        base = {}
        for table in TABLES:
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


def copy_block(texts: dict[str, str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor
        for table in TABLES:
            raw.copy_expert(
                f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN", io.StringIO(texts[table]), size=1 << 20
            )


def deferred_schema() -> tuple[list[str], list[str]]:
    """(drop statements, create statements) for the plain indexes and foreign keys of TABLES."""
    from django.db import connection

    drops, creates = [], []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2
            """,
            [list(TABLES)],
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
            [list(TABLES)],
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


def settle(*, analyze_only: bool = False) -> None:
    """Sequences after the highest ids, then VACUUM ANALYZE (or ANALYZE inside a transaction)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(COALESCE(MAX(id), 0), 1)) FROM {table}",  # noqa: S608
                [table],
            )
        for table in TABLES:
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
    totals = dict.fromkeys(TABLES, 0)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--fast-load", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--chronological", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--workers", type=int, default=1, help="processes making rows while one copies (0: none)")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from customers.models import Customer

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
