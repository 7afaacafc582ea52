"""Leads and relationships between the demo customers.

Both are built customer by customer in number order: customer ``n`` may only link to
customers before it, so a larger count never changes a smaller one's data. About 150 leads
for 2,000 customers: ~40 converted (they became demo customers), the rest new, contacted,
qualified or lost; and relationships: people who are contacts at the demo companies,
family, and customers who brought a friend.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from customers.demo.catalogue import DEMO_WATCHES_AND_CLOCKS
from customers.demo.contacts import InteractionPlan, PlannedInteraction
from customers.demo.history import CustomerHistory
from customers.demo.people import DEMO_SEED, DEMO_STORES, email_unique, mobile_unique, prospect_name
from customers.demo.seasons import DEMO_START, DEMO_TODAY, at
from customers.models import Customer, Interaction, Lead, Relationship

Kind, Outcome, Source, Status = Interaction.Kind, Interaction.Outcome, Lead.Source, Lead.Status
_LEAD_SOURCE = {  # a converted customer's lead came from where the customer says they came from
    Customer.Source.REFERRAL: Source.REFERRAL,
    Customer.Source.WALK_IN: Source.WALK_IN,
    Customer.Source.EVENT: Source.EVENT,
    Customer.Source.ONLINE: Source.ONLINE,
    Customer.Source.FOCUS_GROUP: Source.FOCUS_GROUP,
}
_CAMPAIGNS = {
    Source.EVENT: ("CNY VIP cocktail 2025", "Grand Seiko Spring Drive evening", "Watches and Wonders novelties preview",
                   "Omega Speedmaster evening", "Christmas collectors' evening 2025"),
    Source.ONLINE: ("Website enquiry form", "Instagram: Tudor Black Bay 58", "Google Ads: Omega Seamaster",
                    "Facebook: CNY gift guide"),
    Source.PARTNER: ("Hotel concierge, Tsim Sha Tsui", "Private bank client evening", "Harbour Insurance staff offer"),
    Source.FOCUS_GROUP: ("Focus group: ladies' watches, March 2025", "Focus group: first luxury watch, 2026"),
}  # fmt: skip
_COMPANY_ROLES = ("purchasing manager", "director", "managing director", "HR manager", "finance manager",
                  "office manager", "personal assistant to the chairman")  # fmt: skip
_FEMALE = (Customer.Salutation.MS, Customer.Salutation.MRS, Customer.Salutation.MISS)


@dataclass
class PlannedLead:
    mobile_phone: str  # unique among the demo leads: what finds a lead again
    name_en: str
    name_zh: str
    email: str
    source: str
    campaign: str
    status: str
    store: str
    owner: str | None  # username
    interest: str
    created_at: datetime
    referred_by: int | None = None  # customer number
    converted_customer: int | None = None
    converted_at: datetime | None = None
    notes: str = ""
    interactions: list[PlannedInteraction] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedRelationship:
    from_customer: int
    to_customer: int
    kind: str
    role: str = ""
    since: date | None = None
    notes: str = ""


@dataclass
class _Known:
    n: int
    row: dict
    history: CustomerHistory

    @property
    def person(self) -> bool:
        return self.row["kind"] == Customer.Kind.PERSON


class DemoNetwork:
    """Feed it the customers in number order; it plans their leads, relationships and lead-era interactions."""

    def __init__(self, *, taken_phones: set[str], taken_emails: set[str]):
        self.phones, self.emails = set(taken_phones), set(taken_emails)
        self.leads: list[PlannedLead] = []
        self.relationships: list[PlannedRelationship] = []
        self._people: list[_Known] = []  # the persons so far (not companies), and by store and Chinese surname
        self._people_by_store: dict[str, list[_Known]] = {}
        self._people_by_surname: dict[str, list[_Known]] = {}
        self._linked: set[tuple[int, int, str]] = set()  # (lower, higher, kind): one link per pair and kind
        self._contacts: set[int] = set()  # people already a contact at a company

    def add(self, n: int, row: dict, history: CustomerHistory) -> list[PlannedInteraction]:
        """Plan what customer ``n`` brings; returns the interactions they had as a lead (now theirs)."""
        rng = random.Random(f"{DEMO_SEED}/network/{n}")  # noqa: S311 - demo data, not security
        me = _Known(n, row, history)
        moved: list[PlannedInteraction] = []
        referrer = None
        if me.person and history.since >= DEMO_START + timedelta(days=60):
            chance = 0.065 if row["acquisition_source"] != Customer.Source.WALK_IN else 0.01
            if rng.random() < chance:
                referrer = self._converted_lead(rng, me, moved)
        if row["kind"] == Customer.Kind.COMPANY:
            self._company_contacts(rng, me)
        else:
            if rng.random() < 0.02:
                self._family(rng, me)
            if row["acquisition_source"] == Customer.Source.REFERRAL and referrer is None and rng.random() < 0.12:
                friend = self._pick(rng, me)
                if friend is not None:
                    self._link(friend.n, n, Relationship.Kind.REFERRAL, "referred", history.since)
        if rng.random() < 0.055:
            self._open_lead(rng, me)
        if me.person:
            self._people.append(me)
            self._people_by_store.setdefault(row["store_code"], []).append(me)
            if row["name_zh"]:
                self._people_by_surname.setdefault(row["name_zh"][:1], []).append(me)
        return moved

    # --- relationships ------------------------------------------------------------------

    def _link(self, from_n: int, to_n: int, kind: str, role: str = "", since=None, notes: str = "") -> bool:
        key = (min(from_n, to_n), max(from_n, to_n), kind)
        if from_n == to_n or key in self._linked:
            return False
        self._linked.add(key)
        self.relationships.append(PlannedRelationship(from_n, to_n, kind, role, since, notes))
        return True

    def _pick(self, rng, me: _Known, *, among: list[_Known] | None = None, accept=None) -> _Known | None:
        """An earlier person ``among`` some (default: of the same store four times in five) that ``accept`` takes."""
        if among is None:
            same_store = self._people_by_store.get(me.row["store_code"])
            among = same_store if same_store and rng.random() < 0.8 else self._people
        for _ in range(20):
            if not among:
                return None
            candidate = rng.choice(among)
            if accept is None or accept(candidate):
                return candidate
        return None

    def _company_contacts(self, rng, company: _Known) -> None:
        """1–3 people who are the company's contacts: functional links from each person to the company."""
        roles = rng.sample(_COMPANY_ROLES, rng.choices((1, 2, 3), weights=(65, 25, 10))[0])
        for role in roles:
            person = self._pick(rng, company, accept=lambda k: k.n not in self._contacts)
            if person is None:
                return
            self._contacts.add(person.n)
            since = max(person.history.since, company.history.since)
            notes = "Orders the long-service award watches." if role in ("HR manager", "purchasing manager") else ""
            self._link(person.n, company.n, Relationship.Kind.FUNCTIONAL, role, since, notes)

    def _family(self, rng, me: _Known) -> None:
        """Someone's spouse, parent, child or sibling: the same surname unless married."""
        surname = me.row["name_zh"][:1]
        relative = self._pick(rng, me, among=self._people_by_surname.get(surname)) if surname else None
        if relative is None or rng.random() < 0.35:
            relative = self._pick(rng, me)
            if relative is None:
                return
        self._link(me.n, relative.n, Relationship.Kind.FAMILY, _family_role(me.row, relative.row))

    # --- leads ----------------------------------------------------------------------------

    def _converted_lead(self, rng, me: _Known, moved: list[PlannedInteraction]) -> _Known | None:
        """Customer ``me`` came in as a lead; returns who referred them, if anybody did."""
        row, history = me.row, me.history
        source = _LEAD_SOURCE[row["acquisition_source"]]
        referrer = None
        if source == Source.REFERRAL:
            referrer = self._pick(rng, me)
            if referrer is None:
                return None
        store = row["store_code"]
        owner = f"{row['manager_prefix']}.{store}" if row["manager_prefix"] else f"am.{store}"
        created = history.since - timedelta(days=rng.randint(3, 45))
        interest = rng.choice(DEMO_WATCHES_AND_CLOCKS).label
        lead = PlannedLead(
            mobile_phone=row["mobile_phone"],
            name_en=row["name_en"],
            name_zh=row["name_zh"],
            email=row["email"],
            source=source,
            campaign=rng.choice(_CAMPAIGNS[source]) if source in _CAMPAIGNS else "",
            status=Status.CONVERTED,
            store=store,
            owner=owner,
            interest=interest,
            created_at=at(created, rng.randrange(11, 19), rng.randrange(60)),
            referred_by=referrer.n if referrer else None,
            converted_customer=me.n,
            converted_at=history.created_at,
        )
        self.leads.append(lead)
        plan = InteractionPlan(rng, chinese=row["preferred_language"] == Customer.Language.CHINESE, assignee=owner,
                     first_day=created)  # fmt: skip
        plan.add(Kind.CALL, created, owner, interest,
                 ("First call: interested in the {model}; invited to the store.", "首次致電：對{model}有興趣，已邀請到店。"),  # noqa: E501
                 Outcome.POSITIVE, task=("Call back about the {model}", created + timedelta(days=3)),
                 done_on=created + timedelta(days=2))  # fmt: skip
        moved.extend(interaction for interaction in plan.interactions if interaction.occurred_at < lead.converted_at)
        if referrer is not None:
            self._link(referrer.n, me.n, Relationship.Kind.REFERRAL, "referred", created)
        return referrer

    def _open_lead(self, rng, me: _Known) -> None:
        """A prospect met through customer ``me``'s slot: not a customer (yet)."""
        names = prospect_name(rng)
        source = rng.choices(list(Source), weights=(20, 25, 20, 20, 5, 10))[0]
        referred_by = None
        if source == Source.REFERRAL:
            if not me.person:
                source = Source.WALK_IN
            else:
                referred_by = me.n
        store = rng.choices([s.code for s in DEMO_STORES], weights=(36, 38, 26))[0]
        owner = rng.choices((f"am.{store}", f"am2.{store}", None), weights=(45, 45, 10))[0]
        age = min(540, int(rng.expovariate(1 / 150)))  # days; most leads are recent
        created = DEMO_TODAY - timedelta(days=age)
        if age < 30:
            status = rng.choices((Status.NEW, Status.CONTACTED), weights=(60, 40))[0]
        elif age < 120:
            status = rng.choices((Status.CONTACTED, Status.QUALIFIED, Status.LOST), weights=(40, 30, 30))[0]
        else:
            status = rng.choices((Status.CONTACTED, Status.QUALIFIED, Status.LOST), weights=(15, 20, 65))[0]
        product = rng.choice(DEMO_WATCHES_AND_CLOCKS)
        budget = f"{round(product.price * rng.uniform(0.8, 1.2), -3):,.0f}"
        email = ""
        if rng.random() < 0.5:
            email = email_unique(
                rng, self.emails, f"{names['email_local']}@{rng.choice(('example.com', 'example.net'))}"
            )
        lead = PlannedLead(
            mobile_phone=mobile_unique(rng, self.phones),
            name_en=names["name_en"],
            name_zh=names["name_zh"],
            email=email,
            source=source,
            campaign=rng.choice(_CAMPAIGNS[source]) if source in _CAMPAIGNS else "",
            status=status,
            store=store,
            owner=owner,
            interest=f"{product.label}; budget about HK${budget}" if rng.random() < 0.6 else product.label,
            created_at=at(created, rng.randrange(11, 20), rng.randrange(60)),
            referred_by=referred_by,
            notes=rng.choice(
                ("Prefers WhatsApp.", "Gift for her husband's 50th birthday.", "想要男裝錶，預算彈性。", "")
            ),
        )
        self.leads.append(lead)
        if status != Status.NEW:
            lead.interactions = _lead_interactions(rng, lead, product.label, budget, created)


