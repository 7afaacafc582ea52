"""Remedy playbooks in a real browser: an account manager completes a remedy action, and the supervisor
reads the playbook's report of treated against control customers (issue: customer wastage, items 7 and 8)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from churn.models import RemedyAction
from churn.services import playbooks
from tests.factories import CustomerFactory, CustomerScoreFactory, PlaybookFactory, PurchaseFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_account_manager_completes_a_remedy_and_the_report_shows_treated_against_control(
    page, live_server, login, manager, supervisor, central
):
    # given 30 high-risk customers in the manager's book, taken up by a playbook 30 days ago
    for customer in CustomerFactory.create_batch(30, home_store=central, account_manager=manager):
        CustomerScoreFactory(customer=customer, band="high")
    PlaybookFactory(
        name="High risk: service check",
        kind="service_check",
        channel="",
        subject_class="",
        control_share=Decimal("0.3"),
    )
    assigned = timezone.localdate() - datetime.timedelta(days=30)
    playbooks.playbooks_run(today=assigned)
    treated = list(RemedyAction.objects.filter(group="treated").select_related("customer").order_by("due_on", "id"))
    control = RemedyAction.objects.filter(group="control").count()
    assert treated
    assert control
    # and two treated customers bought since
    for action in treated[:2]:
        PurchaseFactory(customer=action.customer, purchased_on=assigned + datetime.timedelta(days=5), total=9000)
    first = treated[0]

    # when the account manager opens My remedies from the Churn page
    login("am-central")
    page.get_by_role("link", name="Churn").click()
    page.get_by_role("link", name="My remedies").click()
    remedies = page.get_by_test_id("my-remedies")
    expect(remedies.locator("tbody tr")).to_have_count(len(treated))
    # and records that the first customer came back
    row = remedies.locator("tbody tr").filter(has_text=first.customer.name_en).first
    row.get_by_role("link", name="Record outcome").click()
    page.get_by_label("Won back").check()
    page.get_by_label("Note").fill("Came in for the service check and bought a strap.")
    page.get_by_role("button", name="Record the outcome").click()
    # then the action leaves the to-do list
    expect(page.get_by_text("The outcome is recorded.")).to_be_visible()
    expect(page.get_by_test_id("my-remedies").locator("tbody tr")).to_have_count(len(treated) - 1)
    first.refresh_from_db()
    assert (first.outcome, first.outcome_by) == ("won_back", manager)

    # when the supervisor opens the playbook's report
    page.context.clear_cookies()
    login("sup-central")
    page.get_by_role("link", name="Churn").click()
    page.get_by_role("link", name="Playbooks").click()
    page.get_by_role("link", name="High risk: service check").click()
    expect(page.get_by_role("heading", name="High risk: service check")).to_be_visible()
    # then it shows treated against control, with the difference and its interval
    expect(page.get_by_test_id("uplift-treated")).to_contain_text(str(len(treated)))
    expect(page.get_by_test_id("uplift-control")).to_contain_text(str(control))
    expect(page.get_by_test_id("uplift")).to_contain_text("95 % confidence interval")
    expect(page.get_by_test_id("outcomes")).to_contain_text("Won back")
