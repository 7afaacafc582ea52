"""Purchase imports: one row per line, receipts grouped, the purchases domain's rules, all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import ImportJob, OwnedTimepiece, Product, Purchase, PurchaseLine
from customers.services.purchases import MAX_LINES
from privacy.models import AccessLog
from tests.customers.factories_imports import (
    FIXTURES,
    BrandFactory,
    ProductFactory,
    csv_bytes,
    errors_of,
    job_checked,
    job_imported,
    media_root,  # noqa: F401 - autouse fixture
    row_counts,
    xlsx_bytes,
)
from tests.factories import CustomerFactory

HEADER = [
    "receipt_no",
    "customer_external_id",
    "purchased_on",
    "store",
    "product_reference",
    "brand",
    "description",
    "quantity",
    "unit_price",
    "discount",
    "serial_number",
]
PURCHASES = ImportJob.Kind.PURCHASES


@pytest.fixture
def grand_seiko_watch(db):
    return ProductFactory(
        brand=BrandFactory(name="Grand Seiko"), model_name="Heritage", reference="SBGA211", category="watch"
    )


@pytest.fixture
def customers(central, manager):
    """Two customers of manager's book at Central, known by the external ids of the sample file."""
    return [
        CustomerFactory(home_store=central, account_manager=manager, name_en="Chan Tai Man", external_ref="C-1001"),
        CustomerFactory(home_store=central, account_manager=manager, name_en="Wong Siu Ming", external_ref="C-1002"),
    ]


def line(receipt="R-1", customer="C-1001", day="2024-03-15", store="central", **cells) -> list:
    """One row of a purchase file (HEADER's order); a description line of HK$100 by default."""
    values = {"product_reference": "", "brand": "", "description": "Strap", "quantity": "1", "unit_price": "100"}
    values.update({"discount": "", "serial_number": "", **cells})
    return [receipt, customer, day, store, *(values[name] for name in HEADER[4:])]


def purchase_file(*rows) -> bytes:
    return csv_bytes([HEADER, *rows])


def test_the_sample_file_imports_two_purchases_with_their_lines(central, manager, customers, grand_seiko_watch):
    # given a file of three lines on two receipts: a watch (by brand and reference), a strap, a winder
    content = (FIXTURES / "purchases.csv").read_bytes()
    # when checked
    job = job_checked(by=manager, content=content, kind=PURCHASES, store=central)
    # then purchases (receipts) are counted, not rows
    assert (job.status, job.total_rows) == (ImportJob.Status.READY, 3)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 0, 0)
    assert Purchase.objects.count() == 0
    # when imported
    job = job_imported(by=manager, job=job)
    # then
    assert job.status == ImportJob.Status.DONE
    first = Purchase.objects.get(external_ref="R-0001")
    assert (first.customer, first.store, first.purchased_on, first.channel, first.status) == (
        customers[0],
        central,
        datetime.date(2024, 3, 15),  # 15/03/2024, day first
        Purchase.Channel.IN_STORE,
        Purchase.Status.COMPLETED,
    )
    assert list(
        first.lines.order_by("id").values_list(
            "product", "description", "quantity", "unit_price", "discount", "serial_number", "line_total"
        )
    ) == [
        (grand_seiko_watch.pk, "", 1, Decimal("45800.00"), Decimal("800.00"), "GS-123456", Decimal("45000.00")),
        (None, "Leather strap, brown", 2, Decimal("1200.00"), Decimal("0.00"), "", Decimal("2400.00")),
    ]
    assert first.total == Decimal("47400.00")
    second = Purchase.objects.get(external_ref="R-0002")
    assert (second.customer, second.channel, second.total) == (customers[1], "online", Decimal("3500.50"))


def test_a_watch_bought_becomes_an_owned_timepiece_and_each_customer_gets_an_edit_row(
    central, manager, customers, grand_seiko_watch
):
    # given / when
    job = job_checked(by=manager, content=(FIXTURES / "purchases.csv").read_bytes(), kind=PURCHASES, store=central)
    job = job_imported(by=manager, job=job)
    # then as purchase_create does: the watch line is now a timepiece the customer owns
    timepiece = OwnedTimepiece.objects.get()
    assert (timepiece.customer, timepiece.product, timepiece.serial_number, timepiece.purchased_on) == (
        customers[0],
        grand_seiko_watch,
        "GS-123456",
        datetime.date(2024, 3, 15),
    )
    assert timepiece.purchase_line.purchase.external_ref == "R-0001"
    # and one access row per customer whose purchases were imported
    imported = AccessLog.objects.filter(view_name="customers:import")
    assert sorted(imported.values_list("customer_id", "action", "reason")) == sorted(
        (c.pk, AccessLog.Action.EDIT, f"import #{job.pk}: purchases") for c in customers
    )


