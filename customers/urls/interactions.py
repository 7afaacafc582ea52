"""URLs of interactions and follow-up tasks (included by customers/urls/__init__.py, namespace "customers")."""

from django.urls import path

from customers.views import interactions as views

urlpatterns = [
    path("<int:customer_pk>/interactions/new/", views.InteractionCreateView.as_view(), name="interaction-create"),
    path("<int:customer_pk>/tasks/new/", views.TaskCreateView.as_view(), name="task-create"),
    path("tasks/", views.MyTasksView.as_view(), name="my-tasks"),
    path("tasks/<int:pk>/complete/", views.TaskCompleteView.as_view(), name="task-complete"),
    path("tasks/<int:pk>/cancel/", views.TaskCancelView.as_view(), name="task-cancel"),
]
