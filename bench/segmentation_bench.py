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


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def measure(figures: list[Figure], step: str, work: Callable[[], object], *, target: float | None = None) -> object:
    backend = _backend_pid()
    _reset_peak("self")
    _reset_peak(backend)
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    backend_kb = _status_kb(backend, "VmHWM")
    figures.append(
        Figure(
            step=step,
            seconds=seconds,
            rows=_describe(result),
            target=target,
            worker_mb=(_status_kb("self", "VmHWM") or 0) / 1024,
            backend_mb=backend_kb / 1024 if backend_kb is not None else None,
        )
    )
    print(f"  {step}: {seconds:.1f} s ({figures[-1].rows})", flush=True)
    return result


def _describe(result) -> str:
    if isinstance(result, dict):
        return ", ".join(f"{key} {value:,}" for key, value in result.items() if isinstance(value, int))
    if isinstance(result, int):
        return f"{result:,}"
    return str(result or "")


def print_table(figures: list[Figure]) -> None:
    header = f"| {'step':<48} | {'seconds':>8} | {'target':>7} | {'':>4} | {'worker peak RSS':>15} | {'PostgreSQL backend peak':>23} | rows"  # noqa: E501
    print()
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|------")
    for f in figures:
        target = f"{f.target:.0f} s" if f.target is not None else ""
        backend = f"{f.backend_mb:,.0f} MB" if f.backend_mb is not None else "n/a"
        print(
            f"| {f.step:<48} | {f.seconds:8.1f} | {target:>7} | {f.verdict:>4} | {f.worker_mb:12,.0f} MB"
            f" | {backend:>23} | {f.rows}"
        )


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=TODAY)
    parser.add_argument("--explain", action="store_true", help="print the metrics upsert's plan (EXPLAIN ANALYZE)")
    parser.add_argument(
        "--keep-metrics", action="store_true", help="do not empty the metrics table before the first refresh"
    )
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
    metrics_steps(figures, args.today, fresh=not args.keep_metrics)
    print_table(figures)


if __name__ == "__main__":
    main()
