from django.db.models import F
from django.utils import timezone

from crm_site.models import Heartbeat, Notification


def heartbeat_record(*, name: str, hostname: str = "") -> None:
    """Record that ``name`` ran now. Safe to repeat; concurrent runs both count."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(last_seen_at=now, hostname=hostname, runs=F("runs") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"last_seen_at": now, "hostname": hostname, "runs": 1})


def notification_send(*, users, title: str, url: str = "") -> list:
    """One in-app notification per user (the navbar bell), in one INSERT."""
    rows = [Notification(user=user, title=title[:255], url=url[:512]) for user in users]
    return Notification.objects.bulk_create(rows)


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (or all of them with no id); returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
