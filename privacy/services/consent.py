"""Writes to the consent ledger: consent, withdrawal, oral confirmation, opt-out and suppression."""

import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from privacy.contact import contact_fields, subject_model
from privacy.hashing import keyed_hash
from privacy.models import Channel, ConsentEvent, DataKind, Notice, OralConfirmation, Purpose, SubjectClass, Suppression
from privacy.models.consent import (
    CHANNEL_DATA_KIND,
    GRANT_METHODS,
    ORAL_CONFIRMATION_DAYS,
    ORAL_METHODS,
    WRITTEN_METHODS,
    Method,
)


def _customer_locked(customer_id):
    customer = subject_model()._default_manager.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise ValidationError(_("This customer does not exist."))
    return customer


@transaction.atomic
def consent_record(
    *,
    customer_id: int,
    by,
    subject_classes: list[str],
    channels: list[str],
    method: str,
    purpose: str = Purpose.DIRECT_MARKETING,
    occurred_at=None,
    include_purchases: bool = False,
    transferee_class: str = "",
    for_gain: bool = False,
    evidence=None,
    note: str = "",
    overrides_suppression: bool = False,
    log_access: bool = True,
) -> list[ConsentEvent]:
    """The customer gave consent, selectively: one GRANTED event per class × channel.

    Only an affirmative act counts (there is no "no response" method); the current
    direct-marketing notice must be published; provision to third parties needs written
    consent (s.35K); a suppressed contact point is re-opened only by a written consent that
    says it overrides the earlier opt-out.
    """
    from privacy.selectors import is_suppressed, notice_current

    if not by.has_perm("privacy.record_consent"):
        raise PermissionDenied(_("You may not record consent."))
    now = timezone.now()
    occurred_at = occurred_at or now
    customer = _customer_locked(customer_id)
    errors = {}
    if method not in GRANT_METHODS:
        errors["method"] = _("Consent is given by a signed form, online, in writing or orally: choose how.")
    if not subject_classes or set(subject_classes) - set(SubjectClass.values):
        errors["subject_classes"] = _("Choose at least one class of marketing subjects.")
    if not channels or set(channels) - set(Channel.values):
        errors["channels"] = _("Choose at least one channel.")
    if occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = _("Consent cannot be recorded in the future.")
    if purpose == Purpose.PROVISION:
        if method not in WRITTEN_METHODS:
            errors["method"] = _("Providing data to third parties needs written consent (s.35K).")
        if not transferee_class.strip():
            errors["transferee_class"] = _("Name the class of persons the data will be provided to.")
    notice = notice_current(kind=Notice.Kind.DIRECT_MARKETING)
    if notice is None:
        errors["__all__"] = _("Publish a direct-marketing notice first: consent refers to the notice shown.")
    elif purpose == Purpose.PROVISION and for_gain and not notice.for_gain:
        errors["for_gain"] = _("The current notice does not say the data is provided for gain.")
    elif set(subject_classes or []) - set(notice.subject_classes):
        errors["subject_classes"] = _("The current notice does not cover these classes of marketing subjects.")
    fields = contact_fields()
    if is_suppressed(phone=getattr(customer, fields["phone"], ""), email=getattr(customer, fields["email"], "")):
        if not overrides_suppression:
            errors["overrides_suppression"] = _(
                "This phone or e-mail opted out earlier. Record a new consent only at the customer's own written "
                "request, and tick that it overrides the opt-out."
            )
        elif method not in WRITTEN_METHODS:
            errors["method"] = _("After an opt-out, only a written consent from the customer re-opens marketing.")
    if errors:
        raise ValidationError(errors)
    batch = uuid.uuid4()
    events = []
    for subject_class in subject_classes:
        for channel in channels:
            kinds = [DataKind.NAME, CHANNEL_DATA_KIND[channel]] + ([DataKind.PURCHASES] if include_purchases else [])
            event = ConsentEvent(
                customer=customer,
                batch=batch,
                purpose=purpose,
                subject_class=subject_class,
                channel=channel,
                data_kinds=[str(k) for k in kinds],
                transferee_class=transferee_class,
                for_gain=for_gain,
                action=ConsentEvent.Action.GRANTED,
                method=method,
                occurred_at=occurred_at,
                recorded_by=by,
                notice=notice,
                note=(note + (" [overrides earlier opt-out]" if overrides_suppression else ""))[:255],
            )
            if evidence is not None and not events:
                event.evidence.save(f"{batch.hex}-{evidence.name[-60:]}", evidence, save=False)
            elif events:
                event.evidence = events[0].evidence.name
            event.save()
            events.append(event)
    if log_access:
        _log_change(by=by, customer=customer, reason=f"consent recorded ({purpose})")
    return events


def _log_change(*, by, customer, reason: str) -> None:
    """A change to the customer's personal data by a member of staff goes into the access log."""
    if by is not None:
        from privacy.services.access import access_record

        access_record(user=by, customer=customer, action="edit", view_name="privacy:consent", reason=reason)


