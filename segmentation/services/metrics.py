"""Writes of the segmentation app."""

import datetime

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Customer, OwnedTimepiece, Product, Purchase, PurchaseLine
from segmentation.models import CustomerMetrics

# The columns an upsert writes from the computed figures, in the order of the SELECT below.
# refreshed_at is written too but never compared: it says when the figures last changed.
_FIGURES = (
    "home_store_id",
    "spend_90d",
    "spend_12m",
    "spend_lifetime",
    "purchases_90d",
    "purchases_12m",
    "purchases_lifetime",
    "first_purchase_on",
    "last_purchase_on",
    "days_since_first_purchase",
    "days_since_last_purchase",
    "average_order_value",
    "timepieces_owned",
    "timepieces_value",
    "brands_bought",
    "next_service_due_on",
    "open_complaints",
    "as_of",
)


def _one_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _days_between(later: str, earlier: str) -> str:
    """SQL for the whole days from ``earlier`` to ``later`` (both date expressions)."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _upsert_sql() -> str:
    metrics = CustomerMetrics._meta.db_table
    customer = Customer._meta.db_table
    purchase = Purchase._meta.db_table
    line = PurchaseLine._meta.db_table
    product = Product._meta.db_table
    timepiece = OwnedTimepiece._meta.db_table
    complaint = _complaint_model()._meta.db_table
    open_statuses = ", ".join(f"%(open_{i})s" for i in range(len(_complaint_model().OPEN_STATUSES)))
    today = "%(today)s" if connection.vendor != "postgresql" else "CAST(%(today)s AS date)"
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    columns = ", ".join(("customer_id", *_FIGURES, "refreshed_at"))
    update = ", ".join(f"{name} = excluded.{name}" for name in (*_FIGURES, "refreshed_at"))
    changed = " OR ".join(f"{metrics}.{name} {differs} excluded.{name}" for name in _FIGURES)
    # Windows are (start, today]: the last 90 days, the last 12 months. Purchases after ``today``
    # are ignored, so the figures are those of the ``as_of`` day.
    # Brands bought: the distinct (customer, brand) pairs are hashed, then counted, which at 10M lines
    # is a third faster than COUNT(DISTINCT …), whose sort of every line spills to disk.
    # The SELECT ends with a WHERE clause: SQLite needs one before ON CONFLICT to parse an upsert.
    # Only table and column names from the models go into the text; every value is a parameter.
    return f"""
        INSERT INTO {metrics} ({columns})
        SELECT
            c.id,
            c.home_store_id,
            COALESCE(p.spend_90d, 0),
            COALESCE(p.spend_12m, 0),
            COALESCE(p.spend_lifetime, 0),
            COALESCE(p.purchases_90d, 0),
            COALESCE(p.purchases_12m, 0),
            COALESCE(p.purchases_lifetime, 0),
            p.first_purchase_on,
            p.last_purchase_on,
            {_days_between(today, "p.first_purchase_on")},
            {_days_between(today, "p.last_purchase_on")},
            CASE WHEN p.purchases_lifetime > 0
                THEN ROUND(p.spend_lifetime / p.purchases_lifetime, 2) END,
            COALESCE(t.timepieces_owned, 0),
            COALESCE(t.timepieces_value, 0),
            COALESCE(b.brands_bought, 0),
            t.next_service_due_on,
            COALESCE(oc.open_complaints, 0),
            {today},
            %(now)s
        FROM {customer} c
        LEFT JOIN (
            SELECT
                customer_id,
                ROUND(SUM(CASE WHEN purchased_on > %(start_90d)s THEN total ELSE 0 END), 2) AS spend_90d,
                ROUND(SUM(CASE WHEN purchased_on > %(start_12m)s THEN total ELSE 0 END), 2) AS spend_12m,
                ROUND(SUM(total), 2) AS spend_lifetime,
                SUM(CASE WHEN total > 0 AND purchased_on > %(start_90d)s THEN 1 ELSE 0 END) AS purchases_90d,
                SUM(CASE WHEN total > 0 AND purchased_on > %(start_12m)s THEN 1 ELSE 0 END) AS purchases_12m,
                SUM(CASE WHEN total > 0 THEN 1 ELSE 0 END) AS purchases_lifetime,
                MIN(CASE WHEN total > 0 THEN purchased_on END) AS first_purchase_on,
                MAX(CASE WHEN total > 0 THEN purchased_on END) AS last_purchase_on
            FROM {purchase}
            WHERE purchased_on <= {today}
            GROUP BY customer_id
        ) p ON p.customer_id = c.id
        LEFT JOIN (
            SELECT customer_id, COUNT(*) AS brands_bought
            FROM (
                SELECT DISTINCT pu.customer_id, pr.brand_id
                FROM {line} l
                JOIN {purchase} pu ON pu.id = l.purchase_id
                JOIN {product} pr ON pr.id = l.product_id
                WHERE l.quantity > 0 AND pu.purchased_on <= {today}
            ) pairs
            GROUP BY customer_id
        ) b ON b.customer_id = c.id
        LEFT JOIN (
            SELECT
                o.customer_id,
                COUNT(*) AS timepieces_owned,
                COALESCE(SUM(pr.list_price), 0) AS timepieces_value,
                MIN(o.service_due_on) AS next_service_due_on
            FROM {timepiece} o
            LEFT JOIN {product} pr ON pr.id = o.product_id
            WHERE o.status = %(owned)s
            GROUP BY o.customer_id
        ) t ON t.customer_id = c.id
        LEFT JOIN (
            SELECT customer_id, COUNT(*) AS open_complaints
            FROM {complaint}
            WHERE customer_id IS NOT NULL AND status IN ({open_statuses})
            GROUP BY customer_id
        ) oc ON oc.customer_id = c.id
        WHERE c.merged_into_id IS NULL
        ON CONFLICT (customer_id) DO UPDATE SET {update}
        WHERE {changed}
    """  # noqa: S608


def _complaint_model():
    """Open complaints are a customer figure too. The complaints app builds on customers as this one
    does; the model is looked up by name so that neither app's domain code imports the other."""
    return apps.get_model("complaints", "Complaint")


