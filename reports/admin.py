from django.contrib import admin

from reports.models import (
    KpiSnapshot,
    KpiTarget,
    Programme,
    ProgrammeBudget,
    ProgrammeExpense,
    ReportDownload,
    SnapshotRun,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["day", "store", "metric", "key", "value"]
    list_filter = ["metric", "store"]
    date_hierarchy = "day"
    list_select_related = ["store"]


@admin.register(SnapshotRun)
class SnapshotRunAdmin(ReadOnlyAdmin):
    list_display = ["day", "status", "started_at", "seconds", "rows"]
    list_filter = ["status"]


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["code", "store", "value"]
    list_filter = ["store"]


@admin.register(ReportDownload)
class ReportDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "run", "kind"]
    list_select_related = ["user", "run__definition"]


class ProgrammeBudgetInline(admin.TabularInline):
    model = ProgrammeBudget
    extra = 1


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "segment", "is_active"]
    list_filter = ["kind", "is_active"]
    inlines = [ProgrammeBudgetInline]


@admin.register(ProgrammeExpense)
class ProgrammeExpenseAdmin(admin.ModelAdmin):
    list_display = ["spent_on", "programme", "store", "amount", "description"]
    list_filter = ["programme", "store"]
    date_hierarchy = "spent_on"
