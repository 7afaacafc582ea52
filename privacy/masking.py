"""Masking of sensitive fields for users without ``privacy.view_sensitive``."""

MASK = "••••"


def can_view_sensitive(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("privacy.view_sensitive"))


def mask_text(value, *, keep_last: int = 0) -> str:
    """``"A123456(7)"`` -> ``"••••6(7)"`` with keep_last=4; empty stays empty."""
    if value in (None, ""):
        return ""
    text = str(value)
    if keep_last <= 0 or keep_last >= len(text):
        return MASK
    return MASK + text[-keep_last:]


def masked(user, value, *, keep_last: int = 0):
    """The value itself for a user who may see it, its mask otherwise."""
    if can_view_sensitive(user):
        return value
    return mask_text(value, keep_last=keep_last)
