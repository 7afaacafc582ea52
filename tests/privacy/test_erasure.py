"""Erasure through the registry (the sentinel sweep over every table), retention rules, legal holds."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction

from customers.models import Customer, Purchase
from privacy.models import AccessLog, Erasure, JobRun, LegalHold, RetentionRule
from privacy.registry import Category, registry
from privacy.selectors import contactable
from privacy.services.consent import consent_record, optout_record
from privacy.services.retention import customer_erase, months_before, retention_run
from tests.factories import CustomerFactory
from tests.privacy.helpers import hk, published_notice
from tests.privacy.test_requests import build_full_record

pytestmark = pytest.mark.django_db

SENTINEL = "ZQXSENT7"


def free_text_fields(model):
    """Text a person could be described in: char/text fields without choices, and JSON."""
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation or getattr(field, "choices", None):
            continue
        if isinstance(field, models.JSONField):
            yield field, {"s": SENTINEL}
        elif (
            isinstance(field, models.CharField | models.TextField)
            and not isinstance(field, models.FileField)
            and (not field.max_length or field.max_length >= len(SENTINEL) + 10)
        ):
            yield field, f"{SENTINEL}@example.com" if isinstance(field, models.EmailField) else f"x {SENTINEL} x"


def seed(customer_id) -> dict[str, list[str]]:
    """Write the sentinel into every free-text field of every registered row of the customer;
    a field the database refuses to change (append-only ledgers) is left as it is."""
    seeded = {}
    for registration in registry:
        own = registration.rows_for(customer_id)
        if registration.export_own_path:  # rows about someone else (a lead they referred) are not theirs
            own = own.filter(**{registration.export_own_path: customer_id})
        for field, value in free_text_fields(registration.model):
            if field.name in registration.kept_fields:
                continue
            rows = registration.model._base_manager.filter(pk__in=own.values("pk"))
            try:
                with transaction.atomic():
                    if rows.update(**{field.attname: value}):
                        seeded.setdefault(registration.label, []).append(field.name)
            except DatabaseError:
                pass
    return seeded


def tables_containing(text: str) -> list[str]:
    """Every text, varchar and json column of every table (PostgreSQL), searched for ``text``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            cursor.execute(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1', [f"%{text}%"])  # noqa: S608
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sweep reads PostgreSQL's catalogue")
def test_erasure_leaves_the_sentinel_nowhere(central, supervisor, privacy_officer):
    # given a customer with a row in every registered model, the sentinel in every free-text field
    customer = CustomerFactory(home_store=central)
    build_full_record(customer, central, supervisor)
    seeded = seed(customer.pk)
    assert tables_containing(SENTINEL), "the sentinel was seeded"
    # every model that is anonymised and has free text to hold the sentinel got it
    with_text = {
        r.label
        for r in registry
        if r.anonymise != "keep" and any(f.name not in r.kept_fields for f, _ in free_text_fields(r.model))
    }
    assert with_text <= set(seeded)
    purchase_totals = list(Purchase.objects.filter(customer=customer).values_list("pk", "total", "store_id"))
    # when
    erasure = customer_erase(customer_id=customer.pk, by=privacy_officer)
    # then the sentinel is in no table, figures are kept, and the access log rows remain
    left = tables_containing(SENTINEL)
    assert left == [], ", ".join(left)
    assert list(Purchase.objects.filter(customer=customer).values_list("pk", "total", "store_id")) == purchase_totals
    assert AccessLog.objects.filter(customer=customer).exists()
    assert erasure.counts["customers.Customer"] == 1


def test_every_registered_model_is_anonymised_or_kept_on_purpose():
    kept = {r.label for r in registry if r.anonymise == "keep"}
    assert kept == {
        "privacy.AccessLog",
        "privacy.Disclosure",
        "privacy.Erasure",
        "customers.DuplicateDismissal",
    }


def test_access_log_paths_carry_no_names(client, manager, customer):
    client.force_login(manager)
    client.get(customer.get_absolute_url())
    client.get(f"/customers/?q={customer.name_en}")
    paths = list(AccessLog.objects.values_list("path", "reason"))
    assert paths
    assert not any(customer.name_en in path or customer.name_en in reason for path, reason in paths)


def test_a_legal_hold_stops_erasure(privacy_officer, customer):
    LegalHold.objects.create(customer=customer, reason="court order", created_by=privacy_officer)
    with pytest.raises(ValidationError):
        customer_erase(customer_id=customer.pk, by=privacy_officer)
    customer.refresh_from_db()
    assert customer.name_en != ""
    assert not Erasure.objects.exists()


def test_an_account_manager_cannot_erase(manager, customer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        customer_erase(customer_id=customer.pk, by=manager)
    assert not Erasure.objects.exists()


def test_suppression_survives_erasure_and_a_reimport_is_not_contactable(privacy_officer, manager, central):
    published_notice(privacy_officer)
    customer = CustomerFactory(home_store=central, mobile_phone="+85291239999")
    consent_record(customer_id=customer.pk, by=manager, subject_classes=["events"], channels=["sms"], method="online")
    optout_record(customer_id=customer.pk, method="opt_out_link")
    customer_erase(customer_id=customer.pk, by=privacy_officer)
    assert Customer.objects.get(pk=customer.pk).mobile_phone == ""
    assert tables_containing("91239999") == [] if connection.vendor == "postgresql" else True
    again = CustomerFactory(home_store=central, mobile_phone="+85291239999")
    with pytest.raises(ValidationError):
        consent_record(customer_id=again.pk, by=manager, subject_classes=["events"], channels=["sms"], method="online")
    assert list(contactable(purpose="direct_marketing", subject_class="events", channel="sms")) == []


def test_months_before_handles_month_ends():
    assert months_before(hk(2026, 3, 31, 10), 1) == hk(2026, 2, 28, 10)
    assert months_before(hk(2026, 1, 15, 10), 12) == hk(2025, 1, 15, 10)


def test_retention_anonymises_old_rows_honours_holds_and_records_runs(privacy_officer, central, manager):
    from customers.models import Interaction

    # given interactions of two customers, three years old, one customer on legal hold
    RetentionRule.objects.create(category=Category.INTERACTIONS, period_months=24, action="anonymise")
    held, free = CustomerFactory(home_store=central), CustomerFactory(home_store=central)
    old = hk(2023, 1, 10, 10)
    for person in (held, free):
        interaction = Interaction.objects.create(
            customer=person, staff=manager, kind="call", summary="talked about the Speedmaster", occurred_at=old
        )
        Interaction.objects.filter(pk=interaction.pk).update(created_at=old)
    LegalHold.objects.create(customer=held, reason="dispute", created_by=privacy_officer)
    # when the job runs twice
    first = retention_run(now=hk(2026, 1, 10, 3))
    second = retention_run(now=hk(2026, 1, 10, 4))
    # then the free customer's old note is blank, the held one's kept, and both runs are recorded
    assert Interaction.objects.get(customer=free).summary == ""
    assert Interaction.objects.get(customer=held).summary == "talked about the Speedmaster"
    assert first.counts[Category.INTERACTIONS]["customers.Interaction"] == 1
    assert JobRun.objects.filter(name="privacy.retention", finished_at__isnull=False).count() == 2
    assert second.error == ""


def test_the_identity_rule_erases_inactive_customers_once(privacy_officer, central):
    RetentionRule.objects.create(category=Category.IDENTITY, period_months=84, action="anonymise")
    inactive, active = CustomerFactory(home_store=central), CustomerFactory(home_store=central)
    Customer.objects.filter(pk=inactive.pk).update(updated_at=hk(2017, 1, 1, 10))
    run = retention_run(now=hk(2026, 1, 1, 3))
    assert run.counts[Category.IDENTITY] == {"customers erased": 1}
    assert Erasure.objects.get().customer_id == inactive.pk
    assert Customer.objects.get(pk=active.pk).name_en == active.name_en
    assert retention_run(now=hk(2026, 1, 1, 4)).counts[Category.IDENTITY] == {"customers erased": 0}


def test_a_recent_purchase_keeps_a_customer(privacy_officer, central):
    from tests.customers.factories_duplicates import purchase_with_lines

    RetentionRule.objects.create(category=Category.IDENTITY, period_months=84, action="anonymise")
    customer = CustomerFactory(home_store=central)
    purchase_with_lines(customer=customer, store=central, lines=1)
    Customer.objects.filter(pk=customer.pk).update(updated_at=hk(2017, 1, 1, 10))
    retention_run(now=timedelta(days=1) + hk(2026, 1, 1, 3))
    assert not Erasure.objects.exists()


def test_a_delete_rule_keeps_the_consent_ledger_as_evidence(privacy_officer, manager, customer):
    published_notice(privacy_officer)
    consent_record(
        customer_id=customer.pk,
        by=manager,
        subject_classes=["events"],
        channels=["sms"],
        method="online",
        occurred_at=hk(2020, 1, 1, 10),
        note="at the 2019 trunk show",
    )
    RetentionRule.objects.create(category=Category.MARKETING, period_months=12, action="delete")
    run = retention_run(now=hk(2026, 1, 1, 3))
    assert run.error == ""
    from privacy.models import ConsentEvent

    event = ConsentEvent.objects.get()
    assert (event.action, event.note) == ("granted", "")
