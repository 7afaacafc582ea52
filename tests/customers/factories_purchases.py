"""Products and purchase lines the purchases tests name; the factories themselves are in tests/factories.py."""

from decimal import Decimal

from customers.models import MovementType, Product
from tests.factories import BrandFactory, ProductFactory


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
