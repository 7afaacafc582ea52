"""Data quality: the duplicate search, "not a duplicate" decisions and merging two records of one person.

A merge moves everything that points at the merged record to the survivor by walking the
relations of the Customer model, so a model added later (complaints, consent…) is moved too
without changing this module. Rows that must stay with the record they were about — the
privacy registry's AUDIT category: the append-only access log, merge records, dismissals —
are left alone.
"""

import copy
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import privacy.services
from crm_site.models import User
from customers.models import (
    Customer,
    CustomerMerge,
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
    Relationship,
)
from customers.selectors import data_quality as selectors
from privacy.models import AccessLog
from privacy.registry import Category, registry

MERGE_PERMISSION = "customers.merge_customer"

# Filled one by one when the survivor's is blank.
FILL_FIELDS = ("salutation", "name_en", "name_zh", "mobile_phone", "email")
# Filled together, only when all of the survivor's are blank: half an address or half a
# birthday taken from another record would describe nobody.
FILL_GROUPS = (("address", "district"), ("birth_month", "birth_day", "birth_year"))
# Blanked on the merged record: its data lives on in CustomerMerge.merged_snapshot.
TOMBSTONE_BLANKS = {
    "salutation": "",
    "name_zh": "",
    "mobile_phone": "",
    "email": "",
    "address": "",
    "district": "",
    "birth_month": None,
    "birth_day": None,
    "birth_year": None,
    "notes": "",
    "external_ref": None,
}


# --- The duplicate search (background) -------------------------------------------------------

SCAN_BATCH_SIZE = 2000


def duplicate_scan_run(*, scope: str) -> DuplicateScan:
    """Find the duplicates among a scope's customers and store them, replacing the last scan's.

    Idempotent: the same customers give the same stored pairs however often it runs. The
    detection is ``selectors.duplicate_pairs_scored`` (the rules of ``duplicate_candidates``);
    dismissals, merges and visibility are applied when the list is read, so they need no scan.
    """
    scored = selectors.duplicate_pairs_scored(selectors.duplicate_scope_queryset(scope))
    with transaction.atomic():
        scan, _created = DuplicateScan.objects.select_for_update().get_or_create(scope=scope)
        DuplicateCandidate.objects.filter(scan=scan).delete()
        DuplicateCandidate.objects.bulk_create(
            (
                DuplicateCandidate(
                    scan=scan, customer_a_id=low, customer_b_id=high, score=score, signals=",".join(sorted(signals))
                )
                for score, low, high, signals in scored
            ),
            batch_size=SCAN_BATCH_SIZE,
        )
        scan.computed_at = timezone.now()
        scan.pair_count = len(scored)
        scan.save(update_fields=["computed_at", "pair_count"])
    if connection.vendor == "postgresql":  # fresh statistics, so the list is an index walk at once
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DuplicateCandidate._meta.db_table}")
    return scan


def duplicate_scan_request(*, user) -> DuplicateScan | None:
    """Ask for a scan of ``user``'s scope, unless one is already waiting (``DuplicateScan.may_request``).

    The last scan's pairs stay on the list until the new one replaces them.

    The scan runs in the background (``customers.tasks.duplicate_scan``) once this transaction
    commits. None when the user sees no customer.
    """
    if not user.has_perm(MERGE_PERMISSION):
        raise PermissionDenied(_("You may not review duplicates."))
    scope = selectors.duplicate_scope(user)
    if scope is None:
        return None
    from customers import tasks  # the tasks import the services

    scan, created = DuplicateScan.objects.get_or_create(scope=scope)
    if created or scan.may_request():
        if not created:
            scan.requested_at = timezone.now()
            DuplicateScan.objects.filter(pk=scan.pk).update(requested_at=scan.requested_at)
        transaction.on_commit(lambda: tasks.duplicate_scan.delay(scope))
    return scan


