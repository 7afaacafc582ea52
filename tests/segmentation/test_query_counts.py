"""Query counts of the segmentation pages (issue #10): the same exact number for few or many rows.

The member lists (segment, tier, RFM segment) and the run list have theirs in test_views.py.
Inventory: tests/test_query_counts.py.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from segmentation.models import Run
from segmentation.services import run_create, run_execute
from tests.factories import CriterionFactory, CustomerFactory, PurchaseFactory, SegmentFactory, TierFactory
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def spenders(store, n):
    for _ in range(n):
        PurchaseFactory(
            customer=CustomerFactory(home_store=store),
            total=Decimal(150000),
            purchased_on=timezone.localdate() - datetime.timedelta(days=3),
        )


def segments_and_tiers(n):
    for _ in range(n):
        criterion = CriterionFactory()
        SegmentFactory(criterion=criterion)
        TierFactory(criterion=criterion, grace_days=30)


def run(by):
    done = run_execute(run_id=run_create(by=by).pk)
    assert done.status == Run.Status.SUCCEEDED, done.error
    return done


def test_overview(client, supervisor, admin_user, central, django_assert_num_queries):
    spenders(central, 2)
    segments_and_tiers(1)
    run(admin_user)

    def grow():
        spenders(central, 3)
        segments_and_tiers(3)
        run(admin_user)
        run(admin_user)

    client.force_login(supervisor)
    response = assert_flat_queries(
        client,
        reverse("segmentation:overview"),
        expected=12,
        grow=grow,
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["segments"]) == 4


def test_criterion_list(client, admin_user, django_assert_num_queries):
    segments_and_tiers(1)
    client.force_login(admin_user)
    response = assert_flat_queries(
        client,
        reverse("segmentation:criterion-list"),
        expected=6,
        grow=lambda: segments_and_tiers(4),
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["criteria"]) == 5


def test_run_detail_and_progress(client, admin_user, central, django_assert_num_queries):
    spenders(central, 2)
    segments_and_tiers(1)
    first = run(admin_user)
    client.force_login(admin_user)
    # the movement matrix has a row and a column per tier
    response = assert_flat_queries(
        client,
        reverse("segmentation:run-detail", args=[first.pk]),
        expected=7,
        grow=lambda: segments_and_tiers(4),
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["movement"]["rows"]) == 6
    assert_flat_queries(
        client,
        reverse("segmentation:run-progress", args=[first.pk]),
        expected=6,
        grow=lambda: segments_and_tiers(4),
        headers={"HX-Request": "true"},
        django_assert_num_queries=django_assert_num_queries,
    )
