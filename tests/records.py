"""One row in every model of the apps beyond customers and privacy that points at a customer.

Shared by the sweeps that must see every such model: the merge walk (tests/customers) and the
access export and erasure sweeps (tests/privacy). A new app with customer data adds its rows here.
"""

from django.utils import timezone

from complaints.models import ComplaintEvent, SatisfactionSurvey
from segmentation.models import CustomerRfm, CustomerTier, SegmentMembership, TierChange
from tests.factories import (
    ChurnReasonFactory,
    ComplaintFactory,
    CustomerScoreFactory,
    RemedyActionFactory,
    RunFactory,
    ScoreDisagreementFactory,
    SegmentFactory,
    TierFactory,
)


def other_apps_rows(*, customer, staff) -> None:
    from tests.campaigns.helpers import campaign_rows

    now = timezone.now()
    # complaints: the complaint, an event of its timeline and its satisfaction survey
    complaint = ComplaintFactory(customer=customer, assignee=staff)
    ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.NOTE, actor=staff, note="A note", at=now
    )
    SatisfactionSurvey.objects.create(
        complaint=complaint,
        nonce=f"n{complaint.pk}",
        expires_at=now,
        answered_at=now,
        score=4,
        comment="Fine",
    )
    # segmentation: classification rows (recomputed by the next run)
    run = RunFactory()
    tier = TierFactory()
    SegmentMembership.objects.create(segment=SegmentFactory(), customer=customer, entered_run=run, entered_at=now)
    CustomerTier.objects.create(customer=customer, tier=tier, since=now, since_run=run)
    TierChange.objects.create(customer=customer, run=run, to_tier=tier, at=now)
    CustomerRfm.objects.create(customer=customer, recency_score=1, frequency_score=1, monetary_score=1, run=run)
    # churn: a derived score, a disagreement with it and a reason for leaving
    CustomerScoreFactory(customer=customer)
    ScoreDisagreementFactory(customer=customer, recorded_by=staff)
    ChurnReasonFactory(customer=customer, recorded_by=staff)
    RemedyActionFactory(customer=customer, owner=staff)
    # campaigns: a recipient, a loyalty account with its entries and voucher, an event invitation with feedback
    campaign_rows(customer=customer, by=staff)
