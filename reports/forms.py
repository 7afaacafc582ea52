from django import forms
from django.utils.translation import gettext_lazy as _

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
