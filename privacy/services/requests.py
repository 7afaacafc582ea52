"""Data access and correction requests: register, verify, fee, late notice, complete or refuse."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.models import (
    AccessLog,
    CorrectionNotice,
    DataRequest,
    DataRequestReminder,
    Disclosure,
    JobRun,
    LogBookEntry,
    OpinionNote,
)
from privacy.models.requests import REMINDER_DAYS_LEFT

DISCLOSURE_LOOKBACK_DAYS = 365  # s.23(1)(c): recipients in the 12 months before the correction


def _check(by):
    if not by.has_perm("privacy.handle_datarequest"):
        raise PermissionDenied(_("You may not handle data access and correction requests."))


def _open_locked(request_id) -> DataRequest:
    request = DataRequest.objects.select_for_update().get(pk=request_id)
    if not request.is_open:
        raise ValidationError(_("This request is closed."))
    return request


@transaction.atomic
def request_register(*, by, kind: str, requestor: str, received_at, customer_id=None, details: str = "") -> DataRequest:
    """The 40-day clock starts when any branch received the request, not when it is entered."""
    _check(by)
    if received_at > timezone.now():
        raise ValidationError({"received_at": _("A request cannot be received in the future.")})
    request = DataRequest(
        kind=kind,
        customer_id=customer_id,
        requestor=requestor,
        received_at=received_at,
        details=details,
        handled_by=by,
    )
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def request_verify_identity(*, by, request_id: int, method: str, at=None) -> DataRequest:
    _check(by)
    request = _open_locked(request_id)
    if not method.strip():
        raise ValidationError({"identity_method": _("Say how the identity was checked (e.g. HKID card sighted).")})
    request.identity_verified_at = at or timezone.now()
    request.identity_method = method[:200]
    request.status = DataRequest.Status.VERIFIED
    request.save()
    return request


@transaction.atomic
def request_fee_quote(*, by, request_id: int, fee) -> DataRequest:
    """s.28: a fee that is not excessive, for access only (corrections are free)."""
    _check(by)
    request = _open_locked(request_id)
    if request.kind != DataRequest.Kind.ACCESS:
        raise ValidationError({"fee_quoted": _("No fee may be charged for a correction request.")})
    if fee is None or fee < 0:
        raise ValidationError({"fee_quoted": _("Enter the fee in HKD (0 for none).")})
    request.fee_quoted = fee
    request.save()
    return request


@transaction.atomic
def request_unable_notice(*, by, request_id: int, reason: str, at=None) -> DataRequest:
    """s.19(2): notice, before the deadline, that the request cannot be met in 40 days, and why."""
    _check(by)
    at = at or timezone.now()
    request = _open_locked(request_id)
    if at > request.due_at:
        raise ValidationError(_("The 40 days have passed: the notice had to be sent before the deadline."))
    if not reason.strip():
        raise ValidationError({"unable_reason": _("Give the reasons the requestor will be told.")})
    request.unable_notice_sent_at = at
    request.unable_reason = reason[:255]
    request.save()
    return request


@transaction.atomic
def request_complete(*, by, request_id: int, at=None) -> DataRequest:
    """Complied with. A correction tells every recipient of the data in the 12 months before."""
    _check(by)
    at = at or timezone.now()
    request = _open_locked(request_id)
    if request.identity_verified_at is None:
        raise ValidationError(_("Verify the requestor's identity first."))
    if (
        request.kind == DataRequest.Kind.ACCESS
        and request.customer_id
        and not AccessLog.objects.filter(
            customer_id=request.customer_id, action=AccessLog.Action.EXPORT, reason=_export_reason(request)
        ).exists()
    ):
        raise ValidationError(_("Generate the export for the requestor before marking the request complied with."))
    request.status = DataRequest.Status.COMPLETED
    request.completed_at = at
    request.save()
    if request.kind == DataRequest.Kind.CORRECTION and request.customer_id:
        recipients = Disclosure.objects.filter(
            customer_id=request.customer_id,
            disclosed_at__gte=at - timedelta(days=DISCLOSURE_LOOKBACK_DAYS),
            disclosed_at__lte=at,
        )
        CorrectionNotice.objects.bulk_create(
            [CorrectionNotice(request=request, disclosure=d, created_at=at) for d in recipients], ignore_conflicts=True
        )
    return request


def _export_reason(request: DataRequest) -> str:
    return f"data access request #{request.pk}"


@transaction.atomic
def request_export(*, by, request_id: int) -> bytes:
    """The access export of the request's customer (a ZIP), logged as an export of their data."""
    from privacy.export import access_export_zip
    from privacy.services.access import access_record

    if not (by.has_perm("privacy.handle_datarequest") and by.has_perm("privacy.export_personal_data")):
        raise PermissionDenied(_("You may not export customers' personal data."))
    request = DataRequest.objects.select_related("customer").get(pk=request_id)
    if request.kind != DataRequest.Kind.ACCESS or request.customer is None:
        raise ValidationError(_("Only an access request about a customer record has an export."))
    content = access_export_zip(customer_id=request.customer_id, request_id=request.pk)
    access_record(
        user=by,
        customer=request.customer,
        action=AccessLog.Action.EXPORT,
        view_name="privacy:request-export",
        path=f"/privacy/requests/{request.pk}/export/",
        reason=_export_reason(request),
    )
    return content


