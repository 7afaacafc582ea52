"""Phone numbers are stored in E.164 (``+85291234567``), read with the phonenumbers library."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The usual Hong Kong forms ("9123 4567", "+852 9123-4567"): eight digits, optionally after +852.
_HONG_KONG_NUMBER = re.compile(r"(\+852)?([1-9][0-9]{7})")


def phone_to_e164(raw: str, *, region: str | None = None) -> str:
    """``"9123 4567"`` or ``"+852 9123-4567"`` -> ``"+85291234567"``; a clear error otherwise.

    The usual Hong Kong forms take a shortcut: the same validity check (phonenumbers'
    ``is_valid_number``) without phonenumbers' parsing, which is most of the cost of an
    import of many rows. Every other form, and every number found invalid, is parsed in full.
    """
    region = region or settings.CRM_DEFAULT_PHONE_REGION
    text = (raw or "").strip()
    if not text:
        return ""
    match = _HONG_KONG_NUMBER.fullmatch(text.replace(" ", "").replace("-", ""))
    if (
        match
        and (match[1] or region == "HK")
        and phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=852, national_number=int(match[2])))
    ):
        return f"+852{match[2]}"
    return _phone_to_e164_parsed(text, region=region)


def _phone_to_e164_parsed(text: str, *, region: str) -> str:
    """phone_to_e164 through phonenumbers' full parser."""
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
