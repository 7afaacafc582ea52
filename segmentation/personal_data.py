"""What the segmentation app holds about a person, for the privacy registry."""

from privacy.registry import Category, register
from segmentation.models import CustomerMetrics


def _delete(queryset) -> int:
    """Metrics are derived and recomputed nightly: anonymising deletes them."""
    return queryset.delete()[0]


register(
    CustomerMetrics,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=_delete,
    description="Spend, purchase counts and ownership figures derived from purchases and timepieces.",
)
