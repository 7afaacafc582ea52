"""Identity documents (HKID, passport): off by default; when on, encrypted at rest, masked on the
customer page for every role, revealed only by a privacy officer with a logged reason, in the
subject's own access export, deleted by erasure, and never in lists or CSV exports (issue #6 item 6)."""

import io
import json
import zipfile

import openpyxl
import pytest
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from privacy import crypto
from privacy.export import access_export_data, access_export_zip
from privacy.models import AccessLog, IdentityDocument
from privacy.registry import Category, registry
from privacy.services.identity import (
    hkid_check_digit,
    hkid_normalise,
    identity_document_reveal,
    identity_document_set,
    mask_number,
)
from privacy.services.retention import customer_erase
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NUMBER = "A123456(3)"
MASK = "A1••••(•)"
DIGITS = "123456"
PURPOSE = "deposit for a watch lent for a week"


@pytest.fixture
def enabled(settings):
    settings.PRIVACY_IDENTITY_DOCUMENTS = True


@pytest.fixture
def document(enabled, privacy_officer, customer):
    return identity_document_set(
        by=privacy_officer, customer_id=customer.pk, kind=IdentityDocument.Kind.HKID, number=NUMBER, purpose=PURPOSE
    )


def detail_url(customer):
    return reverse("customers:customer-detail", kwargs={"pk": customer.pk})


def set_url(customer):
    return reverse("privacy:identity-document-set", kwargs={"customer_pk": customer.pk})


def reveal_url(customer):
    return reverse("privacy:identity-document-reveal", kwargs={"customer_pk": customer.pk})


