from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from crm_site.models import Heartbeat, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("groups", "stores", "is_active", "is_staff")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seen_at", "hostname", "runs")
    readonly_fields = ("name", "last_seen_at", "hostname", "runs")
