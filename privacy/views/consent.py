from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers.views.mixins import CustomerMixin, ServiceFormMixin
from privacy import selectors
from privacy.forms import ConsentRecordForm, ConsentWithdrawForm
from privacy.models import ConsentEvent
from privacy.models.consent import Method
from privacy.services import consent as services


class ConsentCustomerMixin(CustomerMixin):
    customer_editable = False

    def get_success_url(self):
        return self.customer.get_absolute_url() + "#consent"


class ConsentHistoryView(PermissionRequired404Mixin, ConsentCustomerMixin, TemplateView):
    """A customer's consent state, the whole ledger and the oral consents awaiting confirmation."""

    permission_required = "privacy.view_consentevent"
    template_name = "privacy/consent_history.html"

    def get(self, request, *args, **kwargs):
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="privacy:consent-history"
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cells"] = selectors.consent_cells(customer=self.customer)
        context["events"] = selectors.consent_history(customer_id=self.customer.pk)
        context["pending"] = selectors.pending_oral_batches(customer_id=self.customer.pk)
        return context


class ConsentRecordView(PermissionRequired404Mixin, ConsentCustomerMixin, ServiceFormMixin, FormView):
    permission_required = "privacy.record_consent"
    template_name = "privacy/consent_form.html"
    form_class = ConsentRecordForm

    def get_context_data(self, **kwargs):
        from privacy.models import Notice

        notice = selectors.notice_current(kind=Notice.Kind.DIRECT_MARKETING)
        return {**super().get_context_data(**kwargs), "notice": notice}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        events = self.run_service(
            form, lambda: services.consent_record(customer_id=self.customer.pk, by=self.request.user, **data)
        )
        if events is None:
            return self.form_invalid(form)
        if events[0].is_oral:
            messages.warning(
                self.request,
                _("Oral consent recorded. It is not usable until its written confirmation is sent (within 14 days)."),
            )
        else:
            messages.success(self.request, _("Consent recorded."))
        return redirect(self.get_success_url())


class ConsentWithdrawView(PermissionRequired404Mixin, ConsentCustomerMixin, ServiceFormMixin, FormView):
    permission_required = "privacy.record_consent"
    template_name = "privacy/consent_withdraw.html"
    form_class = ConsentWithdrawForm

    def form_valid(self, form):
        data = form.cleaned_data
        by = self.request.user
        if data["opt_out_everything"]:
            call = lambda: services.optout_record(customer_id=self.customer.pk, method=Method.STAFF, by=by)  # noqa: E731
        else:
            call = lambda: services.consent_withdraw(  # noqa: E731
                customer_id=self.customer.pk,
                by=by,
                subject_classes=data["subject_classes"] or None,
                channels=data["channels"] or None,
                note=data["note"],
            )
        if self.run_service(form, call) is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Withdrawal recorded: it applies from now on, everywhere."))
        return redirect(self.get_success_url())


class OralConfirmationSendView(PermissionRequired404Mixin, ConsentCustomerMixin, View):
    permission_required = "privacy.record_consent"

    def post(self, request, *args, **kwargs):
        try:
            confirmation = services.oral_confirmation_send(
                customer_id=self.customer.pk, batch=kwargs["batch"], by=request.user
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request, _("Written confirmation recorded as sent: %(text)s") % {"text": confirmation.body}
            )
        return redirect("privacy:consent-history", customer_pk=self.customer.pk)


class ConsentEvidenceView(PermissionRequired404Mixin, ConsentCustomerMixin, View):
    """The evidence file of a consent (e.g. the scanned signed form), for staff who see the customer."""

    permission_required = "privacy.view_consentevent"

    def get(self, request, *args, **kwargs):
        event = ConsentEvent.objects.filter(customer_id=self.customer.pk, pk=kwargs["pk"]).exclude(evidence="").first()
        if event is None:
            raise Http404
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="privacy:consent-evidence"
        )
        return FileResponse(
            event.evidence.open("rb"), as_attachment=True, filename=event.evidence.name.rsplit("/", 1)[-1]
        )
