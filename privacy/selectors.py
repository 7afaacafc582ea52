"""Reads of the privacy layer: the current notices, consent state, and the one contact gate.

``contactable()`` is the only way any module may choose customers to contact for direct
marketing (a sweep test fails when another module reads the consent ledger itself).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.contact import channel_field, contact_fields, subject_model
from privacy.hashing import KeyedHash, keyed_hash
from privacy.models import ConsentEvent, Notice, OralConfirmation, Purpose, Suppression
from privacy.models.consent import ORAL_CONFIRMATION_DAYS, ORAL_METHODS, WRITTEN_METHODS, Channel, SubjectClass

OPTOUT_SALT = "privacy.optout"


def notice_current(*, kind: str) -> Notice | None:
    """The latest published version of a kind of notice (None when none is published yet)."""
    return Notice.objects.published().filter(kind=kind).order_by("-version").first()


def notices_current() -> dict[str, Notice | None]:
    latest = {}
    for notice in Notice.objects.published().order_by("kind", "-version"):
        latest.setdefault(notice.kind, notice)
    return {kind: latest.get(kind) for kind in Notice.Kind.values}


# --- The gate -----------------------------------------------------------------------------------


def contactable(
    *, purpose: str, subject_class: str, channel: str, at=None, customers: QuerySet | None = None
) -> QuerySet:
    """Customers who may be contacted now (or ``at``) for ``purpose`` about ``subject_class``
    through ``channel``. Evaluate it at send time, not when a list was built.

    A customer qualifies when they have a contact point for the channel, and a grant for exactly
    this purpose × class × channel that was usable at ``at`` (written; or oral with its written
    confirmation sent within 14 days and before ``at``), with after it no withdrawal covering
    it (a withdrawal of all classes or all channels covers it), and no suppression of their
    phone or e-mail since; and no other record with the same phone or e-mail has withdrawn
    (least permissive wins). ``customers`` narrows the base (e.g. visible to a user).
    """
    # Without ``at`` the database's clock at execution: a queryset built earlier and evaluated
    # at send time sees the opt-outs recorded in between.
    at = at if at is not None else Now()
    base = customers if customers is not None else subject_model()._default_manager.all()
    fields = contact_fields()
    field = channel_field(channel)
    scope = Q(purpose=purpose, subject_class__in=[subject_class, ""], channel__in=[channel, ""])
    confirmed = OralConfirmation.objects.filter(batch=OuterRef("batch"), sent_at__lte=at).filter(
        sent_at__lte=OuterRef("occurred_at") + timedelta(days=ORAL_CONFIRMATION_DAYS)
    )
    withdrawn_since = ConsentEvent.objects.filter(
        scope,
        customer=OuterRef(OuterRef("pk")),
        action=ConsentEvent.Action.WITHDRAWN,
        occurred_at__lte=at,
        occurred_at__gte=OuterRef("occurred_at"),
    )
    suppressed_since = Suppression.objects.filter(created_at__lte=at, created_at__gte=OuterRef("occurred_at")).filter(
        Q(kind=Suppression.Kind.PHONE, key_hash=KeyedHash(OuterRef(OuterRef(fields["phone"])), kind="phone"))
        | Q(kind=Suppression.Kind.EMAIL, key_hash=KeyedHash(OuterRef(OuterRef(fields["email"])), kind="email"))
    )
    usable_grant = (
        ConsentEvent.objects.filter(
            customer=OuterRef("pk"),
            purpose=purpose,
            subject_class=subject_class,
            channel=channel,
            action=ConsentEvent.Action.GRANTED,
            occurred_at__lte=at,
        )
        .filter(Q(method__in=WRITTEN_METHODS) | Exists(confirmed))
        .exclude(Exists(withdrawn_since))
        .exclude(Exists(suppressed_since))
    )
    regranted = ConsentEvent.objects.filter(
        customer=OuterRef("customer"),
        purpose=purpose,
        subject_class=subject_class,
        channel=channel,
        action=ConsentEvent.Action.GRANTED,
        occurred_at__gt=OuterRef("occurred_at"),
        occurred_at__lte=at,
    )
    same_person = (
        Q(**{f"customer__{fields['phone']}": OuterRef(fields["phone"])}) & ~Q(**{f"customer__{fields['phone']}": ""})
    ) | (
        Q(**{f"customer__{fields['email']}__iexact": OuterRef(fields["email"])})
        & ~Q(**{f"customer__{fields['email']}": ""})
    )
    duplicate_withdrawn = (
        ConsentEvent.objects.filter(scope, action=ConsentEvent.Action.WITHDRAWN, occurred_at__lte=at)
        .filter(same_person)
        .exclude(customer=OuterRef("pk"))
        .exclude(Exists(regranted))
    )
    return (
        base.exclude(**{field: ""})
        .exclude(**{f"{field}__isnull": True})
        .filter(Exists(usable_grant))
        .exclude(Exists(duplicate_withdrawn))
    )


# --- Consent state of one customer --------------------------------------------------------------


class State:
    GRANTED = "granted"
    PENDING = "pending"  # oral, written confirmation not yet sent (within 14 days)
    LAPSED = "lapsed"  # oral, no confirmation within 14 days
    WITHDRAWN = "withdrawn"
    WITHDRAWN_ELSEWHERE = "withdrawn_elsewhere"  # on another record with the same phone or e-mail
    SUPPRESSED = "suppressed"
    NONE = "none"

    LABELS = {
        GRANTED: _("Granted"),
        PENDING: _("Oral: awaiting written confirmation"),
        LAPSED: _("Oral: lapsed (no confirmation in 14 days)"),
        WITHDRAWN: _("Withdrawn"),
        WITHDRAWN_ELSEWHERE: _("Withdrawn on another record of this person"),
        SUPPRESSED: _("Opted out (suppressed)"),
        NONE: _("No consent"),
    }


@dataclass
class ConsentCell:
    purpose: str
    subject_class: str
    channel: str
    state: str
    since: object = None

    @property
    def label(self):
        return State.LABELS[self.state]

    @property
    def usable(self) -> bool:
        return self.state == State.GRANTED

    def get_subject_class_display(self):
        return SubjectClass(self.subject_class).label

    def get_channel_display(self):
        return Channel(self.channel).label


def _covers(event, subject_class, channel) -> bool:
    return event.subject_class in (subject_class, "") and event.channel in (channel, "")


def consent_cells(*, customer, at=None, purpose: str = Purpose.DIRECT_MARKETING) -> list[ConsentCell]:
    """The state of every class × channel the customer's ledger mentions (same rules as the gate,
    for one customer: shown on the customer page). Four queries."""
    at = at or timezone.now()
    events = list(ConsentEvent.objects.filter(customer_id=customer.pk, purpose=purpose, occurred_at__lte=at))
    confirmations = dict(
        OralConfirmation.objects.filter(customer_id=customer.pk, sent_at__lte=at).values_list("batch", "sent_at")
    )
    fields = contact_fields()
    hashes = [
        (Suppression.Kind.PHONE, keyed_hash("phone", getattr(customer, fields["phone"], ""))),
        (Suppression.Kind.EMAIL, keyed_hash("email", getattr(customer, fields["email"], ""))),
    ]
    condition = Q(pk__in=[])
    for kind, value in hashes:
        if value:
            condition |= Q(kind=kind, key_hash=value)
    suppressed_at = sorted(
        Suppression.objects.filter(condition, created_at__lte=at).values_list("created_at", flat=True)
    )
    same_person = Q(pk__in=[])
    if getattr(customer, fields["phone"], ""):
        same_person |= Q(**{f"customer__{fields['phone']}": getattr(customer, fields["phone"])})
    if getattr(customer, fields["email"], ""):
        same_person |= Q(**{f"customer__{fields['email']}__iexact": getattr(customer, fields["email"])})
    elsewhere = list(
        ConsentEvent.objects.filter(same_person, purpose=purpose, occurred_at__lte=at).exclude(customer_id=customer.pk)
    )
    grants = [e for e in events if e.action == ConsentEvent.Action.GRANTED]
    withdrawals = [e for e in events if e.action == ConsentEvent.Action.WITHDRAWN]
    cells = sorted({(e.subject_class, e.channel) for e in grants})
    if not cells and (withdrawals or suppressed_at):
        cells = [("", "")]
    result = []
    for subject_class, channel in cells:
        state, since = State.NONE, None
        live = [
            g
            for g in grants
            if g.subject_class == subject_class
            and g.channel == channel
            and not any(_covers(w, subject_class, channel) and w.occurred_at >= g.occurred_at for w in withdrawals)
        ]
        covering = [w for w in withdrawals if _covers(w, subject_class, channel)]
        for grant in sorted(live, key=lambda g: g.occurred_at):
            if any(s >= grant.occurred_at for s in suppressed_at):
                continue
            if grant.method in ORAL_METHODS:
                deadline = grant.occurred_at + timedelta(days=ORAL_CONFIRMATION_DAYS)
                sent = confirmations.get(grant.batch)
                if sent is not None and sent <= deadline:
                    state, since = State.GRANTED, grant.occurred_at
                elif state != State.GRANTED:
                    state, since = (State.PENDING if at <= deadline else State.LAPSED), grant.occurred_at
            else:
                state, since = State.GRANTED, grant.occurred_at
        if state == State.GRANTED and _withdrawn_elsewhere(elsewhere, subject_class, channel):
            state = State.WITHDRAWN_ELSEWHERE
        if state == State.NONE:
            if suppressed_at:
                state, since = State.SUPPRESSED, suppressed_at[-1]
            elif covering:
                state, since = State.WITHDRAWN, max(w.occurred_at for w in covering)
        result.append(ConsentCell(purpose, subject_class, channel, state, since))
    return result


def _withdrawn_elsewhere(events, subject_class, channel) -> bool:
    """A duplicate record's latest word on this cell is a withdrawal (the gate's rule)."""
    for withdrawal in events:
        if withdrawal.action != ConsentEvent.Action.WITHDRAWN or not _covers(withdrawal, subject_class, channel):
            continue
        regranted = any(
            e.action == ConsentEvent.Action.GRANTED
            and e.customer_id == withdrawal.customer_id
            and e.subject_class == subject_class
            and e.channel == channel
            and e.occurred_at > withdrawal.occurred_at
            for e in events
        )
        if not regranted:
            return True
    return False


def consent_history(*, customer_id) -> QuerySet:
    return ConsentEvent.objects.filter(customer_id=customer_id).select_related("recorded_by", "notice")


def pending_oral_batches(*, customer_id, at=None) -> list[dict]:
    """Oral grants still waiting for their written confirmation (and not yet past 14 days)."""
    at = at or timezone.now()
    rows = (
        ConsentEvent.objects.filter(
            customer_id=customer_id,
            action=ConsentEvent.Action.GRANTED,
            method__in=ORAL_METHODS,
            occurred_at__gte=at - timedelta(days=ORAL_CONFIRMATION_DAYS),
        )
        .exclude(Exists(OralConfirmation.objects.filter(batch=OuterRef("batch"))))
        .values("batch", "occurred_at")
        .distinct()
    )
    return list(rows)


def is_suppressed(*, phone: str = "", email: str = "") -> bool:
    condition = Q(pk__in=[])
    if keyed_hash("phone", phone):
        condition |= Q(kind=Suppression.Kind.PHONE, key_hash=keyed_hash("phone", phone))
    if keyed_hash("email", email):
        condition |= Q(kind=Suppression.Kind.EMAIL, key_hash=keyed_hash("email", email))
    return Suppression.objects.filter(condition).exists()


# --- Opt-out links ------------------------------------------------------------------------------


def optout_token(*, customer_id: int) -> str:
    return signing.dumps(customer_id, salt=OPTOUT_SALT, compress=True)


def optout_customer_id(*, token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=OPTOUT_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def optout_path(*, customer_id: int) -> str:
    """The opt-out link to put in every electronic marketing message (no login, free, no expiry)."""
    return reverse("privacy:optout-link", kwargs={"token": optout_token(customer_id=customer_id)})


# --- The privacy officer's console --------------------------------------------------------------


def access_log_search(*, customer_id=None, username: str = "", action: str = "", since=None) -> QuerySet:
    """ "Who viewed this customer", "which exports did this user run"."""
    from privacy.models import AccessLog

    queryset = AccessLog.objects.select_related("user")
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if username:
        queryset = queryset.filter(user__username=username)
    if action:
        queryset = queryset.filter(action=action)
    if since:
        queryset = queryset.filter(at__date__gte=since)
    return queryset.order_by("-at", "-id")


def console_context(*, now=None, limit: int = 10) -> dict:
    from privacy.models import Breach, DataRequest, JobRun

    now = now or timezone.now()
    return {
        "open_requests": list(DataRequest.objects.open().order_by("due_at")[:limit]),
        "consent_changes": list(ConsentEvent.objects.select_related("recorded_by").order_by("-recorded_at")[:limit]),
        "job_runs": list(JobRun.objects.order_by("-started_at")[:limit]),
        "suppressed_count": Suppression.objects.count(),
        "breaches": list(Breach.objects.order_by("-detected_at")[:limit]),
        "oral_pending": oral_pending_all(now=now, limit=limit),
        "now": now,
    }


def opinion_notes(*, customer_id) -> list:
    """The customer's notes of disagreement (s.25(2)), to show beside the opinions they are about
    (segment labels, scores): ``[(opinion, note, created_at)]``."""
    from privacy.models import OpinionNote

    return list(
        OpinionNote.objects.filter(customer_id=customer_id)
        .order_by("created_at")
        .values_list("opinion", "note", "created_at")
    )


def oral_pending_all(*, now=None, limit: int = 20) -> list[dict]:
    """Oral consents still waiting for their written confirmation, the closest to lapsing first."""
    now = now or timezone.now()
    rows = (
        ConsentEvent.objects.filter(
            action=ConsentEvent.Action.GRANTED,
            method__in=ORAL_METHODS,
            occurred_at__gte=now - timedelta(days=ORAL_CONFIRMATION_DAYS),
        )
        .exclude(Exists(OralConfirmation.objects.filter(batch=OuterRef("batch"))))
        .values("customer_id", "batch", "occurred_at")
        .distinct()
        .order_by("occurred_at")[:limit]
    )
    return [{**row, "lapses_at": row["occurred_at"] + timedelta(days=ORAL_CONFIRMATION_DAYS)} for row in rows]


def identity_document_card(*, customer) -> dict | None:
    """The customer page's identity-document card: None when the business does not collect
    identity documents (no query), else the document's masked form (one query). The number is
    never decrypted here: the mask was stored when it was recorded."""
    from privacy.models import IdentityDocument
    from privacy.services.identity import enabled

    if not enabled():
        return None
    document = (
        IdentityDocument.objects.filter(customer_id=customer.pk)
        .only("kind", "mask", "purpose", "recorded_at", "customer_id")
        .first()
    )
    return {"document": document}
