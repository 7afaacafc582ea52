"""Money is Hong Kong dollars, shown the same way in every language: ``HK$12,345.00``."""

from decimal import Decimal

CENT = Decimal("0.01")


def hkd(amount: Decimal | int | float | None) -> str:
    """``HK$12,345.00``; a negative amount (a refund) as ``−HK$1,000.00``; None as ``HK$0.00``."""
    value = Decimal(str(amount or 0)).quantize(CENT)
    sign = "−" if value < 0 else ""
    return f"{sign}HK${abs(value):,.2f}"
