from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel

# An interaction or task belongs to a customer or, before conversion, to a lead.
_ONE_SUBJECT = (Q(customer__isnull=False) & Q(lead__isnull=True)) | (Q(customer__isnull=True) & Q(lead__isnull=False))


class Interaction(BaseModel):
    class Kind(models.TextChoices):
        VISIT = "visit", _("Store visit")
        CALL = "call", _("Phone call")
        EMAIL = "email", _("E-mail")
        MESSAGE = "message", _("Message")
        EVENT = "event", _("Event")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")
        NO_ANSWER = "no_answer", _("No answer")
        SALE = "sale", _("Led to a sale")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interactions",
    )
    lead = models.ForeignKey(
        "customers.Lead",
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interactions",
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    summary = models.TextField(_("summary"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, blank=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_when")]
        constraints = [models.CheckConstraint(condition=_ONE_SUBJECT, name="interaction_one_subject")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d}"


class FollowUpTask(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    lead = models.ForeignKey(
        "customers.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    interaction = models.ForeignKey(
        Interaction,
        verbose_name=_("from interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    title = models.CharField(_("what"), max_length=200)
    due_on = models.DateField(_("due"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN, db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assignee", "status", "due_on"], name="task_assignee_status_due")]
        constraints = [
            models.CheckConstraint(condition=_ONE_SUBJECT, name="task_one_subject"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False), name="task_done_has_timestamp"
            ),
        ]

    def __str__(self):
        return self.title
