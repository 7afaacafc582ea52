"""Remedy playbooks: the job that turns (tier / segment, risk band, churn reason) into remedy actions, holding
back a reproducible random control group, and the account managers' record of each action's outcome.

How a customer is taken up (one row per playbook, customer and period, in one INSERT … SELECT … ON CONFLICT):
- eligible: a current customer whose latest churn score is in the playbook's band, who holds its tier, is an
  open member of its segment and whose latest churn reason is its reason (each when set), and who was not taken
  up by the same playbook in the last ``cap_days`` days;
- a playbook that contacts the customer (it has a channel) asks the privacy contact gate: customers without
  a usable direct-marketing consent for the playbook's subject class and channel are recorded as *skipped*
  (reason "no consent"): no action, and outside the comparison;
- the others are split by a hash of (playbook id, customer id): a share ``control_share`` become the control
  group (no action), the rest get the action, owned by their account manager. The hash makes the split the
  same on every rerun, in every period: a customer held back by a playbook stays held back.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from churn.models import ChurnReason, CustomerScore, Playbook, PlaybookRun, RemedyAction, RemedyKind
from crm_site.locks import try_xact_lock
from customers.models import Customer
from privacy.models import Channel, Purpose
from privacy.selectors import contactable
from segmentation.models import CustomerTier, SegmentMembership

logger = logging.getLogger(__name__)

PLAYBOOK_LOCK = 7_310_420_008  # advisory lock key: one playbook run at a time
PERIOD_EPOCH = date(2000, 1, 3)  # a Monday: periods are counted from it in steps of the playbook's cap


def period_start(*, today: date, cap_days: int) -> date:
    """The first day of the period ``today`` falls in, for a playbook whose cap is ``cap_days``."""
    return PERIOD_EPOCH + timedelta(days=((today - PERIOD_EPOCH).days // cap_days) * cap_days)


def control_bucket(playbook_id: int, customer_id: int) -> float:
    """A number in [0, 1) fixed by (playbook, customer): below the control share means control group.

    The same as ``_BUCKET_SQL`` computes in PostgreSQL (the first 32 bits of an MD5 hash).
    """
    digest = hashlib.md5(f"{playbook_id}:{customer_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) / 4294967296.0


_BUCKET_SQL = (
    "(CAST(CAST(('x' || substr(md5(CAST(%s AS text) || ':' || CAST(s.customer_id AS text)), 1, 8)) "
    "AS bit(32)) AS bigint) / 4294967296.0)"
)


def _eligible_sql(playbook: Playbook, *, today: date) -> tuple[str, list]:
    """FROM … WHERE of the customers the playbook takes up today, with their score as ``s``."""
    score, customer = CustomerScore._meta.db_table, Customer._meta.db_table
    sql = [
        f"FROM {score} s JOIN {customer} c ON c.id = s.customer_id",
        "WHERE s.band = %s AND c.merged_into_id IS NULL",
    ]
    params: list = [playbook.band]
    if playbook.tier_id:
        sql.append(
            f"AND EXISTS (SELECT 1 FROM {CustomerTier._meta.db_table} t "  # noqa: S608
            "WHERE t.customer_id = s.customer_id AND t.tier_id = %s)"
        )
        params.append(playbook.tier_id)
    if playbook.segment_id:
        sql.append(
            f"AND EXISTS (SELECT 1 FROM {SegmentMembership._meta.db_table} m "  # noqa: S608
            "WHERE m.customer_id = s.customer_id AND m.segment_id = %s AND m.left_run_id IS NULL)"
        )
        params.append(playbook.segment_id)
    if playbook.churn_reason:
        sql.append(
            f"AND (SELECT r.reason FROM {ChurnReason._meta.db_table} r WHERE r.customer_id = s.customer_id "  # noqa: S608
            "ORDER BY r.created_at DESC, r.id DESC LIMIT 1) = %s"
        )
        params.append(playbook.churn_reason)
    sql.append(
        f"AND NOT EXISTS (SELECT 1 FROM {RemedyAction._meta.db_table} a WHERE a.playbook_id = %s "  # noqa: S608
        "AND a.customer_id = s.customer_id AND a.assigned_on > %s)"
    )
    params += [playbook.pk, today - timedelta(days=playbook.cap_days)]
    return " ".join(sql), params


def _consent_sql(playbook: Playbook) -> tuple[str, list]:
    """A condition true for the customers the playbook may contact through its channel (true without one)."""
    if not playbook.channel:
        return "TRUE", []
    gate = contactable(
        purpose=Purpose.DIRECT_MARKETING,
        subject_class=playbook.subject_class,
        channel=playbook.channel,
        customers=Customer.objects.current(),
    ).values("pk")
    sql, params = gate.query.sql_with_params()
    return f"s.customer_id IN ({sql})", list(params)


def _bucket_sql() -> str:
    """The control bucket in SQL: MD5 in PostgreSQL; on SQLite (the development database) the same Python
    function, registered on the connection."""
    if connection.vendor == "postgresql":
        return _BUCKET_SQL
    connection.ensure_connection()
    connection.connection.create_function("crm_control_bucket", 2, control_bucket, deterministic=True)
    return "crm_control_bucket(%s, s.customer_id)"


def playbook_apply(*, playbook: Playbook, today: date) -> dict[str, int]:
    """Take up today's customers for one playbook (set-based; a rerun creates nothing). Rows created per group."""
    eligible, eligible_params = _eligible_sql(playbook, today=today)
    consent, consent_params = _consent_sql(playbook)
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    group = f"CASE WHEN NOT ({consent}) THEN 'skipped' WHEN {_bucket_sql()} < %s THEN 'control' ELSE 'treated' END"
    as_date, as_money = ("CAST(%s AS date)", "CAST(%s AS numeric)") if postgres else ("%s", "%s")
    group_params = [*consent_params, playbook.pk, float(playbook.control_share)]
    table = RemedyAction._meta.db_table
    columns = (
        "created_at, updated_at, playbook_id, customer_id, period, assigned_on, kind, channel, band, risk, "
        'outcome, outcome_note, "group", skip_reason, owner_id, due_on, estimated_cost'
    )
    sql = f"""
        INSERT INTO {table} ({columns})
        SELECT %s, %s, %s, x.customer_id, %s, %s, %s, %s, x.band, x.risk, 'open', '', x.grp,
            CASE WHEN x.grp = 'skipped' THEN 'no_consent' ELSE '' END,
            CASE WHEN x.grp = 'treated' THEN x.account_manager_id END,
            CASE WHEN x.grp = 'treated' THEN {as_date} END,
            CASE WHEN x.grp = 'treated' THEN {as_money} ELSE 0 END
        FROM (SELECT s.customer_id, s.band, s.risk, c.account_manager_id, {group} AS grp {eligible}) x
        WHERE TRUE
        ON CONFLICT (playbook_id, customer_id, period) DO NOTHING
        RETURNING "group"
    """  # noqa: S608 (table names from the models; values are parameters)
    params = [
        now,
        now,
        playbook.pk,
        period_start(today=today, cap_days=playbook.cap_days),
        today,
        playbook.kind,
        playbook.channel,
        today + timedelta(days=playbook.due_in_days),
        playbook.estimated_cost,
        *group_params,
        *eligible_params,
    ]
    # The parameters follow the placeholders' order in the text: the outer SELECT's, then the subquery's.
    # ("WHERE TRUE" keeps SQLite from reading ON CONFLICT as a join's ON.)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = [row[0] for row in cursor.fetchall()]
    return {name: created.count(name) for name in RemedyAction.Group.values}


