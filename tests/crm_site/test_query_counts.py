"""Query counts of the site-wide pages (issue #10): the same exact number for few or many rows.

The notification badge has its test in tests/complaints/test_views.py. Inventory: tests/test_query_counts.py.
"""

import pytest
from django.urls import reverse

from crm_site.models import Notification
from tests.factories import AccountManagerFactory, CustomerFactory
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db


def test_notification_list(client, manager, django_assert_num_queries):
    def grow(n):
        for _i in range(n):
            Notification.objects.create(user=manager, title=f"Note {Notification.objects.count()}", url="/complaints/")

    grow(2)
    client.force_login(manager)
    assert_flat_queries(
        client,
        reverse("notification-list"),
        expected=7,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
        shows=["Note 6"],
    )


def test_home(client, supervisor, manager, central, django_assert_num_queries):
    def grow(n):
        CustomerFactory.create_batch(n, home_store=central, account_manager=manager)
        CustomerFactory.create_batch(n, home_store=central, account_manager=AccountManagerFactory(stores=[central]))

    grow(1)
    client.force_login(supervisor)
    response = assert_flat_queries(
        client,
        reverse("home"),
        expected=7,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
    )
    assert response.context["visible_customers"] == 12
