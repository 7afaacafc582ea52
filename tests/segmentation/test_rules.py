"""The rule compiler: every operator and nesting, rejections, and SQL == plain Python on random data."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from segmentation import rules
from segmentation.models import CustomerMetrics, CustomerRfm, CustomerTier, RfmSegment
from segmentation.rules import FIELDS, OPERATORS, criterion_queryset, rule_validate
from tests.factories import (
    BrandFactory,
    CustomerFactory,
    ProductFactory,
    PurchaseFactory,
    PurchaseLineFactory,
    RunFactory,
    TierFactory,
)

D = datetime.date
AS_OF = D(2026, 6, 30)


def _metrics(customer, **figures):
    defaults = {"home_store": customer.home_store, "as_of": AS_OF, "refreshed_at": timezone.now()}
    return CustomerMetrics.objects.create(customer=customer, **{**defaults, **figures})


def _names(rule) -> list[str]:
    return sorted(criterion_queryset(rule).values_list("name_en", flat=True))


@pytest.fixture
def people(central, tst):
    """Four customers with known figures, brands, tier and RFM segment."""
    rolex, omega, tudor = (BrandFactory(name=n) for n in ("Rolex", "Omega", "Tudor"))
    gold = TierFactory(rank=1, name="Gold")
    run = RunFactory()
    ann = CustomerFactory(name_en="Ann", home_store=central, district="wan_chai", kind=Customer.Kind.PERSON)
    ben = CustomerFactory(name_en="Ben", home_store=central, district="central_western", preferred_language="zh-hant")
    cat = CustomerFactory(name_en="Cat", home_store=tst, district="sha_tin", acquisition_source="referral")
    dan = CustomerFactory(name_en="Dan", home_store=tst, district="", kind=Customer.Kind.COMPANY)
    _metrics(
        ann,
        spend_12m=Decimal("150000"),
        purchases_12m=3,
        days_since_last_purchase=10,
        timepieces_owned=2,
        last_purchase_on=D(2026, 6, 20),
        next_service_due_on=D(2026, 9, 1),
        spend_lifetime=Decimal("300000"),
    )
    _metrics(
        ben,
        spend_12m=Decimal("100000"),
        purchases_12m=1,
        days_since_last_purchase=200,
        last_purchase_on=D(2025, 12, 12),
        spend_lifetime=Decimal("100000"),
    )
    _metrics(
        cat,
        spend_12m=Decimal("99999.99"),
        purchases_12m=2,
        days_since_last_purchase=45,
        last_purchase_on=D(2026, 5, 16),
        timepieces_owned=1,
        spend_lifetime=Decimal("99999.99"),
    )
    _metrics(dan)  # never bought
    for customer, brand in ((ann, rolex), (ann, omega), (ben, omega), (cat, tudor)):
        PurchaseLineFactory(purchase=PurchaseFactory(customer=customer), product=ProductFactory(brand=brand))
    returned = PurchaseLineFactory(
        purchase=PurchaseFactory(customer=dan), product=ProductFactory(brand=rolex), quantity=-1
    )  # a return line: not a brand bought
    assert returned.quantity < 0
    CustomerTier.objects.create(customer=ann, tier=gold, since=timezone.now(), since_run=run)
    champions = RfmSegment.objects.get(code="champions")
    CustomerRfm.objects.create(
        customer=ann, recency_score=5, frequency_score=5, monetary_score=5, segment=champions, run=run
    )
    CustomerRfm.objects.create(
        customer=ben,
        recency_score=1,
        frequency_score=1,
        monetary_score=3,
        segment=RfmSegment.objects.get(code="hibernating"),
        run=run,
    )
    return {"rolex": rolex, "omega": omega, "tudor": tudor, "gold": gold, "central": central, "tst": tst}


def c(field, op, value=None):
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


OPERATOR_CASES = [
    # money
    (c("spend_12m", "eq", 100000), ["Ben"]),
    (c("spend_12m", "ne", "100000.00"), ["Ann", "Cat", "Dan"]),
    (c("spend_12m", "gt", 100000), ["Ann"]),
    (c("spend_12m", "gte", 100000), ["Ann", "Ben"]),
    (c("spend_12m", "lt", 100000), ["Cat", "Dan"]),
    (c("spend_12m", "lte", "99,999.99"), ["Cat", "Dan"]),
    (c("spend_12m", "between", [99999.99, 100000]), ["Ben", "Cat"]),
    # integers, with empty values
    (c("purchases_12m", "gte", 2), ["Ann", "Cat"]),
    (c("days_since_last_purchase", "lt", 50), ["Ann", "Cat"]),
    (c("days_since_last_purchase", "ne", 10), ["Ben", "Cat", "Dan"]),  # empty is "not 10"
    (c("days_since_last_purchase", "is_empty"), ["Dan"]),
    (c("days_since_last_purchase", "is_not_empty"), ["Ann", "Ben", "Cat"]),
    (c("timepieces_owned", "eq", 0), ["Ben", "Dan"]),
    # dates
    (c("last_purchase_on", "gte", "2026-05-16"), ["Ann", "Cat"]),
    (c("last_purchase_on", "between", ["2025-12-12", "2026-05-16"]), ["Ben", "Cat"]),
    (c("next_service_due", "lte", "2026-12-31"), ["Ann"]),
    (c("next_service_due", "is_empty"), ["Ben", "Cat", "Dan"]),
    # brands (lists)
    (c("brands", "contains", "ROLEX"), ["Ann"]),
    (c("brands", "contains_any", ["OMEGA", "TUDOR"]), ["Ann", "Ben", "Cat"]),
    (c("brands", "not_contains", "OMEGA"), ["Cat", "Dan"]),
    (c("brands", "is_empty"), ["Dan"]),
    (c("brands", "is_not_empty"), ["Ann", "Ben", "Cat"]),
    # customer attributes
    (c("kind", "eq", "company"), ["Dan"]),
    (c("district", "in", ["wan_chai", "sha_tin"]), ["Ann", "Cat"]),
    (c("district", "not_in", ["wan_chai"]), ["Ben", "Cat", "Dan"]),
    (c("home_store", "eq", "CENTRAL"), ["Ann", "Ben"]),
    (c("home_store", "ne", "CENTRAL"), ["Cat", "Dan"]),
    (c("acquisition_source", "eq", "referral"), ["Cat"]),
    (c("preferred_language", "eq", "zh-hant"), ["Ben"]),
    (c("created_at", "lte", "2000-01-01"), []),
    # classification
    (c("tier", "eq", "GOLD"), ["Ann"]),
    (c("tier", "is_empty"), ["Ben", "Cat", "Dan"]),
    (c("tier", "ne", "GOLD"), ["Ben", "Cat", "Dan"]),
    (c("rfm_segment", "in", ["champions", "hibernating"]), ["Ann", "Ben"]),
    (c("rfm_segment", "ne", "champions"), ["Ben", "Cat", "Dan"]),
    (c("rfm_segment", "is_empty"), ["Cat", "Dan"]),
]


def _resolve(node, people):
    """Put real ids in place of the placeholders ("ROLEX", "CENTRAL", "GOLD")."""
    ids = {
        "ROLEX": people["rolex"].pk,
        "OMEGA": people["omega"].pk,
        "TUDOR": people["tudor"].pk,
        "CENTRAL": people["central"].pk,
        "GOLD": people["gold"].pk,
    }
    value = node.get("value")
    if isinstance(value, list):
        node = {**node, "value": [ids.get(v, v) if isinstance(v, str) else v for v in value]}
    elif isinstance(value, str):
        node = {**node, "value": ids.get(value, value)}
    return node


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("condition", "expected"), OPERATOR_CASES, ids=[f"{n['field']}-{n['op']}" for n, _ in OPERATOR_CASES]
)
def test_every_operator_selects_the_right_customers(people, condition, expected):
    # given / when / then
    assert _names({"all": [_resolve(condition, people)]}) == expected


def test_every_catalogued_operator_is_exercised():
    covered = {(FIELDS[n["field"]].kind, n["op"]) for n, _ in OPERATOR_CASES}
    wanted = {(f.kind, op) for f in FIELDS.values() for op in f.operators}
    assert {op for _kind, op in wanted} <= {op for _kind, op in covered}
    assert {op for _kind, op in wanted} == set(OPERATORS)


@pytest.mark.django_db
def test_nesting_all_any_and_empty_groups(people):
    # given (spent at least 100k in 12 months AND bought at least twice) OR (a company)
    rule = {
        "any": [
            {"all": [c("spend_12m", "gte", 100000), c("purchases_12m", "gte", 2)]},
            {"all": [c("kind", "eq", "company"), {"any": [c("district", "in", ["sha_tin"]), {"all": []}]}]},
        ]
    }
    # when / then
    assert _names(rule) == ["Ann", "Dan"]
    assert _names({"all": []}) == ["Ann", "Ben", "Cat", "Dan"]
    assert _names({"any": []}) == []
    assert _names({"all": [{"any": []}, c("kind", "eq", "person")]}) == []


@pytest.mark.django_db
def test_the_rule_compiles_to_one_query_with_its_values_as_parameters(people):
    # given a value that would be SQL if pasted into the text
    rule = {
        "all": [
            c("spend_12m", "gte", 1),
            c("brands", "contains", people["rolex"].pk),
            c("district", "in", ["wan_chai"]),
        ]
    }
    queryset = criterion_queryset(rule)
    sql, params = queryset.query.sql_with_params()
    # then
    assert "wan_chai" not in sql
    assert "wan_chai" in params
    with CaptureQueriesContext(connection) as queries:
        assert [x.name_en for x in queryset] == ["Ann"]
    assert len(queries) == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"all": [c("favourite_colour", "eq", "red")]}, "unknown field “favourite_colour”"),
        ({"all": [c("spend_12m", "contains", 1)]}, "operator “contains” does not apply"),
        ({"all": [c("spend_12m", "gte", "lots")]}, "“lots” is not an amount"),
        ({"all": [c("spend_12m", "gte", True)]}, "is not a valid value"),
        ({"all": [c("purchases_12m", "gte", 2.5)]}, "is not a whole number"),
        ({"all": [c("last_purchase_on", "gte", "yesterday")]}, "is not a date"),
        ({"all": [c("district", "eq", "mars")]}, "is not one of the choices"),
        ({"all": [c("rfm_segment", "eq", "whales")]}, "is not an RFM segment"),
        ({"all": [c("spend_12m", "between", [5, 1])]}, "the low value is above the high value"),
        ({"all": [c("spend_12m", "between", [5])]}, "needs two values"),
        ({"all": [c("district", "in", [])]}, "choose at least one value"),
        ({"all": [c("spend_12m", "gte")]}, "enter a value"),
        ({"all": [{"field": "spend_12m", "op": "gte", "value": 1, "sql": "DROP TABLE"}]}, "a condition is"),
        ({"all": [c("home_store", "eq", -3)]}, "is not a valid choice"),
        ({"both": []}, "a group must be"),
        ({"all": "spend_12m > 5"}, "a group holds a list"),
        ("{not json", "not valid JSON"),
        ([1, 2], "a group must be"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(rule, message):
    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)
    assert any(message in m for m in caught.value.messages), caught.value.messages


def test_several_problems_are_reported_together_with_their_place():
    rule = {"all": [c("spend_12m", "gte", 1), {"any": [c("nope", "eq", 1), c("kind", "eq", "robot")]}]}
    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)
    assert len(caught.value.messages) == 2
    assert caught.value.messages[0].startswith("Item 2.1:")
    assert caught.value.messages[1].startswith("Item 2.2:")


def test_oversized_and_too_deep_trees_are_refused():
    too_many = {"all": [c("purchases_12m", "gte", i) for i in range(rules.MAX_CONDITIONS + 1)]}
    with pytest.raises(ValidationError, match="at most 40 are allowed"):
        rule_validate(too_many)
    deep = c("purchases_12m", "gte", 1)
    for _level in range(rules.MAX_DEPTH + 2):
        deep = {"all": [deep]}
    with pytest.raises(ValidationError, match="nested too deeply"):
        rule_validate(deep)
    huge = {"all": [c("district", "in", ["wan_chai"] * (rules.MAX_LIST_VALUES + 1))]}
    with pytest.raises(ValidationError, match="at most 200 values"):
        rule_validate(huge)
    giant = {"all": [c("district", "in", ["x" * (rules.MAX_JSON_CHARS + 1)])]}
    with pytest.raises(ValidationError, match="too large"):
        rule_validate(giant)


def test_values_are_normalised():
    rule = rule_validate(
        {
            "any": [
                c("spend_12m", "gte", "1,000"),
                c("home_store", "in", ["3", 3, 4]),
                c("brands", "is_empty", None),
                c("created_at", "gte", "2026-01-05"),
            ]
        }
    )
    assert rule == {
        "any": [
            c("spend_12m", "gte", "1000.00"),
            c("home_store", "in", [3, 4]),
            {"field": "brands", "op": "is_empty"},
            c("created_at", "gte", "2026-01-05"),
        ]
    }


# ------------------------------------------------------------------------------ property: SQL == Python

MONEY_POOL = [Decimal("0"), Decimal("50000"), Decimal("100000"), Decimal("150000.50")]
INT_POOL = [0, 1, 2, 3]
DAYS_POOL = [None, 0, 30, 365]
DATE_POOL = [None, D(2025, 1, 1), D(2026, 1, 1), D(2026, 6, 30)]
# 23:30 Hong Kong time on 31 Dec 2025 is 15:30 UTC: the date that counts is Hong Kong's.
CREATED_POOL = [
    datetime.datetime(2025, 12, 31, 15, 30, tzinfo=datetime.UTC),
    datetime.datetime(2025, 12, 31, 16, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC),
]
DISTRICTS = ["wan_chai", "sha_tin", "central_western"]
RFM_CODES = ["champions", "lost", "at_risk"]

customer_strategy = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["person", "company"]),
        "district": st.sampled_from(DISTRICTS),
        "acquisition_source": st.sampled_from(["walk_in", "referral"]),
        "preferred_language": st.sampled_from(["en", "zh-hant"]),
        "store": st.integers(0, 1),
        "created_at": st.sampled_from(CREATED_POOL),
        "spend_12m": st.sampled_from(MONEY_POOL),
        "spend_lifetime": st.sampled_from(MONEY_POOL),
        "purchases_12m": st.sampled_from(INT_POOL),
        "days_since_last_purchase": st.sampled_from(DAYS_POOL),
        "last_purchase_on": st.sampled_from(DATE_POOL),
        "next_service_due_on": st.sampled_from(DATE_POOL),
        "timepieces_owned": st.sampled_from(INT_POOL),
        "brands": st.sets(st.integers(0, 2), max_size=3),
        "tier": st.sampled_from([None, 0, 1]),
        "rfm": st.sampled_from([None, *RFM_CODES]),
    }
)

FACT_OF_FIELD = {
    "spend_12m": "spend_12m",
    "spend_lifetime": "spend_lifetime",
    "purchases_12m": "purchases_12m",
    "days_since_last_purchase": "days_since_last_purchase",
    "last_purchase_on": "last_purchase_on",
    "next_service_due": "next_service_due_on",
    "timepieces_owned": "timepieces_owned",
    "kind": "kind",
    "district": "district",
    "acquisition_source": "acquisition_source",
    "preferred_language": "preferred_language",
    "home_store": "store",
    "created_at": "created_on",
    "brands": "brands",
    "tier": "tier",
    "rfm_segment": "rfm",
}
VALUES = {
    "spend_12m": st.sampled_from([str(v) for v in MONEY_POOL]),
    "spend_lifetime": st.sampled_from([str(v) for v in MONEY_POOL]),
    "purchases_12m": st.sampled_from(INT_POOL),
    "days_since_last_purchase": st.sampled_from([0, 30, 365]),
    "last_purchase_on": st.sampled_from(["2025-01-01", "2026-01-01", "2026-06-30"]),
    "next_service_due": st.sampled_from(["2025-01-01", "2026-01-01", "2026-06-30"]),
    "timepieces_owned": st.sampled_from(INT_POOL),
    "kind": st.sampled_from(["person", "company"]),
    "district": st.sampled_from(DISTRICTS),
    "acquisition_source": st.sampled_from(["walk_in", "referral"]),
    "preferred_language": st.sampled_from(["en", "zh-hant"]),
    "home_store": st.integers(0, 1),
    "created_at": st.sampled_from(["2025-12-31", "2026-01-01", "2026-03-01"]),
    "brands": st.integers(0, 2),
    "tier": st.integers(0, 1),
    "rfm_segment": st.sampled_from(RFM_CODES),
}


@st.composite
def conditions(draw):
    field = FIELDS[draw(st.sampled_from(sorted(FACT_OF_FIELD)))]
    op = OPERATORS[draw(st.sampled_from(field.operators))]
    values = VALUES[field.name]
    node = {"field": field.name, "op": op.code}
    if op.arity == "one":
        node["value"] = draw(values)
    elif op.arity == "many":
        node["value"] = draw(st.lists(values, min_size=1, max_size=3))
    elif op.arity == "two":
        low, high = sorted(draw(st.lists(values, min_size=2, max_size=2)), key=_sort_key(field))
        node["value"] = [low, high]
    return node


def _sort_key(field):
    return (lambda v: Decimal(v)) if field.kind == "money" else (lambda v: v)


rule_trees = st.recursive(
    conditions(),
    lambda children: st.builds(lambda k, xs: {k: xs}, st.sampled_from(["all", "any"]), st.lists(children, max_size=3)),
    max_leaves=8,
).map(lambda node: node if ("all" in node or "any" in node) else {"all": [node]})


def _python_value(field, value):
    if field.kind == "money":
        return Decimal(value)
    if field.kind == "date":
        return D.fromisoformat(value)
    return value


def evaluate(rule, facts) -> bool:
    """The plain-Python meaning of a rule for one customer's facts."""
    ((combinator, children),) = rule.items()
    results = (evaluate(ch, facts) if ("all" in ch or "any" in ch) else _condition(ch, facts) for ch in children)
    return all(results) if combinator == "all" else any(results)


