"""The catalogue's Django admin (customers/admin_catalogue.py): registered, valid, and intervals keep due dates."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory

import customers.admin_catalogue as catalogue_admin
from customers.models import Brand, MovementType, OwnedTimepiece, Product, ServiceInterval
from tests.factories import BrandFactory, CustomerFactory, ProductFactory


@pytest.mark.parametrize("model", [Brand, Product, ServiceInterval])
def test_the_catalogue_is_registered_without_admin_check_errors(model):
    # given / when
    model_admin = admin.site._registry.get(model)
    # then
    assert model_admin is not None
    assert model_admin.check() == []


def test_products_are_searched_by_reference_or_model_and_filtered_by_brand_and_category(db, admin_user):
    # given
    omega = ProductFactory(brand=BrandFactory(name="Omega"), model_name="Seamaster", reference="210.30.42")
    ProductFactory(brand=BrandFactory(name="Seiko"), model_name="Presage", reference="SPB167")
    model_admin = admin.site._registry[Product]
    request = RequestFactory().get("/")
    request.user = admin_user
    # when
    by_reference, _ = model_admin.get_search_results(request, Product.objects.all(), "210.30")
    by_model, _ = model_admin.get_search_results(request, Product.objects.all(), "seamaster")
    # then
    assert list(by_reference) == list(by_model) == [omega]
    assert {"brand", "category"} <= set(model_admin.list_filter)
    assert model_admin.list_display[:2] == ("reference", "brand")


def test_saving_a_brand_interval_moves_the_due_date_of_that_brands_timepieces(db, admin_user):
    # given a watch bought on 1 March 2024, due after the default 60 months
    brand = BrandFactory(name="Omega")
    timepiece = OwnedTimepiece.objects.create(
        customer=CustomerFactory(),
        brand=brand,
        movement_type=MovementType.AUTOMATIC,
        purchased_on=datetime.date(2024, 3, 1),
        service_due_on=datetime.date(2029, 3, 1),
    )
    request = RequestFactory().post("/")
    request.user = admin_user
    interval = ServiceInterval(brand=brand, movement_type=MovementType.AUTOMATIC, months=24)
    # when
    catalogue_admin.ServiceIntervalAdmin(ServiceInterval, admin.site).save_model(request, interval, None, False)
    # then
    timepiece.refresh_from_db()
    assert timepiece.service_due_on == datetime.date(2026, 3, 1)
