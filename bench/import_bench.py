"""Import throughput: generate a 50,000-row customer CSV, check it, import it, check it again; print rows/second.

Run by hand, against whatever DATABASE_URL says:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench .venv/bin/python bench/import_bench.py
    .venv/bin/python bench/import_bench.py --rows 10000        # SQLite: var/import-bench.sqlite3

Without DATABASE_URL it uses a SQLite file of its own, never the development database. It migrates the
database, then makes a store and a supervisor of its own ("bench"). Each run imports new external ids,
so it creates every customer; the second check finds them all unchanged. The tasks run in this process
(no broker), exactly as a worker runs them; uploaded files go to a temporary folder.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'import-bench.sqlite3'}")
    media = tempfile.TemporaryDirectory(prefix="import-bench-")
    os.environ["DJANGO_MEDIA_ROOT"] = media.name
    import django

    django.setup()

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from crm_site import roles
    from crm_site.models import User
    from customers import tasks
    from customers.models import ImportJob, Store
    from customers.services import data_quality_imports as imports

    # The tasks run here, in this process: nothing is sent to the broker (a worker would run them again).
    for task in (tasks.import_job_validate, tasks.import_job_commit):
        task.delay = lambda *args: None

    store, _ = Store.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    user, created = User.objects.get_or_create(username="bench-supervisor")
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(roles_group(roles.SUPERVISOR))
        store.staff.add(user)

    run = base36(int(time.time()))
    content = customer_csv(args.rows, prefix=f"B{run}", store_code=store.code)
    vendor = connection.vendor
    print(f"{args.rows:,} customer rows ({len(content) / 1e6:.1f} MB CSV), {vendor} database")

    job = imports.import_job_create(
        by=user, kind="customers", uploaded_file=SimpleUploadedFile("bench.csv", content), store=store
    )
    seconds = timed(lambda: tasks.import_job_validate.run(job.pk))
    job.refresh_from_db()
    expect(job.status == ImportJob.Status.READY, job.errors[:3])
    report("check", args.rows, seconds)

    imports.import_job_commit(by=user, job_id=job.pk)
    commit_seconds = timed(lambda: tasks.import_job_commit.run(job.pk, user.pk))
    job.refresh_from_db()
    expect((job.status, job.created_count) == (ImportJob.Status.DONE, args.rows), job.errors[:3])
    report("import (check again + write)", args.rows, commit_seconds)
    report("upload to imported (both tasks)", args.rows, seconds + commit_seconds)

    again = imports.import_job_create(
        by=user, kind="customers", uploaded_file=SimpleUploadedFile("bench.csv", content), store=store
    )
    seconds = timed(lambda: tasks.import_job_validate.run(again.pk))
    again.refresh_from_db()
    expect(again.unchanged_count == args.rows, again.errors[:3])
    report("check of the same file again (all unchanged)", args.rows, seconds)
    media.cleanup()


def roles_group(name: str):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


def customer_csv(rows: int, *, prefix: str, store_code: str) -> bytes:
    """A "CSV UTF-8" file as Excel saves it, every column filled in."""
    districts = ["wan_chai", "Central and Western", "sha_tin", "Yau Tsim Mong", "islands"]
    names_zh = ["陳大文", "黃小明", "李嘉欣", "張偉強", "劉美玲"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
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
    )
    for n in range(rows):
        writer.writerow(
            [
                f"{prefix}-{n:06d}",
                f"Customer {n}",
                names_zh[n % 5],
                f"9{1_000_000 + n:07d}",
                f"customer{n}@example.com",
                districts[n % 5],
                n % 28 + 1,
                n % 12 + 1,
                "en" if n % 3 else "zh-hant",
                store_code,
                "VIP" if n % 10 == 0 else "",
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def expect(condition: bool, details) -> None:
    if not condition:
        raise SystemExit(f"The import did not do what it should: {details}")


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def report(what: str, rows: int, seconds: float) -> None:
    print(f"  {what:<46} {seconds:7.1f} s  {rows / seconds:9,.0f} rows/s")


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
    return text or "0"


if __name__ == "__main__":
    main()
