"""Telling staff: an in-app notification (the navbar bell) and an e-mail, sent after the commit."""

from functools import partial

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

import crm_site.services


def notify_staff(*, users, title: str, url: str, body: str = "") -> int:
    """Notify each of ``users`` in the app and by e-mail (those with an address). Returns how many."""
    users = list({user.pk: user for user in users}.values())
    if not users:
        return 0
    crm_site.services.notification_send(users=users, title=title, url=url)
    base = getattr(settings, "CRM_BASE_URL", "").rstrip("/")
    text = "\n\n".join(part for part in (title, body, f"{base}{url}") if part)
    messages = [(title, text, settings.DEFAULT_FROM_EMAIL, [user.email]) for user in users if user.email]
    if messages:
        transaction.on_commit(partial(send_mass_mail, messages, fail_silently=True))
    return len(users)
