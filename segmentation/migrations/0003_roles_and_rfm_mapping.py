"""Segmentation permissions for the roles, and the standard RFM segments with their R × FM mapping."""

from django.db import migrations

from crm_site import roles

_VIEW = [
    "segmentation.view_criterion",
    "segmentation.view_segment",
    "segmentation.view_tier",
    "segmentation.view_run",
    "segmentation.view_rfmsegment",
]
GRANTS = {
    roles.ACCOUNT_MANAGER: _VIEW,
    roles.SUPERVISOR: _VIEW,
    roles.PRIVACY_OFFICER: _VIEW,
    roles.ADMIN: [
        *(
            f"segmentation.{action}_{model}"
            for model in ("criterion", "segment", "tier", "rfmsegment", "rfmmapping")
            for action in ("view", "add", "change", "delete")
        ),
        "segmentation.view_run",
        "segmentation.start_run",
        "segmentation.view_customermetrics",
        "django_celery_beat.add_periodictask",
        "django_celery_beat.add_crontabschedule",
        "django_celery_beat.change_crontabschedule",
    ],
}

# code, name, description, badge colour (in display order)
SEGMENTS = [
    ("champions", "Champions", "Bought recently, buy often and spend the most.", "success"),
    ("loyal", "Loyal", "Buy regularly and spend well; responsive to recognition.", "primary"),
    ("potential_loyalist", "Potential Loyalist", "Recent customers with average frequency and spend.", "info"),
    ("new", "New", "Bought most recently, but not often.", "info"),
    ("promising", "Promising", "Recent shoppers who have not spent much yet.", "secondary"),
    ("need_attention", "Need Attention", "Above-average recency, frequency and spend, but slipping.", "warning"),
    (
        "about_to_sleep",
        "About to Sleep",
        "Below-average recency and frequency: will be lost without reactivation.",
        "warning",
    ),
    ("at_risk", "At Risk", "Spent big and bought often, but long ago.", "danger"),
    (
        "cannot_lose_them",
        "Cannot Lose Them",
        "Made the biggest purchases, and often, but have not returned for long.",
        "danger",
    ),
    ("hibernating", "Hibernating", "Last purchase long ago, low spend and few orders.", "secondary"),
    ("lost", "Lost", "Lowest recency, frequency and spend.", "dark"),
]

# Recency score (rows, 1 = longest ago) × frequency-monetary score (columns 1..5).
MAPPING = {
    1: ["lost", "hibernating", "at_risk", "at_risk", "cannot_lose_them"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose_them"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    4: ["promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
    5: ["new", "potential_loyalist", "potential_loyalist", "champions", "champions"],
}


def grant(apps, schema_editor):
    roles.grant_role_permissions(apps, GRANTS)


def rfm_seed(apps, schema_editor):
    """Create the segments and the 25 cells that are missing; never overwrite an admin's edit."""
    RfmSegment = apps.get_model("segmentation", "RfmSegment")
    RfmMapping = apps.get_model("segmentation", "RfmMapping")
    by_code = {}
    for order, (code, name, description, colour) in enumerate(SEGMENTS, start=1):
        by_code[code], _created = RfmSegment.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order, "colour": colour}
        )
    for recency, row in MAPPING.items():
        for fm, code in enumerate(row, start=1):
            RfmMapping.objects.get_or_create(recency_score=recency, fm_score=fm, defaults={"segment": by_code[code]})


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0002_screening_and_classification"),
        ("customers", "0004_client_record_roles_and_intervals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(rfm_seed, migrations.RunPython.noop),
    ]
