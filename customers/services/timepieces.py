"""Owned timepieces and their service jobs: writes, and the service-due rule.

The service-due rule: a timepiece is due for a service ``months`` after its last service,
or after its purchase when it was never serviced, where ``months`` is the brand's own
ServiceInterval for the movement, else the default interval (brand empty), else none.
``service_due_on`` is derived: every service here that changes a timepiece or a job keeps it.
"""

import calendar
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import privacy.services
from customers.models import (
    Brand,
    Customer,
    OwnedTimepiece,
    Product,
    PurchaseLine,
    ServiceInterval,
    ServiceJob,
    Store,
)
from privacy.models import AccessLog

DEFAULT_WARRANTY_YEARS = 2
REFRESH_BATCH_SIZE = 1000

TIMEPIECE_EDITABLE_FIELDS = (
    "product",
    "brand",
    "model_name",
    "reference",
    "serial_number",
    "movement_type",
    "source",
    "status",
    "purchased_on",
    "warranty_expires_on",
    "last_serviced_on",
    "notes",
)

S = ServiceJob.Status
# Where a job may go next from each status; returned and cancelled are final.
SERVICE_JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.AWAITING_PARTS, S.READY, S.CANCELLED}),
    S.AWAITING_PARTS: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.READY: frozenset({S.RETURNED, S.CANCELLED}),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
}


# --- The service-due rule -------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def service_interval_months(*, brand: Brand | int | None, movement_type: str) -> int | None:
    """Months between services: the brand's own interval for the movement, else the default, else None."""
    brand_id = brand.pk if isinstance(brand, Brand) else brand
    brands = Q(brand__isnull=True) | Q(brand_id=brand_id) if brand_id else Q(brand__isnull=True)
    rows = dict(ServiceInterval.objects.filter(brands, movement_type=movement_type).values_list("brand_id", "months"))
    if brand_id in rows:
        return rows[brand_id]
    return rows.get(None)


def service_due_date(*, purchased_on: date | None, last_serviced_on: date | None, months: int | None) -> date | None:
    """``months`` after the last service, or after the purchase when never serviced; None when unknown."""
    start = last_serviced_on or purchased_on
    if start is None or not months:
        return None
    return add_months(start, months)


def _intervals_table() -> dict[tuple[int | None, str], int]:
    """Every interval, keyed (brand id or None, movement): a small table, read in one query."""
    return {
        (brand_id, movement): months
        for brand_id, movement, months in ServiceInterval.objects.values_list("brand_id", "movement_type", "months")
    }


def _months_from_table(table, *, brand_id, movement_type) -> int | None:
    months = table.get((brand_id, movement_type))
    return months if months is not None else table.get((None, movement_type))


# --- Checks shared by the writes ------------------------------------------------------


def _owner_check(*, by, customer_id: int) -> None:
    """Writes to a timepiece are writes to its owner's record: the owner must be editable by ``by``."""
    if not Customer.objects.editable_by(by).filter(pk=customer_id).exists():
        raise PermissionDenied(_("You may not edit this customer."))


def _perm_check(*, by, perm: str) -> None:
    if not by.has_perm(perm):
        raise PermissionDenied(_("You may not do this."))


def _log_edit(*, by, customer_id: int, reason: str, view_name: str = "") -> None:
    privacy.services.access_record(
        user=by,
        customer=Customer(pk=customer_id),
        action=AccessLog.Action.EDIT,
        view_name=view_name,
        reason=reason,
    )


def _timepiece_for_edit(*, by, timepiece_id: int) -> OwnedTimepiece:
    """The timepiece, locked, if its owner is editable by ``by``: PermissionDenied for missing and forbidden."""
    timepiece = (
        OwnedTimepiece.objects.select_for_update()
        .filter(pk=timepiece_id, customer__in=Customer.objects.editable_by(by).values("pk"))
        .first()
    )
    if timepiece is None:
        raise PermissionDenied(_("You may not edit this customer."))
    return timepiece


def _apply_service_dates(timepiece: OwnedTimepiece, *, months_table=None) -> None:
    """Set last_serviced_on from the returned jobs (a later manual date is kept) and service_due_on."""
    last_returned = timepiece.service_jobs.filter(status=ServiceJob.Status.RETURNED).aggregate(last=Max("returned_on"))[
        "last"
    ]
    if last_returned and (timepiece.last_serviced_on is None or last_returned > timepiece.last_serviced_on):
        timepiece.last_serviced_on = last_returned
    if months_table is None:
        months = service_interval_months(brand=timepiece.brand_id, movement_type=timepiece.movement_type)
    else:
        months = _months_from_table(months_table, brand_id=timepiece.brand_id, movement_type=timepiece.movement_type)
    timepiece.service_due_on = service_due_date(
        purchased_on=timepiece.purchased_on, last_serviced_on=timepiece.last_serviced_on, months=months
    )


