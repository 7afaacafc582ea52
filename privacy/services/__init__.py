"""Writes of the privacy layer (one module per part); the common ones are re-exported here."""

from privacy.services.access import access_record, access_record_many, access_record_view
from privacy.services.notices import collection_record, collection_record_many

__all__ = [
    "access_record",
    "access_record_many",
    "access_record_view",
    "collection_record",
    "collection_record_many",
]
