"""What the segmentation app holds about a person, for the privacy registry."""

from privacy.registry import Category, register
from segmentation.models import CustomerMetrics, CustomerRfm, CustomerTier, SegmentMembership, TierChange


def _delete(queryset) -> int:
    """Derived from purchases and recomputed by every run: anonymising deletes them."""
    return queryset.delete()[0]


register(
    CustomerMetrics,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=_delete,
    description="Spend, purchase counts and ownership figures derived from purchases and timepieces.",
)
register(
    SegmentMembership,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=_delete,
    description="The screening segments the customer was in, and when they entered and left them.",
)
register(
    CustomerTier,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=_delete,
    description="The customer's current tier, and the end of its grace period if any.",
)
register(
    TierChange,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=_delete,
    description="The customer's moves between tiers.",
)
register(
    CustomerRfm,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=_delete,
    description="The customer's recency, frequency and spend quintiles and RFM segment.",
)
