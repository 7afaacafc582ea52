"""The opt-out link in a campaign message: no login, it does only that, and the next campaign
already leaves the customer out."""

import re

import pytest
from django.core import mail
from django.test import Client

from campaigns.models import Recipient
from campaigns.services import campaigns as services
from privacy.models import Channel, SubjectClass
from tests.campaigns.test_send import make_campaign

pytestmark = pytest.mark.django_db


def test_the_link_in_the_message_opts_out_without_login_and_the_next_campaign_leaves_them_out(supervisor, vip_audience):
    # given a sent campaign; the English customer reads the message
    first = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_send(campaign_id=first.pk)
    message = next(m for m in mail.outbox if m.to == [vip_audience["english"].email])
    link = re.search(r"https://crm\.example\.hk(/privacy/opt-out/\S+)", message.body).group(1)
    anonymous = Client()
    # when they open it (a link checker's GET changes nothing) and confirm
    assert anonymous.get(link).status_code == 200
    assert anonymous.post(link).status_code == 200
    # then the next campaign, by e-mail or SMS, on any class, leaves them out at once
    mail.outbox.clear()
    second = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_send(campaign_id=second.pk)
    assert [m.to for m in mail.outbox] == [[vip_audience["chinese"].email]]
    assert not Recipient.objects.filter(campaign=second, customer=vip_audience["english"]).exists()


def test_a_links_token_opts_out_only_its_own_customer(supervisor, vip_audience):
    # given the English customer's link
    first = make_campaign(supervisor, vip_audience["segment"])
    services.campaign_send(campaign_id=first.pk)
    message = next(m for m in mail.outbox if m.to == [vip_audience["english"].email])
    link = re.search(r"https://crm\.example\.hk(/privacy/opt-out/\S+)", message.body).group(1)
    # when it is used
    Client().post(link)
    # then the other customer still receives the next campaign; a tampered token is a 404
    mail.outbox.clear()
    services.campaign_send(campaign_id=make_campaign(supervisor, vip_audience["segment"]).pk)
    assert [m.to for m in mail.outbox] == [[vip_audience["chinese"].email]]
    assert Client().post(link[:-3] + "abc/").status_code == 404


def test_an_sms_carries_its_own_customers_link(supervisor, vip_audience):
    from campaigns.backends import LocmemBackend

    campaign = make_campaign(
        supervisor, vip_audience["segment"], channel=Channel.SMS, subject_class=SubjectClass.EVENTS
    )
    services.campaign_send(campaign_id=campaign.pk)
    link = re.search(r"https://crm\.example\.hk(/privacy/opt-out/\S+)", LocmemBackend.outbox[0]["body"]).group(1)
    Client().post(link)
    from privacy.selectors import contactable

    assert (
        not contactable(purpose="direct_marketing", subject_class="events", channel="sms", customers=None)
        .filter(pk=vip_audience["sms_only"].pk)
        .exists()
    )
