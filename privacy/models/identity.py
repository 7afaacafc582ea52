from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityDocument(models.Model):
    """A customer's identity-document number (HKID, passport), where the business collects one.

    Off by default (settings.PRIVACY_IDENTITY_DOCUMENTS): the PCPD's Code of Practice on the ID
    card number allows collection only in listed situations. The number is never stored in clear:
    ``number_encrypted`` holds a Fernet token (privacy.crypto), ``mask`` a non-identifying
    display form (first letter(s) and first digit). Neither is indexed, unique or searched: the
    number is never an identifier. Written only by privacy.services.identity.
    """

    class Kind(models.TextChoices):
        HKID = "hkid", _("Hong Kong identity card")
        PASSPORT = "passport", _("Passport")
        OTHER = "other", _("Other identity document")

    customer = models.OneToOneField(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="identity_document",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    number_encrypted = models.TextField(_("number (encrypted)"), editable=False)
    mask = models.CharField(_("number (masked)"), max_length=32, editable=False)
    purpose = models.CharField(_("purpose of collection"), max_length=255)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        permissions = [("reveal_identitydocument", _("Can reveal identity-document numbers (with a reason)"))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.mask}"
