"""Data access and correction requests: the 40-day clock, reminders, refusals and the log book,
corrections told to recipients of the last 12 months, and the registry-built access export."""

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from privacy.export import OTHER_PERSON, access_export_data, access_export_zip
from privacy.models import CorrectionNotice, DataRequest, DataRequestReminder, Erasure, JobRun, LogBookEntry
from privacy.models.requests import due_date
from privacy.registry import registry
from privacy.services import requests as services
from tests.factories import CustomerFactory, LeadFactory, RelationshipFactory
from tests.privacy.helpers import hk, privacy_rows

pytestmark = pytest.mark.django_db


def register(by, customer=None, kind=DataRequest.Kind.ACCESS, received_at=None):
    return services.request_register(
        by=by,
        kind=kind,
        requestor="Chan Tai Man",
        customer_id=customer.pk if customer else None,
        received_at=received_at or hk(2026, 3, 1, 10),
    )


def test_the_deadline_is_40_days_to_the_end_of_the_hong_kong_day(privacy_officer):
    request = register(privacy_officer, received_at=hk(2026, 3, 1, 10))
    assert request.due_at == hk(2026, 4, 10, 23, 59, 59)


def test_a_request_received_just_after_midnight_hong_kong_counts_from_that_day():
    # 00:30 on 2 March in Hong Kong is still 1 March in UTC: the Hong Kong date counts
    assert due_date(hk(2026, 3, 2, 0, 30)) == hk(2026, 4, 11, 23, 59, 59)
    assert due_date(hk(2026, 3, 1, 23, 59)) == hk(2026, 4, 10, 23, 59, 59)


def test_reminders_are_sent_once_per_threshold(privacy_officer, mailoutbox):
    privacy_officer.email = "dpo@example.com"
    privacy_officer.save()
    request = register(privacy_officer, received_at=hk(2026, 3, 1, 10))
    # day 19: 21 days left, nothing yet
    services.request_reminders_send(now=hk(2026, 3, 20, 8))
    assert not DataRequestReminder.objects.exists()
    # day 20: 20 days left
    services.request_reminders_send(now=hk(2026, 3, 21, 8))
    services.request_reminders_send(now=hk(2026, 3, 21, 9))  # a rerun sends nothing new
    assert list(DataRequestReminder.objects.values_list("days_left", flat=True)) == [20]
    # day 36: 4 days left: the 5-day reminder only
    services.request_reminders_send(now=hk(2026, 4, 6, 8))
    assert sorted(DataRequestReminder.objects.values_list("days_left", flat=True)) == [5, 20]
    assert len(mailoutbox) == 2
    assert JobRun.objects.filter(name="privacy.request_reminders").count() == 4
    # a completed request is no longer reminded
    services.request_verify_identity(by=privacy_officer, request_id=request.pk, method="HKID sighted")
    services.request_complete(by=privacy_officer, request_id=request.pk)  # no customer record: nothing to export
    services.request_reminders_send(now=hk(2026, 4, 9, 8))
    assert DataRequestReminder.objects.count() == 2


def test_the_unable_to_comply_notice_must_precede_the_deadline(privacy_officer):
    request = register(privacy_officer, received_at=hk(2026, 3, 1, 10))
    with pytest.raises(ValidationError):
        services.request_unable_notice(
            by=privacy_officer, request_id=request.pk, reason="archives", at=hk(2026, 4, 11, 0, 0)
        )
    services.request_unable_notice(by=privacy_officer, request_id=request.pk, reason="archives", at=hk(2026, 4, 10, 23))
    request.refresh_from_db()
    assert request.unable_notice_sent_at == hk(2026, 4, 10, 23)


def test_fees_are_for_access_only(privacy_officer, customer):
    access = register(privacy_officer, customer)
    services.request_fee_quote(by=privacy_officer, request_id=access.pk, fee=Decimal("50"))
    correction = register(privacy_officer, customer, kind=DataRequest.Kind.CORRECTION)
    with pytest.raises(ValidationError):
        services.request_fee_quote(by=privacy_officer, request_id=correction.pk, fee=Decimal("50"))
    correction.refresh_from_db()
    assert correction.fee_quoted is None


