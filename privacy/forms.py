from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.models import Channel, DataKind, IdentityDocument, Notice, Purpose, SubjectClass
from privacy.models.consent import GRANT_METHODS, Method

CHECKBOXES = forms.CheckboxSelectMultiple


class ConsentRecordForm(forms.Form):
    """What the customer agreed to. Every box starts unticked: silence is never consent."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.DIRECT_MARKETING)
    subject_classes = forms.MultipleChoiceField(
        label=_("About"), choices=SubjectClass.choices, widget=CHECKBOXES, required=True
    )
    channels = forms.MultipleChoiceField(label=_("Through"), choices=Channel.choices, widget=CHECKBOXES, required=True)
    include_purchases = forms.BooleanField(label=_("May use purchase history to choose offers"), required=False)
    method = forms.ChoiceField(
        label=_("How the customer agreed"), choices=[(m, Method(m).label) for m in GRANT_METHODS]
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    transferee_class = forms.CharField(
        label=_("Third parties (provision only)"), required=False, help_text=_("e.g. Watch brands we sell")
    )
    for_gain = forms.BooleanField(label=_("Provided for gain"), required=False)
    evidence = forms.FileField(label=_("Evidence (signed form scan)"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    overrides_suppression = forms.BooleanField(
        label=_("The customer asked in writing to receive marketing again after opting out"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class ConsentWithdrawForm(forms.Form):
    subject_classes = forms.MultipleChoiceField(
        label=_("About (none ticked: all)"), choices=SubjectClass.choices, widget=CHECKBOXES, required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Through (none ticked: all)"), choices=Channel.choices, widget=CHECKBOXES, required=False
    )
    opt_out_everything = forms.BooleanField(
        label=_("Opt out of all direct marketing and provision to others, and suppress the phone and e-mail"),
        required=False,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class OptOutPublicForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone number"), required=False, max_length=30)
    email = forms.EmailField(label=_("E-mail address"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(_("Enter your phone number or your e-mail address."))
        return data


class ContactListForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.DIRECT_MARKETING)
    subject_class = forms.ChoiceField(label=_("About"), choices=SubjectClass.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)


class NoticeForm(forms.ModelForm):
    data_kinds = forms.MultipleChoiceField(
        label=_("Kinds of personal data (direct marketing)"),
        choices=DataKind.choices,
        widget=CHECKBOXES,
        required=False,
    )
    subject_classes = forms.MultipleChoiceField(
        label=_("Classes of marketing subjects"), choices=SubjectClass.choices, widget=CHECKBOXES, required=False
    )

    class Meta:
        model = Notice
        fields = [
            "kind",
            "title_en",
            "title_zh",
            "body_en",
            "body_zh",
            "data_kinds",
            "subject_classes",
            "transferee_classes",
            "for_gain",
            "response_channel",
            "material_change",
        ]


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("access", _("Data access request")), ("correction", _("Data correction request"))]
    )
    customer = forms.IntegerField(label=_("Customer record number"), required=False, min_value=1)
    requestor = forms.CharField(label=_("Requestor (as on the request)"), max_length=200)
    received_at = forms.DateTimeField(
        label=_("Received (by any branch)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    details = forms.CharField(label=_("What is asked"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class AccessLogSearchForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer record number"), required=False, min_value=1)
    user = forms.CharField(label=_("Staff username"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any"))])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from privacy.models import AccessLog

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any")), *AccessLog.Action.choices]


class RetentionRuleForm(forms.Form):
    period_months = forms.IntegerField(label=_("Kept for (months)"), min_value=1)
    action = forms.ChoiceField(label=_("Then"), choices=[("anonymise", _("Anonymise")), ("delete", _("Delete"))])
    legal_basis = forms.CharField(label=_("Why this period"), required=False, max_length=255)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class LegalHoldForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer record number"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=255)
    until = forms.DateTimeField(
        label=_("Until (empty: until released)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BreachForm(forms.ModelForm):
    class Meta:
        from privacy.models import Breach

        model = Breach
        fields = [
            "title",
            "detected_at",
            "contained_at",
            "data_kinds",
            "people_affected",
            "risk",
            "risk_assessment",
            "pcpd_notified_at",
            "people_notified_at",
            "decision",
        ]
        widgets = {
            "detected_at": DATETIME,
            "contained_at": DATETIME,
            "pcpd_notified_at": DATETIME,
            "people_notified_at": DATETIME,
        }


class ProcessorForm(forms.ModelForm):
    class Meta:
        from privacy.models import Processor

        model = Processor
        fields = [
            "name",
            "service",
            "location",
            "contract_signed_at",
            "clause_retention",
            "clause_security",
            "clause_breach_notice",
            "clause_return_delete",
            "transfer_mechanism",
            "active",
        ]
        widgets = {"contract_signed_at": forms.DateInput(attrs={"type": "date"})}


class IdentityDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=IdentityDocument.Kind.choices)
    number = forms.CharField(
        label=_("Number"),
        max_length=40,
        help_text=_("HKID as on the card, e.g. A123456(3). It is encrypted and shown masked from then on."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purpose = forms.CharField(
        label=_("Why it is needed"),
        max_length=255,
        help_text=_("Collect it only where the PCPD's Code of Practice allows (e.g. a watch lent against a deposit)."),
    )


class IdentityDocumentRevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=255, help_text=_("Kept in the access log with your name and the time.")
    )
