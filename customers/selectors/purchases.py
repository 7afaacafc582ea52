"""Purchases and returns: reads, always scoped to the user asking.

A return is recorded on the purchase it reverses, as lines with a negative quantity that
repeat the product, description, serial number and unit price of the line they give back
(see customers.services.purchases). ``purchase_returnable_quantities`` is the one place
that works out, from a purchase's lines, how much of each line can still be returned.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm_site.models import User
from crm_site.money import hkd
from customers.models import Customer, Product, Purchase, PurchaseLine, Store
from customers.selectors.customer import customer_is_editable_by
from customers.selectors.timeline import TimelineEntry

PANEL_PURCHASES = 5  # the latest purchases shown on the customer page
CENT = Decimal("0.01")


# --- One purchase, for the user asking ------------------------------------------------------


def _lines_prefetch() -> Prefetch:
    return Prefetch("lines", queryset=PurchaseLine.objects.select_related("product__brand").order_by("id"))


def purchases_visible_to(user) -> QuerySet:
    """Purchases of the customers ``user`` may see."""
    return Purchase.objects.filter(customer__in=Customer.objects.visible_to(user).values("pk"))


def purchase_get_for_user(*, user, pk) -> Purchase:
    """One purchase whose customer the user may see, with its lines: the same 404 for missing and forbidden."""
    return get_object_or_404(
        purchases_visible_to(user).select_related("customer", "store", "staff").prefetch_related(_lines_prefetch()),
        pk=pk,
    )


def purchase_get_editable_for_user(*, user, pk) -> Purchase:
    """One purchase whose customer the user may edit, with its lines: the same 404 for missing and forbidden."""
    return get_object_or_404(
        Purchase.objects.filter(customer__in=Customer.objects.editable_by(user).values("pk"))
        .select_related("customer", "store", "staff")
        .prefetch_related(_lines_prefetch()),
        pk=pk,
    )


def purchase_can_add(*, user, customer: Customer) -> bool:
    """May ``user`` record a purchase for ``customer``? (The purchase_create rule, asked before the form.)"""
    return user.has_perm("customers.add_purchase") and customer_is_editable_by(user=user, customer=customer)


def purchase_can_return(*, user, purchase: Purchase) -> bool:
    """May ``user`` record a return on ``purchase``, and is anything left to return? Uses the prefetched lines."""
    if not user.has_perm("customers.change_purchase"):
        return False
    if not any(purchase_returnable_quantities(lines=purchase.lines.all()).values()):
        return False
    return Customer.objects.editable_by(user).filter(pk=purchase.customer_id).exists()


# --- Returns: what is left to give back ------------------------------------------------------


def return_key(line: PurchaseLine) -> tuple:
    """Lines with the same key are the same goods: a return line repeats the key of the line it gives back."""
    return (line.product_id, line.description, line.serial_number, line.unit_price)


def purchase_returnable_quantities(*, lines) -> dict[int, int]:
    """For each positive line id, how many units can still be returned.

    Units already returned are taken from the lines with the same key, oldest line first.
    """
    lines = sorted(lines, key=lambda line: line.pk)
    returned: dict[tuple, int] = defaultdict(int)
    for line in lines:
        if line.quantity < 0:
            returned[return_key(line)] += -line.quantity
    returnable = {}
    for line in lines:
        if line.quantity > 0:
            key = return_key(line)
            taken = min(line.quantity, returned[key])
            returned[key] -= taken
            returnable[line.pk] = line.quantity - taken
    return returnable


def purchase_return_rows(*, purchase: Purchase) -> list[dict]:
    """The purchase's bought lines with ``returned`` and ``returnable`` quantities (from the prefetched lines)."""
    lines = list(purchase.lines.all())
    returnable = purchase_returnable_quantities(lines=lines)
    return [
        {"line": line, "returnable": returnable[line.pk], "returned": line.quantity - returnable[line.pk]}
        for line in lines
        if line.quantity > 0
    ]


# --- A customer's purchases -----------------------------------------------------------------


def purchase_list_for_customer(*, customer: Customer, limit: int | None = None) -> QuerySet:
    """The customer's purchases, newest first, with store, seller and lines (products and brands joined)."""
    queryset = (
        Purchase.objects.filter(customer=customer)
        .select_related("store", "staff")
        .prefetch_related(_lines_prefetch())
        .order_by("-purchased_on", "-id")
    )
    return queryset[:limit] if limit is not None else queryset


