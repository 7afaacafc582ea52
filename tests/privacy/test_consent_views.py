"""Pages of the consent ledger, the opt-out pages, the contact list and the notices."""

import pytest

from privacy.models import AccessLog, ConsentEvent, Notice, Suppression
from privacy.selectors import optout_path
from privacy.services.consent import consent_record
from tests.factories import CustomerFactory
from tests.privacy.helpers import published_notice

pytestmark = pytest.mark.django_db

CONSENT_POST = {
    "purpose": "direct_marketing",
    "subject_classes": ["new_releases"],
    "channels": ["sms"],
    "method": "signed_form",
    "occurred_at": "2026-03-01T10:00",
}


@pytest.fixture
def dm_notice(privacy_officer):
    return published_notice(privacy_officer)


@pytest.fixture
def consented(dm_notice, manager, customer):
    consent_record(
        customer_id=customer.pk, by=manager, subject_classes=["new_releases"], channels=["sms"], method="signed_form"
    )
    return customer


def test_an_account_manager_records_in_store_consent(client, dm_notice, manager, customer):
    client.force_login(manager)
    assert client.get(f"/privacy/customers/{customer.pk}/consent/new/").status_code == 200
    response = client.post(f"/privacy/customers/{customer.pk}/consent/new/", CONSENT_POST)
    assert response.status_code == 302
    event = ConsentEvent.objects.get()
    assert (event.customer, event.recorded_by, event.notice, event.method) == (
        customer,
        manager,
        dm_notice,
        "signed_form",
    )


def test_the_consent_form_has_no_box_ticked_for_the_customer(client, dm_notice, manager, customer):
    client.force_login(manager)
    html = client.get(f"/privacy/customers/{customer.pk}/consent/new/").content.decode()
    assert 'type="checkbox"' in html
    assert "checked" not in html


def test_consent_for_a_customer_of_another_store_is_a_404(client, dm_notice, other_manager, customer):
    client.force_login(other_manager)
    assert client.post(f"/privacy/customers/{customer.pk}/consent/new/", CONSENT_POST).status_code == 404
    assert not ConsentEvent.objects.exists()


def test_a_user_without_the_permission_cannot_record_consent(client, dm_notice, admin_user, customer):
    client.force_login(admin_user)
    assert client.post(f"/privacy/customers/{customer.pk}/consent/new/", CONSENT_POST).status_code == 404
    assert not ConsentEvent.objects.exists()


def test_the_history_shows_the_ledger_and_logs_the_read(client, consented, manager):
    client.force_login(manager)
    response = client.get(f"/privacy/customers/{consented.pk}/consent/")
    assert response.status_code == 200
    assert "Signed form in store" in response.content.decode()
    assert AccessLog.objects.filter(customer=consented, view_name="privacy:consent-history").exists()


def test_the_history_of_another_store_is_a_404(client, consented, other_manager):
    client.force_login(other_manager)
    assert client.get(f"/privacy/customers/{consented.pk}/consent/").status_code == 404
    assert not AccessLog.objects.filter(user=other_manager).exists()


def test_the_customer_page_shows_the_consent_state(client, consented, manager):
    client.force_login(manager)
    html = client.get(consented.get_absolute_url()).content.decode()
    assert "New watch releases · SMS" in html
    assert "Granted" in html


def test_staff_opt_out_suppresses_and_withdraws(client, consented, manager):
    client.force_login(manager)
    response = client.post(f"/privacy/customers/{consented.pk}/consent/withdraw/", {"opt_out_everything": "on"})
    assert response.status_code == 302
    assert Suppression.objects.count() == 2
    assert ConsentEvent.objects.filter(action="withdrawn").count() == 2  # both purposes


def test_staff_of_another_store_cannot_withdraw(client, consented, other_manager):
    client.force_login(other_manager)
    response = client.post(f"/privacy/customers/{consented.pk}/consent/withdraw/", {"opt_out_everything": "on"})
    assert response.status_code == 404
    assert not Suppression.objects.exists()


def test_the_opt_out_link_works_without_login(client, consented):
    url = optout_path(customer_id=consented.pk)
    assert client.get(url).status_code == 200
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 200
    assert ConsentEvent.objects.filter(customer=consented, action="withdrawn", method="opt_out_link").exists()


def test_a_forged_opt_out_link_is_a_404(client, consented):
    response = client.post(f"/privacy/opt-out/{consented.pk}/")
    assert response.status_code == 404
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()


def test_the_public_opt_out_page_answers_the_same_for_unknown_numbers(client, consented):
    known = client.post("/privacy/opt-out/", {"phone": consented.mobile_phone})
    unknown = client.post("/privacy/opt-out/", {"phone": "+85290000001"})
    assert known.status_code == unknown.status_code == 200
    assert 'data-testid="optout-done"' in known.content.decode()
    assert 'data-testid="optout-done"' in unknown.content.decode()
    # the known record's phone and e-mail, and the unknown phone (kept should it be imported later)
    assert Suppression.objects.count() == 3


def test_the_contact_list_goes_through_the_gate(client, consented, manager, central, django_assert_num_queries):
    CustomerFactory(home_store=central)  # no consent
    client.force_login(manager)
    url = "/privacy/contact-list/?purpose=direct_marketing&subject_class=new_releases&channel=sms"
    response = client.get(url)
    assert list(response.context["customers"]) == [consented]
    assert client.get(url.replace("sms", "email")).context["customers"].count() == 0


