"""Who may record and reveal identity-document numbers.

The privacy officer records, replaces and reveals them (revealing also needs
privacy.view_sensitive and a reason). Supervisors record and replace them at the counter
(e.g. a deposit or consignment where the Code of Practice allows it) but cannot read them
back. Account managers do neither.
"""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.PRIVACY_OFFICER: [
        "privacy.add_identitydocument",
        "privacy.change_identitydocument",
        "privacy.reveal_identitydocument",
    ],
    roles.SUPERVISOR: [
        "privacy.add_identitydocument",
        "privacy.change_identitydocument",
    ],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0010_identity_documents")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
