# syntax=docker/dockerfile:1
# One image for the whole CRM: the web server (gunicorn), the Celery worker and
# Celery beat. docker/entrypoint.sh picks the role: `web`, `worker` or `beat`.
FROM python:3.11-slim

# WEB_CONCURRENCY: gunicorn's worker count (gunicorn reads it when --workers is
# not given; docker/entrypoint.sh passes it explicitly). 3 suits a small host;
# raise it to about 2 x cores + 1 on a bigger one.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=crm_site.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=3

# The processes run as this user; the code stays owned by root, so they cannot change it.
RUN groupadd --system crm \
 && useradd --system --gid crm --no-log-init --create-home --home-dir /home/crm --shell /usr/sbin/nologin crm

WORKDIR /app

# Dependencies before the code, so that a code change does not reinstall them.
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .

# Static files are collected into the image and served by WhiteNoise.
# Production settings refuse to start without these four variables. The values
# below are dummies that exist only for this one command: nothing connects to
# them (collectstatic touches neither the database nor the broker) and they are
# not in the image's environment. They do show in `docker history`, which is why
# none of them is a real secret.
RUN DJANGO_SECRET_KEY=build-time-dummy-only-for-collectstatic-never-used-to-sign-anything \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build:build@127.0.0.1:5432/build \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput \
 && chmod 0755 docker/entrypoint.sh

USER crm

EXPOSE 8000

# /health/ answers 200 when the database and the broker do. Django checks the
# Host header against DJANGO_ALLOWED_HOSTS, so the check sends the first allowed
# host; and it says it came through HTTPS (SECURE_PROXY_SSL_HEADER), so that the
# production redirect to https:// does not answer it with a 301.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = (os.environ.get('DJANGO_ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r.urlopen(r.Request('http://127.0.0.1:8000/health/', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=5)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Runs gunicorn without migrating first; `web` (what compose runs) migrates, then
# starts the same server. Keep these options in step with docker/entrypoint.sh.
CMD ["gunicorn", "crm_site.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--worker-tmp-dir", "/dev/shm"]
