from django.db.models import F
from django.utils import timezone

from crm_site.models import Heartbeat


def heartbeat_record(*, name: str, hostname: str = "") -> None:
    """Record that ``name`` ran now. Safe to repeat; concurrent runs both count."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(last_seen_at=now, hostname=hostname, runs=F("runs") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"last_seen_at": now, "hostname": hostname, "runs": 1})
