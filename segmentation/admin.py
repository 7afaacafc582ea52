from django.contrib import admin

from segmentation.models import CustomerMetrics


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
