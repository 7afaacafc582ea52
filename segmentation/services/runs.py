"""Runs: start one (by hand or on schedule) and execute it (metrics, then segments, tiers and RFM).

A run goes PENDING → RUNNING → SUCCEEDED or FAILED. Two runs never overlap: the database allows one
RUNNING run (a partial unique constraint), so a second one fails to start and says why. Applying
segments, tiers and RFM is ONE transaction: a failure half-way rolls it all back, the previous
memberships, tiers and RFM stay as they were, and the run records the error.
"""

import datetime
import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from segmentation.locks import METRICS_REFRESH_LOCK, RUN_CREATE_LOCK
from segmentation.models import CustomerMetrics, Run
from segmentation.services.classification import rfm_apply, segments_apply, tiers_apply
from segmentation.services.metrics import metrics_refresh

logger = logging.getLogger(__name__)

ACTIVE = (Run.Status.PENDING, Run.Status.RUNNING)


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "SEGMENTATION_RUN_STALE_AFTER_SECONDS", 3 * 3600))


def runs_fail_stale(*, now: datetime.datetime | None = None) -> int:
    """Runs left pending or running by a worker that died (no sign of life for hours) are marked failed."""
    now = now or timezone.now()
    return Run.objects.filter(status__in=ACTIVE, updated_at__lt=now - _stale_after()).update(
        status=Run.Status.FAILED,
        finished_at=now,
        error=_("No sign of life from the worker for too long: marked as failed."),
        updated_at=now,
    )


@transaction.atomic
def run_create(*, by=None, trigger: str = Run.Trigger.MANUAL) -> Run:
    """A PENDING run, unless one is already waiting or running (ValidationError)."""
    runs_fail_stale()
    if connection.vendor == "postgresql":  # lock, then check: two clicks at once make one run
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_CREATE_LOCK])
    if Run.objects.filter(status__in=ACTIVE).exists():
        raise ValidationError(_("A run is already under way: wait for it to finish."))
    return Run.objects.create(started_by=by, trigger=trigger, step=_("Waiting for a worker"))


def run_start(*, by) -> Run:
    """Create a run and hand it to a Celery worker once the transaction commits."""
    from segmentation import tasks

    with transaction.atomic():
        run = run_create(by=by, trigger=Run.Trigger.MANUAL)
        transaction.on_commit(partial(tasks.segmentation_run.delay, run_id=run.pk))
    return run


class _Progress:
    """Writes a run's progress where other sessions see it at once.

    Outside a transaction: an ordinary UPDATE. Inside the apply transaction (PostgreSQL): through a
    second connection in autocommit, so the progress bar moves while the work is not yet committed.
    The apply transaction never writes the run row, so the two connections never wait on each other.
    """

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.side = None

    def __call__(self, percent: int, step: str) -> None:
        now = timezone.now()
        if not connection.in_atomic_block:
            Run.objects.filter(pk=self.run_id).update(progress=percent, step=step[:120], updated_at=now)
            return
        if connection.vendor != "postgresql":
            return  # SQLite has one writer: the bar moves at the end of the transaction
        try:
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
                self.side.settings_dict = {**connection.settings_dict}
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Run._meta.db_table} SET progress = %s, step = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                    [percent, step[:120], now, self.run_id],
                )
        except Exception:  # progress is best effort, never a reason to fail the run
            logger.warning("Could not record the progress of run %s", self.run_id, exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def _claim(run_id: int) -> Run | None:
    """PENDING → RUNNING, or None if the run is not pending (a redelivered message) or another runs."""
    try:
        with transaction.atomic():
            run = Run.objects.select_for_update().get(pk=run_id)
            if run.status != Run.Status.PENDING:
                return None
            now = timezone.now()
            run.status, run.started_at, run.as_of = Run.Status.RUNNING, now, timezone.localdate(now)
            run.progress, run.step = 5, _("Started")
            run.save(update_fields=["status", "started_at", "as_of", "progress", "step", "updated_at"])
            return run
    except IntegrityError:  # the one-running-run constraint: another run holds the lock
        Run.objects.filter(pk=run_id, status=Run.Status.PENDING).update(
            status=Run.Status.FAILED,
            finished_at=timezone.now(),
            error=_("Another run was under way; this one did not start."),
        )
        return None


def _metrics_refresh(as_of: datetime.date) -> dict:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # wait for a nightly refresh under way, then refresh
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [METRICS_REFRESH_LOCK])
        result = metrics_refresh(today=as_of)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the criteria read these figures next: fresh statistics
                cursor.execute(f"ANALYZE {CustomerMetrics._meta.db_table}")
        return result


def run_execute(*, run_id: int) -> Run:
    """Execute a PENDING run: refresh metrics, then apply segments, tiers and RFM in one transaction.

    Idempotent: a run that is not PENDING is left alone. A failure is recorded on the run (status
    FAILED, ``error``) and leaves the previous classification intact; it is not raised.
    """
    run = _claim(run_id)
    if run is None:
        return Run.objects.get(pk=run_id)
    progress = _Progress(run.pk)
    try:
        progress(10, _("Refreshing customer metrics"))
        metrics = _metrics_refresh(run.as_of)
        progress(40, _("Applying segments"))
        now = timezone.now()
        with transaction.atomic():
            segments = segments_apply(run=run, now=now)
            progress(60, _("Applying tiers"))
            tiers = tiers_apply(run=run, as_of=run.as_of, now=now)
            progress(80, _("Scoring RFM"))
            rfm = rfm_apply(run=run)
    except Exception as exc:
        logger.exception("Segmentation run %s failed", run.pk)
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else f"{type(exc).__name__}: {exc}"
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, finished_at=timezone.now(), error=message[:4000], updated_at=timezone.now()
        )
        return Run.objects.get(pk=run.pk)
    finally:
        progress.close()
    run.counts = {"metrics": metrics, "segments": segments, "tiers": tiers["tiers"], "rfm": rfm}
    run.counts["tier_changes"] = tiers["changes"]
    run.counts["movement"] = tiers["movement"]
    run.entered_count = sum(s["entered"] for s in segments.values())
    run.left_count = sum(s["left"] for s in segments.values())
    run.status, run.finished_at, run.progress, run.step = Run.Status.SUCCEEDED, timezone.now(), 100, _("Done")
    run.save()
    return run


def run_scheduled() -> Run | None:
    """The scheduled run: created and executed in place; None when another run is under way."""
    try:
        run = run_create(trigger=Run.Trigger.SCHEDULED)
    except ValidationError:
        return None
    return run_execute(run_id=run.pk)
