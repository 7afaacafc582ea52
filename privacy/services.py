"""Writes of the privacy layer. Every read or export of personal data is recorded here."""

from privacy.models import AccessLog


def access_record(*, user, customer, action: str, view_name: str = "", path: str = "", reason: str = ""):
    """Append one row to the access log: ``user`` did ``action`` on ``customer``'s data."""
    return AccessLog.objects.create(
        user=user,
        customer=customer,
        action=action,
        view_name=view_name[:128],
        path=path[:512],
        reason=reason[:255],
    )


def access_record_many(*, user, customers, action: str, view_name: str = "", path: str = "", reason: str = ""):
    """One access row per customer, in one INSERT (exports of many customers)."""
    rows = [
        AccessLog(
            user=user,
            customer=customer,
            action=action,
            view_name=view_name[:128],
            path=path[:512],
            reason=reason[:255],
        )
        for customer in customers
    ]
    return AccessLog.objects.bulk_create(rows, batch_size=1000)
