"""What the campaigns app holds about a person, for the privacy registry."""

from campaigns.models import Recipient
from privacy.registry import Category, register

register(
    Recipient,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=lambda qs: qs.update(error="", reference=""),
    description="Which campaigns the customer was in (sent or held back as control), and the delivery outcome.",
)
