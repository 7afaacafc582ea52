"""Links between customers: add one (with a customer picker), remove one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers.forms.relationships import RelationshipForm
from customers.selectors import relationships as relationship_selectors
from customers.services import relationships as relationship_services
from customers.views.mixins import CustomerMixin, ServiceFormMixin


class RelationshipCreateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    """The full page of the "Add a link" form. Without JavaScript, the search box submits a GET here."""

    permission_required = "customers.add_relationship"
    template_name = "customers/relationships/relationship_form.html"
    form_class = RelationshipForm
    service_denied_404 = True

    def get(self, request, *args, **kwargs):
        # The page lists the customer's links: a read of their record.
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="customers:relationship-create"
        )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "customer": self.customer}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        q = self.request.GET.get("q", "")
        selected = str(context["form"]["to_customer"].value() or "")
        if selected.isdigit():
            # The form came back with errors: keep the customer already picked.
            results = relationship_selectors.customer_search_pick_for_user(
                user=user, pk=int(selected), exclude_id=self.customer.pk
            )
        else:
            results = relationship_selectors.customer_search_for_user(user=user, q=q, exclude_id=self.customer.pk)
        context.update(
            relationships_panel=relationship_selectors.panel_context(customer=self.customer, user=user),
            picker_q=q,
            picker_results=list(results),
            picker_selected=selected,
            picker_searched=len(q.strip()) >= 2,
        )
        return context

    def form_valid(self, form):
        relationship = self.run_service(
            form,
            lambda: relationship_services.relationship_create(
                by=self.request.user,
                from_customer_id=self.customer.pk,
                view_name="customers:relationship-create",
                **form.service_data(),
            ),
        )
        if relationship is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Link added."))
        return redirect(self.customer.get_absolute_url() + "#relationships")


class RelationshipDeleteView(PermissionRequired404Mixin, View):
    permission_required = "customers.delete_relationship"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        relationship = relationship_selectors.relationship_get_for_user(user=request.user, pk=kwargs["pk"])
        try:
            relationship_services.relationship_delete(
                by=request.user, relationship_id=relationship.pk, view_name="customers:relationship-delete"
            )
        except PermissionDenied as exc:
            raise Http404 from exc  # the same answer as for a link the user cannot see
        messages.success(request, _("Link removed."))
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = relationship.from_customer.get_absolute_url() + "#relationships"
        return redirect(next_url)


class RelationshipCustomerSearchView(PermissionRequired404Mixin, TemplateView):
    """The picker's htmx fragment: up to ten customers the user may see."""

    permission_required = ("customers.view_customer", "customers.add_relationship")
    template_name = "customers/relationships/customer_search_results.html"

    def get_context_data(self, **kwargs):
        q = self.request.GET.get("q", "")
        exclude = self.request.GET.get("exclude", "")
        return {
            **super().get_context_data(**kwargs),
            "picker_q": q,
            "picker_results": relationship_selectors.customer_search_for_user(
                user=self.request.user, q=q, exclude_id=int(exclude) if exclude.isdigit() else None
            ),
            "picker_selected": "",
            "picker_searched": len(q.strip()) >= 2,
        }
