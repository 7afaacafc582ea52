"""Interactions and follow-up tasks: log one, add a task, complete or cancel it, the "my tasks" page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View

import privacy.services
from crm_site import roles
from crm_site.permissions import PermissionRequired404Mixin
from customers.forms.interactions import InteractionForm, TaskForm
from customers.selectors import interactions as interaction_selectors
from customers.services import interactions as interaction_services
from customers.views.mixins import CustomerMixin, ServiceFormMixin, is_htmx


class InteractionCreateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    """Log an interaction with any customer of the user's stores.

    The customer page's panel posts here with htmx and gets the panel back; without
    JavaScript the post redirects to the customer page, or shows this page with the errors.
    """

    permission_required = "customers.add_interaction"
    template_name = "customers/interactions/interaction_form.html"
    panel_template_name = "customers/partials/interactions_panel.html"
    form_class = InteractionForm
    customer_editable = False

    def get(self, request, *args, **kwargs):
        # The page shows the customer's latest interactions: a read of their record.
        privacy.services.access_record_view(
            request=request, customer=self.customer, view_name="customers:interaction-create"
        )
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "customer": self.customer}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["interactions_panel"] = interaction_selectors.panel_context(
            customer=self.customer, user=self.request.user, form=context["form"]
        )
        return context

    def render_panel(self, form, *, logged: bool = False):
        panel = interaction_selectors.panel_context(customer=self.customer, user=self.request.user, form=form)
        return HttpResponse(
            render_to_string(
                self.panel_template_name,
                {"interactions_panel": panel, "interaction_logged": logged},
                request=self.request,
            )
        )

    def form_invalid(self, form):
        if is_htmx(self.request):
            return self.render_panel(form)  # 200, so that htmx swaps the panel with its errors
        return super().form_invalid(form)

    def form_valid(self, form):
        # A PermissionDenied here is a follow-up task asked for by someone who may not add
        # tasks (the customer and the permission were checked on the way in): a form error.
        interaction = self.run_service(
            form,
            lambda: interaction_services.interaction_log(
                by=self.request.user,
                customer_id=self.customer.pk,
                view_name="customers:interaction-create",
                **form.service_data(),
            ),
        )
        if interaction is None:
            return self.form_invalid(form)
        if is_htmx(self.request):
            return self.render_panel(None, logged=True)
        messages.success(self.request, _("Interaction logged."))
        return redirect(self.customer.get_absolute_url() + "#interactions")


class TaskCreateView(PermissionRequired404Mixin, CustomerMixin, ServiceFormMixin, FormView):
    permission_required = "customers.add_followuptask"
    template_name = "customers/interactions/task_form.html"
    form_class = TaskForm
    service_denied_404 = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "customer": self.customer}

    def form_valid(self, form):
        task = self.run_service(
            form,
            lambda: interaction_services.task_create(
                by=self.request.user,
                customer_id=self.customer.pk,
                view_name="customers:task-create",
                **form.service_data(),
            ),
        )
        if task is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Task added for %(name)s.") % {"name": task.assignee})
        return redirect(self.customer.get_absolute_url() + "#interactions")


class TaskCloseView(PermissionRequired404Mixin, View):
    """Complete or cancel a task (POST). With htmx the task's row goes away; an error replaces it."""

    permission_required = "customers.change_followuptask"
    http_method_names = ["post"]
    service = None  # a task service, set by the subclasses
    view_name = ""
    success_message = ""

    def post(self, request, *args, **kwargs):
        task = interaction_selectors.task_get_for_user(user=request.user, pk=kwargs["pk"])
        try:
            self.service(by=request.user, task_id=task.pk, view_name=self.view_name)
        except PermissionDenied as exc:
            raise Http404 from exc  # the same answer as for a task the user cannot see
        except ValidationError as exc:
            if is_htmx(request):
                return self.render_row(task, error=" ".join(exc.messages))
            messages.error(request, " ".join(exc.messages))
            return self.redirect_back(task)
        if is_htmx(request):
            return HttpResponse("")  # htmx swaps the row for nothing: it disappears
        messages.success(request, self.success_message % {"title": task.title})
        return self.redirect_back(task)

    def render_row(self, task, *, error: str):
        task.refresh_from_db()
        task.is_overdue = task.status == task.Status.OPEN and task.due_on < timezone.localdate()
        task.may_close = False
        html = render_to_string(
            "customers/interactions/task_item.html",
            {
                "task": task,
                "error": error,
                "show_customer": self.request.POST.get("show_customer") == "1",
                "show_assignee": self.request.POST.get("show_assignee") == "1",
            },
            request=self.request,
        )
        return HttpResponse(html)

    def redirect_back(self, task):
        next_url = self.request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={self.request.get_host()}):
            return redirect(next_url)
        if task.customer_id:
            return redirect(task.customer.get_absolute_url() + "#interactions")
        return redirect("customers:my-tasks")


class TaskCompleteView(TaskCloseView):
    service = staticmethod(interaction_services.task_complete)
    view_name = "customers:task-complete"
    success_message = _("Task “%(title)s” done.")


class TaskCancelView(TaskCloseView):
    service = staticmethod(interaction_services.task_cancel)
    view_name = "customers:task-cancel"
    success_message = _("Task “%(title)s” cancelled.")


class MyTasksView(PermissionRequired404Mixin, ListView):
    """The user's open tasks: overdue first (in red), then today, then upcoming.

    Supervisors and admins also get their team's open tasks (``?view=team``), filtered by assignee.
    """

    permission_required = "customers.view_followuptask"
    template_name = "customers/interactions/my_tasks.html"
    context_object_name = "tasks"
    paginate_by = 50

    def can_see_team(self) -> bool:
        user = self.request.user
        return roles.is_admin(user) or roles.SUPERVISOR in roles.user_roles(user)

    def get_team_view(self) -> bool:
        return self.request.GET.get("view") == "team" and self.can_see_team()

    def get_assignee_id(self):
        value = self.request.GET.get("assignee", "")
        return int(value) if value.isdigit() else None

    def get_queryset(self):
        user = self.request.user
        if self.get_team_view():
            return interaction_selectors.team_tasks(user=user, assignee_id=self.get_assignee_id())
        return interaction_selectors.my_tasks(user=user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        team_view = self.get_team_view()
        supervised = interaction_selectors.supervised_store_ids_for(user=user)
        for task in context["tasks"]:
            task.may_close = interaction_selectors.task_may_close(user=user, task=task, supervised_store_ids=supervised)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            team_view=team_view,
            can_see_team=self.can_see_team(),
            assignees=interaction_selectors.team_assignees_for_user(user=user) if team_view else [],
            assignee_id=self.get_assignee_id(),
            query_string=query.urlencode(),
            today=timezone.localdate(),
        )
        return context
