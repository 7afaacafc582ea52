"""Query counts of the privacy pages (issue #10): the same exact number for few or many rows.

The other privacy pages with a query-count test: the contact list (test_consent_views.py) and
the request list (test_request_views.py). Inventory: tests/test_query_counts.py.
"""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.models import (
    AccessLog,
    Breach,
    ConsentEvent,
    DataRequest,
    Disclosure,
    JobRun,
    LegalHold,
    LogBookEntry,
    Notice,
    Processor,
)
from privacy.models.requests import CorrectionNotice
from privacy.services.consent import consent_record
from tests.factories import AccountManagerFactory, CustomerFactory, PrivacyOfficerFactory
from tests.privacy.helpers import published_notice
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def breaches(by, n, start=0):
    for i in range(start, start + n):
        Breach.objects.create(title=f"Breach {i}", detected_at=timezone.now(), data_kinds="name", recorded_by=by)


def job_runs(n, name="retention"):
    for _ in range(n):
        JobRun.objects.create(name=name, started_at=timezone.now(), counts={"erased": 1})


def requests_for(customers, by):
    for c in customers:
        DataRequest.objects.create(
            kind="access", customer=c, requestor=str(c), received_at=timezone.now(), handled_by=by, details="all"
        )


def oral_grants(customers, by):
    for c in customers:
        ConsentEvent.objects.create(
            customer=c,
            batch=uuid.uuid4(),
            purpose="direct_marketing",
            subject_class="events",
            channel="sms",
            data_kinds=["name"],
            action="granted",
            method="oral_phone",
            occurred_at=timezone.now(),
            recorded_by=by,
        )


def test_console(client, privacy_officer, manager, central, django_assert_num_queries):
    def rows(n):
        people = CustomerFactory.create_batch(n, home_store=central, account_manager=manager)
        requests_for(people, privacy_officer)
        oral_grants(people, manager)
        breaches(privacy_officer, n, start=Breach.objects.count())
        job_runs(n)

    rows(2)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:console"),
        expected=11,
        grow=lambda: rows(5),
        django_assert_num_queries=django_assert_num_queries,
        shows=["Breach 6"],
    )


def test_access_log(client, privacy_officer, manager, central, django_assert_num_queries):
    def rows(n):
        for c in CustomerFactory.create_batch(n, home_store=central, account_manager=manager):
            user = type(manager).objects.create(username=f"reader-{c.pk}")
            AccessLog.objects.create(user=user, customer=c, action="view", view_name="customers:customer-detail")

    rows(2)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:access-log"),
        expected=7,
        grow=lambda: rows(5),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_notice_list(client, privacy_officer, django_assert_num_queries):
    published_notice(privacy_officer)
    client.force_login(privacy_officer)

    def grow():
        for kind in (Notice.Kind.DIRECT_MARKETING, Notice.Kind.DIRECT_MARKETING, Notice.Kind.PICS):
            published_notice(PrivacyOfficerFactory(), kind=kind)

    assert_flat_queries(
        client,
        reverse("privacy:notice-list"),
        expected=7,
        grow=grow,
        django_assert_num_queries=django_assert_num_queries,
    )


def test_notice_detail(client, privacy_officer, django_assert_num_queries):
    notice = published_notice(privacy_officer)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:notice-detail", args=[notice.pk]),
        expected=6,
        grow=lambda: published_notice(privacy_officer),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_consent_history(client, manager, central, customer, privacy_officer, django_assert_num_queries):
    published_notice(privacy_officer)

    def grow(n):
        for i in range(n):
            by = AccountManagerFactory(stores=[central])
            consent_record(
                customer_id=customer.pk,
                by=by,
                subject_classes=["events", "new_releases"],
                channels=["sms"],
                method="oral_phone" if i % 2 else "signed_form",
            )

    grow(1)
    client.force_login(manager)
    assert_flat_queries(
        client,
        reverse("privacy:consent-history", args=[customer.pk]),
        expected=13,
        grow=lambda: grow(4),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_request_detail(client, privacy_officer, customer, django_assert_num_queries):
    requests_for([customer], privacy_officer)
    request = DataRequest.objects.get()
    request.kind = "correction"
    request.save()

    def grow(n):
        for i in range(n):
            disclosure = Disclosure.objects.create(
                customer=customer, recipient=f"Insurer {i}", data_kinds="name", disclosed_at=timezone.now()
            )
            CorrectionNotice.objects.create(request=request, disclosure=disclosure, created_at=timezone.now())
            LogBookEntry.objects.create(
                request=request,
                ground="s20_1_a",
                reasons=f"reason {i}",
                entered_by=privacy_officer,
                entered_at=timezone.now(),
            )

    grow(1)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:request-detail", args=[request.pk]),
        expected=9,
        grow=lambda: grow(4),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_retention_rules(client, privacy_officer, manager, central, django_assert_num_queries):
    def grow(n):
        for c in CustomerFactory.create_batch(n, home_store=central, account_manager=manager):
            LegalHold.objects.create(customer=c, reason=f"dispute {c.pk}", created_by=privacy_officer)
        job_runs(n, name="privacy.retention")

    grow(1)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:retention"),
        expected=8,
        grow=lambda: grow(4),
        django_assert_num_queries=django_assert_num_queries,
    )


def test_breach_list(client, privacy_officer, django_assert_num_queries):
    breaches(privacy_officer, 2)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:breach-list"),
        expected=7,
        grow=lambda: breaches(privacy_officer, 5, start=2),
        django_assert_num_queries=django_assert_num_queries,
        shows=["Breach 6"],
    )


def test_processor_list(client, privacy_officer, django_assert_num_queries):
    def grow(n):
        for _i in range(n):
            Processor.objects.create(name=f"Processor {Processor.objects.count()}", service="SMS", location="HK")

    grow(2)
    client.force_login(privacy_officer)
    assert_flat_queries(
        client,
        reverse("privacy:processor-list"),
        expected=6,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
        shows=["Processor 6"],
    )
