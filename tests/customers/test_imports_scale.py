"""A 50,000-row customer file is checked and imported in one go.

Run in CI on SQLite and PostgreSQL: it must stay under a minute on each (bench/import_bench.py
measures the same work outside the test runner, and a second check of the file, all unchanged).
Idempotent re-imports are tested on small files in test_imports_customers.py.
"""

import time

from customers.models import Customer, ImportJob
from privacy.models import AccessLog
from tests.customers.factories_imports import (
    csv_bytes,
    customer_rows,
    job_checked,
    job_imported,
    media_root,  # noqa: F401 - autouse fixture
)

ROWS = 50_000


def test_a_50000_row_file_is_checked_and_imported(central, supervisor):
    # given
    content = csv_bytes(customer_rows(ROWS, store_code="central"), bom=True)
    started = time.monotonic()
    # when checked
    job = job_checked(by=supervisor, content=content, store=central)
    checked = time.monotonic()
    # then
    assert job.status == ImportJob.Status.READY, job.errors[:3]
    assert (job.total_rows, job.processed_rows, job.created_count) == (ROWS, ROWS, ROWS)
    assert Customer.objects.count() == 0
    # when imported
    job = job_imported(by=supervisor, job=job)
    imported = time.monotonic()
    # then every customer is there, once, with one access row each
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.unchanged_count) == (ROWS, 0, 0)
    assert (job.total_rows, job.processed_rows) == (ROWS, ROWS)
    assert Customer.objects.count() == ROWS
    assert Customer.objects.filter(external_ref="B-049999").values_list(
        "name_en", "mobile_phone", "district", "birth_day", "birth_month", "preferred_language", "home_store"
    ).get() == ("Customer 49999", "+85291049999", "islands", 20, 8, "en", central.pk)
    assert AccessLog.objects.filter(action=AccessLog.Action.CREATE, view_name="customers:import").count() == ROWS
    assert AccessLog.objects.values("customer").distinct().count() == ROWS
    print(f"\n{ROWS:,} rows: check {checked - started:.1f}s, import {imported - checked:.1f}s")  # pytest -s
