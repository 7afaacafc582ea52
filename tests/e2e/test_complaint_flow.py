"""A complaint from the customer's page to the satisfaction survey, in a real browser (issue #5)."""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, SatisfactionSurvey
from customers.models import FollowUpTask
from tests.factories import CustomerFactory, OwnedTimepieceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_repair_delay_complaint_with_goodwill_approval_and_a_single_use_survey(
    page, browser, live_server, login, manager, supervisor, central
):
    # given a customer of the manager whose watch is late back from service
    customer = CustomerFactory(home_store=central, account_manager=manager, name_en="Ho Ka Yan", name_zh="")
    watch = OwnedTimepieceFactory(customer=customer, model_name="Seamaster")
    login("am-central")
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")

    # when the account manager logs a repair-delay complaint from the customer's page
    page.get_by_test_id("complaints-panel").get_by_role("link", name="Log a complaint").click()
    page.get_by_label("Received by").select_option("phone")
    page.get_by_label("Category").select_option(label="Servicing or repair delay")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Timepiece concerned").select_option(value=str(watch.pk))
    page.get_by_label("Subject").fill("Service six weeks late")
    page.get_by_label("What happened").fill("Promised in three weeks; no news since.")
    page.get_by_role("button", name="Log the complaint").click()

    # then the complaint page shows it, new, handled by them, with its due times
    complaint = Complaint.objects.get()
    expect(page.get_by_test_id("status")).to_have_text("New")
    expect(page.get_by_test_id("assignee")).to_contain_text(str(manager))
    expect(page.get_by_test_id("sla")).to_contain_text("Resolve by")

    # when they acknowledge it
    page.get_by_label("Note (needed to reopen or escalate)").fill("Called Ms Ho, apologised.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("status")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("complaint-timeline")).to_contain_text("Called Ms Ho, apologised.")

    # and resolve it with goodwill above the limit
    page.get_by_role("link", name="Resolve").click()
    page.get_by_label("Root cause").select_option(label="Workshop capacity or parts shortage")
    page.get_by_label("Resolution summary").fill("Serviced at no charge, with a new strap.")
    page.get_by_label("Goodwill or compensation (HKD)").fill("5000")
    page.get_by_role("button", name="Resolve").click()

    # then it waits for a supervisor's approval, still open
    expect(page.get_by_test_id("goodwill-pending")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Acknowledged")
    assert not page.get_by_test_id("goodwill-form").is_visible()

    # when the supervisor approves (the bell tells them)
    page.context.clear_cookies()
    login("sup-central")
    expect(page.get_by_test_id("notification-bell").get_by_test_id("unread-count")).to_have_text("1")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    page.get_by_test_id("goodwill-form").get_by_role("button", name="Approve goodwill").click()

    # then the complaint is resolved, the account manager has a follow-up task, and a survey link exists
    expect(page.get_by_test_id("status")).to_have_text("Resolved")
    expect(page.get_by_test_id("goodwill")).to_contain_text("Approved")
    assert FollowUpTask.objects.filter(customer=customer, assignee=manager).count() == 1
    survey_link = page.get_by_test_id("survey-link").input_value()

    # when the customer opens the public survey (no login), in two tabs
    customer_context = browser.new_context()
    first, second = customer_context.new_page(), customer_context.new_page()
    first.goto(survey_link)
    second.goto(survey_link)
    first.get_by_text("4", exact=True).click()
    first.get_by_label("Anything you would like to tell us? (optional)").fill("Sorted out, thank you.")
    first.get_by_role("button", name="Send my answer").click()
    # then the first answer is taken
    expect(first.get_by_test_id("survey-message")).to_have_text("Thank you for your answer.")
    # and a second answer, from the other tab, is refused
    second.get_by_text("1", exact=True).click()
    second.get_by_role("button", name="Send my answer").click()
    expect(second.get_by_test_id("survey-message")).to_contain_text("already been answered")
    survey = SatisfactionSurvey.objects.get(complaint=complaint)
    assert (survey.score, survey.comment) == (4, "Sorted out, thank you.")
    # and opening the link again says so too
    first.goto(survey_link)
    expect(first.get_by_test_id("survey-message")).to_contain_text("already been answered")
    customer_context.close()

    # the supervisor sees the answer on the complaint's timeline
    page.reload()
    expect(page.get_by_test_id("complaint-timeline")).to_contain_text("Customer satisfaction 4/5")
