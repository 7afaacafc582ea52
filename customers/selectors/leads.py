"""Reads of leads (prospects), always scoped to the user asking.

Who sees a lead mirrors who sees a customer (``Customer.objects.visible_to``): a lead
belongs to a store; account managers and supervisors see the leads of their stores,
admins and privacy officers all of them. Account managers edit the leads they own and
the unowned leads of their stores; supervisors every lead of their stores.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import roles
from customers.models import Customer, Lead, Store
from customers.phones import phone_search_key

# Lead source -> the customer's acquisition source when the lead converts.
LEAD_SOURCE_TO_ACQUISITION = {
    Lead.Source.REFERRAL: Customer.Source.REFERRAL,
    Lead.Source.WALK_IN: Customer.Source.WALK_IN,
    Lead.Source.EVENT: Customer.Source.EVENT,
    Lead.Source.ONLINE: Customer.Source.ONLINE,
    Lead.Source.FOCUS_GROUP: Customer.Source.FOCUS_GROUP,
    Lead.Source.PARTNER: Customer.Source.OTHER,
}


def lead_visible_to(user) -> QuerySet[Lead]:
    """The one rule for who sees which lead."""
    if roles.sees_all_stores(user):
        return Lead.objects.all()
    if not roles.user_roles(user) & {roles.SUPERVISOR, roles.ACCOUNT_MANAGER}:
        return Lead.objects.none()
    return Lead.objects.filter(store__in=Store.objects.of_user(user).values("pk"))


def lead_editable_by(user) -> QuerySet[Lead]:
    """Supervisors edit their stores' leads; account managers their own and their stores' unowned ones."""
    if roles.sees_all_stores(user):
        return Lead.objects.all()
    user_roles = roles.user_roles(user)
    own_stores = Store.objects.of_user(user).values("pk")
    if roles.SUPERVISOR in user_roles:
        return Lead.objects.filter(store__in=own_stores)
    if roles.ACCOUNT_MANAGER in user_roles:
        return Lead.objects.filter(Q(owner=user) | Q(owner__isnull=True), store__in=own_stores)
    return Lead.objects.none()


def lead_search(queryset: QuerySet[Lead], term: str) -> QuerySet[Lead]:
    """Name in English or Chinese (partial), e-mail, campaign, or phone number in any format."""
    term = (term or "").strip()
    if not term:
        return queryset
    condition = (
        Q(name_en__icontains=term) | Q(name_zh__icontains=term) | Q(email__icontains=term) | Q(campaign__icontains=term)
    )
    phone = phone_search_key(term)
    if phone:
        condition |= Q(mobile_phone=phone)
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= 4:
        condition |= Q(mobile_phone__contains=digits)
    return queryset.filter(condition)


def lead_list_for_user(*, user, status=None, source=None, search: str = "") -> QuerySet[Lead]:
    """The leads list page: visible leads, filtered and searched, with what the rows show."""
    queryset = lead_visible_to(user).select_related("store", "owner", "referred_by", "converted_customer")
    if status:
        queryset = queryset.filter(status=status)
    if source:
        queryset = queryset.filter(source=source)
    return lead_search(queryset, search).order_by("-created_at", "-id")


def lead_get_for_user(*, user, pk) -> Lead:
    """One lead the user may see: the same 404 for missing and forbidden."""
    return get_object_or_404(
        lead_visible_to(user).select_related("store", "owner", "referred_by", "converted_customer"), pk=pk
    )


def lead_get_editable_for_user(*, user, pk) -> Lead:
    """One lead the user may edit: the same 404 for missing and forbidden."""
    return get_object_or_404(
        lead_editable_by(user).select_related("store", "owner", "referred_by", "converted_customer"), pk=pk
    )


def lead_can_edit(*, user, lead: Lead) -> bool:
    return user.has_perm("customers.change_lead") and lead_editable_by(user).filter(pk=lead.pk).exists()


def lead_can_convert(*, user, lead: Lead) -> bool:
    """Converting needs the lead's edit rights and the right to add customers."""
    return (
        lead.status != Lead.Status.CONVERTED
        and user.has_perm("customers.add_customer")
        and lead_can_edit(user=user, lead=lead)
    )


def _start_of(since) -> datetime:
    """A date is read as midnight, Hong Kong time; a datetime is used as it is."""
    if isinstance(since, datetime):
        return since
    if isinstance(since, date):
        return datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
    raise TypeError(f"since must be a date or datetime, not {type(since).__name__}")


def _rate(converted: int, total: int) -> float | None:
    return converted / total if total else None


