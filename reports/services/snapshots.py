"""The daily KPI snapshot: one GROUP BY query per metric over the whole business, rows per store and a total."""

import datetime
import time
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from reports import kpis
from reports.models import KpiSnapshot, SnapshotRun


def _values_for(metric: kpis.Metric, day: datetime.date) -> dict[tuple[int, str], Decimal]:
    """{(store id, key): value} for one metric on one day (one set-based query)."""
    fields = [metric.store_path] + ([metric.key] if metric.key else [])
    rows = metric.rows(day, day).values(*fields).annotate(value=metric.value_expression()).order_by()
    result = {}
    for row in rows:
        key = row[metric.key] if metric.key else ""
        result[(row[metric.store_path], "" if key is None else str(key))] = kpis.to_decimal(row["value"])
    return result


def _median_rows(day: datetime.date) -> list[KpiSnapshot]:
    """The day's median resolution time per store and for the whole business (not additive: from the rows)."""
    per_store = defaultdict(list)
    for store_id, received, resolved in kpis.complaints_resolved(day, day).values_list(
        "store_id", "received_at", "resolved_at"
    ):
        per_store[store_id].append((resolved - received).total_seconds() / 3600)
    everything = [hours for values in per_store.values() for hours in values]
    rows = [
        KpiSnapshot(
            day=day, store_id=store_id, metric=kpis.MEDIAN_RESOLUTION_HOURS, value=kpis.to_decimal(kpis.median(values))
        )
        for store_id, values in per_store.items()
    ]
    if everything:
        rows.append(
            KpiSnapshot(
                day=day,
                store_id=None,
                metric=kpis.MEDIAN_RESOLUTION_HOURS,
                value=kpis.to_decimal(kpis.median(everything)),
            )
        )
    return rows


def snapshot_rows(*, day: datetime.date) -> list[KpiSnapshot]:
    """Every figure of ``day``, per store and (store empty) for the whole business. Zeros are not stored."""
    rows = []
    for metric in kpis.METRICS.values():
        totals = defaultdict(Decimal)
        for (store_id, key), value in _values_for(metric, day).items():
            rows.append(KpiSnapshot(day=day, store_id=store_id, metric=metric.code, key=key, value=value))
            totals[key] += value
        rows.extend(
            KpiSnapshot(day=day, store_id=None, metric=metric.code, key=key, value=value)
            for key, value in totals.items()
        )
    rows.extend(_median_rows(day))
    return rows


def snapshot_write(*, day: datetime.date) -> SnapshotRun:
    """Compute ``day``'s figures and replace that day's rows in one transaction (a rerun is idempotent).

    The run is recorded (with its error if it fails); the figures are read before the delete, so readers
    see either the old or the new day, never half of it.
    """
    run = SnapshotRun.objects.create(day=day, started_at=timezone.now())
    began = time.monotonic()
    try:
        rows = snapshot_rows(day=day)
        with transaction.atomic():
            KpiSnapshot.objects.filter(day=day).delete()
            KpiSnapshot.objects.bulk_create(rows, batch_size=2000)
    except Exception as exc:
        run.status = SnapshotRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.seconds = time.monotonic() - began
        run.save(update_fields=["status", "error", "finished_at", "seconds", "updated_at"])
        raise
    run.status = SnapshotRun.Status.SUCCEEDED
    run.rows = len(rows)
    run.finished_at = timezone.now()
    run.seconds = time.monotonic() - began
    run.save(update_fields=["status", "rows", "finished_at", "seconds", "updated_at"])
    return run


def snapshot_backfill(*, first: datetime.date, last: datetime.date) -> int:
    """Write every day from ``first`` to ``last`` (demo data, or after a fix). Returns the number of days."""
    day, count = first, 0
    while day <= last:
        snapshot_write(day=day)
        day += datetime.timedelta(days=1)
        count += 1
    return count
