from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign-list"),
    path("new/", views.CampaignCreateView.as_view(), name="campaign-create"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("<int:pk>/<slug:action>/", views.CampaignActionView.as_view(), name="campaign-action"),
    path("loyalty/<int:customer_pk>/redeem/", views.LoyaltyRedeemView.as_view(), name="loyalty-redeem"),
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/new/", views.EventCreateView.as_view(), name="event-create"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event-detail"),
    path("events/<int:pk>/invite/", views.EventInviteView.as_view(), name="event-invite"),
    path("events/<int:pk>/leads/", views.EventLeadCreateView.as_view(), name="event-lead-create"),
    path(
        "events/<int:pk>/invitations/<int:invitation_pk>/attendance/",
        views.InvitationAttendanceView.as_view(),
        name="invitation-attendance",
    ),
    path(
        "events/<int:pk>/invitations/<int:invitation_pk>/feedback/",
        views.InvitationFeedbackView.as_view(),
        name="invitation-feedback",
    ),
    path("co-funding/", views.CoFundingListView.as_view(), name="cofunding-list"),
    path("co-funding/<slug:kind>/<int:pk>/", views.CoFundingCreateView.as_view(), name="cofunding-create"),
    path("sell-out/", views.SellOutReportView.as_view(), name="sellout-report"),
    path("rsvp/<str:token>/", views.RsvpView.as_view(), name="rsvp"),
]
