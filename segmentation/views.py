"""Pages of screening and classification: criteria and their editor, segments, tiers, RFM, runs."""

import csv
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

import privacy.services
from crm_site.pagination import CappedCountPaginator
from crm_site.permissions import PermissionRequired404Mixin
from customers.views.customer import csv_safe
from privacy.models import AccessLog
from segmentation import selectors, services
from segmentation.forms import CriterionForm, builder_options, builder_tree, rule_edit, rule_from_data
from segmentation.rules import rule_validate

EXPORT_CHUNK = 2000


class SegmentationOverviewView(PermissionRequired404Mixin, TemplateView):
    """Segments, tiers and RFM segments with their sizes over time, and the tier movement of the last run."""

    permission_required = "segmentation.view_segment"
    template_name = "segmentation/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        last_run = selectors.run_last_succeeded()
        counts = last_run.counts if last_run else {}
        context.update(
            last_run=last_run,
            active_run=selectors.run_active(),
            segments=[(s, (counts.get("segments") or {}).get(str(s.pk))) for s in selectors.segment_list()],
            tiers=[(t, (counts.get("tiers") or {}).get(str(t.pk))) for t in selectors.tier_list()],
            rfm_segments=[(s, (counts.get("rfm") or {}).get(s.code)) for s in selectors.rfm_segment_list()],
            history=selectors.size_history(),
            movement=selectors.tier_movement(run=last_run),
        )
        return context


# ------------------------------------------------------------------------------------------ criteria


class CriterionListView(PermissionRequired404Mixin, ListView):
    permission_required = "segmentation.view_criterion"
    template_name = "segmentation/criterion_list.html"
    context_object_name = "criteria"

    def get_queryset(self):
        return selectors.criterion_list()


def _builder_context(*, user, rule: dict) -> dict:
    """The builder's tree and the live preview (count and sample of the customers the user may see)."""
    context = {"builder": builder_tree(rule, builder_options()), "rule_json": json.dumps(rule)}
    try:
        validated = rule_validate(rule)
    except ValidationError as exc:
        context["rule_errors"] = exc.messages
        return context
    context["preview"] = selectors.criterion_preview(user=user, rule=validated)
    return context


