"""Data quality: likely duplicate customers, and where an old link to a merged record should go.

Reads only, always scoped to the user asking (``Customer.objects.visible_to``).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Length, Lower, Replace, Reverse, StrIndex, Substr, Trim
from django.http import Http404
from django.utils.translation import gettext as _

from crm_site import roles
from customers.models import (
    Customer,
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
    Interaction,
    OwnedTimepiece,
    Purchase,
)

# A phone number or e-mail shared by more records than this is a placeholder (a store's own
# number typed in for walk-ins, "noemail@…"), not evidence that the records are one person.
MAX_SHARED_VALUE = 20
# At most this many customer rows are read per signal; groups come in key order, so a huge
# backlog is worked through a first slice at a time (dismiss or merge, and the next ones show).
MAX_ROWS_PER_SIGNAL = 5000
# Within one group of records sharing a value, pairs are formed among the first this many.
MAX_GROUP_PAIRS_MEMBERS = 12

# Punctuation that romanised Hong Kong names are written with: "CHAN, Tai-man", "Chan Tai Man".
_NAME_PUNCTUATION = (",", "-", ".", "'", "’", "/", "(", ")")

# Signal codes, their weights in the score, and the reasons shown to staff.
PHONE, EMAIL, NAME_EN, NAME_ZH, BIRTHDAY, DISTRICT, EMAIL_NAME = (
    "phone",
    "email",
    "name_en",
    "name_zh",
    "birthday",
    "district",
    "email_name",
)
SCORES = {PHONE: 45, EMAIL: 40, NAME_EN: 20, NAME_ZH: 20, BIRTHDAY: 20, EMAIL_NAME: 15, DISTRICT: 5}
_STRONG = {PHONE, EMAIL}
_NAMES = {NAME_EN, NAME_ZH}
_SECOND = {BIRTHDAY, DISTRICT, EMAIL_NAME}

# What each signal query reads of a customer: enough to score a pair without another query.
_FIELDS = ("pk", "name_en", "name_zh", "mobile_phone", "email", "district", "birth_month", "birth_day")


def _reason_labels() -> dict[str, str]:
    return {
        PHONE: _("Same mobile phone"),
        EMAIL: _("Same e-mail"),
        NAME_EN: _("Similar English name"),
        NAME_ZH: _("Same Chinese name"),
        BIRTHDAY: _("Same birthday"),
        DISTRICT: _("Same district"),
        EMAIL_NAME: _("Same e-mail name (before the @)"),
    }


@dataclass
class DuplicatePair:
    """Two visible, current customers that may be one person; ``a`` has the lower id."""

    a: Customer
    b: Customer
    signals: frozenset[str]  # codes: "phone", "email", "name_en", "name_zh", "birthday", "district", "email_name"
    reasons: list[str] = field(default_factory=list)  # the signals as staff read them, strongest first
    score: int = 0  # 0–100: the sum of the signals' weights, capped


# --- Name normalisation: the same rules in Python as in the database ---------------------------


def name_tokens(name: str) -> list[str]:
    """``"CHAN, Tai-man"`` -> ``["chan", "tai", "man"]``: lowercase words, punctuation dropped."""
    return re.sub(r"[\W_]+", " ", (name or "").lower()).split()


def name_key(name: str) -> str:
    """Spaces and punctuation removed: "Chan Tai Man", "CHAN, Tai-man", "Chan Taiman" -> "chantaiman"."""
    return "".join(name_tokens(name))


def name_key_any_order(name: str) -> str:
    """Word order ignored: "Tai Man Chan" and "Chan Tai Man" -> "chan man tai"."""
    return " ".join(sorted(name_tokens(name)))


def _db_name_spaced(field_name: str = "name_en"):
    """The name lowercased, punctuation turned into single spaces, trimmed (a database expression)."""
    expression = Lower(field_name)
    for mark in _NAME_PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(" "))
    for _pass in range(2):  # "chan,  tai" -> "chan tai": enough for names as people type them
        expression = Replace(expression, Value("  "), Value(" "))
    return Trim(expression)


def _db_name_key(field_name: str = "name_en"):
    """``name_key`` in SQL: Lower, then every space and punctuation mark replaced by nothing."""
    expression = Lower(field_name)
    for mark in (" ", *_NAME_PUNCTUATION):
        expression = Replace(expression, Value(mark), Value(""))
    return expression


def _db_first_word(expression):
    """The text up to the first space (all of it when there is none)."""
    return Substr(expression, 1, StrIndex(Concat(expression, Value(" ")), Value(" ")) - 1)


def _db_email_name(field_name: str = "email"):
    """The part of the e-mail before the @, lowercased ("" when there is no @)."""
    return Case(
        When(
            **{f"{field_name}__contains": "@"},
            then=Lower(Substr(field_name, 1, StrIndex(field_name, Value("@")) - 1)),
        ),
        default=Value(""),
        output_field=CharField(),
    )


# --- Detection --------------------------------------------------------------------------------


def duplicate_candidates(*, user, limit: int = 100) -> list[DuplicatePair]:
    """Pairs of customers visible to ``user`` that are probably one person, best first.

    A pair qualifies with the same mobile phone, or the same e-mail (any case), or a similar
    name — the same English name once lowercased, stripped of punctuation and spaces, with the
    words in any order ("Chan Tai Man", "Tai Man Chan", "CHAN, Tai-man"), or the same Chinese
    name — together with one more signal: the same birthday (month and day), the same
    district, or the same e-mail name before the @ (whatever the domain: an identical e-mail
    already qualifies on its own). A common name alone (陳大文) is never enough. Merged
    records and pairs dismissed as "not a duplicate" are left out.

    How it stays set-based: every signal is one SQL query over the visible queryset that
    returns only customers who have a twin, through non-correlated subqueries the database
    hashes once — never a scan of all customers in Python:

    - phone / e-mail: ``value IN (SELECT value … GROUP BY value HAVING COUNT(*) BETWEEN 2 AND
      MAX_SHARED_VALUE)`` (a value shared by dozens of records is a placeholder, not a person);
    - names: the same, on keys "normalised name|second signal" — the English name normalised
      in the database (``Lower``/``Replace``: no case, punctuation or spaces), the Chinese name
      as it is — one key per second signal, so a common name alone never matches.

    Python then only pairs up the members of those small groups, scores the pairs and drops
    the dismissed ones.

    Trade-off for word order: SQL cannot portably sort a name's words, so a reordered name is
    found by keys "number of letters|first word|second signal" of one record matched against
    "number of letters|last word|second signal" of the others (a surname written first by one
    record and last by the other), and Python confirms, within those small groups only, that
    the words are the same. Not found without the same phone or e-mail (where Python compares
    the names of the group freely): reorderings that keep the first and last words in place
    ("Chan Tai Man" / "Chan Man Tai"), and reorderings that also join syllables
    ("Tai Man Chan" / "Chan Taiman"). Each signal reads at most MAX_ROWS_PER_SIGNAL rows (in
    key order), so on a very dirty database the first slice is shown and the rest appears as
    pairs are merged or dismissed.

    Query count: five signal queries (phone, e-mail, English name, Chinese name, reordered
    English name), one for the dismissals and one for the customers shown (with their store
    and account manager) — constant whatever the number of rows.
    """
    visible = Customer.objects.visible_to(user)
    if visible.query.is_empty():
        return []
    rows, candidates = _candidate_rows(visible)
    candidates -= _dismissed_among(candidates)
    scored = _scored(rows, candidates)[:limit]

    ids = {pk for _score, low, high, _signals in scored for pk in (low, high)}
    customers = visible.select_related("home_store", "account_manager").in_bulk(ids)
    return [
        DuplicatePair(a=customers[low], b=customers[high], signals=signals, reasons=pair_reasons(signals), score=score)
        for score, low, high, signals in scored
        if low in customers and high in customers
    ]


def duplicate_pairs_scored(visible: QuerySet) -> list[tuple[int, int, int, frozenset[str]]]:
    """Every qualifying pair among ``visible``, as (score, lower id, higher id, signals), best first.

    The detection of ``duplicate_candidates`` without its last steps (dismissals, the limit, the
    customers shown): what the nightly scan (``services.duplicate_scan_run``) stores. Five queries.
    """
    if visible.query.is_empty():
        return []
    return _scored(*_candidate_rows(visible))


def _candidate_rows(visible: QuerySet) -> tuple[dict[int, dict], set[tuple[int, int]]]:
    """The customers read by the five signal queries, and the pairs formed within their groups."""
    rows: dict[int, dict] = {}
    candidates: set[tuple[int, int]] = set()
    for groups in (
        _shared_value_groups(visible, key=F("mobile_phone"), blank=Q(mobile_phone="")),
        _shared_value_groups(visible, key=Lower("email"), blank=Q(email="")),
        _name_twin_groups(visible, field_name="name_en", name=_db_name_key("name_en"), python_key=name_key),
        _name_twin_groups(visible, field_name="name_zh", name=F("name_zh"), python_key=str.strip),
        _reordered_name_groups(visible),
    ):
        for members in groups:
            for row in members:
                rows[row["pk"]] = row
            candidates.update(_pairs_of(row["pk"] for row in members))
    return rows, candidates


def _scored(rows: dict[int, dict], candidates: set[tuple[int, int]]) -> list[tuple[int, int, int, frozenset[str]]]:
    scored = []
    for low, high in candidates:
        signals = pair_signals(rows[low], rows[high])
        if _qualifies(signals):
            scored.append((pair_score(signals), low, high, signals))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return scored


def pair_signals(a, b) -> frozenset[str]:
    """What two customers (objects or value dicts) have in common, as signal codes."""

    def get(record, name):
        return record[name] if isinstance(record, dict) else getattr(record, name)

    signals = set()
    if get(a, "mobile_phone") and get(a, "mobile_phone") == get(b, "mobile_phone"):
        signals.add(PHONE)
    email_a, email_b = (get(a, "email") or "").strip().lower(), (get(b, "email") or "").strip().lower()
    if email_a and email_a == email_b:
        signals.add(EMAIL)
    elif "@" in email_a and email_a.split("@")[0] and email_a.split("@")[0] == email_b.split("@")[0]:
        signals.add(EMAIL_NAME)
    name_a, name_b = get(a, "name_en"), get(b, "name_en")
    if name_key(name_a) and (
        name_key(name_a) == name_key(name_b) or name_key_any_order(name_a) == name_key_any_order(name_b)
    ):
        signals.add(NAME_EN)
    if (get(a, "name_zh") or "").strip() and (get(a, "name_zh") or "").strip() == (get(b, "name_zh") or "").strip():
        signals.add(NAME_ZH)
    if (
        get(a, "birth_month")
        and get(a, "birth_day")
        and ((get(a, "birth_month"), get(a, "birth_day")) == (get(b, "birth_month"), get(b, "birth_day")))
    ):
        signals.add(BIRTHDAY)
    if get(a, "district") and get(a, "district") == get(b, "district"):
        signals.add(DISTRICT)
    return frozenset(signals)


def pair_reasons(signals: Iterable[str]) -> list[str]:
    """The signals as staff read them, strongest first."""
    labels, order = _reason_labels(), list(SCORES)
    return [labels[code] for code in sorted(signals, key=order.index)]


def pair_score(signals: Iterable[str]) -> int:
    return min(100, sum(SCORES[code] for code in signals))


def _qualifies(signals: frozenset[str]) -> bool:
    return bool(signals & _STRONG) or bool(signals & _NAMES and signals & _SECOND)


def _pairs_of(pks: Iterable[int]) -> set[tuple[int, int]]:
    members = sorted(set(pks))[:MAX_GROUP_PAIRS_MEMBERS]
    return {(low, high) for i, low in enumerate(members) for high in members[i + 1 :]}


def _dismissed_among(candidates: set[tuple[int, int]]) -> set[tuple[int, int]]:
    if not candidates:
        return set()
    lows = {low for low, _high in candidates}
    dismissed = DuplicateDismissal.objects.filter(customer_a_id__in=lows).values_list("customer_a_id", "customer_b_id")
    return set(dismissed) & candidates


def _shared_value_groups(visible: QuerySet, *, key, blank: Q) -> list[list[dict]]:
    """Customers sharing one value (the key) with 1 to MAX_SHARED_VALUE - 1 others, grouped."""
    keyed = visible.exclude(blank).annotate(dup_key=key)
    shared = (
        keyed.order_by()
        .values("dup_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1, n__lte=MAX_SHARED_VALUE)
        .values("dup_key")
    )
    members = keyed.filter(dup_key__in=shared).order_by("dup_key", "pk").values("dup_key", *_FIELDS)
    return _grouped(members[:MAX_ROWS_PER_SIGNAL], lambda row: row["dup_key"])


def _second_signal_keys(prefix) -> list[tuple[object, Q]]:
    """For each second signal: a key "<prefix>|<signal value>", and when the signal is present."""
    return [
        (
            Concat(prefix, Value("|b|"), Cast("birth_month", CharField()), Value("-"), Cast("birth_day", CharField())),
            Q(birth_month__isnull=False, birth_day__isnull=False),
        ),
        (Concat(prefix, Value("|d|"), "district"), ~Q(district="")),
        (Concat(prefix, Value("|e|"), "email_name"), ~Q(email_name="")),
    ]


def _name_twin_groups(visible: QuerySet, *, field_name: str, name, python_key) -> list[list[dict]]:
    """Customers with the same (normalised) name as another who shares a second signal.

    One query: for each second signal, ``key IN (SELECT key … GROUP BY key HAVING COUNT(*) > 1)``
    on the key "name|signal" — not correlated, so the database hashes it once.
    """
    base = visible.exclude(**{field_name: ""}).annotate(email_name=_db_email_name(), name_group=name)
    shared_somewhere = Q(pk__in=[])
    for i, (key, present) in enumerate(_second_signal_keys(F("name_group"))):
        alias = f"name_signal_{i}"
        base = base.annotate(**{alias: key})
        shared = base.filter(present).order_by().values(alias).annotate(n=Count("pk")).filter(n__gt=1).values(alias)
        shared_somewhere |= present & Q(**{f"{alias}__in": shared})
    members = base.filter(shared_somewhere).order_by("name_group", "pk").values(*_FIELDS)
    rows = list(members[:MAX_ROWS_PER_SIGNAL])
    return _split_by_second_signal(rows, lambda row: python_key(row[field_name]))


def _reordered_name_groups(visible: QuerySet) -> list[list[dict]]:
    """Customers whose English name starts with the word another's ends with (a surname written
    first by one record and last by the other), with as many letters and a second signal.

    One query of non-correlated ``IN`` subqueries: "letters|first word|signal" of one record
    among the "letters|last word|signal" of all, and the other way round. Names of one word,
    or that start and end with the same word, are left to the exact-name family.
    """
    spaced = _db_name_spaced("name_en")
    base = (
        visible.exclude(name_en="")
        .annotate(
            email_name=_db_email_name(),
            first_word=_db_first_word(spaced),
            last_word=Reverse(_db_first_word(Reverse(spaced))),
            letters=Cast(Length(_db_name_key("name_en")), CharField()),
        )
        .exclude(first_word=F("last_word"))
    )
    twin_somewhere = Q(pk__in=[])
    keys = zip(
        _second_signal_keys(Concat("letters", Value("|"), "first_word")),
        _second_signal_keys(Concat("letters", Value("|"), "last_word")),
        strict=True,
    )
    for i, ((head, present), (tail, _present)) in enumerate(keys):
        head_alias, tail_alias = f"head_{i}", f"tail_{i}"
        base = base.annotate(**{head_alias: head, tail_alias: tail})
        heads = base.filter(present).order_by().values(head_alias)
        tails = base.filter(present).order_by().values(tail_alias)
        twin_somewhere |= present & (Q(**{f"{head_alias}__in": tails}) | Q(**{f"{tail_alias}__in": heads}))
    members = base.filter(twin_somewhere).order_by("letters", "pk").values(*_FIELDS)
    rows = list(members[:MAX_ROWS_PER_SIGNAL])
    return _split_by_second_signal(rows, lambda row: name_key_any_order(row["name_en"]))


def _split_by_second_signal(rows: list[dict], name_of) -> list[list[dict]]:
    """Groups of rows with the same name and the same birthday, district or e-mail name."""
    buckets: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        name = name_of(row)
        if not name:
            continue
        if row["birth_month"] and row["birth_day"]:
            buckets[(name, BIRTHDAY, row["birth_month"], row["birth_day"])].append(row)
        if row["district"]:
            buckets[(name, DISTRICT, row["district"])].append(row)
        email = (row["email"] or "").lower()
        if "@" in email and email.split("@")[0]:
            buckets[(name, EMAIL_NAME, email.split("@")[0])].append(row)
    return [members for members in buckets.values() if len(members) > 1]


def _grouped(rows: Iterable[dict], key) -> list[list[dict]]:
    groups: dict[object, list[dict]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return [members for members in groups.values() if len(members) > 1]


# --- The stored pairs, for the list page ------------------------------------------------------

ALL_STORES = "all"


@dataclass
class DuplicateList:
    """What the list page shows: the pairs of the last scan of the user's scope, and that scan."""

    pairs: list[DuplicatePair]
    scan: DuplicateScan | None  # None: the user sees no customer; computed_at None: never run yet


