"""Which fields of the data-subject model hold its contact points (privacy imports no other app)."""

from django.apps import apps
from django.conf import settings

from privacy.models.consent import Channel

DEFAULT_CONTACT_FIELDS = {"phone": "mobile_phone", "email": "email", "address": "address"}


def contact_fields() -> dict[str, str]:
    return getattr(settings, "PRIVACY_CONTACT_FIELDS", DEFAULT_CONTACT_FIELDS)


def subject_model():
    return apps.get_model(settings.PRIVACY_SUBJECT_MODEL)


def channel_field(channel: str) -> str:
    """The field a channel reaches the person through: SMS, calls and messaging apps the mobile."""
    fields = contact_fields()
    if channel == Channel.EMAIL:
        return fields["email"]
    if channel == Channel.POST:
        return fields["address"]
    return fields["phone"]
