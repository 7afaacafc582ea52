"""Links between customers ("A referred B", "A is a contact at company C").

A link is part of both customers' records, so each write records an EDIT access row
for both of them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

import privacy.services
from customers.models import Customer, Relationship
from privacy.models import AccessLog


def _customers_lock(*, ids) -> None:
    """Lock both customers' rows, in id order so two writers never deadlock."""
    list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def relationship_create(
    *,
    by,
    from_customer_id: int,
    to_customer_id: int,
    kind: str,
    role: str = "",
    since=None,
    notes: str = "",
    view_name: str = "",
) -> Relationship:
    """Link ``from_customer`` to ``to_customer``; ``by`` edits the first and sees both."""
    if not by.has_perm("customers.add_relationship"):
        raise PermissionDenied(_("You may not link customers."))
    from_customer = Customer.objects.editable_by(by).filter(pk=from_customer_id).first()
    if from_customer is None:
        raise PermissionDenied(_("You may not edit this customer."))
    if kind not in Relationship.Kind.values:
        raise ValidationError(_("Choose the type of link."), code="kind")
    if int(from_customer_id) == int(to_customer_id):
        raise ValidationError(_("A customer cannot be linked to themselves."), code="self")
    to_customer = Customer.objects.visible_to(by).filter(pk=to_customer_id).first()
    if to_customer is None:
        # The same answer for missing and forbidden.
        raise ValidationError(_("Choose a customer from the search results."), code="invisible")
    if kind == Relationship.Kind.FUNCTIONAL:
        if from_customer.kind == Customer.Kind.COMPANY and to_customer.kind == Customer.Kind.PERSON:
            raise ValidationError(
                _("A “contact at company” link goes from the person to the company: add it on %(name)s's page.")
                % {"name": to_customer.display_name},
                code="functional_direction",
            )
        if from_customer.kind != Customer.Kind.PERSON or to_customer.kind != Customer.Kind.COMPANY:
            raise ValidationError(
                _("A “contact at company” link goes from a person to a company."), code="functional_kinds"
            )

    _customers_lock(ids=[from_customer.pk, to_customer.pk])  # lock, then check
    duplicate = Relationship.objects.filter(
        Q(from_customer=from_customer, to_customer=to_customer)
        | Q(from_customer=to_customer, to_customer=from_customer),
        kind=kind,
    ).exists()
    if duplicate:
        raise ValidationError(
            _("%(a)s and %(b)s are already linked as “%(kind)s”.")
            % {"a": from_customer.display_name, "b": to_customer.display_name, "kind": Relationship.Kind(kind).label},
            code="duplicate",
        )
    relationship = Relationship(
        from_customer=from_customer,
        to_customer=to_customer,
        kind=kind,
        role=(role or "").strip(),
        since=since,
        notes=(notes or "").strip(),
    )
    relationship.full_clean(validate_constraints=False)  # the constraints were checked above, under lock
    try:
        with transaction.atomic():
            relationship.save()
    except IntegrityError as exc:  # a concurrent insert in the same direction
        raise ValidationError(_("These customers are already linked this way."), code="duplicate") from exc
    privacy.services.access_record_many(
        user=by,
        customers=[from_customer, to_customer],
        action=AccessLog.Action.EDIT,
        view_name=view_name,
        reason=f"relationship {relationship.pk} added ({kind})",
    )
    return relationship


@transaction.atomic
def relationship_delete(*, by, relationship_id: int, view_name: str = "") -> None:
    """Remove a link; ``by`` sees both customers and may edit at least one of them."""
    if not by.has_perm("customers.delete_relationship"):
        raise PermissionDenied(_("You may not remove links between customers."))
    relationship = (
        Relationship.objects.select_for_update()
        .select_related("from_customer", "to_customer")
        .filter(pk=relationship_id)
        .first()
    )
    ids = {relationship.from_customer_id, relationship.to_customer_id} if relationship else set()
    if (
        relationship is None
        or Customer.objects.visible_to(by).filter(pk__in=ids).count() != 2
        or not Customer.objects.editable_by(by).filter(pk__in=ids).exists()
    ):
        raise PermissionDenied(_("You may not remove this link."))
    customers = [relationship.from_customer, relationship.to_customer]
    reason = f"relationship {relationship.pk} removed ({relationship.kind})"
    relationship.delete()
    privacy.services.access_record_many(
        user=by, customers=customers, action=AccessLog.Action.EDIT, view_name=view_name, reason=reason
    )
