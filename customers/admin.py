from django.contrib import admin

import customers.admin_catalogue  # noqa: F401 - registers Brand, Product, ServiceInterval
from customers.models import Customer, Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_zh", "district", "is_active")
    filter_horizontal = ("staff",)
    prepopulated_fields = {"code": ("name",)}


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Kept minimal: staff work in the CRM pages, which log every read of personal data."""

    list_display = ("id", "name_en", "name_zh", "home_store", "account_manager")
    list_select_related = ("home_store", "account_manager")
    list_filter = ("home_store",)
    raw_id_fields = ("account_manager",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)
