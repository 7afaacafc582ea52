"""Churn scoring throughput: a synthetic 1,000,000-customer summary through backtest, fit, score and write.

Run by hand on PostgreSQL (the write path uses COPY):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_churn .venv/bin/python bench/churn_bench.py
    DATABASE_URL=... .venv/bin/python bench/churn_bench.py --customers 200000

What it does, with the job's own code (churn.validation, churn.model, churn.services.scoring):
1. draws 1M customers from the MBG/NBD story (first purchase up to three years ago, weekly rates
   ~ Gamma(0.6, 1/25), dropout ~ Beta(0.5, 4)), with a 52-week holdout after a calibration cut;
2. reads that summary back from a PostgreSQL table through a cursor in chunks, as the job reads its aggregate;
3. backtests (fit on the calibration period, AUC against R+F+M), fits on everything, scores every customer
   (P(alive), expected purchases 90/365 days, P(no purchase in 90 days), Gamma-Gamma, discounted 12-month CLV);
4. writes the scores with the job's write path (COPY into a staging table, one INSERT … ON CONFLICT, one DELETE)
   into a temporary copy of churn_customerscore (no foreign keys, so no 1M customers are needed): first
   write (all rows new), a rerun (nothing changes), and a next-day run (every row changes).
Prints the seconds of each step and the peak memory (max RSS) of the process. Nothing is left in the database.

Not measured here: the GROUP BY over raw purchase lines that produces the summary (CHURN.md measured the
aggregate over 10M lines at 9.7-11.7 s on this kind of machine, ~2 s over a per-customer summary table).
"""

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent


