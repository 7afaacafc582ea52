"""Factories for relationships, interactions and follow-up tasks (and the rows they point at)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from customers.models import FollowUpTask, Interaction, Lead, Purchase, Relationship


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    kind = Relationship.Kind.FAMILY


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    kind = Interaction.Kind.CALL
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    summary = "Asked about the new Seamaster."


class FollowUpTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    title = factory.Sequence(lambda n: f"Call back #{n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    status = FollowUpTask.Status.OPEN


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name_en = factory.Sequence(lambda n: f"Prospect {n}")


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    store = factory.SelfAttribute("customer.home_store")
    purchased_on = factory.LazyFunction(timezone.localdate)
    total = Decimal("1000.00")
