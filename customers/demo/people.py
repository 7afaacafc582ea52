"""The demo people: three Hong Kong watch shops, their staff and ~2,000 customers.

Every run builds the same customers (``random.Random(DEMO_SEED)``, no clock, no Faker) and
creates only the missing ones. Customer number ``n`` (``external_ref`` ``DEMO-00000n``) is
the same whatever count is asked for. Demo users all share the published ``DEMO_PASSWORD``.
"""

import calendar
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from crm_site import roles
from crm_site.models import User
from customers.models import Customer, District, Store

DEMO_PASSWORD = "watch-demo-2026"  # noqa: S105 - published on purpose; demo mode only
DEMO_CUSTOMERS = 2000
DEMO_SEED = 2026
DEMO_REF_PREFIX = "DEMO-"
DEMO_USER_EMAIL_DOMAIN = "demo.example.hk"


@dataclass(frozen=True)
class DemoStore:
    code: str
    name: str
    name_zh: str
    district: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    store_code: str
    first_name: str
    last_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@{DEMO_USER_EMAIL_DOMAIN}"


DEMO_STORES = (
    DemoStore("central", "Central", "中環", District.CENTRAL_WESTERN),
    DemoStore("tst", "Tsim Sha Tsui", "尖沙咀", District.YAU_TSIM_MONG),
    DemoStore("cwb", "Causeway Bay", "銅鑼灣", District.WAN_CHAI),
)
# Username prefix and role; "am2" gives each store a second account manager's book.
_ROLE_PREFIXES = (
    ("am", roles.ACCOUNT_MANAGER),
    ("am2", roles.ACCOUNT_MANAGER),
    ("sup", roles.SUPERVISOR),
    ("admin", roles.ADMIN),
    ("dpo", roles.PRIVACY_OFFICER),
)
_STAFF_NAMES = {  # in _ROLE_PREFIXES order
    "central": (("Karen", "Wong"), ("Jason", "Lee"), ("Vivian", "Cheung"), ("Raymond", "Lau"), ("Grace", "Ho")),
    "tst": (("Kelvin", "Chan"), ("Mandy", "Ng"), ("Patrick", "Leung"), ("Winnie", "Tsang"), ("Alan", "Yip")),
    "cwb": (("Queenie", "Lam"), ("Eric", "Chow"), ("Joyce", "Fung"), ("Terence", "Mak"), ("Fiona", "Kwok")),
}
DEMO_USERS = tuple(
    DemoUser(f"{prefix}.{store.code}", role, store.code, first, last)
    for store in DEMO_STORES
    for (prefix, role), (first, last) in zip(_ROLE_PREFIXES, _STAFF_NAMES[store.code], strict=True)
)

