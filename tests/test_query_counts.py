"""Inventory of the project's URL patterns for issue #10 ("query-count tests for every list and detail page").

Every named URL pattern (crm_site/urls.py and each app's urls.py; the Django admin aside) is classified
below, and ``test_every_url_pattern_is_classified`` fails when a new one is added without being classified.

Kinds:
  list      a page listing rows (paginated or capped)
  detail    one object's page, with its related rows
  fragment  an htmx fragment (a list, a panel or a progress bar)
  report    an aggregate page (figures by store, tier, programme...)
  form      a GET that shows a form (its POST writes through a service)
  post      POST only (or GET is a 404 / a redirect): no page
  export    a file download (CSV, XLSX, PDF, evidence)
  public    no sign-in: the public complaint form, survey, RSVP, opt-out, notices
  auth      sign-in, sign-out, password, language; ``health`` and ``system-status`` (no rows)

Every list, detail, fragment and report page has a test asserting an exact query count that stays
the same when rows are added (the module named beside it). At the time of writing: 159 URL patterns;
60 pages with rows (28 lists, 19 details, 5 fragments, 8 reports); 31 had a query-count test before,
29 got one in tests/<app>/test_query_counts.py. Of the 31, seven did not assert the number and now do:
the dashboard and My day (bounded from above), the complaint queue and page and the three member lists
(two counts compared). One N+1 fixed: reports' programme returns (4 queries per programme, now 16 in all).
Forms, exports and public pages are not counted here: a form loads one object, an export streams,
a public page loads the one row its token names.
"""

import pytest
from django.urls import URLResolver, get_resolver

QC = "test_query_counts.py"