def upsert_statement(*, today: datetime.date) -> tuple[str, dict]:
    """The upsert's SQL and parameters for ``today`` (the benchmark EXPLAINs it)."""
    ops = connection.ops
    params = {
        "today": ops.adapt_datefield_value(today),
        "start_90d": ops.adapt_datefield_value(today - datetime.timedelta(days=90)),
        "start_12m": ops.adapt_datefield_value(_one_year_before(today)),
        "now": ops.adapt_datetimefield_value(timezone.now()),
        "owned": OwnedTimepiece.Status.OWNED,
        **{f"open_{i}": status for i, status in enumerate(_complaint_model().OPEN_STATUSES)},
    }
    return _upsert_sql(), params


@transaction.atomic
def metrics_refresh(*, today: datetime.date | None = None) -> dict:
    """Recompute every customer's CustomerMetrics as of ``today`` (default: today in Hong Kong).

    One INSERT … SELECT … ON CONFLICT DO UPDATE for all customers: a row is only written when a
    figure differs, so a second refresh for the same day changes nothing (and keeps refreshed_at).
    Then the rows of merged (or vanished) customers are deleted.
    Returns {"created": n, "updated": n, "deleted": n}.
    """
    today = today or timezone.localdate()
    sql, params = upsert_statement(today=today)
    metrics = CustomerMetrics._meta.db_table
    customer = Customer._meta.db_table
    with connection.cursor() as cursor:
        before = CustomerMetrics.objects.count()
        cursor.execute(sql, params)
        written = cursor.rowcount  # inserted + updated (rows whose DO UPDATE WHERE was false are not counted)
        created = CustomerMetrics.objects.count() - before
        cursor.execute(
            f"DELETE FROM {metrics} WHERE NOT EXISTS ("  # noqa: S608 (table names only)
            f"SELECT 1 FROM {customer} c WHERE c.id = {metrics}.customer_id AND c.merged_into_id IS NULL)"
        )
        deleted = cursor.rowcount
    return {"created": created, "updated": written - created, "deleted": deleted}
