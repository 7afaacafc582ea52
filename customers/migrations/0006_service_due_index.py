"""An index for the service due list at a million customers (PostgreSQL only).

``customers.selectors.timepieces.service_due_list_for_user`` reads the owned timepieces due by a
date, of the customers of the user's stores, soonest first (``service_due_on``, then ``id``), and
the page counts them. This partial index holds just the owned timepieces in that order, with the
customer id alongside: the count is an index-only scan of the due range joined to the store's
customers (no visit of the table's rows), and a page walks the index in the list's order.

Like migration 0005's indexes it is not in the models' state: SQLite keeps working without it.
"""

from django.db import migrations

from crm_site.pg_indexes import postgresql_indexes

INDEXES = {
    "timepiece_owned_due_order": (
        "ON customers_ownedtimepiece (service_due_on, id) INCLUDE (customer_id) WHERE status = 'owned'"
    ),
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_search_indexes")]

    operations = [postgresql_indexes(INDEXES)]
