from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign-list"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign-create"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("<int:pk>/<slug:action>/", views.CampaignActionView.as_view(), name="campaign-action"),
    path("loyalty/<int:customer_pk>/redeem/", views.LoyaltyRedeemView.as_view(), name="loyalty-redeem"),
]
