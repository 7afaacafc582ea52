"""Segmentation pages: allowed and forbidden for each, flat query counts for the lists."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from privacy.models import AccessLog
from segmentation.models import Criterion, CustomerMetrics, CustomerTier, Run, Segment, SegmentMembership
from segmentation.services import run_create, run_execute
from tests.factories import (
    CriterionFactory,
    CustomerFactory,
    PurchaseFactory,
    RunFactory,
    SegmentFactory,
    TierFactory,
    UserFactory,
)


@pytest.fixture
def classified(central, tst, admin_user):
    """Two big spenders in Central, one in TST, one small spender; a VIP segment and a Gold tier, after one run."""
    people = {}
    for name, store, amount in (
        ("Ann", central, 150000),
        ("Ben", central, 120000),
        ("Tom", tst, 200000),
        ("Sam", central, 100),
    ):
        people[name] = CustomerFactory(home_store=store, name_en=name)
        PurchaseFactory(
            customer=people[name], total=Decimal(amount), purchased_on=timezone.localdate() - datetime.timedelta(days=3)
        )
    vip = SegmentFactory(criterion=CriterionFactory(name="VIP"))
    gold = TierFactory(rank=1, name="Gold", criterion=vip.criterion, grace_days=30)
    run = run_execute(run_id=run_create(by=admin_user).pk)
    assert run.status == Run.Status.SUCCEEDED, run.error
    return {"vip": vip, "gold": gold, "run": run, **people}


def _rule_post(**extra):
    """The builder's encoding of: spend in 12 months ≥ 100,000 and purchases in 12 months ≥ 1."""
    return {
        "g_n": "all",
        "f_n-0": "spend_12m",
        "o_n-0": "gte",
        "v_n-0": "100000",
        "f_n-1": "purchases_12m",
        "o_n-1": "gte",
        "v_n-1": "1",
        **extra,
    }


# ------------------------------------------------------------------------------------------ overview


@pytest.mark.django_db
def test_overview_shows_sizes_and_movement(client, admin_user, classified):
    client.force_login(admin_user)
    response = client.get(reverse("segmentation:overview"))
    assert response.status_code == 200
    assert response.context["segments"][0][1]["size"] == 3
    assert response.context["movement"]["rows"][-1]["cells"][0] == 3  # no tier → Gold: 3
    assert b"size-history" in response.content
    assert b"django_celery_beat/periodictask" in response.content  # the schedule is edited in the admin


@pytest.mark.django_db
def test_overview_is_viewable_by_an_account_manager_but_not_by_a_user_without_role(client, manager, classified):
    client.force_login(manager)
    assert client.get(reverse("segmentation:overview")).status_code == 200
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("segmentation:overview")).status_code == 404


# ------------------------------------------------------------------------------------------ criteria


@pytest.mark.django_db
def test_criterion_list_allowed_and_forbidden(client, admin_user, manager, classified):
    client.force_login(manager)
    response = client.get(reverse("segmentation:criterion-list"))
    assert response.status_code == 200
    assert b"VIP" in response.content
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("segmentation:criterion-list")).status_code == 404


@pytest.mark.django_db
def test_admin_creates_a_criterion_from_the_builder_form(client, admin_user, classified):
    client.force_login(admin_user)
    assert client.get(reverse("segmentation:criterion-create")).status_code == 200
    response = client.post(
        reverse("segmentation:criterion-create"),
        _rule_post(name="Big spenders", purpose="vip", description="", is_active="on", track_as_segment="on"),
    )
    assert response.status_code == 302
    criterion = Criterion.objects.get(name="Big spenders")
    assert criterion.rule == {
        "all": [
            {"field": "spend_12m", "op": "gte", "value": "100000.00"},
            {"field": "purchases_12m", "op": "gte", "value": 1},
        ]
    }
    assert criterion.owner == admin_user
    assert Segment.objects.get(criterion=criterion).name == "Big spenders"


@pytest.mark.django_db
def test_a_bad_rule_is_shown_back_with_its_message_and_nothing_is_saved(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("segmentation:criterion-create"),
        _rule_post(name="Broken", purpose="vip", is_active="on", **{"v_n-0": "lots"}),
    )
    assert response.status_code == 200
    assert "“lots” is not an amount" in response.content.decode()
    assert not Criterion.objects.filter(name="Broken").exists()


