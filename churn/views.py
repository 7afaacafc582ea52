"""Pages of the churn app: the at-risk list, the model card, the wastage assessment, and the customer-page forms."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from churn import selectors
from churn.forms import (
    AtRiskFilterForm,
    ChurnReasonForm,
    MyRemediesFilterForm,
    PlaybookForm,
    RemedyOutcomeForm,
    ScoreDisagreementForm,
    WastageFilterForm,
)
from churn.models import Band, ChurnReason, Playbook
from churn.services import playbooks, records
from crm_site.pagination import CountedPaginator
from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors as customer_selectors
from customers.views.mixins import CustomerMixin, ServiceFormMixin


class CountedListMixin:
    """A ``ListView`` whose ``rows_counted()`` says how many rows its queryset has (computed once)."""

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return CountedPaginator(
            queryset,
            per_page,
            count=self.rows_counted(),
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            **kwargs,
        )


def _label_reasons(scores) -> None:
    """The latest churn reason is an annotation (a code): give each row its label, without a query."""
    labels = dict(ChurnReason.Reason.choices)
    for score in scores:
        score.reason_label = labels.get(score.reason, "")


class AtRiskListView(PermissionRequired404Mixin, CountedListMixin, ListView):
    """Visible customers in the watch, high-risk and lost bands, riskiest first."""

    permission_required = "churn.view_customerscore"
    template_name = "churn/at_risk_list.html"
    context_object_name = "scores"
    paginate_by = 25

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            stores = customer_selectors.stores_for_user(user=self.request.user)
            self._filter_form = AtRiskFilterForm(self.request.GET or None, stores=stores)
        return self._filter_form

    def get_filters(self) -> dict:
        form = self.get_filter_form()
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        store = data.get("store")
        return {"band": data.get("band", ""), "store_id": store.pk if store else None}

    def get_queryset(self):
        return selectors.at_risk_list(user=self.request.user, **self.get_filters())

    @cached_property
    def band_counts(self) -> dict[str, int]:
        return selectors.band_counts(user=self.request.user, store_id=self.get_filters()["store_id"])

    def rows_counted(self) -> int:
        """The list's count from the band counts (the same customers and store): no COUNT of its own."""
        band = self.get_filters()["band"]
        return sum(self.band_counts[value] for value in ([band] if band else selectors.AT_RISK_BANDS))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.get_filter_form()
        context["band_counts"] = self.band_counts
        context["bands"] = Band
        _label_reasons(context["scores"])
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class ModelCardView(PermissionRequired404Mixin, TemplateView):
    """What the scores come from: parameters, the backtest against the R+F+M baseline, any fall-back."""

    permission_required = "churn.view_scoringrun"
    template_name = "churn/model_card.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **selectors.model_card()}


class WastageReportView(PermissionRequired404Mixin, CountedListMixin, ListView):
    """Lapsed and lost customers by store, account manager and period, with the value lost and why they left."""

    permission_required = "churn.view_wastage_report"
    template_name = "churn/wastage_report.html"
    context_object_name = "scores"
    paginate_by = 25

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            user = self.request.user
            self._filter_form = WastageFilterForm(
                self.request.GET or None,
                stores=customer_selectors.stores_for_user(user=user),
                managers=customer_selectors.account_managers_for_user(user=user),
            )
        return self._filter_form

    def get_filters(self) -> dict:
        form = self.get_filter_form()
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        store, manager = data.get("store"), data.get("account_manager")
        return {
            "store_id": store.pk if store else None,
            "account_manager_id": manager.pk if manager else None,
            "since": data.get("since"),
            "until": data.get("until"),
            "reason": data.get("reason", ""),
            "tier_id": data["tier"].pk if data.get("tier") else None,
        }

    def get_queryset(self):
        return (
            selectors.wastage_scores(user=self.request.user, **self.get_filters())
            .select_related("customer", "customer__home_store", "customer__account_manager")
            .order_by("-spend_12m", "customer_id")
        )

    @cached_property
    def report(self) -> dict:
        return selectors.wastage_report(user=self.request.user, **self.get_filters())

    def rows_counted(self) -> int:
        """The list's count is the report's total (the same customers): no COUNT of its own."""
        return self.report["total"]["customers"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.get_filter_form()
        report = self.report
        for row in report["by_store"]:
            row["label"] = row["customer__home_store__name"]
        for row in report["by_tier"]:
            row["label"] = row["customer__tier_holding__tier__name"] or _("No tier")
        for row in report["by_manager"]:
            names = (row["customer__account_manager__first_name"], row["customer__account_manager__last_name"])
            row["label"] = " ".join(filter(None, names)) or row["customer__account_manager__username"]
        context["report"] = report
        context["report_tables"] = [
            (_("By store"), report["by_store"], "store"),
            (_("By account manager"), report["by_manager"], "manager"),
            (_("By tier"), report["by_tier"], "tier"),
            (_("By quarter of the last purchase"), report["by_quarter"], "quarter"),
        ]
        _label_reasons(context["scores"])
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class ScoreDisagreementCreateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    """Record the customer's or one's own disagreement with the customer's churn score."""

    permission_required = "churn.add_scoredisagreement"
    template_name = "churn/score_disagreement_form.html"
    form_class = ScoreDisagreementForm

    def form_valid(self, form):
        done = self.run_service(
            form,
            lambda: records.score_disagreement_record(
                customer_id=self.customer.pk, by=self.request.user, **form.cleaned_data
            ),
        )
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Your disagreement is recorded and shown with the score."))
        return redirect(f"{self.customer.get_absolute_url()}#churn-panel")


class ChurnReasonCreateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    """Record why a customer left."""

    permission_required = "churn.add_churnreason"
    template_name = "churn/churn_reason_form.html"
    form_class = ChurnReasonForm

    def form_valid(self, form):
        done = self.run_service(
            form,
            lambda: records.churn_reason_record(
                customer_id=self.customer.pk, by=self.request.user, **form.cleaned_data
            ),
        )
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, _("The reason is recorded."))
        next_url = self.request.POST.get("next", "")
        if next_url.startswith("/churn/"):
            return redirect(next_url)
        return redirect(f"{self.customer.get_absolute_url()}#churn-panel")


