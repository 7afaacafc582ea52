"""Role permissions of the campaigns app."""

from django.db import migrations

from crm_site import roles

MANAGE = ["campaigns.view_campaign", "campaigns.add_campaign", "campaigns.change_campaign"]
GRANTS = {
    roles.ACCOUNT_MANAGER: ["campaigns.view_campaign"],
    roles.SUPERVISOR: MANAGE,
    roles.ADMIN: MANAGE,
    roles.PRIVACY_OFFICER: ["campaigns.view_campaign"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
