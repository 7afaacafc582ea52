"""Consent-gated campaigns with a control group, and the loyalty points ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel
from privacy.models.consent import Channel, SubjectClass

ELECTRONIC_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.MESSAGING)


class Campaign(BaseModel):
    """A message about one class of marketing subject, through one channel, to a segment or a
    screening criterion. Recipients are resolved through the privacy contact gate when it sends."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT, db_index=True)
    segment = models.ForeignKey(
        "segmentation.Segment",
        verbose_name=_("segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    criterion = models.ForeignKey(
        "segmentation.Criterion",
        verbose_name=_("screening criterion"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_class = models.CharField(_("class of marketing subject"), max_length=32, choices=SubjectClass)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200, blank=True)
    body_en = models.TextField(_("message (English)"))
    body_zh = models.TextField(_("message (Chinese)"))
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    control_share = models.DecimalField(
        _("control share"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.5"))],
        help_text=_("The share of the audience held back at random to measure the response (0 to 0.5)."),
    )
    seed = models.PositiveIntegerField(_("random seed"), default=0, help_text=_("Makes the control draw reproducible."))
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    cost = models.DecimalField(_("cost (HKD)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(segment__isnull=False, criterion__isnull=True)
                | models.Q(segment__isnull=True, criterion__isnull=False),
                name="campaign_one_audience",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_electronic(self) -> bool:
        return self.channel in ELECTRONIC_CHANNELS


class Recipient(models.Model):
    """One customer of a campaign's audience: in the mailed group or the held-back control group,
    and what happened to the message. Unique per campaign: the claim that prevents a second send."""

    class Group(models.TextChoices):
        MAILED = "mailed", _("Recipient")
        CONTROL = "control", _("Control")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        LISTED = "listed", _("Listed for staff")
        SKIPPED = "skipped", _("Skipped: no longer contactable")
        FAILED = "failed", _("Failed")
        HELD_BACK = "held_back", _("Held back (control)")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="recipients"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="campaign_recipients"
    )
    group = models.CharField(_("group"), max_length=8, choices=Group)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING, db_index=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reference = models.CharField(_("provider reference"), max_length=120, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("campaign recipient")
        verbose_name_plural = _("campaign recipients")
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="recipient_once_per_campaign")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return f"{self.campaign_id}/{self.customer_id}"


# --- Loyalty ------------------------------------------------------------------------------------


class LoyaltySettings(models.Model):
    """The programme's rules (one row): the base earn rate, the voucher and the expiry period."""

    points_per_100_hkd = models.DecimalField(
        _("points per HKD 100 (no tier)"), max_digits=6, decimal_places=2, default=Decimal("1")
    )
    voucher_points = models.PositiveIntegerField(_("points per voucher"), default=1000)
    voucher_value = models.DecimalField(
        _("voucher value (HKD)"), max_digits=10, decimal_places=2, default=Decimal("500")
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"), default=24, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("loyalty settings")
        verbose_name_plural = _("loyalty settings")

    def __str__(self):
        return str(_("Loyalty settings"))


class TierEarnRate(models.Model):
    """Points per HKD 100 for the holders of one tier."""

    tier = models.OneToOneField(
        "segmentation.Tier", verbose_name=_("tier"), on_delete=models.CASCADE, related_name="earn_rate"
    )
    points_per_100_hkd = models.DecimalField(_("points per HKD 100"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("tier earn rate")
        verbose_name_plural = _("tier earn rates")

    def __str__(self):
        return f"{self.tier}: {self.points_per_100_hkd}"


class PointsPromotion(BaseModel):
    """Purchases on these days earn ``multiplier`` times the points (the highest one applies)."""

    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    multiplier = models.DecimalField(
        _("multiplier"), max_digits=4, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )

    class Meta:
        verbose_name = _("points promotion")
        verbose_name_plural = _("points promotions")
        ordering = ["-starts_on"]

    def __str__(self):
        return self.name


class LoyaltyAccount(models.Model):
    """A customer's balance, kept in the same transaction as every ledger entry: always their sum."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="loyalty_account"
    )
    balance = models.IntegerField(_("balance (points)"), default=0)

    class Meta:
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")

    def __str__(self):
        return f"{self.customer_id}: {self.balance}"


class Voucher(models.Model):
    """Points turned into a voucher of a set value."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="loyalty_vouchers"
    )
    code = models.CharField(_("code"), max_length=24, unique=True)
    points = models.PositiveIntegerField(_("points"))
    value = models.DecimalField(_("value (HKD)"), max_digits=10, decimal_places=2)
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")

    def __str__(self):
        return self.code


class PointsEntry(models.Model):
    """One line of the points ledger. Earned points form a lot that redemptions, reversals and
    expiry draw down (``remaining``), oldest expiry first; the lot's expiry is fixed when earned."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        REVERSE = "reverse", _("Reversed (refund)")
        EXPIRE = "expire", _("Expired")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="points_entries"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    points = models.IntegerField(_("points"))
    occurred_at = models.DateTimeField(_("when"))
    purchase = models.ForeignKey(
        "customers.Purchase",
        verbose_name=_("purchase"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
    )
    basis = models.DecimalField(_("purchase total earned on"), max_digits=14, decimal_places=2, null=True, blank=True)
    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    lot = models.ForeignKey(
        "self", verbose_name=_("lot"), on_delete=models.PROTECT, null=True, blank=True, related_name="expiries"
    )
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    remaining = models.IntegerField(_("points left in the lot"), default=0)
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2, default=Decimal("1"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase"], condition=models.Q(kind="earn"), name="points_earned_once_per_purchase"
            ),
            models.CheckConstraint(condition=models.Q(remaining__gte=0), name="points_lot_remaining_not_negative"),
        ]
        indexes = [models.Index(fields=["customer", "kind", "expires_on"])]

    def __str__(self):
        return f"{self.kind} {self.points}"
