from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from customers.models import Interaction
from customers.selectors import interactions as selectors

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class InteractionForm(forms.Form):
    """Log an interaction, and optionally its follow-up task. Shape only: the services check the rules."""

    kind = forms.ChoiceField(label=_("Type"), choices=Interaction.Kind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("What was said or done")}),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Interaction.Outcome.choices, required=False)
    follow_up_title = forms.CharField(
        label=_("Follow-up"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Call back when the strap arrives")}),
    )
    follow_up_due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    follow_up_assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Account manager")
    )

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
        self.initial.setdefault("kind", Interaction.Kind.VISIT)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-sm-6"),
                Div("occurred_at", css_class="col-sm-6"),
                css_class="row g-2",
            ),
            "summary",
            Div(Div("outcome", css_class="col-sm-6"), css_class="row g-2"),
        )
        if user.has_perm("customers.add_followuptask"):
            self.fields["follow_up_assignee"].queryset = selectors.task_assignees_for_customer(
                customer=customer, user=user
            )
            self.fields["follow_up_due_on"].widget.attrs["min"] = timezone.localdate().isoformat()
            self.helper.layout.extend(
                [
                    HTML(
                        '<details class="mb-3"{% if form.follow_up_title.value or form.follow_up_due_on.value %}'
                        ' open{% endif %}><summary class="small mb-2">'
                        + escape(_("Add a follow-up task"))
                        + "</summary>"
                    ),
                    "follow_up_title",
                    Div(
                        Div("follow_up_due_on", css_class="col-sm-6"),
                        Div("follow_up_assignee", css_class="col-sm-6"),
                        css_class="row g-2",
                    ),
                    HTML("</details>"),
                ]
            )
        else:
            for name in ("follow_up_title", "follow_up_due_on", "follow_up_assignee"):
                del self.fields[name]
        self.helper.add_input(Submit("log", _("Log interaction")))

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.fields}


class TaskForm(forms.Form):
    """A follow-up task on a customer."""

    title = forms.CharField(label=_("What"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        required=False,
        empty_label=_("Account manager"),
        help_text=_("Left empty: the customer's account manager, or you."),
    )

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["assignee"].queryset = selectors.task_assignees_for_customer(customer=customer, user=user)
        self.fields["due_on"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            Div(Div("due_on", css_class="col-md-6"), Div("assignee", css_class="col-md-6"), css_class="row"),
        )
        self.helper.add_input(Submit("save", _("Add task")))

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}
