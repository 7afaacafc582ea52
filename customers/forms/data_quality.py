"""Data quality forms: choosing which of two duplicate records survives a merge. Shape only."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class CustomerMergeForm(forms.Form):
    """Which record survives, and whether it takes the other's details where its own are blank.

    Posted twice: first to review the merge, then, with ``confirm`` set (every field hidden),
    to carry it out.
    """

    survivor = forms.TypedChoiceField(label=_("Keep this record"), coerce=int, widget=forms.RadioSelect)
    fill_blanks = forms.BooleanField(
        label=_("Fill the kept record's blank fields from the other record"),
        help_text=_("Name, phone, e-mail, address and birthday are copied only where the kept record has none."),
        required=False,
        initial=True,
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, a, b, confirming: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.a, self.b = a, b
        self.fields["survivor"].choices = [(c.pk, f"#{c.pk} {c.display_name}") for c in (a, b)]
        self.helper = FormHelper()
        self.helper.form_tag = False
        if confirming:
            for name in ("survivor", "fill_blanks"):
                self.fields[name].widget = forms.HiddenInput()
            self.initial["confirm"] = True
            self.helper.layout = Layout("survivor", "fill_blanks", "confirm")
            self.helper.add_input(Submit("merge", _("Merge the records"), css_class="btn-danger"))
        else:
            self.helper.layout = Layout("survivor", "fill_blanks", "confirm")
            self.helper.add_input(Submit("review", _("Review the merge")))

    def clean_survivor(self):
        survivor = self.cleaned_data["survivor"]
        if survivor not in (self.a.pk, self.b.pk):
            raise forms.ValidationError(_("Choose one of the two records."))
        return survivor

    @property
    def survivor_id(self) -> int:
        return self.cleaned_data["survivor"]

    @property
    def merged_id(self) -> int:
        return self.b.pk if self.survivor_id == self.a.pk else self.a.pk

    @property
    def survivor_record(self):
        return self.a if self.survivor_id == self.a.pk else self.b

    @property
    def merged_record(self):
        return self.b if self.survivor_id == self.a.pk else self.a
