from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Relationship


class RelationshipForm(forms.Form):
    """Link the page's customer to another one. Shape only: the services check who may link whom.

    The other customer is picked from the search results (radio buttons named ``to_customer``),
    which the picker template draws; the field is not laid out by crispy.
    """

    to_customer = forms.IntegerField(
        label=_("Customer"),
        min_value=1,
        error_messages={"required": _("Search for the customer and pick one from the results.")},
    )
    kind = forms.ChoiceField(label=_("Type of link"), choices=Relationship.Kind.choices)
    role = forms.CharField(
        label=_("Role"),
        max_length=100,
        required=False,
        help_text=_("e.g. spouse, purchasing manager"),
    )
    since = forms.DateField(label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), max_length=255, required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            HTML('{% include "customers/relationships/customer_picker.html" %}'),
            Div(Div("kind", css_class="col-md-6"), Div("role", css_class="col-md-6"), css_class="row"),
            Div(Div("since", css_class="col-md-4"), Div("notes", css_class="col-md-8"), css_class="row"),
        )
        self.helper.add_input(Submit("save", _("Add link")))

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "to_customer_id": data["to_customer"],
            "kind": data["kind"],
            "role": data["role"],
            "since": data["since"],
            "notes": data["notes"],
        }
