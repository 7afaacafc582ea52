"""The demo data of the campaigns app: loyalty ledgers, a sent campaign with a control group, an event."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from campaigns.demo import DEMO_CAMPAIGN, DEMO_EVENT, campaigns_demo_load
from campaigns.models import Campaign, Event, LoyaltyAccount, PointsEntry


@pytest.mark.django_db
def test_loading_the_demo_builds_ledgers_a_campaign_and_an_event_once():
    # when
    out = io.StringIO()
    call_command("load_demo_data", customers=150, stdout=out)
    # then every account balance is the sum of its ledger
    assert PointsEntry.objects.exists()
    for account in LoyaltyAccount.objects.all():
        assert account.balance == (
            PointsEntry.objects.filter(customer=account.customer).aggregate(s=Sum("points"))["s"] or 0
        )
    assert "Campaigns:" in out.getvalue()
    campaign = Campaign.objects.filter(name=DEMO_CAMPAIGN).first()
    event = Event.objects.filter(name=DEMO_EVENT).first()
    if campaign is not None:  # the VIP segment of a small demo may be empty
        assert campaign.status == Campaign.Status.SENT
        assert event is not None
    # and a second load adds nothing
    entries, campaigns = PointsEntry.objects.count(), Campaign.objects.count()
    result = campaigns_demo_load()
    assert (result.points_entries, result.campaign, result.event) == (0, None, None)
    assert (PointsEntry.objects.count(), Campaign.objects.count()) == (entries, campaigns)
