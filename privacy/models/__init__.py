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
from privacy.models.requests import DataRequest, DataRequestReminder, LogBookEntry

__all__ = [
    "AccessLog",
    "AccessLogQuerySet",
    "Channel",
    "CollectionRecord",
    "ConsentEvent",
    "DataKind",
    "DataRequest",
    "DataRequestReminder",
    "LogBookEntry",
    "Method",
    "Notice",
    "OralConfirmation",
    "Purpose",
    "SubjectClass",
    "Suppression",
]
