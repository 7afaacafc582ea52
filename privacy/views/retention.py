from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import CreateView, FormView, ListView, TemplateView, UpdateView, View

from crm_site.permissions import PermissionRequired404Mixin
from customers import selectors as customer_selectors
from customers.views.mixins import CustomerMixin, ServiceFormMixin
from privacy.forms import BreachForm, LegalHoldForm, ProcessorForm, RetentionRuleForm
from privacy.models import Breach, Erasure, JobRun, LegalHold, Processor, RetentionRule
from privacy.registry import Category, registry
from privacy.services import retention as services


class RetentionRuleListView(PermissionRequired404Mixin, TemplateView):
    permission_required = "privacy.view_retentionrule"
    template_name = "privacy/retention_rules.html"

    def get_context_data(self, **kwargs):
        rules = {rule.category: rule for rule in RetentionRule.objects.all()}
        rows = [
            {
                "category": value,
                "label": label,
                "rule": rules.get(value),
                "models": [r for r in registry if r.category == value],
            }
            for value, label in Category.choices
        ]
        runs = JobRun.objects.filter(name=services.RETENTION_JOB)[:10]
        holds = LegalHold.objects.active().order_by("-created_at")[:50]
        return {**super().get_context_data(**kwargs), "rows": rows, "runs": runs, "holds": holds}


class RetentionRuleEditView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "privacy.change_retentionrule"
    template_name = "privacy/simple_form.html"
    form_class = RetentionRuleForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["category"] not in Category.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        rule = RetentionRule.objects.filter(category=self.kwargs["category"]).first()
        if rule is None:
            return {"active": True, "action": "anonymise"}
        return {
            "period_months": rule.period_months,
            "action": rule.action,
            "legal_basis": rule.legal_basis,
            "active": rule.active,
        }

    def get_context_data(self, **kwargs):
        title = _("Retention: %(category)s") % {"category": Category(self.kwargs["category"]).label}
        return {**super().get_context_data(**kwargs), "title": title}

    def form_valid(self, form):
        rule = self.run_service(
            form,
            lambda: services.retention_rule_save(
                by=self.request.user, category=self.kwargs["category"], **form.cleaned_data
            ),
        )
        if rule is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Retention rule saved."))
        return redirect("privacy:retention")


class LegalHoldCreateView(PermissionRequired404Mixin, FormView):
    permission_required = "privacy.add_legalhold"
    template_name = "privacy/simple_form.html"
    form_class = LegalHoldForm
    extra_context = {"title": _("New legal hold")}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            customer = customer_selectors.customer_get_for_user(user=self.request.user, pk=data["customer"])
        except Http404:
            form.add_error("customer", _("No customer record with this number."))
            return self.form_invalid(form)
        LegalHold.objects.create(
            customer=customer, reason=data["reason"], until=data["until"], created_by=self.request.user
        )
        messages.success(self.request, _("Legal hold recorded: retention and erasure skip this customer."))
        return redirect("privacy:retention")


class LegalHoldReleaseView(PermissionRequired404Mixin, View):
    permission_required = "privacy.change_legalhold"

    def post(self, request, pk):
        LegalHold.objects.filter(pk=pk, released_at__isnull=True).update(released_at=timezone.now())
        messages.success(request, _("Legal hold released."))
        return redirect("privacy:retention")


class CustomerEraseView(PermissionRequired404Mixin, CustomerMixin, TemplateView):
    """Erase (anonymise) one customer's personal data, after a confirmation."""

    permission_required = "privacy.add_erasure"
    customer_editable = False
    template_name = "privacy/customer_erase.html"

    def post(self, request, *args, **kwargs):
        try:
            services.customer_erase(customer_id=self.customer.pk, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
            return redirect("privacy:customer-erase", customer_pk=self.customer.pk)
        messages.success(request, _("The customer's personal data is erased; figures are kept."))
        return redirect("privacy:console")

    def get_context_data(self, **kwargs):
        erased = Erasure.objects.filter(customer_id=self.customer.pk).first()
        return {**super().get_context_data(**kwargs), "erased": erased}


class BreachListView(PermissionRequired404Mixin, ListView):
    permission_required = "privacy.view_breach"
    template_name = "privacy/breach_list.html"
    context_object_name = "breaches"
    queryset = Breach.objects.all()
    paginate_by = 50


class BreachCreateView(PermissionRequired404Mixin, CreateView):
    permission_required = "privacy.add_breach"
    template_name = "privacy/simple_form.html"
    form_class = BreachForm
    extra_context = {"title": _("Record a data breach")}

    def form_valid(self, form):
        form.instance.recorded_by = self.request.user
        form.save()
        return redirect("privacy:breach-list")


class BreachUpdateView(PermissionRequired404Mixin, UpdateView):
    permission_required = "privacy.change_breach"
    template_name = "privacy/simple_form.html"
    form_class = BreachForm
    model = Breach
    extra_context = {"title": _("Data breach")}

    def form_valid(self, form):
        form.save()
        return redirect("privacy:breach-list")


class ProcessorListView(PermissionRequired404Mixin, ListView):
    permission_required = "privacy.view_processor"
    template_name = "privacy/processor_list.html"
    context_object_name = "processors"
    queryset = Processor.objects.all()


class ProcessorCreateView(PermissionRequired404Mixin, CreateView):
    permission_required = "privacy.add_processor"
    template_name = "privacy/simple_form.html"
    form_class = ProcessorForm
    extra_context = {"title": _("New data processor")}

    def form_valid(self, form):
        form.save()
        return redirect("privacy:processor-list")


class ProcessorUpdateView(PermissionRequired404Mixin, UpdateView):
    permission_required = "privacy.change_processor"
    template_name = "privacy/simple_form.html"
    form_class = ProcessorForm
    model = Processor
    extra_context = {"title": _("Data processor")}

    def form_valid(self, form):
        form.save()
        return redirect("privacy:processor-list")
