from django.urls import path

from segmentation import views

app_name = "segmentation"

urlpatterns = [
    path("", views.SegmentationOverviewView.as_view(), name="overview"),
    path("criteria/", views.CriterionListView.as_view(), name="criterion-list"),
    path("criteria/new/", views.CriterionCreateView.as_view(), name="criterion-create"),
    path("criteria/builder/", views.CriterionBuilderView.as_view(), name="criterion-builder"),
    path("criteria/<int:pk>/edit/", views.CriterionUpdateView.as_view(), name="criterion-update"),
    path("segments/<int:pk>/", views.SegmentDetailView.as_view(), name="segment-detail"),
    path("segments/<int:pk>/export/", views.SegmentExportView.as_view(), name="segment-export"),
    path("tiers/<int:pk>/", views.TierDetailView.as_view(), name="tier-detail"),
    path("tiers/<int:pk>/export/", views.TierExportView.as_view(), name="tier-export"),
    path("rfm/<slug:code>/", views.RfmSegmentDetailView.as_view(), name="rfm-detail"),
    path("rfm/<slug:code>/export/", views.RfmSegmentExportView.as_view(), name="rfm-export"),
    path("runs/", views.RunListView.as_view(), name="run-list"),
    path("runs/start/", views.RunStartView.as_view(), name="run-start"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run-progress"),
]