def duplicate_scopes_in_use() -> set[str]:
    """The scopes of the active users who review duplicates, and of the scans already stored."""
    scopes = set(DuplicateScan.objects.values_list("scope", flat=True))
    for user in User.objects.with_perm(MERGE_PERMISSION).filter(is_active=True):
        scope = selectors.duplicate_scope(user)
        if scope is not None:
            scopes.add(scope)
    return scopes


# --- Not a duplicate ----------------------------------------------------------------------------


@transaction.atomic
def duplicate_dismiss(*, by, customer_a_id: int, customer_b_id: int) -> DuplicateDismissal:
    """Record that two customers are different people, so the pair is not suggested again.

    Idempotent: dismissing a pair twice keeps the first decision (and who made it).
    """
    if not by.has_perm(MERGE_PERMISSION):
        raise PermissionDenied(_("You may not review duplicates."))
    if customer_a_id == customer_b_id:
        raise ValidationError(_("Choose two different customers."))
    low, high = sorted((customer_a_id, customer_b_id))
    if Customer.objects.visible_to(by).filter(pk__in=(low, high)).count() != 2:
        raise PermissionDenied(_("You may not review these customers."))
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        customer_a_id=low, customer_b_id=high, defaults={"dismissed_by": by}
    )
    return dismissal


# --- Merge --------------------------------------------------------------------------------------


@transaction.atomic
def customer_merge(
    *, by, survivor_id: int, merged_id: int, fill_blanks: bool = True, view_name: str = ""
) -> CustomerMerge:
    """Merge the record ``merged_id`` into ``survivor_id``, in one transaction.

    Needs customers.merge_customer and both records editable by ``by``. Both customer rows
    are locked (in id order, so two merges of overlapping pairs cannot deadlock), then:

    1. the merged record is snapshotted (every concrete field, JSON-safe);
    2. every row pointing at it is moved to the survivor (see ``_move_related``);
    3. with ``fill_blanks``, its identity fields fill the survivor's blank ones (never
       overwriting) and its notes are appended to the survivor's;
    4. it becomes a tombstone: ``merged_into`` the survivor, personal fields blanked, named
       "Merged into #<survivor>", its customer number handed to the survivor if it had none;
    5. a CustomerMerge row records who, what moved and the snapshot, and the access log gets
       an EDIT row on each record.
    """
    if not by.has_perm(MERGE_PERMISSION):
        raise PermissionDenied(_("You may not merge customers."))
    if survivor_id == merged_id:
        raise ValidationError(_("A record cannot be merged into itself: choose two different records."))
    # Lock both rows in id order: two merges of overlapping pairs then queue instead of deadlocking.
    rows = Customer.objects.select_for_update().filter(pk__in=(survivor_id, merged_id)).order_by("pk")
    locked = {customer.pk: customer for customer in rows}
    if len(locked) != 2:
        raise PermissionDenied(_("You may not merge these customers."))
    survivor, merged = locked[survivor_id], locked[merged_id]
    for record in (survivor, merged):
        if record.merged_into_id is not None:
            if not Customer.objects.visible_to(by).filter(pk=record.merged_into_id).exists():
                raise PermissionDenied(_("You may not merge these customers."))
            raise ValidationError(
                _("Record #%(pk)s has already been merged into #%(target)s.")
                % {"pk": record.pk, "target": record.merged_into_id}
            )
    if Customer.objects.editable_by(by).filter(pk__in=(survivor_id, merged_id)).count() != 2:
        raise PermissionDenied(_("You may not merge these customers."))

    snapshot = _snapshot(merged)
    moved = _move_related(survivor=survivor, merged=merged)
    filled = _fill_blanks(survivor=survivor, merged=merged) if fill_blanks else []

    if survivor.external_ref is None and merged.external_ref is not None:
        survivor.external_ref = merged.external_ref
        filled.append("external_ref")
    for name, value in TOMBSTONE_BLANKS.items():
        setattr(merged, name, value)
    merged.name_en = f"Merged into #{survivor.pk}"
    merged.merged_into = survivor
    # The tombstone gives up its customer number before the survivor takes it (it is unique).
    merged.save(update_fields=[*TOMBSTONE_BLANKS, "name_en", "merged_into", "updated_at"])
    survivor.save()

    merge = CustomerMerge.objects.create(
        survivor=survivor, merged=merged, merged_by=by, moved=moved, merged_snapshot=snapshot
    )
    reason = f"#{merged.pk} merged into #{survivor.pk}"
    if filled:
        reason += f" (filled: {', '.join(filled)})"
    privacy.services.access_record_many(
        user=by, customers=[survivor, merged], action=AccessLog.Action.EDIT, view_name=view_name, reason=reason
    )
    return merge


