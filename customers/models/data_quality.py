import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.models import BaseModel


class ImportJob(BaseModel):
    """A CSV/Excel import: validated in full (preview), then committed all-or-nothing by a Celery task."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        PURCHASES = "purchases", _("Purchases")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be checked")
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=16, choices=Kind)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    store = models.ForeignKey(
        "customers.Store",
        verbose_name=_("default store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING, db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True, help_text=_("[{row, field, message}]"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"


class DuplicateDismissal(BaseModel):
    """Staff decided that two similar customers are different people: stop suggesting the pair."""

    customer_a = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    customer_b = models.ForeignKey(
        "customers.Customer", verbose_name=_("other customer"), on_delete=models.CASCADE, related_name="+"
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("not-a-duplicate decision")
        verbose_name_plural = _("not-a-duplicate decisions")
        constraints = [
            models.CheckConstraint(condition=Q(customer_a__lt=F("customer_b")), name="dismissal_ordered_pair"),
            models.UniqueConstraint(fields=["customer_a", "customer_b"], name="dismissal_unique_pair"),
        ]

    def __str__(self):
        return f"#{self.customer_a_id} ≠ #{self.customer_b_id}"


class DuplicateScan(models.Model):
    """The last search for duplicates among the customers of one scope (all stores, or a set of stores).

    Finding duplicates reads every customer the user sees (seconds at a million customers), so it
    runs in the background (nightly, or when a scope is first asked for) and the list page reads
    the stored pairs (``DuplicateCandidate``). ``computed_at`` is empty until the first run ends.
    """

    scope = models.CharField(_("scope"), max_length=255, unique=True)  # "all", or "stores:1,3"
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    pair_count = models.PositiveIntegerField(_("pairs found"), default=0)

    class Meta:
        verbose_name = _("duplicate search")
        verbose_name_plural = _("duplicate searches")

    # A request older than this with no scan finished since (a worker was down, the task was lost)
    # may be made again.
    STALE_AFTER = datetime.timedelta(minutes=30)

    def __str__(self):
        return f"{self.scope} @ {self.computed_at}"

    @property
    def is_pending(self) -> bool:
        """A scan was asked for and has not finished since (the last pairs stay shown meanwhile)."""
        return self.computed_at is None or self.requested_at > self.computed_at

    def may_request(self, now=None) -> bool:
        """Whether "Search again" may ask for a scan: none waiting, or the one asked for was lost."""
        return not self.is_pending or self.requested_at < (now or timezone.now()) - self.STALE_AFTER


class DuplicateCandidate(models.Model):
    """One pair found by a ``DuplicateScan``: ids, score and signal codes only (no copy of the records)."""

    # Indexed by dup_candidate_order (scan first).
    scan = models.ForeignKey(DuplicateScan, on_delete=models.CASCADE, related_name="candidates", db_index=False)
    customer_a = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    customer_b = models.ForeignKey(
        "customers.Customer", verbose_name=_("other customer"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    signals = models.CharField(_("signals"), max_length=100)  # codes, comma-separated

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        indexes = [models.Index(fields=["scan", "-score", "customer_a", "customer_b"], name="dup_candidate_order")]

    def __str__(self):
        return f"#{self.customer_a_id} ~ #{self.customer_b_id} ({self.score})"


class CustomerMerge(models.Model):
    """The record of a merge: which record survived, which was merged into it, who did it, what moved."""

    survivor = models.ForeignKey(
        "customers.Customer", verbose_name=_("survivor"), on_delete=models.PROTECT, related_name="merges"
    )
    merged = models.ForeignKey(
        "customers.Customer", verbose_name=_("merged record"), on_delete=models.PROTECT, related_name="+"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(_("when"), auto_now_add=True)
    moved = models.JSONField(_("rows moved"), default=dict, help_text=_("{model label: count}"))
    merged_snapshot = models.JSONField(_("merged record as it was"), default=dict)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(survivor=F("merged")), name="merge_not_into_itself")]

    def __str__(self):
        return f"#{self.merged_id} → #{self.survivor_id}"
