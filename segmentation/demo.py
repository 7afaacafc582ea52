"""Demo screening and classification: a few criteria, a Platinum/Gold/Silver/Member ladder and one run.

Called by ``manage.py load_demo_data`` after the customers' demo data. Creates only what is missing
(criteria by name, tiers by rank) and runs once if no run has succeeded yet, so loading twice changes
nothing. Brand conditions name demo brands; a brand missing from the catalogue drops that criterion.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from crm_site import roles
from crm_site.models import User
from customers.models import Brand
from segmentation.models import Criterion, Run, Tier
from segmentation.services import criterion_create, run_create, run_execute


@dataclass(frozen=True)
class DemoSegmentationResult:
    criteria_created: int
    tiers_created: int
    run: Run | None


def _c(field, op, value=None):
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


def _criteria(brand_ids: dict[str, int]) -> list[dict]:
    rolex = brand_ids.get("Rolex")
    criteria = [
        {
            "name": "VIP: HKD 100,000+ in 12 months, 2+ purchases",
            "purpose": Criterion.Purpose.VIP,
            "description": "Spent at least HKD 100,000 in the last 12 months and bought at least twice.",
            "rule": {"all": [_c("spend_12m", "gte", 100000), _c("purchases_12m", "gte", 2)]},
        },
        {
            "name": "At risk: big spenders gone quiet",
            "purpose": Criterion.Purpose.AT_RISK,
            "description": "HKD 100,000+ over their lifetime, nothing bought for a year or more.",
            "rule": {"all": [_c("spend_lifetime", "gte", 100000), _c("days_since_last_purchase", "gte", 365)]},
        },
        {
            "name": "Prospects: collectors who did not buy this year",
            "purpose": Criterion.Purpose.PROSPECTS,
            "description": "Own two or more timepieces, no purchase in the last 12 months.",
            "rule": {"all": [_c("timepieces_owned", "gte", 2), _c("purchases_12m", "eq", 0)]},
        },
    ]
    if rolex:
        criteria.append(
            {
                "name": "Allocation: loyal Rolex buyers",
                "purpose": Criterion.Purpose.ALLOCATION,
                "description": "Bought Rolex before and spent HKD 200,000+ lifetime, or HKD 80,000+ in 12 months.",
                "rule": {
                    "all": [
                        _c("brands", "contains", rolex),
                        {"any": [_c("spend_lifetime", "gte", 200000), _c("spend_12m", "gte", 80000)]},
                    ]
                },
            }
        )
    return criteria


LADDER = [
    # rank, name, colour, grace days, rule
    (1, "Platinum", "dark", 90, {"all": [_c("spend_12m", "gte", 300000)]}),
    (2, "Gold", "warning", 90, {"all": [_c("spend_12m", "gte", 100000)]}),
    (3, "Silver", "secondary", 60, {"all": [_c("spend_12m", "gte", 30000)]}),
    (4, "Member", "light", 0, {"all": [_c("purchases_lifetime", "gte", 1)]}),
]


def demo_segmentation_load() -> DemoSegmentationResult:
    """Create the demo criteria and tier ladder that are missing; run once if no run has succeeded."""
    owner = User.objects.filter(groups__name=roles.ADMIN, is_active=True).order_by("username").first()
    brand_ids = dict(Brand.objects.values_list("name", "pk"))
    existing = set(Criterion.objects.values_list("name", flat=True))
    criteria_created = 0
    for spec in _criteria(brand_ids):
        if spec["name"] not in existing:
            criterion_create(by=owner, track_as_segment=True, **spec)
            criteria_created += 1
    tiers_created = 0
    ranks = set(Tier.objects.values_list("rank", flat=True))
    names = set(Tier.objects.values_list("name", flat=True))
    for rank, name, colour, grace_days, rule in LADDER:
        if rank in ranks or name in names:
            continue
        criterion_name = f"Tier: {name}"
        criterion = Criterion.objects.filter(name=criterion_name).first() or criterion_create(
            by=owner,
            name=criterion_name,
            purpose=Criterion.Purpose.VIP,
            description=f"Qualifies for the {name} tier.",
            rule=rule,
            track_as_segment=False,
        )
        Tier.objects.create(rank=rank, name=name, colour=colour, grace_days=grace_days, criterion=criterion)
        tiers_created += 1
    run = None
    if not Run.objects.filter(status=Run.Status.SUCCEEDED).exists():
        try:
            run = run_execute(run_id=run_create(by=owner, trigger=Run.Trigger.MANUAL).pk)
        except ValidationError:  # a run is already under way: it will classify the demo data
            run = None
    return DemoSegmentationResult(criteria_created, tiers_created, run)
