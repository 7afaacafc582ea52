from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("The access log is append-only."))

    def delete(self):
        raise ValidationError(_("The access log is append-only."))

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:
            raise ValidationError(_("The access log is append-only."))
        return super().bulk_create(objs, *args, **kwargs)

    def for_customer(self, customer_pk):
        return self.filter(customer_id=customer_pk)


class AccessLog(models.Model):
    """Who read, exported or changed whose personal data, when, and from where.

    Append-only: rows can be added, never changed or deleted (enforced here and,
    on PostgreSQL, by a trigger).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        CREATE = "create", _("Created")
        EDIT = "edit", _("Edited")
        VIEW_SENSITIVE = "view_sensitive", _("Viewed sensitive fields")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="privacy_access_logs",
    )
    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="access_logs",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action)
    view_name = models.CharField(_("view"), max_length=128, blank=True)
    path = models.CharField(_("path"), max_length=512, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="privacy_access_customer_at")]
        permissions = [
            ("view_sensitive", _("Can see sensitive personal data unmasked")),
            ("export_personal_data", _("Can export customers' personal data")),
        ]

    def __str__(self):
        return f"{self.user} {self.action} customer #{self.customer_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("The access log is append-only."))
        # An INSERT always: a reused id fails instead of silently rewriting a row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The access log is append-only."))
