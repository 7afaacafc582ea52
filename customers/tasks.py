"""Celery tasks of the customers app. Thin: each one calls a service with the ids it was given."""

from celery import shared_task
from django.db import OperationalError
from django.utils.translation import gettext as _

import customers.services.data_quality as data_quality
import customers.services.data_quality_imports as imports

# Only database hiccups are worth retrying; any other failure is recorded on the job at once.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5, "acks_late": True}


def _database_down_message() -> str:
    return _("The database could not be reached, even after several tries. Nothing was written: try again later.")


@shared_task(bind=True, **RETRY)
def import_job_validate(self, job_id: int) -> None:
    """Check every row of an uploaded file; the job ends INVALID (with its errors) or READY."""
    try:
        imports.import_job_validate_run(job_id=job_id)
    except OperationalError:
        if self.request.retries >= self.max_retries:
            imports.import_job_fail(job_id=job_id, message=_database_down_message())
        raise


@shared_task(bind=True, **RETRY)
def import_job_commit(self, job_id: int, by_id: int | None = None) -> None:
    """Check the file again and write it all in one transaction; the job ends DONE, INVALID or FAILED."""
    try:
        imports.import_job_commit_run(job_id=job_id, by_id=by_id)
    except OperationalError:
        if self.request.retries >= self.max_retries:
            imports.import_job_fail(job_id=job_id, message=_database_down_message())
        raise


@shared_task(**RETRY)
def duplicate_scan(scope: str) -> None:
    """Search one scope's customers for duplicates (asked for from the list page)."""
    data_quality.duplicate_scan_run(scope=scope)


@shared_task(**RETRY)
def duplicate_scans_nightly() -> None:
    """Search again every scope in use, one task each (customers change during the day)."""
    for scope in sorted(data_quality.duplicate_scopes_in_use()):
        duplicate_scan.delay(scope)
