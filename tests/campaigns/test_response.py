"""Measured response against a hand-built data set: the control group, the attribution window,
rates, revenue per head, the 95% intervals of the differences, and the return on cost."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import Campaign, Recipient
from campaigns.selectors import campaign_response
from customers.models import Purchase
from privacy.models import Channel, SubjectClass
from tests.factories import CriterionFactory, CustomerFactory, PurchaseFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))
DAY = date(2026, 3, 2)


@pytest.fixture
def measured(supervisor, central):
    campaign = Campaign.objects.create(
        name="Launch",
        criterion=CriterionFactory(),
        subject_class=SubjectClass.NEW_RELEASES,
        channel=Channel.EMAIL,
        body_en="x",
        body_zh="x",
        status=Campaign.Status.SENT,
        started_at=START,
        attribution_days=30,
        cost=Decimal("1000"),
        created_by=supervisor,
        control_share=Decimal("0.5"),
    )
    spent = {"mailed": [1000, 0, 3000, 0], "control": [0, 0, 1000, 0]}
    for group, amounts in spent.items():
        for amount in amounts:
            customer = CustomerFactory(home_store=central)
            Recipient.objects.create(campaign=campaign, customer=customer, group=group, status="sent")
            if amount:
                PurchaseFactory(customer=customer, purchased_on=DAY + timedelta(days=5), total=Decimal(amount))
            # Outside the window or returned: never counted.
            PurchaseFactory(customer=customer, purchased_on=DAY - timedelta(days=1), total=Decimal("99999"))
            PurchaseFactory(customer=customer, purchased_on=DAY + timedelta(days=30), total=Decimal("88888"))
            PurchaseFactory(
                customer=customer, purchased_on=DAY, total=Decimal("77777"), status=Purchase.Status.RETURNED
            )
    return campaign


def test_response_rates_revenue_and_intervals_match_the_hand_computed_figures(measured, django_assert_num_queries):
    # when
    with django_assert_num_queries(2):
        result = campaign_response(campaign=measured)
    # then the window is 30 days from the start
    assert result["window"] == (DAY, DAY + timedelta(days=29))
    mailed, control = result["mailed"], result["control"]
    assert (mailed.size, mailed.responders, mailed.revenue) == (4, 2, Decimal("4000"))
    assert (control.size, control.responders, control.revenue) == (4, 1, Decimal("1000"))
    assert (mailed.rate, control.rate) == (0.5, 0.25)
    assert (mailed.revenue_per_head, control.revenue_per_head) == (Decimal("1000.00"), Decimal("250.00"))
    # rate difference 0.25, s.e. sqrt(.25*.75/4... ) = sqrt(0.0625 + 0.046875)
    rate = result["rate_difference"]
    assert rate.value == pytest.approx(0.25)
    assert rate.high - rate.value == pytest.approx(1.959964 * 0.109375**0.5)
    # revenue per head: 750 more, s.e. sqrt(2,000,000/4 + 250,000/4) = 750
    revenue = result["revenue_difference"]
    assert revenue.value == pytest.approx(750)
    assert (revenue.low, revenue.high) == (pytest.approx(750 - 1.959964 * 750), pytest.approx(750 + 1.959964 * 750))
    # incremental revenue 750 x 4 mailed = 3,000 for a cost of 1,000: a return of 2.0
    assert result["incremental_revenue"] == Decimal("3000")
    assert result["return_on_cost"] == Decimal("2")


def test_no_figures_before_the_send_starts(supervisor):
    campaign = Campaign.objects.create(
        name="Later",
        criterion=CriterionFactory(),
        subject_class=SubjectClass.EVENTS,
        channel=Channel.SMS,
        body_en="x",
        body_zh="x",
        created_by=supervisor,
    )
    assert campaign_response(campaign=campaign) is None


def test_control_group_is_drawn_at_send_and_gets_nothing(supervisor, privacy_officer, dm_notice, central):
    # given 40 consenting customers and a 25% control share
    from django.core import mail

    from campaigns.services import campaigns as services
    from tests.campaigns.conftest import grant, segment_with

    customers = [CustomerFactory(home_store=central) for _ in range(40)]
    for customer in customers:
        grant(customer, privacy_officer)
    campaign = services.campaign_create(
        by=supervisor,
        name="Held back",
        segment=segment_with(customers),
        subject_class=SubjectClass.EVENTS,
        channel=Channel.EMAIL,
        body_en="x",
        body_zh="x",
        control_share=Decimal("0.25"),
        seed=42,
    )
    services.campaign_schedule(by=supervisor, campaign_id=campaign.pk)
    # when it sends
    services.campaign_send(campaign_id=campaign.pk)
    # then the control group is the reproducible draw, held back, and nobody in it got a message
    control = set(campaign.recipients.filter(group="control").values_list("customer_id", flat=True))
    expected = {
        c.pk for c in customers if services.in_control(seed=42, campaign_id=campaign.pk, customer_id=c.pk, share="0.25")
    }
    assert control == expected
    assert 0 < len(control) < 40
    assert set(campaign.recipients.filter(group="control").values_list("status", flat=True)) == {"held_back"}
    sent_to = {m.to[0] for m in mail.outbox}
    assert len(sent_to) == 40 - len(control)
    assert not sent_to & {c.email for c in customers if c.pk in control}


def test_brands_co_funding_lowers_the_cost_the_return_is_measured_on(measured, supervisor):
    from campaigns.services.events import cofunding_add
    from tests.factories import BrandFactory

    # given a brand paying half the cost, up to HKD 300
    cofunding_add(by=supervisor, brand=BrandFactory(), share=Decimal("0.5"), budget=Decimal("300"), campaign=measured)
    # when
    result = campaign_response(campaign=measured)
    # then the retailer's cost is 700 and the return (3000 - 700) / 700
    assert result["cost"] == Decimal("700.00")
    assert result["return_on_cost"] == (Decimal("3000") - Decimal("700")) / Decimal("700")


def test_the_campaign_page_shows_the_response(client, supervisor, measured):
    from django.urls import reverse

    client.force_login(supervisor)
    page = client.get(reverse("campaigns:campaign-detail", args=[measured.pk])).content.decode()
    assert "50.0%" in page
    assert "25.0%" in page
    assert "25.0 points" in page
    assert "HK$3,000.00" in page  # incremental revenue
