"""Purchases and returns: thin views over customers.selectors.purchases and customers.services.purchases."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors
from customers.forms.purchases import (
    ProductSearchForm,
    PurchaseForm,
    PurchaseLineFormSet,
    PurchaseReturnForm,
    purchase_errors_show,
)
from customers.selectors import purchases as purchase_selectors
from customers.services import purchases as purchase_services
from customers.views.mixins import CustomerMixin


class PurchaseCreateView(PermissionRequired404Mixin, CustomerMixin, TemplateView):
    """Record a purchase: the purchase form and a formset of lines."""

    permission_required = "customers.add_purchase"
    template_name = "customers/purchases/purchase_form.html"
    view_name = "customers:purchase-create"

    def get_forms(self):
        data = self.request.POST if self.request.method == "POST" else None
        products = purchase_selectors.products_for_picker()
        form = PurchaseForm(data, user=self.request.user)
        formset = PurchaseLineFormSet(data, prefix="lines", form_kwargs={"products": products})
        return form, formset

    def get(self, request, *args, **kwargs):
        privacy.services.access_record_view(request=request, customer=self.customer, view_name=self.view_name)
        form, formset = self.get_forms()
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        form, formset = self.get_forms()
        if form.is_valid() and formset.is_valid():
            line_forms = formset.filled_forms()
            try:
                purchase = purchase_services.purchase_create(
                    by=request.user,
                    customer=self.customer,
                    lines=[line_form.service_line() for line_form in line_forms],
                    view_name=self.view_name,
                    **form.service_data(),
                )
            except ValidationError as exc:
                purchase_errors_show(exc, form=form, line_forms=line_forms)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Purchase of %(total)s recorded.") % {"total": purchase_selectors.hkd(purchase.total)}
                )
                return redirect(purchase)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


class PurchaseDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "customers.view_purchase"
    template_name = "customers/purchases/purchase_detail.html"
    context_object_name = "purchase"

    def get_object(self, queryset=None):
        purchase = purchase_selectors.purchase_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        privacy.services.access_record_view(
            request=self.request, customer=purchase.customer, view_name="customers:purchase-detail"
        )
        return purchase

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.object.customer
        context["lines"] = list(self.object.lines.all())
        context["can_return"] = purchase_selectors.purchase_can_return(user=self.request.user, purchase=self.object)
        return context


class PurchaseReturnView(PermissionRequired404Mixin, FormView):
    """Record a return of some or all of a purchase's goods."""

    permission_required = "customers.change_purchase"
    template_name = "customers/purchases/purchase_return.html"
    form_class = PurchaseReturnForm
    view_name = "customers:purchase-return"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.purchase = purchase_selectors.purchase_get_editable_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        privacy.services.access_record_view(request=request, customer=self.purchase.customer, view_name=self.view_name)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        rows = purchase_selectors.purchase_return_rows(purchase=self.purchase)
        return {**super().get_form_kwargs(), "rows": rows}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["purchase"] = self.purchase
        context["customer"] = self.purchase.customer
        context["anything_returnable"] = any(row["returnable"] for row in context["form"].rows)
        return context

    def form_valid(self, form):
        try:
            purchase_services.purchase_return(
                by=self.request.user,
                purchase_id=self.purchase.pk,
                lines=form.service_lines(),
                reason=form.cleaned_data["reason"],
                view_name=self.view_name,
            )
        except ValidationError as exc:
            form.show_errors(exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Return recorded."))
        return redirect(self.purchase)


class PurchaseListView(PermissionRequired404Mixin, ListView):
    """A customer's full purchase history, newest first."""

    permission_required = "customers.view_purchase"
    template_name = "customers/purchases/purchase_list.html"
    context_object_name = "purchases"
    paginate_by = 25

    def get(self, request, *args, **kwargs):
        self.customer = selectors.customer_get_for_user(user=request.user, pk=kwargs["customer_pk"])
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="customers:purchase-list"
        )
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return purchase_selectors.purchase_list_for_customer(customer=self.customer)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        context["spend"] = purchase_selectors.customer_spend(customer=self.customer)
        context["can_add"] = purchase_selectors.purchase_can_add(user=self.request.user, customer=self.customer)
        return context


class ProductSearchView(PermissionRequired404Mixin, View):
    """Products matching ``term``: <option>s for htmx (the line picker), JSON for anything else."""

    permission_required = "customers.view_product"

    def get(self, request, *args, **kwargs):
        form = ProductSearchForm(request.GET)
        term = form.cleaned_data["term"] if form.is_valid() else ""
        # An emptied search box gets the whole list back.
        products = (
            purchase_selectors.product_search(term=term) if term.strip() else purchase_selectors.products_for_picker()
        )
        if request.headers.get("HX-Request"):
            return TemplateResponse(request, "customers/purchases/product_options.html", {"products": products})
        return JsonResponse(
            {
                "results": [
                    {
                        "id": product.pk,
                        "label": str(product),
                        "brand": product.brand.name,
                        "reference": product.reference,
                        "category": product.category,
                        "is_timepiece": product.is_timepiece,
                        "list_price": str(product.list_price),
                    }
                    for product in products
                ]
            }
        )
