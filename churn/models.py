"""Churn scores, the runs that make them, their settings, disputes of a score, and why customers left."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm_site.models import BaseModel
from privacy.models import Channel, SubjectClass

_SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class Band(models.TextChoices):
    LOW = "low", _("Low risk")
    WATCH = "watch", pgettext_lazy("risk band", "Watch")
    HIGH = "high", _("High risk")
    LOST = "lost", _("Lost")


class Method(models.TextChoices):
    MODEL = "model", _("MBG/NBD model")
    RFM = "rfm", _("RFM fall-back")


class ChurnSettings(BaseModel):
    """The admin's settings for churn scoring: one row (pk 1), seeded by a data migration."""

    watch_from = models.DecimalField(
        _("watch from risk"), max_digits=4, decimal_places=3, default=Decimal("0.700"), validators=_SHARE
    )
    high_from = models.DecimalField(
        _("high risk from"), max_digits=4, decimal_places=3, default=Decimal("0.850"), validators=_SHARE
    )
    lost_from = models.DecimalField(
        _("lost from risk"), max_digits=4, decimal_places=3, default=Decimal("0.930"), validators=_SHARE
    )
    annual_discount_rate = models.DecimalField(
        _("annual discount rate"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.080"),
        validators=_SHARE,
        help_text=_("Used to discount the expected 12-month value (0.08 = 8 % a year)."),
    )
    min_repeat_buyers = models.PositiveIntegerField(
        _("minimum repeat buyers"),
        default=200,
        help_text=_("With fewer customers who bought more than once, the job uses RFM-based risk instead."),
    )
    holdout_weeks = models.PositiveIntegerField(
        _("backtest holdout (weeks)"), default=52, validators=[MinValueValidator(4), MaxValueValidator(260)]
    )
    auc_margin = models.DecimalField(
        _("AUC margin"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.010"),
        validators=_SHARE,
        help_text=_("The model is used while its backtest AUC is at most this much below the R+F+M baseline's."),
    )

    class Meta:
        verbose_name = _("churn settings")
        verbose_name_plural = _("churn settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(watch_from__lte=F("high_from")) & Q(high_from__lte=F("lost_from")),
                name="churn_settings_bands_in_order",
            ),
        ]

    def __str__(self):
        return str(_("Churn settings"))

    def band_for(self, risk: float) -> str:
        if risk >= self.lost_from:
            return Band.LOST
        if risk >= self.high_from:
            return Band.HIGH
        if risk >= self.watch_from:
            return Band.WATCH
        return Band.LOW


class ScoringRun(BaseModel):
    """One run of the scoring job: what was fitted, how it was checked, what it wrote."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RUNNING, db_index=True)
    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=32, blank=True)
    method = models.CharField(_("method"), max_length=8, choices=Method, blank=True)
    fallback_reason = models.CharField(_("fall-back reason"), max_length=32, blank=True)
    fallback_detail = models.CharField(_("fall-back detail"), max_length=200, blank=True)
    params = models.JSONField(_("purchase model parameters"), default=dict, blank=True)
    value_params = models.JSONField(_("value model parameters"), default=dict, blank=True)
    log_likelihood = models.FloatField(_("log-likelihood"), null=True, blank=True)
    backtest = models.JSONField(_("backtest"), default=dict, blank=True)
    diagnostics = models.JSONField(_("diagnostics"), default=dict, blank=True)
    config = models.JSONField(_("settings used"), default=dict, blank=True)
    customers_scored = models.PositiveIntegerField(_("customers scored"), default=0)
    band_counts = models.JSONField(_("customers per band"), default=dict, blank=True)
    seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.as_of} · {self.get_status_display()}"


class CustomerScore(models.Model):
    """The latest churn score of one customer (one row per customer with a purchase), rewritten by each run."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="churn_score",
    )
    run = models.ForeignKey(ScoringRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(_("as of"))
    method = models.CharField(_("method"), max_length=8, choices=Method)
    risk = models.FloatField(_("churn risk"), help_text=_("Model: chance of no purchase in the next 90 days."))
    band = models.CharField(_("band"), max_length=8, choices=Band)
    probability_alive = models.FloatField(_("chance still a customer"), null=True, blank=True)
    expected_purchases_90d = models.FloatField(_("expected purchases, next 90 days"), null=True, blank=True)
    expected_purchases_365d = models.FloatField(_("expected purchases, next 365 days"), null=True, blank=True)
    probability_no_purchase_90d = models.FloatField(_("chance of no purchase in 90 days"), null=True, blank=True)
    expected_value_12m = models.DecimalField(
        _("expected value, next 12 months (HKD)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Explanation inputs, as of the run's day.
    first_purchase_on = models.DateField(_("first purchase"))
    last_purchase_on = models.DateField(_("last purchase"))
    purchase_days = models.PositiveIntegerField(_("purchase days"))
    usual_gap_days = models.PositiveIntegerField(_("usual days between purchases"), null=True, blank=True)
    spend_12m = models.DecimalField(
        _("spend in the 12 months to the last purchase (HKD)"), max_digits=14, decimal_places=2
    )
    rfm = models.CharField(_("R-F-M scores"), max_length=5, blank=True)
    scored_at = models.DateTimeField(_("scored"))

    class Meta:
        verbose_name = _("churn score")
        verbose_name_plural = _("churn scores")
        ordering = ["-risk", "customer"]
        # Migration 0005 (issue #10, a million customers): the at-risk list's order, riskiest first, is an
        # index walk; a band's customers, in that order or for a join (the customer list's risk filter, the
        # band counts), are an index-only scan; the wastage list's order (highest spend first) is an index
        # walk of the lapsed and lost.
        indexes = [
            models.Index(fields=["-risk", "customer"], name="churn_score_risk_order"),
            models.Index(fields=["band", "-risk", "customer"], name="churn_score_band_risk_cust"),
            models.Index(
                fields=["-spend_12m", "customer"],
                name="churn_score_wastage_spend",
                condition=Q(band__in=["high", "lost"]),
            ),
        ]

    def __str__(self):
        return f"{self.customer_id} · {self.band} · {self.risk:.2f}"


class ScoreDisagreement(BaseModel):
    """A customer's or a staff member's disagreement with a churn score (PDPO: an opinion can be disputed).

    It keeps the score it disputes (band, risk, day) and is shown with every later score of that customer.
    """

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("The customer disagrees")
        STAFF = "staff", _("I disagree")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="churn_disputes"
    )
    source = models.CharField(_("whose view"), max_length=16, choices=Source)
    note = models.TextField(_("why"))
    disputed_band = models.CharField(_("disputed band"), max_length=8, choices=Band)
    disputed_risk = models.FloatField(_("disputed risk"))
    disputed_as_of = models.DateField(_("score of"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("score disagreement")
        verbose_name_plural = _("score disagreements")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.customer_id} · {self.get_source_display()}"


class ChurnReason(BaseModel):
    """Why a customer left, as an account manager recorded it. The latest record is the current reason."""

    class Reason(models.TextChoices):
        MOVED_AWAY = "moved_away", _("Moved away")
        PRICE = "price", _("Price")
        SERVICE = "service_experience", _("Service experience")
        COMPETITOR = "competitor", _("Went to a competitor")
        COMPLAINT = "complaint", _("Complaint")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="churn_reasons"
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("churn reason")
        verbose_name_plural = _("churn reasons")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="churn_reason_customer_latest")]
        permissions = [("view_wastage_report", "Can view the wastage assessment")]

    def __str__(self):
        return f"{self.customer_id} · {self.get_reason_display()}"


class RemedyKind(models.TextChoices):
    PERSONAL_CALL = "personal_call", _("Personal call")
    PRIVATE_VIEWING = "private_viewing", _("Private viewing invitation")
    SERVICE_CHECK = "service_check", _("Complimentary service check")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    VOUCHER = "voucher", _("Voucher")


class Playbook(BaseModel):
    """An admin's remedy rule: customers in a tier and/or segment, in a risk band (and with a churn reason)
    get a remedy action, except a random control group that is held back to measure the effect."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    tier = models.ForeignKey(
        "segmentation.Tier",
        verbose_name=_("tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: any tier (or none)."),
    )
    segment = models.ForeignKey(
        "segmentation.Segment",
        verbose_name=_("segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: any segment."),
    )
    band = models.CharField(_("risk band"), max_length=8, choices=Band)
    churn_reason = models.CharField(
        _("churn reason"),
        max_length=32,
        choices=ChurnReason.Reason,
        blank=True,
        help_text=_("Only customers whose latest recorded reason is this one (empty: any or none)."),
    )
    kind = models.CharField(_("remedy"), max_length=24, choices=RemedyKind)
    channel = models.CharField(
        _("contact channel"),
        max_length=16,
        choices=Channel,
        blank=True,
        help_text=_(
            "How the customer is contacted: checked against their direct-marketing consent. "
            "Empty only for a service check offered at the customer's next visit (no contact)."
        ),
    )
    subject_class = models.CharField(
        _("marketing subject"),
        max_length=24,
        choices=SubjectClass,
        blank=True,
        help_text=_("The class of marketing subject the customer must have agreed to for this channel."),
    )
    due_in_days = models.PositiveIntegerField(
        _("due in (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    estimated_cost = models.DecimalField(
        _("estimated cost per action (HKD)"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    cap_days = models.PositiveIntegerField(
        _("at most once per (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("One customer is considered for this playbook at most once in this many days."),
    )
    control_share = models.DecimalField(
        _("control group share"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9"))],
        help_text=_("Share of the customers held back, with no action, to measure the effect (0.2 = 20 %)."),
    )
    win_window_days = models.PositiveIntegerField(
        _("win-back window (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("A customer who buys within this many days after the action counts as won back."),
    )

    class Meta:
        verbose_name = _("remedy playbook")
        verbose_name_plural = _("remedy playbooks")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def contacts_customer(self) -> bool:
        return bool(self.channel)


class PlaybookRun(BaseModel):
    """One run of the playbook job."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RUNNING)
    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("rows created per playbook and group"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("playbook run")
        verbose_name_plural = _("playbook runs")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.as_of} · {self.get_status_display()}"


class RemedyAction(BaseModel):
    """One customer taken up by a playbook in one period: a remedy action (treated), a control-group member
    (no action), or skipped (no consent for the playbook's channel: no action, and not part of the comparison)."""

    class Group(models.TextChoices):
        TREATED = "treated", _("Action")
        CONTROL = "control", _("Control group")
        SKIPPED = "skipped", _("Skipped")

    class Outcome(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        NO_ANSWER = "no_answer", _("No answer")
        DECLINED = "declined", _("Declined")
        WON_BACK = "won_back", _("Won back")

    class SkipReason(models.TextChoices):
        NO_CONSENT = "no_consent", _("No consent for the channel")

    playbook = models.ForeignKey(Playbook, verbose_name=_("playbook"), on_delete=models.PROTECT, related_name="actions")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="remedy_actions"
    )
    period = models.DateField(_("period"), help_text=_("First day of the playbook's period (its cap)."))
    group = models.CharField(_("group"), max_length=8, choices=Group, db_index=True)
    skip_reason = models.CharField(_("why skipped"), max_length=16, choices=SkipReason, blank=True)
    assigned_on = models.DateField(_("assigned on"))
    kind = models.CharField(_("remedy"), max_length=24, choices=RemedyKind)
    channel = models.CharField(_("contact channel"), max_length=16, choices=Channel, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remedy_actions",
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    estimated_cost = models.DecimalField(_("estimated cost (HKD)"), max_digits=12, decimal_places=2, default=0)
    band = models.CharField(_("band when assigned"), max_length=8, choices=Band)
    risk = models.FloatField(_("risk when assigned"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, default=Outcome.OPEN, db_index=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outcome recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("remedy action")
        verbose_name_plural = _("remedy actions")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "customer", "period"], name="remedy_action_once_per_period"),
        ]
        indexes = [
            models.Index(fields=["owner", "outcome", "due_on"], name="remedy_action_owner_open"),
            models.Index(fields=["customer", "-assigned_on"], name="remedy_action_customer"),
        ]

    def __str__(self):
        return f"{self.playbook_id} · {self.customer_id} · {self.period} · {self.group}"
