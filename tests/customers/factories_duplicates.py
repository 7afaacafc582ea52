"""Test data for duplicate detection and merges: customers that never look alike by accident,
and a customer's whole client record (purchases, timepieces, interactions, tasks, links, leads)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from customers.models import (
    Brand,
    Customer,
    District,
    FollowUpTask,
    Interaction,
    Lead,
    MovementType,
    OwnedTimepiece,
    Product,
    Purchase,
    PurchaseLine,
    Relationship,
    ServiceJob,
)

# 20 × 20 distinct names: people made by ``person`` share no name, Chinese or English.
SURNAMES = [
    ("Chan", "陳"),
    ("Wong", "黃"),
    ("Lee", "李"),
    ("Cheung", "張"),
    ("Lau", "劉"),
    ("Leung", "梁"),
    ("Lam", "林"),
    ("Tsang", "曾"),
    ("Ng", "吳"),
    ("Ho", "何"),
    ("Yip", "葉"),
    ("Kwok", "郭"),
    ("Tang", "鄧"),
    ("Mak", "麥"),
    ("Yeung", "楊"),
    ("Fung", "馮"),
    ("Tse", "謝"),
    ("Lo", "盧"),
    ("Choi", "蔡"),
    ("Chow", "周"),
]
GIVEN = [
    ("Ka Ho", "家豪"),
    ("Siu Ming", "小明"),
    ("Mei Ling", "美玲"),
    ("Wai Man", "偉文"),
    ("Chi Keung", "志強"),
    ("Ka Yan", "嘉欣"),
    ("Tsz Hin", "梓軒"),
    ("Hoi Yan", "凱欣"),
    ("Wing Sze", "詠詩"),
    ("Kin Wah", "建華"),
    ("Suk Fan", "淑芬"),
    ("Yuk Lan", "玉蘭"),
    ("Chun Kit", "俊傑"),
    ("Pui Shan", "佩珊"),
    ("Man Kit", "文傑"),
    ("Sze Wing", "思穎"),
    ("Kwok Wai", "國偉"),
    ("Lai Ha", "麗霞"),
    ("Yat Fai", "日輝"),
    ("Wai Ling", "慧玲"),
]
DISTRICTS = [value for value, _label in District.choices if value != District.OUTSIDE_HK]

_sequence = itertools.count(1)


def person(*, store, account_manager=None, **fields) -> Customer:
    """A customer with a name, phone, e-mail and birthday no other ``person`` of the test shares.

    Up to 400 people per test are distinct (birthdays and districts do repeat, as in life).
    """
    n = next(_sequence)
    surname, surname_zh = SURNAMES[n % 20]
    given, given_zh = GIVEN[(n // 20) % 20]
    values = {
        "name_en": f"{surname} {given}",
        "name_zh": f"{surname_zh}{given_zh}",
        "mobile_phone": f"+8529{n:07d}",
        "email": f"client{n}@example.com",
        "district": DISTRICTS[n % len(DISTRICTS)],
        "birth_month": n % 12 + 1,
        "birth_day": n % 28 + 1,
        "home_store": store,
        "account_manager": account_manager,
    }
    values.update(fields)
    if values["birth_month"] is None:  # "no birthday": the day goes with the month
        values["birth_day"] = fields.get("birth_day")
    return Customer.objects.create(**values)


def brand_and_product(*, name="Omega", reference=None) -> tuple[Brand, Product]:
    brand, _created = Brand.objects.get_or_create(name=name)
    product = Product.objects.create(
        brand=brand,
        model_name="Seamaster",
        reference=reference or f"REF-{next(_sequence)}",
        list_price=Decimal("42000.00"),
    )
    return brand, product


def purchase_with_lines(*, customer, store, lines=2) -> Purchase:
    _brand, product = brand_and_product()
    purchase = Purchase.objects.create(
        customer=customer, store=store, purchased_on=datetime.date(2025, 3, 1), total=Decimal("0")
    )
    for _line in range(lines):
        PurchaseLine.objects.create(
            purchase=purchase, product=product, quantity=1, unit_price=Decimal("1000.00"), line_total=Decimal("1000.00")
        )
    purchase.total = Decimal(1000 * lines)
    purchase.save(update_fields=["total"])
    return purchase


def timepiece_with_job(*, customer, store) -> OwnedTimepiece:
    brand, _product = brand_and_product()
    timepiece = OwnedTimepiece.objects.create(customer=customer, brand=brand, movement_type=MovementType.AUTOMATIC)
    ServiceJob.objects.create(timepiece=timepiece, store=store, received_on=datetime.date(2025, 4, 1))
    return timepiece


def interaction(*, customer, staff=None) -> Interaction:
    return Interaction.objects.create(
        customer=customer, kind=Interaction.Kind.CALL, occurred_at=timezone.now(), staff=staff, summary="Called."
    )


def task(*, customer, assignee) -> FollowUpTask:
    return FollowUpTask.objects.create(
        customer=customer, title="Call back", due_on=timezone.localdate(), assignee=assignee
    )


def relationship(from_customer, to_customer, kind=Relationship.Kind.FAMILY) -> Relationship:
    return Relationship.objects.create(from_customer=from_customer, to_customer=to_customer, kind=kind)


def converted_lead(*, customer, store) -> Lead:
    return Lead.objects.create(
        name_en=customer.name_en or "Lead",
        store=store,
        status=Lead.Status.CONVERTED,
        converted_customer=customer,
        converted_at=timezone.now(),
    )
