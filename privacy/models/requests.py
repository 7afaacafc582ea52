"""Data access and correction requests (PDPO s.18–28) and the refusal log book (s.27)."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel

STATUTORY_DAYS = 40
REMINDER_DAYS_LEFT = (20, 10, 5)  # reminders when this many days (or fewer) remain
LOG_BOOK_KEEP_YEARS = 4


class DataRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=DataRequest.OPEN_STATUSES)


class DataRequest(BaseModel):
    class Kind(models.TextChoices):
        ACCESS = "access", _("Data access request")
        CORRECTION = "correction", _("Data correction request")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VERIFIED = "verified", _("Identity verified")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED)

    class RefusalGround(models.TextChoices):
        IDENTITY = "s20_1_a", _("s.20(1)(a): requestor's identity not proved")
        OTHERS_DATA = "s20_1_b", _("s.20(1)(b): cannot comply without disclosing another person's data")
        FORM = "s20_3_a", _("s.20(3)(a): request not in Chinese or English / not in the specified form")
        FEE = "s20_3_b", _("s.20(3)(b)/s.28: the fee has not been paid")
        REPEAT = "s20_3_c", _("s.20(3)(c): repeat of a request already complied with")
        EXEMPTION = "s20_3_d", _("s.20(3)(d): an exemption in Part 8 applies")
        NOT_SATISFIED = "s24", _("s.24: not satisfied the data is inaccurate (correction)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    requestor = models.CharField(_("requestor"), max_length=200, help_text=_("As written on the request."))
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("due"), db_index=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.RECEIVED, db_index=True)
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)
    identity_method = models.CharField(_("how identity was verified"), max_length=200, blank=True)
    fee_quoted = models.DecimalField(_("fee quoted (HKD)"), max_digits=8, decimal_places=2, null=True, blank=True)
    unable_notice_sent_at = models.DateTimeField(_("'unable to comply in time' notice sent"), null=True, blank=True)
    unable_reason = models.CharField(_("why not in time"), max_length=255, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    refusal_ground = models.CharField(_("refusal ground"), max_length=16, choices=RefusalGround, blank=True)
    details = models.TextField(_("what is asked"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("data access or correction request")
        verbose_name_plural = _("data access and correction requests")
        ordering = ["due_at", "id"]
        permissions = [("handle_datarequest", _("Can handle data access and correction requests"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_ground=""), name="datarequest_refusal_has_ground"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="datarequest_completed_at"
            ),
            models.CheckConstraint(
                condition=Q(kind="access") | Q(fee_quoted__isnull=True), name="datarequest_no_fee_for_correction"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        self.due_at = due_date(self.received_at)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


def due_date(received_at):
    """40 calendar days after receipt (s.19(1)), to the end of that Hong Kong day."""
    local = timezone.localtime(received_at)
    last_day = local.date() + timedelta(days=STATUTORY_DAYS)
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))


class DataRequestReminder(models.Model):
    """One reminder sent for a request at a threshold; unique, so the job is idempotent."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="reminders")
    days_left = models.PositiveSmallIntegerField(_("days left"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("request reminder")
        verbose_name_plural = _("request reminders")
        constraints = [models.UniqueConstraint(fields=["request", "days_left"], name="reminder_once_per_threshold")]

    def __str__(self):
        return f"{self.request} {self.days_left}d"


class LogBookQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("The log book cannot be changed."))

    def delete(self):
        raise ValidationError(_("The log book cannot be changed."))


class LogBookEntry(models.Model):
    """s.27: a refusal of an access or correction request, with its reasons; kept ≥ 4 years.
    The database refuses updates, and deletes of entries younger than 4 years."""

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="log_book_entries")
    ground = models.CharField(_("ground"), max_length=16, choices=DataRequest.RefusalGround)
    reasons = models.TextField(_("reasons"))
    entered_at = models.DateTimeField(_("entered"), db_index=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = LogBookQuerySet.as_manager()

    class Meta:
        verbose_name = _("log-book entry")
        verbose_name_plural = _("log book (s.27)")
        ordering = ["-entered_at"]

    def __str__(self):
        return f"{self.request} {self.ground}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("The log book cannot be changed."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The log book cannot be changed."))


class Disclosure(models.Model):
    """A third party that received the customer's data (s.23(1)(c): told of a correction made
    within 12 months of the disclosure)."""

    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="disclosures"
    )
    recipient = models.CharField(_("recipient"), max_length=200)
    data_kinds = models.CharField(_("what was disclosed"), max_length=255)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    disclosed_at = models.DateTimeField(_("disclosed"), db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosure log")
        ordering = ["-disclosed_at"]

    def __str__(self):
        return f"#{self.customer_id} → {self.recipient}"


class CorrectionNotice(models.Model):
    """A recipient told of a correction (s.23(1)(c)), generated when a correction completes."""

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="correction_notices")
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("correction notice to a recipient")
        verbose_name_plural = _("correction notices to recipients")
        constraints = [models.UniqueConstraint(fields=["request", "disclosure"], name="correction_notice_once")]

    def __str__(self):
        return f"{self.request} → {self.disclosure.recipient}"


class OpinionNote(models.Model):
    """s.25(2): the customer disagrees with an expression of opinion (a score, a label) that was
    not corrected; the note travels with it (shown beside it, included in every access export)."""

    customer = models.ForeignKey(
        settings.PRIVACY_SUBJECT_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opinion_notes",
    )
    opinion = models.CharField(_("opinion"), max_length=120, help_text=_("e.g. segment label, churn score"))
    note = models.TextField(_("the customer's note"))
    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("opinion note")
        verbose_name_plural = _("opinion notes")

    def __str__(self):
        return f"#{self.customer_id} {self.opinion}"


class JobRun(models.Model):
    """One run of a scheduled privacy job (reminders, retention), with what it did."""

    name = models.CharField(_("job"), max_length=64, db_index=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    counts = models.JSONField(_("what it did"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("privacy job run")
        verbose_name_plural = _("privacy job runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"
