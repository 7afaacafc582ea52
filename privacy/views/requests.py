from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors as customer_selectors
from customers.views.mixins import ServiceFormMixin
from privacy.forms import DataRequestForm
from privacy.models import DataRequest
from privacy.services import requests as services


class DataRequestListView(PermissionRequired404Mixin, ListView):
    """Open requests first, by days left; then the closed ones."""

    permission_required = "privacy.handle_datarequest"
    template_name = "privacy/request_list.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        return DataRequest.objects.select_related("customer", "handled_by").order_by(
            F("completed_at").asc(nulls_first=True), "due_at", "id"
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "now": timezone.now()}


class DataRequestCreateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "privacy.handle_datarequest"
    template_name = "privacy/request_form.html"
    form_class = DataRequestForm

    def get_initial(self):
        return {"customer": self.request.GET.get("customer")}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        customer_id = data.pop("customer")
        if customer_id:
            try:
                customer_selectors.customer_get_for_user(user=self.request.user, pk=customer_id)
            except Http404:
                form.add_error("customer", _("No customer record with this number."))
                return self.form_invalid(form)
        request = self.run_service(
            form, lambda: services.request_register(by=self.request.user, customer_id=customer_id, **data)
        )
        if request is None:
            return self.form_invalid(form)
        due = timezone.localtime(request.due_at).strftime("%Y-%m-%d")
        messages.success(self.request, _("Request logged: due %(due)s.") % {"due": due})
        return redirect("privacy:request-detail", pk=request.pk)


class DataRequestDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "privacy.handle_datarequest"
    template_name = "privacy/request_detail.html"
    context_object_name = "data_request"
    queryset = DataRequest.objects.select_related("customer", "handled_by")

    def get_object(self, queryset=None):
        data_request = super().get_object(queryset)
        if data_request.customer is not None:
            privacy.services.access_record_view(
                request=self.request, customer=data_request.customer, view_name="privacy:request-detail"
            )
        return data_request

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.object
        context["now"] = timezone.now()
        context["grounds"] = [
            choice
            for choice in DataRequest.RefusalGround.choices
            if (choice[0] == DataRequest.RefusalGround.NOT_SATISFIED) == (request.kind == DataRequest.Kind.CORRECTION)
        ]
        context["log_book"] = request.log_book_entries.all()
        context["notices"] = request.correction_notices.select_related("disclosure")
        return context


class DataRequestActionView(PermissionRequired404Mixin, View):
    """One step of the request (verify, fee, late notice, complete, refuse), each through its service."""

    permission_required = "privacy.handle_datarequest"

    def post(self, request, pk, action):
        data_request = get_object_or_404(DataRequest, pk=pk)
        by, post = request.user, request.POST
        calls = {
            "verify": lambda: services.request_verify_identity(
                by=by, request_id=data_request.pk, method=post.get("identity_method", "")
            ),
            "fee": lambda: services.request_fee_quote(by=by, request_id=data_request.pk, fee=_decimal(post.get("fee"))),
            "unable": lambda: services.request_unable_notice(
                by=by, request_id=data_request.pk, reason=post.get("unable_reason", "")
            ),
            "complete": lambda: services.request_complete(by=by, request_id=data_request.pk),
            "refuse": lambda: services.request_refuse(
                by=by, request_id=data_request.pk, ground=post.get("ground", ""), reasons=post.get("reasons", "")
            ),
            "opinion": lambda: services.opinion_note_add(
                by=by,
                customer_id=data_request.customer_id,
                opinion=post.get("opinion", ""),
                note=post.get("note", ""),
                request_id=data_request.pk,
            ),
        }
        if action not in calls:
            raise Http404
        try:
            calls[action]()
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
        return redirect("privacy:request-detail", pk=data_request.pk)


def _decimal(value):
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        return None


class DataRequestExportView(PermissionRequired404Mixin, View):
    """Generate the access export ZIP from the registry and download it (logged as an export)."""

    permission_required = ("privacy.handle_datarequest", "privacy.export_personal_data")

    def get(self, request, pk):
        data_request = get_object_or_404(DataRequest, pk=pk, kind=DataRequest.Kind.ACCESS, customer__isnull=False)
        content = services.request_export(by=request.user, request_id=data_request.pk)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="data-access-request-{data_request.pk}.zip"'
        return response
