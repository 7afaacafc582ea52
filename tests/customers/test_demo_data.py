"""The demo data set: what ``manage.py load_demo_data`` puts in the database, and that it does it only once."""

import hashlib
import io
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum

from complaints.models import Complaint
from crm_site import roles
from crm_site.models import User
from customers import demo
from customers.demo import seasons
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
    ServiceInterval,
    ServiceJob,
    Store,
)
from customers.phones import phone_to_e164
from customers.services.timepieces import add_months, service_due_date, service_interval_months
from privacy.models import AccessLog
from tests.campaigns.helpers import campaigns_tables_clear
from tests.privacy.helpers import privacy_tables_clear

HISTORY_MODELS = (
    Brand,
    Product,
    ServiceInterval,
    Purchase,
    PurchaseLine,
    OwnedTimepiece,
    ServiceJob,
    Interaction,
    FollowUpTask,
    Lead,
    Relationship,
)

ROLE_OF_PREFIX = {
    "am": roles.ACCOUNT_MANAGER,
    "am2": roles.ACCOUNT_MANAGER,
    "sup": roles.SUPERVISOR,
    "admin": roles.ADMIN,
    "dpo": roles.PRIVACY_OFFICER,
}


def _load(customers=60) -> str:
    out = io.StringIO()
    call_command("load_demo_data", customers=customers, stdout=out)
    return out.getvalue()


def _snapshot() -> dict:
    """Every row the demo data touches, with every value (``updated_at`` and password hashes too)."""
    return {
        "stores": list(Store.objects.order_by("pk").values()),
        "staff": list(Store.staff.through.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values()),
        "groups": list(User.groups.through.objects.order_by("pk").values()),
        "customers": list(Customer.objects.order_by("pk").values()),
        **{model.__name__: list(model.objects.order_by("pk").values()) for model in HISTORY_MODELS},
    }


@pytest.mark.django_db
def test_load_creates_the_three_stores_and_their_staff():
    # given an empty database
    # when
    output = _load()
    # then
    assert {(s.code, s.name, s.name_zh, s.district) for s in Store.objects.all()} == {
        ("central", "Central", "中環", District.CENTRAL_WESTERN),
        ("tst", "Tsim Sha Tsui", "尖沙咀", District.YAU_TSIM_MONG),
        ("cwb", "Causeway Bay", "銅鑼灣", District.WAN_CHAI),
    }
    users = User.objects.prefetch_related("groups", "stores")
    assert sorted(u.username for u in users) == sorted(
        f"{prefix}.{store}" for prefix in ROLE_OF_PREFIX for store in ("central", "tst", "cwb")
    )
    for user in users:
        prefix, store_code = user.username.split(".")
        assert [g.name for g in user.groups.all()] == [ROLE_OF_PREFIX[prefix]]
        assert [s.code for s in user.stores.all()] == [store_code]
        assert user.email == f"{user.username}@demo.example.hk"
        assert re.fullmatch(r"[A-Z][a-z]+", user.first_name)
        assert re.fullmatch(r"[A-Z][a-z]+", user.last_name)
        assert user.is_staff == (prefix == "admin")
        assert not user.is_superuser
    assert "Created 60 customers, 15 users and 3 stores." in output
    assert re.search(r"Created 14 brands, \d+ products, 7 service intervals, \d+ purchases, \d+ purchase lines", output)


@pytest.mark.django_db
def test_load_creates_realistic_customers():
    # given an empty database
    # when
    _load(customers=60)
    # then
    customers = list(Customer.objects.select_related("home_store", "account_manager"))
    assert len(customers) == 60
    assert sorted(c.external_ref for c in customers) == [f"DEMO-{n:06d}" for n in range(1, 61)]
    phones = [c.mobile_phone for c in customers]
    assert all(re.fullmatch(r"\+852[569]\d{7}", phone) for phone in phones)
    assert all(phone_to_e164(phone) == phone for phone in phones)
    assert len(set(phones)) == len(phones)
    emails = [c.email for c in customers if c.email]
    assert len(set(emails)) == len(emails)
    assert all(email == email.lower() and email.endswith((".com", ".net", ".org")) for email in emails)
    assert any(c.name_en and c.name_zh for c in customers)
    assert any(re.fullmatch(r"[\u4e00-\u9fff]{3}", c.name_zh) for c in customers)
    assert {c.home_store.code for c in customers} == {"central", "tst", "cwb"}
    account_managers = Group.objects.get(name=roles.ACCOUNT_MANAGER).user_set.all()
    for customer in customers:
        if customer.account_manager is not None:
            assert customer.account_manager in account_managers
            assert customer.home_store.staff.filter(pk=customer.account_manager.pk).exists()


