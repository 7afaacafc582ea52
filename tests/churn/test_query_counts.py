"""Query counts of the churn pages (issue #10): the same exact number for few or many rows.

The at-risk list, the wastage report, the playbook list and report and My remedies have theirs in
test_views.py and test_playbook_views.py. Inventory: tests/test_query_counts.py.
"""

import pytest
from django.urls import reverse

from tests.factories import ScoringRunFactory
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def test_model_card(client, supervisor, django_assert_num_queries):
    ScoringRunFactory.create_batch(2)
    client.force_login(supervisor)
    response = assert_flat_queries(
        client,
        reverse("churn:model-card"),
        expected=7,
        grow=lambda: ScoringRunFactory.create_batch(12),
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["recent"]) == 10
