"""Regular reports: definitions scheduled through django-celery-beat, runs that render a PDF and a CSV,
archive them, e-mail them, and show strengths and weaknesses (against the previous period and targets)."""

import csv
import datetime
import io
import json
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from crm_site.celery import app as celery_app
from reports.models import KpiTarget, ReportDefinition, ReportDownload, ReportRun
from reports.services import definitions, runs
from reports.services.snapshots import snapshot_write
from tests.factories import AccountManagerFactory, AdminFactory, StoreFactory, SupervisorFactory
from tests.reports.kpi_data import D, build_kpi_data
from tests.reports.test_pdf import parse


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _definition(owner, **fields):
    definition = ReportDefinition(
        name=fields.pop("name", "Weekly Central"),
        sections=fields.pop("sections", ["customers", "complaints"]),
        period=fields.pop("period", "7d"),
        recipients=fields.pop("recipients", "boss@example.com, ops@example.com"),
        **fields,
    )
    return definition


def _snapshots():
    for offset in range(14):
        snapshot_write(day=D - datetime.timedelta(days=offset))


def test_saving_a_definition_schedules_it_and_editing_updates_the_schedule(central):
    supervisor = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(by=supervisor, definition=_definition(supervisor), stores=[central])
    task = PeriodicTask.objects.get(pk=definition.periodic_task_id)
    assert task.task == "reports.tasks.report_run_scheduled"
    assert json.loads(task.args) == [definition.pk]
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("7", "0", "1")
    assert task.crontab.timezone.key == "Asia/Hong_Kong"
    definition.hour, definition.is_active = 9, False
    definitions.definition_save(by=supervisor, definition=definition, stores=[central])
    task.refresh_from_db()
    assert task.crontab.hour == "9"
    assert task.enabled is False
    assert PeriodicTask.objects.filter(task="reports.tasks.report_run_scheduled").count() == 1


def test_a_definition_cannot_cover_stores_the_owner_does_not_see(central, tst):
    supervisor = SupervisorFactory(stores=[central])
    with pytest.raises(ValidationError) as error:
        definitions.definition_save(by=supervisor, definition=_definition(supervisor), stores=[tst])
    assert "stores" in error.value.message_dict
    assert not ReportDefinition.objects.exists()
    assert not PeriodicTask.objects.filter(task="reports.tasks.report_run_scheduled").exists()


@pytest.mark.django_db
def test_a_run_renders_archives_and_emails_with_strengths_weaknesses_and_targets():
    data = build_kpi_data()
    _snapshots()
    supervisor = SupervisorFactory(stores=[data["c"]])
    definition = definitions.definition_save(by=supervisor, definition=_definition(supervisor), stores=[])
    KpiTarget.objects.create(code="csat", value=Decimal("0.9"))  # Central's CSAT is 0 %: missed
    KpiTarget.objects.create(code="complaints_overdue", value=Decimal("0"))  # one overdue: missed
    KpiTarget.objects.create(code="active_customers", value=Decimal("2"))  # two: met
    run = ReportRun.objects.create(definition=definition)

    run = runs.run_execute(run_id=run.pk)

    assert run.status == "succeeded", run.error
    assert (run.period_start, run.period_end) == (D - datetime.timedelta(days=6), D)
    parsed = parse(run.pdf.read())
    text = b"".join(parsed["pages"])
    assert b"(Strengths) Tj" in text
    assert b"(Against targets) Tj" in text
    assert b"(missed) Tj" in text
    rows = list(csv.DictReader(io.StringIO(run.csv.read().decode("utf-8-sig"))))
    by_code = {row["code"]: row for row in rows}
    assert by_code["active_customers"]["this_period"] == "2"  # Central only: the supervisor's store
    assert by_code["active_customers"]["target_met"] == "yes"
    assert by_code["csat"]["target_met"] == "no"
    assert by_code["complaints_overdue"]["target_met"] == "no"
    assert {row["section"] for row in rows} == {"customers", "complaints"}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com", "ops@example.com"]
    assert [name.rsplit(".", 1)[1] for name, _content, _type in message.attachments] == ["pdf", "csv"]
    assert run.emailed_to == "boss@example.com, ops@example.com"
    # a redelivered message does nothing
    assert runs.run_execute(run_id=run.pk).finished_at == run.finished_at
    assert len(mail.outbox) == 1


