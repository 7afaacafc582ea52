"""The personal-data registry.

Every model that holds personal data about a customer registers here (from its
app's ``personal_data.py``), saying what category of data it is, which fields
are sensitive, how to find the rows of one customer, how to export them and how
to anonymise them. Access-request exports, erasure and retention walk this
registry, so a new model cannot escape them; a test fails when a model linked
to the customer model is left out.

This module imports no other app: apps register with it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    IDENTITY = "identity", _("Identity and contact details")
    TRANSACTIONS = "transactions", _("Purchases and transactions")
    SERVICE = "service", _("Service and ownership records")
    INTERACTIONS = "interactions", _("Interactions and notes")
    COMPLAINTS = "complaints", _("Complaints")
    MARKETING = "marketing", _("Marketing and consent")
    AUDIT = "audit", _("Audit trail")


# Where retention looks for a row's date when the registration does not say.
DATE_FIELDS = ("occurred_at", "received_at", "disclosed_at", "collected_at", "sent_at", "at", "created_at")


# Anonymise strategy for records the law requires to keep as they are (e.g. the
# access audit trail): registering with KEEP is an explicit, reviewed decision.
KEEP = "keep"


@dataclass(frozen=True)
class Registration:
    model: type[models.Model]
    category: str
    customer_path: str | tuple[str, ...]
    sensitive_fields: tuple[str, ...] = ()
    exclude_from_export: tuple[str, ...] = ()
    anonymise: Callable[[models.QuerySet], int] | str = KEEP
    export: Callable[[models.QuerySet], list[dict[str, Any]]] | None = None
    description: str = ""
    # Rows reached through another path (e.g. a lead the customer referred) are about someone
    # else: the access export shows only that they exist, not their personal data.
    export_own_path: str | None = None
    # The date retention counts from (the first of DATE_FIELDS the model has, unless given).
    date_field: str | None = None
    # Free-text fields that hold no personal data and stay on erasure (a receipt number, a
    # product description): an explicit, reviewed list; the sentinel test checks the rest.
    kept_fields: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows_for(self, customer_pk) -> models.QuerySet:
        """This model's rows about one customer (through any of its customer paths)."""
        paths = (self.customer_path,) if isinstance(self.customer_path, str) else self.customer_path
        condition = models.Q()
        for path in paths:
            condition |= models.Q(**{path: customer_pk})
        return self.model._default_manager.filter(condition)

    def export_rows(self, customer_pk) -> list[dict[str, Any]]:
        queryset = self.rows_for(customer_pk)
        if self.export is not None:
            return self.export(queryset)
        return default_export(queryset, exclude=self.exclude_from_export)

    def anonymise_rows(self, customer_pk) -> int:
        if self.anonymise == KEEP:
            return 0
        return self.anonymise(self.rows_for(customer_pk))


def default_export(queryset: models.QuerySet, *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every concrete field of every row, foreign keys as their ids."""
    excluded = set(exclude)
    names = [f.attname for f in queryset.model._meta.concrete_fields if f.name not in excluded]
    return list(queryset.values(*names))


class PersonalDataRegistry:
    def __init__(self):
        self._registrations: dict[type[models.Model], Registration] = {}

    def register(
        self,
        model: type[models.Model],
        *,
        category: str,
        customer_path: str | tuple[str, ...],
        sensitive_fields: Iterable[str] = (),
        exclude_from_export: Iterable[str] = (),
        anonymise: Callable[[models.QuerySet], int] | str = KEEP,
        export: Callable[[models.QuerySet], list[dict[str, Any]]] | None = None,
        description: str = "",
        export_own_path: str | None = None,
        date_field: str | None = None,
        kept_fields: Iterable[str] = (),
    ) -> Registration:
        if model in self._registrations:
            raise ImproperlyConfigured(f"{model._meta.label} is already registered with privacy.")
        if category not in Category.values:
            raise ImproperlyConfigured(f"Unknown personal-data category {category!r}.")
        field_names = {f.name for f in model._meta.get_fields()}
        for name in (*sensitive_fields, *exclude_from_export, *kept_fields):
            if name not in field_names:
                raise ImproperlyConfigured(f"{model._meta.label} has no field {name!r}.")
        if anonymise != KEEP and not callable(anonymise):
            raise ImproperlyConfigured("anonymise must be a callable or privacy.registry.KEEP.")
        registration = Registration(
            model=model,
            category=category,
            customer_path=customer_path,
            sensitive_fields=tuple(sensitive_fields),
            exclude_from_export=tuple(exclude_from_export),
            anonymise=anonymise,
            export=export,
            description=description,
            export_own_path=export_own_path,
            kept_fields=tuple(kept_fields),
            date_field=date_field or next((name for name in DATE_FIELDS if name in field_names), None),
        )
        self._registrations[model] = registration
        return registration

    def get(self, model: type[models.Model]) -> Registration | None:
        return self._registrations.get(model)

    def is_registered(self, model: type[models.Model]) -> bool:
        return model in self._registrations

    def __iter__(self):
        return iter(sorted(self._registrations.values(), key=lambda r: r.label))

    def sensitive_fields(self, model: type[models.Model]) -> tuple[str, ...]:
        registration = self.get(model)
        return registration.sensitive_fields if registration else ()


registry = PersonalDataRegistry()
register = registry.register
