"""Indexes for the customer list and search at a million customers (PostgreSQL only).

pg_trgm GIN indexes serve the partial matches of ``CustomerQuerySet.search`` (Django's
``icontains`` is ``UPPER(col::text) LIKE UPPER(%s)``, hence the UPPER expressions; ``contains``,
``startswith`` and ``endswith`` are plain ``LIKE``). The partial btree indexes serve the list's
orders (by name, by date added), alone or after a store filter, so that a page is an index walk
of ``OFFSET + 25`` rows and never a sort of every customer. The CASE expression is the one
``customers.selectors.customer.customer_list_for_user`` orders by (customers without an English
name last): PostgreSQL uses an expression index only for the same expression.

The indexes are not in the models' state (a GIN index with an operator class cannot be created
on SQLite, the embedded default): SQLite keeps working, with table scans.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from crm_site.pg_indexes import postgresql_indexes

NAME_ORDER = "(CASE WHEN name_en = '' THEN 1 ELSE 0 END), name_en, name_zh, id"
LIVE = "WHERE merged_into_id IS NULL"
INDEXES = {
    "customer_name_en_trgm": "USING gin (UPPER(name_en::text) gin_trgm_ops)",
    "customer_name_zh_trgm": "USING gin (name_zh gin_trgm_ops)",
    "customer_email_trgm": "USING gin (UPPER(email::text) gin_trgm_ops)",
    "customer_mobile_trgm": "USING gin (mobile_phone gin_trgm_ops)",
    "customer_name_order": f"({NAME_ORDER}) {LIVE}",
    "customer_store_name_order": f"(home_store_id, {NAME_ORDER}) {LIVE}",
    "customer_added_order": f"(created_at, id) {LIVE}",
    "customer_store_added_order": f"(home_store_id, created_at, id) {LIVE}",
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_client_record_roles_and_intervals")]

    operations = [
        TrigramExtension(),
        postgresql_indexes({name: f"ON customers_customer {definition}" for name, definition in INDEXES.items()}),
    ]
