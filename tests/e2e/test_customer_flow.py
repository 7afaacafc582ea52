import re

import pytest
from playwright.sync_api import expect

from customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_account_manager_creates_a_customer_fixing_a_bad_phone_then_finds_them(
    page, live_server, login, manager, other_manager
):
    # given an account manager of Central, signed in
    login("am-central")

    # when they create a customer with a bad phone number
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="New customer").first.click()
    page.get_by_label("English name").fill("Wong Ka Yan")
    page.get_by_label("Chinese name").fill("黃嘉欣")
    page.get_by_label("Mobile phone").fill("1234")
    page.get_by_role("button", name="Save customer").click()

    # then the field error shows and nothing is saved
    expect(page.locator("#id_mobile_phone.is-invalid")).to_be_visible()
    expect(page.get_by_text(re.compile("not a valid phone number"))).to_be_visible()
    assert not Customer.objects.exists()

    # when they fix it
    page.get_by_label("Mobile phone").fill("9123 4567")
    page.get_by_role("button", name="Save customer").click()

    # then the customer is saved in their book, with the number in E.164
    expect(page.get_by_role("heading", name=re.compile("Wong Ka Yan"))).to_be_visible()
    customer = Customer.objects.get()
    assert customer.mobile_phone == "+85291234567"
    assert customer.account_manager == manager
    detail_url = page.url

    # and they find the customer in the list by Chinese name and by phone
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_label("Search").fill("嘉欣")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Wong Ka Yan")).to_be_visible()
    page.get_by_label("Search").fill("+852 9123 4567")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Wong Ka Yan")).to_be_visible()

    # when a manager of another store opens the same URL
    page.context.clear_cookies()
    login("am-tst")
    response = page.goto(detail_url)

    # then they get a 404 and do not see the customer
    assert response.status == 404
    expect(page.get_by_text("Wong Ka Yan")).to_have_count(0)


def test_language_switcher_changes_the_page_language(page, live_server, login, manager):
    login("am-central")
    page.get_by_label("Language").select_option("zh-hant")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
