"""Browser test: a supervisor creates an event from the VIP segment and sends the invitations
through a real Celery worker; only the customers who agreed to hear about events are invited; a
customer answers from the public RSVP link; the account manager marks the attendance."""

import re

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from playwright.sync_api import expect

from campaigns.models import Event, Invitation
from crm_site.celery import app as celery_app
from privacy.models import Channel, Method, SubjectClass
from privacy.services.consent import consent_record
from tests.campaigns.conftest import segment_with
from tests.factories import AccountManagerFactory, CustomerFactory, PrivacyOfficerFactory, SupervisorFactory
from tests.privacy.helpers import published_notice

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_supervisor_invites_from_the_vip_segment_customer_rsvps_manager_marks_attendance(
    page, browser, live_server, settings, central
):
    # given the VIP segment: two customers who agreed to event e-mails, one who agreed to nothing,
    # and one who agreed to event SMS only
    settings.CRM_BASE_URL = live_server.url
    settings.CAMPAIGNS_MESSAGE_BACKEND = "campaigns.backends.LocmemBackend"
    SupervisorFactory(stores=[central], username="sup-central")
    manager = AccountManagerFactory(stores=[central], username="am-central")
    officer = PrivacyOfficerFactory()
    published_notice(officer)
    chan = CustomerFactory(home_store=central, name_en="Chan Consenting", account_manager=manager)
    lee = CustomerFactory(home_store=central, name_en="Lee Consenting", account_manager=manager)
    wong = CustomerFactory(home_store=central, name_en="Wong Silent", account_manager=manager)
    ho = CustomerFactory(home_store=central, name_en="Ho SmsOnly", account_manager=manager)
    for customer, channel in ((chan, Channel.EMAIL), (lee, Channel.EMAIL), (ho, Channel.SMS)):
        consent_record(
            customer_id=customer.pk,
            by=officer,
            subject_classes=[SubjectClass.EVENTS],
            channels=[channel],
            method=Method.SIGNED_FORM,
        )
    segment_with([chan, lee, wong, ho], name="VIP")

    # when the supervisor creates a private viewing for the VIP segment
    sign_in(page, live_server, "sup-central")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Events").click()
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Name").fill("Private viewing: Patek Philippe")
    page.get_by_label("Kind").select_option("private_viewing")
    page.get_by_label("Starts").fill("2026-12-18T19:00")
    page.get_by_label("Store").select_option(label=central.name)
    page.get_by_label("Capacity").fill("10")
    page.get_by_label("Invite from segment").select_option(label="VIP")
    page.get_by_label("Invite by").select_option("email")
    page.get_by_label("Invitation (English)").fill("Dear {name}, join us for a private viewing.")
    page.get_by_label("Invitation (Chinese)").fill("{name}您好，誠邀您出席私人鑑賞會。")
    page.get_by_label("Cost (HKD)").fill("30000")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Private viewing: Patek Philippe")).to_be_visible()
    event = Event.objects.get()

    # and sends the invitations, which a real worker delivers
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        page.get_by_role("button", name="Send invitations").click()
        expect(page.get_by_test_id("invitation-campaign")).to_be_visible()
        for _ in range(60):
            page.reload()
            if "Sent" in page.get_by_test_id("invitation-campaign").inner_text():
                break
            page.wait_for_timeout(500)
        expect(page.get_by_test_id("invitation-campaign")).to_contain_text("Sent")

    # then only the two who agreed to event e-mails were invited
    assert sorted(m.to[0] for m in mail.outbox) == sorted([chan.email, lee.email])
    assert set(event.invitations.values_list("customer_id", flat=True)) == {chan.pk, lee.pk}
    expect(page.get_by_test_id("count-invited")).to_have_text("2")

    # when Chan opens the RSVP link of the e-mail, signed out, and accepts
    body = next(m.body for m in mail.outbox if m.to == [chan.email])
    link = re.search(r"(http://\S+/campaigns/rsvp/\S+)", body).group(1)
    assert "/privacy/opt-out/" in body
    visitor = browser.new_context().new_page()
    visitor.goto(link)
    visitor.get_by_role("button", name="Yes, I will come").click()
    expect(visitor.get_by_test_id("rsvp-answer")).to_contain_text("we look forward to seeing you")
    # the link is single-use: it now only shows the answer
    visitor.goto(link)
    expect(visitor.get_by_role("button", name="Yes, I will come")).to_have_count(0)
    assert Invitation.objects.get(customer=chan).response == Invitation.Response.ACCEPTED

    # when the account manager marks Chan as attended on the evening
    manager_page = browser.new_context().new_page()
    sign_in(manager_page, live_server, "am-central")
    manager_page.goto(f"{live_server.url}/campaigns/events/{event.pk}/")
    row = manager_page.locator("tr", has_text="Chan Consenting")
    expect(row).to_contain_text("Accepted")
    row.get_by_role("button", name="Mark attended").click()
    expect(manager_page.locator("tr", has_text="Chan Consenting").get_by_test_id("attended")).to_be_visible()
    expect(manager_page.get_by_test_id("count-attended")).to_have_text("1")

    # then the attendance is recorded by them
    invitation = Invitation.objects.get(customer=chan)
    assert (invitation.attended, invitation.attendance_by) == (True, manager)
    assert Invitation.objects.get(customer=lee).attended is None
