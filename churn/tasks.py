"""Celery tasks of the churn app. Thin: each one calls a service."""

from celery import shared_task
from django.db import OperationalError

import churn.services.scoring as scoring


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def churn_score() -> dict:
    """Score every customer (nightly, after the metrics refresh). Returns the run's id and counts.

    Cannot overlap itself (an advisory lock: a second run while one is under way returns {"skipped": True}),
    and is idempotent: a rerun on the same day computes the same scores and rewrites no row.
    """
    run = scoring.scoring_run()
    if run is None:
        return {"skipped": True}
    return {"run": run.pk, "customers": run.customers_scored, "method": run.method, "bands": run.band_counts}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def remedy_playbooks() -> dict:
    """Apply the active remedy playbooks (nightly, after the churn scoring). Returns the run's id and counts.

    Cannot overlap itself (an advisory lock: {"skipped": True}) and is idempotent: actions and control-group
    members are created once per playbook, customer and period.
    """
    from churn.services import playbooks

    run = playbooks.playbooks_run()
    if run is None:
        return {"skipped": True}
    return {"run": run.pk, "counts": run.counts}
