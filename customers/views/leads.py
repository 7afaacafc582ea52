"""The leads pages: list with the funnel, create, detail, edit, status, log an interaction, convert.

A lead is not a customer, so its pages write no privacy access-log row; converting one
creates the customer through ``customer_create``, which writes the CREATE row.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

from crm_site.permissions import PermissionRequired404Mixin
from customers.forms.leads import LeadConvertForm, LeadFilterForm, LeadForm, LeadInteractionForm, LeadStatusForm
from customers.models import Lead
from customers.phones import phone_display
from customers.selectors import leads as selectors
from customers.services import leads as services
from customers.views.mixins import ServiceFormMixin


class LeadMixin:
    """The lead in the URL, through a selector: the same 404 for missing and forbidden.

    Listed after PermissionRequired404Mixin, so the lead is read only once the permission check passed.
    """

    editable = False  # True: the lead must be one the user may edit

    def dispatch(self, request, *args, **kwargs):
        get = selectors.lead_get_editable_for_user if self.editable else selectors.lead_get_for_user
        self.lead = get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "lead": self.lead}


class LeadListView(PermissionRequired404Mixin, ListView):
    permission_required = "customers.view_lead"
    template_name = "customers/leads/lead_list.html"
    context_object_name = "leads"
    paginate_by = 25

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = LeadFilterForm(self.request.GET or None)
        return self._filter_form

    def get_queryset(self):
        form = self.get_filter_form()
        form.is_valid()
        data = getattr(form, "cleaned_data", {})  # the valid filters apply even if another is bad
        return selectors.lead_list_for_user(
            user=self.request.user,
            status=data.get("status") or None,
            source=data.get("source") or None,
            search=data.get("q", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for lead in context["leads"]:
            lead.phone_text = phone_display(lead.mobile_phone)
        context["filter_form"] = self.get_filter_form()
        context["funnel"] = selectors.lead_funnel(user=self.request.user)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class LeadDetailView(PermissionRequired404Mixin, LeadMixin, DetailView):
    permission_required = "customers.view_lead"
    template_name = "customers/leads/lead_detail.html"
    context_object_name = "lead"

    def get_object(self, queryset=None):
        return self.lead

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        lead = self.lead
        can_edit = selectors.lead_can_edit(user=user, lead=lead)
        context.update(
            phone_text=phone_display(lead.mobile_phone),
            interactions=list(lead.interactions.select_related("staff")),
            tasks=list(lead.tasks.select_related("assignee")),
            can_edit=can_edit and lead.status != Lead.Status.CONVERTED,
            can_log=can_edit and lead.status != Lead.Status.CONVERTED and user.has_perm("customers.add_interaction"),
            can_convert=can_edit and lead.status != Lead.Status.CONVERTED and user.has_perm("customers.add_customer"),
            status_form=LeadStatusForm(initial={"status": lead.status}),
            today=timezone.localdate(),
        )
        return context


class LeadCreateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "customers.add_lead"
    template_name = "customers/leads/lead_form.html"
    form_class = LeadForm

    def get_initial(self):
        initial = super().get_initial()
        referrer = self.request.GET.get("referred_by", "")
        if referrer.isdigit():  # "add a referral" from a customer's page
            initial.update(referred_by=int(referrer), source=Lead.Source.REFERRAL)
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        lead = self.run_service(form, lambda: services.lead_create(by=self.request.user, **form.service_data()))
        if lead is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Lead %(name)s added.") % {"name": lead})
        return redirect(lead)


class LeadUpdateView(PermissionRequired404Mixin, LeadMixin, ServiceFormMixin, FormView):
    permission_required = "customers.change_lead"
    template_name = "customers/leads/lead_form.html"
    form_class = LeadForm
    editable = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "instance": self.lead}

    def form_valid(self, form):
        lead = self.run_service(
            form, lambda: services.lead_update(by=self.request.user, lead_id=self.lead.pk, **form.service_data())
        )
        if lead is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Lead %(name)s saved.") % {"name": lead})
        return redirect(lead)


class LeadStatusUpdateView(PermissionRequired404Mixin, LeadMixin, View):
    """The status buttons of the detail page (POST only)."""

    permission_required = "customers.change_lead"
    http_method_names = ["post"]
    editable = True

    def post(self, request, *args, **kwargs):
        form = LeadStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose contacted, qualified or lost."))
            return redirect(self.lead)
        try:
            lead = services.lead_set_status(by=request.user, lead_id=self.lead.pk, status=form.cleaned_data["status"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            return redirect(self.lead)
        messages.success(request, _("Lead marked “%(status)s”.") % {"status": lead.get_status_display()})
        return redirect(lead)


class LeadInteractionCreateView(PermissionRequired404Mixin, LeadMixin, ServiceFormMixin, FormView):
    permission_required = ("customers.view_lead", "customers.add_interaction")
    template_name = "customers/leads/lead_interaction_form.html"
    form_class = LeadInteractionForm
    editable = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "lead": self.lead}

    def form_valid(self, form):
        task = form.task_data()
        try:
            with transaction.atomic():  # the interaction and its follow-up, or neither
                interaction = services.lead_interaction_log(
                    by=self.request.user, lead_id=self.lead.pk, **form.interaction_data()
                )
                if task:
                    services.lead_task_create(
                        by=self.request.user,
                        lead_id=self.lead.pk,
                        title=task["title"],
                        due_on=task["due_on"],
                        assignee=task["assignee"],
                        interaction_id=interaction.pk,
                    )
        except (ValidationError, PermissionDenied) as exc:
            if hasattr(exc, "error_dict"):
                exc = ValidationError(
                    {
                        {"due_on": "follow_up_due_on", "assignee": "follow_up_assignee"}.get(name, name): errors
                        for name, errors in exc.error_dict.items()
                    }
                )
            self.add_service_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Interaction logged."))
        return redirect(self.lead)


class LeadConvertView(PermissionRequired404Mixin, LeadMixin, ServiceFormMixin, FormView):
    """GET: the customer the lead would become, and any duplicate found. POST: convert."""

    permission_required = ("customers.change_lead", "customers.add_customer")
    template_name = "customers/leads/lead_convert.html"
    form_class = LeadConvertForm
    editable = True

    def get(self, request, *args, **kwargs):
        if self.lead.status == Lead.Status.CONVERTED:
            messages.info(request, _("This lead is already a customer."))
            return redirect(self.lead)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "lead": self.lead}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if form.is_bound and form.is_valid() and not form.linking:
            phone, email = form.cleaned_data.get("mobile_phone", ""), form.cleaned_data.get("email", "")
        else:
            phone, email = self.lead.mobile_phone, self.lead.email
        duplicates = selectors.lead_duplicates_for_user(user=self.request.user, mobile_phone=phone, email=email)
        chosen = form.data.get("link_existing_customer", "") if form.is_bound else ""
        context.update(
            duplicates=duplicates,
            duplicate_rows=[
                {
                    "customer": c,
                    "matched_on": duplicates.matched_on.get(c.pk, []),
                    "linkable": c.pk in duplicates.linkable_ids,
                    "chosen": str(c.pk) == chosen,
                }
                for c in duplicates.visible
            ],
            acquisition_source=dict(Lead.Source.choices)[self.lead.source],
        )
        return context

    def form_valid(self, form):
        if self.lead.status == Lead.Status.CONVERTED:
            form.add_error(None, _("This lead is already a customer."))
            return self.form_invalid(form)
        customer = self.run_service(
            form, lambda: services.lead_convert(by=self.request.user, lead_id=self.lead.pk, **form.service_data())
        )
        if customer is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(lead)s is now a customer: %(customer)s.") % {"lead": self.lead, "customer": customer.display_name},
        )
        return redirect(customer)