def lead_funnel(*, user, since=None) -> dict:
    """Where the user's visible leads stand: counts by status and by source, and conversion rates.

    One aggregate query. ``since`` (a date, read in Hong Kong time, or a datetime) counts
    only leads created from then on. The answer::

        {
            "total": 12, "converted": 3, "conversion_rate": 0.25,        # rate is None without leads
            "by_status": {"new": 4, "contacted": 2, ...},                 # every status, zeros included
            "by_source": {"referral": {"total": 5, "converted": 2, "rate": 0.4}, ...},  # every source
            "status_rows": [{"value": "new", "label": "New", "count": 4}, ...],          # for templates
            "source_rows": [{"value": "referral", "label": "...", "total": 5, "converted": 2, "rate": 0.4}, ...],
        }
    """
    queryset = lead_visible_to(user)
    if since is not None:
        queryset = queryset.filter(created_at__gte=_start_of(since))
    counts = queryset.values("source", "status").annotate(n=Count("id")).order_by()

    by_status = dict.fromkeys(Lead.Status.values, 0)
    by_source = {value: {"total": 0, "converted": 0, "rate": None} for value in Lead.Source.values}
    for row in counts:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        source = by_source.setdefault(row["source"], {"total": 0, "converted": 0, "rate": None})
        source["total"] += row["n"]
        if row["status"] == Lead.Status.CONVERTED:
            source["converted"] += row["n"]
    for source in by_source.values():
        source["rate"] = _rate(source["converted"], source["total"])

    total = sum(by_status.values())
    converted = by_status[Lead.Status.CONVERTED]
    return {
        "total": total,
        "converted": converted,
        "conversion_rate": _rate(converted, total),
        "by_status": by_status,
        "by_source": by_source,
        "status_rows": [
            {"value": value, "label": label, "count": by_status[value]} for value, label in Lead.Status.choices
        ],
        "source_rows": [{"value": value, "label": label, **by_source[value]} for value, label in Lead.Source.choices],
    }


def referrals_by_customer(*, customer, user=None) -> QuerySet[Lead]:
    """The leads ``customer`` referred, newest first, each with ``status`` and ``converted_customer``.

    One query. For the referrer's page: pass ``user`` to list only the leads that user
    may see (a referred lead at another store is another store's personal data).
    ``lead.status == "converted"`` (or ``lead.converted_customer``) says whether it converted.
    """
    queryset = lead_visible_to(user) if user is not None else Lead.objects.all()
    return (
        queryset.filter(referred_by=customer)
        .select_related("store", "owner", "converted_customer")
        .order_by("-created_at", "-id")
    )


def lead_default_account_manager(*, lead: Lead, store: Store | None = None):
    """The lead's owner, if they are an account manager of ``store`` (default: the lead's store); else None."""
    store = store or lead.store
    owner = lead.owner
    if owner is None or not owner.is_active or roles.ACCOUNT_MANAGER not in roles.user_roles(owner):
        return None
    return owner if store.staff.filter(pk=owner.pk).exists() else None


def lead_customer_initial(*, lead: Lead) -> dict:
    """The customer fields a conversion starts from (the confirm page prefills them)."""
    notes = "\n".join(
        part
        for part in (
            _("Interested in: %(what)s") % {"what": lead.interest} if lead.interest else "",
            lead.notes,
        )
        if part
    )
    return {
        "name_en": lead.name_en,
        "name_zh": lead.name_zh,
        "mobile_phone": lead.mobile_phone,
        "email": lead.email,
        "home_store": lead.store,
        "account_manager": lead_default_account_manager(lead=lead),
        "acquisition_source": LEAD_SOURCE_TO_ACQUISITION[lead.source],
        "notes": notes,
    }


@dataclass(frozen=True)
class LeadDuplicates:
    """Existing customers with the lead's phone number or e-mail."""

    visible: list = field(default_factory=list)  # those the user may open (home_store loaded)
    linkable_ids: frozenset = frozenset()  # those the user may link the lead to (editable)
    hidden_count: int = 0  # matches in stores the user cannot see
    matched_on: dict = field(default_factory=dict)  # customer pk -> ["phone", "email"]

    def __bool__(self) -> bool:
        return bool(self.visible) or self.hidden_count > 0


def lead_duplicates_for_user(*, user, mobile_phone: str = "", email: str = "") -> LeadDuplicates:
    """The duplicate check of a conversion: current customers with this phone number or e-mail."""
    condition = Q()
    if mobile_phone:
        condition |= Q(mobile_phone=mobile_phone)
    if email:
        condition |= Q(email__iexact=email)
    if not condition:
        return LeadDuplicates()
    matches = Customer.objects.current().filter(condition)
    visible = list(matches.visible_to(user).select_related("home_store").order_by("name_en", "name_zh", "id")[:10])
    visible_ids = [c.pk for c in visible]
    linkable_ids = frozenset()
    if visible_ids and user.has_perm("customers.change_customer"):
        linkable_ids = frozenset(
            Customer.objects.editable_by(user).filter(pk__in=visible_ids).values_list("pk", flat=True)
        )
    hidden_count = matches.exclude(pk__in=matches.visible_to(user).values("pk")).count()
    matched_on = {
        c.pk: [
            name
            for name, hit in (
                ("phone", bool(mobile_phone) and c.mobile_phone == mobile_phone),
                ("email", bool(email) and c.email.lower() == email.lower()),
            )
            if hit
        ]
        for c in visible
    }
    return LeadDuplicates(visible=visible, linkable_ids=linkable_ids, hidden_count=hidden_count, matched_on=matched_on)
