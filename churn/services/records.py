"""What staff record about a customer's churn: a disagreement with the score, and why the customer left."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from churn.models import ChurnReason, CustomerScore, ScoreDisagreement


@transaction.atomic
def score_disagreement_record(*, customer_id: int, by, source: str, note: str) -> ScoreDisagreement:
    """Record that the customer (or the staff member) disagrees with the customer's current score.

    The record keeps the disputed band, risk and day, and is shown with every later score.
    """
    score = CustomerScore.objects.select_for_update().filter(customer_id=customer_id).first()
    if score is None:
        raise ValidationError(_("This customer has no churn score yet, so there is nothing to disagree with."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the score is wrong, so that others can weigh it.")})
    disagreement = ScoreDisagreement(
        customer_id=customer_id,
        source=source,
        note=note,
        disputed_band=score.band,
        disputed_risk=score.risk,
        disputed_as_of=score.as_of,
        recorded_by=by,
    )
    disagreement.full_clean()
    disagreement.save()
    return disagreement


def churn_reason_record(*, customer_id: int, by, reason: str, note: str = "") -> ChurnReason:
    """Record why a customer left (the latest record is the current reason; earlier ones stay as history)."""
    record = ChurnReason(customer_id=customer_id, reason=reason, note=(note or "").strip(), recorded_by=by)
    record.full_clean()
    record.save()
    return record