def duplicate_scope(user) -> str | None:
    """Which customers ``user`` sees, as a key shared by every user who sees the same ones.

    "all" (admins, privacy officers), "stores:1,3" (supervisors and managers: their stores), or
    None (nobody). ``duplicate_scope_queryset`` turns it back into ``Customer.objects.visible_to``.
    """
    if Customer.objects.visible_to(user).query.is_empty():
        return None
    if roles.sees_all_stores(user):
        return ALL_STORES
    return "stores:" + ",".join(str(pk) for pk in sorted(set(roles.user_store_ids(user))))


def duplicate_scope_queryset(scope: str) -> QuerySet:
    """The customers of a scope: the same rows as ``visible_to`` for the users of that scope."""
    if scope == ALL_STORES:
        return Customer.objects.current()
    kind, _sep, ids = scope.partition(":")
    if kind != "stores" or not ids:
        raise ValueError(f"Not a duplicate scope: {scope!r}")
    return Customer.objects.current().filter(home_store_id__in=[int(pk) for pk in ids.split(",")])


def duplicate_list_for_user(*, user, limit: int = 100) -> DuplicateList:
    """The pairs of the last scan of ``user``'s scope, best first, as ``duplicate_candidates`` ranks them.

    Read at request time, so always current for permissions and decisions: both records must
    still be visible to the user (not merged, still at one of their stores), and pairs marked
    "not a duplicate" since the scan are left out. New pairs (new or edited records) appear
    with the next scan. Two queries (the scan, the pairs with their records, stores and account
    managers) after the roles, whatever the number of pairs: the pairs are an index walk of
    ``dup_candidate_order`` that stops at ``limit``.
    """
    scope = duplicate_scope(user)
    if scope is None:
        return DuplicateList(pairs=[], scan=None)
    scan = DuplicateScan.objects.filter(scope=scope).first()
    if scan is None or scan.computed_at is None:
        return DuplicateList(pairs=[], scan=scan)
    visible = Customer.objects.visible_to(user)
    dismissed = DuplicateDismissal.objects.filter(customer_a=OuterRef("customer_a"), customer_b=OuterRef("customer_b"))
    rows = (
        DuplicateCandidate.objects.filter(scan=scan)
        .filter(Exists(visible.filter(pk=OuterRef("customer_a"))), Exists(visible.filter(pk=OuterRef("customer_b"))))
        .exclude(Exists(dismissed))
        .select_related(
            "customer_a__home_store",
            "customer_a__account_manager",
            "customer_b__home_store",
            "customer_b__account_manager",
        )
        .order_by("-score", "customer_a_id", "customer_b_id")[:limit]
    )
    pairs = []
    for row in rows:
        signals = frozenset(row.signals.split(","))
        reasons = pair_reasons(signals)
        pair = DuplicatePair(a=row.customer_a, b=row.customer_b, signals=signals, reasons=reasons, score=row.score)
        pairs.append(pair)
    return DuplicateList(pairs=pairs, scan=scan)


