from crm_site import roles


def navigation(request):
    """What the layout needs to draw a role-aware navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    user_role_names = roles.user_roles(user)
    return {
        "nav_roles": [roles.ROLE_LABELS[r] for r in roles.ROLES if r in user_role_names],
        "nav_is_admin": roles.is_admin(user),
        "nav_is_supervisor": roles.SUPERVISOR in user_role_names or roles.is_admin(user),
        "nav_is_privacy_officer": roles.PRIVACY_OFFICER in user_role_names,
    }
