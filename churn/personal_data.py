"""What the churn app holds about a person, for the privacy registry."""

from churn.models import ChurnReason, CustomerScore, RemedyAction, ScoreDisagreement
from privacy.registry import Category, register


def _delete(queryset) -> int:
    """Scores are derived and recomputed by the next run: anonymising deletes them."""
    return queryset.delete()[0]


register(
    CustomerScore,
    category=Category.TRANSACTIONS,
    customer_path="customer",
    anonymise=_delete,
    description="Churn risk, band, expected purchases and value, derived from the purchase history.",
)
register(
    ScoreDisagreement,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(note=""),
    description="A customer's or staff member's disagreement with a churn score, with the score disputed.",
)
register(
    ChurnReason,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(note=""),
    description="Why the customer stopped buying, as recorded by their account manager.",
)
register(
    RemedyAction,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(outcome_note=""),
    description="Remedy actions of the playbooks (and control-group membership): owner, due date, outcome.",
)
