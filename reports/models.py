"""Daily KPI snapshots: a narrow table (day, store, metric, key, value).

Narrow rather than wide because several figures have a dimension of varying size (new customers per
acquisition source, customers per tier, per RFM segment, per churn band, tier moves up/down/in/out): one
row per (metric, key) holds them all without a migration when an admin adds a tier or an RFM segment.
A row with no store is the whole business. Dashboards read a few hundred rows, never the customers.
"""

from django.db import models
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
