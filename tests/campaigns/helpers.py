"""Rows in every campaigns model that points at a customer (merge and registry sweeps)."""

from campaigns.models import Campaign, Recipient
from tests.factories import CriterionFactory


def campaign_rows(*, customer, by) -> None:
    campaign = Campaign.objects.create(
        name="Sweep",
        criterion=CriterionFactory(),
        subject_class="events",
        channel="email",
        body_en="x",
        body_zh="x",
        created_by=by,
    )
    Recipient.objects.create(campaign=campaign, customer=customer, group="mailed", status="sent")
    loyalty_rows(customer=customer)
    event_rows(customer=customer, by=by)


def event_rows(*, customer, by) -> None:
    from django.utils import timezone

    from campaigns.models import Event, EventQuestion, FeedbackAnswer, Invitation
    from tests.factories import SegmentFactory

    event = Event.objects.create(
        name="Sweep event",
        kind="focus_group",
        starts_at=timezone.now(),
        store=customer.home_store,
        capacity=10,
        segment=SegmentFactory(),
        invitation_en="x",
        invitation_zh="x",
        created_by=by,
    )
    question = EventQuestion.objects.create(event=event, text="Why?", kind="text")
    invitation = Invitation.objects.create(
        event=event, customer=customer, token=f"sweep-{customer.pk}", invited_at=timezone.now(), attended=True
    )
    FeedbackAnswer.objects.create(invitation=invitation, question=question, text="Because")


def loyalty_rows(*, customer) -> None:
    from decimal import Decimal

    from campaigns.models import LoyaltySettings
    from campaigns.services.loyalty import loyalty_purchase_sync, loyalty_redeem
    from tests.factories import PurchaseFactory

    LoyaltySettings.objects.update_or_create(pk=1, defaults={"voucher_points": 10})
    purchase = PurchaseFactory(customer=customer, total=Decimal("5000"))
    loyalty_purchase_sync(purchase_id=purchase.pk)
    loyalty_redeem(by=None, customer_id=customer.pk)
