"""Browser test: an admin builds a criterion with the htmx rule builder, previews it, saves it,
runs it through a real Celery worker and finds the same customers in the segment's member list."""

import datetime
import re
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect

from crm_site.celery import app as celery_app
from segmentation.models import Criterion, Run, Segment
from segmentation.services import metrics_refresh
from tests.factories import AdminFactory, CustomerFactory, PurchaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_builds_previews_saves_and_runs_a_criterion(page, live_server, login, central, tst):
    # given customers with purchases, and last night's metrics
    AdminFactory(username="crm-admin")
    day = timezone.localdate() - datetime.timedelta(days=10)
    spend = {  # name: purchases (HKD) in the last 12 months
        "Chan Big Twice": [60000, 50000],  # 110,000 in two purchases: selected
        "Lee Big Thrice": [40000, 40000, 40000],  # 120,000 in three: selected
        "Ho Big Once": [250000],  # one purchase only
        "Wu Small Twice": [20000, 30000],  # not enough
    }
    for i, (name, amounts) in enumerate(spend.items()):
        customer = CustomerFactory(name_en=name, home_store=central if i % 2 == 0 else tst)
        for amount in amounts:
            PurchaseFactory(customer=customer, total=Decimal(amount), purchased_on=day)
    metrics_refresh()

    login("crm-admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="Criteria").click()
    page.get_by_role("link", name="New criterion").click()

    # when the admin builds "spent at least HKD 100,000 in 12 months and bought at least 2 times"
    page.get_by_label("Name").fill("Big spenders, twice or more")
    page.get_by_label("Purpose").select_option(label="VIP qualification")
    builder = page.locator("#rule-builder")

    def redraws(action):
        """Do something that makes htmx redraw the builder, and wait until the new one is in place."""
        page.evaluate("document.getElementById('rule-builder').dataset.stale = 'yes'")
        with page.expect_response(re.compile(r"/segments/criteria/builder/")):
            action()
        page.wait_for_selector("#rule-builder:not([data-stale])")
        page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")

    expect(page.get_by_label("Field of condition 1")).to_have_value("spend_12m")
    expect(page.get_by_label("Operator of condition 1")).to_have_value("gte")  # "at least", the new rule's start
    page.get_by_label("Value of condition 1").fill("100000")
    redraws(lambda: page.get_by_label("Value of condition 1").press("Tab"))
    expect(page.get_by_test_id("preview-count")).to_have_text("3")  # Chan, Lee, Ho
    redraws(lambda: page.get_by_test_id("add-condition").first.click())
    redraws(lambda: page.get_by_label("Field of condition 2").select_option("purchases_12m"))
    expect(page.get_by_label("Operator of condition 2")).to_have_value("gte")  # kept: it applies to counts too
    page.get_by_label("Value of condition 2").fill("2")
    redraws(lambda: page.get_by_label("Value of condition 2").press("Tab"))

    # then the preview shows the count and a sample, without a page reload and before saving
    expect(page.get_by_test_id("preview-count")).to_have_text("2")
    sample = page.get_by_test_id("preview-sample")
    expect(sample).to_contain_text("Chan Big Twice")
    expect(sample).to_contain_text("Lee Big Thrice")
    expect(sample).not_to_contain_text("Ho Big Once")
    assert not Criterion.objects.exists()
    expect(builder.get_by_test_id("rule-condition")).to_have_count(2)

    # when they save it
    page.get_by_role("button", name="Save criterion").click()
    expect(page.get_by_text("Criterion “Big spenders, twice or more” saved.")).to_be_visible()
    criterion = Criterion.objects.get()
    assert criterion.rule == {
        "all": [
            {"field": "spend_12m", "op": "gte", "value": "100000.00"},
            {"field": "purchases_12m", "op": "gte", "value": 2},
        ]
    }

    # and run it through a real worker from the runs page
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        page.get_by_role("link", name="Runs").click()
        page.get_by_test_id("run-now").click()
        expect(page.get_by_test_id("run-progress")).to_be_visible()
        expect(page.get_by_test_id("run-status")).to_have_text("Succeeded", timeout=60_000)
    assert Run.objects.get().status == Run.Status.SUCCEEDED

    # then the segment's member list holds exactly the previewed customers
    segment = Segment.objects.get(criterion=criterion)
    page.get_by_role("link", name=segment.name).first.click()
    members = page.get_by_test_id("members")
    expect(members.locator("tbody tr")).to_have_count(2)
    expect(members).to_contain_text("Chan Big Twice")
    expect(members).to_contain_text("Lee Big Thrice")
    expect(page.get_by_role("heading", name=re.compile("Big spenders, twice or more"))).to_be_visible()
