"""Forms of the timepieces part: shape only, the services enforce the rules."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import selectors
from customers.models import Brand, MovementType, OwnedTimepiece, ServiceJob
from customers.services.timepieces import service_job_next_statuses

TIMEPIECE_FORM_FIELDS = (
    "brand",
    "model_name",
    "reference",
    "serial_number",
    "movement_type",
    "source",
    "status",
    "purchased_on",
    "warranty_expires_on",
    "last_serviced_on",
    "notes",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimepieceForm(forms.ModelForm):
    """A watch or clock entered or corrected by hand."""

    class Meta:
        model = OwnedTimepiece
        fields = TIMEPIECE_FORM_FIELDS
        widgets = {
            "purchased_on": DateInput(),
            "warranty_expires_on": DateInput(),
            "last_serviced_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = Brand.objects.order_by("name")
        self.fields["movement_type"].choices = [
            choice for choice in self.fields["movement_type"].choices if choice[0] != MovementType.NONE
        ]
        if not self.instance.pk:
            self.fields.pop("status")  # a new timepiece is owned
            self.initial.setdefault("source", OwnedTimepiece.Source.ELSEWHERE)
        self.fields["last_serviced_on"].help_text = _("Only for a service done elsewhere: ours are recorded as jobs.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Timepiece"),
                Div(
                    Div("brand", css_class="col-md-4"),
                    Div("model_name", css_class="col-md-4"),
                    Div("reference", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("serial_number", css_class="col-md-4"),
                    Div("movement_type", css_class="col-md-4"),
                    *([Div("status", css_class="col-md-4")] if "status" in self.fields else []),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("History"),
                Div(
                    Div("source", css_class="col-md-3"),
                    Div("purchased_on", css_class="col-md-3"),
                    Div("warranty_expires_on", css_class="col-md-3"),
                    Div("last_serviced_on", css_class="col-md-3"),
                    css_class="row",
                ),
                "notes",
            ),
        )
        self.helper.add_input(Submit("save", _("Save timepiece")))

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in TIMEPIECE_FORM_FIELDS if name in self.cleaned_data}


class ServiceJobForm(forms.Form):
    """Book a timepiece in for a service."""

    store = forms.ModelChoiceField(label=_("Store"), queryset=None)
    received_on = forms.DateField(label=_("Intake date"), widget=DateInput())
    promised_on = forms.DateField(label=_("Promised for"), widget=DateInput(), required=False)
    work_description = forms.CharField(
        label=_("Work"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("e.g. Full service, new gaskets, polish")}),
        required=False,
    )
    cost = forms.DecimalField(
        label=_("Estimated cost (HK$)"), min_value=0, max_digits=12, decimal_places=2, initial=0, required=False
    )

    def __init__(self, *args, user, timepiece: OwnedTimepiece, **kwargs):
        super().__init__(*args, **kwargs)
        stores = selectors.stores_for_user(user=user)
        self.fields["store"].queryset = stores
        home_store_id = timepiece.customer.home_store_id
        if stores.filter(pk=home_store_id).exists():
            self.initial.setdefault("store", home_store_id)
        self.initial.setdefault("received_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("store", css_class="col-md-4"),
                Div("received_on", css_class="col-md-4"),
                Div("promised_on", css_class="col-md-4"),
                css_class="row",
            ),
            "work_description",
            Div(Div("cost", css_class="col-md-6"), css_class="row"),
        )
        self.helper.add_input(Submit("book", _("Book in for service")))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["cost"] = data.get("cost") or 0
        return data


class ServiceJobStatusForm(forms.Form):
    """Move a service job to its next status (a small inline form, htmx-friendly)."""

    status = forms.ChoiceField(label=_("New status"))
    returned_on = forms.DateField(label=_("Returned on"), widget=DateInput(), required=False)
    cost = forms.DecimalField(label=_("Final cost (HK$)"), min_value=0, max_digits=12, decimal_places=2, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, job: ServiceJob, **kwargs):
        kwargs["prefix"] = f"job{job.pk}"  # several jobs' forms on one page
        super().__init__(*args, **kwargs)
        self.job = job
        labels = dict(ServiceJob.Status.choices)
        self.fields["status"].choices = [
            (status, labels[status]) for status in service_job_next_statuses(status=job.status)
        ]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if name == "status" else "form-control form-control-sm"
            )
        self.fields["note"].widget.attrs["placeholder"] = _("Note (optional)")

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "returned_on": data.get("returned_on") if data["status"] == ServiceJob.Status.RETURNED else None,
            "cost": data.get("cost"),
            "note": data.get("note", ""),
        }
