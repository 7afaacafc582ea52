"""The campaign pages: who may open them, what they do, what they cost in queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Recipient
from privacy.models import Channel, SubjectClass

pytestmark = pytest.mark.django_db

LIST = reverse("campaigns:campaign-list")
CREATE = reverse("campaigns:campaign-create")


def form_data(segment, **extra):
    return {
        "name": "Autumn viewing",
        "segment": segment.pk,
        "subject_class": SubjectClass.EVENTS,
        "channel": Channel.EMAIL,
        "subject_en": "Invitation",
        "subject_zh": "邀請",
        "body_en": "Dear {name}",
        "body_zh": "{name}您好",
        "control_share": "0.1",
        "attribution_days": "30",
        "cost": "5000",
        **extra,
    }


@pytest.fixture
def draft(supervisor, vip_audience):
    return Campaign.objects.create(
        name="Draft",
        segment=vip_audience["segment"],
        subject_class=SubjectClass.EVENTS,
        channel=Channel.EMAIL,
        body_en="Dear {name}",
        body_zh="{name}您好",
        control_share=Decimal("0"),
        created_by=supervisor,
    )


def test_the_list_shows_campaigns_in_constant_queries(client, supervisor, draft, django_assert_num_queries):
    client.force_login(supervisor)
    client.get(LIST)
    for n in range(3):
        Campaign.objects.create(
            name=f"More {n}", criterion=draft.segment.criterion, subject_class="events", channel="sms",
            body_en="x", body_zh="x", created_by=supervisor,
        )  # fmt: skip
    with django_assert_num_queries(7):
        response = client.get(LIST)
    assert response.status_code == 200
    assert "Draft" in response.content.decode()


def test_an_account_manager_sees_campaigns_but_cannot_create_one(client, manager, vip_audience):
    client.force_login(manager)
    assert client.get(LIST).status_code == 200
    assert client.get(CREATE).status_code == 404
    response = client.post(CREATE, form_data(vip_audience["segment"]))
    assert response.status_code == 404
    assert not Campaign.objects.exists()


def test_a_supervisor_creates_a_draft(client, supervisor, vip_audience):
    client.force_login(supervisor)
    response = client.post(CREATE, form_data(vip_audience["segment"]))
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("campaigns:campaign-detail", args=[campaign.pk])
    assert (campaign.status, campaign.created_by, campaign.cost) == ("draft", supervisor, Decimal("5000"))


def test_the_form_needs_exactly_one_audience(client, supervisor, vip_audience):
    client.force_login(supervisor)
    response = client.post(CREATE, form_data(vip_audience["segment"], criterion=vip_audience["segment"].criterion_id))
    assert response.status_code == 200
    assert "either a segment or a screening criterion" in response.content.decode()
    assert not Campaign.objects.exists()


def test_scheduling_queues_the_send_and_the_page_shows_the_outcome(
    client, supervisor, draft, vip_audience, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core import mail

    from campaigns import tasks

    queued = []
    monkeypatch.setattr(tasks.campaign_send, "delay", lambda pk: queued.append(pk) or tasks.campaign_send.run(pk))
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaigns:campaign-action", args=[draft.pk, "schedule"]))
    assert response.status_code == 302
    assert queued == [draft.pk]
    assert len(mail.outbox) == 2
    page = client.get(reverse("campaigns:campaign-detail", args=[draft.pk])).content.decode()
    assert 'data-testid="campaign-status">Sent' in page
    assert "Alice Chan" in page


def test_pause_is_refused_to_an_account_manager_and_nothing_changes(client, manager, draft):
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.SENDING)
    client.force_login(manager)
    response = client.post(reverse("campaigns:campaign-action", args=[draft.pk, "pause"]))
    assert response.status_code == 404
    assert Campaign.objects.get(pk=draft.pk).status == Campaign.Status.SENDING


def test_a_supervisor_pauses_a_sending_campaign(client, supervisor, draft):
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.SENDING)
    client.force_login(supervisor)
    client.post(reverse("campaigns:campaign-action", args=[draft.pk, "pause"]))
    assert Campaign.objects.get(pk=draft.pk).status == Campaign.Status.PAUSED


def test_the_detail_page_lists_only_recipients_the_user_may_see(client, manager, draft, other_manager, tst):
    from tests.factories import CustomerFactory

    mine = CustomerFactory(home_store=manager.stores.first(), name_en="Mine Wong")
    theirs = CustomerFactory(home_store=tst, name_en="Theirs Lee")
    for customer in (mine, theirs):
        Recipient.objects.create(campaign=draft, customer=customer, group="mailed", status="sent")
    client.force_login(manager)
    page = client.get(reverse("campaigns:campaign-detail", args=[draft.pk])).content.decode()
    assert "Mine Wong" in page
    assert "Theirs Lee" not in page


def test_anonymous_users_are_sent_to_login(client, draft):
    assert client.get(reverse("campaigns:campaign-detail", args=[draft.pk])).status_code == 302
