"""The upload form of imports. Shape only: the services check the rules."""

from pathlib import PurePath

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers import selectors
from customers.models import ImportJob
from customers.services.data_quality_imports import FILE_FORMATS, import_file_too_large_message


class ImportJobForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The file holds"), choices=ImportJob.Kind.choices, initial=ImportJob.Kind.CUSTOMERS
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV UTF-8 (.csv) or Excel (.xlsx), with the column names in the first row."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(FILE_FORMATS)}),
    )
    store = forms.ModelChoiceField(
        label=_("Default store"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),
        help_text=_("For rows without a home_store (customers) or store (purchases)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = selectors.stores_for_user(user=user)
        stores = list(self.fields["store"].queryset[:2])
        if len(stores) == 1:
            self.initial.setdefault("store", stores[0].pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-md-3"),
                Div("file", css_class="col-md-5"),
                Div("store", css_class="col-md-4"),
                css_class="row",
            )
        )
        self.helper.add_input(Submit("upload", _("Upload and check")))

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if PurePath(uploaded.name).suffix.lower() not in FILE_FORMATS:
            raise forms.ValidationError(_("Upload a .csv or an .xlsx file."), code="file_type")
        if uploaded.size > settings.CRM_IMPORT_MAX_BYTES:
            raise forms.ValidationError(import_file_too_large_message(), code="too_large")
        return uploaded


class ImportJobCommitForm(forms.Form):
    """No fields: carries the errors of a refused "Import" press."""
