"""The scoring job: read the summary, backtest, fit, score every customer, write the scores set-based, record it."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from datetime import date, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from churn import model as churn_model
from churn import pgcopy, validation
from churn import summary as churn_summary
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
    method, columns = score_columns(current, data.spend_12m, fit=fit, settings=settings, config=config)
    timings["score"] = time.perf_counter() - clock - sum(timings.values())

    written = _write(run, method=method, columns=columns)
    timings["write"] = time.perf_counter() - clock - sum(timings.values())
    _settle_scores()
    timings["settle"] = time.perf_counter() - clock - sum(timings.values())

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
    counts = np.bincount(columns["band"].astype(np.int64), minlength=len(BANDS))
    run.band_counts = {band: int(count) for band, count in zip(BANDS, counts, strict=True)}
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


BANDS = (Band.LOW, Band.WATCH, Band.HIGH, Band.LOST)  # a score's band is stored as its index here in transit


def _band_index(risk: np.ndarray, settings) -> np.ndarray:
    edges = [float(settings.watch_from), float(settings.high_from), float(settings.lost_from)]
    return np.searchsorted(edges, risk, side="right").astype(np.float64)


def _rfm_band_index(recency_score: np.ndarray) -> np.ndarray:
    """The fall-back's bands follow the recency quintile (the RFM map's Lost / At Risk / Need Attention):
    R 1 lost, R 2 high, R 3 watch, R 4-5 low. The admin's thresholds are probabilities, which RFM has not."""
    return np.array([3, 3, 2, 1, 0, 0], dtype=np.float64)[recency_score]


def score_columns(current, spend_12m, *, fit, settings, config) -> tuple[str, dict[str, np.ndarray]]:
    """The method used and every score column as float64 arrays (NaN for "none", band as an index of BANDS)."""
    r, f, m = validation.rfm_scores(current)
    nothing = np.full(len(current), np.nan)
    if fit.fallback or fit.purchases is None:
        method = Method.RFM
        risk = validation.rfm_risk(current)
        band = _rfm_band_index(r)
        alive = e90 = e365 = none90 = clv = nothing
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
        band = _band_index(risk, settings)
        alive, e90, e365, none90, clv = (
            scores.probability_alive,
            scores.expected_90d,
            scores.expected_365d,
            scores.probability_no_purchase_90d,
            scores.clv_12m,
        )
    return method, {
        "customer_id": current.customer_ids.astype(np.float64),
        "risk": risk,
        "band": band,
        "probability_alive": alive,
        "expected_purchases_90d": e90,
        "expected_purchases_365d": e365,
        "probability_no_purchase_90d": none90,
        "expected_value_12m": clv,
        "first_day": np.rint(current.T * UNIT_DAYS),  # days before the run's day; turned into dates in SQL
        "last_day": current.recency_days,
        "purchase_days": current.frequency,
        "usual_gap_days": np.where(current.x > 0, np.rint(current.t_x * UNIT_DAYS / np.maximum(current.x, 1)), -1),
        "spend_12m": np.asarray(spend_12m, dtype=np.float64),
        "rfm": (r * 100 + f * 10 + m).astype(np.float64),
    }


_STAGE = "churn_score_stage"


def _stage_select(*, table: str) -> str:
    """SQL that turns the staged float8 columns into score rows (PostgreSQL)."""
    bands = ", ".join(f"'{band}'" for band in BANDS)
    return f"""
        SELECT
            CAST(s.customer_id AS bigint), %(run)s, %(as_of)s, %(method)s, s.risk,
            (ARRAY[{bands}])[CAST(s.band AS integer) + 1],
            NULLIF(s.probability_alive, 'NaN'), NULLIF(s.expected_purchases_90d, 'NaN'),
            NULLIF(s.expected_purchases_365d, 'NaN'), NULLIF(s.probability_no_purchase_90d, 'NaN'),
            ROUND(CAST(NULLIF(s.expected_value_12m, 'NaN') AS numeric), 2),
            CAST(%(as_of)s AS date) - CAST(s.first_day AS integer),
            CAST(%(as_of)s AS date) - CAST(s.last_day AS integer),
            CAST(s.purchase_days AS integer),
            CAST(NULLIF(s.usual_gap_days, -1) AS integer),
            ROUND(CAST(s.spend_12m AS numeric), 2),
            CAST(CAST(s.rfm AS integer) AS text),
            %(now)s
        FROM {_STAGE} s
    """  # noqa: S608 (names from the code only; values are parameters)


