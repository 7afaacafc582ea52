"""Reads of customer data, always scoped to the user asking."""

from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404

from crm_site.models import User
from customers.models import Customer, Store

# The list's orders (the filter form's "sort" choices); each is served by an index of
# migration 0005 on PostgreSQL, alone or after the store filter.
LIST_ORDERS = {
    # Alphabetical by English name; customers with only a Chinese name follow, by that name.
    "name": ("no_english_name", "name_en", "name_zh", "id"),
    "-name": ("-no_english_name", "-name_en", "-name_zh", "-id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
}


def customer_list_for_user(
    *, user, search: str = "", store_id=None, account_manager_id=None, kind: str = "", order: str = "name"
):
    """The customers list page: visible customers, searched and filtered, with what the rows show.

    ``kind``: ``"person"`` or ``"company"`` (corporate accounts) only; anything else, everybody.
    """
    queryset = Customer.objects.visible_to(user).select_related("home_store", "account_manager")
    if search:
        queryset = queryset.search(search)
    if kind in Customer.Kind.values:
        queryset = queryset.filter(kind=kind)
    if store_id:
        queryset = queryset.filter(home_store_id=store_id)
    if account_manager_id:
        queryset = queryset.filter(account_manager_id=account_manager_id)
    return queryset.alias(
        no_english_name=Case(When(name_en="", then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by(*LIST_ORDERS.get(order, LIST_ORDERS["name"]))


def customer_get_for_user(*, user, pk) -> Customer:
    """One customer the user may see: the same 404 for missing and forbidden."""
    return get_object_or_404(Customer.objects.visible_to(user).select_related("home_store", "account_manager"), pk=pk)


def customer_get_editable_for_user(*, user, pk) -> Customer:
    """One customer the user may edit: the same 404 for missing and forbidden."""
    return get_object_or_404(Customer.objects.editable_by(user).select_related("home_store"), pk=pk)


def customer_is_editable_by(*, user, customer: Customer) -> bool:
    """Whether ``customer`` is in ``user``'s editable set; asked once per request and customer.

    The answer is kept on the user object (``request.user`` lives for one request, like the
    role cache in crm_site.roles), so the panels of the customer page share one query.
    """
    cache = user.__dict__.setdefault("_crm_editable_customers", {})
    if customer.pk not in cache:
        cache[customer.pk] = Customer.objects.editable_by(user).filter(pk=customer.pk).exists()
    return cache[customer.pk]


def customer_can_edit(*, user, customer: Customer) -> bool:
    return user.has_perm("customers.change_customer") and customer_is_editable_by(user=user, customer=customer)


def customer_duplicates(*, mobile_phone: str = "", email: str = "", exclude_pk=None):
    """Existing customers with the same phone or e-mail (any store)."""
    from django.db.models import Q

    condition = Q()
    if mobile_phone:
        condition |= Q(mobile_phone=mobile_phone)
    if email:
        condition |= Q(email__iexact=email)
    if not condition:
        return Customer.objects.none()
    queryset = Customer.objects.filter(condition)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset


def stores_for_user(*, user):
    return Store.objects.of_user(user).active().order_by("name")


def account_managers_for_user(*, user):
    """Staff who can hold a client book in the user's stores."""
    from crm_site import roles

    return (
        User.objects.filter(is_active=True, groups__name=roles.ACCOUNT_MANAGER, stores__in=stores_for_user(user=user))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
