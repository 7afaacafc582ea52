import datetime
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from customers.models import OwnedTimepiece, Purchase
from privacy.registry import registry
from segmentation import tasks
from segmentation.models import CustomerMetrics
from segmentation.services import metrics_refresh
from tests.factories import (
    BrandFactory,
    ComplaintFactory,
    CustomerFactory,
    OwnedTimepieceFactory,
    ProductFactory,
    PurchaseFactory,
    PurchaseLineFactory,
)

TODAY = datetime.date(2026, 6, 30)
D = datetime.date


def _purchase(customer, on, *lines, status=Purchase.Status.COMPLETED):
    """A purchase with lines given as (product, quantity, unit price); total = sum of line totals."""
    purchase = PurchaseFactory(customer=customer, purchased_on=on, status=status)
    for product, quantity, price in lines:
        PurchaseLineFactory(purchase=purchase, product=product, quantity=quantity, unit_price=Decimal(price))
    purchase.total = sum((line.line_total for line in purchase.lines.all()), Decimal("0"))
    purchase.save(update_fields=["total"])
    return purchase


@pytest.fixture
def buyer(central):
    """A customer with purchases inside and outside the windows, a return and a fully returned sale."""
    customer = CustomerFactory(home_store=central, name_en="Buyer")
    omega, rolex, tudor = (BrandFactory(name=name) for name in ("Omega", "Rolex", "Tudor"))
    seamaster = ProductFactory(brand=omega, list_price=Decimal("50000"))
    submariner = ProductFactory(brand=rolex, list_price=Decimal("10000"))
    black_bay = ProductFactory(brand=tudor, list_price=Decimal("8000"))
    _purchase(customer, D(2026, 6, 20), (seamaster, 1, "50000"))  # inside 90 days
    _purchase(  # inside 12 months, outside 90 days: two bought, one returned
        customer,
        D(2026, 1, 10),
        (submariner, 2, "10000"),
        (submariner, -1, "10000"),
        status=Purchase.Status.PARTLY_RETURNED,
    )
    _purchase(customer, D(2024, 5, 1), (seamaster, 1, "5000"))  # outside 12 months
    _purchase(  # fully returned: not a purchase
        customer, D(2026, 6, 25), (black_bay, 1, "8000"), (black_bay, -1, "8000"), status=Purchase.Status.RETURNED
    )
    _purchase(customer, D(2026, 7, 5), (seamaster, 1, "99999"))  # after the as-of day: ignored
    OwnedTimepieceFactory(customer=customer, brand=omega, product=seamaster, service_due_on=D(2027, 1, 1))
    OwnedTimepieceFactory(customer=customer, brand=rolex, product=None, service_due_on=D(2026, 9, 1))
    OwnedTimepieceFactory(
        customer=customer,
        brand=rolex,
        product=submariner,
        status=OwnedTimepiece.Status.SOLD,
        service_due_on=D(2026, 7, 1),
    )
    return customer


@pytest.mark.django_db
def test_figures_of_a_customer_with_purchases_returns_and_timepieces(buyer):
    # when the metrics are computed as of 30 June 2026
    result = metrics_refresh(today=TODAY)
    # then the row holds the figures net of returns, within each window
    assert result == {"created": 1, "updated": 0, "deleted": 0}
    m = CustomerMetrics.objects.get(customer=buyer)
    assert m.home_store_id == buyer.home_store_id
    assert (m.spend_90d, m.spend_12m, m.spend_lifetime) == (
        Decimal("50000.00"),
        Decimal("60000.00"),
        Decimal("65000.00"),
    )
    assert (m.purchases_90d, m.purchases_12m, m.purchases_lifetime) == (1, 2, 3)
    assert (m.first_purchase_on, m.last_purchase_on) == (D(2024, 5, 1), D(2026, 6, 20))
    assert m.days_since_first_purchase == (TODAY - D(2024, 5, 1)).days
    assert m.days_since_last_purchase == 10
    assert m.average_order_value == Decimal("21666.67")
    # two owned (the sold one left out); the one without a product adds nothing to the value
    assert (m.timepieces_owned, m.timepieces_value) == (2, Decimal("50000.00"))
    assert m.next_service_due_on == D(2026, 9, 1)
    # distinct brands on positive lines: Omega, Rolex and Tudor (its sale was returned, but it was bought)
    assert m.brands_bought == 3
    assert m.open_complaints == 0
    assert m.as_of == TODAY


@pytest.mark.django_db
def test_a_customer_who_never_bought_has_zeros_and_nulls(central):
    # given a customer without purchases or timepieces
    customer = CustomerFactory(home_store=central)
    # when the metrics are computed
    metrics_refresh(today=TODAY)
    # then
    m = CustomerMetrics.objects.get(customer=customer)
    assert (m.spend_90d, m.spend_12m, m.spend_lifetime) == (Decimal("0"), Decimal("0"), Decimal("0"))
    assert (m.purchases_90d, m.purchases_12m, m.purchases_lifetime) == (0, 0, 0)
    assert m.first_purchase_on is None
    assert m.last_purchase_on is None
    assert m.days_since_first_purchase is None
    assert m.days_since_last_purchase is None
    assert m.average_order_value is None
    assert (m.timepieces_owned, m.timepieces_value, m.brands_bought) == (0, Decimal("0"), 0)
    assert m.next_service_due_on is None


