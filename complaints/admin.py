from django.contrib import admin

from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    OpeningHours,
    ReplyTemplate,
    RootCause,
    SatisfactionSurvey,
    SlaPolicy,
    SlaRun,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "code", "is_personal_data", "is_active", "position")
    list_editable = ("is_active", "position")


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "code", "is_active", "position")
    list_editable = ("is_active", "position")


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ("store", "weekday", "opens_at", "closes_at")
    list_filter = ("store",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("severity", "category", "acknowledge_within_hours", "resolve_within_hours")


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("purpose", "language", "subject")


@admin.register(SlaRun)
class SlaRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "breaches", "notifications", "error")
    readonly_fields = ("started_at", "finished_at", "breaches", "notifications", "error")


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "actor", "at", "from_status", "to_status", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: the workflow runs through the complaint pages (services with their checks)."""

    list_display = ("__str__", "store", "category", "severity", "status", "assignee", "resolve_due_at")
    list_filter = ("status", "severity", "category", "store")
    raw_id_fields = ("customer", "lead", "timepiece", "product", "assignee", "created_by", "goodwill_decided_by")
    readonly_fields = [f.name for f in Complaint._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ("complaint", "created_at", "expires_at", "answered_at", "score")
    readonly_fields = ("complaint", "created_at", "expires_at", "answered_at", "score", "comment")
    exclude = ("nonce",)
