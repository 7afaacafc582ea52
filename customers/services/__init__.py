"""Writes with business rules, one module per part of the client record.

The customer record's own services are re-exported here; the parts are imported by
module, e.g. ``from customers.services import purchases``.
"""

from customers.services.customer import CUSTOMER_EDITABLE_FIELDS, customer_create, customer_update

__all__ = ["CUSTOMER_EDITABLE_FIELDS", "customer_create", "customer_update"]