# --- remedy playbooks ---------------------------------------------------------------------------------


class PlaybookListView(PermissionRequired404Mixin, ListView):
    """The remedy playbooks, with how many customers each took up."""

    permission_required = "churn.view_playbook"
    template_name = "churn/playbook_list.html"
    context_object_name = "playbooks"

    def get_queryset(self):
        return selectors.playbook_list()


class PlaybookFormMixin(PermissionRequired404Mixin, ServiceFormMixin):
    template_name = "churn/playbook_form.html"
    form_class = PlaybookForm

    def form_valid(self, form):
        playbook = self.run_service(form, lambda: self.save(form.cleaned_data))
        if playbook is None:
            return self.form_invalid(form)
        messages.success(self.request, _("The playbook is saved. The next nightly run applies it."))
        return redirect("churn:playbook-report", pk=playbook.pk)


class PlaybookCreateView(PlaybookFormMixin, FormView):
    permission_required = "churn.add_playbook"

    def save(self, data):
        return playbooks.playbook_create(by=self.request.user, **data)


class PlaybookUpdateView(PlaybookFormMixin, FormView):
    permission_required = "churn.change_playbook"

    def dispatch(self, request, *args, **kwargs):
        self.playbook = get_object_or_404(Playbook, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.playbook}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "playbook": self.playbook}

    def save(self, data):
        return playbooks.playbook_update(playbook_id=self.playbook.pk, by=self.request.user, **data)


class PlaybookReportView(PermissionRequired404Mixin, TemplateView):
    """A playbook's rule and its effect: win-back rate and revenue, treated against control."""

    permission_required = "churn.view_playbook"
    template_name = "churn/playbook_report.html"

    def get_context_data(self, **kwargs):
        playbook = get_object_or_404(Playbook.objects.select_related("tier", "segment"), pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "playbook": playbook,
            "closed_only": self.request.GET.get("closed") == "1",
            "report": selectors.playbook_report(playbook=playbook, closed_only=self.request.GET.get("closed") == "1"),
        }


class MyRemediesView(PermissionRequired404Mixin, ListView):
    """The remedy actions the user owns, soonest due first."""

    permission_required = "churn.view_remedyaction"
    template_name = "churn/my_remedies.html"
    context_object_name = "actions"
    paginate_by = 25

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = MyRemediesFilterForm(self.request.GET or None)
            self._filter_form.is_valid()
        return self._filter_form

    def get_queryset(self):
        show = getattr(self.get_filter_form(), "cleaned_data", {}).get("show") or "open"
        return selectors.my_remedies(user=self.request.user, show=show)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.get_filter_form()
        context["today"] = timezone.localdate()
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class RemedyOutcomeView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    """Record what came of a remedy action (its owner, or someone who may edit the customer)."""

    permission_required = "churn.change_remedyaction"
    template_name = "churn/remedy_outcome_form.html"
    form_class = RemedyOutcomeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.action = selectors.remedy_action_for_outcome(user=request.user, pk=kwargs["pk"])
            if self.action is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {
            "outcome": "" if self.action.outcome == "open" else self.action.outcome,
            "note": self.action.outcome_note,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action": self.action, "customer": self.action.customer}

    def form_valid(self, form):
        done = self.run_service(
            form,
            lambda: playbooks.remedy_outcome_record(
                action_id=self.action.pk, by=self.request.user, **form.cleaned_data
            ),
        )
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, _("The outcome is recorded."))
        next_url = self.request.POST.get("next", "")
        if next_url.startswith("/") and not next_url.startswith("//"):
            return redirect(next_url)
        return redirect("churn:my-remedies")
