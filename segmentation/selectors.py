"""Reads of the segmentation app."""

from customers.models import Customer
from segmentation.models import CustomerMetrics


def metrics_for_customer(*, user, customer_id: int) -> CustomerMetrics | None:
    """The metrics of one customer the user may see, or None (not computed yet, missing or not visible)."""
    return (
        CustomerMetrics.objects.filter(customer__in=Customer.objects.visible_to(user), customer_id=customer_id)
        .select_related("customer", "home_store")
        .first()
    )


def metrics_list(*, user):
    """Metrics of the customers the user may see, highest 12-month spend first."""
    return (
        CustomerMetrics.objects.filter(customer__in=Customer.objects.visible_to(user))
        .select_related("customer", "home_store")
        .order_by("-spend_12m", "customer_id")
    )
