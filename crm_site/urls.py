from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from crm_site import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("health/", views.health, name="health"),
    path("status/", views.SystemStatusView.as_view(), name="system-status"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/badge/", views.notification_badge, name="notification-badge"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("customers/", include("customers.urls")),
    path("segments/", include("segmentation.urls")),
    path("churn/", include("churn.urls")),
    path("complaints/", include("complaints.urls")),
    path("privacy/", include("privacy.urls")),
    path("reports/", include("reports.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("admin/", admin.site.urls),
]
