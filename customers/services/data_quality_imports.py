"""Imports of customers and purchases from CSV or Excel (.xlsx) files, all or nothing.

Two phases, each run by a Celery task (``customers.tasks``):

1. ``import_job_create`` saves the uploaded file; ``import_job_validate_run`` reads it, checks every
   row against the database and stores either the errors (status INVALID) or a preview (READY: how
   many rows would create, change or leave unchanged a record, in the job's count fields).
2. ``import_job_commit`` (the creator, or a supervisor or admin who sees the job) moves a READY job
   to COMMITTING; ``import_job_commit_run`` reads the file again, validates it again (the database
   may have changed since the preview) and writes everything in one transaction.

Nothing is written when any row fails: all errors are collected as
``{"row", "column", "value", "message"}`` with ``row`` numbered as a spreadsheet shows it (the header
is row 1; ``None`` for a problem with the whole file).

Progress and the one transaction
--------------------------------
Progress written inside a transaction is invisible to other connections until it commits, and on
SQLite a second connection cannot even write beside an open write transaction. So a commit runs in
two steps:

* *prepare*, outside any transaction: read the file, validate every row and work out what to create
  and what to change. ``processed_rows`` is saved (autocommit) every 1,000 rows: that is what the
  progress bar polls.
* *write*, one short transaction: lock the job row, lock the rows to be changed and check that they
  did not change since *prepare* (their ``updated_at``), then ``bulk_create`` / ``bulk_update`` in
  batches of 1,000, write the access log and mark the job DONE, all or nothing. If somebody changed
  one of the rows in between (or took an external id: IntegrityError), the transaction is rolled
  back and both steps run again, up to three times. While it writes, the page says "Writing".

Files
-----
``.xlsx`` is read with tablib (openpyxl): the active sheet, the one open when the workbook was saved.
A CSV is decoded as UTF-8 (with or without the byte-order mark Excel writes for "CSV UTF-8"); if
that fails, as Big5-HKSCS (the "CSV" a Traditional Chinese Windows writes, common in Hong Kong shops'
legacy systems), decoded strictly; anything else is refused with "save it as CSV UTF-8". The risk of
the fallback, named here: a Western (cp1252) file can occasionally decode as Big5 and give wrong
characters; the upload page asks for CSV UTF-8 first.

Header names are case-insensitive; unknown or repeated columns are refused, so that a misspelt column
never silently drops data. An empty cell leaves the field of an existing record as it is (a new
record gets the default): an import never erases data.

Rules
-----
The domain's, applied to preloaded lists so that a 50,000-row file costs a few queries per 1,000
rows, not several per row: customers are checked by ``Customer.full_clean`` (see ``_full_clean``) and
``phone_to_e164``, and get the assignment rules of ``customer_create`` / ``customer_update`` (own
stores; an account manager's customers in their own book; only who may see sensitive fields may
change them on an existing customer). Purchases follow ``purchase_create``'s rules (a watch or clock
one per line with its serial number; the discount at most the line's price; no future dates; at most
``MAX_LINES`` lines) and, like it, make every watch or clock bought an owned timepiece. Returns are
not imported: they are recorded on the purchase in the CRM, and a receipt with returns can no longer
be changed by an import. Possible duplicates (same phone or e-mail) are not checked here: that is the
duplicate finder's job.
"""

import csv
import io
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import privacy.services
from crm_site import roles
from crm_site.models import User
from customers.models import Brand, Customer, District, ImportJob, Product, Purchase, PurchaseLine, Store
from customers.phones import phone_to_e164
from customers.services import timepieces as timepiece_services
from customers.services.purchases import MAX_LINES
from privacy.masking import can_view_sensitive
from privacy.models import AccessLog, CollectionRecord
from privacy.registry import registry

logger = logging.getLogger(__name__)

VIEW_NAME = "customers:import"
BATCH_SIZE = 1000
PROGRESS_EVERY = 1000
MAX_ERRORS_KEPT = 1000
WRITE_ATTEMPTS = 3
FILE_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
RUNNING = (ImportJob.Status.PENDING, ImportJob.Status.VALIDATING, ImportJob.Status.COMMITTING)
FINISHED = (ImportJob.Status.INVALID, ImportJob.Status.DONE, ImportJob.Status.FAILED)


# --- The columns, as the upload page documents them -----------------------------------------------


@dataclass(frozen=True)
class ImportColumn:
    name: str
    help: str
    required: bool = False
    choices: type[models.TextChoices] | None = None


CUSTOMER_COLUMNS = (
    ImportColumn(
        "external_id",
        gettext_lazy("Your stable id of the customer, up to 32 characters. Importing it again updates that customer."),
        required=True,
    ),
    ImportColumn("name_en", gettext_lazy("English name. Every row needs an English or a Chinese name.")),
    ImportColumn("name_zh", gettext_lazy("Chinese name.")),
    ImportColumn("mobile_phone", gettext_lazy("e.g. 9123 4567 or +852 9123 4567.")),
    ImportColumn("email", gettext_lazy("E-mail address.")),
    ImportColumn("district", gettext_lazy("Code or English name."), choices=District),
    ImportColumn("address", gettext_lazy("Postal address.")),
    ImportColumn("birth_day", gettext_lazy("Day of the birthday, 1–31.")),
    ImportColumn("birth_month", gettext_lazy("Month of the birthday, 1–12.")),
    ImportColumn("birth_year", gettext_lazy("Year of birth, e.g. 1980.")),
    ImportColumn("preferred_language", gettext_lazy("Code or English name."), choices=Customer.Language),
    ImportColumn("preferred_channel", gettext_lazy("Code or English name."), choices=Customer.Channel),
    ImportColumn("home_store", gettext_lazy("Store code. Empty: the default store chosen when uploading.")),
    ImportColumn(
        "account_manager",
        gettext_lazy("Username, optional. An account manager's imported customers go to their own book."),
    ),
    ImportColumn("acquisition_source", gettext_lazy("Code or English name."), choices=Customer.Source),
    ImportColumn("notes", gettext_lazy("Free text.")),
)
PURCHASE_COLUMNS = (
    ImportColumn(
        "receipt_no",
        gettext_lazy("Receipt number, up to 64 characters. Rows with the same receipt number are one purchase."),
        required=True,
    ),
    ImportColumn(
        "customer_external_id",
        gettext_lazy("The customer's external_id (import the customers first)."),
        required=True,
    ),
    ImportColumn("purchased_on", gettext_lazy("Date: YYYY-MM-DD or DD/MM/YYYY (day first)."), required=True),
    ImportColumn("store", gettext_lazy("Store code. Empty: the default store chosen when uploading.")),
    ImportColumn("channel", gettext_lazy("Code or English name."), choices=Purchase.Channel),
    ImportColumn("product_reference", gettext_lazy("The product's reference number in the catalogue.")),
    ImportColumn("brand", gettext_lazy("The product's brand, when the reference alone is ambiguous.")),
    ImportColumn("description", gettext_lazy("What was sold, when it is not a catalogue product.")),
    ImportColumn(
        "quantity",
        gettext_lazy(
            "Whole number, 1 or more; a watch or clock is 1, one line each (returns are recorded in the CRM)."
        ),
        required=True,
    ),
    ImportColumn("unit_price", gettext_lazy("HKD, e.g. 12345.00; not negative."), required=True),
    ImportColumn("discount", gettext_lazy("HKD off the line, not negative. Empty: 0.")),
    ImportColumn("serial_number", gettext_lazy("Serial number: required for a watch or clock of the catalogue.")),
)
# Every row needs one of these two: checked per row for customers (a file may only update, say, e-mails),
# and for purchases as a column too (every purchase row is a new or changed line).
ONE_OF_COLUMNS = {
    ImportJob.Kind.CUSTOMERS: ("name_en", "name_zh"),
    ImportJob.Kind.PURCHASES: ("product_reference", "description"),
}


