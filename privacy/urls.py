from django.urls import path

from privacy.views import consent, contact, notices, public

app_name = "privacy"

urlpatterns = [
    path("notices/", notices.NoticeListView.as_view(), name="notice-list"),
    path("notices/new/", notices.NoticeCreateView.as_view(), name="notice-create"),
    path("notices/<int:pk>/", notices.NoticeDetailView.as_view(), name="notice-detail"),
    path("notices/<int:pk>/publish/", notices.NoticePublishView.as_view(), name="notice-publish"),
    path("notice/<slug:kind>/", notices.NoticePublicView.as_view(), name="notice-public"),
    path("customers/<int:customer_pk>/consent/", consent.ConsentHistoryView.as_view(), name="consent-history"),
    path("customers/<int:customer_pk>/consent/new/", consent.ConsentRecordView.as_view(), name="consent-record"),
    path(
        "customers/<int:customer_pk>/consent/withdraw/", consent.ConsentWithdrawView.as_view(), name="consent-withdraw"
    ),
    path(
        "customers/<int:customer_pk>/consent/<uuid:batch>/confirm/",
        consent.OralConfirmationSendView.as_view(),
        name="consent-confirm",
    ),
    path("contact-list/", contact.ContactListView.as_view(), name="contact-list"),
    path("contact-list/export/", contact.ContactListExportView.as_view(), name="contact-list-export"),
    path("opt-out/", public.OptOutPublicView.as_view(), name="optout"),
    path("opt-out/<str:token>/", public.OptOutLinkView.as_view(), name="optout-link"),
]
