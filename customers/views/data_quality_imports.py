"""Imports (upload, check, import) and the Excel export of the customer list: thin views over
customers.selectors.data_quality_imports and customers.services.data_quality_imports."""

import tablib
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, View

import privacy.services
from crm_site.permissions import PermissionRequired404Mixin
from customers.forms.data_quality_imports import ImportJobCommitForm, ImportJobForm
from customers.models import ImportJob
from customers.selectors import data_quality_imports as selectors
from customers.services import data_quality_imports as services
from customers.views.customer import CustomerExportView, CustomerFilterMixin
from privacy.bulk import bulk_export_reason
from privacy.models import AccessLog

IMPORT_PERMISSION = "customers.import_customers"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_progress_context(job: ImportJob) -> dict:
    """What the progress fragment shows: a phase, a percentage, and whether to keep polling."""
    running = job.status in services.RUNNING
    percent = min(100, job.processed_rows * 100 // job.total_rows) if job.total_rows else 0
    if job.status == ImportJob.Status.PENDING:
        phase = _("Waiting for a worker to start…")
    elif job.status == ImportJob.Status.COMMITTING and job.total_rows and job.processed_rows >= job.total_rows:
        phase = _("Writing to the database…")
    elif job.status == ImportJob.Status.COMMITTING:
        phase = _("Checking the rows again before importing…")
    else:
        phase = _("Checking the rows…")
    return {"job": job, "running": running, "percent": percent, "phase": phase}


class ImportJobListView(PermissionRequired404Mixin, ListView):
    permission_required = IMPORT_PERMISSION
    template_name = "customers/imports/import_list.html"
    context_object_name = "jobs"
    paginate_by = 25

    def get_queryset(self):
        return selectors.import_job_list_for_user(user=self.request.user)


class ImportJobCreateView(PermissionRequired404Mixin, FormView):
    permission_required = IMPORT_PERMISSION
    template_name = "customers/imports/import_form.html"
    form_class = ImportJobForm

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("kind") in ImportJob.Kind.values:
            initial["kind"] = self.request.GET["kind"]
        if self.request.GET.get("store", "").isdigit():
            initial["store"] = int(self.request.GET["store"])
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "column_sets": [
                (kind, label, services.import_columns(kind), services.ONE_OF_COLUMNS[kind])
                for kind, label in ImportJob.Kind.choices
            ],
        }

    def form_valid(self, form):
        try:
            job = services.import_job_create(
                by=self.request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                store=form.cleaned_data["store"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("File uploaded: it is being checked."))
        return redirect("customers:import-detail", pk=job.pk)


class ImportJobDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = IMPORT_PERMISSION
    template_name = "customers/imports/import_detail.html"
    context_object_name = "job"

    def get_object(self, queryset=None):
        return selectors.import_job_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        job = self.object
        retry_query = {"kind": job.kind, **({"store": job.store_id} if job.store_id else {})}
        return {
            **super().get_context_data(**kwargs),
            **import_progress_context(job),
            "can_commit": selectors.import_job_can_commit(user=self.request.user, job=job),
            "commit_form": kwargs.get("commit_form") or ImportJobCommitForm(),
            "retry_url": f"{reverse('customers:import-create')}?{urlencode(retry_query)}",
        }


class ImportJobProgressView(ImportJobDetailView):
    """The progress fragment, polled by htmx every second while the job runs. When it has finished,
    ``HX-Refresh`` reloads the page (to show the errors or the "Import" button) and polling stops."""

    template_name = "customers/imports/import_progress.html"

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not context["running"] and self.request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"
        return response


class ImportJobCommitView(PermissionRequired404Mixin, View):
    permission_required = IMPORT_PERMISSION
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        job = selectors.import_job_get_for_user(user=request.user, pk=kwargs["pk"])
        form = ImportJobCommitForm(request.POST)
        try:
            services.import_job_commit(by=request.user, job_id=job.pk)
        except PermissionDenied:
            raise Http404 from None  # the same answer as for a job the user cannot see
        except ValidationError as exc:
            form.is_valid()
            form.add_error(None, exc)
            view = ImportJobDetailView(request=request, kwargs=kwargs, object=job)
            return view.render_to_response(view.get_context_data(object=job, commit_form=form))
        messages.success(request, _("Importing %(name)s…") % {"name": job.original_name})
        return redirect("customers:import-detail", pk=job.pk)


class ImportTemplateView(PermissionRequired404Mixin, View):
    """An empty file with the column names, to fill in."""

    permission_required = IMPORT_PERMISSION

    def get(self, request, *args, **kwargs):
        kind = kwargs["kind"]
        if kind not in ImportJob.Kind.values:
            raise Http404
        response = HttpResponse(services.import_template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-import-template.csv"'
        return response


class CustomerExportXlsxView(PermissionRequired404Mixin, CustomerFilterMixin, View):
    """The filtered customer list as an Excel workbook; every exported customer gets an access-log row.

    The CSV export's columns, permissions and logging. Cells are typed: a phone number stays text,
    and a value starting with "=" loses that sign, so that Excel never runs it as a formula.
    """

    permission_required = CustomerExportView.permission_required
    columns = CustomerExportView.columns

    def get(self, request, *args, **kwargs):
        customers = list(self.get_filtered_queryset())
        reason, ask = bulk_export_reason(request, count=len(customers))
        if ask is not None:
            return ask
        privacy.services.access_record_many(
            user=request.user,
            customers=customers,
            action=AccessLog.Action.EXPORT,
            view_name="customers:customer-export-xlsx",
            path=request.path,  # not the query: a search term may be a name
            reason=reason,
        )
        dataset = tablib.Dataset(headers=list(self.columns), title=_("Customers"))
        for c in customers:
            dataset.append(
                [
                    c.pk,
                    c.name_en,
                    c.name_zh,
                    c.mobile_phone,
                    c.email,
                    c.get_district_display(),
                    c.home_store.name,
                    str(c.account_manager or ""),
                ]
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(dataset.export("xlsx", escape=True), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
        return response
