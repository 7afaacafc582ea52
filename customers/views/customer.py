import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

import privacy.selectors
import privacy.services
from campaigns import selectors as campaign_selectors
from churn import selectors as churn_selectors
from churn.forms import band_filter_field
from complaints import selectors as complaint_selectors
from crm_site.pagination import DeferredJoinPaginator
from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors, services
from customers.forms import CustomerFilterForm, CustomerForm
from customers.selectors import data_quality as data_quality_selectors
from customers.selectors import interactions as interaction_selectors
from customers.selectors import leads as lead_selectors
from customers.selectors import purchases as purchase_selectors
from customers.selectors import relationships as relationship_selectors
from customers.selectors import timepieces as timepiece_selectors
from customers.selectors.timeline import customer_timeline
from customers.views.mixins import CustomerMixin, ServiceFormMixin
from privacy.bulk import bulk_export_reason
from privacy.models import AccessLog
from segmentation import selectors as segmentation_selectors
from segmentation.forms import classification_filter_fields


def csv_safe(value: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class CustomerFilterMixin:
    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = CustomerFilterForm(self.request.GET or None, user=self.request.user)
            classification_filter_fields(self._filter_form)  # tier and segment filters (segmentation)
            band_filter_field(self._filter_form)  # churn risk band filter (churn)
        return self._filter_form

    def get_filtered_queryset(self):
        form = self.get_filter_form()
        form.is_valid()
        data = getattr(form, "cleaned_data", {})  # the valid filters apply even if another is bad
        store = data.get("store")
        manager = data.get("manager")
        queryset = selectors.customer_list_for_user(
            user=self.request.user,
            search=data.get("q", ""),
            store_id=store.pk if store else None,
            account_manager_id=manager.pk if manager else None,
            kind=data.get("kind", ""),
            order=data.get("sort") or "name",
        )
        if "q" in form.errors:  # too long, or not text: nobody matches (the form says why)
            queryset = queryset.none()
        queryset = segmentation_selectors.customers_filter_classification(
            queryset, tier=data.get("tier", ""), segment=data.get("segment", "")
        )
        queryset = churn_selectors.customers_filter_band(queryset, band=data.get("risk", ""))
        return segmentation_selectors.customers_with_tier(queryset)


class CustomerListView(PermissionRequired404Mixin, CustomerFilterMixin, ListView):
    permission_required = "customers.view_customer"
    template_name = "customers/customer_list.html"
    context_object_name = "customers"
    paginate_by = 25
    # exact up to 10,000, "more than" above; a page is its ids, then its rows: see its docstring
    paginator_class = DeferredJoinPaginator

    def get_queryset(self):
        return self.get_filtered_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.get_filter_form()
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["can_export"] = self.request.user.has_perm("privacy.export_personal_data")
        return context


class CustomerDetailView(PermissionRequired404Mixin, DetailView):
    """The 360° view: profile, purchases, owned timepieces, relationships, interactions, tasks, timeline.

    Each part supplies its panel through its selectors' ``panel_context``, in a fixed
    number of queries, so the page costs the same whatever the length of the history.
    """

    permission_required = "customers.view_customer"
    template_name = "customers/customer_detail.html"
    context_object_name = "customer"
    timeline_length = 30

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # An old link to a record merged into another goes to the surviving record.
            survivor = data_quality_selectors.merged_redirect_target(user=request.user, pk=kwargs["pk"])
            if survivor is None:
                raise
            return redirect(survivor)

    def get_object(self, queryset=None):
        customer = selectors.customer_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        privacy.services.access_record_view(
            request=self.request, customer=customer, view_name="customers:customer-detail"
        )
        return customer

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer, user = self.object, self.request.user
        context["can_edit"] = selectors.customer_can_edit(user=user, customer=customer)
        context["purchases_panel"] = purchase_selectors.panel_context(customer=customer, user=user)
        context["timepieces_panel"] = timepiece_selectors.panel_context(customer=customer, user=user)
        context["relationships_panel"] = relationship_selectors.panel_context(customer=customer, user=user)
        context["interactions_panel"] = interaction_selectors.panel_context(customer=customer, user=user)
        context["complaints_panel"] = complaint_selectors.panel_context(customer=customer, user=user)
        context["referrals"] = lead_selectors.referrals_by_customer(customer=customer, user=user)
        context["timeline"] = customer_timeline(customer=customer, limit=self.timeline_length)
        context["classification"] = segmentation_selectors.customer_classification(customer=customer)
        context["consent_cells"] = privacy.selectors.consent_cells(customer=customer)
        context["identity_document_card"] = privacy.selectors.identity_document_card(customer=customer)
        context["churn_panel"] = churn_selectors.panel_context(
            customer=customer, user=user, can_edit=context["can_edit"]
        )
        context["remedy_panel"] = churn_selectors.remedy_panel(
            customer=customer, user=user, can_edit=context["can_edit"]
        )
        context["loyalty_panel"] = campaign_selectors.loyalty_statement(customer=customer, user=user)
        return context


class CustomerCreateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "customers.add_customer"
    template_name = "customers/customer_form.html"
    form_class = CustomerForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        customer = self.run_service(
            form,
            lambda: services.customer_create(
                by=self.request.user, view_name="customers:customer-create", **form.service_data()
            ),
        )
        if customer is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Customer %(name)s created.") % {"name": customer.display_name})
        return redirect(customer)


class CustomerUpdateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    permission_required = "customers.change_customer"
    template_name = "customers/customer_form.html"
    form_class = CustomerForm
    customer_url_kwarg = "pk"

    def get(self, request, *args, **kwargs):
        # The edit form shows the customer's personal data: that is a read, logged as one.
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="customers:customer-update"
        )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.customer}

    def form_valid(self, form):
        customer = self.run_service(
            form,
            lambda: services.customer_update(
                customer_id=self.customer.pk,
                by=self.request.user,
                view_name="customers:customer-update",
                **form.service_data(),
            ),
        )
        if customer is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Customer %(name)s saved.") % {"name": customer.display_name})
        return redirect(customer)


class CustomerExportView(PermissionRequired404Mixin, CustomerFilterMixin, View):
    """The filtered list as CSV; every exported customer gets an access-log row."""

    permission_required = ("customers.view_customer", "privacy.export_personal_data")
    columns = ("id", "name_en", "name_zh", "mobile_phone", "email", "district", "home_store", "account_manager")

    def get(self, request, *args, **kwargs):
        customers = list(self.get_filtered_queryset())
        reason, ask = bulk_export_reason(request, count=len(customers))
        if ask is not None:
            return ask
        privacy.services.access_record_many(
            user=request.user,
            customers=customers,
            action=AccessLog.Action.EXPORT,
            view_name="customers:customer-export",
            path=request.path,  # not the query: a search term may be a name
            reason=reason,
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 (Chinese names) correctly with a BOM.
        writer = csv.writer(response)
        writer.writerow(self.columns)
        for c in customers:
            writer.writerow(
                [
                    c.pk,
                    csv_safe(c.name_en),
                    csv_safe(c.name_zh),
                    c.mobile_phone,  # validated E.164: "+" and digits only
                    csv_safe(c.email),
                    c.get_district_display(),
                    csv_safe(c.home_store.name),
                    csv_safe(str(c.account_manager or "")),
                ]
            )
        return response
