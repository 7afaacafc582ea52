"""The churn settings row (risk band thresholds, discount rate, backtest settings) and role permissions."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.ACCOUNT_MANAGER: [
        "churn.view_customerscore",
        "churn.view_scoredisagreement",
        "churn.add_scoredisagreement",
        "churn.view_churnreason",
        "churn.add_churnreason",
    ],
    roles.SUPERVISOR: [
        "churn.view_customerscore",
        "churn.view_scoringrun",
        "churn.view_scoredisagreement",
        "churn.add_scoredisagreement",
        "churn.view_churnreason",
        "churn.add_churnreason",
        "churn.view_wastage_report",
    ],
    roles.ADMIN: [
        "churn.view_customerscore",
        "churn.view_scoringrun",
        "churn.view_scoredisagreement",
        "churn.add_scoredisagreement",
        "churn.view_churnreason",
        "churn.add_churnreason",
        "churn.view_wastage_report",
        "churn.view_churnsettings",
        "churn.change_churnsettings",
    ],
    roles.PRIVACY_OFFICER: ["churn.view_customerscore", "churn.view_scoredisagreement", "churn.view_churnreason"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


def churn_settings(apps, schema_editor):
    apps.get_model("churn", "ChurnSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("churn", "0001_initial")]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(churn_settings, migrations.RunPython.noop),
    ]
