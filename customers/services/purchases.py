"""Purchases and returns: writes with their rules. Each one records who did it in the privacy access log.

A return is recorded on the purchase it reverses, as new lines with a negative quantity that
repeat the product, description, serial number and unit price of the line given back, and
refund the matching share of its discount. The purchase's total becomes the net amount and
its status "partly returned" or "returned". Why not a separate purchase: the model has no
link from a return to the sale it reverses, and without one "how much of this line is left
to return" could not be answered exactly. On the purchase, it is a sum over its own lines,
read under the purchase's row lock, so two returns at once can never give back more than was
bought. The return's date and reason go into the purchase's notes; the access log keeps who
did it and when.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import privacy.services
from customers.models import Customer, OwnedTimepiece, Purchase, PurchaseLine, Store
from customers.selectors.purchases import hkd, line_label, purchase_returnable_quantities, return_key
from customers.services import timepieces as timepiece_services
from privacy.models import AccessLog

CENT = Decimal("0.01")
MAX_LINES = 50


def _line_error(message: str, *, line: int, field: str | None = None, **params) -> ValidationError:
    """An error about line ``line`` (1-based); ``field`` names the line's field it is about."""
    return ValidationError(message, code="line", params={"line": line, "field": field, **params})


def _lines_check(lines: list[dict]) -> list[PurchaseLine]:
    """Check the lines' rules and build them (unsaved, totals computed); raise every problem at once."""
    errors: list[ValidationError] = []
    built: list[PurchaseLine] = []
    serials: dict[str, int] = {}
    for n, data in enumerate(lines, start=1):
        product = data.get("product")
        description = (data.get("description") or "").strip()
        quantity = data.get("quantity")
        unit_price = data.get("unit_price")
        if unit_price is None and product is not None:
            unit_price = product.list_price
        discount = data.get("discount") or Decimal("0")
        serial = (data.get("serial_number") or "").strip()
        problems = len(errors)
        if product is None and not description:
            errors.append(
                _line_error(_("Line %(line)s: choose a product or describe the item."), line=n, field="product")
            )
        if not quantity:
            errors.append(_line_error(_("Line %(line)s: the quantity cannot be zero."), line=n, field="quantity"))
        if unit_price is None:
            errors.append(_line_error(_("Line %(line)s: enter the unit price."), line=n, field="unit_price"))
        elif unit_price < 0:
            errors.append(
                _line_error(_("Line %(line)s: the unit price cannot be negative."), line=n, field="unit_price")
            )
        if discount < 0:
            errors.append(_line_error(_("Line %(line)s: the discount cannot be negative."), line=n, field="discount"))
        elif quantity and unit_price is not None and discount > abs(quantity) * unit_price:
            errors.append(
                _line_error(
                    _("Line %(line)s: the discount (%(discount)s) cannot be more than the line's price (%(price)s)."),
                    line=n,
                    field="discount",
                    discount=hkd(discount),
                    price=hkd(abs(quantity) * unit_price),
                )
            )
        if product is not None and product.is_timepiece and quantity and quantity > 0:
            if not serial:
                errors.append(
                    _line_error(
                        _("Line %(line)s: enter the serial number of this %(category)s."),
                        line=n,
                        field="serial_number",
                        category=product.get_category_display().lower(),
                    )
                )
            if quantity > 1:
                errors.append(
                    _line_error(
                        _("Line %(line)s: put each watch or clock on its own line, with its own serial number."),
                        line=n,
                        field="quantity",
                    )
                )
        if serial:
            first = serials.setdefault(serial.casefold(), n)
            if first != n:
                errors.append(
                    _line_error(
                        _("Line %(line)s: serial number %(serial)s is already on line %(first)s."),
                        line=n,
                        field="serial_number",
                        serial=serial,
                        first=first,
                    )
                )
        if len(errors) > problems:
            continue
        line = PurchaseLine(
            product=product,
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            discount=discount,
            serial_number=serial,
            line_total=PurchaseLine.compute_total(quantity=quantity, unit_price=unit_price, discount=discount),
        )
        try:  # lengths and digits
            line.full_clean(exclude=["purchase", "product"], validate_constraints=False)
        except ValidationError as exc:
            for field, field_errors in exc.message_dict.items():
                errors.extend(
                    _line_error(_("Line %(line)s: %(problem)s"), line=n, field=field, problem=message)
                    for message in field_errors
                )
            continue
        built.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    return built


