"""Writing the demo plan to the database: only the rows that are missing, with bulk_create.

Every planned row has a key that finds it again: a purchase its receipt number, a timepiece
bought here its purchase line, one bought elsewhere (owner, reference, serial number), an
interaction (customer or lead, time), a lead its phone number, a relationship (from, to,
type). A line, a service job or a follow-up task is made with its parent, so only when the
parent is new. Nothing existing is changed.
"""

from collections import Counter
from functools import cache

from django.db import connection

from customers.demo.history import PURCHASE_REF_PREFIX
from customers.demo.people import DEMO_REF_PREFIX
from customers.demo.plan import DemoPlan
from customers.models import (
    FollowUpTask,
    Interaction,
    Lead,
    OwnedTimepiece,
    Purchase,
    PurchaseLine,
    Relationship,
    ServiceJob,
)
from customers.services.timepieces import service_due_date, service_interval_months

BATCH_SIZE = 1000


def records_ensure(*, plan: DemoPlan, customers: dict[int, int], stores, users, brands, products) -> Counter:
    """Create the planned rows that are missing; ``customers`` maps customer number → pk. Returns counts by model."""
    created: Counter = Counter()
    lines = _purchases_ensure(plan, customers=customers, stores=stores, users=users, products=products, created=created)
    _timepieces_ensure(plan, customers=customers, stores=stores, users=users, brands=brands, products=products,
                       lines=lines, created=created)  # fmt: skip
    leads = _leads_ensure(plan, customers=customers, stores=stores, users=users, created=created)
    _interactions_ensure(plan, customers=customers, leads=leads, users=users, created=created)
    _relationships_ensure(plan, customers=customers, created=created)
    return created


def _purchases_ensure(plan, *, customers, stores, users, products, created) -> dict[int, PurchaseLine]:
    """The new purchases and their lines; returns the new lines by id() of their planned line."""
    existing = set(
        Purchase.objects.filter(external_ref__startswith=PURCHASE_REF_PREFIX).values_list("external_ref", flat=True)
    )
    purchases, lines, by_plan = [], [], {}
    for history in plan.histories:
        customer_id = customers.get(history.n)
        if customer_id is None:
            continue
        for planned in history.purchases:
            if planned.ref in existing:
                continue
            purchase = Purchase(
                customer_id=customer_id,
                store=stores[planned.store],
                purchased_on=planned.purchased_on,
                staff=users[planned.staff],
                channel=planned.channel,
                status=planned.status,
                total=planned.total,
                external_ref=planned.ref,
                notes=planned.notes,
            )
            purchases.append(purchase)
            for planned_line in planned.lines:
                line = PurchaseLine(
                    purchase=purchase,
                    product=products[planned_line.product] if planned_line.product else None,
                    description=planned_line.description,
                    quantity=planned_line.quantity,
                    unit_price=planned_line.unit_price,
                    discount=planned_line.discount,
                    serial_number=planned_line.serial_number,
                    line_total=planned_line.line_total,
                )
                lines.append(line)
                by_plan[id(planned_line)] = line
    Purchase.objects.bulk_create(purchases, batch_size=BATCH_SIZE)
    PurchaseLine.objects.bulk_create(lines, batch_size=BATCH_SIZE)
    created[Purchase] += len(purchases)
    created[PurchaseLine] += len(lines)
    return by_plan


def _timepieces_ensure(plan, *, customers, stores, users, brands, products, lines, created) -> None:
    """Timepieces bought on a new line, and the missing ones bought elsewhere; the service jobs of the new ones."""
    elsewhere = set(
        OwnedTimepiece.objects.filter(
            customer__external_ref__startswith=DEMO_REF_PREFIX, purchase_line__isnull=True
        ).values_list("customer_id", "reference", "serial_number")
    )
    months = cache(lambda brand_id, movement: service_interval_months(brand=brand_id, movement_type=movement))
    timepieces, jobs = [], []
    for history in plan.histories:
        customer_id = customers.get(history.n)
        if customer_id is None:
            continue
        for planned in history.timepieces:
            line = None
            if planned.line is not None:
                line = lines.get(id(planned.line))
                if line is None:  # its purchase was there already, and so was it
                    continue
            elif (customer_id, planned.reference, planned.serial_number) in elsewhere:
                continue
            timepiece = OwnedTimepiece(
                customer_id=customer_id,
                product=products[planned.product] if planned.product else None,
                purchase_line=line,
                brand=brands[planned.brand],
                model_name=planned.model_name,
                reference=planned.reference,
                serial_number=planned.serial_number,
                movement_type=planned.movement_type,
                source=planned.source,
                status=planned.status,
                purchased_on=planned.purchased_on,
                warranty_expires_on=planned.warranty_expires_on,
                last_serviced_on=planned.last_serviced_on,
                notes=planned.notes,
            )
            # The service-due rule, as the timepiece services apply it (and service_due_refresh_all checks).
            timepiece.service_due_on = service_due_date(
                purchased_on=planned.purchased_on,
                last_serviced_on=planned.last_serviced_on,
                months=months(timepiece.brand_id, planned.movement_type),
            )
            timepieces.append(timepiece)
            jobs += [
                ServiceJob(
                    timepiece=timepiece,
                    store=stores[job.store],
                    received_on=job.received_on,
                    work_description=job.work_description,
                    cost=job.cost,
                    promised_on=job.promised_on,
                    returned_on=job.returned_on,
                    status=job.status,
                    handled_by=users[job.handled_by],
                )
                for job in planned.jobs
            ]
    OwnedTimepiece.objects.bulk_create(timepieces, batch_size=BATCH_SIZE)
    ServiceJob.objects.bulk_create(jobs, batch_size=BATCH_SIZE)
    created[OwnedTimepiece] += len(timepieces)
    created[ServiceJob] += len(jobs)


