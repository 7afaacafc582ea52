"""Complaint pages: queues, intake, the complaint page and its actions, SLA compliance, and the public
form and survey. Thin: every write is a service; every read a selector."""

from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView

import privacy.services
from complaints import forms, permissions, selectors, services
from complaints.models import Complaint
from crm_site import roles
from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors as customer_selectors
from customers.views.mixins import CustomerMixin

QUEUE_LABELS = {
    "mine": gettext_lazy("Mine"),
    "store": gettext_lazy("Store queue"),
    "escalated": gettext_lazy("Escalated"),
    "overdue": gettext_lazy("Overdue"),
    "all": gettext_lazy("All"),
}


def _service_errors(form, exc) -> None:
    """A service's refusal on the form: on the fields it names, the rest on top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this."))
    elif hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- queues -----------------------------------------------------------------------------


class ComplaintListView(PermissionRequired404Mixin, ListView):
    permission_required = "complaints.view_complaint"
    template_name = "complaints/complaint_list.html"
    context_object_name = "complaints"
    paginate_by = 25

    @cached_property
    def queue(self) -> str:
        queue = self.request.GET.get("queue", "")
        if queue in selectors.QUEUES:
            return queue
        return "store" if roles.SUPERVISOR in roles.user_roles(self.request.user) else "mine"

    @cached_property
    def filter_form(self):
        return forms.ComplaintFilterForm(self.request.GET or None, user=self.request.user)

    def get_queryset(self):
        form = self.filter_form
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        return selectors.complaint_list_for_user(
            user=self.request.user,
            queue=self.queue,
            status=data.get("status", ""),
            category_id=data["category"].pk if data.get("category") else None,
            severity=data.get("severity", ""),
            store_id=data["store"].pk if data.get("store") else None,
            search=data.get("q", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.queue_counts_for_user(user=self.request.user)
        context["queues"] = [(key, label, counts.get(key)) for key, label in QUEUE_LABELS.items()]
        context["queue"] = self.queue
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["now"] = timezone.now()
        return context


# --- intake -----------------------------------------------------------------------------


class ComplaintCustomerSearchView(PermissionRequired404Mixin, TemplateView):
    """Logging a complaint from the queue starts by finding the customer."""

    permission_required = "complaints.add_complaint"
    template_name = "complaints/complaint_customer_search.html"

    def get_context_data(self, **kwargs):
        form = forms.CustomerSearchForm(self.request.GET or None)
        customers = []
        if form.is_valid():
            customers = list(
                customer_selectors.customer_list_for_user(user=self.request.user, search=form.cleaned_data["q"])[:20]
            )
        return {**super().get_context_data(**kwargs), "form": form, "customers": customers}


class ComplaintCreateView(PermissionRequired404Mixin, CustomerMixin, FormView):
    permission_required = "complaints.add_complaint"
    template_name = "complaints/complaint_form.html"
    form_class = forms.ComplaintCreateForm
    customer_editable = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "customer": self.customer}

    def form_valid(self, form):
        try:
            complaint = services.complaint_create(
                by=self.request.user,
                customer_id=self.customer.pk,
                view_name="complaints:complaint-create",
                **form.cleaned_data,
            )
        except (PermissionDenied, ValidationError) as exc:
            _service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Complaint %(ref)s logged.") % {"ref": complaint.reference})
        return redirect(complaint)


# --- the complaint page ---------------------------------------------------------------


class ComplaintMixin(PermissionRequired404Mixin):
    """The complaint of the URL, through the selector (after the permission check): one 404 for
    missing and forbidden."""

    permission_required = "complaints.view_complaint"

    @cached_property
    def complaint(self) -> Complaint:
        return selectors.complaint_get_for_user(user=self.request.user, pk=self.kwargs["pk"])


class ComplaintDetailView(ComplaintMixin, TemplateView):
    template_name = "complaints/complaint_detail.html"

    def get_context_data(self, **kwargs):
        complaint, user = self.complaint, self.request.user
        if complaint.customer_id:
            privacy.services.access_record_view(
                request=self.request, customer=complaint.customer, view_name="complaints:complaint-detail"
            )
        actions = selectors.complaint_actions_for(user=user, complaint=complaint)
        version = {"version": complaint.version}
        surveys = list(selectors.complaint_surveys(complaint=complaint))
        now = timezone.now()
        return {
            **super().get_context_data(**kwargs),
            "complaint": complaint,
            "events": list(selectors.complaint_events(complaint=complaint)),
            "surveys": surveys,
            "actions": actions,
            "note_form": forms.NoteForm(initial=version),
            "required_note_form": forms.RequiredNoteForm(initial=version),
            "goodwill_form": forms.GoodwillDecisionForm(initial=version),
            "replies": selectors.reply_templates_for(complaint=complaint),
            "possible_customers": list(selectors.possible_customers(user=user, complaint=complaint))
            if actions[permissions.LINK_CUSTOMER]
            else [],
            "now": now,
            "goodwill_limit": services.goodwill_limit(),
            "reopen_until": services.reopen_deadline(complaint) if complaint.resolved_at else None,
            "survey_links": {
                s.pk: services.survey_url(s) for s in surveys if s.answered_at is None and s.expires_at > now
            },
            "refusal": permissions.refusal(user, complaint, permissions.RESOLVE)
            if complaint.is_open and user.has_perm("complaints.change_complaint")
            else None,
        }


class ComplaintActionView(ComplaintMixin, FormView):
    """One workflow action: a form (note, fields) and the service it calls.

    A refusal, an illegal move or a conflicting change shows the form again with the user's
    input and a clear message; after a conflict the form carries the current version, so a
    second submit (once the user has looked) goes through.
    """

    permission_required = "complaints.change_complaint"
    template_name = "complaints/complaint_action.html"
    form_class = forms.NoteForm
    title = ""
    success_message = ""
    action = ""

    def get_initial(self):
        return {"version": self.complaint.version}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "complaint": self.complaint, "title": self.title}

    def call(self, data: dict):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.call(dict(form.cleaned_data))
        except (PermissionDenied, ValidationError) as exc:
            if isinstance(exc, ValidationError) and getattr(exc, "code", None) == "conflict":
                fresh = selectors.complaint_get_for_user(user=self.request.user, pk=self.complaint.pk)
                form.data = form.data.copy()
                form.data["version"] = fresh.version
                self.__dict__["complaint"] = fresh
            _service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"ref": self.complaint.reference})
        return redirect(self.complaint)


class ComplaintTransitionView(ComplaintActionView):
    """Acknowledge, investigate, wait for the customer, close."""

    TITLES = {
        permissions.ACKNOWLEDGE: (gettext_lazy("Acknowledge"), gettext_lazy("Complaint %(ref)s acknowledged.")),
        permissions.INVESTIGATE: (
            gettext_lazy("Start investigating"),
            gettext_lazy("Complaint %(ref)s is under investigation."),
        ),
        permissions.AWAIT_CUSTOMER: (
            gettext_lazy("Wait for the customer"),
            gettext_lazy("Complaint %(ref)s waits for the customer: its clock is paused."),
        ),
        permissions.CLOSE: (gettext_lazy("Close"), gettext_lazy("Complaint %(ref)s closed.")),
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in services.SIMPLE_ACTIONS:
            raise Http404
        self.title, self.success_message = self.TITLES[kwargs["action"]]
        return super().dispatch(request, *args, **kwargs)

    def call(self, data):
        services.complaint_transition(
            by=self.request.user,
            complaint_id=self.complaint.pk,
            action=self.kwargs["action"],
            expected_version=data["version"],
            note=data.get("note", ""),
        )


class ComplaintResolveView(ComplaintActionView):
    form_class = forms.ResolveForm
    title = gettext_lazy("Resolve")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "goodwill_limit": services.goodwill_limit()}

    def call(self, data):
        complaint = services.complaint_resolve(
            by=self.request.user, complaint_id=self.complaint.pk, expected_version=data.pop("version"), **data
        )
        if complaint.goodwill_status == Complaint.Goodwill.PENDING:
            self.success_message = _("Resolution saved for %(ref)s: the goodwill awaits a supervisor's approval.")
        else:
            self.success_message = _("Complaint %(ref)s resolved; a follow-up task and a survey are on their way.")


class ComplaintGoodwillView(ComplaintActionView):
    form_class = forms.GoodwillDecisionForm
    title = gettext_lazy("Goodwill approval")

    def call(self, data):
        approve = data["decision"] == "approve"
        services.complaint_goodwill_decide(
            by=self.request.user,
            complaint_id=self.complaint.pk,
            expected_version=data["version"],
            approve=approve,
            note=data.get("note", ""),
        )
        self.success_message = (
            _("Goodwill approved: complaint %(ref)s is resolved.") if approve else _("Goodwill refused on %(ref)s.")
        )


class ComplaintReopenView(ComplaintActionView):
    form_class = forms.RequiredNoteForm
    title = gettext_lazy("Reopen")
    success_message = gettext_lazy("Complaint %(ref)s reopened.")

    def call(self, data):
        services.complaint_reopen(
            by=self.request.user, complaint_id=self.complaint.pk, expected_version=data["version"], note=data["note"]
        )


class ComplaintEscalateView(ComplaintActionView):
    form_class = forms.RequiredNoteForm
    title = gettext_lazy("Escalate")
    success_message = gettext_lazy("Complaint %(ref)s escalated.")

    def call(self, data):
        services.complaint_escalate(
            by=self.request.user, complaint_id=self.complaint.pk, expected_version=data["version"], note=data["note"]
        )


class ComplaintReassignView(ComplaintActionView):
    form_class = forms.ReassignForm
    title = gettext_lazy("Reassign")
    success_message = gettext_lazy("Complaint %(ref)s reassigned.")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "assignable": services.complaint_assignable_users(complaint=self.complaint),
        }

    def get_initial(self):
        return {**super().get_initial(), "assignee": self.complaint.assignee_id}

    def call(self, data):
        services.complaint_reassign(
            by=self.request.user,
            complaint_id=self.complaint.pk,
            expected_version=data["version"],
            assignee=data["assignee"],
            note=data.get("note", ""),
        )


class ComplaintClassifyView(ComplaintActionView):
    form_class = forms.ClassifyForm
    title = gettext_lazy("Classify")
    success_message = gettext_lazy("Complaint %(ref)s classified; its due times follow the new SLA policy.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "complaint": self.complaint}

    def get_initial(self):
        c = self.complaint
        return {**super().get_initial(), "category": c.category_id, "severity": c.severity, "timepiece": c.timepiece_id}

    def call(self, data):
        services.complaint_classify(
            by=self.request.user,
            complaint_id=self.complaint.pk,
            expected_version=data["version"],
            category=data["category"],
            severity=data["severity"],
            timepiece=data.get("timepiece"),
        )


class ComplaintLinkCustomerView(ComplaintActionView):
    form_class = forms.LinkCustomerForm
    title = gettext_lazy("Link to a customer")
    success_message = gettext_lazy("Complaint %(ref)s linked to the customer.")

    def call(self, data):
        services.complaint_link_customer(
            by=self.request.user,
            complaint_id=self.complaint.pk,
            expected_version=data["version"],
            customer_id=data["customer"],
        )


# --- SLA compliance -------------------------------------------------------------------


class SlaComplianceView(PermissionRequired404Mixin, TemplateView):
    permission_required = "complaints.view_sla_compliance"
    template_name = "complaints/sla_compliance.html"
    periods = (30, 90, 365)

    def get_context_data(self, **kwargs):
        try:
            days = int(self.request.GET.get("days", 90))
        except ValueError:
            days = 90
        days = days if days in self.periods else 90
        since = timezone.now() - timedelta(days=days)
        return {
            **super().get_context_data(**kwargs),
            "rows": selectors.sla_compliance_for_user(user=self.request.user, since=since),
            "days": days,
            "periods": self.periods,
            "since": since,
        }


# --- public: the complaint form and the survey ------------------------------------------


def _client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or behind a proxy the last hop it added to the header named by
    COMPLAINTS_CLIENT_IP_HEADER (e.g. "HTTP_X_FORWARDED_FOR"; earlier hops can be forged by the client)."""
    header = settings.COMPLAINTS_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def _rate_limited(request) -> bool:
    """At most COMPLAINTS_PUBLIC_RATE_LIMIT submissions per address per window (the shared cache)."""
    key = f"complaints:public-form:{_client_address(request)}"
    window = settings.COMPLAINTS_PUBLIC_RATE_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.COMPLAINTS_PUBLIC_RATE_LIMIT


