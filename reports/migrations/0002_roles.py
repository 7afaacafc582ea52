"""Supervisors and admins see the dashboard (supervisors their stores, admins all); people with a client book
see their day (account managers, and supervisors who keep a book too)."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.ACCOUNT_MANAGER: ["reports.view_my_day"],
    roles.SUPERVISOR: ["reports.view_dashboard", "reports.view_my_day"],
    roles.ADMIN: ["reports.view_dashboard", "reports.view_kpisnapshot", "reports.view_snapshotrun"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
