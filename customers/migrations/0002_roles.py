"""Create the four role groups and give them the customers and privacy permissions."""

from django.db import migrations

from crm_site import roles

GRANTS = {
    roles.ACCOUNT_MANAGER: [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_store",
    ],
    roles.SUPERVISOR: [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_store",
        "privacy.view_sensitive",
        "privacy.export_personal_data",
    ],
    roles.ADMIN: [
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.delete_customer",
        "customers.view_store",
        "customers.add_store",
        "customers.change_store",
        "crm_site.view_user",
        "crm_site.add_user",
        "crm_site.change_user",
        "crm_site.view_heartbeat",
        "privacy.view_sensitive",
        "privacy.export_personal_data",
        "privacy.view_accesslog",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.view_crontabschedule",
    ],
    roles.PRIVACY_OFFICER: [
        "customers.view_customer",
        "customers.change_customer",
        "customers.view_store",
        "privacy.view_sensitive",
        "privacy.export_personal_data",
        "privacy.view_accesslog",
    ],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("privacy", "0001_initial"),
        ("crm_site", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
