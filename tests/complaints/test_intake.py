"""Intake: staff log complaints of customers they see; the public form links or makes a lead, never merges."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from complaints import services
from complaints.models import Complaint, ComplaintEvent, OpeningHours
from crm_site.models import Notification
from customers.models import Customer, Lead
from privacy.models import AccessLog, Notice
from tests.complaints.conftest import put_in_status
from tests.factories import ComplaintFactory, CustomerFactory, OwnedTimepieceFactory
from tests.privacy.helpers import published_notice

HK = ZoneInfo("Asia/Hong_Kong")


def log(by, customer, category, **extra):
    return services.complaint_create(
        by=by,
        customer_id=customer.pk,
        channel=extra.pop("channel", Complaint.Channel.IN_STORE),
        category=category,
        severity=extra.pop("severity", "medium"),
        subject=extra.pop("subject", "Watch back from service, still losing time"),
        description=extra.pop("description", "Losing two minutes a day."),
        **extra,
    )


def test_a_complaint_goes_to_the_customers_account_manager(customer, manager, colleague, repair_delay):
    # when a colleague logs it at the counter
    complaint = log(colleague, customer, repair_delay, timepiece=OwnedTimepieceFactory(customer=customer))
    # then it is the account manager's, with due times, a CREATED event and an EDIT access row
    assert complaint.assignee == manager
    assert complaint.store == customer.home_store
    assert complaint.status == Complaint.Status.NEW
    assert complaint.received_at < complaint.acknowledge_due_at < complaint.resolve_due_at
    assert complaint.events.get().kind == ComplaintEvent.Kind.CREATED
    assert AccessLog.objects.filter(user=colleague, customer=customer, action=AccessLog.Action.EDIT).exists()
    assert Notification.objects.filter(user=manager, url=complaint.get_absolute_url()).exists()


def test_without_an_account_manager_it_waits_in_the_store_queue(central, colleague, repair_delay):
    customer = CustomerFactory(home_store=central, account_manager=None)
    assert log(colleague, customer, repair_delay).assignee is None


def test_a_personal_data_complaint_goes_to_the_privacy_officer(customer, manager, personal_data, privacy_officer):
    assert log(manager, customer, personal_data).assignee == privacy_officer


def test_staff_cannot_log_for_a_customer_of_another_store(customer, other_manager, repair_delay):
    with pytest.raises(PermissionDenied):
        log(other_manager, customer, repair_delay)
    assert not Complaint.objects.exists()


def test_the_timepiece_must_be_the_customers(customer, manager, central, repair_delay):
    stranger = CustomerFactory(home_store=central)
    with pytest.raises(ValidationError, match="customer's own timepieces"):
        log(manager, customer, repair_delay, timepiece=OwnedTimepieceFactory(customer=stranger))


# --- the public form ---------------------------------------------------------------------------


def submit(store, category, **fields):
    data = {
        "name": "Chan Tai Man",
        "mobile_phone": "",
        "email": "",
        "subject": "Strap broke after a week",
        "description": "The leather strap tore at the buckle.",
        **fields,
    }
    return services.complaint_submit_public(store=store, category=category, **data)


def test_a_web_complaint_from_a_known_phone_joins_the_customer(customer, central, manager, repair_delay):
    # given the customer's phone written the local way
    local = customer.mobile_phone.removeprefix("+852")
    # when
    complaint = submit(central, repair_delay, mobile_phone=local)
    # then it is theirs, handled by their account manager, and their record is unchanged
    before = Customer.objects.get(pk=customer.pk)
    assert complaint.customer == customer
    assert complaint.lead is None
    assert complaint.channel == Complaint.Channel.WEB
    assert complaint.assignee == manager
    assert Customer.objects.get(pk=customer.pk).name_en == before.name_en == customer.name_en
    assert not Lead.objects.exists()


def test_an_unknown_complainant_becomes_a_lead_for_staff_to_confirm(central, repair_delay, supervisor):
    complaint = submit(central, repair_delay, email="New.Person@Example.com")
    assert complaint.customer is None
    lead = complaint.lead
    assert (lead.email, lead.source, lead.store, lead.owner) == ("new.person@example.com", "online", central, None)
    assert "lead" in complaint.events.get().note
    # the store's supervisors hear of a web complaint in the queue
    assert Notification.objects.filter(user=supervisor).count() == 1


def test_a_web_complaint_records_the_collection_statement_it_was_given_under(central, repair_delay, privacy_officer):
    # given no statement published yet, then version 1, then version 2
    before = submit(central, repair_delay, email="first@example.com")
    first = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    during = submit(central, repair_delay, email="second@example.com")
    second = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    # when
    after = submit(central, repair_delay, email="third@example.com")
    # then each complaint names the version in force when it was sent
    assert before.collection_notice is None
    assert (during.collection_notice, after.collection_notice) == (first, second)
    assert (first.version, second.version) == (1, 2)


def test_two_customers_with_the_same_email_are_not_guessed_between(central, repair_delay):
    CustomerFactory(home_store=central, email="shared@example.com")
    CustomerFactory(home_store=central, email="shared@example.com")
    complaint = submit(central, repair_delay, email="shared@example.com")
    assert complaint.customer is None
    assert complaint.lead is not None
    assert "Several customers" in complaint.events.get().note


def test_a_web_complaint_needs_a_way_to_reply(central, repair_delay):
    with pytest.raises(ValidationError) as refused:
        submit(central, repair_delay)
    assert "email" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        submit(central, repair_delay, mobile_phone="12")
    assert "mobile_phone" in refused.value.error_dict
    assert not Complaint.objects.exists()


def test_a_recent_resolved_complaint_in_the_same_category_is_reopened_not_duplicated(
    customer, central, manager, repair_delay
):
    # given the customer's repair-delay complaint was resolved last week
    earlier = put_in_status(ComplaintFactory(customer=customer, assignee=manager), Complaint.Status.RESOLVED)
    # when they complain again on the web about the same thing
    complaint = submit(central, repair_delay, email=customer.email, subject="Still not fixed")
    # then the same case is reopened
    assert complaint.pk == earlier.pk
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert complaint.reopened_count == 1
    assert Complaint.objects.count() == 1
    assert "Still not fixed" in complaint.events.get(kind=ComplaintEvent.Kind.REOPENED).note


def test_due_times_follow_the_stores_own_opening_hours(customer, manager, repair_delay, clock):
    # given the store opens only on Sundays 12:00–18:00, and a complaint comes in on Monday 9 March 2026
    OpeningHours.objects.create(store=customer.home_store, weekday=6, opens_at=time(12), closes_at=time(18))
    clock.move_to(datetime(2026, 3, 9, 11, tzinfo=HK))
    complaint = log(manager, customer, repair_delay, severity="high")  # 4 h to acknowledge, 16 h to resolve
    # then the clock runs only on Sundays
    assert complaint.acknowledge_due_at == datetime(2026, 3, 15, 16, tzinfo=HK)
    assert complaint.resolve_due_at == datetime(2026, 3, 29, 16, tzinfo=HK)  # 6 + 6 + 4 h over three Sundays
