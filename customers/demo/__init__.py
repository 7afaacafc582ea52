"""The demo data set: three Hong Kong watch shops, their staff, ~2,000 customers and their history.

Three years of history before ``DEMO_TODAY``: a catalogue of the brands a Hong Kong shop
carries, purchases that follow the seasons (Chinese New Year, Christmas, a quiet summer) and
some returns, owned watches with their service jobs, interactions and follow-up tasks, leads,
and relationships between customers.

Every run builds the same data (seeded ``random.Random``, a fixed "today", no Faker) and
creates only what is missing, all in one transaction, so loading twice changes nothing.
Customer number ``n`` (``external_ref`` ``DEMO-00000n``) and everything of theirs is the same
whatever count is asked for. Demo users all share the published ``DEMO_PASSWORD``: loading is
only allowed when ``settings.DEMO_MODE``. No privacy access-log rows are written: loading is
not a person reading data.

Modules: ``people`` (stores, staff, customers), ``catalogue``, ``seasons``, ``history``
(purchases, timepieces, service jobs), ``contacts`` (interactions and tasks), ``network``
(leads and relationships), ``plan`` (all of it as plain values) and ``records`` (the writes).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from crm_site import roles
from customers.demo.catalogue import DEMO_BRANDS, DEMO_PRODUCTS, catalogue_ensure
from customers.demo.people import (
    DEMO_CUSTOMERS,
    DEMO_PASSWORD,
    DEMO_REF_PREFIX,
    DEMO_SEED,
    DEMO_STORES,
    DEMO_USER_EMAIL_DOMAIN,
    DEMO_USERS,
    DemoStore,
    DemoUser,
    customers_ensure,
    demo_customer_rows,
    stores_ensure,
    users_ensure,
)
from customers.demo.plan import DemoPlan, demo_plan
from customers.demo.records import backdate, records_ensure
from customers.demo.seasons import CHINESE_NEW_YEARS, DEMO_START, DEMO_TODAY
from customers.models import Customer, OwnedTimepiece, ServiceInterval, ServiceJob
from customers.services.timepieces import service_due_refresh_all

__all__ = [
    "CHINESE_NEW_YEARS",
    "DEMO_BRANDS",
    "DEMO_CUSTOMERS",
    "DEMO_PASSWORD",
    "DEMO_PRODUCTS",
    "DEMO_REF_PREFIX",
    "DEMO_SEED",
    "DEMO_START",
    "DEMO_STORES",
    "DEMO_TODAY",
    "DEMO_USERS",
    "DEMO_USER_EMAIL_DOMAIN",
    "DemoDataRefused",
    "DemoLoadResult",
    "DemoPlan",
    "DemoStore",
    "DemoUser",
    "demo_customer_rows",
    "demo_data_load",
    "demo_plan",
]


class DemoDataRefused(Exception):
    """The demo data may not be loaded into this database."""


@dataclass(frozen=True)
class DemoLoadResult:
    stores_created: int
    users_created: int
    customers_created: int
    rows_created: dict = field(default_factory=dict)  # the rest, by model: {Purchase: 7900, …}

    @property
    def nothing_done(self) -> bool:
        return not (self.stores_created or self.users_created or self.customers_created) and not any(
            self.rows_created.values()
        )


@transaction.atomic
def demo_data_load(*, customers: int = DEMO_CUSTOMERS) -> DemoLoadResult:
    """Create the demo stores, users, catalogue and the first ``customers`` demo customers with their history,
    as far as they are missing."""
    if not settings.DEMO_MODE:
        raise DemoDataRefused(
            "Demo data can only be loaded when settings.DEMO_MODE is True (CRM_DEMO_MODE=true); "
            "it would put users with a published password into this database."
        )
    if customers < 0:
        raise DemoDataRefused("The number of customers cannot be negative.")
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
    if set(groups) != set(roles.ROLES):
        raise DemoDataRefused("The role groups are missing: run `manage.py migrate` first.")
    stores, stores_created = stores_ensure()
    users, users_created = users_ensure(stores=stores, groups=groups)
    plan = demo_plan(count=customers)
    new_customers = customers_ensure(count=customers, stores=stores, users=users, rows=plan.rows)
    _customers_backdate(new_customers, plan=plan)
    brands, products, rows_created = catalogue_ensure()
    rows_created += records_ensure(
        plan=plan,
        customers=_demo_customer_ids(count=customers),
        stores=stores,
        users=users,
        brands=brands,
        products=products,
    )
    if rows_created[OwnedTimepiece] or rows_created[ServiceJob] or rows_created[ServiceInterval]:
        service_due_refresh_all()
    return DemoLoadResult(stores_created, users_created, len(new_customers), dict(+rows_created))


def _demo_customer_ids(*, count: int) -> dict[int, int]:
    """Customer number → pk of the demo customers 1…``count`` in the database."""
    ids = {}
    refs = Customer.objects.filter(external_ref__startswith=DEMO_REF_PREFIX).values_list("external_ref", "pk")
    for ref, pk in refs:
        number = ref.removeprefix(DEMO_REF_PREFIX)
        if number.isdigit() and 1 <= int(number) <= count:
            ids[int(number)] = pk
    return ids


def _customers_backdate(customers: list[Customer], *, plan: DemoPlan) -> None:
    """A new demo customer's record dates from when they were first seen, not from today's load."""
    numbers = [int(customer.external_ref.removeprefix(DEMO_REF_PREFIX)) for customer in customers]
    backdate(Customer, customers, [plan.histories[n - 1].created_at for n in numbers])
