from privacy.models import AccessLog
from privacy.registry import KEEP, Category, register

# The audit trail is kept as it is: it is the proof of who saw what.
register(
    AccessLog,
    category=Category.AUDIT,
    customer_path="customer",
    anonymise=KEEP,
    description="Access audit trail; retained unchanged as evidence of compliance.",
)