def _condition(node, facts) -> bool:
    field = FIELDS[node["field"]]
    actual = facts[FACT_OF_FIELD[field.name]]
    op = node["op"]
    if field.kind == "brand":
        return {
            "contains": lambda: node["value"] in actual,
            "contains_any": lambda: bool(actual & set(node["value"])),
            "not_contains": lambda: node["value"] not in actual,
            "is_empty": lambda: not actual,
            "is_not_empty": lambda: bool(actual),
        }[op]()
    if op == "is_empty":
        return actual is None
    if op == "is_not_empty":
        return actual is not None
    if op in ("in", "not_in"):
        found = actual is not None and actual in [_python_value(field, v) for v in node["value"]]
        return found if op == "in" else not found
    if op == "between":
        low, high = (_python_value(field, v) for v in node["value"])
        return actual is not None and low <= actual <= high
    value = _python_value(field, node["value"])
    if op == "eq":
        return actual is not None and actual == value
    if op == "ne":
        return not (actual is not None and actual == value)
    if actual is None:
        return False
    return {"gt": actual > value, "gte": actual >= value, "lt": actual < value, "lte": actual <= value}[op]


@pytest.fixture
def pool(central, tst):
    brands = [BrandFactory(name=f"Property brand {i}") for i in range(3)]
    return {
        "stores": [central, tst],
        "products": [ProductFactory(brand=b) for b in brands],
        "tiers": [TierFactory(rank=1, name="P-Gold"), TierFactory(rank=2, name="P-Silver")],
        "run": RunFactory(),
        "rfm": {s.code: s for s in RfmSegment.objects.filter(code__in=RFM_CODES)},
    }