def raw_rows() -> list[str]:
    """Every row of the table as PostgreSQL (or SQLite) text: what a database dump would hold."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT t::text FROM privacy_identitydocument t")
        else:
            cursor.execute("SELECT number_encrypted || '|' || mask || '|' || purpose FROM privacy_identitydocument")
        return [row[0] for row in cursor.fetchall()]


# --- off by default -------------------------------------------------------------------------------


def test_identity_documents_are_off_by_default():
    assert settings.PRIVACY_IDENTITY_DOCUMENTS is False


def test_the_service_refuses_while_the_setting_is_off(privacy_officer, customer):
    # when / then
    with pytest.raises(ValidationError, match="not collected"):
        identity_document_set(by=privacy_officer, customer_id=customer.pk, kind="hkid", number=NUMBER, purpose=PURPOSE)
    assert not IdentityDocument.objects.exists()
    assert not AccessLog.objects.filter(action=AccessLog.Action.EDIT).exists()


def test_the_card_and_the_pages_are_absent_while_the_setting_is_off(client, privacy_officer, customer):
    client.force_login(privacy_officer)
    # when
    page = client.get(detail_url(customer)).content.decode()
    # then
    assert 'data-testid="identity-document"' not in page
    assert client.get(set_url(customer)).status_code == 404
    assert client.post(set_url(customer), {"kind": "hkid", "number": NUMBER, "purpose": PURPOSE}).status_code == 404
    assert client.get(reveal_url(customer)).status_code == 404
    assert not IdentityDocument.objects.exists()


def test_turning_it_on_adds_one_query_to_the_customer_page(client, settings, manager, customer):
    client.force_login(manager)
    client.get(detail_url(customer))  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as off:
        client.get(detail_url(customer))
    settings.PRIVACY_IDENTITY_DOCUMENTS = True
    with CaptureQueriesContext(connection) as on:
        response = client.get(detail_url(customer))
    assert 'data-testid="identity-document"' in response.content.decode()
    assert len(on.captured_queries) == len(off.captured_queries) + 1


# --- recording --------------------------------------------------------------------------------------


def test_the_number_is_encrypted_at_rest(document):
    # then: no column of the row holds the number, or its digits
    rows = raw_rows()
    assert len(rows) == 1
    assert NUMBER not in rows[0]
    assert DIGITS not in rows[0]
    assert document.mask == MASK
    assert crypto.decrypt(IdentityDocument.objects.get().number_encrypted) == NUMBER


def test_recording_writes_an_edit_row_without_the_number(document, privacy_officer, customer):
    log = AccessLog.objects.get(action=AccessLog.Action.EDIT, customer=customer)
    assert log.user == privacy_officer
    assert log.view_name == "privacy:identity-document-set"
    assert DIGITS not in log.reason
    assert DIGITS not in log.path


def test_recording_keeps_who_when_and_why(document, privacy_officer):
    assert (document.recorded_by, document.purpose, document.kind) == (privacy_officer, PURPOSE, "hkid")
    assert document.recorded_at is not None


def test_recording_again_replaces_the_document(document, privacy_officer, customer):
    identity_document_set(
        by=privacy_officer, customer_id=customer.pk, kind="passport", number="k 1234 5678", purpose="consignment"
    )
    again = IdentityDocument.objects.get()
    assert (again.kind, again.mask, crypto.decrypt(again.number_encrypted)) == ("passport", "K1••••", "K12345678")


def test_a_purpose_is_required(enabled, privacy_officer, customer):
    with pytest.raises(ValidationError) as error:
        identity_document_set(by=privacy_officer, customer_id=customer.pk, kind="hkid", number=NUMBER, purpose=" ")
    assert "purpose" in error.value.message_dict
    assert not IdentityDocument.objects.exists()


def test_a_wrong_check_digit_is_refused(enabled, privacy_officer, customer):
    with pytest.raises(ValidationError, match="check digit"):
        identity_document_set(
            by=privacy_officer, customer_id=customer.pk, kind="hkid", number="A123456(4)", purpose=PURPOSE
        )
    assert not IdentityDocument.objects.exists()


def test_an_account_manager_may_not_record_one(enabled, manager, customer):
    with pytest.raises(PermissionDenied):
        identity_document_set(by=manager, customer_id=customer.pk, kind="hkid", number=NUMBER, purpose=PURPOSE)
    assert not IdentityDocument.objects.exists()


def test_a_supervisor_records_one_through_the_page(client, enabled, supervisor, customer):
    client.force_login(supervisor)
    assert client.get(set_url(customer)).status_code == 200
    # when
    response = client.post(set_url(customer), {"kind": "hkid", "number": "a123456 (3)", "purpose": PURPOSE})
    # then
    assert response.status_code == 302
    document = IdentityDocument.objects.get(customer=customer)
    assert (document.recorded_by, document.mask) == (supervisor, MASK)


def test_the_page_shows_a_bad_check_digit_on_the_form(client, enabled, supervisor, customer):
    client.force_login(supervisor)
    response = client.post(set_url(customer), {"kind": "hkid", "number": "A123456(4)", "purpose": PURPOSE})
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert not IdentityDocument.objects.exists()


def test_an_account_manager_cannot_open_the_record_page(client, enabled, manager, customer):
    client.force_login(manager)
    assert client.get(set_url(customer)).status_code == 404
    assert client.post(set_url(customer), {"kind": "hkid", "number": NUMBER, "purpose": PURPOSE}).status_code == 404
    assert not IdentityDocument.objects.exists()


# --- masking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "supervisor", "admin_user", "privacy_officer"])
def test_the_customer_page_shows_only_the_mask_to_every_role(client, request, document, customer, role):
    client.force_login(request.getfixturevalue(role))
    # when
    page = client.get(detail_url(customer)).content.decode()
    # then
    assert 'data-testid="identity-document"' in page
    assert MASK in page
    assert DIGITS not in page


def test_reveal_link_only_for_the_privacy_officer(client, document, customer, supervisor, privacy_officer):
    client.force_login(supervisor)
    assert reveal_url(customer) not in client.get(detail_url(customer)).content.decode()
    client.force_login(privacy_officer)
    assert reveal_url(customer) in client.get(detail_url(customer)).content.decode()


@pytest.mark.parametrize(
    ("number", "mask"),
    [
        ("A123456(3)", "A1••••(•)"),
        ("AB987654(3)", "AB9••••(•)"),
        ("K12345678", "K1••••"),
        ("123456789", "1••••"),
        ("XYZ", "XY••••"),
    ],
)
def test_mask_keeps_the_leading_letters_and_first_digit_only(number, mask):
    assert mask_number(number) == mask


# --- HKID check digits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("A123456(3)", "A123456(3)"),  # one letter (led by a space worth 36)
        ("a123456 (3)", "A123456(3)"),
        ("A1234563", "A123456(3)"),
        ("AB987654(3)", "AB987654(3)"),  # two letters
        ("G123456(A)", "G123456(A)"),  # check value 10 is written A
        ("K123456(0)", "K123456(0)"),  # check value 11 is 0
    ],
)
def test_valid_hkid_numbers(given, normal):
    assert hkid_normalise(given) == normal


@pytest.mark.parametrize("given", ["A123456(4)", "AB987654(2)", "G123456(0)", "K123456(A)"])
def test_wrong_check_digits_are_refused(given):
    with pytest.raises(ValidationError, match="check digit"):
        hkid_normalise(given)


@pytest.mark.parametrize("given", ["A12345(3)", "ABC123456(3)", "1234567(3)", "A123456(B)", "", "A1234567(3)"])
def test_malformed_hkid_numbers_are_refused(given):
    with pytest.raises(ValidationError, match="six digits"):
        hkid_normalise(given)


def test_check_digit_by_hand():
    # 36·9 + 10·8 + 1·7 + 2·6 + 3·5 + 4·4 + 5·3 + 6·2 = 481; 481 mod 11 = 8; 11 − 8 = 3
    assert hkid_check_digit("A", "123456") == "3"
    # 10·9 + 11·8 + 9·7 + 8·6 + 7·5 + 6·4 + 5·3 + 4·2 = 371; 371 mod 11 = 8; 11 − 8 = 3
    assert hkid_check_digit("AB", "987654") == "3"


# --- reveal -----------------------------------------------------------------------------------------


def test_a_privacy_officer_reveals_with_a_reason_and_it_is_logged(document, privacy_officer, customer):
    # when
    number = identity_document_reveal(by=privacy_officer, customer_id=customer.pk, reason="verify access request 12")
    # then
    assert number == NUMBER
    log = AccessLog.objects.get(action=AccessLog.Action.VIEW_SENSITIVE, customer=customer)
    assert (log.user, log.reason, log.view_name) == (
        privacy_officer,
        "verify access request 12",
        "privacy:identity-document-reveal",
    )


def test_reveal_needs_a_reason(document, privacy_officer, customer):
    with pytest.raises(ValidationError) as error:
        identity_document_reveal(by=privacy_officer, customer_id=customer.pk, reason="  ")
    assert "reason" in error.value.message_dict
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW_SENSITIVE).exists()


@pytest.mark.parametrize("role", ["manager", "supervisor", "admin_user"])
def test_reveal_needs_the_permission(request, document, customer, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        identity_document_reveal(by=user, customer_id=customer.pk, reason="curious")
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW_SENSITIVE).exists()


def test_reveal_needs_view_sensitive_too(document, customer, privacy_officer):
    from django.contrib.auth.models import Permission

    privacy_officer.groups.clear()
    privacy_officer.user_permissions.add(
        Permission.objects.get(content_type__app_label="privacy", codename="reveal_identitydocument")
    )
    user = type(privacy_officer).objects.get(pk=privacy_officer.pk)  # fresh permission cache
    assert user.has_perm("privacy.reveal_identitydocument")
    assert not user.has_perm("privacy.view_sensitive")
    with pytest.raises(PermissionDenied):
        identity_document_reveal(by=user, customer_id=customer.pk, reason="audit")


def test_the_reveal_page_shows_the_number_once_and_is_not_cached(client, document, privacy_officer, customer):
    client.force_login(privacy_officer)
    page = client.get(reveal_url(customer)).content.decode()
    assert DIGITS not in page
    # when
    response = client.post(reveal_url(customer), {"reason": "identity check for access request"})
    # then
    page = response.content.decode()
    assert NUMBER in page
    assert customer.name_en not in page  # never the name beside the number
    assert "no-store" in response["Cache-Control"]
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW_SENSITIVE, reason="identity check for access request"
    ).exists()


def test_the_reveal_page_without_a_reason_shows_nothing(client, document, privacy_officer, customer):
    client.force_login(privacy_officer)
    response = client.post(reveal_url(customer), {"reason": ""})
    assert response.status_code == 200
    assert DIGITS not in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW_SENSITIVE).exists()


def test_a_supervisor_cannot_open_the_reveal_page(client, document, supervisor, customer):
    client.force_login(supervisor)
    assert client.get(reveal_url(customer)).status_code == 404
    response = client.post(reveal_url(customer), {"reason": "curious"})
    assert response.status_code == 404
    assert DIGITS not in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW_SENSITIVE).exists()


# --- key rotation -----------------------------------------------------------------------------------


def test_a_token_from_a_rotated_key_still_decrypts(settings):
    settings.PRIVACY_FIELD_KEY = "the-old-key"
    token = crypto.encrypt(NUMBER)
    # when the key is rotated, the old one kept for decryption
    settings.PRIVACY_FIELD_KEY = "the-new-key"
    settings.PRIVACY_FIELD_OLD_KEYS = ["the-old-key"]
    # then
    assert crypto.decrypt(token) == NUMBER
    rotated = crypto.rotate(token)
    settings.PRIVACY_FIELD_OLD_KEYS = []
    assert crypto.decrypt(rotated) == NUMBER
    with pytest.raises(InvalidToken):
        crypto.decrypt(token)  # the old key forgotten: the old token is unreadable


def test_reveal_after_a_key_rotation(settings, privacy_officer, customer):
    settings.PRIVACY_IDENTITY_DOCUMENTS = True
    settings.PRIVACY_FIELD_KEY = "2025-key"
    identity_document_set(by=privacy_officer, customer_id=customer.pk, kind="hkid", number=NUMBER, purpose=PURPOSE)
    settings.PRIVACY_FIELD_KEY = "2026-key"
    settings.PRIVACY_FIELD_OLD_KEYS = ["2025-key"]
    assert identity_document_reveal(by=privacy_officer, customer_id=customer.pk, reason="rotation check") == NUMBER


def test_the_key_falls_back_to_the_secret_key(settings):
    settings.PRIVACY_FIELD_KEY = ""
    token = crypto.encrypt(NUMBER)
    settings.PRIVACY_FIELD_KEY = settings.SECRET_KEY
    assert crypto.decrypt(token) == NUMBER


# --- registry: export and erasure ------------------------------------------------------------------


def test_the_registration():
    registration = registry.get(IdentityDocument)
    assert registration.category == Category.IDENTITY
    assert "number_encrypted" in registration.sensitive_fields


def test_the_subjects_access_export_has_the_number_decrypted(document, customer):
    rows = access_export_data(customer_id=customer.pk)["privacy.IdentityDocument"]["rows"]
    assert [(row["kind"], row["number"], row["purpose"]) for row in rows] == [("hkid", NUMBER, PURPOSE)]
    assert "number_encrypted" not in rows[0]
    with zipfile.ZipFile(io.BytesIO(access_export_zip(customer_id=customer.pk))) as archive:
        assert NUMBER in archive.read("personal-data.html").decode()
        data = json.loads(archive.read("personal-data.json"))["data"]
        assert data["privacy.IdentityDocument"]["rows"][0]["number"] == NUMBER


def test_another_customers_export_does_not_have_it(document, central):
    other = CustomerFactory(home_store=central)
    assert access_export_data(customer_id=other.pk)["privacy.IdentityDocument"]["rows"] == []


def test_erasure_deletes_the_document(document, privacy_officer, customer):
    erasure = customer_erase(customer_id=customer.pk, by=privacy_officer)
    assert not IdentityDocument.objects.exists()
    assert raw_rows() == []
    assert erasure.counts["privacy.IdentityDocument"] == 1


# --- never in lists or exports ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "privacy_officer"])
def test_the_customer_list_and_exports_never_contain_it(client, request, document, customer, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    listing = client.get(reverse("customers:customer-list")).content.decode()
    assert customer.name_en in listing  # the customer is listed...
    for text in (MASK, "A1••••", DIGITS):  # ...without the number, even masked
        assert text not in listing
    csv = client.get(reverse("customers:customer-export")).content.decode("utf-8")
    assert customer.name_en in csv
    assert "A1••••" not in csv
    assert DIGITS not in csv
    response = client.get(reverse("customers:customer-export-xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    assert customer.name_en in cells
    assert "A1••••" not in cells
    assert DIGITS not in cells


def test_the_search_never_finds_a_customer_by_it(client, document, supervisor, customer):
    client.force_login(supervisor)
    for term in (NUMBER, "A123456", "A1••••(•)"):
        listing = client.get(reverse("customers:customer-list"), {"q": term}).content.decode()
        assert customer.name_en not in listing


def test_the_number_is_never_an_identifier():
    # no index, no uniqueness on the number or its mask (the one-to-one index is on the customer)
    for name in ("number_encrypted", "mask"):
        field = IdentityDocument._meta.get_field(name)
        assert not field.db_index
        assert not field.unique
    indexed = {f for index in IdentityDocument._meta.indexes for f in index.fields}
    indexed |= {f for constraint in IdentityDocument._meta.constraints for f in getattr(constraint, "fields", ())}
    assert not indexed & {"number_encrypted", "mask"}


def test_a_merge_keeps_the_survivors_document(enabled, privacy_officer, supervisor, central):
    from customers.services.data_quality import customer_merge

    survivor, duplicate = CustomerFactory(home_store=central), CustomerFactory(home_store=central)
    for person, number in ((survivor, NUMBER), (duplicate, "AB987654(3)")):
        identity_document_set(by=privacy_officer, customer_id=person.pk, kind="hkid", number=number, purpose=PURPOSE)
    # when
    customer_merge(by=supervisor, survivor_id=survivor.pk, merged_id=duplicate.pk)
    # then: the survivor's stays; the duplicate's stays on the tombstone (one per person), for erasure
    assert IdentityDocument.objects.get(customer=survivor).mask == MASK
    assert IdentityDocument.objects.get(customer=duplicate).mask == "AB9••••(•)"
