"""A supervisor reviews customers at risk of leaving, in a real browser (issue: customer wastage)."""

import re

import pytest
from playwright.sync_api import expect

from churn.models import CustomerScore, ScoreDisagreement
from churn.services import scoring
from tests.churn.history import AS_OF, history_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_opens_the_at_risk_list_opens_a_customer_and_sees_why(page, live_server, login, supervisor,
                                                                          central):  # fmt: skip
    # given a scored book of 1,000 customers (the real job, on PostgreSQL or SQLite)
    history_create(store=central, customers=1000, years=4, seed=11)
    run = scoring.scoring_run(today=AS_OF)
    assert run.method in {"model", "rfm"}
    riskiest = CustomerScore.objects.filter(band__in=["watch", "high", "lost"]).order_by("-risk", "customer_id")[0]
    login("sup-central")

    # when they open the Churn page from the menu
    page.get_by_role("link", name="Churn").click()
    # then the at-risk list shows the riskiest customer first, with the band counts
    expect(page.get_by_role("heading", name="Customers at risk")).to_be_visible()
    first_row = page.locator("tbody tr").first
    expect(first_row).to_contain_text(riskiest.customer.name_en)

    # when they open that customer
    first_row.get_by_role("link", name=riskiest.customer.name_en).click()
    # then the customer page explains the score in plain words
    panel = page.get_by_test_id("churn-panel")
    expect(panel).to_be_visible()
    explanation = page.get_by_test_id("churn-explanation")
    expect(explanation).to_contain_text(f"Last purchase on {riskiest.last_purchase_on:%-d %b %Y}")
    expect(explanation).to_contain_text(re.compile(r"Usually buys every \d+ days|Has bought on one day only"))
    if run.method == "model":
        expect(panel).to_contain_text("The model expects")
    expect(panel.get_by_test_id("band")).to_have_text(riskiest.get_band_display())

    # when they record that the customer disagrees
    panel.get_by_role("link", name="Record a disagreement").click()
    page.get_by_label("The customer disagrees").check()
    page.get_by_label("Why the score is wrong").fill("Buys every two years, before Chinese New Year.")
    page.get_by_role("button", name="Record the disagreement").click()
    # then the disagreement is shown with the score
    expect(page.get_by_test_id("churn-disputes")).to_contain_text("Buys every two years, before Chinese New Year.")
    assert ScoreDisagreement.objects.get().disputed_band == riskiest.band
