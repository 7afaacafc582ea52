from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class Lead(BaseModel):
    """A prospect, not yet a customer. Converting makes a Customer and moves the lead's history to it."""

    class Source(models.TextChoices):
        REFERRAL = "referral", _("Referral from a customer")
        WALK_IN = "walk_in", _("Walk-in")
        EVENT = "event", _("Event")
        ONLINE = "online", _("Online enquiry")
        FOCUS_GROUP = "focus_group", _("Focus group")
        PARTNER = "partner", _("Partner")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        LOST = "lost", _("Lost")

    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    mobile_phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.WALK_IN)
    campaign = models.CharField(_("campaign or event"), max_length=200, blank=True)
    referred_by = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("referred by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referred_leads",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW, db_index=True)
    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="leads"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    interest = models.CharField(_("interested in"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    converted_customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("became customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="from_lead",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name_en="") | ~Q(name_zh=""), name="lead_has_a_name"),
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(converted_customer__isnull=False, converted_at__isnull=False),
                name="lead_converted_has_customer",
            ),
        ]

    def __str__(self):
        return self.name_en or self.name_zh

    def get_absolute_url(self):
        return reverse("customers:lead-detail", kwargs={"pk": self.pk})
