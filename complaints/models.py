"""Complaints: intake, classification, workflow, SLA clocks, resolution, follow-up and surveys.

The workflow is in ``complaints/services.py``; who may see which complaint in
``complaints/selectors.py``; business-hours arithmetic in ``complaints/business_time.py``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.querysets import ComplaintQuerySet
from crm_site.models import BaseModel


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Category(BaseModel):
    """A configurable kind of complaint (seeded for timepiece and retail)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    is_personal_data = models.BooleanField(
        _("personal data"), default=False, help_text=_("Complaints of this category go to the privacy officer.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class RootCause(BaseModel):
    """The taxonomy of root causes recorded on resolution."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class OpeningHours(models.Model):
    """When a store is open on one day of the week (no row: closed that day).

    A store with no rows at all uses settings.COMPLAINTS_DEFAULT_OPENING_HOURS.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday)
    opens_at = models.TimeField(_("opens"))
    closes_at = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["store", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["store", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="opening_hours_order"),
        ]

    def __str__(self):
        return f"{self.store} · {self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class SlaPolicy(BaseModel):
    """Time to acknowledge and to resolve, in business hours, per severity (and optionally category).

    A policy for the complaint's category wins over the one for its severity alone.
    """

    severity = models.CharField(_("severity"), max_length=16, choices=Severity)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    acknowledge_within_hours = models.DecimalField(
        _("acknowledge within (business hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    resolve_within_hours = models.DecimalField(
        _("resolve within (business hours)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["severity", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity"], condition=Q(category__isnull=True), name="sla_policy_one_per_severity"
            ),
            models.UniqueConstraint(
                fields=["severity", "category"],
                condition=Q(category__isnull=False),
                name="sla_policy_one_per_severity_category",
            ),
            models.CheckConstraint(
                condition=Q(resolve_within_hours__gte=models.F("acknowledge_within_hours")),
                name="sla_policy_resolve_after_acknowledge",
            ),
        ]

    def __str__(self):
        label = self.get_severity_display()
        return f"{label} · {self.category}" if self.category_id else str(label)


class ReplyTemplate(BaseModel):
    """A reply the handler can copy, in English or Chinese. Placeholders: $customer, $reference, $store,
    $summary, $goodwill."""

    class Purpose(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("Acknowledgement")
        AWAITING = "awaiting", _("Asking the customer")
        RESOLVE = "resolve", _("Resolution")

    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose)
    language = models.CharField(_("language"), max_length=8, choices=[("en", "English"), ("zh-hant", "中文")])
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["purpose", "language"]
        constraints = [models.UniqueConstraint(fields=["purpose", "language"], name="reply_template_one_per_language")]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.language})"


