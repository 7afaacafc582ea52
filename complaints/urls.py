from django.contrib.auth.decorators import login_not_required
from django.urls import path

from complaints import permissions, views

app_name = "complaints"

urlpatterns = [
    path("", views.ComplaintListView.as_view(), name="complaint-list"),
    path("new/", views.ComplaintCustomerSearchView.as_view(), name="complaint-customer-search"),
    path("new/<int:customer_pk>/", views.ComplaintCreateView.as_view(), name="complaint-create"),
    path("sla/", views.SlaComplianceView.as_view(), name="sla-compliance"),
    path("<int:pk>/", views.ComplaintDetailView.as_view(), name="complaint-detail"),
    path(
        "<int:pk>/acknowledge/",
        views.ComplaintTransitionView.as_view(),
        {"action": permissions.ACKNOWLEDGE},
        name="complaint-acknowledge",
    ),
    path(
        "<int:pk>/investigate/",
        views.ComplaintTransitionView.as_view(),
        {"action": permissions.INVESTIGATE},
        name="complaint-investigate",
    ),
    path(
        "<int:pk>/await-customer/",
        views.ComplaintTransitionView.as_view(),
        {"action": permissions.AWAIT_CUSTOMER},
        name="complaint-await-customer",
    ),
    path(
        "<int:pk>/close/",
        views.ComplaintTransitionView.as_view(),
        {"action": permissions.CLOSE},
        name="complaint-close",
    ),
    path("<int:pk>/resolve/", views.ComplaintResolveView.as_view(), name="complaint-resolve"),
    path("<int:pk>/goodwill/", views.ComplaintGoodwillView.as_view(), name="complaint-goodwill"),
    path("<int:pk>/reopen/", views.ComplaintReopenView.as_view(), name="complaint-reopen"),
    path("<int:pk>/escalate/", views.ComplaintEscalateView.as_view(), name="complaint-escalate"),
    path("<int:pk>/reassign/", views.ComplaintReassignView.as_view(), name="complaint-reassign"),
    path("<int:pk>/classify/", views.ComplaintClassifyView.as_view(), name="complaint-classify"),
    path("<int:pk>/link-customer/", views.ComplaintLinkCustomerView.as_view(), name="complaint-link-customer"),
    # Public: no sign-in (listed in tests/test_permission_sweep.py).
    path("submit/", login_not_required(views.PublicComplaintView.as_view()), name="public-create"),
    path("submit/thanks/", login_not_required(views.PublicThanksView.as_view()), name="public-thanks"),
    path("survey/<str:token>/", login_not_required(views.SurveyView.as_view()), name="survey"),
]