# Romanisation, Chinese, weight (roughly how common the surname is in Hong Kong).
_SURNAMES = (
    ("Chan", "陳", 12), ("Wong", "黃", 10), ("Lee", "李", 8), ("Cheung", "張", 6), ("Lau", "劉", 5),
    ("Leung", "梁", 5), ("Ng", "吳", 4), ("Ho", "何", 4), ("Lam", "林", 4), ("Tang", "鄧", 3),
    ("Yip", "葉", 3), ("Tsang", "曾", 3), ("Chow", "周", 3), ("Kwok", "郭", 2), ("Fung", "馮", 2),
    ("Lo", "羅", 2), ("Siu", "蕭", 1), ("Mak", "麥", 2), ("Yeung", "楊", 3), ("Choi", "蔡", 2),
    ("Chu", "朱", 2), ("Ma", "馬", 2), ("Tam", "譚", 2), ("Cheng", "鄭", 3), ("Hui", "許", 2),
    ("Kwan", "關", 1), ("Poon", "潘", 1), ("Yuen", "袁", 1), ("Tse", "謝", 2), ("Wong", "王", 2),
)  # fmt: skip
_GIVEN_MALE = (
    ("Tai Man", "大文"), ("Chi Keung", "志強"), ("Ka Ming", "家明"), ("Wai Kit", "偉傑"), ("Kwok Wing", "國榮"),
    ("Chun Wai", "俊偉"), ("Siu Ming", "小明"), ("Ho Yin", "浩賢"), ("Tsz Hin", "子軒"), ("Kin Wah", "健華"),
    ("Wing Hong", "永康"), ("Man Kit", "文傑"), ("Yiu Fai", "耀輝"), ("Chun Kit", "俊傑"), ("Pak Ho", "柏豪"),
    ("Kwan Ho", "君豪"), ("Sai Cheong", "世昌"), ("Lok Yin", "樂賢"), ("Wai Lun", "偉倫"), ("Chi Ming", "志明"),
)  # fmt: skip
_GIVEN_FEMALE = (
    ("Ka Yan", "嘉欣"), ("Wing Sze", "詠詩"), ("Mei Ling", "美玲"), ("Siu Wai", "小慧"), ("Hoi Yan", "凱欣"),
    ("Ka Yee", "嘉怡"), ("Wai Man", "慧敏"), ("Suet Ying", "雪瑩"), ("Pui Shan", "佩珊"), ("Lai Kuen", "麗娟"),
    ("Yuen Ting", "婉婷"), ("Sze Wing", "思穎"), ("Hiu Tung", "曉彤"), ("Ching Man", "靜雯"), ("Lok Yee", "樂儀"),
    ("Mei Kuen", "美娟"), ("Oi Ling", "愛玲"), ("Shuk Fan", "淑芬"), ("Yan Yee", "欣怡"), ("Man Yee", "敏儀"),
)  # fmt: skip
_ENGLISH_MALE = ("Peter", "David", "Michael", "Raymond", "Kenneth", "Alan", "Eric", "Jason", "Kelvin", "Vincent",
                 "Patrick", "Ivan", "Desmond", "Terence", "Stanley")  # fmt: skip
_ENGLISH_FEMALE = ("Karen", "Winnie", "Mandy", "Cecilia", "Joyce", "Grace", "Vivian", "Carmen", "Jennifer",
                   "Queenie", "Fiona", "Rebecca", "Michelle", "Candy", "Esther")  # fmt: skip
