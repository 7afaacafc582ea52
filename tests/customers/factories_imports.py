"""Helpers for the import tests: files to upload, jobs run without a broker, and row counts."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import factory
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Brand, Customer, ImportJob, Product, Purchase, PurchaseLine
from customers.services import data_quality_imports as imports
from privacy.models import AccessLog

FIXTURES = Path(__file__).parent / "fixtures"

CUSTOMER_HEADER = ["external_id", "name_en", "name_zh", "mobile_phone", "email", "district", "home_store"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Import brand {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    brand = factory.SubFactory(BrandFactory)
    model_name = factory.Sequence(lambda n: f"Model {n}")
    reference = factory.Sequence(lambda n: f"REF-{n:04d}")
    category = Product.Category.WATCH
    list_price = Decimal("50000.00")


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    """Rows (the first is the header) as a CSV file's bytes."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    """Rows as an Excel workbook, cells typed as Excel would store them (numbers stay numbers)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def job_checked(*, by, content: bytes, kind=ImportJob.Kind.CUSTOMERS, store=None, name=None) -> ImportJob:
    """Upload ``content`` as ``by`` and check it, as the validate task does (no broker)."""
    name = name or ("customers.csv" if kind == ImportJob.Kind.CUSTOMERS else "purchases.csv")
    job = imports.import_job_create(by=by, kind=kind, uploaded_file=upload(content, name), store=store)
    return imports.import_job_validate_run(job_id=job.pk)


def job_imported(*, by, job: ImportJob) -> ImportJob:
    """Press "Import" as ``by`` and run the commit task's work (no broker)."""
    imports.import_job_commit(by=by, job_id=job.pk)
    return imports.import_job_commit_run(job_id=job.pk, by_id=by.pk)


def row_counts() -> dict:
    """How many rows the tables an import writes to hold."""
    return {
        "customers": Customer.objects.count(),
        "purchases": Purchase.objects.count(),
        "purchase_lines": PurchaseLine.objects.count(),
        "access_log": AccessLog.objects.count(),
    }


def errors_of(job: ImportJob) -> list[tuple]:
    """The job's errors as (row, column, value) triples, in order."""
    return [(e["row"], e["column"], e["value"]) for e in job.errors]


def customer_rows(count: int, *, store_code: str, prefix: str = "B") -> list[list]:
    """A customer file of ``count`` valid rows (header first), each field filled as a shop's export would."""
    districts = ["wan_chai", "Central and Western", "sha_tin", "Yau Tsim Mong", "islands"]
    names_zh = ["陳大文", "黃小明", "李嘉欣", "張偉強", "劉美玲"]
    rows = [
        [
            "external_id",
            "name_en",
            "name_zh",
            "mobile_phone",
            "email",
            "district",
            "birth_day",
            "birth_month",
            "preferred_language",
            "home_store",
            "notes",
        ]
    ]
    for n in range(count):
        rows.append(
            [
                f"{prefix}-{n:06d}",
                f"Customer {n}",
                names_zh[n % 5],
                f"9{1_000_000 + n:07d}",
                f"customer{n}@example.com",
                districts[n % 5],
                str(n % 28 + 1),
                str(n % 12 + 1),
                "en" if n % 3 else "zh-hant",
                store_code,
                "VIP" if n % 10 == 0 else "",
            ]
        )
    return rows
