"""Notices are versioned, bilingual and immutable once published; collections record the version."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InternalError, connection, transaction

from privacy.models import CollectionRecord, Notice
from privacy.selectors import notice_current
from privacy.services.notices import notice_create, notice_publish
from tests.customers.factories_imports import FIXTURES, job_checked, job_imported, media_root  # noqa: F401
from tests.privacy.helpers import published_notice

pytestmark = pytest.mark.django_db


def test_publishing_freezes_the_text_and_its_hash(privacy_officer):
    # given
    notice = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    # when / then
    assert notice.body_sha256 == notice.text_hash()
    notice.body_en = "changed"
    with pytest.raises(ValidationError):
        notice.save()
    with pytest.raises(ValidationError):
        notice.delete()
    assert Notice.objects.get(pk=notice.pk).body_en.startswith("We intend")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_the_database_refuses_to_change_a_published_notice(privacy_officer):
    notice = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(body_en="x")


def test_a_new_version_leaves_the_old_one_byte_for_byte(privacy_officer):
    v1 = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    v2 = published_notice(privacy_officer, kind=Notice.Kind.PICS, body_en="New wording")
    assert (v1.version, v2.version) == (1, 2)
    assert notice_current(kind=Notice.Kind.PICS) == v2
    v1.refresh_from_db()
    assert v1.text_hash() == v1.body_sha256


def test_drafts_are_not_current(privacy_officer):
    notice_create(by=privacy_officer, kind=Notice.Kind.POLICY, title_en="a", title_zh="b", body_en="c", body_zh="d")
    assert notice_current(kind=Notice.Kind.POLICY) is None


def test_a_notice_needs_both_languages_to_be_published(privacy_officer):
    notice = notice_create(
        by=privacy_officer, kind=Notice.Kind.PICS, title_en="a", title_zh="b", body_en="c", body_zh=""
    )
    with pytest.raises(ValidationError) as error:
        notice_publish(by=privacy_officer, notice_id=notice.pk)
    assert "body_zh" in error.value.message_dict


def test_a_direct_marketing_notice_needs_classes_kinds_and_a_response_channel(privacy_officer):
    notice = notice_create(
        by=privacy_officer,
        kind=Notice.Kind.DIRECT_MARKETING,
        title_en="a",
        title_zh="b",
        body_en="c",
        body_zh="d",
        subject_classes=["such products as we think fit"],
    )
    with pytest.raises(ValidationError) as error:
        notice_publish(by=privacy_officer, notice_id=notice.pk)
    assert {"subject_classes", "data_kinds", "response_channel"} <= set(error.value.message_dict)
    assert Notice.objects.get(pk=notice.pk).published_at is None


def test_an_account_manager_may_not_publish(manager, privacy_officer):
    notice = notice_create(
        by=privacy_officer, kind=Notice.Kind.PICS, title_en="a", title_zh="b", body_en="c", body_zh="d"
    )
    with pytest.raises(PermissionDenied):
        notice_publish(by=manager, notice_id=notice.pk)
    assert Notice.objects.get(pk=notice.pk).published_at is None


def test_the_customer_form_records_the_current_pics(client, manager, central, privacy_officer):
    # given
    pics = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    client.force_login(manager)
    # when
    response = client.post(
        "/customers/new/",
        {
            "kind": "person",
            "name_en": "Chan Tai Man",
            "mobile_phone": "91234567",
            "home_store": central.pk,
            "preferred_language": "en",
            "preferred_channel": "phone",
            "acquisition_source": "walk_in",
        },
    )
    # then
    assert response.status_code == 302, response.content
    record = CollectionRecord.objects.get()
    assert (record.notice, record.point, record.collected_by) == (pics, CollectionRecord.Point.FORM, manager)


def test_an_import_records_the_current_pics_for_each_new_customer(central, manager, privacy_officer):
    # given
    pics = published_notice(privacy_officer, kind=Notice.Kind.PICS)
    content = (FIXTURES / "customers_utf8_bom.csv").read_bytes()
    # when
    job = job_imported(by=manager, job=job_checked(by=manager, content=content, store=central))
    # then
    records = list(CollectionRecord.objects.values_list("notice", "point", "reference"))
    assert len(records) == job.created_count == 3
    assert set(records) == {(pics.pk, CollectionRecord.Point.IMPORT, f"import #{job.pk}")}