class Complaint(BaseModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigating")
        AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.AWAITING_CUSTOMER)
    # The SLA clock runs in these (it is paused while awaiting the customer).
    CLOCK_RUNNING = (Status.NEW, Status.ACKNOWLEDGED, Status.INVESTIGATING)

    class Channel(models.TextChoices):
        IN_STORE = "in_store", _("In store")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        WEB = "web", _("Web form")
        SOCIAL = "social", _("Social media")
        CONSUMER_COUNCIL = "consumer_council", _("Consumer Council referral")

    class Goodwill(models.TextChoices):
        NONE = "", _("—")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    lead = models.ForeignKey(
        "customers.Lead",
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        help_text=_("A web complaint from someone not yet matched to a customer."),
    )
    # As given by the complainant (the web form); staff intake copies the customer's.
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    # The collection statement shown when the complainant gave their data on the public form.
    collection_notice = models.ForeignKey(
        "privacy.Notice",
        verbose_name=_("collection statement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.IN_STORE)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity, default=Severity.MEDIUM)
    store = models.ForeignKey(
        "customers.Store", verbose_name=_("store"), on_delete=models.PROTECT, related_name="complaints"
    )
    timepiece = models.ForeignKey(
        "customers.OwnedTimepiece",
        verbose_name=_("timepiece"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
    )
    product = models.ForeignKey(
        "customers.Product", verbose_name=_("product"), on_delete=models.SET_NULL, null=True, blank=True
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("what happened"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, help_text=_("Raised by every change."))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    received_at = models.DateTimeField(_("received"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"))
    resolve_due_at = models.DateTimeField(_("resolve by"))
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(
        _("business seconds paused"),
        default=0,
        help_text=_("Business time the resolve clock did not run (awaiting the customer; before a reopening)."),
    )
    acknowledge_breached_at = models.DateTimeField(_("acknowledgement overdue since"), null=True, blank=True)
    resolve_breached_at = models.DateTimeField(_("resolution overdue since"), null=True, blank=True)
    # Resolution
    root_cause = models.ForeignKey(
        RootCause, verbose_name=_("root cause"), on_delete=models.PROTECT, null=True, blank=True
    )
    corrective_action = models.TextField(_("corrective action"), blank=True)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    goodwill_amount = models.DecimalField(
        _("goodwill (HKD)"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    goodwill_status = models.CharField(_("goodwill"), max_length=16, choices=Goodwill, blank=True, default="")
    goodwill_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("goodwill decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("reassign_complaint", _("Can reassign complaints")),
            ("approve_goodwill", _("Can approve goodwill above the limit")),
            ("view_sla_compliance", _("Can see SLA compliance")),
        ]
        indexes = [
            models.Index(fields=["store", "status"], name="complaint_store_status"),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_status"),
            models.Index(fields=["status", "resolve_due_at"], name="complaint_status_due"),
            models.Index(fields=["customer", "status"], name="complaint_customer_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False) | ~Q(contact_name=""),
                name="complaint_has_a_complainant",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="complaint_resolved_has_timestamp",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="complaint_closed_has_timestamp"
            ),
            models.CheckConstraint(
                condition=Q(status="new") | Q(acknowledged_at__isnull=False),
                name="complaint_acknowledged_has_timestamp",
            ),
            models.CheckConstraint(
                condition=~Q(status="awaiting_customer") | Q(paused_at__isnull=False),
                name="complaint_paused_has_timestamp",
            ),
            models.CheckConstraint(condition=Q(goodwill_amount__gte=0), name="complaint_goodwill_not_negative"),
        ]

    def __str__(self):
        return f"{self.reference} · {self.subject}"

    def get_absolute_url(self):
        return reverse("complaints:complaint-detail", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        return f"C-{self.pk:06d}" if self.pk else "C-new"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def complainant_name(self) -> str:
        if self.customer_id:
            return self.customer.display_name
        return self.contact_name or (str(self.lead) if self.lead_id else "")


class ComplaintEvent(models.Model):
    """One thing that happened to a complaint: who, when, from which status to which, and why.

    Append-only: the timeline of the complaint page.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Logged")
        TRANSITION = "transition", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        ESCALATED = "escalated", _("Escalated")
        BREACHED = "breached", _("SLA breached")
        GOODWILL = "goodwill", _("Goodwill")
        REOPENED = "reopened", _("Reopened")
        LINKED = "linked", _("Linked to a customer")
        FOLLOW_UP = "follow_up", _("Follow-up")
        SURVEY = "survey", _("Survey")
        NOTE = "note", _("Note")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), db_index=True)
    from_status = models.CharField(_("from"), max_length=20, choices=Complaint.Status, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Complaint.Status, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event_when")]

    def __str__(self):
        return f"{self.complaint_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class SatisfactionSurvey(models.Model):
    """A satisfaction survey sent on resolution: a signed, single-use, expiring link; CSAT 1–5 and a comment."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="surveys"
    )
    nonce = models.CharField(_("nonce"), max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="survey_score_range"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, score__isnull=True)
                | Q(answered_at__isnull=False, score__isnull=False),
                name="survey_answer_has_score",
            ),
        ]

    def __str__(self):
        return f"{self.complaint_id} · {self.score or '—'}"


class SlaRun(models.Model):
    """One run of the SLA check: when, what it found and did, and any error."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    breaches = models.PositiveIntegerField(_("breaches flagged"), default=0)
    notifications = models.PositiveIntegerField(_("people notified"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("SLA check run")
        verbose_name_plural = _("SLA check runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} · {self.breaches}"