PAGES = {
    # crm_site
    "home": ("report", f"crm_site/{QC}"),
    "health": ("auth", None),
    "system-status": ("auth", None),
    "login": ("auth", None),
    "logout": ("auth", None),
    "password_change": ("auth", None),
    "password_change_done": ("auth", None),
    "notification-list": ("list", f"crm_site/{QC}"),
    "notification-badge": ("fragment", "complaints/test_views.py"),
    "notification-open": ("post", None),
    "notification-read-all": ("post", None),
    "set_language": ("auth", None),
    # customers
    "customers:customer-list": ("list", "customers/test_views.py, customers/test_list_search.py"),
    "customers:customer-create": ("form", None),
    "customers:customer-export": ("export", None),
    "customers:customer-detail": ("detail", "customers/test_views.py, customers/test_customer_page.py"),
    "customers:customer-update": ("form", None),
    "customers:purchase-list": ("list", "customers/test_purchases_views.py"),
    "customers:purchase-create": ("form", None),
    "customers:purchase-detail": ("detail", "customers/test_purchases_views.py"),
    "customers:purchase-return": ("form", None),
    "customers:product-search": ("fragment", f"customers/{QC}"),
    "customers:timepiece-create": ("form", None),
    "customers:timepiece-detail": ("detail", "customers/test_timepieces_views.py"),
    "customers:timepiece-update": ("form", None),
    "customers:servicejob-create": ("form", None),
    "customers:servicejob-status": ("post", None),
    "customers:service-due": ("list", "customers/test_timepieces_views.py"),
    "customers:relationship-create": ("form", None),
    "customers:relationship-delete": ("post", None),
    "customers:relationship-customer-search": ("fragment", f"customers/{QC}"),
    "customers:interaction-create": ("form", None),
    "customers:task-create": ("form", None),
    "customers:my-tasks": ("list", "customers/test_interactions_views.py"),
    "customers:task-complete": ("post", None),
    "customers:task-cancel": ("post", None),
    "customers:lead-list": ("list", "customers/test_leads_views.py"),
    "customers:lead-create": ("form", None),
    "customers:lead-detail": ("detail", "customers/test_leads_views.py"),
    "customers:lead-update": ("form", None),
    "customers:lead-set-status": ("post", None),
    "customers:lead-convert": ("form", None),
    "customers:lead-interaction-create": ("form", None),
    "customers:duplicate-list": ("list", "customers/test_duplicates_views.py"),
    "customers:duplicate-compare": ("detail", f"customers/{QC}"),
    "customers:customer-merge": ("post", None),
    "customers:duplicate-dismiss": ("post", None),
    "customers:duplicate-scan": ("post", None),
    "customers:customer-export-xlsx": ("export", None),
    "customers:import-list": ("list", "customers/test_imports_views.py"),
    "customers:import-create": ("form", None),
    "customers:import-template": ("export", None),
    "customers:import-detail": ("detail", "customers/test_imports_views.py"),
    "customers:import-progress": ("fragment", f"customers/{QC}"),
    "customers:import-commit": ("post", None),
    # segmentation
    "segmentation:overview": ("report", f"segmentation/{QC}"),
    "segmentation:criterion-list": ("list", f"segmentation/{QC}"),
    "segmentation:criterion-create": ("form", None),
    "segmentation:criterion-builder": ("post", None),
    "segmentation:criterion-update": ("form", None),
    "segmentation:segment-detail": ("detail", "segmentation/test_views.py"),
    "segmentation:segment-export": ("export", None),
    "segmentation:tier-detail": ("detail", "segmentation/test_views.py"),
    "segmentation:tier-export": ("export", None),
    "segmentation:rfm-detail": ("detail", "segmentation/test_views.py"),
    "segmentation:rfm-export": ("export", None),
    "segmentation:run-list": ("list", "segmentation/test_views.py"),
    "segmentation:run-start": ("post", None),
    "segmentation:run-detail": ("detail", f"segmentation/{QC}"),
    "segmentation:run-progress": ("fragment", f"segmentation/{QC}"),
    # churn
    "churn:at-risk": ("list", "churn/test_views.py"),
    "churn:model-card": ("detail", f"churn/{QC}"),
    "churn:wastage": ("list", "churn/test_views.py"),
    "churn:score-disagreement-create": ("form", None),
    "churn:churn-reason-create": ("form", None),
    "churn:playbook-list": ("list", "churn/test_playbook_views.py"),
    "churn:playbook-create": ("form", None),
    "churn:playbook-report": ("detail", "churn/test_playbook_views.py"),
    "churn:playbook-update": ("form", None),
    "churn:my-remedies": ("list", "churn/test_playbook_views.py"),
    "churn:remedy-outcome": ("form", None),
    # complaints
    "complaints:complaint-list": ("list", "complaints/test_views.py"),
    "complaints:complaint-customer-search": ("list", f"complaints/{QC}"),
    "complaints:complaint-create": ("form", None),
    "complaints:sla-compliance": ("report", f"complaints/{QC}"),
    "complaints:complaint-detail": ("detail", "complaints/test_views.py"),
    "complaints:complaint-acknowledge": ("form", None),
    "complaints:complaint-investigate": ("form", None),
    "complaints:complaint-await-customer": ("form", None),
    "complaints:complaint-close": ("form", None),
    "complaints:complaint-resolve": ("form", None),
    "complaints:complaint-goodwill": ("form", None),
    "complaints:complaint-reopen": ("form", None),
    "complaints:complaint-escalate": ("form", None),
    "complaints:complaint-reassign": ("form", None),
    "complaints:complaint-classify": ("form", None),
    "complaints:complaint-link-customer": ("form", None),
    "complaints:public-create": ("public", None),
    "complaints:public-thanks": ("public", None),
    "complaints:survey": ("public", None),
    # privacy
    "privacy:console": ("report", f"privacy/{QC}"),
    "privacy:access-log": ("list", f"privacy/{QC}"),
    "privacy:notice-list": ("list", f"privacy/{QC}"),
    "privacy:notice-create": ("form", None),
    "privacy:notice-detail": ("detail", f"privacy/{QC}"),
    "privacy:notice-publish": ("post", None),
    "privacy:notice-public": ("public", None),
    "privacy:consent-history": ("detail", f"privacy/{QC}"),
    "privacy:consent-record": ("form", None),
    "privacy:consent-withdraw": ("form", None),
    "privacy:consent-evidence": ("export", None),
    "privacy:consent-confirm": ("post", None),
    "privacy:identity-document-set": ("form", None),
    "privacy:identity-document-reveal": ("form", None),
    "privacy:contact-list": ("list", "privacy/test_consent_views.py"),
    "privacy:contact-list-export": ("export", None),
    "privacy:request-list": ("list", "privacy/test_request_views.py"),
    "privacy:request-create": ("form", None),
    "privacy:request-detail": ("detail", f"privacy/{QC}"),
    "privacy:request-export": ("export", None),
    "privacy:request-action": ("post", None),
    "privacy:retention": ("list", f"privacy/{QC}"),
    "privacy:retention-edit": ("form", None),
    "privacy:legal-hold-create": ("form", None),
    "privacy:legal-hold-release": ("post", None),
    "privacy:customer-erase": ("form", None),
    "privacy:breach-list": ("list", f"privacy/{QC}"),
    "privacy:breach-create": ("form", None),
    "privacy:breach-update": ("form", None),
    "privacy:processor-list": ("list", f"privacy/{QC}"),
    "privacy:processor-create": ("form", None),
    "privacy:processor-update": ("form", None),
    "privacy:optout": ("public", None),
    "privacy:optout-link": ("public", None),
    # reports
    "reports:dashboard": ("report", f"reports/{QC}"),
    "reports:drill-down": ("list", "reports/test_dashboard.py"),
    "reports:my-day": ("report", f"reports/{QC}"),
    "reports:definition-list": ("list", "reports/test_regular_reports.py"),
    "reports:definition-create": ("form", None),
    "reports:definition-detail": ("detail", f"reports/{QC}"),
    "reports:definition-update": ("form", None),
    "reports:definition-run": ("post", None),
    "reports:run-download": ("export", None),
    "reports:programme-returns": ("report", f"reports/{QC}"),
    # campaigns
    "campaigns:campaign-list": ("list", "campaigns/test_views.py"),
    "campaigns:campaign-create": ("form", None),
    "campaigns:campaign-detail": ("detail", f"campaigns/{QC}"),
    "campaigns:campaign-action": ("post", None),
    "campaigns:loyalty-redeem": ("post", None),
    "campaigns:event-list": ("list", f"campaigns/{QC}"),
    "campaigns:event-create": ("form", None),
    "campaigns:event-detail": ("detail", f"campaigns/{QC}"),
    "campaigns:event-invite": ("post", None),
    "campaigns:event-lead-create": ("post", None),
    "campaigns:invitation-attendance": ("post", None),
    "campaigns:invitation-feedback": ("post", None),
    "campaigns:cofunding-list": ("list", f"campaigns/{QC}"),
    "campaigns:cofunding-create": ("post", None),
    "campaigns:sellout-report": ("report", f"campaigns/{QC}"),
    "campaigns:rsvp": ("public", None),
}

KINDS = {"list", "detail", "fragment", "report", "form", "post", "export", "public", "auth"}
COUNTED = {"list", "detail", "fragment", "report"}


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_is_classified():
    names = list(_url_names(get_resolver().url_patterns))
    assert len(names) == len(set(names)), "a URL name is used twice"
    assert set(names) - set(PAGES) == set(), "classify the new pages in PAGES (and give lists/details a test)"
    assert set(PAGES) - set(names) == set(), "PAGES names a URL pattern that no longer exists"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_with_rows_names_its_query_count_test(name):
    from pathlib import Path

    kind, where = PAGES[name]
    assert kind in KINDS
    if kind not in COUNTED:
        assert where is None
        return
    assert where, f"{name} ({kind}) needs a query-count test"
    tests = Path(__file__).parent
    for module in where.split(", "):
        text = (tests / module).read_text()
        assert "django_assert_num_queries" in text or "CaptureQueriesContext" in text, module
