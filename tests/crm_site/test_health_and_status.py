import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from crm_site.models import Heartbeat
from crm_site.schedules import schedules_sync
from crm_site.selectors import broker_reachable, jobs_status


@pytest.mark.django_db
def test_health_reports_database_and_broker_without_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_health_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unreachable"}


def test_broker_reachable_is_false_for_a_closed_port():
    assert broker_reachable(url="redis://127.0.0.1:1/0", timeout=1) is False


@pytest.mark.django_db
def test_jobs_status_tells_worker_and_beat_apart():
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CRM_HEARTBEAT_STALE_AFTER_SECONDS + 1)
    schedules_sync()
    # nothing has run yet
    assert (jobs_status(now=now).worker_alive, jobs_status(now=now).beat_alive) == (False, False)
    # beat sent the job recently but no worker ran it
    PeriodicTask.objects.filter(name="heartbeat").update(last_run_at=now)
    status = jobs_status(now=now)
    assert (status.worker_alive, status.beat_alive) == (False, True)
    # a fresh heartbeat proves both
    Heartbeat.objects.create(name="celery", last_seen_at=now, hostname="w1", runs=1)
    status = jobs_status(now=now)
    assert (status.worker_alive, status.beat_alive) == (True, True)
    # both stale: both down
    Heartbeat.objects.filter(name="celery").update(last_seen_at=stale)
    PeriodicTask.objects.filter(name="heartbeat").update(last_run_at=stale)
    status = jobs_status(now=now)
    assert (status.worker_alive, status.beat_alive) == (False, False)


@pytest.mark.django_db
def test_status_page_is_for_admins_only(client, admin_user, manager, supervisor):
    Heartbeat.objects.create(name="celery", last_seen_at=timezone.now(), hostname="worker-1", runs=3)
    client.force_login(admin_user)
    response = client.get("/status/")
    assert response.status_code == 200
    assert b"worker-1" in response.content
    for user in (manager, supervisor):
        client.force_login(user)
        assert client.get("/status/").status_code == 404


def test_production_settings_pass_check_deploy_with_the_production_variables(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "crm_site.settings.production",
        "DJANGO_SECRET_KEY": "x7!k2@pq9#zr4$lm8%vb1^nc6&hd3*fg5(jt0)ws-ye_ua+io=",
        "DJANGO_ALLOWED_HOSTS": "crm.example.hk",
        "DATABASE_URL": "postgres://crm:crm@db.invalid:5432/crm",
        "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
        "DJANGO_STATIC_ROOT": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_fail_fast_without_a_secret_key():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "crm_site.settings.production"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
