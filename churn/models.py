"""Churn scores, the runs that make them, their settings, disputes of a score, and why customers left."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel

_SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class Band(models.TextChoices):
    LOW = "low", _("Low risk")
    WATCH = "watch", _("Watch")
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
    band = models.CharField(_("band"), max_length=8, choices=Band, db_index=True)
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
        indexes = [models.Index(fields=["band", "-risk"], name="churn_score_band_risk")]

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
