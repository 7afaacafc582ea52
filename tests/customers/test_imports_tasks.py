"""The import tasks, run in place (``.run``): status guards, failures recorded, retries on database errors only."""

import pytest
from django.db import OperationalError

from customers import tasks
from customers.models import Customer, ImportJob
from customers.services import data_quality_imports as imports
from tests.customers.factories_imports import (
    csv_bytes,
    media_root,  # noqa: F401 - autouse fixture
    row_counts,
    upload,
)

GOOD_FILE = csv_bytes([["external_id", "name_en"], ["C-1", "Chan Tai Man"], ["C-2", "Wong Siu Ming"]])


@pytest.fixture
def pending_job(central, manager):
    return imports.import_job_create(by=manager, kind="customers", uploaded_file=upload(GOOD_FILE), store=central)


def test_the_tasks_retry_only_database_errors_and_acknowledge_late():
    # given / when / then
    for task in (tasks.import_job_validate, tasks.import_job_commit):
        assert task.autoretry_for == (OperationalError,)
        assert task.acks_late is True
        assert task.max_retries == 5


def test_validate_checks_a_pending_job_once(pending_job):
    # given / when
    tasks.import_job_validate.run(pending_job.pk)
    # then
    pending_job.refresh_from_db()
    assert (pending_job.status, pending_job.created_count) == (ImportJob.Status.READY, 2)
    # when run again (a redelivered message) after the job moved on
    ImportJob.objects.filter(pk=pending_job.pk).update(created_count=99)
    tasks.import_job_validate.run(pending_job.pk)
    # then it is left alone
    pending_job.refresh_from_db()
    assert (pending_job.status, pending_job.created_count) == (ImportJob.Status.READY, 99)


def test_validate_finishes_a_job_left_validating_by_a_worker_that_died(pending_job):
    # given
    ImportJob.objects.filter(pk=pending_job.pk).update(status=ImportJob.Status.VALIDATING, processed_rows=1)
    # when
    tasks.import_job_validate.run(pending_job.pk)
    # then
    pending_job.refresh_from_db()
    assert (pending_job.status, pending_job.processed_rows) == (ImportJob.Status.READY, 2)


def test_commit_writes_a_committing_job_once(pending_job, manager):
    # given
    tasks.import_job_validate.run(pending_job.pk)
    imports.import_job_commit(by=manager, job_id=pending_job.pk)
    # when
    tasks.import_job_commit.run(pending_job.pk, manager.pk)
    counts = row_counts()
    tasks.import_job_commit.run(pending_job.pk, manager.pk)  # redelivered
    # then
    pending_job.refresh_from_db()
    assert pending_job.status == ImportJob.Status.DONE
    assert Customer.objects.count() == 2
    assert row_counts() == counts


def test_commit_does_nothing_for_a_job_nobody_pressed_import_on(pending_job, manager):
    # given a READY job
    tasks.import_job_validate.run(pending_job.pk)
    before = row_counts()
    # when
    tasks.import_job_commit.run(pending_job.pk, manager.pk)
    # then
    pending_job.refresh_from_db()
    assert pending_job.status == ImportJob.Status.READY
    assert row_counts() == before


def test_an_unexpected_error_fails_the_job_with_a_message_and_writes_nothing(pending_job, manager, monkeypatch):
    # given a checked job, and a bug hit while writing
    tasks.import_job_validate.run(pending_job.pk)
    imports.import_job_commit(by=manager, job_id=pending_job.pk)
    before = row_counts()

    def broken(self, *, by, reason):
        Customer.objects.bulk_create(self.to_create)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports._CustomerPlan, "write", broken)
    # when
    tasks.import_job_commit.run(pending_job.pk, manager.pk)
    # then
    pending_job.refresh_from_db()
    assert pending_job.status == ImportJob.Status.FAILED
    assert pending_job.errors == [
        {
            "row": None,
            "column": "",
            "value": "",
            "message": "The import stopped on an unexpected error (RuntimeError: disk on fire). Nothing was written.",
        }
    ]
    assert pending_job.finished_at is not None
    assert row_counts() == before  # the customers created before the error were rolled back


