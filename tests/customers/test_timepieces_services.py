"""Timepieces and service jobs: the service-due rule, the writes and their checks."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import MovementType, OwnedTimepiece, ServiceInterval, ServiceJob
from customers.services import timepieces as services
from privacy.models import AccessLog
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    OwnedTimepieceFactory,
    ProductFactory,
    PurchaseFactory,
    PurchaseLineFactory,
    ServiceIntervalFactory,
    ServiceJobFactory,
)

# Default intervals seeded by migration 0004: automatic 60 months, quartz 36.
DEFAULT_AUTOMATIC = 60
DEFAULT_QUARTZ = 36

d = datetime.date


# --- add_months and the rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (d(2024, 1, 31), 1, d(2024, 2, 29)),  # leap year
        (d(2023, 1, 31), 1, d(2023, 2, 28)),
        (d(2024, 3, 31), 1, d(2024, 4, 30)),
        (d(2024, 2, 29), 12, d(2025, 2, 28)),
        (d(2024, 2, 29), 48, d(2028, 2, 29)),
        (d(2024, 11, 15), 3, d(2025, 2, 15)),
        (d(2024, 12, 31), 60, d(2029, 12, 31)),
        (d(2024, 5, 10), 0, d(2024, 5, 10)),
    ],
)
def test_add_months_handles_month_ends_and_year_boundaries(day, months, expected):
    # when / then
    assert services.add_months(day, months) == expected


def test_service_interval_brand_override_beats_default(db):
    # given
    brand = BrandFactory(name="Rolex")
    ServiceIntervalFactory(brand=brand, movement_type=MovementType.AUTOMATIC, months=120)
    # when / then
    assert services.service_interval_months(brand=brand, movement_type=MovementType.AUTOMATIC) == 120
    assert services.service_interval_months(brand=brand.pk, movement_type=MovementType.AUTOMATIC) == 120


def test_service_interval_falls_back_to_default(db):
    # given: the brand has an override for automatic only
    brand = BrandFactory(name="Omega")
    ServiceIntervalFactory(brand=brand, movement_type=MovementType.AUTOMATIC, months=96)
    # when / then
    assert services.service_interval_months(brand=brand, movement_type=MovementType.QUARTZ) == DEFAULT_QUARTZ
    assert services.service_interval_months(brand=None, movement_type=MovementType.AUTOMATIC) == DEFAULT_AUTOMATIC


def test_service_interval_none_for_a_movement_without_interval(db):
    # given
    brand = BrandFactory()
    # when / then
    assert services.service_interval_months(brand=brand, movement_type=MovementType.NONE) is None


def test_service_interval_is_one_query(db, django_assert_num_queries):
    # given
    brand = BrandFactory()
    ServiceIntervalFactory(brand=brand, movement_type=MovementType.AUTOMATIC, months=24)
    # when / then
    with django_assert_num_queries(1):
        services.service_interval_months(brand=brand, movement_type=MovementType.AUTOMATIC)


def test_service_due_never_serviced_counts_from_purchase():
    # when / then
    assert services.service_due_date(purchased_on=d(2024, 1, 31), last_serviced_on=None, months=1) == d(2024, 2, 29)


def test_service_due_serviced_counts_from_last_service():
    # when / then
    assert services.service_due_date(purchased_on=d(2015, 6, 1), last_serviced_on=d(2022, 8, 31), months=6) == d(
        2023, 2, 28
    )


def test_service_due_unknown_without_months_or_dates():
    # when / then
    assert services.service_due_date(purchased_on=d(2024, 1, 1), last_serviced_on=None, months=None) is None
    assert services.service_due_date(purchased_on=None, last_serviced_on=None, months=60) is None


# --- timepiece_create_from_line (the contract with purchases) --------------------------------


def test_create_from_line_copies_the_purchase(customer, central, manager):
    # given
    brand = BrandFactory(name="Grand Seiko")
    ServiceIntervalFactory(brand=brand, movement_type=MovementType.SPRING_DRIVE, months=72)
    product = ProductFactory(
        brand=brand, model_name="Snowflake", reference="SBGA211", movement_type=MovementType.SPRING_DRIVE
    )
    purchase = PurchaseFactory(customer=customer, store=central, purchased_on=d(2024, 2, 29))
    line = PurchaseLineFactory(purchase=purchase, product=product, serial_number="4R0001")
    # when
    timepiece = services.timepiece_create_from_line(line=line, by=manager)
    # then
    timepiece.refresh_from_db()
    assert timepiece.customer == customer
    assert timepiece.product == product
    assert timepiece.purchase_line == line
    assert timepiece.brand == brand
    assert (timepiece.model_name, timepiece.reference, timepiece.serial_number) == ("Snowflake", "SBGA211", "4R0001")
    assert timepiece.movement_type == MovementType.SPRING_DRIVE
    assert timepiece.source == OwnedTimepiece.Source.PURCHASED_HERE
    assert timepiece.purchased_on == d(2024, 2, 29)
    assert timepiece.warranty_expires_on == d(2026, 2, 28)
    assert timepiece.last_serviced_on is None
    assert timepiece.service_due_on == d(2030, 2, 28)
    assert AccessLog.objects.filter(user=manager, customer=customer, action=AccessLog.Action.EDIT).count() == 1


def test_create_from_line_twice_returns_the_same_timepiece(customer, central, manager):
    # given
    line = PurchaseLineFactory(purchase=PurchaseFactory(customer=customer, store=central))
    first = services.timepiece_create_from_line(line=line, by=manager)
    # when
    second = services.timepiece_create_from_line(line=line, by=manager)
    # then
    assert second.pk == first.pk
    assert OwnedTimepiece.objects.count() == 1


def test_create_from_line_refuses_a_strap_and_a_return(customer, central, manager):
    # given
    purchase = PurchaseFactory(customer=customer, store=central)
    strap = PurchaseLineFactory(purchase=purchase, product=ProductFactory(category="strap"))
    returned = PurchaseLineFactory(purchase=purchase, quantity=-1, line_total=Decimal("-50000"))
    # when / then
    with pytest.raises(ValidationError, match="Only a watch or a clock"):
        services.timepiece_create_from_line(line=strap, by=manager)
    with pytest.raises(ValidationError, match="returned item"):
        services.timepiece_create_from_line(line=returned, by=manager)
    assert OwnedTimepiece.objects.count() == 0


def test_create_from_line_refuses_another_stores_manager(customer, central, other_manager):
    # given
    line = PurchaseLineFactory(purchase=PurchaseFactory(customer=customer, store=central))
    # when / then
    with pytest.raises(PermissionDenied):
        services.timepiece_create_from_line(line=line, by=other_manager)
    assert OwnedTimepiece.objects.count() == 0
    assert AccessLog.objects.count() == 0


# --- timepiece_create / timepiece_update -----------------------------------------------


def test_timepiece_create_by_hand(customer, manager):
    # given
    brand = BrandFactory(name="Cartier")
    # when
    timepiece = services.timepiece_create(
        by=manager,
        customer=customer,
        brand=brand,
        model_name="Tank",
        movement_type=MovementType.QUARTZ,
        source=OwnedTimepiece.Source.GIFT,
        purchased_on=d(2021, 8, 31),
    )
    # then
    timepiece.refresh_from_db()
    assert timepiece.serial_number == ""
    assert timepiece.source == OwnedTimepiece.Source.GIFT
    assert timepiece.service_due_on == d(2024, 8, 31)
    assert AccessLog.objects.filter(user=manager, customer=customer, action=AccessLog.Action.EDIT).count() == 1


def test_timepiece_create_defaults_to_bought_elsewhere(customer, manager):
    # when
    timepiece = services.timepiece_create(
        by=manager, customer=customer, brand=BrandFactory(), movement_type=MovementType.AUTOMATIC
    )
    # then
    assert timepiece.source == OwnedTimepiece.Source.ELSEWHERE
    assert timepiece.service_due_on is None  # no purchase date, never serviced


def test_timepiece_create_requires_a_brand(customer, manager):
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        services.timepiece_create(by=manager, customer=customer, movement_type=MovementType.AUTOMATIC)
    assert excinfo.value.message_dict == {"brand": ["Choose the brand."]}
    assert OwnedTimepiece.objects.count() == 0


def test_timepiece_create_refuses_a_colleagues_customer(customer, colleague):
    # when / then
    with pytest.raises(PermissionDenied):
        services.timepiece_create(
            by=colleague, customer=customer, brand=BrandFactory(), movement_type=MovementType.AUTOMATIC
        )
    assert OwnedTimepiece.objects.count() == 0


def test_timepiece_update_recomputes_due_date(customer, manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer, purchased_on=d(2020, 1, 31), service_due_on=d(2025, 1, 31))
    # when: the customer says it was serviced elsewhere
    services.timepiece_update(by=manager, timepiece_id=timepiece.pk, last_serviced_on=d(2023, 5, 31))
    # then
    timepiece.refresh_from_db()
    assert timepiece.last_serviced_on == d(2023, 5, 31)
    assert timepiece.service_due_on == d(2028, 5, 31)
    assert AccessLog.objects.filter(user=manager, customer=customer, action=AccessLog.Action.EDIT).count() == 1


def test_timepiece_update_refuses_other_store(customer, other_manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer, notes="")
    # when / then
    with pytest.raises(PermissionDenied):
        services.timepiece_update(by=other_manager, timepiece_id=timepiece.pk, notes="mine now")
    timepiece.refresh_from_db()
    assert timepiece.notes == ""


# --- refresh after a job is returned ---------------------------------------------------


def test_returning_a_job_refreshes_the_timepiece(customer, central, manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer, purchased_on=d(2019, 1, 31))
    services.timepiece_refresh_service_dates(timepiece_id=timepiece.pk)
    job = ServiceJobFactory(timepiece=timepiece, store=central, received_on=d(2024, 1, 2), status="ready")
    # when
    services.service_job_update_status(by=manager, job_id=job.pk, status="returned", returned_on=d(2024, 1, 31))
    # then
    timepiece.refresh_from_db()
    assert timepiece.last_serviced_on == d(2024, 1, 31)
    assert timepiece.service_due_on == d(2029, 1, 31)


def test_refresh_keeps_a_later_manual_service_date(customer, central):
    # given: returned here in 2021, serviced elsewhere in 2023 (entered by hand)
    timepiece = OwnedTimepieceFactory(customer=customer, purchased_on=d(2018, 1, 1), last_serviced_on=d(2023, 6, 30))
    ServiceJobFactory(
        timepiece=timepiece, store=central, received_on=d(2021, 1, 1), status="returned", returned_on=d(2021, 2, 1)
    )
    # when
    services.timepiece_refresh_service_dates(timepiece_id=timepiece.pk)
    # then
    timepiece.refresh_from_db()
    assert timepiece.last_serviced_on == d(2023, 6, 30)
    assert timepiece.service_due_on == d(2028, 6, 30)


def test_refresh_ignores_cancelled_and_open_jobs(customer, central):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer, purchased_on=d(2020, 1, 1))
    ServiceJobFactory(
        timepiece=timepiece, store=central, received_on=d(2022, 1, 1), status="returned", returned_on=d(2022, 2, 1)
    )
    ServiceJobFactory(timepiece=timepiece, store=central, received_on=d(2024, 1, 1), status="cancelled")
    ServiceJobFactory(timepiece=timepiece, store=central, received_on=d(2024, 5, 1), status="in_progress")
    # when
    services.timepiece_refresh_service_dates(timepiece_id=timepiece.pk)
    # then
    timepiece.refresh_from_db()
    assert timepiece.last_serviced_on == d(2022, 2, 1)
    assert timepiece.service_due_on == d(2027, 2, 1)


# --- service_due_refresh_all -----------------------------------------------------------


def test_refresh_all_after_a_brand_interval_is_added(db):
    # given
    brand, other = BrandFactory(name="Tudor"), BrandFactory(name="Longines")
    mine = OwnedTimepieceFactory(brand=brand, purchased_on=d(2020, 1, 31), service_due_on=d(2025, 1, 31))
    serviced = OwnedTimepieceFactory(
        brand=brand, purchased_on=d(2010, 1, 1), last_serviced_on=d(2023, 3, 31), service_due_on=d(2028, 3, 31)
    )
    quartz = OwnedTimepieceFactory(
        brand=brand, movement_type=MovementType.QUARTZ, purchased_on=d(2020, 1, 1), service_due_on=d(2023, 1, 1)
    )
    theirs = OwnedTimepieceFactory(brand=other, purchased_on=d(2020, 1, 31), service_due_on=d(2025, 1, 31))
    ServiceIntervalFactory(brand=brand, movement_type=MovementType.AUTOMATIC, months=121)
    # when
    changed = services.service_due_refresh_all(brand_id=brand.pk, movement_type=MovementType.AUTOMATIC)
    # then
    assert changed == 2
    assert OwnedTimepiece.objects.get(pk=mine.pk).service_due_on == d(2030, 2, 28)
    assert OwnedTimepiece.objects.get(pk=serviced.pk).service_due_on == d(2033, 4, 30)
    assert OwnedTimepiece.objects.get(pk=quartz.pk).service_due_on == d(2023, 1, 1)
    assert OwnedTimepiece.objects.get(pk=theirs.pk).service_due_on == d(2025, 1, 31)


def test_refresh_all_after_a_default_interval_change_spares_brand_overrides(db):
    # given
    plain, special = BrandFactory(name="Oris"), BrandFactory(name="Rolex")
    ServiceIntervalFactory(brand=special, movement_type=MovementType.AUTOMATIC, months=120)
    plain_watch = OwnedTimepieceFactory(brand=plain, purchased_on=d(2020, 1, 1), service_due_on=d(2025, 1, 1))
    special_watch = OwnedTimepieceFactory(brand=special, purchased_on=d(2020, 1, 1), service_due_on=d(2030, 1, 1))
    ServiceInterval.objects.filter(brand__isnull=True, movement_type=MovementType.AUTOMATIC).update(months=48)
    # when
    changed = services.service_due_refresh_all(movement_type=MovementType.AUTOMATIC)
    # then
    assert changed == 1
    assert OwnedTimepiece.objects.get(pk=plain_watch.pk).service_due_on == d(2024, 1, 1)
    assert OwnedTimepiece.objects.get(pk=special_watch.pk).service_due_on == d(2030, 1, 1)


def test_refresh_all_clears_due_date_when_interval_removed(db):
    # given
    brand = BrandFactory()
    watch = OwnedTimepieceFactory(
        brand=brand, movement_type=MovementType.SOLAR, purchased_on=d(2020, 1, 1), service_due_on=d(2027, 1, 1)
    )
    ServiceInterval.objects.filter(brand__isnull=True, movement_type=MovementType.SOLAR).delete()
    # when
    changed = services.service_due_refresh_all()
    # then
    assert changed == 1
    assert OwnedTimepiece.objects.get(pk=watch.pk).service_due_on is None


def _refresh_all_queries(count: int) -> int:
    brand = BrandFactory()
    OwnedTimepieceFactory.create_batch(count, brand=brand, purchased_on=d(2020, 1, 1), service_due_on=None)
    with CaptureQueriesContext(connection) as ctx:
        changed = services.service_due_refresh_all(brand_id=brand.pk)
    assert changed == count
    return len(ctx.captured_queries)


def test_refresh_all_is_set_based(db):
    # given / when: 3 then 40 timepieces to update
    few = _refresh_all_queries(3)
    many = _refresh_all_queries(40)
    # then: read the intervals, read the timepieces, one bulk update (plus its savepoint pair)
    assert few == many
    assert many <= 5


def test_refresh_all_writes_in_batches(db, monkeypatch):
    # given: a batch size of 2 for 5 timepieces
    monkeypatch.setattr(services, "REFRESH_BATCH_SIZE", 2)
    brand = BrandFactory()
    OwnedTimepieceFactory.create_batch(5, brand=brand, purchased_on=d(2020, 1, 1), service_due_on=None)
    # when
    changed = services.service_due_refresh_all(brand_id=brand.pk)
    # then
    assert changed == 5
    assert set(OwnedTimepiece.objects.values_list("service_due_on", flat=True)) == {d(2025, 1, 1)}


# --- service jobs ----------------------------------------------------------------------


def test_service_job_create(customer, central, manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    today = timezone.localdate()
    # when
    job = services.service_job_create(
        by=manager,
        timepiece_id=timepiece.pk,
        store=central,
        received_on=today,
        work_description="Full service, new gaskets",
        promised_on=today + datetime.timedelta(days=30),
        cost=Decimal("3800"),
    )
    # then
    job.refresh_from_db()
    assert job.status == ServiceJob.Status.RECEIVED
    assert job.handled_by == manager
    assert job.cost == Decimal("3800.00")
    assert AccessLog.objects.filter(user=manager, customer=customer, action=AccessLog.Action.EDIT).count() == 1


def test_service_job_create_refuses_a_second_open_job(customer, central, manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    ServiceJobFactory(timepiece=timepiece, store=central, status="awaiting_parts")
    # when / then
    with pytest.raises(ValidationError, match="already has an open service job"):
        services.service_job_create(
            by=manager,
            timepiece_id=timepiece.pk,
            store=central,
            received_on=timezone.localdate(),
            work_description="",
        )
    assert ServiceJob.objects.count() == 1


def test_service_job_create_refuses_another_store_and_dates(customer, central, tst, manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    today = timezone.localdate()
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        services.service_job_create(
            by=manager,
            timepiece_id=timepiece.pk,
            store=tst,
            received_on=today + datetime.timedelta(days=1),
            promised_on=today,
            work_description="",
        )
    assert set(excinfo.value.message_dict) == {"store", "received_on", "promised_on"}
    assert ServiceJob.objects.count() == 0


def test_service_job_create_refuses_other_manager(customer, tst, other_manager):
    # given
    timepiece = OwnedTimepieceFactory(customer=customer)
    # when / then
    with pytest.raises(PermissionDenied):
        services.service_job_create(
            by=other_manager,
            timepiece_id=timepiece.pk,
            store=tst,
            received_on=timezone.localdate(),
            work_description="",
        )
    assert ServiceJob.objects.count() == 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("received", "in_progress"),
        ("in_progress", "awaiting_parts"),
        ("awaiting_parts", "in_progress"),
        ("in_progress", "ready"),
        ("ready", "returned"),
        ("received", "cancelled"),
        ("in_progress", "cancelled"),
        ("awaiting_parts", "cancelled"),
        ("ready", "cancelled"),
    ],
)
def test_legal_transitions(customer, central, manager, old, new):
    # given
    job = ServiceJobFactory(timepiece=OwnedTimepieceFactory(customer=customer), store=central, status=old)
    # when
    services.service_job_update_status(by=manager, job_id=job.pk, status=new)
    # then
    job.refresh_from_db()
    assert job.status == new
    assert AccessLog.objects.get(user=manager, action=AccessLog.Action.EDIT).reason == (
        f"service job {job.pk}: {old} → {new}"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("received", "ready", "cannot go from “Received” to “Ready for collection”"),
        ("received", "returned", "cannot go from “Received” to “Returned to customer”"),
        ("awaiting_parts", "ready", "cannot go from “Awaiting parts” to “Ready for collection”"),
        ("ready", "in_progress", "cannot go from “Ready for collection” to “In progress”"),
        ("returned", "cancelled", "returned to customer: it can no longer change"),
        ("cancelled", "in_progress", "cancelled: it can no longer change"),
        ("in_progress", "in_progress", "already “In progress”"),
    ],
)
def test_illegal_transitions(customer, central, manager, old, new, message):
    # given
    returned_on = d(2025, 2, 1) if old == "returned" else None
    job = ServiceJobFactory(
        timepiece=OwnedTimepieceFactory(customer=customer), store=central, status=old, returned_on=returned_on
    )
    # when / then
    with pytest.raises(ValidationError, match=message):
        services.service_job_update_status(by=manager, job_id=job.pk, status=new)
    job.refresh_from_db()
    assert job.status == old
    assert AccessLog.objects.count() == 0


def test_the_same_return_twice_is_refused(customer, central, manager, colleague, supervisor):
    # given: two people press "returned" on the same job
    job = ServiceJobFactory(timepiece=OwnedTimepieceFactory(customer=customer), store=central, status="ready")
    services.service_job_update_status(by=manager, job_id=job.pk, status="returned", returned_on=d(2025, 2, 1))
    # when / then: the second (read under lock) finds it already final
    with pytest.raises(ValidationError, match="already"):
        services.service_job_update_status(by=supervisor, job_id=job.pk, status="returned")
    job.refresh_from_db()
    assert job.returned_on == d(2025, 2, 1)


def test_return_defaults_to_today_and_records_cost_and_note(customer, central, manager):
    # given
    job = ServiceJobFactory(
        timepiece=OwnedTimepieceFactory(customer=customer),
        store=central,
        status="ready",
        work_description="Full service",
    )
    # when
    services.service_job_update_status(
        by=manager, job_id=job.pk, status="returned", cost=Decimal("4200"), note="Collected by wife"
    )
    # then
    job.refresh_from_db()
    today = timezone.localdate()
    assert job.returned_on == today
    assert job.cost == Decimal("4200.00")
    assert job.work_description == f"Full service\n[{today:%Y-%m-%d} · Returned to customer] Collected by wife"


def test_return_before_intake_is_refused(customer, central, manager):
    # given
    job = ServiceJobFactory(
        timepiece=OwnedTimepieceFactory(customer=customer), store=central, status="ready", received_on=d(2025, 1, 10)
    )
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        services.service_job_update_status(by=manager, job_id=job.pk, status="returned", returned_on=d(2025, 1, 9))
    assert excinfo.value.message_dict == {"returned_on": ["The return date cannot be before the intake date."]}
    job.refresh_from_db()
    assert job.status == "ready"


def test_status_update_refused_for_other_store(customer, central, other_manager):
    # given
    job = ServiceJobFactory(timepiece=OwnedTimepieceFactory(customer=customer), store=central, status="received")
    # when / then
    with pytest.raises(PermissionDenied):
        services.service_job_update_status(by=other_manager, job_id=job.pk, status="in_progress")
    job.refresh_from_db()
    assert job.status == "received"


def test_next_statuses_follow_the_workflow():
    # when / then
    assert services.service_job_next_statuses(status="in_progress") == ["awaiting_parts", "ready", "cancelled"]
    assert services.service_job_next_statuses(status="returned") == []


def test_refresh_does_not_touch_other_customers(db):
    # given
    other = OwnedTimepieceFactory(customer=CustomerFactory(), purchased_on=d(2020, 1, 1), service_due_on=None)
    mine = OwnedTimepieceFactory(purchased_on=d(2020, 1, 1), service_due_on=None)
    # when
    services.timepiece_refresh_service_dates(timepiece_id=mine.pk)
    # then
    assert OwnedTimepiece.objects.get(pk=mine.pk).service_due_on == d(2025, 1, 1)
    assert OwnedTimepiece.objects.get(pk=other.pk).service_due_on is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_returns_at_once_only_one_wins(central, manager, supervisor):
    # given a job ready for collection, and two staff screens returning it at the same moment
    customer = CustomerFactory(home_store=central, account_manager=manager)
    job = ServiceJobFactory(timepiece=OwnedTimepieceFactory(customer=customer), store=central, status="ready")
    first_locked, release = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                services.service_job_update_status(by=manager, job_id=job.pk, status="returned")
                first_locked.set()
                release.wait(5)  # hold the lock while the second one tries
            outcomes["first"] = "returned"
        finally:
            connections.close_all()

    def second():
        try:
            first_locked.wait(5)
            try:
                services.service_job_update_status(by=supervisor, job_id=job.pk, status="returned")
                outcomes["second"] = "returned"
            except ValidationError as exc:
                outcomes["second"] = exc.messages
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_locked.wait(5)
    threading.Timer(0.5, release.set).start()
    for thread in threads:
        thread.join(10)
    # then the second waited for the first's lock, then found the job already returned
    assert outcomes == {"first": "returned", "second": ["This service job is already “Returned to customer”."]}
    assert AccessLog.objects.filter(action=AccessLog.Action.EDIT).count() == 1
