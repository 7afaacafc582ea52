"""An account manager's day with the client record, in a real browser (issue: customer information system)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect

from crm_site.celery import app as celery_app
from customers.models import Brand, Customer, FollowUpTask, Interaction, OwnedTimepiece, Product, Purchase
from customers.services.timepieces import add_months
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seamaster(db):
    omega = Brand.objects.create(name="Omega", name_zh="奧米茄")
    return Product.objects.create(
        brand=omega,
        collection="Seamaster",
        model_name="Diver 300M",
        reference="210.30.42.20.03.001",
        category=Product.Category.WATCH,
        movement_type="automatic",
        list_price=Decimal("46500.00"),
    )


def test_account_manager_records_a_watch_sale_sees_it_owned_and_logs_a_follow_up(
    page, live_server, login, manager, central, seamaster
):
    # given a customer in the manager's book
    customer = CustomerFactory(home_store=central, account_manager=manager, name_en="Yeung Wing Sze", name_zh="")
    login("am-central")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")

    # when they record a purchase of the watch, first forgetting its serial number
    page.get_by_role("link", name="Record a purchase").click()
    page.locator("#id_lines-0-product").select_option(value=str(seamaster.pk))
    page.get_by_role("button", name="Save purchase").click()
    # then the line says what is missing, and nothing is saved
    expect(page.locator(".purchase-line .invalid-feedback").first).to_contain_text("enter the serial number")
    assert not Purchase.objects.exists()

    # when they add the serial number and save
    page.locator("#id_lines-0-serial_number").fill("81234567")
    page.get_by_role("button", name="Save purchase").click()

    # then the purchase is saved at list price and the watch is in the customer's timepieces with its service date
    purchase = Purchase.objects.get()
    assert purchase.total == Decimal("46500.00")
    watch = OwnedTimepiece.objects.get(customer=customer)
    assert watch.serial_number == "81234567"
    assert watch.service_due_on == add_months(purchase.purchased_on, 60)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    panel = page.get_by_test_id("timepieces-panel")
    expect(panel.get_by_text("81234567")).to_be_visible()
    expect(panel.get_by_text(re.compile(str(watch.service_due_on.year)))).to_be_visible()

    # when they log a call with a follow-up task for next week
    due = timezone.localdate() + timedelta(days=7)
    interactions = page.get_by_test_id("interactions-panel")
    interactions.get_by_label("Type").select_option("call")
    interactions.get_by_label("Summary").fill("Called to check the bracelet fits; wants a NATO strap.")
    interactions.get_by_text("Add a follow-up task").click()
    interactions.get_by_label("Follow-up").fill("Order the NATO strap")
    interactions.get_by_label("Due").fill(due.isoformat())
    interactions.get_by_role("button", name="Log interaction").click()

    # then both are recorded and shown, and the task is on "my tasks"
    expect(page.get_by_text("Interaction logged.")).to_be_visible()
    assert Interaction.objects.get(customer=customer).kind == "call"
    task = FollowUpTask.objects.get(customer=customer)
    assert (task.title, task.due_on, task.assignee) == ("Order the NATO strap", due, manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
    expect(page.get_by_text("Order the NATO strap", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Yeung Wing Sze"))).to_be_visible()


CSV_HEADER = "external_id,name_en,name_zh,mobile_phone,email,district\n"
GOOD_ROWS = (
    "K-001,Lam Ka Ho,林家豪,9123 4501,kaho@example.com,wan_chai\nK-002,Tse Mei Ling,謝美玲,+852 6123 4502,,sha_tin\n"
)


def test_account_manager_imports_a_csv_fixes_two_bad_rows_and_imports_it(
    page, live_server, login, manager, central, tmp_path, settings
):
    # given a real Celery worker running the import jobs, and a file with two bad rows
    settings.MEDIA_ROOT = tmp_path / "media"
    bad = tmp_path / "clients.csv"
    bad.write_text(
        CSV_HEADER
        + GOOD_ROWS
        + "K-003,,,1234,,\n"  # row 4: no name, bad phone
        + "K-004,Ho Chi Wai,何志偉,9123 4504,not-an-email,wan_chai\n"  # row 5: bad e-mail
    )
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        login("am-central")
        page.get_by_role("button", name="Data").click()
        page.get_by_role("link", name="Imports").click()
        page.get_by_role("link", name="Import a file").click()
        page.locator("#id_file").set_input_files(str(bad))
        page.get_by_role("button", name="Upload and check").click()

        # then each bad row is listed with its row number, and nothing is written
        errors = page.get_by_test_id("errors")
        expect(errors).to_be_visible(timeout=30_000)
        expect(errors.locator("tbody tr td:first-child")).to_contain_text(
            ["4", "4", "5"][: errors.locator("tbody tr").count()]
        )
        expect(errors).to_contain_text("mobile_phone")
        expect(errors).to_contain_text("email")
        assert not Customer.objects.filter(external_ref__startswith="K-").exists()

        # when they upload the corrected file and import it
        fixed = tmp_path / "clients-fixed.csv"
        fixed.write_text(
            CSV_HEADER
            + GOOD_ROWS
            + "K-003,Chow Siu Ming,周兆明,9123 4503,,\nK-004,Ho Chi Wai,何志偉,9123 4504,chiwai@example.com,wan_chai\n"
        )
        page.get_by_role("link", name="Upload a corrected file").click()
        page.locator("#id_file").set_input_files(str(fixed))
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_role("button", name="Import 4 rows").click(timeout=30_000)

        # then the four customers are created in the manager's book
        expect(page.get_by_test_id("counts")).to_contain_text("Created", timeout=30_000)
    imported = Customer.objects.filter(external_ref__startswith="K-").order_by("external_ref")
    assert [c.external_ref for c in imported] == ["K-001", "K-002", "K-003", "K-004"]
    assert {c.account_manager for c in imported} == {manager}
    assert imported[1].mobile_phone == "+85261234502"
