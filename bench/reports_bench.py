"""Reports: the daily KPI snapshot job and the supervisor dashboard, timed on whatever data the database holds.

Run by hand (PostgreSQL):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_reports .venv/bin/python bench/reports_bench.py
    DATABASE_URL=... .venv/bin/python bench/reports_bench.py --day 2026-11-25 --renders 20 --explain

What it does, with the app's own code:
1. the snapshot of one day (default: yesterday), twice (the second run replaces the first; rows are written:
   this is the job itself, so do not point it at a database whose snapshots must stay as they are), with the
   time of each metric's query;
2. the dashboard page (30 days against the previous 30 and a year before) rendered through Django's test client
   for an admin (whole business) and for a supervisor (their stores), ``--renders`` times each: the server time
   (median and worst) and the number of queries.
Prints the customer count first, so the figures can be read against the data size. ``--read-only`` runs step 1's
queries only (no writes, no reports tables needed): safe against a shared data set such as crm_bench1m.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=datetime.date.fromisoformat)
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest metric query")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="only the metric queries (SELECTs; no reports tables needed, nothing written): the job's heavy part",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm_site import roles
    from crm_site.models import User
    from customers.models import Customer
    from reports import kpis
    from reports.services.snapshots import _values_for, snapshot_write

    settings.ALLOWED_HOSTS = ["*"]
    day = args.day or timezone.localdate() - datetime.timedelta(days=1)
    print(f"database {connection.settings_dict['NAME']}: {Customer.objects.count():,} customers; day {day}")

    timings = []
    for metric in kpis.METRICS.values():
        began = time.perf_counter()
        _values_for(metric, day)
        timings.append((time.perf_counter() - began, metric.code))
    for seconds, code in sorted(timings, reverse=True)[:8]:
        print(f"  {code:<34} {seconds:7.3f} s")
    if args.explain:
        code = max(timings)[1]
        metric = kpis.METRICS[code]
        queryset = metric.rows(day, day).values(metric.store_path).annotate(value=metric.value_expression()).order_by()
        print(queryset.explain(analyze=True))
    print(f"all metric queries: {sum(seconds for seconds, _code in timings):.2f} s")
    if args.read_only:
        return
    for attempt in (1, 2):
        run = snapshot_write(day=day)
        print(f"snapshot job, run {attempt}: {run.seconds:.2f} s, {run.rows} rows")

    client = Client()
    for role in (roles.ADMIN, roles.SUPERVISOR):
        user = User.objects.filter(groups__name=role, is_active=True).order_by("pk").first()
        if user is None:
            print(f"no {role} user: dashboard not timed for that role")
            continue
        client.force_login(user)
        times, queries = [], 0
        for _ in range(args.renders):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get("/reports/", {"period": "30d"})
                times.append(time.perf_counter() - began)
            if response.status_code != 200:
                raise SystemExit(f"dashboard answered {response.status_code}")
            queries = len(captured)
        print(
            f"dashboard as {role} ({user.username}): median {statistics.median(times) * 1000:.0f} ms, "
            f"worst {max(times) * 1000:.0f} ms, {queries} queries"
        )


if __name__ == "__main__":
    main()
