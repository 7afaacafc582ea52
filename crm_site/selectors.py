"""Reads about the running system: health of the database, the broker and the scheduled jobs."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm_site.celery import app as celery_app
from crm_site.models import Heartbeat, Notification


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_reachable(*, url: str | None = None, timeout: float = 2.0) -> bool:
    """Whether the Celery broker (``url``, default the configured one) accepts a connection."""
    try:
        with celery_app.connection_for_write(url=url or settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


@dataclass(frozen=True)
class JobsStatus:
    worker_last_seen: datetime | None
    worker_hostname: str
    beat_last_sent: datetime | None
    worker_alive: bool
    beat_alive: bool


def jobs_status(*, now: datetime | None = None) -> JobsStatus:
    """Worker and beat liveness.

    The heartbeat task is sent by beat every minute and run by a worker, so a
    fresh heartbeat proves both. When it is stale, beat's own record of when it
    last sent the task tells which of the two has stopped.
    """
    from django_celery_beat.models import PeriodicTask

    now = now or timezone.now()
    stale = timedelta(seconds=settings.CRM_HEARTBEAT_STALE_AFTER_SECONDS)
    beat = Heartbeat.objects.filter(name="celery").first()
    sent = (
        PeriodicTask.objects.filter(task="crm_site.tasks.heartbeat")
        .exclude(last_run_at=None)
        .values_list("last_run_at", flat=True)
        .first()
    )
    worker_alive = beat is not None and now - beat.last_seen_at <= stale
    beat_alive = worker_alive or (sent is not None and now - sent <= stale)
    return JobsStatus(
        worker_last_seen=beat.last_seen_at if beat else None,
        worker_hostname=beat.hostname if beat else "",
        beat_last_sent=sent,
        worker_alive=worker_alive,
        beat_alive=beat_alive,
    )


def notification_unread_count(*, user) -> int:
    """One COUNT on a partial index (unread rows of the user)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list_for_user(*, user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_get_for_user(*, user, pk: int):
    return get_object_or_404(Notification, user=user, pk=pk)
