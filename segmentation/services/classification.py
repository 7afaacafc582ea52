"""Apply segments, tiers and RFM for a run: set-based SQL only, no loop over customers.

Each function works on the current metrics and writes in set operations (INSERT … SELECT,
UPDATE … WHERE, DELETE … WHERE) through a temporary table of the customers a criterion selects.
The criterion's SQL comes from the ORM (segmentation.rules) with its values as parameters; the only
text put into SQL here is table and column names from the models.

They run inside run_execute's single transaction, so a failure leaves the previous state. Loops are
over segments and tiers (a handful), never over customers.
"""

import datetime
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from customers.models import Customer
from segmentation.models import (
    CustomerMetrics,
    CustomerRfm,
    CustomerTier,
    RfmMapping,
    RfmSegment,
    Run,
    Segment,
    SegmentMembership,
    Tier,
    TierChange,
)
from segmentation.rules import criterion_queryset, rule_to_q, rule_validate

MATCHES = "segmentation_tmp_matches"
QUALIFIED = "segmentation_tmp_qualified"
MOVES = "segmentation_tmp_moves"


@contextmanager
def _temp_table(cursor, name: str, columns: str):
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
    try:
        yield name
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _analyze(cursor, *tables: str) -> None:
    """Give the planner fresh row counts (PostgreSQL). Temporary tables have none until analysed, and a
    table that was empty at its last analysis (a first run) invites a nested loop that rescans it for
    every row: quadratic at a million customers. ANALYZE samples a fixed number of rows: cheap."""
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def _p(value):
    """A date or datetime adapted for the raw cursor (SQLite stores them as text)."""
    ops = connection.ops
    if isinstance(value, datetime.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return ops.adapt_datefield_value(value)
    return value


# ------------------------------------------------------------------------------------------ segments


@transaction.atomic
def segments_apply(*, run: Run, now: datetime.datetime | None = None) -> dict:
    """Recompute every active segment: close the memberships of those who left, open one for each newcomer.

    Returns {segment_id: {"name", "size", "entered", "left"}}. Inactive segments have their open
    memberships closed. Raises ValidationError if a criterion's stored rule is no longer valid.
    """
    now = now or timezone.now()
    membership = SegmentMembership._meta.db_table
    counts = {}
    with connection.cursor() as cursor, _temp_table(cursor, MATCHES, "customer_id bigint PRIMARY KEY"):
        _analyze(cursor, membership)
        for segment in Segment.objects.select_related("criterion").order_by("pk"):
            active = segment.is_active and segment.criterion.is_active
            cursor.execute(f"DELETE FROM {MATCHES}")  # noqa: S608 (table names only)
            size = 0
            if active:
                matches = criterion_queryset(segment.criterion.rule).order_by().values("pk")
                sql, params = matches.query.sql_with_params()
                cursor.execute(f"INSERT INTO {MATCHES} (customer_id) {sql}", params)
                size = cursor.rowcount
                _analyze(cursor, MATCHES)
            cursor.execute(
                f"""UPDATE {membership} SET left_run_id = %s, left_at = %s
                WHERE segment_id = %s AND left_run_id IS NULL
                AND NOT EXISTS (SELECT 1 FROM {MATCHES} m WHERE m.customer_id = {membership}.customer_id)""",  # noqa: S608
                [run.pk, _p(now), segment.pk],
            )
            left = cursor.rowcount
            # Those already in stay as they are; the rest enter. (Two statements on purpose: an INSERT
            # that anti-joins the table it writes to can rescan it for every row when its statistics
            # say it is empty, as on a first run.)
            cursor.execute(
                f"""DELETE FROM {MATCHES} WHERE EXISTS (SELECT 1 FROM {membership} sm WHERE sm.segment_id = %s
                    AND sm.customer_id = {MATCHES}.customer_id AND sm.left_run_id IS NULL)""",  # noqa: S608
                [segment.pk],
            )
            cursor.execute(
                f"""INSERT INTO {membership} (segment_id, customer_id, entered_run_id, entered_at)
                SELECT %s, m.customer_id, %s, %s FROM {MATCHES} m""",  # noqa: S608
                [segment.pk, run.pk, _p(now)],
            )
            entered = cursor.rowcount
            if active or left:
                counts[str(segment.pk)] = {"name": segment.name, "size": size, "entered": entered, "left": left}
    return counts


# ------------------------------------------------------------------------------------------ tiers


def _qualification_queryset(tiers: list[Tier]):
    """(customer id, highest tier qualified for) of every current customer who qualifies for a tier: one query."""
    whens = []
    for tier in tiers:
        condition = rule_to_q(rule_validate(tier.criterion.rule))
        whens.append(When(condition if condition else Q(pk__isnull=False), then=Value(tier.pk)))
    return (
        Customer.objects.current()
        .annotate(qualified_tier=Case(*whens, default=None, output_field=IntegerField()))
        .filter(qualified_tier__isnull=False)
        .order_by()
        .values_list("pk", "qualified_tier")
    )


@transaction.atomic
def tiers_apply(*, run: Run, as_of: datetime.date | None = None, now: datetime.datetime | None = None) -> dict:
    """Give every customer the highest tier they qualify for, with a grace period before a downgrade.

    - qualifies for a higher tier than held (or holds none): moves up at once;
    - qualifies for the held tier again: any grace period ends;
    - qualifies for a lower tier or none: keeps the tier until ``downgrade_due_on`` (as_of + the held
      tier's grace_days, set at the first run that finds it), then moves to what they qualify for then.
    Every move is a TierChange row of this run. Returns {"tiers": {tier_id: {...}}, "changes": n}.
    """
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    holding, tier_table, change = CustomerTier._meta.db_table, Tier._meta.db_table, TierChange._meta.db_table
    tiers = list(Tier.objects.filter(is_active=True, criterion__is_active=True).select_related("criterion"))
    tiers.sort(key=lambda t: t.rank)
    with (
        connection.cursor() as cursor,
        _temp_table(cursor, QUALIFIED, "customer_id bigint PRIMARY KEY, tier_id bigint NOT NULL"),
    ):
        _analyze(cursor, holding, change)
        if tiers:
            sql, params = _qualification_queryset(tiers).query.sql_with_params()
            cursor.execute(f"INSERT INTO {QUALIFIED} (customer_id, tier_id) {sql}", params)
            _analyze(cursor, QUALIFIED)
        # 1. Up (or onto the ladder): the moves are computed first into their own table, then written
        #    to the history and the holdings (never an INSERT that reads the table it grows).
        cursor.execute(f"DROP TABLE IF EXISTS {MOVES}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {MOVES} AS
            SELECT q.customer_id, h.tier_id AS from_tier_id, q.tier_id AS to_tier_id
            FROM {QUALIFIED} q JOIN {tier_table} qt ON qt.id = q.tier_id
            LEFT JOIN {holding} h ON h.customer_id = q.customer_id
            LEFT JOIN {tier_table} ht ON ht.id = h.tier_id
            WHERE h.customer_id IS NULL OR qt.rank < ht.rank"""  # noqa: S608
        )
        _analyze(cursor, MOVES)
        cursor.execute(
            f"INSERT INTO {change} (customer_id, run_id, from_tier_id, to_tier_id, at) "  # noqa: S608
            f"SELECT customer_id, %s, from_tier_id, to_tier_id, %s FROM {MOVES}",
            [run.pk, _p(now)],
        )
        changes = cursor.rowcount
        cursor.execute(
            f"""INSERT INTO {holding} (customer_id, tier_id, since, since_run_id, downgrade_due_on)
            SELECT customer_id, to_tier_id, %s, %s, NULL FROM {MOVES} WHERE TRUE
            ON CONFLICT (customer_id) DO UPDATE SET tier_id = excluded.tier_id, since = excluded.since,
                since_run_id = excluded.since_run_id, downgrade_due_on = NULL""",  # noqa: S608
            [_p(now), run.pk],
        )
        cursor.execute(f"DROP TABLE {MOVES}")
        # 2. Qualifies again for the tier held: the grace period ends.
        cursor.execute(
            f"""UPDATE {holding} SET downgrade_due_on = NULL WHERE downgrade_due_on IS NOT NULL
            AND EXISTS (SELECT 1 FROM {QUALIFIED} q WHERE q.customer_id = {holding}.customer_id
                AND q.tier_id = {holding}.tier_id)"""  # noqa: S608
        )
        # 3. No longer qualifies for the tier held: the grace period starts (one statement per tier).
        for tier in Tier.objects.order_by("rank"):
            cursor.execute(
                f"""UPDATE {holding} SET downgrade_due_on = %s
                WHERE tier_id = %s AND downgrade_due_on IS NULL
                AND NOT EXISTS (SELECT 1 FROM {QUALIFIED} q WHERE q.customer_id = {holding}.customer_id
                    AND q.tier_id = {holding}.tier_id)""",  # noqa: S608
                [_p(as_of + datetime.timedelta(days=tier.grace_days)), tier.pk],
            )
        # 4. Grace over: down to the tier qualified for now, or off the ladder.
        cursor.execute(
            f"""INSERT INTO {change} (customer_id, run_id, from_tier_id, to_tier_id, at)
            SELECT h.customer_id, %s, h.tier_id, q.tier_id, %s
            FROM {holding} h LEFT JOIN {QUALIFIED} q ON q.customer_id = h.customer_id
            WHERE h.downgrade_due_on <= %s""",  # noqa: S608
            [run.pk, _p(now), _p(as_of)],
        )
        changes += cursor.rowcount
        cursor.execute(
            f"""UPDATE {holding} SET
                tier_id = (SELECT q.tier_id FROM {QUALIFIED} q WHERE q.customer_id = {holding}.customer_id),
                since = %s, since_run_id = %s, downgrade_due_on = NULL
            WHERE downgrade_due_on <= %s
            AND EXISTS (SELECT 1 FROM {QUALIFIED} q WHERE q.customer_id = {holding}.customer_id)""",  # noqa: S608
            [_p(now), run.pk, _p(as_of)],
        )
        cursor.execute(f"DELETE FROM {holding} WHERE downgrade_due_on <= %s", [_p(as_of)])  # noqa: S608
    counts = tier_counts(run=run)
    return {"tiers": counts, "changes": changes, "movement": _tier_movement(run=run, counts=counts)}


def _tier_movement(*, run: Run, counts: dict) -> dict:
    """The run's movement matrix as figures kept on the run: moves (from, to, n) and who stayed per tier."""
    moves = [
        [f, t, n]
        for f, t, n in TierChange.objects.filter(run=run)
        .values_list("from_tier", "to_tier")
        .annotate(n=Count("pk"))
        .values_list("from_tier", "to_tier", "n")
    ]
    stayed = {key: entry["size"] - entry["entered"] for key, entry in counts.items()}
    return {"moves": moves, "stayed": stayed}


def tier_counts(*, run: Run) -> dict:
    """{tier_id: {"name", "size", "in_grace", "entered", "left"}} after ``run`` (aggregates, four queries)."""
    sizes = dict(CustomerTier.objects.values_list("tier").annotate(n=Count("pk")).values_list("tier", "n"))
    grace = dict(
        CustomerTier.objects.filter(downgrade_due_on__isnull=False)
        .values_list("tier")
        .annotate(n=Count("pk"))
        .values_list("tier", "n")
    )
    moves = TierChange.objects.filter(run=run)
    entered = dict(moves.values_list("to_tier").annotate(n=Count("pk")).values_list("to_tier", "n"))
    left = dict(moves.values_list("from_tier").annotate(n=Count("pk")).values_list("from_tier", "n"))
    return {
        str(tier.pk): {
            "name": tier.name,
            "size": sizes.get(tier.pk, 0),
            "in_grace": grace.get(tier.pk, 0),
            "entered": entered.get(tier.pk, 0),
            "left": left.get(tier.pk, 0),
        }
        for tier in Tier.objects.order_by("rank")
    }


# ------------------------------------------------------------------------------------------ RFM


def _rfm_sql() -> str:
    metrics, customer = CustomerMetrics._meta.db_table, Customer._meta.db_table
    rfm, mapping = CustomerRfm._meta.db_table, RfmMapping._meta.db_table
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(
        f"{rfm}.{col} {differs} excluded.{col}"
        for col in ("recency_score", "frequency_score", "monetary_score", "segment_id")
    )
    # Quintiles over the customers who bought (1 = lowest, 5 = highest). Ties are split by the
    # other figures, then by id, so that equal inputs always give the same scores.
    return f"""
        INSERT INTO {rfm} (customer_id, recency_score, frequency_score, monetary_score, segment_id, run_id)
        SELECT s.customer_id, s.r, s.f, s.m, mp.segment_id, %s
        FROM (
            SELECT m.customer_id,
                NTILE(5) OVER (ORDER BY m.days_since_last_purchase DESC, m.purchases_lifetime, m.customer_id) AS r,
                NTILE(5) OVER (ORDER BY m.purchases_lifetime, m.spend_lifetime, m.customer_id) AS f,
                NTILE(5) OVER (ORDER BY m.spend_lifetime, m.purchases_lifetime, m.customer_id) AS m
            FROM {metrics} m JOIN {customer} c ON c.id = m.customer_id
            WHERE m.purchases_lifetime > 0 AND c.merged_into_id IS NULL
        ) s
        LEFT JOIN {mapping} mp ON mp.recency_score = s.r AND mp.fm_score = (s.f + s.m + 1) / 2
        WHERE s.customer_id IS NOT NULL
        ON CONFLICT (customer_id) DO UPDATE SET recency_score = excluded.recency_score,
            frequency_score = excluded.frequency_score, monetary_score = excluded.monetary_score,
            segment_id = excluded.segment_id, run_id = excluded.run_id
        WHERE {changed}
    """  # noqa: S608


@transaction.atomic
def rfm_apply(*, run: Run) -> dict:
    """Score every buyer's recency, frequency and spend in quintiles (NTILE) and name their RFM segment.

    One INSERT … SELECT … ON CONFLICT over the metrics (rows only rewritten when a score or the segment
    changes; ``run`` says when it last changed), then buyers who are no longer (merged) lose their row.
    The segment comes from the RfmMapping cell (R, (F + M + 1) // 2). Returns {segment code: size}.
    """
    metrics, customer, rfm = CustomerMetrics._meta.db_table, Customer._meta.db_table, CustomerRfm._meta.db_table
    with connection.cursor() as cursor:
        _analyze(cursor, rfm)
        if connection.vendor == "postgresql":  # three sorts of every buyer: in memory, not on disk
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(_rfm_sql(), [run.pk])
        cursor.execute(
            f"""DELETE FROM {rfm} WHERE NOT EXISTS (
                SELECT 1 FROM {metrics} m JOIN {customer} c ON c.id = m.customer_id
                WHERE m.customer_id = {rfm}.customer_id AND m.purchases_lifetime > 0
                AND c.merged_into_id IS NULL)"""  # noqa: S608
        )
    return rfm_counts()


def rfm_counts() -> dict:
    sizes = dict(CustomerRfm.objects.values_list("segment").annotate(n=Count("pk")).values_list("segment", "n"))
    return {s.code: {"name": s.name, "size": sizes.get(s.pk, 0)} for s in RfmSegment.objects.order_by("order")}
