"""Writes to customer records. Each one records who did it in the privacy access log."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

import privacy.services
from customers.models import Customer
from privacy.models import AccessLog

CUSTOMER_EDITABLE_FIELDS = (
    "kind",
    "salutation",
    "name_en",
    "name_zh",
    "mobile_phone",
    "email",
    "address",
    "district",
    "birth_month",
    "birth_day",
    "birth_year",
    "preferred_language",
    "preferred_channel",
    "home_store",
    "account_manager",
    "acquisition_source",
    "notes",
)


@transaction.atomic
def customer_create(*, by, view_name: str = "", **data) -> Customer:
    if not by.has_perm("customers.add_customer"):
        raise PermissionDenied(_("You may not add customers."))
    customer = Customer(**{k: v for k, v in data.items() if k in CUSTOMER_EDITABLE_FIELDS})
    customer.full_clean()
    customer.save()
    privacy.services.access_record(user=by, customer=customer, action=AccessLog.Action.CREATE, view_name=view_name)
    return customer


@transaction.atomic
def customer_update(*, customer_id: int, by, view_name: str = "", **data) -> Customer:
    customer = Customer.objects.editable_by(by).select_for_update().filter(pk=customer_id).first()
    if customer is None or not by.has_perm("customers.change_customer"):
        raise PermissionDenied(_("You may not edit this customer."))
    changed = []
    for name, value in data.items():
        if name in CUSTOMER_EDITABLE_FIELDS and getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    customer.full_clean()
    customer.save()
    privacy.services.access_record(
        user=by,
        customer=customer,
        action=AccessLog.Action.EDIT,
        view_name=view_name,
        reason=", ".join(changed)[:255],
    )
    return customer
