from django.contrib import admin

from privacy.models import AccessLog, ConsentEvent, DataRequest, JobRun, LogBookEntry, Notice, Suppression


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "customer_id", "action", "view_name")
    list_filter = ("action",)
    list_select_related = ("user",)
    raw_id_fields = ("user", "customer")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledgers and registers kept by the privacy pages: visible here, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("kind", "version", "published_at")
    list_filter = ("kind",)


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "customer_id", "action", "purpose", "subject_class", "channel", "method")
    list_filter = ("action", "purpose", "method")
    show_full_result_count = False


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key_hash", "method", "created_at")


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ("kind", "customer_id", "received_at", "due_at", "status")
    list_filter = ("kind", "status")


@admin.register(LogBookEntry)
class LogBookEntryAdmin(ReadOnlyAdmin):
    list_display = ("entered_at", "request", "ground")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "started_at", "finished_at", "counts", "error")
    list_filter = ("name",)
