import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class NoticeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class Notice(BaseModel):
    """One version of a privacy notice, in English and Chinese. Immutable once published:
    a change is a new version (the database refuses to update or delete a published row)."""

    class Kind(models.TextChoices):
        PICS = "pics", _("Personal Information Collection Statement")
        POLICY = "policy", _("Privacy policy statement")
        DIRECT_MARKETING = "direct_marketing", _("Direct-marketing notice (Part 6A)")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    version = models.PositiveIntegerField(_("version"))
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    title_zh = models.CharField(_("Chinese title"), max_length=200, blank=True)
    body_en = models.TextField(_("English text"), blank=True)
    body_zh = models.TextField(_("Chinese text"), blank=True)
    # Part 6A: what the direct-marketing notice covers (s.35C).
    data_kinds = models.JSONField(_("kinds of personal data"), default=list, blank=True)
    subject_classes = models.JSONField(_("classes of marketing subjects"), default=list, blank=True)
    transferee_classes = models.CharField(_("classes of transferees"), max_length=255, blank=True)
    for_gain = models.BooleanField(_("data provided to others for gain"), default=False)
    response_channel = models.CharField(_("free response channel"), max_length=255, blank=True)
    material_change = models.BooleanField(
        _("material change"), default=False, help_text=_("Shown again at the next collection, whatever its age.")
    )
    body_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64, blank=True, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["kind", "-version"]
        permissions = [("publish_notice", _("Can publish privacy notices"))]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="notice_kind_version_unique"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | ~Q(body_sha256=""), name="notice_published_has_hash"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def text_hash(self) -> str:
        payload = "\x1e".join([self.title_en, self.title_zh, self.body_en, self.body_zh])
        return hashlib.sha256(payload.encode()).hexdigest()

    def save(self, *args, **kwargs):
        if self.pk and Notice.objects.filter(pk=self.pk, published_at__isnull=False).exists():
            raise ValidationError(_("A published notice cannot be changed: create a new version."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError(_("A published notice cannot be deleted."))
        return super().delete(*args, **kwargs)
