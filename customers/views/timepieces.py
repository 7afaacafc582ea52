"""Owned timepieces, their service jobs and the "service due" list: thin views over services and selectors."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView

import privacy.services
from crm_site.pagination import CappedCountPaginator
from crm_site.permissions import PermissionRequired404Mixin
from customers.forms.timepieces import ServiceJobForm, ServiceJobStatusForm, TimepieceForm
from customers.models import ServiceJob
from customers.selectors import timepieces as timepiece_selectors
from customers.services import timepieces as services
from customers.views.mixins import CustomerMixin, ServiceFormMixin, is_htmx

SERVICE_DUE_WINDOWS = (0, 30, 60, 90, 180)
OPEN = ServiceJob.OPEN_STATUSES


class TimepieceCreateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    permission_required = "customers.add_ownedtimepiece"
    template_name = "customers/timepieces/timepiece_form.html"
    form_class = TimepieceForm

    def get(self, request, *args, **kwargs):
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="customers:timepiece-create"
        )
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        timepiece = self.run_service(
            form,
            lambda: services.timepiece_create(
                by=self.request.user,
                customer=self.customer,
                view_name="customers:timepiece-create",
                **form.service_data(),
            ),
        )
        if timepiece is None:
            return self.form_invalid(form)
        messages.success(self.request, _("%(watch)s added.") % {"watch": timepiece})
        return redirect("customers:timepiece-detail", pk=timepiece.pk)


class TimepieceUpdateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "customers.change_ownedtimepiece"
    template_name = "customers/timepieces/timepiece_form.html"
    form_class = TimepieceForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.timepiece = timepiece_selectors.timepiece_get_editable_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        privacy.services.access_record_view(
            request=request, customer=self.timepiece.customer, view_name="customers:timepiece-update"
        )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.timepiece}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "customer": self.timepiece.customer,
            "timepiece": self.timepiece,
        }

    def form_valid(self, form):
        timepiece = self.run_service(
            form,
            lambda: services.timepiece_update(
                by=self.request.user,
                timepiece_id=self.timepiece.pk,
                view_name="customers:timepiece-update",
                **form.service_data(),
            ),
        )
        if timepiece is None:
            return self.form_invalid(form)
        messages.success(self.request, _("%(watch)s saved.") % {"watch": timepiece})
        return redirect("customers:timepiece-detail", pk=timepiece.pk)


class TimepieceDetailView(PermissionRequired404Mixin, DetailView):
    """The timepiece, its service history, and (for who may) the "book a service" form."""

    permission_required = "customers.view_ownedtimepiece"
    template_name = "customers/timepieces/timepiece_detail.html"
    context_object_name = "timepiece"

    def get_object(self, queryset=None):
        timepiece = timepiece_selectors.timepiece_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        privacy.services.access_record_view(
            request=self.request, customer=timepiece.customer, view_name="customers:timepiece-detail"
        )
        return timepiece

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, timepiece = self.request.user, self.object
        today = timezone.localdate()
        can_edit = timepiece_selectors.timepiece_can_edit(user=user, timepiece=timepiece)
        can_change_jobs = can_edit and user.has_perm("customers.change_servicejob")
        jobs = list(timepiece_selectors.service_jobs_for_timepiece(timepiece=timepiece))
        for job in jobs:
            job.status_form = ServiceJobStatusForm(job=job) if can_change_jobs and job.status in OPEN else None
        has_open_job = any(job.status in OPEN for job in jobs)
        context.update(
            customer=timepiece.customer,
            jobs=jobs,
            today=today,
            due_state=timepiece_selectors.due_state(timepiece=timepiece, today=today),
            warranty_state=timepiece_selectors.warranty_state(timepiece=timepiece, today=today),
            can_edit=can_edit and user.has_perm("customers.change_ownedtimepiece"),
            has_open_job=has_open_job,
        )
        if (
            can_edit
            and user.has_perm("customers.add_servicejob")
            and not has_open_job
            and timepiece.status == timepiece.Status.OWNED
        ):
            context["book_form"] = ServiceJobForm(user=user, timepiece=timepiece)
        return context


class ServiceJobCreateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    """Book a timepiece in for a service (the form is also on the timepiece page)."""

    permission_required = "customers.add_servicejob"
    template_name = "customers/timepieces/servicejob_form.html"
    form_class = ServiceJobForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.timepiece = timepiece_selectors.timepiece_get_editable_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        privacy.services.access_record_view(
            request=request, customer=self.timepiece.customer, view_name="customers:servicejob-create"
        )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "timepiece": self.timepiece}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "timepiece": self.timepiece, "customer": self.timepiece.customer}

    def form_valid(self, form):
        job = self.run_service(
            form,
            lambda: services.service_job_create(
                by=self.request.user,
                timepiece_id=self.timepiece.pk,
                view_name="customers:servicejob-create",
                **form.service_data(),
            ),
        )
        if job is None:
            return self.form_invalid(form)
        messages.success(self.request, _("%(watch)s booked in for service.") % {"watch": self.timepiece})
        return redirect("customers:timepiece-detail", pk=self.timepiece.pk)


class ServiceJobStatusView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    """POST only: move a job to its next status. An htmx request gets the job's row back."""

    permission_required = "customers.change_servicejob"
    http_method_names = ["post"]
    form_class = ServiceJobStatusForm
    row_template = "customers/timepieces/servicejob_row.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.job = timepiece_selectors.service_job_get_editable_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "job": self.job}

    def form_valid(self, form):
        job = self.run_service(
            form,
            lambda: services.service_job_update_status(
                by=self.request.user,
                job_id=self.job.pk,
                view_name="customers:servicejob-status",
                **form.service_data(),
            ),
        )
        if job is None:
            return self.form_invalid(form)
        message = _("Service job is now “%(status)s”.") % {"status": job.get_status_display()}
        if is_htmx(self.request):
            job.status_form = ServiceJobStatusForm(job=job) if job.status in OPEN else None
            response = render(self.request, self.row_template, {"job": job, "message": message})
            if job.status == ServiceJob.Status.RETURNED:
                response["HX-Refresh"] = "true"  # the timepiece's service dates changed
            return response
        messages.success(self.request, message)
        return redirect("customers:timepiece-detail", pk=self.job.timepiece_id)

    def form_invalid(self, form):
        if is_htmx(self.request):
            self.job.status_form = form
            return render(self.request, self.row_template, {"job": self.job})
        for error in form.non_field_errors():
            messages.error(self.request, error)
        for name, errors in form.errors.items():
            if name != "__all__":
                for error in errors:
                    messages.error(self.request, f"{form.fields[name].label}: {error}")
        return redirect(reverse("customers:timepiece-detail", kwargs={"pk": self.job.timepiece_id}))


