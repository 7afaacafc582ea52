"""Notices: drafts, publication (then immutable), and the record of which version applied at collection."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.models import CollectionRecord, DataKind, Notice, SubjectClass

NOTICE_TEXT_FIELDS = (
    "title_en",
    "title_zh",
    "body_en",
    "body_zh",
    "data_kinds",
    "subject_classes",
    "transferee_classes",
    "for_gain",
    "response_channel",
    "material_change",
)


@transaction.atomic
def notice_create(*, by, kind: str, **data) -> Notice:
    """A new draft version of a kind of notice (the next version number)."""
    if not by.has_perm("privacy.add_notice"):
        raise PermissionDenied(_("You may not write privacy notices."))
    # Lock the kind's versions so two drafts do not take the same number.
    list(Notice.objects.select_for_update().filter(kind=kind).values_list("pk", flat=True))
    version = (Notice.objects.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1
    notice = Notice(kind=kind, version=version, **{k: v for k, v in data.items() if k in NOTICE_TEXT_FIELDS})
    notice.full_clean()
    notice.save()
    return notice


@transaction.atomic
def notice_publish(*, by, notice_id: int, now=None) -> Notice:
    if not by.has_perm("privacy.publish_notice"):
        raise PermissionDenied(_("You may not publish privacy notices."))
    notice = Notice.objects.select_for_update().get(pk=notice_id)
    if notice.is_published:
        raise ValidationError(_("This version is already published; write a new version to change it."))
    errors = {}
    for name in ("title_en", "title_zh", "body_en", "body_zh"):
        if not getattr(notice, name).strip():
            errors[name] = _("A notice is published in both English and Chinese: fill in this text.")
    if notice.kind == Notice.Kind.DIRECT_MARKETING:
        if not notice.data_kinds or set(notice.data_kinds) - set(DataKind.values):
            errors["data_kinds"] = _("Choose the kinds of personal data to be used (s.35C).")
        if not notice.subject_classes or set(notice.subject_classes) - set(SubjectClass.values):
            errors["subject_classes"] = _("Choose the classes of marketing subjects from the list (s.35C).")
        if not notice.response_channel.strip():
            errors["response_channel"] = _("Give a free channel through which the customer can reply (s.35C).")
    if errors:
        raise ValidationError(errors)
    notice.published_at = now or timezone.now()
    notice.published_by = by
    notice.body_sha256 = notice.text_hash()
    notice.save()
    return notice


def collection_record(*, customer, point: str, by=None, reference: str = "", at=None) -> CollectionRecord:
    """Record which PICS version applied when ``customer``'s data was collected."""
    from privacy.selectors import notice_current

    return CollectionRecord.objects.create(
        customer=customer,
        notice=notice_current(kind=Notice.Kind.PICS),
        point=point,
        reference=reference[:64],
        collected_by=by,
        collected_at=at or timezone.now(),
    )


def collection_record_many(*, customers, point: str, by=None, reference: str = "", at=None) -> list:
    """The same for many customers (an import), in one INSERT."""
    from privacy.selectors import notice_current

    notice = notice_current(kind=Notice.Kind.PICS)
    at = at or timezone.now()
    rows = [
        CollectionRecord(
            customer=customer, notice=notice, point=point, reference=reference[:64], collected_by=by, collected_at=at
        )
        for customer in customers
    ]
    return CollectionRecord.objects.bulk_create(rows, batch_size=1000)
