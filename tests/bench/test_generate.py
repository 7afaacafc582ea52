"""The benchmark data generator (bench/generate.py) at a small size: valid, plausible, deterministic."""

import datetime
import hashlib
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import Count, Max

from bench import generate as generator
from complaints.business_time import calendar_for_store
from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey
from complaints.services.due import due_times_refresh
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


# --- complaints ------------------------------------------------------------------------------

COMPLAINT_MODELS = (Complaint, ComplaintEvent, SatisfactionSurvey)


def _complaint_digest(texts: dict[str, str]) -> str:
    return hashlib.sha256("".join(texts[table] for table in generator.COMPLAINT_TABLES).encode()).hexdigest()


def test_complaints_are_deterministic_and_leave_every_other_row_as_it_was():
    # given contexts with and without complaints, and one of another seed
    base = dict.fromkeys(generator.TABLES, 1)
    build = generator.build_context
    first, again = (build(seed=7, today=generator.DEFAULT_TODAY, customers=SIZE, base=base) for _ in range(2))
    without = build(seed=7, today=generator.DEFAULT_TODAY, customers=SIZE, base=base, complaints=False)
    other = build(seed=8, today=generator.DEFAULT_TODAY, customers=SIZE, base=base)
    # when the same block is made from each
    texts = [generator.block_texts(ctx, 2, 2000)[0] for ctx in (first, again, without, other)]
    # then the complaints are the same for the same seed, other for another
    assert texts[0]["complaints_complaint"].count("\n") > 20
    assert _complaint_digest(texts[0]) == _complaint_digest(texts[1])
    assert _complaint_digest(texts[0]) != _complaint_digest(texts[3])
    # and the customers and their history do not depend on them
    assert _digest(texts[0]) == _digest(texts[2])
    assert not any(texts[2][table] for table in generator.COMPLAINT_TABLES)


def test_complaints_counts_and_shape(loaded):
    complaints = loaded["complaints_complaint"]
    assert complaints == Complaint.objects.count() == Complaint.objects.filter(customer__isnull=False).count()
    assert 2 <= 100 * complaints / SIZE <= 4.5  # per 100 customers
    statuses = dict(Complaint.objects.values_list("status").annotate(n=Count("pk")))
    done = statuses.get("resolved", 0) + statuses.get("closed", 0)
    assert statuses["closed"] > statuses["resolved"] > 0
    assert 0.85 < done / complaints < 0.99  # most are done, a realistic few are open
    assert Complaint.objects.open().count() == complaints - done > 0
    assert Complaint.objects.filter(escalation_level__gt=0).count() > complaints * 0.05
    assert Complaint.objects.filter(resolve_breached_at__isnull=False).exists()
    assert Complaint.objects.filter(acknowledge_breached_at__isnull=False).exists()
    assert Complaint.objects.filter(goodwill_status="approved").exists()
    assert SatisfactionSurvey.objects.filter(score__isnull=False).count() > done * 0.2
    assert len(set(Complaint.objects.values_list("channel", flat=True))) >= 5
    assert len(set(Complaint.objects.values_list("category", flat=True))) >= 7
    # Heavy buyers complain more often than those who bought once or never.
    rate = _scalar(
        "SELECT ARRAY[AVG((k > 0)::int) FILTER (WHERE n >= 10), AVG((k > 0)::int) FILTER (WHERE n <= 1)] FROM "
        "(SELECT c.id, (SELECT COUNT(*) FROM customers_purchase p WHERE p.customer_id = c.id) AS n, "
        "(SELECT COUNT(*) FROM complaints_complaint x WHERE x.customer_id = c.id) AS k FROM customers_customer c) s"
    )
    assert rate[0] > 2 * rate[1]
    # Recent months far more than earlier years.
    now = _generator_now()
    last_year = Complaint.objects.filter(received_at__gt=now - datetime.timedelta(days=365)).count()
    assert last_year > complaints * 0.35


def _generator_now():
    return datetime.datetime.combine(
        generator.DEFAULT_TODAY, datetime.time(generator.COMPLAINT_NOW_HOUR), tzinfo=ZoneInfo("Asia/Hong_Kong")
    )


def test_complaint_rows_pass_the_models_own_validation(loaded):
    sample = list(Complaint.objects.order_by("?")[:120])
    for complaint in sample:
        complaint.full_clean()
    for event in ComplaintEvent.objects.filter(complaint__in=sample):
        event.full_clean()
    for survey in SatisfactionSurvey.objects.filter(complaint__in=sample):
        survey.full_clean()


