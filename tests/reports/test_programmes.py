"""Programme budgets and returns, against a hand-computed March 2026 at two stores."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from complaints.models import Complaint
from reports import selectors
from reports.models import Programme, ProgrammeBudget, ProgrammeExpense
from segmentation.models import SegmentMembership
from tests.factories import (
    AccountManagerFactory,
    AdminFactory,
    ComplaintFactory,
    CustomerFactory,
    PurchaseFactory,
    RunFactory,
    SegmentFactory,
    SupervisorFactory,
)
from tests.reports.kpi_data import hk

MARCH = selectors.Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
d = datetime.date


@pytest.fixture
def programmes(central, tst):
    x = CustomerFactory(name_en="X", home_store=central)
    y = CustomerFactory(name_en="Y", home_store=tst)
    z = CustomerFactory(name_en="Z", home_store=central)
    w = CustomerFactory(name_en="W", home_store=central)
    for customer, on, total in [
        (x, d(2025, 6, 1), 10), (x, d(2026, 3, 15), 1000),  # active before March: retained
        (y, d(2024, 1, 1), 10), (y, d(2026, 3, 20), 2000),  # lapsed for over a year: won back
        (z, d(2026, 3, 5), 5000),  # a first sale: neither
        (w, d(2025, 6, 1), 10), (w, d(2026, 3, 5), 3000),  # left the segment
    ]:  # fmt: skip
        PurchaseFactory(customer=customer, purchased_on=on, total=Decimal(total))

    goodwill = Programme.objects.create(name="Goodwill", kind=Programme.Kind.GOODWILL)
    approved = Complaint.Goodwill.APPROVED
    ComplaintFactory(customer=x, goodwill_amount=500, goodwill_status=approved, resolved_at=hk(d(2026, 3, 10)))
    ComplaintFactory(customer=x, goodwill_amount=300, goodwill_status=approved, resolved_at=hk(d(2026, 4, 1)))
    ComplaintFactory(customer=y, goodwill_amount=200, goodwill_status=approved, resolved_at=hk(d(2026, 3, 5)))
    ComplaintFactory(customer=z, goodwill_amount=1000, goodwill_status=Complaint.Goodwill.PENDING,
                     resolved_at=hk(d(2026, 3, 5)))  # fmt: skip
    ProgrammeBudget.objects.create(programme=goodwill, period_start=d(2026, 1, 1), period_end=d(2026, 12, 31),
                                   amount=Decimal("36500"))  # 31 of 365 days: 3,100  # fmt: skip
    ProgrammeBudget.objects.create(programme=goodwill, period_start=d(2026, 3, 16), period_end=d(2026, 4, 14),
                                   amount=Decimal("3000"))  # 16 of 30 days: 1,600  # fmt: skip
    ProgrammeExpense.objects.create(programme=goodwill, spent_on=d(2026, 3, 31), amount=250, store=central,
                                    description="Flowers")  # fmt: skip
    ProgrammeExpense.objects.create(programme=goodwill, spent_on=d(2026, 4, 1), amount=100, store=central,
                                    description="April")  # fmt: skip
    ProgrammeExpense.objects.create(programme=goodwill, spent_on=d(2026, 3, 2), amount=70, store=tst,
                                    description="Taxi")  # fmt: skip

    segment = SegmentFactory()
    vip = Programme.objects.create(name="VIP evening", kind=Programme.Kind.VIP_EVENT, segment=segment)
    run = RunFactory()
    for customer, left in ((z, None), (x, None), (w, run)):
        SegmentMembership.objects.create(
            segment=segment, customer=customer, entered_run=run, entered_at=hk(d(2026, 1, 1)),
            left_run=left, left_at=hk(d(2026, 2, 1)) if left else None,
        )  # fmt: skip
    Programme.objects.create(name="Retired", is_active=False)
    return {"goodwill": goodwill, "vip": vip}


def _by_name(rows):
    return {row.programme.name: row for row in rows}


def test_returns_for_the_whole_business(programmes):
    rows = _by_name(selectors.programme_returns(user=AdminFactory(), period=MARCH))
    assert set(rows) == {"Goodwill", "VIP evening"}
    goodwill = rows["Goodwill"]
    assert goodwill.budget == Decimal("4700.00")
    assert (goodwill.expenses, goodwill.goodwill, goodwill.spend) == (320, 700, 1020)
    assert goodwill.audience == 2
    assert (goodwill.revenue_retained, goodwill.revenue_won_back) == (1000, 2000)
    assert goodwill.return_on_spend == pytest.approx(3000 / 1020)
    vip = rows["VIP evening"]
    assert (vip.audience, vip.revenue_retained, vip.revenue_won_back, vip.spend) == (2, 1000, 0, 0)
    assert vip.return_on_spend is None
    assert vip.budget == 0


def test_a_supervisor_sees_their_stores_only(programmes, central):
    rows = _by_name(selectors.programme_returns(user=SupervisorFactory(stores=[central]), period=MARCH))
    goodwill = rows["Goodwill"]
    assert (goodwill.expenses, goodwill.goodwill, goodwill.audience) == (250, 500, 1)
    assert (goodwill.revenue_retained, goodwill.revenue_won_back) == (1000, 0)


def test_the_page_for_a_supervisor_and_not_for_an_account_manager(programmes, central, client):
    client.force_login(SupervisorFactory(stores=[central]))
    response = client.get(reverse("reports:programme-returns"), {"start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="programme-row"') == 2
    client.force_login(AccountManagerFactory(stores=[central]))
    before = Programme.objects.count()
    assert client.get(reverse("reports:programme-returns")).status_code == 404
    assert Programme.objects.count() == before
