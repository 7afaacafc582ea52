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

__all__ = [
    "AccessLog",
    "AccessLogQuerySet",
    "Channel",
    "CollectionRecord",
    "ConsentEvent",
    "CorrectionNotice",
    "DataKind",
    "DataRequest",
    "DataRequestReminder",
    "Disclosure",
    "JobRun",
    "LogBookEntry",
    "Method",
    "Notice",
    "OpinionNote",
    "OralConfirmation",
    "Purpose",
    "SubjectClass",
    "Suppression",
]
