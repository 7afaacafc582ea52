"""Rows in every campaigns model that points at a customer (merge and registry sweeps)."""

from campaigns.models import Campaign, Recipient
from tests.factories import CriterionFactory


def campaign_rows(*, customer, by) -> None:
    campaign = Campaign.objects.create(
        name="Sweep",
        criterion=CriterionFactory(),
        subject_class="events",
        channel="email",
        body_en="x",
        body_zh="x",
        created_by=by,
    )
    Recipient.objects.create(campaign=campaign, customer=customer, group="mailed", status="sent")