def test_movers_read_lower_is_better_lines_the_other_way_round():
    from reports.selectors import Line

    lines = [
        Line("Active", "count", 120, 100, 0, code="active_customers"),  # +20 %: a strength
        Line("Overdue", "count", 6, 3, 0, code="complaints_overdue"),  # +100 %: a weakness
        Line("Lost", "count", 5, 10, 0, code="retention_lost"),  # -50 %: a strength
        Line("Retention", "percent", 0.5, 0.6, 0, code="retention_rate"),  # -10 points: a weakness
        Line("Flat", "count", 3, 3, 0, code="csat_answers"),
    ]
    moved = runs.movers(lines)
    assert [line.code for line in moved["strengths"]] == ["retention_lost", "active_customers"]
    assert [line.code for line in moved["weaknesses"]] == ["complaints_overdue", "retention_rate"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_scheduled_run_through_a_real_worker_archives_and_emails(settings, tmp_path):
    # the worker runs in this process (a thread), so the locmem outbox and the MEDIA_ROOT are shared
    data = build_kpi_data()
    _snapshots()
    admin = AdminFactory()
    definition = definitions.definition_save(by=admin, definition=_definition(admin), stores=[data["t"]])
    task = PeriodicTask.objects.get(pk=definition.periodic_task_id)
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # what beat does when the crontab fires: send the task with the PeriodicTask's arguments
        celery_app.send_task(task.task, args=json.loads(task.args))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ReportRun.objects.filter(status__in=["succeeded", "failed"]).exists():
            time.sleep(0.3)
    run = ReportRun.objects.get()
    assert run.status == "succeeded", run.error
    assert parse(run.pdf.read())["pages"]
    assert b"active_customers" in run.csv.read()
    assert run.pdf.path.startswith(str(settings.MEDIA_ROOT))
    assert len(mail.outbox) == 1
    assert len(mail.outbox[0].attachments) == 2


def test_a_deactivated_definition_is_skipped_by_its_schedule(central):
    from reports.tasks import report_run_scheduled

    supervisor = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(
        by=supervisor, definition=_definition(supervisor, is_active=False), stores=[central]
    )
    assert report_run_scheduled.apply(args=[definition.pk]).get() == "skipped"
    assert not ReportRun.objects.exists()


# --- pages ---------------------------------------------------------------------------------------------------------


def test_supervisor_creates_a_report_in_the_browser_form(central, client):
    supervisor = SupervisorFactory(stores=[central])
    client.force_login(supervisor)
    response = client.post(
        reverse("reports:definition-create"),
        {
            "name": "Monday Central", "sections": ["customers", "service"], "stores": [central.pk],
            "period": "7d", "recipients": "boss@example.com", "day_of_week": "1", "day_of_month": "*",
            "hour": "8", "minute": "30", "is_active": "on",
        },
    )  # fmt: skip
    definition = ReportDefinition.objects.get()
    assert response.status_code == 302
    assert response.url == definition.get_absolute_url()
    assert definition.owner == supervisor
    assert definition.periodic_task.crontab.minute == "30"


def test_account_managers_cannot_create_reports(central, client):
    client.force_login(AccountManagerFactory(stores=[central]))
    response = client.post(reverse("reports:definition-create"), {"name": "x"})
    assert response.status_code == 404
    assert not ReportDefinition.objects.exists()


def test_run_now_queues_a_run(central, client, django_capture_on_commit_callbacks, monkeypatch):
    supervisor = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(by=supervisor, definition=_definition(supervisor), stores=[central])
    sent = []
    monkeypatch.setattr("reports.tasks.report_run.delay", lambda run_id: sent.append(run_id))
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:definition-run", args=[definition.pk]))
    assert response.status_code == 302
    assert sent == [ReportRun.objects.get().pk]


def test_another_supervisor_cannot_see_or_run_the_report(central, client):
    owner = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(by=owner, definition=_definition(owner), stores=[central])
    client.force_login(SupervisorFactory(stores=[StoreFactory()]))
    assert client.get(definition.get_absolute_url()).status_code == 404
    assert client.post(reverse("reports:definition-run", args=[definition.pk])).status_code == 404
    assert not ReportRun.objects.exists()
    assert client.get(reverse("reports:definition-list")).context["definitions"].count() == 0


@pytest.mark.django_db
def test_downloads_are_logged_and_limited_to_the_owner_and_admins(client):
    data = build_kpi_data()
    snapshot_write(day=D)
    owner = SupervisorFactory(stores=[data["c"]])
    definition = definitions.definition_save(by=owner, definition=_definition(owner), stores=[data["c"]])
    run = runs.run_execute(run_id=ReportRun.objects.create(definition=definition).pk)
    url = reverse("reports:run-download", args=[run.pk, "pdf"])

    client.force_login(SupervisorFactory(stores=[data["c"]]))  # another supervisor of the same store
    assert client.get(url).status_code == 404
    assert not ReportDownload.objects.exists()

    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
    admin = AdminFactory()
    client.force_login(admin)
    assert client.get(reverse("reports:run-download", args=[run.pk, "csv"])).status_code == 200
    assert client.get(reverse("reports:run-download", args=[run.pk, "xls"])).status_code == 404
    assert [(d.user, d.kind) for d in ReportDownload.objects.order_by("at")] == [(owner, "pdf"), (admin, "csv")]
    detail = client.get(definition.get_absolute_url()).content.decode()
    assert url in detail


def test_owner_edits_the_report_and_its_schedule_follows(central, client):
    supervisor = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(by=supervisor, definition=_definition(supervisor), stores=[central])
    client.force_login(supervisor)
    response = client.post(
        reverse("reports:definition-update", args=[definition.pk]),
        {
            "name": "Renamed", "sections": ["churn"], "stores": [central.pk], "period": "30d",
            "recipients": "boss@example.com", "day_of_week": "*", "day_of_month": "*", "hour": "6", "minute": "15",
        },
    )  # fmt: skip
    assert response.status_code == 302
    definition.refresh_from_db()
    assert (definition.name, definition.sections, definition.is_active) == ("Renamed", ["churn"], False)
    task = PeriodicTask.objects.get(pk=definition.periodic_task_id)
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week, task.enabled) == ("6", "15", "*", False)


