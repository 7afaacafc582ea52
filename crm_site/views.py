from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from crm_site import roles, selectors
from customers.models import Customer


@login_not_required
@never_cache
@require_GET
def health(request):
    """For load balancers and compose: 200 when the database and the broker answer, 503 otherwise."""
    checks = {"database": selectors.database_reachable(), "broker": selectors.broker_reachable()}
    ok = all(checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", **{k: "ok" if v else "unreachable" for k, v in checks.items()}},
        status=200 if ok else 503,
    )


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = Customer.objects.visible_to(user)
        context["visible_customers"] = visible.count()
        context["my_book"] = visible.filter(account_manager=user).count()
        return context


class SystemStatusView(TemplateView):
    """Admins only: database, broker, worker and beat at a glance."""

    template_name = "system_status.html"

    def dispatch(self, request, *args, **kwargs):
        if not roles.is_admin(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "database_ok": selectors.database_reachable(),
            "broker_ok": selectors.broker_reachable(),
            "jobs": selectors.jobs_status(),
            "now": timezone.now(),
        }
