"""Phone numbers are stored in E.164 (``+85291234567``), read with the phonenumbers library."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def phone_to_e164(raw: str, *, region: str | None = None) -> str:
    """``"9123 4567"`` or ``"+852 9123-4567"`` -> ``"+85291234567"``; a clear error otherwise."""
    region = region or settings.CRM_DEFAULT_PHONE_REGION
    text = (raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number. Enter e.g. 9123 4567 or +852 9123 4567."),
            code="invalid_phone",
            params={"value": text},
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number. Enter e.g. 9123 4567 or +852 9123 4567."),
            code="invalid_phone",
            params={"value": text},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """``"+85291234567"`` -> ``"+852 9123 4567"`` for people to read."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_search_key(raw: str) -> str | None:
    """The E.164 form of a search term that is a whole phone number, else None."""
    try:
        return phone_to_e164(raw) or None
    except ValidationError:
        return None
