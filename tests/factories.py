import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from crm_site import roles
from crm_site.models import User
from customers.models import (
    Brand,
    Customer,
    FollowUpTask,
    Interaction,
    Lead,
    MovementType,
    OwnedTimepiece,
    Product,
    Purchase,
    PurchaseLine,
    Relationship,
    ServiceInterval,
    ServiceJob,
    Store,
)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"Store {n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member. ``role=`` puts them in that role's group, ``stores=`` in those stores."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def stores(self, create, extracted, **kwargs):
        if create and extracted:
            self.stores.add(*extracted)


def AccountManagerFactory(*, stores, **kwargs):
    return UserFactory(role=roles.ACCOUNT_MANAGER, stores=stores, **kwargs)


def SupervisorFactory(*, stores, **kwargs):
    return UserFactory(role=roles.SUPERVISOR, stores=stores, **kwargs)


def AdminFactory(**kwargs):
    return UserFactory(role=roles.ADMIN, **kwargs)


def PrivacyOfficerFactory(**kwargs):
    return UserFactory(role=roles.PRIVACY_OFFICER, **kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    kind = Customer.Kind.PERSON
    name_en = factory.Faker("name")
    name_zh = factory.Iterator(["陳大文", "黃小明", "李嘉欣", "張偉強", "劉美玲"])
    mobile_phone = factory.Sequence(lambda n: f"+85291{n % 1000000:06d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    district = "wan_chai"
    home_store = factory.SubFactory(StoreFactory)
    account_manager = None


# --- the client record: one factory per model, shared by every part's tests ------------------


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Brand {n}")


class ServiceIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceInterval

    brand = factory.SubFactory(BrandFactory)
    movement_type = MovementType.AUTOMATIC
    months = 48


class ProductFactory(factory.django.DjangoModelFactory):
    """A watch unless told otherwise."""

    class Meta:
        model = Product

    brand = factory.SubFactory(BrandFactory)
    collection = ""
    model_name = factory.Sequence(lambda n: f"Model {n}")
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    category = Product.Category.WATCH
    movement_type = MovementType.AUTOMATIC
    list_price = Decimal("50000.00")


class PurchaseFactory(factory.django.DjangoModelFactory):
    """A purchase row only, bought today at the customer's home store.

    Tests that need lines and a right total go through purchase_create (or set ``total``).
    """

    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    store = factory.SelfAttribute("customer.home_store")
    purchased_on = factory.LazyFunction(timezone.localdate)
    total = Decimal("0.00")


class PurchaseLineFactory(factory.django.DjangoModelFactory):
    """One watch (a new catalogue product) at HK$50,000, no serial number."""

    class Meta:
        model = PurchaseLine

    purchase = factory.SubFactory(PurchaseFactory)
    product = factory.SubFactory(ProductFactory)
    description = ""
    quantity = 1
    unit_price = Decimal("50000.00")
    discount = Decimal("0.00")
    serial_number = ""
    line_total = factory.LazyAttribute(
        lambda o: PurchaseLine.compute_total(quantity=o.quantity, unit_price=o.unit_price, discount=o.discount)
    )


class OwnedTimepieceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OwnedTimepiece

    customer = factory.SubFactory(CustomerFactory)
    brand = factory.SubFactory(BrandFactory)
    model_name = factory.Sequence(lambda n: f"Model {n}")
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    movement_type = MovementType.AUTOMATIC
    source = OwnedTimepiece.Source.ELSEWHERE
    purchased_on = datetime.date(2020, 3, 15)


class ServiceJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceJob

    timepiece = factory.SubFactory(OwnedTimepieceFactory)
    store = factory.SubFactory(StoreFactory)
    received_on = datetime.date(2025, 1, 10)
    work_description = "Full service"


class RelationshipFactory(factory.django.DjangoModelFactory):
    """Give it ``from_customer`` and ``to_customer``."""

    class Meta:
        model = Relationship

    kind = Relationship.Kind.FAMILY


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name_en = factory.Sequence(lambda n: f"Lead {n:03d}")
    name_zh = ""
    # Valid Hong Kong mobile numbers (the 9xxx xxxx range), unlike CustomerFactory's.
    mobile_phone = factory.Sequence(lambda n: f"+8529876{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    source = Lead.Source.WALK_IN
    store = factory.SubFactory(StoreFactory)
    owner = None


class InteractionFactory(factory.django.DjangoModelFactory):
    """A call an hour ago. Give it a ``customer`` or a ``lead``."""

    class Meta:
        model = Interaction

    kind = Interaction.Kind.CALL
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    summary = "Asked about the new Seamaster."


class FollowUpTaskFactory(factory.django.DjangoModelFactory):
    """An open task due in three days. Give it a ``customer`` or a ``lead``, and an ``assignee``."""

    class Meta:
        model = FollowUpTask

    title = factory.Sequence(lambda n: f"Call back #{n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3))
    status = FollowUpTask.Status.OPEN


# --- segmentation ------------------------------------------------------------------------------


class CriterionFactory(factory.django.DjangoModelFactory):
    """Spent at least HKD 100,000 in the last 12 months, unless given another ``rule``."""

    class Meta:
        model = "segmentation.Criterion"

    name = factory.Sequence(lambda n: f"Criterion {n}")
    purpose = "vip"
    rule = factory.LazyFunction(lambda: {"all": [{"field": "spend_12m", "op": "gte", "value": "100000.00"}]})


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "segmentation.Segment"

    criterion = factory.SubFactory(CriterionFactory)
    name = factory.SelfAttribute("criterion.name")


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "segmentation.Tier"

    rank = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Tier {n}")
    criterion = factory.SubFactory(CriterionFactory)
    grace_days = 0


class RunFactory(factory.django.DjangoModelFactory):
    """A finished run (the kind memberships and tiers point at)."""

    class Meta:
        model = "segmentation.Run"

    status = "succeeded"
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    as_of = factory.LazyFunction(timezone.localdate)
    progress = 100


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A new repair-delay complaint of a customer, at their home store, received now.

    Due times are set plainly (a day and a week ahead); tests of the SLA clock create
    complaints through ``complaints.services.complaint_create`` instead.
    """

    class Meta:
        model = "complaints.Complaint"

    customer = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda o: o.customer.home_store)
    contact_name = factory.LazyAttribute(lambda o: o.customer.display_name)
    category = factory.LazyFunction(lambda: _complaint_category("repair_delay"))
    severity = "medium"
    channel = "in_store"
    subject = factory.Sequence(lambda n: f"Service overdue #{n}")
    description = "The watch went for service six weeks ago; promised in three."
    received_at = factory.LazyFunction(timezone.now)
    acknowledge_due_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(days=1))
    resolve_due_at = factory.LazyAttribute(lambda o: o.received_at + datetime.timedelta(days=7))


def _complaint_category(code: str):
    from complaints.models import Category

    return Category.objects.get(code=code)


# --- churn ---------------------------------------------------------------------------------------


class ScoringRunFactory(factory.django.DjangoModelFactory):
    """A finished model run as of today."""

    class Meta:
        model = "churn.ScoringRun"

    status = "succeeded"
    as_of = factory.LazyFunction(timezone.localdate)
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    method = "model"
    model_version = "mbgnbd-gg-1"
    params = factory.LazyFunction(lambda: {"r": 1.0, "alpha": 25.0, "a": 0.3, "b": 4.0})


class CustomerScoreFactory(factory.django.DjangoModelFactory):
    """A high-risk score: a customer who bought three times, last seven months ago."""

    class Meta:
        model = "churn.CustomerScore"

    customer = factory.SubFactory(CustomerFactory)
    run = factory.SubFactory(ScoringRunFactory)
    as_of = factory.SelfAttribute("run.as_of")
    method = "model"
    risk = 0.88
    band = "high"
    probability_alive = 0.6
    expected_purchases_90d = 0.13
    expected_purchases_365d = 0.5
    probability_no_purchase_90d = 0.88
    expected_value_12m = Decimal("12000.00")
    first_purchase_on = factory.LazyAttribute(lambda o: o.as_of - datetime.timedelta(days=900))
    last_purchase_on = factory.LazyAttribute(lambda o: o.as_of - datetime.timedelta(days=210))
    purchase_days = 3
    usual_gap_days = 345
    spend_12m = Decimal("45000.00")
    rfm = "234"
    scored_at = factory.LazyFunction(timezone.now)


class ScoreDisagreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "churn.ScoreDisagreement"

    customer = factory.SubFactory(CustomerFactory)
    source = "customer"
    note = "Buys every two years, around Chinese New Year."
    disputed_band = "high"
    disputed_risk = 0.88
    disputed_as_of = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory)


class ChurnReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "churn.ChurnReason"

    customer = factory.SubFactory(CustomerFactory)
    reason = "moved_away"
    note = "Moved to Singapore."
    recorded_by = factory.SubFactory(UserFactory)


class PlaybookFactory(factory.django.DjangoModelFactory):
    """A playbook for high-risk customers: a personal call, by phone, about new releases, 20 % held back."""

    class Meta:
        model = "churn.Playbook"

    name = factory.Sequence(lambda n: f"Win back {n}")
    band = "high"
    kind = "personal_call"
    channel = "phone"
    subject_class = "new_releases"
    due_in_days = 14
    estimated_cost = Decimal("150.00")
    cap_days = 90
    control_share = Decimal("0.200")
    win_window_days = 90


class RemedyActionFactory(factory.django.DjangoModelFactory):
    """An open remedy action (treated) assigned today."""

    class Meta:
        model = "churn.RemedyAction"

    playbook = factory.SubFactory(PlaybookFactory)
    customer = factory.SubFactory(CustomerFactory)
    period = factory.LazyFunction(timezone.localdate)
    group = "treated"
    assigned_on = factory.LazyFunction(timezone.localdate)
    kind = factory.SelfAttribute("playbook.kind")
    channel = factory.SelfAttribute("playbook.channel")
    owner = factory.SelfAttribute("customer.account_manager")
    due_on = factory.LazyAttribute(lambda o: o.assigned_on + datetime.timedelta(days=14))
    estimated_cost = Decimal("150.00")
    band = "high"
    risk = 0.88
