"""URLs of imports and the Excel export (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import data_quality_imports as views

urlpatterns = [
    path("export.xlsx", views.CustomerExportXlsxView.as_view(), name="customer-export-xlsx"),
    path("imports/", views.ImportJobListView.as_view(), name="import-list"),
    path("imports/new/", views.ImportJobCreateView.as_view(), name="import-create"),
    path("imports/template/<str:kind>.csv", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", views.ImportJobDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/progress/", views.ImportJobProgressView.as_view(), name="import-progress"),
    path("imports/<int:pk>/commit/", views.ImportJobCommitView.as_view(), name="import-commit"),
]
# The name the brief gives the list (customers/urls/data_quality.py may include it by this name).
import_urlpatterns = urlpatterns
