"""Report definitions and their schedule: each definition owns one django-celery-beat PeriodicTask."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Store
from reports.models import ReportDefinition, ReportRun

TASK = "reports.tasks.report_run_scheduled"


def _sync_task(definition: ReportDefinition) -> None:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute=str(definition.minute),
        hour=str(definition.hour),
        day_of_week=definition.day_of_week,
        day_of_month=definition.day_of_month,
        month_of_year="*",
        timezone=settings.CELERY_TIMEZONE,
    )
    fields = {
        "task": TASK,
        "crontab": crontab,
        "interval": None,
        "args": json.dumps([definition.pk]),
        "enabled": definition.is_active,
        "description": _("Regular report: %(name)s") % {"name": definition.name},
    }
    if definition.periodic_task_id:
        PeriodicTask.objects.filter(pk=definition.periodic_task_id).update(**fields)
        PeriodicTask.objects.get(pk=definition.periodic_task_id).save()  # bumps the scheduler's change marker
    else:
        task = PeriodicTask.objects.create(name=f"report-{definition.pk}", **fields)
        ReportDefinition.objects.filter(pk=definition.pk).update(periodic_task=task)
        definition.periodic_task = task


@transaction.atomic
def definition_save(*, by, definition: ReportDefinition, stores) -> ReportDefinition:
    """Create or update a definition and its schedule. ``stores`` must be among those ``by`` sees."""
    allowed = set(Store.objects.of_user(by).values_list("pk", flat=True))
    stores = list(stores)
    if any(store.pk not in allowed for store in stores):
        raise ValidationError({"stores": _("Choose only stores whose figures you see.")})
    if not definition.sections:
        raise ValidationError({"sections": _("Choose at least one section.")})
    if not definition.recipient_list:
        raise ValidationError({"recipients": _("Enter at least one e-mail address.")})
    if definition.pk:
        ReportDefinition.objects.select_for_update().get(pk=definition.pk)
    else:
        definition.owner = by
    definition.full_clean(exclude=["owner", "stores"])
    definition.save()
    definition.stores.set(stores)
    _sync_task(definition)
    return definition


def run_start(*, definition: ReportDefinition) -> ReportRun:
    """Queue a run of ``definition`` now (by hand or by its schedule); the worker renders, archives, e-mails."""
    from reports.tasks import report_run

    run = ReportRun.objects.create(definition=definition)
    transaction.on_commit(lambda: report_run.delay(run.pk))
    return run
