"""Figures about each customer, computed nightly in one set-based statement (see services.metrics_refresh)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class CustomerMetrics(models.Model):
    """Derived figures about one customer, as of one day. Never edited: recomputed by metrics_refresh.

    Money is in HKD, net of returns (the sum of Purchase.total). A purchase counts when its net total is
    above zero, so a fully returned sale is neither a purchase nor a first or last purchase date.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="metrics",
    )
    home_store = models.ForeignKey(
        "customers.Store", verbose_name=_("home store"), on_delete=models.CASCADE, related_name="+"
    )
    spend_90d = models.DecimalField(
        _("spend, last 90 days (HKD)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    spend_12m = models.DecimalField(
        _("spend, last 12 months (HKD)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    spend_lifetime = models.DecimalField(
        _("lifetime spend (HKD)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    purchases_90d = models.PositiveIntegerField(_("purchases, last 90 days"), default=0)
    purchases_12m = models.PositiveIntegerField(_("purchases, last 12 months"), default=0)
    purchases_lifetime = models.PositiveIntegerField(_("lifetime purchases"), default=0)
    first_purchase_on = models.DateField(_("first purchase"), null=True, blank=True)
    last_purchase_on = models.DateField(_("last purchase"), null=True, blank=True)
    days_since_first_purchase = models.PositiveIntegerField(_("days since first purchase"), null=True, blank=True)
    days_since_last_purchase = models.PositiveIntegerField(_("days since last purchase"), null=True, blank=True)
    average_order_value = models.DecimalField(
        _("average order value (HKD)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    timepieces_owned = models.PositiveIntegerField(_("timepieces owned"), default=0)
    timepieces_value = models.DecimalField(
        _("timepieces' list value (HKD)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    brands_bought = models.PositiveIntegerField(_("brands bought"), default=0)
    next_service_due_on = models.DateField(_("next service due"), null=True, blank=True)
    # Complaints not yet resolved (new, acknowledged, investigating, awaiting the customer).
    open_complaints = models.PositiveIntegerField(_("open complaints"), default=0)
    as_of = models.DateField(_("as of"))
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("customer metrics")
        verbose_name_plural = _("customer metrics")
        ordering = ["customer"]
        indexes = [
            models.Index(fields=["spend_12m"], name="metrics_spend_12m"),
            models.Index(fields=["last_purchase_on"], name="metrics_last_purchase"),
            models.Index(fields=["home_store", "spend_12m"], name="metrics_store_spend_12m"),
        ]

    def __str__(self):
        return f"{self.customer_id} · {self.as_of}"


# ---------------------------------------------------------------------------------------------------------
# Screening and classification: criteria, segments, tiers, RFM, runs. Written only by segmentation.services.
# ---------------------------------------------------------------------------------------------------------


class Criterion(BaseModel):
    """A screening rule built by an admin: a rule tree (see segmentation.rules) over metrics and attributes."""

    class Purpose(models.TextChoices):
        VIP = "vip", _("VIP qualification")
        ALLOCATION = "allocation", _("Limited-edition allocation")
        PROSPECTS = "prospects", _("Prospects worth exploring")
        AT_RISK = "at_risk", _("At-risk watch list")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose, default=Purpose.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="segmentation_criteria",
    )
    rule = models.JSONField(_("rule"), default=dict, help_text=_("A validated rule tree (segmentation.rules)."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("segmentation:criterion-update", kwargs={"pk": self.pk})


class Segment(BaseModel):
    """The set of customers a criterion selects, recomputed at each run, with membership history."""

    criterion = models.OneToOneField(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="segment"
    )
    name = models.CharField(_("name"), max_length=120, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("segmentation:segment-detail", kwargs={"pk": self.pk})


class Tier(BaseModel):
    """One step of the tier ladder. Rank 1 is the highest; a customer holds the highest tier they qualify for."""

    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("1 is the highest tier."))
    name = models.CharField(_("name"), max_length=60, unique=True)
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="tiers"
    )
    grace_days = models.PositiveIntegerField(
        _("grace period (days)"),
        default=90,
        help_text=_("How long a customer keeps this tier after no longer qualifying for it."),
    )
    colour = models.CharField(
        _("badge colour"),
        max_length=16,
        default="secondary",
        choices=[(c, c) for c in ("dark", "primary", "warning", "secondary", "info", "success", "danger", "light")],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [models.CheckConstraint(condition=Q(rank__gte=1), name="tier_rank_positive")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("segmentation:tier-detail", kwargs={"pk": self.pk})


class Run(BaseModel):
    """One screening and classification run: metrics refresh, then segments, tiers and RFM in one transaction."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Started by hand")
        SCHEDULED = "scheduled", _("Scheduled")

    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger, default=Trigger.MANUAL)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="segmentation_runs",
    )
    as_of = models.DateField(_("as of"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=120, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    entered_count = models.PositiveIntegerField(_("entered"), default=0)
    left_count = models.PositiveIntegerField(_("left"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("run")
        verbose_name_plural = _("runs")
        ordering = ["-created_at", "-id"]
        permissions = [("start_run", _("Can start a screening and classification run"))]
        constraints = [
            # The lock: at most one run is running at any time (a second one fails to start).
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="segmentation_one_running_run"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="segmentation_run_progress_max_100"),
        ]

    def __str__(self):
        return f"#{self.pk} · {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("segmentation:run-detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class SegmentMembership(models.Model):
    """A customer's stay in a segment: entered at one run, left at a later one (open while ``left_run`` is empty)."""

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="memberships"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="segment_memberships",
    )
    entered_run = models.ForeignKey(Run, verbose_name=_("entered at run"), on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered"))
    left_run = models.ForeignKey(
        Run, verbose_name=_("left at run"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "customer"], condition=Q(left_run__isnull=True), name="segment_membership_one_open"
            ),
            models.CheckConstraint(
                condition=Q(left_run__isnull=True, left_at__isnull=True)
                | Q(left_run__isnull=False, left_at__isnull=False),
                name="segment_membership_left_run_and_time",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "segment"], name="segment_membership_customer"),
            # the member list: a segment's open memberships in the list's order (newest first, then id), so a
            # page walks the index and stops after its rows instead of sorting every member (issue #10)
            models.Index(
                fields=["segment", "-entered_at", "-id"],
                condition=Q(left_run__isnull=True),
                name="segment_membership_open_order",
            ),
        ]

    def __str__(self):
        return f"{self.segment_id} · {self.customer_id}"


class CustomerTier(models.Model):
    """The tier a customer holds now (no row: no tier). ``downgrade_due_on`` is set while in a grace period."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="tier_holding",
    )
    # Indexed by the (tier, since, customer) index below, which serves lookups by tier alone too.
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="holdings", db_index=False
    )
    since = models.DateTimeField(_("since"))
    since_run = models.ForeignKey(Run, verbose_name=_("since run"), on_delete=models.PROTECT, related_name="+")
    downgrade_due_on = models.DateField(
        _("downgrade due"),
        null=True,
        blank=True,
        help_text=_("Set when the customer stopped qualifying: the tier is kept until this day (grace period)."),
    )

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        # the member list's order (longest-standing first, then customer): a page walks the index (issue #10)
        indexes = [models.Index(fields=["tier", "since", "customer"], name="customer_tier_tier_since_cust")]

    def __str__(self):
        return f"{self.customer_id} · {self.tier_id}"


class TierChange(models.Model):
    """History: a customer moved from one tier to another (either may be empty: entered or left the ladder)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="tier_changes"
    )
    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.PROTECT, related_name="tier_changes")
    from_tier = models.ForeignKey(
        Tier, verbose_name=_("from"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="tier_change_customer")]

    def __str__(self):
        return f"{self.customer_id}: {self.from_tier_id} → {self.to_tier_id}"


class RfmSegment(models.Model):
    """One of the standard RFM segments (Champions, Loyal, ... Lost). Seeded; names editable by admins."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    colour = models.CharField(_("badge colour"), max_length=16, default="secondary")

    class Meta:
        verbose_name = _("RFM segment")
        verbose_name_plural = _("RFM segments")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language: the seeded English names are in the catalogue (see
        rules.RFM_SEGMENTS); a name an admin wrote comes back as written."""
        return gettext(self.name)


class RfmMapping(models.Model):
    """Which RFM segment a (recency score, frequency-monetary score) pair falls in. 25 rows, edited by admins.

    Scores are quintiles (1 low, 5 high); the frequency-monetary score is (F + M + 1) // 2.
    """

    recency_score = models.PositiveSmallIntegerField(_("recency score (R)"))
    fm_score = models.PositiveSmallIntegerField(_("frequency-monetary score (FM)"))
    segment = models.ForeignKey(RfmSegment, verbose_name=_("segment"), on_delete=models.PROTECT, related_name="cells")

    class Meta:
        verbose_name = _("RFM mapping")
        verbose_name_plural = _("RFM mapping")
        ordering = ["-recency_score", "-fm_score"]
        constraints = [
            models.UniqueConstraint(fields=["recency_score", "fm_score"], name="rfm_mapping_one_per_cell"),
            models.CheckConstraint(
                condition=Q(recency_score__gte=1, recency_score__lte=5, fm_score__gte=1, fm_score__lte=5),
                name="rfm_mapping_scores_1_to_5",
            ),
        ]

    def __str__(self):
        return f"R{self.recency_score} FM{self.fm_score} → {self.segment_id}"


class CustomerRfm(models.Model):
    """A buyer's RFM quintiles and named segment as of the last run (customers who never bought have no row)."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, primary_key=True, related_name="rfm"
    )
    recency_score = models.PositiveSmallIntegerField(_("R"))
    frequency_score = models.PositiveSmallIntegerField(_("F"))
    monetary_score = models.PositiveSmallIntegerField(_("M"))
    # Indexed by the member-list index below, which serves lookups by segment alone too.
    segment = models.ForeignKey(
        RfmSegment,
        verbose_name=_("segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("customer RFM")
        verbose_name_plural = _("customer RFM")
        # the member list's order (best scores first, then customer): a page walks the index (issue #10)
        indexes = [
            models.Index(
                fields=["segment", "-recency_score", "-frequency_score", "-monetary_score", "customer"],
                name="customer_rfm_segment_order",
            )
        ]

    def __str__(self):
        return f"{self.customer_id} · R{self.recency_score}F{self.frequency_score}M{self.monetary_score}"
