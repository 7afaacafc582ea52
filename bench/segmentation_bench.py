"""Segmentation at scale: time and memory of the metrics refresh (and of screening, tiers and RFM when present).

Run against a database loaded by bench/generate.py (see bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench1m .venv/bin/python bench/segmentation_bench.py

Each step runs once, in this process, exactly as the Celery worker runs it (the same service
calls); the figures are wall-clock seconds and this process's peak resident memory during the
step (the worker's memory: Linux's VmHWM, reset before each step), with the PostgreSQL backend's
peak beside it for information. ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the metrics
upsert, in a transaction that is rolled back.
"""

import argparse
import contextlib
import datetime
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 20)  # bench/generate.py's default "today"


@dataclass
class Figure:
    step: str
    seconds: float
    rows: str
    target: float | None
    worker_mb: float
    backend_mb: float | None
    backend_cpu: float | None
    load: float

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.seconds <= self.target else "OVER"


def _status_kb(pid: int | str, key: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak(pid: int | str) -> None:
    """Reset VmHWM (Linux: writing 5 to clear_refs), so that the next reading is this step's peak."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc/<pid>/stat, fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def measure(figures: list[Figure], step: str, work: Callable[[], object], *, target: float | None = None) -> object:
    backend = _backend_pid()
    _reset_peak("self")
    _reset_peak(backend)
    cpu_before = _cpu_seconds(backend)
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    cpu_after = _cpu_seconds(backend)
    backend_kb = _status_kb(backend, "VmHWM")
    figures.append(
        Figure(
            step=step,
            seconds=seconds,
            rows=_describe(result),
            target=target,
            worker_mb=(_status_kb("self", "VmHWM") or 0) / 1024,
            backend_mb=backend_kb / 1024 if backend_kb is not None else None,
            backend_cpu=cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None,
            load=os.getloadavg()[0],
        )
    )
    print(f"  {step}: {seconds:.1f} s ({figures[-1].rows})", flush=True)
    return result


def _describe(result) -> str:
    if isinstance(result, dict):
        return ", ".join(f"{key} {value:,}" for key, value in result.items() if isinstance(value, int))
    if hasattr(result, "status") and hasattr(result, "counts"):  # a Run
        return f"{result.status}, entered {result.entered_count:,}, left {result.left_count:,}"
    if isinstance(result, int):
        return f"{result:,}"
    return str(result or "")


def print_table(figures: list[Figure]) -> None:
    """A Markdown table: wall-clock seconds against the target, the PostgreSQL backend's CPU seconds
    (what the step costs, whatever else the machine is doing), the 1-minute load average at its end
    (2 CPUs: above 2, other work was competing), and peak memory."""
    columns = ("step", "seconds", "target", "", "PostgreSQL CPU s", "load", "worker peak RSS", "PostgreSQL peak")
    rows = [
        (
            f.step,
            f"{f.seconds:.1f}",
            f"≤ {f.target:.0f} s" if f.target is not None else "",
            f.verdict,
            f"{f.backend_cpu:.1f}" if f.backend_cpu is not None else "n/a",
            f"{f.load:.1f}",
            f"{f.worker_mb:,.0f} MB",
            f"{f.backend_mb:,.0f} MB" if f.backend_mb is not None else "n/a",
        )
        for f in figures
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=True)]
    print()
    for line in (columns, tuple("-" * w for w in widths), *rows):
        pairs = enumerate(zip(line, widths, strict=True))
        cells = (cell.ljust(width) if i == 0 else cell.rjust(width) for i, (cell, width) in pairs)
        print("| " + " | ".join(cells) + " |")
    for f in figures:
        if f.rows:
            print(f"  {f.step}: {f.rows}")


def sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT COUNT(*) FROM customers_customer), (SELECT COUNT(*) FROM customers_purchase),
                      (SELECT COUNT(*) FROM customers_purchaseline), (SELECT COUNT(*) FROM customers_ownedtimepiece),
                      pg_database_size(current_database())"""
        )
        customers, purchases, lines, timepieces, size = cursor.fetchone()
    return {
        "customers": customers,
        "purchases": purchases,
        "purchase lines": lines,
        "owned timepieces": timepieces,
        "database MB": size // 2**20,
    }


def explain_metrics(today: datetime.date) -> None:
    from django.db import connection, transaction

    from segmentation.services import metrics

    sql, params = metrics.upsert_statement(today=today)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)


def metrics_steps(figures: list[Figure], today: datetime.date, *, fresh: bool) -> None:
    from segmentation.models import CustomerMetrics
    from segmentation.services import metrics_refresh

    if fresh:
        classification_reset()  # refuses a database that is not a bench one
        CustomerMetrics.objects.all()._raw_delete(CustomerMetrics.objects.db)  # empty table: a first refresh
    measure(figures, "metrics refresh (first: every row inserted)", lambda: metrics_refresh(today=today), target=120)
    measure(figures, "metrics refresh again, same day (no-op)", lambda: metrics_refresh(today=today), target=120)
    nightly = today + datetime.timedelta(days=1)
    measure(
        figures,
        "metrics refresh next day (nightly: rows updated)",
        lambda: metrics_refresh(today=nightly),
        target=120,
    )


