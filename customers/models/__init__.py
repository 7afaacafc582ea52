"""The customers app's models, one module per part of the client record."""

from customers.models.catalogue import Brand, MovementType, Product, ServiceInterval
from customers.models.core import Customer, District, Store
from customers.models.data_quality import (
    CustomerMerge,
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
    ImportJob,
)
from customers.models.interactions import FollowUpTask, Interaction
from customers.models.leads import Lead
from customers.models.purchases import Purchase, PurchaseLine
from customers.models.relationships import Relationship
from customers.models.timepieces import OwnedTimepiece, ServiceJob

__all__ = [
    "Brand",
    "Customer",
    "CustomerMerge",
    "District",
    "DuplicateCandidate",
    "DuplicateDismissal",
    "DuplicateScan",
    "FollowUpTask",
    "ImportJob",
    "Interaction",
    "Lead",
    "MovementType",
    "OwnedTimepiece",
    "Product",
    "Purchase",
    "PurchaseLine",
    "Relationship",
    "ServiceInterval",
    "ServiceJob",
    "Store",
]