def _lead_interactions(rng, lead: PlannedLead, model: str, budget: str, created: date) -> list[PlannedInteraction]:
    staff = lead.owner or f"am.{lead.store}"
    plan = InteractionPlan(rng, chinese=bool(lead.name_zh) and rng.random() < 0.5, assignee=staff, first_day=created)
    plan.add(Kind.CALL, created + timedelta(days=rng.randint(0, 3)), staff, model,
             (f"First call: interested in the {{model}}; budget around HK${budget}.",
              f"首次致電：對{{model}}有興趣，預算約HK${budget}。"), Outcome.POSITIVE)  # fmt: skip
    day = created + timedelta(days=rng.randint(4, 20))
    if lead.status == Status.LOST:
        plan.add(Kind.CALL, day, staff, model,
                 rng.choice((("Bought elsewhere; not interested any more.", "已在別處購買，不再有興趣。"),
                             ("No answer after three calls; closing the lead.", "三次致電未能接通，結束跟進。"))),
                 Outcome.NEGATIVE)  # fmt: skip
        return plan.interactions
    if rng.random() < 0.6:
        plan.add(rng.choice((Kind.VISIT, Kind.MESSAGE)), day, staff, model,
                 rng.choice((("Visited the store and tried on the {model}.", "到店試戴{model}。"),
                             ("Sent the brochure and prices on WhatsApp.", "已WhatsApp傳送目錄及價錢。"))),
                 Outcome.POSITIVE if lead.status == Status.QUALIFIED else Outcome.NEUTRAL)  # fmt: skip
    if plan.interactions and rng.random() < 0.7:
        last = plan.interactions[-1]
        due = max(last.occurred_at.date() + timedelta(days=rng.randint(5, 21)), DEMO_TODAY - timedelta(days=12))
        last.tasks.append(plan.task(f"Call back about the {model}", due, last.occurred_at, None))
    return plan.interactions


def _family_role(me: dict, relative: dict) -> str:
    """What ``me`` is to ``relative``: "spouse", "mother", "son", "sister"…"""
    female = me["salutation"] in _FEMALE
    known = me["salutation"] in (*_FEMALE, Customer.Salutation.MR)
    if not me["name_zh"][:1] or me["name_zh"][:1] != relative["name_zh"][:1]:
        return "spouse"
    mine, theirs = me["birth_year"], relative["birth_year"]
    if mine and theirs and abs(mine - theirs) >= 18:
        if mine < theirs:
            return ("mother" if female else "father") if known else "parent"
        return ("daughter" if female else "son") if known else "child"
    return ("sister" if female else "brother") if known else "sibling"
