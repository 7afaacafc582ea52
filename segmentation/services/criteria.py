"""Writes of criteria (and the segment that tracks a criterion)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from segmentation.models import Criterion, Segment
from segmentation.rules import rule_conditions, rule_validate


def _clean(*, name: str, rule) -> tuple[str, dict]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    rule = rule_validate(rule)
    if not any(True for _condition in rule_conditions(rule)):
        raise ValidationError(_("Add at least one condition: a criterion without conditions selects everybody."))
    return name, rule


def _segment_sync(*, criterion: Criterion, track_as_segment: bool) -> None:
    segment = Segment.objects.filter(criterion=criterion).first()
    if track_as_segment:
        if Segment.objects.filter(name=criterion.name).exclude(criterion=criterion).exists():
            raise ValidationError({"name": _("Another segment already has this name.")})
        if segment is None:
            Segment.objects.create(criterion=criterion, name=criterion.name)
        elif segment.name != criterion.name or not segment.is_active:
            segment.name, segment.is_active = criterion.name, True
            segment.save(update_fields=["name", "is_active", "updated_at"])
    elif segment is not None and segment.is_active:
        segment.is_active = False  # kept with its history; the next run closes its memberships
        segment.save(update_fields=["is_active", "updated_at"])


@transaction.atomic
def criterion_create(
    *,
    by,
    name: str,
    rule,
    purpose: str = Criterion.Purpose.OTHER,
    description: str = "",
    is_active: bool = True,
    track_as_segment: bool = True,
) -> Criterion:
    """A new criterion owned by ``by``; with ``track_as_segment`` every run records who it selects."""
    name, rule = _clean(name=name, rule=rule)
    if Criterion.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A criterion with this name exists already.")})
    criterion = Criterion(name=name, rule=rule, purpose=purpose, description=description, is_active=is_active, owner=by)
    criterion.full_clean()
    criterion.save()
    _segment_sync(criterion=criterion, track_as_segment=track_as_segment)
    return criterion


@transaction.atomic
def criterion_update(
    *,
    criterion_id: int,
    by,
    name: str,
    rule,
    purpose: str,
    description: str = "",
    is_active: bool = True,
    track_as_segment: bool = True,
) -> Criterion:
    """Change a criterion; the segments and tiers that use it follow at the next run."""
    criterion = Criterion.objects.select_for_update().get(pk=criterion_id)
    name, rule = _clean(name=name, rule=rule)
    if Criterion.objects.filter(name=name).exclude(pk=criterion.pk).exists():
        raise ValidationError({"name": _("A criterion with this name exists already.")})
    if not is_active and criterion.tiers.exists():
        raise ValidationError(_("A tier is defined by this criterion: it must stay active."))
    criterion.name, criterion.rule, criterion.purpose = name, rule, purpose
    criterion.description, criterion.is_active = description, is_active
    criterion.full_clean()
    criterion.save()
    _segment_sync(criterion=criterion, track_as_segment=track_as_segment)
    return criterion
