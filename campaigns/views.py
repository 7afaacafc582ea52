"""Pages of the campaigns app: list, create, one campaign with its response, and its actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DetailView, ListView, View

from campaigns import selectors, tasks
from campaigns.forms import CampaignForm
from campaigns.models import Campaign
from campaigns.services import campaigns as services
from campaigns.services import loyalty
from crm_site.permissions import PermissionRequired404Mixin
from customers.views.mixins import CustomerMixin, ServiceFormMixin


class CampaignListView(PermissionRequired404Mixin, ListView):
    permission_required = "campaigns.view_campaign"
    template_name = "campaigns/campaign_list.html"
    context_object_name = "campaigns"
    paginate_by = 25

    def get_queryset(self):
        return selectors.campaign_list()


class CampaignCreateView(PermissionRequired404Mixin, ServiceFormMixin, CreateView):
    permission_required = "campaigns.add_campaign"
    template_name = "campaigns/campaign_form.html"
    form_class = CampaignForm

    def form_valid(self, form):
        campaign = self.run_service(form, lambda: services.campaign_create(by=self.request.user, **form.cleaned_data))
        if campaign is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Campaign saved as a draft. Schedule it when it is ready."))
        return redirect("campaigns:campaign-detail", pk=campaign.pk)


class CampaignDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "campaigns.view_campaign"
    template_name = "campaigns/campaign_detail.html"
    context_object_name = "campaign"

    def get_object(self, queryset=None):
        return selectors.campaign_get(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        context["status_counts"] = selectors.status_counts(campaign=campaign)
        context["response"] = response = selectors.campaign_response(campaign=campaign)
        if response:
            context["response_groups"] = [(_("Recipients"), response["mailed"]), (_("Control"), response["control"])]
        context["recipients"] = selectors.recipient_list(user=self.request.user, campaign=campaign)[:200]
        context["Status"] = Campaign.Status
        return context


class CampaignActionView(PermissionRequired404Mixin, View):
    """POST schedule / pause / resume / cancel. Scheduling or resuming a due campaign queues its send."""

    permission_required = "campaigns.change_campaign"
    actions = {
        "schedule": services.campaign_schedule,
        "pause": services.campaign_pause,
        "resume": services.campaign_resume,
        "cancel": services.campaign_cancel,
    }

    def post(self, request, pk, action):
        service = self.actions.get(action)
        campaign = selectors.campaign_get(pk=pk)
        if service is None:
            raise Http404
        try:
            with transaction.atomic():
                campaign = service(by=request.user, campaign_id=campaign.pk)
                due = campaign.scheduled_at is None or campaign.scheduled_at <= timezone.now()
                if action in ("schedule", "resume") and due:
                    transaction.on_commit(lambda: tasks.campaign_send.delay(campaign.pk))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Campaign %(status)s.") % {"status": campaign.get_status_display().lower()})
        return redirect("campaigns:campaign-detail", pk=pk)


class LoyaltyRedeemView(PermissionRequired404Mixin, CustomerMixin, View):
    """POST from the customer page's points panel: one voucher for the programme's set points."""

    permission_required = "campaigns.add_voucher"
    customer_editable = False

    def post(self, request, customer_pk):
        try:
            vouchers = loyalty.loyalty_redeem(by=request.user, customer_id=self.customer.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Voucher %(code)s issued for %(value)s.") % {"code": vouchers[0].code, "value": vouchers[0].value},
            )
        return redirect(f"{self.customer.get_absolute_url()}#loyalty-panel")
