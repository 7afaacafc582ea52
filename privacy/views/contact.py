import csv

from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import ListView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers.models import Customer
from privacy import selectors
from privacy.bulk import bulk_export_reason
from privacy.forms import ContactListForm
from privacy.models import AccessLog


def csv_safe(value: str) -> str:
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class ContactListMixin:
    def get_form(self):
        if not hasattr(self, "_form"):
            self._form = ContactListForm(self.request.GET or None)
        return self._form

    def get_contactable(self):
        form = self.get_form()
        if not form.is_valid():
            return Customer.objects.none()
        base = Customer.objects.visible_to(self.request.user).current()
        return (
            selectors.contactable(customers=base, **form.cleaned_data)
            .select_related("home_store", "account_manager")
            .order_by("name_en", "name_zh", "id")
        )


class ContactListView(PermissionRequired404Mixin, ContactListMixin, ListView):
    """Who may be contacted, now, for a purpose, class and channel (through the gate)."""

    permission_required = "privacy.view_contact_list"
    template_name = "privacy/contact_list.html"
    context_object_name = "customers"
    paginate_by = 50

    def get_queryset(self):
        return self.get_contactable()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.get_form()
        context["query_string"] = self.request.GET.urlencode()
        context["can_export"] = self.request.user.has_perm("privacy.export_personal_data")
        return context


class ContactListExportView(PermissionRequired404Mixin, ContactListMixin, View):
    permission_required = ("privacy.view_contact_list", "privacy.export_personal_data")

    def get(self, request, *args, **kwargs):
        customers = list(self.get_contactable())
        form = self.get_form()
        reason = "contact list " + "/".join(form.cleaned_data.values()) if form.is_valid() else ""
        bulk, ask = bulk_export_reason(request, count=len(customers))
        if ask is not None:
            return ask
        reason = f"{reason}; {bulk}" if bulk else reason
        privacy.services.access_record_many(
            user=request.user,
            customers=customers,
            action=AccessLog.Action.EXPORT,
            view_name="privacy:contact-list-export",
            path=request.path,
            reason=reason,
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="contact-list-{stamp}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["id", "name_en", "name_zh", "mobile_phone", "email", "opt_out_link"])
        for c in customers:
            writer.writerow(
                [
                    c.pk,
                    csv_safe(c.name_en),
                    csv_safe(c.name_zh),
                    c.mobile_phone,
                    csv_safe(c.email),
                    request.build_absolute_uri(selectors.optout_path(customer_id=c.pk)),
                ]
            )
        return response
