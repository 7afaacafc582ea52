"""What the customers app holds about a person, for the privacy registry."""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from customers.models import Customer
from privacy.registry import Category, register


def anonymise_customers(queryset) -> int:
    """Blank every identifying field; the row stays so purchases keep their totals."""
    return queryset.update(
        name_en=Concat(Value("Anonymised #"), Cast("pk", output_field=models.CharField())),
        name_zh="",
        salutation="",
        mobile_phone="",
        email="",
        address="",
        district="",
        birth_month=None,
        birth_day=None,
        birth_year=None,
        notes="",
        external_ref=None,
    )


register(
    Customer,
    category=Category.IDENTITY,
    customer_path="pk",
    sensitive_fields=("birth_month", "birth_day", "birth_year", "address"),
    anonymise=anonymise_customers,
    description="Name, contact details, address, birthday, preferences and notes.",
)
