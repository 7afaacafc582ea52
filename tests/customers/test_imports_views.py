"""The import pages and the Excel export: who gets what, what each request writes, and its query count."""

import io
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse

from customers import tasks
from customers.models import Customer, ImportJob
from privacy.models import AccessLog
from tests.customers.factories_imports import (
    csv_bytes,
    job_checked,
    media_root,  # noqa: F401 - autouse fixture
    row_counts,
    upload,
)
from tests.factories import AccountManagerFactory, CustomerFactory, UserFactory

LIST_URL = reverse("customers:import-list")
CREATE_URL = reverse("customers:import-create")
EXPORT_XLSX_URL = reverse("customers:customer-export-xlsx")
# Measured, and constant in the number of rows shown (see the tests below).
LIST_QUERIES = 7
DETAIL_QUERIES = 6

GOOD_FILE = csv_bytes([["external_id", "name_en"], ["C-1", "Chan Tai Man"], ["C-2", "Wong Siu Ming"]])
BAD_FILE = csv_bytes([["external_id", "name_en", "mobile_phone"], ["C-1", "Chan Tai Man", "12345"]])


def detail_url(job):
    return reverse("customers:import-detail", kwargs={"pk": job.pk})


def progress_url(job):
    return reverse("customers:import-progress", kwargs={"pk": job.pk})


def commit_url(job):
    return reverse("customers:import-commit", kwargs={"pk": job.pk})


def job_row(job) -> dict:
    return ImportJob.objects.filter(pk=job.pk).values().get()


@pytest.fixture
def ready_job(central, manager):
    """A checked file of manager's, ready to import."""
    return job_checked(by=manager, content=GOOD_FILE, store=central)


@pytest.fixture
def nobody(db):
    """Signed in, but with no role."""
    return UserFactory(username="nobody")


# --- List ------------------------------------------------------------------------------------------


def test_list_shows_an_account_manager_their_own_imports_only(client, manager, colleague, central):
    # given
    mine = job_checked(by=manager, content=GOOD_FILE, store=central, name="mine.csv")
    job_checked(by=colleague, content=GOOD_FILE, store=central, name="theirs.csv")
    client.force_login(manager)
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert list(response.context["jobs"]) == [mine]
    assert "mine.csv" in response.text
    assert "theirs.csv" not in response.text


def test_list_shows_a_supervisor_the_imports_of_their_store(client, supervisor, manager, other_manager, central, tst):
    # given
    ours = job_checked(by=manager, content=GOOD_FILE, store=central)
    job_checked(by=other_manager, content=GOOD_FILE, store=tst)
    client.force_login(supervisor)
    # when
    response = client.get(LIST_URL)
    # then
    assert list(response.context["jobs"]) == [ours]


def test_list_is_404_for_a_privacy_officer_and_a_user_without_a_role(client, privacy_officer, nobody):
    # given / when / then
    for user in (privacy_officer, nobody):
        client.force_login(user)
        assert client.get(LIST_URL).status_code == 404


@pytest.mark.parametrize("rows", [3, 20])
def test_list_query_count_is_constant(client, django_assert_num_queries, manager, central, rows):
    # given
    for n in range(rows):
        ImportJob.objects.create(
            kind="customers", file=f"imports/x{n}.csv", original_name=f"x{n}.csv", store=central, created_by=manager
        )
    client.force_login(manager)
    # when / then: session, user, 2 × permissions, roles, count, page
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert len(response.context["jobs"]) == rows


# --- Upload --------------------------------------------------------------------------------------------


def test_upload_form_documents_the_columns_and_links_the_templates(client, manager, central):
    # given
    client.force_login(manager)
    # when
    response = client.get(CREATE_URL)
    # then
    assert response.status_code == 200
    assert response.context["form"].initial["store"] == central.pk
    for column in ("external_id", "name_en", "birth_day", "receipt_no", "purchased_on", "serial_number"):
        assert f"<code>{column}</code>" in response.text
    assert reverse("customers:import-template", kwargs={"kind": "customers"}) in response.text
    assert reverse("customers:import-template", kwargs={"kind": "purchases"}) in response.text


