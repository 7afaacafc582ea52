"""Pages of the reports app: the supervisor dashboard and the drill-down lists behind its figures."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView

from crm_site.permissions import PermissionRequired404Mixin
from privacy.masking import can_view_sensitive
from privacy.models import AccessLog
from privacy.services import access_record_many
from reports import kpis, selectors
from reports.forms import PeriodForm, ReportDefinitionForm
from reports.models import ReportDefinition
from reports.services import definitions, runs

PERIOD_LABELS = {"current": _("This period"), "previous": _("Previous period"), "last_year": _("A year before")}


class PeriodMixin:
    def get_period_form(self) -> PeriodForm:
        if not hasattr(self, "_period_form"):
            stores = selectors.dashboard_stores(user=self.request.user)
            self._period_form = PeriodForm(self.request.GET or None, stores=stores)
        return self._period_form

    def get_period(self) -> tuple[selectors.Period, object]:
        form = self.get_period_form()
        form.is_valid()
        data = getattr(form, "cleaned_data", {})  # the valid fields, even if another one is not
        period = selectors.period_for(
            preset=data.get("period") or selectors.DEFAULT_PRESET,
            start=data.get("start"),
            end=data.get("end"),
            latest=selectors.last_snapshot_day(),
        )
        return period, data.get("store")


class DashboardView(PermissionRequired404Mixin, PeriodMixin, TemplateView):
    """Supervisors: their stores' figures; admins: the whole business (or one store)."""

    permission_required = "reports.view_dashboard"
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, store = self.get_period()
        board = selectors.dashboard(user=self.request.user, period=period, store_id=store.pk if store else None)
        drill_query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        if store:
            drill_query["store"] = store.pk
        context.update(
            filter_form=self.get_period_form(),
            period=period,
            store=store,
            board=board,
            labels=PERIOD_LABELS,
            drill_query=urlencode(drill_query),
            charts=[
                {"id": f"chart-data-{s.code}", "title": str(s.title), "data": selectors.chart_data(s, PERIOD_LABELS)}
                for s in board["sections"]
            ],
        )
        return context


class DrillDownView(PermissionRequired404Mixin, PeriodMixin, ListView):
    """The customers, complaints, purchases or service jobs behind one figure (the user's stores only)."""

    permission_required = "reports.view_dashboard"
    template_name = "reports/drill_down.html"
    context_object_name = "rows"
    paginate_by = 50

    def get_metric(self) -> kpis.Metric:
        metric = kpis.METRICS.get(self.kwargs["metric"])
        if metric is None:
            raise Http404
        return metric

    def get_queryset(self):
        period, store = self.get_period()
        self.period = period
        return selectors.drill_down(
            user=self.request.user,
            metric=self.get_metric(),
            period=period,
            key=self.request.GET.get("key", ""),
            store_id=store.pk if store else None,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        metric = self.get_metric()
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            metric=metric,
            key=self.request.GET.get("key", ""),
            key_label=selectors.key_label(metric.code, self.request.GET.get("key", "")),
            period=self.period,
            total=selectors.drill_total(self.object_list, metric),
            query_string=query.urlencode(),
            back_query=urlencode({k: v for k, v in query.items() if k in ("start", "end", "store")}),
        )
        return context


class MyDayView(PermissionRequired404Mixin, TemplateView):
    """An account manager's own page: today's follow-ups, service reminders, open complaints, birthdays this
    week, and the tier and risk mix of their book. Birth dates are sensitive fields (customers' personal-data
    registry): names and days are shown only with privacy.view_sensitive, and each one shown is logged;
    without it, only how many customers have a birthday this week."""

    permission_required = "reports.view_my_day"
    template_name = "reports/my_day.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = selectors.my_day(user=self.request.user)
        day["birthday_count"] = len(day["birthdays"])
        if can_view_sensitive(self.request.user):
            if day["birthdays"]:
                access_record_many(
                    user=self.request.user,
                    customers=day["birthdays"],
                    action=AccessLog.Action.VIEW_SENSITIVE,
                    view_name="reports:my-day",
                    path=self.request.path,
                )
        else:
            day["birthdays"] = None
        context.update(day)
        return context


# --- regular reports -----------------------------------------------------------------------------------------------


class DefinitionListView(PermissionRequired404Mixin, ListView):
    permission_required = "reports.view_reportdefinition"
    template_name = "reports/definition_list.html"
    context_object_name = "definitions"
    paginate_by = 30

    def get_queryset(self):
        return selectors.definitions_for_user(user=self.request.user)


class DefinitionFormMixin(PermissionRequired404Mixin):
    template_name = "reports/definition_form.html"
    form_class = ReportDefinitionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "stores": selectors.dashboard_stores(user=self.request.user)}

    def form_valid(self, form):
        try:
            definition = definitions.definition_save(
                by=self.request.user, definition=form.save(commit=False), stores=form.cleaned_data["stores"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Report saved; its schedule is in place."))
        return redirect(definition)


class DefinitionCreateView(DefinitionFormMixin, CreateView):
    permission_required = "reports.add_reportdefinition"


class DefinitionUpdateView(DefinitionFormMixin, UpdateView):
    permission_required = "reports.change_reportdefinition"

    def get_object(self, queryset=None):
        return selectors.definition_get_for_user(user=self.request.user, pk=self.kwargs["pk"])


class DefinitionDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "reports.view_reportdefinition"
    template_name = "reports/definition_detail.html"
    context_object_name = "definition"

    def get_object(self, queryset=None):
        return selectors.definition_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["runs"] = selectors.runs_for_definition(definition=self.object)[:30]
        context["section_labels"] = [
            label for code, label in ReportDefinition.Section.choices if code in self.object.sections
        ]
        return context


class RunNowView(PermissionRequired404Mixin, View):
    permission_required = "reports.change_reportdefinition"

    def post(self, request, pk):
        definition = selectors.definition_get_for_user(user=request.user, pk=pk)
        definitions.run_start(definition=definition)
        messages.success(request, _("The report is being prepared; it will be e-mailed and listed here."))
        return redirect(definition)


class RunDownloadView(PermissionRequired404Mixin, View):
    """An archived PDF or CSV, for the report's owner or an admin; every download is logged."""

    permission_required = "reports.view_reportrun"

    def get(self, request, pk, kind):
        run = selectors.run_get_for_user(user=request.user, pk=pk)
        file = {"pdf": run.pdf, "csv": run.csv}.get(kind)
        if not file:
            raise Http404
        runs.download_record(run=run, user=request.user, kind=kind)
        return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])


class ProgrammeReturnsView(PermissionRequired404Mixin, PeriodMixin, TemplateView):
    """Per programme: budget, spend and the revenue its audience retained or won back, for a period."""

    permission_required = "reports.view_programme_returns"
    template_name = "reports/programme_returns.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, store = self.get_period()
        context.update(
            filter_form=self.get_period_form(),
            period=period,
            store=store,
            rows=selectors.programme_returns(
                user=self.request.user, period=period, store_id=store.pk if store else None
            ),
        )
        return context
