"""URLs of this part of the client record (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import leads as views

urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="lead-list"),
    path("leads/new/", views.LeadCreateView.as_view(), name="lead-create"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead-detail"),
    path("leads/<int:pk>/edit/", views.LeadUpdateView.as_view(), name="lead-update"),
    path("leads/<int:pk>/status/", views.LeadStatusUpdateView.as_view(), name="lead-set-status"),
    path("leads/<int:pk>/convert/", views.LeadConvertView.as_view(), name="lead-convert"),
    path("leads/<int:pk>/interactions/new/", views.LeadInteractionCreateView.as_view(), name="lead-interaction-create"),
]
