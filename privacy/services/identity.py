"""Identity-document numbers (HKID, passport): recorded encrypted, shown masked, revealed on a
stated reason by a privacy officer only. Off unless settings.PRIVACY_IDENTITY_DOCUMENTS.

The PCPD's Code of Practice on the Identity Card Number: no compulsory collection unless the
law authorises it, only in the listed situations (para 2.3), never displayed with the name
where others can see them together (2.7), and the rules apply to other identifiers such as
passport numbers. Hence: a purpose is required, the page shows only the mask, and the number
is never an identifier (no index, no search, no uniqueness).
"""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy import crypto
from privacy.contact import subject_model
from privacy.models import AccessLog, IdentityDocument
from privacy.services.access import access_record

MASK_DOTS = "••••"
HKID_RE = re.compile(r"^([A-Z]{1,2})([0-9]{6})\(?([0-9A])\)?$")
HKID_SPACE_VALUE = 36  # a one-letter HKID is checked as if led by a space worth 36


def enabled() -> bool:
    return bool(getattr(settings, "PRIVACY_IDENTITY_DOCUMENTS", False))


def hkid_check_digit(letters: str, digits: str) -> str:
    """The check digit of an HKID: weights 9..2 over (space,) letters and six digits, A=10..Z=35,
    mod 11; a result of 10 is written A."""
    values = [HKID_SPACE_VALUE] if len(letters) == 1 else []
    values += [ord(letter) - ord("A") + 10 for letter in letters]
    values += [int(digit) for digit in digits]
    total = sum(value * weight for value, weight in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def hkid_normalise(value: str) -> str:
    """``"a123456 (3)"`` -> ``"A123456(3)"``; raises ValidationError on a bad format or check digit."""
    text = re.sub(r"\s+", "", value or "").upper()
    match = HKID_RE.match(text)
    if match is None:
        raise ValidationError(
            {"number": _("An HKID number is one or two letters, six digits and a check digit, e.g. A123456(3).")}
        )
    letters, digits, check = match.groups()
    if hkid_check_digit(letters, digits) != check:
        raise ValidationError({"number": _("This HKID number's check digit is wrong: check the number on the card.")})
    return f"{letters}{digits}({check})"


def document_normalise(kind: str, value: str) -> str:
    if kind == IdentityDocument.Kind.HKID:
        return hkid_normalise(value)
    text = re.sub(r"\s+", "", value or "").upper()
    if not re.fullmatch(r"[A-Z0-9()\-/]{4,30}", text):
        raise ValidationError({"number": _("Enter the document number: 4 to 30 letters and digits.")})
    return text


def mask_number(number: str) -> str:
    """The leading letter(s) and the first digit, then fixed dots: ``A123456(3)`` -> ``A1••••(•)``,
    ``AB987654(A)`` -> ``AB9••••(•)``, a passport ``K12345678`` -> ``K1••••``. The length is not
    shown; at most three characters are, which thousands of people share: not an identifier."""
    match = re.match(r"^([A-Z]*)([0-9]?)", number)
    head = (match.group(1)[:2] + match.group(2)) if match else ""
    if not head:
        head = number[:1]
    suffix = "(•)" if number.endswith(")") else ""
    return f"{head}{MASK_DOTS}{suffix}"


def _customer_locked(customer_id):
    customer = subject_model()._default_manager.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise ValidationError(_("This customer does not exist."))
    return customer


@transaction.atomic
def identity_document_set(*, by, customer_id: int, kind: str, number: str, purpose: str) -> IdentityDocument:
    """Record (or replace) the customer's identity document; the number is encrypted before it
    reaches the database. Writes an EDIT access record (without the number)."""
    if not enabled():
        raise ValidationError(
            _("Identity documents are not collected: the business has not enabled them (PRIVACY_IDENTITY_DOCUMENTS).")
        )
    if not (by.has_perm("privacy.add_identitydocument") and by.has_perm("privacy.change_identitydocument")):
        raise PermissionDenied(_("You may not record identity documents."))
    customer = _customer_locked(customer_id)
    errors = {}
    if kind not in IdentityDocument.Kind.values:
        errors["kind"] = _("Choose the kind of document.")
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = _(
            "State why the number is needed (e.g. a deposit for a watch on loan): the Code of Practice "
            "allows collection only for listed purposes."
        )
    if errors:
        raise ValidationError(errors)
    normal = document_normalise(kind, number)
    document, _created = IdentityDocument.objects.update_or_create(
        customer=customer,
        defaults={
            "kind": kind,
            "number_encrypted": crypto.encrypt(normal),
            "mask": mask_number(normal),
            "purpose": purpose,
            "recorded_at": timezone.now(),
            "recorded_by": by,
        },
    )
    access_record(
        user=by,
        customer=customer,
        action=AccessLog.Action.EDIT,
        view_name="privacy:identity-document-set",
        reason=_("identity document recorded"),
    )
    return document


@transaction.atomic
def identity_document_reveal(*, by, customer_id: int, reason: str) -> str:
    """The full number, for a privacy officer who states why. Writes a VIEW_SENSITIVE access
    record with the reason."""
    if not enabled():
        raise ValidationError(_("Identity documents are not collected: the business has not enabled them."))
    if not (by.has_perm("privacy.view_sensitive") and by.has_perm("privacy.reveal_identitydocument")):
        raise PermissionDenied(_("Only a privacy officer may reveal identity-document numbers."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("State why you need to see the number: it is kept in the access log.")})
    document = IdentityDocument.objects.select_related("customer").filter(customer_id=customer_id).first()
    if document is None:
        raise ValidationError(_("No identity document is recorded for this customer."))
    access_record(
        user=by,
        customer=document.customer,
        action=AccessLog.Action.VIEW_SENSITIVE,
        view_name="privacy:identity-document-reveal",
        reason=reason,
    )
    return crypto.decrypt(document.number_encrypted)


def identity_document_export(queryset) -> list[dict]:
    """The registry's export hook: the subject's own access export shows the number decrypted."""
    return [
        {
            "id": document.pk,
            "customer_id": document.customer_id,
            "kind": document.kind,
            "number": crypto.decrypt(document.number_encrypted),
            "purpose": document.purpose,
            "recorded_at": document.recorded_at,
        }
        for document in queryset.order_by("pk")
    ]
