from django.core.management.base import BaseCommand

from crm_site.schedules import schedules_sync


class Command(BaseCommand):
    help = "Create the periodic Celery tasks (CELERY_BEAT_SCHEDULE) that are missing from the database."

    def handle(self, *args, **options):
        created = schedules_sync()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created schedules: {', '.join(created)}"))
        else:
            self.stdout.write("Schedules already in place.")