class PublicComplaintView(FormView):
    """No sign-in: CSRF-protected like every form, rate-limited per address, with a honeypot field."""

    template_name = "complaints/public_form.html"
    form_class = forms.PublicComplaintForm

    def post(self, request, *args, **kwargs):
        if _rate_limited(request):
            return render(request, "complaints/public_rate_limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if form.is_bot:
            return redirect("complaints:public-thanks")  # say nothing to a bot; keep nothing
        data = form.cleaned_data
        try:
            complaint = services.complaint_submit_public(
                name=data["name"],
                mobile_phone=data["mobile_phone"],
                email=data["email"],
                store=data["store"],
                category=data["category"],
                subject=data["subject"],
                description=data["description"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
            return self.form_invalid(form)
        self.request.session["complaint_reference"] = complaint.reference
        return redirect("complaints:public-thanks")


class PublicThanksView(TemplateView):
    template_name = "complaints/public_thanks.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reference": self.request.session.pop("complaint_reference", "")}


class SurveyView(FormView):
    """The public satisfaction survey: one answer per link, until it expires."""

    template_name = "complaints/survey.html"
    form_class = forms.SurveyForm

    def dispatch(self, request, *args, **kwargs):
        try:
            self.survey = services.survey_from_token(kwargs["token"])
        except services.SurveyLinkInvalid as exc:
            status = {"forged": 404, "expired": 410, "used": 409}[exc.code]
            return render(request, "complaints/survey_closed.html", {"message": str(exc)}, status=status)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "complaint": self.survey.complaint}

    def form_valid(self, form):
        try:
            services.survey_answer(token=self.kwargs["token"], **form.cleaned_data)
        except services.SurveyLinkInvalid as exc:
            return render(self.request, "complaints/survey_closed.html", {"message": str(exc)}, status=409)
        except ValidationError as exc:
            _service_errors(form, exc)
            return self.form_invalid(form)
        return render(self.request, "complaints/survey_closed.html", {"message": _("Thank you for your answer.")})