def one_year_before(day: datetime.date) -> datetime.date:
    """The same day a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def customer_spend(*, customer: Customer, today: datetime.date | None = None) -> dict:
    """What the customer spent, in one query.

    ``lifetime`` and ``last_12_months`` are net of returns (a return reduces the purchase it
    was made on, so it counts in that purchase's window); the last 12 months run from the day
    after the same day a year ago up to ``today``. ``purchases`` counts purchases that were not
    returned in full; ``last_purchase_on`` is the latest of those.
    """
    today = today or timezone.localdate()
    money = DecimalField(max_digits=14, decimal_places=2)
    zero = Value(Decimal("0.00"), output_field=money)
    kept = ~Q(status=Purchase.Status.RETURNED) & Q(total__gte=0)
    row = Purchase.objects.filter(customer=customer).aggregate(
        lifetime=Coalesce(Sum("total"), zero, output_field=money),
        last_12_months=Coalesce(
            Sum("total", filter=Q(purchased_on__gt=one_year_before(today), purchased_on__lte=today)),
            zero,
            output_field=money,
        ),
        purchases=Count("pk", filter=kept),
        last_purchase_on=Max("purchased_on", filter=kept),
    )
    row["lifetime"] = Decimal(row["lifetime"]).quantize(CENT)
    row["last_12_months"] = Decimal(row["last_12_months"]).quantize(CENT)
    return row


def panel_context(*, customer: Customer, user) -> dict:
    """What the customer page's purchases panel shows, in a fixed number of queries.

    Spend figures (one query), the latest purchases with their lines (two queries) and
    whether the user may record a purchase (one query, once the user's permissions are cached).
    """
    latest = list(purchase_list_for_customer(customer=customer, limit=PANEL_PURCHASES + 1))
    return {
        "customer": customer,
        "spend": customer_spend(customer=customer),
        "latest": latest[:PANEL_PURCHASES],
        "has_more": len(latest) > PANEL_PURCHASES,
        "can_add": purchase_can_add(user=user, customer=customer),
    }


# --- Timeline -------------------------------------------------------------------------------


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def line_label(line: PurchaseLine) -> str:
    """A line's goods: the product (brand, model, reference), else its description."""
    return str(line.product) if line.product_id else line.description


def _items_title(lines: list[PurchaseLine], *, one: str, many: str) -> str:
    first = line_label(lines[0])
    others = len(lines) - 1
    if not others:
        return one % {"item": first}
    return many % {"item": first, "count": others}


def timeline_entries(*, customer: Customer, limit: int) -> list[TimelineEntry]:
    """The customer's latest ``limit`` purchases as timeline entries, in one query.

    A purchase gives a "purchase" entry on its date; returns recorded on it give a "return"
    entry when the purchase was last changed (the return); a purchase of returned goods only
    (an imported credit note) gives just a "return" entry on its date.
    """
    latest_ids = Purchase.objects.filter(customer=customer).order_by("-purchased_on", "-id").values("pk")[:limit]
    lines = (
        PurchaseLine.objects.filter(purchase_id__in=latest_ids)
        .select_related("purchase__store", "product__brand")
        .order_by("purchase_id", "id")
    )
    by_purchase: dict[int, list[PurchaseLine]] = defaultdict(list)
    for line in lines:
        by_purchase[line.purchase_id].append(line)
    entries = []
    for purchase_lines in by_purchase.values():
        purchase = purchase_lines[0].purchase
        url = reverse("customers:purchase-detail", kwargs={"pk": purchase.pk})
        bought = [line for line in purchase_lines if line.quantity > 0]
        returned = [line for line in purchase_lines if line.quantity < 0]
        if bought:
            entries.append(
                TimelineEntry(
                    when=_midnight(purchase.purchased_on),
                    kind="purchase",
                    icon="bag",
                    title=_items_title(
                        bought,
                        one=_("Bought %(item)s"),
                        many=ngettext(
                            "Bought %(item)s and %(count)s more item",
                            "Bought %(item)s and %(count)s more items",
                            len(bought) - 1,
                        ),
                    ),
                    detail=f"{hkd(purchase.total)} · {purchase.store.name}",
                    url=url,
                    badge="" if purchase.status == Purchase.Status.COMPLETED else str(purchase.get_status_display()),
                )
            )
        if returned:
            refund = -sum((line.line_total for line in returned), Decimal("0"))
            entries.append(
                TimelineEntry(
                    when=purchase.updated_at if bought else _midnight(purchase.purchased_on),
                    kind="return",
                    icon="arrow-return-left",
                    title=_items_title(
                        returned,
                        one=_("Returned %(item)s"),
                        many=ngettext(
                            "Returned %(item)s and %(count)s more item",
                            "Returned %(item)s and %(count)s more items",
                            len(returned) - 1,
                        ),
                    ),
                    detail=_("%(amount)s refunded · %(store)s") % {"amount": hkd(refund), "store": purchase.store.name},
                    url=url,
                )
            )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


# --- The line picker ------------------------------------------------------------------------


def products_for_picker() -> list[Product]:
    """The products on sale, by brand, for the purchase form's product choice (one query)."""
    return list(Product.objects.filter(is_active=True).select_related("brand").order_by("brand__name", "model_name"))


def product_search(*, term: str, limit: int = 20) -> list[Product]:
    """Products on sale whose brand, collection, model or reference contain every word of ``term``."""
    queryset = Product.objects.filter(is_active=True).select_related("brand")
    for word in (term or "").split():
        queryset = queryset.filter(
            Q(brand__name__icontains=word)
            | Q(brand__name_zh__icontains=word)
            | Q(collection__icontains=word)
            | Q(model_name__icontains=word)
            | Q(reference__icontains=word)
        )
    return list(queryset.order_by("brand__name", "model_name", "reference")[:limit])


def staff_for_store_choice(*, user) -> QuerySet:
    """Who can be named as the seller: active staff of the user's stores."""
    return (
        User.objects.filter(is_active=True, stores__in=Store.objects.of_user(user))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
