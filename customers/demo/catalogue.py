"""The demo catalogue: the brands a Hong Kong watch shop carries, their products and service intervals.

Prices are today's list prices in HKD (``DEMO_TODAY``); older sales were a little cheaper
(see ``history``). References follow each brand's own style. Loading creates only the
brands, products and intervals that are missing and never changes an existing one.
"""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from customers.models import Brand, MovementType, Product, ServiceInterval

Category = Product.Category
M = MovementType


@dataclass(frozen=True)
class DemoBrand:
    name: str
    name_zh: str
    tier: str  # "entry", "mid", "luxury": who buys it; "" for straps, accessories and clocks
    warranty_years: int = 2


@dataclass(frozen=True)
class DemoProduct:
    brand: str
    collection: str
    model_name: str
    reference: str
    category: str
    movement_type: str
    price: int  # HKD
    ladies: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.brand, self.reference)

    @property
    def is_timepiece(self) -> bool:
        return self.category in (Category.WATCH, Category.CLOCK)

    @property
    def label(self) -> str:
        """How staff say it: "Omega Seamaster Diver 300M"."""
        return f"{self.brand} {self.model_name}"


DEMO_BRANDS = (
    DemoBrand("Rolex", "勞力士", "luxury", warranty_years=5),
    DemoBrand("Tudor", "帝舵", "mid", warranty_years=5),
    DemoBrand("Omega", "奧米茄", "luxury", warranty_years=5),
    DemoBrand("Longines", "浪琴", "mid"),
    DemoBrand("TAG Heuer", "泰格豪雅", "mid"),
    DemoBrand("Cartier", "卡地亞", "luxury"),
    DemoBrand("IWC", "萬國", "luxury"),
    DemoBrand("Grand Seiko", "冠藍獅", "luxury"),
    DemoBrand("Seiko", "精工", "entry"),
    DemoBrand("Tissot", "天梭", "entry"),
    DemoBrand("Citizen", "西鐵城", "entry"),
    DemoBrand("Hermle", "", ""),  # German clocks
    DemoBrand("Hirsch", "", ""),  # straps
    DemoBrand("Wolf", "", ""),  # winders and watch rolls
)
BRANDS_BY_NAME = {brand.name: brand for brand in DEMO_BRANDS}
TIMEPIECE_BRANDS = tuple(brand.name for brand in DEMO_BRANDS if brand.name not in ("Hirsch", "Wolf"))

