"""The churn pages: who may open them, what they show, what they cost in queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from churn.models import ChurnReason, CustomerScore, ScoreDisagreement
from tests.factories import (
    ChurnReasonFactory,
    CustomerFactory,
    CustomerScoreFactory,
    ScoreDisagreementFactory,
    ScoringRunFactory,
)

AT_RISK = reverse("churn:at-risk")
MODEL_CARD = reverse("churn:model-card")
WASTAGE = reverse("churn:wastage")


@pytest.fixture
def run(db):
    return ScoringRunFactory(
        customers_scored=3,
        band_counts={"low": 1, "watch": 0, "high": 1, "lost": 1},
        backtest={
            "customers": 900,
            "calibration_end": "2025-11-20",
            "holdout": {
                "length": 52,
                "auc": 0.743,
                "baseline_auc": 0.736,
                "actual_repeat_purchases": 2621,
                "expected_repeat_purchases": 2222.0,
                "top_decile_lift": 1.46,
                "calibration_by_decile": [],
            },
        },
        diagnostics={"repeat_buyers": 600, "converged": True, "at_bound": []},
        config={"bands": {"watch_from": 0.7, "high_from": 0.85, "lost_from": 0.93}, "annual_discount_rate": 0.08},
    )


@pytest.fixture
def scored(customer, run):
    """``customer`` (Central, in ``manager``'s book) with a high-risk score."""
    return CustomerScoreFactory(customer=customer, run=run)


@pytest.fixture
def other_store_score(tst, run):
    return CustomerScoreFactory(
        customer=CustomerFactory(home_store=tst, name_en="Other Store Lee"), run=run, band="lost", risk=0.97
    )


# --- the at-risk list -------------------------------------------------------------------------------


def test_the_at_risk_list_shows_visible_customers_riskiest_first(
    client, supervisor, scored, other_store_score, run, central
):
    # given a lost customer of the same store, a low-risk one, and one of another store
    lost = CustomerScoreFactory(
        customer=CustomerFactory(home_store=central, name_en="Lost Wong"), run=run, band="lost", risk=0.96
    )
    CustomerScoreFactory(
        customer=CustomerFactory(home_store=central, name_en="Happy Ho"), run=run, band="low", risk=0.3
    )
    client.force_login(supervisor)
    # when
    response = client.get(AT_RISK)
    # then
    assert response.status_code == 200
    assert [score.customer_id for score in response.context["scores"]] == [lost.customer_id, scored.customer_id]
    assert response.context["band_counts"] == {"low": 1, "watch": 0, "high": 1, "lost": 1}
    assert "Other Store Lee" not in response.content.decode()


def test_the_at_risk_list_filters_by_band_and_flags_disputes_and_reasons(client, manager, scored, run, central):
    # given
    ScoreDisagreementFactory(customer=scored.customer, recorded_by=manager)
    ChurnReasonFactory(customer=scored.customer, recorded_by=manager, reason="price")
    CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, band="lost", risk=0.96)
    client.force_login(manager)
    # when
    response = client.get(AT_RISK, {"band": "high"})
    # then
    (row,) = response.context["scores"]
    assert row.customer_id == scored.customer_id
    assert row.disputed is True
    assert row.reason_label == "Price"
    assert "Score disputed" in response.content.decode()


def test_the_at_risk_list_costs_the_same_queries_for_many_rows(
    client, supervisor, run, central, django_assert_num_queries
):
    # given
    client.force_login(supervisor)
    CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run)
    client.get(AT_RISK)
    for _ in range(15):
        CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run)
    # when / then: session, user, roles/permissions (2), stores for the filter, band counts, page (the
    # paginator's count is the sum of the band counts: no COUNT query of its own)
    with django_assert_num_queries(8):
        response = client.get(AT_RISK)
    assert len(response.context["scores"]) == 16


def test_the_at_risk_list_is_not_for_users_without_the_permission(client, db, scored):
    # given a signed-in user with no role
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    # when / then
    assert client.get(AT_RISK).status_code == 404


# --- the model card ---------------------------------------------------------------------------------


