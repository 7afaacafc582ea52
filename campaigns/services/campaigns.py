"""Writes of campaigns: create, schedule, pause, resume, cancel, and the send itself.

The send resolves its audience through ``privacy.selectors.contactable`` when it starts, draws the
control group, and checks the gate again for every batch right before the batch goes out: a customer
who opts out in between gets nothing. Each recipient row is unique per campaign and is claimed
(``pending`` -> ``sending``, under ``select_for_update(skip_locked=True)``) and committed before the
message is handed to a backend, so a retried or concurrent batch never sends twice.
"""

import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from campaigns.backends import get_backend
from campaigns.models import Campaign, Recipient
from customers.models import Customer
from privacy.models.consent import Channel, Purpose
from privacy.selectors import contactable, optout_path
from segmentation.models import SegmentMembership
from segmentation.rules import criterion_queryset

DEFAULT_BATCH_SIZE = 200


def _check(by, perm: str):
    if by is not None and not by.has_perm(perm):
        raise PermissionDenied(_("You may not manage campaigns."))


def _locked(campaign_id) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def campaign_create(*, by, **data) -> Campaign:
    _check(by, "campaigns.add_campaign")
    campaign = Campaign(created_by=by, **data)
    if not campaign.seed:
        campaign.seed = int.from_bytes(hashlib.sha256(f"{timezone.now().isoformat()}".encode()).digest()[:3], "big")
    if (campaign.segment_id is None) == (campaign.criterion_id is None):
        raise ValidationError(_("Choose either a segment or a screening criterion as the audience."))
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_schedule(*, by, campaign_id: int, at=None) -> Campaign:
    """Schedule a draft for ``at`` (now when not given); the periodic task starts it when due."""
    _check(by, "campaigns.change_campaign")
    campaign = _locked(campaign_id)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be scheduled."))
    campaign.status = Campaign.Status.SCHEDULED
    campaign.scheduled_at = at or campaign.scheduled_at or timezone.now()
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    return campaign


@transaction.atomic
def campaign_pause(*, by, campaign_id: int) -> Campaign:
    """Stop after the batch in flight; nothing more goes out until it is resumed."""
    _check(by, "campaigns.change_campaign")
    campaign = _locked(campaign_id)
    if campaign.status not in (Campaign.Status.SENDING, Campaign.Status.SCHEDULED):
        raise ValidationError(_("Only a scheduled or sending campaign can be paused."))
    campaign.status = Campaign.Status.PAUSED
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


@transaction.atomic
def campaign_resume(*, by, campaign_id: int) -> Campaign:
    _check(by, "campaigns.change_campaign")
    campaign = _locked(campaign_id)
    if campaign.status != Campaign.Status.PAUSED:
        raise ValidationError(_("Only a paused campaign can be resumed."))
    campaign.status = Campaign.Status.SENDING if campaign.started_at else Campaign.Status.SCHEDULED
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


@transaction.atomic
def campaign_cancel(*, by, campaign_id: int) -> Campaign:
    _check(by, "campaigns.change_campaign")
    campaign = _locked(campaign_id)
    if campaign.status in (Campaign.Status.SENT, Campaign.Status.CANCELLED):
        raise ValidationError(_("This campaign has already finished."))
    campaign.status = Campaign.Status.CANCELLED
    campaign.finished_at = timezone.now()
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    return campaign


# --- Audience and control group -----------------------------------------------------------------


def audience_base(campaign: Campaign):
    """The customers the campaign targets, before the contact gate (current records only)."""
    base = Customer.objects.current()
    if campaign.segment_id:
        members = SegmentMembership.objects.filter(segment_id=campaign.segment_id, left_run__isnull=True)
        return base.filter(pk__in=members.values("customer_id"))
    return criterion_queryset(campaign.criterion.rule, base=base)


def audience_contactable(campaign: Campaign, *, customers=None):
    """The customers the gate lets the campaign contact now (evaluated when the query runs)."""
    return contactable(
        purpose=Purpose.DIRECT_MARKETING,
        subject_class=campaign.subject_class,
        channel=campaign.channel,
        customers=customers if customers is not None else audience_base(campaign),
    )


def in_control(*, seed: int, campaign_id: int, customer_id: int, share) -> bool:
    """A reproducible random draw: the same campaign, seed and customer always land in the same group."""
    digest = hashlib.sha256(f"{seed}:{campaign_id}:{customer_id}".encode()).digest()
    draw = Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)
    return draw < Decimal(share)


