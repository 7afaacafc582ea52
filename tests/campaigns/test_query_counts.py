"""Query counts of the campaign and event pages (issue #10): the same exact number for few or many rows.

The campaign list has its test in test_views.py. Inventory: tests/test_query_counts.py.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CoFunding, Event, EventLead, EventQuestion, FeedbackAnswer, Invitation, Recipient
from campaigns.services import events
from privacy.models import Channel, Method, Purpose, SubjectClass
from privacy.services.consent import consent_record
from tests.campaigns.conftest import segment_with
from tests.factories import (
    AccountManagerFactory,
    BrandFactory,
    CustomerFactory,
    LeadFactory,
    ProductFactory,
    PurchaseFactory,
    PurchaseLineFactory,
)
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def new_event(by, store, segment, name="Grand Seiko evening"):
    return events.event_create(
        by=by,
        name=name,
        kind=Event.Kind.FOCUS_GROUP,
        starts_at=timezone.now() + timedelta(days=14),
        venue="Central store, 2/F",
        store=store,
        capacity=50,
        segment=segment,
        channel=Channel.EMAIL,
        invitation_en="Dear {name}",
        invitation_zh="{name}您好",
        cost=Decimal("20000"),
        questions=[("How did you like the evening?", "score"), ("What would you change", "text")],
    )


def test_campaign_detail(client, supervisor, central, vip_audience, django_assert_num_queries):
    campaign = Campaign.objects.create(
        name="Autumn",
        segment=vip_audience["segment"],
        subject_class=SubjectClass.EVENTS,
        channel=Channel.EMAIL,
        body_en="Dear {name}",
        body_zh="{name}您好",
        control_share=Decimal("0"),
        created_by=supervisor,
        status=Campaign.Status.SENT,
        started_at=timezone.now() - timedelta(days=1),
        finished_at=timezone.now() - timedelta(days=1),
    )
    brand = BrandFactory(name="Tudor")

    def grow(n):
        for customer in CustomerFactory.create_batch(
            n, home_store=central, account_manager=AccountManagerFactory(stores=[central])
        ):
            Recipient.objects.create(campaign=campaign, customer=customer, group="mailed", status="sent")
            PurchaseFactory(customer=customer, store=central, total=Decimal("1000"))
        CoFunding.objects.create(brand=brand, campaign=campaign, share=Decimal("0.5"), budget=Decimal("1000"))

    grow(2)
    client.force_login(supervisor)
    response = assert_flat_queries(
        client,
        reverse("campaigns:campaign-detail", args=[campaign.pk]),
        expected=12,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["recipients"]) == 7


def test_event_list(client, supervisor, central, tst, vip_audience, django_assert_num_queries):
    def grow(n):
        for i in range(n):
            store = central if i % 2 else tst
            new_event(
                supervisor,
                store,
                segment_with([], name=f"Seg {Event.objects.count()}"),
                name=f"Evening {Event.objects.count()}",
            )

    grow(2)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("campaigns:event-list"),
        expected=7,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
        shows=["Evening 6"],
    )


def test_event_detail(client, supervisor, central, vip_audience, django_assert_num_queries):
    event = new_event(supervisor, central, vip_audience["segment"])
    questions = list(EventQuestion.objects.filter(event=event))

    def grow(n):
        for customer in CustomerFactory.create_batch(
            n, home_store=central, account_manager=AccountManagerFactory(stores=[central])
        ):
            invitation = Invitation.objects.create(
                event=event,
                customer=customer,
                token=f"t-{customer.pk}",
                invited_at=timezone.now(),
                response="accepted",
                attended=True,
                attendance_by=supervisor,
                attendance_at=timezone.now(),
            )
            for q in questions:
                FeedbackAnswer.objects.create(
                    invitation=invitation, question=q, score=4 if q.kind == "score" else None, text="ok"
                )
            EventLead.objects.create(event=event, lead=LeadFactory(store=central))

    grow(2)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("campaigns:event-detail", args=[event.pk]),
        expected=14,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_cofunding_list(client, supervisor, central, vip_audience, django_assert_num_queries):
    event = new_event(supervisor, central, vip_audience["segment"])

    def grow(n):
        for i in range(n):
            campaign = Campaign.objects.create(
                name=f"Campaign {i}",
                segment=vip_audience["segment"],
                subject_class=SubjectClass.EVENTS,
                channel=Channel.EMAIL,
                body_en="x",
                body_zh="x",
                created_by=supervisor,
            )
            brand = BrandFactory(name=f"Brand {CoFunding.objects.count()}")
            CoFunding.objects.create(brand=brand, campaign=campaign, share=Decimal("0.5"), budget=Decimal("1000"))
            CoFunding.objects.create(brand=brand, event=event, share=Decimal("0.2"), budget=Decimal("500"))

    grow(1)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("campaigns:cofunding-list"),
        expected=7,
        grow=lambda: grow(4),
        django_assert_num_queries=django_assert_num_queries,
        shows=["Brand 8"],
    )


def test_sellout_report(client, supervisor, privacy_officer, central, tst, dm_notice, django_assert_num_queries):
    brand = BrandFactory(name="Tudor")
    watch = ProductFactory(brand=brand)
    day = date(2026, 3, 5)

    def grow(n):
        for i in range(n):
            store = central if i % 2 else tst
            customer = CustomerFactory(home_store=store, name_en=f"Buyer Number{i}")
            purchase = PurchaseFactory(customer=customer, store=store, purchased_on=day, total=Decimal("30000"))
            PurchaseLineFactory(
                purchase=purchase, product=watch, quantity=1, unit_price=Decimal("30000"), line_total=Decimal("30000")
            )
            consent_record(
                customer_id=customer.pk,
                by=privacy_officer,
                purpose=Purpose.PROVISION,
                subject_classes=[SubjectClass.PARTNER_BRANDS],
                channels=[Channel.EMAIL],
                method=Method.SIGNED_FORM,
                transferee_class="Watch brands we sell",
            )

    grow(2)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("campaigns:sellout-report"),
        expected=11,
        grow=lambda: grow(5),
        data={"brand": brand.pk, "start": "2026-03-01", "end": "2026-03-31"},
        django_assert_num_queries=django_assert_num_queries,
    )
