"""The duplicate review pages: the list, the side-by-side comparison, "not a duplicate".

Who gets what, what each request writes (and, when refused, that nothing changed), and what
the list costs in queries.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import DuplicateDismissal, DuplicateScan
from customers.selectors.data_quality import duplicate_scope
from customers.services.data_quality import duplicate_scan_run
from privacy.models import AccessLog
from tests.customers.factories_duplicates import interaction, person, purchase_with_lines, timepiece_with_job
from tests.factories import SupervisorFactory

LIST_URL = reverse("customers:duplicate-list")
# Measured, and the same for 3 or 20 pairs (see below): session, user, two for permissions,
# roles, the scan, the pairs shown (with their records, stores and managers). The five signal
# queries run in the background scan (customers.tasks.duplicate_scan), not on the page.
LIST_QUERIES = 7


def scanned(user):
    """The background search of the user's scope, run now (as the nightly task would)."""
    return duplicate_scan_run(scope=duplicate_scope(user))


def compare_url(a, b):
    return reverse("customers:duplicate-compare", kwargs={"a": a.pk, "b": b.pk})


def dismiss_url(a, b):
    return reverse("customers:duplicate-dismiss", kwargs={"a": a.pk, "b": b.pk})


@pytest.fixture
def pair(central, manager):
    """Two records of Chan Tai Man at Central with one phone number."""
    return (
        person(store=central, account_manager=manager, name_en="Chan Tai Man", mobile_phone="+85291234567"),
        person(store=central, account_manager=manager, name_en="Tai Man Chan", mobile_phone="+85291234567"),
    )


@pytest.fixture
def sup_tst(tst):
    return SupervisorFactory(username="sup-tst", stores=[tst])


# --- the list -----------------------------------------------------------------------------------


def test_a_supervisor_sees_the_pairs_with_their_reasons(client, supervisor, pair):
    # given
    scan = scanned(supervisor)
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert [(p.a.pk, p.b.pk) for p in response.context["pairs"]] == [(pair[0].pk, pair[1].pk)]
    assert "Chan Tai Man" in response.text
    assert "Tai Man Chan" in response.text
    assert "Same mobile phone" in response.text
    assert compare_url(*pair) in response.text
    assert dismiss_url(*pair) in response.text
    assert response.context["scan"] == scan
    assert "Searched on" in response.text


def test_the_first_visit_of_a_scope_asks_for_a_scan_and_says_it_is_running(
    client, supervisor, pair, django_capture_on_commit_callbacks
):
    # given no scan of the supervisor's stores yet
    client.force_login(supervisor)
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(LIST_URL)
    # then: one scan asked for, none of its pairs shown yet
    assert response.status_code == 200
    assert response.context["pairs"] == []
    scan = DuplicateScan.objects.get()
    assert (scan.scope, scan.computed_at) == (duplicate_scope(supervisor), None)
    assert len(callbacks) == 1
    assert "The search for duplicates is running" in response.text
    # and a second visit while it runs asks for nothing more
    with django_capture_on_commit_callbacks() as callbacks:
        client.get(LIST_URL)
    assert callbacks == []


def test_search_again_asks_for_a_new_scan(client, supervisor, pair, django_capture_on_commit_callbacks):
    # given
    scanned(supervisor)
    client.force_login(supervisor)
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("customers:duplicate-scan"))
    # then: a scan is asked for, and the last pairs stay on the list meanwhile
    assert response.status_code == 302
    assert DuplicateScan.objects.get().is_pending
    assert len(callbacks) == 1
    page = client.get(LIST_URL)
    assert [(p.a.pk, p.b.pk) for p in page.context["pairs"]] == [(pair[0].pk, pair[1].pk)]
    assert "The search for duplicates is running" in page.text
    assert "Searched on" in page.text
    # and a second click while it runs asks for nothing more
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("customers:duplicate-scan"))
    assert callbacks == []


def test_a_lost_scan_request_may_be_made_again(client, supervisor, pair, django_capture_on_commit_callbacks):
    # given a scan asked for 31 minutes ago that never ran (the worker was down)
    scanned(supervisor)
    client.force_login(supervisor)
    client.post(reverse("customers:duplicate-scan"))
    DuplicateScan.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=31))
    # when
    page = client.get(LIST_URL)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("customers:duplicate-scan"))
    # then the button is enabled again and asks for a new scan
    assert 'type="submit" disabled' not in page.text
    assert len(callbacks) == 1


def test_an_account_manager_cannot_ask_for_a_scan(client, manager, pair):
    client.force_login(manager)
    assert client.post(reverse("customers:duplicate-scan")).status_code == 404
    assert not DuplicateScan.objects.exists()


def test_an_account_manager_cannot_open_the_list(client, manager, pair):
    # given the pair is in the manager's own book, but reviewing duplicates is not their job
    client.force_login(manager)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 404