def _apply_service_dates_new(timepiece: OwnedTimepiece) -> None:
    """A new timepiece has no jobs yet: its dates come from the rule alone."""
    timepiece.service_due_on = service_due_date(
        purchased_on=timepiece.purchased_on,
        last_serviced_on=timepiece.last_serviced_on,
        months=service_interval_months(brand=timepiece.brand_id, movement_type=timepiece.movement_type),
    )


# --- Timepieces -----------------------------------------------------------------------


@transaction.atomic
def timepiece_create_from_line(*, line: PurchaseLine, by) -> OwnedTimepiece:
    """The timepiece bought on a purchase line (a positive-quantity watch or clock line).

    Called by purchase_create inside its transaction. Running it again for the same line
    returns the timepiece already made for it.
    """
    product = line.product
    if product is None or not product.is_timepiece:
        raise ValidationError(_("Only a watch or a clock becomes an owned timepiece."))
    if line.quantity <= 0:
        raise ValidationError(_("A returned item does not become an owned timepiece."))
    purchase = line.purchase
    _owner_check(by=by, customer_id=purchase.customer_id)
    existing = OwnedTimepiece.objects.filter(purchase_line=line).first()
    if existing is not None:
        return existing
    timepiece = OwnedTimepiece(
        customer_id=purchase.customer_id,
        product=product,
        purchase_line=line,
        brand_id=product.brand_id,
        model_name=product.model_name,
        reference=product.reference,
        serial_number=line.serial_number,
        movement_type=product.movement_type,
        source=OwnedTimepiece.Source.PURCHASED_HERE,
        purchased_on=purchase.purchased_on,
        warranty_expires_on=add_months(purchase.purchased_on, DEFAULT_WARRANTY_YEARS * 12),
    )
    timepiece.service_due_on = service_due_date(
        purchased_on=timepiece.purchased_on,
        last_serviced_on=None,
        months=service_interval_months(brand=product.brand_id, movement_type=product.movement_type),
    )
    timepiece.full_clean(exclude=["customer", "product", "purchase_line", "brand"])
    timepiece.save()
    _log_edit(by=by, customer_id=purchase.customer_id, reason=_("Timepiece added from a purchase"))
    return timepiece


def _timepiece_fields_clean(data: dict) -> dict:
    """Shape checks shared by create and update: brand and movement are required."""
    errors = {}
    if "brand" in data and data["brand"] is None:
        errors["brand"] = _("Choose the brand.")
    if "movement_type" in data and not data["movement_type"]:
        errors["movement_type"] = _("Choose the movement.")
    purchased_on, warranty = data.get("purchased_on"), data.get("warranty_expires_on")
    if purchased_on and purchased_on > timezone.localdate():
        errors["purchased_on"] = _("The purchase date cannot be in the future.")
    if data.get("last_serviced_on") and data["last_serviced_on"] > timezone.localdate():
        errors["last_serviced_on"] = _("The last service date cannot be in the future.")
    if purchased_on and warranty and warranty < purchased_on:
        errors["warranty_expires_on"] = _("The warranty cannot end before the purchase date.")
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def timepiece_create(*, by, customer: Customer, view_name: str = "", **fields) -> OwnedTimepiece:
    """A watch or clock entered by hand (bought elsewhere, a gift…): brand required, serial optional."""
    _perm_check(by=by, perm="customers.add_ownedtimepiece")
    _owner_check(by=by, customer_id=customer.pk)
    data = {name: value for name, value in fields.items() if name in TIMEPIECE_EDITABLE_FIELDS}
    product: Product | None = data.get("product")
    if product is not None:  # a catalogue product fills in what was left empty
        data["brand"] = data.get("brand") or product.brand
        data["model_name"] = data.get("model_name") or product.model_name
        data["reference"] = data.get("reference") or product.reference
        data["movement_type"] = data.get("movement_type") or product.movement_type
    data.setdefault("brand", None)
    data.setdefault("movement_type", "")
    data.setdefault("source", OwnedTimepiece.Source.ELSEWHERE)
    _timepiece_fields_clean(data)
    timepiece = OwnedTimepiece(customer=customer, **data)
    _apply_service_dates_new(timepiece)
    timepiece.full_clean(exclude=["customer"])
    timepiece.save()
    _log_edit(by=by, customer_id=customer.pk, reason=_("Timepiece added"), view_name=view_name)
    return timepiece


