from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from crm_site.permissions import PermissionRequired404Mixin
from customers.views.mixins import ServiceFormMixin
from privacy import selectors
from privacy.forms import NoticeForm
from privacy.models import Notice
from privacy.services import notices as services


class NoticeListView(PermissionRequired404Mixin, ListView):
    permission_required = "privacy.view_notice"
    template_name = "privacy/notice_list.html"
    context_object_name = "notices"

    def get_queryset(self):
        return Notice.objects.select_related("published_by").order_by("kind", "-version")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "current": selectors.notices_current()}


class NoticeDetailView(PermissionRequired404Mixin, DetailView):
    permission_required = "privacy.view_notice"
    template_name = "privacy/notice_detail.html"
    context_object_name = "notice"
    queryset = Notice.objects.select_related("published_by")


class NoticeCreateView(PermissionRequired404Mixin, ServiceFormMixin, FormView):
    permission_required = "privacy.add_notice"
    template_name = "privacy/notice_form.html"
    form_class = NoticeForm

    def get_initial(self):
        """A new version starts from the current one's text."""
        kind = self.request.GET.get("kind")
        current = selectors.notice_current(kind=kind) if kind in Notice.Kind.values else None
        if current is None:
            return {"kind": kind}
        return {name: getattr(current, name) for name in NoticeForm.Meta.fields}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        notice = self.run_service(form, lambda: services.notice_create(by=self.request.user, **data))
        if notice is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Draft saved. Check it, then publish it."))
        return redirect("privacy:notice-detail", pk=notice.pk)


class NoticePublishView(PermissionRequired404Mixin, View):
    permission_required = "privacy.publish_notice"

    def post(self, request, pk):
        notice = get_object_or_404(Notice, pk=pk)
        try:
            services.notice_publish(by=request.user, notice_id=notice.pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(notice)s is published and can no longer change.") % {"notice": notice})
        return redirect("privacy:notice-detail", pk=notice.pk)


@method_decorator(login_not_required, name="dispatch")
class NoticePublicView(TemplateView):
    """The current published text of a notice, for anyone (linked from forms and messages)."""

    template_name = "privacy/notice_public.html"

    def get_context_data(self, **kwargs):
        kind = self.kwargs["kind"].replace("-", "_")
        if kind not in Notice.Kind.values:
            raise Http404
        notice = selectors.notice_current(kind=kind)
        if notice is None:
            raise Http404
        return {**super().get_context_data(**kwargs), "notice": notice}
