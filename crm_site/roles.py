"""Roles are Django groups. This module names them and answers "which role does this user have"."""

from django.utils.translation import gettext_lazy as _

ACCOUNT_MANAGER = "account manager"
SUPERVISOR = "supervisor"
ADMIN = "admin"
PRIVACY_OFFICER = "privacy officer"

ROLES = (ACCOUNT_MANAGER, SUPERVISOR, ADMIN, PRIVACY_OFFICER)
ROLE_LABELS = {
    ACCOUNT_MANAGER: _("Account manager"),
    SUPERVISOR: _("Supervisor"),
    ADMIN: _("Admin"),
    PRIVACY_OFFICER: _("Privacy officer"),
}


def user_roles(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._crm_roles = cached
    return cached


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or ADMIN in user_roles(user)


def sees_all_stores(user) -> bool:
    """Admins and privacy officers see every store's data (design card)."""
    return is_admin(user) or PRIVACY_OFFICER in user_roles(user)


def keeps_own_book_only(user) -> bool:
    """An account manager with no wider role: edits and adds only in their own client book."""
    return user_roles(user) == {ACCOUNT_MANAGER} and not is_admin(user)


def grant_role_permissions(apps, grants: dict[str, list[str]]) -> None:
    """Data-migration helper: create the role groups and give them permissions.

    ``grants`` maps a role name to permissions written "app_label.codename".
    Permissions are created first, since Django otherwise makes them only after
    all migrations have run.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True  # migration state apps have no module
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in grants.items():
        group, _created = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
