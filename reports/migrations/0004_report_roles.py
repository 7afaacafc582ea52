"""Supervisors schedule reports for their stores and download their runs; admins also set targets."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.SUPERVISOR: [
        "reports.view_reportdefinition",
        "reports.add_reportdefinition",
        "reports.change_reportdefinition",
        "reports.view_reportrun",
    ],
    roles.ADMIN: [
        "reports.view_reportdefinition",
        "reports.add_reportdefinition",
        "reports.change_reportdefinition",
        "reports.delete_reportdefinition",
        "reports.view_reportrun",
        "reports.view_reportdownload",
        "reports.view_kpitarget",
        "reports.add_kpitarget",
        "reports.change_kpitarget",
        "reports.delete_kpitarget",
    ],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_regular_reports")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
