"""The stored duplicate search: the list page reads the pairs a background scan found.

The live detection (``duplicate_candidates``, the page's previous implementation) is the
reference: a scan of the user's scope must give the same pairs, in the same order, with the same
reasons and scores, and stay right about visibility, merges and dismissals made after the scan.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, DuplicateCandidate, DuplicateDismissal, DuplicateScan
from customers.selectors.data_quality import (
    duplicate_candidates,
    duplicate_list_for_user,
    duplicate_scope,
    duplicate_scope_queryset,
)
from customers.services.data_quality import duplicate_scan_run
from tests.customers.factories_duplicates import person
from tests.factories import SupervisorFactory


@pytest.fixture
def mixed(central, tst):
    """A few dozen customers at two stores, sharing phones, e-mails, names and birthdays in many ways."""
    people = []
    for store in (central, tst):
        for i in range(4):  # same phone, in threes
            number = f"+8526{store.pk:02d}{i:05d}"
            people += [person(store=store, mobile_phone=number) for _ in range(3)]
        for i in range(3):  # same e-mail in another case
            people += [
                person(store=store, email=f"twin{i}.{store.pk}@example.com"),
                person(store=store, email=f"TWIN{i}.{store.pk}@Example.com"),
            ]
        for i, (one, other) in enumerate(
            [("Chan Tai Man", "Tai Man Chan"), ("WONG, Siu-ming", "Wong Siu Ming"), ("Lee Ka Yan", "Lee Ka-yan")]
        ):  # similar names with the same birthday
            people += [
                person(store=store, name_en=one, birth_month=i + 1, birth_day=9),
                person(store=store, name_en=other, birth_month=i + 1, birth_day=9),
            ]
        people += [  # the same Chinese name and district, and a common name alone (not a pair)
            person(store=store, name_zh="陳大文", district="Sha Tin", birth_month=None, birth_day=None),
            person(store=store, name_zh="陳大文", district="Sha Tin", birth_month=None, birth_day=None),
            person(store=store, name_zh="李小明", district="Central", birth_month=2, birth_day=3),
            person(store=store, name_zh="李小明", district="Wan Chai", birth_month=4, birth_day=5),
        ]
        people += [person(store=store) for _ in range(10)]  # nobody's twin
    # across the two stores: a pair only for those who see both
    people += [person(store=central, mobile_phone="+85261111111"), person(store=tst, mobile_phone="+85261111111")]
    return people


def shown(pairs) -> list[tuple]:
    return [(p.a.pk, p.b.pk, p.signals, p.reasons, p.score) for p in pairs]


def test_a_scan_finds_the_same_pairs_in_the_same_order_as_the_live_detection(mixed, supervisor, admin_user):
    for user in (supervisor, admin_user):
        # given
        expected = shown(duplicate_candidates(user=user, limit=1000))
        # when
        duplicate_scan_run(scope=duplicate_scope(user))
        found = duplicate_list_for_user(user=user, limit=1000)
        # then
        assert shown(found.pairs) == expected
        assert found.scan.computed_at is not None
    # and at Central: 4×3 phone, 3 e-mail, 3 name, 1 Chinese name pairs; the cross-store one is the admin's only
    cross = tuple(sorted(c.pk for c in mixed[-2:]))
    assert len(duplicate_list_for_user(user=supervisor, limit=1000).pairs) == 19
    assert cross not in {(p.a.pk, p.b.pk) for p in duplicate_list_for_user(user=supervisor, limit=1000).pairs}
    assert cross in {(p.a.pk, p.b.pk) for p in duplicate_list_for_user(user=admin_user, limit=1000).pairs}


def test_the_limit_keeps_the_strongest_as_before(mixed, supervisor):
    duplicate_scan_run(scope=duplicate_scope(supervisor))
    assert shown(duplicate_list_for_user(user=supervisor, limit=5).pairs) == shown(
        duplicate_candidates(user=supervisor, limit=5)
    )


def test_running_a_scan_twice_stores_the_same_pairs_once(mixed, supervisor):
    # given
    scope = duplicate_scope(supervisor)
    duplicate_scan_run(scope=scope)
    first = set(DuplicateCandidate.objects.values_list("customer_a", "customer_b", "score", "signals"))
    # when
    duplicate_scan_run(scope=scope)
    # then
    assert DuplicateScan.objects.count() == 1
    assert set(DuplicateCandidate.objects.values_list("customer_a", "customer_b", "score", "signals")) == first
    assert DuplicateCandidate.objects.count() == len(first) == DuplicateScan.objects.get().pair_count


def test_dismissals_and_merges_after_the_scan_leave_the_list_at_once(mixed, supervisor):
    # given
    duplicate_scan_run(scope=duplicate_scope(supervisor))
    first, second, *rest = duplicate_list_for_user(user=supervisor).pairs
    third = next(p for p in rest if second.b.pk not in (p.a.pk, p.b.pk))
    # when
    DuplicateDismissal.objects.create(customer_a=first.a, customer_b=first.b, dismissed_by=supervisor)
    Customer.objects.filter(pk=second.b.pk).update(merged_into=second.a)
    # then: the same as the live detection now
    pairs = duplicate_list_for_user(user=supervisor, limit=1000).pairs
    assert (first.a.pk, first.b.pk) not in {(p.a.pk, p.b.pk) for p in pairs}
    assert second.b.pk not in {pk for p in pairs for pk in (p.a.pk, p.b.pk)}
    assert (third.a.pk, third.b.pk) in {(p.a.pk, p.b.pk) for p in pairs}


def test_a_record_moved_to_a_store_the_user_does_not_see_leaves_the_list(mixed, supervisor, tst):
    duplicate_scan_run(scope=duplicate_scope(supervisor))
    moved = duplicate_list_for_user(user=supervisor).pairs[0].a
    Customer.objects.filter(pk=moved.pk).update(home_store=tst)
    pairs = duplicate_list_for_user(user=supervisor, limit=1000).pairs
    assert moved.pk not in {pk for p in pairs for pk in (p.a.pk, p.b.pk)}


def test_users_of_the_same_stores_share_a_scope_and_its_queryset_is_what_they_see(
    central, tst, supervisor, manager, admin_user, mixed
):
    other = SupervisorFactory(username="sup-two", stores=[tst, central])
    assert duplicate_scope(supervisor) == duplicate_scope(manager) == f"stores:{central.pk}"
    assert duplicate_scope(other) == f"stores:{min(central.pk, tst.pk)},{max(central.pk, tst.pk)}"
    assert duplicate_scope(admin_user) == "all"
    for user in (supervisor, other, admin_user):
        assert set(duplicate_scope_queryset(duplicate_scope(user))) == set(Customer.objects.visible_to(user))


def test_no_scan_yet_shows_nothing(mixed, supervisor):
    found = duplicate_list_for_user(user=supervisor)
    assert (found.pairs, found.scan) == ([], None)


@pytest.mark.parametrize("count", [3, 20])
def test_reading_the_list_costs_the_same_queries_for_3_or_20_pairs(central, supervisor, count):
    # given
    for i in range(count):
        number = f"+85256{i:06d}"
        person(store=central, mobile_phone=number)
        person(store=central, mobile_phone=number)
    duplicate_scan_run(scope=duplicate_scope(supervisor))
    supervisor = type(supervisor).objects.get(pk=supervisor.pk)  # no cached roles
    # when
    with CaptureQueriesContext(connection) as queries:
        pairs = duplicate_list_for_user(user=supervisor).pairs
        for pair in pairs:  # what the list page shows of each record
            str(pair.a.home_store), str(pair.b.account_manager), str(pair.a.account_manager), str(pair.b.home_store)
    # then: the roles, the scan, the pairs with their records
    assert len(pairs) == count
    assert len(queries) == 3
