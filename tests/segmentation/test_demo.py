"""The demo segmentation: criteria, a four-tier ladder and one run, loaded once."""

import io

import pytest
from django.core.management import call_command

from segmentation.demo import demo_segmentation_load
from segmentation.models import Criterion, CustomerTier, Run, Segment, Tier


@pytest.mark.django_db
def test_load_demo_data_adds_criteria_a_ladder_and_a_run_once():
    # given / when
    out = io.StringIO()
    call_command("load_demo_data", customers=60, stdout=out)
    # then
    assert "Segmentation: 4 criteria, 4 tiers, run #" in out.getvalue()
    assert list(Tier.objects.order_by("rank").values_list("name", flat=True)) == [
        "Platinum",
        "Gold",
        "Silver",
        "Member",
    ]
    assert Segment.objects.count() == 4
    run = Run.objects.get()
    assert run.status == Run.Status.SUCCEEDED, run.error
    assert CustomerTier.objects.filter(tier__name="Member").exists()
    assert sum(entry["size"] for entry in run.counts["rfm"].values()) > 0
    # when loaded again, nothing is added
    before = (Criterion.objects.count(), Tier.objects.count(), Run.objects.count())
    result = demo_segmentation_load()
    assert (result.criteria_created, result.tiers_created, result.run) == (0, 0, None)
    assert (Criterion.objects.count(), Tier.objects.count(), Run.objects.count()) == before
