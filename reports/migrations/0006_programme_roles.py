"""Admins record programmes, budgets and expenses; supervisors and admins read their returns."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.SUPERVISOR: ["reports.view_programme_returns"],
    roles.ADMIN: [
        "reports.view_programme_returns",
        "reports.view_programme",
        "reports.add_programme",
        "reports.change_programme",
        "reports.view_programmebudget",
        "reports.add_programmebudget",
        "reports.change_programmebudget",
        "reports.delete_programmebudget",
        "reports.view_programmeexpense",
        "reports.add_programmeexpense",
        "reports.change_programmeexpense",
        "reports.delete_programmeexpense",
    ],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_programmes")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
