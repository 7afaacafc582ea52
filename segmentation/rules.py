"""Screening rules: the catalogue of fields and operators, the validator and the compiler to one queryset.

A rule is a tree of JSON::

    {"all": [                                   # or "any"
        {"field": "spend_12m", "op": "gte", "value": 100000},
        {"any": [
            {"field": "brands", "op": "contains", "value": 3},
            {"field": "district", "op": "in", "value": ["wan_chai", "central_western"]},
        ]},
    ]}

Only catalogued fields and their operators are accepted; values are coerced to the field's type.
``rule_validate`` returns the normalised tree or raises ValidationError with every problem, in words an
admin can act on. ``criterion_queryset`` compiles a rule into ONE queryset of Customer (Q objects over
the customer, its metrics row, its tier and RFM rows, and an EXISTS for brands): values always travel as
query parameters, never as SQL text.

Semantics (the property tests hold the SQL to them): a comparison with an empty value (a customer who
never bought has no "days since last purchase") is false; ``ne``/``not_in``/``not_contains`` are the
negation of ``eq``/``in``/``contains``, so they include empty values; ``between`` is inclusive;
``{"all": []}`` matches everybody, ``{"any": []}`` nobody.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer, District, PurchaseLine

MAX_DEPTH = 4  # groups inside groups
MAX_CONDITIONS = 40
MAX_LIST_VALUES = 200
MAX_JSON_CHARS = 20_000
MAX_MONEY = Decimal("1000000000000")
MAX_INTEGER = 10**9

# Value kinds
MONEY, INTEGER, DATE, CHOICE, STORE, BRAND, TIER, RFM = (
    "money",
    "integer",
    "date",
    "choice",
    "store",
    "brand",
    "tier",
    "rfm",
)

# The standard RFM segments (codes are stable; names are seeded into RfmSegment and editable there).
RFM_SEGMENTS = (
    ("champions", gettext_lazy("Champions")),
    ("loyal", gettext_lazy("Loyal")),
    ("potential_loyalist", gettext_lazy("Potential Loyalist")),
    ("new", gettext_lazy("New")),
    ("promising", gettext_lazy("Promising")),
    ("need_attention", gettext_lazy("Need Attention")),
    ("about_to_sleep", gettext_lazy("About to Sleep")),
    ("at_risk", gettext_lazy("At Risk")),
    ("cannot_lose_them", gettext_lazy("Cannot Lose Them")),
    ("hibernating", gettext_lazy("Hibernating")),
    ("lost", gettext_lazy("Lost")),
)


@dataclass(frozen=True)
class Operator:
    code: str
    label: str
    arity: str  # "one", "two" (between), "many" (in lists), "none" (is_empty)


OPERATORS = {
    op.code: op
    for op in (
        Operator("eq", gettext_lazy("is"), "one"),
        Operator("ne", gettext_lazy("is not"), "one"),
        Operator("gt", gettext_lazy("more than"), "one"),
        Operator("gte", gettext_lazy("at least"), "one"),
        Operator("lt", gettext_lazy("less than"), "one"),
        Operator("lte", gettext_lazy("at most"), "one"),
        Operator("between", gettext_lazy("between"), "two"),
        Operator("in", gettext_lazy("is one of"), "many"),
        Operator("not_in", gettext_lazy("is none of"), "many"),
        Operator("contains", gettext_lazy("includes"), "one"),
        Operator("contains_any", gettext_lazy("includes any of"), "many"),
        Operator("not_contains", gettext_lazy("does not include"), "one"),
        Operator("is_empty", gettext_lazy("is empty"), "none"),
        Operator("is_not_empty", gettext_lazy("is not empty"), "none"),
    )
}

_ORDERED = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
_SET = ("eq", "ne", "in", "not_in")
OPERATORS_BY_KIND = {
    MONEY: _ORDERED,
    INTEGER: _ORDERED,
    DATE: _ORDERED,
    CHOICE: _SET,
    STORE: _SET,
    BRAND: ("contains", "contains_any", "not_contains", "is_empty", "is_not_empty"),
    TIER: (*_SET, "is_empty", "is_not_empty"),
    RFM: (*_SET, "is_empty", "is_not_empty"),
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    lookup: str  # ORM path from Customer
    group: str
    nullable: bool = False
    choices: tuple = ()  # for CHOICE: ((value, label), ...)

    @property
    def operators(self) -> tuple[str, ...]:
        ops = OPERATORS_BY_KIND[self.kind]
        if self.nullable and "is_empty" not in ops:
            ops = (*ops, "is_empty", "is_not_empty")
        return ops


_METRICS = gettext_lazy("Purchases and ownership")
_CUSTOMER = gettext_lazy("Customer")
_CLASSIFICATION = gettext_lazy("Classification")

FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("spend_12m", gettext_lazy("Spend, last 12 months (HKD)"), MONEY, "metrics__spend_12m", _METRICS),
        Field("spend_90d", gettext_lazy("Spend, last 90 days (HKD)"), MONEY, "metrics__spend_90d", _METRICS),
        Field("spend_lifetime", gettext_lazy("Lifetime spend (HKD)"), MONEY, "metrics__spend_lifetime", _METRICS),
        Field("purchases_12m", gettext_lazy("Purchases, last 12 months"), INTEGER, "metrics__purchases_12m", _METRICS),
        Field("purchases_90d", gettext_lazy("Purchases, last 90 days"), INTEGER, "metrics__purchases_90d", _METRICS),
        Field(
            "purchases_lifetime", gettext_lazy("Lifetime purchases"), INTEGER, "metrics__purchases_lifetime", _METRICS
        ),
        Field(
            "average_order_value",
            gettext_lazy("Average order value (HKD)"),
            MONEY,
            "metrics__average_order_value",
            _METRICS,
            nullable=True,
        ),
        Field(
            "days_since_last_purchase",
            gettext_lazy("Days since last purchase"),
            INTEGER,
            "metrics__days_since_last_purchase",
            _METRICS,
            nullable=True,
        ),
        Field(
            "days_since_first_purchase",
            gettext_lazy("Days since first purchase"),
            INTEGER,
            "metrics__days_since_first_purchase",
            _METRICS,
            nullable=True,
        ),
        Field(
            "last_purchase_on",
            gettext_lazy("Last purchase date"),
            DATE,
            "metrics__last_purchase_on",
            _METRICS,
            nullable=True,
        ),
        Field("timepieces_owned", gettext_lazy("Timepieces owned"), INTEGER, "metrics__timepieces_owned", _METRICS),
        Field(
            "timepieces_value",
            gettext_lazy("Timepieces' list value (HKD)"),
            MONEY,
            "metrics__timepieces_value",
            _METRICS,
        ),
        Field("brands_bought", gettext_lazy("Number of brands bought"), INTEGER, "metrics__brands_bought", _METRICS),
        Field("brands", gettext_lazy("Brands bought"), BRAND, "pk", _METRICS),
        Field(
            "next_service_due",
            gettext_lazy("Next service due"),
            DATE,
            "metrics__next_service_due_on",
            _METRICS,
            nullable=True,
        ),
        Field("open_complaints", gettext_lazy("Open complaints"), INTEGER, "metrics__open_complaints", _METRICS),
        Field("kind", gettext_lazy("Type"), CHOICE, "kind", _CUSTOMER, choices=tuple(Customer.Kind.choices)),
        Field("home_store", gettext_lazy("Home store"), STORE, "home_store_id", _CUSTOMER),
        Field("district", gettext_lazy("District"), CHOICE, "district", _CUSTOMER, choices=tuple(District.choices)),
        Field(
            "acquisition_source",
            gettext_lazy("Acquisition source"),
            CHOICE,
            "acquisition_source",
            _CUSTOMER,
            choices=tuple(Customer.Source.choices),
        ),
        Field(
            "preferred_language",
            gettext_lazy("Preferred language"),
            CHOICE,
            "preferred_language",
            _CUSTOMER,
            choices=tuple(Customer.Language.choices),
        ),
        Field(
            "preferred_channel",
            gettext_lazy("Preferred contact channel"),
            CHOICE,
            "preferred_channel",
            _CUSTOMER,
            choices=tuple(Customer.Channel.choices),
        ),
        Field("created_at", gettext_lazy("Customer since"), DATE, "created_at__date", _CUSTOMER),
        Field("tier", gettext_lazy("Tier"), TIER, "tier_holding__tier_id", _CLASSIFICATION),
        Field("rfm_segment", gettext_lazy("RFM segment"), RFM, "rfm__segment__code", _CLASSIFICATION),
    )
}


class _Errors:
    def __init__(self):
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)


def _where(path: tuple[int, ...]) -> str:
    """A human address of a node: "Condition 2 of group 1" style, from 1-based positions."""
    if not path:
        return _("Rule")
    return _("Item %(path)s") % {"path": ".".join(str(i + 1) for i in path)}


# ------------------------------------------------------------------------------------------ validation


def rule_validate(rule) -> dict:
    """The normalised rule (values coerced to their types), or ValidationError listing every problem."""
    if isinstance(rule, str):
        try:
            rule = json.loads(rule)
        except ValueError as exc:
            raise ValidationError(_("The rule is not valid JSON.")) from exc
    try:
        size = len(json.dumps(rule, default=str))
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("The rule is not valid JSON.")) from exc
    if size > MAX_JSON_CHARS:
        raise ValidationError(
            _("The rule is too large (%(size)s characters; at most %(max)s).") % {"size": size, "max": MAX_JSON_CHARS}
        )
    errors = _Errors()
    counter = [0]
    normalised = _validate_group(rule, (), 0, errors, counter)
    if counter[0] > MAX_CONDITIONS:
        errors.add(
            "",
            _("The rule has %(count)s conditions; at most %(max)s are allowed.")
            % {"count": counter[0], "max": MAX_CONDITIONS},
        )
    if errors.messages:
        raise ValidationError(errors.messages)
    return normalised


def _validate_group(node, path, depth, errors: _Errors, counter) -> dict | None:
    where = _where(path)
    if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in ("all", "any"):
        errors.add(where, _('a group must be {"all": [...]} or {"any": [...]}.'))
        return None
    if depth > MAX_DEPTH:
        errors.add(where, _("groups are nested too deeply (at most %(max)s levels).") % {"max": MAX_DEPTH})
        return None
    combinator, children = next(iter(node.items()))
    if not isinstance(children, list):
        errors.add(where, _("a group holds a list of conditions and groups."))
        return None
    out = []
    for index, child in enumerate(children):
        child_path = (*path, index)
        if isinstance(child, dict) and ("all" in child or "any" in child):
            out.append(_validate_group(child, child_path, depth + 1, errors, counter))
        else:
            counter[0] += 1
            if counter[0] > MAX_CONDITIONS:
                continue
            out.append(_validate_condition(child, child_path, errors))
    return {combinator: out}


def _validate_condition(node, path, errors: _Errors) -> dict | None:
    where = _where(path)
    if not isinstance(node, dict) or not {"field", "op"} <= set(node) or set(node) - {"field", "op", "value"}:
        errors.add(where, _("a condition is {field, op, value}."))
        return None
    field = FIELDS.get(node["field"]) if isinstance(node["field"], str) else None
    if field is None:
        errors.add(where, _("unknown field “%(field)s”.") % {"field": node["field"]})
        return None
    op_code = node["op"]
    if not isinstance(op_code, str) or op_code not in field.operators:
        allowed = ", ".join(field.operators)
        errors.add(
            where,
            _("operator “%(op)s” does not apply to %(field)s (use one of: %(allowed)s).")
            % {"op": op_code, "field": field.label, "allowed": allowed},
        )
        return None
    op = OPERATORS[op_code]
    value = node.get("value")
    try:
        value = _coerce_operand(field, op, value)
    except ValidationError as exc:
        errors.add(where, f"{field.label}: {' '.join(exc.messages)}")
        return None
    result = {"field": field.name, "op": op.code}
    if op.arity != "none":
        result["value"] = value
    return result


def _coerce_operand(field: Field, op: Operator, value):
    if op.arity == "none":
        return None
    if op.arity == "two":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValidationError(_("“between” needs two values, low and high."))
        low, high = (_coerce(field, v) for v in value)
        if _python_value(field, low) > _python_value(field, high):
            raise ValidationError(_("the low value is above the high value."))
        return [low, high]
    if op.arity == "many":
        if not isinstance(value, list | tuple) or not value:
            raise ValidationError(_("choose at least one value."))
        if len(value) > MAX_LIST_VALUES:
            raise ValidationError(_("at most %(max)s values.") % {"max": MAX_LIST_VALUES})
        coerced = []
        for v in value:
            c = _coerce(field, v)
            if c not in coerced:
                coerced.append(c)
        return coerced
    return _coerce(field, value)


def _coerce(field: Field, value):
    """One value in the field's type (JSON-friendly: money as a string, dates ISO)."""
    if value is None or value == "":
        raise ValidationError(_("enter a value."))
    if isinstance(value, bool):
        raise ValidationError(_("“%(value)s” is not a valid value.") % {"value": value})
    kind = field.kind
    if kind == MONEY:
        try:
            amount = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not an amount.") % {"value": value}) from None
        if not amount.is_finite() or abs(amount) >= MAX_MONEY:
            raise ValidationError(_("“%(value)s” is not an amount.") % {"value": value})
        return str(amount.quantize(Decimal("0.01")))
    if kind in (INTEGER, STORE, BRAND, TIER):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or abs(value) > MAX_INTEGER:
            raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value})
        if kind != INTEGER and value <= 0:
            raise ValidationError(_("“%(value)s” is not a valid choice.") % {"value": value})
        return value
    if kind == DATE:
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None
    if kind == CHOICE:
        if value not in {code for code, _label in field.choices}:
            raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": value})
        return value
    if kind == RFM:
        if value not in {code for code, _label in RFM_SEGMENTS}:
            raise ValidationError(_("“%(value)s” is not an RFM segment.") % {"value": value})
        return value
    raise ValidationError(_("unsupported field."))  # pragma: no cover - every kind is handled above