def test_the_model_card_shows_the_backtest_against_the_baseline(client, supervisor, run):
    client.force_login(supervisor)
    response = client.get(MODEL_CARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="model-auc">0.743' in html
    assert 'data-testid="baseline-auc">0.736' in html
    assert 'data-testid="model-notice"' in html


def test_the_model_card_says_when_the_scores_come_from_the_fallback(client, admin_user, db):
    # given a run that fell back, then a failed run
    ScoringRunFactory(
        method="rfm", fallback_reason="worse_than_baseline", fallback_detail="AUC 0.61 against 0.70", params={}
    )
    ScoringRunFactory(status="failed", error="RuntimeError: boom", method="")
    client.force_login(admin_user)
    # when
    html = client.get(MODEL_CARD).content.decode()
    # then
    assert 'data-testid="fallback-notice"' in html
    assert "worse than the simple R+F+M score" in html
    assert "AUC 0.61 against 0.70" in html
    assert 'data-testid="failed-run"' in html


def test_account_managers_do_not_see_the_model_card(client, manager, run):
    client.force_login(manager)
    assert client.get(MODEL_CARD).status_code == 404


# --- the customer page panel ------------------------------------------------------------------------


def test_the_customer_page_explains_the_score(client, supervisor, scored):
    # given
    client.force_login(supervisor)
    # when
    html = client.get(scored.customer.get_absolute_url()).content.decode()
    # then: last purchase, usual rhythm, what the model expects
    assert 'data-testid="churn-panel"' in html
    assert "Last purchase on" in html
    assert "210 days ago" in html
    assert "Usually buys every 345 days (3 purchase days so far)." in html
    assert "The model expects 0.13 purchases in the next 90 days and 0.50 in the next year." in html
    assert "88.0 %" in html


def test_the_panel_shows_disputes_and_the_reason(client, manager, scored):
    # given
    ScoreDisagreementFactory(customer=scored.customer, recorded_by=manager, note="Buys at Chinese New Year only.")
    ChurnReasonFactory(customer=scored.customer, recorded_by=manager, reason="moved_away", note="Singapore")
    client.force_login(manager)
    # when
    html = client.get(scored.customer.get_absolute_url()).content.decode()
    # then
    assert "This score is disputed" in html
    assert "Buys at Chinese New Year only." in html
    assert "Left because: Moved away" in html


def test_the_panel_of_an_rfm_score_says_the_model_was_not_trusted(client, supervisor, scored):
    CustomerScore.objects.filter(pk=scored.pk).update(method="rfm", rfm="243", probability_alive=None)
    client.force_login(supervisor)
    html = client.get(scored.customer.get_absolute_url()).content.decode()
    assert "R 2, F 4, M 3 of 5" in html


def test_a_customer_without_a_score_gets_a_plain_note(client, manager, customer):
    client.force_login(manager)
    html = client.get(customer.get_absolute_url()).content.decode()
    assert "No churn score yet" in html


# --- disagreement -----------------------------------------------------------------------------------


def test_an_account_manager_records_the_customers_disagreement(client, manager, scored):
    # given
    client.force_login(manager)
    url = reverse("churn:score-disagreement-create", kwargs={"customer_pk": scored.customer_id})
    # when
    response = client.post(url, {"source": "customer", "note": "Buys every two years."})
    # then
    assert response.status_code == 302
    item = ScoreDisagreement.objects.get()
    assert (item.customer_id, item.source, item.recorded_by) == (scored.customer_id, "customer", manager)
    assert (item.disputed_band, item.disputed_risk, item.disputed_as_of) == ("high", 0.88, scored.as_of)


def test_a_disagreement_needs_a_reason(client, manager, scored):
    client.force_login(manager)
    url = reverse("churn:score-disagreement-create", kwargs={"customer_pk": scored.customer_id})
    response = client.post(url, {"source": "staff", "note": "   "})
    assert response.status_code == 200
    assert not ScoreDisagreement.objects.exists()


def test_another_stores_manager_cannot_dispute_a_score(client, other_manager, scored):
    # given
    client.force_login(other_manager)
    url = reverse("churn:score-disagreement-create", kwargs={"customer_pk": scored.customer_id})
    # when
    response = client.post(url, {"source": "staff", "note": "Not so."})
    # then
    assert response.status_code == 404
    assert not ScoreDisagreement.objects.exists()


def test_there_is_nothing_to_dispute_without_a_score(client, manager, customer):
    client.force_login(manager)
    url = reverse("churn:score-disagreement-create", kwargs={"customer_pk": customer.pk})
    response = client.post(url, {"source": "staff", "note": "Not so."})
    assert "no churn score yet" in response.content.decode()
    assert not ScoreDisagreement.objects.exists()


# --- churn reason -----------------------------------------------------------------------------------


def test_an_account_manager_records_why_a_customer_left(client, manager, scored):
    client.force_login(manager)
    url = reverse("churn:churn-reason-create", kwargs={"customer_pk": scored.customer_id})
    response = client.post(url, {"reason": "competitor", "note": "Bought at the shop across the road."})
    assert response.status_code == 302
    reason = ChurnReason.objects.get()
    assert (reason.customer_id, reason.reason, reason.recorded_by) == (scored.customer_id, "competitor", manager)


def test_a_privacy_officer_cannot_record_a_churn_reason(client, privacy_officer, scored):
    client.force_login(privacy_officer)
    url = reverse("churn:churn-reason-create", kwargs={"customer_pk": scored.customer_id})
    response = client.post(url, {"reason": "price"})
    assert response.status_code == 404
    assert not ChurnReason.objects.exists()


# --- the wastage assessment ---------------------------------------------------------------------------


def test_the_wastage_report_sums_lapsed_and_lost_value_by_store_manager_period_and_reason(
    client, supervisor, manager, scored, run, central
):
    # given a lost customer of the manager, last seen in an earlier quarter, who left for a competitor
    gone = CustomerScoreFactory(
        customer=CustomerFactory(home_store=central, account_manager=manager),
        run=run,
        band="lost",
        risk=0.97,
        last_purchase_on=datetime.date(2024, 2, 10),
        spend_12m=Decimal("80000"),
        expected_value_12m=Decimal("500"),
    )
    ChurnReasonFactory(customer=gone.customer, recorded_by=manager, reason="competitor")
    CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, band="low", risk=0.2)
    client.force_login(supervisor)
    # when
    response = client.get(WASTAGE)
    # then
    report = response.context["report"]
    assert report["total"] == {
        "customers": 2,
        "lapsed": 1,
        "lost": 1,
        "spend_12m": Decimal("125000.00"),
        "clv": Decimal("12500.00"),
    }
    assert [(row["label"], row["lapsed"], row["lost"]) for row in report["by_store"]] == [("Central", 1, 1)]
    assert {row["label"] for row in report["by_quarter"]} >= {"2024 Q1"}
    assert [(row["reason"], row["customers"]) for row in report["by_reason"]] == [("competitor", 1), (None, 1)]
    # and filtered by the period of the last purchase
    response = client.get(WASTAGE, {"since": "2024-01-01", "until": "2024-03-31"})
    assert [score.customer_id for score in response.context["scores"]] == [gone.customer_id]
    assert response.context["scores"][0].reason_label == "Went to a competitor"