# The browser test's criterion (issue #4): spent at least HKD 100,000 in 12 months and bought at least twice.
CRITERION = {
    "all": [
        {"field": "spend_12m", "op": "gte", "value": 100000},
        {"field": "purchases_12m", "op": "gte", "value": 2},
    ]
}
# A loyalty ladder, highest first.
LADDER = (
    ("Platinum", {"all": [{"field": "spend_12m", "op": "gte", "value": 300000}]}, 90),
    ("Gold", {"all": [{"field": "spend_12m", "op": "gte", "value": 100000}]}, 60),
    ("Silver", {"all": [{"field": "spend_12m", "op": "gte", "value": 30000}]}, 30),
    ("Member", {"all": [{"field": "purchases_lifetime", "op": "gte", "value": 1}]}, 0),
)
BENCH_NAME = "Bench: HKD 100,000 in 12 months, twice"


def classification_setup():
    """The benchmark's admin, criterion (tracked as a segment) and tier ladder, made once."""
    from django.contrib.auth.models import Group

    from crm_site import roles
    from crm_site.models import User
    from segmentation.models import Criterion, Tier
    from segmentation.services import criterion_create

    admin, created = User.objects.get_or_create(username="bench.admin")
    if created:
        admin.set_unusable_password()
        admin.save()
        admin.groups.add(Group.objects.get(name=roles.ADMIN))
    if not Criterion.objects.filter(name=BENCH_NAME).exists():
        criterion_create(by=admin, name=BENCH_NAME, rule=CRITERION, purpose=Criterion.Purpose.VIP)
    for rank, (name, rule, grace_days) in enumerate(LADDER, start=1):
        if not Tier.objects.filter(name=name).exists():
            criterion = criterion_create(by=admin, name=f"Bench tier: {name}", rule=rule, track_as_segment=False)
            Tier.objects.create(rank=rank, name=name, criterion=criterion, grace_days=grace_days)
    return admin


def classification_reset() -> None:
    """Forget every run, membership, tier holding and RFM score (a first run follows). Bench databases only."""
    from django.db import connection

    from customers.models import Customer
    from segmentation.models import CustomerRfm, CustomerTier, Run, SegmentMembership, TierChange

    if not Customer.objects.filter(external_ref__startswith="BENCH-").exists():
        raise SystemExit("This database was not loaded by bench/generate.py: refusing to reset its classification.")
    tables = [model._meta.db_table for model in (SegmentMembership, TierChange, CustomerTier, CustomerRfm, Run)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")


def classification_steps(figures: list[Figure], today: datetime.date, *, fresh: bool) -> None:
    from django.utils import timezone

    from segmentation.models import Run, Segment
    from segmentation.services import (
        criterion_queryset,
        rfm_apply,
        run_create,
        run_execute,
        segments_apply,
        tiers_apply,
    )

    if fresh:
        classification_reset()
    admin = classification_setup()
    segments = Segment.objects.filter(is_active=True).count()
    print(f"  {segments} active segment(s), criterion: {CRITERION}", flush=True)
    measure(
        figures,
        "criterion: count of matching customers (preview)",
        lambda: criterion_queryset(CRITERION).count(),
        target=10,
    )
    run = run_create(by=admin)
    apply = lambda: _members(segments_apply(run=run))  # noqa: E731
    measure(figures, "criterion applied: segment members recorded", apply, target=10)
    measure(figures, "criterion applied again (no change)", apply, target=10)
    measure(figures, "tiers applied (4-tier ladder, grace periods)", lambda: _tiers(tiers_apply(run=run, as_of=today)))
    measure(figures, "RFM (quintiles, named segments)", lambda: _rfm(rfm_apply(run=run)), target=30)
    measure(figures, "RFM again (no change)", lambda: _rfm(rfm_apply(run=run)), target=30)
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.SUCCEEDED, finished_at=timezone.now(), progress=100, step="benchmark steps"
    )
    run = run_create(by=admin)
    finished = measure(
        figures, "full run (run_execute: metrics, segments, tiers, RFM)", lambda: run_execute(run_id=run.pk)
    )
    if finished.status != Run.Status.SUCCEEDED:
        print(f"  the full run failed: {finished.error}")


def _members(counts: dict) -> dict:
    return {
        "members": sum(c["size"] for c in counts.values()),
        "entered": sum(c["entered"] for c in counts.values()),
        "left": sum(c["left"] for c in counts.values()),
    }


def _tiers(result: dict) -> dict:
    return {c["name"]: c["size"] for c in result["tiers"].values()} | {"changes": result["changes"]}


def _rfm(counts: dict) -> dict:
    return {"buyers scored": sum(c["size"] for c in counts.values()), "champions": counts["champions"]["size"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=TODAY)
    parser.add_argument("--explain", action="store_true", help="print the metrics upsert's plan (EXPLAIN ANALYZE)")
    parser.add_argument(
        "--keep-metrics", action="store_true", help="do not empty the metrics table before the first refresh"
    )
    parser.add_argument(
        "--keep-classification", action="store_true", help="keep earlier runs, memberships, tiers and RFM scores"
    )
    parser.add_argument("--skip-metrics", action="store_true", help="only criteria, tiers, RFM and the full run")
    parser.add_argument("--skip-classification", action="store_true", help="only the metrics refresh")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Point DATABASE_URL at the PostgreSQL database that bench/generate.py loaded.")
    print(f"Segmentation benchmark, {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC, as of {args.today}")
    print("  " + ", ".join(f"{name} {value:,}" for name, value in sizes().items()))
    print(f"  {os.cpu_count()} CPUs, PostgreSQL {connection.pg_version // 10000}", flush=True)
    if args.explain:
        explain_metrics(args.today)
        return
    figures: list[Figure] = []
    if not args.skip_metrics:
        metrics_steps(figures, args.today, fresh=not args.keep_metrics)
    if not args.skip_classification:
        classification_steps(figures, args.today, fresh=not args.keep_classification)
    print_table(figures)


if __name__ == "__main__":
    main()
