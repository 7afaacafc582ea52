"""Customer imports: reading files, every error with its row and column, all or nothing, idempotency."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers.models import Customer, ImportJob
from customers.phones import _phone_to_e164_parsed, phone_to_e164
from customers.services import data_quality_imports as imports
from privacy.models import AccessLog
from tests.customers.factories_imports import (
    CUSTOMER_HEADER,
    FIXTURES,
    csv_bytes,
    errors_of,
    job_checked,
    job_imported,
    media_root,  # noqa: F401 - autouse fixture
    row_counts,
    upload,
)
from tests.factories import CustomerFactory, StoreFactory, UserFactory


@pytest.fixture
def customer(central, manager):
    """conftest's customer with a valid phone and an external id, in ``manager``'s book."""
    return CustomerFactory(
        home_store=central,
        account_manager=manager,
        name_en="Chan Tai Man",
        name_zh="陳大文",
        mobile_phone="+85291234567",
        email="tai.man@example.com",
        address="Flat A, 12/F, 88 Des Voeux Road Central",
        external_ref="C-1001",
    )


def fields(customer_ref: str, *names) -> tuple:
    return Customer.objects.filter(external_ref=customer_ref).values_list(*names).get()


# --- Reading files ------------------------------------------------------------------------------------


def test_a_utf8_csv_with_bom_is_checked_then_imported(central, manager):
    # given Excel's "CSV UTF-8" (with BOM), mixed-case headers, labels and codes, a multi-line cell
    content = (FIXTURES / "customers_utf8_bom.csv").read_bytes()
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then the preview counts three new customers and nothing is written yet
    assert (job.status, job.errors) == (ImportJob.Status.READY, [])
    assert (job.total_rows, job.processed_rows) == (3, 3)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (3, 0, 0)
    assert Customer.objects.count() == 0
    # when imported
    job = job_imported(by=manager, job=job)
    # then
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.unchanged_count) == (3, 0, 0)
    assert job.finished_at is not None
    assert fields(
        "C-1001", "name_zh", "mobile_phone", "email", "district", "birth_day", "birth_month", "preferred_language"
    ) == ("陳大文", "+85291234567", "tai.man@example.com", "wan_chai", 12, 3, "zh-hant")
    assert fields("C-1002", "mobile_phone", "district", "preferred_language", "notes", "home_store_id") == (
        "+85261234567",
        "kowloon_city",
        "en",
        "Prefers Grand Seiko",
        central.pk,  # the job's default store
    )
    assert fields("C-1003", "name_en", "name_zh", "notes") == ("", "李嘉欣", "Line one\nline two")
    # an account manager's imported customers are in their own book
    assert set(Customer.objects.values_list("account_manager_id", flat=True)) == {manager.pk}


def test_importing_writes_one_create_access_row_per_customer(central, manager):
    # given
    job = job_checked(by=manager, content=(FIXTURES / "customers_utf8_bom.csv").read_bytes(), store=central)
    # when
    job_imported(by=manager, job=job)
    # then
    rows = set(AccessLog.objects.values_list("user_id", "customer__external_ref", "action", "view_name", "reason"))
    reason = f"import #{job.pk}"
    assert rows == {
        (manager.pk, ref, AccessLog.Action.CREATE, "customers:import", reason) for ref in ("C-1001", "C-1002", "C-1003")
    }


def test_a_csv_without_bom_is_read_as_utf8(central, manager):
    # given
    content = csv_bytes([["external_id", "name_zh", "home_store"], ["C-1", "陳大文", "central"]])
    # when
    job = job_imported(by=manager, job=job_checked(by=manager, content=content))
    # then
    assert job.status == ImportJob.Status.DONE
    assert fields("C-1", "name_zh") == ("陳大文",)


def test_a_legacy_big5_csv_is_read_as_big5_hkscs(central, manager):
    # given the same file saved by a Traditional Chinese Windows ("CSV", Big5)
    content = (FIXTURES / "customers_big5.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    # when
    job = job_imported(by=manager, job=job_checked(by=manager, content=content, store=central))
    # then the Chinese names are read correctly
    assert job.status == ImportJob.Status.DONE
    assert sorted(Customer.objects.values_list("name_zh", flat=True)) == sorted(["陳大文", "黃小明", "李嘉欣"])


def test_a_file_in_another_encoding_is_refused_with_one_clear_error(central, manager):
    # given a Western Windows (cp1252) CSV, which is neither UTF-8 nor Big5
    before = row_counts()
    # when
    job = job_checked(by=manager, content=(FIXTURES / "customers_cp1252.csv").read_bytes(), store=central)
    # then
    assert job.status == ImportJob.Status.INVALID
    assert len(job.errors) == 1
    assert job.errors[0]["row"] is None
    assert "not UTF-8: save it as CSV UTF-8" in job.errors[0]["message"]
    assert row_counts() == before


def test_an_xlsx_file_is_read_with_numbers_as_excel_stores_them(central, manager):
    # given a workbook whose phone numbers and birthdays are number cells (61234567.0 too)
    content = (FIXTURES / "customers.xlsx").read_bytes()
    # when
    job = job_checked(by=manager, content=content, name="customers.xlsx")
    job = job_imported(by=manager, job=job)
    # then
    assert job.status == ImportJob.Status.DONE
    assert fields("X-1", "mobile_phone", "birth_day", "birth_month", "birth_year") == ("+85291234567", 29, 2, 1984)
    assert fields("X-2", "mobile_phone", "name_zh") == ("+85261234567", "")


def test_a_broken_xlsx_file_is_refused(central, manager):
    # given / when
    job = job_checked(by=manager, content=b"PK\x03\x04 not really a workbook", name="customers.xlsx")
    # then
    assert job.status == ImportJob.Status.INVALID
    assert errors_of(job) == [(None, "", "")]
    assert "could not be read as an Excel workbook" in job.errors[0]["message"]


def test_an_empty_file_and_a_header_only_file_are_refused(central, manager):
    # given / when
    empty = job_checked(by=manager, content=b"")
    header_only = job_checked(by=manager, content=csv_bytes([CUSTOMER_HEADER]))
    # then
    assert [e["message"] for e in empty.errors] == ["The file is empty."]
    assert [e["message"] for e in header_only.errors] == ["The file has a header row but no data rows."]


def test_a_row_longer_than_the_header_is_reported_with_its_row_number(central, manager):
    # given
    content = csv_bytes([["external_id", "name_en"], ["C-1", "Chan"], ["C-2", "Wong", "surplus"]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert job.status == ImportJob.Status.INVALID
    assert job.errors[0]["message"] == "Row 3 has more cells (3) than the header row has columns (2)."


def test_row_numbers_are_those_a_spreadsheet_shows_despite_blank_lines_and_multiline_cells(central, manager):
    # given a multi-line cell on row 2, a blank line (row 3), and a bad phone on row 4
    content = b'external_id,name_en,notes,mobile_phone\r\nC-1,Chan,"two\r\nlines",\r\n\r\nC-2,Wong,,123\r\n'
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert errors_of(job) == [(4, "mobile_phone", "123")]


# --- The header row -----------------------------------------------------------------------------------


def test_missing_required_columns_are_one_clear_error_each_before_any_row(central, manager):
    # given no external_id column, and a row that would fail too
    before = row_counts()
    content = csv_bytes([["mobile_phone", "home_store"], ["not a phone", "nowhere"]])
    # when
    job = job_checked(by=manager, content=content)
    # then only the header's problem is reported, on row 1
    assert job.status == ImportJob.Status.INVALID
    assert errors_of(job) == [(1, "external_id", "")]
    assert [e["message"] for e in job.errors] == ["The required column “external_id” is missing."]
    assert row_counts() == before


def test_new_customers_need_a_name_column_but_updates_do_not(central, manager, customer):
    # given a file without name columns: an update of a known customer, and a new one
    content = csv_bytes([["external_id", "email"], ["C-1001", "new@example.com"], ["C-2", "two@example.com"]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then only the new customer's row fails
    assert errors_of(job) == [(3, "name_en", "")]
    assert job.errors[0]["message"] == "Enter an English or a Chinese name."


def test_unknown_and_repeated_columns_are_refused(central, manager):
    # given a misspelt column and a repeated one
    content = csv_bytes([["external_id", "name_en", "mobile phone", "Name_EN"], ["C-1", "Chan", "91234567", "x"]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert errors_of(job) == [(1, "mobile phone", "mobile phone"), (1, "name_en", "name_en")]
    assert job.errors[0]["message"].startswith("Unknown column “mobile phone”. The columns are: external_id, name_en")
    assert job.errors[1]["message"] == "The column “name_en” appears twice."


# --- Rows: every error, with its row and column, and nothing written --------------------------------------


def test_every_bad_row_is_reported_with_row_column_and_value_and_nothing_is_written(central, tst, manager):
    # given a file with one problem per row, after a good row
    before = row_counts()
    content = csv_bytes(
        [
            [*CUSTOMER_HEADER, "birth_day", "birth_month"],
            ["C-1", "Good Row", "", "9123 4567", "good@example.com", "", "", "", ""],  # row 2: fine
            ["C-2", "Bad Phone", "", "12345", "", "", "", "", ""],  # row 3
            ["C-3", "Unknown Store", "", "", "", "", "nowhere", "", ""],  # row 4
            ["C-4", "Other Store", "", "", "", "", "tst", "", ""],  # row 5
            ["C-1", "Duplicate Id", "", "", "", "", "", "", ""],  # row 6
            ["C-6", "", "", "", "", "", "", "", ""],  # row 7: no name
            ["C-7", "Bad District", "", "", "", "Mong Kok", "", "", ""],  # row 8
            ["C-8", "Bad Birthday", "", "", "", "", "", "31", "2"],  # row 9
            ["", "No Id", "", "", "", "", "", "", ""],  # row 10
            ["C-10", "Bad Email", "", "", "not-an-email", "", "", "", ""],  # row 11
            ["C-11", "Bad Month", "", "", "", "", "", "", "13"],  # row 12
        ]
    )
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert job.status == ImportJob.Status.INVALID
    assert errors_of(job) == [
        (3, "mobile_phone", "12345"),
        (4, "home_store", "nowhere"),
        (5, "home_store", "tst"),
        (6, "external_id", "C-1"),
        (7, "name_en", ""),
        (8, "district", "Mong Kok"),
        (9, "birth_day", "31"),
        (10, "external_id", ""),
        (11, "email", "not-an-email"),
        (12, "birth_month", "13"),
    ]
    messages = {e["row"]: e["message"] for e in job.errors}
    assert messages[3] == "“12345” is not a valid phone number. Enter e.g. 9123 4567 or +852 9123 4567."
    assert messages[4] == "There is no store with the code “nowhere”."
    assert messages[5] == "You can only assign customers to your own stores."
    assert messages[6] == "The external_id “C-1” is already on row 2."
    assert messages[7] == "Enter an English or a Chinese name."
    assert messages[8].startswith("“Mong Kok” is not one of: central_western, eastern,")
    assert messages[9] == "That day does not exist in that month."
    assert messages[12] == "Ensure this value is less than or equal to 12."
    # and nothing is written
    assert row_counts() == before
    # the file is checked again at import: still nothing
    with pytest.raises(ValidationError):
        imports.import_job_commit(by=manager, job_id=job.pk)
    assert row_counts() == before


def test_errors_beyond_a_thousand_are_counted_not_listed(central, manager):
    # given 1,005 rows without a name
    content = csv_bytes([["external_id", "name_en"], *[[f"C-{n}", ""] for n in range(1005)]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert len(job.errors) == imports.MAX_ERRORS_KEPT + 1
    assert job.errors[-1]["row"] is None
    assert job.errors[-1]["message"].startswith("… and 5 more errors, not listed.")


def test_a_row_without_a_store_needs_a_default_store(central, tst, supervisor):
    # given a supervisor of two stores, uploading without a default store
    tst.staff.add(supervisor)
    content = csv_bytes([["external_id", "name_en"], ["C-1", "Chan"]])
    # when
    job = job_checked(by=supervisor, content=content)
    # then
    assert job.store is None
    assert errors_of(job) == [(2, "home_store", "")]
    assert job.errors[0]["message"] == "Enter the home_store, or choose a default store when uploading."


# --- Assignment rules: those of customer_create and customer_update -----------------------------------------


def test_an_account_manager_cannot_import_customers_into_another_book(central, manager, colleague):
    # given
    content = csv_bytes([["external_id", "name_en", "account_manager"], ["C-1", "Chan", colleague.username]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert errors_of(job) == [(2, "account_manager", colleague.username)]
    assert job.errors[0]["message"] == "Customers you add or edit stay in your own book."


def test_a_supervisor_assigns_account_managers_of_the_customers_store(
    central, tst, supervisor, colleague, other_manager
):
    # given a colleague of Central, and an account manager of another store
    content = csv_bytes(
        [
            ["external_id", "name_en", "account_manager"],
            ["C-1", "Chan", colleague.username],
            ["C-2", "Wong", other_manager.username],
            ["C-3", "Lee", "nobody-by-that-name"],
        ]
    )
    # when
    job = job_checked(by=supervisor, content=content, store=central)
    # then
    assert errors_of(job) == [(3, "account_manager", "am-tst"), (4, "account_manager", "nobody-by-that-name")]
    assert job.errors[0]["message"] == "Choose an account manager who works at the customer's home store."
    assert job.errors[1]["message"] == "There is no staff member with the username “nobody-by-that-name”."


def test_an_account_manager_cannot_update_a_colleagues_customer(central, manager, colleague):
    # given a customer in the colleague's book, with an external id
    theirs = CustomerFactory(home_store=central, account_manager=colleague, name_en="Theirs", external_ref="C-9")
    before = Customer.objects.filter(pk=theirs.pk).values().get()
    # when
    job = job_checked(by=manager, content=csv_bytes([["external_id", "name_en"], ["C-9", "Mine now"]]), store=central)
    # then
    assert errors_of(job) == [(2, "external_id", "C-9")]
    assert "you may not edit it" in job.errors[0]["message"]
    assert Customer.objects.filter(pk=theirs.pk).values().get() == before


def test_an_account_manager_cannot_change_sensitive_data_but_a_supervisor_can(central, manager, supervisor, customer):
    # given a file changing the address of manager's customer
    content = csv_bytes([["external_id", "name_en", "address"], ["C-1001", "Chan Tai Man", "1 Queen's Road"]])
    # when the account manager checks it
    refused = job_checked(by=manager, content=content, store=central)
    # then
    assert errors_of(refused) == [(2, "address", "1 Queen's Road")]
    assert refused.errors[0]["message"] == "You may not change sensitive personal data."
    # when the supervisor imports it
    done = job_imported(by=supervisor, job=job_checked(by=supervisor, content=content, store=central))
    # then
    assert done.status == ImportJob.Status.DONE
    assert fields("C-1001", "address") == ("1 Queen's Road",)


def test_an_account_manager_adds_sensitive_data_to_new_customers(central, manager):
    # given (as customer_create allows)
    content = csv_bytes([["external_id", "name_en", "address", "birth_month"], ["C-1", "Chan", "1 Queen's Road", "5"]])
    # when
    job = job_imported(by=manager, job=job_checked(by=manager, content=content, store=central))
    # then
    assert job.status == ImportJob.Status.DONE
    assert fields("C-1", "address", "birth_month") == ("1 Queen's Road", 5)


def test_a_user_without_the_import_permission_cannot_upload(central, privacy_officer):
    # given / when / then
    with pytest.raises(PermissionDenied):
        imports.import_job_create(
            by=privacy_officer, kind="customers", uploaded_file=upload(csv_bytes([CUSTOMER_HEADER]))
        )
    assert ImportJob.objects.count() == 0


def test_upload_into_another_store_is_refused(central, tst, manager):
    # given / when / then
    with pytest.raises(ValidationError) as excinfo:
        imports.import_job_create(
            by=manager, kind="customers", uploaded_file=upload(csv_bytes([CUSTOMER_HEADER])), store=tst
        )
    assert excinfo.value.message_dict == {"store": ["You can only import into your own stores."]}
    assert ImportJob.objects.count() == 0


def test_an_account_manager_of_one_store_gets_it_as_the_default_store(central, manager):
    # given / when
    job = imports.import_job_create(by=manager, kind="customers", uploaded_file=upload(csv_bytes([CUSTOMER_HEADER])))
    # then
    assert job.store == central
    assert job.status == ImportJob.Status.PENDING
    assert job.original_name == "customers.csv"
    assert job.file.name.startswith("imports/")
    assert job.file.name.endswith(".csv")


def test_a_file_too_large_is_refused(central, manager, settings):
    # given
    settings.CRM_IMPORT_MAX_BYTES = 10
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        imports.import_job_create(by=manager, kind="customers", uploaded_file=upload(csv_bytes([CUSTOMER_HEADER])))
    assert list(excinfo.value.message_dict) == ["file"]
    assert ImportJob.objects.count() == 0


# --- Updates and idempotency ------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(central, manager):
    # given a file imported once
    content = (FIXTURES / "customers_utf8_bom.csv").read_bytes()
    job_imported(by=manager, job=job_checked(by=manager, content=content, store=central))
    rows_before = list(Customer.objects.order_by("pk").values())
    counts_before = row_counts()
    # when the same file is imported again
    again = job_checked(by=manager, content=content, store=central)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    again = job_imported(by=manager, job=again)
    # then
    assert again.status == ImportJob.Status.DONE
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert list(Customer.objects.order_by("pk").values()) == rows_before  # updated_at too
    assert row_counts() == counts_before  # and no access row: nothing was touched


def test_a_changed_row_updates_the_customer_and_logs_the_fields_changed(central, manager, customer):
    # given a file with a new e-mail (upper case) and the same phone written another way
    content = csv_bytes([["external_id", "email", "mobile_phone"], ["C-1001", "New@Example.com", "9123 4567"]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 0)
    job = job_imported(by=manager, job=job)
    # then
    customer.refresh_from_db()
    assert (customer.email, customer.mobile_phone) == ("new@example.com", "+85291234567")
    assert list(AccessLog.objects.values_list("customer_id", "action", "view_name", "reason")) == [
        (customer.pk, AccessLog.Action.EDIT, "customers:import", f"import #{job.pk}: email")
    ]


def test_an_empty_cell_keeps_the_stored_value(central, manager, customer):
    # given a file whose email cell is empty
    content = csv_bytes([["external_id", "name_en", "email", "address"], ["C-1001", "Chan Tai Man", "", ""]])
    # when
    job = job_checked(by=manager, content=content, store=central)
    # then
    assert (job.status, job.unchanged_count) == (ImportJob.Status.READY, 1)
    assert fields("C-1001", "email", "address") == ("tai.man@example.com", "Flat A, 12/F, 88 Des Voeux Road Central")


def test_the_import_validates_again_and_writes_nothing_if_the_data_changed_meanwhile(central, manager):
    # given a checked file, then somebody else takes one of its external ids in another store
    content = csv_bytes([["external_id", "name_en"], ["C-1", "Chan"], ["C-2", "Wong"]])
    job = job_checked(by=manager, content=content, store=central)
    assert job.status == ImportJob.Status.READY
    CustomerFactory(home_store=StoreFactory(code="mk"), name_en="Somebody else", external_ref="C-2")
    before = row_counts()
    # when imported
    job = job_imported(by=manager, job=job)
    # then
    assert job.status == ImportJob.Status.INVALID
    assert errors_of(job) == [(3, "external_id", "C-2")]
    assert row_counts() == before


def test_a_row_changed_between_preparing_and_writing_is_prepared_again(central, manager, customer, monkeypatch):
    # given a checked file changing the customer's notes
    content = csv_bytes([["external_id", "notes"], ["C-1001", "From the file"]])
    job = job_checked(by=manager, content=content, store=central)
    imports.import_job_commit(by=manager, job_id=job.pk)
    # ... and a colleague saving the customer right after the import prepared its rows (once)
    prepare = imports._plan_make
    calls = []

    def prepare_then_edit(*, job):
        plan = prepare(job=job)
        if not calls:
            Customer.objects.filter(pk=customer.pk).update(
                name_en="Edited meanwhile", updated_at=customer.updated_at.replace(year=2030)
            )
        calls.append(plan)
        return plan

    monkeypatch.setattr(imports, "_plan_make", prepare_then_edit)
    # when
    job = imports.import_job_commit_run(job_id=job.pk, by_id=manager.pk)
    # then the rows were prepared again, and the colleague's change is kept beside the file's
    assert len(calls) == 2
    assert job.status == ImportJob.Status.DONE
    assert fields("C-1001", "name_en", "notes") == ("Edited meanwhile", "From the file")


def test_a_customer_merged_into_another_cannot_be_updated_by_its_old_id(central, manager, customer):
    # given
    CustomerFactory(home_store=central, account_manager=manager, external_ref="OLD-1", merged_into=customer)
    # when
    job = job_checked(by=manager, content=csv_bytes([["external_id", "name_en"], ["OLD-1", "Chan"]]), store=central)
    # then
    assert errors_of(job) == [(2, "external_id", "OLD-1")]
    assert "merged into another record" in job.errors[0]["message"]


def test_only_the_creator_a_supervisor_or_an_admin_may_press_import(central, manager, colleague, supervisor):
    # given
    job = job_checked(by=manager, content=csv_bytes([["external_id", "name_en"], ["C-1", "Chan"]]), store=central)
    # when / then a colleague cannot, and the job stays READY
    with pytest.raises(PermissionDenied):
        imports.import_job_commit(by=colleague, job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    # when the supervisor does
    job = job_imported(by=supervisor, job=job)
    # then the customers are the account manager's (their file, their rules), and the log names both
    assert job.status == ImportJob.Status.DONE
    assert fields("C-1", "account_manager_id") == (manager.pk,)
    assert list(AccessLog.objects.values_list("user_id", "reason")) == [
        (manager.pk, f"import #{job.pk}, imported by {supervisor.username}")
    ]


def test_a_job_that_is_not_ready_cannot_be_imported(central, manager):
    # given a job with errors
    job = job_checked(by=manager, content=csv_bytes([["external_id", "name_en"], ["C-1", ""]]), store=central)
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        imports.import_job_commit(by=manager, job_id=job.pk)
    assert excinfo.value.messages == ["This file cannot be imported now: it is “Has errors”."]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID


def test_an_inactive_creator_imports_nothing(central, manager):
    # given a checked file whose creator then left
    job = job_checked(by=manager, content=csv_bytes([["external_id", "name_en"], ["C-1", "Chan"]]), store=central)
    imports.import_job_commit(by=manager, job_id=job.pk)
    type(manager).objects.filter(pk=manager.pk).update(is_active=False)
    before = row_counts()
    # when
    job = imports.import_job_commit_run(job_id=job.pk, by_id=manager.pk)
    # then
    assert job.status == ImportJob.Status.INVALID
    assert job.errors[0]["message"] == "You may not import customers."
    assert row_counts() == before


def test_the_template_has_every_column_and_excel_s_byte_order_mark():
    # given / when
    template = imports.import_template_csv("customers")
    # then
    assert template == "\ufeff" + ",".join(c.name for c in imports.CUSTOMER_COLUMNS) + "\r\n"


def test_users_without_a_store_import_nothing(db):
    # given a user with the role but no store
    from crm_site import roles

    loner = UserFactory(username="loner", role=roles.ACCOUNT_MANAGER)
    # when
    job = job_checked(by=loner, content=csv_bytes([["external_id", "name_en"], ["C-1", "Chan"]]))
    # then
    assert errors_of(job) == [(2, "home_store", "")]


@pytest.mark.parametrize(
    "raw",
    [
        *("9123 4567", "91234567", "+852 9123 4567", "+85291234567", "6123-4567", "5123 4567", "2123 4567"),
        *("3123-4567", "9000 0001", "+852 9000 0001", "1234 5678", "8123 4567", "0123 4567", "(852) 9123 4567"),
        *("+44 20 7946 0958", "9123 456", "12345", "not a phone", "+852 9123 45678"),
    ],
)
def test_the_phone_shortcut_agrees_with_phonenumbers_full_parse(raw):
    # given / when
    try:
        expected = _phone_to_e164_parsed(raw.strip(), region="HK")
    except ValidationError as exc:
        expected = exc.messages
    try:
        got = phone_to_e164(raw)
    except ValidationError as exc:
        got = exc.messages
    # then
    assert got == expected
