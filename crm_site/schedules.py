"""Upsert CELERY_BEAT_SCHEDULE into django-celery-beat's tables (DatabaseScheduler)."""

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings
from django.db import transaction


@transaction.atomic
def schedules_sync(*, schedule: dict | None = None) -> list[str]:
    """Create the periodic tasks that are missing; never overwrite what an admin changed.

    Returns the names of the tasks created. Running it again creates nothing.
    """
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = []
    for name, entry in (schedule if schedule is not None else settings.CELERY_BEAT_SCHEDULE).items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        every = entry["schedule"]
        fields = {}
        if isinstance(every, crontab):
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=every._orig_minute,
                hour=every._orig_hour,
                day_of_week=every._orig_day_of_week,
                day_of_month=every._orig_day_of_month,
                month_of_year=every._orig_month_of_year,
                timezone=settings.CELERY_TIMEZONE,
            )
        else:
            seconds = int(every.total_seconds() if isinstance(every, timedelta) else every)
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=seconds, period=IntervalSchedule.SECONDS
            )
        PeriodicTask.objects.create(name=name, task=entry["task"], **fields)
        created.append(name)
    return created
