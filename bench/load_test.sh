#!/usr/bin/env bash
# Load test: gunicorn (production settings, loopback) + locust headless. From the repository root:
#   bench/load_test.sh            # 200 users, spawn 5/s, then 2 minutes measured (think 3-7 s); or: make -C bench load
#   USERS=20 RUN_TIME=20s bench/load_test.sh   # smoke run
#   THINK=1,3 bench/load_test.sh               # think time between pages, seconds (default 3,7)
# The statistics are reset once every user has logged in, and RUN_TIME is measured from there (the
# locustfile stops the run); the logins are counted on their own in $OUT/logins.csv.
# Needs locust in its own virtualenv (not the project's):
#   python3.11 -m venv /tmp/loadvenv && /tmp/loadvenv/bin/pip install -r requirements/bench.txt
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/crm_bench1m}
LOCUST=${LOCUST:-/tmp/loadvenv/bin/locust}
USERS=${USERS:-200}
SPAWN_RATE=${SPAWN_RATE:-5}
RUN_TIME=${RUN_TIME:-2m}
THINK=${THINK:-3,7}
WORKERS=${WORKERS:-4}
THREADS=${THREADS:-4}
KEEP_ALIVE=${KEEP_ALIVE:-75}
PORT=${PORT:-8765}
OUT=${OUT:-bench/load_results}
mkdir -p "$OUT"

export DATABASE_URL
export DJANGO_SETTINGS_MODULE=crm_site.settings.production
export DJANGO_SECRET_KEY=bench DJANGO_ALLOWED_HOSTS=127.0.0.1
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/3}
# Plain HTTP on loopback: no redirect to https, no HSTS (the Secure cookie flag is handled by the client).
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_HSTS_SECONDS=0

.venv/bin/python bench/load_prepare.py "$OUT/load_data.json"
# The templates' {% static %} needs the manifest of production's storage (pages only are requested).
export DJANGO_STATIC_ROOT=${DJANGO_STATIC_ROOT:-/tmp/crm_load_static}
[ -f "$DJANGO_STATIC_ROOT/staticfiles.json" ] || .venv/bin/python manage.py collectstatic --noinput -v0

# Keep-alive longer than any think time: a connection the server closes while the client sends on it
# is an error on the client's side ("HTTP 0"), not a slow page.
.venv/bin/gunicorn -w "$WORKERS" --threads "$THREADS" -b "127.0.0.1:$PORT" --access-logfile - \
    --keep-alive "$KEEP_ALIVE" --timeout 60 crm_site.wsgi >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
VMSTAT=
cleanup() {
    kill "$GUNICORN" 2>/dev/null || true
    [ -n "$VMSTAT" ] && kill "$VMSTAT" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/login/" && break
    sleep 0.2
done

vmstat 5 >"$OUT/vmstat.txt" &
VMSTAT=$!
RAMP=$(( (USERS + SPAWN_RATE - 1) / SPAWN_RATE ))
case "$RUN_TIME" in
    *m) MEASURED=$(( ${RUN_TIME%m} * 60 )) ;;
    *s) MEASURED=${RUN_TIME%s} ;;
    *) MEASURED=$RUN_TIME ;;
esac
TOTAL=$(( RAMP + MEASURED + 300 ))  # a safety limit only: the locustfile ends the run
echo "$USERS users, spawn $SPAWN_RATE/s (${RAMP}s), then $RUN_TIME measured; think time $THINK s;" \
    "gunicorn $WORKERS workers x $THREADS threads"
LOAD_DATA="$OUT/load_data.json" THINK="$THINK" LOGIN_CSV="$OUT/logins.csv" MEASURE_SECONDS="$MEASURED" "$LOCUST" -f bench/locustfile.py \
    --headless --host "http://127.0.0.1:$PORT" -u "$USERS" -r "$SPAWN_RATE" -t "${TOTAL}s" \
    --csv "$OUT/load" --only-summary
echo "logins:"; cat "$OUT/logins.csv"
kill "$VMSTAT" 2>/dev/null || true
VMSTAT=
.venv/bin/python bench/load_summary.py --header
.venv/bin/python bench/load_summary.py "$OUT" "${LABEL:-$USERS users, think $THINK s, ${WORKERS}x$THREADS}" "$MEASURED" | tee -a "$OUT/summary.md"
