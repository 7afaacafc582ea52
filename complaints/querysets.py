from django.db import models
from django.db.models import Q

from crm_site import roles


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def overdue(self, *, now):
        """Open complaints past a due time whose clock runs (not while awaiting the customer)."""
        Status = self.model.Status
        return self.filter(
            Q(status=Status.NEW, acknowledge_due_at__lt=now)
            | Q(status__in=self.model.CLOCK_RUNNING, resolve_due_at__lt=now)
        )

    def escalated(self):
        return self.open().filter(escalation_level__gt=0)

    def visible_to(self, user):
        """Admins and privacy officers see every complaint; supervisors and account managers those of
        their stores; privacy officers also handle personal-data complaints (they see all anyway)."""
        if roles.sees_all_stores(user):
            return self.all()
        if not roles.user_roles(user) & {roles.SUPERVISOR, roles.ACCOUNT_MANAGER}:
            return self.none()
        from customers.models import Store

        return self.filter(store__in=Store.staff.through.objects.filter(user=user).values("store_id"))
