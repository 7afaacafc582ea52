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
]
