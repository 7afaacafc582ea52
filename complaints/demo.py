"""Demo complaints: a realistic set per store, open, overdue, escalated, awaiting approval, resolved and closed.

Deterministic (seeded ``random.Random``, dates around the demo's fixed today), written as rows
with their events and surveys like the rest of the demo data (no access-log rows: loading is not
a person reading data). All or nothing: a second run, once demo complaints exist, changes nothing.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from complaints.business_time import calendar_for_store
from complaints.models import Category, Complaint, ComplaintEvent, RootCause, SatisfactionSurvey
from complaints.services.due import policy_for
from crm_site.models import User
from customers.demo import DEMO_REF_PREFIX, DEMO_STORES, DEMO_TODAY
from customers.demo.seasons import HONG_KONG
from customers.models import Customer, Store

SEED = 20261120
S = Complaint.Status

SUBJECTS = {
    "repair_delay": [
        ("Service taking far longer than promised", "Left my watch for a full service eight weeks ago; was told five."),
        ("No news on my repair", "Nobody has called me about the crown replacement since I dropped it off."),
        ("Watch still at the brand's service centre", "Third time I ask; the store cannot say when it comes back."),
    ],
    "product_defect": [
        ("Losing time after purchase", "The new automatic loses about 40 seconds a day."),
        ("Date wheel stuck", "The date does not change at midnight any more, watch bought in spring."),
        ("Crystal cracked without a knock", "A hairline crack appeared on the sapphire crystal."),
    ],
    "authenticity": [
        ("Doubts about a pre-owned watch", "A friend's watchmaker says the movement looks wrong for the reference."),
    ],
    "warranty": [
        ("Repair refused under warranty", "The store says water damage is not covered; the watch is rated 100 m."),
        ("Warranty card not stamped", "My warranty card has no date or stamp; the brand will not accept it."),
    ],
    "pricing": [
        ("Charged twice on my card", "The card terminal failed and I see two charges for the same strap."),
        ("Price higher than the quote", "Service quote was HKD 3,800 but I was asked for HKD 4,600."),
    ],
    "staff_conduct": [
        ("Felt rushed and ignored", "The sales associate kept answering the phone during my appointment."),
    ],
    "delivery": [
        ("Gift delivered late", "A birthday gift arrived two days after the birthday."),
    ],
    "personal_data": [
        ("Marketing messages after opting out", "I still get WhatsApp promotions after asking you to stop."),
    ],
}

# (status, days before the demo's today it was received, severity, escalated, goodwill, survey score)
SCENARIOS = [
    (S.CLOSED, 70, "medium", False, "0", 5),
    (S.CLOSED, 55, "low", False, "200", 4),
    (S.CLOSED, 41, "high", True, "1500", 3),
    (S.CLOSED, 30, "medium", False, "0", 5),
    (S.RESOLVED, 12, "medium", False, "500", None),
    (S.RESOLVED, 6, "low", False, "0", 4),
    (S.INVESTIGATING, 9, "high", True, "0", None),  # overdue, breached, escalated
    (S.AWAITING_CUSTOMER, 5, "medium", False, "0", None),
    (S.ACKNOWLEDGED, 2, "medium", False, "0", None),
    (S.INVESTIGATING, 3, "critical", False, "3000", None),  # goodwill awaiting approval
    (S.NEW, 4, "high", True, "0", None),  # never acknowledged: breached
    (S.NEW, 0, "medium", False, "0", None),
]
CATEGORY_CYCLE = [
    "repair_delay",
    "product_defect",
    "warranty",
    "repair_delay",
    "pricing",
    "delivery",
    "repair_delay",
    "authenticity",
    "staff_conduct",
    "product_defect",
    "repair_delay",
    "personal_data",
]


@dataclass
class DemoComplaintsResult:
    complaints: int = 0
    events: int = 0
    surveys: int = 0


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HONG_KONG)


@transaction.atomic
def complaints_demo_load() -> DemoComplaintsResult:
    """Create the demo complaints once (needs the demo stores, users and customers)."""
    result = DemoComplaintsResult()
    demo_customers = Customer.objects.filter(external_ref__startswith=DEMO_REF_PREFIX, merged_into__isnull=True)
    if Complaint.objects.filter(customer__in=demo_customers).exists():
        return result
    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    categories = {c.code: c for c in Category.objects.all()}
    causes = list(RootCause.objects.filter(is_active=True).order_by("position"))
    users = {u.username: u for u in User.objects.filter(username__contains=".")}
    privacy_officer = users.get("dpo.central")
    for demo_store in DEMO_STORES:
        store = Store.objects.filter(code=demo_store.code).first()
        supervisor = users.get(f"sup.{demo_store.code}")
        if store is None or supervisor is None:
            continue
        candidates = list(
            demo_customers.filter(home_store=store, account_manager__isnull=False)
            .select_related("account_manager")
            .order_by("external_ref")[:60]
        )
        if len(candidates) < len(SCENARIOS):
            continue
        picked = rng.sample(candidates, len(SCENARIOS))
        calendar = calendar_for_store(store.pk)
        for index, (scenario, customer) in enumerate(zip(SCENARIOS, picked, strict=True)):
            code = CATEGORY_CYCLE[(index + len(demo_store.code)) % len(CATEGORY_CYCLE)]
            _complaint_make(
                rng=rng,
                scenario=scenario,
                customer=customer,
                store=store,
                category=categories[code],
                subject=rng.choice(SUBJECTS[code]),
                handler=privacy_officer if categories[code].is_personal_data else customer.account_manager,
                supervisor=supervisor,
                causes=causes,
                calendar=calendar,
                result=result,
            )
        _web_complaint_make(store=store, category=categories["product_defect"], calendar=calendar, result=result)
    return result


def _web_complaint_make(*, store, category, calendar, result):
    """A complaint from the public form by someone not matched to a customer, in the store queue.

    (The public form would also have made a lead; the demo leaves the customers' demo leads as they are.)
    """
    name = {"central": "Cheung Hoi Yan", "tst": "Daniel Tam", "cwb": "Lau Mei Ling"}.get(store.code, "Web visitor")
    email = f"{name.lower().replace(' ', '.')}@example.com"
    received = calendar.add(_at(DEMO_TODAY, 9, 30), 0)
    policy = policy_for(severity="medium", category_id=category.pk)
    complaint = Complaint.objects.create(
        contact_name=name,
        contact_email=email,
        channel=Complaint.Channel.WEB,
        category=category,
        severity="medium",
        store=store,
        subject="Bracelet clasp opens by itself",
        description="Bought as a gift last month; the clasp opened twice and the watch nearly fell.",
        received_at=received,
        acknowledge_due_at=calendar.add(received, float(policy.acknowledge_within_hours) * 3600),
        resolve_due_at=calendar.add(received, float(policy.resolve_within_hours) * 3600),
    )
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.CREATED,
        at=received,
        to_status=S.NEW,
        note="No customer with this phone or e-mail.",
    )
    result.complaints += 1
    result.events += 1


def _complaint_make(
    *, rng, scenario, customer, store, category, subject, handler, supervisor, causes, calendar, result
):
    status, days_ago, severity, escalated, goodwill, score = scenario
    received = calendar.add(
        _at(DEMO_TODAY - timedelta(days=days_ago), rng.choice((10, 11, 14, 16)), rng.choice((5, 20, 40))), 0
    )
    policy = policy_for(severity=severity, category_id=category.pk)
    ack_due = calendar.add(received, float(policy.acknowledge_within_hours) * 3600)
    resolve_due = calendar.add(received, float(policy.resolve_within_hours) * 3600)
    events = [(ComplaintEvent.Kind.CREATED, handler, received, "", S.NEW, "")]
    complaint = Complaint(
        customer=customer,
        contact_name=customer.display_name[:200],
        contact_phone=customer.mobile_phone,
        contact_email=customer.email,
        channel=rng.choice([c for c, _label in Complaint.Channel.choices]),
        category=category,
        severity=severity,
        store=store,
        subject=subject[0],
        description=subject[1],
        status=status,
        assignee=handler,
        received_at=received,
        acknowledge_due_at=ack_due,
        resolve_due_at=resolve_due,
        created_by=handler,
    )
    moment = received
    if status != S.NEW:
        # Acknowledged in time, except for the escalated ones.
        moment = ack_due + timedelta(hours=3) if escalated else received + (ack_due - received) / 3
        complaint.acknowledged_at = moment
        events.append((ComplaintEvent.Kind.TRANSITION, handler, moment, S.NEW, S.ACKNOWLEDGED, "Called the customer."))
        if escalated:
            complaint.acknowledge_breached_at = ack_due + timedelta(minutes=5)
            complaint.escalation_level = 1
            events.append(_breach(complaint.acknowledge_breached_at, supervisor, "acknowledgement"))
    elif escalated:
        complaint.acknowledge_breached_at = ack_due + timedelta(minutes=5)
        complaint.escalation_level = 1
        events.append(_breach(complaint.acknowledge_breached_at, supervisor, "acknowledgement"))
    if status in (S.INVESTIGATING, S.AWAITING_CUSTOMER, S.RESOLVED, S.CLOSED):
        moment = moment + timedelta(hours=2)
        events.append((ComplaintEvent.Kind.TRANSITION, handler, moment, S.ACKNOWLEDGED, S.INVESTIGATING, ""))
    if status == S.AWAITING_CUSTOMER:
        moment = moment + timedelta(hours=20)
        complaint.paused_at = moment
        events.append(
            (ComplaintEvent.Kind.TRANSITION, handler, moment, S.INVESTIGATING, S.AWAITING_CUSTOMER,
             "Asked for the purchase receipt and photos.")
        )  # fmt: skip
    if status == S.INVESTIGATING and escalated:
        complaint.resolve_breached_at = resolve_due + timedelta(minutes=5)
        complaint.escalation_level += 1
        events.append(_breach(complaint.resolve_breached_at, supervisor, "resolution"))
    amount = Decimal(goodwill)
    if amount:
        complaint.goodwill_amount = amount
    if status == S.INVESTIGATING and amount:
        complaint.root_cause = causes[1]
        complaint.resolution_summary = "Full service again at no charge and a replacement strap."
        complaint.goodwill_status = Complaint.Goodwill.PENDING
        events.append(
            (ComplaintEvent.Kind.GOODWILL, handler, moment + timedelta(hours=4), "", "",
             f"Goodwill of HKD {amount:,.2f} asked for; awaiting a supervisor's approval.")
        )  # fmt: skip
    if status in (S.RESOLVED, S.CLOSED):
        late = escalated
        resolved = resolve_due + timedelta(hours=6) if late else received + (resolve_due - received) * 0.6
        resolved = min(resolved, _at(DEMO_TODAY, 17))
        if late:
            complaint.resolve_breached_at = resolve_due + timedelta(minutes=5)
            complaint.escalation_level += 1
            events.append(_breach(complaint.resolve_breached_at, supervisor, "resolution"))
        complaint.resolved_at = resolved
        complaint.root_cause = rng.choice(causes)
        complaint.resolution_summary = "We explained the cause, fixed the watch and checked it with the customer."
        complaint.corrective_action = "Promised dates now include the brand centre's queue."
        if amount:
            complaint.goodwill_status = Complaint.Goodwill.APPROVED
            complaint.goodwill_decided_by = supervisor if amount > 1000 else handler
        events.append((ComplaintEvent.Kind.TRANSITION, handler, resolved, S.INVESTIGATING, S.RESOLVED, ""))
        if status == S.CLOSED:
            complaint.closed_at = resolved + timedelta(days=3)
            events.append((ComplaintEvent.Kind.TRANSITION, handler, complaint.closed_at, S.RESOLVED, S.CLOSED, ""))
    complaint.save()
    result.complaints += 1
    rows = [
        ComplaintEvent(complaint=complaint, kind=kind, actor=actor, at=at, from_status=f, to_status=t, note=note)
        for kind, actor, at, f, t, note in events
    ]
    ComplaintEvent.objects.bulk_create(rows)
    result.events += len(rows)
    if status in (S.RESOLVED, S.CLOSED):
        answered = complaint.resolved_at + timedelta(days=1) if score else None
        SatisfactionSurvey.objects.create(
            complaint=complaint,
            nonce=secrets.token_hex(16),
            expires_at=complaint.resolved_at + timedelta(days=14),
            answered_at=answered,
            score=score,
            comment={5: "Very well handled, thank you.", 4: "Good, a bit slow.", 3: "Fixed in the end."}.get(score, ""),
        )
        result.surveys += 1


def _breach(at, supervisor, what):
    return (ComplaintEvent.Kind.BREACHED, None, at, "", "", f"Not {what} in time; escalated to {supervisor}.")
