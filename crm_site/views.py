from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView, TemplateView

from crm_site import roles, selectors, services
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


class NotificationListView(ListView):
    """The signed-in user's notifications, newest first (anyone signed in has their own)."""

    template_name = "notifications.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return selectors.notification_list_for_user(user=self.request.user)


@never_cache
@require_GET
def notification_badge(request):
    """The navbar bell's count, fetched by htmx after the page loads (so no page pays for it)."""
    count = selectors.notification_unread_count(user=request.user)
    return render(request, "partials/notification_badge.html", {"unread": count})


@require_POST
def notification_open(request, pk):
    """Mark one notification read and follow its link."""
    notification = selectors.notification_get_for_user(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    url = notification.url if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None) else ""
    return redirect(url or "notification-list")


@require_POST
def notification_read_all(request):
    services.notification_mark_read(user=request.user)
    return redirect("notification-list")
