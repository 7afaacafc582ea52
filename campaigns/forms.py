from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
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
