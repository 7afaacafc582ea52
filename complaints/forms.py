"""Forms validate shape; the services validate the rules. Workflow forms carry the version the user saw."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, RootCause, Severity
from customers.models import OwnedTimepiece, Product, Store


class VersionedForm(forms.Form):
    """The complaint's version when the page was drawn: a change in between is a conflict."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RequiredNoteForm(VersionedForm):
    note = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _active_categories():
    return Category.objects.filter(is_active=True)


class ComplaintCreateForm(forms.Form):
    """Staff intake for one customer."""

    channel = forms.ChoiceField(label=_("Received by"), choices=Complaint.Channel.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=_active_categories())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.none())
    timepiece = forms.ModelChoiceField(
        label=_("Timepiece concerned"), queryset=OwnedTimepiece.objects.none(), required=False
    )
    product = forms.ModelChoiceField(
        label=_("Product concerned"),
        queryset=Product.objects.filter(is_active=True).select_related("brand"),
        required=False,
        help_text=_("When it is not one of the customer's own timepieces (e.g. a strap, or a watch on order)."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.of_user(user).filter(is_active=True)
        self.fields["store"].initial = customer.home_store_id
        self.fields["timepiece"].queryset = OwnedTimepiece.objects.filter(customer=customer).select_related("brand")


class ClassifyForm(VersionedForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=_active_categories())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    timepiece = forms.ModelChoiceField(
        label=_("Timepiece concerned"), queryset=OwnedTimepiece.objects.none(), required=False
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        if complaint.customer_id:
            self.fields["timepiece"].queryset = OwnedTimepiece.objects.filter(
                customer_id=complaint.customer_id
            ).select_related("brand")
        else:
            del self.fields["timepiece"]


class ResolveForm(VersionedForm):
    root_cause = forms.ModelChoiceField(label=_("Root cause"), queryset=RootCause.objects.filter(is_active=True))
    corrective_action = forms.CharField(
        label=_("Corrective action"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changes so that this does not happen again."),
    )
    resolution_summary = forms.CharField(
        label=_("Resolution summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What we did for the customer, as we tell them."),
    )
    goodwill_amount = forms.DecimalField(
        label=_("Goodwill or compensation (HKD)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        required=False,
    )
    note = forms.CharField(label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_goodwill_amount(self):
        return self.cleaned_data.get("goodwill_amount") or 0


class GoodwillDecisionForm(NoteForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Refuse"))])


class ReassignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label=_("Handled by"), queryset=None, required=False, empty_label=_("— Store queue —")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, assignable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable


class LinkCustomerForm(VersionedForm):
    customer = forms.IntegerField(widget=forms.HiddenInput)


class ComplaintFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Complaint.Status.choices])
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=Category.objects.all())
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[("", _("Any")), *Severity.choices])
    store = forms.ModelChoiceField(label=_("Store"), required=False, queryset=Store.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.of_user(user)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Customer name, phone or e-mail"), min_length=2)


class PublicComplaintForm(forms.Form):
    """The public web form. ``website`` is a honeypot: people leave it empty, bots fill it."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    mobile_phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.filter(is_active=True))
    category = forms.ModelChoiceField(label=_("What is it about?"), queryset=_active_categories())
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Tell us what happened"), widget=forms.Textarea(attrs={"rows": 6}))
    agree = forms.BooleanField(
        label=_("I have read the Personal Information Collection Statement above."),
        error_messages={"required": _("Please read the statement and tick the box.")},
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("mobile_phone") or data.get("email")) and not self.has_error("email"):
            self.add_error("email", _("Give a phone number or an e-mail address so that we can reply."))
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your complaint?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
