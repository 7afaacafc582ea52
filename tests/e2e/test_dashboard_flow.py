"""Browser test: a supervisor opens the dashboard from the home page, switches the period, clicks a figure
and lands on the list behind it, with as many rows as the figure said. A screenshot is kept as an artefact."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.services.snapshots import snapshot_write
from tests.factories import SupervisorFactory
from tests.reports.kpi_data import D, build_kpi_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results"


def test_supervisor_switches_the_period_and_drills_into_a_figure(page, live_server, login):
    kpi_data = build_kpi_data()
    for offset in range(3):
        snapshot_write(day=D - datetime.timedelta(days=offset))
    SupervisorFactory(username="sup-central", stores=[kpi_data["c"]])

    login("sup-central")
    page.get_by_test_id("dashboard-link").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_test_id("period")).to_contain_text("9 Feb 2026 – 10 Mar 2026")  # 30 days to the last snapshot

    page.get_by_label("Period").select_option("7d")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("period")).to_contain_text("4 Mar 2026 – 10 Mar 2026")
    new_customers = page.get_by_test_id("figure-new_customers")
    expect(new_customers).to_have_text("2")  # a on the 9th, b on the 10th (Central only)
    expect(page.locator("#chart-customers")).to_be_visible()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "reports-dashboard.png"), full_page=True)

    page.get_by_test_id("figure-complaints_open").click()
    expect(page.get_by_role("heading", name="Complaints open")).to_be_visible()
    expect(page.get_by_test_id("drill-count")).to_have_text("2")  # k1 and k2 at Central
    assert "start=2026-03-04" in page.url
    assert "end=2026-03-10" in page.url

    page.go_back()
    new_customers.click()
    expect(page.get_by_test_id("drill-count")).to_have_text("2")
    expect(page.get_by_role("link", name="B (")).to_be_visible()
