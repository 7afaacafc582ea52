from django.contrib import admin

from churn.models import ChurnSettings, PlaybookRun, ScoringRun


@admin.register(ChurnSettings)
class ChurnSettingsAdmin(admin.ModelAdmin):
    """One row: the risk band thresholds, the CLV discount rate and the backtest settings."""

    list_display = ("__str__", "watch_from", "high_from", "lost_from", "annual_discount_rate", "min_repeat_buyers")
    fieldsets = (
        (None, {"fields": ("watch_from", "high_from", "lost_from")}),
        ("Value", {"fields": ("annual_discount_rate",)}),
        ("Validation", {"fields": ("min_repeat_buyers", "holdout_weeks", "auc_margin")}),
    )

    def has_add_permission(self, request):
        return not ChurnSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
    """Read-only: the runs of the nightly scoring job (churn.tasks.churn_score)."""

    list_display = ("started_at", "as_of", "status", "method", "fallback_reason", "customers_scored", "seconds")
    list_filter = ("status", "method")
    readonly_fields = [field.name for field in ScoringRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlaybookRun)
class PlaybookRunAdmin(admin.ModelAdmin):
    """Read-only: the runs of the nightly playbook job (churn.tasks.remedy_playbooks)."""

    list_display = ("started_at", "as_of", "status")
    list_filter = ("status",)
    readonly_fields = [field.name for field in PlaybookRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
