"""What the customers app holds about a person, for the privacy registry.

Anonymising keeps rows whose totals the business must keep (purchases: Inland Revenue
Ordinance record keeping) and blanks what identifies or describes the person.
"""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from customers.models import (
    Customer,
    CustomerMerge,
    DuplicateCandidate,
    DuplicateDismissal,
    FollowUpTask,
    Interaction,
    Lead,
    OwnedTimepiece,
    Purchase,
    PurchaseLine,
    Relationship,
    ServiceJob,
)
from privacy.registry import KEEP, Category, register


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


def _delete(queryset) -> int:
    return queryset.delete()[0]


register(
    Customer,
    category=Category.IDENTITY,
    customer_path="pk",
    sensitive_fields=("birth_month", "birth_day", "birth_year", "address"),
    anonymise=anonymise_customers,
    description="Name, contact details, address, birthday, preferences and notes.",
)
register(
    Purchase,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(notes=""),
    description="Purchases and returns; amounts kept for accounting, notes blanked.",
    kept_fields=("external_ref",),
)
register(
    PurchaseLine,
    category=Category.TRANSACTIONS,
    customer_path="purchase__customer",
    anonymise=lambda qs: qs.update(serial_number=""),
    description="Lines of purchases; serial numbers blanked.",
    kept_fields=("description",),
)
register(
    OwnedTimepiece,
    category=Category.SERVICE,
    customer_path="customer",
    anonymise=lambda qs: qs.update(serial_number="", notes=""),
    description="Watches and clocks the customer owns.",
    kept_fields=("model_name", "reference"),
)
register(
    ServiceJob,
    category=Category.SERVICE,
    customer_path="timepiece__customer",
    anonymise=lambda qs: qs.update(work_description=""),
    description="Service and repair jobs on the customer's timepieces.",
)
register(
    Relationship,
    category=Category.INTERACTIONS,
    customer_path=("from_customer", "to_customer"),
    anonymise=_delete,
    description="Links between customers (family, referral, company contacts).",
)
register(
    Interaction,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(summary=""),
    description="Visits, calls, messages and events with the customer.",
)
register(
    FollowUpTask,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(title="—"),
    description="Follow-up tasks about the customer.",
)
register(
    Lead,
    category=Category.IDENTITY,
    customer_path=("converted_customer", "referred_by"),
    anonymise=lambda qs: qs.filter(status=Lead.Status.CONVERTED).update(
        name_en="", name_zh="—", mobile_phone="", email="", notes="", interest=""
    ),
    description="The lead the customer was before conversion, and leads they referred.",
    export_own_path="converted_customer",
    kept_fields=("campaign",),
)
register(
    DuplicateDismissal,
    category=Category.AUDIT,
    customer_path=("customer_a", "customer_b"),
    anonymise=KEEP,
    description="Staff decisions that two records are different people (ids only).",
)
register(
    DuplicateCandidate,
    category=Category.AUDIT,  # about the two records it names: a merge never moves it
    customer_path=("customer_a", "customer_b"),
    anonymise=lambda qs: qs.delete()[0],
    kept_fields=("signals",),  # codes ("phone,name_en"), never text about the person
    description="Pairs found by the nightly duplicate search (ids, score and signal codes only).",
)
register(
    CustomerMerge,
    category=Category.AUDIT,
    customer_path=("survivor", "merged"),
    anonymise=lambda qs: qs.update(merged_snapshot={}),
    description="Merges of duplicate records; the merged record's snapshot is blanked.",
    kept_fields=("moved",),
)