def import_columns(kind: str) -> tuple[ImportColumn, ...]:
    """The columns a file of this kind may have, in the order of the template."""
    return CUSTOMER_COLUMNS if kind == ImportJob.Kind.CUSTOMERS else PURCHASE_COLUMNS


def import_template_csv(kind: str) -> str:
    """The header row of an empty file to fill in (with the byte-order mark Excel needs for UTF-8)."""
    dataset = tablib.Dataset(headers=[column.name for column in import_columns(kind)])
    return "\ufeff" + dataset.export("csv")


# --- Services: create, commit ------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, by, kind: str, uploaded_file, store: Store | None = None) -> ImportJob:
    """Save the uploaded file as a new job and have it checked (in the background) once committed."""
    from customers import tasks

    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose what the file holds: customers or purchases.")})
    _import_permission_check(by=by, kind=kind)
    name = PurePath(uploaded_file.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in FILE_FORMATS:
        raise ValidationError({"file": _("Upload a .csv or an .xlsx file.")})
    if uploaded_file.size > settings.CRM_IMPORT_MAX_BYTES:
        raise ValidationError({"file": import_file_too_large_message()})
    own_stores = Store.objects.of_user(by)
    if store is not None and not own_stores.filter(pk=store.pk).exists():
        raise ValidationError({"store": _("You can only import into your own stores.")})
    if store is None:
        only = list(own_stores[:2])
        store = only[0] if len(only) == 1 else None
    job = ImportJob(kind=kind, original_name=name[:255], store=store, created_by=by)
    # A name of our own on disk: the user's file name is kept in original_name.
    job.file.save(f"{uuid.uuid4().hex}{suffix}", uploaded_file, save=False)
    job.save()
    job_id = job.pk
    transaction.on_commit(lambda: tasks.import_job_validate.delay(job_id))
    return job


@transaction.atomic
def import_job_commit(*, by, job_id: int) -> ImportJob:
    """Start writing a checked (READY) job: its creator, or a supervisor or admin who sees it."""
    from customers import tasks
    from customers.selectors.data_quality_imports import import_jobs_visible_to

    job = import_jobs_visible_to(by).select_for_update().filter(pk=job_id).first()
    if job is None or not by.has_perm("customers.import_customers"):
        raise PermissionDenied(_("You may not import this file."))
    if job.created_by_id != by.pk and not (roles.is_admin(by) or roles.SUPERVISOR in roles.user_roles(by)):
        raise PermissionDenied(_("You may not import this file."))
    if job.status != ImportJob.Status.READY:
        raise ValidationError(
            _("This file cannot be imported now: it is “%(status)s”.") % {"status": job.get_status_display()}
        )
    job.status = ImportJob.Status.COMMITTING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows", "updated_at"])
    by_id = by.pk
    transaction.on_commit(lambda: tasks.import_job_commit.delay(job_id, by_id))
    return job


# --- What the tasks run ------------------------------------------------------------------------------


def import_job_validate_run(*, job_id: int) -> ImportJob:
    """Check every row of a PENDING job; store the errors (INVALID) or the preview counts (READY).

    Harmless to run again: only a PENDING job, or one left VALIDATING by a worker that died, is checked.
    """
    started = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.PENDING, ImportJob.Status.VALIDATING]
    ).update(status=ImportJob.Status.VALIDATING, processed_rows=0)
    job = ImportJob.objects.select_related("created_by", "store").get(pk=job_id)
    if not started:
        return job
    try:
        plan = _plan_make(job=job)
    except OperationalError:
        raise  # transient: the task retries
    except Exception as exc:
        logger.exception("Import job %s could not be checked", job_id)
        return import_job_fail(job_id=job_id, message=_unexpected_message(exc))
    status = ImportJob.Status.INVALID if plan.errors else ImportJob.Status.READY
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
        status=status,
        total_rows=plan.total_rows,
        processed_rows=plan.total_rows,
        created_count=plan.created_count,
        updated_count=plan.updated_count,
        unchanged_count=plan.unchanged_count,
        errors=_errors_kept(plan.errors),
        finished_at=timezone.now() if plan.errors else None,
        updated_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def import_job_commit_run(*, job_id: int, by_id: int | None = None) -> ImportJob:
    """Validate a COMMITTING job again and write it all in one transaction (see the module docstring).

    Everything is written on behalf of the job's creator, under their rules (as the preview was
    checked), and logged as theirs; ``by_id``, who pressed "Import" (a supervisor may import an
    account manager's file), is named in the access log's reason. Harmless to run again: a job that
    is not COMMITTING is left alone.
    """
    job = ImportJob.objects.select_related("created_by", "store").get(pk=job_id)
    if job.status != ImportJob.Status.COMMITTING:
        return job
    reason = _("import #%(id)s") % {"id": job.pk}
    committer = User.objects.filter(pk=by_id).first() if by_id and by_id != job.created_by_id else None
    if committer is not None:
        reason = _("%(reason)s, imported by %(user)s") % {"reason": reason, "user": committer.get_username()}
    try:
        for _attempt in range(WRITE_ATTEMPTS):
            plan = _plan_make(job=job)
            if plan.errors:
                ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.COMMITTING).update(
                    status=ImportJob.Status.INVALID,
                    total_rows=plan.total_rows,
                    processed_rows=plan.total_rows,
                    errors=_errors_kept(plan.errors),
                    finished_at=timezone.now(),
                    updated_at=timezone.now(),
                )
                break
            try:
                with transaction.atomic():
                    locked = ImportJob.objects.select_for_update().get(pk=job_id)
                    if locked.status != ImportJob.Status.COMMITTING:
                        break
                    plan.write(by=job.created_by, reason=reason)
                    locked.status = ImportJob.Status.DONE
                    locked.total_rows = locked.processed_rows = plan.total_rows
                    locked.created_count = plan.created_count
                    locked.updated_count = plan.updated_count
                    locked.unchanged_count = plan.unchanged_count
                    locked.errors = []
                    locked.finished_at = timezone.now()
                    locked.save()
                break
            except (_ChangedMeanwhile, IntegrityError) as exc:
                # Somebody changed a row, or took an external id or receipt number, since *prepare*.
                logger.info("Import job %s: rows changed while importing (%r), preparing again", job_id, exc)
        else:
            logger.error("Import job %s: rows kept changing, gave up after %s tries", job_id, WRITE_ATTEMPTS)
            import_job_fail(
                job_id=job_id, message=_("The records kept changing while importing. Try importing again later.")
            )
    except OperationalError:
        raise  # transient: the task retries
    except Exception as exc:
        logger.exception("Import job %s failed", job_id)
        return import_job_fail(job_id=job_id, message=_unexpected_message(exc))
    job.refresh_from_db()
    return job