def test_open_complaints_count_those_not_yet_resolved(central):
    # given one customer with two open complaints and a resolved one, and another with none
    customer, other = CustomerFactory(home_store=central), CustomerFactory(home_store=central)
    ComplaintFactory(customer=customer)
    now = timezone.now()
    waiting = ComplaintFactory(customer=customer, status="investigating", acknowledged_at=now)
    ComplaintFactory(customer=customer, status="closed", acknowledged_at=now, resolved_at=now, closed_at=now)
    # when
    metrics_refresh(today=TODAY)
    # then
    assert CustomerMetrics.objects.get(customer=customer).open_complaints == 2
    assert CustomerMetrics.objects.get(customer=other).open_complaints == 0
    # and once one is resolved, the next refresh says so
    customer.complaints.filter(pk=waiting.pk).update(status="resolved", resolved_at=now)
    metrics_refresh(today=TODAY)
    assert CustomerMetrics.objects.get(customer=customer).open_complaints == 1


@pytest.mark.django_db
def test_refreshing_twice_changes_nothing(buyer, central):
    # given metrics computed once
    CustomerFactory(home_store=central)
    assert metrics_refresh(today=TODAY) == {"created": 2, "updated": 0, "deleted": 0}
    stamps = dict(CustomerMetrics.objects.values_list("customer_id", "refreshed_at"))
    # when they are computed again for the same day
    result = metrics_refresh(today=TODAY)
    # then no row is written
    assert result == {"created": 0, "updated": 0, "deleted": 0}
    assert dict(CustomerMetrics.objects.values_list("customer_id", "refreshed_at")) == stamps


@pytest.mark.django_db
def test_a_new_purchase_updates_only_that_customers_row(buyer, central):
    # given two customers' metrics
    other = CustomerFactory(home_store=central)
    metrics_refresh(today=TODAY)
    stamps = dict(CustomerMetrics.objects.values_list("customer_id", "refreshed_at"))
    # when the other customer buys, and the metrics are refreshed
    _purchase(other, D(2026, 6, 29), (ProductFactory(), 1, "1200"))
    result = metrics_refresh(today=TODAY)
    # then only their row changed
    assert result == {"created": 0, "updated": 1, "deleted": 0}
    assert CustomerMetrics.objects.get(customer=buyer).refreshed_at == stamps[buyer.pk]
    m = CustomerMetrics.objects.get(customer=other)
    assert m.refreshed_at > stamps[other.pk]
    assert (m.spend_90d, m.purchases_lifetime, m.last_purchase_on) == (Decimal("1200.00"), 1, D(2026, 6, 29))


@pytest.mark.django_db
def test_a_merged_customers_row_is_deleted(buyer, central):
    # given a customer with metrics
    merged = CustomerFactory(home_store=central)
    metrics_refresh(today=TODAY)
    assert CustomerMetrics.objects.filter(customer=merged).exists()
    # when they are merged into another and the metrics refreshed
    merged.merged_into = buyer
    merged.save(update_fields=["merged_into"])
    result = metrics_refresh(today=TODAY)
    # then their row is gone and the survivor's is untouched
    assert result == {"created": 0, "updated": 0, "deleted": 1}
    assert list(CustomerMetrics.objects.values_list("customer_id", flat=True)) == [buyer.pk]


@pytest.mark.django_db
def test_the_task_refreshes_the_metrics(buyer):
    # when the nightly task runs
    result = tasks.metrics_refresh()
    # then every customer has a row
    assert result == {"created": 1, "updated": 0, "deleted": 0}
    assert CustomerMetrics.objects.filter(customer=buyer).exists()


@pytest.mark.django_db
def test_the_task_skips_while_another_run_holds_the_lock(buyer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no advisory locks: its single writer serialises the runs instead.")
    # given another connection holds the refresh lock
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [tasks.METRICS_REFRESH_LOCK])
        # when the task runs
        result = tasks.metrics_refresh()
        # then it skips and writes nothing
        assert result == {"skipped": True}
        assert not CustomerMetrics.objects.exists()
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [tasks.METRICS_REFRESH_LOCK])
        other.close()


@pytest.mark.django_db
def test_anonymising_deletes_the_derived_row(buyer):
    # given the customer's metrics
    metrics_refresh(today=TODAY)
    # when the privacy registry anonymises the customer's rows
    count = registry.get(CustomerMetrics).anonymise_rows(buyer.pk)
    # then the row is deleted (it is recomputed from what is kept)
    assert count == 1
    assert not CustomerMetrics.objects.filter(customer=buyer).exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage parameter")
def test_the_metrics_table_leaves_room_in_each_page_for_the_nightly_rewrite():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'segmentation_customermetrics'")
        (options,) = cursor.fetchone()
    assert "fillfactor=70" in options
