"""The loyalty settings row and the role permissions of the programme."""

from django.db import migrations

from crm_site import roles

STAFF = ["campaigns.view_pointsentry", "campaigns.add_voucher"]
GRANTS = {
    roles.ACCOUNT_MANAGER: STAFF,
    roles.SUPERVISOR: STAFF,
    roles.ADMIN: [
        *STAFF,
        "campaigns.view_loyaltysettings",
        "campaigns.change_loyaltysettings",
        "campaigns.add_pointspromotion",
        "campaigns.change_pointspromotion",
        "campaigns.view_pointspromotion",
        "campaigns.add_tierearnrate",
        "campaigns.change_tierearnrate",
        "campaigns.view_tierearnrate",
    ],
    roles.PRIVACY_OFFICER: ["campaigns.view_pointsentry"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


def loyalty_settings(apps, schema_editor):
    apps.get_model("campaigns", "LoyaltySettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_loyalty")]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(loyalty_settings, migrations.RunPython.noop),
    ]
