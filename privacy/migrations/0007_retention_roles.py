"""The privacy officer edits retention rules and legal holds, and may erase a customer's data."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.PRIVACY_OFFICER: [
        "privacy.view_retentionrule",
        "privacy.add_retentionrule",
        "privacy.change_retentionrule",
        "privacy.view_legalhold",
        "privacy.add_legalhold",
        "privacy.change_legalhold",
        "privacy.view_erasure",
        "privacy.add_erasure",
        "privacy.view_jobrun",
    ],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0006_retention")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
