"""Indexes for the list of corporate accounts at a million customers (PostgreSQL only).

The customer list filters people or companies (``kind``). Companies are a few per cent of the
customers: through migration 0005's indexes a page of them, and above all their capped count,
visits the rows of every customer of the store to read ``kind``. These partial indexes hold only
the live companies in the list's name order (alone, and after the store), so the count and a page
are index-only walks of the companies. The expression is migration 0005's ``NAME_ORDER``.

Like migration 0005's indexes they are not in the models' state: SQLite keeps working without them.
"""

from django.db import migrations

from crm_site.pg_indexes import postgresql_indexes

NAME_ORDER = "(CASE WHEN name_en = '' THEN 1 ELSE 0 END), name_en, name_zh, id"
LIVE_COMPANIES = "WHERE merged_into_id IS NULL AND kind = 'company'"
INDEXES = {
    "customer_company_name_order": f"({NAME_ORDER}) {LIVE_COMPANIES}",
    "customer_store_company_name_order": f"(home_store_id, {NAME_ORDER}) {LIVE_COMPANIES}",
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_service_due_index")]

    operations = [
        postgresql_indexes({name: f"ON customers_customer {definition}" for name, definition in INDEXES.items()})
    ]
