"""Factories for the leads part: leads, and the interactions and tasks a lead gathers before conversion."""

import datetime

import factory
from django.utils import timezone

from customers.models import FollowUpTask, Interaction, Lead
from tests.factories import StoreFactory, UserFactory


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


class LeadInteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    lead = factory.SubFactory(LeadFactory)
    customer = None
    kind = Interaction.Kind.CALL
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    summary = factory.Sequence(lambda n: f"Call {n}: asked about a Tudor Black Bay")


class LeadTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    lead = factory.SubFactory(LeadFactory)
    customer = None
    title = factory.Sequence(lambda n: f"Call back {n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3))
    assignee = factory.SubFactory(UserFactory)
