"""Reads of import jobs, scoped to the user asking.

Who sees an import: its creator; supervisors, the imports of their stores (the job's default store,
or a creator who works there); admins (and privacy officers, who cannot import), all of them.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from crm_site import roles
from crm_site.models import User
from customers.models import ImportJob, Store


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """The one rule for who sees which import job (no DISTINCT: safe under select_for_update)."""
    jobs = ImportJob.objects.all()
    if roles.sees_all_stores(user):
        return jobs
    if not getattr(user, "is_authenticated", False) or not roles.user_roles(user):
        return jobs.none()
    if roles.SUPERVISOR in roles.user_roles(user):
        store_ids = Store.objects.of_user(user).values("pk")
        staff_ids = User.objects.filter(stores__in=store_ids).values("pk")
        return jobs.filter(Q(created_by=user) | Q(store__in=store_ids) | Q(created_by__in=staff_ids))
    return jobs.filter(created_by=user)


def import_job_list_for_user(*, user) -> QuerySet[ImportJob]:
    """The imports page: newest first, with what the rows show."""
    return import_jobs_visible_to(user).select_related("created_by", "store").order_by("-created_at", "-id")


def import_job_get_for_user(*, user, pk) -> ImportJob:
    """One import the user may see: the same 404 for missing and forbidden."""
    return get_object_or_404(import_jobs_visible_to(user).select_related("created_by", "store"), pk=pk)


def import_job_can_commit(*, user, job: ImportJob) -> bool:
    """Whether ``user`` may press "Import" on ``job`` (which they can see): its creator, a supervisor or an admin."""
    return (
        job.status == ImportJob.Status.READY
        and user.has_perm("customers.import_customers")
        and (job.created_by_id == user.pk or roles.is_admin(user) or roles.SUPERVISOR in roles.user_roles(user))
    )
