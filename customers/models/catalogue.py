from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class MovementType(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic (self-winding)")
    MANUAL = "manual", _("Manual winding")
    QUARTZ = "quartz", _("Quartz")
    SOLAR = "solar", _("Solar quartz")
    SPRING_DRIVE = "spring_drive", _("Spring Drive")
    CLOCK_MECHANICAL = "clock_mechanical", _("Mechanical clock")
    CLOCK_QUARTZ = "clock_quartz", _("Quartz clock")
    NONE = "none", _("Not a timepiece")


class Brand(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServiceInterval(BaseModel):
    """How often a movement should be serviced; a brand's own interval wins over the default (brand empty)."""

    brand = models.ForeignKey(
        Brand,
        verbose_name=_("brand"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="service_intervals",
    )
    movement_type = models.CharField(_("movement"), max_length=20, choices=MovementType)
    months = models.PositiveSmallIntegerField(_("interval in months"))

    class Meta:
        verbose_name = _("service interval")
        verbose_name_plural = _("service intervals")
        constraints = [
            models.UniqueConstraint(fields=["brand", "movement_type"], name="service_interval_brand_movement"),
            models.UniqueConstraint(
                fields=["movement_type"], condition=Q(brand__isnull=True), name="service_interval_default_movement"
            ),
            models.CheckConstraint(condition=Q(months__gt=0), name="service_interval_positive"),
        ]

    def __str__(self):
        return f"{self.brand or _('Any brand')} · {self.get_movement_type_display()}: {self.months}"


class Product(BaseModel):
    class Category(models.TextChoices):
        WATCH = "watch", _("Watch")
        CLOCK = "clock", _("Clock")
        STRAP = "strap", _("Strap")
        ACCESSORY = "accessory", _("Accessory")
        SERVICE = "service", _("Service")

    brand = models.ForeignKey(Brand, verbose_name=_("brand"), on_delete=models.PROTECT, related_name="products")
    collection = models.CharField(_("collection"), max_length=100, blank=True)
    model_name = models.CharField(_("model"), max_length=150)
    reference = models.CharField(_("reference number"), max_length=64, db_index=True)
    category = models.CharField(_("category"), max_length=16, choices=Category, default=Category.WATCH)
    movement_type = models.CharField(_("movement"), max_length=20, choices=MovementType, default=MovementType.AUTOMATIC)
    list_price = models.DecimalField(_("list price (HKD)"), max_digits=12, decimal_places=2)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["brand__name", "collection", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "reference"], name="product_brand_reference"),
            models.CheckConstraint(condition=Q(list_price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.brand.name} {self.model_name} {self.reference}".strip()

    @property
    def is_timepiece(self) -> bool:
        return self.category in (self.Category.WATCH, self.Category.CLOCK)
