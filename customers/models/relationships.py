from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class Relationship(BaseModel):
    """A link from one customer to another, e.g. "A referred B", "A is a functional contact at company C"."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("Family")
        REFERRAL = "referral", _("Referred")
        PARTNERSHIP = "partnership", _("Business partner")
        CONSULTANT = "consultant", _("Consultant")
        AFFILIATION = "affiliation", _("Affiliation")
        FUNCTIONAL = "functional", _("Contact at company")

    from_customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("from"), on_delete=models.CASCADE, related_name="relationships_out"
    )
    to_customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("to"), on_delete=models.CASCADE, related_name="relationships_in"
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind)
    role = models.CharField(_("role"), max_length=100, blank=True, help_text=_("e.g. spouse, purchasing manager"))
    since = models.DateField(_("since"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_customer=F("to_customer")), name="relationship_not_to_self"),
            models.UniqueConstraint(fields=["from_customer", "to_customer", "kind"], name="relationship_unique"),
        ]

    def __str__(self):
        return f"{self.from_customer_id} → {self.to_customer_id} ({self.kind})"