class CriterionEditMixin(PermissionRequired404Mixin, FormView):
    template_name = "segmentation/criterion_form.html"
    form_class = CriterionForm
    criterion = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.criterion}

    def initial_rule(self) -> dict:
        if self.request.method == "POST":
            return rule_from_data(self.request.POST)
        if self.criterion is not None:
            return self.criterion.rule
        return {"all": [{"field": "spend_12m", "op": "gte", "value": ""}]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["criterion"] = self.criterion
        context.update(_builder_context(user=self.request.user, rule=self.initial_rule()))
        return context

    def form_valid(self, form):
        rule = rule_from_data(self.request.POST)
        try:
            criterion = self.save(form=form, rule=rule)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Criterion “%(name)s” saved.") % {"name": criterion.name})
        return redirect("segmentation:criterion-list")


class CriterionCreateView(CriterionEditMixin):
    permission_required = "segmentation.add_criterion"

    def save(self, *, form, rule):
        return services.criterion_create(by=self.request.user, rule=rule, **form.service_data())


class CriterionUpdateView(CriterionEditMixin):
    permission_required = "segmentation.change_criterion"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.criterion = selectors.criterion_get(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def save(self, *, form, rule):
        return services.criterion_update(
            criterion_id=self.criterion.pk, by=self.request.user, rule=rule, **form.service_data()
        )


class CriterionBuilderView(PermissionRequired404Mixin, View):
    """htmx: apply a builder action (add or remove a condition or group, change a field) and redraw
    the builder with its live preview. Writes nothing."""

    permission_required = "segmentation.add_criterion"

    def post(self, request, *args, **kwargs):
        rule = rule_from_data(request.POST)
        action = request.POST.get("action", "")
        if action:
            rule = rule_edit(rule, action=action, target=request.POST.get("target", ""))
        context = _builder_context(user=request.user, rule=rule)
        return TemplateResponse(request, "segmentation/partials/rule_builder.html", context)


# ------------------------------------------------------------------------------------------ members


class MembersPaginator(CappedCountPaginator):
    """A member list's pages: the count stops at the cap (CappedCountPaginator), and a page is a deferred join.

    The page's keys are chosen first on the narrow rows (the memberships in the list's order, through the order
    index of segmentation migration 0006: ``SELECT pk … ORDER BY … LIMIT 50 OFFSET n``), then only those rows
    are read with their customer, store and account manager, in one query (``WHERE pk IN (that subquery)``).
    At a million customers a late page (page 200 of a tier of 600,000) then sorts or walks ten thousand keys,
    not ten thousand wide rows joined to their customers (issue #10). Same rows, same order.
    """

    def page(self, number):
        number, bottom, top = self.page_bounds(number)
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


class MembersView(PermissionRequired404Mixin, ListView):
    """A member list: flat (one count and one page query), customers the user may see.

    The count is exact up to 10,000 and "more than 10,000" above (a tier of 600,000 customers is not counted
    on every page; the export has them all), and each list's order is an index (segmentation migration 0006).
    """

    template_name = "segmentation/members.html"
    context_object_name = "rows"
    paginate_by = 50
    paginator_class = MembersPaginator
    export_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["group"] = self.group
        context["kind"] = self.kind
        context["export_url"] = self.export_url
        context["can_export"] = self.request.user.has_perm("privacy.export_personal_data")
        return context


class SegmentDetailView(MembersView):
    permission_required = "segmentation.view_segment"
    kind = "segment"

    def get_queryset(self):
        self.group = selectors.segment_get(pk=self.kwargs["pk"])
        self.export_url = ("segmentation:segment-export", self.group.pk)
        return selectors.segment_members(user=self.request.user, segment=self.group)


class TierDetailView(MembersView):
    permission_required = "segmentation.view_tier"
    kind = "tier"

    def get_queryset(self):
        self.group = selectors.tier_get(pk=self.kwargs["pk"])
        self.export_url = ("segmentation:tier-export", self.group.pk)
        return selectors.tier_members(user=self.request.user, tier=self.group)


class RfmSegmentDetailView(MembersView):
    permission_required = "segmentation.view_rfmsegment"
    kind = "rfm"

    def get_queryset(self):
        self.group = selectors.rfm_segment_get(code=self.kwargs["code"])
        self.export_url = ("segmentation:rfm-export", self.group.code)
        return selectors.rfm_members(user=self.request.user, segment=self.group)


class MembersExportView(PermissionRequired404Mixin, View):
    """The members as CSV, streamed in chunks; every exported customer gets an access-log row."""

    columns = ("id", "name_en", "name_zh", "mobile_phone", "email", "home_store", "account_manager")
    filename = "members"

    def rows(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        rows = self.rows()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(self._stream(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.filename}-{stamp}.csv"'
        return response

    def _stream(self, rows):
        class Line:
            def write(self, value):
                return value

        writer = csv.writer(Line())
        yield "\ufeff" + writer.writerow(self.columns)
        chunk = []
        for row in rows.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(row)
            if len(chunk) >= EXPORT_CHUNK:
                yield from self._chunk(writer, chunk)
                chunk = []
        if chunk:
            yield from self._chunk(writer, chunk)

    def _chunk(self, writer, chunk):
        customers = [row.customer for row in chunk]
        privacy.services.access_record_many(
            user=self.request.user,
            customers=customers,
            action=AccessLog.Action.EXPORT,
            view_name=self.request.resolver_match.view_name,
            path=self.request.get_full_path(),
        )
        for c in customers:
            yield writer.writerow(
                [
                    c.pk,
                    csv_safe(c.name_en),
                    csv_safe(c.name_zh),
                    c.mobile_phone,
                    csv_safe(c.email),
                    csv_safe(c.home_store.name),
                    csv_safe(str(c.account_manager or "")),
                ]
            )


class SegmentExportView(MembersExportView):
    permission_required = ("segmentation.view_segment", "privacy.export_personal_data")

    def rows(self):
        segment = selectors.segment_get(pk=self.kwargs["pk"])
        self.filename = f"segment-{segment.pk}"
        return selectors.segment_members(user=self.request.user, segment=segment)


class TierExportView(MembersExportView):
    permission_required = ("segmentation.view_tier", "privacy.export_personal_data")

    def rows(self):
        tier = selectors.tier_get(pk=self.kwargs["pk"])
        self.filename = f"tier-{tier.pk}"
        return selectors.tier_members(user=self.request.user, tier=tier)


class RfmSegmentExportView(MembersExportView):
    permission_required = ("segmentation.view_rfmsegment", "privacy.export_personal_data")

    def rows(self):
        segment = selectors.rfm_segment_get(code=self.kwargs["code"])
        self.filename = f"rfm-{segment.code}"
        return selectors.rfm_members(user=self.request.user, segment=segment)


# ------------------------------------------------------------------------------------------ runs


class RunListView(PermissionRequired404Mixin, ListView):
    permission_required = "segmentation.view_run"
    template_name = "segmentation/run_list.html"
    context_object_name = "runs"
    paginate_by = 25

    def get_queryset(self):
        return selectors.run_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_run"] = selectors.run_active()
        return context


class RunDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "segmentation.view_run"
    template_name = "segmentation/run_detail.html"
    context_object_name = "run"

    def get_object(self, queryset=None):
        return selectors.run_get(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["movement"] = selectors.tier_movement(run=self.object) if self.object.status == "succeeded" else None
        return context


class RunProgressView(RunDetailView):
    """htmx: the progress bar, polled while the run is under way."""

    template_name = "segmentation/partials/run_progress.html"

    def get_context_data(self, **kwargs):
        return {"run": self.object}

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.object.is_finished and self.request.headers.get("HX-Request"):
            response["HX-Refresh"] = "true"  # the whole page then shows the run's figures
        return response


class RunStartView(PermissionRequired404Mixin, View):
    permission_required = "segmentation.start_run"

    def get(self, request, *args, **kwargs):
        raise Http404

    def post(self, request, *args, **kwargs):
        try:
            run = services.run_start(by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("segmentation:run-list")
        messages.success(request, _("Run #%(pk)s started.") % {"pk": run.pk})
        return redirect(run)
