"""What the campaigns app holds about a person, for the privacy registry."""

from campaigns.models import FeedbackAnswer, Invitation, LoyaltyAccount, PointsEntry, Recipient, Voucher
from privacy.registry import Category, register

register(
    Recipient,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=lambda qs: qs.update(error="", reference=""),
    description="Which campaigns the customer was in (sent or held back as control), and the delivery outcome.",
)


def _figures_only(queryset) -> int:
    """Points and vouchers are figures (the programme's liability): nothing identifying to blank."""
    return 0


register(
    LoyaltyAccount,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=_figures_only,
    description="The customer's loyalty points balance (the sum of their ledger).",
)
register(
    PointsEntry,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=_figures_only,
    description="The loyalty points ledger: points earned on purchases, redeemed, reversed on refunds and expired.",
)
register(
    Voucher,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=_figures_only,
    description="Vouchers issued for loyalty points, with their value.",
    kept_fields=("code",),
)
register(
    Invitation,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=_figures_only,
    description="Invitations to events: the answer to the RSVP link and attendance.",
    kept_fields=("token",),
)
register(
    FeedbackAnswer,
    category=Category.INTERACTIONS,
    customer_path="invitation__customer",
    anonymise=lambda qs: qs.update(text=""),
    description="Answers to an event's or focus group's feedback questions.",
)
