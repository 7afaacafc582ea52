"""The whole demo client record for the first ``count`` customers, as plain values (no database)."""

from dataclasses import dataclass

from customers.demo.contacts import PlannedInteraction, customer_interactions
from customers.demo.history import CustomerHistory, customer_history, purchase_refs_assign
from customers.demo.network import DemoNetwork, PlannedLead, PlannedRelationship
from customers.demo.people import DEMO_CUSTOMERS, demo_customer_rows


@dataclass
class DemoPlan:
    rows: list[dict]  # demo_customer_rows(count)
    histories: list[CustomerHistory]  # customer n is histories[n - 1]
    interactions: dict[int, list[PlannedInteraction]]  # by customer number
    leads: list[PlannedLead]
    relationships: list[PlannedRelationship]


def demo_plan(*, count: int = DEMO_CUSTOMERS) -> DemoPlan:
    """Everything the demo data holds for customers 1…``count``: the same on every call."""
    # Leads get phone numbers and e-mails no demo customer has, up to the full set at least.
    everyone = demo_customer_rows(count=max(count, DEMO_CUSTOMERS))
    rows = everyone[:count]
    serials: set[str] = set()
    histories = [customer_history(n, row, serials=serials) for n, row in enumerate(rows, 1)]
    purchase_refs_assign(histories)
    network = DemoNetwork(
        taken_phones={row["mobile_phone"] for row in everyone},
        taken_emails={row["email"] for row in everyone if row["email"]},
    )
    interactions = {}
    for n, (row, history) in enumerate(zip(rows, histories, strict=True), 1):
        as_a_lead = network.add(n, row, history)
        interactions[n] = as_a_lead + customer_interactions(n, row, history)
    return DemoPlan(rows, histories, interactions, network.leads, network.relationships)
