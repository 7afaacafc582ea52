"""URLs of links between customers (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import relationships as views

urlpatterns = [
    path(
        "<int:customer_pk>/relationships/new/",
        views.RelationshipCreateView.as_view(),
        name="relationship-create",
    ),
    path("relationships/<int:pk>/delete/", views.RelationshipDeleteView.as_view(), name="relationship-delete"),
    path(
        "relationships/customer-search/",
        views.RelationshipCustomerSearchView.as_view(),
        name="relationship-customer-search",
    ),
]
