"""Reads, always scoped to the user asking; one module per part of the client record."""

from customers.selectors.customer import (
    account_managers_for_user,
    customer_can_edit,
    customer_duplicates,
    customer_get_editable_for_user,
    customer_get_for_user,
    customer_is_editable_by,
    customer_list_for_user,
    stores_for_user,
)

__all__ = [
    "account_managers_for_user",
    "customer_can_edit",
    "customer_duplicates",
    "customer_get_editable_for_user",
    "customer_get_for_user",
    "customer_is_editable_by",
    "customer_list_for_user",
    "stores_for_user",
]
