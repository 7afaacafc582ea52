"""The real churn scoring job on the generated data set (bench/generate.py), timed end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench1m .venv/bin/python bench/churn_job_bench.py
    # or: make -C bench churn-job

Runs ``churn.services.scoring.scoring_run`` as the nightly Celery task does (the GROUP BY over the
purchase lines, backtest, fit, scoring, writing the scores), as of the generator's "today"
(2026-11-20 by default), then prints the wall-clock time, the process's peak memory (max RSS), the
method used and the customers per risk band. It writes a scoring run and its scores (what the at-risk
list and the customer list's risk filter show); a second run the same day rewrites no score.
bench/churn_bench.py measures the same job's steps on a synthetic summary instead (any database).
"""

import argparse
import datetime
import os
import resource
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 20))
    args = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from churn.services import scoring
    from customers.models import Customer

    print(f"{Customer.objects.count():,} customers; scoring as of {args.today}")
    started = time.perf_counter()
    run = scoring.scoring_run(today=args.today)
    seconds = time.perf_counter() - started
    if run is None:
        raise SystemExit("another scoring run holds the lock")
    print(f"run {run.pk}: {run.status}, {run.customers_scored:,} customers scored, method {run.method}")
    if run.error:
        print(f"  error: {run.error}")
    for band, count in (run.band_counts or {}).items():
        print(f"  {band}: {count:,}")
    print(
        f"whole job: {seconds:.1f} s; peak memory of the process (max RSS): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
