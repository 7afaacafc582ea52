import datetime

import pytest
from django.core.management import CommandError, call_command

from reports.models import KpiTarget, ReportDefinition, SnapshotRun


def test_reports_demo_writes_snapshots_targets_and_a_report(settings, central, monkeypatch):
    from reports import demo
    from tests.factories import SupervisorFactory

    settings.DEMO_MODE = True
    monkeypatch.setattr(demo, "DEMO_DAYS", 2)
    SupervisorFactory(username="sup.central", stores=[central])
    call_command("load_reports_demo", stdout=None)
    days = sorted(SnapshotRun.objects.values_list("day", flat=True))
    assert len(days) == 4
    assert days[-1] - days[0] > datetime.timedelta(days=360)  # the same days a year before
    assert KpiTarget.objects.filter(code="csat").exists()
    report = ReportDefinition.objects.get(name="Central weekly")
    assert list(report.stores.all()) == [central]
    from reports.models import Programme

    assert Programme.objects.get(kind="goodwill").budgets.count() == 1
    call_command("load_reports_demo", stdout=None)  # again: no second report
    assert ReportDefinition.objects.count() == 1
    runs = SnapshotRun.objects.count()
    call_command("load_reports_demo", "--if-empty", stdout=None)  # as scripts/run: snapshots exist, so nothing
    assert SnapshotRun.objects.count() == runs


def test_reports_demo_refused_outside_demo_mode(settings, db):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("load_reports_demo")
    assert not SnapshotRun.objects.exists()