@transaction.atomic
def timepiece_update(*, by, timepiece_id: int, view_name: str = "", **fields) -> OwnedTimepiece:
    _perm_check(by=by, perm="customers.change_ownedtimepiece")
    timepiece = _timepiece_for_edit(by=by, timepiece_id=timepiece_id)
    data = {name: value for name, value in fields.items() if name in TIMEPIECE_EDITABLE_FIELDS}
    _timepiece_fields_clean(data)
    changed = []
    for name, value in data.items():
        if name in ("brand", "product"):
            if getattr(timepiece, f"{name}_id") != (value.pk if value is not None else None):
                setattr(timepiece, name, value)
                changed.append(name)
        elif getattr(timepiece, name) != value:
            setattr(timepiece, name, value)
            changed.append(name)
    _apply_service_dates(timepiece)
    timepiece.full_clean(exclude=["customer"])
    timepiece.save()
    _log_edit(
        by=by,
        customer_id=timepiece.customer_id,
        reason=(_("Timepiece %(id)s changed: %(fields)s") % {"id": timepiece.pk, "fields": ", ".join(changed)})[:255],
        view_name=view_name,
    )
    return timepiece


@transaction.atomic
def timepiece_refresh_service_dates(*, timepiece_id: int) -> OwnedTimepiece:
    """Recompute last_serviced_on (latest return, or a later manual date) and service_due_on."""
    timepiece = OwnedTimepiece.objects.select_for_update().get(pk=timepiece_id)
    before = (timepiece.last_serviced_on, timepiece.service_due_on)
    _apply_service_dates(timepiece)
    if (timepiece.last_serviced_on, timepiece.service_due_on) != before:
        timepiece.save(update_fields=["last_serviced_on", "service_due_on", "updated_at"])
    return timepiece


def service_due_refresh_all(*, brand_id: int | None = None, movement_type: str | None = None) -> int:
    """Recompute service_due_on of the timepieces an interval change affects; returns how many changed.

    ``brand_id`` and ``movement_type`` narrow the timepieces to recompute (a change to a
    default interval passes only the movement). Set-based: the intervals are read once, the
    timepieces streamed by id in chunks, and changed rows written with bulk_update in batches.
    """
    table = _intervals_table()
    timepieces = OwnedTimepiece.objects.all()
    if brand_id is not None:
        timepieces = timepieces.filter(brand_id=brand_id)
    if movement_type is not None:
        timepieces = timepieces.filter(movement_type=movement_type)
    rows = timepieces.order_by("pk").values_list(
        "pk", "brand_id", "movement_type", "purchased_on", "last_serviced_on", "service_due_on"
    )
    now = timezone.now()
    batch: list[OwnedTimepiece] = []
    changed = 0
    for pk, row_brand_id, movement, purchased_on, last_serviced_on, due_on in rows.iterator(
        chunk_size=REFRESH_BATCH_SIZE
    ):
        months = _months_from_table(table, brand_id=row_brand_id, movement_type=movement)
        new_due = service_due_date(purchased_on=purchased_on, last_serviced_on=last_serviced_on, months=months)
        if new_due == due_on:
            continue
        batch.append(OwnedTimepiece(pk=pk, service_due_on=new_due, updated_at=now))
        if len(batch) >= REFRESH_BATCH_SIZE:
            changed += _bulk_write_due(batch)
            batch = []
    if batch:
        changed += _bulk_write_due(batch)
    return changed


def _bulk_write_due(batch: list[OwnedTimepiece]) -> int:
    return OwnedTimepiece.objects.bulk_update(batch, ["service_due_on", "updated_at"], batch_size=REFRESH_BATCH_SIZE)


# --- Service jobs ---------------------------------------------------------------------


