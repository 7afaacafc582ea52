"""The per-customer purchase summary the scoring job reads: one SQL aggregate, never raw purchase lines in Python.

A purchase day is a day on which the customer's purchases net to more than zero (a fully returned sale has a
zero total and is no purchase; several receipts on one day are one purchase day, as the model counts).
Merged customers are left out (their purchases belong to the surviving record after a merge).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
from django.db import connection

from churn import pgcopy
from churn.validation import Summary
from customers.models import Customer, Purchase

EPOCH = datetime.date(1970, 1, 1)
FETCH_ROWS = 50_000


def _day_number(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"({expression} - DATE '1970-01-01')"
    return f"CAST(julianday({expression}) - 2440587.5 AS INTEGER)"


def _year_before(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"({expression} - 365)"
    return f"date({expression}, '-365 days')"


def _sql() -> str:
    purchase, customer = Purchase._meta.db_table, Customer._meta.db_table
    end = "CAST(%(end)s AS date)" if connection.vendor == "postgresql" else "%(end)s"
    # Only table names from the models go into the text; every value is a parameter.
    return f"""
        WITH days AS (
            SELECT p.customer_id, p.purchased_on AS day, SUM(p.total) AS total
            FROM {purchase} p
            JOIN {customer} c ON c.id = p.customer_id AND c.merged_into_id IS NULL
            WHERE p.purchased_on <= {end}
            GROUP BY p.customer_id, p.purchased_on
            HAVING SUM(p.total) > 0
        ),
        ends AS (SELECT customer_id, MIN(day) AS first_day, MAX(day) AS last_day FROM days GROUP BY customer_id)
        SELECT
            CAST(d.customer_id AS DOUBLE PRECISION),
            CAST({_day_number("f.first_day")} AS DOUBLE PRECISION),
            CAST({_day_number("f.last_day")} AS DOUBLE PRECISION),
            CAST(COUNT(*) AS DOUBLE PRECISION),
            CAST(SUM(d.total) AS DOUBLE PRECISION),
            CAST(SUM(CASE WHEN d.day = f.first_day THEN d.total ELSE 0 END) AS DOUBLE PRECISION),
            CAST(SUM(CASE WHEN d.day > {_year_before("f.last_day")} THEN d.total ELSE 0 END) AS DOUBLE PRECISION),
            CAST(COALESCE({_day_number("MAX(CASE WHEN d.day <= %(cut)s THEN d.day END)")}, -1) AS DOUBLE PRECISION),
            CAST(SUM(CASE WHEN d.day <= %(cut)s THEN 1 ELSE 0 END) AS DOUBLE PRECISION),
            CAST(SUM(CASE WHEN d.day <= %(cut)s THEN d.total ELSE 0 END) AS DOUBLE PRECISION),
            CAST(SUM(CASE WHEN d.day > %(cut)s THEN 1 ELSE 0 END) AS DOUBLE PRECISION)
        FROM days d
        JOIN ends f ON f.customer_id = d.customer_id
        GROUP BY d.customer_id, f.first_day, f.last_day
        ORDER BY d.customer_id
    """  # noqa: S608


@dataclass
class ScoringData:
    """``current``: every customer with a purchase day up to ``as_of``; ``calibration`` the customers whose first
    purchase day is on or before the cut-off, summarised to it, with their ``holdout`` purchase days after it."""

    current: Summary
    spend_12m: np.ndarray  # spend in the 365 days up to each customer's last purchase day (aligned with ``current``)
    calibration: Summary
    holdout: np.ndarray  # aligned with ``calibration``


def scoring_data_read(*, as_of: datetime.date, calibration_end: datetime.date, unit_days: float) -> ScoringData:
    """Run the aggregate and read it into numpy arrays (about 90 bytes a customer): on PostgreSQL through a
    binary COPY parsed in chunks, elsewhere through a cursor in chunks."""
    ops = connection.ops
    params = {"end": ops.adapt_datefield_value(as_of), "cut": ops.adapt_datefield_value(calibration_end)}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = pgcopy.copy_out(cursor, _sql(), params, fields=11)  # binary COPY: no Python tuple per row
        else:
            cursor.execute(_sql(), params)
            chunks = []
            while rows := cursor.fetchmany(FETCH_ROWS):
                chunks.append(np.array(rows, dtype=np.float64))
            table = np.vstack(chunks) if chunks else np.empty((0, 11))
    (ids, first, last, days, total, first_total, spend_12m, last_cal, days_cal, total_cal, holdout) = table.T
    end_day, cut_day = (as_of - EPOCH).days, (calibration_end - EPOCH).days
    ids = ids.astype(np.int64)
    current = Summary.from_days(ids, first, last, days, total, first_total, end_day=end_day, unit_days=unit_days)
    in_calibration = first <= cut_day
    calibration = Summary.from_days(
        ids[in_calibration],
        first[in_calibration],
        last_cal[in_calibration],
        days_cal[in_calibration],
        total_cal[in_calibration],
        first_total[in_calibration],
        end_day=cut_day,
        unit_days=unit_days,
    )
    return ScoringData(current, spend_12m, calibration, holdout[in_calibration])