def test_every_bad_line_is_reported_and_nothing_is_written(central, tst, manager, customers, grand_seiko_watch):
    # given a file with one problem per row after a good one
    CustomerFactory(home_store=tst, name_en="Elsewhere", external_ref="T-1")
    before = row_counts()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    content = purchase_file(
        line("R-1"),  # row 2: fine
        line("R-2", day="31/02/2024"),  # row 3
        line("R-3", day="03/31/2024"),  # row 4: month first
        line("R-4", quantity="0"),  # row 5
        line("R-5", quantity="-1"),  # row 6
        line("R-6", unit_price="-5"),  # row 7
        line("R-7", customer="C-404"),  # row 8
        line("R-8", customer="T-1"),  # row 9: another store's customer
        line("R-9", store="nowhere"),  # row 10
        line("R-10", store="tst"),  # row 11
        line("R-11", day=tomorrow),  # row 12
        line("R-12", description="", product_reference="NOPE"),  # row 13
        line("R-13", description="", product_reference="SBGA211", brand="Grand Seiko"),  # row 14: no serial
        line("R-14", unit_price="100", discount="150"),  # row 15
        line("R-15", quantity="two"),  # row 16
        line("R-16", unit_price="12.345"),  # row 17
        line("R-17", description=""),  # row 18
    )
    # when
    job = job_checked(by=manager, content=content, kind=PURCHASES, store=central)
    # then
    assert job.status == ImportJob.Status.INVALID
    assert errors_of(job) == [
        (3, "purchased_on", "31/02/2024"),
        (4, "purchased_on", "03/31/2024"),
        (5, "quantity", "0"),
        (6, "quantity", "-1"),
        (7, "unit_price", "-5"),
        (8, "customer_external_id", "C-404"),
        (9, "customer_external_id", "T-1"),
        (10, "store", "nowhere"),
        (11, "store", "tst"),
        (12, "purchased_on", tomorrow),
        (13, "product_reference", "NOPE"),
        (14, "serial_number", ""),
        (15, "discount", "150"),
        (16, "quantity", "two"),
        (17, "unit_price", "12.345"),
        (18, "description", ""),
    ]
    messages = {e["row"]: e["message"] for e in job.errors}
    assert messages[3] == (
        "“31/02/2024” is not a date: write YYYY-MM-DD (2024-03-31) or DD/MM/YYYY, day first (31/03/2024)."
    )
    assert messages[5] == "Enter a quantity other than 0."
    assert messages[6] == "Returns cannot be imported: record them on the purchase in the CRM."
    assert messages[7] == "The amount cannot be negative."
    assert messages[8] == messages[9].replace("T-1", "C-404")  # the same answer for missing and forbidden
    assert messages[11] == "You can only import purchases of your own stores."
    assert messages[14] == "Enter the serial number of this watch."
    assert messages[15] == "The discount is larger than the line's price."
    assert row_counts() == before


def test_rows_of_one_receipt_must_agree_on_customer_date_and_store(central, manager, customers):
    # given
    content = purchase_file(line("R-1"), line("R-1", day="2024-03-16"), line("R-1", customer="C-1002"))
    # when
    job = job_checked(by=manager, content=content, kind=PURCHASES, store=central)
    # then
    assert errors_of(job) == [(3, "purchased_on", "2024-03-16"), (4, "customer_external_id", "C-1002")]
    assert job.errors[0]["message"] == (
        "Every row of receipt “R-1” needs the same purchased_on as its first row (row 2)."
    )


def test_a_watch_is_one_per_line_and_a_serial_number_once_per_receipt(central, manager, customers, grand_seiko_watch):
    # given
    watch = {"description": "", "product_reference": "sbga211", "brand": "grand seiko"}
    content = purchase_file(
        line("R-1", serial_number="S-1", **watch),
        line("R-1", serial_number="S-1", **watch),
        line("R-1", serial_number="S-2", quantity="2", **watch),
    )
    # when
    job = job_checked(by=manager, content=content, kind=PURCHASES, store=central)
    # then
    assert errors_of(job) == [(3, "serial_number", "S-1"), (4, "quantity", "2")]


def test_an_ambiguous_reference_needs_the_brand(central, manager, customers, grand_seiko_watch):
    # given another brand's product with the same reference
    ProductFactory(brand=BrandFactory(name="Seiko"), reference="SBGA211")
    content = purchase_file(line("R-1", description="", product_reference="SBGA211", serial_number="S-1"))
    # when
    job = job_checked(by=manager, content=content, kind=PURCHASES, store=central)
    # then
    assert errors_of(job) == [(2, "brand", "")]
    assert job.errors[0]["message"] == "Several brands have a product “SBGA211”: enter the brand."


