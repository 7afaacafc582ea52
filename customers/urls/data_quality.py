"""URLs of duplicate review and merge (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import data_quality as views

urlpatterns = [
    path("duplicates/", views.DuplicateListView.as_view(), name="duplicate-list"),
    path("duplicates/scan/", views.DuplicateScanView.as_view(), name="duplicate-scan"),
    path("duplicates/<int:a>/<int:b>/", views.DuplicateCompareView.as_view(), name="duplicate-compare"),
    path("duplicates/<int:a>/<int:b>/merge/", views.CustomerMergeView.as_view(), name="customer-merge"),
    path("duplicates/<int:a>/<int:b>/dismiss/", views.DuplicateDismissView.as_view(), name="duplicate-dismiss"),
]
