from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from segmentation.models import Criterion, CustomerMetrics, RfmMapping, RfmSegment, Run, Segment, Tier
from segmentation.rules import rule_validate


@admin.register(CustomerMetrics)
class CustomerMetricsAdmin(admin.ModelAdmin):
    """Read-only: the figures are recomputed nightly by segmentation.tasks.metrics_refresh."""

    list_display = (
        "customer",
        "home_store",
        "spend_12m",
        "spend_lifetime",
        "purchases_lifetime",
        "last_purchase_on",
        "timepieces_owned",
        "next_service_due_on",
        "as_of",
        "refreshed_at",
    )
    list_filter = ("home_store", "as_of")
    list_select_related = ("customer", "home_store")
    ordering = ("-spend_12m",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionAdminForm(ModelForm):
    class Meta:
        model = Criterion
        fields = ["name", "description", "purpose", "owner", "rule", "is_active"]

    def clean_rule(self):
        try:
            return rule_validate(self.cleaned_data["rule"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    """The rule is best built in the criterion editor (Segments › Criteria); here it is validated JSON."""

    form = CriterionAdminForm
    list_display = ("name", "purpose", "owner", "is_active", "updated_at")
    list_filter = ("purpose", "is_active")
    search_fields = ("name",)


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "criterion", "is_active")
    list_select_related = ("criterion",)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """The tier ladder: rank 1 is the highest tier; a downgrade waits ``grace_days``."""

    list_display = ("rank", "name", "criterion", "grace_days", "colour", "is_active")
    list_editable = ("name", "grace_days", "colour", "is_active")
    list_display_links = ("rank",)
    list_select_related = ("criterion",)
    ordering = ("rank",)


@admin.register(RfmSegment)
class RfmSegmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "description", "order", "colour")
    list_editable = ("name", "description", "order", "colour")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return False  # the eleven standard segments are seeded; rename them, map cells to them

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RfmMapping)
class RfmMappingAdmin(admin.ModelAdmin):
    """R (recency quintile) × FM ((F + M + 1) // 2) → segment. Takes effect at the next run."""

    list_display = ("recency_score", "fm_score", "segment")
    list_editable = ("segment",)
    list_filter = ("recency_score",)
    readonly_fields = ("recency_score", "fm_score")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("pk", "status", "trigger", "started_by", "started_at", "finished_at", "progress")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in Run._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
