"""Brand co-funding and the sell-out report: aggregates only, and buyers listed only with their
written consent to provision of their data to partner brands."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import CoFunding
from campaigns.selectors import sellout_report
from privacy.models import AccessLog, Channel, Method, Purpose, SubjectClass
from privacy.services.consent import consent_record
from tests.factories import BrandFactory, CustomerFactory, ProductFactory, PurchaseFactory, PurchaseLineFactory
from tests.privacy.helpers import published_notice

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 5)


@pytest.fixture
def sales(central, tst):
    brand = BrandFactory(name="Tudor")
    other = BrandFactory(name="Other")
    watch, other_watch = ProductFactory(brand=brand), ProductFactory(brand=other)
    buyers = []
    for n in range(4):
        customer = CustomerFactory(home_store=central, name_en=f"Buyer Number{n}")
        purchase = PurchaseFactory(customer=customer, store=central, purchased_on=DAY, total=Decimal("30000"))
        PurchaseLineFactory(
            purchase=purchase, product=watch, quantity=1, unit_price=Decimal("30000"), line_total=Decimal("30000")
        )
        PurchaseLineFactory(
            purchase=purchase, product=other_watch, quantity=1, unit_price=Decimal("100"), line_total=Decimal("100")
        )
        buyers.append(customer)
    lone = CustomerFactory(home_store=tst, name_en="Lone Buyer")
    purchase = PurchaseFactory(customer=lone, store=tst, purchased_on=DAY, total=Decimal("50000"))
    PurchaseLineFactory(
        purchase=purchase, product=watch, quantity=2, unit_price=Decimal("25000"), line_total=Decimal("50000")
    )
    return {"brand": brand, "buyers": buyers, "lone": lone}


def test_the_report_aggregates_by_store_and_tier_and_hides_small_cells(sales, central, tst):
    report = sellout_report(brand=sales["brand"], start=DAY, end=DAY)
    cells = {(c["store"], c["tier"]): c for c in report["cells"]}
    assert cells[(central.name, None)]["units"] == 4
    assert cells[(central.name, None)]["revenue"] == Decimal("120000")
    assert cells[(tst.name, None)]["suppressed"] is True
    assert report["totals"] == {"units": 6, "revenue": Decimal("170000"), "buyers": 5}


def test_the_report_page_carries_no_personal_data_without_provision_consent(client, supervisor, sales):
    client.force_login(supervisor)
    url = reverse("campaigns:sellout-report")
    page = client.get(url, {"brand": sales["brand"].pk, "start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "120,000" in page or "120000" in page
    for customer in [*sales["buyers"], sales["lone"]]:
        assert customer.name_en not in page
        assert customer.email not in page
        assert customer.mobile_phone not in page
    assert 'data-testid="no-consented-buyers"' in page


def test_only_buyers_with_written_provision_consent_are_listed(client, supervisor, privacy_officer, sales):
    published_notice(privacy_officer)
    consenting = sales["buyers"][0]
    consent_record(
        customer_id=consenting.pk,
        by=privacy_officer,
        purpose=Purpose.PROVISION,
        subject_classes=[SubjectClass.PARTNER_BRANDS],
        channels=[Channel.EMAIL],
        method=Method.SIGNED_FORM,
        transferee_class="Watch brands we sell",
    )
    client.force_login(supervisor)
    page = client.get(
        reverse("campaigns:sellout-report"), {"brand": sales["brand"].pk, "start": "2026-03-01", "end": "2026-03-31"}
    ).content.decode()
    assert consenting.name_en in page
    assert consenting.email in page
    for other in sales["buyers"][1:]:
        assert other.name_en not in page
    assert AccessLog.objects.filter(customer=consenting, view_name="campaigns:sellout-report").exists()


def test_an_account_manager_cannot_open_the_report(client, manager, sales):
    client.force_login(manager)
    assert client.get(reverse("campaigns:sellout-report")).status_code == 404


def test_a_supervisor_records_a_brands_co_funding_and_an_account_manager_cannot(client, supervisor, manager, sales):
    from campaigns.models import Campaign
    from tests.factories import CriterionFactory

    campaign = Campaign.objects.create(
        name="Tudor week", criterion=CriterionFactory(), subject_class="partner_brands", channel="email",
        body_en="x", body_zh="x", created_by=supervisor, cost=Decimal("10000"),
    )  # fmt: skip
    url = reverse("campaigns:cofunding-create", args=["campaign", campaign.pk])
    data = {"brand": sales["brand"].pk, "share": "0.4", "budget": "3000", "note": ""}
    client.force_login(manager)
    assert client.post(url, data).status_code == 404
    assert not CoFunding.objects.exists()
    client.force_login(supervisor)
    client.post(url, data)
    funding = CoFunding.objects.get()
    assert funding.contribution(campaign.cost) == Decimal("3000")  # 40% of 10,000 capped at the budget
    page = client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).content.decode()
    assert "Tudor" in page
    assert client.get(reverse("campaigns:cofunding-list")).status_code == 200
