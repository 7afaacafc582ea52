"""The scoring job: read the summary, backtest, fit, score every customer, write the scores set-based, record it."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
import time
from collections import Counter
from datetime import date, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from churn import model as churn_model
from churn import summary as churn_summary
from churn import validation
from churn.models import Band, ChurnSettings, CustomerScore, Method, ScoringRun

logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that keeps two scoring runs from overlapping.
SCORING_LOCK = 7_310_420_007
UNIT_DAYS = 7.0  # weeks: the time unit for slow-moving goods such as watches

_COLUMNS = (
    "customer_id",
    "run_id",
    "as_of",
    "method",
    "risk",
    "band",
    "probability_alive",
    "expected_purchases_90d",
    "expected_purchases_365d",
    "probability_no_purchase_90d",
    "expected_value_12m",
    "first_purchase_on",
    "last_purchase_on",
    "purchase_days",
    "usual_gap_days",
    "spend_12m",
    "rfm",
    "scored_at",
)
# Columns whose change makes a row worth rewriting (run_id and scored_at follow the figures).
_FIGURES = tuple(name for name in _COLUMNS if name not in {"customer_id", "run_id", "scored_at"})


def churn_settings_get() -> ChurnSettings:
    settings, _created = ChurnSettings.objects.get_or_create(pk=1)
    return settings


def _checkpoint(stage: str) -> None:
    """A named point of the write; tests make it fail there to prove that nothing half-written stays."""


@contextlib.contextmanager
def _scoring_lock():
    """A session-level advisory lock on PostgreSQL (the fit runs outside any transaction); yields whether we got it."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SCORING_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SCORING_LOCK])


def scoring_run(*, today: date | None = None) -> ScoringRun | None:
    """Score every customer as of ``today`` (default: today in Hong Kong). None when another run holds the lock.

    A failure is recorded on the run (status failed, error) and raised again; the previous scores stay,
    since they are replaced in one transaction at the end.
    """
    today = today or timezone.localdate()
    with _scoring_lock() as acquired:
        if not acquired:
            logger.info("churn scoring already running: skipped")
            return None
        settings = churn_settings_get()
        config = validation.Config(
            min_repeat_buyers=settings.min_repeat_buyers,
            annual_discount_rate=float(settings.annual_discount_rate),
            unit_days=UNIT_DAYS,
            auc_margin=float(settings.auc_margin),
        )
        run = ScoringRun.objects.create(
            as_of=today,
            started_at=timezone.now(),
            config={
                "min_repeat_buyers": config.min_repeat_buyers,
                "annual_discount_rate": config.annual_discount_rate,
                "auc_margin": config.auc_margin,
                "holdout_weeks": settings.holdout_weeks,
                "time_unit": "week",
                "bands": {
                    "watch_from": float(settings.watch_from),
                    "high_from": float(settings.high_from),
                    "lost_from": float(settings.lost_from),
                },
            },
        )
        try:
            _execute(run, settings=settings, config=config)
        except Exception as exc:
            ScoringRun.objects.filter(pk=run.pk).update(
                status=ScoringRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
            )
            raise
        return run


def _execute(run: ScoringRun, *, settings: ChurnSettings, config: validation.Config) -> None:
    clock = time.perf_counter()
    timings = {}
    calibration_end = run.as_of - timedelta(weeks=settings.holdout_weeks)
    data = churn_summary.scoring_data_read(as_of=run.as_of, calibration_end=calibration_end, unit_days=UNIT_DAYS)
    timings["read"] = time.perf_counter() - clock

    backtest = validation.backtest(data.calibration, data.holdout, holdout_units=settings.holdout_weeks, config=config)
    timings["backtest"] = time.perf_counter() - clock - sum(timings.values())
    fit = backtest.fit if backtest.fit.fallback else validation.fit(data.current, config)
    timings["fit"] = time.perf_counter() - clock - sum(timings.values())

    current = data.current
    r, f, m = validation.rfm_scores(current)
    rfm = np.char.add(np.char.add(r.astype(str), f.astype(str)), m.astype(str)) if len(current) else np.array([])
    if fit.fallback or fit.purchases is None:
        method = Method.RFM
        risk = validation.rfm_risk(current)
        scores = None
        bands = _rfm_bands(r)
    else:
        method = Method.MODEL
        scores = churn_model.score_customers(
            fit.purchases,
            fit.value,
            current.x,
            current.t_x,
            current.T,
            current.mean_repeat_value,
            annual_discount_rate=config.annual_discount_rate,
            unit_days=UNIT_DAYS,
        )
        risk = scores.probability_no_purchase_90d
        bands = _bands(risk, settings)
    timings["score"] = time.perf_counter() - clock - sum(timings.values())

    written = _write(
        run, current=current, spend_12m=data.spend_12m, method=method, risk=risk, bands=bands, scores=scores, rfm=rfm
    )
    timings["write"] = time.perf_counter() - clock - sum(timings.values())

    purchases = fit.purchases
    run.status = ScoringRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - clock
    run.model_version = validation.MODEL_VERSION if method == Method.MODEL else validation.RFM_VERSION
    run.method = method
    run.fallback_reason = fit.fallback
    run.fallback_detail = fit.detail[:200]
    run.params = validation.json_safe(purchases.params) if purchases else {}
    run.value_params = validation.json_safe(fit.value.params) if fit.value else {}
    run.log_likelihood = purchases.log_likelihood if purchases and math.isfinite(purchases.log_likelihood) else None
    run.backtest = validation.json_safe(
        {**backtest.as_dict(), "calibration_end": calibration_end.isoformat(), "as_of": run.as_of.isoformat()}
    )
    run.diagnostics = validation.json_safe(
        {
            "customers": len(current),
            "repeat_buyers": current.repeat_buyers,
            "converged": purchases.converged if purchases else None,
            "iterations": purchases.iterations if purchases else None,
            "at_bound": list(purchases.at_bound) if purchases else [],
            "value_model": _value_diagnostics(fit.value),
            "rows_written": written,
            "seconds": timings,
        }
    )
    run.customers_scored = len(current)
    counts = Counter(bands.tolist())
    run.band_counts = {band: counts.get(band, 0) for band in Band.values}
    run.save()