def _leads_ensure(plan, *, customers, stores, users, created) -> dict[str, int]:
    """The missing leads (a converted one only if its customer is there); returns lead pks by phone number."""
    phones = {lead.mobile_phone for lead in plan.leads}
    leads = {phone: pk for phone, pk in Lead.objects.values_list("mobile_phone", "pk") if phone in phones}
    # A customer comes from one lead at most: one converted by hand in the meantime keeps its lead.
    taken = set(
        Lead.objects.filter(converted_customer__external_ref__startswith=DEMO_REF_PREFIX).values_list(
            "converted_customer", flat=True
        )
    )
    new, created_at = [], []
    for planned in plan.leads:
        if planned.mobile_phone in leads:
            continue
        converted_id = customers.get(planned.converted_customer) if planned.converted_customer else None
        if planned.converted_customer and (converted_id is None or converted_id in taken):
            continue
        created_at.append(planned.created_at)
        lead = Lead(
            name_en=planned.name_en,
            name_zh=planned.name_zh,
            mobile_phone=planned.mobile_phone,
            email=planned.email,
            source=planned.source,
            campaign=planned.campaign,
            referred_by_id=customers.get(planned.referred_by) if planned.referred_by else None,
            status=planned.status,
            store=stores[planned.store],
            owner=users[planned.owner] if planned.owner else None,
            interest=planned.interest,
            notes=planned.notes,
            converted_customer_id=converted_id,
            converted_at=planned.converted_at,
        )
        new.append(lead)
    Lead.objects.bulk_create(new, batch_size=BATCH_SIZE)
    backdate(Lead, new, created_at)
    leads.update((lead.mobile_phone, lead.pk) for lead in new)
    created[Lead] += len(new)
    return leads


def _interactions_ensure(plan, *, customers, leads, users, created) -> None:
    """The missing interactions of customers and leads, and the follow-up tasks of the new ones."""
    existing = {
        ("customer_id", customer_id, occurred_at)
        for customer_id, occurred_at in Interaction.objects.filter(
            customer__external_ref__startswith=DEMO_REF_PREFIX
        ).values_list("customer_id", "occurred_at")
    }
    existing |= {
        ("lead_id", lead_id, occurred_at)
        for lead_id, occurred_at in Interaction.objects.filter(lead__isnull=False).values_list("lead_id", "occurred_at")
    }
    # (field, id, planned interactions): each interaction and task belongs to a customer or to a lead.
    subjects = [("customer_id", customers.get(n), planned) for n, planned in plan.interactions.items()]
    subjects += [("lead_id", leads.get(lead.mobile_phone), lead.interactions) for lead in plan.leads]
    interactions, tasks, task_created_at = [], [], []
    for subject_field, subject_id, planned_interactions in subjects:
        if subject_id is None:
            continue
        for planned in planned_interactions:
            if (subject_field, subject_id, planned.occurred_at) in existing:
                continue
            interaction = Interaction(
                **{subject_field: subject_id},
                kind=planned.kind,
                occurred_at=planned.occurred_at,
                staff=users[planned.staff],
                summary=planned.summary,
                outcome=planned.outcome,
            )
            interactions.append(interaction)
            for task in planned.tasks:
                tasks.append(
                    FollowUpTask(
                        **{subject_field: subject_id},
                        interaction=interaction,
                        title=task.title,
                        due_on=task.due_on,
                        assignee=users[task.assignee],
                        status=task.status,
                        completed_at=task.completed_at,
                        created_by=users[planned.staff],
                    )
                )
                task_created_at.append(planned.occurred_at)
    Interaction.objects.bulk_create(interactions, batch_size=BATCH_SIZE)
    FollowUpTask.objects.bulk_create(tasks, batch_size=BATCH_SIZE)
    backdate(FollowUpTask, tasks, task_created_at)
    created[Interaction] += len(interactions)
    created[FollowUpTask] += len(tasks)


def _relationships_ensure(plan, *, customers, created) -> None:
    existing = set(
        Relationship.objects.filter(from_customer__external_ref__startswith=DEMO_REF_PREFIX).values_list(
            "from_customer_id", "to_customer_id", "kind"
        )
    )
    new = []
    for planned in plan.relationships:
        from_id, to_id = customers.get(planned.from_customer), customers.get(planned.to_customer)
        if from_id is None or to_id is None or (from_id, to_id, planned.kind) in existing:
            continue
        new.append(
            Relationship(
                from_customer_id=from_id,
                to_customer_id=to_id,
                kind=planned.kind,
                role=planned.role,
                since=planned.since,
                notes=planned.notes,
            )
        )
    Relationship.objects.bulk_create(new, batch_size=BATCH_SIZE)
    created[Relationship] += len(new)


def backdate(model, rows: list, when: list) -> None:
    """``created_at`` is "now" after an insert (auto_now_add); a demo record dates from when it happened.

    One UPDATE executed for all rows (bulk_update's CASE per row is far slower); ``updated_at`` stays as it is.
    """
    table, pk, created = (
        connection.ops.quote_name(name) for name in (model._meta.db_table, model._meta.pk.column, "created_at")
    )
    params = [
        (connection.ops.adapt_datetimefield_value(created_at), row.pk)
        for row, created_at in zip(rows, when, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {created} = %s WHERE {pk} = %s", params)  # noqa: S608 - names quoted
    for row, created_at in zip(rows, when, strict=True):
        row.created_at = created_at
