from privacy.models.access import AccessLog, AccessLogQuerySet
from privacy.models.consent import (
    Channel,
    CollectionRecord,
    ConsentEvent,
    DataKind,
    Method,
    OralConfirmation,
    Purpose,
    SubjectClass,
    Suppression,
)
from privacy.models.identity import IdentityDocument
from privacy.models.notices import Notice
from privacy.models.requests import (
    CorrectionNotice,
    DataRequest,
    DataRequestReminder,
    Disclosure,
    JobRun,
    LogBookEntry,
    OpinionNote,
)
from privacy.models.retention import Breach, Erasure, LegalHold, Processor, RetentionRule

__all__ = [
    "AccessLog",
    "AccessLogQuerySet",
    "Breach",
    "Channel",
    "CollectionRecord",
    "ConsentEvent",
    "CorrectionNotice",
    "DataKind",
    "DataRequest",
    "DataRequestReminder",
    "Disclosure",
    "Erasure",
    "IdentityDocument",
    "JobRun",
    "LegalHold",
    "LogBookEntry",
    "Method",
    "Notice",
    "OpinionNote",
    "OralConfirmation",
    "Processor",
    "Purpose",
    "RetentionRule",
    "SubjectClass",
    "Suppression",
]
