"""The send: the contact gate at send time, bilingual messages with the opt-out link, batches,
pause and resume, and no second send on a retry."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from campaigns.backends import LocmemBackend
from campaigns.models import Campaign, Recipient
from campaigns.services import campaigns as services
from privacy.models import Channel, Method, SubjectClass
from privacy.services.consent import optout_record
from tests.campaigns.conftest import grant

pytestmark = pytest.mark.django_db


def make_campaign(by, segment, **kwargs):
    data = {
        "name": "Spring private viewing",
        "segment": segment,
        "subject_class": SubjectClass.EVENTS,
        "channel": Channel.EMAIL,
        "subject_en": "Private viewing",
        "subject_zh": "私人鑑賞會",
        "body_en": "Dear {name}, you are invited.",
        "body_zh": "{name}您好，誠邀您出席。",
        "control_share": Decimal("0"),
        **kwargs,
    }
    campaign = services.campaign_create(by=by, **data)
    services.campaign_schedule(by=by, campaign_id=campaign.pk)
    return campaign


def statuses(campaign):
    return dict(campaign.recipients.values_list("customer_id", "status"))


def test_only_customers_consenting_to_this_class_and_channel_get_the_message(supervisor, vip_audience):
    # given a campaign about events by e-mail to the VIP segment
    campaign = make_campaign(supervisor, vip_audience["segment"])
    # when it sends
    result = services.campaign_send(campaign_id=campaign.pk)
    # then only the two who consented to event e-mails got one, each in their language, with the opt-out link
    assert result["status"] == Campaign.Status.SENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [vip_audience["english"].email, vip_audience["chinese"].email]
    )
    by_address = {m.to[0]: m for m in mail.outbox}
    english = by_address[vip_audience["english"].email]
    chinese = by_address[vip_audience["chinese"].email]
    assert english.subject == "Private viewing"
    assert "Dear Alice Chan" in english.body
    assert chinese.subject == "私人鑑賞會"
    assert "陳大文您好" in chinese.body
    for message in (english, chinese):
        assert "https://crm.example.hk/privacy/opt-out/" in message.body
    assert set(statuses(campaign)) == {vip_audience["english"].pk, vip_audience["chinese"].pk}


def test_wrong_class_or_channel_gets_nothing(supervisor, vip_audience):
    # given campaigns about another class (new releases) by e-mail, and about events by post
    other_class = make_campaign(supervisor, vip_audience["segment"], subject_class=SubjectClass.NEW_RELEASES)
    other_channel = make_campaign(supervisor, vip_audience["segment"], channel=Channel.MESSAGING)
    # when they send
    services.campaign_send(campaign_id=other_class.pk)
    services.campaign_send(campaign_id=other_channel.pk)
    # then nobody got anything
    assert mail.outbox == []
    assert LocmemBackend.outbox == []
    assert not Recipient.objects.exists()


def test_an_opt_out_after_the_campaign_is_built_and_before_it_sends_gets_nothing(supervisor, vip_audience):
    # given a scheduled campaign, and then the English customer opts out by the link in another message
    campaign = make_campaign(supervisor, vip_audience["segment"])
    optout_record(customer_id=vip_audience["english"].pk, method=Method.OPT_OUT_LINK)
    # when it sends
    services.campaign_send(campaign_id=campaign.pk)
    # then the customer who opted out got nothing
    assert [m.to[0] for m in mail.outbox] == [vip_audience["chinese"].email]


def test_an_opt_out_between_batches_stops_the_message_still_queued(supervisor, vip_audience):
    # given a campaign sending one recipient per batch, after its first batch
    campaign = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_send(campaign_id=campaign.pk, batch_size=1, max_batches=1)
    assert len(mail.outbox) == 1
    pending = campaign.recipients.get(status=Recipient.Status.PENDING)
    # when the customer still queued opts out, and the send goes on
    optout_record(customer_id=pending.customer_id, method=Method.OPT_OUT_LINK)
    services.campaign_send(campaign_id=campaign.pk, batch_size=1)
    # then they got nothing: their row says why
    assert len(mail.outbox) == 1
    pending.refresh_from_db()
    assert pending.status == Recipient.Status.SKIPPED
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_retried_batch_sends_nothing_twice(supervisor, vip_audience):
    # given a campaign fully sent
    campaign = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_send(campaign_id=campaign.pk)
    assert len(mail.outbox) == 2
    # when the task is redelivered, even with the campaign put back to sending and the audience rebuilt
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    services._audience_build(campaign)
    services.campaign_send(campaign_id=campaign.pk)
    # then nothing more went out and each customer has one row
    assert len(mail.outbox) == 2
    assert campaign.recipients.count() == 2


def test_a_row_claimed_by_a_worker_that_died_is_not_sent_again(supervisor, vip_audience):
    # given a worker claimed a batch (rows committed as sending) and died before sending
    campaign = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_start(campaign_id=campaign.pk)
    claimed = services.batch_claim(campaign=campaign, size=1)
    # when the task runs again
    services.campaign_send(campaign_id=campaign.pk)
    # then the claimed row is not sent (at most once); the other one is
    assert len(mail.outbox) == 1
    assert Recipient.objects.get(pk=claimed[0]).status == Recipient.Status.SENDING


def test_pause_stops_the_send_and_resume_finishes_it(supervisor, vip_audience):
    # given a campaign that sent its first batch and was paused
    campaign = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_send(campaign_id=campaign.pk, batch_size=1, max_batches=1)
    services.campaign_pause(by=supervisor, campaign_id=campaign.pk)
    # when the task runs while paused
    result = services.campaign_send(campaign_id=campaign.pk, batch_size=1)
    # then nothing more goes out
    assert result == {"status": Campaign.Status.PAUSED, "batches": 0}
    assert len(mail.outbox) == 1
    # when resumed
    services.campaign_resume(by=supervisor, campaign_id=campaign.pk)
    services.campaign_send(campaign_id=campaign.pk, batch_size=1)
    # then the rest goes out, once
    assert len(mail.outbox) == 2
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def test_sms_goes_through_the_configured_backend_with_the_opt_out_link(supervisor, vip_audience):
    # given an SMS campaign about events
    campaign = make_campaign(supervisor, vip_audience["segment"], channel=Channel.SMS)
    # when it sends
    services.campaign_send(campaign_id=campaign.pk)
    # then the SMS-consenting customer got one through the backend, with the link; no e-mail
    assert [m["to"] for m in LocmemBackend.outbox] == [vip_audience["sms_only"].mobile_phone]
    assert "https://crm.example.hk/privacy/opt-out/" in LocmemBackend.outbox[0]["body"]
    assert mail.outbox == []
    assert campaign.recipients.get().reference.startswith("locmem-")


def test_a_failed_delivery_is_recorded_and_the_send_goes_on(supervisor, vip_audience, settings, privacy_officer):
    # given a backend that fails
    settings.CAMPAIGNS_MESSAGE_BACKEND = "tests.campaigns.test_send.FailingBackend"
    grant(vip_audience["english"], privacy_officer, channels=(Channel.SMS,))
    campaign = make_campaign(supervisor, vip_audience["segment"], channel=Channel.SMS)
    # when it sends
    services.campaign_send(campaign_id=campaign.pk)
    # then each row records the failure and the campaign finishes
    assert set(campaign.recipients.values_list("status", "error")) == {(Recipient.Status.FAILED, "provider down")}
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


class FailingBackend:
    def send(self, *, channel, to, body):
        raise RuntimeError("provider down")


def test_phone_campaigns_list_the_customers_for_staff_without_sending(supervisor, vip_audience, privacy_officer):
    # given a consent to event calls and a phone campaign
    grant(vip_audience["english"], privacy_officer, channels=(Channel.PHONE,))
    campaign = make_campaign(supervisor, vip_audience["segment"], channel=Channel.PHONE)
    # when it runs
    services.campaign_send(campaign_id=campaign.pk)
    # then the customer is on the staff's call list and no message went out
    assert statuses(campaign) == {vip_audience["english"].pk: Recipient.Status.LISTED}
    assert mail.outbox == []
    assert LocmemBackend.outbox == []


def test_only_managers_of_campaigns_may_create_or_pause(manager, vip_audience):
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            by=manager,
            name="x",
            segment=vip_audience["segment"],
            subject_class=SubjectClass.EVENTS,
            channel=Channel.EMAIL,
            body_en="x",
            body_zh="x",
        )
    assert not Campaign.objects.exists()


def test_the_control_draw_is_reproducible_and_near_its_share():
    # given / when the same seed draws twice over 2,000 customers
    first = [services.in_control(seed=7, campaign_id=1, customer_id=i, share="0.2") for i in range(2000)]
    again = [services.in_control(seed=7, campaign_id=1, customer_id=i, share="0.2") for i in range(2000)]
    other = [services.in_control(seed=8, campaign_id=1, customer_id=i, share="0.2") for i in range(2000)]
    # then it is the same, about a fifth, and another seed draws differently
    assert first == again
    assert 340 < sum(first) < 460
    assert first != other
