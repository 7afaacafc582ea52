#!/usr/bin/env bash
# Entry point of the CRM image (see Dockerfile). The first argument picks the role:
#
#   web     migrate, upsert the beat schedule, then serve with gunicorn on :8000
#   worker  the Celery worker
#   beat    Celery beat, reading its schedule from the database (run exactly one)
#   ...     anything else is run as given, e.g. `python manage.py createsuperuser`
#
# Arguments after the role are passed on: `worker --concurrency 4`.
# RUN_MIGRATIONS=1 migrates before any command; RUN_MIGRATIONS=0 stops `web`
# from migrating (for extra web replicas: only one should migrate).
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ $# -eq 0 ]]; then
    set -- web
fi

if [[ "$1" == web ]]; then
    migrate_by_default=1
else
    migrate_by_default=0
fi
if [[ "${RUN_MIGRATIONS:-$migrate_by_default}" == 1 ]]; then
    python manage.py migrate --noinput
    python manage.py sync_schedules
fi

case "$1" in
    web)
        shift
        # Same server as the image's default CMD; keep the two in step.
        exec gunicorn crm_site.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers "${WEB_CONCURRENCY:-3}" \
            --access-logfile - \
            --worker-tmp-dir /dev/shm \
            "$@"
        ;;
    worker)
        shift
        exec celery -A crm_site worker -l info "$@"
        ;;
    beat)
        shift
        exec celery -A crm_site beat -l info -S django_celery_beat.schedulers:DatabaseScheduler "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
