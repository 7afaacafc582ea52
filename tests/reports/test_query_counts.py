"""Query counts of the report pages (issue #10): the same exact number for few or many rows.

The dashboard, drill-downs, My day and the report list have theirs in test_dashboard.py,
test_my_day.py and test_regular_reports.py. Inventory: tests/test_query_counts.py.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Programme, ProgrammeBudget, ProgrammeExpense, ReportDefinition, ReportRun
from reports.services import definitions
from segmentation.models import SegmentMembership
from tests.factories import (
    CustomerFactory,
    PurchaseFactory,
    RunFactory,
    SegmentFactory,
    SupervisorFactory,
)
from tests.query_counts import assert_flat_queries

pytestmark = pytest.mark.django_db
d = datetime.date


def test_definition_detail(client, central, django_assert_num_queries):
    supervisor = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(
        by=supervisor,
        definition=ReportDefinition(name="Weekly Central", sections=["customers"], period="7d", recipients="a@b.hk"),
        stores=[central],
    )

    def grow(n):
        for _i in range(n):
            ReportRun.objects.create(
                definition=definition,
                status="succeeded",
                period_start=d(2026, 3, 1),
                period_end=d(2026, 3, 7),
                emailed_to=f"run{ReportRun.objects.count()}@b.hk",
            )

    grow(2)
    client.force_login(supervisor)
    assert_flat_queries(
        client,
        reverse("reports:definition-detail", args=[definition.pk]),
        expected=8,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
        shows=["run6@b.hk"],
    )


def test_programme_returns(client, central, django_assert_num_queries):
    """Programme n's two customers each spend n × 1,000 in March, after a sale in 2025 (retained)."""

    def grow(n):
        for _i in range(n):
            segment = SegmentFactory()
            run = RunFactory()
            number = Programme.objects.count()
            programme = Programme.objects.create(
                name=f"Programme {number}", kind=Programme.Kind.VIP_EVENT, segment=segment
            )
            for customer in CustomerFactory.create_batch(2, home_store=central):
                PurchaseFactory(customer=customer, purchased_on=d(2025, 10, 1), total=Decimal(1))
                PurchaseFactory(customer=customer, purchased_on=d(2026, 3, 5), total=Decimal(1000 * number))
                SegmentMembership.objects.create(
                    segment=segment,
                    customer=customer,
                    entered_run=run,
                    entered_at=timezone.now() - datetime.timedelta(days=400),
                )
            ProgrammeBudget.objects.create(
                programme=programme, period_start=d(2026, 1, 1), period_end=d(2026, 12, 31), amount=Decimal("36500")
            )
            ProgrammeExpense.objects.create(
                programme=programme, spent_on=d(2026, 3, 3), amount=250, store=central, description="Flowers"
            )

    Programme.objects.create(name="Goodwill", kind=Programme.Kind.GOODWILL)
    grow(2)
    client.force_login(SupervisorFactory(stores=[central]))
    response = assert_flat_queries(
        client,
        reverse("reports:programme-returns"),
        expected=16,
        grow=lambda: grow(5),
        data={"start": "2026-03-01", "end": "2026-03-31"},
        django_assert_num_queries=django_assert_num_queries,
        shows=["Programme 6"],
    )
    rows = {row.programme.name: row for row in response.context["rows"]}
    assert (rows["Goodwill"].audience, rows["Goodwill"].revenue) == (0, 0)
    for number in range(1, 8):
        row = rows[f"Programme {number}"]
        assert (row.audience, row.revenue_retained, row.revenue_won_back) == (2, 2000 * number, 0)
        assert row.expenses == 250


def test_my_day(client, central, manager, django_assert_num_queries):
    """test_my_day.py bounds the page from above; here: the exact number, the same for a bigger book."""
    from django.contrib.auth.models import Permission

    from churn.models import Band
    from segmentation.models import CustomerTier
    from tests.factories import (
        ComplaintFactory,
        CustomerScoreFactory,
        FollowUpTaskFactory,
        OwnedTimepieceFactory,
        TierFactory,
    )

    today = timezone.localdate()
    soon = today + datetime.timedelta(days=2)
    tiers = [TierFactory(rank=1, name="Gold"), TierFactory(rank=2, name="Silver")]
    run = RunFactory()

    def grow(n):
        for i in range(n):
            mine = CustomerFactory(
                name_en=f"Mine {i}",
                home_store=central,
                account_manager=manager,
                birth_month=soon.month,
                birth_day=soon.day,
            )
            FollowUpTaskFactory(customer=mine, assignee=manager, due_on=today, title=f"Call {i}")
            OwnedTimepieceFactory(customer=mine, service_due_on=today + datetime.timedelta(days=5))
            ComplaintFactory(customer=mine, subject=f"Scratched crystal {i}")
            CustomerTier.objects.create(customer=mine, tier=tiers[i % 2], since=run.started_at, since_run=run)
            CustomerScoreFactory(customer=mine, band=Band.HIGH, spend_12m=Decimal("1"))

    grow(1)
    manager.user_permissions.add(Permission.objects.get(codename="view_sensitive"))
    client.force_login(manager)
    response = assert_flat_queries(
        client,
        reverse("reports:my-day"),
        # 11: the session, the user, permissions (2), roles and stores, then five panels: tasks and service
        # reminders with their counts (one query each: a window count), the book's size and mix (one grouped
        # query), complaints, birthdays; and the access-log write of the birthdays shown (issue #10: was 17)
        expected=11,
        grow=lambda: grow(5),
        django_assert_num_queries=django_assert_num_queries,
    )
    assert len(response.context["birthdays"]) == 6


def test_dashboard(kpi_data, client, django_assert_num_queries):
    """test_dashboard.py bounds the page from above; here: the exact number, the same for a period of
    2 or 14 days (the board sums the snapshot rows of the period and of the one before)."""
    from reports.services.snapshots import snapshot_write
    from tests.reports.kpi_data import D

    for offset in range(28):
        snapshot_write(day=D - datetime.timedelta(days=offset))
    client.force_login(SupervisorFactory(stores=[kpi_data["c"]]))
    url = reverse("reports:dashboard")
    client.get(url)  # warm the session and permission caches
    for days in (2, 14):
        with django_assert_num_queries(20):
            response = client.get(url, {"start": (D - datetime.timedelta(days=days - 1)).isoformat(), "end": D})
        assert response.status_code == 200
        assert response.context["period"].days == days
