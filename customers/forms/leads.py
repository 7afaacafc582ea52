"""Forms of the leads pages. Shape only: customers.services.leads enforces the rules."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site import roles
from crm_site.models import User
from customers import selectors
from customers.models import Customer, FollowUpTask, Interaction, Lead
from customers.phones import phone_display, phone_search_key, phone_to_e164
from customers.selectors import leads as lead_selectors
from customers.services.leads import LEAD_EDITABLE_FIELDS, LEAD_MANUAL_STATUSES

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _referrer_text(customer: Customer) -> str:
    """What the "referred by" box shows for a customer: something that finds exactly them again."""
    return customer.external_ref or phone_display(customer.mobile_phone) or customer.email or customer.display_name


class ReferrerField(forms.CharField):
    """A referring customer, typed as a customer number, phone, e-mail or name; resolved in the form."""

    widget = forms.TextInput(attrs={"placeholder": _("Customer number, phone, e-mail or name")})


class LeadForm(forms.ModelForm):
    """Create and edit a lead."""

    referred_by = ReferrerField(
        label=_("Referred by"),
        required=False,
        help_text=_("The customer who sent them (for a referral): customer number, phone, e-mail or name."),
    )

    class Meta:
        model = Lead
        fields = LEAD_EDITABLE_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "mobile_phone": forms.TextInput(attrs={"placeholder": "9123 4567", "inputmode": "tel"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["store"].queryset = selectors.stores_for_user(user=user)
        managers = selectors.account_managers_for_user(user=user)
        self.fields["owner"].queryset = managers
        self.fields["owner"].empty_label = _("Unassigned")
        if roles.keeps_own_book_only(user):
            # An account manager takes leads themselves or leaves them unassigned.
            self.fields["owner"].queryset = User.objects.filter(pk=user.pk)
        if not self.instance.pk:
            stores = list(self.fields["store"].queryset[:2])
            if len(stores) == 1:
                self.initial.setdefault("store", stores[0].pk)
            if roles.ACCOUNT_MANAGER in roles.user_roles(user):
                self.initial.setdefault("owner", user.pk)
        referrer = self.initial.get("referred_by")
        if isinstance(referrer, int):
            referrer = Customer.objects.visible_to(user).filter(pk=referrer).first()
        if isinstance(referrer, Customer):
            self.initial["referred_by"] = _referrer_text(referrer)
            self.fields["referred_by"].help_text = _("Now: %(name)s") % {"name": referrer.display_name}
        else:
            self.initial.pop("referred_by", None)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Who"),
                Div(Div("name_en", css_class="col-md-6"), Div("name_zh", css_class="col-md-6"), css_class="row"),
                Div(Div("mobile_phone", css_class="col-md-6"), Div("email", css_class="col-md-6"), css_class="row"),
            ),
            Fieldset(
                _("Where they came from"),
                Div(
                    Div("source", css_class="col-md-4"),
                    Div("campaign", css_class="col-md-4"),
                    Div("referred_by", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Follow-up"),
                Div(Div("store", css_class="col-md-4"), Div("owner", css_class="col-md-4"), css_class="row"),
                "interest",
                "notes",
            ),
        )
        self.helper.add_input(Submit("save", _("Save lead")))

    def clean_mobile_phone(self):
        return phone_to_e164(self.cleaned_data.get("mobile_phone", ""))

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_referred_by(self):
        term = (self.cleaned_data.get("referred_by") or "").strip()
        if not term:
            return None
        visible = Customer.objects.visible_to(self.user)
        exact = Q(external_ref__iexact=term) | Q(email__iexact=term)
        phone = phone_search_key(term)
        if phone:
            exact |= Q(mobile_phone=phone)
        matches = list(visible.filter(exact)[:2]) or list(visible.search(term)[:6])
        if not matches:
            raise ValidationError(_("No customer of your stores matches “%(term)s”."), params={"term": term})
        if len(matches) > 1:
            names = ", ".join(c.display_name for c in matches[:5])
            raise ValidationError(
                _("Several customers match (%(names)s): enter their customer number, phone or e-mail."),
                params={"names": names},
            )
        return matches[0]

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in LEAD_EDITABLE_FIELDS if name in self.cleaned_data}


class LeadFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, phone, e-mail or campaign"), "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Lead.Status.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All sources")), *Lead.Source.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["class"] = "form-control"
        for name in ("status", "source"):
            self.fields[name].widget.attrs["class"] = "form-select"


class LeadStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[(s.value, s.label) for s in LEAD_MANUAL_STATUSES])


class LeadInteractionForm(forms.Form):
    """Log a visit, call or message with a lead, with an optional follow-up task."""

    kind = forms.ChoiceField(label=_("Type"), choices=Interaction.Kind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Interaction.Outcome.choices, required=False)
    follow_up_title = forms.CharField(
        label=_("Follow up with"),
        max_length=FollowUpTask._meta.get_field("title").max_length,
        required=False,
        help_text=_("Optional: a task, e.g. “Call back when the new Tudor arrives”."),
    )
    follow_up_due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    follow_up_assignee = forms.ModelChoiceField(label=_("For"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, lead: Lead, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_assignee"].queryset = (
            User.objects.filter(Q(pk=user.pk) | Q(stores=lead.store, is_active=True))
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["follow_up_assignee"].empty_label = None
        self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
        self.initial.setdefault("follow_up_assignee", (lead.owner_id if lead.owner_id else user.pk))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(Div("kind", css_class="col-md-6"), Div("occurred_at", css_class="col-md-6"), css_class="row"),
            "summary",
            "outcome",
            Fieldset(
                _("Follow-up task"),
                "follow_up_title",
                Div(
                    Div("follow_up_due_on", css_class="col-md-6"),
                    Div("follow_up_assignee", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
        )
        self.helper.add_input(Submit("save", _("Log interaction")))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("follow_up_title") and not cleaned.get("follow_up_due_on"):
            self.add_error("follow_up_due_on", _("When is the follow-up due?"))
        return cleaned

    def interaction_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("kind", "occurred_at", "summary", "outcome")}

    def task_data(self) -> dict | None:
        if not self.cleaned_data.get("follow_up_title"):
            return None
        return {
            "title": self.cleaned_data["follow_up_title"],
            "due_on": self.cleaned_data["follow_up_due_on"],
            "assignee": self.cleaned_data.get("follow_up_assignee"),
        }


LEAD_CONVERT_CUSTOMER_FIELDS = (
    "salutation",
    "name_en",
    "name_zh",
    "mobile_phone",
    "email",
    "preferred_language",
    "preferred_channel",
    "home_store",
    "account_manager",
    "notes",
)


class LeadConvertForm(forms.ModelForm):
    """The customer a lead becomes, prefilled from the lead; or an existing customer to link it to."""

    link_existing_customer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Customer
        fields = LEAD_CONVERT_CUSTOMER_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "mobile_phone": forms.TextInput(attrs={"placeholder": "9123 4567", "inputmode": "tel"}),
        }

    def __init__(self, *args, user, lead: Lead, **kwargs):
        kwargs.setdefault("initial", {})
        for name, value in lead_selectors.lead_customer_initial(lead=lead).items():
            kwargs["initial"].setdefault(name, value.pk if hasattr(value, "pk") else value)
        super().__init__(*args, **kwargs)
        self.user = user
        # Linking to an existing customer creates none: the customer fields are then not needed.
        self.linking = self.is_bound and bool((self.data.get("link_existing_customer") or "").strip())
        if self.linking:
            for name in LEAD_CONVERT_CUSTOMER_FIELDS:
                self.fields[name].required = False
        self.fields["home_store"].queryset = selectors.stores_for_user(user=user)
        managers = selectors.account_managers_for_user(user=user)
        self.fields["account_manager"].queryset = managers
        if roles.keeps_own_book_only(user):
            # An account manager's new customers are theirs.
            self.fields["account_manager"].disabled = True
            self.fields["account_manager"].queryset = User.objects.filter(pk=user.pk)
            self.initial["account_manager"] = user.pk
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("New customer"),
                Div(
                    Div("salutation", css_class="col-md-2"),
                    Div("name_en", css_class="col-md-5"),
                    Div("name_zh", css_class="col-md-5"),
                    css_class="row",
                ),
                Div(Div("mobile_phone", css_class="col-md-6"), Div("email", css_class="col-md-6"), css_class="row"),
                Div(
                    Div("preferred_language", css_class="col-md-6"),
                    Div("preferred_channel", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("home_store", css_class="col-md-6"),
                    Div("account_manager", css_class="col-md-6"),
                    css_class="row",
                ),
                "notes",
            ),
        )

    def clean_mobile_phone(self):
        return phone_to_e164(self.cleaned_data.get("mobile_phone", ""))

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower()

    def _post_clean(self):
        if not self.linking:  # the model's checks apply to a customer about to be created
            super()._post_clean()

    def service_data(self) -> dict:
        """Keyword arguments for ``lead_convert``: home store, account manager, the other fields as overrides."""
        if self.linking:
            return {"link_existing_customer_id": self.cleaned_data.get("link_existing_customer")}
        return {name: self.cleaned_data[name] for name in LEAD_CONVERT_CUSTOMER_FIELDS if name in self.cleaned_data}
