from django.urls import path

from churn import views

app_name = "churn"

urlpatterns = [
    path("", views.AtRiskListView.as_view(), name="at-risk"),
    path("model/", views.ModelCardView.as_view(), name="model-card"),
    path("wastage/", views.WastageReportView.as_view(), name="wastage"),
    path(
        "customers/<int:customer_pk>/disagree/",
        views.ScoreDisagreementCreateView.as_view(),
        name="score-disagreement-create",
    ),
    path("customers/<int:customer_pk>/reason/", views.ChurnReasonCreateView.as_view(), name="churn-reason-create"),
    path("playbooks/", views.PlaybookListView.as_view(), name="playbook-list"),
    path("playbooks/new/", views.PlaybookCreateView.as_view(), name="playbook-create"),
    path("playbooks/<int:pk>/", views.PlaybookReportView.as_view(), name="playbook-report"),
    path("playbooks/<int:pk>/edit/", views.PlaybookUpdateView.as_view(), name="playbook-update"),
    path("remedies/", views.MyRemediesView.as_view(), name="my-remedies"),
    path("remedies/<int:pk>/outcome/", views.RemedyOutcomeView.as_view(), name="remedy-outcome"),
]
