"""Factories for the timepieces tests: catalogue, purchases, owned timepieces and service jobs."""

import datetime
from decimal import Decimal

import factory

from customers.models import (
    Brand,
    MovementType,
    OwnedTimepiece,
    Product,
    Purchase,
    PurchaseLine,
    ServiceInterval,
    ServiceJob,
)
from tests.factories import CustomerFactory, StoreFactory


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Brand {n}")


class ServiceIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceInterval

    brand = factory.SubFactory(BrandFactory)
    movement_type = MovementType.AUTOMATIC
    months = 48


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    brand = factory.SubFactory(BrandFactory)
    model_name = factory.Sequence(lambda n: f"Model {n}")
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    category = Product.Category.WATCH
    movement_type = MovementType.AUTOMATIC
    list_price = Decimal("50000.00")


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    store = factory.SubFactory(StoreFactory)
    purchased_on = datetime.date(2024, 1, 31)


class PurchaseLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseLine

    purchase = factory.SubFactory(PurchaseFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = Decimal("50000.00")
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class OwnedTimepieceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OwnedTimepiece

    customer = factory.SubFactory(CustomerFactory)
    brand = factory.SubFactory(BrandFactory)
    model_name = factory.Sequence(lambda n: f"Model {n}")
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    movement_type = MovementType.AUTOMATIC
    source = OwnedTimepiece.Source.ELSEWHERE
    purchased_on = datetime.date(2020, 3, 15)


class ServiceJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceJob

    timepiece = factory.SubFactory(OwnedTimepieceFactory)
    store = factory.SubFactory(StoreFactory)
    received_on = datetime.date(2025, 1, 10)
    work_description = "Full service"