def synthetic(n: int, *, seed: int = 2026, holdout_weeks: int = 52):
    """(full summary columns, calibration summary columns, holdout counts) of ``n`` simulated customers."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 1 / 25, n)
    dropout = rng.beta(0.5, 4, n)
    horizon = rng.uniform(1, 156, n)  # weeks since the first purchase
    before_dropout = rng.geometric(dropout) - 1  # repeat purchases made before dropping out (MBG: may be 0)
    arrivals = rng.poisson(rate * horizon)
    owner = np.repeat(np.arange(n), arrivals)
    times = rng.uniform(0, 1, len(owner)) * horizon[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    starts = np.concatenate([[0], np.cumsum(arrivals)[:-1]])
    rank = np.arange(len(owner)) - starts[owner]
    keep = rank < before_dropout[owner]
    owner, times = owner[keep], times[keep]
    x = np.bincount(owner, minlength=n).astype(float)
    t_x = np.zeros(n)
    np.maximum.at(t_x, owner, times)
    cut = horizon - holdout_weeks
    in_cal = times <= cut[owner]
    x_cal = np.bincount(owner[in_cal], minlength=n).astype(float)
    t_x_cal = np.zeros(n)
    np.maximum.at(t_x_cal, owner[in_cal], times[in_cal])
    holdout = x - x_cal
    # Gamma-Gamma spend: a customer's rate ν ~ Gamma(3, rate 20,000), each purchase ~ Gamma(4, rate ν)
    nu = rng.gamma(3, 1 / 20000, n)
    repeats = np.maximum(x, 1)
    mean_value = np.where(x > 0, rng.gamma(4 * repeats, 1 / (nu * repeats)), 0.0)
    first_value = rng.gamma(2, 8000, n)
    return (x, t_x, horizon, mean_value, first_value), (cut > 0, x_cal, t_x_cal, cut), holdout


SUMMARY_TABLE = "churn_bench_summary"
SUMMARY_COLUMNS = (
    "customer_id",
    "first_day",
    "last_day",
    "days",
    "total",
    "first_total",
    "spend_12m",
    "last_cal",
    "days_cal",
    "total_cal",
    "holdout",
)
END_DAY = 20_000  # the run's day, as days since 1970-01-01 (10 October 2024)


def _setup():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL.")
    return connection


def prepare(n: int) -> None:
    """Simulate ``n`` customers and store their summary in a table (not timed as part of the job)."""
    connection = _setup()
    from churn import pgcopy

    (x, t_x, T, mean_value, first_value), (_in_cal, x_cal, t_x_cal, _cut), holdout = synthetic(n)
    first_day = np.rint(END_DAY - T * 7)
    total = first_value + x * mean_value
    columns = [
        np.arange(1, n + 1),
        first_day,
        np.rint(first_day + t_x * 7),
        x + 1,
        total,
        first_value,
        total,
        np.rint(first_day + t_x_cal * 7),
        x_cal + 1,
        first_value + x_cal * mean_value,
        holdout,
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SUMMARY_TABLE}")
        cursor.execute(f"CREATE UNLOGGED TABLE {SUMMARY_TABLE} ({', '.join(f'{c} float8' for c in SUMMARY_COLUMNS)})")
        pgcopy.copy_in(cursor, SUMMARY_TABLE, list(SUMMARY_COLUMNS), columns)


def drop() -> None:
    connection = _setup()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SUMMARY_TABLE}")


def job() -> None:
    """The scoring job's steps on the stored summary, timed; prints the figures and this process's peak memory."""
    connection = _setup()
    from django.db import transaction

    from churn import pgcopy, validation
    from churn.models import CustomerScore
    from churn.services import scoring

    timings = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    with connection.cursor() as cursor:
        table = pgcopy.copy_out(
            cursor,
            f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM {SUMMARY_TABLE} ORDER BY customer_id",  # noqa: S608
            None,
            fields=len(SUMMARY_COLUMNS),
        )
    lap("read the summary (binary COPY)")
    (cid, first, last, days, total, first_total, spend_12m, last_c, days_c, total_c, hold) = table.T
    current = validation.Summary.from_days(
        cid.astype(np.int64), first, last, days, total, first_total, end_day=END_DAY, unit_days=7.0
    )
    cut_day = END_DAY - 52 * 7
    rows = first <= cut_day
    calibration = validation.Summary.from_days(
        cid[rows].astype(np.int64),
        first[rows],
        last_c[rows],
        days_c[rows],
        total_c[rows],
        first_total[rows],
        end_day=cut_day,
        unit_days=7.0,
    )
    del table
    config = validation.Config()
    lap("build the summaries")
    backtest = validation.backtest(calibration, hold[rows], holdout_units=52, config=config)
    lap("backtest (fit on the calibration period, AUC)")
    fit = validation.fit(current, config)
    lap("fit MBG/NBD + Gamma-Gamma on everyone")
    settings = SimpleNamespace(watch_from=0.7, high_from=0.85, lost_from=0.93)
    method, columns = scoring.score_columns(current, spend_12m, fit=fit, settings=settings, config=config)
    lap("score every customer")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_scores (LIKE {CustomerScore._meta.db_table} INCLUDING ALL)")
    as_of = datetime.date(1970, 1, 1) + datetime.timedelta(days=END_DAY)
    writes = []
    for label, day in (
        ("first write (all new)", as_of),
        ("rerun (nothing changes)", as_of),
        ("next day (every row changes)", as_of + datetime.timedelta(days=1)),
    ):
        with transaction.atomic():
            writes.append(
                scoring._write(SimpleNamespace(pk=1, as_of=day), method=method, columns=columns, table="bench_scores")
            )
        lap(f"write: {label}")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    core = [name for name in timings if not name.startswith("write: r") and not name.startswith("write: n")]
    whole = sum(timings[name] for name in core)
    purchases = fit.purchases
    figures = backtest.as_dict()["holdout"]
    from churn import model

    distinct = len(model.group_rows(current.x, current.t_x, current.T).weights)
    print(f"customers: {len(current):,}  repeat buyers: {current.repeat_buyers:,}  distinct (x, t_x, T): {distinct:,}")
    print(
        f"method: {method}  fit: "
        + ", ".join(f"{k}={v:.4f}" for k, v in purchases.params.items())
        + f"  LL {purchases.log_likelihood:.1f}  converged {purchases.converged}  at bound "
        f"{purchases.at_bound or 'none'}  fall-back {fit.fallback or 'none'}"
    )
    print(
        f"backtest: AUC {figures['auc']:.3f} vs R+F+M {figures['baseline_auc']:.3f}; holdout repeat purchases "
        f"expected {figures['expected_repeat_purchases']:.0f}, actual {figures['actual_repeat_purchases']:.0f}"
    )
    print(f"rows written: first {writes[0]:,}, rerun {writes[1]:,}, next day {writes[2]:,}")
    for name, seconds in timings.items():
        print(f"  {name:<50} {seconds:7.2f} s")
    print(f"whole job (read, summaries, backtest, fit, score, first write): {whole:.1f} s")
    print(f"peak memory of the job process (max RSS): {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--job", action="store_true", help=argparse.SUPPRESS)  # the timed part, in its own process
    args = parser.parse_args()
    if args.job:
        job()
        return
    started = time.perf_counter()
    prepare(args.customers)
    print(f"simulated {args.customers:,} customers and stored their summary in {time.perf_counter() - started:.1f} s")
    try:
        subprocess.run([sys.executable, __file__, "--job"], check=True)  # noqa: S603
    finally:
        drop()


if __name__ == "__main__":
    main()
