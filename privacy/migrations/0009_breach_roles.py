"""The privacy officer keeps the breach register and the list of data processors."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.PRIVACY_OFFICER: [
        "privacy.view_breach",
        "privacy.add_breach",
        "privacy.change_breach",
        "privacy.view_processor",
        "privacy.add_processor",
        "privacy.change_processor",
    ],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0008_breaches_processors")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
