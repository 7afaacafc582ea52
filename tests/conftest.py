import importlib
import os

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

# Playwright's sync API runs an event loop in the main thread; the Django ORM
# calls made by tests beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import (
    AccountManagerFactory,
    AdminFactory,
    CustomerFactory,
    PrivacyOfficerFactory,
    StoreFactory,
    SupervisorFactory,
)


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Chinese leaves its language active in the test thread: start each test in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _role_groups(request):
    """Transactional tests (browser, Celery worker) start from a flushed database,
    which has lost the role groups made by data migrations: make them again."""
    if not ({"transactional_db", "live_server"} & set(request.fixturenames)):
        marker = request.node.get_closest_marker("django_db")
        if not (marker and marker.kwargs.get("transaction")):
            return
    request.getfixturevalue("transactional_db")
    for migration, functions in SEED_MIGRATIONS:
        module = importlib.import_module(migration)
        for function in functions:
            getattr(module, function)(django_apps, None)


# Data migrations that seed rows the app relies on (role groups, default intervals).
SEED_MIGRATIONS = [
    ("customers.migrations.0002_roles", ["grant"]),
    ("customers.migrations.0004_client_record_roles_and_intervals", ["grant", "intervals"]),
    ("segmentation.migrations.0003_roles_and_rfm_mapping", ["grant", "rfm_seed"]),
    ("complaints.migrations.0002_seed", ["seed", "grant"]),
    ("privacy.migrations.0004_ledger_guards_and_roles", ["grant"]),
    ("privacy.migrations.0007_retention_roles", ["grant"]),
    ("privacy.migrations.0009_breach_roles", ["grant"]),
    ("privacy.migrations.0011_identity_document_roles", ["grant"]),
    ("churn.migrations.0002_settings_and_roles", ["grant", "churn_settings"]),
    ("reports.migrations.0002_roles", ["grant"]),
    ("reports.migrations.0004_report_roles", ["grant"]),
    ("reports.migrations.0006_programme_roles", ["grant"]),
    ("churn.migrations.0004_playbook_roles", ["grant"]),
    ("campaigns.migrations.0002_roles", ["grant"]),
    ("campaigns.migrations.0004_loyalty_seed", ["grant", "loyalty_settings"]),
    ("campaigns.migrations.0006_event_roles", ["grant"]),
]


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