def test_a_purchase_file_needs_its_columns(central, manager):
    # given
    content = csv_bytes([["receipt_no", "customer_external_id", "quantity"], ["R-1", "C-1", "1"]])
    # when
    job = job_checked(by=manager, content=content, kind=PURCHASES, store=central)
    # then
    assert errors_of(job) == [
        (1, "purchased_on", ""),
        (1, "unit_price", ""),
        (1, "product_reference", ""),
    ]


def test_reimporting_purchases_changes_nothing_and_a_changed_receipt_keeps_its_line_rows(
    central, manager, customers, grand_seiko_watch
):
    # given the sample file imported once
    content = (FIXTURES / "purchases.csv").read_bytes()
    job_imported(by=manager, job=job_checked(by=manager, content=content, kind=PURCHASES, store=central))
    lines_before = list(PurchaseLine.objects.order_by("id").values())
    counts_before = row_counts()
    # when imported again
    again = job_imported(by=manager, job=job_checked(by=manager, content=content, kind=PURCHASES, store=central))
    # then
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert list(PurchaseLine.objects.order_by("id").values()) == lines_before
    assert row_counts() == counts_before
    # when a corrected file changes the strap's price
    corrected = content.replace(b'brown",2,1200', b'brown",2,1100')
    fixed = job_imported(by=manager, job=job_checked(by=manager, content=corrected, kind=PURCHASES, store=central))
    # then the same line rows are updated, and the total follows
    assert (fixed.created_count, fixed.updated_count, fixed.unchanged_count) == (0, 1, 1)
    assert [line["id"] for line in PurchaseLine.objects.order_by("id").values()] == [r["id"] for r in lines_before]
    assert Purchase.objects.get(external_ref="R-0001").total == Decimal("47200.00")
    assert OwnedTimepiece.objects.count() == 1


def test_a_receipt_with_returns_cannot_be_changed_by_an_import(central, manager, customers):
    # given an imported purchase whose item was later returned in the CRM
    job_imported(by=manager, job=job_checked(by=manager, content=purchase_file(line("R-1")), kind=PURCHASES))
    Purchase.objects.filter(external_ref="R-1").update(status=Purchase.Status.RETURNED)
    # when the same receipt comes with another price
    job = job_checked(by=manager, content=purchase_file(line("R-1", unit_price="90")), kind=PURCHASES)
    # then
    assert errors_of(job) == [(2, "receipt_no", "R-1")]


def test_a_colleagues_customers_receipts_cannot_be_imported_by_an_account_manager(central, manager, colleague):
    # given a customer in the colleague's book
    CustomerFactory(home_store=central, account_manager=colleague, external_ref="C-9")
    # when
    job = job_checked(by=manager, content=purchase_file(line("R-1", customer="C-9")), kind=PURCHASES)
    # then
    assert errors_of(job) == [(2, "customer_external_id", "C-9")]


def test_money_may_be_written_as_hong_kong_dollars(central, manager, customers):
    # given
    content = purchase_file(line("R-1", unit_price="HK$12,345.50", discount="$45.5"))
    # when
    job_imported(by=manager, job=job_checked(by=manager, content=content, kind=PURCHASES))
    # then
    assert PurchaseLine.objects.values_list("unit_price", "discount", "line_total").get() == (
        Decimal("12345.50"),
        Decimal("45.50"),
        Decimal("12300.00"),
    )
    assert Product.objects.count() == 0


def test_a_receipt_has_at_most_the_lines_purchase_create_allows(central, manager, customers):
    # given 51 lines on one receipt
    content = purchase_file(*[line("R-1") for _ in range(MAX_LINES + 1)])
    # when
    job = job_checked(by=manager, content=content, kind=PURCHASES)
    # then the 51st line (row 52) is refused
    assert errors_of(job) == [(MAX_LINES + 2, "receipt_no", "R-1")]
    assert job.errors[0]["message"] == f"A purchase can have at most {MAX_LINES} lines."


def test_excel_date_cells_are_read_as_dates(central, manager, customers):
    # given a workbook whose purchased_on cells are dates
    rows = [HEADER, [*line("R-1")[:2], datetime.date(2024, 3, 15), *line("R-1")[3:]]]  # read back as a datetime
    # when
    job = job_checked(by=manager, content=xlsx_bytes(rows), kind=PURCHASES, name="purchases.xlsx")
    job = job_imported(by=manager, job=job)
    # then
    assert job.status == ImportJob.Status.DONE
    assert Purchase.objects.get().purchased_on == datetime.date(2024, 3, 15)