def _ids_in_rule(rule, pool):
    """Rules are drawn with indexes for stores, brands and tiers: make them the real ids."""
    if "all" in rule or "any" in rule:
        ((k, xs),) = rule.items()
        return {k: [_ids_in_rule(x, pool) for x in xs]}
    lookup = {
        "home_store": [s.pk for s in pool["stores"]],
        "brands": [p.brand_id for p in pool["products"]],
        "tier": [t.pk for t in pool["tiers"]],
    }.get(rule["field"])
    if lookup is None or "value" not in rule:
        return rule
    value = rule["value"]
    return {**rule, "value": [lookup[v] for v in value] if isinstance(value, list) else lookup[value]}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(customer_strategy, min_size=1, max_size=6), rule=rule_trees)
def test_sql_selects_exactly_what_plain_python_selects(pool, data, rule):
    with transaction.atomic():
        facts_by_pk = {}
        for i, d in enumerate(data):
            store = pool["stores"][d["store"]]
            customer = CustomerFactory(
                home_store=store,
                kind=d["kind"],
                district=d["district"],
                acquisition_source=d["acquisition_source"],
                preferred_language=d["preferred_language"],
                name_en=f"P{i}",
            )
            Customer.objects.filter(pk=customer.pk).update(created_at=d["created_at"])
            _metrics(
                customer,
                spend_12m=d["spend_12m"],
                spend_lifetime=d["spend_lifetime"],
                purchases_12m=d["purchases_12m"],
                days_since_last_purchase=d["days_since_last_purchase"],
                last_purchase_on=d["last_purchase_on"],
                next_service_due_on=d["next_service_due_on"],
                timepieces_owned=d["timepieces_owned"],
            )
            for b in d["brands"]:
                PurchaseLineFactory(purchase=PurchaseFactory(customer=customer), product=pool["products"][b])
            if d["tier"] is not None:
                CustomerTier.objects.create(
                    customer=customer, tier=pool["tiers"][d["tier"]], since=timezone.now(), since_run=pool["run"]
                )
            if d["rfm"] is not None:
                CustomerRfm.objects.create(
                    customer=customer,
                    recency_score=1,
                    frequency_score=1,
                    monetary_score=1,
                    segment=pool["rfm"][d["rfm"]],
                    run=pool["run"],
                )
            facts_by_pk[customer.pk] = {
                **d,
                "store": store.pk,
                "created_on": timezone.localtime(d["created_at"]).date(),
                "brands": {pool["products"][b].brand_id for b in d["brands"]},
                "tier": pool["tiers"][d["tier"]].pk if d["tier"] is not None else None,
            }
        real_rule = _ids_in_rule(rule, pool)
        expected = {pk for pk, facts in facts_by_pk.items() if evaluate(real_rule, facts)}
        # when
        selected = set(criterion_queryset(real_rule).values_list("pk", flat=True))
        transaction.set_rollback(True)
    # then
    assert selected == expected, real_rule
