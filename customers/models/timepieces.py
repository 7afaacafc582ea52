from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel
from customers.models.catalogue import MovementType


class OwnedTimepiece(BaseModel):
    """A watch or clock a customer owns: bought here (from a purchase line) or elsewhere."""

    class Source(models.TextChoices):
        PURCHASED_HERE = "here", _("Bought from us")
        ELSEWHERE = "elsewhere", _("Bought elsewhere")
        GIFT = "gift", _("Gift or inheritance")

    class Status(models.TextChoices):
        OWNED = "owned", _("Owned")
        SOLD = "sold", _("Sold or given away")
        LOST = "lost", _("Lost or stolen")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="timepieces"
    )
    product = models.ForeignKey(
        "customers.Product", verbose_name=_("product"), on_delete=models.SET_NULL, null=True, blank=True
    )
    purchase_line = models.OneToOneField(
        "customers.PurchaseLine",
        verbose_name=_("purchase line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="timepiece",
    )
    brand = models.ForeignKey("customers.Brand", verbose_name=_("brand"), on_delete=models.PROTECT)
    model_name = models.CharField(_("model"), max_length=150, blank=True)
    reference = models.CharField(_("reference number"), max_length=64, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True, db_index=True)
    movement_type = models.CharField(_("movement"), max_length=20, choices=MovementType)
    source = models.CharField(_("bought"), max_length=16, choices=Source, default=Source.PURCHASED_HERE)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OWNED)
    purchased_on = models.DateField(_("purchase date"), null=True, blank=True)
    warranty_expires_on = models.DateField(_("warranty until"), null=True, blank=True)
    last_serviced_on = models.DateField(_("last serviced"), null=True, blank=True)
    service_due_on = models.DateField(
        _("service due"), null=True, blank=True, db_index=True, help_text=_("Derived: kept by the services")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("owned timepiece")
        verbose_name_plural = _("owned timepieces")
        ordering = ["customer", "service_due_on", "id"]

    def __str__(self):
        return " ".join(part for part in (str(self.brand), self.model_name, self.reference) if part)


class ServiceJob(BaseModel):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_PARTS = "awaiting_parts", _("Awaiting parts")
        READY = "ready", _("Ready for collection")
        RETURNED = "returned", _("Returned to customer")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_PARTS, Status.READY)

    timepiece = models.ForeignKey(
        OwnedTimepiece, verbose_name=_("timepiece"), on_delete=models.PROTECT, related_name="service_jobs"
    )
    store = models.ForeignKey("customers.Store", verbose_name=_("store"), on_delete=models.PROTECT)
    received_on = models.DateField(_("intake date"))
    work_description = models.TextField(_("work"), blank=True)
    cost = models.DecimalField(_("cost (HKD)"), max_digits=12, decimal_places=2, default=0)
    promised_on = models.DateField(_("promised for"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RECEIVED, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = _("service job")
        verbose_name_plural = _("service jobs")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="service_job_cost_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(returned_on__isnull=False), name="service_job_returned_has_date"
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=models.F("received_on")),
                name="service_job_return_after_intake",
            ),
        ]

    def __str__(self):
        return f"{self.timepiece} · {self.received_on}"