def test_complaints_are_consistent_with_their_timeline_and_the_workflow(loaded):
    now = _generator_now()
    checks = {
        # The last status change in the timeline is the complaint's status.
        "status ≠ last transition": "SELECT COUNT(*) FROM complaints_complaint c WHERE c.status <> (SELECT e.to_status "
        "FROM complaints_complaintevent e WHERE e.complaint_id = c.id AND e.to_status <> '' "
        "ORDER BY e.at DESC, e.id DESC LIMIT 1)",
        # Every change raised the version once (a goodwill approval and its resolution are one change).
        "version": "SELECT COUNT(*) FROM complaints_complaint c WHERE c.version <> 1 + (SELECT COUNT(*) FROM "
        "complaints_complaintevent e WHERE e.complaint_id = c.id AND (e.kind IN ('transition', 'breached', "
        "'escalated') OR (e.kind = 'goodwill' AND e.note LIKE '%%asked for%%')))",
        "escalation level": "SELECT COUNT(*) FROM complaints_complaint c WHERE c.escalation_level <> (SELECT "
        "COUNT(*) FROM complaints_complaintevent e WHERE e.complaint_id = c.id "
        "AND e.kind IN ('breached', 'escalated'))",
        "one creation event, first": "SELECT COUNT(*) FROM complaints_complaint c WHERE 1 <> (SELECT COUNT(*) FROM "
        "complaints_complaintevent e WHERE e.complaint_id = c.id AND e.kind = 'created' AND e.at = c.received_at "
        "AND NOT EXISTS (SELECT 1 FROM complaints_complaintevent f WHERE f.complaint_id = c.id AND f.at < e.at))",
        "assignee not of the store": "SELECT COUNT(*) FROM complaints_complaint c JOIN complaints_category k "
        "ON k.id = c.category_id WHERE c.assignee_id IS NOT NULL AND NOT k.is_personal_data AND NOT EXISTS "
        "(SELECT 1 FROM customers_store_staff s WHERE s.store_id = c.store_id AND s.user_id = c.assignee_id)",
        "personal data not with the privacy officer": "SELECT COUNT(*) FROM complaints_complaint c JOIN "
        "complaints_category k ON k.id = c.category_id JOIN crm_site_user u ON u.id = c.assignee_id "
        "WHERE k.is_personal_data AND u.username <> 'bench.dpo'",
        "unassigned after acknowledgement": "SELECT COUNT(*) FROM complaints_complaint WHERE status <> 'new' "
        "AND assignee_id IS NULL",
        "times out of order": "SELECT COUNT(*) FROM complaints_complaint WHERE NOT (received_at < acknowledge_due_at "
        "AND acknowledge_due_at <= resolve_due_at AND (acknowledged_at IS NULL OR acknowledged_at > received_at) "
        "AND (resolved_at IS NULL OR resolved_at > acknowledged_at) "
        "AND (closed_at IS NULL OR closed_at > resolved_at))",
        "breach before its due time": "SELECT COUNT(*) FROM complaints_complaint WHERE acknowledge_breached_at "
        "<= acknowledge_due_at OR resolve_breached_at <= received_at",
        "resolved without root cause": "SELECT COUNT(*) FROM complaints_complaint WHERE status IN ('resolved', "
        "'closed') AND (root_cause_id IS NULL OR resolution_summary = '')",
        "open with resolution fields": "SELECT COUNT(*) FROM complaints_complaint WHERE status NOT IN ('resolved', "
        "'closed') AND (resolved_at IS NOT NULL OR closed_at IS NOT NULL OR (root_cause_id IS NOT NULL "
        "AND goodwill_status <> 'pending'))",
        "survey of an unresolved complaint": "SELECT COUNT(*) FROM complaints_satisfactionsurvey s JOIN "
        "complaints_complaint c ON c.id = s.complaint_id WHERE c.resolved_at IS NULL OR s.created_at <> c.resolved_at",
        "timepiece of another customer": "SELECT COUNT(*) FROM complaints_complaint c JOIN customers_ownedtimepiece o "
        "ON o.id = c.timepiece_id WHERE o.customer_id <> c.customer_id OR o.product_id <> c.product_id",
        "orphans": "SELECT COUNT(*) FROM complaints_complaintevent e LEFT JOIN complaints_complaint c "
        "ON c.id = e.complaint_id WHERE c.id IS NULL",
    }
    assert {name: _scalar(sql) for name, sql in checks.items()} == dict.fromkeys(checks, 0)
    latest = [
        Complaint.objects.aggregate(m=Max(field))["m"] for field in ("received_at", "updated_at", "closed_at")
    ] + [
        ComplaintEvent.objects.aggregate(m=Max("at"))["m"],
        SatisfactionSurvey.objects.aggregate(m=Max("answered_at"))["m"],
    ]
    assert max(latest) <= now  # nothing has happened after the generator's "now"
    # The due times are the SLA policy's, in the store's business hours, as the app computes them.
    for complaint in Complaint.objects.order_by("?")[:80]:
        acknowledge_due, resolve_due = complaint.acknowledge_due_at, complaint.resolve_due_at
        due_times_refresh(complaint, calendar=calendar_for_store(complaint.store_id))
        assert (complaint.acknowledge_due_at, complaint.resolve_due_at) == (acknowledge_due, resolve_due)
    # The SLA check has flagged every open complaint past a due time while its clock ran.
    unflagged = _scalar(
        "SELECT COUNT(*) FROM complaints_complaint WHERE (status = 'new' AND acknowledge_due_at < %(before)s "
        "AND acknowledge_breached_at IS NULL) OR (status IN ('new', 'acknowledged', 'investigating') "
        "AND resolve_due_at < %(before)s AND resolve_breached_at IS NULL)",
        {"before": now - datetime.timedelta(minutes=10)},
    )
    assert unflagged == 0


def _complaint_rows():
    return [list(model.objects.order_by("pk").values_list()) for model in COMPLAINT_MODELS]


def test_only_complaints_adds_the_same_rows_as_a_full_run(loaded):
    # given the full run's complaints, taken away (a load made before the generator wrote complaints)
    full = _complaint_rows()
    for model in reversed(COMPLAINT_MODELS):
        model.objects.all().delete()
    # when the complaints alone are added
    totals = generator.generate_complaints(in_transaction=True, fast_load=False, say=lambda _text: None)
    # then they are the same rows, with the same ids
    assert _complaint_rows() == full
    assert totals["complaints_complaint"] == len(full[0]) == loaded["complaints_complaint"]
    # and a second time is refused
    with pytest.raises(SystemExit, match="complaints already"):
        generator.generate_complaints(in_transaction=True, fast_load=False, say=lambda _text: None)