def test_account_managers_do_not_see_the_wastage_report(client, manager, scored):
    client.force_login(manager)
    assert client.get(WASTAGE).status_code == 404


def test_the_wastage_report_costs_the_same_queries_for_many_rows(
    client, supervisor, run, central, django_assert_num_queries
):
    client.force_login(supervisor)
    CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run)
    client.get(WASTAGE)
    for _ in range(10):
        CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, band="lost", risk=0.97)
    # session, user, roles, permissions (2), stores, managers and tiers for the filter (3), the report (one
    # grouped query, whose total is the paginator's count; the names of stores, users and tiers; the latest
    # reasons), page
    with django_assert_num_queries(14):
        client.get(WASTAGE)


def test_the_wastage_report_breaks_down_and_filters_by_tier_and_links_to_complaints(
    client, supervisor, scored, run, central
):
    from segmentation.models import CustomerTier
    from tests.factories import RunFactory, TierFactory

    # given a lost customer in the Gold tier besides ``scored`` (no tier)
    gold = TierFactory(name="Gold")
    gone = CustomerScoreFactory(customer=CustomerFactory(home_store=central), run=run, band="lost", risk=0.97)
    segmentation_run = RunFactory()
    CustomerTier.objects.create(
        customer=gone.customer, tier=gold, since=segmentation_run.created_at, since_run=segmentation_run
    )
    client.force_login(supervisor)
    # when
    response = client.get(WASTAGE)
    # then the tier breakdown has Gold and "No tier", and each row links to the customer's complaints
    rows = {row["label"]: (row["lapsed"], row["lost"]) for row in response.context["report"]["by_tier"]}
    assert rows == {"Gold": (0, 1), "No tier": (1, 0)}
    body = response.content.decode()
    assert f'href="{gone.customer.get_absolute_url()}#complaints"' in body
    # and filtered by tier
    response = client.get(WASTAGE, {"tier": gold.pk})
    assert [score.customer_id for score in response.context["scores"]] == [gone.customer_id]
    assert response.context["report"]["total"]["customers"] == 1
