"""The one contact gate: who may be contacted for a purpose × class × channel, at send time."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction

from customers.models import Customer
from privacy.hashing import KeyedHash, keyed_hash
from privacy.models import Channel, ConsentEvent, Method, Notice, Purpose, SubjectClass, Suppression
from privacy.selectors import State, consent_cells, contactable, optout_customer_id, optout_token
from privacy.services.consent import (
    consent_record,
    consent_withdraw,
    optout_contact_point,
    optout_record,
    oral_confirmation_send,
)
from tests.factories import CustomerFactory
from tests.privacy.helpers import hk, published_notice

pytestmark = pytest.mark.django_db

NEW, SERVICING = SubjectClass.NEW_RELEASES, SubjectClass.SERVICING
SMS, EMAIL = Channel.SMS, Channel.EMAIL
DM = Purpose.DIRECT_MARKETING


@pytest.fixture
def dm_notice(privacy_officer):
    return published_notice(privacy_officer)


def who(subject_class=NEW, channel=SMS, at=None, purpose=DM):
    return set(contactable(purpose=purpose, subject_class=subject_class, channel=channel, at=at))


def grant(customer, by, *, classes=(NEW,), channels=(SMS,), method=Method.SIGNED_FORM, at=None, **kw):
    return consent_record(
        customer_id=customer.pk,
        by=by,
        subject_classes=list(classes),
        channels=list(channels),
        method=method,
        occurred_at=at,
        **kw,
    )


def state(customer, subject_class=NEW, channel=SMS, at=None):
    cells = {(c.subject_class, c.channel): c.state for c in consent_cells(customer=customer, at=at)}
    return cells.get((subject_class, channel), cells.get(("", ""), State.NONE))


def test_the_golden_recipient_set(dm_notice, manager, central):
    # given one customer per behaviour of the checklist
    granted, nobody, withdrawn = (CustomerFactory(home_store=central) for _i in range(3))
    wrong_class, wrong_channel = CustomerFactory(home_store=central), CustomerFactory(home_store=central)
    grant(granted, manager)
    grant(withdrawn, manager, at=hk(2026, 1, 5, 10))
    consent_withdraw(customer_id=withdrawn.pk, by=manager, occurred_at=hk(2026, 2, 1, 10))
    grant(wrong_class, manager, classes=[SERVICING])
    grant(wrong_channel, manager, channels=[EMAIL])
    # when / then: exactly the one who consented to this class and channel
    assert who() == {granted}
    assert who(subject_class=SERVICING) == {wrong_class}
    assert who(channel=EMAIL) == {wrong_channel}
    assert state(nobody) == State.NONE
    assert state(withdrawn) == State.WITHDRAWN
    assert state(granted) == State.GRANTED


def test_withdrawing_one_class_keeps_the_others(dm_notice, manager, customer):
    grant(customer, manager, classes=[NEW, SERVICING], at=hk(2026, 1, 5, 10))
    consent_withdraw(customer_id=customer.pk, by=manager, subject_classes=[NEW], occurred_at=hk(2026, 1, 6, 10))
    assert who(NEW) == set()
    assert who(SERVICING) == {customer}


def test_a_new_consent_after_a_withdrawal_counts(dm_notice, manager, customer):
    grant(customer, manager, at=hk(2026, 1, 5, 10))
    consent_withdraw(customer_id=customer.pk, by=manager, occurred_at=hk(2026, 1, 6, 10))
    grant(customer, manager, at=hk(2026, 1, 7, 10))
    assert who() == {customer}
    # and the past is reproducible
    assert who(at=hk(2026, 1, 6, 12)) == set()
    assert who(at=hk(2026, 1, 5, 12)) == {customer}


def test_oral_consent_is_not_usable_until_confirmed_in_writing(dm_notice, manager, customer):
    day0 = hk(2026, 3, 1, 15)
    events = grant(customer, manager, method=Method.ORAL_IN_STORE, at=day0)
    assert who(at=day0 + timedelta(days=1)) == set()
    assert state(customer, at=day0 + timedelta(days=1)) == State.PENDING
    # when the confirmation is sent on day 3
    confirmation = oral_confirmation_send(
        customer_id=customer.pk, batch=events[0].batch, by=manager, at=day0 + timedelta(days=3)
    )
    # then usable from day 3, not before
    assert who(at=day0 + timedelta(days=2)) == set()
    assert who(at=day0 + timedelta(days=3, minutes=1)) == {customer}
    assert "1 March 2026" in confirmation.body
    assert "New watch releases" in confirmation.body
    assert "Mobile phone number" in confirmation.body


def test_oral_consent_lapses_without_confirmation_within_14_days(dm_notice, manager, customer):
    day0 = hk(2026, 3, 1, 15)
    events = grant(customer, manager, method=Method.ORAL_PHONE, at=day0)
    assert who(at=day0 + timedelta(days=20)) == set()
    assert state(customer, at=day0 + timedelta(days=14)) == State.PENDING
    assert state(customer, at=day0 + timedelta(days=14, seconds=1)) == State.LAPSED
    # a confirmation on day 16 is refused: the consent stays lapsed
    with pytest.raises(ValidationError):
        oral_confirmation_send(customer_id=customer.pk, batch=events[0].batch, by=manager, at=day0 + timedelta(days=16))
    assert who(at=day0 + timedelta(days=17)) == set()


def test_a_confirmation_on_day_14_at_the_hong_kong_midnight_edge(dm_notice, manager, customer):
    # 23:59 Hong Kong on 1 March is 15:59 UTC: 14 days later to the second is still in time
    day0 = hk(2026, 3, 1, 23, 59)
    events = grant(customer, manager, method=Method.ORAL_PHONE, at=day0)
    oral_confirmation_send(customer_id=customer.pk, batch=events[0].batch, by=manager, at=day0 + timedelta(days=14))
    assert who(at=day0 + timedelta(days=15)) == {customer}


def test_the_duplicate_record_that_opted_out_wins(dm_notice, manager, central):
    # given two records of one person (same mobile), consent on one, withdrawal on the other
    first = CustomerFactory(home_store=central, mobile_phone="+85291110000", email="a@example.com")
    second = CustomerFactory(home_store=central, mobile_phone="+85291110000", email="b@example.com")
    grant(first, manager, at=hk(2026, 1, 5, 10))
    consent_withdraw(customer_id=second.pk, by=manager, channels=[SMS], occurred_at=hk(2026, 1, 6, 10))
    # then neither is contactable by SMS, and the first record's card says why
    assert who() == set()
    assert state(first) == State.WITHDRAWN_ELSEWHERE


def test_same_email_in_other_case_is_the_same_person(dm_notice, manager, central):
    first = CustomerFactory(home_store=central, email="Chan@Example.com")
    second = CustomerFactory(home_store=central, email="chan@example.com")
    grant(first, manager, channels=[EMAIL], at=hk(2026, 1, 5, 10))
    consent_withdraw(customer_id=second.pk, by=manager, occurred_at=hk(2026, 1, 6, 10))
    assert who(channel=EMAIL) == set()


def test_opt_out_between_building_the_list_and_sending(dm_notice, manager, customer):
    # given a list built at 09:00
    grant(customer, manager, at=hk(2026, 4, 1, 8))
    audience = contactable(purpose=DM, subject_class=NEW, channel=SMS)
    assert list(audience) == [customer]
    # when the customer opts out at 09:05 from the link in a message
    optout_record(customer_id=customer.pk, method=Method.OPT_OUT_LINK)
    # then the send, which evaluates the gate again, reaches nobody
    assert list(audience.all()) == []
    assert state(customer) == State.SUPPRESSED


def test_opt_out_wins_over_every_consent_and_every_channel(dm_notice, manager, customer):
    grant(customer, manager, classes=list(SubjectClass.values), channels=list(Channel.values))
    optout_record(customer_id=customer.pk, method=Method.STAFF, by=manager)
    for subject_class in SubjectClass.values:
        for channel in Channel.values:
            assert who(subject_class, channel) == set()


def test_suppression_survives_erasure_and_blocks_a_reimport(dm_notice, manager, central):
    # given a customer who opted out and was then erased
    customer = CustomerFactory(home_store=central, mobile_phone="+85298765432", email="gone@example.com")
    grant(customer, manager, channels=[SMS, EMAIL], at=hk(2026, 1, 5, 10))
    optout_record(customer_id=customer.pk, method=Method.OPT_OUT_LINK)
    Customer.objects.filter(pk=customer.pk).update(mobile_phone="", email="", name_en="Anonymised")
    assert not Suppression.objects.filter(key_hash__contains="98765432").exists()  # only keyed hashes
    # when the same person comes back through an import (a new record)
    again = CustomerFactory(home_store=central, mobile_phone="+85298765432", email="other@example.com")
    # then consent cannot simply be recorded again...
    with pytest.raises(ValidationError) as error:
        grant(again, manager)
    assert "overrides_suppression" in error.value.message_dict
    # ...and even a stale consent on the record is beaten by the suppression
    assert who() == set()
    assert state(again) == State.SUPPRESSED


def test_a_written_consent_after_an_opt_out_may_reopen_marketing(dm_notice, manager, customer):
    optout_record(customer_id=customer.pk, method=Method.OPT_OUT_LINK, at=hk(2026, 1, 1, 10))
    with pytest.raises(ValidationError):
        grant(customer, manager, method=Method.ORAL_IN_STORE, overrides_suppression=True)
    grant(customer, manager, method=Method.SIGNED_FORM, overrides_suppression=True)
    assert who() == {customer}


def test_the_public_opt_out_page_service_opts_out_every_record_with_the_phone(dm_notice, manager, central):
    first = CustomerFactory(home_store=central, mobile_phone="+85291234567")
    grant(first, manager)
    assert optout_contact_point(phone="9123 4567") == 1
    assert who() == set()


def test_provision_to_third_parties_needs_written_consent(dm_notice, manager, customer):
    with pytest.raises(ValidationError) as error:
        grant(customer, manager, purpose=Purpose.PROVISION, method=Method.ORAL_PHONE, transferee_class="Watch brands")
    assert "method" in error.value.message_dict
    grant(customer, manager, purpose=Purpose.PROVISION, transferee_class="Watch brands")
    assert who(purpose=Purpose.PROVISION) == {customer}
    assert who(purpose=DM) == set()


def test_for_gain_must_have_been_declared(dm_notice, manager, customer):
    with pytest.raises(ValidationError) as error:
        grant(customer, manager, purpose=Purpose.PROVISION, transferee_class="Insurers", for_gain=True)
    assert "for_gain" in error.value.message_dict


def test_no_consent_without_a_published_direct_marketing_notice(manager, customer):
    with pytest.raises(ValidationError):
        grant(customer, manager)
    assert not ConsentEvent.objects.exists()


def test_silence_is_not_a_method(dm_notice, manager, customer):
    with pytest.raises(ValidationError) as error:
        grant(customer, manager, method="no_response")
    assert "method" in error.value.message_dict


def test_a_customer_without_the_contact_point_is_not_contactable(dm_notice, manager, central):
    customer = CustomerFactory(home_store=central, email="")
    grant(customer, manager, channels=[EMAIL])
    assert who(channel=EMAIL) == set()


def test_the_ledger_is_append_only(dm_notice, manager, customer):
    event = grant(customer, manager)[0]
    with pytest.raises(ValidationError):
        ConsentEvent.objects.filter(pk=event.pk).update(action="withdrawn")
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        ConsentEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")
def test_the_database_refuses_to_rewrite_or_delete_the_ledger(dm_notice, manager, customer):
    event = grant(customer, manager)[0]
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        ConsentEvent._base_manager.filter(pk=event.pk).update(action="withdrawn")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        ConsentEvent._base_manager.filter(pk=event.pk).delete()


def test_the_sql_hash_equals_the_python_hash(customer):
    value = Customer.objects.annotate(h=KeyedHash("mobile_phone", kind="phone")).get(pk=customer.pk).h
    assert value == keyed_hash("phone", customer.mobile_phone)
    upper = Customer.objects.annotate(h=KeyedHash("email", kind="email")).get(pk=customer.pk).h
    assert upper == keyed_hash("email", customer.email.upper())


def test_the_gate_is_one_query(dm_notice, manager, central, django_assert_num_queries):
    for _i in range(5):
        grant(CustomerFactory(home_store=central), manager)
    with django_assert_num_queries(1):
        assert len(list(contactable(purpose=DM, subject_class=NEW, channel=SMS))) == 5


def test_opt_out_tokens_are_signed(customer):
    token = optout_token(customer_id=customer.pk)
    assert optout_customer_id(token=token) == customer.pk
    assert optout_customer_id(token=token[:-2] + "xx") is None
    assert optout_customer_id(token=Notice.Kind.PICS) is None
