from privacy.models import (
    AccessLog,
    CollectionRecord,
    ConsentEvent,
    DataRequest,
    Disclosure,
    Erasure,
    IdentityDocument,
    LegalHold,
    OpinionNote,
    OralConfirmation,
)
from privacy.registry import KEEP, Category, register
from privacy.services.identity import identity_document_export

# The audit trail is kept as it is: it is the proof of who saw what.
register(
    AccessLog,
    category=Category.AUDIT,
    customer_path="customer",
    anonymise=KEEP,
    description="Access audit trail; retained unchanged as evidence of compliance.",
)
# The consent ledger is append-only; erasure keeps what was consented or withdrawn and when
# (the proof of due diligence) and blanks the free text and the evidence file.
register(
    ConsentEvent,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=lambda qs: ConsentEvent._base_manager.filter(pk__in=qs.values("pk")).update(note="", evidence=""),
    description="Direct-marketing consents, withdrawals and opt-outs (Part 6A).",
)
register(
    OralConfirmation,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=lambda qs: OralConfirmation._base_manager.filter(pk__in=qs.values("pk")).update(body=""),
    description="Written confirmations sent for oral consents.",
)
register(
    CollectionRecord,
    category=Category.MARKETING,
    customer_path="customer",
    anonymise=lambda qs: qs.update(reference=""),
    description="Which privacy notice version applied when the data was collected.",
)
register(
    DataRequest,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(requestor="—", details="", identity_method="", unable_reason=""),
    description="Data access and correction requests the customer made.",
)
register(
    Disclosure,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=KEEP,
    description="Third parties that received the customer's data (recipients and dates, no free text about them).",
    kept_fields=("recipient", "data_kinds", "purpose"),
)
register(
    OpinionNote,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(note=""),
    description="The customer's notes of disagreement with opinions held about them (s.25).",
    kept_fields=("opinion",),
)
register(
    LegalHold,
    category=Category.INTERACTIONS,
    customer_path="customer",
    anonymise=lambda qs: qs.update(reason=""),
    description="Legal holds that stop retention from erasing the customer's data.",
)
register(
    Erasure,
    category=Category.IDENTITY,
    customer_path="customer",
    anonymise=KEEP,
    description="When the customer's data was erased (ids and counts only).",
)
# Identity-document numbers (off unless the business enables them): exported decrypted to the
# subject (it is their data); erasure deletes the row (nothing in it is a figure to keep).
register(
    IdentityDocument,
    category=Category.IDENTITY,
    customer_path="customer",
    sensitive_fields=("number_encrypted", "mask"),
    export=identity_document_export,
    anonymise=lambda qs: IdentityDocument._base_manager.filter(pk__in=qs.values("pk")).delete()[0],
    description="Identity-document number (HKID or passport), where one was collected, and why.",
    date_field="recorded_at",
)