def test_upload_saves_the_job_and_enqueues_the_check_after_commit(
    client, manager, central, django_capture_on_commit_callbacks
):
    # given
    client.force_login(manager)
    # when
    with (
        mock.patch.object(tasks.import_job_validate, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(
            CREATE_URL, {"kind": "customers", "store": central.pk, "file": upload(GOOD_FILE, "Clients 2024.csv")}
        )
    # then
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(job)
    assert (job.created_by, job.store, job.kind, job.original_name, job.status) == (
        manager,
        central,
        "customers",
        "Clients 2024.csv",
        ImportJob.Status.PENDING,
    )
    assert len(callbacks) == 1
    delay.assert_called_once_with(job.pk)


@pytest.mark.parametrize(
    ("name", "max_bytes", "message"),
    [
        ("customers.xls", None, "Upload a .csv or an .xlsx file."),
        ("customers.csv", 10, "The file is larger than 0 MB: split it into smaller files."),
    ],
)
def test_upload_refuses_other_files_and_large_ones(client, manager, central, settings, name, max_bytes, message):
    # given
    if max_bytes:
        settings.CRM_IMPORT_MAX_BYTES = max_bytes
    client.force_login(manager)
    # when
    with mock.patch.object(tasks.import_job_validate, "delay") as delay:
        response = client.post(CREATE_URL, {"kind": "customers", "file": upload(GOOD_FILE, name)})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    assert ImportJob.objects.count() == 0
    delay.assert_not_called()


def test_upload_into_another_store_is_refused(client, manager, central, tst):
    # given
    client.force_login(manager)
    # when
    response = client.post(CREATE_URL, {"kind": "customers", "store": tst.pk, "file": upload(GOOD_FILE)})
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["store"]
    assert ImportJob.objects.count() == 0


def test_upload_is_404_for_a_privacy_officer_and_creates_nothing(client, privacy_officer):
    # given
    client.force_login(privacy_officer)
    # when
    response = client.post(CREATE_URL, {"kind": "customers", "file": upload(GOOD_FILE)})
    # then
    assert response.status_code == 404
    assert ImportJob.objects.count() == 0


# --- Detail and progress ----------------------------------------------------------------------------------


def test_detail_of_a_checked_file_shows_the_counts_and_the_import_button(client, manager, ready_job):
    # given
    client.force_login(manager)
    # when
    response = client.get(detail_url(ready_job))
    # then
    assert response.status_code == 200
    assert response.context["can_commit"] is True
    assert "Import 2 rows" in response.text
    assert commit_url(ready_job) in response.text
    assert "hx-trigger" not in response.text  # finished: no polling


def test_detail_of_a_file_with_errors_lists_them_and_offers_a_corrected_upload(client, manager, central):
    # given
    job = job_checked(by=manager, content=BAD_FILE, store=central)
    client.force_login(manager)
    # when
    response = client.get(detail_url(job))
    # then
    assert response.status_code == 200
    assert "1 problem — nothing was written" in response.text
    assert "<code>mobile_phone</code>" in response.text
    assert "“12345” is not a valid phone number." in response.text
    assert f"{CREATE_URL}?kind=customers&amp;store={central.pk}" in response.text
    assert "Import 1 row" not in response.text


def test_detail_is_404_for_another_stores_manager_and_a_colleague(client, other_manager, colleague, ready_job):
    # given / when / then
    for user in (other_manager, colleague):
        client.force_login(user)
        assert client.get(detail_url(ready_job)).status_code == 404
        assert client.get(progress_url(ready_job)).status_code == 404


def test_detail_of_a_missing_job_is_the_same_404(client, manager, ready_job):
    # given
    client.force_login(manager)
    # when / then
    assert client.get(reverse("customers:import-detail", kwargs={"pk": ready_job.pk + 100})).status_code == 404


def test_detail_shows_a_supervisor_the_button_for_an_account_managers_file(client, supervisor, ready_job):
    # given
    client.force_login(supervisor)
    # when
    response = client.get(detail_url(ready_job))
    # then
    assert response.status_code == 200
    assert response.context["can_commit"] is True


def test_detail_query_count_is_constant(client, django_assert_num_queries, manager, central):
    # given a file with many errors
    content = csv_bytes([["external_id", "name_en"], *[[f"C-{n}", ""] for n in range(50)]])
    job = job_checked(by=manager, content=content, store=central)
    client.force_login(manager)
    # when / then: session, user, 2 × permissions, roles, job
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail_url(job))
    assert response.text.count("Enter an English or a Chinese name.") == 50


def test_progress_polls_every_second_while_the_job_runs(client, manager, central):
    # given a job being checked, 1,000 rows of 4,000 done
    job = ImportJob.objects.create(
        kind="customers",
        file="imports/x.csv",
        original_name="x.csv",
        created_by=manager,
        status=ImportJob.Status.VALIDATING,
        total_rows=4000,
        processed_rows=1000,
    )
    client.force_login(manager)
    # when
    response = client.get(progress_url(job), headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.text
    assert 'aria-valuenow="25"' in response.text
    assert "1,000 of 4,000 rows" in response.text
    assert "HX-Refresh" not in response
    assert "<html" not in response.text  # a fragment


def test_progress_of_a_finished_job_stops_polling_and_reloads_the_page(client, manager, ready_job):
    # given
    client.force_login(manager)
    # when
    response = client.get(progress_url(ready_job), headers={"HX-Request": "true"})
    # then
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.text


# --- Commit --------------------------------------------------------------------------------------------------


def test_commit_starts_the_import_and_enqueues_it_after_commit(
    client, manager, ready_job, django_capture_on_commit_callbacks
):
    # given
    client.force_login(manager)
    # when
    with (
        mock.patch.object(tasks.import_job_commit, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(commit_url(ready_job))
    # then
    assert response.status_code == 302
    assert response["Location"] == detail_url(ready_job)
    assert job_row(ready_job)["status"] == ImportJob.Status.COMMITTING
    assert len(callbacks) == 1
    delay.assert_called_once_with(ready_job.pk, manager.pk)


def test_commit_by_another_stores_manager_is_404_and_changes_nothing(
    client, other_manager, colleague, ready_job, django_capture_on_commit_callbacks
):
    # given
    before = job_row(ready_job)
    for user in (other_manager, colleague):
        client.force_login(user)
        # when
        with (
            mock.patch.object(tasks.import_job_commit, "delay") as delay,
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            response = client.post(commit_url(ready_job))
        # then
        assert response.status_code == 404
        assert callbacks == []
        delay.assert_not_called()
    assert job_row(ready_job) == before


def test_commit_of_a_job_with_errors_shows_why_and_changes_nothing(client, manager, central):
    # given
    job = job_checked(by=manager, content=BAD_FILE, store=central)
    before = job_row(job)
    client.force_login(manager)
    # when
    with mock.patch.object(tasks.import_job_commit, "delay") as delay:
        response = client.post(commit_url(job))
    # then
    assert response.status_code == 200
    assert response.context["commit_form"].non_field_errors() == [
        "This file cannot be imported now: it is “Has errors”."
    ]
    assert job_row(job) == before
    delay.assert_not_called()


def test_commit_answers_get_with_405(client, manager, ready_job):
    # given
    client.force_login(manager)
    # when / then
    assert client.get(commit_url(ready_job)).status_code == 405
    assert job_row(ready_job)["status"] == ImportJob.Status.READY


def test_the_whole_flow_through_the_pages_with_the_tasks_run_in_place(
    client, manager, central, django_capture_on_commit_callbacks
):
    # given tasks that run at once instead of going through the broker
    client.force_login(manager)
    with (
        mock.patch.object(tasks.import_job_validate, "delay", side_effect=tasks.import_job_validate.run),
        mock.patch.object(tasks.import_job_commit, "delay", side_effect=tasks.import_job_commit.run),
    ):
        # when the file is uploaded, then imported
        with django_capture_on_commit_callbacks(execute=True):
            client.post(CREATE_URL, {"kind": "customers", "store": central.pk, "file": upload(GOOD_FILE)})
        job = ImportJob.objects.get()
        assert job.status == ImportJob.Status.READY
        with django_capture_on_commit_callbacks(execute=True):
            client.post(commit_url(job))
    # then
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 2)
    assert set(Customer.objects.values_list("external_ref", "account_manager")) == {
        ("C-1", manager.pk),
        ("C-2", manager.pk),
    }
    response = client.get(detail_url(job))
    assert "Import another file" in response.text


# --- Template ---------------------------------------------------------------------------------------------------


def test_the_template_is_a_header_row_with_the_byte_order_mark(client, manager):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("customers:import-template", kwargs={"kind": "purchases"}))
    # then
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="purchases-import-template.csv"'
    assert response.content.decode("utf-8").startswith("\ufeffreceipt_no,customer_external_id,purchased_on,")


def test_the_template_of_an_unknown_kind_and_for_a_user_without_the_permission_is_404(client, manager, nobody):
    # given / when / then
    client.force_login(manager)
    assert client.get(reverse("customers:import-template", kwargs={"kind": "staff"})).status_code == 404
    client.force_login(nobody)
    assert client.get(reverse("customers:import-template", kwargs={"kind": "customers"})).status_code == 404


# --- Excel export ------------------------------------------------------------------------------------------------


def read_xlsx(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_export_xlsx_gives_the_filtered_list_and_logs_one_export_row_per_customer(client, supervisor, central, manager):
    # given two customers, one of them found by the search
    chan = CustomerFactory(
        home_store=central,
        account_manager=manager,
        name_en="Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        district="wan_chai",
    )
    CustomerFactory(home_store=central, name_en="Wong Siu Ming")
    client.force_login(supervisor)
    # when
    response = client.get(EXPORT_XLSX_URL, {"q": "Chan"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert read_xlsx(response.content) == [
        ("id", "name_en", "name_zh", "mobile_phone", "email", "district", "home_store", "account_manager"),
        (chan.pk, "Chan Tai Man", "陳大文", "+85291234567", chan.email, "Wan Chai", "Central", str(manager)),
    ]
    assert list(AccessLog.objects.values_list("user_id", "customer_id", "action", "view_name", "path")) == [
        (supervisor.pk, chan.pk, AccessLog.Action.EXPORT, "customers:customer-export-xlsx", EXPORT_XLSX_URL)
    ]


def test_export_xlsx_never_writes_a_formula(client, supervisor, central):
    # given a name that a spreadsheet would run
    CustomerFactory(home_store=central, name_en='=HYPERLINK("http://evil.example","Click")', name_zh="")
    client.force_login(supervisor)
    # when
    response = client.get(EXPORT_XLSX_URL)
    # then
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active["B2"]
    assert cell.data_type == "s"
    assert not str(cell.value).startswith("=")


def test_export_xlsx_is_404_for_an_account_manager_and_logs_nothing(client, manager, central):
    # given customers the account manager sees, but no export permission
    CustomerFactory(home_store=central, account_manager=manager)
    before = row_counts()
    client.force_login(manager)
    # when
    response = client.get(EXPORT_XLSX_URL)
    # then
    assert response.status_code == 404
    assert row_counts() == before


def test_export_xlsx_does_not_reach_another_store(client, central, tst):
    # given a supervisor of Tsim Sha Tsui, and a Central customer
    from tests.factories import SupervisorFactory

    tst_supervisor = SupervisorFactory(username="sup-tst", stores=[tst])
    CustomerFactory(home_store=central, name_en="Central only")
    client.force_login(tst_supervisor)
    # when
    response = client.get(EXPORT_XLSX_URL)
    # then
    assert read_xlsx(response.content)[1:] == []
    assert AccessLog.objects.count() == 0


def test_an_account_manager_of_two_stores_chooses_the_default_store(client, central, tst):
    # given
    two_stores = AccountManagerFactory(username="am-two", stores=[central, tst])
    client.force_login(two_stores)
    # when
    response = client.get(CREATE_URL, {"kind": "purchases", "store": str(tst.pk)})
    # then
    assert response.context["form"].initial["store"] == tst.pk
    assert response.context["form"].initial["kind"] == "purchases"