_VISITOR_MALE = ("James", "Oliver", "Thomas", "Rahul", "Lucas")
_VISITOR_FEMALE = ("Sophie", "Charlotte", "Emma", "Priya", "Hannah")
_VISITOR_LAST = ("Smith", "Whitfield", "Martin", "Mehta", "Fernandes", "Brown", "Taylor", "Walker", "Sharma")
_COMPANY_PREFIXES = (
    ("Harbour", "海港"), ("Victoria", "維多利亞"), ("Golden Dragon", "金龍"), ("Pearl River", "珠江"),
    ("Kowloon", "九龍"), ("Orient", "東方"), ("Jade", "翡翠"), ("Lucky Star", "福星"), ("Evergreen", "長青"),
    ("Pacific", "太平洋"), ("Silver Crest", "銀峰"), ("Lion Rock", "獅子山"),
)  # fmt: skip
_COMPANY_TRADES = (
    ("Jewellery Trading", "珠寶貿易"), ("Watch Company", "鐘錶"), ("Trading", "貿易"), ("Holdings", "控股"),
    ("Investment", "投資"), ("Logistics", "物流"), ("Properties", "置業"), ("Garments", "製衣"),
    ("Electronics", "電子"),
)  # fmt: skip
# District, weight (about where people live), streets. The home store's district weighs more.
_DISTRICTS = (
    (District.CENTRAL_WESTERN, 4, ("Conduit Road", "Robinson Road", "Caine Road", "Bonham Road", "Pok Fu Lam Road")),
    (District.WAN_CHAI, 3, ("Kennedy Road", "Stubbs Road", "Hennessy Road", "Leighton Road", "Tai Hang Road")),
    (District.EASTERN, 7, ("King's Road", "Shau Kei Wan Road", "Taikoo Shing Road", "Chai Wan Road")),
    (District.SOUTHERN, 4, ("Repulse Bay Road", "South Bay Road", "Ap Lei Chau Main Street", "Wong Chuk Hang Road")),
    (District.YAU_TSIM_MONG, 5, ("Nathan Road", "Canton Road", "Austin Road", "Jordan Road")),
    (District.SHAM_SHUI_PO, 5, ("Cheung Sha Wan Road", "Lai Chi Kok Road", "Yen Chow Street")),
    (District.KOWLOON_CITY, 5, ("Waterloo Road", "Ma Tau Wai Road", "Kadoorie Avenue", "Wuhu Street")),
    (District.WONG_TAI_SIN, 5, ("Lung Cheung Road", "Fung Tak Road", "Choi Hung Road")),
    (District.KWUN_TONG, 8, ("Kwun Tong Road", "Hip Wo Street", "Ngau Tau Kok Road")),
    (District.KWAI_TSING, 6, ("Kwai Chung Road", "Tsing Yi Road", "Kwai Shing Circuit")),
    (District.TSUEN_WAN, 4, ("Castle Peak Road", "Sha Tsui Road", "Tai Ho Road")),
    (District.TUEN_MUN, 6, ("Tuen Mun Heung Sze Wui Road", "Tuen Hing Road", "Hoi Wing Road")),
    (District.YUEN_LONG, 7, ("Kau Yuk Road", "Tin Shui Road", "Ma Tin Road")),
    (District.NORTH, 4, ("San Wan Road", "Jockey Club Road", "Lung Sum Avenue")),
    (District.TAI_PO, 4, ("Kwong Fuk Road", "Ting Kok Road", "Tat Wan Road")),
    (District.SHA_TIN, 9, ("Tai Chung Kiu Road", "Ngau Pei Sha Street", "Sha Kok Street")),
    (District.SAI_KUNG, 6, ("Hiram's Highway", "Po Tung Road", "Chung Wa Road", "Tong Ming Street")),
    (District.ISLANDS, 2, ("Tung Chung Waterfront Road", "Discovery Bay Road", "Mei Tung Street")),
)
_OFFICE_STREETS = (
    (District.CENTRAL_WESTERN, ("Queen's Road Central", "Des Voeux Road Central", "Connaught Road Central")),
    (District.WAN_CHAI, ("Gloucester Road", "Lockhart Road", "Hennessy Road")),
    (District.YAU_TSIM_MONG, ("Canton Road", "Mody Road", "Nathan Road")),
    (District.KWUN_TONG, ("Hoi Bun Road", "How Ming Street", "Hung To Road")),
)
_PERSON_NOTES = (
    "Collects Rolex sports models; on the waiting list for a Daytona.",
    "Prefers appointments on Saturday afternoons.",
    "Bought an Omega Speedmaster for his son's graduation.",
    "Interested in vintage Patek Philippe; call when one comes in.",
    "Brings her Cartier Tank in for a strap change every spring.",
    "Guest at the autumn Grand Seiko evening; asked about the Spring Drive models.",
    "喜歡週末下午到店，請預先留座。",
    "太太生日在十二月，每年選購女裝錶作禮物。",
    "Likes small dress watches; wrist is 15.5 cm.",
    "Service history: Tudor Black Bay serviced in our workshop.",
)
_CHANNELS = (
    Customer.Channel.WHATSAPP,
    Customer.Channel.PHONE,
    Customer.Channel.SMS,
    Customer.Channel.EMAIL,
    Customer.Channel.POST,
)
_SOURCES = (
    Customer.Source.WALK_IN,
    Customer.Source.REFERRAL,
    Customer.Source.EVENT,
    Customer.Source.ONLINE,
    Customer.Source.FOCUS_GROUP,
)
_FEMALE_SALUTATIONS = (
    Customer.Salutation.MS,
    Customer.Salutation.MRS,
    Customer.Salutation.MISS,
    Customer.Salutation.DR,
)
_COMPANY_SUFFIXES = (("", ""), (" (Asia)", "（亞洲）"), (" (Hong Kong)", "（香港）"))
_COMPANY_NOTES = (
    "Orders long-service award watches for staff every December.",
    "Corporate gifts for clients at Chinese New Year; invoice to the finance department.",
    "公司客戶：每年中秋訂購禮品座枱鐘。",
)


