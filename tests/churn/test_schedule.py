"""The scoring job's place in the nightly schedule."""

import pytest
from django_celery_beat.models import PeriodicTask

from crm_site.schedules import schedules_sync


@pytest.mark.django_db
def test_the_scoring_is_scheduled_after_the_metrics_refresh_and_admins_can_change_it():
    # when
    schedules_sync()
    # then
    metrics = PeriodicTask.objects.get(name="segmentation-metrics-refresh").crontab
    churn = PeriodicTask.objects.get(name="churn-score")
    assert churn.task == "churn.tasks.churn_score"
    assert (int(churn.crontab.hour), int(churn.crontab.minute)) > (int(metrics.hour), int(metrics.minute))
    # and an admin's change survives the next sync
    PeriodicTask.objects.filter(pk=churn.pk).update(enabled=False)
    schedules_sync()
    assert PeriodicTask.objects.get(name="churn-score").enabled is False