@transaction.atomic
def purchase_create(
    *,
    by,
    customer: Customer,
    store: Store,
    purchased_on,
    channel: str,
    lines: list[dict],
    staff=None,
    notes: str = "",
    external_ref: str | None = None,
    view_name: str = "",
) -> Purchase:
    """Record a sale to ``customer`` at one of ``by``'s stores.

    Each line is a dict of product (a Product or None), description, quantity, unit_price
    (the product's list price when None), discount and serial_number. Every watch or clock
    bought becomes an owned timepiece of the customer.
    """
    if not by.has_perm("customers.add_purchase"):
        raise PermissionDenied(_("You may not record purchases."))
    # Locked: a merge or a move to another book waits until the purchase is written.
    customer = Customer.objects.editable_by(by).select_for_update().filter(pk=customer.pk).first()
    if customer is None:
        raise PermissionDenied(_("You may not edit this customer."))
    errors: dict[str, list] = {}
    if store is None or not Store.objects.of_user(by).filter(pk=store.pk).exists():
        errors.setdefault("store", []).append(_("Choose one of your own stores."))
    elif staff is not None and not store.staff.filter(pk=staff.pk).exists():
        errors.setdefault("staff", []).append(_("Choose someone who works at this store."))
    if purchased_on is None:
        errors.setdefault("purchased_on", []).append(_("Enter the date of the purchase."))
    elif purchased_on > timezone.localdate():
        errors.setdefault("purchased_on", []).append(_("The purchase date cannot be in the future."))
    if not lines:
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("Add at least one line."))
    elif len(lines) > MAX_LINES:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("A purchase can have at most %(max)s lines.") % {"max": MAX_LINES}
        )
    built: list[PurchaseLine] = []
    try:
        built = _lines_check(lines or [])
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)

    purchase = Purchase(
        customer=customer,
        store=store,
        purchased_on=purchased_on,
        staff=staff,
        channel=channel,
        status=Purchase.Status.COMPLETED,
        total=sum((line.line_total for line in built), Decimal("0")),
        external_ref=(external_ref or "").strip() or None,
        notes=(notes or "").strip(),
    )
    purchase.full_clean(exclude=["customer", "store", "staff"])
    purchase.save()
    for line in built:
        line.purchase = purchase
        line.save()
    for line in built:
        if line.product is not None and line.product.is_timepiece and line.quantity > 0:
            timepiece_services.timepiece_create_from_line(line=line, by=by)
    privacy.services.access_record(
        user=by,
        customer=customer,
        action=AccessLog.Action.EDIT,
        view_name=view_name,
        reason=f"purchase {purchase.pk} recorded ({len(built)} lines, {hkd(purchase.total)})",
    )
    return purchase