# --- One pair, for the compare and merge pages --------------------------------------------------


def _count_of(model, path: str = "customer"):
    counted = model.objects.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def duplicate_pair_get_for_user(*, user, a: int, b: int) -> tuple[Customer, Customer]:
    """Two different customers, both visible to ``user``, in the order asked, with what they hold.

    Each carries ``purchase_count``, ``purchase_total`` (HKD), ``timepiece_count`` and
    ``interaction_count``. The same 404 for missing, merged, forbidden, or a == b. One query.
    """
    if a == b:
        raise Http404
    spent = (
        Purchase.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum("total"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    customers = (
        Customer.objects.visible_to(user)
        .select_related("home_store", "account_manager")
        .annotate(
            purchase_count=_count_of(Purchase),
            purchase_total=Coalesce(Subquery(spent, output_field=money), Value(Decimal("0")), output_field=money),
            timepiece_count=_count_of(OwnedTimepiece),
            interaction_count=_count_of(Interaction),
        )
        .in_bulk([a, b])
    )
    if len(customers) != 2:
        raise Http404
    return customers[a], customers[b]


def merged_redirect_target(*, user, pk) -> Customer | None:
    """Where an old link to a merged record should go: its survivor, if ``user`` may see it.

    ``None`` when ``pk`` is not a merged record (missing, or a current one) or when the
    survivor is not visible to the user. Merges re-point earlier tombstones to the new
    survivor, so one hop always reaches a current record. One query.
    """
    return (
        Customer.objects.visible_to(user)
        .filter(merged_from__pk=pk)
        .select_related("home_store", "account_manager")
        .order_by("pk")
        .first()
    )
