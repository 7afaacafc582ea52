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


def campaigns_tables_clear() -> None:
    """Empty the campaigns app's tables (a test that deletes every purchase or customer must clear
    what points at them first: ledger entries and recipient rows protect them)."""
    from campaigns.models import (
        Campaign,
        CoFunding,
        Event,
        EventLead,
        LoyaltyAccount,
        PointsEntry,
        Voucher,
    )

    PointsEntry.objects.exclude(kind="earn").delete()
    PointsEntry.objects.all().delete()
    Voucher.objects.all().delete()
    LoyaltyAccount.objects.all().delete()
    CoFunding.objects.all().delete()
    Campaign.objects.all().delete()
    EventLead.objects.all().delete()
    Event.objects.all().delete()
