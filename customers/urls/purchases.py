"""URLs of purchases and returns (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import purchases as views

urlpatterns = [
    path("<int:customer_pk>/purchases/", views.PurchaseListView.as_view(), name="purchase-list"),
    path("<int:customer_pk>/purchases/new/", views.PurchaseCreateView.as_view(), name="purchase-create"),
    path("purchases/<int:pk>/", views.PurchaseDetailView.as_view(), name="purchase-detail"),
    path("purchases/<int:pk>/return/", views.PurchaseReturnView.as_view(), name="purchase-return"),
    path("products/search/", views.ProductSearchView.as_view(), name="product-search"),
]
