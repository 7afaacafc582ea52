"""Pages of the campaigns app: list, create, one campaign with its response, and its actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DetailView, FormView, ListView, TemplateView, View

from campaigns import selectors, tasks
from campaigns.forms import CampaignForm, CoFundingForm, EventForm, EventLeadForm, SellOutForm
from campaigns.models import Campaign, CoFunding, Invitation
from campaigns.services import campaigns as services
from campaigns.services import events, loyalty
from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors as customer_selectors
from customers.views.mixins import CustomerMixin, ServiceFormMixin
from privacy.models import AccessLog
from privacy.models.consent import Channel
from privacy.services import access_record_many


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
        context["fundings"] = selectors.campaign_fundings(campaign=campaign)
        context["funding_form"] = CoFundingForm()
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


# --- Events -----------------------------------------------------------------------------------------


class EventListView(PermissionRequired404Mixin, ListView):
    permission_required = "campaigns.view_event"
    template_name = "campaigns/event_list.html"
    context_object_name = "events"
    paginate_by = 25

    def get_queryset(self):
        return selectors.event_list()


class EventCreateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "campaigns.add_event"
    template_name = "campaigns/event_form.html"
    form_class = EventForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "stores": customer_selectors.stores_for_user(user=self.request.user)}

    def form_valid(self, form):
        event = self.run_service(form, lambda: events.event_create(by=self.request.user, **form.service_data()))
        if event is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Event created. Send the invitations when it is ready."))
        return redirect("campaigns:event-detail", pk=event.pk)


class EventDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "campaigns.view_event"
    template_name = "campaigns/event_detail.html"
    context_object_name = "event"

    def get_object(self, queryset=None):
        return selectors.event_get(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event, user = self.object, self.request.user
        context["summary"] = selectors.event_summary(event=event)
        context["invitations"] = invitations = list(selectors.event_invitations(user=user, event=event))
        context["questions"] = questions = selectors.feedback_summary(event=event)
        for invitation in invitations:
            given = {a.question_id: a for a in invitation.answers.all()}
            invitation.answer_rows = [(q, given.get(q.pk)) for q in questions]
        context["campaign"] = Campaign.objects.filter(event=event).first()
        context["leads"] = selectors.event_leads(event=event)
        context["lead_form"] = EventLeadForm()
        context["funding_form"] = CoFundingForm()
        context["Response"] = Invitation.Response
        return context


class EventInviteView(PermissionRequired404Mixin, View):
    permission_required = "campaigns.change_event"

    def post(self, request, pk):
        event = selectors.event_get(pk=pk)
        try:
            with transaction.atomic():
                campaign = events.event_invite(by=request.user, event_id=event.pk)
                transaction.on_commit(lambda: tasks.campaign_send.delay(campaign.pk))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("Invitations are going out to the customers of the segment who agreed to hear about events.")
            )
        return redirect("campaigns:event-detail", pk=pk)


class InvitationAttendanceView(PermissionRequired404Mixin, View):
    """POST attended=1/0 for one invitation of a customer the user may see."""

    permission_required = "campaigns.change_invitation"

    def post(self, request, pk, invitation_pk):
        try:
            events.attendance_mark(
                by=request.user, invitation_id=invitation_pk, attended=request.POST.get("attended") == "1"
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        return redirect(f"{reverse('campaigns:event-detail', args=[pk])}#invitation-{invitation_pk}")


class InvitationFeedbackView(PermissionRequired404Mixin, View):
    """POST the attendee's answers: q<question id>=value."""

    permission_required = "campaigns.add_feedbackanswer"

    def post(self, request, pk, invitation_pk):
        answers = {int(k[1:]): v for k, v in request.POST.items() if k.startswith("q") and k[1:].isdigit()}
        try:
            events.feedback_record(by=request.user, invitation_id=invitation_pk, answers=answers)
        except PermissionDenied as exc:
            raise Http404 from exc
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Feedback recorded."))
        return redirect(f"{reverse('campaigns:event-detail', args=[pk])}#invitation-{invitation_pk}")


class EventLeadCreateView(PermissionRequired404Mixin, View):
    permission_required = "campaigns.add_eventlead"

    def post(self, request, pk):
        event = selectors.event_get(pk=pk)
        form = EventLeadForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect("campaigns:event-detail", pk=pk)
        try:
            events.event_lead_create(by=request.user, event_id=event.pk, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Lead recorded with this event as its source."))
        return redirect(f"{reverse('campaigns:event-detail', args=[pk])}#leads")


class CoFundingCreateView(PermissionRequired404Mixin, View):
    """POST a brand's co-funding of a campaign or an event."""

    permission_required = "campaigns.add_cofunding"

    def post(self, request, kind, pk):
        target = {"campaign": selectors.campaign_get, "event": selectors.event_get}.get(kind)
        if target is None:
            raise Http404
        obj = target(pk=pk)
        form = CoFundingForm(request.POST)
        if form.is_valid():
            try:
                events.cofunding_add(by=request.user, **{kind: obj}, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Co-funding recorded."))
        else:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(f"campaigns:{kind}-detail", pk=pk)


@method_decorator(login_not_required, name="dispatch")
class RsvpView(TemplateView):
    """The public RSVP link of an invitation: no login; answered once (GET only shows the question)."""

    template_name = "campaigns/rsvp.html"

    def get_invitation(self):
        return selectors.rsvp_get(token=self.kwargs["token"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invitation": self.get_invitation()}

    def post(self, request, token):
        invitation = self.get_invitation()
        error = ""
        try:
            invitation = events.rsvp_answer(token=token, accept=request.POST.get("answer") == "yes")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        return self.render_to_response({"invitation": invitation, "error": error, "answered_now": not error})


class SellOutReportView(PermissionRequired404Mixin, FormView):
    """A brand's sell-out by store and tier for a period, to share with the brand: aggregates only,
    plus the buyers who consented in writing to provision of their data to partner brands."""

    permission_required = "campaigns.view_sellout_report"
    template_name = "campaigns/sellout_report.html"
    form_class = SellOutForm

    def get_form_kwargs(self):
        return {"data": self.request.GET or None}

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        context = {"form": form}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            context["report"] = selectors.sellout_report(brand=data["brand"], start=data["start"], end=data["end"])
            buyers = list(
                selectors.sellout_consented_buyers(
                    brand=data["brand"], start=data["start"], end=data["end"], channel=Channel.EMAIL
                )
            )
            if buyers:
                access_record_many(
                    user=request.user,
                    customers=buyers,
                    action=AccessLog.Action.VIEW,
                    view_name="campaigns:sellout-report",
                    path=request.path,
                    reason=f"sell-out report {data['brand']}",
                )
            context["consented_buyers"] = buyers
        return self.render_to_response(self.get_context_data(**context))


class CoFundingListView(PermissionRequired404Mixin, ListView):
    permission_required = "campaigns.view_cofunding"
    template_name = "campaigns/cofunding_list.html"
    context_object_name = "fundings"
    paginate_by = 50

    def get_queryset(self):
        return CoFunding.objects.select_related("brand", "campaign", "event").order_by("brand__name", "-created_at")
