"""The SLA check: flag breaches, escalate to the store's supervisors, tell them. Idempotent.

A complaint breaches its acknowledgement once (still new after its acknowledge due time) and its
resolution once (unresolved after its resolve due time, the clock running). Each breach is
stamped on the row under a row lock, so a rerun, or two runs at once, flag and notify nothing twice.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, SlaRun
from complaints.services.notify import notify_staff
from complaints.services.workflow import store_supervisors

BATCH = 200


def _breaches(kind: str, now):
    if kind == "acknowledge":
        return Complaint.objects.filter(
            status=Complaint.Status.NEW, acknowledge_due_at__lt=now, acknowledge_breached_at__isnull=True
        )
    return Complaint.objects.filter(
        status__in=Complaint.CLOCK_RUNNING, resolve_due_at__lt=now, resolve_breached_at__isnull=True
    )


def _flag(complaint: Complaint, *, kind: str, now, supervisors: list) -> int:
    if kind == "acknowledge":
        complaint.acknowledge_breached_at = now
        what = _("not acknowledged in time (due %(due)s)") % {
            "due": timezone.localtime(complaint.acknowledge_due_at).strftime("%Y-%m-%d %H:%M")
        }
    else:
        complaint.resolve_breached_at = now
        what = _("not resolved in time (due %(due)s)") % {
            "due": timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d %H:%M")
        }
    complaint.escalation_level += 1
    complaint.version += 1
    complaint.save(update_fields=[f"{kind}_breached_at", "escalation_level", "version", "updated_at"])
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.BREACHED,
        at=now,
        note=_("%(what)s; escalated to level %(level)s: %(who)s")
        % {
            "what": what[:1].upper() + what[1:],
            "level": complaint.escalation_level,
            "who": ", ".join(str(u) for u in supervisors) or _("nobody (no supervisor or admin)"),
        },
    )
    return notify_staff(
        users=supervisors,
        title=_("SLA breached: %(ref)s %(what)s") % {"ref": complaint.reference, "what": what},
        url=complaint.get_absolute_url(),
        body=complaint.subject,
    )


@transaction.atomic
def sla_check(*, now=None) -> SlaRun:
    """Flag every breach due by ``now`` (default: the present); returns the recorded run."""
    now = now or timezone.now()
    run = SlaRun.objects.create(started_at=timezone.now())
    supervisors: dict[int, list] = {}  # per store, read once per run
    for kind in ("acknowledge", "resolve"):
        while True:
            # Rows another run holds are skipped (it flags them); flagged rows no longer match.
            batch = list(_breaches(kind, now).select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:BATCH])
            if not batch:
                break
            for complaint in batch:
                if complaint.store_id not in supervisors:
                    supervisors[complaint.store_id] = store_supervisors(complaint.store_id)
                run.notifications += _flag(complaint, kind=kind, now=now, supervisors=supervisors[complaint.store_id])
                run.breaches += 1
    run.finished_at = timezone.now()
    run.save(update_fields=["breaches", "notifications", "finished_at"])
    return run


def sla_run_failed(*, started_at, error: str) -> SlaRun:
    """Record a run that failed (its own work was rolled back), so that the failure shows in the admin."""
    return SlaRun.objects.create(started_at=started_at, finished_at=timezone.now(), error=error[:4000])