W, C = Category.WATCH, Category.CLOCK
DEMO_WATCHES_AND_CLOCKS = (
    DemoProduct("Rolex", "Submariner", "Submariner Date", "126610LN", W, M.AUTOMATIC, 93_600),
    DemoProduct("Rolex", "Datejust", "Datejust 41", "126334", W, M.AUTOMATIC, 85_500),
    DemoProduct("Rolex", "Oyster Perpetual", "Oyster Perpetual 41", "124300", W, M.AUTOMATIC, 56_900),
    DemoProduct("Rolex", "Cosmograph Daytona", "Cosmograph Daytona", "126500LN", W, M.AUTOMATIC, 125_000),
    DemoProduct("Rolex", "GMT-Master II", "GMT-Master II", "126710BLRO", W, M.AUTOMATIC, 96_200),
    DemoProduct("Rolex", "Lady-Datejust", "Lady-Datejust 28", "279174", W, M.AUTOMATIC, 79_000, ladies=True),
    DemoProduct("Rolex", "Day-Date", "Day-Date 40", "228238", W, M.AUTOMATIC, 298_000),
    DemoProduct("Tudor", "Black Bay", "Black Bay 58", "M79030N-0001", W, M.AUTOMATIC, 31_600),
    DemoProduct("Tudor", "Black Bay", "Black Bay GMT", "M79830RB-0001", W, M.AUTOMATIC, 33_500),
    DemoProduct("Tudor", "Pelagos", "Pelagos 39", "M25407N-0001", W, M.AUTOMATIC, 39_500),
    DemoProduct("Tudor", "Royal", "Royal 28", "M28300-0005", W, M.AUTOMATIC, 17_600, ladies=True),
    DemoProduct("Omega", "Speedmaster", "Speedmaster Moonwatch Professional", "310.30.42.50.01.001", W, M.MANUAL, 55_000),  # noqa: E501
    DemoProduct("Omega", "Seamaster", "Seamaster Diver 300M", "210.30.42.20.03.001", W, M.AUTOMATIC, 44_600),
    DemoProduct("Omega", "Seamaster", "Seamaster Aqua Terra 150M", "220.10.41.21.03.004", W, M.AUTOMATIC, 48_000),
    DemoProduct("Omega", "Constellation", "Constellation 28", "131.10.28.60.55.001", W, M.QUARTZ, 34_200, ladies=True),
    DemoProduct("Omega", "De Ville", "De Ville Prestige", "434.10.40.20.02.001", W, M.AUTOMATIC, 30_100),
    DemoProduct("Longines", "HydroConquest", "HydroConquest 41", "L3.781.4.96.6", W, M.AUTOMATIC, 14_400),
    DemoProduct("Longines", "Master Collection", "Master Collection Moonphase", "L2.909.4.78.3", W, M.AUTOMATIC, 23_500),  # noqa: E501
    DemoProduct("Longines", "Spirit", "Spirit Zulu Time", "L3.812.4.63.6", W, M.AUTOMATIC, 24_900),
    DemoProduct("Longines", "DolceVita", "DolceVita", "L5.255.4.71.6", W, M.QUARTZ, 13_900, ladies=True),
    DemoProduct("TAG Heuer", "Carrera", "Carrera Chronograph", "CBN2A1B.BA0643", W, M.AUTOMATIC, 51_900),
    DemoProduct("TAG Heuer", "Aquaracer", "Aquaracer Professional 300", "WBP201A.BA0632", W, M.AUTOMATIC, 26_300),
    DemoProduct("TAG Heuer", "Formula 1", "Formula 1", "WAZ1110.BA0875", W, M.QUARTZ, 11_700),
    DemoProduct("Cartier", "Santos de Cartier", "Santos de Cartier medium model", "WSSA0029", W, M.AUTOMATIC, 58_000),
    DemoProduct("Cartier", "Tank", "Tank Must large model", "WSTA0041", W, M.QUARTZ, 25_500),
    DemoProduct("Cartier", "Ballon Bleu", "Ballon Bleu de Cartier 33 mm", "WSBB0046", W, M.QUARTZ, 45_500, ladies=True),
    DemoProduct("Cartier", "Panthère", "Panthère de Cartier small model", "WSPN0006", W, M.QUARTZ, 33_500, ladies=True),
    DemoProduct("IWC", "Portugieser", "Portugieser Chronograph", "IW371605", W, M.AUTOMATIC, 69_000),
    DemoProduct("IWC", "Pilot's Watches", "Pilot's Watch Mark XX", "IW328201", W, M.AUTOMATIC, 42_500),
    DemoProduct("IWC", "Portofino", "Portofino Automatic 34", "IW357403", W, M.AUTOMATIC, 36_500, ladies=True),
    DemoProduct("Grand Seiko", "Heritage", "Snowflake", "SBGA211", W, M.SPRING_DRIVE, 53_000),
    DemoProduct("Grand Seiko", "Evolution 9", "White Birch", "SLGH005", W, M.AUTOMATIC, 71_000),
    DemoProduct("Grand Seiko", "Elegance", "Elegance Manual-winding", "SBGW231", W, M.MANUAL, 38_000),
    DemoProduct("Grand Seiko", "Heritage", "Heritage 9F Quartz", "SBGX261", W, M.QUARTZ, 21_500),
    DemoProduct("Seiko", "Prospex", "Prospex 1965 Diver's Re-interpretation", "SPB143J1", W, M.AUTOMATIC, 7_800),
    DemoProduct("Seiko", "Presage", "Presage Cocktail Time", "SRPB43J1", W, M.AUTOMATIC, 3_600),
    DemoProduct("Seiko", "Astron", "Astron GPS Solar", "SSH111J1", W, M.SOLAR, 16_000),
    DemoProduct("Seiko", "Seiko 5 Sports", "Seiko 5 Sports", "SRPD55K1", W, M.AUTOMATIC, 2_300),
    DemoProduct("Tissot", "T-Classic", "PRX Powermatic 80", "T137.407.11.041.00", W, M.AUTOMATIC, 6_050),
    DemoProduct("Tissot", "T-Classic", "PRX 35 mm", "T137.210.11.031.00", W, M.QUARTZ, 2_950, ladies=True),
    DemoProduct("Tissot", "T-Classic", "Le Locle Powermatic 80", "T006.407.11.033.00", W, M.AUTOMATIC, 5_300),
    DemoProduct("Tissot", "T-Sport", "Seastar 1000 Powermatic 80", "T120.407.11.041.03", W, M.AUTOMATIC, 6_500),
    DemoProduct("Citizen", "Promaster", "Promaster Diver Eco-Drive", "BN0150-28E", W, M.SOLAR, 2_480),
    DemoProduct("Citizen", "Eco-Drive", "Eco-Drive Chronograph", "CA0695-84E", W, M.SOLAR, 2_780),
    DemoProduct("Hermle", "Mantel clocks", "Westminster Mantel Clock", "22864-070340", C, M.CLOCK_MECHANICAL, 11_800),
    DemoProduct("Hermle", "Wall clocks", "Vienna Regulator Wall Clock", "70509-030341", C, M.CLOCK_MECHANICAL, 14_500),
    DemoProduct("Hermle", "Wall clocks", "Quartz Wall Clock", "30900-002100", C, M.CLOCK_QUARTZ, 2_400),
)  # fmt: skip
DEMO_STRAPS = (
    DemoProduct("Omega", "Straps", "NATO strap, grey-black", "031CWZ010466", Category.STRAP, M.NONE, 1_600),
    DemoProduct("TAG Heuer", "Straps", "Rubber strap, black", "FT6158", Category.STRAP, M.NONE, 2_350),
    DemoProduct("Hirsch", "Leather", "Liberty calfskin strap", "02502150-2-20", Category.STRAP, M.NONE, 980),
    DemoProduct("Hirsch", "Leather", "Heavy Calf strap", "01475110-2-20", Category.STRAP, M.NONE, 850),
    DemoProduct("Hirsch", "Performance", "Robby rubber-and-leather strap", "0917290050-2-20", Category.STRAP, M.NONE, 1_450),  # noqa: E501
)  # fmt: skip
DEMO_ACCESSORIES = (
    DemoProduct("Wolf", "Winders", "Roadster single watch winder", "457102", Category.ACCESSORY, M.NONE, 4_800),
    DemoProduct("Wolf", "Travel", "Roadster triple watch roll", "455606", Category.ACCESSORY, M.NONE, 1_950),
    DemoProduct("Wolf", "Boxes", "Viceroy ten-piece watch box", "456002", Category.ACCESSORY, M.NONE, 3_900),
)
# What a full service costs at each brand (the workshop's price list): one service product per brand.
_FULL_SERVICE_PRICES = {
    "Rolex": 6_800, "Tudor": 3_600, "Omega": 5_200, "Longines": 2_900, "TAG Heuer": 3_400, "Cartier": 4_800,
    "IWC": 5_600, "Grand Seiko": 5_000, "Seiko": 1_800, "Tissot": 1_600, "Citizen": 1_500, "Hermle": 2_200,
}  # fmt: skip
FULL_SERVICE_REFERENCE = "SERVICE-FULL"
DEMO_SERVICES = tuple(
    DemoProduct(brand, "Service", "Full service", FULL_SERVICE_REFERENCE, Category.SERVICE, M.NONE, price)
    for brand, price in _FULL_SERVICE_PRICES.items()
)
DEMO_PRODUCTS = DEMO_WATCHES_AND_CLOCKS + DEMO_STRAPS + DEMO_ACCESSORIES + DEMO_SERVICES
PRODUCTS_BY_KEY = {product.key: product for product in DEMO_PRODUCTS}
TIMEPIECES_BY_BRAND = {
    brand: tuple(product for product in DEMO_WATCHES_AND_CLOCKS if product.brand == brand) for brand in TIMEPIECE_BRANDS
}

