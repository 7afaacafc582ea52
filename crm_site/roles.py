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
    if getattr(user, "_crm_roles", None) is None:
        _load_scope(user)
    return user._crm_roles


def user_store_ids(user) -> tuple[int, ...]:
    """The ids of the stores the user works in (staff of), cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    if getattr(user, "_crm_store_ids", None) is None:
        _load_scope(user)
    return user._crm_store_ids


def _load_scope(user) -> None:
    """Roles and stores in one query: every page asks for both (who may do what, who sees which customer).

    The store ids come back as numbers for ``home_store_id IN (7)``, which PostgreSQL matches to the
    indexes that lead with the store (bench/README.md, "Lists and search").
    """
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast

    store_staff = apps.get_model("customers", "Store").staff.through
    role_rows = (
        Group.objects.filter(user=user, name__in=ROLES)
        .annotate(kind=Value("role"), value=F("name"))
        .values_list("kind", "value")
    )
    store_rows = (
        store_staff.objects.filter(user=user)
        .annotate(kind=Value("store"), value=Cast("store_id", CharField(max_length=20)))
        .values_list("kind", "value")
    )
    rows = list(role_rows.union(store_rows, all=True))
    user._crm_roles = frozenset(value for kind, value in rows if kind == "role")
    user._crm_store_ids = tuple(sorted(int(value) for kind, value in rows if kind == "store"))


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
