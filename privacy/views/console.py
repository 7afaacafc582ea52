from django.views.generic import ListView, TemplateView

from crm_site.permissions import PermissionRequired404Mixin
from privacy import selectors
from privacy.forms import AccessLogSearchForm


class ConsoleView(PermissionRequired404Mixin, TemplateView):
    """The privacy officer's console: open requests by days left, consent changes, job runs."""

    permission_required = "privacy.handle_datarequest"
    template_name = "privacy/console.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **selectors.console_context(),
            "search_form": AccessLogSearchForm(),
        }


class AccessLogSearchView(PermissionRequired404Mixin, ListView):
    permission_required = "privacy.view_accesslog"
    template_name = "privacy/access_log.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_form(self):
        if not hasattr(self, "_form"):
            self._form = AccessLogSearchForm(self.request.GET or None)
        return self._form

    def get_queryset(self):
        form = self.get_form()
        data = form.cleaned_data if form.is_valid() else {}
        return selectors.access_log_search(
            customer_id=data.get("customer"),
            username=data.get("user", ""),
            action=data.get("action", ""),
            since=data.get("since"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        return {**context, "filter_form": self.get_form(), "query_string": query.urlencode()}