def test_the_full_data_set_has_hong_kong_proportions():
    # given
    # when the default 2,000 customers are generated (no database needed)
    rows = demo.demo_customer_rows()
    # then
    assert len(rows) == demo.DEMO_CUSTOMERS == 2000

    def share(predicate) -> float:
        return sum(1 for row in rows if predicate(row)) / len(rows)

    assert 0.03 < share(lambda r: r["kind"] == Customer.Kind.COMPANY) < 0.07
    assert 0.50 < share(lambda r: r["preferred_language"] == Customer.Language.CHINESE) < 0.60
    assert 0.65 < share(lambda r: r["email"]) < 0.75
    assert 0.55 < share(lambda r: r["address"]) < 0.67
    assert 0.53 < share(lambda r: r["birth_month"]) < 0.65
    assert 0.01 < share(lambda r: r["manager_prefix"] is None) < 0.08
    sources = Counter(row["acquisition_source"] for row in rows)
    assert sources.most_common(1)[0][0] == Customer.Source.WALK_IN
    assert set(sources) == {"walk_in", "referral", "event", "online", "focus_group"}
    hong_kong_districts = {d for d in District.values if d != District.OUTSIDE_HK}
    assert {row["district"] for row in rows} - {""} == hong_kong_districts
    assert len({row["mobile_phone"] for row in rows}) == 2000
    assert "海港珠寶貿易有限公司" in {row["name_zh"] for row in rows if row["kind"] == Customer.Kind.COMPANY}
    assert all(row["name_en"] or row["name_zh"] for row in rows)


def test_a_customer_is_the_same_whatever_the_count():
    # given
    # when
    small, large = demo.demo_customer_rows(count=60), demo.demo_customer_rows(count=200)
    # then
    assert small == large[:60]
    assert small == demo.demo_customer_rows(count=60)


@pytest.mark.django_db
def test_second_run_creates_nothing_and_changes_no_row():
    # given the demo data, loaded once
    _load()
    before = _snapshot()
    # when
    output = _load()
    # then
    assert _snapshot() == before
    assert "Nothing to do" in output


@pytest.mark.django_db
def test_a_larger_count_adds_only_the_missing_customers():
    # given
    _load(customers=60)
    before = list(Customer.objects.order_by("pk").values())
    # when
    output = _load(customers=80)
    # then
    assert "Created 20 customers, 0 users and 0 stores." in output
    assert list(Customer.objects.order_by("pk").values())[:60] == before
    assert Customer.objects.count() == 80


@pytest.mark.django_db
def test_load_refuses_outside_demo_mode(settings):
    # given
    settings.DEMO_MODE = False
    # when
    with pytest.raises(CommandError, match="DEMO_MODE"):
        _load()
    # then
    assert not Store.objects.exists()
    assert not User.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_load_writes_no_access_log():
    # given
    # when
    _load()
    # then
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_demo_users_log_in_with_the_published_password(client):
    # given
    output = _load(customers=0)
    # when
    logins = {
        user.username: client.login(username=user.username, password=demo.DEMO_PASSWORD) for user in demo.DEMO_USERS
    }
    # then
    assert logins == {user.username: True for user in demo.DEMO_USERS}
    assert demo.DEMO_PASSWORD == "watch-demo-2026"
    assert "watch-demo-2026" in output
    assert all(user.username in output for user in demo.DEMO_USERS)
    assert not client.login(username="am.central", password="wrong")


