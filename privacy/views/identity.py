"""Recording and revealing a customer's identity-document number (only when the business
collects them: otherwise these pages do not exist)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import FormView

from crm_site.permissions import PermissionRequired404Mixin
from customers.views.mixins import CustomerMixin, ServiceFormMixin
from privacy.forms import IdentityDocumentForm, IdentityDocumentRevealForm
from privacy.models import IdentityDocument
from privacy.services import identity as services


class IdentityDocumentsEnabledMixin:
    def dispatch(self, request, *args, **kwargs):
        if not services.enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class IdentityDocumentSetView(
    IdentityDocumentsEnabledMixin, PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView
):
    permission_required = ("privacy.add_identitydocument", "privacy.change_identitydocument")
    template_name = "privacy/identity_document_form.html"
    form_class = IdentityDocumentForm
    customer_editable = False

    def get_context_data(self, **kwargs):
        existing = IdentityDocument.objects.filter(customer_id=self.customer.pk).only("kind", "mask").first()
        return {**super().get_context_data(**kwargs), "existing": existing}

    def form_valid(self, form):
        document = self.run_service(
            form,
            lambda: services.identity_document_set(
                by=self.request.user, customer_id=self.customer.pk, **form.cleaned_data
            ),
        )
        if document is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Identity document recorded: %(mask)s.") % {"mask": document.mask})
        return redirect(self.customer.get_absolute_url() + "#identity-document")


class IdentityDocumentRevealView(
    IdentityDocumentsEnabledMixin, PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView
):
    """The number, once, after a stated reason (logged); the answer is never cached."""

    permission_required = ("privacy.view_sensitive", "privacy.reveal_identitydocument")
    template_name = "privacy/identity_document_reveal.html"
    form_class = IdentityDocumentRevealForm
    customer_editable = False

    def form_valid(self, form):
        number = self.run_service(
            form,
            lambda: services.identity_document_reveal(
                by=self.request.user, customer_id=self.customer.pk, reason=form.cleaned_data["reason"]
            ),
        )
        if number is None:
            return self.form_invalid(form)
        response = self.render_to_response(self.get_context_data(form=form, number=number))
        add_never_cache_headers(response)
        return response