# ------------------------------------------------------------------------------------------ compiling


def _python_value(field: Field, value):
    if field.kind == MONEY:
        return Decimal(value)
    if field.kind == DATE:
        return datetime.date.fromisoformat(value)
    return value


def _brand_exists(brand_ids) -> Exists:
    return Exists(
        PurchaseLine.objects.filter(
            purchase__customer_id=OuterRef("pk"), quantity__gt=0, product__brand_id__in=list(brand_ids)
        )
    )


def _condition_q(node: dict) -> Q:
    field = FIELDS[node["field"]]
    op = node["op"]
    lookup = field.lookup
    if field.kind == BRAND:
        if op == "contains":
            return Q(_brand_exists([node["value"]]))
        if op == "contains_any":
            return Q(_brand_exists(node["value"]))
        if op == "not_contains":
            return ~Q(_brand_exists([node["value"]]))
        bought_any = Exists(PurchaseLine.objects.filter(purchase__customer_id=OuterRef("pk"), quantity__gt=0))
        return ~Q(bought_any) if op == "is_empty" else Q(bought_any)
    if op == "is_empty":
        return Q(**{f"{lookup}__isnull": True})
    if op == "is_not_empty":
        return Q(**{f"{lookup}__isnull": False})
    if op == "between":
        low, high = (_python_value(field, v) for v in node["value"])
        return Q(**{f"{lookup}__gte": low, f"{lookup}__lte": high})
    if op in ("in", "not_in"):
        q = Q(**{f"{lookup}__in": [_python_value(field, v) for v in node["value"]]})
        return q if op == "in" else ~q
    value = _python_value(field, node["value"])
    if op == "eq":
        return Q(**{lookup: value})
    if op == "ne":
        return ~Q(**{lookup: value})
    return Q(**{f"{lookup}__{op}": value})


