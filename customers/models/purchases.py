from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class Purchase(BaseModel):
    """One sale (or return) at a store. ``total`` is the sum of its lines, kept by the services."""

    class Channel(models.TextChoices):
        IN_STORE = "in_store", _("In store")
        ONLINE = "online", _("Online")
        PHONE = "phone", _("Phone")

    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        RETURNED = "returned", _("Returned")
        PARTLY_RETURNED = "partly_returned", _("Partly returned")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="purchases"
    )
    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="purchases"
    )
    purchased_on = models.DateField(_("date"), db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sales",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.IN_STORE)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.COMPLETED)
    total = models.DecimalField(_("total (HKD)"), max_digits=14, decimal_places=2, default=Decimal("0"))
    external_ref = models.CharField(
        _("receipt number"), max_length=64, unique=True, null=True, blank=True, help_text=_("Stable id for imports")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_on", "-id"]
        indexes = [models.Index(fields=["customer", "-purchased_on"], name="purchase_customer_date")]

    def __str__(self):
        return f"{self.purchased_on} · HK${self.total:,.2f}"

    def get_absolute_url(self):
        return reverse("customers:purchase-detail", kwargs={"pk": self.pk})


class PurchaseLine(models.Model):
    """A line of a purchase. A return is a line with a negative quantity."""

    purchase = models.ForeignKey(Purchase, verbose_name=_("purchase"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchase_lines",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.IntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price (HKD)"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount (HKD)"), max_digits=12, decimal_places=2, default=Decimal("0"))
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True, db_index=True)
    line_total = models.DecimalField(_("line total (HKD)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("purchase line")
        verbose_name_plural = _("purchase lines")
        ordering = ["purchase", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="purchase_line_quantity_not_zero"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="purchase_line_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="purchase_line_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(product__isnull=False) | ~Q(description=""), name="purchase_line_has_product_or_text"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product or self.description}"

    @staticmethod
    def compute_total(*, quantity: int, unit_price: Decimal, discount: Decimal) -> Decimal:
        """quantity × unit price, less the discount (a return's discount is refunded with it)."""
        gross = Decimal(quantity) * unit_price
        return gross - discount if quantity > 0 else gross + discount
