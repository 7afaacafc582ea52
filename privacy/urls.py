from django.urls import path

from privacy.views import consent, console, contact, identity, notices, public, requests, retention

app_name = "privacy"

urlpatterns = [
    path("", console.ConsoleView.as_view(), name="console"),
    path("access-log/", console.AccessLogSearchView.as_view(), name="access-log"),
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
        "customers/<int:customer_pk>/consent/<int:pk>/evidence/",
        consent.ConsentEvidenceView.as_view(),
        name="consent-evidence",
    ),
    path(
        "customers/<int:customer_pk>/consent/<uuid:batch>/confirm/",
        consent.OralConfirmationSendView.as_view(),
        name="consent-confirm",
    ),
    path(
        "customers/<int:customer_pk>/identity-document/",
        identity.IdentityDocumentSetView.as_view(),
        name="identity-document-set",
    ),
    path(
        "customers/<int:customer_pk>/identity-document/reveal/",
        identity.IdentityDocumentRevealView.as_view(),
        name="identity-document-reveal",
    ),
    path("contact-list/", contact.ContactListView.as_view(), name="contact-list"),
    path("contact-list/export/", contact.ContactListExportView.as_view(), name="contact-list-export"),
    path("requests/", requests.DataRequestListView.as_view(), name="request-list"),
    path("requests/new/", requests.DataRequestCreateView.as_view(), name="request-create"),
    path("requests/<int:pk>/", requests.DataRequestDetailView.as_view(), name="request-detail"),
    path("requests/<int:pk>/export/", requests.DataRequestExportView.as_view(), name="request-export"),
    path("requests/<int:pk>/<slug:action>/", requests.DataRequestActionView.as_view(), name="request-action"),
    path("retention/", retention.RetentionRuleListView.as_view(), name="retention"),
    path("retention/<slug:category>/", retention.RetentionRuleEditView.as_view(), name="retention-edit"),
    path("legal-holds/new/", retention.LegalHoldCreateView.as_view(), name="legal-hold-create"),
    path("legal-holds/<int:pk>/release/", retention.LegalHoldReleaseView.as_view(), name="legal-hold-release"),
    path("customers/<int:customer_pk>/erase/", retention.CustomerEraseView.as_view(), name="customer-erase"),
    path("breaches/", retention.BreachListView.as_view(), name="breach-list"),
    path("breaches/new/", retention.BreachCreateView.as_view(), name="breach-create"),
    path("breaches/<int:pk>/", retention.BreachUpdateView.as_view(), name="breach-update"),
    path("processors/", retention.ProcessorListView.as_view(), name="processor-list"),
    path("processors/new/", retention.ProcessorCreateView.as_view(), name="processor-create"),
    path("processors/<int:pk>/", retention.ProcessorUpdateView.as_view(), name="processor-update"),
    path("opt-out/", public.OptOutPublicView.as_view(), name="optout"),
    path("opt-out/<str:token>/", public.OptOutLinkView.as_view(), name="optout-link"),
]