@pytest.mark.django_db
def test_an_account_manager_cannot_create_or_edit_criteria(client, manager, classified):
    client.force_login(manager)
    before = list(Criterion.objects.values_list("pk", "name", "rule"))
    assert client.get(reverse("segmentation:criterion-create")).status_code == 404
    assert (
        client.post(reverse("segmentation:criterion-create"), _rule_post(name="Mine", purpose="vip")).status_code == 404
    )
    url = reverse("segmentation:criterion-update", args=[classified["vip"].criterion.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _rule_post(name="Renamed", purpose="vip")).status_code == 404
    assert client.post(reverse("segmentation:criterion-builder"), _rule_post()).status_code == 404
    assert list(Criterion.objects.values_list("pk", "name", "rule")) == before


@pytest.mark.django_db
def test_admin_edits_a_criterion(client, admin_user, classified):
    client.force_login(admin_user)
    url = reverse("segmentation:criterion-update", args=[classified["vip"].criterion.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["preview"]["count"] == 3
    response = client.post(
        url, _rule_post(name="VIP", purpose="vip", is_active="on", track_as_segment="on", **{"v_n-0": "130000"})
    )
    assert response.status_code == 302
    assert Criterion.objects.get(name="VIP").rule["all"][0]["value"] == "130000.00"


@pytest.mark.django_db
def test_the_builder_adds_and_removes_conditions_and_previews_visible_customers_only(
    client, supervisor, admin_user, classified
):
    # given an admin: sees every store
    client.force_login(admin_user)
    url = reverse("segmentation:criterion-builder")
    response = client.post(url, _rule_post(action="add_group", target="n"))
    assert response.status_code == 200
    # the new group's condition has no value yet: the preview says so instead of counting
    assert "Item 3.1: Spend, last 12 months (HKD): enter a value." in response.context["rule_errors"]
    tree = response.context["builder"]["root"]
    assert [c["number"] for c in tree["children"]] == ["1", "2", "3"]
    assert tree["children"][2]["is_group"]
    response = client.post(url, _rule_post(action="remove", target="n-1"))
    assert len(response.context["builder"]["root"]["children"]) == 1
    assert response.context["preview"]["count"] == 3
    response = client.post(url, _rule_post(**{"v_n-0": "not money"}))
    assert "is not an amount" in " ".join(response.context["rule_errors"])
    assert Criterion.objects.count() == 1  # the builder never saves


@pytest.mark.django_db
def test_the_preview_counts_only_what_the_user_may_see(client, classified):
    # a supervisor of Central who may add criteria (e.g. given the permission) sees Central's two
    from django.contrib.auth.models import Permission

    from tests.factories import SupervisorFactory

    sup = SupervisorFactory(username="sup-x", stores=[classified["Ann"].home_store])
    sup.user_permissions.add(Permission.objects.get(codename="add_criterion"))
    client.force_login(sup)
    response = client.post(reverse("segmentation:criterion-builder"), _rule_post())
    assert response.context["preview"]["count"] == 2
    assert {c.name_en for c in response.context["preview"]["sample"]} == {"Ann", "Ben"}


# ------------------------------------------------------------------------------------------ members


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_member_lists_show_visible_members_in_a_flat_number_of_queries(client, manager, classified, central):
    client.force_login(manager)
    urls = [
        reverse("segmentation:segment-detail", args=[classified["vip"].pk]),
        reverse("segmentation:tier-detail", args=[classified["gold"].pk]),
        reverse("segmentation:rfm-detail", args=["lost"]),
    ]
    response = client.get(urls[0])
    assert {row.customer.name_en for row in response.context["rows"]} == {"Ann", "Ben"}  # not Tom (TST)
    before = [_queries(client, url) for url in urls]
    # when ten more members appear
    run = RunFactory()
    for i in range(10):
        customer = CustomerFactory(home_store=central, name_en=f"More {i}")
        SegmentMembership.objects.create(
            segment=classified["vip"], customer=customer, entered_run=run, entered_at=timezone.now()
        )
        CustomerTier.objects.create(customer=customer, tier=classified["gold"], since=timezone.now(), since_run=run)
    # then the pages cost the same
    assert [_queries(client, url) for url in urls] == before
    assert before == [8, 8, 7]  # segment, tier, RFM segment (issue #10: exact, and the same with more rows)


@pytest.mark.django_db
def test_member_lists_are_hidden_from_a_user_without_role(client, classified):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("segmentation:segment-detail", args=[classified["vip"].pk])).status_code == 404
    assert client.get(reverse("segmentation:tier-detail", args=[classified["gold"].pk])).status_code == 404


@pytest.mark.django_db
def test_export_writes_the_members_and_an_access_record_each(client, supervisor, classified):
    client.force_login(supervisor)  # supervisors may export personal data
    response = client.get(reverse("segmentation:segment-export", args=[classified["vip"].pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "Ann" in body
    assert "Ben" in body
    assert "Tom" not in body
    logged = set(
        AccessLog.objects.filter(user=supervisor, action=AccessLog.Action.EXPORT).values_list(
            "customer__name_en", flat=True
        )
    )
    assert logged == {"Ann", "Ben"}


@pytest.mark.django_db
def test_export_is_refused_without_the_export_permission(client, manager, classified):
    client.force_login(manager)
    for name, arg in (
        ("segment-export", classified["vip"].pk),
        ("tier-export", classified["gold"].pk),
        ("rfm-export", "lost"),
    ):
        assert client.get(reverse(f"segmentation:{name}", args=[arg])).status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


# ------------------------------------------------------------------------------------------ runs


@pytest.mark.django_db
def test_runs_list_detail_and_progress(client, manager, classified):
    client.force_login(manager)
    assert client.get(reverse("segmentation:run-list")).status_code == 200
    run = classified["run"]
    response = client.get(reverse("segmentation:run-detail", args=[run.pk]))
    assert response.status_code == 200
    assert b"movement-matrix" in response.content
    response = client.get(reverse("segmentation:run-progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_runs_list_query_count_is_flat(client, admin_user):
    client.force_login(admin_user)
    RunFactory()
    before = _queries(client, reverse("segmentation:run-list"))
    for _i in range(10):
        RunFactory(started_by=admin_user)
    assert _queries(client, reverse("segmentation:run-list")) == before


@pytest.mark.django_db
def test_admin_starts_a_run_by_hand(client, admin_user, django_capture_on_commit_callbacks, monkeypatch):
    from segmentation import tasks

    sent = []
    monkeypatch.setattr(tasks.segmentation_run, "delay", lambda **kw: sent.append(kw))
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("segmentation:run-start"))
    run = Run.objects.get()
    assert response.status_code == 302
    assert response.url == run.get_absolute_url()
    assert sent == [{"run_id": run.pk}]
    # a second start while it waits is refused with a message
    response = client.post(reverse("segmentation:run-start"), follow=True)
    assert "already under way" in response.content.decode()
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_an_account_manager_cannot_start_a_run(client, manager):
    client.force_login(manager)
    assert client.post(reverse("segmentation:run-start")).status_code == 404
    assert not Run.objects.exists()
    assert not CustomerMetrics.objects.exists()
