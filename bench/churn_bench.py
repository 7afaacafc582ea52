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


class _TextStream:
    """A file-like object over an iterator of text lines (for COPY)."""

    def __init__(self, lines):
        self._lines = iter(lines)
        self._pending = ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._pending) < size:
            chunk = "".join(line for _, line in zip(range(5000), self._lines, strict=False))
            if not chunk:
                break
            self._pending += chunk
        size = len(self._pending) if size < 0 else size
        text, self._pending = self._pending[:size], self._pending[size:]
        return text

    readline = read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from django.db import connection, transaction

    from churn import model, validation
    from churn.models import CustomerScore
    from churn.services import scoring

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL.")
    n = args.customers
    timings = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    (x, t_x, T, mean_value, first_value), (_in_cal, x_cal, t_x_cal, _cut), holdout = synthetic(n)
    lap("simulate (not part of the job)")

    # 2. the summary through PostgreSQL and back, as the job reads its aggregate (chunked fetch)
    ids = np.arange(1, n + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_summary (customer_id bigint, first_day int, last_day int, days int, "
            "total float8, first_total float8, spend_12m float8, last_cal int, days_cal int, total_cal float8, "
            "holdout int)"
        )
        end_day = 20_000
        first_day = np.rint(end_day - T * 7).astype(int)
        last_day = np.rint(first_day + t_x * 7).astype(int)
        total = first_value + x * mean_value
        last_cal = np.rint(first_day + t_x_cal * 7).astype(int)
        total_cal = first_value + x_cal * mean_value
        lines = (
            f"{ids[i]}\t{first_day[i]}\t{last_day[i]}\t{int(x[i]) + 1}\t{total[i]:.2f}\t{first_value[i]:.2f}\t"
            f"{total[i]:.2f}\t{last_cal[i]}\t{int(x_cal[i]) + 1}\t{total_cal[i]:.2f}\t{int(holdout[i])}\n"
            for i in range(n)
        )
        cursor.cursor.copy_expert("COPY bench_summary FROM STDIN", _TextStream(lines))
        lap("load the synthetic summary into PostgreSQL (not part of the job)")
        chunks = []
        cursor.execute("SELECT * FROM bench_summary ORDER BY customer_id")
        while rows := cursor.fetchmany(50_000):
            chunks.append(np.array(rows, dtype=np.float64))
        table = np.vstack(chunks)
        del chunks
    lap("read the summary (chunked cursor)")
    (cid, first, last, days, total, first_total, spend_12m, last_c, days_c, total_c, hold) = table.T
    del table
    current = validation.Summary.from_days(
        cid.astype(np.int64), first, last, days, total, first_total, end_day=end_day, unit_days=7.0
    )
    cut_day = np.rint(end_day - 52 * 7)
    calibration_rows = first <= cut_day
    calibration = validation.Summary.from_days(
        cid[calibration_rows].astype(np.int64), first[calibration_rows], last_c[calibration_rows],
        days_c[calibration_rows], total_c[calibration_rows], first_total[calibration_rows],
        end_day=cut_day, unit_days=7.0,
    )  # fmt: skip
    config = validation.Config()
    lap("build the summaries")

    backtest = validation.backtest(calibration, hold[calibration_rows], holdout_units=52, config=config)
    lap("backtest (fit on the calibration period + AUC)")
    fit = validation.fit(current, config)
    lap("fit MBG/NBD + Gamma-Gamma on everyone")
    scores = model.score_customers(
        fit.purchases, fit.value, current.x, current.t_x, current.T, current.mean_repeat_value,
        annual_discount_rate=0.08, unit_days=7.0,
    )  # fmt: skip
    settings = SimpleNamespace(watch_from=0.7, high_from=0.85, lost_from=0.93)
    bands = scoring._bands(scores.probability_no_purchase_90d, settings)
    r, f, m = validation.rfm_scores(current)
    rfm = np.char.add(np.char.add(r.astype(str), f.astype(str)), m.astype(str))
    lap("score every customer")

    figures = {
        "current": current, "spend_12m": spend_12m, "method": "model", "risk": scores.probability_no_purchase_90d,
        "bands": bands, "scores": scores, "rfm": rfm,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_scores (LIKE {CustomerScore._meta.db_table} INCLUDING ALL)")
    as_of = datetime.date(2024, 10, 4)
    writes = []
    for label, day in (("first write (all new)", as_of), ("rerun (nothing changes)", as_of),
                       ("next day (every row changes)", as_of + datetime.timedelta(days=1))):  # fmt: skip
        run = SimpleNamespace(pk=1, as_of=day)
        with transaction.atomic():
            written = scoring._write(run, table="bench_scores", **figures)
        writes.append(written)
        lap(f"write: {label}")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    job = sum(seconds for name, seconds in timings.items() if "not part" not in name and "rerun" not in name
              and "next day" not in name)  # fmt: skip
    print(f"customers: {n:,}  repeat buyers: {current.repeat_buyers:,}  distinct (x, t_x, T) rows: "
          f"{len(model.group_rows(current.x, current.t_x, current.T).weights):,}")  # fmt: skip
    print(f"fit: {fit.purchases.params}  LL {fit.purchases.log_likelihood:.1f}  converged {fit.purchases.converged}"
          f"  at bound {fit.purchases.at_bound or 'none'}  fallback {fit.fallback or 'none'}")  # fmt: skip
    holdout_figures = backtest.as_dict()["holdout"]
    print(f"backtest: AUC {holdout_figures['auc']:.3f} vs R+F+M {holdout_figures['baseline_auc']:.3f}; "
          f"holdout purchases expected {holdout_figures['expected_repeat_purchases']:.0f}, "
          f"actual {holdout_figures['actual_repeat_purchases']:.0f}")  # fmt: skip
    print(f"rows written: {writes}")
    for name, seconds in timings.items():
        print(f"  {name:<62} {seconds:7.2f} s")
    print(f"whole job (read + summaries + backtest + fit + score + first write): {job:.1f} s")
    print(f"peak memory (max RSS of this process, simulation included): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
