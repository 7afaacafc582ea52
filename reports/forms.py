from django import forms
from django.core.validators import MaxValueValidator, validate_email
from django.utils.translation import gettext_lazy as _

from reports.models import ReportDefinition
from reports.selectors import DEFAULT_PRESET, PRESETS


class PeriodForm(forms.Form):
    """The dashboard's period (a preset, or a start and an end) and, optionally, one of the user's stores."""

    period = forms.ChoiceField(label=_("Period"), choices=list(PRESETS.items()), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False, empty_label=_("All my stores"))

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["period"].initial = DEFAULT_PRESET
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("period", "store") else "form-control"

    def clean(self):
        data = super().clean()
        if bool(data.get("start")) != bool(data.get("end")):
            raise forms.ValidationError(_("Enter both dates of a custom period, or neither."))
        return data


class ReportDefinitionForm(forms.ModelForm):
    sections = forms.MultipleChoiceField(
        label=_("Sections"), choices=ReportDefinition.Section.choices, widget=forms.CheckboxSelectMultiple
    )
    stores = forms.ModelMultipleChoiceField(
        label=_("Stores"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every store you see."),
    )  # fmt: skip

    class Meta:
        model = ReportDefinition
        fields = ["name", "sections", "stores", "period", "recipients", "day_of_week", "day_of_month", "hour",
                  "minute", "is_active"]  # fmt: skip
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"].queryset = stores
        self.fields["hour"].validators.append(MaxValueValidator(23))
        self.fields["minute"].validators.append(MaxValueValidator(59))
        self.fields["recipients"].validators.append(_validate_emails)


def _validate_emails(value: str):
    for address in value.replace(",", "\n").splitlines():
        if address.strip():
            validate_email(address.strip())
