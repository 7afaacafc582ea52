"""Bulk exports of personal data beyond a configurable size need a stated reason (logged)."""

from django.conf import settings
from django.shortcuts import render

REASON_PARAM = "export_reason"
MIN_REASON_LENGTH = 5


def bulk_export_limit() -> int:
    return getattr(settings, "PRIVACY_BULK_EXPORT_LIMIT", 200)


def bulk_export_reason(request, *, count: int):
    """``(reason, None)`` when the export may go ahead (reason "" under the limit), or
    ``(None, response)``: a page that asks why, then repeats the same export with the reason."""
    if count <= bulk_export_limit():
        return "", None
    reason = request.GET.get(REASON_PARAM, "").strip()
    if len(reason) >= MIN_REASON_LENGTH:
        return f"bulk export: {reason}"[:255], None
    params = [(key, value) for key, values in request.GET.lists() if key != REASON_PARAM for value in values]
    context = {"count": count, "limit": bulk_export_limit(), "params": params, "param": REASON_PARAM}
    return None, render(request, "privacy/export_reason.html", context, status=200)
