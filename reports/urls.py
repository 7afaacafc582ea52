from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("drill/<slug:metric>/", views.DrillDownView.as_view(), name="drill-down"),
    path("my-day/", views.MyDayView.as_view(), name="my-day"),
]
