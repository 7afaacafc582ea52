"""Role permissions for events, focus groups, co-funding and the sell-out report."""

from django.db import migrations

from crm_site import roles

MANAGE = [
    "campaigns.view_event",
    "campaigns.add_event",
    "campaigns.change_event",
    "campaigns.change_invitation",
    "campaigns.add_feedbackanswer",
    "campaigns.add_eventlead",
    "campaigns.view_cofunding",
    "campaigns.add_cofunding",
    "campaigns.view_sellout_report",
]
GRANTS = {
    roles.ACCOUNT_MANAGER: [
        "campaigns.view_event",
        "campaigns.change_invitation",
        "campaigns.add_feedbackanswer",
        "campaigns.add_eventlead",
    ],
    roles.SUPERVISOR: MANAGE,
    roles.ADMIN: MANAGE,
    roles.PRIVACY_OFFICER: ["campaigns.view_event"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0005_events_cofunding")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