def playbooks_run(*, today: date | None = None) -> PlaybookRun | None:
    """Apply every active playbook as of ``today`` (default: today in Hong Kong), in one transaction.

    None when another run holds the lock. Idempotent: a rerun in the same period creates nothing.
    A failure is recorded as a failed run and raised again; nothing of the failed run stays.
    """
    today = today or timezone.localdate()
    started = timezone.now()
    try:
        with transaction.atomic():
            if not try_xact_lock(PLAYBOOK_LOCK):
                logger.info("remedy playbooks already running: skipped")
                return None
            run = PlaybookRun.objects.create(as_of=today, started_at=started)
            counts = {}
            for playbook in Playbook.objects.filter(is_active=True).order_by("pk"):
                counts[str(playbook.pk)] = playbook_apply(playbook=playbook, today=today)
            run.counts = counts
            run.status = PlaybookRun.Status.SUCCEEDED
            run.finished_at = timezone.now()
            run.save()
            return run
    except Exception as exc:
        PlaybookRun.objects.create(
            as_of=today,
            started_at=started,
            finished_at=timezone.now(),
            status=PlaybookRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise


@transaction.atomic
def remedy_outcome_record(*, action_id: int, by, outcome: str, note: str = "") -> RemedyAction:
    """Record the outcome of a remedy action: its owner or anyone who may edit the customer."""
    action = RemedyAction.objects.select_for_update().get(pk=action_id)
    if action.group != RemedyAction.Group.TREATED:
        raise ValidationError(_("Only a remedy action has an outcome; this customer is in the control group."))
    if action.owner_id != by.pk and not Customer.objects.editable_by(by).filter(pk=action.customer_id).exists():
        raise ValidationError(_("Only the action's owner or someone who may edit the customer records its outcome."))
    if outcome not in RemedyAction.Outcome.values or outcome == RemedyAction.Outcome.OPEN:
        raise ValidationError(_("Choose what happened."))
    action.outcome = outcome
    action.outcome_note = note
    action.outcome_at = timezone.now()
    action.outcome_by = by
    action.save(update_fields=["outcome", "outcome_note", "outcome_at", "outcome_by", "updated_at"])
    return action


PLAYBOOK_FIELDS = (
    "name",
    "is_active",
    "tier",
    "segment",
    "band",
    "churn_reason",
    "kind",
    "channel",
    "subject_class",
    "due_in_days",
    "estimated_cost",
    "cap_days",
    "control_share",
    "win_window_days",
)


def _playbook_check(playbook: Playbook) -> None:
    errors = {}
    if playbook.kind == RemedyKind.PERSONAL_CALL and playbook.channel != Channel.PHONE:
        errors["channel"] = _("A personal call is made by phone: choose the phone channel.")
    elif playbook.kind != RemedyKind.SERVICE_CHECK and not playbook.channel:
        errors["channel"] = _("This remedy contacts the customer: choose the channel, so that consent is checked.")
    if playbook.channel and not playbook.subject_class:
        errors["subject_class"] = _("Choose what the contact is about: consent is given per class of subject.")
    if errors:
        raise ValidationError(errors)
    playbook.full_clean()


@transaction.atomic
def playbook_create(*, by, **fields) -> Playbook:
    """A new remedy playbook (admins)."""
    if not by.has_perm("churn.add_playbook"):
        raise PermissionDenied(_("You may not define playbooks."))
    playbook = Playbook(**{name: fields[name] for name in PLAYBOOK_FIELDS if name in fields})
    _playbook_check(playbook)
    playbook.save()
    return playbook


@transaction.atomic
def playbook_update(*, playbook_id: int, by, **fields) -> Playbook:
    """Change a playbook. Actions already created keep what they were created with."""
    if not by.has_perm("churn.change_playbook"):
        raise PermissionDenied(_("You may not change playbooks."))
    playbook = Playbook.objects.select_for_update().get(pk=playbook_id)
    for name in PLAYBOOK_FIELDS:
        if name in fields:
            setattr(playbook, name, fields[name])
    _playbook_check(playbook)
    playbook.save()
    return playbook
