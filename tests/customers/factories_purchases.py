"""Factories for the purchases tests: the catalogue, and purchases written straight to the database."""

import datetime
from decimal import Decimal

import factory

from customers.models import Brand, MovementType, Product, Purchase, PurchaseLine
from tests.factories import CustomerFactory, StoreFactory


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Brand {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A watch unless told otherwise."""

    class Meta:
        model = Product

    brand = factory.SubFactory(BrandFactory)
    collection = ""
    model_name = factory.Sequence(lambda n: f"Model {n}")
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    category = Product.Category.WATCH
    movement_type = MovementType.AUTOMATIC
    list_price = Decimal("50000.00")


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A purchase row only: tests that need lines and a right total go through purchase_create."""

    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    store = factory.SubFactory(StoreFactory)
    purchased_on = datetime.date(2025, 6, 1)
    total = Decimal("0.00")


class PurchaseLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseLine

    purchase = factory.SubFactory(PurchaseFactory)
    product = None
    description = factory.Sequence(lambda n: f"Item {n}")
    quantity = 1
    unit_price = Decimal("100.00")
    discount = Decimal("0.00")
    line_total = factory.LazyAttribute(
        lambda o: PurchaseLine.compute_total(quantity=o.quantity, unit_price=o.unit_price, discount=o.discount)
    )


def omega_seamaster() -> Product:
    """A watch: Omega Seamaster 210.30.42.20.03.001 at HK$42,000."""
    return ProductFactory(
        brand=BrandFactory(name="Omega"),
        collection="Seamaster",
        model_name="Seamaster",
        reference="210.30.42.20.03.001",
        list_price=Decimal("42000.00"),
    )


def rubber_strap() -> Product:
    """Not a timepiece: an Omega rubber strap at HK$1,500."""
    return ProductFactory(
        brand=BrandFactory(name="Omega"),
        model_name="Rubber strap",
        reference="STRAP-20",
        category=Product.Category.STRAP,
        movement_type=MovementType.NONE,
        list_price=Decimal("1500.00"),
    )


def line(product=None, **overrides) -> dict:
    """A line as purchase_create takes it."""
    data = {
        "product": product,
        "description": "",
        "quantity": 1,
        "unit_price": None,
        "discount": Decimal("0"),
        "serial_number": "",
    }
    data.update(overrides)
    return data
