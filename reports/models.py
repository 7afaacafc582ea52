"""Daily KPI snapshots: a narrow table (day, store, metric, key, value).

Narrow rather than wide because several figures have a dimension of varying size (new customers per
acquisition source, customers per tier, per RFM segment, per churn band, tier moves up/down/in/out): one
row per (metric, key) holds them all without a migration when an admin adds a tier or an RFM segment.
A row with no store is the whole business. Dashboards read a few hundred rows, never the customers.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class KpiSnapshot(models.Model):
    day = models.DateField(_("day"), db_index=True)
    store = models.ForeignKey(
        "customers.Store",
        verbose_name=_("store"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole business."),
    )
    metric = models.CharField(_("metric"), max_length=40)
    key = models.CharField(_("key"), max_length=60, blank=True, default="")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        ordering = ["-day", "metric", "key"]
        permissions = [
            ("view_dashboard", _("Can view the supervisor dashboard")),
            ("view_my_day", _("Can view their own day as an account manager")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "store", "metric", "key"], name="kpi_snapshot_unique", nulls_distinct=False
            ),
        ]
        indexes = [models.Index(fields=["metric", "day"], name="kpi_snapshot_metric_day")]

    def __str__(self):
        return f"{self.day} {self.store_id or '*'} {self.metric}[{self.key}] = {self.value}"


class SnapshotRun(BaseModel):
    """One run of the snapshot job (tasks record their runs)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("snapshot run")
        verbose_name_plural = _("snapshot runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.day} {self.status}"


class KpiTarget(BaseModel):
    """A target an admin sets for one dashboard line (e.g. "csat" at 0.90, "complaints_overdue" at 0);
    for the whole business when no store is given. Reports set each figure against it."""

    code = models.CharField(
        _("figure"), max_length=80, help_text=_("The line's code, e.g. retention_rate, csat, complaints_overdue.")
    )
    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    value = models.DecimalField(
        _("target"), max_digits=18, decimal_places=4, help_text=_("Rates as a fraction: 0.9 for 90 %.")
    )

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "store"], name="kpi_target_unique", nulls_distinct=False)
        ]

    def __str__(self):
        return f"{self.code} = {self.value}"


class ReportDefinition(BaseModel):
    """A regular report: which sections, which stores, which period, who receives it, and when it runs
    (a django-celery-beat PeriodicTask kept in step by reports.services.definitions)."""

    class Section(models.TextChoices):
        CUSTOMERS = "customers", _("Customers and retention")
        SEGMENTS = "segments", _("Tiers and RFM segments")
        CHURN = "churn", _("Churn risk")
        COMPLAINTS = "complaints", _("Complaints and service quality")
        SERVICE = "service", _("Service")

    class Period(models.TextChoices):
        LAST_7 = "7d", _("Last 7 days")
        LAST_30 = "30d", _("Last 30 days")
        LAST_90 = "90d", _("Last 90 days")
        LAST_MONTH = "month", _("Last full month")

    name = models.CharField(_("name"), max_length=120, unique=True)
    sections = models.JSONField(_("sections"), default=list)
    stores = models.ManyToManyField(
        "customers.Store", verbose_name=_("stores"), blank=True, related_name="+",
        help_text=_("None: every store the owner sees."),
    )  # fmt: skip
    period = models.CharField(_("period"), max_length=8, choices=Period, default=Period.LAST_7)
    recipients = models.TextField(_("recipients"), help_text=_("E-mail addresses, one a line or comma-separated."))
    minute = models.PositiveSmallIntegerField(_("minute"), default=0)
    hour = models.PositiveSmallIntegerField(_("hour"), default=7)
    day_of_week = models.CharField(
        _("days of the week"), max_length=64, default="1", help_text=_("Cron style: * every day, 1 Monday, 1-5…")
    )
    day_of_month = models.CharField(_("days of the month"), max_length=64, default="*")
    is_active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False,
    )  # fmt: skip

    class Meta:
        verbose_name = _("report definition")
        verbose_name_plural = _("report definitions")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("reports:definition-detail", kwargs={"pk": self.pk})

    @property
    def recipient_list(self) -> list[str]:
        return [part.strip() for part in self.recipients.replace(",", "\n").splitlines() if part.strip()]


def _report_path(run, filename):
    return f"reports/{run.started_at:%Y/%m}/{run.definition_id}-{run.pk}-{filename}"


class ReportRun(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    definition = models.ForeignKey(
        ReportDefinition, verbose_name=_("report"), on_delete=models.CASCADE, related_name="runs"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING, db_index=True)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_report_path, blank=True)
    csv = models.FileField(_("CSV"), upload_to=_report_path, blank=True)
    emailed_to = models.TextField(_("e-mailed to"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.definition} · {self.created_at:%Y-%m-%d %H:%M}"


class ReportDownload(models.Model):
    """Who downloaded which archived file, and when (append-only)."""

    run = models.ForeignKey(ReportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("file"), max_length=8)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} · {self.kind} · {self.at:%Y-%m-%d %H:%M}"


class Programme(BaseModel):
    """A CRM programme (VIP events, win-back calls, goodwill, service vouchers…) with budgets per period.

    Its audience is a segment's current members; a goodwill programme's audience is the customers whose
    complaints were given approved goodwill, and that goodwill counts as its spend."""

    class Kind(models.TextChoices):
        VIP_EVENT = "vip_event", _("VIP events")
        WIN_BACK = "win_back", _("Win-back calls")
        GOODWILL = "goodwill", _("Complaint goodwill")
        SERVICE_VOUCHER = "service_voucher", _("Service vouchers")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)
    segment = models.ForeignKey(
        "segmentation.Segment", verbose_name=_("audience (segment)"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        permissions = [("view_programme_returns", _("Can view programme budgets and returns"))]

    def __str__(self):
        return self.name


class ProgrammeBudget(BaseModel):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="budgets"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = models.DecimalField(_("budget (HKD)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("programme budget")
        verbose_name_plural = _("programme budgets")
        ordering = ["programme", "period_start"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="programme_budget_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="programme_budget_not_negative"),
        ]

    def __str__(self):
        return f"{self.programme} {self.period_start}–{self.period_end}"


class ProgrammeExpense(BaseModel):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="expenses"
    )
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (HKD)"), max_digits=14, decimal_places=2)
    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("what"), max_length=200)

    class Meta:
        verbose_name = _("programme expense")
        verbose_name_plural = _("programme expenses")
        ordering = ["-spent_on"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="programme_expense_not_negative")]

    def __str__(self):
        return f"{self.programme} {self.spent_on} {self.amount}"
