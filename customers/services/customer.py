"""Writes to customer records. Each one records who did it in the privacy access log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import privacy.services
from crm_site import roles
from customers.models import Customer, Store
from privacy.masking import can_view_sensitive
from privacy.models import AccessLog, CollectionRecord
from privacy.registry import registry

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


def _customer_assignment_check(*, by, home_store, account_manager) -> None:
    """Customers go to the user's own stores; an account manager's go to their own book;
    the account manager works at the customer's home store."""
    errors = {}
    if home_store is not None and not Store.objects.of_user(by).filter(pk=home_store.pk).exists():
        errors["home_store"] = _("You can only assign customers to your own stores.")
    if roles.keeps_own_book_only(by) and account_manager != by:
        errors["account_manager"] = _("Customers you add or edit stay in your own book.")
    elif account_manager is not None and (
        roles.ACCOUNT_MANAGER not in roles.user_roles(account_manager)
        or (home_store is not None and not home_store.staff.filter(pk=account_manager.pk).exists())
    ):
        errors["account_manager"] = _("Choose an account manager who works at the customer's home store.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def customer_create(*, by, view_name: str = "", **data) -> Customer:
    if not by.has_perm("customers.add_customer"):
        raise PermissionDenied(_("You may not add customers."))
    customer = Customer(**{k: v for k, v in data.items() if k in CUSTOMER_EDITABLE_FIELDS})
    if roles.keeps_own_book_only(by) and customer.account_manager_id is None:
        customer.account_manager = by  # an account manager's new customers are theirs
    _customer_assignment_check(by=by, home_store=customer.home_store, account_manager=customer.account_manager)
    customer.full_clean()
    customer.save()
    privacy.services.access_record(user=by, customer=customer, action=AccessLog.Action.CREATE, view_name=view_name)
    privacy.services.collection_record(customer=customer, point=CollectionRecord.Point.FORM, by=by)
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
    if not can_view_sensitive(by) and set(changed) & set(registry.sensitive_fields(Customer)):
        raise PermissionDenied(_("You may not change sensitive personal data."))
    if {"home_store", "account_manager"} & set(changed):
        _customer_assignment_check(by=by, home_store=customer.home_store, account_manager=customer.account_manager)
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
