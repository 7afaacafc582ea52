"""The demo data's churn scores (on SQLite and on PostgreSQL: the write path has one branch for each)."""

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
    run = ScoringRun.objects.get()
    assert (run.status, run.as_of, run.method) == ("succeeded", DEMO_TODAY, "rfm")
    assert run.fallback_reason == "too_little_data"
    buyers = Customer.objects.filter(purchases__total__gt=0).distinct().count()
    assert CustomerScore.objects.count() == run.customers_scored == buyers
    assert "Churn scores for" in out.getvalue()
    assert "RFM fall-back (too_little_data" in out.getvalue()
    # and a second load does not score again
    assert demo_scores_ensure() is None
    assert ScoringRun.objects.count() == 1
