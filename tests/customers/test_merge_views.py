"""The merge page: review, confirm, and refusals that change nothing."""

import pytest
from django.urls import reverse

from customers.models import Customer, CustomerMerge, Purchase
from privacy.models import AccessLog
from tests.customers.factories_duplicates import person, purchase_with_lines
from tests.factories import SupervisorFactory


def merge_url(a, b):
    return reverse("customers:customer-merge", kwargs={"a": a.pk, "b": b.pk})


@pytest.fixture
def pair(central, manager):
    return (
        person(store=central, account_manager=manager, name_en="Chan Tai Man", mobile_phone="+85291234567"),
        person(store=central, account_manager=manager, name_en="Tai Man Chan", mobile_phone="+85291234567", email=""),
    )


@pytest.fixture
def sup_tst(tst):
    return SupervisorFactory(username="sup-tst", stores=[tst])


def state_of(*customers):
    """Everything a refused merge must leave as it was."""
    rows = []
    for customer in customers:
        customer.refresh_from_db()
        rows.append(
            (
                {f.attname: f.value_from_object(customer) for f in Customer._meta.concrete_fields},
                Purchase.objects.filter(customer=customer).count(),
            )
        )
    return rows, CustomerMerge.objects.count(), AccessLog.objects.filter(action=AccessLog.Action.EDIT).count()


def test_the_first_post_shows_what_will_happen_and_changes_nothing(client, central, supervisor, pair):
    # given
    first, second = pair
    purchase_with_lines(customer=second, store=central, lines=1)
    client.force_login(supervisor)
    before = state_of(first, second)
    # when
    response = client.post(merge_url(first, second), {"survivor": first.pk, "fill_blanks": "on"})
    # then
    assert response.status_code == 200
    assert response.templates[0].name == "customers/duplicates/merge_confirm.html"
    summary = response.text
    assert (
        f"<strong>#{second.pk} {second.display_name}</strong> will be merged into "
        f"<strong>#{first.pk} {first.display_name}</strong>"
    ) in summary
    assert "1 purchase moves" in summary
    assert 'name="confirm" value="True"' in summary
    assert state_of(first, second) == before


def test_confirming_merges_and_goes_to_the_survivor(client, central, supervisor, pair):
    # given
    first, second = pair
    purchase_with_lines(customer=second, store=central, lines=1)
    first_email = first.email
    client.force_login(supervisor)
    # when
    response = client.post(merge_url(first, second), {"survivor": second.pk, "fill_blanks": "on", "confirm": "True"})
    # then
    assert response.status_code == 302
    assert response["Location"] == second.get_absolute_url()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.merged_into == second
    assert second.email == first_email  # the survivor had none
    assert Purchase.objects.filter(customer=second).count() == 1
    merge = CustomerMerge.objects.get()
    assert (merge.survivor, merge.merged, merge.merged_by) == (second, first, supervisor)
    edits = AccessLog.objects.filter(action=AccessLog.Action.EDIT, view_name="customers:customer-merge")
    assert sorted(edits.values_list("customer_id", flat=True)) == sorted([first.pk, second.pk])


def test_confirming_without_fill_blanks_keeps_the_survivor_as_it_was(client, supervisor, pair):
    # given
    first, second = pair
    client.force_login(supervisor)
    # when
    client.post(merge_url(first, second), {"survivor": second.pk, "confirm": "True"})
    # then
    second.refresh_from_db()
    assert second.email == ""


def test_a_survivor_that_is_not_one_of_the_two_is_a_form_error(client, central, supervisor, pair):
    # given
    first, second = pair
    third = person(store=central)
    client.force_login(supervisor)
    before = state_of(first, second, third)
    # when
    response = client.post(merge_url(first, second), {"survivor": third.pk, "confirm": "True"})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["survivor"]
    assert state_of(first, second, third) == before


def test_a_pair_with_a_merged_record_is_gone(client, central, supervisor, pair, admin_user):
    # given the second record was merged into another one since the list was shown
    from customers.services.data_quality import customer_merge

    first, second = pair
    other = person(store=central)
    customer_merge(by=admin_user, survivor_id=other.pk, merged_id=second.pk)
    client.force_login(supervisor)
    before = state_of(first, second)
    # when
    response = client.post(merge_url(first, second), {"survivor": first.pk, "confirm": "True"})
    # then
    assert response.status_code == 404
    assert state_of(first, second) == before


def test_a_merge_that_lost_a_race_shows_the_reason_as_a_form_error(
    client, central, supervisor, pair, admin_user, monkeypatch
):
    # given the page loaded both records just before someone else merged the second one away
    from customers.selectors import data_quality as selectors
    from customers.services.data_quality import customer_merge

    first, second = pair
    stale = selectors.duplicate_pair_get_for_user(user=supervisor, a=first.pk, b=second.pk)
    monkeypatch.setattr(selectors, "duplicate_pair_get_for_user", lambda **kwargs: stale)
    other = person(store=central)
    customer_merge(by=admin_user, survivor_id=other.pk, merged_id=second.pk)
    client.force_login(supervisor)
    before = state_of(first, second)
    # when
    response = client.post(merge_url(first, second), {"survivor": first.pk, "confirm": "True"})
    # then
    assert response.status_code == 200
    assert (
        f"Record #{second.pk} has already been merged into #{other.pk}." in response.context["form"].non_field_errors()
    )
    assert state_of(first, second) == before


@pytest.mark.parametrize("user_fixture", ["manager", "sup_tst"])
def test_merge_is_a_404_for_an_account_manager_or_another_store_and_changes_nothing(
    client, request, user_fixture, pair
):
    # given
    first, second = pair
    client.force_login(request.getfixturevalue(user_fixture))
    before = state_of(first, second)
    # when
    response = client.post(merge_url(first, second), {"survivor": first.pk, "confirm": "True"})
    # then
    assert response.status_code == 404
    assert state_of(first, second) == before


def test_a_record_of_another_store_cannot_be_merged_by_changing_the_url(client, tst, supervisor, pair):
    # given
    first, _second = pair
    elsewhere = person(store=tst)
    client.force_login(supervisor)
    before = state_of(first, elsewhere)
    # when
    response = client.post(merge_url(first, elsewhere), {"survivor": first.pk, "confirm": "True"})
    # then
    assert response.status_code == 404
    assert state_of(first, elsewhere) == before


def test_get_goes_back_to_the_comparison(client, supervisor, pair):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(merge_url(*pair))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:duplicate-compare", kwargs={"a": pair[0].pk, "b": pair[1].pk})