def import_job_fail(*, job_id: int, message: str) -> ImportJob:
    """Record that a running job failed, with a message for the user."""
    ImportJob.objects.filter(pk=job_id, status__in=RUNNING).update(
        status=ImportJob.Status.FAILED,
        errors=[{"row": None, "column": "", "value": "", "message": message}],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return ImportJob.objects.get(pk=job_id)


# --- Plans: what a file would do -----------------------------------------------------------------------


class _ChangedMeanwhile(Exception):
    """A row to update changed between preparing and writing."""


def _error(row: int | None, column: str, value, message) -> dict:
    return {"row": row, "column": column, "value": "" if value is None else str(value)[:200], "message": str(message)}


def _errors_kept(errors: list[dict]) -> list[dict]:
    if len(errors) <= MAX_ERRORS_KEPT:
        return errors
    more = len(errors) - MAX_ERRORS_KEPT
    note = _("… and %(count)s more errors, not listed. Correct the ones above and upload the file again.") % {
        "count": f"{more:,}"
    }
    return [*errors[:MAX_ERRORS_KEPT], _error(None, "", "", note)]


@dataclass
class _Plan:
    total_rows: int = 0
    errors: list[dict] = field(default_factory=list)
    unchanged_count: int = 0

    @property
    def created_count(self) -> int:
        return 0

    @property
    def updated_count(self) -> int:
        return 0

    def write(self, *, by, reason: str) -> None:
        """Nothing to write."""


def _plan_make(*, job: ImportJob) -> _Plan:
    """Read the job's file and work out what it would do, saving progress as it goes."""
    by = job.created_by
    try:
        _import_permission_check(by=by, kind=job.kind)
    except PermissionDenied as exc:
        return _Plan(errors=[_error(None, "", "", exc)])
    with job.file.open("rb") as handle:
        content = handle.read()
    try:
        sheet = _sheet_read(content=content, file_name=job.original_name)
    except _FileProblem as problem:
        return _Plan(errors=problem.errors)
    errors = _columns_check(sheet.headers, kind=job.kind)
    if errors:
        return _Plan(total_rows=len(sheet.rows), errors=errors)
    if not sheet.rows:
        return _Plan(errors=[_error(None, "", "", _("The file has a header row but no data rows."))])
    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(sheet.rows), processed_rows=0)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

    context = _Context.load(job=job)
    prepare = _customers_prepare if job.kind == ImportJob.Kind.CUSTOMERS else _purchases_prepare
    return prepare(sheet=sheet, context=context, progress=progress)


def _import_permission_check(*, by, kind: str) -> None:
    needed = ["customers.import_customers"]
    if kind == ImportJob.Kind.CUSTOMERS:
        needed += ["customers.add_customer", "customers.change_customer"]
    else:
        needed += ["customers.add_purchase", "customers.change_purchase"]
    if not (by.is_active and by.has_perms(needed)):
        raise PermissionDenied(_("You may not import %(what)s.") % {"what": ImportJob.Kind(kind).label.lower()})


def import_file_too_large_message() -> str:
    return _("The file is larger than %(size)s MB: split it into smaller files.") % {
        "size": f"{settings.CRM_IMPORT_MAX_BYTES / (1024 * 1024):,.0f}"
    }


def _unexpected_message(exc: Exception) -> str:
    return _("The import stopped on an unexpected error (%(error)s). Nothing was written.") % {
        "error": f"{type(exc).__name__}: {exc}"[:300]
    }


# --- Reading files ---------------------------------------------------------------------------------------


class _FileProblem(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.errors = [_error(None, "", "", message)]


@dataclass
class _Sheet:
    headers: list[str]  # lower-cased, stripped
    raw_headers: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells as text)


