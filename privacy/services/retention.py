"""Erasure through the registry, and the retention job that applies the rules."""

import calendar
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.locks import try_xact_lock
from privacy.contact import subject_model
from privacy.models import Erasure, JobRun, LegalHold, RetentionRule
from privacy.registry import KEEP, Category, registry

RETENTION_JOB = "privacy.retention"
RETENTION_LOCK = 486_2600  # advisory lock key (PostgreSQL): one retention run at a time


def months_before(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 - months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@transaction.atomic
def customer_erase(*, customer_id: int, by=None, source: str = Erasure.Source.REQUEST, at=None) -> Erasure:
    """Anonymise everything about the customer, model by model, through the registry's anonymise
    callables: figures the business must keep (amounts, dates, stores) stay; identity goes. The
    suppression list (keyed hashes) and the access log (ids only) are kept."""
    if by is not None and not by.has_perm("privacy.add_erasure"):
        raise PermissionDenied(_("You may not erase customers' data."))
    at = at or timezone.now()
    customer = subject_model()._default_manager.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise ValidationError(_("This customer does not exist."))
    if LegalHold.objects.active(at=at).filter(customer_id=customer_id).exists():
        raise ValidationError(_("A legal hold is active on this customer: release it before erasing."))
    if Erasure.objects.filter(customer_id=customer_id).exists():
        raise ValidationError(_("This customer's data was already erased."))
    counts = {}
    for registration in registry:
        if registration.anonymise == KEEP:
            continue
        done = registration.anonymise_rows(customer_id)
        if done:
            counts[registration.label] = done
    if by is not None:
        from privacy.services.access import access_record

        access_record(user=by, customer=customer, action="edit", view_name="privacy:customer-erase", reason="erased")
    return Erasure.objects.create(customer=customer, source=source, erased_at=at, erased_by=by, counts=counts)


def _held_customers(at):
    return LegalHold.objects.active(at=at).values("customer_id")


def _rows_of_held(registration, at) -> Q:
    paths = (registration.customer_path,) if isinstance(registration.customer_path, str) else registration.customer_path
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{path}__in": _held_customers(at)})
    return condition


def _identity_candidates(cutoff, at):
    """Customers with nothing (their record, any registered row) newer than ``cutoff``."""
    Customer = subject_model()
    queryset = Customer._default_manager.exclude(pk__in=Erasure.objects.values("customer_id")).exclude(
        pk__in=_held_customers(at)
    )
    if any(f.name == "updated_at" for f in Customer._meta.concrete_fields):
        queryset = queryset.filter(updated_at__lt=cutoff)
    for registration in registry:
        if registration.model is Customer or not registration.date_field or registration.category == Category.AUDIT:
            continue
        paths = (
            (registration.customer_path,) if isinstance(registration.customer_path, str) else registration.customer_path
        )
        for path in paths:
            recent = registration.model._default_manager.filter(
                **{path: OuterRef("pk"), f"{registration.date_field}__gte": cutoff}
            )
            queryset = queryset.exclude(Exists(recent))
    return queryset


def _apply(rule: RetentionRule, *, at) -> dict:
    cutoff = months_before(at, rule.period_months)
    if rule.category == Category.IDENTITY:
        erased = 0
        for customer_id in list(_identity_candidates(cutoff, at).values_list("pk", flat=True)):
            customer_erase(customer_id=customer_id, source=Erasure.Source.RETENTION, at=at)
            erased += 1
        return {"customers erased": erased}
    counts = {}
    for registration in registry:
        if registration.category != rule.category or registration.anonymise == KEEP or not registration.date_field:
            continue
        rows = registration.model._default_manager.filter(**{f"{registration.date_field}__lt": cutoff}).exclude(
            _rows_of_held(registration, at)
        )
        if rule.action == RetentionRule.Action.DELETE:
            try:
                with transaction.atomic():
                    done = registration.model._default_manager.filter(pk__in=rows.values("pk")).delete()[0]
            except (models.ProtectedError, models.RestrictedError, ValidationError, DatabaseError):
                # Kept because other records point at it, or the database keeps it (the consent
                # ledger is evidence and is never deleted): anonymised instead.
                done = registration.anonymise(rows)
        else:
            done = registration.anonymise(rows)
        counts[registration.label] = done
    return counts


def retention_run(*, now=None) -> JobRun:
    """Apply every active rule. Records the run and what it did; honours legal holds; a rerun
    finds nothing new to do (erased customers are skipped, anonymised rows stay anonymised)."""
    at = now or timezone.now()
    run = JobRun.objects.create(name=RETENTION_JOB, started_at=timezone.now())
    try:
        with transaction.atomic():
            if not try_xact_lock(RETENTION_LOCK):
                run.error = "another retention run holds the lock"
                run.finished_at = timezone.now()
                run.save()
                return run
            counts = {}
            for rule in RetentionRule.objects.filter(active=True):
                counts[rule.category] = _apply(rule, at=at)
    except Exception as exc:
        run.error = repr(exc)[:2000]
        run.finished_at = timezone.now()
        run.save()
        raise
    run.counts = counts
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def retention_rule_save(*, by, category: str, period_months: int, action: str, legal_basis: str = "", active=True):
    if not by.has_perm("privacy.change_retentionrule"):
        raise PermissionDenied(_("You may not change retention rules."))
    if period_months < 1:
        raise ValidationError({"period_months": _("Keep data at least one month.")})
    rule, _created = RetentionRule.objects.update_or_create(
        category=category,
        defaults={
            "period_months": period_months,
            "action": action,
            "legal_basis": legal_basis,
            "active": active,
            "updated_by": by,
        },
    )
    return rule
