"""Who may do what to a complaint: one rule, used by the services (to refuse) and the pages (to offer).

- Admins: everything.
- Supervisors of the complaint's store: everything, including reassigning and approving goodwill.
- Privacy officers: handle complaints of a personal-data category (any store).
- Account managers of the store: handle the complaints assigned to them and the unassigned ones
  of the store queue (acting on one takes it); never a colleague's, never a personal-data one.
"""

from django.utils.translation import gettext as _

from crm_site import roles

ACKNOWLEDGE = "acknowledge"
INVESTIGATE = "investigate"
AWAIT_CUSTOMER = "await_customer"
RESOLVE = "resolve"
CLOSE = "close"
REOPEN = "reopen"
ESCALATE = "escalate"
CLASSIFY = "classify"
LINK_CUSTOMER = "link_customer"
REASSIGN = "reassign"
APPROVE_GOODWILL = "approve_goodwill"

HANDLING_ACTIONS = (ACKNOWLEDGE, INVESTIGATE, AWAIT_CUSTOMER, RESOLVE, CLOSE, REOPEN, ESCALATE, CLASSIFY, LINK_CUSTOMER)
ACTIONS = (*HANDLING_ACTIONS, REASSIGN, APPROVE_GOODWILL)


def store_ids_of(user) -> frozenset[int]:
    """The user's stores, cached on the user object for the request."""
    cached = getattr(user, "_complaint_store_ids", None)
    if cached is None:
        cached = frozenset(user.stores.values_list("pk", flat=True)) if user.is_authenticated else frozenset()
        user._complaint_store_ids = cached
    return cached


def is_store_supervisor(user, store_id: int) -> bool:
    return roles.SUPERVISOR in roles.user_roles(user) and store_id in store_ids_of(user)


def refusal(user, complaint, action: str) -> str | None:
    """Why ``user`` may not do ``action`` on ``complaint`` (None: they may). Needs ``complaint.category``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown complaint action {action!r}")
    if not user.has_perm("complaints.change_complaint"):
        return _("You may not change complaints.")
    if roles.is_admin(user):
        return None
    user_roles = roles.user_roles(user)
    supervisor = is_store_supervisor(user, complaint.store_id)
    if action == REASSIGN:
        if supervisor and user.has_perm("complaints.reassign_complaint"):
            return None
        return _("Only a supervisor of the store or an admin can reassign a complaint.")
    if action == APPROVE_GOODWILL:
        if supervisor and user.has_perm("complaints.approve_goodwill"):
            return None
        return _("Only a supervisor of the store or an admin can approve goodwill above the limit.")
    if supervisor:
        return None
    if complaint.category.is_personal_data:
        if roles.PRIVACY_OFFICER in user_roles:
            return None
        return _("Complaints about personal data are handled by the privacy officer.")
    if roles.ACCOUNT_MANAGER in user_roles and complaint.store_id in store_ids_of(user):
        if complaint.assignee_id in (None, user.pk):
            return None
        return _("%(name)s handles this complaint: ask them or a supervisor of the store.") % {
            "name": complaint.assignee
        }
    return _("You may not handle this complaint.")


def may(user, complaint, action: str) -> bool:
    return refusal(user, complaint, action) is None
