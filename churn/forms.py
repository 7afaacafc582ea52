from django import forms
from django.utils.translation import gettext_lazy as _

from churn.models import Band, ChurnReason, Playbook, RemedyAction, ScoreDisagreement
from churn.selectors import AT_RISK_BANDS
from churn.services.playbooks import PLAYBOOK_FIELDS
from segmentation import selectors as segmentation_selectors


class ScoreDisagreementForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Whose view"), choices=ScoreDisagreement.Source.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Why the score is wrong"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("E.g. “Buys every two years, around Chinese New Year; said so on the phone.”"),
    )


class ChurnReasonForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why the customer left"), choices=ChurnReason.Reason.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)


class AtRiskFilterForm(forms.Form):
    band = forms.ChoiceField(
        label=_("Band"),
        required=False,
        choices=[("", _("Watch, high risk and lost")), *[(b, Band(b).label) for b in AT_RISK_BANDS]],
    )
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False, empty_label=_("All my stores"))

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class WastageFilterForm(forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False, empty_label=_("All my stores"))
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=None, required=False, empty_label=_("Everyone")
    )
    since = forms.DateField(
        label=_("Last purchase from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("Any reason")), *ChurnReason.Reason.choices]
    )
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=None, required=False, empty_label=_("Any tier"))

    def __init__(self, *args, stores, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores
        self.fields["account_manager"].queryset = managers
        self.fields["tier"].queryset = segmentation_selectors.tier_list()
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name in {"since", "until"} else "form-select"


class PlaybookForm(forms.ModelForm):
    class Meta:
        model = Playbook
        fields = list(PLAYBOOK_FIELDS)  # what the playbook services accept

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = segmentation_selectors.tier_list()
        self.fields["segment"].queryset = segmentation_selectors.segment_list()


class RemedyOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=[(v, label) for v, label in RemedyAction.Outcome.choices if v != RemedyAction.Outcome.OPEN],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)


class MyRemediesFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"), required=False, choices=[("open", _("To do")), ("all", _("All, with outcomes"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show"].widget.attrs["class"] = "form-select"


def band_filter_field(form) -> None:
    """Add the churn risk band filter to the customer list's filter form (composed by its view)."""
    form.fields["risk"] = forms.ChoiceField(
        label=_("Churn risk"),
        required=False,
        choices=[("", _("All risk bands")), *Band.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
