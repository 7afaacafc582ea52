"""The heartbeat job, run by a real Celery worker through the configured broker (Redis in CI)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from crm_site import tasks
from crm_site.celery import app as celery_app
from crm_site.models import Heartbeat
from crm_site.schedules import schedules_sync


def _wait_for(predicate, *, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_task_end_to_end():
    # given a real worker consuming from the configured broker, and an empty queue
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # when the task is sent through the broker, twice
        tasks.heartbeat.delay()
        assert _wait_for(lambda: Heartbeat.objects.filter(name="celery", runs__gte=1).exists())
        tasks.heartbeat.delay()
        assert _wait_for(lambda: Heartbeat.objects.filter(name="celery", runs__gte=2).exists())
    # then the worker recorded both runs on one row, with its host name
    beat = Heartbeat.objects.get(name="celery")
    assert beat.runs == 2
    assert beat.hostname


@pytest.mark.django_db
def test_schedules_sync_creates_missing_schedules_once_and_keeps_admin_changes():
    # given the heartbeat schedule exists and an admin has disabled it
    schedules_sync()
    PeriodicTask.objects.filter(name="heartbeat").update(enabled=False)
    # when the sync runs again (e.g. on the next deploy)
    created = schedules_sync()
    # then nothing is created or overwritten
    assert created == []
    task = PeriodicTask.objects.get(name="heartbeat")
    assert task.task == "crm_site.tasks.heartbeat"
    assert task.interval.every == 60
    assert task.enabled is False


@pytest.mark.django_db
def test_sync_schedules_command_is_idempotent(capsys):
    call_command("sync_schedules")
    call_command("sync_schedules")
    assert PeriodicTask.objects.filter(name="heartbeat").count() == 1
    assert "already in place" in capsys.readouterr().out
