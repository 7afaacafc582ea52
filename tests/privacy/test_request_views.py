"""Pages of the requests register, the export download, the console and the access-log search."""

import io
import zipfile

import pytest

from privacy.models import AccessLog, DataRequest, LogBookEntry
from privacy.services import access_record
from privacy.services import requests as services
from tests.privacy.helpers import hk

pytestmark = pytest.mark.django_db


@pytest.fixture
def access_request(privacy_officer, customer):
    return services.request_register(
        by=privacy_officer,
        kind="access",
        requestor="Chan Tai Man",
        customer_id=customer.pk,
        received_at=hk(2026, 3, 1, 10),
    )


def test_the_privacy_officer_logs_a_request(client, privacy_officer, customer):
    client.force_login(privacy_officer)
    response = client.post(
        "/privacy/requests/new/",
        {"kind": "access", "customer": customer.pk, "requestor": "Chan Tai Man", "received_at": "2026-03-01T10:00"},
    )
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.customer, request.due_at) == (customer, hk(2026, 4, 10, 23, 59, 59))


def test_an_unknown_customer_number_is_refused(client, privacy_officer):
    client.force_login(privacy_officer)
    response = client.post(
        "/privacy/requests/new/",
        {"kind": "access", "customer": 999999, "requestor": "X", "received_at": "2026-03-01T10:00"},
    )
    assert response.status_code == 200
    assert not DataRequest.objects.exists()


def test_an_account_manager_cannot_log_or_see_requests(client, manager, access_request):
    client.force_login(manager)
    assert client.get("/privacy/requests/").status_code == 404
    assert client.get(f"/privacy/requests/{access_request.pk}/").status_code == 404
    response = client.post(
        "/privacy/requests/new/", {"kind": "access", "requestor": "X", "received_at": "2026-03-01T10:00"}
    )
    assert response.status_code == 404
    assert DataRequest.objects.count() == 1


def test_the_detail_and_the_list_show_the_request(client, privacy_officer, access_request, django_assert_num_queries):
    client.force_login(privacy_officer)
    assert client.get(f"/privacy/requests/{access_request.pk}/").status_code == 200
    assert AccessLog.objects.filter(view_name="privacy:request-detail", user=privacy_officer).count() == 1
    client.get("/privacy/requests/")
    with django_assert_num_queries(7):
        response = client.get("/privacy/requests/")
    assert list(response.context["requests"]) == [access_request]
    services.request_register(by=privacy_officer, kind="correction", requestor="B", received_at=hk(2026, 3, 2, 10))
    with django_assert_num_queries(7):
        assert len(client.get("/privacy/requests/").context["requests"]) == 2


def test_refusing_through_the_page_writes_the_log_book(client, privacy_officer, access_request):
    client.force_login(privacy_officer)
    client.post(f"/privacy/requests/{access_request.pk}/refuse/", {"ground": "s20_1_a", "reasons": "No ID"})
    access_request.refresh_from_db()
    assert access_request.status == DataRequest.Status.REFUSED
    assert LogBookEntry.objects.get().reasons == "No ID"


def test_an_account_manager_cannot_act_on_a_request(client, manager, access_request):
    client.force_login(manager)
    response = client.post(f"/privacy/requests/{access_request.pk}/refuse/", {"ground": "s20_1_a", "reasons": "x"})
    assert response.status_code == 404
    access_request.refresh_from_db()
    assert access_request.status == DataRequest.Status.RECEIVED


def test_the_export_downloads_a_zip_and_is_logged(client, privacy_officer, access_request, customer):
    client.force_login(privacy_officer)
    response = client.get(f"/privacy/requests/{access_request.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "personal-data.json" in names
    log = AccessLog.objects.get(action="export")
    assert (log.customer, log.reason) == (customer, f"data access request #{access_request.pk}")


def test_the_export_is_a_404_for_others(client, supervisor, access_request):
    client.force_login(supervisor)
    assert client.get(f"/privacy/requests/{access_request.pk}/export/").status_code == 404
    assert not AccessLog.objects.filter(action="export").exists()


def test_the_console_and_access_log_search(client, privacy_officer, access_request, customer, manager):
    access_record(user=manager, customer=customer, action="view", view_name="customers:customer-detail")
    access_record(user=privacy_officer, customer=customer, action="export", view_name="x")
    client.force_login(privacy_officer)
    assert client.get("/privacy/").status_code == 200
    who_viewed = client.get(f"/privacy/access-log/?customer={customer.pk}&action=view").context["entries"]
    assert [e.user for e in who_viewed] == [manager]
    exports = client.get(f"/privacy/access-log/?user={privacy_officer.username}&action=export").context["entries"]
    assert [e.action for e in exports] == ["export"]


def test_the_console_is_for_the_privacy_officer(client, manager, supervisor):
    for user in (manager, supervisor):
        client.force_login(user)
        assert client.get("/privacy/").status_code == 404
        assert client.get("/privacy/access-log/").status_code == 404


def test_open_requests_come_first_by_deadline(client, privacy_officer, customer):
    def logged(day):
        return services.request_register(
            by=privacy_officer, kind="access", requestor="X", customer_id=customer.pk, received_at=hk(2026, 3, day, 10)
        )

    closed, later, sooner = logged(1), logged(9), logged(5)
    services.request_verify_identity(by=privacy_officer, request_id=closed.pk, method="HKID")
    services.request_export(by=privacy_officer, request_id=closed.pk)
    services.request_complete(by=privacy_officer, request_id=closed.pk)
    client.force_login(privacy_officer)
    assert list(client.get("/privacy/requests/").context["requests"]) == [sooner, later, closed]


def test_the_console_lists_oral_consents_about_to_lapse(client, privacy_officer, manager, customer):
    from privacy.services.consent import consent_record
    from tests.privacy.helpers import published_notice

    published_notice(privacy_officer)
    consent_record(
        customer_id=customer.pk, by=manager, subject_classes=["events"], channels=["phone"], method="oral_phone"
    )
    client.force_login(privacy_officer)
    rows = client.get("/privacy/").context["oral_pending"]
    assert [row["customer_id"] for row in rows] == [customer.pk]
