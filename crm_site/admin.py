from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from crm_site.models import Heartbeat, Notification, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    list_filter = ("groups", "stores", "is_active", "is_staff")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seen_at", "hostname", "runs")
    readonly_fields = ("name", "last_seen_at", "hostname", "runs")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "user__username")
    readonly_fields = ("user", "title", "url", "created_at", "read_at")
