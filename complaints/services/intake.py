"""Intake: staff log a complaint from any channel; a customer submits one on the public web form.

A new complaint gets its due times from the SLA policy in the store's business hours, and a
handler: the privacy officer for personal-data complaints, else the customer's account manager
(when they work at the store), else nobody (the store queue).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import privacy.selectors
import privacy.services
from complaints.business_time import calendar_for_store
from complaints.models import Complaint, ComplaintEvent
from complaints.services.due import due_times_refresh
from complaints.services.notify import notify_staff
from complaints.services.workflow import event_record, privacy_officer_default, reopen_locked
from crm_site import roles
from customers.models import Customer, Store
from customers.phones import phone_to_e164
from customers.services.leads import lead_create_from_enquiry
from privacy.models import AccessLog, Notice


def _default_assignee(*, customer, store, category):
    if category.is_personal_data:
        return privacy_officer_default()
    manager = customer.account_manager if customer else None
    if manager and manager.is_active and manager.stores.filter(pk=store.pk).exists():
        return manager
    return None


def _new_complaint(**fields) -> Complaint:
    complaint = Complaint(**fields)
    due_times_refresh(complaint, calendar=calendar_for_store(complaint.store_id))
    complaint.full_clean()
    complaint.save()
    return complaint


@transaction.atomic
def complaint_create(
    *,
    by,
    customer_id: int,
    channel: str,
    category,
    severity: str,
    subject: str,
    description: str,
    store=None,
    timepiece=None,
    product=None,
    received_at=None,
    view_name: str = "",
) -> Complaint:
    """Staff log a complaint of a customer they can see, at one of their stores (default: the customer's)."""
    if not by.has_perm("complaints.add_complaint"):
        raise PermissionDenied(_("You may not log complaints."))
    customer = Customer.objects.visible_to(by).select_related("account_manager").filter(pk=customer_id).first()
    if customer is None:
        raise PermissionDenied(_("You may not log complaints for this customer."))
    store = store or customer.home_store
    if not Store.objects.of_user(by).filter(pk=store.pk).exists():
        raise ValidationError({"store": _("Choose one of your own stores.")})
    if timepiece is not None and timepiece.customer_id != customer.pk:
        raise ValidationError({"timepiece": _("Choose one of the customer's own timepieces.")})
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer used: choose another.")})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise ValidationError({"received_at": _("A complaint cannot be received in the future.")})
    complaint = _new_complaint(
        customer=customer,
        contact_name=customer.display_name[:200],
        contact_phone=customer.mobile_phone,
        contact_email=customer.email,
        channel=channel,
        category=category,
        severity=severity,
        store=store,
        timepiece=timepiece,
        product=product,
        subject=(subject or "").strip(),
        description=(description or "").strip(),
        received_at=received_at,
        assignee=_default_assignee(customer=customer, store=store, category=category),
        created_by=by,
    )
    event_record(complaint=complaint, kind=ComplaintEvent.Kind.CREATED, by=by, to_status=complaint.status, at=now)
    _announce(complaint, by=by)
    privacy.services.access_record(
        user=by,
        customer=customer,
        action=AccessLog.Action.EDIT,
        view_name=view_name,
        reason=f"complaint {complaint.pk} logged",
    )
    return complaint


def _announce(complaint: Complaint, *, by=None) -> None:
    if complaint.assignee_id and complaint.assignee_id != getattr(by, "pk", None):
        notify_staff(
            users=[complaint.assignee],
            title=_("New complaint %(ref)s for you: %(subject)s")
            % {"ref": complaint.reference, "subject": complaint.subject},
            url=complaint.get_absolute_url(),
        )


def matching_customers(*, mobile_phone: str, email: str):
    """Current customers with this phone number or e-mail address (exact)."""
    condition = Q()
    if mobile_phone:
        condition |= Q(mobile_phone=mobile_phone)
    if email:
        condition |= Q(email=email)
    if not condition:
        return Customer.objects.none()
    return Customer.objects.current().filter(condition)


@transaction.atomic
def complaint_submit_public(
    *, name: str, mobile_phone: str, email: str, store, category, subject: str, description: str
) -> Complaint:
    """A complaint from the public web form.

    When exactly one customer has the phone number or e-mail given, the complaint is theirs (their
    record is not changed); a recent resolved complaint of theirs in the same category is reopened
    instead (the same case). Otherwise a lead is made for staff to confirm: nobody is merged.
    """
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Tell us your name.")
    try:
        mobile_phone = phone_to_e164(mobile_phone or "")
    except ValidationError as exc:
        errors["mobile_phone"] = exc
    email = (email or "").strip().lower()
    if not (mobile_phone or email) and "mobile_phone" not in errors:
        errors["email"] = _("Give a phone number or an e-mail address so that we can reply.")
    if errors:
        raise ValidationError(errors)
    if not store.is_active or not category.is_active:
        raise ValidationError(_("Choose a store and a category from the lists."))
    matches = list(matching_customers(mobile_phone=mobile_phone, email=email).select_related("account_manager")[:2])
    customer = matches[0] if len(matches) == 1 else None
    now = timezone.now()
    if customer is not None:
        earlier = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("category", "store", "customer")
            .filter(
                customer=customer,
                category=category,
                status__in=(Complaint.Status.RESOLVED, Complaint.Status.CLOSED),
                resolved_at__gte=now - timedelta(days=settings.COMPLAINTS_REOPEN_WITHIN_DAYS),
            )
            .order_by("-resolved_at")
            .first()
        )
        if earlier is not None:
            complaint = reopen_locked(
                earlier,
                by=None,
                note=_("Reopened by the customer on the web form: %(text)s")
                % {"text": f"{subject.strip()}\n{description.strip()}"},
            )
            _announce(complaint)
            return complaint
    lead = None
    if customer is None:
        lead = lead_create_from_enquiry(
            name=name,
            mobile_phone=mobile_phone,
            email=email,
            store=store,
            interest=_("Complaint: %(subject)s") % {"subject": subject.strip()},
            notes=_("From the public complaint form."),
        )
    complaint = _new_complaint(
        customer=customer,
        lead=lead,
        contact_name=name[:200],
        contact_phone=mobile_phone,
        contact_email=email,
        channel=Complaint.Channel.WEB,
        category=category,
        severity=Complaint._meta.get_field("severity").default,
        store=store,
        subject=(subject or "").strip(),
        description=(description or "").strip(),
        received_at=now,
        assignee=_default_assignee(customer=customer, store=store, category=category),
        collection_notice=privacy.selectors.notice_current(kind=Notice.Kind.PICS),
    )
    note = (
        _("Matched to the customer record by phone or e-mail.")
        if customer
        else _("Several customers share this phone or e-mail: link the right one.")
        if matches
        else _("No customer with this phone or e-mail: a lead was made for staff to confirm.")
    )
    event_record(complaint=complaint, kind=ComplaintEvent.Kind.CREATED, note=note, to_status=complaint.status, at=now)
    _announce(complaint)
    if customer is None and complaint.assignee_id is None:
        _queue_alert(complaint)
    return complaint


def _queue_alert(complaint: Complaint) -> None:
    """A web complaint in the store queue: its supervisors hear of it."""
    from crm_site.models import User

    supervisors = User.objects.filter(is_active=True, groups__name=roles.SUPERVISOR, stores=complaint.store_id)
    notify_staff(
        users=supervisors.distinct(),
        title=_("Web complaint %(ref)s in the %(store)s queue")
        % {"ref": complaint.reference, "store": complaint.store},
        url=complaint.get_absolute_url(),
    )
