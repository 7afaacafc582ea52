"""Shared set-ups for the privacy tests (and the browser test)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from privacy.models import Notice, SubjectClass
from privacy.services.notices import notice_create, notice_publish


def hk(*args) -> datetime:
    """An aware Hong Kong datetime: hk(2026, 3, 1, 9, 30)."""
    return datetime(*args, tzinfo=ZoneInfo("Asia/Hong_Kong"))


def published_notice(by, kind=Notice.Kind.DIRECT_MARKETING, **extra) -> Notice:
    data = {
        "title_en": f"{kind} notice",
        "title_zh": "私隱通知",
        "body_en": "We intend to use your name and contact details for direct marketing...",
        "body_zh": "本公司擬使用閣下的姓名及聯絡資料作直接促銷……",
    }
    if kind == Notice.Kind.DIRECT_MARKETING:
        data.update(
            data_kinds=["name", "mobile", "email", "address", "purchases"],
            subject_classes=list(SubjectClass.values),
            response_channel="Reply STOP, call 2123 4567 or use the opt-out link",
        )
    data.update(extra)
    notice = notice_create(by=by, kind=kind, **data)
    return notice_publish(by=by, notice_id=notice.pk)


def privacy_rows(*, customer, by) -> None:
    """One row in every privacy model that points at a customer (merge and registry sweeps)."""
    import uuid

    from privacy.crypto import encrypt
    from privacy.models import (
        CollectionRecord,
        ConsentEvent,
        DataRequest,
        Disclosure,
        IdentityDocument,
        LegalHold,
        OpinionNote,
        OralConfirmation,
    )

    batch = uuid.uuid4()
    now = timezone.now()
    ConsentEvent.objects.create(
        customer=customer,
        batch=batch,
        purpose="direct_marketing",
        subject_class="events",
        channel="sms",
        data_kinds=["name", "mobile"],
        action="granted",
        method="oral_phone",
        occurred_at=now,
        recorded_by=by,
        note="said yes at the launch",
    )
    OralConfirmation.objects.create(customer=customer, batch=batch, sent_at=now, sent_by=by, body="We confirm...")
    CollectionRecord.objects.create(
        customer=customer, point="form", reference="walk-in", collected_by=by, collected_at=now
    )
    DataRequest.objects.create(
        kind="access", customer=customer, requestor=str(customer), received_at=now, handled_by=by, details="all data"
    )
    Disclosure.objects.create(customer=customer, recipient="Insurer", data_kinds="name", disclosed_at=now)
    OpinionNote.objects.create(customer=customer, opinion="segment", note="I disagree with this label")
    LegalHold.objects.create(customer=customer, reason="warranty dispute", created_by=by, released_at=now)
    # written directly (the service refuses while PRIVACY_IDENTITY_DOCUMENTS is off, the default)
    IdentityDocument.objects.create(
        customer=customer,
        kind="hkid",
        number_encrypted=encrypt("A123456(3)"),
        mask="A1••••(•)",
        purpose="deposit for a watch on loan",
        recorded_at=now,
        recorded_by=by,
    )


def privacy_tables_clear() -> None:
    """Empty the privacy app's tables (a test that deletes every customer must clear what points
    at them first; the append-only ledgers refuse DELETE on PostgreSQL, TRUNCATE is allowed)."""
    from django.apps import apps
    from django.db import connection

    tables = [
        m._meta.db_table for m in apps.get_app_config("privacy").get_models() if m._meta.db_table != "privacy_accesslog"
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the deferred FK checks first
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        for model in apps.get_app_config("privacy").get_models():
            if model._meta.db_table in tables:
                model._base_manager.all()._raw_delete(model._base_manager.db)