class ServiceDueListView(PermissionRequired404Mixin, ListView):
    """Timepieces of the user's visible customers that are overdue or due soon, soonest first."""

    permission_required = "customers.view_ownedtimepiece"
    template_name = "customers/timepieces/service_due_list.html"
    context_object_name = "timepieces"
    paginate_by = 50
    paginator_class = CappedCountPaginator  # at a million customers, ~55,000 due at a flagship: not counted each page

    def get_filters(self) -> tuple[int, bool]:
        try:
            within = int(self.request.GET.get("within", timepiece_selectors.DUE_SOON_DAYS))
        except ValueError:
            within = timepiece_selectors.DUE_SOON_DAYS
        if within not in SERVICE_DUE_WINDOWS:
            within = timepiece_selectors.DUE_SOON_DAYS
        return within, self.request.GET.get("mine") == "1"

    def get_queryset(self):
        within, mine = self.get_filters()
        return timepiece_selectors.service_due_list_for_user(
            user=self.request.user, within_days=within, account_manager=self.request.user if mine else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        within, mine = self.get_filters()
        today = timezone.localdate()
        context["timepieces"] = timepiece_selectors.with_states(context["timepieces"], today=today)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            within=within,
            mine=mine,
            windows=SERVICE_DUE_WINDOWS,
            today=today,
            query_string=query.urlencode(),
        )
        return context
