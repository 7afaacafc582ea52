"""Retention rules per data category, legal holds, and the record of erasures."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel
from privacy.registry import Category


class RetentionRule(BaseModel):
    """Rows of a data category are kept ``period_months`` after their date, then deleted or
    anonymised by the nightly retention job. The identity category erases the whole customer
    once nothing about them is newer than the period."""

    class Action(models.TextChoices):
        ANONYMISE = "anonymise", _("Anonymise")
        DELETE = "delete", _("Delete")

    category = models.CharField(_("data category"), max_length=16, choices=Category, unique=True)
    period_months = models.PositiveIntegerField(_("kept for (months)"), validators=[MinValueValidator(1)])
    action = models.CharField(_("then"), max_length=16, choices=Action, default=Action.ANONYMISE)
    trigger = models.CharField(
        _("counted from"), max_length=120, default="the row's date (identity: the customer's last activity)"
    )
    active = models.BooleanField(_("active"), default=True)
    legal_basis = models.CharField(_("why this period"), max_length=255, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["category"]

    def __str__(self):
        return f"{self.get_category_display()}: {self.period_months} months, {self.get_action_display()}"


class LegalHoldQuerySet(models.QuerySet):
    def active(self, *, at=None):
        at = at or timezone.now()
        return self.filter(models.Q(until__isnull=True) | models.Q(until__gt=at), released_at__isnull=True)


class LegalHold(models.Model):
    """Nothing of this customer is erased or deleted by retention while the hold is active."""

    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.CharField(_("reason"), max_length=255)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self):
        return f"#{self.customer_id}: {self.reason}"


class Erasure(models.Model):
    """A customer's personal data was anonymised through the registry (ids, amounts, dates and
    stores kept). The row itself carries no identity."""

    class Source(models.TextChoices):
        RETENTION = "retention", _("Retention rule")
        REQUEST = "request", _("Privacy officer")

    customer = models.OneToOneField(
        settings.PRIVACY_SUBJECT_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="erasure"
    )
    source = models.CharField(_("why"), max_length=16, choices=Source)
    erased_at = models.DateTimeField(_("erased"))
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    counts = models.JSONField(_("rows anonymised"), default=dict)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self):
        return f"#{self.customer_id} {self.erased_at:%Y-%m-%d}"


class Breach(BaseModel):
    """A data breach incident (PCPD guidance, June 2023): notification is voluntary today; the
    register is what the PCPD asks for after a breach."""

    class Risk(models.TextChoices):
        LOW = "low", _("Low")
        REAL = "real", _("Real risk of harm")
        SIGNIFICANT = "significant", _("Real risk of significant harm")

    title = models.CharField(_("what happened"), max_length=200)
    detected_at = models.DateTimeField(_("detected"))
    contained_at = models.DateTimeField(_("contained"), null=True, blank=True)
    data_kinds = models.CharField(_("kinds of personal data"), max_length=255)
    people_affected = models.PositiveIntegerField(_("people affected (estimate)"), default=0)
    risk = models.CharField(_("risk of harm"), max_length=16, choices=Risk, default=Risk.LOW)
    risk_assessment = models.TextField(_("risk assessment"), blank=True)
    pcpd_notified_at = models.DateTimeField(_("PCPD notified"), null=True, blank=True)
    people_notified_at = models.DateTimeField(_("people notified"), null=True, blank=True)
    decision = models.TextField(_("why (not) notified"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("data breach")
        verbose_name_plural = _("breach register")
        ordering = ["-detected_at"]

    def __str__(self):
        return self.title


class Processor(BaseModel):
    """A data processor (DPP2(3), DPP4(2)): the contract must cover retention and security."""

    class Transfer(models.TextChoices):
        NONE = "none", _("Data stays in Hong Kong")
        RMC = "rmc_2022", _("PCPD Recommended Model Contractual Clauses (2022)")
        GBA = "gba_sc", _("GBA Standard Contract")
        OTHER = "other", _("Other contractual means")

    name = models.CharField(_("processor"), max_length=200)
    service = models.CharField(_("service"), max_length=200)
    location = models.CharField(_("where the data is processed"), max_length=120)
    contract_signed_at = models.DateField(_("contract signed"), null=True, blank=True)
    clause_retention = models.BooleanField(_("clause: no longer than necessary (DPP2(3))"), default=False)
    clause_security = models.BooleanField(_("clause: security measures (DPP4(2))"), default=False)
    clause_breach_notice = models.BooleanField(_("clause: tells us of breaches"), default=False)
    clause_return_delete = models.BooleanField(_("clause: returns or deletes data at the end"), default=False)
    transfer_mechanism = models.CharField(
        _("cross-border transfer"), max_length=16, choices=Transfer, default=Transfer.NONE
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("data processor")
        verbose_name_plural = _("data processors")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def clauses_complete(self) -> bool:
        return self.clause_retention and self.clause_security
