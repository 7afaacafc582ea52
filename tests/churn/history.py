"""Simulated purchase histories written straight to the database (bulk), for the scoring job's tests."""

import datetime
from decimal import Decimal

import numpy as np

from customers.models import Customer, Purchase

AS_OF = datetime.date(2026, 6, 30)


def history_create(*, store, customers: int, seed: int = 5, years: float = 3.0, start: int = 0) -> list[Customer]:
    """``customers`` customers who buy by the MBG/NBD story (weekly rate ~ Gamma(0.8, 1/30), dropout
    ~ Beta(0.4, 4)) from a first purchase in the ``years`` before AS_OF, each purchase HK$ 2,000-60,000."""
    rng = np.random.default_rng(seed)
    rows = Customer.objects.bulk_create(
        [
            Customer(name_en=f"Simulated {start + i}", home_store=store, mobile_phone=f"+8529{start + i:07d}")
            for i in range(customers)
        ]
    )
    span = int(years * 365)
    purchases = []
    for customer in rows:
        rate = rng.gamma(0.8, 1 / 30) / 7  # per day
        dropout = rng.beta(0.4, 4)
        first = int(rng.integers(0, span))
        day = first
        days = [day]
        while rng.random() >= dropout:
            day += int(rng.exponential(1 / rate)) + 1
            if day > span:
                break
            days.append(day)
        for number in days:
            purchases.append(
                Purchase(
                    customer=customer,
                    store=store,
                    purchased_on=AS_OF - datetime.timedelta(days=span - number),
                    total=Decimal(int(rng.integers(2_000, 60_000))),
                )
            )
    Purchase.objects.bulk_create(purchases)
    return rows
