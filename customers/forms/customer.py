from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm_site import roles
from customers import selectors
from customers.models import Customer
from customers.phones import phone_to_e164
from customers.querysets import SEARCH_MAX_LENGTH
from customers.services import CUSTOMER_EDITABLE_FIELDS
from privacy.masking import can_view_sensitive
from privacy.registry import registry


class CustomerForm(forms.ModelForm):
    """Create and edit a customer. Shape only: services enforce the rules."""

    confirm_duplicate = forms.BooleanField(label=_("Yes, this is a different customer: save anyway"), required=False)

    birth_month = forms.TypedChoiceField(
        label=_("Birth month"),
        choices=[("", "—"), *MONTHS.items()],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_EDITABLE_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "mobile_phone": forms.TextInput(attrs={"placeholder": "9123 4567", "inputmode": "tel"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicates = []
        self.fields["home_store"].queryset = selectors.stores_for_user(user=user)
        managers = selectors.account_managers_for_user(user=user)
        self.fields["account_manager"].queryset = managers
        if roles.keeps_own_book_only(user):
            # An account manager keeps their own book: new customers are theirs.
            self.fields["account_manager"].disabled = True
            self.fields["account_manager"].queryset = managers.model.objects.filter(pk=user.pk)
            if not self.instance.pk:
                self.initial["account_manager"] = user.pk
        if self.instance.pk and not can_view_sensitive(user):
            # Who may not see sensitive fields may not change them either.
            for name in registry.sensitive_fields(Customer):
                self.fields.pop(name, None)
        if not self.instance.pk:
            stores = list(self.fields["home_store"].queryset[:2])
            if len(stores) == 1:
                self.initial.setdefault("home_store", stores[0].pk)
        else:
            self.fields.pop("confirm_duplicate")
        self.helper = FormHelper()
        self.helper.form_tag = False
        sensitive_shown = "address" in self.fields
        self.helper.layout = Layout(
            Fieldset(
                _("Who"),
                Div(Div("kind", css_class="col-md-4"), Div("salutation", css_class="col-md-2"), css_class="row"),
                Div(Div("name_en", css_class="col-md-6"), Div("name_zh", css_class="col-md-6"), css_class="row"),
            ),
            Fieldset(
                _("Contact"),
                Div(Div("mobile_phone", css_class="col-md-6"), Div("email", css_class="col-md-6"), css_class="row"),
                Div(
                    *([Div("address", css_class="col-md-8")] if sensitive_shown else []),
                    Div("district", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("preferred_language", css_class="col-md-6"),
                    Div("preferred_channel", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            *(
                [
                    Fieldset(
                        _("Birthday"),
                        Div(
                            Div("birth_day", css_class="col-4"),
                            Div("birth_month", css_class="col-4"),
                            Div("birth_year", css_class="col-4"),
                            css_class="row",
                        ),
                    )
                ]
                if sensitive_shown
                else []
            ),
            Fieldset(
                _("Relationship"),
                Div(
                    Div("home_store", css_class="col-md-4"),
                    Div("account_manager", css_class="col-md-4"),
                    Div("acquisition_source", css_class="col-md-4"),
                    css_class="row",
                ),
                "notes",
            ),
        )
        self.helper.add_input(Submit("save", _("Save customer")))

    def clean_mobile_phone(self):
        return phone_to_e164(self.cleaned_data.get("mobile_phone", ""))

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean(self):
        cleaned = super().clean()
        if "confirm_duplicate" in self.fields and not cleaned.get("confirm_duplicate"):
            duplicates = selectors.customer_duplicates(
                mobile_phone=cleaned.get("mobile_phone", ""), email=cleaned.get("email", "")
            )
            # Those the user may open are listed; others are only counted.
            self.duplicates = list(duplicates.visible_to(self.user).select_related("home_store")[:5])
            if self.duplicates or duplicates.exists():
                # Only now is the "save anyway" box shown.
                self.helper.layout.append("confirm_duplicate")
                raise ValidationError(
                    _(
                        "A customer with this phone number or e-mail already exists. "
                        "Check it is not the same person, then tick “save anyway”."
                    ),
                    code="duplicate",
                )
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CUSTOMER_EDITABLE_FIELDS if name in self.cleaned_data}


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("Name, phone or e-mail"), "type": "search"}),
    )
    store = forms.ModelChoiceField(label=_("Store"), queryset=None, required=False, empty_label=_("All stores"))
    manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=None, required=False, empty_label=_("All managers")
    )
    kind = forms.ChoiceField(
        label=_("People or companies"),
        required=False,
        choices=[
            ("", _("People and companies")),
            ("person", pgettext_lazy("customer kind", "People")),
            ("company", _("Companies")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = selectors.stores_for_user(user=user)
        self.fields["manager"].queryset = selectors.account_managers_for_user(user=user)
        self.fields["q"].widget.attrs["class"] = "form-control"
        for name in ("store", "manager", "kind", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select"
