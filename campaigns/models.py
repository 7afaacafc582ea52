"""Consent-gated campaigns with a control group, and the loyalty points ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm_site.models import BaseModel
from privacy.models.consent import Channel, SubjectClass

ELECTRONIC_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.MESSAGING)


class Campaign(BaseModel):
    """A message about one class of marketing subject, through one channel, to a segment or a
    screening criterion. Recipients are resolved through the privacy contact gate when it sends."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", pgettext_lazy("campaign status", "Scheduled")
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
    event = models.OneToOneField(
        "campaigns.Event",
        verbose_name=_("invitations to event"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation_campaign",
    )

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


# --- Events, focus groups and brand co-funding ------------------------------------------------------


class Event(BaseModel):
    """A private viewing, brand launch, watch-making class or focus group. Invitations go out as a
    campaign about events to the event's segment, through the contact gate, each with an RSVP link."""

    class Kind(models.TextChoices):
        PRIVATE_VIEWING = "private_viewing", _("Private viewing")
        BRAND_LAUNCH = "brand_launch", _("Brand launch")
        CLASS = "class", _("Watch-making class")
        FOCUS_GROUP = "focus_group", _("Focus group")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    starts_at = models.DateTimeField(_("starts"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="campaign_events"
    )
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    segment = models.ForeignKey(
        "segmentation.Segment", verbose_name=_("invite from segment"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("invite by"), max_length=16, choices=Channel, default=Channel.EMAIL)
    invitation_en = models.TextField(_("invitation (English)"))
    invitation_zh = models.TextField(_("invitation (Chinese)"))
    cost = models.DecimalField(_("cost (HKD)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-pk"]

    def __str__(self):
        return self.name


class EventQuestion(models.Model):
    """A structured feedback question (focus groups): a 1–5 score or a free answer."""

    class Kind(models.TextChoices):
        SCORE = "score", _("Score from 1 to 5")
        TEXT = "text", _("Free answer")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.SCORE)

    class Meta:
        verbose_name = _("feedback question")
        verbose_name_plural = _("feedback questions")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class Invitation(models.Model):
    """One customer invited to an event: their single-use RSVP token, answer and attendance."""

    class Response(models.TextChoices):
        NONE = "", _("No answer yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WAITLISTED = "waitlisted", _("Waiting list (full)")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="event_invitations"
    )
    token = models.CharField(_("RSVP token"), max_length=64, unique=True)
    invited_at = models.DateTimeField(_("invited"))
    response = models.CharField(_("answer"), max_length=12, choices=Response, blank=True, default=Response.NONE)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    attendance_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendance recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance_at = models.DateTimeField(_("attendance recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="invitation_once_per_event")]

    def __str__(self):
        return f"{self.event_id}/{self.customer_id}"


class FeedbackAnswer(models.Model):
    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        EventQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")
        constraints = [models.UniqueConstraint(fields=["invitation", "question"], name="one_answer_per_question")]

    def __str__(self):
        return f"{self.question_id}: {self.score or self.text[:20]}"


class EventLead(models.Model):
    """A lead met at an event (the lead itself lives in customers, made through its service)."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="lead_links")
    lead = models.OneToOneField(
        "customers.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="event_link"
    )

    class Meta:
        verbose_name = _("lead met at an event")
        verbose_name_plural = _("leads met at events")

    def __str__(self):
        return f"{self.event_id}/{self.lead_id}"


class CoFunding(BaseModel):
    """A brand paying a share of a campaign's or an event's cost, up to an agreed budget."""

    brand = models.ForeignKey(
        "customers.Brand", verbose_name=_("brand"), on_delete=models.PROTECT, related_name="co_fundings"
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="co_fundings",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, null=True, blank=True, related_name="co_fundings"
    )
    share = models.DecimalField(
        _("share of cost"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("0.5 means the brand pays half the cost."),
    )
    budget = models.DecimalField(_("agreed budget (HKD)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("co-funding")
        verbose_name_plural = _("co-fundings")
        permissions = [("view_sellout_report", _("Can view and share brand sell-out reports"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(campaign__isnull=False, event__isnull=True)
                | models.Q(campaign__isnull=True, event__isnull=False),
                name="cofunding_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.brand} {self.share}"

    def contribution(self, cost) -> Decimal:
        return min((Decimal(cost) * self.share).quantize(Decimal("0.01")), self.budget)
