"""The points statement on the customer page and the redeem button."""

from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import LoyaltySettings, PointsEntry, Voucher
from campaigns.services import loyalty
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_points(customer):
    LoyaltySettings.objects.update_or_create(pk=1, defaults={"voucher_points": 100, "voucher_value": Decimal("50")})
    purchase = PurchaseFactory(customer=customer, total=Decimal("25000"))
    loyalty.loyalty_purchase_sync(purchase_id=purchase.pk)
    return customer


def test_the_customer_page_shows_the_statement(client, manager, with_points):
    client.force_login(manager)
    page = client.get(with_points.get_absolute_url()).content.decode()
    assert 'data-testid="loyalty-balance">250<' in page
    assert "Redeem 100 points for a voucher" in page


def test_the_page_without_the_permission_has_no_panel(client, manager, with_points):
    from django.contrib.auth.models import Group, Permission

    from crm_site import roles

    Group.objects.get(name=roles.ACCOUNT_MANAGER).permissions.remove(
        Permission.objects.get(codename="view_pointsentry")
    )
    client.force_login(manager)
    response = client.get(with_points.get_absolute_url())
    assert response.status_code == 200
    assert "loyalty-panel" not in response.content.decode()


def test_an_account_manager_redeems_a_voucher(client, manager, with_points):
    client.force_login(manager)
    response = client.post(reverse("campaigns:loyalty-redeem", args=[with_points.pk]))
    assert response.status_code == 302
    assert Voucher.objects.get(customer=with_points).value == Decimal("50")
    assert PointsEntry.objects.filter(customer=with_points, kind="redeem").get().points == -100


def test_someone_without_the_permission_cannot_redeem_and_nothing_changes(client, privacy_officer, with_points):
    client.force_login(privacy_officer)
    response = client.post(reverse("campaigns:loyalty-redeem", args=[with_points.pk]))
    assert response.status_code == 404
    assert not Voucher.objects.exists()


def test_a_manager_of_another_store_cannot_redeem(client, other_manager, with_points):
    client.force_login(other_manager)
    response = client.post(reverse("campaigns:loyalty-redeem", args=[with_points.pk]))
    assert response.status_code == 404
    assert not Voucher.objects.exists()


def test_the_nightly_task_earns_once_and_expires(customer):
    from campaigns import tasks

    PurchaseFactory(customer=customer, total=Decimal("10000"))
    first = tasks.loyalty_nightly.run()
    again = tasks.loyalty_nightly.run()
    assert (first["posted"], again["posted"]) == (1, 0)
    assert PointsEntry.objects.filter(customer=customer).count() == 1
