"""Forms of the segmentation pages, and the rule builder's form encoding.

The rule builder posts one input per part of the tree, named by the node's path ("n" is the root
group, "n-0" its first child, "n-0-2" the third child of that one):

    g_<path>  a group's combinator ("all" / "any")
    f_<path>  a condition's field, o_<path> its operator, v_<path> its value(s), w_<path> the high
              value of "between"

``rule_from_data`` turns that back into a rule tree (values still as typed); segmentation.rules
validates it. The htmx actions (add a condition or group, remove a node) edit the tree on the server.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Brand, Store
from segmentation.models import Criterion, RfmSegment, Segment, Tier
from segmentation.rules import BRAND, CHOICE, FIELDS, OPERATORS, RFM, STORE, TIER

ROOT = "n"
MAX_NODES = 120
DEFAULT_FIELD = "spend_12m"


class CriterionForm(forms.ModelForm):
    track_as_segment = forms.BooleanField(
        label=_("Track as a segment"),
        required=False,
        initial=True,
        help_text=_("Each run records who this criterion selects, with entry and exit history."),
    )

    class Meta:
        model = Criterion
        fields = ["name", "purpose", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            segment = Segment.objects.filter(criterion=self.instance).first()
            self.fields["track_as_segment"].initial = bool(segment and segment.is_active)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "purpose": data["purpose"],
            "description": data["description"],
            "is_active": data["is_active"],
            "track_as_segment": data["track_as_segment"],
        }


# ------------------------------------------------------------------------------------------ rule builder


def _parent(path: str) -> str:
    return path.rsplit("-", 1)[0]


def _index(path: str) -> int:
    try:
        return int(path.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def _valid_path(path: str) -> bool:
    parts = path.split("-")
    return parts[0] == ROOT and all(p.isdigit() and len(p) < 4 for p in parts[1:]) and len(parts) <= 8


def rule_from_data(data) -> dict:
    """The rule tree encoded in a builder form (a QueryDict); an empty all-group when there is none."""
    groups, conditions = {}, {}
    for key in list(data.keys())[: MAX_NODES * 5]:
        prefix, _sep, path = key.partition("_")
        if not _valid_path(path):
            continue
        if prefix == "g":
            groups[path] = data.get(key) if data.get(key) in ("all", "any") else "all"
        elif prefix == "f":
            conditions[path] = _condition_from_data(data, path)
    groups.setdefault(ROOT, "all")

    def build(path):
        kids = sorted((p for p in (*groups, *conditions) if p != ROOT and _parent(p) == path), key=_index)
        return {groups[path]: [build(k) if k in groups else conditions[k] for k in kids]}

    return build(ROOT)


def _condition_from_data(data, path: str) -> dict:
    field = FIELDS.get(data.get(f"f_{path}"))
    name = field.name if field else data.get(f"f_{path}", "")
    op_code = data.get(f"o_{path}", "")
    if field and op_code not in field.operators:
        op_code = field.operators[0]  # the field changed: start from its first operator
    node = {"field": name, "op": op_code}
    op = OPERATORS.get(op_code)
    if op is None or op.arity == "none":
        return node
    if op.arity == "many":
        node["value"] = [v for v in data.getlist(f"v_{path}") if v != ""]
    elif op.arity == "two":
        node["value"] = [data.get(f"v_{path}", ""), data.get(f"w_{path}", "")]
    else:
        values = data.getlist(f"v_{path}")
        node["value"] = values[0] if values else ""
    return node


def _node_at(rule: dict, path: str):
    node = rule
    for part in path.split("-")[1:]:
        children = next(iter(node.values()))
        node = children[int(part)]
    return node


def rule_edit(rule: dict, *, action: str, target: str) -> dict:
    """Apply a builder action to the tree: add_condition / add_group to a group, remove a node."""
    try:
        node = _node_at(rule, target)
    except (IndexError, ValueError, StopIteration, AttributeError):
        return rule
    is_group = "all" in node or "any" in node
    new_condition = {"field": DEFAULT_FIELD, "op": "gte", "value": ""}
    if action == "add_condition" and is_group:
        next(iter(node.values())).append(new_condition)
    elif action == "add_group" and is_group:
        next(iter(node.values())).append({"any": [new_condition]})
    elif action == "remove" and target != ROOT:
        parent = _node_at(rule, _parent(target))
        del next(iter(parent.values()))[_index(target)]
    return rule


def builder_options() -> dict:
    """The choices a value can take, per field kind that has choices (four small queries)."""
    return {
        STORE: [(s.pk, s.name) for s in Store.objects.order_by("name")],
        BRAND: [(b.pk, b.name) for b in Brand.objects.order_by("name")],
        TIER: [(t.pk, t.name) for t in Tier.objects.order_by("rank")],
        RFM: [(s.code, s.name) for s in RfmSegment.objects.order_by("order")],
    }


def builder_tree(rule: dict, options: dict) -> dict:
    """The tree as the builder template draws it: paths, numbers, field and operator menus."""
    field_groups = {}
    for f in FIELDS.values():
        field_groups.setdefault(str(f.group), []).append((f.name, f.label))

    def node_view(node, path, number):
        if isinstance(node, dict) and ("all" in node or "any" in node):
            combinator, children = next(iter(node.items()))
            return {
                "is_group": True,
                "path": path,
                "number": number,
                "combinator": combinator,
                "children": [
                    node_view(child, f"{path}-{i}", f"{number}.{i + 1}" if number else str(i + 1))
                    for i, child in enumerate(children)
                ],
            }
        field = FIELDS.get(node.get("field"))
        op = OPERATORS.get(node.get("op"))
        value = node.get("value")
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        choices = []
        if field and field.kind == CHOICE:
            choices = list(field.choices)
        elif field and field.kind in options:
            choices = options[field.kind]
        return {
            "is_group": False,
            "path": path,
            "number": number,
            "field": field.name if field else node.get("field"),
            "kind": field.kind if field else "",
            "op": op.code if op else node.get("op"),
            "arity": op.arity if op else "one",
            "operators": [(code, OPERATORS[code].label) for code in field.operators] if field else [],
            "value": values[0] if values else "",
            "high": values[1] if len(values) > 1 else "",
            "values": [str(v) for v in values],
            "choices": [(str(k), label) for k, label in choices],
        }

    return {"root": node_view(rule, ROOT, ""), "field_groups": field_groups}


# ------------------------------------------------------------------------------------------ customer list


def classification_filter_fields(form) -> None:
    """Add tier, segment and RFM filters to the customer list's filter form (composed by its view)."""
    form.fields["tier"] = forms.ChoiceField(
        label=_("Tier"),
        required=False,
        choices=[
            ("", _("All tiers")),
            ("none", _("No tier")),
            *((str(t.pk), t.name) for t in Tier.objects.order_by("rank")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    form.fields["segment"] = forms.ChoiceField(
        label=_("Segment"),
        required=False,
        choices=[
            ("", _("All segments")),
            *((str(s.pk), s.name) for s in Segment.objects.filter(is_active=True).order_by("name")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