def stores_ensure() -> tuple[dict[str, Store], int]:
    stores, created_count = {}, 0
    for spec in DEMO_STORES:
        store, created = Store.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "name_zh": spec.name_zh, "district": spec.district}
        )
        stores[spec.code] = store
        created_count += created
    return stores, created_count


def users_ensure(*, stores: dict[str, Store], groups: dict[str, Group]) -> tuple[dict[str, User], int]:
    """Create the missing demo users; existing ones (and their memberships) are left as they are."""
    users = User.objects.in_bulk([spec.username for spec in DEMO_USERS], field_name="username")
    # One hash for the shared, published password: a PBKDF2 hash per user costs ~0.5 s each.
    password = make_password(DEMO_PASSWORD) if len(users) < len(DEMO_USERS) else None
    created_count = 0
    for spec in DEMO_USERS:
        if spec.username in users:
            continue
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": spec.email,
                "is_staff": spec.role == roles.ADMIN,
                "password": password,
            },
        )
        if created:
            user.groups.add(groups[spec.role])
            stores[spec.store_code].staff.add(user)
            created_count += 1
        users[spec.username] = user
    return users, created_count


def customers_ensure(
    *, count: int, stores: dict[str, Store], users: dict[str, User], rows: list[dict] | None = None
) -> list[Customer]:
    """Create the first ``count`` demo customers that are missing (``rows``: demo_customer_rows(count=count)
    if already made); returns the new ones."""
    existing = set(
        Customer.objects.filter(external_ref__startswith=DEMO_REF_PREFIX).values_list("external_ref", flat=True)
    )
    if existing.issuperset(f"{DEMO_REF_PREFIX}{n:06d}" for n in range(1, count + 1)):
        return []
    missing = []
    for row in demo_customer_rows(count=count) if rows is None else rows[:count]:
        if row["external_ref"] in existing:
            continue
        fields = {name: value for name, value in row.items() if name not in ("store_code", "manager_prefix")}
        store_code, manager_prefix = row["store_code"], row["manager_prefix"]
        customer = Customer(
            home_store=stores[store_code],
            account_manager=users[f"{manager_prefix}.{store_code}"] if manager_prefix else None,
            **fields,
        )
        # No database round trips: FKs are ours, refs are new, the database checks the constraints.
        customer.full_clean(
            exclude=["home_store", "account_manager"], validate_unique=False, validate_constraints=False
        )
        missing.append(customer)
    Customer.objects.bulk_create(missing, batch_size=500)
    return missing


def demo_customer_rows(*, count: int = DEMO_CUSTOMERS) -> list[dict]:
    """The first ``count`` demo customers as field values, plus ``store_code`` and ``manager_prefix``."""
    return list(itertools.islice(_customer_rows(random.Random(DEMO_SEED)), count))  # noqa: S311 - not security