@transaction.atomic
def consent_withdraw(
    *,
    customer_id: int,
    by,
    purpose: str = Purpose.DIRECT_MARKETING,
    subject_classes: list[str] | None = None,
    channels: list[str] | None = None,
    method: str = Method.STAFF,
    occurred_at=None,
    note: str = "",
    log_access: bool = True,
) -> list[ConsentEvent]:
    """The customer withdrew consent (None: every class / every channel). Takes effect at once."""
    if by is not None and not by.has_perm("privacy.record_consent"):
        raise PermissionDenied(_("You may not record consent."))
    customer = _customer_locked(customer_id)
    batch = uuid.uuid4()
    occurred_at = occurred_at or timezone.now()
    rows = [
        ConsentEvent(
            customer=customer,
            batch=batch,
            purpose=purpose,
            subject_class=subject_class,
            channel=channel,
            action=ConsentEvent.Action.WITHDRAWN,
            method=method,
            occurred_at=occurred_at,
            recorded_by=by,
            note=note[:255],
        )
        for subject_class in (subject_classes or [""])
        for channel in (channels or [""])
    ]
    if log_access:
        _log_change(by=by, customer=customer, reason=f"consent withdrawn ({purpose})")
    return ConsentEvent.objects.bulk_create(rows)


def _suppress(*, phone: str, email: str, method: str, at) -> int:
    rows = [
        Suppression(kind=kind, key_hash=value, method=method, created_at=at)
        for kind, value in (
            (Suppression.Kind.PHONE, keyed_hash("phone", phone)),
            (Suppression.Kind.EMAIL, keyed_hash("email", email)),
        )
        if value
    ]
    return len(Suppression.objects.bulk_create(rows, ignore_conflicts=True))


@transaction.atomic
def optout_record(*, customer_id: int, method: str, by=None, at=None) -> list[ConsentEvent]:
    """s.35G / s.35L: stop all direct marketing and provision to others, whatever consent came
    before. Withdraws every purpose, class and channel and suppresses the phone and e-mail,
    so other records and later re-imports with them are not contacted either."""
    if by is not None and not by.has_perm("privacy.record_consent"):
        raise PermissionDenied(_("You may not record opt-outs."))
    at = at or timezone.now()
    customer = _customer_locked(customer_id)
    fields = contact_fields()
    _suppress(
        phone=getattr(customer, fields["phone"], ""), email=getattr(customer, fields["email"], ""), method=method, at=at
    )
    events = []
    for purpose in Purpose.values:
        events += consent_withdraw(
            customer_id=customer.pk, by=by, purpose=purpose, method=method, occurred_at=at, note=_("Opt-out")
        )
    return events


@transaction.atomic
def optout_contact_point(*, phone: str = "", email: str = "", method: str = Method.OPT_OUT_PAGE, at=None) -> int:
    """The public opt-out page: suppress the contact point and opt out every record that has it.
    Returns how many records were opted out (never shown to the visitor)."""
    at = at or timezone.now()
    fields = contact_fields()
    phone_hash, email_hash = keyed_hash("phone", phone), keyed_hash("email", email)
    if not (phone_hash or email_hash):
        raise ValidationError(_("Enter the phone number or the e-mail address to opt out."))
    _suppress(phone=phone, email=email, method=method, at=at)
    from privacy.hashing import normalise

    condition = Q(pk__in=[])
    if phone_hash:
        condition |= Q(**{fields["phone"]: normalise("phone", phone)})
    if email_hash:
        condition |= Q(**{f"{fields['email']}__iexact": normalise("email", email)})
    ids = list(subject_model()._default_manager.filter(condition).values_list("pk", flat=True))
    for customer_id in ids:
        optout_record(customer_id=customer_id, method=method, at=at)
    return len(ids)


def oral_confirmation_text(*, events: list[ConsentEvent]) -> str:
    first = events[0]
    kinds = sorted({DataKind(k).label for e in events for k in e.data_kinds}, key=str)
    classes = sorted({SubjectClass(e.subject_class).label for e in events}, key=str)
    channels = sorted({Channel(e.channel).label for e in events}, key=str)
    return _(
        "We confirm that on %(date)s you agreed orally that we may use your %(kinds)s to send you direct marketing "
        "about %(classes)s by %(channels)s. You may ask us to stop at any time, free of charge."
    ) % {
        "date": formats.date_format(timezone.localtime(first.occurred_at), "j F Y"),
        "kinds": ", ".join(str(k) for k in kinds),
        "classes": ", ".join(str(c) for c in classes),
        "channels": ", ".join(str(c) for c in channels),
    }


@transaction.atomic
def oral_confirmation_send(*, customer_id: int, batch, by, at=None) -> OralConfirmation:
    """Record that the written confirmation of an oral consent was sent (s.35E(1)(b)); the
    consent is usable from then. Refused after 14 days: the consent has lapsed, ask again."""
    if not by.has_perm("privacy.record_consent"):
        raise PermissionDenied(_("You may not record consent."))
    at = at or timezone.now()
    _customer_locked(customer_id)
    events = list(
        ConsentEvent.objects.filter(
            customer_id=customer_id, batch=batch, action=ConsentEvent.Action.GRANTED, method__in=ORAL_METHODS
        ).order_by("pk")
    )
    if not events:
        raise ValidationError(_("There is no oral consent to confirm here."))
    if OralConfirmation.objects.filter(batch=batch).exists():
        raise ValidationError(_("This oral consent was already confirmed."))
    if at > events[0].occurred_at + timedelta(days=ORAL_CONFIRMATION_DAYS):
        raise ValidationError(
            _("More than 14 days have passed since the oral consent: it has lapsed. Ask the customer again.")
        )
    return OralConfirmation.objects.create(
        customer_id=customer_id, batch=batch, sent_at=at, sent_by=by, body=oral_confirmation_text(events=events)
    )
