import factory
from django.contrib.auth.models import Group

from crm_site import roles
from crm_site.models import User
from customers.models import Customer, Store


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
