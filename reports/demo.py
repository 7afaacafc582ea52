"""Demo data of the reports app: KPI snapshots for the recent weeks and the same weeks a year before (so the
dashboard has a previous period and a year-ago comparison), a few targets, one weekly report and a goodwill
programme with this year's budget."""

import datetime
from decimal import Decimal

from django.utils import timezone

from crm_site.models import User
from customers.models import Store
from reports.models import KpiTarget, Programme, ProgrammeBudget, ReportDefinition
from reports.services import definitions
from reports.services.snapshots import snapshot_backfill

DEMO_DAYS = 95  # enough for "last 90 days" and the 30 days before a 30-day period
DEMO_TARGETS = {
    "retention_rate": "0.70",
    "csat": "0.85",
    "complaints_overdue": "0",
    "acknowledged_in_sla_share": "0.95",
    "resolved_in_sla_share": "0.90",
    "service_jobs_late": "0",
}


def demo_reports_load(*, last: datetime.date | None = None) -> dict:
    """Idempotent: snapshots are rewritten, targets and the demo report made once."""
    last = last or timezone.localdate() - datetime.timedelta(days=1)
    year_before = (
        last.replace(year=last.year - 1)
        if not (last.month == 2 and last.day == 29)
        else last - datetime.timedelta(days=366)
    )
    days = snapshot_backfill(first=last - datetime.timedelta(days=DEMO_DAYS - 1), last=last)
    days += snapshot_backfill(first=year_before - datetime.timedelta(days=DEMO_DAYS - 1), last=year_before)
    for code, value in DEMO_TARGETS.items():
        KpiTarget.objects.get_or_create(code=code, store=None, defaults={"value": value})
    supervisor = User.objects.filter(username="sup.central").first()
    report = None
    if supervisor and not ReportDefinition.objects.filter(name="Central weekly").exists():
        report = definitions.definition_save(
            by=supervisor,
            definition=ReportDefinition(
                name="Central weekly",
                sections=[choice for choice, _label in ReportDefinition.Section.choices],
                period=ReportDefinition.Period.LAST_7,
                recipients=supervisor.email or "sup.central@example.com",
                day_of_week="1",
                hour=8,
            ),
            stores=list(Store.objects.of_user(supervisor)),
        )
    year_start = last.replace(month=1, day=1)
    goodwill, _created = Programme.objects.get_or_create(
        name="Complaint goodwill", defaults={"kind": Programme.Kind.GOODWILL}
    )
    ProgrammeBudget.objects.get_or_create(
        programme=goodwill,
        period_start=year_start,
        defaults={"period_end": year_start.replace(month=12, day=31), "amount": Decimal("60000")},
    )
    return {"days": days, "report": report}
