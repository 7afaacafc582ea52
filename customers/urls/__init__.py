"""The customers app's URLs: the customer record, then one module per part."""

from django.urls import path

from customers.urls import data_quality, imports, interactions, leads, purchases, relationships, timepieces
from customers.views import customer as views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer-list"),
    path("new/", views.CustomerCreateView.as_view(), name="customer-create"),
    path("export.csv", views.CustomerExportView.as_view(), name="customer-export"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="customer-update"),
    *purchases.urlpatterns,
    *timepieces.urlpatterns,
    *relationships.urlpatterns,
    *interactions.urlpatterns,
    *leads.urlpatterns,
    *data_quality.urlpatterns,
    *imports.urlpatterns,
]