@transaction.atomic
def service_job_create(
    *,
    by,
    timepiece_id: int,
    store: Store,
    received_on: date,
    work_description: str,
    promised_on: date | None = None,
    cost: Decimal | int = 0,
    view_name: str = "",
) -> ServiceJob:
    """Book a timepiece in for a service at one of the user's stores; one open job per timepiece."""
    _perm_check(by=by, perm="customers.add_servicejob")
    timepiece = _timepiece_for_edit(by=by, timepiece_id=timepiece_id)  # the lock serialises bookings
    errors = {}
    if not Store.objects.of_user(by).filter(pk=store.pk).exists():
        errors["store"] = _("Choose one of your own stores.")
    if received_on > timezone.localdate():
        errors["received_on"] = _("The intake date cannot be in the future.")
    if promised_on and promised_on < received_on:
        errors["promised_on"] = _("The promised date cannot be before the intake date.")
    if cost is not None and Decimal(cost) < 0:
        errors["cost"] = _("The cost cannot be negative.")
    if errors:
        raise ValidationError(errors)
    if timepiece.status != OwnedTimepiece.Status.OWNED:
        raise ValidationError(_("This timepiece is no longer owned by the customer: it cannot be booked in."))
    if timepiece.service_jobs.filter(status__in=ServiceJob.OPEN_STATUSES).exists():
        raise ValidationError(_("This timepiece already has an open service job."))
    job = ServiceJob(
        timepiece=timepiece,
        store=store,
        received_on=received_on,
        work_description=work_description,
        promised_on=promised_on,
        cost=cost or 0,
        handled_by=by,
    )
    job.full_clean()
    job.save()
    timepiece_refresh_service_dates(timepiece_id=timepiece.pk)
    _log_edit(
        by=by,
        customer_id=timepiece.customer_id,
        reason=_("Service job booked for timepiece %(id)s") % {"id": timepiece.pk},
        view_name=view_name,
    )
    return job


def service_job_next_statuses(*, status: str) -> list[str]:
    """The statuses a job in ``status`` may move to, in workflow order."""
    allowed = SERVICE_JOB_TRANSITIONS.get(status, frozenset())
    return [choice for choice in ServiceJob.Status.values if choice in allowed]


@transaction.atomic
def service_job_update_status(
    *,
    by,
    job_id: int,
    status: str,
    returned_on: date | None = None,
    cost: Decimal | None = None,
    note: str = "",
    view_name: str = "",
) -> ServiceJob:
    """Move a job along its workflow (lock, then check); returning it refreshes the timepiece's dates.

    A note is appended to the job's work description with the date and the new status.
    """
    _perm_check(by=by, perm="customers.change_servicejob")
    job = (
        ServiceJob.objects.select_for_update(of=("self",))
        .filter(pk=job_id, timepiece__customer__in=Customer.objects.editable_by(by).values("pk"))
        .select_related("timepiece")
        .first()
    )
    if job is None:
        raise PermissionDenied(_("You may not edit this customer."))
    if status not in ServiceJob.Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    old_status = job.status
    if status == old_status:
        raise ValidationError(
            _("This service job is already “%(status)s”.") % {"status": ServiceJob.Status(status).label}
        )
    if status not in SERVICE_JOB_TRANSITIONS[old_status]:
        if not SERVICE_JOB_TRANSITIONS[old_status]:
            raise ValidationError(
                _("This service job is %(status)s: it can no longer change.")
                % {"status": ServiceJob.Status(old_status).label.lower()}
            )
        raise ValidationError(
            _("A service job cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ServiceJob.Status(old_status).label, "new": ServiceJob.Status(status).label}
        )
    today = timezone.localdate()
    if status == ServiceJob.Status.RETURNED:
        returned_on = returned_on or today
        if returned_on < job.received_on:
            raise ValidationError({"returned_on": _("The return date cannot be before the intake date.")})
        if returned_on > today:
            raise ValidationError({"returned_on": _("The return date cannot be in the future.")})
        job.returned_on = returned_on
    elif returned_on is not None:
        raise ValidationError({"returned_on": _("Enter a return date only when the job is returned.")})
    if cost is not None:
        if Decimal(cost) < 0:
            raise ValidationError({"cost": _("The cost cannot be negative.")})
        job.cost = cost
    job.status = status
    note = (note or "").strip()
    if note:
        line = f"[{today:%Y-%m-%d} · {ServiceJob.Status(status).label}] {note}"
        job.work_description = f"{job.work_description}\n{line}" if job.work_description else line
    job.full_clean(exclude=["timepiece", "store", "handled_by"])
    job.save(update_fields=["status", "returned_on", "cost", "work_description", "updated_at"])
    if status == ServiceJob.Status.RETURNED:
        timepiece_refresh_service_dates(timepiece_id=job.timepiece_id)
    _log_edit(
        by=by,
        customer_id=job.timepiece.customer_id,
        reason=f"service job {job.pk}: {old_status} → {status}",
        view_name=view_name,
    )
    return job
