"""bench/lists_bench.py's pages open for the roles it measures them as (no 404, no 500), on a small load."""

import pytest
from django.db import connection, transaction
from django.test import Client

from bench import generate as generator
from bench import lists_bench
from customers.models import Store

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"),
    pytest.mark.django_db,
]


@pytest.fixture(scope="module")
def small_load(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield generator.generate(customers=3000, in_transaction=True, say=lambda _text: None)
        transaction.set_rollback(True)


def test_every_case_opens_for_each_role_it_is_measured_as(small_load, settings):
    settings.DEBUG = False
    store = Store.objects.get(code="central")
    users = lists_bench.bench_users(store.code)
    cases = lists_bench.build_cases(store)
    assert set(users) == {lists_bench.SUPERVISOR, lists_bench.MANAGER, lists_bench.PRIVACY_OFFICER}
    assert {case.group for case in cases} == set(lists_bench.GROUPS)
    assert any("complaint page" in case.label for case in cases)  # the load has complaints to open
    statuses = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        for case in cases:
            if role in case.roles:
                statuses[(case.label, role)] = client.get(case.url, case.params).status_code
    assert {key: code for key, code in statuses.items() if code != 200} == {}
    assert len(statuses) > 60
