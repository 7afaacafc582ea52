"""Figures about each customer, computed nightly in one set-based statement (see services.metrics_refresh)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    # Always 0 for now: the complaints app has no models yet. Fill it in metrics_refresh when it has.
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
