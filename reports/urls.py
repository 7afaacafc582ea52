from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("drill/<slug:metric>/", views.DrillDownView.as_view(), name="drill-down"),
    path("my-day/", views.MyDayView.as_view(), name="my-day"),
    path("regular/", views.DefinitionListView.as_view(), name="definition-list"),
    path("regular/new/", views.DefinitionCreateView.as_view(), name="definition-create"),
    path("regular/<int:pk>/", views.DefinitionDetailView.as_view(), name="definition-detail"),
    path("regular/<int:pk>/edit/", views.DefinitionUpdateView.as_view(), name="definition-update"),
    path("regular/<int:pk>/run/", views.RunNowView.as_view(), name="definition-run"),
    path("runs/<int:pk>/<str:kind>/", views.RunDownloadView.as_view(), name="run-download"),
    path("programmes/", views.ProgrammeReturnsView.as_view(), name="programme-returns"),
]
