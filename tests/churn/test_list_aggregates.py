"""The churn lists' counts and the wastage assessment's breakdowns, computed the scalable way (issue #10):
the at-risk list's count from the band counts, the wastage list's count from the report, the report from one
grouped query and the latest reasons. Each is checked against a plain reference: the list's own COUNT, or the
breakdowns recomputed here customer by customer."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from churn import selectors
from churn.models import ChurnReason, CustomerScore
from customers.models import Customer
from tests.factories import (
    ChurnReasonFactory,
    CustomerFactory,
    CustomerScoreFactory,
    RunFactory,
    ScoringRunFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

AT_RISK = reverse("churn:at-risk")
WASTAGE = reverse("churn:wastage")


@pytest.fixture
def run(db):
    return ScoringRunFactory()


@pytest.fixture
def book(run, central, tst, manager, colleague, other_manager):
    """Scores in both stores, in every band; managers and none; two tiers and none; several quarters; a NULL
    expected value; a merged customer; reasons recorded more than once (the latest counts)."""
    from segmentation.models import CustomerTier

    gold, silver = TierFactory(name="Gold", rank=1), TierFactory(name="Silver", rank=2)
    segmentation_run = RunFactory()
    plan = [
        # store, manager, tier, band, risk, last purchase, spend, expected value
        (central, manager, gold, "high", 0.88, datetime.date(2025, 2, 3), "45000.00", "12000.00"),
        (central, manager, silver, "lost", 0.97, datetime.date(2024, 5, 20), "80000.00", "500.00"),
        (central, manager, None, "lost", 0.95, datetime.date(2024, 6, 30), "1000.50", None),
        (central, colleague, gold, "high", 0.86, datetime.date(2025, 1, 1), "300.25", "10.00"),
        (central, colleague, None, "high", 0.86, datetime.date(2023, 12, 31), "700.00", "20.00"),
        (central, None, silver, "lost", 0.99, datetime.date(2024, 4, 1), "5000.00", "0.00"),
        (central, None, None, "watch", 0.75, datetime.date(2025, 3, 3), "999.00", "99.00"),
        (central, manager, gold, "low", 0.20, datetime.date(2025, 3, 3), "888.00", "88.00"),
        (tst, other_manager, gold, "lost", 0.94, datetime.date(2024, 5, 5), "7000.00", "70.00"),
        (tst, other_manager, None, "high", 0.90, datetime.date(2025, 2, 2), "6000.00", None),
    ]
    scores = []
    for store, account_manager, tier, band, risk, last, spend, value in plan:
        customer = CustomerFactory(home_store=store, account_manager=account_manager)
        if tier is not None:
            CustomerTier.objects.create(
                customer=customer, tier=tier, since=segmentation_run.created_at, since_run=segmentation_run
            )
        scores.append(
            CustomerScoreFactory(
                customer=customer,
                run=run,
                band=band,
                risk=risk,
                last_purchase_on=last,
                spend_12m=Decimal(spend),
                expected_value_12m=Decimal(value) if value is not None else None,
            )
        )
    # a merged record's score is nobody's
    merged = CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, band="lost", risk=0.99)
    Customer.objects.filter(pk=merged.customer_id).update(merged_into=scores[0].customer)
    # reasons: a later one replaces an earlier; on the same instant the later record (higher id) counts
    when = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.UTC)
    for score, reasons in [
        (scores[1], [("price", when), ("competitor", when + datetime.timedelta(days=3))]),
        (scores[2], [("service_experience", when), ("moved_away", when)]),
        (scores[3], [("price", when)]),
        (scores[8], [("complaint", when)]),
    ]:
        for reason, at in reasons:
            record = ChurnReasonFactory(customer=score.customer, recorded_by=manager, reason=reason)
            ChurnReason.objects.filter(pk=record.pk).update(created_at=at)
    return scores


def _in_order(keys):
    """Keys in ``ORDER BY`` order on this database: NULLs last on PostgreSQL, first on SQLite (ASCII names)."""
    largest = connection.features.nulls_order_largest

    def key(values):
        return tuple(
            ((value is None) if largest else (value is not None), 0 if value is None else value) for value in values
        )

    return sorted(keys, key=key)


def _reference(user, **filters) -> dict:
    """The wastage breakdowns recomputed customer by customer, with the ORM's plain reads."""
    visible = Customer.objects.visible_to(user)
    rows = []
    for score in CustomerScore.objects.filter(customer__in=visible, band__in=["high", "lost"]).select_related(
        "customer__home_store", "customer__account_manager"
    ):
        customer = score.customer
        holding = getattr(customer, "tier_holding", None)
        latest = ChurnReason.objects.filter(customer=customer).order_by("-created_at", "-id").first()
        last = score.last_purchase_on
        manager = customer.account_manager
        row = {
            "store": (customer.home_store.name,),
            "manager": (manager.first_name, manager.last_name, manager.username) if manager else (None, None, None),
            "tier": (holding.tier.rank, holding.tier.name) if holding else (None, None),
            "quarter": (last.replace(month=(last.month - 1) // 3 * 3 + 1, day=1),),
            "reason": latest.reason if latest else None,
            "customer": customer,
            "score": score,
        }
        if filters.get("account_manager_id") and customer.account_manager_id != filters["account_manager_id"]:
            continue
        if filters.get("reason") and row["reason"] != filters["reason"]:
            continue
        rows.append(row)

    def figures(selected):
        values = [row["score"].expected_value_12m for row in selected if row["score"].expected_value_12m is not None]
        return {
            "lapsed": sum(row["score"].band == "high" for row in selected),
            "lost": sum(row["score"].band == "lost" for row in selected),
            "spend_12m": sum((row["score"].spend_12m for row in selected), Decimal("0")) if selected else None,
            "clv": sum(values, Decimal("0")) if values else None,
        }

    def breakdown(dimension, fields):
        keys = _in_order({row[dimension] for row in rows})
        return [
            {**dict(zip(fields, key, strict=True)), **figures([row for row in rows if row[dimension] == key])}
            for key in keys
        ]

    reasons = {}
    for row in rows:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    return {
        "total": {"customers": len(rows), **figures(rows)},
        "by_store": breakdown("store", selectors.STORE_FIELDS),
        "by_manager": breakdown("manager", selectors.MANAGER_FIELDS),
        "by_tier": breakdown("tier", selectors.TIER_FIELDS),
        "by_quarter": breakdown("quarter", ("quarter",)),
        "by_reason": [
            (reason, count)
            for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
        ],
    }


def _comparable(report: dict) -> dict:
    result = {key: report[key] for key in ("total", "by_store", "by_manager", "by_tier")}
    result["by_quarter"] = [
        {key: value for key, value in row.items() if key != "label"}
        | {"quarter": row["quarter"].date() if isinstance(row["quarter"], datetime.datetime) else row["quarter"]}
        for row in report["by_quarter"]
    ]
    result["by_reason"] = [(row["reason"], row["customers"]) for row in report["by_reason"]]
    return result


@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_the_wastage_breakdowns_equal_a_customer_by_customer_count(request, book, who):
    user = request.getfixturevalue(who)
    # when
    report = selectors.wastage_report(user=user)
    # then
    assert _comparable(report) == _reference(user)
    assert report["total"]["customers"] == (8 if who == "admin_user" else 6)  # not the merged one


def test_the_wastage_breakdowns_follow_the_filters(supervisor, book, colleague):
    # a tie: one of the colleague's customers left over price, the other has no reason recorded (last)
    report = selectors.wastage_report(user=supervisor, account_manager_id=colleague.pk)
    assert _comparable(report) == _reference(supervisor, account_manager_id=colleague.pk)
    assert [(row["reason"], row["customers"]) for row in report["by_reason"]] == [("price", 1), (None, 1)]
    # filtered by reason: the latest reason only (customer 1's earlier "price" does not count)
    report = selectors.wastage_report(user=supervisor, reason="price")
    assert _comparable(report) == _reference(supervisor, reason="price")
    assert report["total"]["customers"] == 1


def test_the_wastage_report_of_nobody_is_empty(supervisor, run):
    report = selectors.wastage_report(user=supervisor)
    assert report["total"] == {"customers": 0, "lapsed": 0, "lost": 0, "spend_12m": None, "clv": None}
    assert all(report[name] == [] for name in ("by_store", "by_manager", "by_tier", "by_quarter", "by_reason"))


@pytest.mark.parametrize(
    "params", [{}, {"account_manager": "manager"}, {"since": "2024-05-01", "until": "2024-12-31"}, {"reason": "price"}]
)
def test_the_wastage_list_is_counted_by_the_report(client, request, supervisor, book, params):
    params = {
        key: request.getfixturevalue(value).pk if key == "account_manager" else value for key, value in params.items()
    }
    client.force_login(supervisor)
    response = client.get(WASTAGE, params)
    view = response.context["view"]
    expected = selectors.wastage_scores(user=supervisor, **view.get_filters()).count()
    assert response.context["paginator"].count == expected == response.context["report"]["total"]["customers"]
    assert len(response.context["scores"]) == expected


def test_the_wastage_list_pages_by_spend(client, supervisor, run, central):
    # given 30 lapsed customers, some with the same spend (then by customer number)
    scores = [
        CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, spend_12m=Decimal(1000 + i % 7))
        for i in range(30)
    ]
    client.force_login(supervisor)
    expected = [s.customer_id for s in sorted(scores, key=lambda s: (-s.spend_12m, s.customer_id))]
    # when
    first, second = client.get(WASTAGE), client.get(WASTAGE, {"page": 2})
    # then
    assert first.context["paginator"].count == 30
    assert first.context["paginator"].num_pages == 2
    assert [s.customer_id for s in first.context["scores"]] + [s.customer_id for s in second.context["scores"]] == (
        expected
    )


@pytest.mark.parametrize("params", [{}, {"band": "high"}, {"band": "lost"}, {"band": "watch"}, {"store": "central"}])
def test_the_at_risk_list_is_counted_by_the_band_counts(client, request, supervisor, book, params):
    params = {key: request.getfixturevalue(value).pk if key == "store" else value for key, value in params.items()}
    client.force_login(supervisor)
    response = client.get(AT_RISK, params)
    view = response.context["view"]
    expected = selectors.at_risk_list(user=supervisor, **view.get_filters()).count()
    assert response.context["paginator"].count == expected
    assert len(response.context["scores"]) == expected
    assert sum(response.context["band_counts"].values()) == 8  # every visible score, the low one too


def test_the_at_risk_list_pages_riskiest_first(client, manager, run, central):
    # given 40 at-risk customers, many with the same risk (then by customer number), and low-risk ones
    scores = [
        CustomerScoreFactory(
            customer=CustomerFactory(home_store=central),
            run=run,
            band=["watch", "high", "lost"][i % 3],
            risk=[0.75, 0.9, 0.95][i % 3] + (i % 2) / 1000,
        )
        for i in range(40)
    ]
    for _ in range(5):
        CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, band="low", risk=0.99)
    client.force_login(manager)
    expected = [s.customer_id for s in sorted(scores, key=lambda s: (-s.risk, s.customer_id))]
    # when
    first, second = client.get(AT_RISK), client.get(AT_RISK, {"page": 2})
    # then (the low band is not in the list, even where its risk is higher)
    assert first.context["paginator"].count == 40
    assert [s.customer_id for s in first.context["scores"]] + [s.customer_id for s in second.context["scores"]] == (
        expected
    )
    assert client.get(AT_RISK, {"page": 3}).status_code == 404


def test_stores_of_the_same_name_are_one_row_as_before(admin_user, book, run):
    from tests.factories import StoreFactory

    # given a second store also called "Central", with a lost customer
    twin = StoreFactory(code="central-annex", name="Central")
    CustomerScoreFactory(customer=CustomerFactory(home_store=twin), run=run, band="lost", risk=0.96)
    # when
    report = selectors.wastage_report(user=admin_user)
    # then (the breakdown groups by the store's name)
    assert _comparable(report) == _reference(admin_user)
    assert [row["customer__home_store__name"] for row in report["by_store"]] == ["Central", "Tsim Sha Tsui"]
