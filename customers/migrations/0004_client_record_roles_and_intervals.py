"""Role permissions for the client record, and the default service intervals per movement."""

from django.db import migrations

from crm_site import roles

CLIENT_RECORD = [
    "customers.view_purchase",
    "customers.add_purchase",
    "customers.change_purchase",
    "customers.view_purchaseline",
    "customers.view_ownedtimepiece",
    "customers.add_ownedtimepiece",
    "customers.change_ownedtimepiece",
    "customers.view_servicejob",
    "customers.add_servicejob",
    "customers.change_servicejob",
    "customers.view_relationship",
    "customers.add_relationship",
    "customers.change_relationship",
    "customers.delete_relationship",
    "customers.view_interaction",
    "customers.add_interaction",
    "customers.view_followuptask",
    "customers.add_followuptask",
    "customers.change_followuptask",
    "customers.view_lead",
    "customers.add_lead",
    "customers.change_lead",
    "customers.view_product",
    "customers.view_brand",
]
DATA_QUALITY = [
    "customers.import_customers",
    "customers.view_importjob",
    "customers.add_importjob",
    "customers.merge_customer",
    "customers.view_customermerge",
    "customers.add_duplicatedismissal",
]
CATALOGUE_ADMIN = [
    "customers.add_product",
    "customers.change_product",
    "customers.add_brand",
    "customers.change_brand",
    "customers.view_serviceinterval",
    "customers.add_serviceinterval",
    "customers.change_serviceinterval",
    "customers.delete_serviceinterval",
]

GRANTS = {
    roles.ACCOUNT_MANAGER: [
        *CLIENT_RECORD,
        "customers.view_importjob",
        "customers.add_importjob",
        "customers.import_customers",
    ],
    roles.SUPERVISOR: [*CLIENT_RECORD, *DATA_QUALITY],
    roles.ADMIN: [*CLIENT_RECORD, *DATA_QUALITY, *CATALOGUE_ADMIN],
    roles.PRIVACY_OFFICER: [perm for perm in CLIENT_RECORD if perm.split(".")[1].startswith("view_")]
    + ["customers.merge_customer", "customers.view_customermerge", "customers.add_duplicatedismissal"],
}

# Months between services when no brand-specific interval is set.
DEFAULT_INTERVALS = {
    "automatic": 60,
    "manual": 60,
    "spring_drive": 60,
    "quartz": 36,
    "solar": 84,
    "clock_mechanical": 60,
    "clock_quartz": 36,
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


def intervals(apps, schema_editor):
    ServiceInterval = apps.get_model("customers", "ServiceInterval")
    for movement, months in DEFAULT_INTERVALS.items():
        ServiceInterval.objects.get_or_create(brand=None, movement_type=movement, defaults={"months": months})


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_client_record")]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(intervals, migrations.RunPython.noop),
    ]
