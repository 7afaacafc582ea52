"""The demo data's churn scores (on SQLite and on PostgreSQL: the write path has one branch for each)."""

import datetime
import io

import pytest
from django.core.management import call_command

from churn.demo import demo_scores_ensure
from churn.models import CustomerScore, ScoringRun
from customers.demo import DEMO_TODAY
from customers.models import Customer


@pytest.mark.django_db
def test_loading_the_demo_scores_its_customers_once():
    # when
    out = io.StringIO()
    call_command("load_demo_data", customers=80, stdout=out)
    # then: 80 customers are too few for the model, and the output says so
    run = ScoringRun.objects.get(as_of=DEMO_TODAY)  # (the other: the demo playbooks' first round, 120 days before)
    assert (run.status, run.as_of, run.method) == ("succeeded", DEMO_TODAY, "rfm")
    assert run.fallback_reason == "too_little_data"
    buyers = Customer.objects.filter(purchases__total__gt=0).distinct().count()
    assert CustomerScore.objects.count() == run.customers_scored == buyers
    assert "Churn scores for" in out.getvalue()
    assert "RFM fall-back (too_little_data" in out.getvalue()
    # and a second load does not score again
    assert demo_scores_ensure() is None
    assert ScoringRun.objects.filter(as_of=DEMO_TODAY).count() == 1


@pytest.mark.django_db
def test_loading_the_demo_makes_playbooks_with_two_rounds_and_outcomes():
    from churn.demo import PLAYBOOK_DAYS_BEFORE, demo_playbooks_ensure
    from churn.models import Playbook, RemedyAction
    from churn.selectors import playbook_report

    # when
    out = io.StringIO()
    call_command("load_demo_data", customers=150, stdout=out)
    # then two playbooks took customers up 120 days ago and today, and the first round has outcomes
    assert Playbook.objects.count() == 2
    then = DEMO_TODAY - datetime.timedelta(days=PLAYBOOK_DAYS_BEFORE)
    assert RemedyAction.objects.filter(assigned_on=then).exists()
    assert RemedyAction.objects.filter(assigned_on=DEMO_TODAY).exists()
    assert RemedyAction.objects.filter(assigned_on=then).exclude(outcome="open").exists()
    assert not RemedyAction.objects.filter(group="control").exclude(outcome="open").exists()
    # the voucher by SMS reached only customers who agreed to SMS about new releases
    voucher = Playbook.objects.get(kind="voucher")
    assert RemedyAction.objects.filter(playbook=voucher, group="skipped").exists()
    # the current scores are as of the demo's today
    assert set(CustomerScore.objects.values_list("as_of", flat=True)) == {DEMO_TODAY}
    assert "Remedy playbooks: 2 playbooks" in out.getvalue()
    assert "Churn scores for" in out.getvalue()
    report = playbook_report(playbook=Playbook.objects.get(kind="service_check"), today=DEMO_TODAY)
    assert report["treated"].customers > 0
    # and a second load changes nothing
    count = RemedyAction.objects.count()
    assert demo_playbooks_ensure() is None
    call_command("load_demo_data", customers=150, stdout=io.StringIO())
    assert RemedyAction.objects.count() == count