@transaction.atomic
def request_refuse(*, by, request_id: int, ground: str, reasons: str, at=None) -> DataRequest:
    """s.20/s.21/s.24: refused on a statutory ground; the reasons go into the log book (s.27)."""
    _check(by)
    at = at or timezone.now()
    request = _open_locked(request_id)
    errors = {}
    if ground not in DataRequest.RefusalGround.values:
        errors["refusal_ground"] = _("Choose the statutory ground for refusing.")
    elif (ground == DataRequest.RefusalGround.NOT_SATISFIED) != (request.kind == DataRequest.Kind.CORRECTION):
        errors["refusal_ground"] = _("This ground does not apply to this kind of request.")
    if not reasons.strip():
        errors["reasons"] = _("Give the reasons: they are sent to the requestor and kept in the log book.")
    if errors:
        raise ValidationError(errors)
    request.status = DataRequest.Status.REFUSED
    request.refusal_ground = ground
    request.completed_at = at
    request.save()
    LogBookEntry.objects.create(request=request, ground=ground, reasons=reasons, entered_at=at, entered_by=by)
    return request


def opinion_note_add(*, by, customer_id: int, opinion: str, note: str, request_id=None) -> OpinionNote:
    """s.25(2): the customer's disagreement with an opinion travels with it."""
    _check(by)
    if not note.strip() or not opinion.strip():
        raise ValidationError(_("Name the opinion and write the customer's note."))
    return OpinionNote.objects.create(customer_id=customer_id, opinion=opinion, note=note, request_id=request_id)


def disclosure_record(
    *, by, customer_id: int, recipient: str, data_kinds: str, purpose: str = "", at=None
) -> Disclosure:
    return Disclosure.objects.create(
        customer_id=customer_id,
        recipient=recipient,
        data_kinds=data_kinds,
        purpose=purpose,
        disclosed_at=at or timezone.now(),
        recorded_by=by,
    )


def request_reminders_send(*, now=None) -> JobRun:
    """Remind the handler of each open request when 20, 10 and 5 days (or fewer) are left.

    Idempotent: one reminder per request and threshold (a unique row); a rerun sends nothing new.
    """
    now = now or timezone.now()
    run = JobRun.objects.create(name="privacy.request_reminders", started_at=now)
    sent = 0
    for request in DataRequest.objects.open().select_related("handled_by"):
        days_left = (timezone.localtime(request.due_at).date() - timezone.localtime(now).date()).days
        due = [t for t in REMINDER_DAYS_LEFT if days_left <= t]
        if not due:
            continue
        threshold = min(due)
        with transaction.atomic():
            _reminder, created = DataRequestReminder.objects.get_or_create(
                request=request, days_left=threshold, defaults={"sent_at": now}
            )
        if created:
            sent += 1
            if request.handled_by.email:
                send_mail(
                    _("%(request)s: %(days)s days left") % {"request": request, "days": max(days_left, 0)},
                    _(
                        "Due %(due)s. Complete it, refuse it on a statutory ground, "
                        "or send the 'unable to comply' notice."
                    )
                    % {"due": timezone.localtime(request.due_at).strftime("%Y-%m-%d")},
                    None,
                    [request.handled_by.email],
                )
    run.finished_at = timezone.now()
    run.counts = {"reminders": sent}
    run.save()
    return run
