from django.contrib import admin

from privacy.models import AccessLog


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