def test_a_supervisor_of_another_store_does_not_see_the_pair(client, supervisor, sup_tst, pair):
    # given both stores searched
    scanned(supervisor)
    scanned(sup_tst)
    client.force_login(sup_tst)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert response.context["pairs"] == []
    assert "Chan Tai Man" not in response.text


@pytest.mark.parametrize("count", [3, 20])
def test_the_list_costs_the_same_queries_for_3_or_20_pairs(
    client, central, supervisor, count, django_assert_num_queries
):
    # given
    for i in range(count):
        number = f"+85256{i:06d}"
        person(store=central, mobile_phone=number)
        person(store=central, mobile_phone=number)
    scanned(supervisor)
    client.force_login(supervisor)
    # when / then
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert len(response.context["pairs"]) == count


# --- compare ------------------------------------------------------------------------------------


def test_compare_shows_both_records_side_by_side_and_logs_the_view(client, central, supervisor, pair):
    # given
    first, second = pair
    purchase_with_lines(customer=second, store=central, lines=2)
    purchase_with_lines(customer=second, store=central, lines=1)
    timepiece_with_job(customer=second, store=central)
    interaction(customer=first)
    client.force_login(supervisor)
    # when
    response = client.get(compare_url(first, second))
    # then
    assert response.status_code == 200
    assert response.context["a"] == first
    assert response.context["b"] == second
    text = response.text
    assert 'data-testid="purchases-b">2 · HK$3,000.00<' in text
    assert 'data-testid="purchases-a">0 · HK$0.00<' in text
    assert 'data-testid="timepieces-b">1<' in text
    assert 'data-testid="interactions-a">1<' in text
    assert "Same mobile phone" in text
    assert "Similar English name" in text
    assert reverse("customers:customer-merge", kwargs={"a": first.pk, "b": second.pk}) in text
    # the record with more history is suggested as the one to keep
    assert response.context["form"].initial["survivor"] == second.pk
    rows = AccessLog.objects.filter(view_name="customers:duplicate-compare")
    assert sorted(rows.values_list("customer_id", "user_id", "action")) == [
        (first.pk, supervisor.pk, AccessLog.Action.VIEW),
        (second.pk, supervisor.pk, AccessLog.Action.VIEW),
    ]


def test_compare_masks_sensitive_fields_for_users_without_the_permission(client, central, privacy_officer, pair):
    # given a privacy officer may see them; the same page for a user who may not is masked
    from django.contrib.auth.models import Permission

    first, second = pair
    first.address = "1 Queen's Road East"
    first.save()
    client.force_login(privacy_officer)
    # when
    shown = client.get(compare_url(first, second)).text
    privacy_officer.groups.first().permissions.remove(Permission.objects.get(codename="view_sensitive"))
    masked = client.get(compare_url(first, second)).text
    # then
    assert "1 Queen&#x27;s Road East" in shown
    assert "1 Queen&#x27;s Road East" not in masked


@pytest.mark.parametrize("user_fixture", ["manager", "sup_tst"])
def test_compare_is_a_404_for_an_account_manager_or_another_store_and_logs_nothing(client, request, user_fixture, pair):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    response = client.get(compare_url(*pair))
    # then
    assert response.status_code == 404
    assert AccessLog.objects.count() == 0


def test_compare_is_a_404_for_a_merged_record_or_the_same_record_twice(client, central, supervisor, pair):
    # given
    first, _second = pair
    tombstone = person(store=central, merged_into=first)
    client.force_login(supervisor)
    # when / then
    assert client.get(compare_url(first, tombstone)).status_code == 404
    assert client.get(compare_url(first, first)).status_code == 404
    assert client.get(reverse("customers:duplicate-compare", kwargs={"a": first.pk, "b": 999_999})).status_code == 404


# --- not a duplicate ----------------------------------------------------------------------------


def test_dismiss_marks_the_pair_and_it_leaves_the_list(client, supervisor, pair):
    # given
    scanned(supervisor)
    client.force_login(supervisor)
    # when
    response = client.post(dismiss_url(pair[1], pair[0]))
    # then
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.customer_a_id, dismissal.customer_b_id, dismissal.dismissed_by) == (
        pair[0].pk,
        pair[1].pk,
        supervisor,
    )
    assert client.get(LIST_URL).context["pairs"] == []


@pytest.mark.parametrize("user_fixture", ["manager", "sup_tst"])
def test_dismiss_is_a_404_for_an_account_manager_or_another_store_and_changes_nothing(
    client, request, user_fixture, pair
):
    # given
    client.force_login(request.getfixturevalue(user_fixture))
    # when
    response = client.post(dismiss_url(*pair))
    # then
    assert response.status_code == 404
    assert DuplicateDismissal.objects.count() == 0


def test_dismiss_does_not_answer_get(client, supervisor, pair):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(dismiss_url(*pair))
    # then
    assert response.status_code == 405
    assert DuplicateDismissal.objects.count() == 0
