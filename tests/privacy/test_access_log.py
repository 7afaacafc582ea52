"""The access log is append-only: in Django everywhere, and in the database itself on PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InternalError, connection, transaction
from django.db.models import ProtectedError

from privacy import services
from privacy.models import AccessLog
from tests.factories import CustomerFactory

APPEND_ONLY = "The access log is append-only."

# PL/pgSQL's RAISE EXCEPTION (SQLSTATE P0001) reaches Django as an InternalError.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


@pytest.fixture
def entry(manager, customer):
    return services.access_record(
        user=manager, customer=customer, action=AccessLog.Action.VIEW, view_name="customers:customer-detail"
    )


def stored(entry) -> dict:
    return AccessLog.objects.filter(pk=entry.pk).values().get()


def test_access_record_appends_one_row(manager, customer):
    # given / when
    entry = services.access_record(
        user=manager, customer=customer, action=AccessLog.Action.VIEW, view_name="v" * 200, path="/p" * 300
    )
    # then
    assert AccessLog.objects.count() == 1
    row = stored(entry)
    assert (row["user_id"], row["customer_id"], row["action"]) == (manager.pk, customer.pk, "view")
    assert row["view_name"] == "v" * 128
    assert len(row["path"]) == 512
    assert row["at"] is not None


def test_access_record_many_appends_one_row_per_customer(manager, customer, central):
    # given
    others = CustomerFactory.create_batch(3, home_store=central)
    # when
    services.access_record_many(user=manager, customers=[customer, *others], action=AccessLog.Action.EXPORT)
    # then
    assert sorted(AccessLog.objects.values_list("customer_id", flat=True)) == sorted(c.pk for c in [customer, *others])
    assert set(AccessLog.objects.values_list("action", flat=True)) == {"export"}


def test_saving_a_created_entry_again_is_refused(entry):
    # given
    before = stored(entry)
    entry.reason = "covering my tracks"
    # when
    with pytest.raises(ValidationError) as excinfo:
        entry.save()
    # then
    assert excinfo.value.messages == [APPEND_ONLY]
    assert stored(entry) == before


def test_saving_a_loaded_entry_is_refused(entry):
    # given an entry read back from the database
    before = stored(entry)
    loaded = AccessLog.objects.get(pk=entry.pk)
    loaded.action = AccessLog.Action.EDIT
    # when
    with pytest.raises(ValidationError):
        loaded.save(update_fields=["action"])
    # then
    assert stored(entry) == before


def test_saving_a_new_entry_over_an_existing_id_is_refused(entry, supervisor, customer):
    # given a new instance that reuses the id of an existing entry: Django would UPDATE that row
    before = stored(entry)
    forged = AccessLog(
        pk=entry.pk, at=entry.at, user=supervisor, customer=customer, action=AccessLog.Action.EDIT, reason="forged"
    )
    # when
    with pytest.raises((ValidationError, DatabaseError)), transaction.atomic():
        forged.save()
    # then
    assert stored(entry) == before


def test_bulk_create_upsert_over_an_existing_entry_is_refused(entry, supervisor, customer):
    # given a bulk insert that, on a conflicting id, would update the existing entry
    before = stored(entry)
    forged = AccessLog(pk=entry.pk, user=supervisor, customer=customer, action=AccessLog.Action.EXPORT, reason="x")
    # when
    with pytest.raises((ValidationError, DatabaseError)), transaction.atomic():
        AccessLog.objects.bulk_create(
            [forged], update_conflicts=True, unique_fields=["id"], update_fields=["user", "action", "reason"]
        )
    # then
    assert stored(entry) == before


def test_deleting_an_entry_is_refused(entry):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        entry.delete()
    # then
    assert excinfo.value.messages == [APPEND_ONLY]
    assert AccessLog.objects.filter(pk=entry.pk).exists()


def test_queryset_update_is_refused(entry):
    # given
    before = stored(entry)
    # when
    with pytest.raises(ValidationError) as excinfo:
        AccessLog.objects.filter(pk=entry.pk).update(reason="changed")
    # then
    assert excinfo.value.messages == [APPEND_ONLY]
    assert stored(entry) == before


def test_manager_update_is_refused(entry):
    # given
    before = stored(entry)
    # when
    with pytest.raises(ValidationError):
        AccessLog.objects.update(reason="changed")
    # then
    assert stored(entry) == before


def test_bulk_update_is_refused(entry):
    # given
    before = stored(entry)
    entry.reason = "changed"
    # when (bulk_update opens its own atomic block without a savepoint: give it one)
    with pytest.raises(ValidationError), transaction.atomic():
        AccessLog.objects.bulk_update([entry], ["reason"])
    # then
    assert stored(entry) == before


def test_queryset_delete_is_refused(entry):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        AccessLog.objects.all().delete()
    # then
    assert excinfo.value.messages == [APPEND_ONLY]
    assert AccessLog.objects.count() == 1


def test_the_customer_of_a_logged_access_cannot_be_deleted(entry, customer):
    # given / when
    with pytest.raises(ProtectedError):
        customer.delete()
    # then
    assert AccessLog.objects.filter(pk=entry.pk, customer=customer).exists()


@needs_postgresql
def test_raw_sql_update_is_refused_by_the_database(entry):
    # given
    before = stored(entry)
    # when
    with pytest.raises(InternalError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_accesslog SET reason = %s WHERE id = %s", ["changed", entry.pk])
    # then
    assert "privacy_accesslog is append-only" in str(excinfo.value)
    assert stored(entry) == before


@needs_postgresql
def test_raw_sql_delete_is_refused_by_the_database(entry):
    # given / when
    with pytest.raises(InternalError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_accesslog WHERE id = %s", [entry.pk])
    # then
    assert "privacy_accesslog is append-only" in str(excinfo.value)
    assert AccessLog.objects.filter(pk=entry.pk).exists()


@needs_postgresql
def test_raw_sql_insert_is_still_allowed(entry, manager, customer):
    # given / when
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO privacy_accesslog (at, user_id, customer_id, action, view_name, path, reason) "
            "VALUES (now(), %s, %s, 'view', '', '', '')",
            [manager.pk, customer.pk],
        )
    # then
    assert AccessLog.objects.count() == 2


@pytest.mark.django_db
def test_access_record_view_names_the_url_the_request_resolved_to(rf, manager, customer):
    from django.urls import resolve

    from privacy.services import access_record_view

    # given a request for the customer page
    request = rf.get(customer.get_absolute_url())
    request.user = manager
    request.resolver_match = resolve(request.path)
    # when the page records that it showed the customer's data
    access_record_view(request=request, customer=customer)
    # then one VIEW row names the user, the customer, the URL name and the path
    rows = list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name", "path"))
    assert rows == [(manager.pk, customer.pk, "view", "customers:customer-detail", customer.get_absolute_url())]
