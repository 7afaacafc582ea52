from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import ELECTRONIC_CHANNELS, Campaign, CoFunding, Event, EventQuestion
from customers.models import Brand
from privacy.models.consent import Channel
from segmentation.models import Criterion, Segment


class CampaignForm(forms.ModelForm):
    scheduled_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty to send as soon as it is scheduled."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "segment",
            "criterion",
            "subject_class",
            "channel",
            "subject_en",
            "subject_zh",
            "body_en",
            "body_zh",
            "scheduled_at",
            "control_share",
            "attribution_days",
            "cost",
        ]
        help_texts = {
            "body_en": _(
                "{name} is replaced by the customer's name. The opt-out link is added to e-mail and text messages."
            ),
        }
        widgets = {"body_en": forms.Textarea(attrs={"rows": 4}), "body_zh": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(is_active=True).order_by("name")
        self.fields["criterion"].queryset = Criterion.objects.filter(is_active=True).order_by("name")

    def clean(self):
        data = super().clean()
        if bool(data.get("segment")) == bool(data.get("criterion")):
            raise forms.ValidationError(_("Choose either a segment or a screening criterion as the audience."))
        return data


class EventForm(forms.ModelForm):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    questions = forms.CharField(
        label=_("Feedback questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. End a line with '?' for a 1–5 score, with '...' for a free answer."),
    )

    class Meta:
        model = Event
        fields = [
            "name",
            "kind",
            "starts_at",
            "venue",
            "store",
            "capacity",
            "segment",
            "channel",
            "invitation_en",
            "invitation_zh",
            "cost",
        ]
        widgets = {
            "invitation_en": forms.Textarea(attrs={"rows": 3}),
            "invitation_zh": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, stores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.filter(is_active=True).order_by("name")
        if stores is not None:
            self.fields["store"].queryset = stores
        self.fields["channel"].choices = [(c.value, c.label) for c in Channel if c.value in ELECTRONIC_CHANNELS]

    def questions_list(self) -> list[tuple[str, str]]:
        result = []
        for line in self.cleaned_data.get("questions", "").splitlines():
            line = line.strip()
            if line:
                kind = EventQuestion.Kind.TEXT if line.endswith("...") else EventQuestion.Kind.SCORE
                result.append((line.rstrip(".").strip() if kind == EventQuestion.Kind.TEXT else line, kind))
        return result

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "questions"}
        return {**data, "questions": self.questions_list()}


class EventLeadForm(forms.Form):
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100, required=False)
    mobile_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    interest = forms.CharField(label=_("Interested in"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("name_en") or data.get("name_zh")):
            raise forms.ValidationError(_("Enter the lead's name."))
        return data


class CoFundingForm(forms.ModelForm):
    class Meta:
        model = CoFunding
        fields = ["brand", "share", "budget", "note"]


class SellOutForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=Brand.objects.order_by("name"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data