def _customer_rows(rng: random.Random) -> Iterator[dict]:
    """Demo customers one after the other, for ever; each draws from ``rng`` in turn, so a prefix never changes."""
    phones: set[str] = set()
    emails: set[str] = set()
    company_names = list(itertools.product(_COMPANY_PREFIXES, _COMPANY_TRADES))
    rng.shuffle(company_names)
    companies = 0
    for n in itertools.count(1):
        store = rng.choices(DEMO_STORES, weights=(36, 38, 26))[0]
        if rng.random() < 0.05:
            row = _company(
                rng, name=company_names[companies % len(company_names)], round_=companies // len(company_names)
            )
            companies += 1
        else:
            row = _person(rng, home_district=store.district)
        row["mobile_phone"] = mobile_unique(rng, phones)
        if row["email"]:
            row["email"] = email_unique(rng, emails, row["email"])
        channel = rng.choices(_CHANNELS, weights=(40, 25, 15, 15, 5))[0]
        if (channel == Customer.Channel.EMAIL and not row["email"]) or (
            channel == Customer.Channel.POST and not row["address"]
        ):
            channel = Customer.Channel.WHATSAPP
        yield {
            **row,
            "preferred_channel": channel,
            "acquisition_source": rng.choices(_SOURCES, weights=(50, 20, 12, 13, 5))[0],
            "store_code": store.code,
            "manager_prefix": rng.choices(("am", "am2", None), weights=(53, 43, 4))[0],
            "external_ref": f"{DEMO_REF_PREFIX}{n:06d}",
        }


def _person(rng: random.Random, *, home_district: str) -> dict:
    surname_en, surname_zh, _weight = rng.choices(_SURNAMES, weights=[s[2] for s in _SURNAMES])[0]
    female = rng.random() < 0.52
    given_en, given_zh = rng.choice(_GIVEN_FEMALE if female else _GIVEN_MALE)
    english = rng.choice(_ENGLISH_FEMALE if female else _ENGLISH_MALE)
    style = rng.choices(("local", "english_local", "english", "zh_only", "visitor"), weights=(58, 22, 10, 6, 4))[0]
    name_zh, first, last = f"{surname_zh}{given_zh}", given_en.replace(" ", ""), surname_en
    if style == "local":
        name_en = f"{surname_en} {given_en}"
    elif style == "english_local":
        name_en, first = f"{english} {surname_en} {given_en}", english
    elif style == "english":
        name_en, first = f"{english} {surname_en}", english
    elif style == "zh_only":
        name_en = ""
    else:  # a visitor without a Chinese name
        first, last = rng.choice(_VISITOR_FEMALE if female else _VISITOR_MALE), rng.choice(_VISITOR_LAST)
        name_en, name_zh = f"{first} {last}", ""
    if rng.random() < 0.1:
        salutation = ""
    elif female:
        salutation = rng.choices(_FEMALE_SALUTATIONS, weights=(50, 30, 15, 5))[0]
    else:
        salutation = Customer.Salutation.DR if rng.random() < 0.06 else Customer.Salutation.MR
    chinese = style == "zh_only" or (style != "visitor" and rng.random() < 0.53)

    weights = [weight * (4 if district == home_district else 1) for district, weight, _streets in _DISTRICTS]
    district, _weight, streets = rng.choices(_DISTRICTS, weights=weights)[0]
    address = ""
    if rng.random() < 0.6:
        floor, flat, number, street = (
            rng.randint(2, 45),
            rng.choice("ABCDEFGH"),
            rng.randint(1, 250),
            rng.choice(streets),
        )
        if rng.random() < 0.5:
            address = f"Flat {floor}{flat}, {number} {street}"
        else:
            address = f"Flat {flat}, {floor}/F, Block {rng.randint(1, 8)}, {number} {street}"
    elif rng.random() < 0.2:
        district = ""

    month = day = year = None
    if rng.random() < 0.6:
        month = rng.randint(1, 12)
        year = rng.randint(1945, 2005) if rng.random() < 0.5 else None
        day = rng.randint(1, calendar.monthrange(year or 2000, month)[1])  # 29 Feb only in leap or unknown years

    email = ""
    if rng.random() < 0.7:
        first, last = first.lower(), last.lower()
        initials = "".join(part[0] for part in given_en.lower().split())
        local = rng.choice(
            (
                f"{first}.{last}",
                f"{last}.{first}",
                f"{last}{initials}",
                f"{first}{last}{rng.randint(1, 99)}",
                f"{first}_{last}",
            )
        )
        domain = rng.choices(("example.com", "example.net", "example.org"), weights=(60, 25, 15))[0]
        email = f"{local}@{domain}"

    return {
        "kind": Customer.Kind.PERSON,
        "salutation": salutation,
        "name_en": name_en,
        "name_zh": name_zh,
        "email": email,
        "address": address,
        "district": district,
        "birth_month": month,
        "birth_day": day,
        "birth_year": year,
        "preferred_language": Customer.Language.CHINESE if chinese else Customer.Language.ENGLISH,
        "notes": rng.choice(_PERSON_NOTES) if rng.random() < 0.06 else "",
    }