def _snapshot(customer: Customer) -> dict:
    """Every concrete field of the record, as JSON-safe values (dates as ISO text)."""
    values = {f.attname: f.value_from_object(customer) for f in Customer._meta.concrete_fields}
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def customer_relations() -> list:
    """Every relation that points at Customer: each model's ForeignKey or OneToOneField to it.

    This is ``Customer._meta.related_objects`` plus the hidden relations (``related_name="+"``,
    and the join tables of many-to-many fields), which a merge must not miss either.
    """
    return [
        relation
        for relation in Customer._meta.get_fields(include_hidden=True)
        if relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
    ]


def stays_with_its_record(model: type[models.Model]) -> bool:
    """Rows the privacy registry files as AUDIT are about the record they name: never moved."""
    registration = registry.get(model._meta.concrete_model)
    return registration is not None and registration.category == Category.AUDIT


def _move_related(*, survivor: Customer, merged: Customer) -> dict[str, int]:
    """Point every row that points at ``merged`` to ``survivor``; count the moved rows per model.

    What a blind UPDATE would break is handled here:

    - Relationship: the merged record's links to or from the survivor would become links of
      the person to themself (``relationship_not_to_self``), and a link the survivor already
      has (same other customer, same kind) would be a duplicate (``relationship_unique``):
      both are dropped — they say nothing the survivor's record does not.
    - Uniqueness in general (a OneToOneField, a unique field, a UniqueConstraint or
      unique_together that includes the customer field): a row that would collide with one of
      the survivor's stays on the merged record. Example: Lead.converted_customer — when the
      survivor was itself converted from a lead, it keeps its own, and the merged record's
      lead keeps pointing at the tombstone. That lead's history stays true ("became record
      #n", which now forwards to the survivor), the lead_converted_has_customer constraint
      holds, and nothing is deleted. The join rows of a many-to-many field are the exception:
      a duplicate membership is simply dropped.
    - Customer.merged_into: records merged earlier into ``merged`` now point at the
      survivor, so a tombstone is always one hop from a current record.
    """
    now = timezone.now()
    moved: dict[str, int] = {}
    prepared = set()
    for relation in customer_relations():
        model, field = relation.related_model, relation.field
        if stays_with_its_record(model):
            continue
        if model not in prepared:
            prepared.add(model)
            prepare = MERGE_PREPARE.get(model)
            if prepare is not None:
                prepare(survivor=survivor, merged=merged)
        rows = model._base_manager.filter(**{field.attname: merged.pk})
        collisions = _unique_collisions(model, field, survivor=survivor, merged=merged)
        if collisions is not None:
            if model._meta.auto_created:  # a many-to-many join table: membership is a set
                model._base_manager.filter(pk__in=collisions.values("pk")).delete()
            else:
                rows = rows.exclude(pk__in=collisions.values("pk"))
        changes = {field.attname: survivor.pk}
        changes.update({f.attname: now for f in model._meta.concrete_fields if getattr(f, "auto_now", False)})
        count = rows.update(**changes)
        if count:
            label = model._meta.label
            moved[label] = moved.get(label, 0) + count
    return moved


