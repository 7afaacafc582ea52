"""Django admin for the catalogue: brands, products and service intervals (imported by customers/admin.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from customers.models import Brand, Product, ServiceInterval
from customers.services import timepieces as timepiece_services


class ProductInline(admin.TabularInline):
    model = Product
    fields = ("collection", "model_name", "reference", "category", "movement_type", "list_price", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh")
    search_fields = ("name", "name_zh")
    inlines = (ProductInline,)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "brand",
        "collection",
        "model_name",
        "category",
        "movement_type",
        "list_price",
        "is_active",
    )
    list_select_related = ("brand",)
    list_filter = ("brand", "category", "movement_type", "is_active")
    search_fields = ("reference", "model_name", "collection", "brand__name")
    autocomplete_fields = ("brand",)
    list_per_page = 50


@admin.register(ServiceInterval)
class ServiceIntervalAdmin(admin.ModelAdmin):
    """A change of interval moves the service-due date of the timepieces it applies to: recomputed on save."""

    list_display = ("brand_or_default", "movement_type", "months")
    list_select_related = ("brand",)
    list_filter = ("movement_type", ("brand", admin.EmptyFieldListFilter))
    ordering = ("brand__name", "movement_type")
    autocomplete_fields = ("brand",)

    @admin.display(description=_("brand"), ordering="brand__name")
    def brand_or_default(self, obj):
        return obj.brand or _("Default (any brand)")

    def save_model(self, request, obj, form, change):
        before = ServiceInterval.objects.filter(pk=obj.pk).values_list("brand_id", "movement_type").first()
        super().save_model(request, obj, form, change)
        _service_due_refresh({before, (obj.brand_id, obj.movement_type)} - {None})

    def delete_model(self, request, obj):
        affected = {(obj.brand_id, obj.movement_type)}
        super().delete_model(request, obj)
        _service_due_refresh(affected)

    def delete_queryset(self, request, queryset):
        affected = set(queryset.values_list("brand_id", "movement_type"))
        super().delete_queryset(request, queryset)
        _service_due_refresh(affected)


def _service_due_refresh(intervals: set[tuple[int | None, str]]) -> None:
    """A brand's interval concerns that brand's timepieces; a default one every brand's, for that movement."""
    for brand_id, movement_type in intervals:
        if brand_id is None:
            timepiece_services.service_due_refresh_all(movement_type=movement_type)
        else:
            timepiece_services.service_due_refresh_all(brand_id=brand_id, movement_type=movement_type)
