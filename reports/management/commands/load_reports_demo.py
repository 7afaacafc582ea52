from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.demo import demo_reports_load


class Command(BaseCommand):
    help = (
        "After load_demo_data: KPI snapshots of the last 95 days and the same days a year before, demo targets "
        "and a weekly report for sup.central (about 30 s on the demo data). Only when settings.DEMO_MODE is True."
    )

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only loaded when settings.DEMO_MODE is True.")
        result = demo_reports_load()
        self.stdout.write(
            self.style.SUCCESS(f"KPI snapshots of {result['days']} days, targets, and the report 'Central weekly'.")
        )