def _unique_collisions(model, field, *, survivor: Customer, merged: Customer):
    """The merged record's rows that would break a uniqueness rule once moved (or None)."""
    rules = _uniqueness_rules(model, field)
    if not rules:
        return None
    condition = Q()
    for other_fields, rule_condition in rules:
        # A conditional rule (UniqueConstraint(condition=…)) binds only rows meeting it, on both sides.
        applies = rule_condition if rule_condition is not None else Q()
        twin = model._base_manager.filter(applies, **{field.attname: survivor.pk})
        twin = twin.filter(**{name: OuterRef(name) for name in other_fields})
        condition |= Q(Exists(twin)) & applies
    return model._base_manager.filter(**{field.attname: merged.pk}).filter(condition)


def _uniqueness_rules(model, field) -> list[tuple[tuple[str, ...], Q | None]]:
    """(the other fields, the condition) of every uniqueness rule that includes ``field``."""
    rules = []
    if field.unique:  # OneToOneField, or ForeignKey(unique=True)
        rules.append(((), None))
    for together in model._meta.unique_together:
        if field.name in together:
            rules.append((tuple(name for name in together if name != field.name), None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field.name in (constraint.fields or ()):
            others = tuple(name for name in constraint.fields if name != field.name)
            rules.append((others, constraint.condition))
    return rules


def _relationships_prepare(*, survivor: Customer, merged: Customer) -> None:
    """Drop the merged record's links with the survivor (they would become self-links) and
    those that duplicate one of the survivor's (the same other customer and kind)."""
    Relationship.objects.filter(
        Q(from_customer=merged, to_customer=survivor) | Q(from_customer=survivor, to_customer=merged)
    ).delete()
    Relationship.objects.filter(from_customer=merged).filter(
        Exists(
            Relationship.objects.filter(
                from_customer=survivor, to_customer=OuterRef("to_customer"), kind=OuterRef("kind")
            )
        )
    ).delete()
    Relationship.objects.filter(to_customer=merged).filter(
        Exists(
            Relationship.objects.filter(
                to_customer=survivor, from_customer=OuterRef("from_customer"), kind=OuterRef("kind")
            )
        )
    ).delete()


# Models whose rows need more than "move unless it collides" before they move.
MERGE_PREPARE = {Relationship: _relationships_prepare}


def customer_merge_fill_preview(*, survivor: Customer, merged: Customer) -> list[str]:
    """The survivor's fields a merge with ``fill_blanks`` would fill in (nothing is saved)."""
    return _fill_blanks(survivor=copy.copy(survivor), merged=merged)


def _fill_blanks(*, survivor: Customer, merged: Customer) -> list[str]:
    """Copy the merged record's identity fields into the survivor's blank ones; never overwrite."""
    filled = []
    for name in FILL_FIELDS:
        if _blank(getattr(survivor, name)) and not _blank(getattr(merged, name)):
            setattr(survivor, name, getattr(merged, name))
            filled.append(name)
    for group in FILL_GROUPS:
        if all(_blank(getattr(survivor, name)) for name in group):
            taken = [name for name in group if not _blank(getattr(merged, name))]
            for name in taken:
                setattr(survivor, name, getattr(merged, name))
            filled.extend(taken)
    # The same birthday with the year known only on the merged record.
    if (
        survivor.birth_year is None
        and merged.birth_year is not None
        and survivor.birth_month == merged.birth_month
        and survivor.birth_day == merged.birth_day
        and "birth_year" not in filled
    ):
        survivor.birth_year = merged.birth_year
        filled.append("birth_year")
    if merged.notes.strip():
        header = _("From merged record #%(pk)s:") % {"pk": merged.pk}
        survivor.notes = "\n\n".join(
            part for part in (survivor.notes.strip(), f"{header}\n{merged.notes.strip()}") if part
        )
        filled.append("notes")
    return filled


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