def rule_to_q(rule: dict) -> Q:
    """The Q of an already validated rule (see rule_validate)."""
    ((combinator, children),) = rule.items()
    parts = [rule_to_q(child) if ("all" in child or "any" in child) else _condition_q(child) for child in children]
    if combinator == "all":
        if not parts:  # everybody: an explicit truth, since an empty Q() vanishes inside an OR
            return Q(pk__isnull=False)
        q = Q()
        for part in parts:
            q &= part
        return q
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def criterion_queryset(rule, *, base: QuerySet | None = None) -> QuerySet:
    """The current customers (of ``base``, default all) that the rule selects: one SQL query, distinct rows.

    Validates the rule first (ValidationError on a bad one).
    """
    rule = rule_validate(rule)
    base = Customer.objects.current() if base is None else base
    return base.filter(rule_to_q(rule))


def rule_conditions(rule: dict):
    """Every condition of a (validated) rule, depth first."""
    for child in next(iter(rule.values())):
        if "all" in child or "any" in child:
            yield from rule_conditions(child)
        else:
            yield child


def catalogue_for_json() -> dict:
    """The catalogue for documentation and the editor: fields with their kinds and operators."""
    return {
        name: {"label": str(f.label), "kind": f.kind, "group": str(f.group), "operators": list(f.operators)}
        for name, f in FIELDS.items()
    }