def test_a_database_error_is_retried_and_only_the_last_try_fails_the_job(pending_job, monkeypatch):
    # given a database that is down
    def down(*, job_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(imports, "import_job_validate_run", down)
    # when a try that will be retried fails
    with pytest.raises(OperationalError):
        tasks.import_job_validate.run(pending_job.pk)
    # then the job still waits
    pending_job.refresh_from_db()
    assert pending_job.status == ImportJob.Status.PENDING
    # when the last try fails
    tasks.import_job_validate.push_request(retries=tasks.import_job_validate.max_retries)
    try:
        with pytest.raises(OperationalError):
            tasks.import_job_validate.run(pending_job.pk)
    finally:
        tasks.import_job_validate.pop_request()
    # then the job records it
    pending_job.refresh_from_db()
    assert pending_job.status == ImportJob.Status.FAILED
    assert pending_job.errors[0]["message"].startswith("The database could not be reached")


def test_a_missing_file_fails_the_job(pending_job):
    # given
    pending_job.file.delete(save=False)
    # when
    tasks.import_job_validate.run(pending_job.pk)
    # then
    pending_job.refresh_from_db()
    assert pending_job.status == ImportJob.Status.FAILED
    assert "FileNotFoundError" in pending_job.errors[0]["message"]


def test_progress_is_saved_every_thousand_rows(central, manager, monkeypatch):
    # given a 2,500-row file
    rows = [["external_id", "name_en"], *[[f"C-{n}", f"Customer {n}"] for n in range(2500)]]
    job = imports.import_job_create(by=manager, kind="customers", uploaded_file=upload(csv_bytes(rows)), store=central)
    seen = []
    update = type(ImportJob.objects.all()).update

    def spy(queryset, **values):
        if set(values) == {"processed_rows"}:
            seen.append(values["processed_rows"])
        return update(queryset, **values)

    monkeypatch.setattr(type(ImportJob.objects.all()), "update", spy)
    # when
    tasks.import_job_validate.run(job.pk)
    # then
    assert seen == [1000, 2000, 2500]


@pytest.mark.django_db(transaction=True)
def test_commit_progress_is_saved_outside_the_write_transaction_so_other_connections_see_it(monkeypatch):
    # given a real (autocommit) database connection, and a checked 2,500-row file being imported
    from django.db import connection

    from tests.factories import AccountManagerFactory, StoreFactory

    for task in (tasks.import_job_validate, tasks.import_job_commit):  # committed for real: no broker
        monkeypatch.setattr(task, "delay", lambda *args: None)
    central = StoreFactory(code="central")
    manager = AccountManagerFactory(username="am-central", stores=[central])
    rows = [["external_id", "name_en"], *[[f"C-{n}", f"Customer {n}"] for n in range(2500)]]
    job = imports.import_job_create(by=manager, kind="customers", uploaded_file=upload(csv_bytes(rows)), store=central)
    imports.import_job_validate_run(job_id=job.pk)
    imports.import_job_commit(by=manager, job_id=job.pk)
    seen = []
    update = type(ImportJob.objects.all()).update

    def spy(queryset, **values):
        if set(values) == {"processed_rows"}:
            seen.append((values["processed_rows"], connection.in_atomic_block))
        return update(queryset, **values)

    monkeypatch.setattr(type(ImportJob.objects.all()), "update", spy)
    # when
    tasks.import_job_commit.run(job.pk, manager.pk)
    # then every progress write was committed at once (not inside the import's transaction)
    assert seen == [(1000, False), (2000, False), (2500, False)]
    job.refresh_from_db()
    assert (job.status, Customer.objects.count()) == (ImportJob.Status.DONE, 2500)
