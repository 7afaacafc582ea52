"""Complaint pages: each one allowed and forbidden (and the forbidden one changes nothing), queues and
the complaint page at a fixed number of queries, the public form and survey, the bell."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey
from crm_site.models import Notification
from privacy.models import AccessLog
from tests.complaints.conftest import put_in_status
from tests.factories import ComplaintFactory, CustomerFactory, UserFactory

# Measured: the same for few or many rows (issue #10); a change either way should be looked at.
LIST_QUERIES = 11
DETAIL_QUERIES = 11


def url(name, *args):
    return reverse(f"complaints:{name}", args=args)


def queries(client, path) -> int:
    client.get(path)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- queues ------------------------------------------------------------------------------------


def test_my_queue_lists_my_open_complaints(client, manager, customer, complaint, colleague):
    mine_closed = put_in_status(ComplaintFactory(customer=customer, assignee=manager), Complaint.Status.CLOSED)
    colleagues = ComplaintFactory(customer=customer, assignee=colleague)
    client.force_login(manager)
    response = client.get(url("complaint-list"), {"queue": "mine"})
    assert response.status_code == 200
    listed = set(response.context["complaints"])
    assert complaint in listed
    assert mine_closed not in listed
    assert colleagues not in listed


def test_the_store_queue_and_overdue_and_escalated_queues(client, supervisor, central, customer, manager):
    queued = ComplaintFactory(customer=CustomerFactory(home_store=central), assignee=None)
    past = timezone.now() - timedelta(days=2)
    late = ComplaintFactory(customer=customer, assignee=manager, acknowledge_due_at=past, received_at=past)
    escalated = ComplaintFactory(customer=customer, assignee=manager, escalation_level=1)
    client.force_login(supervisor)
    assert set(client.get(url("complaint-list"), {"queue": "store"}).context["complaints"]) == {queued}
    assert set(client.get(url("complaint-list"), {"queue": "overdue"}).context["complaints"]) == {late}
    assert set(client.get(url("complaint-list"), {"queue": "escalated"}).context["complaints"]) == {escalated}
    filtered = client.get(url("complaint-list"), {"queue": "all", "q": late.reference})
    assert list(filtered.context["complaints"]) == [late]


def test_another_stores_complaints_are_never_listed(client, other_manager, complaint):
    client.force_login(other_manager)
    response = client.get(url("complaint-list"), {"queue": "all"})
    assert response.status_code == 200
    assert complaint not in response.context["complaints"]


def test_the_list_is_forbidden_without_a_role(client, complaint):
    client.force_login(UserFactory())
    assert client.get(url("complaint-list")).status_code == 404


@pytest.mark.parametrize("queue", ["mine", "store", "escalated", "overdue", "all"])
def test_queues_cost_the_same_for_few_or_many_complaints(client, supervisor, central, manager, queue):
    # given one complaint in every queue, then twelve more
    client.force_login(supervisor)

    def some(count):
        for n in range(count):
            ComplaintFactory(
                customer=CustomerFactory(home_store=central, account_manager=manager),
                assignee=supervisor if n % 2 else None,
                escalation_level=1,
                acknowledge_due_at=timezone.now() - timedelta(hours=1),
            )

    some(2)
    few = queries(client, url("complaint-list") + f"?queue={queue}")
    some(12)
    # then the page costs the same
    assert queries(client, url("complaint-list") + f"?queue={queue}") == few
    assert few == LIST_QUERIES


# --- the complaint page ---------------------------------------------------------------------


def test_the_complaint_page_shows_the_case_and_logs_the_read(client, manager, complaint):
    services.complaint_acknowledge(by=manager, complaint_id=complaint.pk, expected_version=1, note="Called her")
    client.force_login(manager)
    response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200
    assert "Called her" in response.text
    assert response.context["actions"]["investigate"]
    assert not response.context["actions"]["reassign"]
    assert AccessLog.objects.filter(
        user=manager, customer=complaint.customer, view_name="complaints:complaint-detail"
    ).exists()


def test_the_complaint_page_is_a_404_for_another_store(client, other_manager, complaint):
    client.force_login(other_manager)
    assert client.get(complaint.get_absolute_url()).status_code == 404
    assert not AccessLog.objects.filter(user=other_manager).exists()


def test_the_complaint_page_costs_the_same_with_a_long_history(client, supervisor, complaint, manager):
    client.force_login(supervisor)
    few = queries(client, complaint.get_absolute_url())
    for n in range(15):
        ComplaintEvent.objects.create(complaint=complaint, kind="note", actor=manager, at=timezone.now(), note=f"#{n}")
    assert queries(client, complaint.get_absolute_url()) == few
    assert few == DETAIL_QUERIES


# --- intake ----------------------------------------------------------------------------------------


def test_logging_a_complaint_from_the_customer_page(client, manager, customer, repair_delay):
    client.force_login(manager)
    assert client.get(url("complaint-create", customer.pk)).status_code == 200
    response = client.post(
        url("complaint-create", customer.pk),
        {
            "channel": "phone",
            "category": repair_delay.pk,
            "severity": "high",
            "store": customer.home_store_id,
            "subject": "Service two weeks late",
            "description": "Promised for the 1st.",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == complaint.get_absolute_url()
    assert (complaint.severity, complaint.assignee) == ("high", manager)


def test_logging_for_another_stores_customer_is_a_404(client, other_manager, customer, repair_delay):
    client.force_login(other_manager)
    response = client.post(url("complaint-create", customer.pk), {"category": repair_delay.pk})
    assert response.status_code == 404
    assert not Complaint.objects.exists()


def test_finding_the_customer_first(client, manager, customer, other_manager):
    client.force_login(manager)
    response = client.get(url("complaint-customer-search"), {"q": "Chan Tai"})
    assert list(response.context["customers"]) == [customer]
    client.force_login(other_manager)
    assert client.get(url("complaint-customer-search"), {"q": "Chan Tai"}).context["customers"] == []


# --- actions -------------------------------------------------------------------------------------


def test_acknowledge_button(client, manager, complaint):
    client.force_login(manager)
    response = client.post(url("complaint-acknowledge", complaint.pk), {"version": 1, "note": "Rang her"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACKNOWLEDGED


def test_a_colleague_is_refused_on_the_page_and_nothing_changes(client, colleague, complaint, manager):
    client.force_login(colleague)
    response = client.post(url("complaint-acknowledge", complaint.pk), {"version": 1})
    assert response.status_code == 200
    assert str(manager) in response.text
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version) == (Complaint.Status.NEW, 1)


def test_another_store_gets_a_404_and_nothing_changes(client, other_manager, complaint):
    client.force_login(other_manager)
    assert client.post(url("complaint-acknowledge", complaint.pk), {"version": 1}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.version == 1


def test_a_stale_page_shows_the_conflict_and_keeps_the_note(client, manager, supervisor, complaint):
    services.complaint_acknowledge(by=manager, complaint_id=complaint.pk, expected_version=1)
    client.force_login(supervisor)
    response = client.post(url("complaint-escalate", complaint.pk), {"version": 1, "note": "My careful note"})
    assert response.status_code == 200
    assert "Nothing of yours was saved" in response.text
    assert "My careful note" in response.text
    assert response.context["form"].data["version"] == 2  # a second submit, after looking, goes through
    complaint.refresh_from_db()
    assert complaint.escalation_level == 0


def test_resolve_page_and_goodwill_approval(client, manager, supervisor, complaint, root_cause, settings):
    settings.COMPLAINTS_GOODWILL_APPROVAL_ABOVE = 1000
    put_in_status(complaint, Complaint.Status.INVESTIGATING)
    complaint.refresh_from_db()
    client.force_login(manager)
    assert client.get(url("complaint-resolve", complaint.pk)).status_code == 200
    response = client.post(
        url("complaint-resolve", complaint.pk),
        {
            "version": complaint.version,
            "root_cause": root_cause.pk,
            "resolution_summary": "Serviced again",
            "goodwill_amount": "3000",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.goodwill_status == Complaint.Goodwill.PENDING
    # the handler cannot approve
    assert (
        client.post(
            url("complaint-goodwill", complaint.pk), {"version": complaint.version, "decision": "approve"}
        ).status_code
        == 200
    )
    complaint.refresh_from_db()
    assert complaint.goodwill_status == Complaint.Goodwill.PENDING
    # the supervisor does
    client.force_login(supervisor)
    response = client.post(
        url("complaint-goodwill", complaint.pk), {"version": complaint.version, "decision": "approve"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED


def test_reassign_page_for_supervisors_only(client, supervisor, manager, colleague, complaint):
    client.force_login(manager)
    response = client.post(url("complaint-reassign", complaint.pk), {"version": 1, "assignee": colleague.pk})
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.assignee == manager
    client.force_login(supervisor)
    assert client.get(url("complaint-reassign", complaint.pk)).status_code == 200
    response = client.post(url("complaint-reassign", complaint.pk), {"version": 1, "assignee": colleague.pk})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.assignee == colleague


def test_classify_page(client, manager, complaint, personal_data, privacy_officer):
    client.force_login(manager)
    assert client.get(url("complaint-classify", complaint.pk)).status_code == 200
    response = client.post(
        url("complaint-classify", complaint.pk), {"version": 1, "category": personal_data.pk, "severity": "critical"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.severity, complaint.category, complaint.assignee) == ("critical", personal_data, privacy_officer)


def test_escalate_and_reopen_need_a_note(client, manager, complaint):
    client.force_login(manager)
    response = client.post(url("complaint-escalate", complaint.pk), {"version": 1, "note": ""})
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.escalation_level == 0
    response = client.post(url("complaint-escalate", complaint.pk), {"version": 1, "note": "VIP"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1


def test_link_a_web_complaint_to_the_matching_customer(client, manager, customer, central, repair_delay):
    complaint = services.complaint_submit_public(
        name="Mr Chan",
        mobile_phone="",
        email="chan.other@example.com",
        store=central,
        category=repair_delay,
        subject="Strap",
        description="Broke.",
    )
    customer.email = "chan.other@example.com"
    customer.save()
    client.force_login(manager)
    response = client.get(complaint.get_absolute_url())
    assert list(response.context["possible_customers"]) == [customer]
    response = client.post(url("complaint-link-customer", complaint.pk), {"version": 1, "customer": customer.pk})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.customer == customer


# --- SLA compliance ------------------------------------------------------------------------------


def test_sla_compliance_for_supervisors(client, supervisor, customer, manager, root_cause):
    received = timezone.now() - timedelta(days=5)
    on_time = ComplaintFactory(customer=customer, assignee=manager, received_at=received)
    late = ComplaintFactory(customer=customer, assignee=manager, received_at=received)
    Complaint.objects.filter(pk=on_time.pk).update(
        status="resolved",
        acknowledged_at=received + timedelta(hours=1),
        resolved_at=received + timedelta(hours=10),
    )
    Complaint.objects.filter(pk=late.pk).update(
        status="resolved",
        acknowledged_at=received + timedelta(days=2),
        resolved_at=received + timedelta(days=8),
        resolve_due_at=received + timedelta(days=3),
    )
    SatisfactionSurvey.objects.create(
        complaint=on_time, nonce="a" * 32, expires_at=timezone.now(), answered_at=timezone.now(), score=5
    )
    SatisfactionSurvey.objects.create(
        complaint=late, nonce="b" * 32, expires_at=timezone.now(), answered_at=timezone.now(), score=2
    )
    client.force_login(supervisor)
    response = client.get(url("sla-compliance"), {"days": 30})
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row.received, row.acknowledged, row.acknowledged_on_time) == (2, 2, 1)
    assert (row.resolved, row.resolved_on_time) == (2, 1)
    assert row.median_resolution == timedelta(days=4, hours=5)  # median of 10 h and 8 days
    assert str(row.csat) == "3.5"


def test_sla_compliance_is_not_for_account_managers(client, manager):
    client.force_login(manager)
    assert client.get(url("sla-compliance")).status_code == 404


# --- public form ----------------------------------------------------------------------------------


def public_data(store, category, **extra):
    return {
        "name": "Lee Siu Ming",
        "mobile_phone": "9123 0000",
        "email": "",
        "store": store.pk,
        "category": category.pk,
        "subject": "Crystal scratched at delivery",
        "description": "Box arrived open.",
        "agree": "on",
        "website": "",
        **extra,
    }


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_public_form_shows_the_collection_statement_and_takes_a_complaint(
    client, central, repair_delay, fresh_cache
):
    response = client.get(url("public-create"))
    assert response.status_code == 200
    assert "Personal Information Collection Statement" in response.text
    response = client.post(url("public-create"), public_data(central, repair_delay))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == Complaint.Channel.WEB
    thanks = client.get(response["Location"])
    assert complaint.reference in thanks.text


def test_the_public_form_needs_the_statement_ticked(client, central, repair_delay, fresh_cache):
    response = client.post(url("public-create"), public_data(central, repair_delay, agree=""))
    assert response.status_code == 200
    assert not Complaint.objects.exists()


def test_the_public_form_is_csrf_protected(central, repair_delay, fresh_cache):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url("public-create"), public_data(central, repair_delay))
    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_the_honeypot_keeps_nothing(client, central, repair_delay, fresh_cache):
    response = client.post(url("public-create"), public_data(central, repair_delay, website="http://spam.example"))
    assert response.status_code == 302
    assert not Complaint.objects.exists()


@override_settings(COMPLAINTS_PUBLIC_RATE_LIMIT=2)
def test_the_public_form_is_rate_limited_per_address(client, central, repair_delay, fresh_cache):
    for n in range(2):
        assert client.post(url("public-create"), public_data(central, repair_delay, subject=f"#{n}")).status_code == 302
    response = client.post(url("public-create"), public_data(central, repair_delay))
    assert response.status_code == 429
    assert Complaint.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url("public-create"), public_data(central, repair_delay)).status_code == 302


@override_settings(COMPLAINTS_PUBLIC_RATE_LIMIT=1, COMPLAINTS_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
def test_behind_a_proxy_the_limit_is_per_visitor_not_per_proxy(central, repair_delay, fresh_cache):
    # the proxy (one REMOTE_ADDR) appends each visitor's address; what a client puts first is ignored
    first = Client(HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    second = Client(HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.8")
    assert first.post(url("public-create"), public_data(central, repair_delay)).status_code == 302
    assert second.post(url("public-create"), public_data(central, repair_delay)).status_code == 302
    assert first.post(url("public-create"), public_data(central, repair_delay)).status_code == 429


# --- survey page ----------------------------------------------------------------------------------


@pytest.fixture
def survey(complaint):
    put_in_status(complaint, Complaint.Status.RESOLVED)
    return services.survey_send(complaint=complaint)


def test_the_survey_page_takes_one_answer(client, survey):
    link = services.survey_url(survey)
    assert client.get(link).status_code == 200
    response = client.post(link, {"score": "5", "comment": "Very good"})
    assert response.status_code == 200
    assert "Thank you" in response.text
    second = client.post(link, {"score": "1"})
    assert second.status_code == 409
    assert "already been answered" in second.text
    survey.refresh_from_db()
    assert survey.score == 5


def test_a_forged_or_expired_survey_link(client, survey):
    assert client.get(url("survey", "forged:token")).status_code == 404
    SatisfactionSurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now())
    assert client.get(services.survey_url(survey)).status_code == 410


# --- the customer page and the bell ---------------------------------------------------------------


def test_the_customer_page_lists_the_customers_complaints(client, manager, customer, complaint):
    client.force_login(manager)
    response = client.get(customer.get_absolute_url())
    assert response.context["complaints_panel"]["complaints"] == [complaint]
    assert complaint.reference in response.text
    assert any(entry.kind == "complaint" for entry in response.context["timeline"])


def test_the_bell_counts_my_unread_notifications(client, manager, colleague):
    Notification.objects.create(user=manager, title="One", url="/complaints/")
    mine = Notification.objects.create(user=manager, title="Two", url="/complaints/")
    theirs = Notification.objects.create(user=colleague, title="Theirs", url="/")
    client.force_login(manager)
    client.get(reverse("notification-badge"))
    with CaptureQueriesContext(connection) as ctx:
        badge = client.get(reverse("notification-badge"))
    assert ">2<" in badge.text
    # one COUNT on the notifications (the rest: session, user, roles); pages themselves pay nothing for it
    bell = [q["sql"] for q in ctx.captured_queries if "crm_site_notification" in q["sql"]]
    assert len(bell) == 1
    assert "COUNT" in bell[0]
    assert client.get(reverse("notification-list")).status_code == 200
    response = client.post(reverse("notification-open", args=[mine.pk]))
    assert response["Location"] == "/complaints/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    # another user's notification is a 404 and stays unread
    assert client.post(reverse("notification-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(reverse("notification-read-all"))
    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()
