"""Every read or export of personal data is recorded here."""

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


def access_record_view(*, request, customer, view_name: str = ""):
    """A page showed ``customer``'s personal data to ``request.user``: one VIEW row.

    ``view_name`` defaults to the URL name the request resolved to (e.g. "customers:customer-detail").
    """
    match = getattr(request, "resolver_match", None)
    return access_record(
        user=request.user,
        customer=customer,
        action=AccessLog.Action.VIEW,
        view_name=view_name or (match.view_name if match else ""),
        path=request.path,
    )
