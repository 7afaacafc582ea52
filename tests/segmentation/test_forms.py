"""The rule builder's form encoding: posted inputs → rule tree, and the add/remove actions."""

import copy

from django.http import QueryDict

from segmentation.forms import rule_edit, rule_from_data
from segmentation.rules import rule_validate


def _post(pairs) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


def test_inputs_become_a_nested_tree_in_order():
    data = _post(
        [
            ("g_n", "any"),
            ("f_n-1", "district"),
            ("o_n-1", "in"),
            ("v_n-1", "wan_chai"),
            ("v_n-1", "sha_tin"),
            ("f_n-0", "spend_12m"),
            ("o_n-0", "between"),
            ("v_n-0", "100"),
            ("w_n-0", "200"),
            ("g_n-2", "all"),
            ("f_n-2-0", "brands"),
            ("o_n-2-0", "is_empty"),
            ("f_n-2-1", "last_purchase_on"),
            ("o_n-2-1", "gte"),
            ("v_n-2-1", "2026-01-01"),
            ("csrfmiddlewaretoken", "x"),
            ("name", "ignored"),
            ("f_x-1", "spend_12m"),  # not a node
        ]
    )
    rule = rule_from_data(data)
    assert rule == {
        "any": [
            {"field": "spend_12m", "op": "between", "value": ["100", "200"]},
            {"field": "district", "op": "in", "value": ["wan_chai", "sha_tin"]},
            {
                "all": [
                    {"field": "brands", "op": "is_empty"},
                    {"field": "last_purchase_on", "op": "gte", "value": "2026-01-01"},
                ]
            },
        ]
    }
    assert rule_validate(rule)["any"][0]["value"] == ["100.00", "200.00"]


def test_a_field_change_starts_from_an_operator_of_the_new_field():
    rule = rule_from_data(_post([("g_n", "all"), ("f_n-0", "district"), ("o_n-0", "gte"), ("v_n-0", "5")]))
    assert rule == {"all": [{"field": "district", "op": "eq", "value": "5"}]}


def test_no_inputs_is_an_empty_all_group():
    assert rule_from_data(_post([])) == {"all": []}


def test_actions_add_and_remove_nodes():
    rule = {"all": [{"field": "spend_12m", "op": "gte", "value": "1"}]}
    rule = rule_edit(rule, action="add_group", target="n")
    rule = rule_edit(rule, action="add_condition", target="n-1")
    assert len(rule["all"]) == 2
    assert len(rule["all"][1]["any"]) == 2
    rule = rule_edit(rule, action="remove", target="n-0")
    assert list(rule["all"][0]) == ["any"]
    # the root is never removed; unknown targets and actions change nothing
    before = copy.deepcopy(rule)
    assert rule_edit(rule, action="remove", target="n") == before
    assert rule_edit(rule, action="add_condition", target="n-9") == before
    assert rule_edit(rule, action="drop_table", target="n") == before
