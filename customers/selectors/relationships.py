"""Links between customers, as the user asking may see them.

A link whose other party the user may not see (a customer of another store) is never
shown: it is only counted, so the page can say that such links exist.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from crm_site.money import hkd
from customers.models import Customer, Purchase, Relationship

CUSTOMER_SEARCH_LIMIT = 10

# How a link reads from each side: (seen from the "from" customer, seen from the "to" customer).
_LABELS = {
    Relationship.Kind.FAMILY: (lambda: _("Family"), lambda: _("Family")),
    Relationship.Kind.REFERRAL: (lambda: _("Referred"), lambda: _("Referred by")),
    Relationship.Kind.PARTNERSHIP: (lambda: _("Business partner"), lambda: _("Business partner")),
    Relationship.Kind.CONSULTANT: (lambda: _("Consultant to"), lambda: _("Consultant")),
    Relationship.Kind.AFFILIATION: (lambda: _("Affiliated with"), lambda: _("Affiliated with")),
    Relationship.Kind.FUNCTIONAL: (lambda: _("Contact at"), lambda: _("Contact")),
}


@dataclass(frozen=True)
class RelationshipLink:
    """One link as seen from one of its customers."""

    relationship: Relationship
    other: Customer
    outgoing: bool  # True when the customer asked about is the link's "from" side

    @property
    def label(self) -> str:
        out_label, in_label = _LABELS[self.relationship.kind]
        return out_label() if self.outgoing else in_label()


@dataclass(frozen=True)
class CustomerLinks:
    links: list[RelationshipLink] = field(default_factory=list)
    hidden_count: int = 0  # links to customers the user may not see


@dataclass(frozen=True)
class CombinedPurchases:
    total: Decimal
    count: int

    @property
    def total_display(self) -> str:
        """``HK$12,345.00`` whatever the language (the same format as the purchase pages)."""
        return hkd(self.total)


def relationships_for_customer(*, customer, user) -> CustomerLinks:
    """Links in both directions whose other party ``user`` may see, and how many others exist (two queries)."""
    visible = Customer.objects.visible_to(user).values("pk")
    involving = Q(from_customer=customer) | Q(to_customer=customer)
    shown = Q(from_customer=customer, to_customer__in=visible) | Q(to_customer=customer, from_customer__in=visible)
    rows = Relationship.objects.filter(shown).select_related("from_customer", "to_customer").order_by("kind", "id")
    links = [
        RelationshipLink(
            relationship=row,
            other=row.to_customer if row.from_customer_id == customer.pk else row.from_customer,
            outgoing=row.from_customer_id == customer.pk,
        )
        for row in rows
    ]
    hidden_count = Relationship.objects.filter(involving).count() - len(links)
    return CustomerLinks(links=links, hidden_count=hidden_count)


def relationship_get_for_user(*, user, pk) -> Relationship:
    """One link both of whose customers the user may see: the same 404 for missing and forbidden."""
    visible = Customer.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Relationship.objects.filter(from_customer__in=visible, to_customer__in=visible).select_related(
            "from_customer", "to_customer"
        ),
        pk=pk,
    )


def company_contacts(*, company, user):
    """The people linked as "contact at" ``company`` whom ``user`` may see, with their link (role, since)."""
    return (
        Relationship.objects.filter(
            to_customer=company,
            kind=Relationship.Kind.FUNCTIONAL,
            from_customer__in=Customer.objects.visible_to(user).values("pk"),
        )
        .select_related("from_customer")
        .order_by("from_customer__name_en", "from_customer__name_zh", "id")
    )


def company_combined_purchases(*, company) -> CombinedPurchases:
    """Spend and number of purchases of ``company`` and its functional contacts, in one query.

    Returns are netted out of the spend (their totals are negative); the count is of sales
    (purchases with a positive total).
    """
    contacts = Relationship.objects.filter(to_customer=company, kind=Relationship.Kind.FUNCTIONAL).values(
        "from_customer_id"
    )
    figures = Purchase.objects.filter(Q(customer=company) | Q(customer__in=contacts)).aggregate(
        spend=Coalesce(Sum("total"), Value(Decimal("0")), output_field=DecimalField(max_digits=16, decimal_places=2)),
        sales=Count("pk", filter=Q(total__gt=0)),
    )
    return CombinedPurchases(total=Decimal(figures["spend"]).quantize(Decimal("0.01")), count=figures["sales"])


def customer_search_for_user(*, user, q: str, exclude_id=None, limit: int = CUSTOMER_SEARCH_LIMIT):
    """The customer picker: up to ``limit`` visible customers matching ``q`` (two characters at least)."""
    q = (q or "").strip()
    if len(q) < 2:
        return Customer.objects.none()
    queryset = Customer.objects.visible_to(user).search(q).select_related("home_store")
    if exclude_id:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.order_by("name_en", "name_zh", "id")[:limit]


def customer_search_pick_for_user(*, user, pk: int, exclude_id=None):
    """The customer already picked in the form, if the user may see them (a list of none or one)."""
    queryset = Customer.objects.visible_to(user).filter(pk=pk).select_related("home_store")
    if exclude_id:
        queryset = queryset.exclude(pk=exclude_id)
    return list(queryset)


def panel_context(*, customer, user) -> dict:
    """What the customer page's relationships panel shows (variable ``relationships_panel``)."""
    if not user.has_perm("customers.view_relationship"):
        return {"customer": customer, "visible": False}
    found = relationships_for_customer(customer=customer, user=user)
    is_company = customer.kind == Customer.Kind.COMPANY
    contacts, links = [], []
    for link in found.links:
        is_contact = is_company and link.relationship.kind == Relationship.Kind.FUNCTIONAL and not link.outgoing
        (contacts if is_contact else links).append(link)
    may_add = user.has_perm("customers.add_relationship")
    may_delete = user.has_perm("customers.delete_relationship")
    editable = set()
    if may_add or may_delete:
        ids = {customer.pk, *(link.other.pk for link in found.links)}
        editable = set(Customer.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    deletable = {link.relationship.pk for link in found.links if may_delete and {customer.pk, link.other.pk} & editable}
    return {
        "customer": customer,
        "visible": True,
        "links": links,
        "contacts": contacts,
        "hidden_count": found.hidden_count,
        "is_company": is_company,
        "combined": (
            company_combined_purchases(company=customer)
            if is_company and user.has_perm("customers.view_purchase")
            else None
        ),
        "can_add": may_add and customer.pk in editable,
        "deletable": deletable,
    }