def _python_rows(run, *, method: str, columns: dict[str, np.ndarray]):
    """The same conversion as ``_stage_select``, in Python (SQLite, the embedded development database)."""
    now = timezone.now()

    def maybe(value):
        return None if math.isnan(value) else float(value)

    for i in range(len(columns["customer_id"])):
        clv = columns["expected_value_12m"][i]
        gap = columns["usual_gap_days"][i]
        yield (
            int(columns["customer_id"][i]),
            run.pk,
            run.as_of,
            method,
            float(columns["risk"][i]),
            BANDS[int(columns["band"][i])],
            maybe(columns["probability_alive"][i]),
            maybe(columns["expected_purchases_90d"][i]),
            maybe(columns["expected_purchases_365d"][i]),
            maybe(columns["probability_no_purchase_90d"][i]),
            None if math.isnan(clv) else f"{clv:.2f}",
            run.as_of - timedelta(days=int(columns["first_day"][i])),
            run.as_of - timedelta(days=int(columns["last_day"][i])),
            int(columns["purchase_days"][i]),
            None if gap < 0 else int(gap),
            f"{columns['spend_12m'][i]:.2f}",
            str(int(columns["rfm"][i])),
            now,
        )


def _settle_scores() -> None:
    """After the write (PostgreSQL): fresh planner statistics and visibility map for the scores table.

    A run rewrites up to every row: without ANALYZE the planner estimates the lists' joins from stale or no
    statistics, and without VACUUM an index-only scan of a band's customers (the customer list's risk
    filter, the band counts) visits the table for every row, until autovacuum comes by, hours later or never
    where it is off. VACUUM cannot run in a transaction: inside one (a test's), ANALYZE alone.
    A failure here leaves the scores as they are written: logged, not raised.
    """
    if connection.vendor != "postgresql":
        return
    table = CustomerScore._meta.db_table
    in_transaction = connection.in_atomic_block
    statement = f"ANALYZE {table}" if in_transaction else f"VACUUM (ANALYZE) {table}"
    try:
        # In a transaction, a savepoint: a failed statement must not break the caller's transaction.
        with transaction.atomic() if in_transaction else contextlib.nullcontext(), connection.cursor() as cursor:
            cursor.execute(statement)
    except Exception:
        logger.exception("churn scoring: %s failed", statement)


@transaction.atomic
def _write(run, *, method: str, columns: dict[str, np.ndarray], table: str = "") -> int:
    """Stage the scores, then one upsert and one delete, in one transaction: all or nothing.

    PostgreSQL: a binary COPY of float8 columns into a temporary table (no Python object per row), converted
    to dates, bands and money by the INSERT … SELECT. A row whose figures did not change is not rewritten.
    """
    table = table or CustomerScore._meta.db_table  # another table only for the benchmark
    names = ", ".join(_COLUMNS)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        if postgres:
            staged = list(columns)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGE} ({', '.join(f'{name} float8' for name in staged)}) ON COMMIT DROP"
            )
            pgcopy.copy_in(cursor, _STAGE, staged, [columns[name] for name in staged])
            source = _stage_select(table=table)
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE {_STAGE} AS SELECT {names} FROM {table} WHERE 0")  # noqa: S608
            placeholders = ", ".join(["%s"] * len(_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {_STAGE} ({names}) VALUES ({placeholders})",  # noqa: S608
                list(_python_rows(run, method=method, columns=columns)),
            )
            source = f"SELECT {names} FROM {_STAGE} WHERE true"  # noqa: S608
        _checkpoint("staged")
        differs = "IS DISTINCT FROM" if postgres else "IS NOT"
        update = ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS if name != "customer_id")
        changed = " OR ".join(f"{table}.{name} {differs} excluded.{name}" for name in _FIGURES)
        params = {"run": run.pk, "as_of": run.as_of, "method": method, "now": timezone.now()}
        cursor.execute(
            f"INSERT INTO {table} ({names}) {source} ON CONFLICT (customer_id) DO UPDATE SET {update} WHERE {changed}",
            params if postgres else None,
        )
        written = cursor.rowcount
        _checkpoint("upserted")
        key = "CAST(s.customer_id AS bigint)" if postgres else "s.customer_id"
        cursor.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {_STAGE} s WHERE {key} = {table}.customer_id)"
        )
        if not postgres:
            cursor.execute(f"DROP TABLE {_STAGE}")
    return written
