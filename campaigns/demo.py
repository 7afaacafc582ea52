"""Demo data of the campaigns app (run by ``load_demo_data`` after segmentation and privacy):
loyalty ledgers for the demo purchases, a sent campaign with a control group, and a co-funded
private viewing with invitations, answers, attendance, feedback and a lead.

Sends go through the real services (the contact gate, the batches) into an in-memory mailbox, so
the demo never mails anyone. Loading twice changes nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from campaigns.models import (
    Campaign,
    Event,
    Invitation,
    LoyaltySettings,
    PointsEntry,
    PointsPromotion,
    TierEarnRate,
)
from campaigns.services import campaigns as campaign_services
from campaigns.services import events, loyalty
from crm_site.models import User
from customers.demo import DEMO_TODAY
from customers.models import Brand, Purchase, Store
from privacy.models.consent import Channel, SubjectClass
from segmentation.models import Segment, Tier

DEMO_CAMPAIGN = "Demo: new releases for our VIPs"
DEMO_EVENT = "Demo: private viewing at Central"
TIER_RATES = {1: Decimal("3"), 2: Decimal("2"), 3: Decimal("1.5")}
MEMORY_MAIL = {
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "CAMPAIGNS_MESSAGE_BACKEND": "campaigns.backends.LocmemBackend",
}


@dataclass(frozen=True)
class DemoCampaignsResult:
    points_entries: int
    campaign: Campaign | None
    event: Event | None


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _loyalty() -> int:
    LoyaltySettings.objects.get_or_create(pk=1)
    for tier in Tier.objects.filter(rank__in=TIER_RATES):
        TierEarnRate.objects.get_or_create(tier=tier, defaults={"points_per_100_hkd": TIER_RATES[tier.rank]})
    PointsPromotion.objects.get_or_create(
        name="Demo: double points at Chinese New Year",
        defaults={
            "starts_on": DEMO_TODAY - datetime.timedelta(days=60),
            "ends_on": DEMO_TODAY - datetime.timedelta(days=45),
            "multiplier": Decimal("2"),
        },
    )
    posted = 0
    if PointsEntry.objects.exists():
        return 0  # loaded before: the nightly job keeps the ledgers in line from here
    purchases = Purchase.objects.filter(purchased_on__gte=DEMO_TODAY - datetime.timedelta(days=3 * 365))
    for pk, day in purchases.order_by("purchased_on", "pk").values_list("pk", "purchased_on"):
        posted += len(loyalty.loyalty_purchase_sync(purchase_id=pk, at=_at(day, 18)))
    loyalty.loyalty_expire_all(at=_at(DEMO_TODAY))
    return posted


@transaction.atomic
def _campaign(supervisor, segment) -> Campaign | None:
    if Campaign.objects.filter(name=DEMO_CAMPAIGN).exists():
        return None
    started = DEMO_TODAY - datetime.timedelta(days=21)
    campaign = campaign_services.campaign_create(
        by=supervisor,
        name=DEMO_CAMPAIGN,
        segment=segment,
        subject_class=SubjectClass.NEW_RELEASES,
        channel=Channel.EMAIL,
        subject_en="New from Geneva, first for you",
        subject_zh="日內瓦新品，率先為您呈獻",
        body_en="Dear {name}, the new references have arrived. Your account manager will be glad to show them to you.",
        body_zh="{name}您好，新款腕錶已到店，您的客戶經理樂意為您介紹。",
        control_share=Decimal("0.2"),
        seed=2026,
        attribution_days=30,
        cost=Decimal("8000"),
    )
    campaign_services.campaign_schedule(by=supervisor, campaign_id=campaign.pk, at=_at(started))
    with override_settings(**MEMORY_MAIL):
        campaign_services.campaign_send(campaign_id=campaign.pk, now=_at(started))
    Campaign.objects.filter(pk=campaign.pk).update(started_at=_at(started), finished_at=_at(started, 11))
    campaign.recipients.filter(sent_at__isnull=False).update(sent_at=_at(started))
    return campaign


@transaction.atomic
def _event(supervisor, segment, manager) -> Event | None:
    if Event.objects.filter(name=DEMO_EVENT).exists():
        return None
    store = Store.objects.filter(code="central").first() or Store.objects.first()
    event = events.event_create(
        by=supervisor,
        name=DEMO_EVENT,
        kind=Event.Kind.PRIVATE_VIEWING,
        starts_at=_at(DEMO_TODAY - datetime.timedelta(days=3), 19),
        venue="Central store, private salon",
        store=store,
        capacity=12,
        segment=segment,
        channel=Channel.EMAIL,
        invitation_en="Dear {name}, you are invited to an evening private viewing of this season's novelties.",
        invitation_zh="{name}您好，誠邀您出席本季新品私人鑑賞晚會。",
        cost=Decimal("45000"),
        questions=[("How would you rate the evening (1 to 5)?", "score"), ("Which piece caught your eye", "text")],
    )
    brand = Brand.objects.order_by("name").first()
    if brand is not None:
        events.cofunding_add(
            by=supervisor, brand=brand, share=Decimal("0.5"), budget=Decimal("20000"), event=event, note="Demo"
        )
    campaign = events.event_invite(by=supervisor, event_id=event.pk)
    with override_settings(**MEMORY_MAIL):
        campaign_services.campaign_send(campaign_id=campaign.pk)
    questions = list(event.questions.order_by("order"))
    for n, invitation in enumerate(Invitation.objects.filter(event=event).order_by("pk")):
        if n % 3 == 2:
            continue  # no answer yet
        invitation = events.rsvp_answer(token=invitation.token, accept=n % 4 != 1)
        if invitation.response == Invitation.Response.ACCEPTED and n % 5 != 4:
            by = invitation.customer.account_manager or manager
            if by.has_perm("campaigns.change_invitation") and invitation.customer.home_store_id in set(
                by.stores.values_list("pk", flat=True)
            ):
                events.attendance_mark(by=by, invitation_id=invitation.pk, attended=True)
                if questions:
                    events.feedback_record(
                        by=by,
                        invitation_id=invitation.pk,
                        answers={questions[0].pk: 4 + n % 2, questions[-1].pk: "The new perpetual calendar"},
                    )
    return event


def campaigns_demo_load() -> DemoCampaignsResult:
    posted = _loyalty()
    supervisor = User.objects.filter(username="sup.central").first()
    manager = User.objects.filter(username="am.central").first()
    segment = Segment.objects.filter(is_active=True, name__startswith="VIP").first()
    if supervisor is None or segment is None:
        return DemoCampaignsResult(points_entries=posted, campaign=None, event=None)
    return DemoCampaignsResult(
        points_entries=posted, campaign=_campaign(supervisor, segment), event=_event(supervisor, segment, manager)
    )
