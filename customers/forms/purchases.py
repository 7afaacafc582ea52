"""Purchase and return forms. Shape only: customers.services.purchases enforces the rules."""

from itertools import groupby

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import selectors
from customers.models import Product, Purchase
from customers.selectors import purchases as purchase_selectors

LINE_FIELDS = ("product", "description", "quantity", "unit_price", "discount", "serial_number")


def product_choices(products: list[Product]) -> list:
    """The products grouped by brand, each labelled with its brand, model, reference and list price."""
    choices: list = [("", "—")]
    for brand, items in groupby(products, key=lambda product: product.brand.name):
        choices.append(
            (
                brand,
                [
                    (
                        product.pk,
                        f"{product} · {purchase_selectors.hkd(product.list_price)}",
                    )
                    for product in items
                ],
            )
        )
    return choices


class PurchaseForm(forms.ModelForm):
    """The purchase itself: where, when, how, by whom."""

    class Meta:
        model = Purchase
        fields = ("store", "purchased_on", "channel", "staff", "external_ref", "notes")
        widgets = {
            "purchased_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = selectors.stores_for_user(user=user)
        self.fields["staff"].queryset = purchase_selectors.staff_for_store_choice(user=user)
        self.fields["staff"].label = _("Sold by")
        self.fields["purchased_on"].label = _("Date")
        self.fields["external_ref"].help_text = _("Optional: the number on the till receipt.")
        self.initial.setdefault("purchased_on", timezone.localdate())
        self.initial.setdefault("staff", user.pk)
        stores = list(self.fields["store"].queryset[:2])
        if len(stores) == 1:
            self.initial.setdefault("store", stores[0].pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("store", css_class="col-md-3"),
                Div("purchased_on", css_class="col-md-3"),
                Div("channel", css_class="col-md-3"),
                Div("staff", css_class="col-md-3"),
                css_class="row",
            ),
            Div(
                Div("external_ref", css_class="col-md-3"),
                Div(Field("notes"), css_class="col-md-9"),
                css_class="row",
            ),
        )

    def validate_unique(self):
        """The service checks the receipt number (with the rest) when it saves."""

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PurchaseLineForm(forms.Form):
    """One line. Left as it was shown (no product, no description), it is ignored."""

    product = forms.TypedChoiceField(
        label=_("Product"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("If not in the list"), "class": "form-control form-control-sm"}),
    )
    quantity = forms.IntegerField(
        label=_("Qty"), initial=1, widget=forms.NumberInput(attrs={"step": 1, "class": "form-control form-control-sm"})
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (HKD)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "placeholder": _("List price"), "class": "form-control form-control-sm"}
        ),
    )
    discount = forms.DecimalField(
        label=_("Discount (HKD)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "form-control form-control-sm"}),
    )
    serial_number = forms.CharField(
        label=_("Serial number"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "autocomplete": "off"}),
    )

    def __init__(self, *args, products: list[Product], **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {product.pk: product for product in products}
        self.fields["product"].choices = product_choices(products)

    def clean_product(self):
        pk = self.cleaned_data.get("product")
        return self.products[pk] if pk is not None else None

    def clean_discount(self):
        return self.cleaned_data.get("discount") or 0

    def service_line(self) -> dict:
        return {name: self.cleaned_data[name] for name in LINE_FIELDS}


class BasePurchaseLineFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[PurchaseLineForm]:
        """The lines the user filled in, in order (blank extra lines left out)."""
        return [form for form in self.forms if form.has_changed() and form.is_valid()]


PurchaseLineFormSet = forms.formset_factory(
    PurchaseLineForm, formset=BasePurchaseLineFormSet, extra=3, max_num=50, validate_max=True
)


def purchase_errors_show(exc: ValidationError, *, form: forms.Form, line_forms: list[forms.Form]) -> None:
    """Show a purchase_create error where it belongs: on a line's field, on a purchase field, or on top."""
    for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc)]:
        for error in errors if isinstance(errors, list) else errors.error_list:
            params = error.params or {}
            if field == "lines" and 1 <= params.get("line", 0) <= len(line_forms):
                line_form = line_forms[params["line"] - 1]
                target = params.get("field")
                line_form.add_error(target if target in line_form.fields else None, error)
            else:
                form.add_error(field if field in form.fields else None, error)


class PurchaseReturnForm(forms.Form):
    """How many of each bought line come back (one number field per line), and why."""

    reason = forms.CharField(label=_("Reason for the return"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            line = row["line"]
            self.fields[self.quantity_field(line.pk)] = forms.IntegerField(
                label=_("Return how many of %(item)s") % {"item": purchase_selectors.line_label(line)},
                min_value=0,
                initial=0,
                required=False,
                disabled=not row["returnable"],
                widget=forms.NumberInput(
                    attrs={"step": 1, "max": row["returnable"], "class": "form-control form-control-sm"}
                ),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout("reason")

    @staticmethod
    def quantity_field(line_id: int) -> str:
        return f"return_{line_id}"

    def table(self) -> list[dict]:
        """The rows with their bound quantity fields, for the template's table."""
        return [{**row, "field": self[self.quantity_field(row["line"].pk)]} for row in self.rows]

    def service_lines(self) -> list[dict]:
        return [
            {"line_id": row["line"].pk, "quantity": quantity}
            for row in self.rows
            if (quantity := self.cleaned_data.get(self.quantity_field(row["line"].pk)))
        ]

    def show_errors(self, exc: ValidationError) -> None:
        """Show a purchase_return error next to its line, or on the reason, or on top."""
        for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc)]:
            for error in errors if isinstance(errors, list) else errors.error_list:
                name = self.quantity_field((error.params or {}).get("line_id"))
                if field == "lines" and name in self.fields:
                    self.add_error(name, error)
                else:
                    self.add_error(field if field in self.fields else None, error)


class ProductSearchForm(forms.Form):
    term = forms.CharField(required=False, max_length=100)
