import os

import pytest

# Playwright's sync API runs an event loop in the main thread; the Django ORM
# calls made by tests beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import (  # noqa: E402
    AccountManagerFactory,
    AdminFactory,
    CustomerFactory,
    PrivacyOfficerFactory,
    StoreFactory,
    SupervisorFactory,
)


@pytest.fixture
def central(db):
    return StoreFactory(code="central", name="Central")


@pytest.fixture
def tst(db):
    return StoreFactory(code="tst", name="Tsim Sha Tsui")


@pytest.fixture
def manager(central):
    """An account manager of the Central store."""
    return AccountManagerFactory(username="am-central", stores=[central])


@pytest.fixture
def colleague(central):
    """Another account manager of the same store."""
    return AccountManagerFactory(username="am2-central", stores=[central])


@pytest.fixture
def other_manager(tst):
    """An account manager of another store (Tsim Sha Tsui)."""
    return AccountManagerFactory(username="am-tst", stores=[tst])


@pytest.fixture
def supervisor(central):
    return SupervisorFactory(username="sup-central", stores=[central])


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="crm-admin")


@pytest.fixture
def privacy_officer(db):
    return PrivacyOfficerFactory(username="dpo")


@pytest.fixture
def customer(central, manager):
    """A customer of the Central store in ``manager``'s book."""
    return CustomerFactory(home_store=central, account_manager=manager, name_en="Chan Tai Man", name_zh="陳大文")