# Brand-specific intervals (months), in addition to the defaults per movement that migration 0004 makes.
DEMO_SERVICE_INTERVALS = (
    ("Rolex", M.AUTOMATIC, 120),
    ("Tudor", M.AUTOMATIC, 120),
    ("Omega", M.AUTOMATIC, 96),
    ("Omega", M.MANUAL, 96),
    ("Grand Seiko", M.AUTOMATIC, 48),
    ("Grand Seiko", M.MANUAL, 48),
    ("Grand Seiko", M.SPRING_DRIVE, 48),
)


def catalogue_ensure() -> tuple[dict[str, Brand], dict[tuple[str, str], Product], Counter]:
    """Create the missing brands, products and brand intervals: (brands by name, products by key, counts by model)."""
    brands = Brand.objects.in_bulk([spec.name for spec in DEMO_BRANDS], field_name="name")
    new_brands = [Brand(name=spec.name, name_zh=spec.name_zh) for spec in DEMO_BRANDS if spec.name not in brands]
    Brand.objects.bulk_create(new_brands)
    brands.update((brand.name, brand) for brand in new_brands)

    products = {
        (product.brand.name, product.reference): product
        for product in Product.objects.filter(brand__in=brands.values()).select_related("brand")
    }
    new_products = [
        Product(
            brand=brands[spec.brand],
            collection=spec.collection,
            model_name=spec.model_name,
            reference=spec.reference,
            category=spec.category,
            movement_type=spec.movement_type,
            list_price=Decimal(spec.price),
        )
        for spec in DEMO_PRODUCTS
        if spec.key not in products
    ]
    Product.objects.bulk_create(new_products)
    products.update(((product.brand.name, product.reference), product) for product in new_products)

    existing = set(
        ServiceInterval.objects.filter(brand__in=brands.values()).values_list("brand__name", "movement_type")
    )
    new_intervals = [
        ServiceInterval(brand=brands[brand], movement_type=movement, months=months)
        for brand, movement, months in DEMO_SERVICE_INTERVALS
        if (brand, movement) not in existing
    ]
    ServiceInterval.objects.bulk_create(new_intervals)
    return (
        brands,
        products,
        Counter({Brand: len(new_brands), Product: len(new_products), ServiceInterval: len(new_intervals)}),
    )
