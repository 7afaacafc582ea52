"""Events and focus groups: invitations through the gate with RSVP links, single-use answers,
capacity, attendance by the account manager, structured feedback, leads with the event as source."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Event, EventLead, EventQuestion, FeedbackAnswer, Invitation
from campaigns.services import campaigns as campaign_services
from campaigns.services import events
from customers.models import Lead
from privacy.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(supervisor, vip_audience, central):
    return events.event_create(
        by=supervisor,
        name="Grand Seiko evening",
        kind=Event.Kind.FOCUS_GROUP,
        starts_at=timezone.now() + timedelta(days=14),
        venue="Central store, 2/F",
        store=central,
        capacity=1,
        segment=vip_audience["segment"],
        channel=Channel.EMAIL,
        invitation_en="Dear {name}, join us for an evening with Grand Seiko.",
        invitation_zh="{name}您好，誠邀您出席。",
        cost=Decimal("20000"),
        questions=[("How did you like the evening?", "score"), ("What would you change", "text")],
    )


def invite(by, event):
    campaign = events.event_invite(by=by, event_id=event.pk)
    campaign_services.campaign_send(campaign_id=campaign.pk)
    return campaign


def rsvp_link(email):
    message = next(m for m in mail.outbox if m.to == [email])
    return re.search(r"https://crm\.example\.hk(/campaigns/rsvp/\S+)", message.body).group(1)


def test_invitations_go_only_to_consenting_customers_with_a_personal_rsvp_link(supervisor, event, vip_audience):
    # when the invitations are sent
    invite(supervisor, event)
    # then only the two who agreed to event e-mails are invited, each with their own link and the opt-out link
    invited = set(event.invitations.values_list("customer_id", flat=True))
    assert invited == {vip_audience["english"].pk, vip_audience["chinese"].pk}
    english, chinese = rsvp_link(vip_audience["english"].email), rsvp_link(vip_audience["chinese"].email)
    assert english != chinese
    assert all("/privacy/opt-out/" in m.body for m in mail.outbox)
    # and the invitations cannot be sent twice
    with pytest.raises(ValidationError):
        events.event_invite(by=supervisor, event_id=event.pk)


def test_rsvp_works_without_login_once_and_fills_the_capacity_then_the_waiting_list(supervisor, event, vip_audience):
    invite(supervisor, event)
    anonymous = Client()
    first, second = rsvp_link(vip_audience["english"].email), rsvp_link(vip_audience["chinese"].email)
    # when the first accepts (capacity 1)
    assert anonymous.get(first).status_code == 200
    assert Invitation.objects.get(customer=vip_audience["english"]).response == ""  # a GET changes nothing
    page = anonymous.post(first, {"answer": "yes"}).content.decode()
    assert "we look forward to seeing you" in page
    # then the link is used up: answering again changes nothing
    page = anonymous.post(first, {"answer": "no"}).content.decode()
    assert "already been answered" in page
    assert Invitation.objects.get(customer=vip_audience["english"]).response == "accepted"
    # and the second acceptance goes on the waiting list
    anonymous.post(second, {"answer": "yes"})
    assert Invitation.objects.get(customer=vip_audience["chinese"]).response == "waitlisted"
    # an unknown token is a 404
    assert anonymous.get(reverse("campaigns:rsvp", args=["nope"])).status_code == 404


def test_the_account_manager_marks_attendance_for_their_customers_only(
    supervisor, event, vip_audience, manager, other_manager
):
    invite(supervisor, event)
    invitation = Invitation.objects.get(customer=vip_audience["english"])
    with pytest.raises(PermissionDenied):
        events.attendance_mark(by=other_manager, invitation_id=invitation.pk, attended=True)
    invitation.refresh_from_db()
    assert invitation.attended is None
    events.attendance_mark(by=manager, invitation_id=invitation.pk, attended=True)
    invitation.refresh_from_db()
    assert (invitation.attended, invitation.attendance_by) == (True, manager)


def test_focus_group_feedback_is_structured(supervisor, event, vip_audience, manager):
    invite(supervisor, event)
    invitation = Invitation.objects.get(customer=vip_audience["english"])
    score, text = event.questions.order_by("order")
    assert (score.kind, text.kind) == (EventQuestion.Kind.SCORE, EventQuestion.Kind.TEXT)
    events.feedback_record(by=manager, invitation_id=invitation.pk, answers={score.pk: "4", text.pk: "More straps"})
    events.feedback_record(by=manager, invitation_id=invitation.pk, answers={score.pk: "5"})  # corrected
    assert dict(FeedbackAnswer.objects.values_list("question_id", "score")) == {score.pk: 5, text.pk: None}
    assert FeedbackAnswer.objects.get(question=text).text == "More straps"
    with pytest.raises(ValidationError):
        events.feedback_record(by=manager, invitation_id=invitation.pk, answers={score.pk: "9"})


def test_a_lead_met_at_the_event_has_the_event_as_source(event, manager):
    lead = events.event_lead_create(by=manager, event_id=event.pk, name_en="New Face", mobile_phone="91234567")
    assert (lead.source, lead.campaign, lead.store) == (Lead.Source.FOCUS_GROUP, event.name, event.store)
    assert EventLead.objects.get(lead=lead).event == event


def test_event_pages_allowed_and_forbidden(
    client, supervisor, manager, event, vip_audience, django_capture_on_commit_callbacks, monkeypatch
):
    from campaigns import tasks

    monkeypatch.setattr(tasks.campaign_send, "delay", lambda pk: tasks.campaign_send.run(pk))
    # an account manager sees the event but cannot send the invitations
    client.force_login(manager)
    assert client.get(reverse("campaigns:event-detail", args=[event.pk])).status_code == 200
    assert client.post(reverse("campaigns:event-invite", args=[event.pk])).status_code == 404
    assert not event.invitations.exists()
    assert client.get(reverse("campaigns:event-create")).status_code == 404
    # the supervisor sends them
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("campaigns:event-invite", args=[event.pk]))
    assert event.invitations.count() == 2
    page = client.get(reverse("campaigns:event-detail", args=[event.pk])).content.decode()
    assert "Alice Chan" in page
    assert client.get(reverse("campaigns:event-list")).status_code == 200


def test_a_supervisor_creates_an_event_with_questions(client, supervisor, vip_audience, central):
    client.force_login(supervisor)
    response = client.post(
        reverse("campaigns:event-create"),
        {
            "name": "Launch",
            "kind": "brand_launch",
            "starts_at": "2026-12-01T19:00",
            "venue": "",
            "store": central.pk,
            "capacity": "20",
            "segment": vip_audience["segment"].pk,
            "channel": "email",
            "invitation_en": "Come",
            "invitation_zh": "來",
            "cost": "1000",
            "questions": "Rate the watches?\nAnything else...",
        },
    )
    event = Event.objects.get()
    assert response.status_code == 302
    assert list(event.questions.values_list("text", "kind")) == [
        ("Rate the watches?", "score"),
        ("Anything else", "text"),
    ]