def _company(rng: random.Random, *, name: tuple, round_: int) -> dict:
    """Names repeat only after every prefix/trade pair is taken, then with a suffix: "(Asia)", "(Hong Kong)", "(3)"."""
    (prefix_en, prefix_zh), (trade_en, trade_zh) = name
    suffix_en, suffix_zh = (
        _COMPANY_SUFFIXES[round_] if round_ < len(_COMPANY_SUFFIXES) else (f" ({round_})", f"（{round_}）")
    )
    district, streets = rng.choice(_OFFICE_STREETS)
    floor = rng.randint(3, 38)
    slug = (prefix_en + trade_en.split()[0]).lower().replace(" ", "")
    email = f"{rng.choice(('accounts', 'info', 'purchasing'))}@{slug}.example.com" if rng.random() < 0.85 else ""
    return {
        "kind": Customer.Kind.COMPANY,
        "salutation": "",
        "name_en": f"{prefix_en} {trade_en}{suffix_en} Ltd",
        "name_zh": f"{prefix_zh}{trade_zh}{suffix_zh}有限公司",
        "email": email,
        "address": f"Room {floor}{rng.randint(1, 20):02d}, {floor}/F, {rng.randint(1, 300)} {rng.choice(streets)}",
        "district": district,
        "birth_month": None,
        "birth_day": None,
        "birth_year": None,
        "preferred_language": Customer.Language.CHINESE if rng.random() < 0.35 else Customer.Language.ENGLISH,
        "notes": rng.choice(_COMPANY_NOTES) if rng.random() < 0.15 else "",
    }


def prospect_name(rng: random.Random) -> dict:
    """A person's names for a lead: ``name_en``, ``name_zh``, ``female`` and an e-mail local part."""
    surname_en, surname_zh, _weight = rng.choices(_SURNAMES, weights=[s[2] for s in _SURNAMES])[0]
    female = rng.random() < 0.5
    given_en, given_zh = rng.choice(_GIVEN_FEMALE if female else _GIVEN_MALE)
    if rng.random() < 0.4:
        english = rng.choice(_ENGLISH_FEMALE if female else _ENGLISH_MALE)
        name_en, local = f"{english} {surname_en}", f"{english}.{surname_en}"
    else:
        name_en, local = f"{surname_en} {given_en}", f"{surname_en}{given_en.replace(' ', '')}"
    name_zh = "" if rng.random() < 0.15 else f"{surname_zh}{given_zh}"
    return {"name_en": name_en, "name_zh": name_zh, "female": female, "email_local": local.lower()}


def mobile_unique(rng: random.Random, seen: set[str]) -> str:
    """A valid Hong Kong mobile number (+852 and 8 digits from 5, 6 or 9), not used before."""
    while True:
        number = phonenumbers.parse(f"+852{rng.choices('965', weights=(45, 40, 15))[0]}{rng.randrange(10**7):07d}")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in seen and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
            seen.add(e164)
            return e164


def email_unique(rng: random.Random, seen: set[str], email: str) -> str:
    local, domain = email.split("@")
    while email in seen:
        email = f"{local}{rng.randint(1, 999)}@{domain}"
    seen.add(email)
    return email