def _audience_build(campaign: Campaign) -> int:
    """Write the recipient rows (ON CONFLICT DO NOTHING: building twice adds nothing)."""
    rows = [
        Recipient(
            campaign=campaign,
            customer_id=customer_id,
            language=language,
            group=Recipient.Group.CONTROL if control else Recipient.Group.MAILED,
            status=Recipient.Status.HELD_BACK if control else Recipient.Status.PENDING,
        )
        for customer_id, language in audience_contactable(campaign).values_list("pk", "preferred_language")
        for control in [
            in_control(
                seed=campaign.seed, campaign_id=campaign.pk, customer_id=customer_id, share=campaign.control_share
            )
        ]
    ]
    Recipient.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def campaign_start(*, campaign_id: int, now=None) -> Campaign | None:
    """Move a due scheduled campaign to sending and build its audience, once. None when not due."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = _locked(campaign_id)
        if campaign.status != Campaign.Status.SCHEDULED or (campaign.scheduled_at and campaign.scheduled_at > now):
            return None
        if campaign.started_at is None:
            _audience_build(campaign)
            campaign.started_at = now
        campaign.status = Campaign.Status.SENDING
        campaign.save(update_fields=["status", "started_at", "updated_at"])
    return campaign


# --- The messages ---------------------------------------------------------------------------------


def _is_chinese(language: str) -> bool:
    return (language or "").lower().startswith("zh")


def message_compose(*, campaign: Campaign, customer: Customer) -> tuple[str, str]:
    """(subject, body) in the customer's preferred language, with the opt-out link on electronic channels."""
    chinese = _is_chinese(customer.preferred_language)
    subject = (campaign.subject_zh if chinese else campaign.subject_en) or campaign.subject_en or campaign.name
    name = (customer.name_zh or customer.name_en) if chinese else (customer.name_en or customer.name_zh)
    body = (campaign.body_zh if chinese else campaign.body_en).replace("{name}", name)
    if campaign.event_id:
        from campaigns.services.events import invitation_for_send

        invitation = invitation_for_send(event_id=campaign.event_id, customer_id=customer.pk)
        rsvp = settings.CRM_BASE_URL.rstrip("/") + reverse("campaigns:rsvp", kwargs={"token": invitation.token})
        with override("zh-hant" if chinese else "en"):
            body = f"{body}\n\n{_('Please let us know if you can come:')} {rsvp}"
    if campaign.is_electronic:
        link = settings.CRM_BASE_URL.rstrip("/") + optout_path(customer_id=customer.pk)
        with override("zh-hant" if chinese else "en"):
            body = f"{body}\n\n{_('To stop receiving promotional messages from us, open:')} {link}"
    return subject, body


def _deliver(campaign: Campaign, customer: Customer) -> str:
    subject, body = message_compose(campaign=campaign, customer=customer)
    if campaign.channel == Channel.EMAIL:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [customer.email])
        return ""
    return get_backend().send(channel=campaign.channel, to=customer.mobile_phone, body=body)


def batch_claim(*, campaign: Campaign, size: int) -> list[int]:
    """Claim up to ``size`` pending rows (skipping rows another worker holds), check the gate for
    them now, and commit: the contactable ones become ``sending``, the others ``skipped``."""
    with transaction.atomic():
        ids = list(
            Recipient.objects.select_for_update(skip_locked=True)
            .filter(campaign=campaign, status=Recipient.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        claimed = Recipient.objects.filter(pk__in=ids)
        allowed = audience_contactable(
            campaign, customers=Customer.objects.filter(pk__in=claimed.values("customer_id"))
        )
        claimed.exclude(customer__in=allowed).update(status=Recipient.Status.SKIPPED)
        claimed.filter(status=Recipient.Status.PENDING).update(status=Recipient.Status.SENDING)
    return ids


def batch_send(*, campaign: Campaign, size: int = DEFAULT_BATCH_SIZE) -> int:
    """Send one batch; returns how many rows it claimed (0: nothing left)."""
    ids = batch_claim(campaign=campaign, size=size)
    rows = Recipient.objects.filter(pk__in=ids, status=Recipient.Status.SENDING).select_related("customer")
    for row in rows:
        if campaign.channel in (Channel.PHONE, Channel.POST):
            # Calls and letters are made by staff from the list: the row is their to-do.
            Recipient.objects.filter(pk=row.pk).update(status=Recipient.Status.LISTED, sent_at=timezone.now())
            continue
        try:
            reference = _deliver(campaign, row.customer)
        except Exception as error:
            Recipient.objects.filter(pk=row.pk).update(status=Recipient.Status.FAILED, error=str(error)[:255])
        else:
            Recipient.objects.filter(pk=row.pk).update(
                status=Recipient.Status.SENT, sent_at=timezone.now(), reference=reference[:120]
            )
    return len(ids)


def campaign_send(*, campaign_id: int, now=None, batch_size: int | None = None, max_batches: int | None = None) -> dict:
    """Run a campaign: start it when due, then send batch after batch until done or paused."""
    size = batch_size or getattr(settings, "CAMPAIGNS_BATCH_SIZE", DEFAULT_BATCH_SIZE)
    campaign_start(campaign_id=campaign_id, now=now)
    batches = 0
    while max_batches is None or batches < max_batches:
        campaign = Campaign.objects.get(pk=campaign_id)
        if campaign.status != Campaign.Status.SENDING:
            break
        if not batch_send(campaign=campaign, size=size):
            with transaction.atomic():
                campaign = _locked(campaign_id)
                left = campaign.recipients.filter(status=Recipient.Status.PENDING).exists()
                if campaign.status == Campaign.Status.SENDING and not left:
                    campaign.status = Campaign.Status.SENT
                    campaign.finished_at = timezone.now()
                    campaign.save(update_fields=["status", "finished_at", "updated_at"])
            break
        batches += 1
    campaign = Campaign.objects.get(pk=campaign_id)
    return {"status": campaign.status, "batches": batches}