def test_the_contact_list_query_count_is_constant(client, dm_notice, manager, central, django_assert_num_queries):
    url = "/privacy/contact-list/?purpose=direct_marketing&subject_class=new_releases&channel=sms"
    client.force_login(manager)
    for _i in range(3):
        customer = CustomerFactory(home_store=central, account_manager=manager)
        consent_record(
            customer_id=customer.pk, by=manager, subject_classes=["new_releases"], channels=["sms"], method="online"
        )
    client.get(url)  # warm the session and permission caches
    with django_assert_num_queries(7) as captured:
        client.get(url)
    assert len(captured.captured_queries) == 7


def test_the_contact_list_hides_other_stores(client, consented, other_manager):
    client.force_login(other_manager)
    url = "/privacy/contact-list/?purpose=direct_marketing&subject_class=new_releases&channel=sms"
    assert list(client.get(url).context["customers"]) == []


def test_exporting_the_contact_list_is_logged(client, consented, supervisor):
    client.force_login(supervisor)
    response = client.get(
        "/privacy/contact-list/export/?purpose=direct_marketing&subject_class=new_releases&channel=sms"
    )
    assert response.status_code == 200
    body = b"".join(response).decode()
    assert consented.mobile_phone in body
    assert "/privacy/opt-out/" in body
    log = AccessLog.objects.get(action="export")
    assert (log.customer, log.reason) == (consented, "contact list direct_marketing/new_releases/sms")


def test_an_account_manager_cannot_export_the_contact_list(client, consented, manager):
    client.force_login(manager)
    response = client.get(
        "/privacy/contact-list/export/?purpose=direct_marketing&subject_class=new_releases&channel=sms"
    )
    assert response.status_code == 404
    assert not AccessLog.objects.filter(action="export").exists()


def test_the_privacy_officer_drafts_and_publishes_a_notice(client, privacy_officer):
    client.force_login(privacy_officer)
    response = client.post(
        "/privacy/notices/new/",
        {
            "kind": "pics",
            "title_en": "PICS",
            "title_zh": "收集個人資料聲明",
            "body_en": "We collect...",
            "body_zh": "我們收集……",
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    client.post(f"/privacy/notices/{notice.pk}/publish/")
    notice.refresh_from_db()
    assert notice.is_published
    assert client.get("/privacy/notice/pics/").status_code == 200


def test_an_account_manager_cannot_publish(client, manager, privacy_officer):
    notice = Notice.objects.create(kind="pics", version=1, title_en="a", title_zh="b", body_en="c", body_zh="d")
    client.force_login(manager)
    assert client.post(f"/privacy/notices/{notice.pk}/publish/").status_code == 404
    assert client.post("/privacy/notices/new/", {"kind": "pics"}).status_code == 404
    notice.refresh_from_db()
    assert not notice.is_published
    assert Notice.objects.count() == 1


def test_a_bulk_customer_export_needs_a_reason(client, supervisor, central, settings):
    # given more customers than the limit
    settings.PRIVACY_BULK_EXPORT_LIMIT = 2
    for _i in range(3):
        CustomerFactory(home_store=central)
    client.force_login(supervisor)
    # when exporting without a reason: the page asks why, nothing is exported or logged
    response = client.get("/customers/export.csv?q=")
    assert response["Content-Type"].startswith("text/html")
    assert 'data-testid="export-reason"' in response.content.decode()
    assert not AccessLog.objects.filter(action="export").exists()
    # when the reason is given
    response = client.get("/customers/export.csv?q=&export_reason=Year-end mailing check")
    assert response["Content-Type"].startswith("text/csv")
    reasons = set(AccessLog.objects.filter(action="export").values_list("reason", "path"))
    assert reasons == {("bulk export: Year-end mailing check", "/customers/export.csv")}


def test_a_small_export_needs_no_reason(client, supervisor, central, settings):
    settings.PRIVACY_BULK_EXPORT_LIMIT = 5
    CustomerFactory(home_store=central)
    client.force_login(supervisor)
    assert client.get("/customers/export.csv")["Content-Type"].startswith("text/csv")


def test_recording_consent_is_logged_as_a_change(client, dm_notice, manager, customer):
    client.force_login(manager)
    client.post(f"/privacy/customers/{customer.pk}/consent/new/", CONSENT_POST)
    log = AccessLog.objects.get(action="edit")
    assert (log.user, log.customer, log.reason) == (manager, customer, "consent recorded (direct_marketing)")


def test_the_signed_form_is_kept_and_downloadable_by_staff_who_see_the_customer(
    client, dm_notice, manager, other_manager, customer, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client.force_login(manager)
    scan = SimpleUploadedFile("signed-form.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    client.post(f"/privacy/customers/{customer.pk}/consent/new/", {**CONSENT_POST, "evidence": scan})
    event = ConsentEvent.objects.get()
    url = f"/privacy/customers/{customer.pk}/consent/{event.pk}/evidence/"
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 signed"
    assert AccessLog.objects.filter(view_name="privacy:consent-evidence", user=manager).exists()
    # another store's manager gets the same 404 as for a missing file, and nothing is logged
    client.force_login(other_manager)
    assert client.get(url).status_code == 404
    assert not AccessLog.objects.filter(view_name="privacy:consent-evidence", user=other_manager).exists()
