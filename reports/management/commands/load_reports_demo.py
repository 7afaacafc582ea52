from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.demo import demo_reports_load
from reports.models import SnapshotRun


class Command(BaseCommand):
    help = (
        "After load_demo_data: KPI snapshots of the last 95 days and the same days a year before, demo targets "
        "and a weekly report for sup.central (about 30 s on the demo data). Only when settings.DEMO_MODE is True."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when snapshots were taken already (scripts/run uses it).",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only loaded when settings.DEMO_MODE is True.")
        if options["if_empty"] and SnapshotRun.objects.exists():
            self.stdout.write("Reports demo: snapshots exist already, nothing to do.")
            return
        result = demo_reports_load()
        self.stdout.write(
            self.style.SUCCESS(f"KPI snapshots of {result['days']} days, targets, and the report 'Central weekly'.")
        )