def test_another_supervisor_cannot_edit_the_report(central, client):
    owner = SupervisorFactory(stores=[central])
    definition = definitions.definition_save(by=owner, definition=_definition(owner), stores=[central])
    client.force_login(SupervisorFactory(stores=[central]))
    url = reverse("reports:definition-update", args=[definition.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Hijacked", "sections": ["churn"]}).status_code == 404
    definition.refresh_from_db()
    assert definition.name == "Weekly Central"


def test_the_form_refuses_a_bad_address_and_an_hour_out_of_range(central, client):
    supervisor = SupervisorFactory(stores=[central])
    client.force_login(supervisor)
    response = client.post(
        reverse("reports:definition-create"),
        {"name": "Bad", "sections": ["customers"], "period": "7d", "recipients": "not-an-address",
         "day_of_week": "1", "day_of_month": "*", "hour": "25", "minute": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"recipients", "hour"}
    assert not ReportDefinition.objects.exists()


def test_report_list_for_the_owner_in_fixed_queries(central, client, django_assert_num_queries):
    supervisor = SupervisorFactory(stores=[central])
    for n in range(3):
        definitions.definition_save(by=supervisor, definition=_definition(supervisor, name=f"R{n}"), stores=[central])
    client.force_login(supervisor)
    with django_assert_num_queries(7):
        response = client.get(reverse("reports:definition-list"))
    assert [d.name for d in response.context["definitions"]] == ["R0", "R1", "R2"]
    for n in range(3, 6):
        definitions.definition_save(by=supervisor, definition=_definition(supervisor, name=f"R{n}"), stores=[central])
    with django_assert_num_queries(7):
        client.get(reverse("reports:definition-list"))


def test_account_managers_do_not_see_the_report_list(central, client):
    client.force_login(AccountManagerFactory(stores=[central]))
    assert client.get(reverse("reports:definition-list")).status_code == 404