# --- the client record's history -----------------------------------------------------------


@cache
def _full_plan() -> demo.DemoPlan:
    """The default 2,000 customers' history, as plain values (no database): made once for the module."""
    return demo.demo_plan()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Customer, *HISTORY_MODELS)}


def _updated_at_hash() -> str:
    values = [
        (model.__name__, pk, updated_at.isoformat())
        for model in (Customer, *HISTORY_MODELS)
        if model is not PurchaseLine  # the one model without timestamps
        for pk, updated_at in model.objects.order_by("pk").values_list("pk", "updated_at")
    ]
    return hashlib.sha256(repr(values).encode()).hexdigest()


def _digest() -> str:
    """The demo data's key fields, named by stable references (receipt numbers, customer numbers), not by pk."""
    customers = dict(Customer.objects.values_list("pk", "external_ref"))
    leads = dict(Lead.objects.values_list("pk", "mobile_phone"))
    purchases = dict(Purchase.objects.values_list("pk", "external_ref"))
    users = dict(User.objects.values_list("pk", "username"))
    parts = [
        sorted(Customer.objects.values_list("external_ref", "name_en", "name_zh", "mobile_phone", "created_at")),
        sorted(Product.objects.values_list("brand__name", "reference", "model_name", "category", "list_price")),
        _in_order(
            (ref, customers[c], s, day, users[staff], channel, status, str(total), notes)
            for ref, c, s, day, staff, channel, status, total, notes in Purchase.objects.values_list(
                "external_ref",
                "customer",
                "store__code",
                "purchased_on",
                "staff",
                "channel",
                "status",
                "total",
                "notes",
            )
        ),
        _in_order(
            (purchases[p], str(product), qty, str(price), str(discount), serial, str(total), text)
            for p, product, qty, price, discount, serial, total, text in PurchaseLine.objects.values_list(
                "purchase",
                "product__reference",
                "quantity",
                "unit_price",
                "discount",
                "serial_number",
                "line_total",
                "description",
            )
        ),
        _in_order(
            (customers[c], *rest)
            for c, *rest in OwnedTimepiece.objects.values_list(
                "customer",
                "brand__name",
                "model_name",
                "reference",
                "serial_number",
                "source",
                "purchased_on",
                "warranty_expires_on",
                "last_serviced_on",
                "service_due_on",
                "purchase_line__purchase__external_ref",
            )
        ),
        _in_order(
            (customers[c], serial, users[handler], *rest)
            for c, serial, handler, *rest in ServiceJob.objects.values_list(
                "timepiece__customer",
                "timepiece__serial_number",
                "handled_by",
                "received_on",
                "status",
                "cost",
                "promised_on",
                "returned_on",
                "work_description",
            )
        ),
        _in_order(
            (customers.get(c), leads.get(lead), users[staff], *rest)
            for c, lead, staff, *rest in Interaction.objects.values_list(
                "customer", "lead", "staff", "kind", "occurred_at", "summary", "outcome"
            )
        ),
        _in_order(
            (customers.get(c), leads.get(lead), users[assignee], *rest)
            for c, lead, assignee, *rest in FollowUpTask.objects.values_list(
                "customer", "lead", "assignee", "title", "due_on", "status", "completed_at", "created_at"
            )
        ),
        _in_order(
            (phone, customers.get(converted), customers.get(referrer), *rest)
            for phone, converted, referrer, *rest in Lead.objects.values_list(
                "mobile_phone",
                "converted_customer",
                "referred_by",
                "name_en",
                "status",
                "source",
                "store__code",
                "converted_at",
                "created_at",
            )
        ),
        _in_order(
            (customers[a], customers[b], *rest)
            for a, b, *rest in Relationship.objects.values_list("from_customer", "to_customer", "kind", "role", "since")
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _in_order(rows) -> list[str]:
    """Rows as text, sorted (values may be None)."""
    return sorted(repr(row) for row in rows)


class _Rollback(Exception):
    pass


def _fresh_load_digest(customers=60) -> str:
    """Load into the empty database, take the digest, and undo the load."""
    try:
        with transaction.atomic():
            _load(customers=customers)
            digest = _digest()
            raise _Rollback
    except _Rollback:
        return digest


@pytest.mark.django_db
def test_load_creates_every_part_of_the_client_record():
    # given an empty database
    # when
    _load(customers=60)
    # then
    counts = _counts()
    assert all(counts[model.__name__] > 0 for model in HISTORY_MODELS), counts
    assert counts["PurchaseLine"] / 60 > 3
    assert {"here", "elsewhere", "gift"} <= set(OwnedTimepiece.objects.values_list("source", flat=True))
    assert Purchase.objects.filter(status=Purchase.Status.RETURNED).exists()
    assert ServiceJob.objects.filter(status=ServiceJob.Status.RETURNED).exists()
    assert ServiceJob.objects.filter(status__in=ServiceJob.OPEN_STATUSES).exists()
    assert FollowUpTask.objects.filter(status=FollowUpTask.Status.OPEN).exists()
    assert FollowUpTask.objects.filter(status=FollowUpTask.Status.DONE, completed_at__isnull=False).exists()
    assert Interaction.objects.filter(lead__isnull=False, customer__isnull=True).exists()
    assert Lead.objects.filter(status=Lead.Status.CONVERTED, converted_customer__isnull=False).exists()
    assert Relationship.objects.filter(kind=Relationship.Kind.FUNCTIONAL).exists()
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_catalogue_has_the_brands_of_a_hong_kong_shop():
    # given
    # when
    _load(customers=0)
    # then
    brands = dict(Brand.objects.values_list("name", "name_zh"))
    assert {"Rolex": "勞力士", "Tudor": "帝舵", "Omega": "奧米茄", "Longines": "浪琴", "TAG Heuer": "泰格豪雅",
            "Cartier": "卡地亞", "IWC": "萬國"}.items() <= brands.items()  # fmt: skip
    assert {"Grand Seiko", "Seiko", "Tissot", "Citizen", "Hermle"} <= set(brands)
    categories = Counter(Product.objects.values_list("category", flat=True))
    assert 40 <= categories["watch"] + categories["clock"] <= 50
    assert categories["clock"] >= 2
    assert categories["strap"] >= 3
    assert categories["accessory"] >= 2
    assert Product.objects.filter(category="service", model_name="Full service", brand__name="Rolex").exists()
    assert Product.objects.get(brand__name="Rolex", reference="126610LN").model_name == "Submariner Date"
    prices = {brand: Product.objects.filter(brand__name=brand, category="watch") for brand in ("Tissot", "Rolex")}
    assert all(Decimal(2_500) <= p.list_price <= Decimal(8_000) for p in prices["Tissot"])
    assert all(Decimal(55_000) <= p.list_price <= Decimal(300_000) for p in prices["Rolex"])
    rolex = Brand.objects.get(name="Rolex")
    assert service_interval_months(brand=rolex, movement_type=MovementType.AUTOMATIC) == 120
    assert service_interval_months(brand=Brand.objects.get(name="Omega"), movement_type=MovementType.AUTOMATIC) == 96
    assert service_interval_months(brand=rolex, movement_type=MovementType.QUARTZ) == 36  # the default stays
    assert ServiceInterval.objects.filter(brand__isnull=True).count() == 7


@pytest.mark.django_db
def test_sales_peak_at_christmas_and_chinese_new_year():
    # given
    # when 300 customers' three years of history are loaded
    _load(customers=300)
    # then the daily rate of sales (not returns, not paid services) is higher in December and the CNY weeks
    sales = Purchase.objects.filter(
        lines__quantity__gt=0, lines__product__category__in=["watch", "clock", "strap", "accessory"]
    ).distinct()
    per_day = Counter(sales.values_list("purchased_on", flat=True))
    days = [seasons.DEMO_START + timedelta(days=n) for n in range((seasons.DEMO_TODAY - seasons.DEMO_START).days + 1)]

    def daily_rate(predicate) -> float:
        chosen = [day for day in days if predicate(day)]
        return sum(per_day[day] for day in chosen) / len(chosen)

    peak = daily_rate(lambda day: seasons.is_christmas_season(day) or seasons.is_cny_season(day))
    summer = daily_rate(seasons.is_summer)
    assert peak / summer > 1.3
    assert min(per_day) >= seasons.DEMO_START
    assert max(per_day) <= seasons.DEMO_TODAY


def test_the_full_data_set_has_a_realistic_history():
    # given
    # when the default 2,000 customers' history is planned (no database needed)
    plan = _full_plan()
    # then
    histories = plan.histories
    purchases = [p for h in histories for p in h.purchases]
    lines = sum(len(p.lines) for p in purchases)
    assert 4 < lines / 2000 < 6  # about 5 purchase lines per customer
    sales = Counter(sum(p.kind == "sale" for p in h.purchases) for h in histories)
    assert sales[1] > 0.2 * 2000  # many buy once
    assert sum(count for n, count in sales.items() if n >= 10) > 0.05 * 2000  # some collect
    watch_sales = [p for p in purchases if p.kind == "sale" and any(line.serial_number for line in p.lines)]
    returns = [p for p in purchases if p.returned_on]
    assert 0.015 < len(returns) / len(watch_sales) < 0.045
    elsewhere = sum(any(t.source != "here" for t in h.timepieces) for h in histories)
    assert 0.10 < elsewhere / 2000 < 0.18
    older = [t for h in histories for t in h.timepieces
             if t.purchased_on is None or t.purchased_on <= seasons.DEMO_TODAY - timedelta(days=365)]  # fmt: skip
    assert 0.2 < sum(bool(t.jobs) for t in older) / len(older) < 0.35
    interactions = [i for items in plan.interactions.values() for i in items]
    assert 3.5 < len(interactions) / 2000 < 5
    tasks = [t for i in interactions for t in i.tasks] + [
        t for lead in plan.leads for i in lead.interactions for t in i.tasks
    ]
    open_tasks = [t for t in tasks if t.status == FollowUpTask.Status.OPEN]
    assert 200 < len(open_tasks) < 400
    assert any(t.due_on < seasons.DEMO_TODAY for t in open_tasks)
    assert any(0 <= (t.due_on - seasons.DEMO_TODAY).days < 7 for t in open_tasks)
    assert 120 < len(plan.leads) < 200
    statuses = Counter(lead.status for lead in plan.leads)
    assert set(statuses) == set(Lead.Status.values)
    assert 30 <= statuses[Lead.Status.CONVERTED] <= 50
    assert set(Counter(lead.source for lead in plan.leads)) == set(Lead.Source.values)
    assert all(lead.referred_by for lead in plan.leads if lead.source == Lead.Source.REFERRAL)
    kinds = Counter(r.kind for r in plan.relationships)
    assert {"family", "referral", "functional"} == set(kinds)
    assert 150 < len(plan.relationships) < 300


def test_a_customers_history_is_the_same_whatever_the_count():
    # given
    # when
    small, large = demo.demo_plan(count=60), demo.demo_plan(count=100)
    # then
    assert small.histories == large.histories[:60]
    assert small.interactions == {n: large.interactions[n] for n in range(1, 61)}
    assert small.relationships == [r for r in large.relationships if r.to_customer <= 60 and r.from_customer <= 60]
    assert small.leads == large.leads[: len(small.leads)]
    assert small == demo.demo_plan(count=60)


@pytest.mark.django_db
def test_purchase_totals_are_the_sum_of_their_lines():
    # given
    # when
    _load(customers=60)
    # then
    purchases = Purchase.objects.annotate(
        lines_total=Sum("lines__line_total"), bought=Count("lines", filter=Q(lines__quantity__gt=0))
    )
    assert all(p.total == p.lines_total for p in purchases)
    assert all(1 <= p.bought <= 3 for p in purchases)
    assert all(
        line.line_total == PurchaseLine.compute_total(
            quantity=line.quantity, unit_price=line.unit_price, discount=line.discount
        )
        for line in PurchaseLine.objects.all()
    )  # fmt: skip
    refs = sorted(Purchase.objects.values_list("external_ref", flat=True))
    assert refs == [f"DEMO-P-{n:06d}" for n in range(1, len(refs) + 1)]
    assert PurchaseLine.objects.filter(discount__gt=0).exists()
    serials = list(
        PurchaseLine.objects.filter(quantity__gt=0).exclude(serial_number="").values_list("serial_number", flat=True)
    )
    assert len(serials) == len(set(serials))
    assert all(re.fullmatch(r"[0-9A-HJ-NP-Z]{8}", serial) for serial in serials)


@pytest.mark.django_db
def test_returns_give_back_what_was_bought_as_the_purchase_services_do():
    # given
    # when
    _load(customers=60)
    # then each return is negative lines on the purchase that repeat what was bought (see purchase_return)
    returned = Purchase.objects.filter(lines__quantity__lt=0).distinct().prefetch_related("lines")
    assert returned
    for purchase in returned:
        keys = [
            (ln.quantity > 0, ln.product_id, ln.serial_number, ln.unit_price, ln.discount)
            for ln in purchase.lines.all()
        ]
        assert sorted(key[1:] for key in keys if key[0]) == sorted(key[1:] for key in keys if not key[0])
        assert purchase.status == Purchase.Status.RETURNED
        assert purchase.total == 0
        day = date.fromisoformat(re.search(r"Returned to store on (\d{4}-\d{2}-\d{2}): \S", purchase.notes).group(1))
        assert purchase.purchased_on < day <= seasons.DEMO_TODAY
        timepieces = OwnedTimepiece.objects.filter(purchase_line__purchase=purchase)
        assert timepieces
        assert set(timepieces.values_list("status", flat=True)) == {OwnedTimepiece.Status.SOLD}
        assert not ServiceJob.objects.filter(timepiece__in=timepieces).exists()
    assert not Purchase.objects.filter(status=Purchase.Status.RETURNED).exclude(pk__in=returned).exists()


@pytest.mark.django_db
def test_owned_timepieces_come_from_watch_lines_and_are_due_for_service():
    # given
    # when
    _load(customers=60)
    # then
    timepieces = OwnedTimepiece.objects.select_related("purchase_line__purchase", "product", "brand")
    for timepiece in timepieces.filter(source=OwnedTimepiece.Source.PURCHASED_HERE):
        line = timepiece.purchase_line
        assert line.quantity == 1
        assert line.product == timepiece.product
        assert timepiece.product.is_timepiece
        assert line.purchase.customer_id == timepiece.customer_id
        assert (timepiece.serial_number, timepiece.reference) == (line.serial_number, line.product.reference)
        assert timepiece.purchased_on == line.purchase.purchased_on
        years = 5 if timepiece.brand.name in ("Rolex", "Tudor", "Omega") else 2
        assert timepiece.warranty_expires_on == add_months(timepiece.purchased_on, 12 * years)
    watch_lines = PurchaseLine.objects.filter(quantity__gt=0, product__category__in=["watch", "clock"])
    assert watch_lines.count() == timepieces.filter(source=OwnedTimepiece.Source.PURCHASED_HERE).count()
    sold = timepieces.filter(status=OwnedTimepiece.Status.SOLD)
    assert set(sold.values_list("purchase_line__purchase__status", flat=True)) == {Purchase.Status.RETURNED}
    for timepiece in timepieces:
        months = service_interval_months(brand=timepiece.brand, movement_type=timepiece.movement_type)
        expected = service_due_date(
            purchased_on=timepiece.purchased_on, last_serviced_on=timepiece.last_serviced_on, months=months
        )
        assert timepiece.service_due_on == expected
        if months and (timepiece.purchased_on or timepiece.last_serviced_on):
            assert timepiece.service_due_on is not None


@pytest.mark.django_db
def test_service_jobs_follow_the_workshop():
    # given
    # when
    _load(customers=60)
    # then
    jobs = ServiceJob.objects.select_related("timepiece")
    for job in jobs:
        assert job.received_on <= seasons.DEMO_TODAY
        assert job.promised_on > job.received_on
        if job.status == ServiceJob.Status.RETURNED:
            assert job.received_on <= job.returned_on <= seasons.DEMO_TODAY
            assert job.cost == 0 or Decimal(1_500) <= job.cost <= Decimal(8_000)
        elif job.status in ServiceJob.OPEN_STATUSES:
            assert job.returned_on is None
    for timepiece in OwnedTimepiece.objects.filter(service_jobs__status=ServiceJob.Status.RETURNED).distinct():
        last = timepiece.service_jobs.filter(status="returned").order_by("-returned_on").first().returned_on
        assert timepiece.last_serviced_on >= last
    assert jobs.filter(returned_on__gt=F("promised_on")).exists()  # some came back late
    paid = jobs.filter(status=ServiceJob.Status.RETURNED, cost__gt=0).count()
    assert (
        Purchase.objects.filter(lines__product__category="service").count()
        + Purchase.objects.filter(lines__product__isnull=True).count()
        == paid
    )


@pytest.mark.django_db
def test_interactions_and_tasks_belong_to_the_account_manager():
    # given
    # when
    _load(customers=60)
    # then
    assert Interaction.objects.count() / 60 > 2.5
    assert not Interaction.objects.filter(occurred_at__gt=seasons.at(seasons.DEMO_TODAY, 23, 59)).exists()
    assert Interaction.objects.filter(summary__regex=r"[\u4e00-\u9fff]").exists()  # some written in Chinese
    assert Interaction.objects.filter(summary__startswith="Tried on the").exists()
    tasks = FollowUpTask.objects.filter(customer__isnull=False).select_related("customer__home_store", "assignee")
    for task in tasks:
        manager = task.customer.account_manager
        assert task.assignee == manager if manager else task.assignee.username == f"am.{task.customer.home_store.code}"
        assert (task.status == FollowUpTask.Status.DONE) == (task.completed_at is not None)
        assert task.created_at <= task.completed_at if task.completed_at else True
    assert tasks.filter(interaction__isnull=False).count() == tasks.count()


@pytest.mark.django_db
def test_leads_are_prospects_or_became_demo_customers():
    # given
    # when
    _load(customers=300)
    # then
    leads = Lead.objects.select_related("converted_customer", "store", "owner")
    converted = leads.filter(status=Lead.Status.CONVERTED)
    assert converted.exists()
    for lead in converted:
        customer = lead.converted_customer
        assert customer.external_ref.startswith("DEMO-")
        assert (lead.mobile_phone, lead.store) == (customer.mobile_phone, customer.home_store)
        assert lead.created_at < lead.converted_at == customer.created_at
    others = leads.exclude(status=Lead.Status.CONVERTED)
    assert not others.filter(converted_customer__isnull=False).exists()
    assert not others.filter(mobile_phone__in=Customer.objects.values("mobile_phone")).exists()
    assert len({lead.mobile_phone for lead in leads}) == leads.count()
    assert not leads.filter(~Q(source=Lead.Source.REFERRAL), referred_by__isnull=False).exists()
    assert not leads.filter(source=Lead.Source.REFERRAL, referred_by__isnull=True).exists()
    assert all(lead.owner is None or lead.store.staff.filter(pk=lead.owner.pk).exists() for lead in leads)
    assert Interaction.objects.filter(lead__in=others).exists()


@pytest.mark.django_db
def test_relationships_link_the_right_kinds_of_customer():
    # given
    # when
    _load(customers=300)
    # then
    links = Relationship.objects.select_related("from_customer", "to_customer")
    assert not links.filter(from_customer=F("to_customer")).exists()
    for link in links.filter(kind=Relationship.Kind.FUNCTIONAL):
        assert (link.from_customer.kind, link.to_customer.kind) == (Customer.Kind.PERSON, Customer.Kind.COMPANY)
        assert link.role
    pairs = Counter(
        (min(r.from_customer_id, r.to_customer_id), max(r.from_customer_id, r.to_customer_id), r.kind) for r in links
    )
    assert max(pairs.values()) == 1  # one link per pair and kind, in either direction
    contacts = defaultdict(int)
    for link in links.filter(kind=Relationship.Kind.FUNCTIONAL):
        contacts[link.to_customer_id] += 1
    assert contacts
    assert all(1 <= count <= 3 for count in contacts.values())
    assert {"family", "referral", "functional"} == set(links.values_list("kind", flat=True))


@pytest.mark.django_db
def test_customer_records_date_from_when_the_customer_was_first_seen():
    # given
    # when
    _load(customers=60)
    # then
    customers = Customer.objects.annotate(first_purchase=Min("purchases__purchased_on"))
    assert all(c.created_at.date() <= (c.first_purchase or seasons.DEMO_TODAY) for c in customers)
    assert customers.filter(created_at__date__lt=seasons.DEMO_START).exists()  # customers from before


@pytest.mark.django_db
def test_second_load_changes_no_count_and_no_updated_at():
    # given the full history of 60 customers, loaded once
    _load(customers=60)
    counts, updated = _counts(), _updated_at_hash()
    # when
    output = _load(customers=60)
    # then
    assert (_counts(), _updated_at_hash()) == (counts, updated)
    assert "Nothing to do" in output


@pytest.mark.django_db
def test_two_fresh_loads_give_the_same_data():
    # given
    first = _fresh_load_digest()
    assert not Purchase.objects.exists()  # undone
    # when
    second = _fresh_load_digest()
    # then
    assert first == second


@pytest.mark.django_db
def test_a_larger_count_adds_the_new_customers_history_only():
    # given
    _load(customers=40)
    before = {model.__name__: list(model.objects.order_by("pk").values()) for model in HISTORY_MODELS}
    # when
    _load(customers=60)
    # then rows already there are unchanged, and the result is what a fresh load of 60 gives
    after = {model.__name__: list(model.objects.order_by("pk").values()) for model in HISTORY_MODELS}
    assert all(after[name][: len(rows)] == rows for name, rows in before.items())
    digest = _digest()
    with transaction.atomic():
        Complaint.objects.all().delete()  # the demo complaints (complaints/demo.py) protect their customers
        privacy_tables_clear()
        campaigns_tables_clear()  # loyalty ledgers and campaign recipients protect purchases and customers
        Relationship.objects.all().delete()
        FollowUpTask.objects.all().delete()
        Interaction.objects.all().delete()
        Lead.objects.all().delete()
        ServiceJob.objects.all().delete()
        OwnedTimepiece.objects.all().delete()
        Purchase.objects.all().delete()
        Customer.objects.all().delete()
    assert _fresh_load_digest() == digest


@pytest.mark.django_db
def test_history_is_added_to_demo_customers_loaded_before_it():
    # given demo customers from before the history existed
    _load(customers=20)
    campaigns_tables_clear()  # loyalty ledgers protect the purchases
    Relationship.objects.all().delete()
    FollowUpTask.objects.all().delete()
    Interaction.objects.all().delete()
    Lead.objects.all().delete()
    ServiceJob.objects.all().delete()
    OwnedTimepiece.objects.all().delete()
    Purchase.objects.all().delete()
    # when
    output = _load(customers=20)
    # then
    assert "Created 0 customers, 0 users and 0 stores." in output
    assert Purchase.objects.exists()
    assert OwnedTimepiece.objects.exists()
    assert Interaction.objects.exists()


def test_public_names_stay_importable():
    # given
    # when
    from customers.demo import (
        DEMO_CUSTOMERS,
        DEMO_PASSWORD,
        DEMO_STORES,
        DEMO_TODAY,
        DEMO_USERS,
        DemoDataRefused,
        demo_customer_rows,
        demo_data_load,
    )

    # then
    assert (DEMO_CUSTOMERS, DEMO_PASSWORD, DEMO_TODAY) == (2000, "watch-demo-2026", seasons.DEMO_TODAY)
    assert len(DEMO_STORES) == 3
    assert len(DEMO_USERS) == 15
    assert callable(demo_data_load)
    assert callable(demo_customer_rows)
    assert issubclass(DemoDataRefused, Exception)