def _value_diagnostics(value) -> dict | None:
    if value is None:
        return None
    return {
        "customers": value.customers,
        "log_likelihood": value.log_likelihood,
        "population_mean": value.population_mean,
        "converged": value.converged,
    }


def _bands(risk: np.ndarray, settings: ChurnSettings) -> np.ndarray:
    edges = [float(settings.watch_from), float(settings.high_from), float(settings.lost_from)]
    names = np.array([Band.LOW, Band.WATCH, Band.HIGH, Band.LOST], dtype=object)
    return names[np.searchsorted(edges, risk, side="right")]


def _rfm_bands(recency_score: np.ndarray) -> np.ndarray:
    """The fall-back's bands follow the recency quintile (the RFM map's Lost / At Risk / Need Attention):
    R 1 lost, R 2 high, R 3 watch, R 4-5 low. The admin's thresholds are probabilities, which RFM has not."""
    names = np.array([Band.LOST, Band.LOST, Band.HIGH, Band.WATCH, Band.LOW, Band.LOW], dtype=object)
    return names[recency_score]


def _rows(run, *, current, spend_12m, method, risk, bands, scores, rfm):
    """The score rows as CSV lines (COPY's input), one customer at a time, never the whole table in memory twice."""
    epoch = churn_summary.EPOCH
    first = current.T * UNIT_DAYS
    now = timezone.now().isoformat()
    day_of = {}

    def day(number: float) -> str:
        number = int(np.rint(number))
        if number not in day_of:
            day_of[number] = (epoch + timedelta(days=number)).isoformat()
        return day_of[number]

    end_day = (run.as_of - epoch).days
    first_days = end_day - first
    last_days = end_day - current.recency_days
    gaps = np.where(current.x > 0, current.t_x * UNIT_DAYS / np.maximum(current.x, 1), np.nan)
    as_of = run.as_of.isoformat()

    def number(value) -> str:
        return "" if value is None or not math.isfinite(value) else repr(float(value))

    for i in range(len(current)):
        yield (
            int(current.customer_ids[i]),
            run.pk,
            as_of,
            method,
            repr(float(risk[i])),
            bands[i],
            number(scores.probability_alive[i]) if scores else "",
            number(scores.expected_90d[i]) if scores else "",
            number(scores.expected_365d[i]) if scores else "",
            number(scores.probability_no_purchase_90d[i]) if scores else "",
            f"{scores.clv_12m[i]:.2f}" if scores and math.isfinite(scores.clv_12m[i]) else "",
            day(first_days[i]),
            day(last_days[i]),
            int(current.frequency[i]),
            "" if math.isnan(gaps[i]) else int(np.rint(gaps[i])),
            f"{spend_12m[i]:.2f}",
            rfm[i],
            now,
        )


class _CsvStream:
    """A file-like object for COPY that turns rows into CSV text a few thousand at a time (bounded memory)."""

    def __init__(self, rows, *, batch: int = 5000):
        self._rows = iter(rows)
        self._batch = batch
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._pending = ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._pending) < size:
            self._buffer.seek(0)
            self._buffer.truncate()
            count = 0
            for row in self._rows:
                self._writer.writerow(row)
                count += 1
                if count == self._batch:
                    break
            if not count:
                break
            self._pending += self._buffer.getvalue()
        if size < 0:
            size = len(self._pending)
        text, self._pending = self._pending[:size], self._pending[size:]
        return text

    readline = read


@transaction.atomic
def _write(run, *, table: str = "", **figures) -> int:
    """Stage the rows in a temporary table (COPY), then one upsert and one delete; all or nothing."""
    table = table or CustomerScore._meta.db_table  # another table only for the benchmark
    stage = "churn_score_stage"
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMPORARY TABLE {stage} (LIKE {table}) ON COMMIT DROP")
            stream = _CsvStream(_rows(run, **figures))
            cursor.cursor.copy_expert(f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv)", stream)
        else:  # SQLite (the embedded development default)
            cursor.execute(f"CREATE TEMPORARY TABLE {stage} AS SELECT * FROM {table} WHERE 0")  # noqa: S608
            placeholders = ", ".join(["%s"] * len(_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {stage} ({columns}) VALUES ({placeholders})",  # noqa: S608
                [tuple(None if value == "" else value for value in row) for row in _rows(run, **figures)],
            )
        _checkpoint("staged")
        differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        update = ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS if name != "customer_id")
        changed = " OR ".join(f"{table}.{name} {differs} excluded.{name}" for name in _FIGURES)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} WHERE true "  # noqa: S608
            f"ON CONFLICT (customer_id) DO UPDATE SET {update} WHERE {changed}"
        )
        written = cursor.rowcount
        _checkpoint("upserted")
        cursor.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {stage} s WHERE s.customer_id = {table}.customer_id)"
        )
        if connection.vendor != "postgresql":
            cursor.execute(f"DROP TABLE {stage}")
    return written