def _discount_share(line: PurchaseLine, units: int) -> Decimal:
    """The part of ``line``'s discount that belongs to its first ``units`` units (rounded to the cent)."""
    return (line.discount * units / line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def purchase_return(*, by, purchase_id: int, lines: list[dict], reason: str, view_name: str = "") -> Purchase:
    """Give back goods of a purchase: ``lines`` is a list of dicts of line_id and quantity (how many units).

    Adds negative lines to the purchase (see the module's docstring), refunds the matching share
    of each line's discount, marks returned watches and clocks as no longer owned, and sets the
    purchase's status to "partly returned" or "returned". Never more than was bought: the
    purchase is locked, then its lines are read.
    """
    if not by.has_perm("customers.change_purchase"):
        raise PermissionDenied(_("You may not record returns."))
    purchase = (
        Purchase.objects.select_for_update()
        .filter(pk=purchase_id, customer__in=Customer.objects.editable_by(by).values("pk"))
        .first()
    )
    if purchase is None:
        raise PermissionDenied(_("You may not edit this customer."))
    existing = list(purchase.lines.select_related("product__brand").order_by("id"))
    bought = {line.pk: line for line in existing if line.quantity > 0}
    returnable = purchase_returnable_quantities(lines=existing)

    errors: dict[str, list] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the items are returned.")]
    wanted: dict[int, int] = {}
    line_errors = []
    for request in lines:
        line_id, quantity = request.get("line_id"), request.get("quantity")
        if line_id not in bought:
            line_errors.append(
                ValidationError(_("That line is not on this purchase."), code="line", params={"line_id": line_id})
            )
        elif not quantity or quantity < 0:
            line_errors.append(
                ValidationError(
                    _("Enter how many of %(item)s are returned."),
                    code="line",
                    params={"line_id": line_id, "item": line_label(bought[line_id])},
                )
            )
        else:
            wanted[line_id] = wanted.get(line_id, 0) + quantity
    if not lines:
        errors[NON_FIELD_ERRORS] = [_("Choose at least one item to return.")]
    # Identical goods (same key) are one pool: what is left of them is what may come back.
    left_by_key: dict[tuple, int] = {}
    wanted_by_key: dict[tuple, int] = {}
    for line_id, line in bought.items():
        key = return_key(line)
        left_by_key[key] = left_by_key.get(key, 0) + returnable[line_id]
        wanted_by_key[key] = wanted_by_key.get(key, 0) + wanted.get(line_id, 0)
    for line_id in wanted:
        key = return_key(bought[line_id])
        if wanted_by_key[key] > left_by_key[key]:
            line_errors.append(
                ValidationError(
                    _("You can return at most %(max)s of %(item)s.")
                    if left_by_key[key]
                    else _("%(item)s has already been returned."),
                    code="line",
                    params={"line_id": line_id, "max": left_by_key[key], "item": line_label(bought[line_id])},
                )
            )
    if line_errors:
        errors["lines"] = line_errors
    if errors:
        raise ValidationError(errors)

    today = timezone.localdate()
    returned_lines: list[PurchaseLine] = []
    emptied: list[PurchaseLine] = []
    for key, units in wanted_by_key.items():
        for line in (line for line in bought.values() if return_key(line) == key):  # oldest line first
            if units == 0:
                break
            take = min(units, returnable[line.pk])
            if take == 0:
                continue
            before = line.quantity - returnable[line.pk]
            refund = _discount_share(line, before + take) - _discount_share(line, before)
            returned_lines.append(
                PurchaseLine(
                    purchase=purchase,
                    product=line.product,
                    description=line.description,
                    quantity=-take,
                    unit_price=line.unit_price,
                    discount=refund,
                    serial_number=line.serial_number,
                    line_total=PurchaseLine.compute_total(quantity=-take, unit_price=line.unit_price, discount=refund),
                )
            )
            returnable[line.pk] -= take
            units -= take
            if returnable[line.pk] == 0:
                emptied.append(line)
    for line in returned_lines:
        line.save()

    note = _("Returned to store on %(date)s: %(reason)s") % {"date": today.isoformat(), "reason": reason}
    timepieces = OwnedTimepiece.objects.select_for_update().filter(
        purchase_line__in=[line.pk for line in emptied], status=OwnedTimepiece.Status.OWNED
    )
    for timepiece in timepieces:
        timepiece.status = OwnedTimepiece.Status.SOLD
        timepiece.notes = f"{timepiece.notes}\n{note}" if timepiece.notes else note
        timepiece.save(update_fields=["status", "notes", "updated_at"])

    purchase.total = sum((line.line_total for line in [*existing, *returned_lines]), Decimal("0"))
    purchase.status = Purchase.Status.PARTLY_RETURNED if any(returnable.values()) else Purchase.Status.RETURNED
    purchase.notes = f"{purchase.notes}\n{note}" if purchase.notes else note
    purchase.save(update_fields=["total", "status", "notes", "updated_at"])
    units_returned = -sum(line.quantity for line in returned_lines)
    refund = -sum((line.line_total for line in returned_lines), Decimal("0"))
    privacy.services.access_record(
        user=by,
        customer=Customer(pk=purchase.customer_id),
        action=AccessLog.Action.EDIT,
        view_name=view_name,
        reason=f"purchase {purchase.pk}: {units_returned} returned, {hkd(refund)} refunded",
    )
    return purchase
