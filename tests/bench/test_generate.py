"""The benchmark data generator (bench/generate.py) at a small size: valid, plausible, deterministic."""

import datetime
import hashlib
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction

from bench import generate as generator
from customers.models import Customer, OwnedTimepiece, Purchase, PurchaseLine

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"),
    pytest.mark.django_db,
]

SIZE = 10_000  # the quick size of issue #10: the first block of the million


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _digest(texts: dict[str, str]) -> str:
    return hashlib.sha256("".join(texts[table] for table in generator.TABLES).encode()).hexdigest()


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The 10,000-customer size, loaded once for this module in a transaction rolled back at its end
    (each test's own transaction is a savepoint inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield generator.generate(customers=SIZE, in_transaction=True, say=lambda _text: None)
        transaction.set_rollback(True)


def test_same_seed_same_rows_other_seed_other_rows():
    # given two contexts built the same way
    base = dict.fromkeys(generator.TABLES, 1)
    first = generator.build_context(seed=7, today=generator.DEFAULT_TODAY, customers=SIZE, base=base)
    again = generator.build_context(seed=7, today=generator.DEFAULT_TODAY, customers=SIZE, base=base)
    other = generator.build_context(seed=8, today=generator.DEFAULT_TODAY, customers=SIZE, base=base)
    # when the same block is made from each
    texts = [generator.block_texts(ctx, 3, 300)[0] for ctx in (first, again, other)]
    # then
    assert _digest(texts[0]) == _digest(texts[1])
    assert _digest(texts[0]) != _digest(texts[2])
    assert texts[0]["customers_customer"].count("\n") == 300


def test_counts_and_shape(loaded):
    assert loaded["customers_customer"] == SIZE == Customer.objects.filter(external_ref__startswith="BENCH-").count()
    assert loaded["customers_purchaseline"] == PurchaseLine.objects.count()
    assert 8 <= loaded["customers_purchaseline"] / SIZE <= 12  # ten lines a customer on average
    assert 1.5 <= loaded["customers_purchaseline"] / loaded["customers_purchase"] <= 2.5
    assert loaded["customers_ownedtimepiece"] > SIZE
    assert loaded["customers_interaction"] > SIZE
    assert Customer.objects.values("home_store").distinct().count() == len(generator.STORES)
    assert Customer.objects.filter(account_manager__isnull=False).count() > SIZE / 2


def test_every_reference_points_at_a_row(loaded):
    """The load runs in the test's transaction, where foreign keys are only checked at commit: look."""
    orphans = {
        "purchase → customer": "SELECT COUNT(*) FROM customers_purchase p LEFT JOIN customers_customer c "
        "ON c.id = p.customer_id WHERE c.id IS NULL",
        "purchase → store": "SELECT COUNT(*) FROM customers_purchase p LEFT JOIN customers_store s "
        "ON s.id = p.store_id WHERE s.id IS NULL",
        "purchase → staff": "SELECT COUNT(*) FROM customers_purchase p LEFT JOIN crm_site_user u "
        "ON u.id = p.staff_id WHERE p.staff_id IS NOT NULL AND u.id IS NULL",
        "line → purchase": "SELECT COUNT(*) FROM customers_purchaseline l LEFT JOIN customers_purchase p "
        "ON p.id = l.purchase_id WHERE p.id IS NULL",
        "line → product": "SELECT COUNT(*) FROM customers_purchaseline l LEFT JOIN customers_product p "
        "ON p.id = l.product_id WHERE p.id IS NULL",
        "timepiece → line of the same customer": "SELECT COUNT(*) FROM customers_ownedtimepiece o "
        "LEFT JOIN customers_purchaseline l ON l.id = o.purchase_line_id "
        "LEFT JOIN customers_purchase p ON p.id = l.purchase_id "
        "WHERE o.purchase_line_id IS NOT NULL AND (p.customer_id IS DISTINCT FROM o.customer_id "
        "OR l.serial_number <> o.serial_number)",
        "customer → manager of the home store": "SELECT COUNT(*) FROM customers_customer c "
        "WHERE c.account_manager_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers_store_staff s "
        "WHERE s.store_id = c.home_store_id AND s.user_id = c.account_manager_id)",
        "interaction → customer": "SELECT COUNT(*) FROM customers_interaction i LEFT JOIN customers_customer c "
        "ON c.id = i.customer_id WHERE c.id IS NULL",
    }
    assert {name: _scalar(sql) for name, sql in orphans.items()} == dict.fromkeys(orphans, 0)
    # New rows made through the ORM get ids after the generated ones.
    assert Customer.objects.create(name_en="After", home_store_id=Customer.objects.first().home_store_id).pk > SIZE


def test_money_adds_up(loaded):
    mismatched = _scalar(
        "SELECT COUNT(*) FROM customers_purchase p JOIN (SELECT purchase_id, SUM(line_total) AS total "
        "FROM customers_purchaseline GROUP BY purchase_id) l ON l.purchase_id = p.id WHERE l.total <> p.total"
    )
    assert mismatched == 0
    assert not Purchase.objects.filter(total__lt=0).exists()
    assert not Purchase.objects.filter(status=Purchase.Status.RETURNED).exclude(total=0).exists()
    assert Purchase.objects.filter(status=Purchase.Status.RETURNED).exists()
    assert PurchaseLine.objects.filter(quantity__lt=0).exists()


def test_rows_pass_the_models_own_validation(loaded):
    rng = random.Random(1)
    ids = sorted(rng.sample(range(1, SIZE + 1), 300))
    for customer in Customer.objects.filter(pk__in=ids):
        phone = customer.mobile_phone
        customer.full_clean()  # also normalises the phone: it must already be in E.164
        assert customer.mobile_phone == phone
    for purchase in Purchase.objects.filter(customer_id__in=ids).prefetch_related("lines"):
        purchase.full_clean()
        for line in purchase.lines.all():
            line.full_clean()
            assert line.line_total == PurchaseLine.compute_total(
                quantity=line.quantity, unit_price=line.unit_price, discount=line.discount
            )
    for timepiece in OwnedTimepiece.objects.filter(customer_id__in=ids):
        timepiece.full_clean()


def test_values_are_plausible_for_a_hong_kong_watch_retailer(loaded):
    today = generator.DEFAULT_TODAY
    # Dates inside the history, nothing in the future.
    first, last = _scalar("SELECT ARRAY[MIN(purchased_on), MAX(purchased_on)] FROM customers_purchase")
    assert today - datetime.timedelta(days=365 * generator.HISTORY_YEARS) <= first <= last <= today
    # Heavy-tailed spend: the top 1% of buyers bring a large share; most customers come back.
    spends = _spend_per_buyer()
    top = sum(spends[: len(spends) // 100]) / sum(spends)
    assert top > Decimal("0.12")
    repeat = _scalar(
        "SELECT AVG((n > 1)::int) FROM (SELECT COUNT(*) AS n FROM customers_purchase GROUP BY customer_id) s"
    )
    assert 0.5 < repeat < 0.95
    # Seasons: December sells more a day than July.
    december, july = (
        Purchase.objects.filter(purchased_on__month=month).count() / days for month, days in ((12, 31), (7, 31))
    )
    assert december > 1.5 * july
    # Prices run from a Seiko 5 to a Day-Date, phones are Hong Kong mobiles.
    low, high = _scalar("SELECT ARRAY[MIN(unit_price), MAX(unit_price)] FROM customers_purchaseline")
    assert low < 3_000 < 200_000 < high
    assert not Customer.objects.exclude(mobile_phone="").exclude(mobile_phone__regex=r"^\+852[569]\d{7}$").exists()
    assert Customer.objects.exclude(name_zh="").count() > SIZE * 0.8


def _spend_per_buyer() -> list[Decimal]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(total) FROM customers_purchase GROUP BY customer_id ORDER BY 1 DESC")
        return [row[0] for row in cursor.fetchall()]