def test_completion_needs_a_verified_identity(privacy_officer, customer):
    request = register(privacy_officer, customer)
    with pytest.raises(ValidationError):
        services.request_complete(by=privacy_officer, request_id=request.pk)
    services.request_verify_identity(by=privacy_officer, request_id=request.pk, method="HKID card sighted")
    with pytest.raises(ValidationError):  # no written response yet: the export
        services.request_complete(by=privacy_officer, request_id=request.pk)
    services.request_export(by=privacy_officer, request_id=request.pk)
    services.request_complete(by=privacy_officer, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == DataRequest.Status.COMPLETED


def test_a_refusal_needs_a_statutory_ground_and_writes_the_log_book(privacy_officer, customer):
    request = register(privacy_officer, customer)
    with pytest.raises(ValidationError):
        services.request_refuse(by=privacy_officer, request_id=request.pk, ground="", reasons="no")
    with pytest.raises(ValidationError):  # s.24 is for corrections
        services.request_refuse(by=privacy_officer, request_id=request.pk, ground="s24", reasons="no")
    assert not LogBookEntry.objects.exists()
    services.request_refuse(by=privacy_officer, request_id=request.pk, ground="s20_1_a", reasons="ID not proved")
    entry = LogBookEntry.objects.get()
    assert (entry.request, entry.ground) == (request, "s20_1_a")
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        LogBookEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_the_database_keeps_log_book_entries_for_four_years(privacy_officer, customer):
    # given an entry five days short of 4 years old, and one a few days past 4 years
    now = timezone.now()
    request = register(privacy_officer, customer)
    services.request_refuse(
        by=privacy_officer, request_id=request.pk, ground="s20_1_a", reasons="ID", at=now - timedelta(days=1456)
    )
    young = LogBookEntry.objects.get()
    old_request = register(privacy_officer, customer)
    services.request_refuse(
        by=privacy_officer, request_id=old_request.pk, ground="s20_1_a", reasons="ID", at=now - timedelta(days=1465)
    )
    old = LogBookEntry.objects.exclude(pk=young.pk).get()
    # then the database refuses to change either, and to delete the young one
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        LogBookEntry._base_manager.filter(pk=young.pk).update(reasons="x")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        LogBookEntry._base_manager.filter(pk=young.pk).delete()
    # and the one older than 4 years may go
    LogBookEntry._base_manager.filter(pk=old.pk).delete()
    assert list(LogBookEntry.objects.all()) == [young]


def test_a_correction_tells_the_recipients_of_the_last_12_months(privacy_officer, customer):
    at = hk(2026, 6, 1, 10)
    recent = services.disclosure_record(
        by=privacy_officer,
        customer_id=customer.pk,
        recipient="Insurer A",
        data_kinds="name, mobile",
        at=at - timedelta(days=364),
    )
    services.disclosure_record(
        by=privacy_officer,
        customer_id=customer.pk,
        recipient="Old partner",
        data_kinds="name",
        at=at - timedelta(days=366),
    )
    request = register(privacy_officer, customer, kind=DataRequest.Kind.CORRECTION, received_at=at - timedelta(days=2))
    services.request_verify_identity(by=privacy_officer, request_id=request.pk, method="in store")
    services.request_complete(by=privacy_officer, request_id=request.pk, at=at)
    assert [n.disclosure for n in CorrectionNotice.objects.all()] == [recent]


def test_only_the_privacy_officer_handles_requests(manager, customer):
    with pytest.raises(PermissionDenied):
        register(manager, customer)
    assert not DataRequest.objects.exists()


# --- the export -------------------------------------------------------------------------------------


def test_every_registered_model_appears_in_the_access_export(privacy_officer, central, supervisor):
    # given a customer with a row in every registered model

    customer = CustomerFactory(home_store=central)
    build_full_record(customer, central, supervisor)
    Erasure.objects.create(customer=customer, source="request", erased_at=hk(2026, 1, 1, 10))
    # when
    data = access_export_data(customer_id=customer.pk)
    # then every registration is a section, and none is empty
    labels = {registration.label for registration in registry}
    assert set(data) == labels
    empty = [label for label, section in data.items() if not section["rows"]]
    assert empty == []


def test_the_export_leaves_out_other_peoples_data(privacy_officer, central, manager):
    customer = CustomerFactory(home_store=central)
    friend = CustomerFactory(home_store=central, name_en="Friend Person")
    RelationshipFactory(from_customer=customer, to_customer=friend)
    LeadFactory(name_en="Referred Stranger", referred_by=customer, store=central)
    data = access_export_data(customer_id=customer.pk)
    text = json.dumps(data)
    assert "Referred Stranger" not in text
    assert "Friend Person" not in text
    relationship = data["customers.Relationship"]["rows"][0]
    assert relationship["to_customer_id"] == OTHER_PERSON
    assert relationship["from_customer_id"] == customer.pk


def test_the_zip_has_readable_html_and_json(customer):
    content = access_export_zip(customer_id=customer.pk, request_id=7)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert set(archive.namelist()) == {"personal-data.html", "personal-data.json", "README.txt"}
    payload = json.loads(archive.read("personal-data.json"))
    assert payload["data"]["customers.Customer"]["rows"][0]["name_en"] == customer.name_en
    assert customer.name_en in archive.read("personal-data.html").decode()


def build_full_record(customer, store, staff):
    """A row in every registered model for ``customer``."""
    from django.utils import timezone

    from customers.models import CustomerMerge, DuplicateCandidate, DuplicateDismissal, DuplicateScan, Lead
    from privacy.services import access_record
    from segmentation.models import CustomerMetrics
    from tests.customers.factories_duplicates import (
        converted_lead,
        interaction,
        person,
        purchase_with_lines,
        relationship,
        task,
        timepiece_with_job,
    )
    from tests.records import other_apps_rows

    other = person(store=store)
    purchase_with_lines(customer=customer, store=store, lines=1)
    timepiece_with_job(customer=customer, store=store)
    interaction(customer=customer, staff=staff)
    task(customer=customer, assignee=staff)
    relationship(customer, other)
    converted_lead(customer=customer, store=store)
    Lead.objects.create(name_en="Referred friend", store=store, referred_by=customer)
    access_record(user=staff, customer=customer, action="view", view_name="test")
    CustomerMetrics.objects.create(
        customer=customer, home_store=store, as_of=timezone.localdate(), refreshed_at=timezone.now()
    )
    DuplicateDismissal.objects.create(customer_a=customer, customer_b=other, dismissed_by=staff)
    DuplicateCandidate.objects.create(
        scan=DuplicateScan.objects.create(scope="all"), customer_a=customer, customer_b=other, score=45, signals="phone"
    )
    CustomerMerge.objects.create(
        survivor=customer, merged=person(store=store), merged_by=staff, merged_snapshot={"a": 1}
    )
    privacy_rows(customer=customer, by=staff)
    other_apps_rows(customer=customer, staff=staff)


def test_a_disagreement_note_travels_with_the_opinion(privacy_officer, customer):
    from privacy.selectors import opinion_notes

    request = register(privacy_officer, customer, kind=DataRequest.Kind.CORRECTION)
    services.opinion_note_add(
        by=privacy_officer,
        customer_id=customer.pk,
        opinion="segment: lapsed",
        note="I bought a watch last month",
        request_id=request.pk,
    )
    assert [(o, n) for o, n, _at in opinion_notes(customer_id=customer.pk)] == [
        ("segment: lapsed", "I bought a watch last month")
    ]
    exported = access_export_data(customer_id=customer.pk)["privacy.OpinionNote"]["rows"]
    assert exported[0]["note"] == "I bought a watch last month"