def _sheet_read(*, content: bytes, file_name: str) -> _Sheet:
    """The file as text cells, with the row numbers a spreadsheet would show."""
    if not content:
        raise _FileProblem(_("The file is empty."))
    file_format = FILE_FORMATS.get(PurePath(file_name).suffix.lower())
    if file_format is None:
        raise _FileProblem(_("Upload a .csv or an .xlsx file."))
    if file_format == "xlsx":
        try:
            dataset = tablib.Dataset().load(content, format="xlsx")
        except Exception as exc:
            raise _FileProblem(
                _("The file could not be read as an Excel workbook (.xlsx). Save it again from Excel, or as CSV UTF-8.")
            ) from exc
        numbers: Iterable[int] = range(2, dataset.height + 2)
    else:
        text = _csv_decode(content)
        try:
            dataset = tablib.Dataset().load(text, format="csv")
        except tablib.InvalidDimensions as exc:
            raise _FileProblem(_csv_ragged_message(text)) from exc
        except csv.Error as exc:
            raise _FileProblem(_("The file is not a readable CSV file (%(error)s).") % {"error": exc}) from exc
        # tablib skips empty lines: count the records as a spreadsheet shows them.
        numbers = [n for n, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1) if record][1:]
    raw_headers = [_cell_text(h) for h in (dataset.headers or [])]
    if not any(raw_headers):
        raise _FileProblem(_("The first row must hold the column names (e.g. external_id, name_en)."))
    rows = []
    for number, row in zip(numbers, dataset, strict=True):
        cells = [_cell_text(value) for value in row]
        if any(cells):
            rows.append((number, cells))
    return _Sheet(headers=[h.lower() for h in raw_headers], raw_headers=raw_headers, rows=rows)


def _csv_decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else strict Big5-HKSCS, else a clear error (module docstring)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("big5hkscs")
    except UnicodeDecodeError:
        raise _FileProblem(
            _(
                "The file is not UTF-8: save it as CSV UTF-8 (in Excel: File › Save As › "
                "“CSV UTF-8 (Comma delimited)”) and upload it again."
            )
        ) from None


def _csv_ragged_message(text: str) -> str:
    reader = csv.reader(io.StringIO(text, newline=""))
    width = len(next(reader, []))
    for number, record in enumerate(reader, start=2):
        if len(record) > width:
            return _("Row %(row)d has more cells (%(cells)d) than the header row has columns (%(columns)d).") % {
                "row": number,
                "cells": len(record),
                "columns": width,
            }
    return _("A row has more cells than the header row has columns.")


def _cell_text(value) -> str:
    """A cell as text: Excel numbers without a spurious ".0", dates as YYYY-MM-DD."""
    if type(value) is str:  # every CSV cell: the fast path
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _columns_check(headers: list[str], *, kind: str) -> list[dict]:
    """Problems with the header row, found before any row is read."""
    columns = import_columns(kind)
    known = [c.name for c in columns]
    errors = []
    seen = set()
    for header in headers:
        if not header:
            continue
        if header not in known:
            errors.append(
                _error(
                    1,
                    header,
                    header,
                    _("Unknown column “%(name)s”. The columns are: %(columns)s.")
                    % {"name": header, "columns": ", ".join(known)},
                )
            )
        elif header in seen:
            errors.append(_error(1, header, header, _("The column “%(name)s” appears twice.") % {"name": header}))
        seen.add(header)
    for column in columns:
        if column.required and column.name not in seen:
            errors.append(
                _error(1, column.name, "", _("The required column “%(name)s” is missing.") % {"name": column.name})
            )
    first, second = ONE_OF_COLUMNS[kind]
    if kind == ImportJob.Kind.PURCHASES and not seen & {first, second}:
        errors.append(
            _error(1, first, "", _("Add a column %(first)s or %(second)s.") % {"first": first, "second": second})
        )
    return errors


