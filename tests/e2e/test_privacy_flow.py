"""The PDPO flows in a real browser: an access request exported and downloaded; in-store consent
for SMS about new releases; the customer opts out from the link; the contact list drops them."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from privacy.models import AccessLog, ConsentEvent, DataRequest
from privacy.selectors import optout_path
from tests.factories import CustomerFactory
from tests.privacy.helpers import published_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT_LIST = "/privacy/contact-list/?purpose=direct_marketing&subject_class=new_releases&channel=sms"


def test_privacy_officer_logs_an_access_request_and_downloads_the_export(
    page, live_server, login, privacy_officer, central
):
    # given a customer and the privacy officer signed in
    customer = CustomerFactory(home_store=central, name_en="Lam Siu Ming", name_zh="")
    login("dpo")
    # when they open the console from the navigation and log the request
    page.get_by_role("link", name="Privacy", exact=True).click()
    page.get_by_role("link", name="Log a request").click()
    page.get_by_label("Customer record number").fill(str(customer.pk))
    page.get_by_label("Requestor (as on the request)").fill("Lam Siu Ming")
    page.get_by_label("Received (by any branch)").fill("2026-11-20T10:30")
    page.get_by_role("button", name="Log request").click()
    # then the request shows its deadline, 40 days after receipt
    expect(page.get_by_test_id("due")).to_contain_text("2026-12-30")
    request = DataRequest.objects.get()
    # when they generate and download the export
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    content = Path(download_info.value.path()).read_bytes()
    # then the ZIP holds the customer's data as HTML and JSON, and the export is logged
    archive = zipfile.ZipFile(io.BytesIO(content))
    payload = json.loads(archive.read("personal-data.json"))
    assert payload["request_id"] == request.pk
    assert payload["data"]["customers.Customer"]["rows"][0]["name_en"] == "Lam Siu Ming"
    assert "Lam Siu Ming" in archive.read("personal-data.html").decode()
    assert AccessLog.objects.filter(customer=customer, action="export", user=privacy_officer).exists()


def test_in_store_consent_then_opt_out_from_the_link_removes_the_customer_from_the_contact_list(
    page, live_server, login, manager, central, privacy_officer
):
    # given a published direct-marketing notice and a customer in the manager's book
    published_notice(privacy_officer)
    customer = CustomerFactory(home_store=central, account_manager=manager, name_en="Ho Ka Yan", name_zh="")
    login("am-central")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    expect(page.get_by_test_id("consent")).to_contain_text("No direct-marketing consent recorded")

    # when the account manager records the signed in-store form: SMS about new watch releases
    page.get_by_test_id("consent").get_by_role("link", name="Record consent").click()
    page.get_by_label("New watch releases").check()
    page.get_by_label("SMS").check()
    page.get_by_label("How the customer agreed").select_option("signed_form")
    page.get_by_role("button", name="Record consent").click()
    # then the customer page shows the consent
    expect(page.get_by_test_id("consent")).to_contain_text("New watch releases · SMS")
    expect(page.get_by_test_id("consent")).to_contain_text("Granted")
    assert ConsentEvent.objects.get().recorded_by == manager
    # and the customer is on the contact list for that channel
    page.goto(f"{live_server.url}{CONTACT_LIST}")
    expect(page.get_by_test_id("contact-list")).to_contain_text("Ho Ka Yan")

    # when the customer opts out from the link in a message (a fresh browser context: no login)
    visitor = page.context.browser.new_context()
    public = visitor.new_page()
    public.goto(f"{live_server.url}{optout_path(customer_id=customer.pk)}")
    public.get_by_role("button", name="Unsubscribe me").click()
    expect(public.get_by_test_id("optout-done")).to_contain_text("You are unsubscribed")
    visitor.close()

    # then the customer no longer appears in the contact list, and the card says why
    page.goto(f"{live_server.url}{CONTACT_LIST}")
    expect(page.get_by_test_id("contact-list")).to_contain_text("Nobody may be contacted")
    expect(page.get_by_test_id("contact-list")).not_to_contain_text("Ho Ka Yan")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    expect(page.get_by_test_id("consent")).to_contain_text("Opted out")
