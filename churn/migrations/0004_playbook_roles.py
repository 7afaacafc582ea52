"""Role permissions for remedy playbooks and their actions."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.ACCOUNT_MANAGER: ["churn.view_remedyaction", "churn.change_remedyaction"],
    roles.SUPERVISOR: ["churn.view_remedyaction", "churn.change_remedyaction", "churn.view_playbook"],
    roles.ADMIN: [
        "churn.view_remedyaction",
        "churn.change_remedyaction",
        "churn.view_playbook",
        "churn.add_playbook",
        "churn.change_playbook",
        "churn.view_playbookrun",
    ],
    roles.PRIVACY_OFFICER: ["churn.view_remedyaction"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("churn", "0003_playbooks")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