def _rows(sheet: _Sheet, progress: Callable[[int], None]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as {column: text}, saving progress every PROGRESS_EVERY rows."""
    indexes = [(i, h) for i, h in enumerate(sheet.headers) if h]
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        yield number, {h: cells[i] for i, h in indexes if i < len(cells)}
        if done % PROGRESS_EVERY == 0:
            progress(done)


def _chunks(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Cell parsers ------------------------------------------------------------------------------------------


def _choice_map(choices: type[models.TextChoices]) -> dict[str, str]:
    """Codes and English labels, lower-cased, to codes."""
    with translation.override("en"):
        mapping = {str(label).lower(): value for value, label in choices.choices}
    mapping.update({value.lower(): value for value in choices.values})
    mapping.pop("", None)
    return mapping


def _choice_parse(raw: str, mapping: dict[str, str]) -> str:
    value = mapping.get(raw.strip().lower())
    if value is None:
        codes = sorted(set(mapping.values()))
        raise ValidationError(
            _("“%(value)s” is not one of: %(codes)s.") % {"value": raw, "codes": ", ".join(codes)}, code="invalid"
        )
    return value


def _int_parse(raw: str) -> int:
    try:
        return int(raw.replace(",", "").strip())
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": raw}, code="invalid") from None


def _money_parse(raw: str) -> Decimal:
    text = raw.strip().upper().removeprefix("HK$").removeprefix("HKD").removeprefix("$").replace(",", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("“%(value)s” is not an amount in HKD: write e.g. 12345.00.") % {"value": raw}, code="invalid"
        ) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValidationError(_("Write the amount with at most 2 decimals, e.g. 12345.50."), code="invalid")
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if amount >= Decimal("10000000000"):
        raise ValidationError(_("The amount is too large."), code="invalid")
    return amount.quantize(Decimal("0.01"))


def _date_parse(raw: str) -> date:
    """YYYY-MM-DD (as Excel cells come out) or DD/MM/YYYY, the Hong Kong way: never month first."""
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date: write YYYY-MM-DD (2024-03-31) or DD/MM/YYYY, day first (31/03/2024).")
        % {"value": raw},
        code="invalid",
    )


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# --- The context of a job: who imports, into which stores -----------------------------------------------


@dataclass
class _Context:
    job: ImportJob
    by: User
    default_store: Store | None
    own_book_only: bool
    sees_sensitive: bool
    own_store_ids: set[int]
    stores_by_code: dict[str, Store]
    stores_by_id: dict[int, Store]

    @classmethod
    def load(cls, *, job: ImportJob) -> "_Context":
        by = job.created_by
        stores = list(Store.objects.all())
        return cls(
            job=job,
            by=by,
            default_store=job.store,
            own_book_only=roles.keeps_own_book_only(by),
            sees_sensitive=can_view_sensitive(by),
            own_store_ids=set(Store.objects.of_user(by).values_list("pk", flat=True)),
            stores_by_code={store.code.lower(): store for store in stores},
            stores_by_id={store.pk: store for store in stores},
        )

    def store_parse(self, raw: str) -> Store:
        store = self.stores_by_code.get(raw.strip().lower())
        if store is None:
            raise ValidationError(_("There is no store with the code “%(value)s”.") % {"value": raw}, code="unknown")
        return store


# --- Customers ---------------------------------------------------------------------------------------------

# Columns whose cell sets a model field of the same name (the rest are parsed below).
_CUSTOMER_TEXT_COLUMNS = ("name_en", "name_zh", "address", "notes")
_CUSTOMER_FIELDS = (
    *_CUSTOMER_TEXT_COLUMNS,
    "mobile_phone",
    "email",
    "district",
    "birth_day",
    "birth_month",
    "birth_year",
    "preferred_language",
    "preferred_channel",
    "acquisition_source",
    "home_store",
    "account_manager",
)
_CUSTOMER_COLUMN_OF_FIELD = {"external_ref": "external_id"}


@dataclass
class _StaffMember:
    user: User
    is_account_manager: bool
    store_ids: set[int]


@dataclass
class _CustomerPlan(_Plan):
    to_create: list[Customer] = field(default_factory=list)
    # (customer with the new values, fields changed, updated_at as read)
    to_update: list[tuple[Customer, list[str], datetime]] = field(default_factory=list)

    @property
    def created_count(self) -> int:
        return len(self.to_create)

    @property
    def updated_count(self) -> int:
        return len(self.to_update)

    def write(self, *, by, reason: str) -> None:
        """Inside the caller's transaction: create and update, then log every customer touched."""
        for batch in _chunks(self.to_update):
            current = dict(
                Customer.objects.select_for_update()
                .filter(pk__in=[customer.pk for customer, _fields, _at in batch])
                .values_list("pk", "updated_at")
            )
            if any(current.get(customer.pk) != read_at for customer, _fields, read_at in batch):
                raise _ChangedMeanwhile
        Customer.objects.bulk_create(self.to_create, batch_size=BATCH_SIZE)  # ids returned (PostgreSQL, SQLite ≥ 3.35)
        now = timezone.now()
        changed_fields = sorted({name for _customer, names, _at in self.to_update for name in names})
        for customer, _fields, _at in self.to_update:
            customer.updated_at = now
        Customer.objects.bulk_update(
            [customer for customer, _fields, _at in self.to_update],
            [*changed_fields, "updated_at"],
            batch_size=BATCH_SIZE,
        )
        privacy.services.access_record_many(
            user=by, customers=self.to_create, action=AccessLog.Action.CREATE, view_name=VIEW_NAME, reason=reason
        )
        privacy.services.collection_record_many(
            customers=self.to_create, point=CollectionRecord.Point.IMPORT, by=by, reference=reason
        )
        by_reason = defaultdict(list)
        for customer, names, _at in self.to_update:
            by_reason[f"{reason}: {', '.join(names)}"].append(customer)
        for text, customers in by_reason.items():
            privacy.services.access_record_many(
                user=by, customers=customers, action=AccessLog.Action.EDIT, view_name=VIEW_NAME, reason=text
            )


def _customers_prepare(*, sheet: _Sheet, context: _Context, progress) -> _CustomerPlan:
    plan = _CustomerPlan(total_rows=len(sheet.rows))
    present = [name for name in _CUSTOMER_FIELDS if name in sheet.headers]
    external_ids = list(_column_values(sheet, "external_id"))
    existing: dict[str, Customer] = {}
    editable_ids: set[int] = set()
    for chunk in _chunks(external_ids):
        existing.update((c.external_ref, c) for c in Customer.objects.filter(external_ref__in=chunk).order_by())
    for chunk in _chunks([c.pk for c in existing.values()]):
        editable_ids.update(Customer.objects.editable_by(context.by).filter(pk__in=chunk).values_list("pk", flat=True))
    staff = _staff_load(
        usernames=_column_values(sheet, "account_manager"),
        ids={context.by.pk, *(c.account_manager_id for c in existing.values() if c.account_manager_id)},
    )
    staff_by_username = {member.user.username: member for member in staff.values()}
    choice_maps = {
        "district": _choice_map(District),
        "preferred_language": _choice_map(Customer.Language),
        "preferred_channel": _choice_map(Customer.Channel),
        "acquisition_source": _choice_map(Customer.Source),
    }
    sensitive = set(registry.sensitive_fields(Customer))
    first_row_of: dict[str, int] = {}

    def parse(column: str, raw: str):
        if column in _CUSTOMER_TEXT_COLUMNS:
            return raw
        if column == "mobile_phone":
            return phone_to_e164(raw)
        if column == "email":
            return raw.strip().lower()
        if column in choice_maps:
            return _choice_parse(raw, choice_maps[column])
        if column in ("birth_day", "birth_month", "birth_year"):
            return _int_parse(raw)
        if column == "home_store":
            return context.store_parse(raw)
        if column == "account_manager":
            member = staff_by_username.get(raw.strip())
            if member is None:
                raise ValidationError(_("There is no staff member with the username “%(value)s”.") % {"value": raw})
            return member.user
        raise AssertionError(column)

    for number, cells in _rows(sheet, progress):
        errors: dict[str, dict] = {}  # column: its first error on this row

        def fail(column: str, message, *, number=number, cells=cells, errors=errors) -> None:
            if column not in errors:
                errors[column] = _error(number, column, cells.get(column, ""), message)

        external_id = cells.get("external_id", "")
        if not external_id:
            fail("external_id", _("Enter the external_id: your stable id of this customer."))
        elif external_id in first_row_of:
            fail(
                "external_id",
                _("The external_id “%(value)s” is already on row %(row)d.")
                % {"value": external_id, "row": first_row_of[external_id]},
            )
        else:
            first_row_of[external_id] = number
        values = {}
        for column in present:
            raw = cells.get(column, "")
            if raw == "":
                continue  # an empty cell changes nothing
            try:
                values[column] = parse(column, raw)
            except ValidationError as exc:
                fail(column, _messages(exc)[0])

        customer = existing.get(external_id)
        if customer is not None and "external_id" not in errors:
            if customer.merged_into_id:
                fail("external_id", _("This customer was merged into another record: use that record's external_id."))
            elif customer.pk not in editable_ids:
                fail(
                    "external_id",
                    _(
                        "A customer with this external_id exists and you may not edit it "
                        "(another store, or another account manager's book)."
                    ),
                )
            else:
                read_at = customer.updated_at
                changed = [
                    name for name, value in values.items() if _field_value(customer, name) != _field_value(values, name)
                ]
                if not changed:
                    if not errors:
                        plan.unchanged_count += 1
                else:
                    for name in changed:
                        if name in sensitive and not context.sees_sensitive:
                            fail(name, _("You may not change sensitive personal data."))
                        setattr(customer, name, values[name])
                    if {"home_store", "account_manager"} & set(changed):
                        manager = staff.get(customer.account_manager_id)
                        for column, message in _assignment_errors(
                            context=context,
                            staff=staff,
                            home_store=context.stores_by_id[customer.home_store_id],
                            account_manager=manager.user if manager else None,
                        ).items():
                            fail(column, message)
                    _full_clean(customer, fail, fields=changed)
                    if not errors:
                        plan.to_update.append((customer, changed, read_at))
        elif customer is None:
            customer = Customer(external_ref=external_id or None, **values)
            if "home_store" not in values and "home_store" not in errors:
                if context.default_store is None:
                    fail("home_store", _("Enter the home_store, or choose a default store when uploading."))
                else:
                    customer.home_store = context.default_store
            if context.own_book_only and "account_manager" not in values:
                customer.account_manager = context.by  # an account manager's new customers are theirs
            for column, message in _assignment_errors(
                context=context,
                staff=staff,
                home_store=customer.home_store if customer.home_store_id else None,
                account_manager=customer.account_manager,
            ).items():
                fail(column, message)
            _full_clean(customer, fail, fields=[*values, "external_ref"])
            if not errors:
                plan.to_create.append(customer)
        plan.errors.extend(errors.values())
    progress(plan.total_rows)
    return plan


def _field_value(source, name: str):
    """A field's comparable value, from a customer or from a row's parsed values (FKs by id)."""
    if name not in ("home_store", "account_manager"):
        return source[name] if isinstance(source, dict) else getattr(source, name)
    if isinstance(source, dict):
        return source[name].pk if source[name] is not None else None
    return getattr(source, f"{name}_id")  # no query for the related row


_CUSTOMER_MODEL_FIELDS = frozenset(f.name for f in Customer._meta.concrete_fields)


def _full_clean(customer: Customer, fail, *, fields) -> None:
    """The model's own validation (``Customer.full_clean``, whose ``clean`` holds the cross-field rules),
    without what a 50,000-row file cannot afford per row:

    * field checks only for the fields this row sets (the others are defaults or stored values);
    * no query per row: stores and staff were checked against preloaded lists, external ids against
      the file and the database (``validate_unique``), and ``clean`` repeats the constraints;
    * the phone number is checked once: the row's cell went through ``phone_to_e164``, the very
      function ``Customer.clean`` runs, so ``clean`` is shown an empty number.
    """
    phone = customer.mobile_phone
    customer.mobile_phone = ""
    try:
        customer.full_clean(
            exclude=_CUSTOMER_MODEL_FIELDS - set(fields) | {"home_store", "account_manager", "mobile_phone"},
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            column = "" if name == NON_FIELD_ERRORS else _CUSTOMER_COLUMN_OF_FIELD.get(name, name)
            fail(column, messages[0])
    finally:
        customer.mobile_phone = phone


def _assignment_errors(*, context: _Context, staff: dict[int, _StaffMember], home_store, account_manager) -> dict:
    """customers.services.customer's assignment rules, on preloaded stores and staff: customers go to
    the user's own stores; an account manager's go to their own book; the account manager works at
    the customer's home store. Messages are the service's own."""
    errors = {}
    if home_store is not None and home_store.pk not in context.own_store_ids:
        errors["home_store"] = _("You can only assign customers to your own stores.")
    if context.own_book_only and account_manager != context.by:
        errors["account_manager"] = _("Customers you add or edit stay in your own book.")
    elif account_manager is not None and "home_store" not in errors:
        member = staff.get(account_manager.pk)
        if (
            member is None
            or not member.is_account_manager
            or (home_store is not None and home_store.pk not in member.store_ids)
        ):
            errors["account_manager"] = _("Choose an account manager who works at the customer's home store.")
    return errors


def _staff_load(*, usernames: set[str], ids: set[int]) -> dict[int, _StaffMember]:
    """Staff named in the file or managing its customers, with their roles and stores (3 queries)."""
    if not usernames and not ids:
        return {}
    users = (
        User.objects.filter(models.Q(username__in=usernames) | models.Q(pk__in=ids))
        .prefetch_related("groups", "stores")
        .order_by()
    )
    return {
        user.pk: _StaffMember(
            user=user,
            is_account_manager=user.is_active and any(g.name == roles.ACCOUNT_MANAGER for g in user.groups.all()),
            store_ids={store.pk for store in user.stores.all()},
        )
        for user in users
    }


def _column_values(sheet: _Sheet, column: str) -> set[str]:
    if column not in sheet.headers:
        return set()
    index = sheet.headers.index(column)
    return {cells[index].strip() for _n, cells in sheet.rows if index < len(cells) and cells[index].strip()}


# --- Purchases ---------------------------------------------------------------------------------------------


@dataclass
class _Line:
    product: Product | None
    description: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    serial_number: str

    def key(self) -> tuple:
        return (
            self.product.pk if self.product else None,
            self.description,
            self.quantity,
            self.unit_price,
            self.discount,
            self.serial_number,
        )

    @property
    def line_total(self) -> Decimal:
        return PurchaseLine.compute_total(quantity=self.quantity, unit_price=self.unit_price, discount=self.discount)


@dataclass
class _Receipt:
    receipt_no: str
    first_row: int
    customer: Customer
    store: Store
    purchased_on: date
    channel: str
    lines: list[_Line] = field(default_factory=list)
    serial_rows: dict[str, int] = field(default_factory=dict)  # serial number (casefold): its first row

    def header(self) -> dict:
        return {
            "customer_id": self.customer.pk,
            "store_id": self.store.pk,
            "purchased_on": self.purchased_on,
            "channel": self.channel,
        }

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


@dataclass
class _PurchasePlan(_Plan):
    to_create: list[_Receipt] = field(default_factory=list)
    # (purchase as stored, receipt from the file, updated_at as read)
    to_update: list[tuple[Purchase, _Receipt, datetime]] = field(default_factory=list)

    @property
    def created_count(self) -> int:
        return len(self.to_create)

    @property
    def updated_count(self) -> int:
        return len(self.to_update)

    def write(self, *, by, reason: str) -> None:
        """Inside the caller's transaction: purchases, their lines, the timepieces bought, the access log."""
        for batch in _chunks(self.to_update):
            current = dict(
                Purchase.objects.select_for_update()
                .filter(pk__in=[purchase.pk for purchase, _r, _at in batch])
                .values_list("pk", "updated_at")
            )
            if any(current.get(purchase.pk) != read_at for purchase, _r, read_at in batch):
                raise _ChangedMeanwhile
        purchases = [
            Purchase(external_ref=receipt.receipt_no, total=receipt.total, **receipt.header())
            for receipt in self.to_create
        ]
        Purchase.objects.bulk_create(purchases, batch_size=BATCH_SIZE)  # ids returned (PostgreSQL, SQLite ≥ 3.35)
        new_lines = [
            _line_model(purchase, line)
            for purchase, receipt in zip(purchases, self.to_create, strict=True)
            for line in receipt.lines
        ]
        # Changed receipts keep their line rows (and what links to them) in order: updated, added, removed.
        now = timezone.now()
        changed_lines, removed_line_ids = [], []
        for purchase, receipt, _at in self.to_update:
            for name, value in receipt.header().items():
                setattr(purchase, name, value)
            purchase.total = receipt.total
            purchase.updated_at = now
            stored = list(purchase.lines.all())
            for index, line in enumerate(receipt.lines):
                if index < len(stored):
                    row, new = stored[index], _line_model(purchase, line)
                    for name in _LINE_FIELDS:
                        setattr(row, name, getattr(new, name))
                    changed_lines.append(row)
                else:
                    new_lines.append(_line_model(purchase, line))
            removed_line_ids += [row.pk for row in stored[len(receipt.lines) :]]
        Purchase.objects.bulk_update(
            [purchase for purchase, _r, _at in self.to_update],
            ["customer", "store", "purchased_on", "channel", "total", "updated_at"],
            batch_size=BATCH_SIZE,
        )
        PurchaseLine.objects.filter(pk__in=removed_line_ids).delete()
        PurchaseLine.objects.bulk_update(changed_lines, _LINE_FIELDS, batch_size=BATCH_SIZE)
        PurchaseLine.objects.bulk_create(new_lines, batch_size=BATCH_SIZE)
        # As purchase_create does: every watch or clock bought becomes an owned timepiece (once per line).
        for line in [*changed_lines, *new_lines]:
            if line.product is not None and line.product.is_timepiece and line.quantity > 0:
                timepiece_services.timepiece_create_from_line(line=line, by=by)
        customers = {receipt.customer.pk: receipt.customer for receipt in self.to_create}
        customers.update((receipt.customer.pk, receipt.customer) for _p, receipt, _at in self.to_update)
        privacy.services.access_record_many(
            user=by,
            customers=list(customers.values()),
            action=AccessLog.Action.EDIT,
            view_name=VIEW_NAME,
            reason=f"{reason}: {_('purchases')}",
        )


_LINE_FIELDS = ["product", "description", "quantity", "unit_price", "discount", "serial_number", "line_total"]


def _line_model(purchase: Purchase, line: _Line) -> PurchaseLine:
    return PurchaseLine(
        purchase=purchase,
        product=line.product,
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        serial_number=line.serial_number,
        line_total=line.line_total,
    )


def _purchases_prepare(*, sheet: _Sheet, context: _Context, progress) -> _PurchasePlan:
    plan = _PurchasePlan(total_rows=len(sheet.rows))
    customer_refs = list(_column_values(sheet, "customer_external_id"))
    customers: dict[str, Customer] = {}
    for chunk in _chunks(customer_refs):
        customers.update(
            (c.external_ref, c) for c in Customer.objects.editable_by(context.by).filter(external_ref__in=chunk)
        )
    products_by_ref: dict[str, list[Product]] = defaultdict(list)  # upper-cased reference: products
    for chunk in _chunks(list({ref.upper() for ref in _column_values(sheet, "product_reference")})):
        for product in (
            Product.objects.alias(reference_upper=Upper("reference"))
            .filter(reference_upper__in=chunk)
            .select_related("brand")
        ):
            products_by_ref[product.reference.upper()].append(product)
    brands = {b.lower() for b in Brand.objects.values_list("name", flat=True)}
    channels = _choice_map(Purchase.Channel)
    today = timezone.localdate()
    receipts: dict[str, _Receipt] = {}

    for number, cells in _rows(sheet, progress):
        errors: dict[str, dict] = {}

        def fail(column: str, message, *, number=number, cells=cells, errors=errors) -> None:
            if column not in errors:
                errors[column] = _error(number, column, cells.get(column, ""), message)

        def parsed(column: str, parser, default=None, *, cells=cells, fail=fail):
            raw = cells.get(column, "")
            if raw == "":
                return default
            try:
                return parser(raw)
            except ValidationError as exc:
                fail(column, _messages(exc)[0])
                return None

        receipt_no = cells.get("receipt_no", "")
        if not receipt_no:
            fail("receipt_no", _("Enter the receipt_no."))
        elif len(receipt_no) > 64:
            fail("receipt_no", _("A receipt number has at most 64 characters."))
        customer_ref = cells.get("customer_external_id", "")
        customer = customers.get(customer_ref)
        if not customer_ref:
            fail("customer_external_id", _("Enter the customer's external_id."))
        elif customer is None:
            fail(
                "customer_external_id",
                _("No customer that you may edit has the external_id “%(value)s”: import the customers first.")
                % {"value": customer_ref},
            )
        purchased_on = parsed("purchased_on", _date_parse)
        if "purchased_on" not in errors:
            if purchased_on is None:
                fail("purchased_on", _("Enter the date of the purchase."))
            elif purchased_on > today:
                fail("purchased_on", _("The date %(date)s is in the future.") % {"date": purchased_on.isoformat()})
        store = parsed("store", context.store_parse, context.default_store)
        if "store" not in errors:
            if store is None:
                fail("store", _("Enter the store, or choose a default store when uploading."))
            elif store.pk not in context.own_store_ids:
                fail("store", _("You can only import purchases of your own stores."))
        channel = parsed("channel", lambda raw: _choice_parse(raw, channels), Purchase.Channel.IN_STORE)
        line = _line_parse(
            cells=cells, fail=fail, parsed=parsed, products_by_ref=products_by_ref, brands=brands, errors=errors
        )
        if errors:
            plan.errors.extend(errors.values())
            continue
        receipt = receipts.get(receipt_no)
        if receipt is None:
            receipt = receipts[receipt_no] = _Receipt(receipt_no, number, customer, store, purchased_on, channel)
        for column, mine, theirs in (
            ("customer_external_id", customer.pk, receipt.customer.pk),
            ("purchased_on", purchased_on, receipt.purchased_on),
            ("store", store.pk, receipt.store.pk),
            ("channel", channel, receipt.channel),
        ):
            if mine != theirs:
                fail(
                    column,
                    _("Every row of receipt “%(receipt)s” needs the same %(column)s as its first row (row %(row)d).")
                    % {"receipt": receipt_no, "column": column, "row": receipt.first_row},
                )
        if line.serial_number:
            first = receipt.serial_rows.setdefault(line.serial_number.casefold(), number)
            if first != number:
                fail(
                    "serial_number",
                    _("The serial number %(serial)s is already on row %(row)d of this receipt.")
                    % {"serial": line.serial_number, "row": first},
                )
        if len(receipt.lines) >= MAX_LINES:
            fail("receipt_no", _("A purchase can have at most %(max)s lines.") % {"max": MAX_LINES})
        if errors:
            plan.errors.extend(errors.values())
        else:
            receipt.lines.append(line)

    existing = {}
    for chunk in _chunks(list(receipts)):
        existing.update(
            (p.external_ref, p) for p in Purchase.objects.filter(external_ref__in=chunk).prefetch_related("lines")
        )
    editable_customer_ids = set()
    for chunk in _chunks(list({p.customer_id for p in existing.values()})):
        editable_customer_ids.update(
            Customer.objects.editable_by(context.by).filter(pk__in=chunk).values_list("pk", flat=True)
        )
    for receipt_no, receipt in receipts.items():
        purchase = existing.get(receipt_no)
        if purchase is None:
            plan.to_create.append(receipt)
        elif purchase.customer_id not in editable_customer_ids:
            plan.errors.append(
                _error(
                    receipt.first_row,
                    "receipt_no",
                    receipt_no,
                    _("This receipt is already recorded for a customer you may not edit."),
                )
            )
        elif _purchase_matches(purchase, receipt):
            plan.unchanged_count += 1
        elif purchase.status != Purchase.Status.COMPLETED:
            plan.errors.append(
                _error(
                    receipt.first_row,
                    "receipt_no",
                    receipt_no,
                    _("Items of this receipt were returned in the CRM: an import can no longer change it."),
                )
            )
        else:
            plan.to_update.append((purchase, receipt, purchase.updated_at))
    plan.errors.sort(key=lambda e: e["row"] or 0)
    progress(plan.total_rows)
    return plan


def _line_parse(*, cells, fail, parsed, products_by_ref, brands, errors) -> _Line | None:
    reference = cells.get("product_reference", "")
    brand = cells.get("brand", "").strip().lower()
    product = None
    if reference:
        candidates = products_by_ref.get(reference.upper(), [])
        if brand:
            candidates = [p for p in candidates if p.brand.name.lower() == brand]
        if brand and brand not in brands:
            fail("brand", _("There is no brand “%(value)s” in the catalogue.") % {"value": cells.get("brand")})
        elif not candidates:
            fail(
                "product_reference",
                _("There is no product with the reference “%(value)s” in the catalogue.") % {"value": reference},
            )
        elif len(candidates) > 1:
            fail("brand", _("Several brands have a product “%(value)s”: enter the brand.") % {"value": reference})
        else:
            product = candidates[0]
    description = cells.get("description", "")
    if product is None and not description and "product_reference" not in errors and "brand" not in errors:
        fail("description", _("Enter a product_reference from the catalogue or a description."))
    if len(description) > 200:
        fail("description", _("A description has at most 200 characters."))
    quantity = parsed("quantity", _int_parse)
    if "quantity" not in errors:
        if not quantity:
            fail("quantity", _("Enter a quantity other than 0."))
        elif quantity < 0:
            fail("quantity", _("Returns cannot be imported: record them on the purchase in the CRM."))
        elif product is not None and product.is_timepiece and quantity > 1:
            fail("quantity", _("Put each watch or clock on its own line, with its own serial number."))
    unit_price = parsed("unit_price", _money_parse)
    if "unit_price" not in errors and unit_price is None:
        fail("unit_price", _("Enter the unit price in HKD."))
    discount = parsed("discount", _money_parse, Decimal("0.00"))
    if not errors and discount > abs(quantity) * unit_price:
        fail("discount", _("The discount is larger than the line's price."))
    serial_number = cells.get("serial_number", "")
    if len(serial_number) > 64:
        fail("serial_number", _("A serial number has at most 64 characters."))
    elif not serial_number and product is not None and product.is_timepiece:
        fail(
            "serial_number",
            _("Enter the serial number of this %(category)s.") % {"category": product.get_category_display().lower()},
        )
    if errors:
        return None
    return _Line(product, description, quantity, unit_price, discount, serial_number)


def _purchase_matches(purchase: Purchase, receipt: _Receipt) -> bool:
    """The stored purchase is what the file says (its sold lines: returns are recorded in the CRM)."""
    if any(getattr(purchase, name) != value for name, value in receipt.header().items()):
        return False
    stored = [
        (line.product_id, line.description, line.quantity, line.unit_price, line.discount, line.serial_number)
        for line in purchase.lines.all()
        if line.quantity > 0
    ]
    return stored == [line.key() for line in receipt.lines]
