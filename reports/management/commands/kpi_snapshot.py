import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from reports.services.snapshots import snapshot_backfill


class Command(BaseCommand):
    help = (
        "Write the KPI snapshot of a day (default: yesterday) or of every day from --since (e.g. after loading data)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--since", type=datetime.date.fromisoformat, help="first day of a backfill")
        parser.add_argument("--days", type=int, help="backfill this many days up to --day")

    def handle(self, *args, day=None, since=None, days=None, **options):
        last = day or timezone.localdate() - datetime.timedelta(days=1)
        first = since or (last - datetime.timedelta(days=days - 1) if days else last)
        count = snapshot_backfill(first=first, last=last)
        self.stdout.write(f"KPI snapshots written for {count} day(s), {first} to {last}.")
