"""URLs of this part of the client record (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import timepieces as views

urlpatterns = [
    path("<int:customer_pk>/timepieces/new/", views.TimepieceCreateView.as_view(), name="timepiece-create"),
    path("timepieces/<int:pk>/", views.TimepieceDetailView.as_view(), name="timepiece-detail"),
    path("timepieces/<int:pk>/edit/", views.TimepieceUpdateView.as_view(), name="timepiece-update"),
    path("timepieces/<int:pk>/service/new/", views.ServiceJobCreateView.as_view(), name="servicejob-create"),
    path("service-jobs/<int:pk>/status/", views.ServiceJobStatusView.as_view(), name="servicejob-status"),
    path("service-due/", views.ServiceDueListView.as_view(), name="service-due"),
]
